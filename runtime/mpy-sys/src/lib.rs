//! Raw FFI definitions for MicroPython native modules (`.mpy` files holding machine code).
//!
//! This crate is the `-sys` layer of the `mpy` runtime: `#[repr(C)]` mirrors of the C
//! structures a dynamically loaded native module sees, the `mp_fun_table` through which it
//! reaches the firmware, the object-representation constants and the extern symbols that the
//! `cargo-mpy` linker resolves. Nothing here is safe to use directly; the `mpy` crate builds
//! the safe API on top of it.
//!
//! Reference: MicroPython v1.29 (`.mpy` version 6, sub-version 3); the table differs for
//! the older ABIs 6.1 and 6.2 (MicroPython 1.20-1.22), which [`abi`] describes and
//! [`MpFunTable`] follows when the module is built for one (`--cfg mpy_abi="6.2"`, set by
//! `cargo mpy build --mpy-abi 6.2`). Every item names the C item it mirrors. Only object representation A (the default on every port that loads
//! native modules) is described.
//!
//! # How the module reaches the firmware
//!
//! A native module has no symbol table at run time. All firmware services come through one
//! table, [`mp_fun_table`], whose address the loader patches into the module's GOT. The
//! linker additionally maps a few symbol names onto table entries:
//!
//! * the type and stream objects in [`externs`] (`mp_type_fun_builtin_1`, …) resolve to the
//!   *value* of the table's object entries, so `&raw const mp_type_fun_builtin_1` gives the firmware
//!   address of that type, exactly like C's `&mp_type_fun_builtin_1`;
//! * an undefined symbol `__mpy_qstr_<name>` resolves to a slot of the module's qstr table,
//!   so reading it as a `u16` gives the run-time qstr number of `<name>` (see [`qstr`]).
//!
//! Accesses compile to GOT loads because the crates are built with
//! `-C relocation-model=pic` and these symbols are undefined in the module.
//!
//! # Non-local returns
//!
//! MicroPython raises exceptions with `nlr` (a setjmp/longjmp scheme). [`nlr`] holds the
//! buffer layout and [`nlr::mpy_nlr_protect`], a small assembly helper that is the only
//! sound way for Rust code to catch such a jump. Read its documentation before calling any
//! table entry that may raise.
#![no_std]
#![doc(test(attr(deny(warnings))))]
#![allow(non_camel_case_types, non_upper_case_globals)]
#![warn(
    missing_docs,
    clippy::undocumented_unsafe_blocks,
    clippy::missing_safety_doc
)]

pub mod abi;
pub mod consts;
pub mod externs;
pub mod fun_table;
pub mod nlr;
pub mod obj;
pub mod qstr;
pub mod static_qstrs;

/// This crate's source directory when it was compiled. `cargo-mpy` carries the runtime's
/// sources and finds them through this (a build dependency); not for modules.
#[doc(hidden)]
pub const __MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");

pub use consts::*;
pub use externs::*;
pub use fun_table::{mp_fun_table, MpFunTable, FUN_TABLE_LEN};
pub use nlr::{NlrBuf, ProtectFrame};
pub use obj::*;
