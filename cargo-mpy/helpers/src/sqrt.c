/* Correctly rounded square root, double precision: sqrt. */
#define FP_BITS 64
#include "softfp.h"

uint64_t sqrt(uint64_t a);

uint64_t sqrt(uint64_t a) {
    return f64_sqrt(a);
}
