/* Sign manipulation, single precision: fabsf copysignf. */
#include <stdint.h>

uint32_t fabsf(uint32_t a);
uint32_t copysignf(uint32_t a, uint32_t b);

uint32_t fabsf(uint32_t a) {
    return a & 0x7fffffffu;
}

uint32_t copysignf(uint32_t a, uint32_t b) {
    return (a & 0x7fffffffu) | (b & 0x80000000u);
}
