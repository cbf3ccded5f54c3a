/*
 * natmod.h: a small, self-contained header for writing MicroPython native
 * modules in C, used by the cargo-mpy test suite.
 *
 * It replaces MicroPython's own dynamic-runtime header so that tests can be
 * compiled without a MicroPython source tree. Everything here is written to be
 * binary compatible with the MicroPython 1.29 firmware ABI:
 *
 *   - object representation "A" (the default of every port that loads native
 *     modules): small ints, qstrs and immediate objects are tagged words, heap
 *     objects are word-aligned pointers;
 *   - the function table `mp_fun_table` that the firmware hands to native code,
 *     with its 87 pointer-sized entries in firmware order;
 *   - the layouts of the handful of firmware structs a module touches
 *     (builtin function objects, the function object passed to `mpy_init`,
 *     the module context, print and buffer descriptors).
 *
 * Only what the tests need is provided; this is not a complete runtime API.
 *
 * Build flags expected (see tests/src/lib.rs): -std=c99 -DNO_QSTR
 * -DMICROPY_ENABLE_DYNRUNTIME -DMICROPY_FLOAT_IMPL=MICROPY_FLOAT_IMPL_xxx and,
 * normally, -DMP_CONFIGFILE=<module.config.h>, the header written by the qstr
 * scan (`mpy-link --preprocess`). That header defines every `MP_QSTR_name` a
 * module uses, either as a firmware qstr number or as a slot of the module's
 * own qstr table (`mp_native_qstr_table[i]`, filled in by the loader).
 */
#ifndef CARGO_MPY_NATMOD_H
#define CARGO_MPY_NATMOD_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The generated per-module configuration (qstr numbers), when there is one. */
#ifdef MP_CONFIGFILE
#include MP_CONFIGFILE
#endif

/* ------------------------------------------------------------------------ */
/* Configuration values                                                     */

/* The three possible values of MICROPY_FLOAT_IMPL (set with -D by the build). */
#define MICROPY_FLOAT_IMPL_NONE (0)
#define MICROPY_FLOAT_IMPL_FLOAT (1)
#define MICROPY_FLOAT_IMPL_DOUBLE (2)
#ifndef MICROPY_FLOAT_IMPL
#define MICROPY_FLOAT_IMPL (MICROPY_FLOAT_IMPL_NONE)
#endif

/* A few firmware qstr numbers this header itself relies on. The generated
 * config header defines all of them; these fallbacks only matter when a file
 * is compiled without one. */
#ifndef MP_QSTR_MemoryError
#define MP_QSTR_MemoryError (44)
#endif
#ifndef MP_QSTR_OSError
#define MP_QSTR_OSError (48)
#endif
#ifndef MP_QSTR_RuntimeError
#define MP_QSTR_RuntimeError (50)
#endif
#ifndef MP_QSTR_TypeError
#define MP_QSTR_TypeError (54)
#endif
#ifndef MP_QSTR_ValueError
#define MP_QSTR_ValueError (55)
#endif

/* ------------------------------------------------------------------------ */
/* Basic types                                                              */

/* Machine-word integers: MicroPython's int and uint are pointer sized. */
typedef intptr_t mp_int_t;
typedef uintptr_t mp_uint_t;

/* An interned string number. Native modules see qstr values through their
 * qstr table, which holds 16-bit numbers. */
typedef size_t qstr;
typedef uint16_t qstr_short_t;

typedef unsigned char byte;

/* A MicroPython object reference: either a tagged immediate value or a
 * pointer to a heap object whose first word points at its type. */
typedef void *mp_obj_t;
typedef const void *mp_const_obj_t;

/* Error messages are plain C strings in a dynamic module. */
typedef const char *mp_rom_error_text_t;

/* Types that only appear behind pointers in this header. */
struct _mp_obj_type_t;
struct _mp_obj_dict_t;
struct _mp_map_t;
typedef struct _mp_obj_dict_t mp_obj_dict_t;

