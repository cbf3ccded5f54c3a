/*
 * 64-bit division and remainder: __udivdi3 __divdi3 __umoddi3 __moddi3,
 * __udivmoddi4 and __divmoddi4. Division by zero returns an all-ones
 * quotient and the dividend as remainder.
 */
#include "helpers.h"

uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem);
int64_t __divmoddi4(int64_t n, int64_t d, int64_t *rem);
uint64_t __udivdi3(uint64_t n, uint64_t d);
int64_t __divdi3(int64_t n, int64_t d);
uint64_t __umoddi3(uint64_t n, uint64_t d);
int64_t __moddi3(int64_t n, int64_t d);

HELPER_INLINE uint64_t abs64(int64_t v) {
    return v < 0 ? 0u - (uint64_t)v : (uint64_t)v;
}

uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem) {
    uint64_t r;
    uint64_t q;
    if (d == 0) {
        r = n;
        q = ~(uint64_t)0;
    } else if (hi32(n) == 0) {
        /* Both fit a word (d <= n or the quotient is 0): 32-bit division. */
        uint32_t r32 = lo32(n);
        q = hi32(d) == 0 ? udivmod32(lo32(n), lo32(d), &r32) : 0;
        r = r32;
    } else {
        q = udivmod64(n, d, &r);
    }
    if (rem != 0) {
        *rem = r;
    }
    return q;
}

int64_t __divmoddi4(int64_t n, int64_t d, int64_t *rem) {
    uint64_t r;
    uint64_t q = __udivmoddi4(abs64(n), abs64(d), &r);
    if (rem != 0) {
        *rem = (int64_t)(n < 0 ? 0u - r : r);
    }
    return (int64_t)((n < 0) != (d < 0) ? 0u - q : q);
}

uint64_t __udivdi3(uint64_t n, uint64_t d) {
    return __udivmoddi4(n, d, 0);
}

uint64_t __umoddi3(uint64_t n, uint64_t d) {
    uint64_t r;
    __udivmoddi4(n, d, &r);
    return r;
}

int64_t __divdi3(int64_t n, int64_t d) {
    return __divmoddi4(n, d, 0);
}

int64_t __moddi3(int64_t n, int64_t d) {
    int64_t r;
    __divmoddi4(n, d, &r);
    return r;
}
