//! The expansions' side of classes and module exceptions: which types the module builds
//! when it starts, storing them in the module's dict, and constructors.

use core::marker::PhantomData;

use super::{sys, BuiltByInit, Class, Obj, PyErr, PyResult};

/// Whether a concrete class or exception type implements [`BuiltByInit`] (is listed in
/// `#[mpy::module]`), decided at compile time by method resolution: the expansions call
/// `(&Probe::<T>(PhantomData)).built_by_init()` with both traits in scope; the impl on
/// `Probe<T>` applies only when the bound holds, else auto-referencing finds the one on
/// `&Probe<T>`.
pub struct Probe<T>(pub PhantomData<T>);

/// See [`Probe`].
pub trait ProbeListed {
    #[inline(always)]
    fn built_by_init(&self) -> bool {
        true
    }
}
impl<T: BuiltByInit> ProbeListed for Probe<T> {}

/// See [`Probe`].
pub trait ProbeDefault {
    #[inline(always)]
    fn built_by_init(&self) -> bool {
        false
    }
}
impl<T> ProbeDefault for &Probe<T> {}

/// What a constructor of class `C` returns: `C` or `Result<C, E>`.
#[diagnostic::on_unimplemented(
    message = "a constructor of `{C}` must return `{C}` or `PyResult<{C}>`, not `{Self}`",
    label = "the `constructor = ...` of `#[mpy::class]` names this function"
)]
pub trait Constructs<C> {
    /// The new instance's value, or the constructor's error.
    fn into_instance(self) -> PyResult<C>;
}
impl<C: Class> Constructs<C> for C {
    #[inline(always)]
    fn into_instance(self) -> PyResult<C> {
        Ok(self)
    }
}
impl<C: Class, E: Into<PyErr>> Constructs<C> for Result<C, E> {
    #[inline(always)]
    fn into_instance(self) -> PyResult<C> {
        self.map_err(Into::into)
    }
}

/// Never implemented: the bound of a `make_new` slot generated for a function whose return
/// type borrows (a constructor returns its class by value).
#[diagnostic::on_unimplemented(
    message = "a constructor of `{Self}` must return `{Self}` or `PyResult<{Self}>` by value",
    label = "the `constructor = ...` of `#[mpy::class]` names this function"
)]
pub trait ReturnsClassByValue {}

/// The last step of a generated `make_new` slot: the constructor's value in a new instance
/// of `ty`, the type the firmware called the slot for.
///
/// # Safety
///
/// `ty` must be the type object whose `make_new` slot is being called, which is class
/// `C`'s (the slot is set only by `#[mpy::class]` for `C`).
#[inline(always)]
pub unsafe fn construct<C: Class, R: Constructs<C>>(
    r: R,
    ty: *const sys::MpObjType,
) -> PyResult<Obj> {
    let value = r.into_instance()?;
    crate::class::place_instance(ty, value).ok_or_else(crate::obj::out_of_memory)
}
