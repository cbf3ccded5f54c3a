/* Single to double precision (exact): __extendsfdf2. */
#define FP_BITS 32
#include "softfp.h"

uint64_t __extendsfdf2(uint32_t a);

uint64_t __extendsfdf2(uint32_t a) {
    uint64_t sign = (uint64_t)(a >> 31) << 63;
    uint32_t aa = a & 0x7fffffffu;
    if (aa > 0x7f800000u) {
        return 0x7ff8000000000000ull; /* the default quiet NaN */
    }
    if (aa == 0x7f800000u) {
        return sign | 0x7ff0000000000000ull;
    }
    if (aa == 0) {
        return sign;
    }
    uint32_t m;
    int e = f32_normalize(aa, &m); /* may be below 1 for a subnormal */
    uint64_t exp = (uint64_t)(e - 127 + 1023);
    return sign | (exp << 52) | ((uint64_t)(m & 0x7fffffu) << 29);
}
