/*
 * natmod.h: the C API for MicroPython native modules, shipped with cargo-mpy.
 *
 * A native module is machine code in a `.mpy` file. It has no symbol table at
 * run time: everything it needs from the firmware comes through one table of
 * pointers, `mp_fun_table`, whose address the loader patches in. This header
 * describes that interface, so C modules build without a MicroPython source
 * tree. `py/dynruntime.h` next to it includes this file, so sources written for
 * MicroPython's own build (`#include "py/dynruntime.h"`) compile unchanged.
 *
 * Choosing the firmware generation
 * --------------------------------
 * A native `.mpy` loads only on firmware with the same `.mpy` version and
 * sub-version, and the table differs between sub-versions. Select one with
 * `-DMPY_ABI=0x0601`, `0x0602` or `0x0603` (the default):
 *
 *   6.1  MicroPython 1.20 and 1.21    80 table entries, objects from index 67
 *   6.2  MicroPython 1.22             80 entries; get_buffer replaces get_buffer_raise
 *   6.3  MicroPython 1.23 and later   87 entries, objects from index 73
 *
 * Using a table entry the selected ABI lacks (for example mp_load_method_maybe
 * with 6.2) stops the build with an error that names the entry and the ABI that
 * introduced it. The linker must be told the same ABI (cargo mpy --mpy-abi).
 *
 * Build flags expected (as MicroPython's dynruntime.mk): -std=c99 -DNO_QSTR
 * -DMICROPY_ENABLE_DYNRUNTIME -DMICROPY_FLOAT_IMPL=MICROPY_FLOAT_IMPL_xxx
 * -fpic -fno-common, and -DMP_CONFIGFILE=<module.config.h>, the header written
 * by the qstr scan (`mpy-link --preprocess`). That header gives every
 * `MP_QSTR_name` the module uses its number: a constant for the qstrs all
 * firmware shares (the static list), or a slot of the module's own qstr table
 * (`mp_native_qstr_table[i]`, filled in by the loader).
 *
 * Object representation: only "A" is described (small ints tagged with bit 0,
 * qstrs and immediates with low bits 010 and 110, heap objects word aligned),
 * which is what every port that loads native modules uses.
 */
#ifndef CARGO_MPY_NATMOD_H
#define CARGO_MPY_NATMOD_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ======================================================================== */
/* ABI selection                                                            */

#ifndef MPY_ABI
#define MPY_ABI 0x0603
#endif

#if MPY_ABI == 0x0601
#define MPY_ABI_NAME "6.1"
#elif MPY_ABI == 0x0602
#define MPY_ABI_NAME "6.2"
#elif MPY_ABI == 0x0603
#define MPY_ABI_NAME "6.3"
#else
#error "MPY_ABI must be 0x0601 (MicroPython 1.20-1.21), 0x0602 (1.22) or 0x0603 (1.23 and later)"
#endif

/* The `.mpy` header fields this module will carry. */
#define MPY_VERSION (6)
#define MPY_SUB_VERSION (MPY_ABI & 0xff)

/* Internal: stops the build when a module uses something its ABI lacks. The
 * compiler reports the message of the function the expression calls. */
#if defined(__GNUC__) || defined(__clang__)
#define NATMOD_MISSING_DECL(what, since) \
    void natmod_missing_##what(void) __attribute__((error( \
    "'" #what "' needs .mpy ABI " since " or later; this module is built for ABI " MPY_ABI_NAME \
    " (raise MPY_ABI / --mpy-abi, or avoid it)")));
#else
#define NATMOD_MISSING_DECL(what, since) void natmod_missing_##what(void);
#endif
#define NATMOD_MISSING(what, type) (natmod_missing_##what(), (type)0)

/* ======================================================================== */
/* Configuration                                                            */

/* The qstr numbers (and mp_off_t) of this module, from the qstr scan. */
#ifdef MP_CONFIGFILE
#include MP_CONFIGFILE
#endif

#define MICROPY_FLOAT_IMPL_NONE (0)
#define MICROPY_FLOAT_IMPL_FLOAT (1)
#define MICROPY_FLOAT_IMPL_DOUBLE (2)
#ifndef MICROPY_FLOAT_IMPL
#define MICROPY_FLOAT_IMPL (MICROPY_FLOAT_IMPL_NONE)
#endif
#define MICROPY_PY_BUILTINS_FLOAT (MICROPY_FLOAT_IMPL != MICROPY_FLOAT_IMPL_NONE)

#define MICROPY_OBJ_REPR_A (0)
#define MICROPY_OBJ_REPR (MICROPY_OBJ_REPR_A)
#ifndef MICROPY_ENABLE_DYNRUNTIME
#define MICROPY_ENABLE_DYNRUNTIME (1)
#endif
/* Allocation sizes are never passed to free/realloc in a native module. */
#define MICROPY_MALLOC_USES_ALLOCATED_SIZE (0)

/* Every architecture that loads native modules is little endian. */
#define MP_ENDIANNESS_LITTLE (1)
#define MP_ENDIANNESS_BIG (0)

/* Qstrs this header itself uses. All are in the static list, so the config
 * header always defines them; these values (static index + 1) only matter when
 * a file is compiled without one. The layout test checks them. */
#ifndef MP_QSTR_MemoryError
#define MP_QSTR_MemoryError (44)
#endif
#ifndef MP_QSTR_OSError
#define MP_QSTR_OSError (48)
#endif
#ifndef MP_QSTR_TypeError
#define MP_QSTR_TypeError (54)
#endif
#ifndef MP_QSTR_ValueError
#define MP_QSTR_ValueError (55)
#endif
#ifndef MP_QSTR_Exception
#define MP_QSTR_Exception (36)
#endif
#ifndef MP_QSTR_len
#define MP_QSTR_len (107)
#endif
#ifndef MP_QSTR_int
#define MP_QSTR_int (94)
#endif
#ifndef MP_QSTR_bytes
#define MP_QSTR_bytes (66)
#endif
#ifndef MP_QSTR_bytearray
#define MP_QSTR_bytearray (64)
#endif

/* ======================================================================== */
/* Language helpers                                                         */

typedef unsigned char byte;
typedef unsigned int uint;

/* Machine-word integers: MicroPython's int and uint are pointer sized. */
typedef intptr_t mp_int_t;
typedef uintptr_t mp_uint_t;
#define BYTES_PER_WORD (sizeof(mp_uint_t))
#define BITS_PER_BYTE (8)
#define BITS_PER_WORD (BITS_PER_BYTE * BYTES_PER_WORD)
#if UINTPTR_MAX > 0xffffffffu
#define INT_FMT "%ld"
#define UINT_FMT "%lu"
#define HEX_FMT "%lx"
#else
#define INT_FMT "%d"
#define UINT_FMT "%u"
#define HEX_FMT "%x"
#endif

#define MP_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MP_ALIGN(ptr, alignment) (void *)(((uintptr_t)(ptr) + ((alignment) - 1)) & ~((alignment) - 1))
#define MP_STRINGIFY_HELPER(x) #x
#define MP_STRINGIFY(x) MP_STRINGIFY_HELPER(x)
#define MP_STATIC_ASSERT(cond) ((void)sizeof(char[1 - 2 * !(cond)]))

#if defined(__GNUC__) || defined(__clang__)
#define MP_NORETURN __attribute__((noreturn))
#define MP_LIKELY(x) __builtin_expect((x), 1)
#define MP_UNLIKELY(x) __builtin_expect((x), 0)
#define MP_UNREACHABLE __builtin_unreachable();
#define MP_WEAK __attribute__((weak))
#define MP_ALWAYSINLINE __attribute__((always_inline))
#define MP_NOINLINE __attribute__((noinline))
#else
#define MP_NORETURN
#define MP_LIKELY(x) (x)
#define MP_UNLIKELY(x) (x)
#define MP_UNREACHABLE for (;;) {}
#define MP_WEAK
#define MP_ALWAYSINLINE
#define MP_NOINLINE
#endif
/* Older spellings, still found in module sources. */
#ifndef NORETURN
#define NORETURN MP_NORETURN
#endif
#ifndef STATIC
#define STATIC static
#endif
#define MP_INLINE inline

/* Error messages are plain C strings in a native module. */
typedef const char *mp_rom_error_text_t;
#define MP_ERROR_TEXT(x) (x)

/* Number of the arguments given to a variadic macro (1 to 6). */
#define NATMOD_NARGS(...) NATMOD_NARGS_(__VA_ARGS__, 6, 5, 4, 3, 2, 1, 0)
#define NATMOD_NARGS_(a1, a2, a3, a4, a5, a6, n, ...) n
#define NATMOD_CAT(a, b) NATMOD_CAT_(a, b)
#define NATMOD_CAT_(a, b) a##b

/* ======================================================================== */
/* Objects (representation A)                                               */

/* A reference to a MicroPython object: a tagged immediate or a pointer to a
 * heap object whose first word points at its type. */
typedef void *mp_obj_t;
typedef const void *mp_const_obj_t;
typedef mp_const_obj_t mp_rom_obj_t;

/* An interned string number. The module's qstr table stores 16-bit numbers. */
typedef size_t qstr;
typedef uint16_t qstr_short_t;
#define MP_QSTRnull (0)

struct _mp_obj_type_t;
typedef struct _mp_obj_type_t mp_obj_type_t;

/* Every heap object starts with its type. */
typedef struct _mp_obj_base_t {
    const mp_obj_type_t *type;
} mp_obj_base_t;

/* Values that are never real objects. STOP_ITERATION is what an iterator's
 * next returns when exhausted (the firmware aliases it to NULL). */
#define MP_OBJ_NULL ((mp_obj_t)(void *)0)
#define MP_OBJ_STOP_ITERATION ((mp_obj_t)(void *)0)
#define MP_OBJ_SENTINEL ((mp_obj_t)(void *)4)

#define MP_OBJ_TO_PTR(o) ((void *)(o))
#define MP_OBJ_FROM_PTR(p) ((mp_obj_t)(p))

