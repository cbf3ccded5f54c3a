//! Builtin function objects.
//!
//! A builtin function is a `static` with the firmware's layout
//! (`mp_obj_fun_builtin_fixed_t` for 0..=3 positional arguments, `mp_obj_fun_builtin_var_t`
//! otherwise), exactly as large as its C counterpart; its base type is
//! `&mp_type_fun_builtin_N`, resolved by the linker, and it costs no heap. A [`Function`]
//! is a two-word handle to such an object plus the `__mpy_qstr_<name>` symbol of the name
//! it is registered under (the linker points the symbol at the module's qstr table).
//!
//! `#[mpy::function]` generates the object and a `DEF` constant (the handle) per Rust
//! function. The constant exists only where it is used, so a module whose functions are
//! listed in `#[mpy::module(functions = [...])]` stores no handle at all. Hand-written entry
//! points build the object with [`objects::new_0`] ... [`objects::new_kw`] and the handle
//! with [`Function::new`].

use mpy_sys::{
    self as sys, mp_type_fun_builtin_0, mp_type_fun_builtin_1, mp_type_fun_builtin_2,
    mp_type_fun_builtin_3, mp_type_fun_builtin_var, MpFunFixed, MpFunVarKw, MpObjBase,
    MpObjFunBuiltinFixed, MpObjFunBuiltinVar,
};

use crate::obj::{Obj, Qstr};

/// A handle to a builtin function object plus the name it is registered under.
#[derive(Clone, Copy)]
#[repr(C)]
pub struct Function {
    obj: *const MpObjBase,
    /// The `__mpy_qstr_*` symbol of the name: the linker points it at the qstr table slot.
    name: *const u16,
}

// SAFETY: immutable; holds only addresses of immutable module statics.
unsafe impl Sync for Function {}
// SAFETY: as above.
unsafe impl Send for Function {}

/// A builtin function object: a `static` of the firmware's fixed- or variable-arity layout.
pub trait FunctionObject: Sync + sealed::Sealed {}
impl FunctionObject for MpObjFunBuiltinFixed {}
impl FunctionObject for MpObjFunBuiltinVar {}

mod sealed {
    pub trait Sealed {}
    impl Sealed for mpy_sys::MpObjFunBuiltinFixed {}
    impl Sealed for mpy_sys::MpObjFunBuiltinVar {}
}

impl Function {
    /// The handle of `obj`, registered under the name whose qstr symbol is `name`.
    ///
    /// # Safety
    ///
    /// `name` must be the address of a `__mpy_qstr_*` symbol (declare it with
    /// `#[link_name = "__mpy_qstr_<name>"] static NAME: u16;`).
    pub const unsafe fn new<F: FunctionObject>(obj: &'static F, name: *const u16) -> Function {
        Function {
            obj: (obj as *const F).cast(),
            name,
        }
    }

    /// The function as an object.
    #[inline]
    pub fn as_obj(&self) -> Obj {
        Obj(self.obj.cast_mut().cast())
    }

    /// The name it is registered under.
    #[inline]
    pub fn name(&self) -> Qstr {
        // SAFETY: constructed from a `__mpy_qstr_*` symbol (see `new`).
        unsafe { crate::impl_::read_qstr(self.name) }
    }
}

const fn fixed(type_: *const sys::MpObjType, fun: MpFunFixed) -> MpObjFunBuiltinFixed {
    MpObjFunBuiltinFixed {
        base: MpObjBase { type_ },
        fun,
    }
}

const fn var(sig: u32, fun: MpFunVarKw) -> MpObjFunBuiltinVar {
    MpObjFunBuiltinVar {
        base: MpObjBase {
            type_: &raw const mp_type_fun_builtin_var,
        },
        sig,
        fun,
    }
}

/// Constructors of builtin function objects, for `static` initialisers.
pub mod objects {
    use super::*;

    /// A function of no argument.
    pub const fn new_0(f: sys::MpFun0) -> MpObjFunBuiltinFixed {
        fixed(&raw const mp_type_fun_builtin_0, MpFunFixed { f0: f })
    }
    /// A function of one positional argument.
    pub const fn new_1(f: sys::MpFun1) -> MpObjFunBuiltinFixed {
        fixed(&raw const mp_type_fun_builtin_1, MpFunFixed { f1: f })
    }
    /// A function of two positional arguments.
    pub const fn new_2(f: sys::MpFun2) -> MpObjFunBuiltinFixed {
        fixed(&raw const mp_type_fun_builtin_2, MpFunFixed { f2: f })
    }
    /// A function of three positional arguments.
    pub const fn new_3(f: sys::MpFun3) -> MpObjFunBuiltinFixed {
        fixed(&raw const mp_type_fun_builtin_3, MpFunFixed { f3: f })
    }
    /// A function of `min..=max` positional arguments (`max` = `MP_OBJ_FUN_ARGS_MAX` for
    /// no limit); the firmware checks the count before calling.
    pub const fn new_var(min: u32, max: u32, f: sys::MpFunVar) -> MpObjFunBuiltinVar {
        var(
            sys::mp_obj_fun_make_sig(min, max, false),
            MpFunVarKw { var: f },
        )
    }
    /// A function taking at least `min` positional arguments and keyword arguments.
    pub const fn new_kw(min: u32, f: sys::MpFunKw) -> MpObjFunBuiltinVar {
        var(
            sys::mp_obj_fun_make_sig(min, sys::MP_OBJ_FUN_ARGS_MAX, true),
            MpFunVarKw { kw: f },
        )
    }
}
