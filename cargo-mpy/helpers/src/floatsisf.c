/* 32-bit integers to single precision, rounded: __floatsisf __floatunsisf. */
#define FP_BITS 32
#include "softfp.h"

uint32_t __floatsisf(int32_t a);
uint32_t __floatunsisf(uint32_t a);

uint32_t __floatsisf(int32_t a) {
    return a < 0 ? f32_from_u64(0x80000000u, 0u - (uint32_t)a) : f32_from_u64(0, (uint32_t)a);
}

uint32_t __floatunsisf(uint32_t a) {
    return f32_from_u64(0, a);
}
