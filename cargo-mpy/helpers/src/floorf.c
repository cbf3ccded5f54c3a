/* Rounding to integral values, single precision: truncf floorf ceilf roundf
 * (roundf rounds halfway cases away from zero). */
#define FP_BITS 32
#include "softfp.h"

uint32_t truncf(uint32_t a);
uint32_t floorf(uint32_t a);
uint32_t ceilf(uint32_t a);
uint32_t roundf(uint32_t a);

uint32_t truncf(uint32_t a) {
    return f32_round_int(a, 0);
}

uint32_t floorf(uint32_t a) {
    return f32_round_int(a, 1);
}

uint32_t ceilf(uint32_t a) {
    return f32_round_int(a, 2);
}

uint32_t roundf(uint32_t a) {
    return f32_round_int(a, 3);
}
