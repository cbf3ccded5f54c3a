//! `cargo mpy`: builds MicroPython native modules (`.mpy` files holding
//! machine code) from C, assembly, Python and Rust sources, replacing
//! `py/dynruntime.mk` and `make`.
//!
//! # The library
//!
//! The `cargo-mpy` binary is a thin command line over this crate, and the
//! test suite builds modules through the same calls:
//!
//! - [`build`] with [`BuildOptions`] builds a package (its
//!   `[package.metadata.mpy]` table) for one or more architectures and
//!   returns what it wrote ([`Built`]). Messages go to a [`Shell`].
//! - [`toolchain`] is the per-architecture toolchain table
//!   ([`Toolchain::of`](toolchain::Toolchain::of)): C compiler, C flags,
//!   float implementation, Debian packages, C library, Rust target. It also
//!   finds the C compiler on this machine.
//! - [`error::MissingTool`] is the error for a tool that is not installed.
//! - [`cli`] holds the command line, one module per subcommand.
//! - [`rustc_wrapper`] is the binary's other mode: the `RUSTC_WRAPPER` that
//!   makes Rust modules independent of the checkout directory.
//!
//! # The build
//!
//! A build is resolved once into a context (the project and one plan per
//! architecture: sources, compiler and flags, link inputs, output paths),
//! then an orchestrator runs the phases with data passed between them: qstr
//! scan and config header, compile (C, assembly and `mpy-cross`), the Rust
//! static library, then per architecture link, merge and write.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod board;
pub mod cli;
pub mod error;
pub mod helpers;
pub mod rustc_wrapper;
pub mod shell;
pub mod toolchain;

pub(crate) mod compile_c;
mod config;
mod context;
mod diagnostics;
mod fsutil;
#[doc(hidden)]
pub mod fuzz;
mod link;
mod link_help;
mod lock;
mod module_name;
mod mpy_cross;
mod orchestrator;
mod process;
mod runtime;
mod rust_build;
mod templates;

pub use context::{BuildOptions, SkippedArch};
pub use orchestrator::{build, build_report, BuildReport, Built};
pub use shell::{Shell, Verbosity};
