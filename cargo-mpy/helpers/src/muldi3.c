/* 64-bit multiplication (low 64 bits of the product): __muldi3. */
#include "helpers.h"

uint64_t __muldi3(uint64_t a, uint64_t b);

uint64_t __muldi3(uint64_t a, uint64_t b) {
    uint64_t lo = mul32x32(lo32(a), lo32(b));
    uint32_t cross = lo32(a) * hi32(b) + hi32(a) * lo32(b);
    return make64(hi32(lo) + cross, lo32(lo));
}
