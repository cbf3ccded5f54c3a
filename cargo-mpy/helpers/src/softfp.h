/*
 * softfp.h: IEEE 754 binary32 and binary64 arithmetic in integer code.
 *
 * One implementation serves both widths: define FP_BITS (32 or 64) and
 * include this file; it defines static inline functions named f32_* or
 * f64_* (a file may include it once for each width). Values are bit
 * patterns. Rounding is to nearest, ties to even, with subnormals, signed
 * zeros and infinities as IEEE 754 specifies; every NaN result is the
 * default quiet NaN (sign clear). No exception flags are kept.
 *
 * Internally a finite value is (sign, exponent, significand). `pack` takes
 * a significand whose leading one is at bit FP_MANT + 3 (three extra low
 * bits: guard, round and a sticky bit that records any nonzero bits
 * shifted out) and a biased exponent that may be out of range, and does the
 * one rounding of each operation, including into subnormals and infinity.
 */
#include "helpers.h"

#if FP_BITS == 32
#define FP(name) f32_##name
#define FP_MANT 23
#define FP_EXPBITS 8
typedef uint32_t f32_u;
typedef int32_t f32_s;
#define FP_CLZ(x) clz32(x)
#define FP_SHL(x, n) ((x) << (n))
#define FP_SHR(x, n) ((x) >> (n))
#define FP_SHR_STICKY(x, n) shr32_sticky((x), (n))
#elif FP_BITS == 64
#define FP(name) f64_##name
#define FP_MANT 52
#define FP_EXPBITS 11
typedef uint64_t f64_u;
typedef int64_t f64_s;
#define FP_CLZ(x) clz64(x)
#define FP_SHL(x, n) shl64((x), (n))
#define FP_SHR(x, n) shr64((x), (n))
#define FP_SHR_STICKY(x, n) shr64_sticky((x), (n))
#else
#error "define FP_BITS to 32 or 64 before including softfp.h"
#endif

#define U FP(u)
#define S FP(s)
#define SIGN ((U)1 << (FP_BITS - 1))
#define IMPLICIT ((U)1 << FP_MANT)
#define MANT_MASK (IMPLICIT - 1)
#define EXP_MAX ((1 << FP_EXPBITS) - 1)
#define BIAS ((1 << (FP_EXPBITS - 1)) - 1)
#define INF ((U)EXP_MAX << FP_MANT)
#define QNAN (INF | ((U)1 << (FP_MANT - 1)))
#define ONE ((U)BIAS << FP_MANT)
/* Leading zeros of a significand whose leading one is at bit FP_MANT. */
#define LEAD_CLZ (FP_BITS - 1 - FP_MANT)

/* The one rounding step; see the file comment. */
HELPER_INLINE U FP(pack)(U sign, int exp, U sig) {
    if (exp >= EXP_MAX) {
        return sign | INF;
    }
    if (exp <= 0) {
        /* Subnormal: denormalise to the scale of exponent 1. */
        sig = FP_SHR_STICKY(sig, 1 - exp);
        exp = 1;
    }
    unsigned rest = (unsigned)(sig & 7);
    sig >>= 3;
    if (rest > 4 || (rest == 4 && (sig & 1))) {
        sig++;
    }
    /* The implicit bit (when present) carries the exponent from 1 up, and
     * a rounding carry moves into the exponent (up to infinity). */
    return sign | ((((U)(exp - 1)) << FP_MANT) + sig);
}

/* Exponent and significand of a finite |a| without normalising: a
 * subnormal gets exponent 1 and no implicit bit. */
HELPER_INLINE int FP(split)(U abs, U *sig) {
    int exp = (int)(abs >> FP_MANT);
    U m = abs & MANT_MASK;
    if (exp == 0) {
        exp = 1;
    } else {
        m |= IMPLICIT;
    }
    *sig = m;
    return exp;
}

/* Exponent and significand of a finite nonzero |a| with the leading one at
 * bit FP_MANT; a subnormal's exponent goes below 1. */
