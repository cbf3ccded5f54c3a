/* Single precision to 32-bit integers, truncating: __fixsfsi __fixunssfsi.
 * Out-of-range values saturate; NaN gives 0. */
#define FP_BITS 32
#include "softfp.h"

int32_t __fixsfsi(uint32_t a);
uint32_t __fixunssfsi(uint32_t a);

int32_t __fixsfsi(uint32_t a) {
    return (int32_t)f32_to_int(a, 32);
}

uint32_t __fixunssfsi(uint32_t a) {
    return (uint32_t)f32_to_uint(a, 32);
}
