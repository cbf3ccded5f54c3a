/*
 * loader.c: a freestanding loader for native MicroPython modules, used by the
 * cargo-mpy tests to run linked `.mpy` files on architectures the host cannot
 * run MicroPython for (under qemu-user).
 *
 *   loader [-n] MODULE.mpy [COMMAND ...]
 *
 * It loads the file the way the firmware does (header checks, qstr table,
 * executable text, one zeroed block holding bss then rodata, the relocation
 * stream), calls the module's init function with a fake module context, and
 * then runs each COMMAND, printing one line per command on stdout:
 *
 *   call NAME [ARG ...]   call global NAME; print repr of the result, or
 *                         `exception: Type: message` if it raised
 *   get NAME              print repr of global NAME
 *   globals               print the module's global names in definition order
 *   qstrs                 print the module's qstr table, space separated
 *   info                  print `text=N rodata=N bss=N qstrs=N relocs=N`
 *   words text|rodata|bss print every word of that image after relocation,
 *                         space separated: `text+N`, `rodata+N`, `bss+N`,
 *                         `qstr_table+N`, `obj_table+N`, `fun_table+N`
 *                         (byte offsets), `fun[K]` (the value of table entry
 *                         K >= 3) or a hex number
 *
 * With `-n` before MODULE.mpy the init function is not called (for files
 * whose text is data, built by tests of the relocation stream).
 *
 * ARG syntax: decimal or 0x integers, floats (with `.` or `e`), None, True,
 * False, 'str' or "str", b'bytes', [a, b] lists, (a, b) tuples, @NAME (a
 * module global) and $mod (the module object). Commands that contain spaces
 * must be given as one shell word each.
 *
 * Exit status: 0 when every command ran (raising is a result, not a failure),
 * 1 when init raised, 2 for bad input (file, header, command), 3 when the
 * module used an mp_fun_table entry this loader does not implement.
 *
 * Build-time settings (-D): LOADER_ARCH (MicroPython arch code the module
 * must have), LOADER_WORD_BITS is derived; MICROPY_FLOAT_IMPL as for modules;
 * LOADER_QSTR_NAMES to include the generated static qstr names
 * (qstr_names.h: STATIC_QSTR_COUNT and static_qstr_names[]).
 */

#include "natmod.h"
#include "sys.h"

/* The loader is the firmware side: it makes qstr objects itself (natmod.h
 * asks the firmware, through the table, on ABI 6.2 and later). */
#undef MP_OBJ_NEW_QSTR
#define MP_OBJ_NEW_QSTR(q) ((mp_obj_t)((((mp_uint_t)(q)) << 3) | 2))

#ifdef LOADER_QSTR_NAMES
#include "qstr_names.h"
#else
#define STATIC_QSTR_COUNT 0
static const char *const static_qstr_names[1] = {""};
#endif

#ifndef LOADER_ARCH
#error "define LOADER_ARCH to the MicroPython native arch code"
#endif

#define HAVE_FLOAT (MICROPY_FLOAT_IMPL != MICROPY_FLOAT_IMPL_NONE)
#define WORD_BITS ((int)(sizeof(void *) * 8))

/* ------------------------------------------------------------------------ */
/* Memory helpers (the compiler may emit calls to these)                    */

void *memset(void *s, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);

void *memset(void *s, int c, size_t n) {
    volatile unsigned char *p = s;
    while (n--) {
        *p++ = (unsigned char)c;
    }
    return s;
}

void *memmove(void *d, const void *s, size_t n) {
    volatile unsigned char *dp = d;
    const unsigned char *sp = s;
    if (dp < sp) {
        while (n--) {
            *dp++ = *sp++;
        }
    } else {
        while (n--) {
            dp[n] = sp[n];
        }
    }
    return d;
}

void *memcpy(void *d, const void *s, size_t n) {
    return memmove(d, s, n);
}

static size_t str_len(const char *s) {
    size_t n = 0;
    while (s[n]) {
        n++;
    }
    return n;
}

static bool mem_eq(const void *a, const void *b, size_t n) {
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i]) {
            return false;
        }
    }
    return true;
}

static bool str_eq(const char *a, const char *b) {
    size_t n = str_len(a);
    return n == str_len(b) && mem_eq(a, b, n);
}

/* ------------------------------------------------------------------------ */
/* Output                                                                   */

static char out_buf[4096];
static size_t out_len;

static void out_flush(void) {
    size_t done = 0;
    while (done < out_len) {
        long r = sys_write(1, out_buf + done, out_len - done);
        if (r <= 0) {
            break;
        }
        done += (size_t)r;
    }
    out_len = 0;
}

static void stdout_strn(void *data, const char *s, size_t n) {
    (void)data;
    while (n--) {
        if (out_len == sizeof(out_buf)) {
            out_flush();
        }
        out_buf[out_len++] = *s++;
    }
}

static void stderr_strn(void *data, const char *s, size_t n) {
    (void)data;
    sys_write(2, s, n);
}

static const mp_print_t stdout_print = {NULL, stdout_strn};
static const mp_print_t stderr_print = {NULL, stderr_strn};

/* ------------------------------------------------------------------------ */
/* Variable arguments                                                       */

/* The loader's printf-style functions read their arguments through lva_t.
 * Everywhere but windowed Xtensa it wraps a va_list. LLVM 22 miscompiles
 * variadic functions defined in windowed Xtensa code (va_start points one
 * register past the first variadic argument, and va_arg steps wrongly into
 * arguments passed on the stack), so there the loader defines none in C: each
 * variadic entry point is a few lines of assembly (LOADER_VARIADIC below) that
 * stores the argument registers and passes a GCC-layout argument list to the
 * function's `_v` twin, and the list is read by the code below, not va_arg. */
#if defined(__XTENSA__) && !defined(__XTENSA_CALL0_ABI__)
#define LOADER_OWN_VARARGS 1
/* GCC's va_list for Xtensa: `reg` holds the six argument registers a2..a7,
 * `stk` points 32 bytes before the arguments passed on the stack, `ndx` is
 * the byte offset of the next argument (24 and up: on the stack). */
typedef struct {
    const uint32_t *stk;
    const uint32_t *reg;
    int ndx;
} lva_t;

/* The address of the next argument of `size` bytes (4 or 8), GCC's rules:
 * 8-byte arguments are 8-byte aligned, and an argument is never split
 * between the registers and the stack. */
static const uint32_t *lva_next(lva_t *ap, int size) {
    int ndx = ap->ndx;
    if (size == 8) {
        ndx = (ndx + 7) & ~7;
    }
    int end = ndx + size;
    const uint32_t *base = ap->reg;
    if (end > 24) {
        if (ndx <= 24) {
            end = 32 + size;
        }
        base = ap->stk;
    }
    ap->ndx = end;
    return base + (end - size) / 4;
}

static uint32_t lva_word(lva_t *ap) {
    return *lva_next(ap, 4);
}

static uint64_t lva_dword(lva_t *ap) {
    const uint32_t *p = lva_next(ap, 8);
    return (uint64_t)p[1] << 32 | p[0];
}

static double lva_double(lva_t *ap) {
    union {
        uint64_t u;
        double d;
    } v = {lva_dword(ap)};
    return v.d;
}

#define LVA_INT(ap) ((int)lva_word(ap))
#define LVA_UINT(ap) ((unsigned)lva_word(ap))
#define LVA_LONG(ap) ((long)lva_word(ap))
#define LVA_ULONG(ap) ((unsigned long)lva_word(ap))
#define LVA_LLONG(ap) ((long long)lva_dword(ap))
#define LVA_ULLONG(ap) ((unsigned long long)lva_dword(ap))
#define LVA_PTR(ap) ((void *)(uintptr_t)lva_word(ap))
#define LVA_DOUBLE(ap) lva_double(ap)

/* NAME(a, b, ...) in assembly: a2..a7 stored at sp+16 (the list's `reg`),
 * the list itself at sp+40, then NAME_v(a, b, &list) and its result
 * returned. The frame is 96 bytes: the top 32 belong to the register-window
 * save areas. Every variadic function here has two named word arguments. */
#define LOADER_VARIADIC(name) \
    __asm__(".text\n.literal_position\n.literal .L" #name "_v, " #name "_v\n" \
            ".global " #name "\n.type " #name ", @function\n.p2align 2\n" #name ":\n" \
            "entry a1, 96\n" \
            "s32i a2, a1, 16\ns32i a3, a1, 20\ns32i a4, a1, 24\n" \
            "s32i a5, a1, 28\ns32i a6, a1, 32\ns32i a7, a1, 36\n" \
            "addi a8, a1, 64\ns32i a8, a1, 40\n" \
            "addi a8, a1, 16\ns32i a8, a1, 44\n" \
            "movi a8, 8\ns32i a8, a1, 48\n" \
            "mov a10, a2\nmov a11, a3\naddi a12, a1, 40\n" \
            "l32r a8, .L" #name "_v\ncallx8 a8\n" \
            "mov a2, a10\nretw\n")
#define VARIADIC_LINKAGE
#else
typedef struct {
    va_list ap;
} lva_t;
#define LVA_INT(ap) va_arg((ap)->ap, int)
#define LVA_UINT(ap) va_arg((ap)->ap, unsigned)
#define LVA_LONG(ap) va_arg((ap)->ap, long)
#define LVA_ULONG(ap) va_arg((ap)->ap, unsigned long)
#define LVA_LLONG(ap) va_arg((ap)->ap, long long)
#define LVA_ULLONG(ap) va_arg((ap)->ap, unsigned long long)
#define LVA_PTR(ap) va_arg((ap)->ap, void *)
#define LVA_DOUBLE(ap) va_arg((ap)->ap, double)
#define VARIADIC_LINKAGE static
#endif

/* Defines variadic NAME(A a, B b, ...) as a call of NAME_v(a, b, &list). */
#ifdef LOADER_OWN_VARARGS
#define DEFINE_VARIADIC(ret, name, A, B) LOADER_VARIADIC(name);
#else
#define DEFINE_VARIADIC(ret, name, A, B) \
    static ret name(A a, B b, ...) { \
        lva_t l; \
        va_start(l.ap, b); \
        ret r = name##_v(a, b, &l); \
        va_end(l.ap); \
        return r; \
    }
#endif

/* The same for a function that does not return (NAME_v never returns). */
#ifdef LOADER_OWN_VARARGS
#define DEFINE_VARIADIC_NORETURN(name, A, B) LOADER_VARIADIC(name);
#else
#define DEFINE_VARIADIC_NORETURN(name, A, B) \
    static void name(A a, B b, ...) { \
        lva_t l; \
        va_start(l.ap, b); \
        name##_v(a, b, &l); \
    }
#endif

static int vformat(const mp_print_t *p, const char *fmt, lva_t *ap);

int format_v(const mp_print_t *p, const char *fmt, lva_t *ap);
int format_v(const mp_print_t *p, const char *fmt, lva_t *ap) {
    return vformat(p, fmt, ap);
}
VARIADIC_LINKAGE int format(const mp_print_t *p, const char *fmt, ...);
DEFINE_VARIADIC(int, format, const mp_print_t *, const char *)

void fatal_v(int code, const char *fmt, lva_t *ap) __attribute__((noreturn));
void fatal_v(int code, const char *fmt, lva_t *ap) {
    out_flush();
    format(&stderr_print, "loader: error: ");
    vformat(&stderr_print, fmt, ap);
    format(&stderr_print, "\n");
    sys_exit(code);
}
VARIADIC_LINKAGE void fatal(int code, const char *fmt, ...) __attribute__((noreturn));
DEFINE_VARIADIC_NORETURN(fatal, int, const char *)

/* ------------------------------------------------------------------------ */
/* Heap: a bump allocator; blocks carry their size in the word before them  */

#define HEAP_SIZE (4u << 20)
static uintptr_t heap[HEAP_SIZE / sizeof(uintptr_t)];
static size_t heap_used; /* in words */

static void *heap_alloc(size_t n) {
    size_t words = (n + sizeof(uintptr_t) - 1) / sizeof(uintptr_t) + 1;
    /* Keep blocks 8-byte aligned on 32-bit targets too (doubles). */
    if (sizeof(uintptr_t) == 4 && (heap_used & 1) == 0) {
        heap_used++;
    }
    if (heap_used + words > sizeof(heap) / sizeof(heap[0])) {
        return NULL;
    }
    uintptr_t *blk = &heap[heap_used];
    heap_used += words;
    blk[0] = n;
    return blk + 1;
}

static size_t heap_block_size(void *p) {
    return ((uintptr_t *)p)[-1];
}

/* ------------------------------------------------------------------------ */
/* qstrs: static ones come from the firmware's list, the rest are added     */

#define MAX_QSTRS 2048
static const char *qstr_text[MAX_QSTRS];
static size_t qstr_length[MAX_QSTRS];
static size_t qstr_count = STATIC_QSTR_COUNT + 1; /* number 0 is "no qstr" */

static void qstr_init(void) {
    for (size_t i = 0; i < STATIC_QSTR_COUNT; i++) {
        qstr_text[i + 1] = static_qstr_names[i];
        qstr_length[i + 1] = str_len(static_qstr_names[i]);
    }
    qstr_text[0] = "";
}

static qstr qstr_find(const char *s, size_t n) {
    for (size_t q = 1; q < qstr_count; q++) {
        if (qstr_length[q] == n && mem_eq(qstr_text[q], s, n)) {
            return q;
        }
    }
    return 0;
}

static qstr qstr_intern(const char *s, size_t n) {
    qstr q = qstr_find(s, n);
    if (q != 0) {
        return q;
    }
    if (qstr_count == MAX_QSTRS) {
        fatal(2, "too many qstrs");
    }
    char *copy = heap_alloc(n + 1);
    if (copy == NULL) {
        fatal(2, "out of memory");
    }
    memcpy(copy, s, n);
    copy[n] = 0;
    qstr_text[qstr_count] = copy;
    qstr_length[qstr_count] = n;
    return qstr_count++;
}

static const char *qstr_str(qstr q) {
    if (q < qstr_count) {
        return qstr_text[q];
    }
    return "<bad qstr>";
}

/* ------------------------------------------------------------------------ */
/* Object model                                                             */

enum {
    K_TYPE, K_NONE, K_BOOL, K_INT, K_FLOAT, K_STR, K_BYTES, K_BYTEARRAY,
    K_LIST, K_TUPLE, K_DICT, K_FUN0, K_FUN1, K_FUN2, K_FUN3, K_FUNVAR,
    K_EXC, K_MODULE, K_USER, K_BOUND, K_ITER,
};

/* The firmware's type layout (mp_obj_full_type_t): base, flags, name, twelve
 * slot indices (1 + index into slots, 0 = none) and the slots. Modules make
 * types of exactly this shape; the loader's own types add `kind` and `cname`
 * after it and carry LOADER_TYPE in `flags`, a bit MicroPython leaves unused. */
