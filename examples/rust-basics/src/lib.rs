//! basics: the Rust counterpart of MicroPython's examples/natmod/features1.
//!
//! Functions of every arity, constants, lists in and out, exceptions raised and
//! caught, heap allocation, zero-initialised statics (BSS), initialised mutable
//! statics (`.data`, which mpy_ld.py refuses) and read-only tables (rodata).
#![no_std]

extern crate alloc;

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};

use mpy::exceptions::{ValueError, ZeroDivisionError};
use mpy::{qstr, Module, Obj, PyErr, PyResult};

/// Read-only data: the first 16 squares, computed at compile time.
static SQUARES: [u16; 16] = {
    let mut t = [0u16; 16];
    let mut i = 0;
    while i < 16 {
        t[i] = (i * i) as u16;
        i += 1;
    }
    t
};

/// Zero-initialised static (BSS): how many times `add` ran.
static ADD_CALLS: AtomicU32 = AtomicU32::new(0);

/// Initialised mutable static (`.data`): starts at 7.
static STATE: AtomicU32 = AtomicU32::new(7);

// Load and store only: thumbv6m has no atomic read-modify-write, and module
// code runs under the interpreter lock anyway.
fn bump(a: &AtomicU32, by: u32) -> u32 {
    let v = a.load(Ordering::Relaxed).wrapping_add(by);
    a.store(v, Ordering::Relaxed);
    v
}

/// `nothing()`: no arguments, returns None.
#[mpy::function(positional)]
fn nothing() {}

/// `add(a, b)`: a + b; counts its calls in a BSS static.
#[mpy::function(positional)]
fn add(a: i64, b: i64) -> PyResult<i64> {
    bump(&ADD_CALLS, 1);
    a.checked_add(b)
        .ok_or_else(|| PyErr::new::<ValueError>("overflow"))
}

/// `add3(a, b, c)`.
#[mpy::function(positional)]
fn add3(a: i64, b: i64, c: i64) -> i64 {
    a.wrapping_add(b).wrapping_add(c)
}

/// `choose(flag, a, b)`: `a` when `flag` is true in Python's sense, else `b`.
#[mpy::function(positional)]
fn choose(flag: bool, a: i64, b: i64) -> i64 {
    if flag {
        a
    } else {
        b
    }
}

/// `add_calls()`: the BSS counter.
#[mpy::function(positional)]
fn add_calls() -> u32 {
    ADD_CALLS.load(Ordering::Relaxed)
}

/// `bump_state(by)`: adds to the `.data` static (initially 7) and returns it.
#[mpy::function(positional)]
fn bump_state(by: u32) -> u32 {
    bump(&STATE, by)
}

/// A lookup in the rodata table; a ValueError outside it. `mpy::err!` with a
/// literal message creates no exception object until one is needed.
fn lookup_square(i: usize) -> PyResult<u16> {
    SQUARES
        .get(i)
        .copied()
        .ok_or_else(|| mpy::err!(ValueError, "index out of table"))
}

/// `square(i)`: a lookup in the rodata table; IndexError-like ValueError outside it.
#[mpy::function(positional)]
fn square(i: usize) -> PyResult<u16> {
    lookup_square(i)
}

/// `classify(i)`: the same lookup, with its error examined in Rust: "ok", or
/// the name of the exception's type ("ValueError").
#[mpy::function(positional)]
fn classify(i: usize) -> &'static str {
    match lookup_square(i) {
        Ok(_) => "ok",
        Err(e) if e.is_instance_of::<ValueError>() => "ValueError",
        Err(_) => "other",
    }
}

/// `n` when it is even; an odd `n` is the bare `ValueError` type (`mpy::err!`
/// without a message).
fn check_even(n: isize) -> PyResult<isize> {
    if n % 2 != 0 {
        return Err(mpy::err!(ValueError));
    }
    Ok(n)
}

/// `even(n)`: `n`, or a ValueError without a message for an odd `n`.
#[mpy::function(positional)]
fn even(n: isize) -> PyResult<isize> {
    check_even(n)
}

/// `parity(n)`: "even", or "odd" when the check's (message-less) error is a
/// ValueError: the error is examined in Rust.
#[mpy::function(positional)]
fn parity(n: isize) -> &'static str {
    match check_even(n) {
        Ok(_) => "even",
        Err(e) if e.is_instance_of::<ValueError>() => "odd",
        Err(_) => "other",
    }
}

/// `entry(i)`: indexes the table without a check of its own, so an index past
/// the end panics; the panic becomes a Python `RuntimeError`.
#[mpy::function(positional)]
fn entry(i: usize) -> u16 {
    SQUARES[i]
}

/// `sum_list(xs)`: the sum of a list or tuple of ints.
#[mpy::function(positional)]
fn sum_list(xs: Vec<i64>) -> i64 {
    xs.iter().fold(0i64, |a, b| a.wrapping_add(*b))
}

/// `squares(n)`: a new list of the first n squares.
#[mpy::function(positional)]
fn squares(n: usize) -> Vec<u16> {
    SQUARES.iter().copied().take(n).collect()
}

/// `divide(a, b)`: floor division raising ZeroDivisionError.
#[mpy::function(positional)]
fn divide(a: i64, b: i64) -> PyResult<i64> {
    if b == 0 {
        return Err(mpy::err!(ZeroDivisionError, "divide by zero"));
    }
    Ok(a.div_euclid(b))
}

/// `guarded(f, x)`: calls `f(x)`; a ValueError from it becomes the string
/// "caught", any other exception propagates.
#[mpy::function(positional)]
fn guarded(f: Obj, x: Obj) -> PyResult<Obj> {
    match f.call(&[x]) {
        Ok(v) => Ok(v),
        Err(e) if e.is_instance_of::<ValueError>() => mpy::IntoObj::into_obj("caught"),
        Err(e) => Err(e),
    }
}

/// `allocate(n)`: builds n boxed blocks of growing size on MicroPython's heap,
/// frees half of them, and returns the total size of the rest.
#[mpy::function(positional)]
fn allocate(n: usize) -> usize {
    let mut blocks: Vec<Box<[u8]>> = (0..n).map(|i| alloc::vec![i as u8; i + 1].into_boxed_slice()).collect();
    blocks.retain(|b| b.len() % 2 == 0);
    blocks.iter().map(|b| b.len()).sum()
}

#[mpy::module]
fn init(m: &Module<'_>) -> PyResult<()> {
    for f in [
        &nothing::DEF,
        &add::DEF,
        &add3::DEF,
        &choose::DEF,
        &add_calls::DEF,
        &bump_state::DEF,
        &square::DEF,
        &classify::DEF,
        &even::DEF,
        &parity::DEF,
        &entry::DEF,
        &sum_list::DEF,
        &squares::DEF,
        &divide::DEF,
        &guarded::DEF,
        &allocate::DEF,
    ] {
        m.add_function(f)?;
    }
    m.add(qstr!(VERSION), "1.0")?;
    m.add(qstr!(TABLE_SIZE), SQUARES.len())?;
    m.add(qstr!(BIG), 1i64 << 40)?;
    Ok(())
}
