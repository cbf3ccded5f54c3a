/*
 * sys.h: the only platform layer of the test loader. Raw Linux system calls
 * through inline assembly, and the process entry point `_start`, for every
 * architecture the loader is built for (i386, x86-64, ARM in Thumb state,
 * RV32, RV64, and Xtensa with the windowed or the call0 ABI). Nothing from a
 * C library is used.
 */
#ifndef LOADER_SYS_H
#define LOADER_SYS_H

#include <stddef.h>
#include <stdint.h>

#define PROT_RWX 7         /* read | write | exec */
#if defined(__XTENSA__)
#define MAP_PRIVATE_ANON 0x802 /* MAP_PRIVATE | MAP_ANONYMOUS (0x800 on Xtensa) */
#else
#define MAP_PRIVATE_ANON 0x22 /* MAP_PRIVATE | MAP_ANONYMOUS */
#endif

/* The program proper; gets the initial stack pointer (argc, argv...). */
void loader_main(long *sp) __attribute__((noreturn, used));

#if defined(__x86_64__)

#define NR_READ 0
#define NR_WRITE 1
#define NR_OPEN 2
#define NR_CLOSE 3
#define NR_MMAP 9
#define NR_EXIT_GROUP 231

static inline long sys_call6(long nr, long a, long b, long c, long d, long e, long f) {
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    long ret;
    __asm__ volatile ("syscall"
        : "=a" (ret)
        : "a" (nr), "D" (a), "S" (b), "d" (c), "r" (r10), "r" (r8), "r" (r9)
        : "rcx", "r11", "memory");
    return ret;
}

__asm__ (
    ".text\n"
    ".global _start\n"
    "_start:\n"
    "    xor %rbp, %rbp\n"
    "    mov %rsp, %rdi\n"
    "    and $-16, %rsp\n"
    "    call loader_main\n"
    "    hlt\n");

#elif defined(__i386__)

#define NR_EXIT_GROUP 252
#define NR_READ 3
#define NR_WRITE 4
#define NR_OPEN 5
#define NR_CLOSE 6
#define NR_OLD_MMAP 90 /* takes one pointer to its six arguments */

static inline long sys_call3(long nr, long a, long b, long c) {
    long ret;
    __asm__ volatile ("int $0x80"
        : "=a" (ret)
        : "a" (nr), "b" (a), "c" (b), "d" (c)
        : "memory");
    return ret;
}

static inline long sys_call6(long nr, long a, long b, long c, long d, long e, long f) {
    if (nr == -1) {
        long args[6] = {a, b, c, d, e, f};
        return sys_call3(NR_OLD_MMAP, (long)args, 0, 0);
    }
    return sys_call3(nr, a, b, c);
}
#define NR_MMAP (-1)

__asm__ (
    ".text\n"
    ".global _start\n"
    "_start:\n"
    "    xor %ebp, %ebp\n"
    "    mov %esp, %eax\n"
    "    and $-16, %esp\n"
    "    sub $12, %esp\n"
    "    push %eax\n"
    "    call loader_main\n"
    "    hlt\n");

#elif defined(__arm__)

#define NR_READ 3
#define NR_WRITE 4
#define NR_OPEN 5
#define NR_CLOSE 6
#define NR_MMAP 192 /* mmap2: offset in pages; always 0 here */
#define NR_EXIT_GROUP 248

/* r7 holds the call number (EABI); the loader is built without a frame
 * pointer so r7 is free to use. */
static inline long sys_call6(long nr, long a, long b, long c, long d, long e, long f) {
    register long r0 __asm__("r0") = a;
    register long r1 __asm__("r1") = b;
    register long r2 __asm__("r2") = c;
    register long r3 __asm__("r3") = d;
    register long r4 __asm__("r4") = e;
    register long r5 __asm__("r5") = f;
    register long r7 __asm__("r7") = nr;
    __asm__ volatile ("svc 0"
        : "+r" (r0)
        : "r" (r1), "r" (r2), "r" (r3), "r" (r4), "r" (r5), "r" (r7)
        : "memory");
    return r0;
}

__asm__ (
    ".text\n"
    ".syntax unified\n"
    ".global _start\n"
    ".type _start, %function\n"
    ".thumb_func\n"
    "_start:\n"
    "    mov r0, sp\n"
    "    bl loader_main\n"
    "    udf #0\n");

#elif defined(__riscv)

#define NR_OPENAT 56
#define NR_CLOSE 57
#define NR_READ 63
#define NR_WRITE 64
#define NR_EXIT_GROUP 94
#define NR_MMAP 222
#define AT_FDCWD (-100)

