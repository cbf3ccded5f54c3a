//! Floating-point helpers (not on RISC-V; see the crate documentation).

use alloc::vec::Vec;

use mpy::exceptions::ValueError;
use mpy::{Module, PyErr, PyResult};

/// `poly(coeffs, x)`: a polynomial with float coefficients, Horner's rule.
#[mpy::function(positional)]
fn poly(coeffs: Vec<f64>, x: f64) -> f64 {
    coeffs.iter().fold(0.0, |acc, c| acc * x + c)
}

/// `dot(a, b)`: the dot product of two equally long sequences of floats.
#[mpy::function(positional)]
fn dot(a: Vec<f64>, b: Vec<f64>) -> PyResult<f64> {
    if a.len() != b.len() {
        return Err(PyErr::new::<ValueError>("lengths differ"));
    }
    Ok(a.iter().zip(&b).map(|(x, y)| x * y).sum())
}

/// `scale32(x, k)`: single-precision multiply (exercises the `f32` conversions).
#[mpy::function(positional)]
fn scale32(x: f32, k: f32) -> f32 {
    x * k
}

pub(crate) fn register(m: &Module<'_>) -> PyResult<()> {
    m.add_function(&poly::DEF)?;
    m.add_function(&dot::DEF)?;
    m.add_function(&scale32::DEF)
}
