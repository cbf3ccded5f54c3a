/*
 * mulhigh.c: the high word of 32x32-bit products. The ESP32 computes it
 * with mulsh/muluh (its MUL32_HIGH option), which qemu's de233_fpu core
 * lacks; the xtensawin test loader completes them on SIGILL, so modules are
 * tested with the bytes they ship with. Valid on every architecture.
 */
#include "natmod.h"

static mp_obj_t mulhs_fun(mp_obj_t a, mp_obj_t b) {
    int32_t x = (int32_t)mp_obj_get_int(a), y = (int32_t)mp_obj_get_int(b);
    return mp_obj_new_int((mp_int_t)(int32_t)(((int64_t)x * y) >> 32));
}
static MP_DEFINE_CONST_FUN_OBJ_2(mulhs_obj, mulhs_fun);

static mp_obj_t mulhu_fun(mp_obj_t a, mp_obj_t b) {
    uint32_t x = (uint32_t)mp_obj_get_int(a), y = (uint32_t)mp_obj_get_int(b);
    return mp_obj_new_int((mp_int_t)(uint32_t)(((uint64_t)x * y) >> 32));
}
static MP_DEFINE_CONST_FUN_OBJ_2(mulhu_obj, mulhu_fun);

/* mix(n): n rounds mixing both kinds of high product into a checksum, in
 * a loop the compiler may turn into a zero-overhead one. */
static mp_obj_t mix_fun(mp_obj_t n_obj) {
    mp_int_t n = mp_obj_get_int(n_obj);
    uint32_t h = 0x9e3779b9u, s = 0;
    for (mp_int_t i = 1; i <= n; i++) {
        h = (uint32_t)(((uint64_t)h * 0x85ebca6bu) >> 32) ^ (uint32_t)i;
        s += (uint32_t)(((int64_t)(int32_t)h * -7919) >> 32);
    }
    return mp_obj_new_int((mp_int_t)(s & 0x3fffffff));
}
static MP_DEFINE_CONST_FUN_OBJ_1(mix_obj, mix_fun);

mp_obj_t mpy_init(mp_obj_fun_bc_t *self, size_t n_args, size_t n_kw, mp_obj_t *args) {
    MP_DYNRUNTIME_INIT_ENTRY
    mp_store_global(MP_QSTR_mulhs, MP_OBJ_FROM_PTR(&mulhs_obj));
    mp_store_global(MP_QSTR_mulhu, MP_OBJ_FROM_PTR(&mulhu_obj));
    mp_store_global(MP_QSTR_mix, MP_OBJ_FROM_PTR(&mix_obj));
    MP_DYNRUNTIME_INIT_EXIT
}
