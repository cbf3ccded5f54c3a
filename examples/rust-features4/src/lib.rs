//! features4: MicroPython's examples/natmod/features4 in Rust, function for
//! function, so that the two can be compared byte for byte: a class whose
//! constructor takes an integer and whose `calculate` method returns its
//! factorial, and a module exception raised for a negative argument.
#![no_std]

use mpy::{Module, PyResult};

mpy::create_exception!(FactorialError);

/// `Factorial(n)`.
#[mpy::class(constructor = factorial_new, methods = [calculate])]
struct Factorial {
    n: isize,
}

/// The constructor: FactorialError for a negative `n`.
#[mpy::function(positional)]
fn factorial_new(n: isize) -> PyResult<Factorial> {
    if n < 0 {
        return Err(mpy::err!(FactorialError, "argument must be zero or above"));
    }
    Ok(Factorial { n })
}

fn factorial_helper(x: isize) -> isize {
    if x == 0 {
        return 1;
    }
    x.wrapping_mul(factorial_helper(x - 1))
}

/// `Factorial(n).calculate()`: n!.
#[mpy::function(positional)]
fn calculate(this: &Factorial) -> isize {
    factorial_helper(this.n)
}

#[mpy::module(classes = [Factorial], exceptions = [FactorialError])]
fn init(_m: &Module<'_>) -> PyResult<()> {
    Ok(())
}