enum {
    SLOT_MAKE_NEW, SLOT_PRINT, SLOT_CALL, SLOT_UNARY_OP, SLOT_BINARY_OP, SLOT_ATTR,
    SLOT_SUBSCR, SLOT_ITER, SLOT_BUFFER, SLOT_PROTOCOL, SLOT_PARENT, SLOT_LOCALS_DICT,
};
#define N_SLOT_KINDS 12
#define N_SLOTS 11
#define LOADER_TYPE 0x8000
typedef struct {
    mp_obj_base_t base;
    uint16_t flags;
    uint16_t name;
    uint8_t slot_index[N_SLOT_KINDS];
    const void *slots[N_SLOTS];
} full_type_t;

typedef struct _ltype_t {
    mp_obj_base_t base;
    uint16_t flags;
    uint16_t name;
    uint8_t slot_index[N_SLOT_KINDS];
    const void *slots[N_SLOTS];
    uint8_t kind;
    const char *cname;
} ltype_t;

#define LTYPE(id, k, n) static ltype_t id = {{(const mp_obj_type_t *)&type_type}, LOADER_TYPE, 0, {0}, {0}, k, n}
static ltype_t type_type;
LTYPE(type_type, K_TYPE, "type");
LTYPE(type_none, K_NONE, "NoneType");
LTYPE(type_bool, K_BOOL, "bool");
LTYPE(type_int, K_INT, "int");
LTYPE(type_float, K_FLOAT, "float");
LTYPE(type_str, K_STR, "str");
LTYPE(type_bytes, K_BYTES, "bytes");
LTYPE(type_bytearray, K_BYTEARRAY, "bytearray");
LTYPE(type_list, K_LIST, "list");
LTYPE(type_tuple, K_TUPLE, "tuple");
LTYPE(type_dict, K_DICT, "dict");
LTYPE(type_fun0, K_FUN0, "function");
LTYPE(type_fun1, K_FUN1, "function");
LTYPE(type_fun2, K_FUN2, "function");
LTYPE(type_fun3, K_FUN3, "function");
LTYPE(type_funvar, K_FUNVAR, "function");
LTYPE(type_module, K_MODULE, "module");
LTYPE(type_user, K_USER, "object"); /* stands for every module-defined type */
LTYPE(type_bound, K_BOUND, "bound_method");
LTYPE(type_iter, K_ITER, "iterator");
/* Exception: its make_new, print and attr slots are filled in by exc_init,
 * because module-defined exception types copy them (mp_obj_exception_init). */
LTYPE(type_exception, K_EXC, "Exception");

static ltype_t *const named_types[] = {
    &type_type, &type_none, &type_bool, &type_int, &type_float, &type_str, &type_bytes,
    &type_bytearray, &type_list, &type_tuple, &type_dict, &type_fun0, &type_fun1,
    &type_fun2, &type_fun3, &type_funvar, &type_module, &type_exception,
};

/* The slot function types (mp_make_new_fun_t, ...) come from natmod.h. */
typedef struct { mp_obj_base_t base; mp_obj_t fun; mp_obj_t self; } lbound_t;
typedef struct { mp_obj_base_t base; mp_obj_t seq; size_t index; } liter_t;

static bool is_ltype(const void *t) {
    return (((const mp_obj_type_t *)t)->flags & LOADER_TYPE) != 0;
}

/* Slot `which` of any type (the loader's or a module's), or NULL. */
static const void *type_slot(const void *type, int which) {
    const full_type_t *t = type;
    uint8_t i = t->slot_index[which];
    return i == 0 ? NULL : t->slots[i - 1];
}

static const char *qstr_str(qstr q);
static const char *type_name_str(const void *t) {
    return is_ltype(t) ? ((const ltype_t *)t)->cname : qstr_str(((const mp_obj_type_t *)t)->name);
}

/* Is `t` Exception or derived from it through parent slots? */
static bool type_is_exc(const void *t) {
    for (int depth = 0; t != NULL && depth < 16; depth++) {
        if (is_ltype(t)) {
            return ((const ltype_t *)t)->kind == K_EXC;
        }
        t = type_slot(t, SLOT_PARENT);
    }
    return false;
}

typedef struct { mp_obj_base_t base; long long value; bool is_unsigned; } lint_t;
typedef struct { mp_obj_base_t base; double value; } lfloat_t;
/* Same layout as the firmware's str/bytes object. */
typedef struct { mp_obj_base_t base; size_t hash; size_t len; const byte *data; } lstr_t;
/* Same layout as the firmware's bytearray / list / tuple objects. */
typedef struct { mp_obj_base_t base; size_t typecode_free; size_t len; void *items; } lbytearray_t;
typedef struct { mp_obj_base_t base; size_t alloc; size_t len; mp_obj_t *items; } llist_t;
typedef struct { mp_obj_base_t base; size_t len; mp_obj_t items[]; } ltuple_t;
typedef struct { mp_obj_t key, value; } lentry_t;
typedef struct { mp_obj_base_t base; size_t used; size_t alloc; lentry_t *table; } ldict_t;
typedef struct { mp_obj_base_t base; mp_obj_t arg; } lexc_t;

#define NONE_OBJ MP_OBJ_NEW_IMMEDIATE_OBJ(0)
#define FALSE_OBJ MP_OBJ_NEW_IMMEDIATE_OBJ(1)
#define TRUE_OBJ MP_OBJ_NEW_IMMEDIATE_OBJ(3)

VARIADIC_LINKAGE void raise_type(ltype_t *type, const char *fmt, ...) __attribute__((noreturn));
static ltype_t *exc_type(const char *name);

static void *alloc_obj(size_t n, ltype_t *type) {
    mp_obj_base_t *o = heap_alloc(n);
    if (o == NULL) {
        raise_type(exc_type("MemoryError"), "memory allocation failed");
    }
    memset(o, 0, n);
    o->type = (const mp_obj_type_t *)type;
    return o;
}

static ltype_t *type_of(mp_const_obj_t o) {
    if (mp_obj_is_small_int(o)) {
        return &type_int;
    }
    if (mp_obj_is_qstr(o)) {
        return &type_str;
    }
    if (o == NONE_OBJ) {
        return &type_none;
    }
    if (o == FALSE_OBJ || o == TRUE_OBJ) {
        return &type_bool;
    }
    if (o == NULL || !mp_obj_is_obj(o)) {
        return &type_none; /* not an object; callers treat it as opaque */
    }
    const mp_obj_type_t *t = ((const mp_obj_base_t *)o)->type;
    return is_ltype(t) ? (ltype_t *)t : &type_user;
}

/* The real type of an object (a module's type for module objects). */
static const void *real_type(mp_const_obj_t o) {
    ltype_t *t = type_of(o);
    return t == &type_user ? (const void *)((const mp_obj_base_t *)o)->type : (const void *)t;
}

static bool obj_is_exc(mp_const_obj_t o) {
    return mp_obj_is_obj(o) && o != NULL && type_is_exc(real_type(o));
}

/* Is `o` a type object made by the module? */
static bool is_module_type(mp_const_obj_t o) {
    return type_of(o) == &type_type && !is_ltype(o);
}

static bool is_kind(mp_const_obj_t o, int kind) {
    return o != NULL && type_of(o)->kind == kind;
}

static mp_obj_t new_int(long long v) {
    if (v >= MP_SMALL_INT_MIN && v <= MP_SMALL_INT_MAX) {
        return MP_OBJ_NEW_SMALL_INT((mp_int_t)v);
    }
    lint_t *o = alloc_obj(sizeof(lint_t), &type_int);
    o->value = v;
    return o;
}

static mp_obj_t new_uint(unsigned long long v) {
    if (v <= (unsigned long long)MP_SMALL_INT_MAX) {
        return MP_OBJ_NEW_SMALL_INT((mp_int_t)v);
    }
    lint_t *o = alloc_obj(sizeof(lint_t), &type_int);
    o->value = (long long)v;
    o->is_unsigned = v > 0x7fffffffffffffffull;
    return o;
}

/* An int-like object's value, or false when it is not int-like. */
static bool int_value(mp_obj_t o, long long *v) {
    if (mp_obj_is_small_int(o)) {
        *v = MP_OBJ_SMALL_INT_VALUE(o);
        return true;
    }
    if (o == FALSE_OBJ || o == TRUE_OBJ) {
        *v = o == TRUE_OBJ;
        return true;
    }
    if (is_kind(o, K_INT)) {
        *v = ((lint_t *)o)->value;
        return true;
    }
    return false;
}

static mp_obj_t new_str_like(ltype_t *type, const char *data, size_t len) {
    lstr_t *o = alloc_obj(sizeof(lstr_t), type);
    byte *copy = heap_alloc(len + 1);
    if (copy == NULL) {
        raise_type(exc_type("MemoryError"), "memory allocation failed");
    }
    memcpy(copy, data, len);
    copy[len] = 0;
    o->len = len;
    o->data = copy;
    return o;
}

/* Text of a str, qstr or bytes object. */
static bool str_data(mp_obj_t o, const char **data, size_t *len) {
    if (mp_obj_is_qstr(o)) {
        qstr q = MP_OBJ_QSTR_VALUE(o);
        *data = qstr_str(q);
        *len = q < qstr_count ? qstr_length[q] : str_len(*data);
        return true;
    }
    if (is_kind(o, K_STR) || is_kind(o, K_BYTES)) {
        *data = (const char *)((lstr_t *)o)->data;
        *len = ((lstr_t *)o)->len;
        return true;
    }
    return false;
}

static mp_obj_t new_tuple(size_t n, const mp_obj_t *items) {
    ltuple_t *t = alloc_obj(sizeof(ltuple_t) + n * sizeof(mp_obj_t), &type_tuple);
    t->len = n;
    for (size_t i = 0; i < n; i++) {
        t->items[i] = items ? items[i] : NONE_OBJ;
    }
    return t;
}

static mp_obj_t new_list(size_t n, mp_obj_t *items) {
    llist_t *l = alloc_obj(sizeof(llist_t), &type_list);
    l->alloc = n < 4 ? 4 : n;
    l->items = heap_alloc(l->alloc * sizeof(mp_obj_t));
    if (l->items == NULL) {
        raise_type(exc_type("MemoryError"), "memory allocation failed");
    }
    l->len = n;
    for (size_t i = 0; i < n; i++) {
        l->items[i] = items ? items[i] : NONE_OBJ;
    }
    return l;
}

static mp_obj_t list_append(mp_obj_t self, mp_obj_t item) {
    if (!is_kind(self, K_LIST)) {
        raise_type(exc_type("TypeError"), "list_append on a non-list");
    }
    llist_t *l = self;
    if (l->len == l->alloc) {
        mp_obj_t *items = heap_alloc(2 * l->alloc * sizeof(mp_obj_t));
        if (items == NULL) {
            raise_type(exc_type("MemoryError"), "memory allocation failed");
        }
        memcpy(items, l->items, l->len * sizeof(mp_obj_t));
        l->items = items;
        l->alloc *= 2;
    }
    l->items[l->len++] = item;
    return NONE_OBJ;
}

static bool obj_equal(mp_obj_t a, mp_obj_t b) {
    if (a == b) {
        return true;
    }
    long long x, y;
    if (int_value(a, &x) && int_value(b, &y)) {
        return x == y;
    }
    const char *s, *t;
    size_t m, n;
    if (type_of(a) == type_of(b) && str_data(a, &s, &m) && str_data(b, &t, &n)) {
        return m == n && mem_eq(s, t, n);
    }
    return false;
}

static mp_obj_t new_dict(size_t n) {
    ldict_t *d = alloc_obj(sizeof(ldict_t), &type_dict);
    d->alloc = n < 8 ? 8 : n;
    d->table = heap_alloc(d->alloc * sizeof(lentry_t));
    if (d->table == NULL) {
        raise_type(exc_type("MemoryError"), "memory allocation failed");
    }
    return d;
}

static lentry_t *dict_find(ldict_t *d, mp_obj_t key) {
    for (size_t i = 0; i < d->used; i++) {
        if (obj_equal(d->table[i].key, key)) {
            return &d->table[i];
        }
    }
    return NULL;
}

static mp_obj_t dict_store(mp_obj_t self, mp_obj_t key, mp_obj_t value) {
    if (!is_kind(self, K_DICT)) {
        raise_type(exc_type("TypeError"), "dict_store on a non-dict");
    }
    ldict_t *d = self;
    lentry_t *e = dict_find(d, key);
    if (e == NULL) {
        if (d->used == d->alloc) {
            lentry_t *t = heap_alloc(2 * d->alloc * sizeof(lentry_t));
            if (t == NULL) {
                raise_type(exc_type("MemoryError"), "memory allocation failed");
            }
            memcpy(t, d->table, d->used * sizeof(lentry_t));
            d->table = t;
            d->alloc *= 2;
        }
        e = &d->table[d->used++];
        e->key = key;
    }
    e->value = value;
    return self;
}

/* ------------------------------------------------------------------------ */
/* Module state                                                             */

static mp_obj_module_t module_obj = {{(const mp_obj_type_t *)&type_module}, NULL};
static mp_module_context_t module_context;
static mp_obj_fun_bc_t init_self;
static ldict_t *module_globals;
static ldict_t *main_globals;
static ldict_t *builtins;
static mp_obj_dict_t *current_globals;
static mp_obj_t obj_table_dummy[1];

static ltype_t *exc_type(const char *name) {
    qstr q = qstr_intern(name, str_len(name));
    lentry_t *e = dict_find(builtins, MP_OBJ_NEW_QSTR(q));
    if (e != NULL) {
        return e->value;
    }
    ltype_t *t = heap_alloc(sizeof(ltype_t));
    if (t == NULL) {
        fatal(2, "out of memory");
    }
    *t = type_exception;
    t->name = (uint16_t)q;
    t->kind = K_EXC;
    t->cname = qstr_str(q);
    dict_store(builtins, MP_OBJ_NEW_QSTR(q), t);
    return t;
}

static bool ends_with(const char *s, size_t n, const char *suffix) {
    size_t m = str_len(suffix);
    return n >= m && mem_eq(s + n - m, suffix, m);
}

/* Builtin names: types, exception classes and len(). */
static mp_obj_t builtin_len(mp_obj_t o);
static const mp_obj_fun_builtin_fixed_t builtin_len_obj = {{(const mp_obj_type_t *)&type_fun1}, {._1 = builtin_len}};

static mp_obj_t lookup_builtin(qstr q) {
    lentry_t *e = dict_find(builtins, MP_OBJ_NEW_QSTR(q));
    if (e != NULL) {
        return e->value;
    }
    const char *name = qstr_str(q);
    size_t n = qstr_length[q];
    if (ends_with(name, n, "Error") || ends_with(name, n, "Exception") || str_eq(name, "StopIteration")
        || str_eq(name, "KeyboardInterrupt") || str_eq(name, "GeneratorExit") || str_eq(name, "SystemExit")) {
        return exc_type(name);
    }
    return MP_OBJ_NULL;
}

static mp_obj_t load_global(qstr q) {
    if (current_globals != NULL) {
        lentry_t *e = dict_find((ldict_t *)current_globals, MP_OBJ_NEW_QSTR(q));
        if (e != NULL) {
            return e->value;
        }
    }
    mp_obj_t o = lookup_builtin(q);
    if (o == MP_OBJ_NULL) {
        raise_type(exc_type("NameError"), "name '%s' isn't defined", qstr_str(q));
    }
    return o;
}

