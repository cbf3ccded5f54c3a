/* Exponential, single precision: expf. */
#include "mathd.h"

float expf(float x);

float expf(float x) {
    if (x != x) {
        return x;
    }
    /* e^89 overflows float, e^-104 rounds to zero. */
    if (x > 89.0f) {
        return f32_from_bits(F32_INF);
    }
    if (x < -104.0f) {
        return 0.0f;
    }
    return (float)exp_core(x);
}