HELPER_INLINE int FP(normalize)(U abs, U *sig) {
    int exp = (int)(abs >> FP_MANT);
    U m = abs & MANT_MASK;
    if (exp == 0) {
        int shift = FP_CLZ(m) - LEAD_CLZ;
        m = FP_SHL(m, shift);
        exp = 1 - shift;
    } else {
        m |= IMPLICIT;
    }
    *sig = m;
    return exp;
}

HELPER_INLINE bool FP(is_nan)(U a) {
    return (a & ~SIGN) > INF;
}

HELPER_INLINE U FP(add)(U a, U b) {
    U aa = a & ~SIGN, ba = b & ~SIGN;
    if (aa > INF || ba > INF) {
        return QNAN;
    }
    if (aa == INF) {
        return ba == INF && ((a ^ b) & SIGN) ? QNAN : a;
    }
    if (ba == INF) {
        return b;
    }
    if (aa == 0) {
        /* -0 + -0 is -0; any other sum of zeros is +0. */
        return ba == 0 ? (a & b) : b;
    }
    if (ba == 0) {
        return a;
    }
    if (ba > aa) {
        U t = a;
        a = b;
        b = t;
        t = aa;
        aa = ba;
        ba = t;
    }
    U as, bs;
    int ae = FP(split)(aa, &as);
    int be = FP(split)(ba, &bs);
    as <<= 3;
    bs = FP_SHR_STICKY(bs << 3, ae - be);
    if ((a ^ b) & SIGN) {
        as -= bs;
        if (as == 0) {
            return 0;
        }
        /* Cancellation: shift the leading one back up to bit FP_MANT + 3,
         * but not below exponent 1 (the result is then subnormal, and
         * exact). */
        int shift = FP_CLZ(as) - (LEAD_CLZ - 3);
        if (shift > ae - 1) {
            shift = ae - 1;
        }
        if (shift > 0) {
            as = FP_SHL(as, shift);
            ae -= shift;
        }
    } else {
        as += bs;
        if (as >> (FP_MANT + 4)) {
            as = FP_SHR_STICKY(as, 1);
            ae++;
        }
    }
    return FP(pack)(a & SIGN, ae, as);
}

HELPER_INLINE U FP(sub)(U a, U b) {
    return FP(add)(a, b ^ SIGN);
}

/* The product of two significands (leading ones at FP_MANT) scaled to a
 * `pack` significand; bumps *exp when the product has its leading one one
 * bit higher. */
#if FP_BITS == 32
HELPER_INLINE U FP(mul_sig)(U a, U b, int *exp) {
    uint64_t p = mul32x32(a, b);
    int shift = FP_MANT - 3;
    if (p >> (2 * FP_MANT + 1)) {
        shift++;
        ++*exp;
    }
    return (U)shr64_sticky(p, shift);
}
#else
HELPER_INLINE U FP(mul_sig)(U a, U b, int *exp) {
    uint64_t hi, lo;
    mul64x64(a, b, &hi, &lo);
    int shift = FP_MANT - 3;
    /* The product has 2 * FP_MANT + 1 or + 2 bits: the leading one is at
     * bit 2 * FP_MANT + 1 - 64 of hi when it is the higher one. */
    if (hi >> (2 * FP_MANT + 1 - 64)) {
        shift++;
        ++*exp;
    }
    /* 0 < shift < 64: bits of hi come down, bits of lo go to sticky. */
    return shl64(hi, 64 - shift) | shr64(lo, shift) | (shl64(lo, 64 - shift) != 0);
}
#endif

HELPER_INLINE U FP(mul)(U a, U b) {
    U sign = (a ^ b) & SIGN;
    U aa = a & ~SIGN, ba = b & ~SIGN;
    if (aa > INF || ba > INF) {
        return QNAN;
    }
    if (aa == INF) {
        return ba == 0 ? QNAN : sign | INF;
    }
    if (ba == INF) {
        return aa == 0 ? QNAN : sign | INF;
    }
    if (aa == 0 || ba == 0) {
        return sign;
    }
    U am, bm;
    int exp = FP(normalize)(aa, &am) + FP(normalize)(ba, &bm) - BIAS;
    U sig = FP(mul_sig)(am, bm, &exp);
    return FP(pack)(sign, exp, sig);
}

