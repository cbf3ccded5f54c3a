//! factorial: the Rust counterpart of MicroPython's examples/natmod/features0,
//! plus a function that raises and one that returns a tuple.
#![no_std]

extern crate alloc;

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

/// `label(n, prefix=None)`: keyword arguments, an optional parameter and a
/// heap-allocated `String` result.
#[mpy::function]
fn label(n: i64, prefix: Option<&str>) -> PyResult<alloc::string::String> {
    let mut s = alloc::string::String::from(prefix.unwrap_or("n"));
    s.push('=');
    let digits = factorial_digits(n);
    s.push_str(&digits);
    Ok(s)
}

/// Decimal digits of `n` without `core::fmt` (it is large for a module).
fn factorial_digits(mut n: i64) -> alloc::string::String {
    let negative = n < 0;
    let mut out = alloc::vec::Vec::new();
    loop {
        out.push(b'0' + (n % 10).unsigned_abs() as u8);
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if negative {
        out.push(b'-');
    }
    out.reverse();
    alloc::string::String::from_utf8(out).unwrap_or_default()
}

#[mpy::module]
fn init(m: &Module<'_>) -> PyResult<()> {
    m.add_function(&factorial::DEF)?;
    m.add_function(&divmod_u::DEF)?;
    m.add_function(&label::DEF)?;
    m.add(qstr!(MAX_N), 20)?;
    Ok(())
}