/* Every heap object starts with this: a pointer to its type. */
typedef struct _mp_obj_base_t {
    const struct _mp_obj_type_t *type;
} mp_obj_base_t;

/* The leading part of the firmware's type object: base, flags and the name
 * qstr. The real struct continues with slot indices and a slot array, so a
 * module must never define or copy one of these; it only reads through
 * pointers that came from the firmware. */
typedef struct _mp_obj_type_t {
    mp_obj_base_t base;
    uint16_t flags;
    uint16_t name;
} mp_obj_type_t;

/* Where formatted output goes: `print_strn(data, str, len)`. */
typedef void (*mp_print_strn_t)(void *data, const char *str, size_t len);
typedef struct _mp_print_t {
    void *data;
    mp_print_strn_t print_strn;
} mp_print_t;

/* Filled in by the buffer protocol (table entry get_buffer). */
typedef struct _mp_buffer_info_t {
    void *buf;
    size_t len;
    mp_int_t typecode;
} mp_buffer_info_t;
#define MP_BUFFER_READ (1)
#define MP_BUFFER_WRITE (2)
#define MP_BUFFER_RW (MP_BUFFER_READ | MP_BUFFER_WRITE)
#define MP_BUFFER_RAISE_IF_UNSUPPORTED (4)

/* A module object: base plus its globals dict. */
typedef struct _mp_obj_module_t {
    mp_obj_base_t base;
    mp_obj_dict_t *globals;
} mp_obj_module_t;

/* Per-module state: the module object, then its constant tables (the qstr
 * table of 16-bit numbers and the object table). */
typedef struct _mp_module_context_t {
    mp_obj_module_t module;
    struct {
        qstr_short_t *qstr_table;
        mp_obj_t *obj_table;
    } constants;
} mp_module_context_t;

/* The function object the loader passes to `mpy_init` as `self`: only the
 * fields before the variable-length tail are described. */
typedef struct _mp_obj_fun_bc_t {
    mp_obj_base_t base;
    const mp_module_context_t *context;
    const void *const *child_table;
    const byte *bytecode;
} mp_obj_fun_bc_t;

/* Number of elements of a C array. */
#define MP_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Tuple and list objects, laid out as the firmware lays them out: a tuple
 * holds its items inline, a list points at a separately allocated array. */
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

/* ------------------------------------------------------------------------ */
/* Object representation A                                                  */

/* Small ints: the value shifted left by one, with bit 0 set. */
#define MP_OBJ_NEW_SMALL_INT(i) ((mp_obj_t)((((mp_uint_t)(i)) << 1) | 1))
#define MP_OBJ_SMALL_INT_VALUE(o) (((mp_int_t)(o)) >> 1)
#define mp_obj_is_small_int(o) ((((mp_int_t)(o)) & 1) != 0)
/* Largest magnitude a small int can hold (one bit of the word is the tag). */
#define MP_SMALL_INT_MAX ((mp_int_t)(((mp_uint_t)-1) >> 2))
#define MP_SMALL_INT_MIN (-MP_SMALL_INT_MAX - 1)

/* qstr objects: the qstr number shifted left by three, low bits 010. */
#define MP_OBJ_NEW_QSTR(q) ((mp_obj_t)((((mp_uint_t)(q)) << 3) | 2))
#define MP_OBJ_QSTR_VALUE(o) (((mp_uint_t)(o)) >> 3)
#define mp_obj_is_qstr(o) ((((mp_int_t)(o)) & 7) == 2)

/* Immediate objects (None, False, True): value shifted by three, low bits
 * 110. Modules should use mp_const_none & co., which come from the table. */
#define MP_OBJ_NEW_IMMEDIATE_OBJ(v) ((mp_obj_t)((((mp_uint_t)(v)) << 3) | 6))
#define mp_obj_is_immediate_obj(o) ((((mp_int_t)(o)) & 7) == 6)

