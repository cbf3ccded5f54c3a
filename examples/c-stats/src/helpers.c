// Helpers shared by the module's functions: argument collection and sorting.
#include "stats.h"

mp_int_t stats_buckets[8];

size_t stats_collect(size_t n_args, const mp_obj_t *args, mp_int_t *out) {
    if (n_args == 0) {
        mp_raise_ValueError(MP_ERROR_TEXT("no data"));
    }
    for (size_t i = 0; i < n_args; i++) {
        out[i] = mp_obj_get_int(args[i]);
    }
    return n_args;
}

void stats_sort(mp_int_t *v, size_t n) {
    for (size_t i = 1; i < n; i++) {
        mp_int_t x = v[i];
        size_t j = i;
        while (j > 0 && v[j - 1] > x) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}
