/* Double precision addition and subtraction: __adddf3 __subdf3. */
#define FP_BITS 64
#include "softfp.h"

uint64_t __adddf3(uint64_t a, uint64_t b);
uint64_t __subdf3(uint64_t a, uint64_t b);

uint64_t __adddf3(uint64_t a, uint64_t b) {
    return f64_add(a, b);
}

uint64_t __subdf3(uint64_t a, uint64_t b) {
    return f64_sub(a, b);
}