/* ------------------------------------------------------------------------ */
/* Exceptions: escape back to the command being run                         */

/* Large enough for __builtin_setjmp (5 words) and loader_setjmp. */
static void *escape_buf[32];
static bool escape_armed;

/* MicroPython's setjmp flavour of nlr (MICROPY_NLR_SETJMP): the table's
 * nlr_push links a buffer into a chain (nlr_push_tail), its setjmp_ entry is
 * a setjmp the module calls on the buffer's jmpbuf from its own frame, and a
 * raise while a buffer is linked longjmps there with the exception object in
 * ret_val. C modules never use it; the Rust runtime's protected calls do. */
typedef struct loader_nlr {
    struct loader_nlr *prev;
    mp_obj_t ret_val;
    void *jmpbuf[32];
} loader_nlr_t;
static loader_nlr_t *nlr_top;
static mp_obj_t pending_exc;

/* A setjmp/longjmp pair callable through pointers: saves and restores the
 * callee-saved registers, the stack pointer and the return address. */
int loader_setjmp(void **env) __attribute__((returns_twice));
void loader_longjmp(void **env, int val) __attribute__((noreturn));
#if defined(__x86_64__)
__asm__(".text\n.globl loader_setjmp\n.type loader_setjmp,@function\nloader_setjmp:\n"
        "mov %rbx,(%rdi)\nmov %rbp,8(%rdi)\nmov %r12,16(%rdi)\nmov %r13,24(%rdi)\n"
        "mov %r14,32(%rdi)\nmov %r15,40(%rdi)\nlea 8(%rsp),%rdx\nmov %rdx,48(%rdi)\n"
        "mov (%rsp),%rdx\nmov %rdx,56(%rdi)\nxor %eax,%eax\nret\n"
        ".globl loader_longjmp\n.type loader_longjmp,@function\nloader_longjmp:\n"
        "mov %esi,%eax\ntest %eax,%eax\njnz 1f\ninc %eax\n1:\n"
        "mov (%rdi),%rbx\nmov 8(%rdi),%rbp\nmov 16(%rdi),%r12\nmov 24(%rdi),%r13\n"
        "mov 32(%rdi),%r14\nmov 40(%rdi),%r15\nmov 48(%rdi),%rsp\njmp *56(%rdi)\n");
#elif defined(__i386__)
__asm__(".text\n.globl loader_setjmp\n.type loader_setjmp,@function\nloader_setjmp:\n"
        "mov 4(%esp),%eax\nmov %ebx,(%eax)\nmov %esi,4(%eax)\nmov %edi,8(%eax)\n"
        "mov %ebp,12(%eax)\nlea 4(%esp),%ecx\nmov %ecx,16(%eax)\nmov (%esp),%ecx\n"
        "mov %ecx,20(%eax)\nxor %eax,%eax\nret\n"
        ".globl loader_longjmp\n.type loader_longjmp,@function\nloader_longjmp:\n"
        "mov 4(%esp),%edx\nmov 8(%esp),%eax\ntest %eax,%eax\njnz 1f\ninc %eax\n1:\n"
        "mov (%edx),%ebx\nmov 4(%edx),%esi\nmov 8(%edx),%edi\nmov 12(%edx),%ebp\n"
        "mov 16(%edx),%esp\njmp *20(%edx)\n");
#elif defined(__arm__)
#if defined(__ARM_PCS_VFP)
#define LOADER_VFP_SAVE "vstmia r0!, {d8-d15}\n"
#define LOADER_VFP_LOAD "vldmia r0!, {d8-d15}\n"
#else
#define LOADER_VFP_SAVE ""
#define LOADER_VFP_LOAD ""
#endif
__asm__(".syntax unified\n.text\n.thumb\n.globl loader_setjmp\n.thumb_func\n.type loader_setjmp,%function\nloader_setjmp:\n"
        "mov ip, sp\nstmia r0!, {r4-r11, ip, lr}\n" LOADER_VFP_SAVE "movs r0, #0\nbx lr\n"
        ".globl loader_longjmp\n.thumb_func\n.type loader_longjmp,%function\nloader_longjmp:\n"
        "ldmia r0!, {r4-r11, ip, lr}\n" LOADER_VFP_LOAD "mov sp, ip\nmovs r0, r1\nit eq\nmoveq r0, #1\nbx lr\n");
#elif defined(__riscv)
#if __riscv_xlen == 64
#define LOADER_S "sd"
#define LOADER_L "ld"
#define LOADER_W "8"
#else
#define LOADER_S "sw"
#define LOADER_L "lw"
#define LOADER_W "4"
#endif
#define LOADER_RV_REGS(op) \
    op " ra, 0*" LOADER_W "(a0)\n" op " sp, 1*" LOADER_W "(a0)\n" op " s0, 2*" LOADER_W "(a0)\n" \
    op " s1, 3*" LOADER_W "(a0)\n" op " s2, 4*" LOADER_W "(a0)\n" op " s3, 5*" LOADER_W "(a0)\n" \
    op " s4, 6*" LOADER_W "(a0)\n" op " s5, 7*" LOADER_W "(a0)\n" op " s6, 8*" LOADER_W "(a0)\n" \
    op " s7, 9*" LOADER_W "(a0)\n" op " s8, 10*" LOADER_W "(a0)\n" op " s9, 11*" LOADER_W "(a0)\n" \
    op " s10, 12*" LOADER_W "(a0)\n" op " s11, 13*" LOADER_W "(a0)\n"
__asm__(".text\n.globl loader_setjmp\n.type loader_setjmp,@function\nloader_setjmp:\n"
        LOADER_RV_REGS(LOADER_S) "li a0, 0\nret\n"
        ".globl loader_longjmp\n.type loader_longjmp,@function\nloader_longjmp:\n"
        LOADER_RV_REGS(LOADER_L) "seqz a0, a1\nadd a0, a0, a1\nret\n");
#elif defined(__XTENSA__) && defined(__XTENSA_CALL0_ABI__)
/* call0 ABI: the return address a0, the stack pointer a1 and the
 * callee-saved a12..a15. */
__asm__(".text\n.global loader_setjmp\n.type loader_setjmp, @function\n.p2align 2\nloader_setjmp:\n"
        "s32i a0, a2, 0\ns32i a1, a2, 4\ns32i a12, a2, 8\ns32i a13, a2, 12\n"
        "s32i a14, a2, 16\ns32i a15, a2, 20\nmovi a2, 0\nret\n"
        ".global loader_longjmp\n.type loader_longjmp, @function\n.p2align 2\nloader_longjmp:\n"
        "l32i a0, a2, 0\nl32i a1, a2, 4\nl32i a12, a2, 8\nl32i a13, a2, 12\n"
        "l32i a14, a2, 16\nl32i a15, a2, 20\nmovi a4, 1\nmoveqz a3, a4, a3\nmov a2, a3\nret\n");
#elif defined(__XTENSA__)
/* Windowed ABI. The caller's registers live in the register file or, once
 * spilled, in save areas on the stack: a frame's a0..a3 in the 16 bytes
 * below its callee's stack pointer, its a4..a7 (call8) or a4..a11 (call12)
 * 16 bytes further below its caller's stack pointer. Both functions first
 * spill every live window to the stack (loader_spill: a chain of call12s
 * deeper than the register file). setjmp then copies the caller's save
 * areas into env; longjmp writes them back and returns from setjmp's frame
 * (a0 and a1 as they were there), so the return's window underflow reloads
 * the caller from them.
 *
 * env: [0] setjmp's sp, [1] its return address (window size in the top two
 * bits), [2..5] the caller's a0..a3, [6] the caller's caller's sp, [7..14]
 * the caller's a4..a11 (as many as its window has). */
#define LOADER_SPILL_DEPTH "8"
__asm__(".text\n.literal_position\n.literal .Lloader_spill, loader_spill\n"
        ".global loader_spill\n.type loader_spill, @function\n.p2align 2\nloader_spill:\n"
        "entry a1, 64\n"
        "beqz a2, .Lloader_spill_done\n"
        "addi a14, a2, -1\n"
        "l32r a8, .Lloader_spill\n"
        "callx12 a8\n"
        ".Lloader_spill_done:\n"
        "retw\n"

        ".global loader_setjmp\n.type loader_setjmp, @function\n.p2align 2\nloader_setjmp:\n"
        "entry a1, 64\n"
        "movi a14, " LOADER_SPILL_DEPTH "\n"
        "l32r a8, .Lloader_spill\n"
        "callx12 a8\n"
        "s32i a1, a2, 0\n"
        "s32i a0, a2, 4\n"
        "addi a8, a1, -16\n"     /* the caller's a0..a3 */
        "l32i a3, a8, 0\ns32i a3, a2, 8\n"
        "l32i a5, a8, 4\ns32i a5, a2, 12\n" /* a5: the caller's sp */
        "l32i a3, a8, 8\ns32i a3, a2, 16\n"
        "l32i a3, a8, 12\ns32i a3, a2, 20\n"
        "addi a5, a5, -16\n"
        "l32i a5, a5, 4\n"       /* its caller's sp, from that one's save area */
        "s32i a5, a2, 24\n"
        "extui a4, a0, 30, 2\n"   /* the caller's window: 4, 8 or 12 registers */
        "blti a4, 2, .Lloader_setjmp_done\n"
        "slli a6, a4, 4\n"
        "sub a6, a5, a6\n"        /* a4.. saved from (caller's caller sp) - 16 * k */
        "addi a7, a5, -16\n"
        "addi a9, a2, 28\n"
        ".Lloader_setjmp_copy:\n"
        "l32i a10, a6, 0\ns32i a10, a9, 0\n"
        "addi a6, a6, 4\naddi a9, a9, 4\n"
        "blt a6, a7, .Lloader_setjmp_copy\n"
        ".Lloader_setjmp_done:\n"
        "movi a2, 0\n"
        "retw\n"

        ".global loader_longjmp\n.type loader_longjmp, @function\n.p2align 2\nloader_longjmp:\n"
        "entry a1, 64\n"
        "movi a14, " LOADER_SPILL_DEPTH "\n"
        "l32r a8, .Lloader_spill\n"
        "callx12 a8\n"
        "l32i a4, a2, 0\n"        /* setjmp's sp */
        "addi a8, a4, -16\n"
        "l32i a5, a2, 8\ns32i a5, a8, 0\n"
        "l32i a5, a2, 12\ns32i a5, a8, 4\n"
        "l32i a5, a2, 16\ns32i a5, a8, 8\n"
        "l32i a5, a2, 20\ns32i a5, a8, 12\n"
        "l32i a6, a2, 4\n"        /* setjmp's return address */
        "extui a7, a6, 30, 2\n"
        "blti a7, 2, .Lloader_longjmp_done\n"
        "l32i a8, a2, 24\n"
        "slli a9, a7, 4\n"
        "sub a9, a8, a9\n"
        "addi a8, a8, -16\n"
        "addi a10, a2, 28\n"
        ".Lloader_longjmp_copy:\n"
        "l32i a11, a10, 0\ns32i a11, a9, 0\n"
        "addi a9, a9, 4\naddi a10, a10, 4\n"
        "blt a9, a8, .Lloader_longjmp_copy\n"
        ".Lloader_longjmp_done:\n"
        "movi a5, 1\n"
        "moveqz a3, a5, a3\n"     /* longjmp(env, 0) returns 1 */
        "mov a0, a6\n"
        "mov a1, a4\n"
        "mov a2, a3\n"
        "retw\n");
#else
#error "no setjmp for this architecture"
#endif

static unsigned int fun_nlr_push(void *buf) {
    loader_nlr_t *b = buf;
    b->prev = nlr_top;
    nlr_top = b;
    return 0;
}

static void fun_nlr_pop(void) {
    if (nlr_top != NULL) {
        nlr_top = nlr_top->prev;
    }
}
static char exc_line[512];
static size_t exc_line_len;

static void exc_strn(void *data, const char *s, size_t n) {
    (void)data;
    while (n-- && exc_line_len + 1 < sizeof(exc_line)) {
        exc_line[exc_line_len++] = *s++;
    }
}
static const mp_print_t exc_print = {NULL, exc_strn};

static void escape(void) __attribute__((noreturn));
static void escape(void) {
    exc_line[exc_line_len] = 0;
    if (nlr_top != NULL && pending_exc != MP_OBJ_NULL) {
        /* A protected call is active: hand it the exception object. */
        loader_nlr_t *b = nlr_top;
        nlr_top = b->prev;
        b->ret_val = pending_exc;
        pending_exc = MP_OBJ_NULL;
        loader_longjmp(b->jmpbuf, 1);
    }
    pending_exc = MP_OBJ_NULL;
    if (!escape_armed) {
        fatal(1, "exception outside a call: %s", exc_line);
    }
    escape_armed = false;
    #if defined(__XTENSA__)
    loader_longjmp(escape_buf, 1);
    #else
    __builtin_longjmp(escape_buf, 1);
    #endif
}

static void print_repr(const mp_print_t *p, mp_obj_t o, int depth);

/* An exception instance of `type` with message `msg` (none when NULL). */
static mp_obj_t make_exc(ltype_t *type, const char *msg, size_t len) {
    lexc_t *e = alloc_obj(sizeof(lexc_t), type);
    e->arg = msg != NULL ? new_str_like(&type_str, msg, len) : MP_OBJ_NULL;
    return MP_OBJ_FROM_PTR(e);
}

void raise_type_v(ltype_t *type, const char *fmt, lva_t *ap) __attribute__((noreturn));
void raise_type_v(ltype_t *type, const char *fmt, lva_t *ap) {
    exc_line_len = 0;
    format(&exc_print, "%s: ", type->cname);
    size_t prefix = exc_line_len;
    vformat(&exc_print, fmt, ap);
    if (nlr_top != NULL) {
        pending_exc = make_exc(type, exc_line + prefix, exc_line_len - prefix);
    }
    escape();
}
DEFINE_VARIADIC_NORETURN(raise_type, ltype_t *, const char *)

static MP_NORETURN void fun_raise_msg(const mp_obj_type_t *type, mp_rom_error_text_t msg) {
    ltype_t *t = (ltype_t *)type;
    exc_line_len = 0;
    if (t == NULL || !mp_obj_is_obj(t) || t->base.type != (const mp_obj_type_t *)&type_type) {
        format(&exc_print, "<not a type>");
    } else {
        format(&exc_print, "%s", type_name_str(t));
    }
    if (msg != NULL) {
        format(&exc_print, ": %s", msg);
    }
    if (nlr_top != NULL && t != NULL && mp_obj_is_obj(t) && t->base.type == (const mp_obj_type_t *)&type_type) {
        pending_exc = make_exc(t, msg, msg != NULL ? str_len(msg) : 0);
    }
    escape();
}