static inline long sys_call6(long nr, long a, long b, long c, long d, long e, long f) {
    register long a0 __asm__("a0") = a;
    register long a1 __asm__("a1") = b;
    register long a2 __asm__("a2") = c;
    register long a3 __asm__("a3") = d;
    register long a4 __asm__("a4") = e;
    register long a5 __asm__("a5") = f;
    register long a7 __asm__("a7") = nr;
    __asm__ volatile ("ecall"
        : "+r" (a0)
        : "r" (a1), "r" (a2), "r" (a3), "r" (a4), "r" (a5), "r" (a7)
        : "memory");
    return a0;
}

__asm__ (
    ".text\n"
    ".global _start\n"
    "_start:\n"
    "    mv a0, sp\n"
    "    andi sp, sp, -16\n"
    "    call loader_main\n"
    "    unimp\n");

#elif defined(__XTENSA__)

#define NR_OPEN 8
#define NR_CLOSE 9
#define NR_READ 12
#define NR_WRITE 13
#define NR_MMAP 80 /* mmap2: offset in pages; always 0 here */
#define NR_EXIT_GROUP 119

/* Linux/Xtensa: the call number in a2, arguments in a6, a3, a4, a5, a8,
 * a9, the result in a2. */
static inline long sys_call6(long nr, long a, long b, long c, long d, long e, long f) {
    register long a2 __asm__("a2") = nr;
    register long a6 __asm__("a6") = a;
    register long a3 __asm__("a3") = b;
    register long a4 __asm__("a4") = c;
    register long a5 __asm__("a5") = d;
    register long a8 __asm__("a8") = e;
    register long a9 __asm__("a9") = f;
    __asm__ volatile ("syscall"
        : "+r" (a2)
        : "r" (a6), "r" (a3), "r" (a4), "r" (a5), "r" (a8), "r" (a9)
        : "memory");
    return a2;
}

#if !defined(__XTENSA_CALL0_ABI__)
/*
 * The ESP32 has the MUL32_HIGH option (mulsh, muluh: the high word of a
 * 32x32-bit product), which compilers use for 64-bit products and division
 * by constants; qemu's de233_fpu core does not, and raises SIGILL. Modules
 * are built exactly as for the ESP32 and the loader completes those two
 * instructions itself, in a SIGILL handler: decode the RRR instruction at
 * the faulting pc, write the result into the interrupted register window
 * (the signal frame holds a0..a15), step past it, honouring a zero-overhead
 * loop that ends there. Any other illegal instruction restores the default
 * action, so it still ends the process.
 */
#define NR_RT_SIGACTION 226
#define SIGILL 4
#define SA_SIGINFO 4

/* Linux/Xtensa's ucontext: flags, link, the signal stack, then the
 * sigcontext (pc, ps, lbeg, lend, lcount, sar, acclo, acchi, a0..a15). */
struct xtensa_ucontext {
    uint32_t flags, link, ss_sp, ss_flags, ss_size;
    uint32_t pc, ps, lbeg, lend, lcount, sar, acclo, acchi;
    uint32_t a[16];
};

static uint32_t sys_sigaction[5]; /* handler, flags, (restorer), mask */

/* High word of the unsigned product from 16-bit halves. The empty asm
 * hides the halves' origin, or the compiler would recognise the pattern
 * and emit muluh here too. */
static uint32_t sys_umulh(uint32_t x, uint32_t y) {
    uint32_t xl = x & 0xffff, xh = x >> 16, yl = y & 0xffff, yh = y >> 16;
    __asm__("" : "+r"(xl), "+r"(xh), "+r"(yl), "+r"(yh));
    uint32_t ll = xl * yl, lh = xl * yh, hl = xh * yl, hh = xh * yh;
    uint32_t mid = (ll >> 16) + (lh & 0xffff) + (hl & 0xffff);
    return hh + (lh >> 16) + (hl >> 16) + (mid >> 16);
}

static void sys_on_sigill(int sig, void *info, void *context) {
    struct xtensa_ucontext *uc = context;
    (void)sig;
    (void)info;
    const uint8_t *p = (const uint8_t *)uc->pc;
    uint32_t insn = p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
    uint32_t r = (insn >> 12) & 15, s = (insn >> 8) & 15, t = (insn >> 4) & 15;
    uint32_t x = uc->a[s], y = uc->a[t];
    uint32_t op = insn & 0xff000f; /* op2, op1, op0 */
    if (op == 0xa20000) {          /* muluh ar, as, at */
        uc->a[r] = sys_umulh(x, y);
    } else if (op == 0xb20000) {   /* mulsh ar, as, at */
        uc->a[r] = sys_umulh(x, y) - ((int32_t)x < 0 ? y : 0) - ((int32_t)y < 0 ? x : 0);
    } else {
        sys_sigaction[0] = 0; /* SIG_DFL: the instruction is retried and kills */
        sys_call6(NR_RT_SIGACTION, SIGILL, (long)sys_sigaction, 0, 8, 0, 0);
        return;
    }
    uc->pc += 3;
    if (uc->pc == uc->lend && uc->lcount != 0) {
        uc->lcount--;
        uc->pc = uc->lbeg;
    }
}

