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

// Functions listed here are stored when `init` returns, without the
// protected call `m.add_function` makes; with nothing else in `init`, the
// module carries no exception-protection code at all.
#[mpy::module(functions = [factorial])]
fn init(_m: &Module<'_>) -> PyResult<()> {
    Ok(())
}
