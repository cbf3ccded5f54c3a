/* Floating-point remainder (exact), single precision: fmodf. */
#define FP_BITS 32
#include "softfp.h"

uint32_t fmodf(uint32_t a, uint32_t b);

uint32_t fmodf(uint32_t a, uint32_t b) {
    return f32_fmod(a, b);
}
