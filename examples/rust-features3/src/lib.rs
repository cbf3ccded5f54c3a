//! features3: MicroPython's examples/natmod/features3 in Rust, function for
//! function, so that the two can be compared byte for byte: builtin types,
//! constant objects and a dict built from the arguments.
#![no_std]

use mpy::{qstr, types, Builtin, Dict, IntoObj, Module, Obj, PyResult, Tuple};

/// `get_types()`: a tuple of nine builtin types. Those the firmware's table
/// holds come straight from it, `NoneType` and `bool` from a value, and the
/// rest by name, as a C module finds them.
#[mpy::function(positional)]
fn get_types() -> (Obj, Obj, Obj, Builtin, Obj, Builtin, Builtin, Obj, Obj) {
    (
        types::type_(),
        Obj::none().type_obj(),
        Obj::bool(false).type_obj(),
        Builtin(qstr!(int)),
        types::str_(),
        Builtin(qstr!(bytes)),
        Builtin(qstr!(tuple)),
        types::list(),
        types::dict(),
    )
}

/// `get_const_objects()`: `(None, False, True, b'', ())`.
#[mpy::function(positional)]
fn get_const_objects() -> (Obj, bool, bool, &'static [u8], Tuple<[Obj; 0]>) {
    (Obj::none(), false, true, b"", Tuple([]))
}

/// `make_dict(k1, v1, k2, v2, ...)`: a dict of the pairs (an odd last
/// argument is ignored).
#[mpy::function(positional)]
fn make_dict(args: &[Obj]) -> impl IntoObj + '_ {
    Dict(args.chunks_exact(2).map(|kv| (kv[0], kv[1])))
}

#[mpy::module(functions = [make_dict, get_types, get_const_objects])]
fn init(_m: &Module<'_>) -> PyResult<()> {
    Ok(())
}
