//! `mpy-link` turns relocatable ELF objects and static archives into
//! MicroPython native modules (`.mpy` files holding machine code), for all
//! ten native architectures. It is a faithful, fast replacement for
//! MicroPython's `tools/mpy_ld.py`, `tools/ar_util.py` and
//! `tools/mpy-tool.py --merge`.
//!
//! # Phases
//!
//! 1. [`input`]: read objects (from paths or bytes) and archives; pick the
//!    archive members that define still-undefined symbols.
//! 2. `symbols`: resolve every undefined symbol to a definition, to an
//!    entry of `mp_fun_table`, to the qstr or object table, or to a fixed
//!    address from an externs script.
//! 3. `layout`: place the entry trampoline, the sections, the GOT (and on
//!    Xtensa the literal pool) in the text, rodata and bss images.
//! 4. `relocate`: apply every ELF relocation (per-architecture code lives in
//!    `arch/`) and record the relocations the MicroPython loader must do.
//! 5. [`mpy::write`]: encode the native `.mpy`.
//!
//! For the same inputs the output is byte-identical to `mpy_ld.py` at
//! MicroPython 1c3c201149 unless an [`Improvements`] option is switched on.
//! The library never prints; warnings come back in [`LinkedModule::warnings`].

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod arch;
pub mod error;
pub mod externs;
pub mod input;
mod link;
pub mod mpy;
pub mod qstr;
mod static_qstrs;

pub use arch::{Arch, ArchSpec, ARCH_SPECS};
pub use error::LinkError;
pub use input::InputRef;

