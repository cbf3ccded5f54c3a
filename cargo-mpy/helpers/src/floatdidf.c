/* 64-bit integers to double precision, rounded: __floatdidf __floatundidf. */
#define FP_BITS 64
#include "softfp.h"

uint64_t __floatdidf(int64_t a);
uint64_t __floatundidf(uint64_t a);

uint64_t __floatdidf(int64_t a) {
    return a < 0 ? f64_from_u64((uint64_t)1 << 63, 0u - (uint64_t)a) : f64_from_u64(0, (uint64_t)a);
}

uint64_t __floatundidf(uint64_t a) {
    return f64_from_u64(0, a);
}
