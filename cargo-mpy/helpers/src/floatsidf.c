/* 32-bit integers to double precision (exact): __floatsidf __floatunsidf. */
#define FP_BITS 64
#include "softfp.h"

uint64_t __floatsidf(int32_t a);
uint64_t __floatunsidf(uint32_t a);

uint64_t __floatsidf(int32_t a) {
    return a < 0 ? f64_from_u64((uint64_t)1 << 63, 0u - (uint32_t)a) : f64_from_u64(0, (uint32_t)a);
}

uint64_t __floatunsidf(uint32_t a) {
    return f64_from_u64(0, a);
}
