//! The `{{name}}` native module.
#![no_std]

use mpy::exceptions::ValueError;
use mpy::{Module, PyResult};

/// `add(a, b)`: the sum of two machine-word integers (`isize`, as C's `mp_int_t`);
/// `ValueError` if it overflows.
#[mpy::function(positional)]
fn add(a: isize, b: isize) -> PyResult<isize> {
    a.checked_add(b).ok_or(mpy::err!(ValueError, "integer overflow"))
}

/// Runs when the module is imported. What the attribute lists is stored in the
/// module when this returns `Ok`; register anything else through `m`
/// (`m.add(...)`, `m.add_class::<T>()`).
#[mpy::module(functions = [add], constants = [VERSION = 1])]
fn init(_m: &Module<'_>) -> PyResult<()> {
    Ok(())
}
