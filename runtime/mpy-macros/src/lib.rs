//! Procedural macros of the `mpy` runtime. Use them through `mpy` (`#[mpy::function]`,
//! `#[mpy::module]`, `mpy::qstr!`); this crate only holds the entry points. Parsing and code
//! generation live in the private modules so they can be unit-tested with `parse_quote!`.

use proc_macro::TokenStream;

mod class;
mod function;
mod into_obj;
mod module;
mod qstr;
mod utils;

/// This crate's source directory when it was compiled, as a string literal (for
/// `mpy::__sources`, which `cargo-mpy`'s build reads). Not for modules.
#[doc(hidden)]
#[proc_macro]
pub fn __manifest_dir(_input: TokenStream) -> TokenStream {
    let dir = env!("CARGO_MANIFEST_DIR");
    quote::quote!(#dir).into()
}

/// Turn a Rust function into a MicroPython builtin function.
///
/// Generates, next to the function, a module of the same name holding `DEF`, the function
/// object (`m.add_function(&name::DEF)?`). Parameters are converted with `mpy::FromObj`,
/// the result with `mpy::IntoObj`; returning `Err(e)` (any `E: Into<PyErr>`) raises `e`.
/// Parameters may be passed by position or keyword; `Option<T>` parameters are optional.
///
/// Options: `name = "py_name"` (the Python-visible name), `positional` (no keyword
/// arguments; 0..=3 required parameters become a fixed-arity builtin, the cheapest call).
#[proc_macro_attribute]
pub fn function(attr: TokenStream, item: TokenStream) -> TokenStream {
    function::expand(attr.into(), item.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Expose a struct (or enum) to Python as a class: implements `mpy::class::Class`.
///
/// Declare it with `#[mpy::class(constructor = f, methods = [g, h])]` (`f` returns the
/// class, `g` and `h` take `&Self` first) and list it in `#[mpy::module(classes = [T])]`,
/// which builds its type first thing in `mpy_init`; or register it in the module's init
/// with `m.add_class::<T>()?` and the builder's `constructor`, `method`, `constant`,
/// `repr`, `attrs`, `eq`, then `finish()`. Option: `name = "PyName"` (default: the Rust
/// name).
#[proc_macro_attribute]
pub fn class(attr: TokenStream, item: TokenStream) -> TokenStream {
    class::expand(attr.into(), item.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Mark the module's init function, `fn(&mpy::Module<'_>) -> mpy::PyResult<()>`.
///
/// Generates the exported entry point `mpy_init` (swap in the module globals, run the init
/// function, restore the globals on every path, raise its error; an init function whose
/// body is just `Ok(())` runs no code, so then nothing is swapped), the `#[global_allocator]`
/// over MicroPython's heap and the `#[panic_handler]`; options `no_allocator` and
/// `no_panic_handler` leave those out. Both are generated only for `panic = "abort"` builds
/// outside `cfg(test)` (what `cargo mpy build` makes), so a module crate's tests and doc tests
/// on the host keep the standard library's.
///
/// `functions = [f, g]` lists `#[mpy::function]` items to store in the module namespace
/// when the init function returns `Ok` (instead of `m.add_function(&f::DEF)?` inside it);
/// `constants = [VAL = 42, MSG = qstr!(HELLO)]` does the same for values whose types have no
/// destructor (ints, floats, bools, `&'static str`, qstrs; checked at compile time). Stored
/// from a frame that owns nothing, they need no protected call, which keeps small modules
/// as small as their C counterparts.
#[proc_macro_attribute]
pub fn module(attr: TokenStream, item: TokenStream) -> TokenStream {
    module::expand(attr.into(), item.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// The run-time number of an interned string: `qstr!(name)` or `qstr!("any string")`.
///
/// Expands to a read of the undefined symbol `__mpy_qstr_<spelling>`, which the `cargo-mpy`
/// linker maps to a slot of the module's qstr table (see `mpy_sys::qstr` for the spelling of
/// names that are not identifiers).
#[proc_macro]
pub fn qstr(input: TokenStream) -> TokenStream {
    qstr::expand(input.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// `#[derive(IntoObj)]`: convert an enum by converting the one field of each variant (a
/// unit variant becomes `None`), or a one-field struct as its field. Lets a function return
/// different kinds of value (`enum Access { All([u16; 4]), One(u16), Stored }`) and still
/// have the result converted after it returns, with direct firmware calls when no variant
/// owns anything with a destructor.
#[proc_macro_derive(IntoObj)]
pub fn derive_into_obj(item: TokenStream) -> TokenStream {
    into_obj::expand(item.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
