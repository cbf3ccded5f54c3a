//! Write MicroPython native modules in Rust.
//!
//! `mpy` is the safe layer over [`mpy_sys`]: objects ([`Obj`]), interned strings
//! ([`Qstr`], [`qstr!`]), conversions ([`FromObj`], [`IntoObj`]), errors raised as Python
//! exceptions ([`PyErr`], [`PyResult`], [`exceptions`]), builtin function objects, module
//! initialisation ([`Module`]), classes and module exception types ([`macro@class`], [`Class`],
//! [`create_exception!`]), printing ([`print!`], [`println!`]) and an allocator over
//! MicroPython's GC heap ([`MpHeap`]). The attribute macros [`macro@function`], [`module`] and
//! [`macro@class`] generate the glue:
//!
//! A module is a `#![no_std]` static library built by `cargo mpy build`
//! (`examples/rust-factorial` is this one); the same code also compiles on the host, which
//! is how this example is checked:
//!
//! ```no_run
//! use mpy::{exceptions::ValueError, Module, PyResult};
//!
//! #[mpy::function]
//! fn factorial(n: i64) -> PyResult<i64> {
//!     if n < 0 {
//!         return Err(mpy::err!(ValueError, "negative argument"));
//!     }
//!     Ok((1..=n).product())
//! }
//!
//! #[mpy::module]
//! fn init(m: &Module<'_>) -> PyResult<()> {
//!     m.add_function(&factorial::DEF)?;
//!     m.add(mpy::qstr!(VERSION), 1)?;
//!     Ok(())
//! }
//! # fn main() {}
//! ```
//!
//! A class is a struct marked `#[mpy::class]` ([`Class`]); its constructor and methods are
//! `#[mpy::function]`s (a method takes `&Self` first), registered by the builder or listed
//! in `#[mpy::class(constructor = ..., methods = [...])]`:
//!
//! ```no_run
//! use core::cell::Cell;
//!
//! use mpy::{Module, PyResult};
//!
//! #[mpy::class]
//! struct Counter {
//!     n: Cell<i64>,
//! }
//!
//! #[mpy::function(positional)]
//! fn new(start: i64) -> Counter {
//!     Counter { n: Cell::new(start) }
//! }
//!
//! #[mpy::function(positional)]
//! fn incr(this: &Counter) -> i64 {
//!     this.n.set(this.n.get() + 1);
//!     this.n.get()
//! }
//!
//! #[mpy::module]
//! fn init(m: &Module<'_>) -> PyResult<()> {
//!     m.add_class::<Counter>()?
//!         .constructor(&new::DEF)
//!         .method(&incr::DEF)?
//!         .finish()?;
//!     Ok(())
//! }
//! # fn main() {}
//! ```
//!
//! # Small modules
//!
//! A module as small as its C counterpart (`examples/rust-minimal`, `examples/rust-features1`
//! to `rust-features4`) uses:
//!
//! * `#[mpy::function(positional)]` (no keyword support, so no parameter names at run
//!   time), with parameter and result types without destructors (ints, floats, bools,
//!   `&str`, `Obj`, buffers, tuples of these): converted with one direct firmware call
//!   each, as C does. Integer parameters up to a machine word
//!   share one small helper (a small int is read inline; a big int costs one more call,
//!   a shift that checks its range, since any int out of the parameter type's range raises
//!   `OverflowError`); an `i64` on a 32-bit target links the big-int conversion (about
//!   2 KB);
//! * results built after the function returns rather than objects made inside it: arrays
//!   (lists), [`Tuple`], [`Dict`], [`ByteArray`], [`Builtin`], or an enum with
//!   `#[derive(IntoObj)]`, so no protected call is needed;
//! * [`err!`] with literal messages (raised by one `mp_raise_msg` call; nothing is created
//!   unless Rust code inspects the error);
//! * `#[mpy::module(functions = [...], constants = [...], classes = [...], exceptions =
//!   [...])]` instead of registering things in the init function (stored after init
//!   returns, without a protected call), and classes declared with
//!   `#[mpy::class(constructor = f, methods = [g])]`, whose type objects live in the
//!   module's BSS (built when the module starts if listed, else when first used);
//! * an init function whose body is just `Ok(())`: `mpy_init` then only stores the
//!   listed exports (no globals swap).
//!
//! # Exceptions and `longjmp` (read this once)
//!
//! MicroPython raises with a non-local jump (nlr, a `setjmp`/`longjmp` scheme). The crate
//! keeps that sound with two rules, both enforced inside the crate:
//!
//! 1. **Every firmware call that can raise is protected.** It runs under
//!    [`mpy_sys::nlr::mpy_nlr_protect`], an assembly helper that registers a handler, makes
//!    the call through a trampoline that owns nothing with a destructor, and reports a raise
//!    as `Err(PyErr)`. Your code therefore sees MicroPython exceptions as ordinary `Result`s
//!    and can never be jumped over; your destructors always run.
//! 2. **Raising happens only in the generated trampoline**, after your function returned and
//!    everything it owned was dropped. An `Err(e)` returned from a `#[mpy::function]`
//!    becomes `raise e` at that point.
//!
//! Calls that cannot raise (type queries, printing, the allocator) skip the handler.
//!
//! # Objects and the garbage collector
//!
//! MicroPython's GC finds live objects by scanning the C stack and the heap conservatively.
//! An [`Obj`] in a local variable, a function argument, or inside memory from the
//! [`MpHeap`] allocator is therefore kept alive. [`Obj`] is neither `Send` nor `Sync`, so it
//! cannot be stored in a `static` (which the GC does not scan). Borrowed data (`&str`,
//! `&[u8]`) stays valid while the object it came from is reachable; arguments of the current
//! call always are. The GC recognises pointers to the *start* of a heap block (its first
//! block of 16/32 bytes), so keep the owning `Obj` or `Vec` itself alive, not only a
//! pointer into its middle, across calls that may allocate.
//!
//! # Floats
//!
//! `f32`/`f64` conversions exist on every target except RISC-V, where native modules use the
//! soft-float convention and the firmware may have no float support.
#![no_std]
#![doc(test(attr(deny(warnings))))]
#![warn(
    missing_docs,
    clippy::undocumented_unsafe_blocks,
    clippy::missing_safety_doc
)]