/* Small ints: the value shifted left once, bit 0 set. */
#define mp_obj_is_small_int(o) ((((mp_int_t)(o)) & 1) != 0)
#define MP_OBJ_SMALL_INT_VALUE(o) (((mp_int_t)(o)) >> 1)
#define MP_OBJ_NEW_SMALL_INT(small_int) ((mp_obj_t)((((mp_uint_t)(small_int)) << 1) | 1))
/* One bit of the word is the tag, so a small int is one bit narrower. */
#define MP_SMALL_INT_MIN ((mp_int_t)(((mp_int_t)MP_OBJ_WORD_MSBIT) >> 1))
#define MP_SMALL_INT_MAX ((mp_int_t)(~(MP_SMALL_INT_MIN)))
#define MP_SMALL_INT_FITS(n) ((((n) ^ ((n) << 1)) & MP_OBJ_WORD_MSBIT) == 0)
#define MP_OBJ_WORD_MSBIT (((mp_uint_t)1) << (BITS_PER_WORD - 1))

/* qstr objects: the number shifted left three times, low bits 010. */
#define mp_obj_is_qstr(o) ((((mp_int_t)(o)) & 7) == 2)
#define MP_OBJ_QSTR_VALUE(o) (((mp_uint_t)(o)) >> 3)
/* MP_OBJ_NEW_QSTR is defined with the runtime calls below: on ABI 6.2 and
 * later the firmware makes it (as MicroPython's header does). */

/* Immediate objects (None, False, True): low bits 110. Use mp_const_none and
 * friends, which come from the firmware. */
#define mp_obj_is_immediate_obj(o) ((((mp_int_t)(o)) & 7) == 6)
#define MP_OBJ_IMMEDIATE_OBJ_VALUE(o) (((mp_uint_t)(o)) >> 3)
#define MP_OBJ_NEW_IMMEDIATE_OBJ(val) ((mp_obj_t)((((mp_uint_t)(val)) << 3) | 6))

/* Pointers to heap objects have their two low bits clear. */
#define mp_obj_is_obj(o) ((((mp_int_t)(o)) & 3) == 0)

/* Entries of constant tables. qstrs are not constants in a native module (the
 * loader numbers them), so there is no MP_ROM_QSTR. */
#define MP_ROM_INT(i) MP_OBJ_NEW_SMALL_INT(i)
#define MP_ROM_PTR(p) (p)

/* Conversion codes of native_from_obj / native_to_obj. */
#define MP_NATIVE_TYPE_OBJ (0x00)
#define MP_NATIVE_TYPE_BOOL (0x01)
#define MP_NATIVE_TYPE_INT (0x02)
#define MP_NATIVE_TYPE_UINT (0x03)
#define MP_NATIVE_TYPE_PTR (0x04)
#define MP_NATIVE_TYPE_PTR8 (0x05)
#define MP_NATIVE_TYPE_PTR16 (0x06)
#define MP_NATIVE_TYPE_PTR32 (0x07)
/* Understood by native_to_obj from MicroPython 1.21 (1.20 returns an int). */
#define MP_NATIVE_TYPE_QSTR (0x08)

/* Floats, in the precision the build selects. */
#if MICROPY_FLOAT_IMPL == MICROPY_FLOAT_IMPL_FLOAT
typedef float mp_float_t;
#elif MICROPY_FLOAT_IMPL == MICROPY_FLOAT_IMPL_DOUBLE
typedef double mp_float_t;
#endif

/* ======================================================================== */
/* Operators                                                                */

/* Unary operators, numbered as the firmware numbers them. */
typedef enum {
    MP_UNARY_OP_POSITIVE,
    MP_UNARY_OP_NEGATIVE,
    MP_UNARY_OP_INVERT,
    MP_UNARY_OP_NOT,
    MP_UNARY_OP_BOOL,
    MP_UNARY_OP_LEN,
    MP_UNARY_OP_HASH,
    MP_UNARY_OP_ABS,
    MP_UNARY_OP_INT_MAYBE,
    MP_UNARY_OP_FLOAT_MAYBE,
    MP_UNARY_OP_COMPLEX_MAYBE,
    MP_UNARY_OP_SIZEOF,
} mp_unary_op_t;
/* The name of MP_UNARY_OP_INT_MAYBE in MicroPython 1.20. */
#define MP_UNARY_OP_INT MP_UNARY_OP_INT_MAYBE

/* Binary operators: comparisons, in-place forms, plain forms, then the
 * reversed forms; in the firmware's order. */
typedef enum {
    MP_BINARY_OP_LESS,
    MP_BINARY_OP_MORE,
    MP_BINARY_OP_EQUAL,
    MP_BINARY_OP_LESS_EQUAL,
    MP_BINARY_OP_MORE_EQUAL,
    MP_BINARY_OP_NOT_EQUAL,
    MP_BINARY_OP_IN,
    MP_BINARY_OP_IS,
    MP_BINARY_OP_EXCEPTION_MATCH,

    MP_BINARY_OP_INPLACE_OR,
    MP_BINARY_OP_INPLACE_XOR,
    MP_BINARY_OP_INPLACE_AND,
    MP_BINARY_OP_INPLACE_LSHIFT,
    MP_BINARY_OP_INPLACE_RSHIFT,
    MP_BINARY_OP_INPLACE_ADD,
    MP_BINARY_OP_INPLACE_SUBTRACT,
    MP_BINARY_OP_INPLACE_MULTIPLY,
    MP_BINARY_OP_INPLACE_MAT_MULTIPLY,
    MP_BINARY_OP_INPLACE_FLOOR_DIVIDE,
    MP_BINARY_OP_INPLACE_TRUE_DIVIDE,
    MP_BINARY_OP_INPLACE_MODULO,
    MP_BINARY_OP_INPLACE_POWER,

    MP_BINARY_OP_OR,
    MP_BINARY_OP_XOR,
    MP_BINARY_OP_AND,
    MP_BINARY_OP_LSHIFT,
    MP_BINARY_OP_RSHIFT,
    MP_BINARY_OP_ADD,
    MP_BINARY_OP_SUBTRACT,
    MP_BINARY_OP_MULTIPLY,
    MP_BINARY_OP_MAT_MULTIPLY,
    MP_BINARY_OP_FLOOR_DIVIDE,
    MP_BINARY_OP_TRUE_DIVIDE,
    MP_BINARY_OP_MODULO,
    MP_BINARY_OP_POWER,

    MP_BINARY_OP_DIVMOD,
    MP_BINARY_OP_CONTAINS,

    MP_BINARY_OP_REVERSE_OR,
    MP_BINARY_OP_REVERSE_XOR,
    MP_BINARY_OP_REVERSE_AND,
    MP_BINARY_OP_REVERSE_LSHIFT,
    MP_BINARY_OP_REVERSE_RSHIFT,
    MP_BINARY_OP_REVERSE_ADD,
    MP_BINARY_OP_REVERSE_SUBTRACT,
    MP_BINARY_OP_REVERSE_MULTIPLY,
    MP_BINARY_OP_REVERSE_MAT_MULTIPLY,
    MP_BINARY_OP_REVERSE_FLOOR_DIVIDE,
    MP_BINARY_OP_REVERSE_TRUE_DIVIDE,
    MP_BINARY_OP_REVERSE_MODULO,
    MP_BINARY_OP_REVERSE_POWER,

    MP_BINARY_OP_NOT_IN,
    MP_BINARY_OP_IS_NOT,
} mp_binary_op_t;
/* The last operator that has an in-place form, and the distance between an
 * operator and its reversed form. */
#define MP_BINARY_OP_NUM_BYTECODE (MP_BINARY_OP_POWER + 1)
#define MP_BINARY_OP_NUM_RUNTIME (MP_BINARY_OP_REVERSE_POWER + 1)

/* ======================================================================== */
/* Printing                                                                 */

typedef void (*mp_print_strn_t)(void *data, const char *str, size_t len);

/* An output channel: `print_strn(data, str, len)` writes. */
typedef struct _mp_print_t {
    void *data;
    mp_print_strn_t print_strn;
} mp_print_t;

/* What a type's print slot is asked to produce. */
typedef enum {
    PRINT_STR = 0,
    PRINT_REPR = 1,
    PRINT_EXC = 2,
    PRINT_JSON = 3,
    PRINT_RAW = 4,
    PRINT_EXC_SUBCLASS = 0x80,
} mp_print_kind_t;

/* ======================================================================== */
/* Maps and dicts                                                           */

typedef struct _mp_map_elem_t {
    mp_obj_t key;
    mp_obj_t value;
} mp_map_elem_t;

typedef struct _mp_rom_map_elem_t {
    mp_rom_obj_t key;
    mp_rom_obj_t value;
} mp_rom_map_elem_t;

/* A hash table or, when is_ordered, an array searched in order. The first
 * word packs three flags (bits 0, 1, 2) and the number of used entries. */
typedef struct _mp_map_t {
    size_t all_keys_are_qstrs : 1;
    size_t is_fixed : 1;
    size_t is_ordered : 1;
    size_t used : (8 * sizeof(size_t) - 3);
    size_t alloc;
    mp_map_elem_t *table;
} mp_map_t;

typedef struct _mp_obj_dict_t {
    mp_obj_base_t base;
    mp_map_t map;
} mp_obj_dict_t;

/* The firmware's dict type; the linker resolves the symbol to its table
 * entry, so it can be used in static data. */
extern const mp_obj_type_t mp_type_dict;

/* A read-only ordered map / dict over a constant table of entries. Keys that
 * are qstrs must be made at run time in a native module (MP_OBJ_NEW_QSTR), so
 * such a table is normally filled in by mpy_init. */
#define MP_DEFINE_CONST_MAP(map_name, table_name) \
    const mp_map_t map_name = { \
        .all_keys_are_qstrs = 1, \
        .is_fixed = 1, \
        .is_ordered = 1, \
        .used = MP_ARRAY_SIZE(table_name), \
        .alloc = MP_ARRAY_SIZE(table_name), \
        .table = (mp_map_elem_t *)(mp_rom_map_elem_t *)table_name, \
    }
#define MP_DEFINE_CONST_DICT_WITH_SIZE(dict_name, table_name, n) \
    const mp_obj_dict_t dict_name = { \
        .base = {&mp_type_dict}, \
        .map = { \
            .all_keys_are_qstrs = 1, \
            .is_fixed = 1, \
            .is_ordered = 1, \
            .used = n, \
            .alloc = n, \
            .table = (mp_map_elem_t *)(mp_rom_map_elem_t *)table_name, \
        }, \
    }
