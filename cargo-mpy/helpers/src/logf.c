/* Natural logarithm, single precision: logf. */
#include "mathd.h"

float logf(float x);

float logf(float x) {
    uint32_t u = f32_bits(x);
    if ((u & 0x7fffffffu) == 0) {
        return f32_from_bits(0x80000000u | F32_INF); /* log(+-0) = -inf */
    }
    if (u > F32_INF) {
        return f32_from_bits(F32_QNAN); /* NaN, or x < 0 */
    }
    if (u == F32_INF) {
        return x;
    }
    return (float)log_core(x);
}
