/* Correctly rounded square root, single precision: sqrtf. */
#define FP_BITS 32
#include "softfp.h"

uint32_t sqrtf(uint32_t a);

uint32_t sqrtf(uint32_t a) {
    return f32_sqrt(a);
}
