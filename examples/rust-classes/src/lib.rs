//! classes: the Rust counterpart of MicroPython's examples/natmod/features4.
//!
//! ```python
//! >>> import classes
//! >>> classes.Factorial(4).calculate()
//! 24
//! >>> classes.Factorial(-1)
//! FactorialError: argument must be zero or above
//! >>> c = classes.Counter(5); c.incr(2); c
//! Counter(7)
//! ```
#![no_std]

use core::cell::Cell;

use mpy::exceptions::{Exception, ValueError};
use mpy::{qstr, Module, Obj, Printer, PyErr, PyResult, Qstr};

mpy::create_exception!(
    /// Raised by `Factorial(n)` for negative `n`.
    FactorialError
);

/// `Factorial(n)`: remembers `n`; `calculate()` returns n!.
#[mpy::class]
struct Factorial {
    n: u32,
}

#[mpy::function(positional)]
fn factorial_new(n: i64) -> PyResult<Factorial> {
    let n = u32::try_from(n)
        .map_err(|_| PyErr::new::<FactorialError>("argument must be zero or above"))?;
    Ok(Factorial { n })
}

/// `calculate()`: n!, computed recursively as the C example does.
#[mpy::function(positional)]
fn calculate(this: &Factorial) -> i64 {
    fn helper(x: u32) -> i64 {
        if x == 0 {
            1
        } else {
            i64::from(x).wrapping_mul(helper(x - 1))
        }
    }
    helper(this.n)
}

/// `Counter(start=0)`: a mutable count with a read-write `value` attribute.
#[mpy::class]
#[derive(PartialEq)]
struct Counter {
    value: Cell<i64>,
}

#[mpy::function]
fn counter_new(start: Option<i64>) -> Counter {
    Counter {
        value: Cell::new(start.unwrap_or(0)),
    }
}

/// `incr(by=1)`: add to the count and return it.
#[mpy::function]
fn incr(this: &Counter, by: Option<i64>) -> i64 {
    this.value.set(this.value.get() + by.unwrap_or(1));
    this.value.get()
}

/// `reset()`: back to zero.
#[mpy::function(positional)]
fn reset(this: &Counter) {
    this.value.set(0);
}

impl mpy::Repr for Counter {
    fn repr(&self, out: &mut Printer<'_>, _repr: bool) {
        out.str("Counter(").int(self.value.get()).str(")");
    }
}

impl mpy::Attrs for Counter {
    fn get_attr(&self, name: Qstr) -> Option<PyResult<Obj>> {
        if name == qstr!(value) {
            return Some(mpy::IntoObj::into_obj(self.value.get()));
        }
        if name == qstr!(even) {
            return Some(Ok(Obj::bool(self.value.get() % 2 == 0)));
        }
        None
    }

    fn set_attr(&self, name: Qstr, value: Obj) -> Option<PyResult<()>> {
        if name != qstr!(value) {
            return None;
        }
        Some(value.extract::<i64>().and_then(|v| {
            if v < 0 {
                return Err(PyErr::new::<ValueError>("value must be zero or above"));
            }
            self.value.set(v);
            Ok(())
        }))
    }
}

/// `Point(x, y)`: a declared class (constructor and methods named in the
/// attribute), registered by `#[mpy::module(classes = [Point])]`. Its type is
/// built when first needed: here by `ORIGIN`, made in `init` before the module
/// stores the class.
#[mpy::class(constructor = point_new, methods = [norm2])]
struct Point {
    x: i32,
    y: i32,
}

#[mpy::function(positional)]
fn point_new(x: i32, y: i32) -> Point {
    Point { x, y }
}

/// `p.norm2()`: x² + y².
#[mpy::function(positional)]
fn norm2(this: &Point) -> i64 {
    let (x, y) = (i64::from(this.x), i64::from(this.y));
    x * x + y * y
}

mpy::create_exception!(
    /// Raised by `Span` for a stop before its start: a `ValueError` subclass
    /// that the module neither lists nor registers, so its type is built when
    /// first raised.
    SpanError,
    ValueError
);

/// `Span(start, stop=None)`: a declared class whose constructor takes keyword
/// arguments; `stop` defaults to `start + 1`.
#[mpy::class(constructor = span_new, methods = [span_len, bounds])]
struct Span {
    start: i64,
    stop: i64,
}

#[mpy::function]
fn span_new(start: i64, stop: Option<i64>) -> PyResult<Span> {
    let stop = stop.unwrap_or(start + 1);
    if stop < start {
        return Err(mpy::err!(SpanError, "stop before start"));
    }
    Ok(Span { start, stop })
}

/// `s.len()`: the number of integers in the span.
#[mpy::function(name = "len", positional)]
fn span_len(this: &Span) -> i64 {
    this.stop - this.start
}

/// A start and a stop: a declared class that the module does not list, so its
/// type is built when Rust first makes one (`Span.bounds()`); Python gets
/// instances but no constructor.
#[mpy::class(methods = [pair_sum])]
struct Pair {
    a: i64,
    b: i64,
}

/// `s.bounds()`: the start and stop as a `Pair`.
#[mpy::function(positional)]
fn bounds(this: &Span) -> Pair {
    Pair {
        a: this.start,
        b: this.stop,
    }
}

/// `p.sum()`: a + b.
#[mpy::function(name = "sum", positional)]
fn pair_sum(this: &Pair) -> i64 {
    this.a + this.b
}

/// `Scale(x, factor=2)`: a declared class whose constructor takes positional
/// arguments only, one of them optional.
#[mpy::class(constructor = scale_new, methods = [scaled])]
struct Scale {
    x: i64,
    factor: i64,
}

#[mpy::function(positional)]
fn scale_new(x: i64, factor: Option<i64>) -> Scale {
    Scale {
        x,
        factor: factor.unwrap_or(2),
    }
}

/// `s.scaled()`: x times the factor.
#[mpy::function(positional)]
fn scaled(this: &Scale) -> i64 {
    this.x * this.factor
}

#[mpy::module(classes = [Point, Span, Scale])]
fn init(m: &Module<'_>) -> PyResult<()> {
    m.add(qstr!(ORIGIN), Point { x: 0, y: 0 })?;
    m.add_exception::<FactorialError, Exception>()?;
    m.add_class::<Factorial>()?
        .constructor(&factorial_new::DEF)
        .method(&calculate::DEF)?
        .finish()?;
    m.add_class::<Counter>()?
        .constructor(&counter_new::DEF)
        .method(&incr::DEF)?
        .method(&reset::DEF)?
        .constant(qstr!(LIMIT), 1000)?
        .repr()
        .attrs()
        .eq()
        .finish()?;
    Ok(())
}
