/* Single and double precision negation: __negsf2 __negdf2. */
#include <stdint.h>

uint32_t __negsf2(uint32_t a);
uint64_t __negdf2(uint64_t a);

uint32_t __negsf2(uint32_t a) {
    return a ^ 0x80000000u;
}

uint64_t __negdf2(uint64_t a) {
    return a ^ ((uint64_t)1 << 63);
}