extern crate alloc;
// Lets the proc macros refer to `::mpy` from inside this crate too.
extern crate self as mpy;

// The declaration order is kept as it was when these were all public modules: it decides
// the order of the runtime's functions in a module's code (see `impl_`).
mod alloc_heap;
mod conv;
mod err;
mod ffi;
#[cfg(all(mpy_module, target_os = "linux"))]
mod libc;
mod module;
mod obj;
mod panic;
mod print;

mod class;
pub mod exceptions;
pub mod function;
#[doc(hidden)]
pub mod impl_;
pub mod types;

pub use alloc_heap::MpHeap;
pub use class::{Attrs, Class, ClassBuilder, CustomException, Printer, Repr};
pub use conv::{Buffer, BufferMut, Builtin, ByteArray, Dict, FromObj, IntoObj, Tuple};
pub use err::{Message, PyErr, PyResult, MAX_MESSAGE_LEN};
pub use module::Module;
pub use mpy_macros::{class, function, module, qstr, IntoObj};
pub use obj::{Obj, ObjIter, Qstr};
pub use print::Console;

/// The raw layer, for what the safe API does not cover yet.
pub use mpy_sys as sys;

/// The source directories of the runtime crates when this crate was compiled. `cargo-mpy`
/// depends on `mpy` at build time to find them and carries the sources, so an installed
/// `cargo mpy` builds modules without this checkout or a registry. Not for modules.
#[doc(hidden)]
pub mod __sources {
    /// `mpy`.
    pub const MPY: &str = env!("CARGO_MANIFEST_DIR");
    /// `mpy-sys`.
    pub const MPY_SYS: &str = mpy_sys::__MANIFEST_DIR;
    /// `mpy-macros`.
    pub const MPY_MACROS: &str = mpy_macros::__manifest_dir!();
}
