//! `cargo mpy`: builds MicroPython native modules (`.mpy` files holding
//! machine code) from C, assembly and Python sources, replacing
//! `py/dynruntime.mk` and `make`.
//!
//! The pipeline for one module and one architecture is: qstr scan and
//! config header ([`link`]), C compile ([`compile_c`]), bytecode
//! ([`mpy_cross`]), link and merge ([`link`]). [`context`] resolves the
//! manifest ([`config`]) and the command line into one plan per
//! architecture; [`cli`] holds one module per subcommand. Everything the
//! user sees goes through [`shell`].

#![forbid(unsafe_code)]

pub mod cli;
pub mod compile_c;
pub mod config;
pub mod context;
pub mod fsutil;
pub mod link;
pub mod mpy_cross;
pub mod process;
pub mod rust_build;
pub mod shell;
pub mod templates;
pub mod toolchain;