/* Pointers to heap objects have their two low bits clear. */
#define mp_obj_is_obj(o) ((((mp_int_t)(o)) & 3) == 0)
#define MP_OBJ_TO_PTR(o) ((void *)(o))
#define MP_OBJ_FROM_PTR(p) ((mp_obj_t)(p))
/* The "no object" value used by some runtime calls, and the distinct
 * sentinel that asks obj_subscr for a load rather than a store. */
#define MP_OBJ_NULL ((mp_obj_t)NULL)
#define MP_OBJ_SENTINEL ((mp_obj_t)4)

/* Entries for constant tables built at compile time. */
#define MP_ROM_INT(i) MP_OBJ_NEW_SMALL_INT(i)
#define MP_ROM_PTR(p) ((mp_obj_t)(p))

/* Type codes of native_from_obj / native_to_obj (the viper conversions). */
#define MP_NATIVE_TYPE_OBJ (0x00)
#define MP_NATIVE_TYPE_BOOL (0x01)
#define MP_NATIVE_TYPE_INT (0x02)
#define MP_NATIVE_TYPE_UINT (0x03)
#define MP_NATIVE_TYPE_PTR (0x04)
#define MP_NATIVE_TYPE_PTR8 (0x05)
#define MP_NATIVE_TYPE_PTR16 (0x06)
#define MP_NATIVE_TYPE_PTR32 (0x07)
#define MP_NATIVE_TYPE_QSTR (0x08)

/* ------------------------------------------------------------------------ */
/* Builtin function objects                                                 */

typedef mp_obj_t (*mp_fun_0_t)(void);
typedef mp_obj_t (*mp_fun_1_t)(mp_obj_t);
typedef mp_obj_t (*mp_fun_2_t)(mp_obj_t, mp_obj_t);
typedef mp_obj_t (*mp_fun_3_t)(mp_obj_t, mp_obj_t, mp_obj_t);
typedef mp_obj_t (*mp_fun_var_t)(size_t n, const mp_obj_t *args);
typedef mp_obj_t (*mp_fun_kw_t)(size_t n, const mp_obj_t *args, struct _mp_map_t *kw);

/* A function taking a fixed number (0 to 3) of positional arguments. */
typedef struct _mp_obj_fun_builtin_fixed_t {
    mp_obj_base_t base;
    union {
        mp_fun_0_t _0;
        mp_fun_1_t _1;
        mp_fun_2_t _2;
        mp_fun_3_t _3;
    } fun;
} mp_obj_fun_builtin_fixed_t;

/* A function taking a variable number of arguments; `sig` packs the minimum
 * count (bits 17 up), the maximum count (bits 1..16) and whether keyword
 * arguments are accepted (bit 0). */
typedef struct _mp_obj_fun_builtin_var_t {
    mp_obj_base_t base;
    uint32_t sig;
    union {
        mp_fun_var_t var;
        mp_fun_kw_t kw;
    } fun;
} mp_obj_fun_builtin_var_t;

#define MP_OBJ_FUN_ARGS_MAX (0xffff)
#define MP_OBJ_FUN_MAKE_SIG(n_min, n_max, takes_kw) \
    ((uint32_t)((((uint32_t)(n_min)) << 17) | (((uint32_t)(n_max)) << 1) | ((takes_kw) ? 1 : 0)))

/* The types of builtin functions live in the firmware. A module refers to
 * them by these symbol names; the linker turns each address into a load of
 * the matching mp_fun_table entry (73 + i), so they work in static data. */
extern const mp_obj_type_t mp_type_fun_builtin_0;
extern const mp_obj_type_t mp_type_fun_builtin_1;
extern const mp_obj_type_t mp_type_fun_builtin_2;
extern const mp_obj_type_t mp_type_fun_builtin_3;
extern const mp_obj_type_t mp_type_fun_builtin_var;

