/*
 * 32-bit division and remainder: __udivsi3 __divsi3 __umodsi3 __modsi3.
 * Cores without a divider (ESP8266's LX106) need them; division by zero
 * returns an all-ones quotient and the dividend as remainder.
 */
#include "helpers.h"

uint32_t __udivsi3(uint32_t n, uint32_t d);
int32_t __divsi3(int32_t n, int32_t d);
uint32_t __umodsi3(uint32_t n, uint32_t d);
int32_t __modsi3(int32_t n, int32_t d);

HELPER_INLINE uint32_t udiv32(uint32_t n, uint32_t d, uint32_t *rem) {
    if (d == 0) {
        *rem = n;
        return 0xffffffffu;
    }
    return udivmod32(n, d, rem);
}

HELPER_INLINE uint32_t abs32(int32_t v) {
    return v < 0 ? 0u - (uint32_t)v : (uint32_t)v;
}

uint32_t __udivsi3(uint32_t n, uint32_t d) {
    uint32_t r;
    return udiv32(n, d, &r);
}

uint32_t __umodsi3(uint32_t n, uint32_t d) {
    uint32_t r;
    udiv32(n, d, &r);
    return r;
}

/* Quotients truncate toward zero; the remainder has the dividend's sign. */
int32_t __divsi3(int32_t n, int32_t d) {
    uint32_t r;
    uint32_t q = udiv32(abs32(n), abs32(d), &r);
    return (int32_t)((n < 0) != (d < 0) ? 0u - q : q);
}

int32_t __modsi3(int32_t n, int32_t d) {
    uint32_t r;
    udiv32(abs32(n), abs32(d), &r);
    return (int32_t)(n < 0 ? 0u - r : r);
}
