/*
 * basic.c: a native test module that exercises the parts of the ABI the test
 * loader implements: ints (small and boxed), strings, bytes, containers,
 * exceptions, globals, bss and rodata, callbacks, printing and allocation.
 */
#include "natmod.h"

/* Zero-initialised state: lands in bss. It is not `static`: upstream
 * mpy_ld.py cannot relocate PC-relative accesses to file-local bss. */
mp_int_t basic_counter;

/* Constant data with pointers in it: lands in rodata (with relocations). */
static const struct {
    const char *text;
    size_t len;
} words[] = {{"zero", 4}, {"one", 3}, {"two", 3}, {"three", 5}};
static const mp_int_t squares[] = {0, 1, 4, 9, 16, 25};

static mp_obj_t add(mp_obj_t a, mp_obj_t b) {
    return mp_obj_new_int(mp_obj_get_int(a) + mp_obj_get_int(b));
}
static MP_DEFINE_CONST_FUN_OBJ_2(add_obj, add);

static mp_int_t fact_helper(mp_int_t n) {
    return n <= 1 ? 1 : n * fact_helper(n - 1);
}

static mp_obj_t fact(mp_obj_t n_obj) {
    mp_int_t n = mp_obj_get_int(n_obj);
    if (n < 0) {
        mp_raise_ValueError("negative argument");
    }
    return mp_obj_new_int(fact_helper(n));
}
static MP_DEFINE_CONST_FUN_OBJ_1(fact_obj, fact);

static mp_obj_t bump(void) {
    basic_counter += 1;
    return mp_obj_new_int(basic_counter);
}
static MP_DEFINE_CONST_FUN_OBJ_0(bump_obj, bump);

static mp_obj_t word(mp_obj_t i_obj) {
    mp_int_t i = mp_obj_get_int(i_obj);
    if (i < 0 || i >= (mp_int_t)(sizeof(words) / sizeof(words[0]))) {
        mp_raise_msg(natmod_exc_type(MP_QSTR_IndexError), "no such word");
    }
    return mp_obj_new_str(words[i].text, words[i].len);
}
static MP_DEFINE_CONST_FUN_OBJ_1(word_obj, word);

static mp_obj_t square(mp_obj_t i_obj) {
    return mp_obj_new_int(squares[mp_obj_get_int(i_obj) % 6]);
}
static MP_DEFINE_CONST_FUN_OBJ_1(square_obj, square);

