/* Power to an integer exponent, single precision: __powisf2 (what LLVM
 * calls for `llvm.powi`, as in Rust's `f32::powi`). Square and multiply
 * from the exponent's low bit up, then one reciprocal for a negative
 * exponent; the same sequence of roundings as compiler-rt's, so results
 * are bit-identical to it. */
#define FP_BITS 32
#include "softfp.h"

uint32_t __powisf2(uint32_t a, int32_t b);

uint32_t __powisf2(uint32_t a, int32_t b) {
    const uint32_t one = 0x3f800000u;
    uint32_t r = one;
    int32_t n = b;
    for (;;) {
        if (n & 1) {
            r = f32_mul(r, a);
        }
        n /= 2;
        if (n == 0) {
            break;
        }
        a = f32_mul(a, a);
    }
    return b < 0 ? f32_div(one, r) : r;
}