/* Define a constant function object `obj` wrapping C function `fn` that takes
 * exactly 0, 1, 2 or 3 objects. Put `static` in front to keep it file local. */
#define MP_DEFINE_CONST_FUN_OBJ_0(obj, fn) \
    const mp_obj_fun_builtin_fixed_t obj = {{&mp_type_fun_builtin_0}, {._0 = fn}}
#define MP_DEFINE_CONST_FUN_OBJ_1(obj, fn) \
    const mp_obj_fun_builtin_fixed_t obj = {{&mp_type_fun_builtin_1}, {._1 = fn}}
#define MP_DEFINE_CONST_FUN_OBJ_2(obj, fn) \
    const mp_obj_fun_builtin_fixed_t obj = {{&mp_type_fun_builtin_2}, {._2 = fn}}
#define MP_DEFINE_CONST_FUN_OBJ_3(obj, fn) \
    const mp_obj_fun_builtin_fixed_t obj = {{&mp_type_fun_builtin_3}, {._3 = fn}}

/* Define a function object taking at least `n_min` positional arguments,
 * given to `fn(n, args)`. */
#define MP_DEFINE_CONST_FUN_OBJ_VAR(obj, n_min, fn) \
    const mp_obj_fun_builtin_var_t obj = \
    {{&mp_type_fun_builtin_var}, MP_OBJ_FUN_MAKE_SIG(n_min, MP_OBJ_FUN_ARGS_MAX, false), {.var = fn}}
/* The same with an upper bound `n_max` on the argument count. */
#define MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(obj, n_min, n_max, fn) \
    const mp_obj_fun_builtin_var_t obj = \
    {{&mp_type_fun_builtin_var}, MP_OBJ_FUN_MAKE_SIG(n_min, n_max, false), {.var = fn}}
/* A function that also accepts keyword arguments: `fn(n, args, kw_map)`. */
#define MP_DEFINE_CONST_FUN_OBJ_KW(obj, n_min, fn) \
    const mp_obj_fun_builtin_var_t obj = \
    {{&mp_type_fun_builtin_var}, MP_OBJ_FUN_MAKE_SIG(n_min, MP_OBJ_FUN_ARGS_MAX, true), {.kw = fn}}

/* ------------------------------------------------------------------------ */
/* The firmware function table                                              */

/* Entries are grouped by position; each comment gives the first index of the
 * group. Entries a test never needs are kept as untyped pointers so that the
 * layout stays right without describing the firmware types they use. */
