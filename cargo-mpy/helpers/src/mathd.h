/*
 * mathd.h: exp and log in double precision arithmetic, the cores of the
 * single-precision expf, logf and powf. Working in double (relative error
 * near 1e-16) and rounding once to float gives results within an ulp,
 * nearly always the correctly rounded one.
 */
#ifndef MPY_HELPERS_MATHD_H
#define MPY_HELPERS_MATHD_H

#include "helpers.h"

typedef union {
    double d;
    uint64_t u;
} dbits;

typedef union {
    float f;
    uint32_t u;
} fbits;

/* ln 2 split so that k * LN2_HI is exact for |k| < 2^11. */
#define LN2_HI 0x1.62e42fee00000p-1
#define LN2_LO 0x1.a39ef35793c76p-33
#define INV_LN2 0x1.71547652b82fep0
#define SQRT2 0x1.6a09e667f3bcdp0

#define F32_INF 0x7f800000u
#define F32_QNAN 0x7fc00000u

HELPER_INLINE float f32_from_bits(uint32_t u) {
    fbits b;
    b.u = u;
    return b.f;
}

HELPER_INLINE uint32_t f32_bits(float f) {
    fbits b;
    b.f = f;
    return b.u;
}

/* 2^k for -1022 <= k <= 1023. */
HELPER_INLINE double pow2i(int k) {
    dbits b;
    b.u = (uint64_t)(k + 1023) << 52;
    return b.d;
}

/* 1/n!, for the Taylor series of e^r. */
static const double exp_coef[15] = {
    1.0, 1.0, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040, 1.0 / 40320,
    1.0 / 362880, 1.0 / 3628800, 1.0 / 39916800, 1.0 / 479001600, 1.0 / 6227020800.0,
    1.0 / 87178291200.0,
};

/* e^t for -745 < t < 710 (the finite, nonzero double range): t = k ln2 + r
 * with |r| <= ln2 / 2, e^r by its Taylor series to r^14, then scaled by 2^k
 * (in two steps at the ends of the range). */
HELPER_INLINE double exp_core(double t) {
    int k = (int)(t * INV_LN2 + (t < 0 ? -0.5 : 0.5));
    double r = (t - k * LN2_HI) - k * LN2_LO;
    double p = exp_coef[14];
    for (int n = 13; n >= 0; n--) {
        p = p * r + exp_coef[n];
    }
    if (k > 1000) {
        return p * pow2i(1000) * pow2i(k - 1000);
    }
    if (k < -1000) {
        return p * pow2i(-1000) * pow2i(k + 1000);
    }
    return p * pow2i(k);
}

/* 1/(2n+1), for the series of atanh. */
static const double atanh_coef[12] = {
    1.0, 1.0 / 3, 1.0 / 5, 1.0 / 7, 1.0 / 9, 1.0 / 11, 1.0 / 13, 1.0 / 15, 1.0 / 17,
    1.0 / 19, 1.0 / 21, 1.0 / 23,
};

/* ln x for finite x > 0: x = m 2^e with m in [sqrt(1/2), sqrt(2)), and
 * ln m = 2 atanh(s), s = (m - 1) / (m + 1), by its series to s^23. */
HELPER_INLINE double log_core(double x) {
    dbits b;
    b.d = x;
    int e = (int)(b.u >> 52);
    if (e == 0) {
        /* Subnormal: scale into the normal range first. */
        b.d = x * pow2i(60);
        e = (int)(b.u >> 52) - 60;
    }
    e -= 1023;
    b.u = (b.u & 0x000fffffffffffffull) | 0x3ff0000000000000ull; /* m in [1, 2) */
    double m = b.d;
    if (m > SQRT2) {
        m *= 0.5;
        e++;
    }
    double s = (m - 1.0) / (m + 1.0);
    double z = s * s;
    double sum = atanh_coef[11];
    for (int n = 10; n >= 0; n--) {
        sum = sum * z + atanh_coef[n];
    }
    return e * LN2_HI + (e * LN2_LO + 2.0 * s * sum);
}

#endif /* MPY_HELPERS_MATHD_H */
