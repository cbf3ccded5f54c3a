// {{name}}: a MicroPython native module written in C.
//
// `cargo mpy build` writes target/mpy/<arch>/debug/{{name}}.mpy; copy it to
// the device and `import {{name}}`.

#include "py/dynruntime.h"

// add(a, b): the sum of two integers.
static mp_obj_t add(mp_obj_t a_obj, mp_obj_t b_obj) {
    mp_int_t a = mp_obj_get_int(a_obj);
    mp_int_t b = mp_obj_get_int(b_obj);
    return mp_obj_new_int(a + b);
}
static MP_DEFINE_CONST_FUN_OBJ_2(add_obj, add);

// Runs when the module is imported.
mp_obj_t mpy_init(mp_obj_fun_bc_t *self, size_t n_args, size_t n_kw, mp_obj_t *args) {
    // Must come first: sets up the module's globals.
    MP_DYNRUNTIME_INIT_ENTRY

    mp_store_global(MP_QSTR_add, MP_OBJ_FROM_PTR(&add_obj));

    // Must come last: restores the caller's globals.
    MP_DYNRUNTIME_INIT_EXIT
}