static void fun_raise(mp_obj_t o) {
    exc_line_len = 0;
    bool is_type = type_of(o) == &type_type && type_is_exc(o);
    if (nlr_top != NULL) {
        pending_exc = is_type ? make_exc((ltype_t *)o, NULL, 0) : o;
    }
    if (is_type) {
        format(&exc_print, "%s", type_name_str(o));
    } else if (obj_is_exc(o)) {
        format(&exc_print, "%s", type_name_str(real_type(o)));
        mp_obj_t arg = ((lexc_t *)o)->arg;
        if (arg != MP_OBJ_NULL) {
            const char *s;
            size_t n;
            format(&exc_print, ": ");
            if (str_data(arg, &s, &n)) {
                exc_strn(NULL, s, n);
            } else {
                print_repr(&exc_print, arg, 0);
            }
        }
    } else {
        format(&exc_print, "TypeError: exceptions must derive from BaseException");
    }
    escape();
}

/* ------------------------------------------------------------------------ */
/* Formatting                                                               */

static void put_str(const mp_print_t *p, const char *s) {
    p->print_strn(p->data, s, str_len(s));
}

static int put_pad(const mp_print_t *p, const char *s, size_t n, int width, bool left, char fill) {
    int pad = width > (int)n ? width - (int)n : 0;
    if (!left) {
        for (int i = 0; i < pad; i++) {
            p->print_strn(p->data, &fill, 1);
        }
    }
    p->print_strn(p->data, s, n);
    if (left) {
        for (int i = 0; i < pad; i++) {
            p->print_strn(p->data, " ", 1);
        }
    }
    return (int)n + pad;
}

/* Unsigned number to text in `base`; returns the length, digits at buf. */
static size_t fmt_unsigned(char *buf, unsigned long long v, unsigned base, bool upper) {
    char tmp[24];
    size_t n = 0;
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v != 0);
    for (size_t i = 0; i < n; i++) {
        buf[i] = tmp[n - 1 - i];
    }
    return n;
}

static size_t fmt_signed(char *buf, long long v) {
    if (v < 0) {
        buf[0] = '-';
        return 1 + fmt_unsigned(buf + 1, 0ull - (unsigned long long)v, 10, false);
    }
    return fmt_unsigned(buf, (unsigned long long)v, 10, false);
}

#if HAVE_FLOAT
/* A float as MicroPython-like repr text, with `sig` significant digits,
 * trailing zeros trimmed and ".0" kept on whole numbers. */
static size_t fmt_float(char *buf, double v, int sig) {
    size_t n = 0;
    if (v != v) {
        memcpy(buf, "nan", 3);
        return 3;
    }
    if (v < 0 || (v == 0 && 1 / v < 0)) {
        buf[n++] = '-';
        v = -v;
    }
    if (v > 1e300 * 1e10) {
        memcpy(buf + n, "inf", 3);
        return n + 3;
    }
    if (v == 0) {
        memcpy(buf + n, "0.0", 3);
        return n + 3;
    }
    /* Scale into [1, 10) and count the decimal exponent. */
    int e10 = 0;
    while (v >= 10) {
        v /= 10;
        e10++;
    }
    while (v < 1) {
        v *= 10;
        e10--;
    }
    /* Collect `sig` digits with rounding. */
    char d[20];
    double r = 0.5;
    for (int i = 1; i < sig; i++) {
        r /= 10;
    }
    v += r;
    if (v >= 10) {
        v /= 10;
        e10++;
    }
    for (int i = 0; i < sig; i++) {
        int digit = (int)v;
        if (digit > 9) {
            digit = 9;
        }
        d[i] = (char)('0' + digit);
        v = (v - digit) * 10;
    }
    int nd = sig;
    while (nd > 1 && d[nd - 1] == '0') {
        nd--;
    }
    if (e10 >= sig || e10 < -4) {
        /* d.ddde+XX */
        buf[n++] = d[0];
        buf[n++] = '.';
        if (nd > 1) {
            memcpy(buf + n, d + 1, nd - 1);
            n += nd - 1;
        } else {
            buf[n++] = '0';
        }
        buf[n++] = 'e';
        buf[n++] = e10 < 0 ? '-' : '+';
        int ae = e10 < 0 ? -e10 : e10;
        if (ae < 10) {
            buf[n++] = '0';
        }
        n += fmt_unsigned(buf + n, (unsigned)ae, 10, false);
    } else if (e10 >= 0) {
        for (int i = 0; i <= e10; i++) {
            buf[n++] = i < nd ? d[i] : '0';
        }
        buf[n++] = '.';
        if (nd > e10 + 1) {
            for (int i = e10 + 1; i < nd; i++) {
                buf[n++] = d[i];
            }
        } else {
            buf[n++] = '0';
        }
    } else {
        buf[n++] = '0';
        buf[n++] = '.';
        for (int i = 0; i < -e10 - 1; i++) {
            buf[n++] = '0';
        }
        memcpy(buf + n, d, nd);
        n += nd;
    }
    return n;
}
#define FLOAT_DIGITS (MICROPY_FLOAT_IMPL == MICROPY_FLOAT_IMPL_FLOAT ? 7 : 12)
#endif

/* printf for the module and the loader: flags '-' and '0', width (or '*'),
 * precision for %s (or '.*'), length 'l'/'ll'/'z', conversions
 * d i u x X c s p q % and, with floats, f g e (all printed like repr). */
static int vformat(const mp_print_t *p, const char *fmt, lva_t *ap) {
    int count = 0;
    while (*fmt) {
        if (*fmt != '%') {
            const char *start = fmt;
            while (*fmt && *fmt != '%') {
                fmt++;
            }
            p->print_strn(p->data, start, (size_t)(fmt - start));
            count += (int)(fmt - start);
            continue;
        }
        fmt++;
        bool left = false;
        char fill = ' ';
        for (;; fmt++) {
            if (*fmt == '-') {
                left = true;
            } else if (*fmt == '0') {
                fill = '0';
            } else if (*fmt == '+' || *fmt == ' ' || *fmt == '#') {
                /* accepted, ignored */
            } else {
                break;
            }
        }
        int width = 0;
        if (*fmt == '*') {
            width = LVA_INT(ap);
            fmt++;
        } else {
            while (*fmt >= '0' && *fmt <= '9') {
                width = width * 10 + (*fmt++ - '0');
            }
        }
        int prec = -1;
        if (*fmt == '.') {
            fmt++;
            prec = 0;
            if (*fmt == '*') {
                prec = LVA_INT(ap);
                fmt++;
            } else {
                while (*fmt >= '0' && *fmt <= '9') {
                    prec = prec * 10 + (*fmt++ - '0');
                }
            }
        }
        int lng = 0;
        while (*fmt == 'l' || *fmt == 'z') {
            lng += *fmt == 'z' ? (sizeof(size_t) == sizeof(long long) ? 2 : 1) : 1;
            fmt++;
        }
        char buf[48];
        size_t n;
        char conv = *fmt ? *fmt++ : 0;
        switch (conv) {
            case 'd':
            case 'i': {
                long long v = lng >= 2 ? LVA_LLONG(ap) : lng == 1 ? LVA_LONG(ap) : LVA_INT(ap);
                n = fmt_signed(buf, v);
                count += put_pad(p, buf, n, width, left, fill);
                break;
            }
            case 'u':
            case 'x':
            case 'X': {
                unsigned long long v = lng >= 2 ? LVA_ULLONG(ap)
                    : lng == 1 ? LVA_ULONG(ap) : LVA_UINT(ap);
                n = fmt_unsigned(buf, v, conv == 'u' ? 10 : 16, conv == 'X');
                count += put_pad(p, buf, n, width, left, fill);
                break;
            }
            case 'p': {
                n = fmt_unsigned(buf, (uintptr_t)LVA_PTR(ap), 16, false);
                count += put_pad(p, buf, n, width, left, fill);
                break;
            }
            case 'c':
                buf[0] = (char)LVA_INT(ap);
                count += put_pad(p, buf, 1, width, left, ' ');
                break;
            case 's': {
                const char *s = LVA_PTR(ap);
                if (s == NULL) {
                    s = "(null)";
                }
                size_t len = str_len(s);
                if (prec >= 0 && (size_t)prec < len) {
                    len = (size_t)prec;
                }
                count += put_pad(p, s, len, width, left, ' ');
                break;
            }
            case 'q': {
                qstr q = (qstr)LVA_ULONG(ap);
                count += put_pad(p, qstr_str(q), str_len(qstr_str(q)), width, left, ' ');
                break;
            }
            #if HAVE_FLOAT
            case 'f':
            case 'g':
            case 'e': {
                double v = LVA_DOUBLE(ap);
                n = fmt_float(buf, v, FLOAT_DIGITS);
                count += put_pad(p, buf, n, width, left, ' ');
                break;
            }
            #endif
            case '%':
                p->print_strn(p->data, "%", 1);
                count++;
                break;
            default:
                p->print_strn(p->data, "<bad format>", 12);
                return count;
        }
    }
    return count;
}

static void print_quoted(const mp_print_t *p, const char *s, size_t n) {
    char q = '\'';
    bool has_single = false, has_double = false;
    for (size_t i = 0; i < n; i++) {
        has_single |= s[i] == '\'';
        has_double |= s[i] == '"';
    }
    if (has_single && !has_double) {
        q = '"';
    }
    p->print_strn(p->data, &q, 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == (unsigned char)q || c == '\\') {
            format(p, "\\%c", c);
        } else if (c == '\n') {
            put_str(p, "\\n");
        } else if (c == '\r') {
            put_str(p, "\\r");
        } else if (c == '\t') {
            put_str(p, "\\t");
        } else if (c < 0x20 || c >= 0x7f) {
            char hex[2];
            fmt_unsigned(hex, c >> 4, 16, false);
            fmt_unsigned(hex + 1, c & 15, 16, false);
            put_str(p, "\\x");
            p->print_strn(p->data, hex, 2);
        } else {
            p->print_strn(p->data, (const char *)&c, 1);
        }
    }
    p->print_strn(p->data, &q, 1);
}

static void print_repr(const mp_print_t *p, mp_obj_t o, int depth) {
    if (o == MP_OBJ_NULL) {
        put_str(p, "<NULL>");
        return;
    }
    if (depth > 8) {
        put_str(p, "...");
        return;
    }
    long long iv;
    const char *s;
    size_t n;
    ltype_t *t = type_of(o);
    if (o == NONE_OBJ) {
        put_str(p, "None");
    } else if (o == TRUE_OBJ) {
        put_str(p, "True");
    } else if (o == FALSE_OBJ) {
        put_str(p, "False");
    } else if (mp_obj_is_immediate_obj(o) || (!mp_obj_is_obj(o) && !mp_obj_is_small_int(o) && !mp_obj_is_qstr(o))) {
        format(p, "<bad object %p>", o);
    } else if (t->kind == K_INT && int_value(o, &iv)) {
        if (!mp_obj_is_small_int(o) && ((lint_t *)o)->is_unsigned) {
            format(p, "%llu", (unsigned long long)iv);
        } else {
            format(p, "%lld", iv);
        }
    } else if (t->kind == K_STR && str_data(o, &s, &n)) {
        print_quoted(p, s, n);
    } else if (t->kind == K_BYTES && str_data(o, &s, &n)) {
        put_str(p, "b");
        print_quoted(p, s, n);
    } else if (t->kind == K_BYTEARRAY) {
        lbytearray_t *b = o;
        put_str(p, "bytearray(b");
        print_quoted(p, b->items, b->len);
        put_str(p, ")");
    #if HAVE_FLOAT
    } else if (t->kind == K_FLOAT) {
        char buf[48];
        n = fmt_float(buf, ((lfloat_t *)o)->value, FLOAT_DIGITS);
        p->print_strn(p->data, buf, n);
    #endif
    } else if (t->kind == K_LIST || t->kind == K_TUPLE) {
        size_t len = t->kind == K_LIST ? ((llist_t *)o)->len : ((ltuple_t *)o)->len;
        mp_obj_t *items = t->kind == K_LIST ? ((llist_t *)o)->items : ((ltuple_t *)o)->items;
        put_str(p, t->kind == K_LIST ? "[" : "(");
        for (size_t i = 0; i < len; i++) {
            if (i) {
                put_str(p, ", ");
            }
            print_repr(p, items[i], depth + 1);
        }
        put_str(p, t->kind == K_LIST ? "]" : len == 1 ? ",)" : ")");
    } else if (t->kind == K_DICT) {
        ldict_t *d = o;
        put_str(p, "{");
        for (size_t i = 0; i < d->used; i++) {
            if (i) {
                put_str(p, ", ");
            }
            print_repr(p, d->table[i].key, depth + 1);
            put_str(p, ": ");
            print_repr(p, d->table[i].value, depth + 1);
        }
        put_str(p, "}");
    } else if (t == &type_type) {
        format(p, "<class '%s'>", type_name_str(o));
    } else if (obj_is_exc(o)) {
        format(p, "%s(", type_name_str(real_type(o)));
        if (((lexc_t *)o)->arg != MP_OBJ_NULL) {
            print_repr(p, ((lexc_t *)o)->arg, depth + 1);
        }
        put_str(p, ")");
    } else if (t->kind == K_USER) {
        const void *ty = real_type(o);
        void (*print)(const mp_print_t *, mp_obj_t, int) = (void (*)(const mp_print_t *, mp_obj_t, int))type_slot(ty, SLOT_PRINT);
        if (print != NULL) {
            print(p, o, 1 /* PRINT_REPR */);
        } else {
            format(p, "<%s object>", type_name_str(ty));
        }
    } else if (t->kind == K_BOUND) {
        put_str(p, "<bound_method>");
    } else if (t->kind >= K_FUN0 && t->kind <= K_FUNVAR) {
        put_str(p, "<function>");
    } else if (t->kind == K_MODULE) {
        put_str(p, "<module>");
    } else if (t->kind == K_EXC) {
        format(p, "%s(", t->cname);
        if (((lexc_t *)o)->arg != MP_OBJ_NULL) {
            print_repr(p, ((lexc_t *)o)->arg, depth + 1);
        }
        put_str(p, ")");
    } else {
        format(p, "<object %p>", o);
    }
}

/* ------------------------------------------------------------------------ */
/* Exception slots (shared with module-defined exception types)             */

static mp_obj_t exc_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *args) {
    (void)n_kw;
    lexc_t *e = alloc_obj(sizeof(lexc_t), (ltype_t *)type);
    e->arg = n_args > 0 ? args[0] : MP_OBJ_NULL;
    return e;
}

static void exc_print_slot(const mp_print_t *p, mp_obj_t o, int kind) {
    (void)kind;
    print_repr(p, o, 0);
}

static void exc_attr(mp_obj_t o, qstr attr, mp_obj_t *dest) {
    (void)o;
    (void)attr;
    (void)dest; /* no attributes: the lookup fails as AttributeError */
}

static void exc_init(void) {
    type_exception.slot_index[SLOT_MAKE_NEW] = 1;
    type_exception.slot_index[SLOT_PRINT] = 2;
    type_exception.slot_index[SLOT_ATTR] = 3;
    type_exception.slots[0] = (const void *)exc_make_new;
    type_exception.slots[1] = (const void *)exc_print_slot;
    type_exception.slots[2] = (const void *)exc_attr;
}