#define MP_DEFINE_CONST_DICT(dict_name, table_name) \
    MP_DEFINE_CONST_DICT_WITH_SIZE(dict_name, table_name, MP_ARRAY_SIZE(table_name))

/* ======================================================================== */
/* Buffers, iteration and streams                                           */

/* Filled in by the buffer protocol. `typecode` is a struct-module character
 * such as 'B' or 'f' (an int: the firmware writes four bytes). */
typedef struct _mp_buffer_info_t {
    void *buf;
    size_t len;
    int typecode;
} mp_buffer_info_t;
#define MP_BUFFER_READ (1)
#define MP_BUFFER_WRITE (2)
#define MP_BUFFER_RW (MP_BUFFER_READ | MP_BUFFER_WRITE)
/* ABI 6.2 and later: get_buffer raises TypeError instead of returning false. */
#define MP_BUFFER_RAISE_IF_UNSUPPORTED (4)

/* Room for an iterator on the caller's stack (getiter may use it). */
typedef struct _mp_obj_iter_buf_t {
    mp_obj_base_t base;
    mp_obj_t buf[3];
} mp_obj_iter_buf_t;
#define MP_OBJ_ITER_BUF_NSLOTS ((sizeof(mp_obj_iter_buf_t) + sizeof(mp_obj_t) - 1) / sizeof(mp_obj_t))

/* The stream protocol a type offers in its protocol slot. Functions return
 * MP_STREAM_ERROR and set *errcode (an errno value) on failure. */
typedef struct _mp_stream_p_t {
    mp_uint_t (*read)(mp_obj_t obj, void *buf, mp_uint_t size, int *errcode);
    mp_uint_t (*write)(mp_obj_t obj, const void *buf, mp_uint_t size, int *errcode);
    mp_uint_t (*ioctl)(mp_obj_t obj, mp_uint_t request, uintptr_t arg, int *errcode);
    mp_uint_t is_text : 1;
} mp_stream_p_t;
#define MP_STREAM_ERROR ((mp_uint_t)-1)
/* ioctl requests */
#define MP_STREAM_FLUSH (1)
#define MP_STREAM_SEEK (2)
#define MP_STREAM_POLL (3)
#define MP_STREAM_CLOSE (4)
#define MP_STREAM_TIMEOUT (5)
#define MP_STREAM_GET_OPTS (6)
#define MP_STREAM_SET_OPTS (7)
#define MP_STREAM_GET_DATA_OPTS (8)
#define MP_STREAM_SET_DATA_OPTS (9)
#define MP_STREAM_GET_FILENO (10)
#define MP_STREAM_GET_BUFFER_SIZE (11)
/* MP_STREAM_POLL result bits */
#define MP_STREAM_POLL_RD (0x0001)
#define MP_STREAM_POLL_WR (0x0004)
#define MP_STREAM_POLL_ERR (0x0008)
#define MP_STREAM_POLL_HUP (0x0010)
#define MP_STREAM_POLL_NVAL (0x0020)
/* What get_stream_raise must find (its flags argument). */
#define MP_STREAM_OP_READ (1)
#define MP_STREAM_OP_WRITE (2)
#define MP_STREAM_OP_IOCTL (4)

/* ======================================================================== */
/* Functions and types                                                      */

typedef mp_obj_t (*mp_fun_0_t)(void);
typedef mp_obj_t (*mp_fun_1_t)(mp_obj_t);
typedef mp_obj_t (*mp_fun_2_t)(mp_obj_t, mp_obj_t);
typedef mp_obj_t (*mp_fun_3_t)(mp_obj_t, mp_obj_t, mp_obj_t);
typedef mp_obj_t (*mp_fun_var_t)(size_t n, const mp_obj_t *);
/* Positional arguments come first in `args`; the keyword ones are also in
 * the map. */
typedef mp_obj_t (*mp_fun_kw_t)(size_t n, const mp_obj_t *, mp_map_t *);

/* The slots a type can have, by signature. */
typedef void (*mp_print_fun_t)(const mp_print_t *print, mp_obj_t o, mp_print_kind_t kind);
typedef mp_obj_t (*mp_make_new_fun_t)(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *args);
typedef mp_obj_t (*mp_call_fun_t)(mp_obj_t fun, size_t n_args, size_t n_kw, const mp_obj_t *args);
typedef mp_obj_t (*mp_unary_op_fun_t)(mp_unary_op_t op, mp_obj_t);
typedef mp_obj_t (*mp_binary_op_fun_t)(mp_binary_op_t op, mp_obj_t, mp_obj_t);
/* attr: load when dest[0] == MP_OBJ_NULL, store when dest[0] ==
 * MP_OBJ_SENTINEL and dest[1] is the value, delete when dest[1] is NULL. */
typedef void (*mp_attr_fun_t)(mp_obj_t self_in, qstr attr, mp_obj_t *dest);
/* subscr: load when value == MP_OBJ_SENTINEL, delete when MP_OBJ_NULL. */
typedef mp_obj_t (*mp_subscr_fun_t)(mp_obj_t self_in, mp_obj_t index, mp_obj_t value);
typedef mp_obj_t (*mp_getiter_fun_t)(mp_obj_t self_in, mp_obj_iter_buf_t *iter_buf);
/* buffer: fill in bufinfo and return 0, or return 1 when unsupported. */
typedef mp_int_t (*mp_buffer_fun_t)(mp_obj_t obj, mp_buffer_info_t *bufinfo, mp_uint_t flags);

/* Type flags. */
#define MP_TYPE_FLAG_NONE (0x0000)
#define MP_TYPE_FLAG_IS_SUBCLASSED (0x0001)
#define MP_TYPE_FLAG_HAS_SPECIAL_ACCESSORS (0x0002)
#define MP_TYPE_FLAG_EQ_NOT_REFLEXIVE (0x0004)
#define MP_TYPE_FLAG_EQ_CHECKS_OTHER_TYPE (0x0008)
#define MP_TYPE_FLAG_EQ_HAS_NEQ_TEST (0x0010)
#define MP_TYPE_FLAG_BINDS_SELF (0x0020)
#define MP_TYPE_FLAG_BUILTIN_FUN (0x0040)
#define MP_TYPE_FLAG_ITER_IS_GETITER (0x0000)
#define MP_TYPE_FLAG_ITER_IS_ITERNEXT (0x0080)
#define MP_TYPE_FLAG_ITER_IS_CUSTOM (0x0100)
#define MP_TYPE_FLAG_ITER_IS_STREAM (MP_TYPE_FLAG_ITER_IS_ITERNEXT | MP_TYPE_FLAG_ITER_IS_CUSTOM)
#define MP_TYPE_FLAG_INSTANCE_TYPE (0x0200)
/* Honoured from MicroPython 1.25 on; older firmware ignores it. */
#define MP_TYPE_FLAG_SUBSCR_ALLOWS_STACK_SLICE (0x0400)

/* The fixed part of every type object: twelve one-byte slot indices (1 +
 * position in `slots`, or 0 when the type lacks the slot) and then as many
 * slot values as the type has. The layout is the same on every ABI. */
#define NATMOD_TYPE_HEADER \
    mp_obj_base_t base; \
    uint16_t flags; \
    uint16_t name; \
    uint8_t slot_index_make_new; \
    uint8_t slot_index_print; \
    uint8_t slot_index_call; \
    uint8_t slot_index_unary_op; \
    uint8_t slot_index_binary_op; \
    uint8_t slot_index_attr; \
    uint8_t slot_index_subscr; \
    uint8_t slot_index_iter; \
    uint8_t slot_index_buffer; \
    uint8_t slot_index_protocol; \
    uint8_t slot_index_parent; \
    uint8_t slot_index_locals_dict;

struct _mp_obj_type_t {
    NATMOD_TYPE_HEADER
    const void *slots[];
};

/* A type with room for every slot: what a module defines or allocates. */
typedef struct _mp_obj_full_type_t {
    NATMOD_TYPE_HEADER
    const void *slots[11];
} mp_obj_full_type_t;

/* A type with no slots. */
typedef struct _mp_obj_empty_type_t {
    NATMOD_TYPE_HEADER
} mp_obj_empty_type_t;

/* What each slot holds. */
#define NATMOD_SLOT_TYPE_make_new mp_make_new_fun_t
#define NATMOD_SLOT_TYPE_print mp_print_fun_t
#define NATMOD_SLOT_TYPE_call mp_call_fun_t
#define NATMOD_SLOT_TYPE_unary_op mp_unary_op_fun_t
#define NATMOD_SLOT_TYPE_binary_op mp_binary_op_fun_t
#define NATMOD_SLOT_TYPE_attr mp_attr_fun_t
#define NATMOD_SLOT_TYPE_subscr mp_subscr_fun_t
#define NATMOD_SLOT_TYPE_iter const void *
#define NATMOD_SLOT_TYPE_buffer mp_buffer_fun_t
#define NATMOD_SLOT_TYPE_protocol const void *
#define NATMOD_SLOT_TYPE_parent const void *
#define NATMOD_SLOT_TYPE_locals_dict struct _mp_obj_dict_t *

/* Reading and writing slots. SET_SLOT's `n` is the zero-based position the
 * value takes in `slots` (each slot a type has needs its own position). */
