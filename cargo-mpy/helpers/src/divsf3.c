/* Single precision division: __divsf3 (the ESP32 FPU has no divide). */
#define FP_BITS 32
#include "softfp.h"

uint32_t __divsf3(uint32_t a, uint32_t b);

uint32_t __divsf3(uint32_t a, uint32_t b) {
    return f32_div(a, b);
}
