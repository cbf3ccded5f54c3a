/* 64-bit shifts by a variable amount (0..63): __ashldi3 __lshrdi3 __ashrdi3. */
#include "helpers.h"

uint64_t __ashldi3(uint64_t a, int n);
uint64_t __lshrdi3(uint64_t a, int n);
int64_t __ashrdi3(int64_t a, int n);

uint64_t __ashldi3(uint64_t a, int n) {
    return shl64(a, n & 63);
}

uint64_t __lshrdi3(uint64_t a, int n) {
    return shr64(a, n & 63);
}

int64_t __ashrdi3(int64_t a, int n) {
    n &= 63;
    uint64_t r = shr64((uint64_t)a, n);
    if (a < 0 && n != 0) {
        r |= ~shr64(~(uint64_t)0, n);
    }
    return (int64_t)r;
}
