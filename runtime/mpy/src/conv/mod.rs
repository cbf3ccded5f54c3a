//! Conversions between Rust values and objects: [`FromObj`] and [`IntoObj`].
//!
//! This file holds the traits and the conversions of objects, `None`, `bool` and `Option`;
//! the others are in files of their own, by what they convert: `int.rs` (every integer
//! type), `floats.rs`, `buffer.rs` (`str`, bytes and buffers) and `seq.rs` (sequences,
//! mappings and the wrappers that build them).
//!
//! `int.rs`, `buffer.rs` and `seq.rs` are included into this module rather than made
//! modules of their own: a function's module path is part of its symbol name, and rustc
//! orders a module's code by symbol name, so moving these conversions into submodules would
//! reorder every module's code (`impl_` says more). Inclusion keeps each item's path and
//! definition order, so a module's bytes do not depend on how this source is split.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::Cell;

use mpy_sys::{self as sys, MP_NATIVE_TYPE_INT, MP_NATIVE_TYPE_UINT};

use crate::err::{Msg, PyErr, PyResult};
use crate::exceptions::{OverflowError, TypeError, ValueError};
use crate::ffi;
use crate::obj::{buf_bytes, Obj};

/// Conversion from an object; `'a` is the lifetime of the borrowed object, so borrowed
/// results (`&str`, `&[u8]`) cannot outlive it.
pub trait FromObj<'a>: Sized {
    /// Convert, or fail with `TypeError`/`OverflowError`/...
    fn from_obj(obj: &'a Obj) -> PyResult<Self>;

    /// Convert, raising the failure directly (a non-local jump) instead of returning it.
    /// Used by generated entry points when nothing in their frames has a destructor; types
    /// whose conversion is a single firmware call override it to skip the protected call.
    ///
    /// # Safety
    ///
    /// May jump out of the caller: every frame between the caller and the firmware's entry
    /// into the module must own nothing with a destructor.
    #[doc(hidden)]
    unsafe fn from_obj_raising(obj: &'a Obj) -> Self {
        match Self::from_obj(obj) {
            Ok(v) => v,
            // SAFETY: forwarded from the caller.
            Err(e) => unsafe { e.raise() },
        }
    }
}

/// Conversion into an object.
pub trait IntoObj {
    /// Convert, or fail (typically `MemoryError`).
    fn into_obj(self) -> PyResult<Obj>;

    /// Convert, raising a failure directly; see [`FromObj::from_obj_raising`].
    ///
    /// # Safety
    ///
    /// As [`FromObj::from_obj_raising`].
    #[doc(hidden)]
    unsafe fn into_obj_raising(self) -> Obj
    where
        Self: Sized,
    {
        match self.into_obj() {
            Ok(v) => v,
            // SAFETY: forwarded from the caller.
            Err(e) => unsafe { e.raise() },
        }
    }
}

fn type_error(expected: &str, got: &Obj) -> PyErr {
    PyErr::new::<TypeError>(
        Msg::new()
            .s("expected ")
            .s(expected)
            .s(", got '")
            .q(got.type_name())
            .s("'"),
    )
}

fn raised(e: sys::MpObj) -> PyErr {
    PyErr::from_raised(e)
}

// ---------------------------------------------------------------------------------------
// Identity, None, bool

impl<'a> FromObj<'a> for Obj {
    fn from_obj(obj: &'a Obj) -> PyResult<Obj> {
        Ok(*obj)
    }
}
impl<'a> FromObj<'a> for &'a Obj {
    fn from_obj(obj: &'a Obj) -> PyResult<&'a Obj> {
        Ok(obj)
    }
}
impl IntoObj for Obj {
    fn into_obj(self) -> PyResult<Obj> {
        Ok(self)
    }
}
impl IntoObj for &Obj {
    fn into_obj(self) -> PyResult<Obj> {
        Ok(*self)
    }
}
impl IntoObj for () {
    fn into_obj(self) -> PyResult<Obj> {
        Ok(Obj::none())
    }
}
impl<'a> FromObj<'a> for () {
    fn from_obj(obj: &'a Obj) -> PyResult<()> {
        if obj.is_none() {
            Ok(())
        } else {
            Err(type_error("None", obj))
        }
    }
}

/// Python truthiness (`bool(x)`), as C modules do with `mp_obj_is_true`.
impl<'a> FromObj<'a> for bool {
    fn from_obj(obj: &'a Obj) -> PyResult<bool> {
        obj.is_true()
    }
    unsafe fn from_obj_raising(obj: &'a Obj) -> bool {
        // SAFETY: `obj_is_true` takes any object (it may call `__bool__`/`__len__`); a raise
        // is the caller's to allow.
        unsafe { (ffi::table().obj_is_true)(obj.0) }
    }
}
impl IntoObj for bool {
    fn into_obj(self) -> PyResult<Obj> {
        Ok(Obj::bool(self))
    }
}

impl<'a, T: FromObj<'a>> FromObj<'a> for Option<T> {
    fn from_obj(obj: &'a Obj) -> PyResult<Option<T>> {
        if obj.is_none() {
            Ok(None)
        } else {
            T::from_obj(obj).map(Some)
        }
    }
}
impl<T: IntoObj> IntoObj for Option<T> {
    fn into_obj(self) -> PyResult<Obj> {
        match self {
            Some(v) => v.into_obj(),
            None => Ok(Obj::none()),
        }
    }
}

/// The interned string as a `str` object (no allocation).
impl IntoObj for crate::obj::Qstr {
    fn into_obj(self) -> PyResult<Obj> {
        Ok(Obj::qstr(self))
    }
}

// Integers
include!("int.rs");

// Floats (not on RISC-V, see the crate documentation)
#[cfg(not(any(target_arch = "riscv32", target_arch = "riscv64")))]
mod floats;

// Strings and buffers
include!("buffer.rs");

// Sequences and mappings
include!("seq.rs");
