/* Double precision to 64-bit integers, truncating: __fixdfdi __fixunsdfdi.
 * Out-of-range values saturate; NaN gives 0. */
#define FP_BITS 64
#include "softfp.h"

int64_t __fixdfdi(uint64_t a);
uint64_t __fixunsdfdi(uint64_t a);

int64_t __fixdfdi(uint64_t a) {
    return f64_to_int(a, 64);
}

uint64_t __fixunsdfdi(uint64_t a) {
    return f64_to_uint(a, 64);
}
