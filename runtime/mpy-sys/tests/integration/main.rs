//! mpy-sys's one integration test binary. Its tests need no tools:
//!
//! - `abi_facts::*`: the Rust mirrors against the ABI facts in `mpy_sys::abi` (every
//!   `MpFunTable` entry at `index * word size`, in the 6.3 order);
//! - `layout::*`: `MpFunTable` entries the runtime finds by index.

// Tests and benchmarks report on stdout/stderr as libtest does.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod abi_facts;
mod layout;
