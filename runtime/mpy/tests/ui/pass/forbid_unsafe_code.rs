// The expansions compile in a crate that forbids unsafe code: their unsafe blocks,
// `unsafe extern` declarations and `#[unsafe(no_mangle)]`/`#[unsafe(export_name)]`
// attributes carry the macros' own spans, which the lint does not look at (it reports only
// unsafe code written in the crate). Every macro and option is used.
#![forbid(unsafe_code)]
#![allow(dead_code)]

use core::cell::Cell;

use mpy::{Buffer, Module, Obj, PyResult};

mpy::create_exception!(Oops);

#[mpy::class(constructor = new, methods = [get])]
struct Counter {
    n: Cell<i64>,
}

#[mpy::function(positional)]
fn new(start: i64) -> Counter {
    Counter { n: Cell::new(start) }
}

#[mpy::function(positional)]
fn get(this: &Counter) -> i64 {
    this.n.get()
}

#[mpy::function(positional)]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

#[mpy::function]
fn describe(b: Buffer<'_>, sep: Option<&str>, items: Vec<Obj>) -> PyResult<(usize, String)> {
    if b.data.is_empty() {
        return Err(mpy::err!(Oops, "empty"));
    }
    Ok((items.len(), String::from(sep.unwrap_or(","))))
}

#[derive(mpy::IntoObj)]
enum Reply {
    Num(i64),
    Nothing,
}

#[mpy::function(positional)]
fn reply(flag: bool) -> Reply {
    if flag {
        Reply::Num(1)
    } else {
        Reply::Nothing
    }
}

#[mpy::module(
    no_allocator,
    no_panic_handler,
    functions = [add, describe, reply],
    constants = [ANSWER = 42],
    classes = [Counter],
    exceptions = [Oops],
)]
fn init(m: &Module<'_>) -> PyResult<()> {
    m.add(mpy::qstr!(EXTRA), 1)?;
    mpy::println!("init");
    Ok(())
}

fn main() {}
