/*
 * api.c: a native test module written against MicroPython's native-module
 * API as cargo-mpy's header provides it (#include "py/dynruntime.h"), using
 * much of that API: a class with slots and a locals dict, an exception type,
 * iteration, calls, buffers, allocation in all its forms, strings, floats,
 * printing and imports. It builds for every ABI (-DMPY_ABI); the parts that
 * need ABI 6.3 are marked.
 */
#include "py/dynruntime.h"

/* ------------------------------------------------------------------------ */
/* A class: Vec(n) holds n small ints 0..n-1. */

typedef struct {
    mp_obj_base_t base;
    size_t len;
    mp_int_t items[];
} vec_t;

mp_obj_full_type_t vec_type;
mp_obj_full_type_t api_error_type;

static mp_obj_t vec_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *args) {
    mp_arg_check_num(n_args, n_kw, 1, 1, false);
    mp_int_t n = mp_obj_get_int(args[0]);
    if (n < 0) {
        mp_raise_msg((const mp_obj_type_t *)&api_error_type, "negative length");
    }
    /* The 1.23+ form of mp_obj_malloc_var (with the tail's member name). */
    vec_t *v = mp_obj_malloc_var(vec_t, items, mp_int_t, n, type);
    v->len = (size_t)n;
    for (mp_int_t i = 0; i < n; i++) {
        v->items[i] = i;
    }
    return MP_OBJ_FROM_PTR(v);
}

static void vec_print(const mp_print_t *print, mp_obj_t self_in, mp_print_kind_t kind) {
    vec_t *v = MP_OBJ_TO_PTR(self_in);
    mp_print_str(print, kind == PRINT_REPR ? "Vec<" : "vec<");
    mp_printf(print, "%u>", (unsigned)v->len);
}

static mp_obj_t vec_unary_op(mp_unary_op_t op, mp_obj_t self_in) {
    vec_t *v = MP_OBJ_TO_PTR(self_in);
    switch (op) {
        case MP_UNARY_OP_LEN:
            return MP_OBJ_NEW_SMALL_INT(v->len);
        case MP_UNARY_OP_BOOL:
            return mp_obj_new_bool(v->len != 0);
        default:
            return MP_OBJ_NULL;
    }
}

static mp_obj_t vec_binary_op(mp_binary_op_t op, mp_obj_t lhs, mp_obj_t rhs) {
    vec_t *v = MP_OBJ_TO_PTR(lhs);
    if (op == MP_BINARY_OP_ADD && mp_obj_is_small_int(rhs)) {
        mp_int_t total = MP_OBJ_SMALL_INT_VALUE(rhs);
        for (size_t i = 0; i < v->len; i++) {
            total += v->items[i];
        }
        return mp_obj_new_int(total);
    }
    return MP_OBJ_NULL;
}

static mp_obj_t vec_subscr(mp_obj_t self_in, mp_obj_t index, mp_obj_t value) {
    vec_t *v = MP_OBJ_TO_PTR(self_in);
    mp_int_t i = mp_obj_get_int(index);
    if (i < 0 || (size_t)i >= v->len) {
        mp_raise_type_arg(&mp_type_IndexError, index);
    }
    if (value == MP_OBJ_SENTINEL) {
        return mp_obj_new_int(v->items[i]);
    }
    if (value == MP_OBJ_NULL) {
        return MP_OBJ_NULL;
    }
    v->items[i] = mp_obj_get_int(value);
    return mp_const_none;
}

/* Iteration: an iterator object with an iternext slot. */
typedef struct {
    mp_obj_base_t base;
    mp_obj_t vec;
    size_t next;
} vec_it_t;
mp_obj_full_type_t vec_it_type;

static mp_obj_t vec_it_iternext(mp_obj_t self_in) {
    vec_it_t *it = MP_OBJ_TO_PTR(self_in);
    vec_t *v = MP_OBJ_TO_PTR(it->vec);
    if (it->next >= v->len) {
        return MP_OBJ_STOP_ITERATION;
    }
    return mp_obj_new_int(v->items[it->next++]);
}

static mp_obj_t vec_getiter(mp_obj_t self_in, mp_obj_iter_buf_t *iter_buf) {
    (void)iter_buf;
    vec_it_t *it = mp_obj_malloc(vec_it_t, (const mp_obj_type_t *)&vec_it_type);
    it->vec = self_in;
    it->next = 0;
    return MP_OBJ_FROM_PTR(it);
}

