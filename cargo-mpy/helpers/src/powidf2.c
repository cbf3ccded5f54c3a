/* Power to an integer exponent, double precision: __powidf2 (`f64::powi`);
 * the same method as __powisf2. */
#define FP_BITS 64
#include "softfp.h"

uint64_t __powidf2(uint64_t a, int32_t b);

uint64_t __powidf2(uint64_t a, int32_t b) {
    const uint64_t one = 0x3ff0000000000000u;
    uint64_t r = one;
    int32_t n = b;
    for (;;) {
        if (n & 1) {
            r = f64_mul(r, a);
        }
        n /= 2;
        if (n == 0) {
            break;
        }
        a = f64_mul(a, a);
    }
    return b < 0 ? f64_div(one, r) : r;
}