typedef struct _mp_fun_table_t {
    /* 0: the three constant objects */
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
    mp_obj_t (*unary_op)(int op, mp_obj_t arg);
    mp_obj_t (*binary_op)(int op, mp_obj_t lhs, mp_obj_t rhs);
    /* 19: containers */
    mp_obj_t (*new_tuple)(size_t n, const mp_obj_t *items);
    mp_obj_t (*new_list)(size_t n, mp_obj_t *items);
    mp_obj_t (*new_dict)(size_t n_args);
    mp_obj_t (*new_set)(size_t n_args, mp_obj_t *items);
    void (*set_store)(mp_obj_t self_in, mp_obj_t item);
    mp_obj_t (*list_append)(mp_obj_t self_in, mp_obj_t arg);
    mp_obj_t (*dict_store)(mp_obj_t self_in, mp_obj_t key, mp_obj_t value);
    /* 26: functions and calls */
    void *make_function_from_proto_fun;
    mp_obj_t (*call_function_n_kw)(mp_obj_t fun_in, size_t n_args_kw, const mp_obj_t *args);
    mp_obj_t (*call_method_n_kw)(size_t n_args, size_t n_kw, const mp_obj_t *args);
    mp_obj_t (*call_method_n_kw_var)(bool have_self, size_t n_args_n_kw, const mp_obj_t *args);
    /* 30: iteration */
    void *getiter;
    void *iternext;
    /* 32: exceptions */
    void *nlr_push;
    void *nlr_pop;
    void (*raise)(mp_obj_t o);
    /* 35: imports */
    mp_obj_t (*import_name)(qstr name, mp_obj_t fromlist, mp_obj_t level);
    mp_obj_t (*import_from)(mp_obj_t module, qstr name);
    void (*import_all)(mp_obj_t module);
    /* 38: what the native emitter needs */
    void *new_slice;
    void *unpack_sequence;
    void *unpack_ex;
    void *delete_name;
    void *delete_global;
    void *new_closure;
    void (*arg_check_num_sig)(size_t n_args, size_t n_kw, uint32_t sig);
    void *setup_code_state_native;
    mp_int_t (*small_int_floor_divide)(mp_int_t num, mp_int_t denom);
    mp_int_t (*small_int_modulo)(mp_int_t dividend, mp_int_t divisor);
    void *yield_from;
    void *setjmp_;
    /* 50: extra entries for dynamic modules */
    void *(*memset_)(void *s, int c, size_t n);
    void *(*memmove_)(void *dest, const void *src, size_t n);
    void *(*realloc_)(void *ptr, size_t n_bytes, bool allow_move);
    int (*printf_)(const mp_print_t *print, const char *fmt, ...);
    int (*vprintf_)(const mp_print_t *print, const char *fmt, va_list args);
    void (*raise_msg)(const mp_obj_type_t *exc_type, mp_rom_error_text_t msg);
    const mp_obj_type_t *(*obj_get_type)(mp_const_obj_t o);
    mp_obj_t (*obj_new_str)(const char *data, size_t len);
    mp_obj_t (*obj_new_bytes)(const byte *data, size_t len);
    mp_obj_t (*obj_new_bytearray_by_ref)(size_t n, void *items);
    mp_obj_t (*obj_new_float_from_f)(float f);
    mp_obj_t (*obj_new_float_from_d)(double d);
    float (*obj_get_float_to_f)(mp_obj_t o);
    double (*obj_get_float_to_d)(mp_obj_t o);
    void (*load_method_maybe)(mp_obj_t base, qstr attr, mp_obj_t *dest);
    bool (*get_buffer)(mp_obj_t obj, mp_buffer_info_t *bufinfo, mp_uint_t flags);
    void *get_stream_raise;
    void *arg_parse_all;
    void *arg_parse_all_kw_array;
    void *binary_get_size;
    void *binary_get_val_array;
    void *binary_set_val_array;
    const mp_print_t *plat_print;
    /* 73: firmware types and stream objects (the linker maps symbols here) */
    const mp_obj_type_t *type_type;
    const mp_obj_type_t *type_str;
    const mp_obj_type_t *type_list;
    const mp_obj_type_t *type_dict;
    const mp_obj_type_t *type_fun_builtin_0;
    const mp_obj_type_t *type_fun_builtin_1;
    const mp_obj_type_t *type_fun_builtin_2;
    const mp_obj_type_t *type_fun_builtin_3;
    const mp_obj_type_t *type_fun_builtin_var;
    const mp_obj_type_t *type_Exception;
    const mp_obj_fun_builtin_var_t *stream_read_obj;
    const mp_obj_fun_builtin_var_t *stream_readinto_obj;
    const mp_obj_fun_builtin_var_t *stream_unbuffered_readline_obj;
    const mp_obj_fun_builtin_var_t *stream_write_obj;
} mp_fun_table_t;

/* Provided by the firmware; the module reaches it through one GOT entry. */
extern const mp_fun_table_t mp_fun_table;

/* Checked at compile time so a mistake in the list above cannot go unseen. */
typedef char natmod_fun_table_has_87_entries[(sizeof(mp_fun_table_t) == 87 * sizeof(void *)) ? 1 : -1];

