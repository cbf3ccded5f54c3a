/* Double precision division: __divdf3. */
#define FP_BITS 64
#include "softfp.h"

uint64_t __divdf3(uint64_t a, uint64_t b);

uint64_t __divdf3(uint64_t a, uint64_t b) {
    return f64_div(a, b);
}
