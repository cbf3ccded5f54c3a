/* Single precision multiplication: __mulsf3. */
#define FP_BITS 32
#include "softfp.h"

uint32_t __mulsf3(uint32_t a, uint32_t b);

uint32_t __mulsf3(uint32_t a, uint32_t b) {
    return f32_mul(a, b);
}
