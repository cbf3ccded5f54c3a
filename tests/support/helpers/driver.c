/*
 * driver.c: runs cargo-mpy's runtime helpers (cargo-mpy/helpers) on test
 * vectors, under qemu-xtensa, for the helper tests (tests/tests/helpers.rs).
 *
 * stdin: records of 20 bytes, little endian: u32 operation, u64 a, u64 b.
 * stdout: one u64 result per record. Floating-point operands and results
 * are bit patterns (a float in the low 32 bits). The operation numbers are
 * shared with the test (keep the two tables in step).
 *
 * Operations 100 and up use C operators instead of naming a helper, so the
 * calls the compiler itself emits (and, on the ESP32, the FPU's own
 * instructions) are checked too.
 */
#include "sys.h"

typedef uint32_t f32;
typedef uint64_t f64;

f32 __addsf3(f32, f32);
f32 __subsf3(f32, f32);
f32 __mulsf3(f32, f32);
f32 __divsf3(f32, f32);
f32 __negsf2(f32);
int __eqsf2(f32, f32);
int __nesf2(f32, f32);
int __ltsf2(f32, f32);
int __lesf2(f32, f32);
int __gtsf2(f32, f32);
int __gesf2(f32, f32);
int __unordsf2(f32, f32);
int32_t __fixsfsi(f32);
uint32_t __fixunssfsi(f32);
int64_t __fixsfdi(f32);
uint64_t __fixunssfdi(f32);
f32 __floatsisf(int32_t);
f32 __floatunsisf(uint32_t);
f32 __floatdisf(int64_t);
f32 __floatundisf(uint64_t);

f64 __adddf3(f64, f64);
f64 __subdf3(f64, f64);
f64 __muldf3(f64, f64);
f64 __divdf3(f64, f64);
f64 __negdf2(f64);
int __eqdf2(f64, f64);
int __nedf2(f64, f64);
int __ltdf2(f64, f64);
int __ledf2(f64, f64);
int __gtdf2(f64, f64);
int __gedf2(f64, f64);
int __unorddf2(f64, f64);
int32_t __fixdfsi(f64);
uint32_t __fixunsdfsi(f64);
int64_t __fixdfdi(f64);
uint64_t __fixunsdfdi(f64);
f64 __floatsidf(int32_t);
f64 __floatunsidf(uint32_t);
f64 __floatdidf(int64_t);
f64 __floatundidf(uint64_t);
f64 __extendsfdf2(f32);
f32 __truncdfsf2(f64);

uint32_t __udivsi3(uint32_t, uint32_t);
int32_t __divsi3(int32_t, int32_t);
uint32_t __umodsi3(uint32_t, uint32_t);
int32_t __modsi3(int32_t, int32_t);
uint64_t __udivdi3(uint64_t, uint64_t);
int64_t __divdi3(int64_t, int64_t);
uint64_t __umoddi3(uint64_t, uint64_t);
int64_t __moddi3(int64_t, int64_t);
uint64_t __muldi3(uint64_t, uint64_t);
uint64_t __ashldi3(uint64_t, int);
uint64_t __lshrdi3(uint64_t, int);
int64_t __ashrdi3(int64_t, int);

f32 sqrtf(f32);
f32 truncf(f32);
f32 floorf(f32);
f32 ceilf(f32);
f32 roundf(f32);
f32 fmodf(f32, f32);
f32 expf(f32);
f32 logf(f32);
f32 powf(f32, f32);
f32 fabsf(f32);
f32 copysignf(f32, f32);
f32 __powisf2(f32, int32_t);
f64 __powidf2(f64, int32_t);
f64 sqrt(f64);
f64 trunc(f64);
f64 floor(f64);
f64 ceil(f64);
f64 round(f64);
f64 fmod(f64, f64);
f64 fabs(f64);
f64 copysign(f64, f64);

void *memset(void *s, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);

void *memset(void *s, int c, size_t n) {
    volatile unsigned char *p = s;
    while (n--) {
        *p++ = (unsigned char)c;
    }
    return s;
}

void *memcpy(void *d, const void *s, size_t n) {
    volatile unsigned char *dp = d;
    const unsigned char *sp = s;
    while (n--) {
        *dp++ = *sp++;
    }
    return d;
}

/* The answers of the seven comparison helpers as bits: what a == b,
 * a != b, a < b, a <= b, a > b, a >= b and "unordered" come out as. */
#define CMP_BITS(eq, ne, lt, le, gt, ge, un) \
    ((uint64_t)((eq) == 0) | (uint64_t)((ne) != 0) << 1 | (uint64_t)((lt) < 0) << 2 \
     | (uint64_t)((le) <= 0) << 3 | (uint64_t)((gt) > 0) << 4 | (uint64_t)((ge) >= 0) << 5 \
     | (uint64_t)((un) != 0) << 6)

typedef union {
    float f;
    uint32_t u;
} fu;

typedef union {
    double d;
    uint64_t u;
} du;

static float as_float(uint64_t a) {
    fu v;
    v.u = (uint32_t)a;
    return v.f;
}

static uint64_t float_bits(float f) {
    fu v;
    v.f = f;
    return v.u;
}

static double as_double(uint64_t a) {
    du v;
    v.u = a;
    return v.d;
}

static uint64_t double_bits(double d) {
    du v;
    v.d = d;
    return v.u;
}

