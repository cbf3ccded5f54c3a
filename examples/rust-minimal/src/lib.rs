//! minimal: MicroPython's examples/natmod/features0 in Rust, function for
//! function: `factorial(n)` computed by the same recursive helper on a machine
//! word. The README compares its size with the C original.
#![no_std]

use mpy::{Module, PyResult};

fn factorial_helper(x: isize) -> isize {
    if x == 0 {
        return 1;
    }
    x.wrapping_mul(factorial_helper(x - 1))
}

/// `factorial(n)`: n! on a machine word (wraps like the C example).
#[mpy::function(positional)]
fn factorial(n: isize) -> isize {
    factorial_helper(n)
}

#[mpy::module]
fn init(m: &Module<'_>) -> PyResult<()> {
    m.add_function(&factorial::DEF)
}
