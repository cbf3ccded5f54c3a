/* 64-bit integers to single precision, rounded: __floatdisf __floatundisf. */
#define FP_BITS 32
#include "softfp.h"

uint32_t __floatdisf(int64_t a);
uint32_t __floatundisf(uint64_t a);

uint32_t __floatdisf(int64_t a) {
    return a < 0 ? f32_from_u64(0x80000000u, 0u - (uint64_t)a) : f32_from_u64(0, (uint64_t)a);
}

uint32_t __floatundisf(uint64_t a) {
    return f32_from_u64(0, a);
}