/* The buffer protocol: the items as machine words. */
static mp_int_t vec_get_buffer(mp_obj_t self_in, mp_buffer_info_t *bufinfo, mp_uint_t flags) {
    (void)flags;
    vec_t *v = MP_OBJ_TO_PTR(self_in);
    bufinfo->buf = v->items;
    bufinfo->len = v->len * sizeof(mp_int_t);
    bufinfo->typecode = sizeof(mp_int_t) == 8 ? 'q' : 'i';
    return 0;
}

static mp_obj_t vec_total(mp_obj_t self_in) {
    return mp_binary_op(MP_BINARY_OP_ADD, self_in, MP_OBJ_NEW_SMALL_INT(0));
}
static MP_DEFINE_CONST_FUN_OBJ_1(vec_total_obj, vec_total);

mp_map_elem_t vec_locals_table[1];
static MP_DEFINE_CONST_DICT(vec_locals, vec_locals_table);

/* ------------------------------------------------------------------------ */
/* Functions */

/* Sums an iterable twice: with an iterator buffer on the stack and without. */
static mp_obj_t sum_iter(mp_obj_t iterable) {
    mp_int_t total = 0;
    mp_obj_iter_buf_t buf;
    mp_obj_t it = mp_getiter(iterable, &buf);
    mp_obj_t item;
    while ((item = mp_iternext(it)) != MP_OBJ_STOP_ITERATION) {
        total += mp_obj_get_int(item);
    }
    it = mp_getiter(iterable, NULL);
    while ((item = mp_iternext(it)) != MP_OBJ_STOP_ITERATION) {
        total += mp_obj_get_int(item);
    }
    return mp_obj_new_int(total);
}
static MP_DEFINE_CONST_FUN_OBJ_1(sum_iter_obj, sum_iter);

/* call(f, a, b) -> (f(a), f(a, b)) */
static mp_obj_t call(mp_obj_t f, mp_obj_t a, mp_obj_t b) {
    mp_obj_t results[2] = {mp_call_function_1(f, a), mp_call_function_2(f, a, b)};
    return mp_obj_new_tuple(2, results);
}
static MP_DEFINE_CONST_FUN_OBJ_3(call_obj, call);

/* describe(x) -> a tuple of facts about x. */
static mp_obj_t describe(mp_obj_t x) {
    mp_obj_t facts[4] = {
        mp_obj_new_bool(mp_obj_is_int(x)),
        mp_obj_new_bool(mp_obj_is_str(x)),
        mp_obj_new_bool(mp_obj_is_type(x, &mp_type_list)),
        mp_obj_is_int(x) ? mp_const_none : mp_obj_len(x),
    };
    return mp_obj_new_tuple(4, facts);
}
static MP_DEFINE_CONST_FUN_OBJ_1(describe_obj, describe);

/* pair(seq) -> seq[1], seq[0] of a two-item tuple or list. */
static mp_obj_t pair(mp_obj_t seq) {
    mp_obj_t *items;
    mp_obj_get_array_fixed_n(seq, 2, &items);
    mp_obj_t swapped[2] = {items[1], items[0]};
    return mp_obj_new_tuple(2, swapped);
}
static MP_DEFINE_CONST_FUN_OBJ_1(pair_obj, pair);

/* buflen(x) -> the buffer's length in bytes, or None without one (6.2+:
 * mp_get_buffer; 6.1 has only the raising form). */
static mp_obj_t buflen(mp_obj_t x) {
    mp_buffer_info_t info;
    #if MPY_ABI >= 0x0602
    if (!mp_get_buffer(x, &info, MP_BUFFER_READ)) {
        return mp_const_none;
    }
    #else
    if (mp_obj_is_small_int(x)) {
        return mp_const_none;
    }
    mp_get_buffer_raise(x, &info, MP_BUFFER_READ);
    #endif
    return mp_obj_new_int_from_uint(info.len);
}
static MP_DEFINE_CONST_FUN_OBJ_1(buflen_obj, buflen);

/* shout(s) -> s upper-cased, of the same type (str or bytes). */
static mp_obj_t shout(mp_obj_t s) {
    size_t len;
    const char *data = mp_obj_str_get_data(s, &len);
    /* The 1.22+ form of m_new_obj_var does not fit a plain array; use m_new. */
    char *up = m_new(char, len + 1);
    for (size_t i = 0; i < len; i++) {
        char c = data[i];
        up[i] = (c >= 'a' && c <= 'z') ? (char)(c - 32) : c;
    }
    mp_obj_t r = mp_obj_new_str_of_type(mp_obj_get_type(s), (const byte *)up, len);
    m_del(char, up, len + 1);
    return r;
}
static MP_DEFINE_CONST_FUN_OBJ_1(shout_obj, shout);