/* ------------------------------------------------------------------------ */
/* Calling objects                                                          */


/* An empty keyword-argument map (the firmware's map is three words). */
static uintptr_t empty_kw_map[3];

static mp_obj_t call_obj(mp_obj_t fun, size_t n, const mp_obj_t *args) {
    ltype_t *t = type_of(fun);
    if (!mp_obj_is_obj(fun) || fun == NULL) {
        raise_type(exc_type("TypeError"), "'%s' object isn't callable", t->cname);
    }
    switch (t->kind) {
        case K_FUN0:
        case K_FUN1:
        case K_FUN2:
        case K_FUN3: {
            size_t want = (size_t)(t->kind - K_FUN0);
            if (n != want) {
                raise_type(exc_type("TypeError"), "function takes %u positional arguments but %u were given",
                    (unsigned)want, (unsigned)n);
            }
            const mp_obj_fun_builtin_fixed_t *f = fun;
            switch (want) {
                case 0:
                    return f->fun._0();
                case 1:
                    return f->fun._1(args[0]);
                case 2:
                    return f->fun._2(args[0], args[1]);
                default:
                    return f->fun._3(args[0], args[1], args[2]);
            }
        }
        case K_FUNVAR: {
            const mp_obj_fun_builtin_var_t *f = fun;
            size_t n_min = f->sig >> 17, n_max = (f->sig >> 1) & 0xffff;
            if (n < n_min) {
                raise_type(exc_type("TypeError"), "function missing %u required positional arguments",
                    (unsigned)(n_min - n));
            }
            if (n > n_max) {
                raise_type(exc_type("TypeError"), "function expected at most %u arguments, got %u",
                    (unsigned)n_max, (unsigned)n);
            }
            if (f->sig & 1) {
                return f->fun.kw(n, args, (struct _mp_map_t *)empty_kw_map);
            }
            return f->fun.var(n, args);
        }
        case K_TYPE: {
            mp_make_new_fun_t make_new = (mp_make_new_fun_t)type_slot(fun, SLOT_MAKE_NEW);
            if (make_new == NULL) {
                raise_type(exc_type("TypeError"), "cannot create '%s' instances", type_name_str(fun));
            }
            return make_new(fun, n, 0, args);
        }
        case K_USER: {
            mp_call_fun_t call = (mp_call_fun_t)type_slot(real_type(fun), SLOT_CALL);
            if (call == NULL) {
                raise_type(exc_type("TypeError"), "'%s' object isn't callable", type_name_str(real_type(fun)));
            }
            return call(fun, n, 0, args);
        }
        case K_BOUND: {
            const lbound_t *b = fun;
            mp_obj_t all[17];
            if (n > 16) {
                raise_type(exc_type("TypeError"), "too many arguments");
            }
            all[0] = b->self;
            for (size_t i = 0; i < n; i++) {
                all[i + 1] = args[i];
            }
            return call_obj(b->fun, n + 1, all);
        }
        default:
            break;
    }
    raise_type(exc_type("TypeError"), "'%s' object isn't callable", t->cname);
}

static mp_obj_t builtin_len(mp_obj_t o) {
    const char *s;
    size_t n;
    switch (type_of(o)->kind) {
        case K_LIST:
            return new_int((long long)((llist_t *)o)->len);
        case K_TUPLE:
            return new_int((long long)((ltuple_t *)o)->len);
        case K_DICT:
            return new_int((long long)((ldict_t *)o)->used);
        case K_BYTEARRAY:
            return new_int((long long)((lbytearray_t *)o)->len);
        default:
            if (str_data(o, &s, &n)) {
                return new_int((long long)n);
            }
    }
    raise_type(exc_type("TypeError"), "object of type '%s' has no len()", type_of(o)->cname);
}

/* ------------------------------------------------------------------------ */
/* mp_fun_table entries                                                     */

static bool obj_is_true(mp_obj_t o) {
    long long v;
    const char *s;
    size_t n;
    if (o == NONE_OBJ || o == FALSE_OBJ) {
        return false;
    }
    if (int_value(o, &v)) {
        return v != 0;
    }
    if (str_data(o, &s, &n)) {
        return n != 0;
    }
    switch (type_of(o)->kind) {
        case K_LIST:
            return ((llist_t *)o)->len != 0;
        case K_TUPLE:
            return ((ltuple_t *)o)->len != 0;
        case K_DICT:
            return ((ldict_t *)o)->used != 0;
        #if HAVE_FLOAT
        case K_FLOAT:
            return ((lfloat_t *)o)->value != 0;
        #endif
        default:
            return true;
    }
}

static bool fun_get_buffer(mp_obj_t o, mp_buffer_info_t *info, mp_uint_t flags) {
    const char *s;
    size_t n;
    if (is_kind(o, K_BYTEARRAY)) {
        info->buf = ((lbytearray_t *)o)->items;
        info->len = ((lbytearray_t *)o)->len;
        info->typecode = 'B';
        return true;
    }
    if ((flags & MP_BUFFER_WRITE) == 0 && str_data(o, &s, &n)) {
        info->buf = (void *)s;
        info->len = n;
        info->typecode = 'B';
        return true;
    }
    if (flags & MP_BUFFER_RAISE_IF_UNSUPPORTED) {
        raise_type(exc_type("TypeError"), "object with buffer protocol required");
    }
    return false;
}

static mp_uint_t fun_native_from_obj(mp_obj_t o, mp_uint_t type) {
    long long v;
    mp_buffer_info_t info;
    switch (type & 0xf) {
        case MP_NATIVE_TYPE_OBJ:
            return (mp_uint_t)o;
        case MP_NATIVE_TYPE_BOOL:
            return obj_is_true(o);
        case MP_NATIVE_TYPE_INT:
        case MP_NATIVE_TYPE_UINT:
            break;
        default:
            if (fun_get_buffer(o, &info, MP_BUFFER_READ)) {
                return (mp_uint_t)info.buf;
            }
            break;
    }
    if (!int_value(o, &v)) {
        raise_type(exc_type("TypeError"), "can't convert %s to int", type_of(o)->cname);
    }
    return (mp_uint_t)v;
}

static mp_obj_t fun_native_to_obj(mp_uint_t val, mp_uint_t type) {
    switch (type & 0xf) {
        case MP_NATIVE_TYPE_OBJ:
            return (mp_obj_t)val;
        case MP_NATIVE_TYPE_BOOL:
            return val ? TRUE_OBJ : FALSE_OBJ;
        case MP_NATIVE_TYPE_INT:
            return new_int((long long)(mp_int_t)val);
        case MP_NATIVE_TYPE_QSTR:
            return MP_OBJ_NEW_QSTR(val);
        default: /* UINT and pointers */
            return new_uint((unsigned long long)val);
    }
}

static mp_obj_dict_t *fun_swap_globals(mp_obj_dict_t *new_globals) {
    mp_obj_dict_t *old = current_globals;
    current_globals = new_globals;
    return old;
}

static void fun_store_global(qstr q, mp_obj_t o) {
    if (current_globals == NULL) {
        fatal(2, "store_global with no globals dict");
    }
    dict_store((mp_obj_t)current_globals, MP_OBJ_NEW_QSTR(q), o);
}

/* Looks `attr` up in a type's locals dict, then its parents'. */
static mp_obj_t lookup_in_type(const void *type, qstr attr) {
    for (int depth = 0; type != NULL && depth < 16; depth++) {
        if (is_ltype(type)) {
            return MP_OBJ_NULL;
        }
        ldict_t *locals = (ldict_t *)type_slot(type, SLOT_LOCALS_DICT);
        if (locals != NULL) {
            lentry_t *e = dict_find(locals, MP_OBJ_NEW_QSTR(attr));
            if (e != NULL) {
                return e->value;
            }
        }
        type = type_slot(type, SLOT_PARENT);
    }
    return MP_OBJ_NULL;
}

static bool is_builtin_fun(mp_obj_t o) {
    int k = type_of(o)->kind;
    return k >= K_FUN0 && k <= K_FUNVAR;
}

/* mp_load_method_maybe: dest[0] = the attribute, or dest[0] = function and
 * dest[1] = self for a method; dest[0] stays NULL when there is none. */
static void fun_load_method_maybe(mp_obj_t base, qstr attr, mp_obj_t *dest) {
    dest[0] = MP_OBJ_NULL;
    dest[1] = MP_OBJ_NULL;
    if (base == (mp_obj_t)&module_obj) {
        lentry_t *e = dict_find(module_globals, MP_OBJ_NEW_QSTR(attr));
        if (e != NULL) {
            dest[0] = e->value;
        }
        return;
    }
    if (is_module_type(base)) {
        dest[0] = lookup_in_type(base, attr);
        return;
    }
    if (type_of(base)->kind != K_USER) {
        return;
    }
    const void *type = real_type(base);
    mp_attr_fun_t attr_fn = (mp_attr_fun_t)type_slot(type, SLOT_ATTR);
    if (attr_fn != NULL) {
        attr_fn(base, attr, dest);
        if (dest[0] != MP_OBJ_NULL || dest[1] != MP_OBJ_SENTINEL) {
            return;
        }
        dest[1] = MP_OBJ_NULL; /* the slot asked to continue with the namespace */
    }
    mp_obj_t v = lookup_in_type(type, attr);
    if (v == MP_OBJ_NULL) {
        return;
    }
    dest[0] = v;
    if (is_builtin_fun(v)) {
        dest[1] = base;
    }
}

static void no_attribute(mp_obj_t base, qstr attr) __attribute__((noreturn));
static void no_attribute(mp_obj_t base, qstr attr) {
    const void *t = type_of(base) == &type_type ? base : real_type(base);
    raise_type(exc_type("AttributeError"), "'%s' object has no attribute '%s'", type_name_str(t), qstr_str(attr));
}

static mp_obj_t fun_load_attr(mp_obj_t base, qstr attr) {
    mp_obj_t dest[2];
    fun_load_method_maybe(base, attr, dest);
    if (dest[0] == MP_OBJ_NULL) {
        no_attribute(base, attr);
    }
    if (dest[1] == MP_OBJ_NULL) {
        return dest[0];
    }
    lbound_t *b = alloc_obj(sizeof(lbound_t), &type_bound);
    b->fun = dest[0];
    b->self = dest[1];
    return b;
}

static void fun_load_method(mp_obj_t base, qstr attr, mp_obj_t *dest) {
    fun_load_method_maybe(base, attr, dest);
    if (dest[0] == MP_OBJ_NULL) {
        no_attribute(base, attr);
    }
}

static void fun_store_attr(mp_obj_t base, qstr attr, mp_obj_t val) {
    if (base == (mp_obj_t)&module_obj) {
        dict_store(module_globals, MP_OBJ_NEW_QSTR(attr), val);
        return;
    }
    if (type_of(base)->kind == K_USER) {
        mp_attr_fun_t attr_fn = (mp_attr_fun_t)type_slot(real_type(base), SLOT_ATTR);
        if (attr_fn != NULL) {
            mp_obj_t dest[2] = {MP_OBJ_SENTINEL, val};
            attr_fn(base, attr, dest);
            if (dest[0] == MP_OBJ_NULL) {
                return;
            }
        }
    }
    raise_type(exc_type("AttributeError"), "can't set attribute '%s'", qstr_str(attr));
}

/* ------------------------------------------------------------------------ */
/* Operators and iteration                                                  */

enum {
    OP_LESS = 0, OP_MORE = 1, OP_EQUAL = 2, OP_LESS_EQUAL = 3, OP_MORE_EQUAL = 4,
    OP_NOT_EQUAL = 5, OP_IS = 7, OP_EXCEPTION_MATCH = 8, OP_OR = 22, OP_XOR = 23, OP_AND = 24, OP_LSHIFT = 25,
    OP_RSHIFT = 26, OP_ADD = 27, OP_SUBTRACT = 28, OP_MULTIPLY = 29, OP_FLOOR_DIVIDE = 31,
    OP_MODULO = 33,
};
enum { UOP_POSITIVE = 0, UOP_NEGATIVE = 1, UOP_INVERT = 2, UOP_NOT = 3, UOP_BOOL = 4, UOP_LEN = 5 };

static bool obj_is_true(mp_obj_t o);

static mp_obj_t fun_binary_op(mp_binary_op_t op_in, mp_obj_t a, mp_obj_t b) {
    int op = (int)op_in;
    for (int side = 0; side < 2; side++) {
        mp_obj_t o = side == 0 ? a : b;
        if (type_of(o)->kind == K_USER) {
            mp_binary_op_fun_t f = (mp_binary_op_fun_t)type_slot(real_type(o), SLOT_BINARY_OP);
            if (f != NULL && side == 0) {
                mp_obj_t r = f(op, a, b);
                if (r != MP_OBJ_NULL) {
                    return r;
                }
            }
        }
    }
    long long x, y;
    if (int_value(a, &x) && int_value(b, &y)) {
        switch (op) {
            case OP_LESS: return x < y ? TRUE_OBJ : FALSE_OBJ;
            case OP_MORE: return x > y ? TRUE_OBJ : FALSE_OBJ;
            case OP_EQUAL: return x == y ? TRUE_OBJ : FALSE_OBJ;
            case OP_LESS_EQUAL: return x <= y ? TRUE_OBJ : FALSE_OBJ;
            case OP_MORE_EQUAL: return x >= y ? TRUE_OBJ : FALSE_OBJ;
            case OP_NOT_EQUAL: return x != y ? TRUE_OBJ : FALSE_OBJ;
            case OP_OR: return new_int(x | y);
            case OP_XOR: return new_int(x ^ y);
            case OP_AND: return new_int(x & y);
            case OP_LSHIFT:
                if (y < 0 || y > 63) {
                    raise_type(exc_type("OverflowError"), "shift out of the test loader's 64-bit range");
                }
                return new_int((long long)((unsigned long long)x << y));
            case OP_RSHIFT: return new_int(y > 63 ? (x < 0 ? -1 : 0) : x >> y);
            case OP_ADD: return new_int(x + y);
            case OP_SUBTRACT: return new_int(x - y);
            case OP_MULTIPLY: return new_int(x * y);
            case OP_FLOOR_DIVIDE:
            case OP_MODULO: {
                if (y == 0) {
                    raise_type(exc_type("ZeroDivisionError"), "divide by zero");
                }
                long long q = x / y, r = x % y;
                if (r != 0 && ((r < 0) != (y < 0))) {
                    q -= 1;
                    r += y;
                }
                return new_int(op == OP_MODULO ? r : q);
            }
            default:
                break;
        }
    }
    if (op == OP_EQUAL || op == OP_NOT_EQUAL) {
        bool eq = obj_equal(a, b);
        return (op == OP_EQUAL) == eq ? TRUE_OBJ : FALSE_OBJ;
    }
    if (op == OP_IS) {
        return a == b ? TRUE_OBJ : FALSE_OBJ;
    }
    if (op == OP_EXCEPTION_MATCH) {
        /* `except b` for an exception instance or type `a`: b is a's type or an
         * ancestor through parent slots (all loader exceptions derive from
         * Exception). */
        const void *t = type_of(a) == &type_type ? (const void *)a : real_type(a);
        if (b == (mp_obj_t)&type_exception && type_is_exc(t)) {
            return TRUE_OBJ;
        }
        for (int depth = 0; t != NULL && depth < 16; depth++) {
            if (t == b) {
                return TRUE_OBJ;
            }
            t = is_ltype(t) ? NULL : type_slot(t, SLOT_PARENT);
        }
        return FALSE_OBJ;
    }
    raise_type(exc_type("TypeError"), "unsupported types for operator %d: '%s', '%s'", op,
        type_name_str(real_type(a)), type_name_str(real_type(b)));
}