/* sum(*args): variable arguments. */
static mp_obj_t sum(size_t n, const mp_obj_t *args) {
    mp_int_t total = 0;
    for (size_t i = 0; i < n; i++) {
        total += mp_obj_get_int(args[i]);
    }
    return mp_obj_new_int(total);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR(sum_obj, 0, sum);

/* pair(a, b, c=None) -> (a, b, c) as a tuple, and a list with the reverse. */
static mp_obj_t pair(size_t n, const mp_obj_t *args) {
    mp_obj_t items[3] = {args[0], args[1], n > 2 ? args[2] : mp_const_none};
    mp_obj_t rev[3] = {items[2], items[1], items[0]};
    mp_obj_t both[2] = {mp_obj_new_tuple(3, items), mp_obj_new_list(3, rev)};
    return mp_obj_new_tuple(2, both);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(pair_obj, 2, 3, pair);

/* repeat(s, n): a str repeated n times, built in heap memory. */
static mp_obj_t repeat(mp_obj_t s_obj, mp_obj_t n_obj) {
    size_t len;
    const char *s = mp_obj_str_get_data(s_obj, &len);
    mp_int_t n = mp_obj_get_int(n_obj);
    char *buf = m_malloc(len * n + 1);
    for (mp_int_t i = 0; i < n; i++) {
        for (size_t j = 0; j < len; j++) {
            buf[i * len + j] = s[j];
        }
    }
    mp_obj_t out = mp_obj_new_str(buf, len * n);
    m_free(buf);
    return out;
}
static MP_DEFINE_CONST_FUN_OBJ_2(repeat_obj, repeat);

static mp_obj_t to_bytes(mp_obj_t n_obj) {
    mp_int_t n = mp_obj_get_int(n_obj);
    byte buf[4] = {(byte)n, (byte)(n >> 8), 0xff, '\''};
    return mp_obj_new_bytes(buf, 4);
}
static MP_DEFINE_CONST_FUN_OBJ_1(to_bytes_obj, to_bytes);

/* apply(f, x, y): calls back into any callable. */
static mp_obj_t apply(mp_obj_t f, mp_obj_t x, mp_obj_t y) {
    mp_obj_t args[2] = {x, y};
    return mp_call_function_n_kw(f, 2, 0, args);
}
static MP_DEFINE_CONST_FUN_OBJ_3(apply_obj, apply);

static mp_obj_t truth(mp_obj_t o) {
    return mp_obj_new_bool(mp_obj_is_true(o));
}
static MP_DEFINE_CONST_FUN_OBJ_1(truth_obj, truth);

static mp_obj_t say(mp_obj_t n_obj) {
    mp_int_t n = mp_obj_get_int(n_obj);
    mp_printf(&mp_plat_print, "say: %d %u %x %s %c|%5d|%-3d|\n", (int)n, (unsigned)n, (unsigned)n, "txt", 'Z', (int)n, 7);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(say_obj, say);

/* attr(mod): reads the attribute `answer` of the module object. */
static mp_obj_t attr(mp_obj_t mod) {
    return mp_load_attr(mod, MP_QSTR_answer);
}
static MP_DEFINE_CONST_FUN_OBJ_1(attr_obj, attr);

/* count(seq): the length of a tuple or list, read through its layout. */
static mp_obj_t count(mp_obj_t seq) {
    size_t len;
    mp_obj_t *items;
    mp_obj_get_array(seq, &len, &items);
    return mp_obj_new_int(len);
}
static MP_DEFINE_CONST_FUN_OBJ_1(count_obj, count);

static mp_obj_t oserror(mp_obj_t n) {
    mp_raise_OSError(mp_obj_get_int(n));
}
static MP_DEFINE_CONST_FUN_OBJ_1(oserror_obj, oserror);

/* Uses a table entry the test loader leaves unimplemented (new_set). */
static mp_obj_t make_set(mp_obj_t o) {
    return mp_fun_table.new_set(1, &o);
}
static MP_DEFINE_CONST_FUN_OBJ_1(make_set_obj, make_set);

#if MICROPY_FLOAT_IMPL != MICROPY_FLOAT_IMPL_NONE
static mp_obj_t scale(mp_obj_t x, mp_obj_t k) {
    return mp_obj_new_float(mp_obj_get_float(x) * mp_obj_get_float(k));
}
static MP_DEFINE_CONST_FUN_OBJ_2(scale_obj, scale);
#endif

mp_obj_t mpy_init(mp_obj_fun_bc_t *self, size_t n_args, size_t n_kw, mp_obj_t *args) {
    MP_DYNRUNTIME_INIT_ENTRY

    mp_store_global(MP_QSTR_add, MP_OBJ_FROM_PTR(&add_obj));
    mp_store_global(MP_QSTR_fact, MP_OBJ_FROM_PTR(&fact_obj));
    mp_store_global(MP_QSTR_bump, MP_OBJ_FROM_PTR(&bump_obj));
    mp_store_global(MP_QSTR_word, MP_OBJ_FROM_PTR(&word_obj));
    mp_store_global(MP_QSTR_square, MP_OBJ_FROM_PTR(&square_obj));
    mp_store_global(MP_QSTR_sum, MP_OBJ_FROM_PTR(&sum_obj));
    mp_store_global(MP_QSTR_pair, MP_OBJ_FROM_PTR(&pair_obj));
    mp_store_global(MP_QSTR_repeat, MP_OBJ_FROM_PTR(&repeat_obj));
    mp_store_global(MP_QSTR_to_bytes, MP_OBJ_FROM_PTR(&to_bytes_obj));
    mp_store_global(MP_QSTR_apply, MP_OBJ_FROM_PTR(&apply_obj));
    mp_store_global(MP_QSTR_truth, MP_OBJ_FROM_PTR(&truth_obj));
    mp_store_global(MP_QSTR_say, MP_OBJ_FROM_PTR(&say_obj));
    mp_store_global(MP_QSTR_attr, MP_OBJ_FROM_PTR(&attr_obj));
    mp_store_global(MP_QSTR_make_set, MP_OBJ_FROM_PTR(&make_set_obj));
    mp_store_global(MP_QSTR_count, MP_OBJ_FROM_PTR(&count_obj));
    mp_store_global(MP_QSTR_oserror, MP_OBJ_FROM_PTR(&oserror_obj));
    #if MICROPY_FLOAT_IMPL != MICROPY_FLOAT_IMPL_NONE
    mp_store_global(MP_QSTR_scale, MP_OBJ_FROM_PTR(&scale_obj));
    #endif
    mp_store_global(MP_QSTR_answer, mp_obj_new_int(42));
    mp_store_global(MP_QSTR_big, mp_obj_new_int(0x40000000 + 5));

    MP_DYNRUNTIME_INIT_EXIT
}
