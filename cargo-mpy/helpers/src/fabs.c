/* Sign manipulation, double precision: fabs copysign. */
#include <stdint.h>

uint64_t fabs(uint64_t a);
uint64_t copysign(uint64_t a, uint64_t b);

#define SIGN64 ((uint64_t)1 << 63)

uint64_t fabs(uint64_t a) {
    return a & ~SIGN64;
}

uint64_t copysign(uint64_t a, uint64_t b) {
    return (a & ~SIGN64) | (b & SIGN64);
}
