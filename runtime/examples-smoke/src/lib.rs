//! Smoke-test native module: `factorial`, a keyword-taking function, a callback into
//! Python, and a constant.
#![no_std]

extern crate alloc;

use alloc::vec::Vec;
use mpy::exceptions::ValueError;
use mpy::{qstr, Module, Obj, PyErr, PyResult};

/// `factorial(n)`: fixed-arity builtin.
#[mpy::function(positional)]
fn factorial(n: i64) -> PyResult<i64> {
    if n < 0 {
        return Err(PyErr::new::<ValueError>(format_args!(
            "factorial() not defined for {n}"
        )));
    }
    (1..=n)
        .try_fold(1i64, |acc, k| acc.checked_mul(k))
        .ok_or_else(|| PyErr::new::<ValueError>("result too large"))
}

/// `greet(name, punctuation=None)`: keyword arguments, str in, str out, heap use.
#[mpy::function]
fn greet(name: &str, punctuation: Option<&str>) -> alloc::string::String {
    let mut s = alloc::string::String::from("hello, ");
    s.push_str(name);
    s.push_str(punctuation.unwrap_or("!"));
    s
}

/// `apply(f, items)`: calls back into Python for each item, returns a list.
#[mpy::function]
fn apply(f: Obj, items: Vec<Obj>) -> PyResult<Vec<Obj>> {
    items.iter().map(|x| f.call(&[*x])).collect()
}

#[mpy::module]
fn init(m: &Module<'_>) -> PyResult<()> {
    m.add_function(&factorial::DEF)?;
    m.add_function(&greet::DEF)?;
    m.add_function(&apply::DEF)?;
    m.add(qstr!(VERSION), (0, 1))?;
    mpy::println!("smoke module loaded");
    Ok(())
}
