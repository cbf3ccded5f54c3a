// Shared declarations of the stats module's C files.
#include "py/dynruntime.h"

// Fills `out` with the integers in `args` and returns their count; raises
// ValueError when there are none.
size_t stats_collect(size_t n_args, const mp_obj_t *args, mp_int_t *out);

// Sorts `v` in place (insertion sort: modules have no libc qsort).
void stats_sort(mp_int_t *v, size_t n);

// How many values `stats.record` has seen per bucket (global, so it lives
// in bss; a file-local `static` array would need --static-data).
extern mp_int_t stats_buckets[8];
