/* Rounding to integral values, double precision: trunc floor ceil round
 * (round rounds halfway cases away from zero). */
#define FP_BITS 64
#include "softfp.h"

uint64_t trunc(uint64_t a);
uint64_t floor(uint64_t a);
uint64_t ceil(uint64_t a);
uint64_t round(uint64_t a);

uint64_t trunc(uint64_t a) {
    return f64_round_int(a, 0);
}

uint64_t floor(uint64_t a) {
    return f64_round_int(a, 1);
}

uint64_t ceil(uint64_t a) {
    return f64_round_int(a, 2);
}

uint64_t round(uint64_t a) {
    return f64_round_int(a, 3);
}