void loader_start(long *sp) __attribute__((noreturn, used));
void loader_start(long *sp) {
    sys_sigaction[0] = (uint32_t)sys_on_sigill;
    sys_sigaction[1] = SA_SIGINFO;
    sys_call6(NR_RT_SIGACTION, SIGILL, (long)sys_sigaction, 0, 8, 0, 0);
    loader_main(sp);
}
#endif

/* The initial a1 points at argc. a0 = 0 marks the outermost frame; the
 * stack is aligned to 16 and the program is called with the ABI's call
 * (callx8: its argument goes in a10; callx0: in a2). With register
 * windows, delivering a signal spills every live window, which for the
 * outermost frame reads its caller's stack pointer from 12 bytes below its
 * own (the base save area): _start, which has no caller, puts there the top
 * of 32 bytes it reserves, where that frame's extra registers then go. */
#if defined(__XTENSA_CALL0_ABI__)
#define LOADER_XTENSA_ENTRY "loader_main"
#define LOADER_XTENSA_CALL "mov a2, a1\n" "movi a8, -16\n" "and a1, a1, a8\n" "addi a1, a1, -32\n" \
    "l32r a8, .Lloader_entry\n" "callx0 a8\n"
#else
#define LOADER_XTENSA_ENTRY "loader_start"
#define LOADER_XTENSA_CALL "mov a10, a1\n" "movi a8, -16\n" "and a1, a1, a8\n" \
    "addi a9, a1, -44\n" "s32i a1, a9, 0\n" "addi a1, a1, -32\n" \
    "l32r a8, .Lloader_entry\n" "callx8 a8\n"
#endif
__asm__ (
    ".text\n"
    ".literal_position\n"
    ".literal .Lloader_entry, " LOADER_XTENSA_ENTRY "\n"
    ".global _start\n"
    ".type _start, @function\n"
    ".p2align 2\n"
    "_start:\n"
    "    movi a0, 0\n"
    LOADER_XTENSA_CALL
    "    ill\n");

#else
#error "test loader: unsupported host architecture"
#endif

static inline long sys_read(int fd, void *buf, size_t n) {
    return sys_call6(NR_READ, fd, (long)buf, (long)n, 0, 0, 0);
}

static inline long sys_write(int fd, const void *buf, size_t n) {
    return sys_call6(NR_WRITE, fd, (long)buf, (long)n, 0, 0, 0);
}

static inline int sys_open_read(const char *path) {
    #if defined(__riscv)
    return (int)sys_call6(NR_OPENAT, AT_FDCWD, (long)path, 0, 0, 0, 0);
    #else
    return (int)sys_call6(NR_OPEN, (long)path, 0, 0, 0, 0, 0);
    #endif
}

static inline void sys_close(int fd) {
    sys_call6(NR_CLOSE, fd, 0, 0, 0, 0, 0);
}

/* Anonymous private memory that is readable, writable and executable, or
 * NULL. */
static inline void *sys_mmap_rwx(size_t len) {
    long r = sys_call6(NR_MMAP, 0, (long)len, PROT_RWX, MAP_PRIVATE_ANON, -1, 0);
    if (r < 0 && r > -4096) {
        return NULL;
    }
    return (void *)r;
}

/* Make freshly written code visible to instruction fetch. */
static inline void sys_flush_icache(void *start, size_t len) {
    #if defined(__arm__)
    /* ARM private syscall cacheflush(start, end, 0). */
    sys_call6(0xf0002, (long)start, (long)((char *)start + len), 0, 0, 0, 0);
    #elif defined(__riscv)
    (void)start;
    (void)len;
    /* fence.i, spelled as a raw encoding so no Zifencei flag is needed. */
    __asm__ volatile (".insn i 0x0f, 1, x0, x0, 0" ::: "memory");
    #else
    (void)start;
    (void)len;
    #endif
}

static inline void sys_exit(int code) __attribute__((noreturn));
static inline void sys_exit(int code) {
    for (;;) {
        sys_call6(NR_EXIT_GROUP, code, 0, 0, 0, 0, 0);
    }
}

#endif /* LOADER_SYS_H */
