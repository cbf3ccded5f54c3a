//! The `{{name}}` native module.
#![no_std]

use mpy::exceptions::ValueError;
use mpy::{qstr, Module, PyErr, PyResult};

/// `add(a, b)`: the sum of two integers.
#[mpy::function(positional)]
fn add(a: i64, b: i64) -> PyResult<i64> {
    a.checked_add(b).ok_or_else(|| PyErr::new::<ValueError>("overflow"))
}

/// Runs when the module is imported: registers what Python sees.
#[mpy::module]
fn init(m: &Module<'_>) -> PyResult<()> {
    m.add_function(&add::DEF)?;
    m.add(qstr!(VERSION), 1)?;
    Ok(())
}
