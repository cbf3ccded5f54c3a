/*
 * helpers.h: shared internals of cargo-mpy's runtime helper library.
 *
 * The library supplies the functions compilers call for operations the
 * target has no instruction for (64-bit division, software floating point,
 * conversions) and the few libm functions native modules use. It exists for
 * the Xtensa targets: Debian's xtensa-lx106 libgcc lacks most of them, and
 * its objects (like picolibc's) are call0 code that must never be linked
 * into windowed (ESP32) modules. Every source is plain C99 compiled with the
 * module's own compiler and flags, so the ABI always matches the module.
 *
 * Rules the sources keep, so the library never calls itself in a loop:
 *   - no 64-bit multiplication, division or modulo, and no variable 64-bit
 *     shift in the integer and soft-float code (mul32x32 and the shift
 *     helpers below use 32-bit operations only);
 *   - floating-point values cross the public interface as their bit
 *     patterns (uint32_t / uint64_t): on Xtensa a float or double argument is
 *     passed and returned in the same address registers as an integer of
 *     its size, so these definitions are ABI-identical to the C prototypes
 *     and no floating-point instruction is used inside the soft-float code;
 *   - one public function (or a tight family) per source file, so that an
 *     archive of the objects pulls in only what a module uses.
 */
#ifndef MPY_HELPERS_H
#define MPY_HELPERS_H

#include <stdbool.h>
#include <stdint.h>

#define HELPER_INLINE static inline __attribute__((always_inline))

/* Count leading zeros of a nonzero word, without __builtin_clz (which
 * becomes a library call on cores without the NSA instruction). */
HELPER_INLINE int clz32(uint32_t x) {
    int n = 0;
    if ((x & 0xffff0000u) == 0) {
        n += 16;
        x <<= 16;
    }
    if ((x & 0xff000000u) == 0) {
        n += 8;
        x <<= 8;
    }
    if ((x & 0xf0000000u) == 0) {
        n += 4;
        x <<= 4;
    }
    if ((x & 0xc0000000u) == 0) {
        n += 2;
        x <<= 2;
    }
    if ((x & 0x80000000u) == 0) {
        n += 1;
    }
    return n;
}

HELPER_INLINE uint32_t hi32(uint64_t x) {
    return (uint32_t)(x >> 32);
}

HELPER_INLINE uint32_t lo32(uint64_t x) {
    return (uint32_t)x;
}

HELPER_INLINE uint64_t make64(uint32_t hi, uint32_t lo) {
    return ((uint64_t)hi << 32) | lo;
}

/* Leading zeros of a nonzero 64-bit value. */
HELPER_INLINE int clz64(uint64_t x) {
    return hi32(x) != 0 ? clz32(hi32(x)) : 32 + clz32(lo32(x));
}

/* x << n and x >> n for 0 <= n < 64, from 32-bit shifts. */
HELPER_INLINE uint64_t shl64(uint64_t x, int n) {
    if (n == 0) {
        return x;
    }
    if (n >= 32) {
        return make64(lo32(x) << (n - 32), 0);
    }
    return make64((hi32(x) << n) | (lo32(x) >> (32 - n)), lo32(x) << n);
}

HELPER_INLINE uint64_t shr64(uint64_t x, int n) {
    if (n == 0) {
        return x;
    }
    if (n >= 32) {
        return make64(0, hi32(x) >> (n - 32));
    }
    return make64(hi32(x) >> n, (lo32(x) >> n) | (hi32(x) << (32 - n)));
}

/* x >> n with every bit shifted out ORed into bit 0 ("sticky"), for any
 * n >= 0; n >= 64 leaves only the sticky bit. */
HELPER_INLINE uint64_t shr64_sticky(uint64_t x, int n) {
    if (n <= 0) {
        return x;
    }
    if (n >= 64) {
        return x != 0;
    }
    return shr64(x, n) | (shl64(x, 64 - n) != 0);
}

HELPER_INLINE uint32_t shr32_sticky(uint32_t x, int n) {
    if (n <= 0) {
        return x;
    }
    if (n >= 32) {
        return x != 0;
    }
    return (x >> n) | ((x << (32 - n)) != 0);
}

/* The full 64-bit product of two words, from four 16x16 products (a 32x32
 * multiply-high instruction is optional on Xtensa, and without it the
 * compiler would call a helper: possibly this library). */
HELPER_INLINE uint64_t mul32x32(uint32_t a, uint32_t b) {
    uint32_t al = a & 0xffff, ah = a >> 16;
    uint32_t bl = b & 0xffff, bh = b >> 16;
    uint32_t ll = al * bl;
    uint32_t lh = al * bh;
    uint32_t hl = ah * bl;
    uint32_t hh = ah * bh;
    /* middle = lh + hl + (ll >> 16), carried into the high word. */
    uint32_t mid = (ll >> 16) + (lh & 0xffff) + (hl & 0xffff);
    uint32_t lo = (mid << 16) | (ll & 0xffff);
    uint32_t hi = hh + (lh >> 16) + (hl >> 16) + (mid >> 16);
    return make64(hi, lo);
}

/* 64x64 -> 128-bit product as (hi, lo). */
HELPER_INLINE void mul64x64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo) {
    uint64_t ll = mul32x32(lo32(a), lo32(b));
    uint64_t lh = mul32x32(lo32(a), hi32(b));
    uint64_t hl = mul32x32(hi32(a), lo32(b));
    uint64_t hh = mul32x32(hi32(a), hi32(b));
    /* Sum the middle column in 32-bit pieces to keep the carries. */
    uint64_t mid = (uint64_t)hi32(ll) + lo32(lh) + lo32(hl);
    *lo = make64(lo32(mid), lo32(ll));
    *hi = hh + hi32(lh) + hi32(hl) + hi32(mid);
}

/* Unsigned 64-bit division with remainder by shift and subtract; d != 0. */
HELPER_INLINE uint64_t udivmod64(uint64_t n, uint64_t d, uint64_t *rem) {
    if (d > n) {
        *rem = n;
        return 0;
    }
    int shift = clz64(d) - clz64(n);
    d = shl64(d, shift);
    uint64_t q = 0;
    for (int i = 0; i <= shift; i++) {
        q = shl64(q, 1);
        if (n >= d) {
            n -= d;
            q |= 1;
        }
        d = shr64(d, 1);
    }
    *rem = n;
    return q;
}

/* Unsigned 32-bit division with remainder; d != 0. */
HELPER_INLINE uint32_t udivmod32(uint32_t n, uint32_t d, uint32_t *rem) {
    if (d > n) {
        *rem = n;
        return 0;
    }
    int shift = clz32(d) - clz32(n);
    d <<= shift;
    uint32_t q = 0;
    for (int i = 0; i <= shift; i++) {
        q <<= 1;
        if (n >= d) {
            n -= d;
            q |= 1;
        }
        d >>= 1;
    }
    *rem = n;
    return q;
}

#endif /* MPY_HELPERS_H */