#define MP_OBJ_TYPE_HAS_SLOT(t, f) ((t)->slot_index_##f)
#define MP_OBJ_TYPE_GET_SLOT(t, f) ((NATMOD_SLOT_TYPE_##f)(t)->slots[(t)->slot_index_##f - 1])
#define MP_OBJ_TYPE_GET_SLOT_OR_NULL(t, f) \
    ((NATMOD_SLOT_TYPE_##f)(MP_OBJ_TYPE_HAS_SLOT(t, f) ? MP_OBJ_TYPE_GET_SLOT(t, f) : NULL))
#define MP_OBJ_TYPE_SET_SLOT(t, f, v, n) ((t)->slot_index_##f = (n) + 1, (t)->slots[(n)] = (void *)v)
#define MP_OBJ_TYPE_OFFSETOF_SLOT(f) (offsetof(mp_obj_type_t, slot_index_##f))
#define MP_OBJ_TYPE_HAS_SLOT_BY_OFFSET(t, offset) (*(uint8_t *)((char *)(t) + (offset)) != 0)

/* Is `o` a heap object whose type is exactly `t`? */
#define mp_obj_is_exact_type(o, t) (mp_obj_is_obj(o) && (((mp_obj_base_t *)MP_OBJ_TO_PTR(o))->type == (t)))
#define mp_obj_is_type(o, t) mp_obj_is_exact_type(o, t)

/* Builtin function objects, with the argument count packed in `sig`:
 * minimum (bits 17 up), maximum (bits 1-16), keywords accepted (bit 0). */
typedef struct _mp_obj_fun_builtin_fixed_t {
    mp_obj_base_t base;
    union {
        mp_fun_0_t _0;
        mp_fun_1_t _1;
        mp_fun_2_t _2;
        mp_fun_3_t _3;
    } fun;
} mp_obj_fun_builtin_fixed_t;

typedef struct _mp_obj_fun_builtin_var_t {
    mp_obj_base_t base;
    uint32_t sig;
    union {
        mp_fun_var_t var;
        mp_fun_kw_t kw;
    } fun;
} mp_obj_fun_builtin_var_t;

#define MP_OBJ_FUN_ARGS_MAX (0xffff)
#define MP_OBJ_FUN_MAKE_SIG(n_args_min, n_args_max, takes_kw) \
    ((uint32_t)((((uint32_t)(n_args_min)) << 17) | (((uint32_t)(n_args_max)) << 1) | ((takes_kw) ? 1 : 0)))

/* The firmware's function types. The linker resolves these symbols to their
 * mp_fun_table entries, so function objects can be constant data. */
extern const mp_obj_type_t mp_type_fun_builtin_0;
extern const mp_obj_type_t mp_type_fun_builtin_1;
extern const mp_obj_type_t mp_type_fun_builtin_2;
extern const mp_obj_type_t mp_type_fun_builtin_3;
extern const mp_obj_type_t mp_type_fun_builtin_var;

/* Define a function object `obj_name` for C function `fun_name`; put
 * `static` in front to keep it file local. */
#define MP_DEFINE_CONST_FUN_OBJ_0(obj_name, fun_name) \
    const mp_obj_fun_builtin_fixed_t obj_name = {{&mp_type_fun_builtin_0}, {._0 = fun_name}}
#define MP_DEFINE_CONST_FUN_OBJ_1(obj_name, fun_name) \
    const mp_obj_fun_builtin_fixed_t obj_name = {{&mp_type_fun_builtin_1}, {._1 = fun_name}}
#define MP_DEFINE_CONST_FUN_OBJ_2(obj_name, fun_name) \
    const mp_obj_fun_builtin_fixed_t obj_name = {{&mp_type_fun_builtin_2}, {._2 = fun_name}}
#define MP_DEFINE_CONST_FUN_OBJ_3(obj_name, fun_name) \
    const mp_obj_fun_builtin_fixed_t obj_name = {{&mp_type_fun_builtin_3}, {._3 = fun_name}}
/* At least n_args_min positional arguments, given as (n, args). */
#define MP_DEFINE_CONST_FUN_OBJ_VAR(obj_name, n_args_min, fun_name) \
    const mp_obj_fun_builtin_var_t obj_name = \
    {{&mp_type_fun_builtin_var}, MP_OBJ_FUN_MAKE_SIG(n_args_min, MP_OBJ_FUN_ARGS_MAX, false), {.var = fun_name}}
#define MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(obj_name, n_args_min, n_args_max, fun_name) \
    const mp_obj_fun_builtin_var_t obj_name = \
    {{&mp_type_fun_builtin_var}, MP_OBJ_FUN_MAKE_SIG(n_args_min, n_args_max, false), {.var = fun_name}}
/* Also keyword arguments, given as (n, args, kw_map). */
#define MP_DEFINE_CONST_FUN_OBJ_KW(obj_name, n_args_min, fun_name) \
    const mp_obj_fun_builtin_var_t obj_name = \
    {{&mp_type_fun_builtin_var}, MP_OBJ_FUN_MAKE_SIG(n_args_min, MP_OBJ_FUN_ARGS_MAX, true), {.kw = fun_name}}
#define MP_DECLARE_CONST_FUN_OBJ_0(obj_name) extern const mp_obj_fun_builtin_fixed_t obj_name
#define MP_DECLARE_CONST_FUN_OBJ_1(obj_name) extern const mp_obj_fun_builtin_fixed_t obj_name
#define MP_DECLARE_CONST_FUN_OBJ_2(obj_name) extern const mp_obj_fun_builtin_fixed_t obj_name
#define MP_DECLARE_CONST_FUN_OBJ_3(obj_name) extern const mp_obj_fun_builtin_fixed_t obj_name
#define MP_DECLARE_CONST_FUN_OBJ_VAR(obj_name) extern const mp_obj_fun_builtin_var_t obj_name
#define MP_DECLARE_CONST_FUN_OBJ_VAR_BETWEEN(obj_name) extern const mp_obj_fun_builtin_var_t obj_name
#define MP_DECLARE_CONST_FUN_OBJ_KW(obj_name) extern const mp_obj_fun_builtin_var_t obj_name

/* The firmware's stream methods, for a type's locals dict. */
extern const mp_obj_fun_builtin_var_t mp_stream_read_obj;
extern const mp_obj_fun_builtin_var_t mp_stream_readinto_obj;
extern const mp_obj_fun_builtin_var_t mp_stream_unbuffered_readline_obj;
extern const mp_obj_fun_builtin_var_t mp_stream_write_obj;

/* ======================================================================== */
/* Containers, strings, instances                                           */

typedef struct _mp_obj_tuple_t {
    mp_obj_base_t base;
    size_t len;
    mp_obj_t items[];
} mp_obj_tuple_t;

typedef struct _mp_obj_list_t {
    mp_obj_base_t base;
    size_t alloc;
    size_t len;
    mp_obj_t *items;
} mp_obj_list_t;

/* A str or bytes object on the heap (short strings may be qstrs instead:
 * use mp_obj_str_get_data to read any of them). */
typedef struct _mp_obj_str_t {
    mp_obj_base_t base;
    size_t hash;
    size_t len;
    const byte *data;
} mp_obj_str_t;

/* An instance of a Python class; `subobj[0]` is the native base object when
 * the class derives from a native type. */
typedef struct _mp_obj_instance_t {
    mp_obj_base_t base;
    mp_map_t members;
    mp_obj_t subobj[];
} mp_obj_instance_t;

typedef struct _mp_obj_module_t {
    mp_obj_base_t base;
    mp_obj_dict_t *globals;
} mp_obj_module_t;

/* A module's constants: its qstr table (16-bit numbers) and object table. */
typedef struct _mp_module_constants_t {
    qstr_short_t *qstr_table;
    mp_obj_t *obj_table;
} mp_module_constants_t;

typedef struct _mp_module_context_t {
    mp_obj_module_t module;
    mp_module_constants_t constants;
} mp_module_context_t;

/* The function object the loader passes to mpy_init as `self`. */
typedef struct _mp_obj_fun_bc_t {
    mp_obj_base_t base;
    const mp_module_context_t *context;
    struct _mp_raw_code_t *const *child_table;
    const byte *bytecode;
} mp_obj_fun_bc_t;

/* Argument parsing (mp_arg_parse_all, ABI 6.3). */
typedef enum {
    MP_ARG_BOOL = 0x001,
    MP_ARG_INT = 0x002,
    MP_ARG_OBJ = 0x003,
    MP_ARG_KIND_MASK = 0x0ff,
    MP_ARG_REQUIRED = 0x100,
    MP_ARG_KW_ONLY = 0x200,
} mp_arg_flag_t;

typedef union _mp_arg_val_t {
    bool u_bool;
    mp_int_t u_int;
    mp_obj_t u_obj;
    mp_rom_obj_t u_rom_obj;
} mp_arg_val_t;

typedef struct _mp_arg_t {
    uint16_t qst;
    uint16_t flags;
    mp_arg_val_t defval;
} mp_arg_t;

/* The description of a function the firmware turns into a function object
 * (MP_DYNRUNTIME_MAKE_FUNCTION). Only the head a module fills in is
 * described; the firmware reads `kind`, the generator flag and `fun_data`. */
#define MP_CODE_UNUSED (0)
#define MP_CODE_RESERVED (1)
#define MP_CODE_BYTECODE (2)
#define MP_CODE_NATIVE_PY (3)
#define MP_CODE_NATIVE_VIPER (4)
#define MP_CODE_NATIVE_ASM (5)
#if MPY_ABI >= 0x0603
/* Two zero bytes tell it from bytecode, then kind and is_generator bytes. */
typedef struct _mp_raw_code_t {
    uint8_t proto_fun_indicator[2];
    uint8_t kind;
    bool is_generator;
    const void *fun_data;
    struct _mp_raw_code_t **children;
} mp_raw_code_t;
#else
/* kind (3 bits), scope flags (7 bits) and the positional argument count (11
 * bits) packed in the first word. */
typedef struct _mp_raw_code_t {
    mp_uint_t kind : 3;
    mp_uint_t scope_flags : 7;
    mp_uint_t n_pos_args : 11;
    const void *fun_data;
    struct _mp_raw_code_t **children;
} mp_raw_code_t;
#endif
typedef mp_raw_code_t mp_raw_code_truncated_t;
typedef const void *mp_proto_fun_t;

/* Types that appear only behind pointers. */
struct _nlr_buf_t;
struct _mp_code_state_native_t;

/* ======================================================================== */
/* The firmware function table                                              */

/* In the firmware's order; the comments give the index of each group's first
 * entry for every ABI (6.1 / 6.2 / 6.3). Entries that exist only in some ABIs
 * are marked. The layout test compares every index with the facts in
 * runtime/mpy-sys/src/abi.rs. */
typedef struct _mp_fun_table_t {
    /* 0: constants */
    mp_const_obj_t const_none;
    mp_const_obj_t const_false;
    mp_const_obj_t const_true;
    /* 3: conversions between objects and machine values */
    mp_uint_t (*native_from_obj)(mp_obj_t obj, mp_uint_t type);
    mp_obj_t (*native_to_obj)(mp_uint_t val, mp_uint_t type);
    /* 5: names, globals and attributes */
    mp_obj_dict_t *(*swap_globals)(mp_obj_dict_t *new_globals);
    mp_obj_t (*load_name)(qstr qst);
    mp_obj_t (*load_global)(qstr qst);
    mp_obj_t (*load_build_class)(void);
    mp_obj_t (*load_attr)(mp_obj_t base, qstr attr);
    void (*load_method)(mp_obj_t base, qstr attr, mp_obj_t *dest);
    void (*load_super_method)(qstr attr, mp_obj_t *dest);
    void (*store_name)(qstr qst, mp_obj_t obj);
    void (*store_global)(qstr qst, mp_obj_t obj);
    void (*store_attr)(mp_obj_t base, qstr attr, mp_obj_t val);
    /* 15: operators */
    mp_obj_t (*obj_subscr)(mp_obj_t base, mp_obj_t index, mp_obj_t val);
    bool (*obj_is_true)(mp_obj_t arg);
    mp_obj_t (*unary_op)(mp_unary_op_t op, mp_obj_t arg);
    mp_obj_t (*binary_op)(mp_binary_op_t op, mp_obj_t lhs, mp_obj_t rhs);
    /* 19: containers */
    mp_obj_t (*new_tuple)(size_t n, const mp_obj_t *items);
    mp_obj_t (*new_list)(size_t n, mp_obj_t *items);
    mp_obj_t (*new_dict)(size_t n_args);
    mp_obj_t (*new_set)(size_t n_args, mp_obj_t *items);
    void (*set_store)(mp_obj_t self_in, mp_obj_t item);
    mp_obj_t (*list_append)(mp_obj_t self_in, mp_obj_t arg);
    mp_obj_t (*dict_store)(mp_obj_t self_in, mp_obj_t key, mp_obj_t value);
    /* 26: functions and calls (entry 26 changed its argument in 6.3) */
    #if MPY_ABI >= 0x0603
    mp_obj_t (*make_function_from_proto_fun)(mp_proto_fun_t proto_fun, const mp_module_context_t *cm, const mp_obj_t *def_args);
    #else
    mp_obj_t (*make_function_from_raw_code)(const mp_raw_code_t *rc, const mp_module_context_t *cm, const mp_obj_t *def_args);
    #endif
    mp_obj_t (*call_function_n_kw)(mp_obj_t fun_in, size_t n_args_kw, const mp_obj_t *args);
    mp_obj_t (*call_method_n_kw)(size_t n_args, size_t n_kw, const mp_obj_t *args);
    mp_obj_t (*call_method_n_kw_var)(bool have_self, size_t n_args_n_kw, const mp_obj_t *args);
    /* 30: iteration */
    mp_obj_t (*getiter)(mp_obj_t obj, mp_obj_iter_buf_t *iter);
    mp_obj_t (*iternext)(mp_obj_iter_buf_t *iter);
    /* 32: non-local returns (for the native emitter; see the notes below) */
    unsigned int (*nlr_push)(struct _nlr_buf_t *);
    void (*nlr_pop)(void);
    void (*raise)(mp_obj_t o);
    /* 35: imports */
    mp_obj_t (*import_name)(qstr name, mp_obj_t fromlist, mp_obj_t level);
    mp_obj_t (*import_from)(mp_obj_t module, qstr name);
    void (*import_all)(mp_obj_t module);
    /* 38: what the native emitter needs */
    mp_obj_t (*new_slice)(mp_obj_t start, mp_obj_t stop, mp_obj_t step);
    void (*unpack_sequence)(mp_obj_t seq, size_t num, mp_obj_t *items);
    void (*unpack_ex)(mp_obj_t seq, size_t num, mp_obj_t *items);
    void (*delete_name)(qstr qst);
    void (*delete_global)(qstr qst);
    mp_obj_t (*new_closure)(mp_obj_t fun, size_t n_closed_over, const mp_obj_t *closed);
    void (*arg_check_num_sig)(size_t n_args, size_t n_kw, uint32_t sig);
    void (*setup_code_state_native)(struct _mp_code_state_native_t *code_state, size_t n_args, size_t n_kw, const mp_obj_t *args);
    mp_int_t (*small_int_floor_divide)(mp_int_t num, mp_int_t denom);
    mp_int_t (*small_int_modulo)(mp_int_t dividend, mp_int_t divisor);
    bool (*yield_from)(mp_obj_t gen, mp_obj_t send_value, mp_obj_t *ret_value);
    void *setjmp_;
    /* 50: entries for native modules */
    void *(*memset_)(void *s, int c, size_t n);
    void *(*memmove_)(void *dest, const void *src, size_t n);
    void *(*realloc_)(void *ptr, size_t n_bytes, bool allow_move);
    int (*printf_)(const mp_print_t *print, const char *fmt, ...);
    int (*vprintf_)(const mp_print_t *print, const char *fmt, va_list args);
    MP_NORETURN void (*raise_msg)(const mp_obj_type_t *exc_type, mp_rom_error_text_t msg);
    const mp_obj_type_t *(*obj_get_type)(mp_const_obj_t o_in);
    mp_obj_t (*obj_new_str)(const char *data, size_t len);
    mp_obj_t (*obj_new_bytes)(const byte *data, size_t len);
    mp_obj_t (*obj_new_bytearray_by_ref)(size_t n, void *items);
    mp_obj_t (*obj_new_float_from_f)(float f);
    mp_obj_t (*obj_new_float_from_d)(double d);
    float (*obj_get_float_to_f)(mp_obj_t o);
    double (*obj_get_float_to_d)(mp_obj_t o);
    /* 64: buffers and streams */
    #if MPY_ABI == 0x0601
    void (*get_buffer_raise)(mp_obj_t obj, mp_buffer_info_t *bufinfo, mp_uint_t flags);
    #endif
    #if MPY_ABI >= 0x0603
    void (*load_method_maybe)(mp_obj_t base, qstr attr, mp_obj_t *dest);
    #endif
    #if MPY_ABI >= 0x0602
    bool (*get_buffer)(mp_obj_t obj, mp_buffer_info_t *bufinfo, mp_uint_t flags);
    #endif
    const mp_stream_p_t *(*get_stream_raise)(mp_obj_t self_in, int flags);
    #if MPY_ABI >= 0x0603
    void (*arg_parse_all)(size_t n_pos, const mp_obj_t *pos, mp_map_t *kws, size_t n_allowed, const mp_arg_t *allowed, mp_arg_val_t *out_vals);
    void (*arg_parse_all_kw_array)(size_t n_pos, size_t n_kw, const mp_obj_t *args, size_t n_allowed, const mp_arg_t *allowed, mp_arg_val_t *out_vals);
    size_t (*binary_get_size)(char struct_type, char val_type, size_t *palign);
    mp_obj_t (*binary_get_val_array)(char typecode, void *p, size_t index);
    void (*binary_set_val_array)(char typecode, void *p, size_t index, mp_obj_t val_in);
    #endif
    const mp_print_t *plat_print;
    /* 67 / 67 / 73: firmware objects (the linker maps symbols here) */
    const mp_obj_type_t *type_type;
    const mp_obj_type_t *type_str;
    const mp_obj_type_t *type_list;
    const mp_obj_type_t *type_dict;
    const mp_obj_type_t *type_fun_builtin_0;
    const mp_obj_type_t *type_fun_builtin_1;
    const mp_obj_type_t *type_fun_builtin_2;
    const mp_obj_type_t *type_fun_builtin_3;
    const mp_obj_type_t *type_fun_builtin_var;
    #if MPY_ABI >= 0x0603
    const mp_obj_type_t *type_Exception;
    #endif
    const mp_obj_fun_builtin_var_t *stream_read_obj;
    const mp_obj_fun_builtin_var_t *stream_readinto_obj;
    const mp_obj_fun_builtin_var_t *stream_unbuffered_readline_obj;
    const mp_obj_fun_builtin_var_t *stream_write_obj;
} mp_fun_table_t;

/* Entry counts and the first object entry, per ABI. */
#if MPY_ABI >= 0x0603
#define MP_FUN_TABLE_LEN (87)
#define MP_FUN_TABLE_MP_TYPE_TYPE_OFFSET (73)
#else
#define MP_FUN_TABLE_LEN (80)
#define MP_FUN_TABLE_MP_TYPE_TYPE_OFFSET (67)
#endif
typedef char natmod_check_fun_table_len[(sizeof(mp_fun_table_t) == MP_FUN_TABLE_LEN * sizeof(void *)) ? 1 : -1];
typedef char natmod_check_type_type_offset[
    (offsetof(mp_fun_table_t, type_type) == MP_FUN_TABLE_MP_TYPE_TYPE_OFFSET * sizeof(void *)) ? 1 : -1];

/* Provided by the firmware; the module reaches it through one GOT entry. */
extern const mp_fun_table_t mp_fun_table;

/* Table entries each ABI lacks, for the build errors described at the top. */
#if MPY_ABI < 0x0602
NATMOD_MISSING_DECL(get_buffer, "6.2 (MicroPython 1.22)")
#endif
#if MPY_ABI < 0x0603
NATMOD_MISSING_DECL(load_method_maybe, "6.3 (MicroPython 1.23)")
NATMOD_MISSING_DECL(arg_parse_all, "6.3 (MicroPython 1.23)")
NATMOD_MISSING_DECL(arg_parse_all_kw_array, "6.3 (MicroPython 1.23)")
NATMOD_MISSING_DECL(binary_get_size, "6.3 (MicroPython 1.23)")
NATMOD_MISSING_DECL(binary_get_val_array, "6.3 (MicroPython 1.23)")
NATMOD_MISSING_DECL(binary_set_val_array, "6.3 (MicroPython 1.23)")
#endif

/* ======================================================================== */
/* Module entry                                                             */

/* The entry point. The loader calls the code at text offset 0, which the
 * linker makes jump here; `self` gives the module's context. */
mp_obj_t mpy_init(mp_obj_fun_bc_t *self, size_t n_args, size_t n_kw, mp_obj_t *args);

/* First statement of mpy_init: make the module's globals current, so that
 * mp_store_global defines module attributes, and prepare the description
 * MP_DYNRUNTIME_MAKE_FUNCTION hands to the firmware. */
#if MPY_ABI >= 0x0603
#define MP_DYNRUNTIME_INIT_ENTRY \
    mp_obj_t natmod_saved_globals = mp_fun_table.swap_globals(self->context->module.globals); \
    mp_raw_code_t natmod_rc; \
    natmod_rc.proto_fun_indicator[0] = 0; \
    natmod_rc.proto_fun_indicator[1] = 0; \
    natmod_rc.kind = MP_CODE_NATIVE_VIPER; \
    natmod_rc.is_generator = 0; \
    (void)natmod_rc;
/* A function object for a C function taking (self, n_args, n_kw, args). */
#define MP_DYNRUNTIME_MAKE_FUNCTION(f) \
    (mp_fun_table.make_function_from_proto_fun((natmod_rc.fun_data = (f), (const mp_raw_code_t *)&natmod_rc), self->context, NULL))
#else
#define MP_DYNRUNTIME_INIT_ENTRY \
    mp_obj_t natmod_saved_globals = mp_fun_table.swap_globals(self->context->module.globals); \
    mp_raw_code_t natmod_rc; \
    natmod_rc.kind = MP_CODE_NATIVE_VIPER; \
    natmod_rc.scope_flags = 0; \
    (void)natmod_rc;
#define MP_DYNRUNTIME_MAKE_FUNCTION(f) \
    (mp_fun_table.make_function_from_raw_code((natmod_rc.fun_data = (f), &natmod_rc), self->context, NULL))
#endif

/* Last statement of mpy_init: restore the caller's globals, return None. */
#define MP_DYNRUNTIME_INIT_EXIT \
    mp_fun_table.swap_globals(natmod_saved_globals); \
    return mp_const_none;

/* ======================================================================== */
/* Memory                                                                   */

/* The GC heap, through the firmware's realloc. m_malloc and m_realloc raise
 * MemoryError when the heap is full; the _maybe form returns NULL. */
static inline MP_NORETURN void natmod_malloc_fail(size_t num_bytes) {
    (void)num_bytes;
    mp_fun_table.raise_msg((const mp_obj_type_t *)mp_fun_table.load_global(MP_QSTR_MemoryError),
        "memory allocation failed");
}
static inline void *natmod_realloc_or_raise(void *ptr, size_t n, bool allow_move) {
    ptr = mp_fun_table.realloc_(ptr, n, allow_move);
    if (ptr == NULL && n != 0) {
        natmod_malloc_fail(n);
    }
    return ptr;
}
static inline void *natmod_malloc(size_t n) {
    return natmod_realloc_or_raise(NULL, n, false);
}
static inline void *natmod_malloc0(size_t n) {
    void *p = natmod_realloc_or_raise(NULL, n, false);
    return mp_fun_table.memset_(p, 0, n);
}
static inline void natmod_free(void *ptr) {
    mp_fun_table.realloc_(ptr, 0, false);
}
static inline void *natmod_realloc(void *ptr, size_t n) {
    return natmod_realloc_or_raise(ptr, n, true);
}

#define m_malloc_fail(num_bytes) (natmod_malloc_fail((num_bytes)))
#define m_malloc(n) (natmod_malloc((n)))
#define m_malloc0(n) (natmod_malloc0((n)))
#define m_malloc_maybe(n) (mp_fun_table.realloc_(NULL, (n), false))
#define m_free(ptr) (natmod_free((ptr)))
#define m_realloc(ptr, n) (natmod_realloc((ptr), (n)))
#define m_realloc_maybe(ptr, n, allow_move) (mp_fun_table.realloc_((ptr), (n), (allow_move)))

#define m_new(type, num) ((type *)(m_malloc(sizeof(type) * (num))))
#define m_new0(type, num) ((type *)(m_malloc0(sizeof(type) * (num))))
#define m_new_maybe(type, num) ((type *)(m_malloc_maybe(sizeof(type) * (num))))
#define m_new_obj(type) (m_new(type, 1))
#define m_new_obj_maybe(type) (m_new_maybe(type, 1))
#define m_renew(type, ptr, old_num, new_num) ((void)(old_num), (type *)(m_realloc((ptr), sizeof(type) * (new_num))))
#define m_renew_maybe(type, ptr, old_num, new_num, allow_move) \
    ((void)(old_num), (type *)(m_realloc_maybe((ptr), sizeof(type) * (new_num), (allow_move))))
#define m_del(type, ptr, num) ((void)(num), m_free(ptr))
#define m_del_obj(type, ptr) (m_del(type, ptr, 1))

/* An object with a variable-length tail: (obj_type, var_type, var_num) as in
 * MicroPython 1.20-1.21, or (obj_type, var_field, var_type, var_num) as from
 * 1.22, where the tail starts at member var_field. Both forms are accepted. */
#define m_new_obj_var(...) NATMOD_CAT(natmod_new_obj_var_, NATMOD_NARGS(__VA_ARGS__))(m_malloc, __VA_ARGS__)
#define m_new_obj_var0(...) NATMOD_CAT(natmod_new_obj_var_, NATMOD_NARGS(__VA_ARGS__))(m_malloc0, __VA_ARGS__)
#define m_new_obj_var_maybe(...) NATMOD_CAT(natmod_new_obj_var_, NATMOD_NARGS(__VA_ARGS__))(m_malloc_maybe, __VA_ARGS__)
#define natmod_new_obj_var_3(alloc, obj_type, var_type, var_num) \
    ((obj_type *)alloc(sizeof(obj_type) + sizeof(var_type) * (var_num)))
#define natmod_new_obj_var_4(alloc, obj_type, var_field, var_type, var_num) \
    ((obj_type *)alloc(offsetof(obj_type, var_field) + sizeof(var_type) * (var_num)))
#define m_del_var(...) ((void)0, m_free(NATMOD_CAT(natmod_last_, NATMOD_NARGS(__VA_ARGS__))(__VA_ARGS__)))
#define natmod_last_4(a, b, c, d) (d)
#define natmod_last_5(a, b, c, d, e) (e)

/* A new heap object of `struct_type` whose type is `obj_type`. */
static inline void *natmod_obj_malloc(size_t num_bytes, const mp_obj_type_t *type) {
    mp_obj_base_t *base = (mp_obj_base_t *)m_malloc(num_bytes);
    base->type = type;
    return base;
}
#define mp_obj_malloc_helper(n, t) (natmod_obj_malloc((n), (t)))
#define mp_obj_malloc(struct_type, obj_type) ((struct_type *)mp_obj_malloc_helper(sizeof(struct_type), obj_type))
/* (struct_type, var_type, var_num, obj_type) as in MicroPython 1.20-1.22, or
 * (struct_type, var_field, var_type, var_num, obj_type) as from 1.23. */
#define mp_obj_malloc_var(...) NATMOD_CAT(natmod_obj_malloc_var_, NATMOD_NARGS(__VA_ARGS__))(__VA_ARGS__)
#define natmod_obj_malloc_var_4(struct_type, var_type, var_num, obj_type) \
    ((struct_type *)mp_obj_malloc_helper(sizeof(struct_type) + sizeof(var_type) * (var_num), obj_type))
#define natmod_obj_malloc_var_5(struct_type, var_field, var_type, var_num, obj_type) \
    ((struct_type *)mp_obj_malloc_helper(offsetof(struct_type, var_field) + sizeof(var_type) * (var_num), obj_type))
/* Native modules have no finalisers. */
#define mp_obj_malloc_with_finaliser(struct_type, obj_type) mp_obj_malloc(struct_type, obj_type)

/* ======================================================================== */
/* Printing                                                                 */

#define mp_plat_print (*mp_fun_table.plat_print)
/* MicroPython's own printf (not the C library's): %d %u %x %X %s %c %p and,
 * when the firmware has floats, %f %e %g. */
#define mp_printf(print, ...) (mp_fun_table.printf_((print), __VA_ARGS__))
#define mp_vprintf(print, fmt, args) (mp_fun_table.vprintf_((print), (fmt), (args)))
static inline int natmod_print_str(const mp_print_t *print, const char *str) {
    size_t len = 0;
    while (str[len] != '\0') {
        ++len;
    }
    print->print_strn(print->data, str, len);
    return (int)len;
}
#define mp_print_str(print, str) (natmod_print_str((print), (str)))

/* ======================================================================== */
/* Objects through the table                                                */

#define mp_const_none ((mp_obj_t)mp_fun_table.const_none)
#define mp_const_false ((mp_obj_t)mp_fun_table.const_false)
#define mp_const_true ((mp_obj_t)mp_fun_table.const_true)
#define mp_const_empty_tuple (mp_fun_table.new_tuple(0, NULL))
#define mp_const_empty_bytes (MP_OBJ_TYPE_GET_SLOT(&mp_type_bytes, make_new)(NULL, 0, 0, NULL))

/* qstr objects. From 6.2 on the firmware makes them; MicroPython 1.20
 * (ABI 6.1) cannot, so on 6.1 the object is composed here (representation A),
 * which gives the same word as 1.21 would. */
#if MPY_ABI >= 0x0602
#define MP_OBJ_NEW_QSTR(qst) (mp_fun_table.native_to_obj(qst, MP_NATIVE_TYPE_QSTR))
#else
#define MP_OBJ_NEW_QSTR(qst) ((mp_obj_t)((((mp_uint_t)(qst)) << 3) | 2))
#endif

/* Firmware types. Those in the table are read from it; the rest are looked
 * up by name (their names are in the static qstr list) or derived from an
 * object of the type. */
#define natmod_type_by_name(q) (*(mp_obj_type_t *)(mp_fun_table.load_global((q))))
#define mp_type_type (*mp_fun_table.type_type)
#define mp_type_str (*mp_fun_table.type_str)
#define mp_type_list (*mp_fun_table.type_list)
#define mp_type_NoneType (*mp_obj_get_type(mp_const_none))
#define mp_type_bool (*mp_obj_get_type(mp_const_false))
#define mp_type_int natmod_type_by_name(MP_QSTR_int)
#define mp_type_bytes natmod_type_by_name(MP_QSTR_bytes)
#define mp_type_bytearray natmod_type_by_name(MP_QSTR_bytearray)
#define mp_type_tuple (*((mp_obj_base_t *)mp_const_empty_tuple)->type)
#if MPY_ABI >= 0x0603
#define mp_type_Exception (*mp_fun_table.type_Exception)
#else
#define mp_type_Exception natmod_type_by_name(MP_QSTR_Exception)
#endif
/* Exception types (all named in the static qstr list). */
#define mp_type_ArithmeticError natmod_type_by_name(MP_QSTR_ArithmeticError)
#define mp_type_AssertionError natmod_type_by_name(MP_QSTR_AssertionError)
#define mp_type_AttributeError natmod_type_by_name(MP_QSTR_AttributeError)
#define mp_type_BaseException natmod_type_by_name(MP_QSTR_BaseException)
#define mp_type_EOFError natmod_type_by_name(MP_QSTR_EOFError)
#define mp_type_GeneratorExit natmod_type_by_name(MP_QSTR_GeneratorExit)
#define mp_type_ImportError natmod_type_by_name(MP_QSTR_ImportError)
#define mp_type_IndexError natmod_type_by_name(MP_QSTR_IndexError)
#define mp_type_KeyError natmod_type_by_name(MP_QSTR_KeyError)
#define mp_type_KeyboardInterrupt natmod_type_by_name(MP_QSTR_KeyboardInterrupt)
#define mp_type_LookupError natmod_type_by_name(MP_QSTR_LookupError)
#define mp_type_MemoryError natmod_type_by_name(MP_QSTR_MemoryError)
#define mp_type_NameError natmod_type_by_name(MP_QSTR_NameError)
#define mp_type_NotImplementedError natmod_type_by_name(MP_QSTR_NotImplementedError)
#define mp_type_OSError natmod_type_by_name(MP_QSTR_OSError)
#define mp_type_OverflowError natmod_type_by_name(MP_QSTR_OverflowError)
#define mp_type_RuntimeError natmod_type_by_name(MP_QSTR_RuntimeError)
#define mp_type_StopIteration natmod_type_by_name(MP_QSTR_StopIteration)
#define mp_type_SystemExit natmod_type_by_name(MP_QSTR_SystemExit)
#define mp_type_TypeError natmod_type_by_name(MP_QSTR_TypeError)
#define mp_type_ValueError natmod_type_by_name(MP_QSTR_ValueError)
#define mp_type_ZeroDivisionError natmod_type_by_name(MP_QSTR_ZeroDivisionError)
/* A firmware type looked up by the qstr of its name, as a pointer. */
#define natmod_exc_type(q) (&natmod_type_by_name(q))

#define mp_obj_get_type(o) (mp_fun_table.obj_get_type((o)))
#define mp_obj_is_int(o) (mp_obj_is_small_int(o) || mp_obj_is_exact_type(o, &mp_type_int))
#define mp_obj_is_str(o) (mp_obj_is_qstr(o) || mp_obj_is_exact_type(o, &mp_type_str))

/* Making objects. Integers go through the viper conversions: small or big as
 * the firmware decides. */
#define mp_obj_new_bool(b) ((b) ? (mp_obj_t)mp_fun_table.const_true : (mp_obj_t)mp_fun_table.const_false)
#define mp_obj_new_int(i) (mp_fun_table.native_to_obj((mp_uint_t)(i), MP_NATIVE_TYPE_INT))
#define mp_obj_new_int_from_uint(i) (mp_fun_table.native_to_obj((mp_uint_t)(i), MP_NATIVE_TYPE_UINT))
#define mp_obj_new_str(data, len) (mp_fun_table.obj_new_str((data), (len)))
#define mp_obj_new_bytes(data, len) (mp_fun_table.obj_new_bytes((const byte *)(data), (len)))
#define mp_obj_new_bytearray_by_ref(n, items) (mp_fun_table.obj_new_bytearray_by_ref((n), (items)))
#define mp_obj_new_str_of_type(type, data, len) (natmod_new_str_of_type((type), (data), (len)))
#define mp_obj_new_tuple(n, items) (mp_fun_table.new_tuple((n), (items)))
#define mp_obj_new_list(n, items) (mp_fun_table.new_list((n), (items)))
#define mp_obj_new_dict(n_args) (mp_fun_table.new_dict((n_args)))
#define mp_obj_new_set(n_args, items) (mp_fun_table.new_set((n_args), (items)))
#define mp_obj_new_slice(start, stop, step) (mp_fun_table.new_slice((start), (stop), (step)))

/* Reading objects (these raise TypeError for the wrong type). */
#define mp_obj_get_int(o) ((mp_int_t)mp_fun_table.native_from_obj((o), MP_NATIVE_TYPE_INT))
#define mp_obj_get_int_truncated(o) ((mp_int_t)mp_fun_table.native_from_obj((o), MP_NATIVE_TYPE_UINT))
#define mp_obj_get_uint(o) ((mp_uint_t)mp_fun_table.native_from_obj((o), MP_NATIVE_TYPE_UINT))
#define mp_obj_is_true(o) ((bool)mp_fun_table.native_from_obj((o), MP_NATIVE_TYPE_BOOL))
#define mp_obj_str_get_data(o, len) (natmod_str_get_data((o), (len)))
#define mp_obj_str_get_str(o) ((const char *)natmod_str_get_data((o), NULL))
#define mp_obj_get_array(o, len, items) (natmod_get_array((o), (len), (items)))
#define mp_obj_get_array_fixed_n(o, n, items) (natmod_get_array_fixed_n((o), (n), (items)))
#define mp_obj_len(o) (natmod_len((o)))
#define mp_obj_cast_to_native_base(o, native_type) (natmod_cast_to_native_base((o), (native_type)))

/* Containers. */
#define mp_obj_subscr(base, index, val) (mp_fun_table.obj_subscr((base), (index), (val)))
#define mp_obj_list_append(list, item) (mp_fun_table.list_append((list), (item)))
#define mp_obj_dict_store(dict, key, val) (mp_fun_table.dict_store((dict), (key), (val)))
#define mp_obj_set_store(set, item) (mp_fun_table.set_store((set), (item)))

/* Buffers. mp_get_buffer returns false when `o` has none (6.2 and later);
 * mp_get_buffer_raise raises TypeError instead. */
#if MPY_ABI >= 0x0602
#define mp_get_buffer(o, bufinfo, flags) (mp_fun_table.get_buffer((o), (bufinfo), (flags)))
#define mp_get_buffer_raise(o, bufinfo, flags) \
    (mp_fun_table.get_buffer((o), (bufinfo), (flags) | MP_BUFFER_RAISE_IF_UNSUPPORTED))
#else
#define mp_get_buffer(o, bufinfo, flags) NATMOD_MISSING(get_buffer, bool)
#define mp_get_buffer_raise(o, bufinfo, flags) (mp_fun_table.get_buffer_raise((o), (bufinfo), (flags)))
#endif
/* The stream protocol of `o` (raises OSError when it lacks `flags`). */
#define mp_get_stream_raise(o, flags) (mp_fun_table.get_stream_raise((o), (flags)))
#define mp_get_stream(o) ((const mp_stream_p_t *)MP_OBJ_TYPE_GET_SLOT(mp_obj_get_type(o), protocol))

/* Iteration. mp_getiter(o, NULL) returns an iterator object; with a buffer
 * the iterator may live in it. Either way pass the result to mp_iternext,
 * which returns MP_OBJ_STOP_ITERATION at the end. */
#define mp_getiter(o, iter_buf) (natmod_getiter((o), (iter_buf)))
#define mp_iternext(iter) (mp_fun_table.iternext((mp_obj_iter_buf_t *)MP_OBJ_TO_PTR(iter)))

static inline mp_obj_t natmod_new_str_of_type(const mp_obj_type_t *type, const byte *data, size_t len) {
    if (type == &mp_type_str) {
        return mp_obj_new_str((const char *)data, len);
    } else {
        return mp_obj_new_bytes(data, len);
    }
}

static inline void *natmod_str_get_data(mp_obj_t o, size_t *len) {
    mp_buffer_info_t info;
    mp_get_buffer_raise(o, &info, MP_BUFFER_READ);
    if (len != NULL) {
        *len = info.len;
    }
    return info.buf;
}

static inline mp_obj_t natmod_len(mp_obj_t o) {
    return mp_fun_table.call_function_n_kw(mp_fun_table.load_name(MP_QSTR_len), 1, &o);
}

static inline mp_obj_t natmod_cast_to_native_base(mp_obj_t self_in, mp_const_obj_t native_type) {
    const mp_obj_type_t *self_type = mp_obj_get_type(self_in);
    if (MP_OBJ_FROM_PTR(self_type) == native_type) {
        return self_in;
    }
    /* Only a direct subclass is recognised. */
    if (MP_OBJ_TYPE_GET_SLOT_OR_NULL(self_type, parent) != native_type) {
        return MP_OBJ_NULL;
    }
    return ((mp_obj_instance_t *)MP_OBJ_TO_PTR(self_in))->subobj[0];
}

static inline mp_obj_t natmod_getiter(mp_obj_t o, mp_obj_iter_buf_t *iter_buf) {
    if (iter_buf == NULL) {
        return mp_fun_table.getiter(o, NULL);
    }
    /* The firmware leaves either the iterator itself in the buffer or a NULL
     * type and the iterator in buf[0]; iternext understands both. */
    mp_fun_table.getiter(o, iter_buf);
    return MP_OBJ_FROM_PTR(iter_buf);
}

/* ======================================================================== */
/* Runtime                                                                  */

#define mp_load_name(qst) (mp_fun_table.load_name((qst)))
#define mp_load_global(qst) (mp_fun_table.load_global((qst)))
#define mp_load_build_class() (mp_fun_table.load_build_class())
#define mp_load_attr(base, attr) (mp_fun_table.load_attr((base), (attr)))
#define mp_load_method(base, attr, dest) (mp_fun_table.load_method((base), (attr), (dest)))
#define mp_load_super_method(attr, dest) (mp_fun_table.load_super_method((attr), (dest)))
#define mp_store_name(qst, obj) (mp_fun_table.store_name((qst), (obj)))
#define mp_store_global(qst, obj) (mp_fun_table.store_global((qst), (obj)))
#define mp_store_attr(base, attr, val) (mp_fun_table.store_attr((base), (attr), (val)))
#define mp_delete_name(qst) (mp_fun_table.delete_name((qst)))
#define mp_delete_global(qst) (mp_fun_table.delete_global((qst)))
#if MPY_ABI >= 0x0603
#define mp_load_method_maybe(base, attr, dest) (mp_fun_table.load_method_maybe((base), (attr), (dest)))
#else
#define mp_load_method_maybe(base, attr, dest) NATMOD_MISSING(load_method_maybe, void)
#endif

#define mp_unary_op(op, obj) (mp_fun_table.unary_op((op), (obj)))
#define mp_binary_op(op, lhs, rhs) (mp_fun_table.binary_op((op), (lhs), (rhs)))

/* Calls. `args` holds the positional arguments, then n_kw key/value pairs;
 * the table entry takes both counts packed in one word. */
#define mp_call_function_n_kw(fun, n_args, n_kw, args) \
    (mp_fun_table.call_function_n_kw((fun), (n_args) | ((n_kw) << 8), (args)))
#define mp_call_function_0(fun) (mp_call_function_n_kw((fun), 0, 0, NULL))
#define mp_call_function_1(fun, arg) (natmod_call_1((fun), (arg)))
#define mp_call_function_2(fun, arg1, arg2) (natmod_call_2((fun), (arg1), (arg2)))
/* `args` starts with the method and self from mp_load_method. */
#define mp_call_method_n_kw(n_args, n_kw, args) (mp_fun_table.call_method_n_kw((n_args), (n_kw), (args)))
static inline mp_obj_t natmod_call_1(mp_obj_t fun, mp_obj_t arg) {
    return mp_fun_table.call_function_n_kw(fun, 1, &arg);
}
static inline mp_obj_t natmod_call_2(mp_obj_t fun, mp_obj_t arg1, mp_obj_t arg2) {
    mp_obj_t args[2] = {arg1, arg2};
    return mp_fun_table.call_function_n_kw(fun, 2, args);
}

/* Argument checks. */
#define mp_arg_check_num(n_args, n_kw, n_args_min, n_args_max, takes_kw) \
    (mp_fun_table.arg_check_num_sig((n_args), (n_kw), MP_OBJ_FUN_MAKE_SIG((n_args_min), (n_args_max), (takes_kw))))
#if MPY_ABI >= 0x0603
#define mp_arg_parse_all(n_pos, pos, kws, n_allowed, allowed, out_vals) \
    (mp_fun_table.arg_parse_all((n_pos), (pos), (kws), (n_allowed), (allowed), (out_vals)))
#define mp_arg_parse_all_kw_array(n_pos, n_kw, args, n_allowed, allowed, out_vals) \
    (mp_fun_table.arg_parse_all_kw_array((n_pos), (n_kw), (args), (n_allowed), (allowed), (out_vals)))
#else
#define mp_arg_parse_all(n_pos, pos, kws, n_allowed, allowed, out_vals) NATMOD_MISSING(arg_parse_all, void)
#define mp_arg_parse_all_kw_array(n_pos, n_kw, args, n_allowed, allowed, out_vals) \
    NATMOD_MISSING(arg_parse_all_kw_array, void)
#endif

/* Imports. */
#define mp_import_name(name, fromlist, level) (mp_fun_table.import_name((name), (fromlist), (level)))
#define mp_import_from(module, name) (mp_fun_table.import_from((module), (name)))
#define mp_import_all(module) (mp_fun_table.import_all((module)))

/* Packed values as the struct and array modules see them (ABI 6.3). */
#if MPY_ABI >= 0x0603
#define mp_binary_get_size(struct_type, val_type, palign) \
    (mp_fun_table.binary_get_size((struct_type), (val_type), (palign)))
#define mp_binary_get_val_array(typecode, p, index) (mp_fun_table.binary_get_val_array((typecode), (p), (index)))
#define mp_binary_set_val_array(typecode, p, index, val_in) \
    (mp_fun_table.binary_set_val_array((typecode), (p), (index), (val_in)))
#else
#define mp_binary_get_size(struct_type, val_type, palign) NATMOD_MISSING(binary_get_size, size_t)
#define mp_binary_get_val_array(typecode, p, index) NATMOD_MISSING(binary_get_val_array, mp_obj_t)
#define mp_binary_set_val_array(typecode, p, index, val_in) NATMOD_MISSING(binary_set_val_array, void)
#endif
/* Native byte order for mp_binary_get_size. */
#define BYTEARRAY_TYPECODE (1)

/* ======================================================================== */
/* Exceptions                                                               */

/* The exception type's own slots, for defining exception types. */
#define mp_obj_exception_make_new (MP_OBJ_TYPE_GET_SLOT(&mp_type_Exception, make_new))
#define mp_obj_exception_print (MP_OBJ_TYPE_GET_SLOT(&mp_type_Exception, print))
#define mp_obj_exception_attr (MP_OBJ_TYPE_GET_SLOT(&mp_type_Exception, attr))

/* Raising. The table's raise accepts an exception type or instance; an
 * exception "object" can therefore be its type until it is raised. */
#define mp_obj_new_exception(exc_type) ((mp_obj_t)(exc_type))
#define mp_obj_new_exception_arg1(exc_type, arg) (natmod_new_exception_arg1((exc_type), (arg)))
#define mp_obj_new_exception_msg(exc_type, msg) (natmod_new_exception_msg((exc_type), (msg)))
#define nlr_raise(o) (natmod_raise((o)))
#define mp_raise_type(exc_type) (natmod_raise(MP_OBJ_FROM_PTR(exc_type)))
#define mp_raise_type_arg(exc_type, arg) (natmod_raise(natmod_new_exception_arg1((exc_type), (arg))))
#define mp_raise_msg(exc_type, msg) (mp_fun_table.raise_msg((exc_type), (msg)))
#define mp_raise_ValueError(msg) (mp_raise_msg(&mp_type_ValueError, (msg)))
#define mp_raise_TypeError(msg) (mp_raise_msg(&mp_type_TypeError, (msg)))
#define mp_raise_NotImplementedError(msg) (mp_raise_msg(&mp_type_NotImplementedError, (msg)))
#define mp_raise_OSError(errno_value) (natmod_raise_oserror((errno_value)))

static inline mp_obj_t natmod_new_exception_arg1(const mp_obj_type_t *exc_type, mp_obj_t arg) {
    mp_obj_t args[1] = {arg};
    return mp_call_function_n_kw(MP_OBJ_FROM_PTR(exc_type), 1, 0, &args[0]);
}

static inline mp_obj_t natmod_new_exception_msg(const mp_obj_type_t *exc_type, const char *msg) {
    size_t len = 0;
    while (msg[len] != '\0') {
        ++len;
    }
    return natmod_new_exception_arg1(exc_type, mp_obj_new_str(msg, len));
}

static inline MP_NORETURN void natmod_raise(mp_obj_t o) {
    mp_fun_table.raise(o);
    for (;;) {
    }
}

static inline MP_NORETURN void natmod_raise_oserror(int errno_value) {
    mp_obj_t args[1] = {MP_OBJ_NEW_SMALL_INT(errno_value)};
    natmod_raise(mp_call_function_n_kw(mp_load_global(MP_QSTR_OSError), 1, 0, &args[0]));
}

/* Make `exc` (zeroed, in BSS or on the heap) an exception type named `name`
 * deriving from `base`, e.g. &mp_type_Exception. */
static inline void mp_obj_exception_init(mp_obj_full_type_t *exc, qstr name, const mp_obj_type_t *base) {
    exc->base.type = &mp_type_type;
    exc->flags = MP_TYPE_FLAG_NONE;
    exc->name = (uint16_t)name;
    MP_OBJ_TYPE_SET_SLOT(exc, make_new, mp_obj_exception_make_new, 0);
    MP_OBJ_TYPE_SET_SLOT(exc, print, mp_obj_exception_print, 1);
    MP_OBJ_TYPE_SET_SLOT(exc, attr, mp_obj_exception_attr, 2);
    MP_OBJ_TYPE_SET_SLOT(exc, parent, base, 3);
}

/* ======================================================================== */
/* Floats                                                                   */

/* Both precisions are always in the table; the firmware converts to its own.
 * Soft-float RISC-V modules must not pass floats through the table. */
#define mp_obj_new_float_from_f(f) (mp_fun_table.obj_new_float_from_f((f)))
#define mp_obj_new_float_from_d(d) (mp_fun_table.obj_new_float_from_d((d)))
#define mp_obj_get_float_to_f(o) (mp_fun_table.obj_get_float_to_f((o)))
#define mp_obj_get_float_to_d(o) (mp_fun_table.obj_get_float_to_d((o)))
#if MICROPY_FLOAT_IMPL == MICROPY_FLOAT_IMPL_FLOAT
#define mp_obj_new_float(f) (mp_obj_new_float_from_f((f)))
#define mp_obj_get_float(o) (mp_obj_get_float_to_f((o)))
#elif MICROPY_FLOAT_IMPL == MICROPY_FLOAT_IMPL_DOUBLE
#define mp_obj_new_float(f) (mp_obj_new_float_from_d((f)))
#define mp_obj_get_float(o) (mp_obj_get_float_to_d((o)))
#endif

/* ======================================================================== */
/* Helpers over the above                                                   */

static inline void natmod_get_array(mp_obj_t o, size_t *len, mp_obj_t **items) {
    const mp_obj_type_t *type = mp_obj_get_type(o);
    if (type == &mp_type_tuple) {
        mp_obj_tuple_t *t = (mp_obj_tuple_t *)MP_OBJ_TO_PTR(o);
        *len = t->len;
        *items = &t->items[0];
    } else if (type == &mp_type_list) {
        mp_obj_list_t *l = (mp_obj_list_t *)MP_OBJ_TO_PTR(o);
        *len = l->len;
        *items = l->items;
    } else {
        mp_raise_TypeError("expected tuple/list");
    }
}

static inline void natmod_get_array_fixed_n(mp_obj_t o, size_t n, mp_obj_t **items) {
    size_t len;
    natmod_get_array(o, &len, items);
    if (len != n) {
        mp_raise_ValueError("tuple/list has wrong length");
    }
}

/*
 * Not provided (they have no mp_fun_table entry or need firmware internals):
 * nlr_push/nlr_pop for C code (the buffer layout and the setjmp flavour are
 * the port's), mp_raise_msg_varg, MP_ROM_QSTR, qstr_str and the map lookup
 * functions. Code that needs them must be built against the firmware's own
 * tree (MPY_DIR), as must modules that include MicroPython's library sources
 * (extmod/..., lib/...).
 */

#endif /* CARGO_MPY_NATMOD_H */