/* ------------------------------------------------------------------------ */
/* Module entry                                                             */

/* The entry point of a module. The loader calls the code at text offset 0,
 * which the linker makes jump here. */
mp_obj_t mpy_init(mp_obj_fun_bc_t *self, size_t n_args, size_t n_kw, mp_obj_t *args);

/* First statement of mpy_init: make the module's globals current so that
 * mp_store_global() defines module attributes. Keeps the previous dict in a
 * local for MP_DYNRUNTIME_INIT_EXIT. */
#define MP_DYNRUNTIME_INIT_ENTRY \
    mp_obj_dict_t *natmod_saved_globals_ = mp_fun_table.swap_globals(self->context->module.globals);

/* Last statement of mpy_init: put the caller's globals back and return None. */
#define MP_DYNRUNTIME_INIT_EXIT \
    mp_fun_table.swap_globals(natmod_saved_globals_); \
    return mp_const_none;

/* ------------------------------------------------------------------------ */
/* Objects                                                                  */

/* None, False and True are whatever the firmware says they are. */
#define mp_const_none ((mp_obj_t)mp_fun_table.const_none)
#define mp_const_false ((mp_obj_t)mp_fun_table.const_false)
#define mp_const_true ((mp_obj_t)mp_fun_table.const_true)
#define mp_obj_new_bool(b) ((b) ? mp_const_true : mp_const_false)

/* Integers go through the viper conversion entries: small or boxed as the
 * firmware decides, and reading accepts ints and bools (others raise). */
#define mp_obj_new_int(i) (mp_fun_table.native_to_obj((mp_uint_t)(i), MP_NATIVE_TYPE_INT))
#define mp_obj_new_int_from_uint(u) (mp_fun_table.native_to_obj((mp_uint_t)(u), MP_NATIVE_TYPE_UINT))
#define mp_obj_get_int(o) ((mp_int_t)mp_fun_table.native_from_obj((o), MP_NATIVE_TYPE_INT))
#define mp_obj_get_int_truncated(o) ((mp_int_t)mp_fun_table.native_from_obj((o), MP_NATIVE_TYPE_UINT))
/* Truthiness with Python's rules. */
#define mp_obj_is_true(o) ((bool)mp_fun_table.native_from_obj((o), MP_NATIVE_TYPE_BOOL))

/* Strings and bytes are copied from (data, len). */
#define mp_obj_new_str(data, len) (mp_fun_table.obj_new_str((data), (len)))
#define mp_obj_new_bytes(data, len) (mp_fun_table.obj_new_bytes((const byte *)(data), (len)))

/* Containers; `items` may be NULL to get `n` empty (None) slots to fill in. */
#define mp_obj_new_tuple(n, items) (mp_fun_table.new_tuple((n), (items)))
#define mp_obj_new_list(n, items) (mp_fun_table.new_list((n), (items)))
#define mp_obj_new_dict(n) (mp_fun_table.new_dict((n)))
#define mp_obj_list_append(list, item) (mp_fun_table.list_append((list), (item)))
#define mp_obj_dict_store(d, k, v) (mp_fun_table.dict_store((d), (k), (v)))
#define mp_obj_subscr(base, index, val) (mp_fun_table.obj_subscr((base), (index), (val)))
/* A bytearray viewing `n` bytes at `items` (no copy). */
#define mp_obj_new_bytearray_by_ref(n, items) (mp_fun_table.obj_new_bytearray_by_ref((n), (items)))

/* The type of any object. */
#define mp_obj_get_type(o) (mp_fun_table.obj_get_type((o)))

/* Length and items of a tuple or list (the items stay owned by the object);
 * other objects raise TypeError. A tuple's type is found from an empty one. */
