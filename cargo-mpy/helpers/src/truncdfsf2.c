/* Double to single precision, rounded: __truncdfsf2. */
#define FP_BITS 64
#include "softfp.h"
#define FP_BITS 32
#include "softfp.h"

uint32_t __truncdfsf2(uint64_t a);

uint32_t __truncdfsf2(uint64_t a) {
    uint32_t sign = (uint32_t)(a >> 32) & 0x80000000u;
    uint64_t aa = a & 0x7fffffffffffffffull;
    if (aa > 0x7ff0000000000000ull) {
        return 0x7fc00000u;
    }
    if (aa == 0x7ff0000000000000ull) {
        return sign | 0x7f800000u;
    }
    if (aa == 0) {
        return sign;
    }
    uint64_t m;
    int e = f64_normalize(aa, &m);
    /* Leading one from bit 52 to bit 26 (23 + 3), the rest sticky. */
    uint32_t sig = (uint32_t)shr64_sticky(m, 52 - 26);
    return f32_pack(sign, e - 1023 + 127, sig);
}
