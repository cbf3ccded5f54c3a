//! Module initialisation.

use core::marker::PhantomData;

use crate::conv::IntoObj;
use crate::err::{PyErr, PyResult};
use crate::ffi;
use crate::function::Function;
use crate::obj::{Obj, Qstr};

/// The module being imported, handed to the `#[mpy::module]` function. Its namespace is
/// the current globals for the duration of the init function.
pub struct Module<'a> {
    pub(crate) globals: Obj,
    pub(crate) _init: PhantomData<&'a ()>,
}

impl Module<'_> {
    /// `name = value` in the module namespace.
    pub fn add(&self, name: Qstr, value: impl IntoObj) -> PyResult<()> {
        let v = value.into_obj()?;
        ffi::store_global(name.as_raw(), v.0).map_err(PyErr::from_raised)
    }

    /// Register a function under its own name (`#[mpy::function]` items expose `DEF`).
    pub fn add_function(&self, f: &'static Function) -> PyResult<()> {
        self.add(f.name(), f.as_obj())
    }

    /// The module's globals dict.
    pub fn dict(&self) -> Obj {
        self.globals
    }
}