static mp_obj_t fun_unary_op(mp_unary_op_t op_in, mp_obj_t o) {
    int op = (int)op_in;
    if (type_of(o)->kind == K_USER) {
        mp_unary_op_fun_t f = (mp_unary_op_fun_t)type_slot(real_type(o), SLOT_UNARY_OP);
        if (f != NULL) {
            mp_obj_t r = f(op, o);
            if (r != MP_OBJ_NULL) {
                return r;
            }
        }
    }
    long long x;
    switch (op) {
        case UOP_BOOL:
            return obj_is_true(o) ? TRUE_OBJ : FALSE_OBJ;
        case UOP_NOT:
            return obj_is_true(o) ? FALSE_OBJ : TRUE_OBJ;
        case UOP_LEN:
            if (type_of(o)->kind == K_USER) {
                return MP_OBJ_NULL;
            }
            return builtin_len(o);
        default:
            break;
    }
    if (int_value(o, &x)) {
        switch (op) {
            case UOP_POSITIVE: return o;
            case UOP_NEGATIVE: return new_int(-x);
            case UOP_INVERT: return new_int(~x);
            default: break;
        }
    }
    return MP_OBJ_NULL;
}

/* Iterators over lists, tuples and dicts (keys). */
static mp_obj_t fun_getiter(mp_obj_t o, void *iter_buf) {
    (void)iter_buf;
    int k = type_of(o)->kind;
    if (k != K_LIST && k != K_TUPLE && k != K_DICT) {
        raise_type(exc_type("TypeError"), "'%s' object isn't iterable", type_name_str(real_type(o)));
    }
    liter_t *it = alloc_obj(sizeof(liter_t), &type_iter);
    it->seq = o;
    it->index = 0;
    return it;
}

static mp_obj_t fun_iternext(mp_obj_t o) {
    if (type_of(o)->kind != K_ITER) {
        raise_type(exc_type("TypeError"), "'%s' object isn't an iterator", type_name_str(real_type(o)));
    }
    liter_t *it = o;
    switch (type_of(it->seq)->kind) {
        case K_LIST: {
            llist_t *l = it->seq;
            return it->index < l->len ? l->items[it->index++] : MP_OBJ_NULL;
        }
        case K_TUPLE: {
            ltuple_t *t = it->seq;
            return it->index < t->len ? t->items[it->index++] : MP_OBJ_NULL;
        }
        default: {
            ldict_t *d = it->seq;
            return it->index < d->used ? d->table[it->index++].key : MP_OBJ_NULL;
        }
    }
}

static mp_obj_t fun_obj_subscr(mp_obj_t base, mp_obj_t index, mp_obj_t val) {
    ltype_t *t = type_of(base);
    if (t->kind == K_USER) {
        mp_subscr_fun_t f = (mp_subscr_fun_t)type_slot(real_type(base), SLOT_SUBSCR);
        mp_obj_t r = f != NULL ? f(base, index, val) : MP_OBJ_NULL;
        if (r == MP_OBJ_NULL && val != MP_OBJ_NULL) {
            raise_type(exc_type("TypeError"), "'%s' object isn't subscriptable", type_name_str(real_type(base)));
        }
        return r;
    }
    if (t->kind == K_DICT) {
        lentry_t *e = dict_find(base, index);
        if (val == MP_OBJ_SENTINEL) {
            if (e == NULL) {
                exc_line_len = 0;
                format(&exc_print, "KeyError: ");
                print_repr(&exc_print, index, 0);
                if (nlr_top != NULL) {
                    lexc_t *k = alloc_obj(sizeof(lexc_t), exc_type("KeyError"));
                    k->arg = index;
                    pending_exc = k;
                }
                escape();
            }
            return e->value;
        }
        if (val == MP_OBJ_NULL) {
            raise_type(exc_type("NotImplementedError"), "dict deletion");
        }
        dict_store(base, index, val);
        return NONE_OBJ;
    }
    if (t->kind == K_LIST || t->kind == K_TUPLE) {
        size_t len = t->kind == K_LIST ? ((llist_t *)base)->len : ((ltuple_t *)base)->len;
        mp_obj_t *items = t->kind == K_LIST ? ((llist_t *)base)->items : ((ltuple_t *)base)->items;
        long long i;
        if (!int_value(index, &i)) {
            raise_type(exc_type("TypeError"), "indices must be integers");
        }
        if (i < 0) {
            i += (long long)len;
        }
        if (i < 0 || i >= (long long)len) {
            raise_type(exc_type("IndexError"), "index out of range");
        }
        if (val == MP_OBJ_SENTINEL) {
            return items[i];
        }
        if (t->kind == K_TUPLE || val == MP_OBJ_NULL) {
            raise_type(exc_type("TypeError"), "'%s' object doesn't support item assignment", t->cname);
        }
        items[i] = val;
        return NONE_OBJ;
    }
    raise_type(exc_type("TypeError"), "'%s' object isn't subscriptable", t->cname);
}

static mp_obj_t fun_call_function_n_kw(mp_obj_t fun, size_t n_args_kw, const mp_obj_t *args) {
    if ((n_args_kw >> 8) != 0) {
        raise_type(exc_type("TypeError"), "keyword arguments are not supported by the test loader");
    }
    return call_obj(fun, n_args_kw & 0xff, args);
}

static mp_obj_t fun_call_method_n_kw(size_t n_args, size_t n_kw, const mp_obj_t *args) {
    if (n_kw != 0) {
        raise_type(exc_type("TypeError"), "keyword arguments are not supported by the test loader");
    }
    if (args[1] == MP_OBJ_NULL) {
        return call_obj(args[0], n_args, args + 2);
    }
    return call_obj(args[0], n_args + 1, args + 1);
}

static void fun_arg_check_num_sig(size_t n_args, size_t n_kw, uint32_t sig) {
    size_t n_min = sig >> 17, n_max = (sig >> 1) & 0xffff;
    if (n_kw != 0 && (sig & 1) == 0) {
        raise_type(exc_type("TypeError"), "function doesn't take keyword arguments");
    }
    if (n_args < n_min) {
        raise_type(exc_type("TypeError"), "function missing %u required positional arguments", (unsigned)(n_min - n_args));
    }
    if (n_args > n_max) {
        raise_type(exc_type("TypeError"), "function expected at most %u arguments, got %u", (unsigned)n_max, (unsigned)n_args);
    }
}

static mp_int_t fun_small_int_floor_divide(mp_int_t num, mp_int_t denom) {
    mp_int_t q = num / denom;
    if ((num % denom != 0) && ((num < 0) != (denom < 0))) {
        q--;
    }
    return q;
}

static mp_int_t fun_small_int_modulo(mp_int_t a, mp_int_t b) {
    mp_int_t r = a % b;
    if (r != 0 && ((r < 0) != (b < 0))) {
        r += b;
    }
    return r;
}

static void *fun_memset(void *s, int c, size_t n) {
    return memset(s, c, n);
}

static void *fun_memmove(void *d, const void *s, size_t n) {
    return memmove(d, s, n);
}

/* The firmware's realloc contract: NULL+n allocates, n==0 frees, growing in
 * place is refused unless `allow_move`. Memory is never reused, so it is
 * always zeroed. */
static void *fun_realloc(void *ptr, size_t n, bool allow_move) {
    if (ptr == NULL) {
        return n ? heap_alloc(n) : NULL;
    }
    if (n == 0) {
        return NULL;
    }
    size_t old = heap_block_size(ptr);
    if (n <= old) {
        return ptr;
    }
    if (!allow_move) {
        return NULL;
    }
    void *p = heap_alloc(n);
    if (p != NULL) {
        memcpy(p, ptr, old);
    }
    return p;
}

int fun_printf_v(const mp_print_t *print, const char *fmt, lva_t *ap);
int fun_printf_v(const mp_print_t *print, const char *fmt, lva_t *ap) {
    return vformat(print, fmt, ap);
}
VARIADIC_LINKAGE int fun_printf(const mp_print_t *print, const char *fmt, ...);
DEFINE_VARIADIC(int, fun_printf, const mp_print_t *, const char *)

#ifdef LOADER_OWN_VARARGS
/* vprintf_ as the firmware (built by GCC) has it: GCC passes the 12-byte
 * va_list by value in a4..a6 (LLVM would pass it on the stack). */
int fun_vprintf(const mp_print_t *print, const char *fmt, va_list ap);
__asm__(".text\n.literal_position\n.literal .Lfun_vprintf_target, fun_printf_v\n"
        ".global fun_vprintf\n.type fun_vprintf, @function\n.p2align 2\nfun_vprintf:\n"
        "entry a1, 64\n"
        "s32i a4, a1, 0\ns32i a5, a1, 4\ns32i a6, a1, 8\n"
        "mov a10, a2\nmov a11, a3\nmov a12, a1\n"
        "l32r a8, .Lfun_vprintf_target\ncallx8 a8\n"
        "mov a2, a10\nretw\n");
#else
static int fun_vprintf(const mp_print_t *print, const char *fmt, va_list ap) {
    lva_t l;
    va_copy(l.ap, ap);
    int n = vformat(print, fmt, &l);
    va_end(l.ap);
    return n;
}
#endif

static const mp_obj_type_t *fun_obj_get_type(mp_const_obj_t o) {
    return (const mp_obj_type_t *)real_type(o);
}

static mp_obj_t fun_obj_new_str(const char *data, size_t len) {
    return new_str_like(&type_str, data, len);
}

static mp_obj_t fun_obj_new_bytes(const byte *data, size_t len) {
    return new_str_like(&type_bytes, (const char *)data, len);
}

static mp_obj_t fun_obj_new_bytearray_by_ref(size_t n, void *items) {
    lbytearray_t *b = alloc_obj(sizeof(lbytearray_t), &type_bytearray);
    b->len = n;
    b->items = items;
    return b;
}

#if HAVE_FLOAT
static mp_obj_t new_float(double v) {
    lfloat_t *f = alloc_obj(sizeof(lfloat_t), &type_float);
    f->value = v;
    return f;
}

static double float_value(mp_obj_t o) {
    long long v;
    if (is_kind(o, K_FLOAT)) {
        return ((lfloat_t *)o)->value;
    }
    if (int_value(o, &v)) {
        return (double)v;
    }
    raise_type(exc_type("TypeError"), "can't convert %s to float", type_of(o)->cname);
}

static mp_obj_t fun_obj_new_float_from_f(float f) {
    return new_float(f);
}

static mp_obj_t fun_obj_new_float_from_d(double d) {
    return new_float(d);
}

static float fun_obj_get_float_to_f(mp_obj_t o) {
    return (float)float_value(o);
}

static double fun_obj_get_float_to_d(mp_obj_t o) {
    return float_value(o);
}
#endif

static mp_obj_t stream_unsupported(size_t n, const mp_obj_t *args) {
    (void)n;
    (void)args;
    raise_type(exc_type("OSError"), "streams are not supported by the test loader");
}
static const mp_obj_fun_builtin_var_t stream_obj = {
    {(const mp_obj_type_t *)&type_funvar}, MP_OBJ_FUN_MAKE_SIG(0, MP_OBJ_FUN_ARGS_MAX, false), {.var = stream_unsupported}
};

/* The table handed to the module. Entries left NULL here are filled with a
 * per-entry stub that names the entry and stops the loader (exit 3). */
static mp_fun_table_t fun_table = {
    .nlr_push = (void *)fun_nlr_push,
    .nlr_pop = (void *)fun_nlr_pop,
    .setjmp_ = (void *)loader_setjmp,
    .const_none = NONE_OBJ,
    .const_false = FALSE_OBJ,
    .const_true = TRUE_OBJ,
    .native_from_obj = fun_native_from_obj,
    .native_to_obj = fun_native_to_obj,
    .swap_globals = fun_swap_globals,
    .load_name = load_global,
    .load_global = load_global,
    .load_attr = fun_load_attr,
    .load_method = fun_load_method,
    .store_name = fun_store_global,
    .store_global = fun_store_global,
    .store_attr = fun_store_attr,
    .obj_subscr = fun_obj_subscr,
    .unary_op = fun_unary_op,
    .binary_op = fun_binary_op,
    .getiter = (void *)fun_getiter,
    .iternext = (void *)fun_iternext,
    .obj_is_true = obj_is_true,
    .new_tuple = new_tuple,
    .new_list = new_list,
    .new_dict = new_dict,
    .list_append = list_append,
    .dict_store = dict_store,
    .call_function_n_kw = fun_call_function_n_kw,
    .call_method_n_kw = fun_call_method_n_kw,
    .raise = fun_raise,
    .arg_check_num_sig = fun_arg_check_num_sig,
    .small_int_floor_divide = fun_small_int_floor_divide,
    .small_int_modulo = fun_small_int_modulo,
    .memset_ = fun_memset,
    .memmove_ = fun_memmove,
    .realloc_ = fun_realloc,
    .printf_ = fun_printf,
    .vprintf_ = fun_vprintf,
    .raise_msg = fun_raise_msg,
    .obj_get_type = fun_obj_get_type,
    .obj_new_str = fun_obj_new_str,
    .obj_new_bytes = fun_obj_new_bytes,
    .obj_new_bytearray_by_ref = fun_obj_new_bytearray_by_ref,
    #if HAVE_FLOAT
    .obj_new_float_from_f = fun_obj_new_float_from_f,
    .obj_new_float_from_d = fun_obj_new_float_from_d,
    .obj_get_float_to_f = fun_obj_get_float_to_f,
    .obj_get_float_to_d = fun_obj_get_float_to_d,
    #endif
    .load_method_maybe = fun_load_method_maybe,
    .get_buffer = fun_get_buffer,
    .plat_print = &stdout_print,
    .type_type = (const mp_obj_type_t *)&type_type,
    .type_str = (const mp_obj_type_t *)&type_str,
    .type_list = (const mp_obj_type_t *)&type_list,
    .type_dict = (const mp_obj_type_t *)&type_dict,
    .type_fun_builtin_0 = (const mp_obj_type_t *)&type_fun0,
    .type_fun_builtin_1 = (const mp_obj_type_t *)&type_fun1,
    .type_fun_builtin_2 = (const mp_obj_type_t *)&type_fun2,
    .type_fun_builtin_3 = (const mp_obj_type_t *)&type_fun3,
    .type_fun_builtin_var = (const mp_obj_type_t *)&type_funvar,
    .type_Exception = (const mp_obj_type_t *)&type_exception,
    .stream_read_obj = &stream_obj,
    .stream_readinto_obj = &stream_obj,
    .stream_unbuffered_readline_obj = &stream_obj,
    .stream_write_obj = &stream_obj,
};