HELPER_INLINE U FP(div)(U a, U b) {
    U sign = (a ^ b) & SIGN;
    U aa = a & ~SIGN, ba = b & ~SIGN;
    if (aa > INF || ba > INF) {
        return QNAN;
    }
    if (aa == INF) {
        return ba == INF ? QNAN : sign | INF;
    }
    if (ba == INF) {
        return sign;
    }
    if (ba == 0) {
        return aa == 0 ? QNAN : sign | INF;
    }
    if (aa == 0) {
        return sign;
    }
    U am, bm;
    int exp = FP(normalize)(aa, &am) - FP(normalize)(ba, &bm) + BIAS;
    if (am < bm) {
        am <<= 1;
        exp--;
    }
    /* Restoring division: FP_MANT + 4 quotient bits, the leading one at
     * FP_MANT + 3, and the remainder as the sticky bit. */
    U q = 0, r = am;
    for (int i = 0; i < FP_MANT + 4; i++) {
        q <<= 1;
        if (r >= bm) {
            r -= bm;
            q |= 1;
        }
        r <<= 1;
    }
    return FP(pack)(sign, exp, q | (r != 0));
}

HELPER_INLINE U FP(sqrt)(U a) {
    U aa = a & ~SIGN;
    if (aa == 0) {
        return a; /* sqrt(-0) is -0 */
    }
    if (aa > INF || (a & SIGN)) {
        return QNAN;
    }
    if (aa == INF) {
        return a;
    }
    U m;
    /* a = m * 2^(e - FP_MANT) with the leading one of m at FP_MANT. */
    int e = FP(normalize)(aa, &m) - BIAS;
    /* N = m << s with an even power of two left over; sqrt(N) then has its
     * leading one at FP_MANT + 3, as `pack` wants. */
    int s = ((e - FP_MANT - (FP_MANT + 6)) & 1) ? FP_MANT + 7 : FP_MANT + 6;
    int exp = BIAS + FP_MANT + 3 + (e - FP_MANT - s) / 2;
    /* Digit-by-digit square root of N, two bits of N per result bit; the
     * final remainder is the sticky bit. */
    U q = 0, rem = 0;
    for (int i = FP_MANT + 3; i >= 0; i--) {
        int sh = 2 * i - s;
        unsigned two = sh >= 0 ? (unsigned)(FP_SHR(m, sh) & 3) : sh == -1 ? (unsigned)((m << 1) & 3) : 0;
        rem = (rem << 2) | two;
        U t = (q << 2) | 1;
        q <<= 1;
        if (rem >= t) {
            rem -= t;
            q |= 1;
        }
    }
    return FP(pack)(0, exp, q | (rem != 0));
}

/* -1, 0 or 1 as a < b, a == b, a > b; 2 when either is a NaN. */
HELPER_INLINE int FP(cmp)(U a, U b) {
    U aa = a & ~SIGN, ba = b & ~SIGN;
    if (aa > INF || ba > INF) {
        return 2;
    }
    if ((aa | ba) == 0) {
        return 0;
    }
    if (a & b & SIGN) {
        /* Both negative: the larger pattern is the smaller number. */
        return a > b ? -1 : a < b ? 1 : 0;
    }
    return (S)a < (S)b ? -1 : (S)a > (S)b ? 1 : 0;
}

/* The value sign * v, rounded. */
HELPER_INLINE U FP(from_u64)(U sign, uint64_t v) {
    if (v == 0) {
        return 0;
    }
    int p = 63 - clz64(v);
    uint64_t sig = p > FP_MANT + 3 ? shr64_sticky(v, p - (FP_MANT + 3)) : shl64(v, FP_MANT + 3 - p);
    return FP(pack)(sign, BIAS + p, (U)sig);
}

/* |a| rounded toward zero to an integer, saturated at 2^64 - 1; a must
 * not be a NaN. */
