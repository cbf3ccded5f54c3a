// Every path in the expansions is fully qualified (`::mpy::impl_::...`, `::core::...`):
// they compile without the prelude, next to items that shadow common names.
#![no_implicit_prelude]
#![allow(dead_code)]

extern crate mpy;

use ::core::cell::Cell;
use mpy::{Module, Obj, PyResult};

// Names the expansions must not pick up by accident.
struct Option;
struct Result;
struct Some;
struct None;
struct Ok;
struct Err;
struct Vec;
struct String;
mod core {}
mod alloc {}
mod sys {}

mpy::create_exception!(Oops);
mpy::create_exception!(BadInput, ::mpy::exceptions::ValueError);

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

#[mpy::function]
fn keywords(a: i64, b: ::core::option::Option<&str>) -> PyResult<i64> {
    match b {
        ::core::option::Option::Some(_) => ::core::result::Result::Err(mpy::err!(Oops, "b given")),
        ::core::option::Option::None => ::core::result::Result::Ok(a),
    }
}

#[mpy::function(positional)]
fn rest(first: Obj, more: &[Obj]) -> (Obj, usize) {
    (first, more.len())
}

#[derive(mpy::IntoObj)]
enum Reply {
    Num(i64),
    Nothing,
}

#[mpy::function(positional, name = "reply")]
fn reply_fn(flag: bool) -> Reply {
    if flag {
        Reply::Num(1)
    } else {
        Reply::Nothing
    }
}

#[mpy::module(
    no_allocator,
    no_panic_handler,
    functions = [new, keywords, rest, reply_fn],
    constants = [ANSWER = 42, NAME = "x"],
    classes = [Counter],
    exceptions = [Oops, BadInput],
)]
fn init(m: &Module<'_>) -> PyResult<()> {
    m.add(mpy::qstr!(EXTRA), 1)?;
    ::core::result::Result::Ok(())
}

fn main() {}