static uint64_t run(uint32_t op, uint64_t a, uint64_t b) {
    f32 a32 = (f32)a, b32 = (f32)b;
    switch (op) {
        case 0: return __addsf3(a32, b32);
        case 1: return __subsf3(a32, b32);
        case 2: return __mulsf3(a32, b32);
        case 3: return __divsf3(a32, b32);
        case 4: return CMP_BITS(__eqsf2(a32, b32), __nesf2(a32, b32), __ltsf2(a32, b32), __lesf2(a32, b32),
                    __gtsf2(a32, b32), __gesf2(a32, b32), __unordsf2(a32, b32));
        case 5: return (uint32_t)__fixsfsi(a32);
        case 6: return __fixunssfsi(a32);
        case 7: return (uint64_t)__fixsfdi(a32);
        case 8: return __fixunssfdi(a32);
        case 9: return __floatsisf((int32_t)a);
        case 10: return __floatunsisf((uint32_t)a);
        case 11: return __floatdisf((int64_t)a);
        case 12: return __floatundisf(a);
        case 13: return __negsf2(a32);

        case 20: return __adddf3(a, b);
        case 21: return __subdf3(a, b);
        case 22: return __muldf3(a, b);
        case 23: return __divdf3(a, b);
        case 24: return CMP_BITS(__eqdf2(a, b), __nedf2(a, b), __ltdf2(a, b), __ledf2(a, b),
                    __gtdf2(a, b), __gedf2(a, b), __unorddf2(a, b));
        case 25: return (uint32_t)__fixdfsi(a);
        case 26: return __fixunsdfsi(a);
        case 27: return (uint64_t)__fixdfdi(a);
        case 28: return __fixunsdfdi(a);
        case 29: return __floatsidf((int32_t)a);
        case 30: return __floatunsidf((uint32_t)a);
        case 31: return __floatdidf((int64_t)a);
        case 32: return __floatundidf(a);
        case 33: return __negdf2(a);
        case 34: return __extendsfdf2(a32);
        case 35: return __truncdfsf2(a);

        case 40: return __udivsi3((uint32_t)a, (uint32_t)b);
        case 41: return (uint32_t)__divsi3((int32_t)a, (int32_t)b);
        case 42: return __umodsi3((uint32_t)a, (uint32_t)b);
        case 43: return (uint32_t)__modsi3((int32_t)a, (int32_t)b);
        case 44: return __udivdi3(a, b);
        case 45: return (uint64_t)__divdi3((int64_t)a, (int64_t)b);
        case 46: return __umoddi3(a, b);
        case 47: return (uint64_t)__moddi3((int64_t)a, (int64_t)b);
        case 48: return __muldi3(a, b);
        case 49: return __ashldi3(a, (int)b);
        case 50: return __lshrdi3(a, (int)b);
        case 51: return (uint64_t)__ashrdi3((int64_t)a, (int)b);

        case 60: return sqrtf(a32);
        case 61: return truncf(a32);
        case 62: return floorf(a32);
        case 63: return ceilf(a32);
        case 64: return roundf(a32);
        case 65: return fmodf(a32, b32);
        case 66: return expf(a32);
        case 67: return logf(a32);
        case 68: return powf(a32, b32);
        case 69: return fabsf(a32);
        case 70: return copysignf(a32, b32);
        case 71: return __powisf2(a32, (int32_t)b);
        case 80: return sqrt(a);
        case 81: return trunc(a);
        case 82: return floor(a);
        case 83: return ceil(a);
        case 84: return round(a);
        case 85: return fmod(a, b);
        case 86: return fabs(a);
        case 87: return copysign(a, b);
        case 88: return __powidf2(a, (int32_t)b);

        /* The compiler's own lowering of C operators. */
        case 100: return float_bits(as_float(a) + as_float(b));
        case 101: return float_bits(as_float(a) - as_float(b));
        case 102: return float_bits(as_float(a) * as_float(b));
        case 103: return float_bits(as_float(a) / as_float(b));
        case 104: return double_bits(as_double(a) + as_double(b));
        case 105: return double_bits(as_double(a) * as_double(b));
        case 106: return double_bits(as_double(a) / as_double(b));
        case 107: return double_bits((double)as_float(a));
        case 108: return float_bits((float)as_double(a));
        case 109: return (uint64_t)(int64_t)as_float(a);
        case 110: return float_bits((float)(int64_t)a);
        case 111: return (uint64_t)((int64_t)a / (int64_t)b);
        case 112: return a % b;
        case 113: return a * b;
        default: return 0xdeadbeefdeadbeefull;
    }
}

#define MAX_RECORDS 400000
static unsigned char in_buf[MAX_RECORDS * 20];
static uint64_t out_buf[MAX_RECORDS];

static uint64_t get64(const unsigned char *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) {
        v = (v << 8) | p[i];
    }
    return v;
}

void loader_main(long *sp) {
    (void)sp;
    size_t len = 0;
    for (;;) {
        long r = sys_read(0, in_buf + len, sizeof(in_buf) - len);
        if (r < 0) {
            sys_exit(2);
        }
        if (r == 0) {
            break;
        }
        len += (size_t)r;
        if (len == sizeof(in_buf)) {
            sys_exit(3);
        }
    }
    size_t n = len / 20;
    for (size_t i = 0; i < n; i++) {
        const unsigned char *rec = in_buf + 20 * i;
        uint32_t op = (uint32_t)rec[0] | (uint32_t)rec[1] << 8 | (uint32_t)rec[2] << 16 | (uint32_t)rec[3] << 24;
        out_buf[i] = run(op, get64(rec + 4), get64(rec + 12));
    }
    size_t done = 0, total = n * sizeof(uint64_t);
    while (done < total) {
        long r = sys_write(1, (unsigned char *)out_buf + done, total - done);
        if (r <= 0) {
            sys_exit(4);
        }
        done += (size_t)r;
    }
    sys_exit(0);
}
