/*
 * windows.c: exceptions out of deep call chains, caught by the firmware and
 * by the module itself through mp_fun_table's nlr_push and setjmp_ (as the
 * Rust runtime does). Written for the xtensawin loader, whose setjmp and
 * longjmp must spill the register windows and restore the caller's saved
 * registers, but valid on every architecture.
 */
#include "natmod.h"

/* Recurses `depth` levels (deeper than any register file), raising
 * ValueError at level `raise_at` (never when negative). Each level keeps
 * values live across the call and checks them afterwards; the result
 * mixes them so that the recursion cannot become a loop. */
__attribute__((noinline)) static mp_uint_t dive(mp_int_t depth, mp_int_t raise_at) {
    volatile mp_int_t pad[4] = {depth, depth + 1, depth + 2, depth + 3};
    mp_uint_t a = (mp_uint_t)depth * 3 + 1, b = (mp_uint_t)depth ^ 0x55, c = (mp_uint_t)(depth * depth);
    if (depth == raise_at) {
        mp_raise_ValueError("bottom");
    }
    if (depth == 0) {
        return 0;
    }
    mp_uint_t r = dive(depth - 1, raise_at);
    if (pad[0] != depth || pad[3] != depth + 3) {
        mp_raise_msg(&mp_type_RuntimeError, "frame clobbered");
    }
    return (r * 3 + a + b + c) % 1000003;
}

static mp_obj_t dive_fun(mp_obj_t depth, mp_obj_t raise_at) {
    return mp_obj_new_int((mp_int_t)dive(mp_obj_get_int(depth), mp_obj_get_int(raise_at)));
}
static MP_DEFINE_CONST_FUN_OBJ_2(dive_obj, dive_fun);

/* The firmware's nlr buffer with the setjmp flavour: prev, ret_val, then
 * the C library's jmp_buf (generously sized). */
typedef struct {
    void *prev;
    mp_obj_t ret_val;
    void *jmpbuf[64];
} nlr_buf_t;

/* catch(depth, raise_at): dive under a handler of our own; returns
 * (result or exception, k1, k2), where k1 and k2 were computed before the
 * handler was set and are used after it returned twice. */
static mp_obj_t catch_fun(mp_obj_t depth_obj, mp_obj_t raise_at_obj) {
    mp_int_t depth = mp_obj_get_int(depth_obj), raise_at = mp_obj_get_int(raise_at_obj);
    mp_int_t k1 = depth * 7 + 3, k2 = raise_at * 11 - 1;
    unsigned int (*push)(nlr_buf_t *) = (unsigned int (*)(nlr_buf_t *))mp_fun_table.nlr_push;
    void (*pop)(void) = (void (*)(void))mp_fun_table.nlr_pop;
    int (*set)(void *) = (int (*)(void *))mp_fun_table.setjmp_;
    nlr_buf_t buf;
    mp_obj_t items[3];
    if (push(&buf) == 0 && (set == NULL || set(buf.jmpbuf) == 0)) {
        items[0] = mp_obj_new_int((mp_int_t)dive(depth, raise_at));
        pop();
    } else {
        items[0] = buf.ret_val;
    }
    items[1] = mp_obj_new_int(k1);
    items[2] = mp_obj_new_int(k2);
    return mp_obj_new_tuple(3, items);
}
static MP_DEFINE_CONST_FUN_OBJ_2(catch_obj, catch_fun);

mp_obj_t mpy_init(mp_obj_fun_bc_t *self, size_t n_args, size_t n_kw, mp_obj_t *args) {
    MP_DYNRUNTIME_INIT_ENTRY
    mp_store_global(MP_QSTR_dive, MP_OBJ_FROM_PTR(&dive_obj));
    mp_store_global(MP_QSTR_catch, MP_OBJ_FROM_PTR(&catch_obj));
    MP_DYNRUNTIME_INIT_EXIT
}
