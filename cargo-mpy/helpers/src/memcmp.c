/* Memory comparison: memcmp, and bcmp (what LLVM calls when only equality
 * matters). memcpy, memmove and memset come from the firmware (mpy-link
 * points them at mp_fun_table); these two do not. */
#include <stddef.h>

int memcmp(const void *a, const void *b, size_t n);
int bcmp(const void *a, const void *b, size_t n);

int memcmp(const void *a, const void *b, size_t n) {
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i]) {
            return x[i] - y[i];
        }
    }
    return 0;
}

int bcmp(const void *a, const void *b, size_t n) {
    return memcmp(a, b, n);
}