static inline void natmod_raise_msg(const mp_obj_type_t *type, const char *msg) __attribute__((noreturn));
#define natmod_exc_type(q) ((const mp_obj_type_t *)mp_fun_table.load_global((q)))
static inline void natmod_get_array(mp_obj_t o, size_t *len, mp_obj_t **items) {
    const mp_obj_type_t *type = mp_obj_get_type(o);
    if (type == mp_fun_table.type_list) {
        mp_obj_list_t *l = (mp_obj_list_t *)MP_OBJ_TO_PTR(o);
        *len = l->len;
        *items = l->items;
    } else if (type == mp_obj_get_type(mp_fun_table.new_tuple(0, NULL))) {
        mp_obj_tuple_t *t = (mp_obj_tuple_t *)MP_OBJ_TO_PTR(o);
        *len = t->len;
        *items = &t->items[0];
    } else {
        natmod_raise_msg(natmod_exc_type(MP_QSTR_TypeError), "expected tuple/list");
    }
}
#define mp_obj_get_array(o, len, items) (natmod_get_array((o), (len), (items)))

/* Read-only view of an object that supports the buffer protocol; raises
 * TypeError when it does not. */
#define mp_get_buffer_raise(o, info, flags) \
    (mp_fun_table.get_buffer((o), (info), (flags) | MP_BUFFER_RAISE_IF_UNSUPPORTED))
static inline const char *natmod_str_get_data(mp_obj_t o, size_t *len) {
    mp_buffer_info_t info;
    mp_get_buffer_raise(o, &info, MP_BUFFER_READ);
    if (len != NULL) {
        *len = info.len;
    }
    return (const char *)info.buf;
}
/* Pointer to the characters of a str/bytes object, and its length. */
#define mp_obj_str_get_data(o, len) (natmod_str_get_data((o), (len)))
#define mp_obj_str_get_str(o) (natmod_str_get_data((o), NULL))

/* Floats, in the precision the firmware was built with. */
#if MICROPY_FLOAT_IMPL == MICROPY_FLOAT_IMPL_FLOAT
typedef float mp_float_t;
#define mp_obj_new_float(f) (mp_fun_table.obj_new_float_from_f((f)))
#define mp_obj_get_float(o) (mp_fun_table.obj_get_float_to_f((o)))
#elif MICROPY_FLOAT_IMPL == MICROPY_FLOAT_IMPL_DOUBLE
typedef double mp_float_t;
#define mp_obj_new_float(f) (mp_fun_table.obj_new_float_from_d((f)))
#define mp_obj_get_float(o) (mp_fun_table.obj_get_float_to_d((o)))
#endif

/* ------------------------------------------------------------------------ */
/* Runtime                                                                  */

/* Module globals, builtins and attributes by qstr. */
#define mp_store_global(q, o) (mp_fun_table.store_global((q), (o)))
#define mp_load_global(q) (mp_fun_table.load_global((q)))
#define mp_load_name(q) (mp_fun_table.load_name((q)))
#define mp_load_attr(base, q) (mp_fun_table.load_attr((base), (q)))
#define mp_store_attr(base, q, v) (mp_fun_table.store_attr((base), (q), (v)))

/* Call `fun` with `n_args` positional objects followed by `n_kw` key/value
 * pairs in `args`; the table entry takes both counts packed in one word. */
#define mp_call_function_n_kw(fun, n_args, n_kw, args) \
    (mp_fun_table.call_function_n_kw((fun), (n_args) | ((n_kw) << 8), (args)))

/* Raise TypeError unless the argument counts fit [n_min, n_max]. */
#define mp_arg_check_num(n_args, n_kw, n_min, n_max, takes_kw) \
    (mp_fun_table.arg_check_num_sig((n_args), (n_kw), MP_OBJ_FUN_MAKE_SIG((n_min), (n_max), (takes_kw))))

/* ------------------------------------------------------------------------ */
/* Exceptions                                                               */

/* natmod_exc_type(q), defined above: the firmware exception type named by a
 * qstr, looked up like a builtin. */

