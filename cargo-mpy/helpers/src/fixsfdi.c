/* Single precision to 64-bit integers, truncating: __fixsfdi __fixunssfdi.
 * Out-of-range values saturate; NaN gives 0. */
#define FP_BITS 32
#include "softfp.h"

int64_t __fixsfdi(uint32_t a);
uint64_t __fixunssfdi(uint32_t a);

int64_t __fixsfdi(uint32_t a) {
    return f32_to_int(a, 64);
}

uint64_t __fixunssfdi(uint32_t a) {
    return f32_to_uint(a, 64);
}
