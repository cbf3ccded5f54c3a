// stats: small statistics over integers, showing what a C native module can
// use: several C files, rodata tables, bss, heap allocation through
// MicroPython's GC, floating point where the target has it, exceptions, and
// libgcc helpers pulled in from a static library.
#include "stats.h"

// Bucket limits: constant data, so it lands in rodata.
static const mp_int_t bucket_limits[8] = {1, 2, 5, 10, 20, 50, 100, 1000};

// mean(*values): a float on targets with floating point, else the integer
// mean rounded towards zero.
static mp_obj_t mean(size_t n_args, const mp_obj_t *args) {
    mp_int_t *v = m_new(mp_int_t, n_args ? n_args : 1);
    size_t n = stats_collect(n_args, args, v);
    mp_int_t total = 0;
    for (size_t i = 0; i < n; i++) {
        total += v[i];
    }
    m_free(v);
#if MICROPY_FLOAT_IMPL != MICROPY_FLOAT_IMPL_NONE
    return mp_obj_new_float((mp_float_t)total / (mp_float_t)n);
#else
    return mp_obj_new_int(total / (mp_int_t)n);
#endif
}
static MP_DEFINE_CONST_FUN_OBJ_VAR(mean_obj, 0, mean);

// median(*values): sorts a heap copy of the values.
static mp_obj_t median(size_t n_args, const mp_obj_t *args) {
    mp_int_t *v = m_new(mp_int_t, n_args ? n_args : 1);
    size_t n = stats_collect(n_args, args, v);
    stats_sort(v, n);
    mp_obj_t result = mp_obj_new_int(v[n / 2]);
    m_free(v);
    return result;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR(median_obj, 0, median);

// record(value): counts `value` in the first bucket whose limit it does not
// exceed; returns the bucket index. Raises ValueError above the last limit.
static mp_obj_t record(mp_obj_t value_in) {
    mp_int_t value = mp_obj_get_int(value_in);
    for (size_t i = 0; i < 8; i++) {
        if (value <= bucket_limits[i]) {
            stats_buckets[i] += 1;
            return mp_obj_new_int(i);
        }
    }
    mp_raise_ValueError(MP_ERROR_TEXT("value too large"));
}
static MP_DEFINE_CONST_FUN_OBJ_1(record_obj, record);

// counts(): the bucket counts so far, as a list.
static mp_obj_t counts(void) {
    mp_obj_t items[8];
    for (size_t i = 0; i < 8; i++) {
        items[i] = mp_obj_new_int(stats_buckets[i]);
    }
    return mp_obj_new_list(8, items);
}
static MP_DEFINE_CONST_FUN_OBJ_0(counts_obj, counts);

// scaled_mean(total_hi, total_lo, n): (hi << 32 | lo) / n with 64-bit
// division, which needs a libgcc helper on 32-bit targets.
static mp_obj_t scaled_mean(mp_obj_t hi_in, mp_obj_t lo_in, mp_obj_t n_in) {
    uint64_t total = ((uint64_t)mp_obj_get_int(hi_in) << 32) | (uint32_t)mp_obj_get_int(lo_in);
    uint64_t n = (uint64_t)mp_obj_get_int(n_in);
    if (n == 0) {
        mp_raise_ValueError(MP_ERROR_TEXT("division by zero"));
    }
    return mp_obj_new_int_from_uint((mp_uint_t)(total / n));
}
static MP_DEFINE_CONST_FUN_OBJ_3(scaled_mean_obj, scaled_mean);

mp_obj_t mpy_init(mp_obj_fun_bc_t *self, size_t n_args, size_t n_kw, mp_obj_t *args) {
    MP_DYNRUNTIME_INIT_ENTRY

    mp_store_global(MP_QSTR_mean, MP_OBJ_FROM_PTR(&mean_obj));
    mp_store_global(MP_QSTR_median, MP_OBJ_FROM_PTR(&median_obj));
    mp_store_global(MP_QSTR_record, MP_OBJ_FROM_PTR(&record_obj));
    mp_store_global(MP_QSTR_counts, MP_OBJ_FROM_PTR(&counts_obj));
    mp_store_global(MP_QSTR_scaled_mean, MP_OBJ_FROM_PTR(&scaled_mean_obj));

    MP_DYNRUNTIME_INIT_EXIT
}