#define FUN_TABLE_LEN (sizeof(mp_fun_table_t) / sizeof(void *))

static const char *const fun_table_names[87] = {
    "const_none", "const_false", "const_true", "native_from_obj", "native_to_obj",
    "swap_globals", "load_name", "load_global", "load_build_class", "load_attr",
    "load_method", "load_super_method", "store_name", "store_global", "store_attr",
    "obj_subscr", "obj_is_true", "unary_op", "binary_op", "new_tuple",
    "new_list", "new_dict", "new_set", "set_store", "list_append",
    "dict_store", "make_function_from_proto_fun", "call_function_n_kw", "call_method_n_kw",
    "call_method_n_kw_var", "getiter", "iternext", "nlr_push", "nlr_pop",
    "raise", "import_name", "import_from", "import_all", "new_slice",
    "unpack_sequence", "unpack_ex", "delete_name", "delete_global", "new_closure",
    "arg_check_num_sig", "setup_code_state_native", "small_int_floor_divide", "small_int_modulo",
    "yield_from", "setjmp_", "memset_", "memmove_", "realloc_",
    "printf_", "vprintf_", "raise_msg", "obj_get_type", "obj_new_str",
    "obj_new_bytes", "obj_new_bytearray_by_ref", "obj_new_float_from_f", "obj_new_float_from_d",
    "obj_get_float_to_f", "obj_get_float_to_d", "load_method_maybe", "get_buffer",
    "get_stream_raise", "arg_parse_all", "arg_parse_all_kw_array", "binary_get_size",
    "binary_get_val_array", "binary_set_val_array", "plat_print", "type_type",
    "type_str", "type_list", "type_dict", "type_fun_builtin_0", "type_fun_builtin_1",
    "type_fun_builtin_2", "type_fun_builtin_3", "type_fun_builtin_var", "type_Exception",
    "stream_read_obj", "stream_readinto_obj", "stream_unbuffered_readline_obj", "stream_write_obj",
};

static void unimplemented(int index) __attribute__((noreturn));
static void unimplemented(int index) {
    fatal(3, "the module called mp_fun_table entry %d (%s), which the test loader does not implement",
        index, fun_table_names[index]);
}

