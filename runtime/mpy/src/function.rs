//! Builtin function objects.
//!
//! These are `static` items with the firmware's builtin-function layout
//! (`mp_obj_fun_builtin_fixed_t` / `mp_obj_fun_builtin_var_t`); their base type is
//! `&mp_type_fun_builtin_N`, resolved by the linker. They cost no heap at all.
//! `#[mpy::function]` generates one per Rust function (as `<fn name>::DEF`); the raw
//! constructors are public for hand-written entry points; their `name` is the address of
//! a `__mpy_qstr_<name>` symbol (what `qstr!` reads), which the linker points at the
//! module's qstr table.

use mpy_sys::{
    self as sys, mp_type_fun_builtin_0, mp_type_fun_builtin_1, mp_type_fun_builtin_2,
    mp_type_fun_builtin_3, mp_type_fun_builtin_var, MpFunFixed, MpFunVarKw, MpObjBase,
    MpObjFunBuiltinFixed, MpObjFunBuiltinVar,
};

use crate::obj::{Obj, Qstr};

/// A builtin function object plus the name it is registered under.
#[repr(C)]
pub struct Function {
    raw: Raw,
    /// The `__mpy_qstr_*` symbol of the name: the linker points it at the qstr table slot.
    name: *const u16,
}

#[repr(C)]
union Raw {
    fixed: core::mem::ManuallyDrop<MpObjFunBuiltinFixed>,
    var: core::mem::ManuallyDrop<MpObjFunBuiltinVar>,
}

// SAFETY: immutable after construction; holds only firmware and module addresses.
unsafe impl Sync for Function {}

impl Function {
    const fn fixed(type_: *const sys::MpObjType, fun: MpFunFixed, name: *const u16) -> Function {
        Function {
            raw: Raw {
                fixed: core::mem::ManuallyDrop::new(MpObjFunBuiltinFixed {
                    base: MpObjBase { type_ },
                    fun,
                }),
            },
            name,
        }
    }

    /// A function of no argument.
    pub const fn new_0(f: sys::MpFun0, name: *const u16) -> Function {
        Self::fixed(&raw const mp_type_fun_builtin_0, MpFunFixed { f0: f }, name)
    }
    /// A function of one positional argument.
    pub const fn new_1(f: sys::MpFun1, name: *const u16) -> Function {
        Self::fixed(&raw const mp_type_fun_builtin_1, MpFunFixed { f1: f }, name)
    }
    /// A function of two positional arguments.
    pub const fn new_2(f: sys::MpFun2, name: *const u16) -> Function {
        Self::fixed(&raw const mp_type_fun_builtin_2, MpFunFixed { f2: f }, name)
    }
    /// A function of three positional arguments.
    pub const fn new_3(f: sys::MpFun3, name: *const u16) -> Function {
        Self::fixed(&raw const mp_type_fun_builtin_3, MpFunFixed { f3: f }, name)
    }
    /// A function of `min..=max` positional arguments (`max` = `MP_OBJ_FUN_ARGS_MAX` for no
    /// limit); the firmware checks the count before calling.
    pub const fn new_var(min: u32, max: u32, f: sys::MpFunVar, name: *const u16) -> Function {
        Self::var(
            sys::mp_obj_fun_make_sig(min, max, false),
            MpFunVarKw { var: f },
            name,
        )
    }
    /// A function taking at least `min` positional arguments and keyword arguments.
    pub const fn new_kw(min: u32, f: sys::MpFunKw, name: *const u16) -> Function {
        Self::var(
            sys::mp_obj_fun_make_sig(min, sys::MP_OBJ_FUN_ARGS_MAX, true),
            MpFunVarKw { kw: f },
            name,
        )
    }
    const fn var(sig: u32, fun: MpFunVarKw, name: *const u16) -> Function {
        Function {
            raw: Raw {
                var: core::mem::ManuallyDrop::new(MpObjFunBuiltinVar {
                    base: MpObjBase {
                        type_: &raw const mp_type_fun_builtin_var,
                    },
                    sig,
                    fun,
                }),
            },
            name,
        }
    }

    /// The function as an object.
    pub fn as_obj(&'static self) -> Obj {
        Obj((&raw const self.raw).cast_mut().cast())
    }

    /// The name it is registered under.
    pub fn name(&self) -> Qstr {
        // SAFETY: constructed from a `__mpy_qstr_*` symbol (see the constructors).
        unsafe { crate::impl_::read_qstr(self.name) }
    }
}