/* alloc() -> checks of the allocation forms; returns their sum. */
typedef struct {
    size_t n;
    uint16_t tail[];
} blob_t;
static mp_obj_t alloc(void) {
    mp_int_t total = 0;
    uint32_t *z = m_new0(uint32_t, 8);
    for (int i = 0; i < 8; i++) {
        total += z[i]; /* zero */
    }
    z = m_renew(uint32_t, z, 8, 16);
    z[15] = 5;
    total += z[15];
    blob_t *old_form = m_new_obj_var(blob_t, uint16_t, 3);
    blob_t *new_form = m_new_obj_var(blob_t, tail, uint16_t, 3);
    old_form->n = 3;
    new_form->n = 4;
    old_form->tail[2] = 100;
    new_form->tail[2] = 200;
    total += old_form->n + new_form->n + old_form->tail[2] + new_form->tail[2];
    m_free(old_form);
    m_free(new_form);
    m_free(z);
    return mp_obj_new_int(total);
}
static MP_DEFINE_CONST_FUN_OBJ_0(alloc_obj, alloc);

/* fail(kind) raises: 0 the module's exception with a message, 1 OSError(2),
 * 2 a ValueError made with mp_obj_new_exception_msg, 3 TypeError. */
static mp_obj_t fail(mp_obj_t kind) {
    switch (mp_obj_get_int(kind)) {
        case 0:
            mp_raise_msg((const mp_obj_type_t *)&api_error_type, MP_ERROR_TEXT("from C"));
        case 1:
            mp_raise_OSError(2);
        case 2:
            nlr_raise(mp_obj_new_exception_msg(&mp_type_ValueError, "made"));
        default:
            mp_raise_TypeError(MP_ERROR_TEXT("typed"));
    }
}
static MP_DEFINE_CONST_FUN_OBJ_1(fail_obj, fail);

/* misc() -> a tuple of things made through the table. */
static mp_obj_t misc(void) {
    mp_obj_t set = mp_obj_new_set(0, NULL);
    mp_obj_set_store(set, MP_OBJ_NEW_SMALL_INT(7));
    mp_obj_t math = mp_import_name(MP_QSTR_math, mp_const_none, MP_OBJ_NEW_SMALL_INT(0));
    mp_obj_t items[6] = {
        set,
        mp_unary_op(MP_UNARY_OP_NEGATIVE, MP_OBJ_NEW_SMALL_INT(3)),
        mp_const_empty_bytes,
        MP_OBJ_NEW_QSTR(MP_QSTR_hello),
        mp_load_attr(math, MP_QSTR_pi),
        MP_OBJ_FROM_PTR(&mp_type_bytearray),
    };
    return mp_obj_new_tuple(6, items);
}
static MP_DEFINE_CONST_FUN_OBJ_0(misc_obj, misc);

#if MICROPY_PY_BUILTINS_FLOAT
static mp_obj_t half(mp_obj_t x) {
    return mp_obj_new_float(mp_obj_get_float(x) / 2);
}
static MP_DEFINE_CONST_FUN_OBJ_1(half_obj, half);
#endif

#if MPY_ABI >= 0x0603
/* kw(*args, **kw) with mp_arg_parse_all (6.3): kw(a, b=2, *, c=3) -> (a, b, c) */
static mp_obj_t kw(size_t n_args, const mp_obj_t *pos, mp_map_t *kws) {
    static const mp_arg_t allowed[] = {
        {0, MP_ARG_REQUIRED | MP_ARG_INT, {.u_int = 0}},
        {0, MP_ARG_INT, {.u_int = 2}},
        {0, MP_ARG_KW_ONLY | MP_ARG_INT, {.u_int = 3}},
    };
    /* qstrs are numbered at load time, so the names are filled in here. */
    mp_arg_t spec[3] = {allowed[0], allowed[1], allowed[2]};
    spec[0].qst = MP_QSTR_a;
    spec[1].qst = MP_QSTR_b;
    spec[2].qst = MP_QSTR_c;
    mp_arg_val_t vals[3];
    mp_arg_parse_all(n_args, pos, kws, 3, spec, vals);
    mp_obj_t r[3] = {mp_obj_new_int(vals[0].u_int), mp_obj_new_int(vals[1].u_int), mp_obj_new_int(vals[2].u_int)};
    return mp_obj_new_tuple(3, r);
}
static MP_DEFINE_CONST_FUN_OBJ_KW(kw_obj, 1, kw);

