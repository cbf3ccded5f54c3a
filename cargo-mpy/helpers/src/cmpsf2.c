/*
 * Single precision comparisons, with libgcc's result conventions: each
 * returns an int whose relation to 0 is the answer (__eqsf2/__nesf2: 0 when
 * equal; __ltsf2/__lesf2: < 0 / <= 0 when less / less or equal; __gtsf2 /
 * __gesf2: > 0 / >= 0), false for unordered operands; __unordsf2 is nonzero
 * when either is a NaN; __cmpsf2 is __lesf2.
 */
#define FP_BITS 32
#include "softfp.h"

int __eqsf2(uint32_t a, uint32_t b);
int __nesf2(uint32_t a, uint32_t b);
int __ltsf2(uint32_t a, uint32_t b);
int __lesf2(uint32_t a, uint32_t b);
int __gtsf2(uint32_t a, uint32_t b);
int __gesf2(uint32_t a, uint32_t b);
int __unordsf2(uint32_t a, uint32_t b);
int __cmpsf2(uint32_t a, uint32_t b);

/* Unordered counts as "greater" for the less-than family... */
HELPER_INLINE int cmp_le(uint32_t a, uint32_t b) {
    int c = f32_cmp(a, b);
    return c == 2 ? 1 : c;
}

/* ...and as "less" for the greater-than family. */
HELPER_INLINE int cmp_ge(uint32_t a, uint32_t b) {
    int c = f32_cmp(a, b);
    return c == 2 ? -1 : c;
}

int __eqsf2(uint32_t a, uint32_t b) {
    return cmp_le(a, b);
}

int __nesf2(uint32_t a, uint32_t b) {
    return cmp_le(a, b);
}

int __ltsf2(uint32_t a, uint32_t b) {
    return cmp_le(a, b);
}

int __lesf2(uint32_t a, uint32_t b) {
    return cmp_le(a, b);
}

int __cmpsf2(uint32_t a, uint32_t b) {
    return cmp_le(a, b);
}

int __gtsf2(uint32_t a, uint32_t b) {
    return cmp_ge(a, b);
}

int __gesf2(uint32_t a, uint32_t b) {
    return cmp_ge(a, b);
}

int __unordsf2(uint32_t a, uint32_t b) {
    return f32_cmp(a, b) == 2;
}