HELPER_INLINE uint64_t FP(trunc_abs)(U a) {
    U aa = a & ~SIGN;
    int e = (int)(aa >> FP_MANT) - BIAS;
    if (e < 0) {
        return 0;
    }
    if (e >= 64) {
        return ~(uint64_t)0;
    }
    uint64_t m = (uint64_t)((aa & MANT_MASK) | IMPLICIT);
    return e >= FP_MANT ? shl64(m, e - FP_MANT) : shr64(m, FP_MANT - e);
}

/* Signed conversion to `bits` bits (32 or 64), saturating; NaN gives 0. */
HELPER_INLINE int64_t FP(to_int)(U a, int bits) {
    if (FP(is_nan)(a)) {
        return 0;
    }
    uint64_t limit = shl64(1, bits - 1); /* 2^(bits-1) */
    uint64_t mag = FP(trunc_abs)(a);
    if (a & SIGN) {
        return mag >= limit ? (int64_t)(0 - limit) : (int64_t)(0 - mag);
    }
    return mag >= limit ? (int64_t)(limit - 1) : (int64_t)mag;
}

/* Unsigned conversion to `bits` bits, saturating; NaN and negative numbers
 * give 0. */
HELPER_INLINE uint64_t FP(to_uint)(U a, int bits) {
    if (FP(is_nan)(a) || (a & SIGN)) {
        return 0;
    }
    uint64_t mag = FP(trunc_abs)(a);
    if (bits < 64 && mag >> 32) {
        return 0xffffffffu;
    }
    return mag;
}

/* Rounding to an integral value: 0 toward zero, 1 down, 2 up, 3 to
 * nearest with ties away from zero (C's round). */
HELPER_INLINE U FP(round_int)(U a, int mode) {
    U aa = a & ~SIGN, neg = a & SIGN;
    int e = (int)(aa >> FP_MANT) - BIAS;
    if (e >= FP_MANT) {
        return a; /* integral already, infinite or NaN */
    }
    if (e < 0) {
        /* 0 < |a| < 1 (or a zero). */
        if (aa == 0) {
            return a;
        }
        switch (mode) {
            case 1:
                return neg ? neg | ONE : 0;
            case 2:
                return neg ? neg : ONE;
            case 3:
                return e == -1 ? neg | ONE : neg;
            default:
                return neg;
        }
    }
    U frac = FP_SHR(MANT_MASK, e);
    if ((aa & frac) == 0) {
        return a;
    }
    U t = a & ~frac;
    bool up = mode == 1 ? neg != 0 : mode == 2 ? neg == 0 : mode == 3 ? (aa & ((frac >> 1) + 1)) != 0 : false;
    if (up) {
        /* One more unit of magnitude; a carry moves into the exponent. */
        t += frac + 1;
    }
    return t;
}

/* C's fmod: a - n * b with n = trunc(a / b), computed exactly. */
HELPER_INLINE U FP(fmod)(U a, U b) {
    U aa = a & ~SIGN, ba = b & ~SIGN;
    if (aa >= INF || ba > INF || ba == 0) {
        return QNAN;
    }
    if (aa < ba) {
        return a; /* includes a == 0 and b infinite */
    }
    U am, bm;
    int ae = FP(normalize)(aa, &am);
    int be = FP(normalize)(ba, &bm);
    U r = am;
    for (int n = ae - be;; n--) {
        if (r >= bm) {
            r -= bm;
        }
        if (n == 0) {
            break;
        }
        r <<= 1;
    }
    if (r == 0) {
        return a & SIGN;
    }
    int shift = FP_CLZ(r) - LEAD_CLZ;
    /* Exact: the result is a multiple of b's last place. */
    return FP(pack)(a & SIGN, be - shift, FP_SHL(r, shift + 3));
}

#undef FP
#undef FP_MANT
#undef FP_EXPBITS
#undef FP_CLZ
#undef FP_SHL
#undef FP_SHR
#undef FP_SHR_STICKY
#undef U
#undef S
#undef SIGN
#undef IMPLICIT
#undef MANT_MASK
#undef EXP_MAX
#undef BIAS
#undef INF
#undef QNAN
#undef ONE
#undef LEAD_CLZ
#undef FP_BITS
