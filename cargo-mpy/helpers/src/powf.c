/* Power, single precision: powf, with C99 Annex F's special cases. The
 * general case is e^(y ln|x|) in double precision. */
#include "mathd.h"

float powf(float x, float y);

/* 0: y is not an integer, 1: an odd integer, 2: an even integer. */
HELPER_INLINE int int_kind(uint32_t y) {
    int e = (int)((y >> 23) & 0xff) - 127;
    if (e < 0) {
        return (y & 0x7fffffffu) == 0 ? 2 : 0;
    }
    if (e >= 24) {
        return 2; /* every float this large is an even integer */
    }
    uint32_t m = (y & 0x7fffffu) | 0x800000u;
    if (m & ((0x800000u >> e) - 1)) {
        return 0;
    }
    return (m >> (23 - e)) & 1 ? 1 : 2;
}

float powf(float x, float y) {
    uint32_t ux = f32_bits(x), uy = f32_bits(y);
    uint32_t ax = ux & 0x7fffffffu, ay = uy & 0x7fffffffu;
    if (ay == 0 || ux == 0x3f800000u) {
        return 1.0f; /* pow(x, +-0) and pow(1, y), even for NaN */
    }
    if (ax > F32_INF || ay > F32_INF) {
        return f32_from_bits(F32_QNAN);
    }
    int kind = int_kind(uy);
    bool y_neg = (uy >> 31) != 0;
    uint32_t sign = (ux >> 31) && kind == 1 ? 0x80000000u : 0;
    if (ay == F32_INF) {
        if (ax == 0x3f800000u) {
            return 1.0f; /* pow(-1, +-inf) */
        }
        /* |x| < 1 with +inf, or |x| > 1 with -inf, goes to zero. */
        return (ax < 0x3f800000u) != y_neg ? 0.0f : f32_from_bits(F32_INF);
    }
    if (ax == 0) {
        return f32_from_bits(sign | (y_neg ? F32_INF : 0));
    }
    if (ax == F32_INF) {
        return f32_from_bits(sign | (y_neg ? 0 : F32_INF));
    }
    if ((ux >> 31) && kind == 0) {
        return f32_from_bits(F32_QNAN); /* negative base, fractional power */
    }
    double t = (double)y * log_core(f32_from_bits(ax));
    float r;
    if (t > 89.0) {
        r = f32_from_bits(F32_INF);
    } else if (t < -104.0) {
        r = 0.0f;
    } else {
        r = (float)exp_core(t);
    }
    return f32_from_bits(f32_bits(r) | sign);
}
