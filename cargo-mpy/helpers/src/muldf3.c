/* Double precision multiplication: __muldf3. */
#define FP_BITS 64
#include "softfp.h"

uint64_t __muldf3(uint64_t a, uint64_t b);

uint64_t __muldf3(uint64_t a, uint64_t b) {
    return f64_mul(a, b);
}
