/*
 * Double precision comparisons, with libgcc's result conventions: each
 * returns an int whose relation to 0 is the answer (__eqdf2/__nedf2: 0 when
 * equal; __ltdf2/__ledf2: < 0 / <= 0 when less / less or equal; __gtdf2 /
 * __gedf2: > 0 / >= 0), false for unordered operands; __unorddf2 is nonzero
 * when either is a NaN; __cmpdf2 is __ledf2.
 */
#define FP_BITS 64
#include "softfp.h"

int __eqdf2(uint64_t a, uint64_t b);
int __nedf2(uint64_t a, uint64_t b);
int __ltdf2(uint64_t a, uint64_t b);
int __ledf2(uint64_t a, uint64_t b);
int __gtdf2(uint64_t a, uint64_t b);
int __gedf2(uint64_t a, uint64_t b);
int __unorddf2(uint64_t a, uint64_t b);
int __cmpdf2(uint64_t a, uint64_t b);

/* Unordered counts as "greater" for the less-than family... */
HELPER_INLINE int cmp_le(uint64_t a, uint64_t b) {
    int c = f64_cmp(a, b);
    return c == 2 ? 1 : c;
}

/* ...and as "less" for the greater-than family. */
HELPER_INLINE int cmp_ge(uint64_t a, uint64_t b) {
    int c = f64_cmp(a, b);
    return c == 2 ? -1 : c;
}

int __eqdf2(uint64_t a, uint64_t b) {
    return cmp_le(a, b);
}

int __nedf2(uint64_t a, uint64_t b) {
    return cmp_le(a, b);
}

int __ltdf2(uint64_t a, uint64_t b) {
    return cmp_le(a, b);
}

int __ledf2(uint64_t a, uint64_t b) {
    return cmp_le(a, b);
}

int __cmpdf2(uint64_t a, uint64_t b) {
    return cmp_le(a, b);
}

int __gtdf2(uint64_t a, uint64_t b) {
    return cmp_ge(a, b);
}

int __gedf2(uint64_t a, uint64_t b) {
    return cmp_ge(a, b);
}

int __unorddf2(uint64_t a, uint64_t b) {
    return f64_cmp(a, b) == 2;
}
