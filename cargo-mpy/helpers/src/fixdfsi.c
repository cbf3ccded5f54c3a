/* Double precision to 32-bit integers, truncating: __fixdfsi __fixunsdfsi.
 * Out-of-range values saturate; NaN gives 0. */
#define FP_BITS 64
#include "softfp.h"

int32_t __fixdfsi(uint64_t a);
uint32_t __fixunsdfsi(uint64_t a);

int32_t __fixdfsi(uint64_t a) {
    return (int32_t)f64_to_int(a, 32);
}

uint32_t __fixunsdfsi(uint64_t a) {
    return (uint32_t)f64_to_uint(a, 32);
}