/* Raise `type` with the message `msg`; never returns. */
static inline void natmod_raise_msg(const mp_obj_type_t *type, const char *msg) __attribute__((noreturn));
static inline void natmod_raise_msg(const mp_obj_type_t *type, const char *msg) {
    mp_fun_table.raise_msg(type, msg);
    for (;;) {
    }
}
/* Firmware type objects, usable as `&mp_type_X` like in firmware code.
 * The first four come straight from the table; exception types are looked
 * up by name at run time. */
#define mp_type_type (*mp_fun_table.type_type)
#define mp_type_str (*mp_fun_table.type_str)
#define mp_type_list (*mp_fun_table.type_list)
#define mp_type_dict (*mp_fun_table.type_dict)
#define mp_type_Exception (*mp_fun_table.type_Exception)
#define mp_type_ValueError (*natmod_exc_type(MP_QSTR_ValueError))
#define mp_type_TypeError (*natmod_exc_type(MP_QSTR_TypeError))
#define mp_type_RuntimeError (*natmod_exc_type(MP_QSTR_RuntimeError))
#define mp_type_OSError (*natmod_exc_type(MP_QSTR_OSError))

#define mp_raise_msg(type, msg) (natmod_raise_msg((type), (msg)))
#define mp_raise_ValueError(msg) (natmod_raise_msg(natmod_exc_type(MP_QSTR_ValueError), (msg)))
#define mp_raise_TypeError(msg) (natmod_raise_msg(natmod_exc_type(MP_QSTR_TypeError), (msg)))
#define mp_raise_RuntimeError(msg) (natmod_raise_msg(natmod_exc_type(MP_QSTR_RuntimeError), (msg)))

/* Raise an exception object (or an exception type); never returns. */
static inline void natmod_raise(mp_obj_t exc) __attribute__((noreturn));
static inline void natmod_raise(mp_obj_t exc) {
    mp_fun_table.raise(exc);
    for (;;) {
    }
}
#define nlr_raise(o) (natmod_raise((o)))

/* Raise OSError(errno): builds the instance by calling the type. */
static inline void natmod_raise_oserror(int errno_value) __attribute__((noreturn));
static inline void natmod_raise_oserror(int errno_value) {
    mp_obj_t arg = MP_OBJ_NEW_SMALL_INT(errno_value);
    natmod_raise(mp_fun_table.call_function_n_kw(mp_fun_table.load_global(MP_QSTR_OSError), 1, &arg));
}
#define mp_raise_OSError(e) (natmod_raise_oserror((e)))

/* ------------------------------------------------------------------------ */
/* Memory                                                                   */

/* Allocation goes through the firmware's realloc entry; a NULL result for a
 * non-empty request raises MemoryError, as in the firmware. */
static inline void *natmod_realloc(void *ptr, size_t n, bool allow_move) {
    void *p = mp_fun_table.realloc_(ptr, n, allow_move);
    if (p == NULL && n != 0) {
        natmod_raise_msg(natmod_exc_type(MP_QSTR_MemoryError), "memory allocation failed");
    }
    return p;
}
#define m_malloc(n) (natmod_realloc(NULL, (n), false))
#define m_realloc(p, n) (natmod_realloc((p), (n), true))
#define m_free(p) ((void)mp_fun_table.realloc_((p), 0, false))
#define m_new(type, count) ((type *)m_malloc(sizeof(type) * (count)))

/* ------------------------------------------------------------------------ */
/* Printing                                                                 */

/* The firmware's standard output, and printf-style printing to a print
 * target (the firmware supports %d %u %x %s %c %p and a few more). */
#define mp_plat_print (*mp_fun_table.plat_print)
#define mp_printf(print, ...) (mp_fun_table.printf_((print), __VA_ARGS__))
#define mp_vprintf(print, fmt, args) (mp_fun_table.vprintf_((print), (fmt), (args)))

#endif /* CARGO_MPY_NATMOD_H */
