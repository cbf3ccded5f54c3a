/* Single precision addition and subtraction: __addsf3 __subsf3. */
#define FP_BITS 32
#include "softfp.h"

uint32_t __addsf3(uint32_t a, uint32_t b);
uint32_t __subsf3(uint32_t a, uint32_t b);

uint32_t __addsf3(uint32_t a, uint32_t b) {
    return f32_add(a, b);
}

uint32_t __subsf3(uint32_t a, uint32_t b) {
    return f32_sub(a, b);
}
