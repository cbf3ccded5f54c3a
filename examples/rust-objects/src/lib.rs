//! objects: the Rust counterpart of MicroPython's examples/natmod/features3:
//! looking at types, the constant objects, and dicts both ways.
#![no_std]

extern crate alloc;

use alloc::collections::BTreeMap;
use alloc::string::String;

use mpy::exceptions::KeyError;
use mpy::{qstr, Module, Obj, PyResult, Qstr};

/// `type_name(x)`: the name of x's type, as a str.
#[mpy::function(positional)]
fn type_name(x: Obj) -> Qstr {
    x.type_name()
}

/// `kind(x)`: a coarse classification done in Rust.
#[mpy::function(positional)]
fn kind(x: Obj) -> &'static str {
    if x.is_none() {
        "none"
    } else if x.is_small_int() {
        "small int"
    } else if x.is_str() {
        "str"
    } else if x.is_tuple() || x.is_list() {
        "sequence"
    } else if x.is_dict() {
        "dict"
    } else {
        "other"
    }
}

/// `constants()`: the constant objects None, False, True, the empty tuple and
/// a qstr-backed str, in a tuple.
#[mpy::function(positional)]
fn constants() -> PyResult<Obj> {
    Obj::new_tuple(&[
        Obj::none(),
        Obj::bool(false),
        Obj::bool(true),
        Obj::new_tuple(&[])?,
        Obj::qstr(qstr!(constant)),
    ])
}

/// `squares_dict(n)`: {i: i*i for i in range(n)}, built from a BTreeMap.
#[mpy::function(positional)]
fn squares_dict(n: i64) -> BTreeMap<i64, i64> {
    (0..n).map(|i| (i, i * i)).collect()
}

/// `invert(d)`: a new dict mapping each value of `d` (str keys, int values)
/// back to its key.
#[mpy::function(positional)]
fn invert(d: BTreeMap<String, i64>) -> BTreeMap<i64, String> {
    d.into_iter().map(|(k, v)| (v, k)).collect()
}

/// `lookup(d, key, default)`: `d[key]`, or `default` when the key is missing
/// (KeyError caught in Rust; other errors propagate).
#[mpy::function(positional)]
fn lookup(d: Obj, key: Obj, default: Obj) -> PyResult<Obj> {
    match d.get_item(key) {
        Err(e) if e.is_instance_of::<KeyError>() => Ok(default),
        other => other,
    }
}

/// `tally(words)`: a dict counting each word in a list, built in place with
/// `Obj::set_item`.
#[mpy::function(positional)]
fn tally(words: alloc::vec::Vec<Obj>) -> PyResult<Obj> {
    let d = Obj::new_dict()?;
    for w in words {
        let n = match d.get_item(w) {
            Ok(v) => v.extract::<i64>()?,
            Err(e) if e.is_instance_of::<KeyError>() => 0,
            Err(e) => return Err(e),
        };
        d.set_item(w, n + 1)?;
    }
    Ok(d)
}

#[mpy::module]
fn init(m: &Module<'_>) -> PyResult<()> {
    for f in [
        &type_name::DEF,
        &kind::DEF,
        &constants::DEF,
        &squares_dict::DEF,
        &invert::DEF,
        &lookup::DEF,
        &tally::DEF,
    ] {
        m.add_function(f)?;
    }
    // A constant dict at module level.
    let config = Obj::new_dict()?;
    config.set_item(qstr!(mode), qstr!(fast))?;
    config.set_item(qstr!(level), 3)?;
    m.add(qstr!(CONFIG), config)?;
    Ok(())
}
