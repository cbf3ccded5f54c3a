/* Floating-point remainder (exact), double precision: fmod. */
#define FP_BITS 64
#include "softfp.h"

uint64_t fmod(uint64_t a, uint64_t b);

uint64_t fmod(uint64_t a, uint64_t b) {
    return f64_fmod(a, b);
}
