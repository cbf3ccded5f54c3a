//! Integer helpers.

use alloc::vec::Vec;

use mpy::exceptions::ValueError;
use mpy::{Module, PyErr, PyResult};

/// `isqrt(n)`: the integer square root (Newton's method).
#[mpy::function(positional)]
fn isqrt(n: i64) -> PyResult<i64> {
    if n < 0 {
        return Err(PyErr::new::<ValueError>("math domain error"));
    }
    if n < 2 {
        return Ok(n);
    }
    let mut x = n;
    let mut y = (x + 1) / 2;
    while y < x {
        x = y;
        y = (x + n / x) / 2;
    }
    Ok(x)
}

/// `poly_int(coeffs, x)`: evaluates a polynomial (highest power first) by Horner's rule.
#[mpy::function(positional)]
fn poly_int(coeffs: Vec<i64>, x: i64) -> i64 {
    coeffs
        .iter()
        .fold(0i64, |acc, c| acc.wrapping_mul(x).wrapping_add(*c))
}

pub(crate) fn register(m: &Module<'_>) -> PyResult<()> {
    m.add_function(&isqrt::DEF)?;
    m.add_function(&poly_int::DEF)
}
