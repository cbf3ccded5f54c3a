//! factorial: the Rust counterpart of MicroPython's examples/natmod/features0,
//! plus a function that raises and one that returns a tuple.
#![no_std]

use mpy::exceptions::ValueError;
use mpy::{qstr, Module, PyErr, PyResult};

/// `factorial(n)`: n! as an integer; ValueError for negative n or overflow.
#[mpy::function(positional)]
fn factorial(n: i64) -> PyResult<i64> {
    if n < 0 {
        return Err(PyErr::new::<ValueError>("negative argument"));
    }
    (1..=n)
        .try_fold(1i64, |acc, k| acc.checked_mul(k))
        .ok_or_else(|| PyErr::new::<ValueError>("result too large"))
}

/// `divmod_u(a, b)`: unsigned quotient and remainder as a tuple.
#[mpy::function(positional)]
fn divmod_u(a: u32, b: u32) -> PyResult<(u32, u32)> {
    if b == 0 {
        return Err(PyErr::new::<ValueError>("division by zero"));
    }
    Ok((a / b, a % b))
}

#[mpy::module]
fn init(m: &Module<'_>) -> PyResult<()> {
    m.add_function(&factorial::DEF)?;
    m.add_function(&divmod_u::DEF)?;
    m.add(qstr!(MAX_N), 20)?;
    Ok(())
}