/* word16(b, i) -> the i-th little-endian uint16 of a bytes-like (6.3). */
static mp_obj_t word16(mp_obj_t b, mp_obj_t i) {
    mp_buffer_info_t info;
    mp_get_buffer_raise(b, &info, MP_BUFFER_READ);
    return mp_binary_get_val_array('H', info.buf, mp_obj_get_int(i));
}
static MP_DEFINE_CONST_FUN_OBJ_2(word16_obj, word16);

/* has(o, name) -> whether o has method/attribute `upper` (6.3). */
static mp_obj_t has_upper(mp_obj_t o) {
    mp_obj_t dest[2];
    mp_load_method_maybe(o, MP_QSTR_upper, dest);
    return mp_obj_new_bool(dest[0] != MP_OBJ_NULL);
}
static MP_DEFINE_CONST_FUN_OBJ_1(has_upper_obj, has_upper);
#endif

/* ------------------------------------------------------------------------ */

mp_obj_t mpy_init(mp_obj_fun_bc_t *self, size_t n_args, size_t n_kw, mp_obj_t *args) {
    MP_DYNRUNTIME_INIT_ENTRY

    vec_type.base.type = &mp_type_type;
    vec_type.flags = MP_TYPE_FLAG_ITER_IS_GETITER;
    vec_type.name = MP_QSTR_Vec;
    MP_OBJ_TYPE_SET_SLOT(&vec_type, make_new, vec_make_new, 0);
    MP_OBJ_TYPE_SET_SLOT(&vec_type, print, vec_print, 1);
    MP_OBJ_TYPE_SET_SLOT(&vec_type, unary_op, vec_unary_op, 2);
    MP_OBJ_TYPE_SET_SLOT(&vec_type, binary_op, vec_binary_op, 3);
    MP_OBJ_TYPE_SET_SLOT(&vec_type, subscr, vec_subscr, 4);
    MP_OBJ_TYPE_SET_SLOT(&vec_type, iter, vec_getiter, 5);
    MP_OBJ_TYPE_SET_SLOT(&vec_type, buffer, vec_get_buffer, 6);
    vec_locals_table[0] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_total), MP_OBJ_FROM_PTR(&vec_total_obj)};
    MP_OBJ_TYPE_SET_SLOT(&vec_type, locals_dict, (void *)&vec_locals, 7);
    mp_store_global(MP_QSTR_Vec, MP_OBJ_FROM_PTR(&vec_type));

    vec_it_type.base.type = &mp_type_type;
    vec_it_type.flags = MP_TYPE_FLAG_ITER_IS_ITERNEXT;
    vec_it_type.name = MP_QSTR_iterator;
    MP_OBJ_TYPE_SET_SLOT(&vec_it_type, iter, vec_it_iternext, 0);

    mp_obj_exception_init(&api_error_type, MP_QSTR_ApiError, &mp_type_ValueError);
    mp_store_global(MP_QSTR_ApiError, MP_OBJ_FROM_PTR(&api_error_type));

    mp_store_global(MP_QSTR_sum_iter, MP_OBJ_FROM_PTR(&sum_iter_obj));
    mp_store_global(MP_QSTR_call, MP_OBJ_FROM_PTR(&call_obj));
    mp_store_global(MP_QSTR_describe, MP_OBJ_FROM_PTR(&describe_obj));
    mp_store_global(MP_QSTR_pair, MP_OBJ_FROM_PTR(&pair_obj));
    mp_store_global(MP_QSTR_buflen, MP_OBJ_FROM_PTR(&buflen_obj));
    mp_store_global(MP_QSTR_shout, MP_OBJ_FROM_PTR(&shout_obj));
    mp_store_global(MP_QSTR_alloc, MP_OBJ_FROM_PTR(&alloc_obj));
    mp_store_global(MP_QSTR_fail, MP_OBJ_FROM_PTR(&fail_obj));
    mp_store_global(MP_QSTR_misc, MP_OBJ_FROM_PTR(&misc_obj));
    #if MICROPY_PY_BUILTINS_FLOAT
    mp_store_global(MP_QSTR_half, MP_OBJ_FROM_PTR(&half_obj));
    #endif
    #if MPY_ABI >= 0x0603
    mp_store_global(MP_QSTR_kw, MP_OBJ_FROM_PTR(&kw_obj));
    mp_store_global(MP_QSTR_word16, MP_OBJ_FROM_PTR(&word16_obj));
    mp_store_global(MP_QSTR_has_upper, MP_OBJ_FROM_PTR(&has_upper_obj));
    #endif
    mp_store_global(MP_QSTR_ABI, MP_OBJ_NEW_SMALL_INT(MPY_SUB_VERSION));

    MP_DYNRUNTIME_INIT_EXIT
}
