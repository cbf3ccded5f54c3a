//! features1: MicroPython's examples/natmod/features1 in Rust, function for
//! function, so that the two can be compared byte for byte: functions of
//! fixed and variable arity, a helper, constants, a list, an exception,
//! allocation, BSS, rodata and relocated pointers in rodata.
#![no_std]

use core::sync::atomic::{AtomicU16, Ordering};

use mpy::exceptions::ValueError;
use mpy::{qstr, ByteArray, IntoObj, Module, PyResult};

/// BSS: four zero-initialised half-words.
static DATA16: [AtomicU16; 4] = [const { AtomicU16::new(0) }; 4];

/// Rodata: the first Fibonacci numbers, and two half-words.
static TABLE8: [u8; 8] = [0, 1, 1, 2, 3, 5, 8, 13];
static TABLE16: [u16; 2] = [0x1000, 0x2000];

/// Relocated pointers in rodata: into BSS, and into rodata.
static TABLE_PTR16A: [&AtomicU16; 4] = [&DATA16[0], &DATA16[1], &DATA16[2], &DATA16[3]];
static TABLE_PTR16B: [&u16; 2] = [&TABLE16[0], &TABLE16[1]];

/// `add(x, y)`: x + y on machine words.
#[mpy::function(positional)]
fn add(x: isize, y: isize) -> isize {
    x.wrapping_add(y)
}

fn fibonacci_helper(x: isize) -> isize {
    match TABLE8.get(x as usize) {
        Some(&v) => v as isize,
        None => fibonacci_helper(x - 1).wrapping_add(fibonacci_helper(x - 2)),
    }
}

/// `fibonacci(x)`: raises ValueError for a negative x.
#[mpy::function(positional)]
fn fibonacci(x: isize) -> PyResult<isize> {
    if x < 0 {
        return Err(mpy::err!(
            ValueError,
            "can't compute negative Fibonacci number"
        ));
    }
    Ok(fibonacci_helper(x))
}

/// What `access` returns: all the half-words (a list), one of them, or `None` after a
/// store. Returned by value, it is converted after `access` returns.
#[derive(IntoObj)]
enum Access {
    All([u16; 4]),
    One(u16),
    Stored,
}

/// `access()`: the BSS half-words as a list; `access(i)`: one of them;
/// `access(i, v)`: store v through the relocated pointer table.
#[mpy::function(positional)]
fn access(index: Option<isize>, value: Option<isize>) -> Access {
    let Some(index) = index else {
        return Access::All(core::array::from_fn(|i| DATA16[i].load(Ordering::Relaxed)));
    };
    let slot = (index & 3) as usize;
    match value {
        None => Access::One(DATA16[slot].load(Ordering::Relaxed)),
        Some(v) => {
            TABLE_PTR16A[slot].store(v as u16, Ordering::Relaxed);
            Access::Stored
        }
    }
}

/// `make_array()`: a bytearray holding the half-words the rodata pointers
/// point at.
#[mpy::function(positional)]
fn make_array() -> ByteArray<[u8; 4]> {
    let [a, b] = [TABLE_PTR16B[0].to_ne_bytes(), TABLE_PTR16B[1].to_ne_bytes()];
    ByteArray([a[0], a[1], b[0], b[1]])
}

#[mpy::module(
    functions = [add, fibonacci, access, make_array],
    constants = [VAL = 42, MSG = qstr!(HELLO_MICROPYTHON)],
)]
fn init(_m: &Module<'_>) -> PyResult<()> {
    mpy::print!("initialising module features1\n");
    Ok(())
}