#define STUB(n) static void stub_##n(void) { unimplemented(n); }
#define STUB10(d) STUB(d##0) STUB(d##1) STUB(d##2) STUB(d##3) STUB(d##4) \
    STUB(d##5) STUB(d##6) STUB(d##7) STUB(d##8) STUB(d##9)
STUB(0) STUB(1) STUB(2) STUB(3) STUB(4) STUB(5) STUB(6) STUB(7) STUB(8) STUB(9)
STUB10(1) STUB10(2) STUB10(3) STUB10(4) STUB10(5) STUB10(6) STUB10(7)
STUB(80) STUB(81) STUB(82) STUB(83) STUB(84) STUB(85) STUB(86)
#define REF10(d) stub_##d##0, stub_##d##1, stub_##d##2, stub_##d##3, stub_##d##4, \
    stub_##d##5, stub_##d##6, stub_##d##7, stub_##d##8, stub_##d##9
typedef void (*stub_fn)(void);
static const stub_fn stubs[87] = {
    stub_0, stub_1, stub_2, stub_3, stub_4, stub_5, stub_6, stub_7, stub_8, stub_9,
    REF10(1), REF10(2), REF10(3), REF10(4), REF10(5), REF10(6), REF10(7),
    stub_80, stub_81, stub_82, stub_83, stub_84, stub_85, stub_86,
};

static void fun_table_init(void) {
    union {
        mp_fun_table_t *table;
        void **words;
    } u = {&fun_table};
    for (size_t i = 0; i < FUN_TABLE_LEN; i++) {
        if (u.words[i] == NULL && i != 49 /* setjmp_: data, may stay NULL */) {
            u.words[i] = (void *)stubs[i];
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Reading the .mpy                                                         */

static byte file_buf[1u << 20];
static size_t file_len;
static size_t file_pos;

static unsigned rd_byte(void) {
    if (file_pos >= file_len) {
        fatal(2, "truncated .mpy (at offset %u)", (unsigned)file_pos);
    }
    return file_buf[file_pos++];
}

static size_t rd_uint(void) {
    size_t v = 0;
    unsigned b;
    do {
        b = rd_byte();
        v = (v << 7) | (b & 0x7f);
    } while (b & 0x80);
    return v;
}

static const byte *rd_bytes(size_t n) {
    if (n > file_len - file_pos) {
        fatal(2, "truncated .mpy (want %u bytes at offset %u)", (unsigned)n, (unsigned)file_pos);
    }
    const byte *p = file_buf + file_pos;
    file_pos += n;
    return p;
}

static byte *text;
static size_t text_len;
static byte *rodata;
static size_t rodata_len;
static byte *bss;
static size_t bss_len;
static qstr_short_t *qstr_table;
static size_t n_qstr;
static size_t n_relocs;

static void check_word(uintptr_t *w, const char *what) {
    byte *p = (byte *)w;
    bool in_text = p >= text && p + sizeof(uintptr_t) <= text + text_len;
    bool in_rodata = rodata != NULL && p >= rodata && p + sizeof(uintptr_t) <= rodata + rodata_len;
    if (!in_text && !in_rodata) {
        fatal(2, "relocation %u writes outside text and rodata (%s)", (unsigned)n_relocs, what);
    }
}

/* The relocation stream, as the firmware applies it: every op adds one
 * destination address to one or more consecutive words. */
static void relocate(void) {
    uintptr_t *addr = NULL;
    for (;;) {
        unsigned op = rd_byte();
        if (op == 0xff) {
            break;
        }
        if (op & 1) {
            size_t pos = rd_uint();
            if (pos & 1) {
                if (rodata == NULL) {
                    fatal(2, "relocation in rodata, but the module has none");
                }
                addr = &((uintptr_t *)rodata)[pos >> 1];
            } else {
                addr = &((uintptr_t *)text)[pos >> 1];
            }
        }
        if (addr == NULL) {
            fatal(2, "relocation op 0x%x before any position", op);
        }
        op >>= 1;
        size_t count = 1;
        uintptr_t dest;
        if (op <= 5) {
            if (op & 1) {
                count = rd_uint();
            }
            op >>= 1;
            dest = op == 0 ? (uintptr_t)text : op == 1 ? (uintptr_t)rodata : (uintptr_t)bss;
        } else if (op == 6) {
            dest = (uintptr_t)qstr_table;
        } else if (op == 7) {
            dest = (uintptr_t)obj_table_dummy;
        } else if (op == 8) {
            dest = (uintptr_t)&fun_table;
        } else if (op - 9 < FUN_TABLE_LEN) {
            dest = ((uintptr_t *)&fun_table)[op - 9];
        } else {
            fatal(2, "relocation names mp_fun_table entry %u, past the end", op - 9);
        }
        while (count--) {
            check_word(addr, "bad position or count");
            *addr++ += dest;
            n_relocs++;
        }
    }
}

#define ARCH_ARMV6M 4
#define ARCH_ARMV7EMDP 8

static void load_mpy(const char *path) {
    int fd = sys_open_read(path);
    if (fd < 0) {
        fatal(2, "cannot open %s (errno %d)", path, -fd);
    }
    for (;;) {
        long r = sys_read(fd, file_buf + file_len, sizeof(file_buf) - file_len);
        if (r < 0) {
            fatal(2, "cannot read %s (errno %d)", path, (int)-r);
        }
        if (r == 0) {
            break;
        }
        file_len += (size_t)r;
        if (file_len == sizeof(file_buf)) {
            fatal(2, "%s is too large", path);
        }
    }
    sys_close(fd);

    /* Header: 'M', version 6, feature byte (arch, sub-version), small-int bits. */
    const byte *h = rd_bytes(4);
    unsigned arch = (h[2] >> 2) & 0x2f;
    if (h[0] != 'M' || h[1] != 6) {
        fatal(2, "not a version 6 .mpy file");
    }
    if ((h[2] & 3) != 3) {
        fatal(2, "sub-version %u, expected 3", h[2] & 3);
    }
    bool arch_ok = arch == LOADER_ARCH;
    #if LOADER_ARCH >= ARCH_ARMV6M && LOADER_ARCH <= ARCH_ARMV7EMDP
    arch_ok = arch >= ARCH_ARMV6M && arch <= LOADER_ARCH;
    #endif
    if (!arch_ok) {
        fatal(2, "module arch %u, this loader runs arch %u", arch, (unsigned)LOADER_ARCH);
    }
    if (h[3] > WORD_BITS - 1) {
        fatal(2, "module needs %u-bit small ints", h[3]);
    }
    if (h[2] & 0x40) {
        size_t flags = rd_uint();
        if (flags & ~(size_t)3) {
            fatal(2, "unknown arch flags 0x%x", (unsigned)flags);
        }
    }

    /* qstr table: static ones by number, the others interned here. */
    n_qstr = rd_uint();
    size_t n_obj = rd_uint();
    if (n_obj != 0) {
        fatal(2, "native module with %u constant objects", (unsigned)n_obj);
    }
    qstr_table = heap_alloc((n_qstr ? n_qstr : 1) * sizeof(qstr_short_t));
    for (size_t i = 0; i < n_qstr; i++) {
        size_t v = rd_uint();
        if (v & 1) {
            qstr_table[i] = (qstr_short_t)(v >> 1);
            if (STATIC_QSTR_COUNT != 0 && (v >> 1) > STATIC_QSTR_COUNT) {
                fatal(2, "static qstr %u does not exist", (unsigned)(v >> 1));
            }
        } else {
            const byte *s = rd_bytes((v >> 1) + 1);
            if (s[v >> 1] != 0) {
                fatal(2, "qstr %u is not NUL-terminated", (unsigned)i);
            }
            qstr_table[i] = (qstr_short_t)qstr_intern((const char *)s, v >> 1);
        }
    }

    /* The one raw code: native viper kind, no children. */
    size_t kind_len = rd_uint();
    if ((kind_len & 3) != 2) {
        fatal(2, "top-level code kind %u is not native viper", (unsigned)(kind_len & 3) + 2);
    }
    if (kind_len & 4) {
        fatal(2, "native module with child functions");
    }
    text_len = kind_len >> 3;
    text = sys_mmap_rwx(text_len ? text_len : 1);
    if (text == NULL) {
        fatal(2, "mmap of %u bytes failed", (unsigned)text_len);
    }
    memcpy(text, rd_bytes(text_len), text_len);

    size_t scope_flags = rd_uint();
    if (scope_flags & 0x20) {
        rodata_len = rd_uint();
    }
    if (scope_flags & 0x40) {
        bss_len = rd_uint();
    }
    if (rodata_len + bss_len != 0) {
        /* One zeroed block: bss (rounded up to a word), then rodata. */
        size_t bss_round = (bss_len + sizeof(uintptr_t) - 1) & ~(sizeof(uintptr_t) - 1);
        byte *data = heap_alloc(bss_round + rodata_len);
        if (data == NULL) {
            fatal(2, "out of memory for bss and rodata");
        }
        memset(data, 0, bss_round + rodata_len);
        bss = data;
        rodata = data + bss_round;
        if (scope_flags & 0x20) {
            memcpy(rodata, rd_bytes(rodata_len), rodata_len);
        }
    }
    if (scope_flags & 0x10) {
        relocate();
    }
    if (file_pos != file_len) {
        fatal(2, "%u bytes left after the native code", (unsigned)(file_len - file_pos));
    }
    sys_flush_icache(text, text_len);
}

/* ------------------------------------------------------------------------ */
/* Running code with an exception escape                                    */

typedef mp_obj_t (*init_fn_t)(mp_obj_fun_bc_t *self, size_t n_args, size_t n_kw, mp_obj_t *args);

static init_fn_t init_fn;
static mp_obj_t call_fun;
static size_t call_n;
static mp_obj_t call_args[16];

/* Runs the init function (fun == NULL) or calls `call_fun`; returns false
 * with the exception text in exc_line when it raised. */
/* What run_protected does besides init and calls: load or store `access_attr`. */
static enum { ACT_CALL, ACT_LOAD_ATTR, ACT_STORE_ATTR } action;
static qstr access_attr;
static mp_obj_t store_value;

static bool __attribute__((noinline)) run_protected(bool init, mp_obj_t *result) {
    #if defined(__XTENSA__)
    if (loader_setjmp(escape_buf)) {
    #else
    if (__builtin_setjmp(escape_buf)) {
    #endif
        return false;
    }
    escape_armed = true;
    if (init) {
        *result = init_fn(&init_self, 0, 0, NULL);
    } else if (action == ACT_LOAD_ATTR) {
        *result = fun_load_attr(call_fun, access_attr);
    } else if (action == ACT_STORE_ATTR) {
        fun_store_attr(call_fun, access_attr, store_value);
        *result = NONE_OBJ;
    } else {
        *result = call_obj(call_fun, call_n, call_args);
    }
    escape_armed = false;
    return true;
}

/* ------------------------------------------------------------------------ */
/* Command scripts                                                          */

static const char *sp; /* parse position */
static const char *cmd_text;

static void skip_space(void) {
    while (*sp == ' ' || *sp == '\t' || *sp == ',') {
        sp++;
    }
}

static void bad_command(const char *why) __attribute__((noreturn));
static void bad_command(const char *why) {
    fatal(2, "bad command `%s`: %s at offset %u", cmd_text, why, (unsigned)(sp - cmd_text));
}

static bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static const char *parse_name(size_t *len) {
    const char *start = sp;
    while (is_name_char(*sp)) {
        sp++;
    }
    *len = (size_t)(sp - start);
    if (*len == 0) {
        bad_command("expected a name");
    }
    return start;
}

static mp_obj_t module_global(const char *name, size_t len) {
    qstr q = qstr_find(name, len);
    lentry_t *e = q ? dict_find(module_globals, MP_OBJ_NEW_QSTR(q)) : NULL;
    return e ? e->value : MP_OBJ_NULL;
}

static mp_obj_t parse_value(void);
static mp_obj_t *var_slot(const char *name, size_t len, bool create);

static mp_obj_t parse_seq(char close, bool tuple) {
    mp_obj_t items[16];
    size_t n = 0;
    sp++;
    for (;;) {
        skip_space();
        if (*sp == close) {
            sp++;
            break;
        }
        if (n == 16) {
            bad_command("more than 16 items");
        }
        items[n++] = parse_value();
    }
    return tuple ? new_tuple(n, items) : new_list(n, items);
}

static mp_obj_t parse_string(ltype_t *type) {
    char quote = *sp++;
    char buf[256];
    size_t n = 0;
    while (*sp && *sp != quote) {
        char c = *sp++;
        if (c == '\\' && *sp) {
            c = *sp++;
            c = c == 'n' ? '\n' : c == 't' ? '\t' : c == '0' ? '\0' : c;
        }
        if (n == sizeof(buf)) {
            bad_command("string too long");
        }
        buf[n++] = c;
    }
    if (*sp != quote) {
        bad_command("unterminated string");
    }
    sp++;
    return new_str_like(type, buf, n);
}

static mp_obj_t parse_value(void) {
    skip_space();
    char c = *sp;
    if (c == '[') {
        return parse_seq(']', false);
    }
    if (c == '(') {
        return parse_seq(')', true);
    }
    if (c == '{') {
        /* {key: value, ...} */
        mp_obj_t d = new_dict(0);
        sp++;
        for (;;) {
            skip_space();
            if (*sp == '}') {
                sp++;
                return d;
            }
            mp_obj_t k = parse_value();
            skip_space();
            if (*sp != ':') {
                bad_command("expected `:` in a dict");
            }
            sp++;
            dict_store(d, k, parse_value());
        }
    }
    if (c == '\'' || c == '"') {
        return parse_string(&type_str);
    }
    if (c == 'b' && (sp[1] == '\'' || sp[1] == '"')) {
        sp++;
        return parse_string(&type_bytes);
    }
    if (c == '@') {
        sp++;
        size_t len;
        const char *name = parse_name(&len);
        mp_obj_t o = module_global(name, len);
        if (o == MP_OBJ_NULL) {
            bad_command("no such global");
        }
        return o;
    }
    if (c == '%') {
        sp++;
        size_t len;
        const char *name = parse_name(&len);
        mp_obj_t *v = var_slot(name, len, false);
        if (v == NULL) {
            bad_command("no such variable");
        }
        return *v;
    }
    if (c == '$') {
        sp++;
        size_t len;
        const char *name = parse_name(&len);
        if (len == 3 && mem_eq(name, "mod", 3)) {
            return (mp_obj_t)&module_obj;
        }
        bad_command("unknown $ value");
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
        const char *start = sp;
        bool neg = c == '-';
        if (neg) {
            sp++;
        }
        unsigned long long v = 0;
        if (sp[0] == '0' && (sp[1] == 'x' || sp[1] == 'X')) {
            sp += 2;
            while (true) {
                char h = *sp;
                int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
                if (d < 0) {
                    break;
                }
                v = v * 16 + (unsigned)d;
                sp++;
            }
        } else {
            while (*sp >= '0' && *sp <= '9') {
                v = v * 10 + (unsigned)(*sp++ - '0');
            }
        }
        if (*sp == '.' || *sp == 'e' || *sp == 'E') {
            #if HAVE_FLOAT
            /* A float: digits, fraction, optional exponent. */
            sp = start + neg;
            double f = 0;
            while (*sp >= '0' && *sp <= '9') {
                f = f * 10 + (*sp++ - '0');
            }
            if (*sp == '.') {
                sp++;
                double scale = 0.1;
                while (*sp >= '0' && *sp <= '9') {
                    f += (*sp++ - '0') * scale;
                    scale /= 10;
                }
            }
            if (*sp == 'e' || *sp == 'E') {
                sp++;
                bool eneg = *sp == '-';
                if (*sp == '-' || *sp == '+') {
                    sp++;
                }
                int e = 0;
                while (*sp >= '0' && *sp <= '9') {
                    e = e * 10 + (*sp++ - '0');
                }
                while (e--) {
                    f = eneg ? f / 10 : f * 10;
                }
            }
            return new_float(neg ? -f : f);
            #else
            (void)start;
            bad_command("floats are not supported on this arch");
            #endif
        }
        return neg ? new_int(-(long long)v) : new_uint(v);
    }
    size_t len;
    const char *word = parse_name(&len);
    if (len == 4 && mem_eq(word, "None", 4)) {
        return NONE_OBJ;
    }
    if (len == 4 && mem_eq(word, "True", 4)) {
        return TRUE_OBJ;
    }
    if (len == 5 && mem_eq(word, "False", 5)) {
        return FALSE_OBJ;
    }
    sp = word;
    bad_command("unknown value");
}

/* A word from a loaded image, named by what it points into when it points
 * into something the relocation stream can name. */
static void print_word(uintptr_t v) {
    struct {
        const char *name;
        uintptr_t base;
        size_t size;
    } areas[] = {
        {"text", (uintptr_t)text, text_len},
        {"rodata", (uintptr_t)rodata, rodata_len},
        {"bss", (uintptr_t)bss, bss_len},
        {"qstr_table", (uintptr_t)qstr_table, n_qstr * sizeof(qstr_short_t)},
        {"obj_table", (uintptr_t)obj_table_dummy, 0},
        {"fun_table", (uintptr_t)&fun_table, sizeof(fun_table)},
    };
    /* Entries from 3 on are functions and objects with unique addresses
     * (checked first: an object may sit right after another area). */
    for (size_t k = 3; k < FUN_TABLE_LEN; k++) {
        if (v != 0 && v == ((uintptr_t *)&fun_table)[k]) {
            format(&stdout_print, "fun[%u]", (unsigned)k);
            return;
        }
    }
    for (size_t i = 0; i < sizeof(areas) / sizeof(areas[0]); i++) {
        if (areas[i].base != 0 && v >= areas[i].base && v <= areas[i].base + areas[i].size) {
            format(&stdout_print, "%s+%u", areas[i].name, (unsigned)(v - areas[i].base));
            return;
        }
    }
    format(&stdout_print, "0x%lx", (unsigned long)v);
}

static void print_exception_line(void) {
    exc_line[exc_line_len] = 0;
    format(&stdout_print, "exception: %s\n", exc_line);
}

/* Loader variables (`let %name = ...`, then `%name` as a value or target). */
#define MAX_VARS 16
static char var_names[MAX_VARS][16];
static mp_obj_t var_values[MAX_VARS];

static mp_obj_t *var_slot(const char *name, size_t len, bool create) {
    for (size_t i = 0; i < MAX_VARS; i++) {
        if (var_values[i] != MP_OBJ_NULL && str_len(var_names[i]) == len && mem_eq(var_names[i], name, len)) {
            return &var_values[i];
        }
    }
    if (!create) {
        return NULL;
    }
    if (len >= sizeof(var_names[0])) {
        bad_command("variable name too long");
    }
    for (size_t i = 0; i < MAX_VARS; i++) {
        if (var_values[i] == MP_OBJ_NULL) {
            memcpy(var_names[i], name, len);
            var_names[i][len] = 0;
            return &var_values[i];
        }
    }
    bad_command("too many variables");
}

/* TARGET: `NAME` (module global) or `%var`, optionally `.attr`. Sets
 * call_fun to the base and returns the attribute's qstr (0 for none); a
 * missing global prints the AttributeError line and returns false. */
static bool parse_target(qstr *attr) {
    size_t len;
    const char *name;
    *attr = 0;
    if (*sp == '%') {
        sp++;
        name = parse_name(&len);
        mp_obj_t *v = var_slot(name, len, false);
        if (v == NULL) {
            bad_command("no such variable");
        }
        call_fun = *v;
    } else {
        name = parse_name(&len);
        call_fun = module_global(name, len);
        if (call_fun == MP_OBJ_NULL) {
            format(&stdout_print, "exception: AttributeError: module has no attribute '%.*s'\n", (int)len, name);
            return false;
        }
    }
    if (*sp == '.') {
        sp++;
        name = parse_name(&len);
        *attr = qstr_intern(name, len);
    }
    return true;
}

/* Loads or stores attribute `attr` of call_fun under protection; prints the
 * exception line when it raised. */
static bool run_attr_action(int act, qstr attr, mp_obj_t *result) {
    action = act;
    access_attr = attr;
    bool ok = run_protected(false, result);
    action = ACT_CALL;
    if (!ok) {
        print_exception_line();
    }
    return ok;
}

/* Loads the attribute of a parsed target (when it has one) into call_fun. */
static bool resolve_attr(qstr attr) {
    if (attr == 0) {
        return true;
    }
    mp_obj_t r;
    if (!run_attr_action(ACT_LOAD_ATTR, attr, &r)) {
        return false;
    }
    call_fun = r;
    return true;
}

/* `call TARGET args...` or `get TARGET`; the value in *result, or false
 * after printing the exception line. */
static bool eval_call_or_get(bool call, mp_obj_t *result) {
    qstr attr;
    if (!parse_target(&attr) || !resolve_attr(attr)) {
        return false;
    }
    if (!call) {
        *result = call_fun;
        return true;
    }
    call_n = 0;
    for (;;) {
        skip_space();
        if (*sp == 0) {
            break;
        }
        if (call_n == 16) {
            bad_command("more than 16 arguments");
        }
        call_args[call_n++] = parse_value();
    }
    current_globals = (mp_obj_dict_t *)main_globals;
    bool ok = run_protected(false, result);
    if (current_globals != (mp_obj_dict_t *)main_globals) {
        fatal(2, "`%s` left the globals swapped", cmd_text);
    }
    if (!ok) {
        print_exception_line();
    }
    return ok;
}

static void run_command(const char *cmd) {
    cmd_text = cmd;
    sp = cmd;
    skip_space();
    size_t len;
    const char *word = parse_name(&len);
    skip_space();
    if ((len == 4 && mem_eq(word, "call", 4)) || (len == 3 && mem_eq(word, "get", 3))) {
        mp_obj_t result;
        if (eval_call_or_get(len == 4, &result)) {
            print_repr(&stdout_print, result, 0);
            put_str(&stdout_print, "\n");
        }
    } else if (len == 3 && mem_eq(word, "let", 3)) {
        if (*sp != '%') {
            bad_command("expected `let %name = call ...` or `let %name = get ...`");
        }
        sp++;
        size_t vlen;
        const char *vname = parse_name(&vlen);
        skip_space();
        if (*sp != '=') {
            bad_command("expected `=`");
        }
        sp++;
        skip_space();
        size_t wlen;
        const char *w = parse_name(&wlen);
        skip_space();
        bool is_call = wlen == 4 && mem_eq(w, "call", 4);
        if (!is_call && !(wlen == 3 && mem_eq(w, "get", 3))) {
            bad_command("expected `call` or `get` after `=`");
        }
        mp_obj_t result;
        if (eval_call_or_get(is_call, &result)) {
            *var_slot(vname, vlen, true) = result;
        }
    } else if (len == 3 && mem_eq(word, "set", 3)) {
        qstr attr;
        if (parse_target(&attr)) {
            if (attr == 0) {
                bad_command("expected `set TARGET.attr VALUE`");
            }
            skip_space();
            store_value = parse_value();
            mp_obj_t r;
            run_attr_action(ACT_STORE_ATTR, attr, &r);
        }
    } else if (len == 7 && mem_eq(word, "globals", 7)) {
        for (size_t i = 0; i < module_globals->used; i++) {
            if (i) {
                put_str(&stdout_print, " ");
            }
            mp_obj_t k = module_globals->table[i].key;
            const char *s;
            size_t n;
            if (str_data(k, &s, &n)) {
                stdout_strn(NULL, s, n);
            }
        }
        put_str(&stdout_print, "\n");
    } else if (len == 5 && mem_eq(word, "qstrs", 5)) {
        for (size_t i = 0; i < n_qstr; i++) {
            format(&stdout_print, i ? " %s" : "%s", qstr_str(qstr_table[i]));
        }
        put_str(&stdout_print, "\n");
    } else if (len == 5 && mem_eq(word, "words", 5)) {
        size_t nlen;
        const char *which = parse_name(&nlen);
        byte *base = NULL;
        size_t size = 0;
        if (nlen == 4 && mem_eq(which, "text", 4)) {
            base = text;
            size = text_len;
        } else if (nlen == 6 && mem_eq(which, "rodata", 6)) {
            base = rodata;
            size = rodata_len;
        } else if (nlen == 3 && mem_eq(which, "bss", 3)) {
            base = bss;
            size = bss_len;
        } else {
            bad_command("expected text, rodata or bss");
        }
        for (size_t off = 0; off + sizeof(uintptr_t) <= size; off += sizeof(uintptr_t)) {
            if (off) {
                put_str(&stdout_print, " ");
            }
            print_word(*(uintptr_t *)(base + off));
        }
        put_str(&stdout_print, "\n");
    } else if (len == 4 && mem_eq(word, "info", 4)) {
        format(&stdout_print, "text=%u rodata=%u bss=%u qstrs=%u relocs=%u\n", (unsigned)text_len,
            (unsigned)rodata_len, (unsigned)bss_len, (unsigned)n_qstr, (unsigned)n_relocs);
    } else {
        sp = word;
        bad_command("unknown command (call, get, let, set, globals, qstrs, info)");
    }
    skip_space();
    out_flush();
}

void loader_main(long *stack) {
    int argc = (int)stack[0];
    char **argv = (char **)(stack + 1);
    bool run_init = true;
    if (argc > 1 && str_eq(argv[1], "-n")) {
        run_init = false;
        argc--;
        argv++;
    }
    if (argc < 2) {
        fatal(2, "usage: loader [-n] MODULE.mpy [COMMAND ...]");
    }
    qstr_init();
    fun_table_init();
    exc_init();
    builtins = new_dict(64);
    for (size_t i = 0; i < sizeof(named_types) / sizeof(named_types[0]); i++) {
        ltype_t *t = named_types[i];
        t->name = (uint16_t)qstr_intern(t->cname, str_len(t->cname));
        if (t->kind != K_FUN0 && t->kind != K_FUN1 && t->kind != K_FUN2 && t->kind != K_FUN3
            && t->kind != K_FUNVAR && t->kind != K_MODULE && t->kind != K_NONE) {
            dict_store(builtins, MP_OBJ_NEW_QSTR(t->name), t);
        }
    }
    dict_store(builtins, MP_OBJ_NEW_QSTR(qstr_intern("len", 3)), (mp_obj_t)&builtin_len_obj);
    main_globals = new_dict(8);
    module_globals = new_dict(16);
    current_globals = (mp_obj_dict_t *)main_globals;

    load_mpy(argv[1]);

    module_obj.globals = (mp_obj_dict_t *)module_globals;
    module_context.module = module_obj;
    module_context.constants.qstr_table = qstr_table;
    module_context.constants.obj_table = obj_table_dummy;
    init_self.base.type = (const mp_obj_type_t *)&type_fun0;
    init_self.context = &module_context;

    /* Text offset 0 is the entry; Thumb code is entered with bit 0 set. */
    uintptr_t entry = (uintptr_t)text;
    #if defined(__arm__)
    entry |= 1;
    #endif
    init_fn = (init_fn_t)entry;
    mp_obj_t result = NONE_OBJ;
    if (run_init && !run_protected(true, &result)) {
        put_str(&stdout_print, "init ");
        print_exception_line();
        out_flush();
        sys_exit(1);
    }
    /* The firmware ignores what the module function returns, and so do
     * we: the Thumb-1 long entry trampoline (`push {r0, lr}; bl mpy_init;
     * pop {r0, pc}`, as mpy_ld.py emits it) hands back the caller's r0. */
    (void)result;
    if (current_globals != (mp_obj_dict_t *)main_globals) {
        fatal(2, "init did not restore the globals it swapped");
    }
    for (int i = 2; i < argc; i++) {
        run_command(argv[i]);
    }
    out_flush();
    sys_exit(0);
}
