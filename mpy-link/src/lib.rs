//! `mpy-link` turns relocatable ELF objects and static archives into
//! MicroPython native modules (`.mpy` files holding machine code), for all
//! ten native architectures. It is a faithful, fast replacement for
//! MicroPython's `tools/mpy_ld.py`, `tools/ar_util.py` and
//! `tools/mpy-tool.py --merge`.
//!
//! The library takes bytes and paths and gives back a [`LinkedModule`]; it
//! never prints and never writes files (the `mpy-link` binary does both).
//! Warnings come back in [`LinkedModule::warnings`].
//!
//! # Phases
//!
//! Each phase reads what the ones before it produced and hands on an
//! immutable value:
//!
//! 1. Load (`input`, `archive`, `ldscript`, `elf`, `select`): read the
//!    objects and pick the archive members that define still-undefined
//!    symbols, into the `model` of objects, sections, relocations and
//!    symbols.
//! 2. Symbols (`symbols`, `gc`): the global symbol table, and the sections
//!    kept (all, or those reachable from `mpy_init` with `gc_sections`).
//! 3. Resolution (`resolve`): what every kept symbol stands for (a place in
//!    a section, an `mp_fun_table` entry, a qstr slot, a fixed address),
//!    and the qstr table in its documented order.
//! 4. GOT (`got`): the entries the module needs (on Xtensa, built from the
//!    literal pools).
//! 5. Layout (`layout`): the block each section goes to, their order and
//!    addresses, the entry trampoline; then the GOT's slot order.
//! 6. Image and relocation (`image`, `relocate`): the bytes, then every
//!    relocation applied by its architecture's code (`arch/`), which sees
//!    one relocation through a narrow `site` and returns bytes and loader
//!    relocations.
//! 7. Encoding ([`mpy::write`]): the native `.mpy`.
//!
//! For the same inputs the output is byte-identical to `mpy_ld.py` at
//! MicroPython 1c3c201149 unless an [`Improvements`] option is switched on.
//!
//! # MicroPython versions
//!
//! [`LinkOptions::abi`] selects the firmware generation ([`MpyAbi`]: 6.1 for
//! MicroPython 1.20-1.21, 6.2 for 1.22, 6.3 for 1.23 and later, the
//! default): the header's sub-version and the `mp_fun_table` entries that
//! firmware objects such as `mp_type_dict` resolve to come from
//! `mpy_sys::abi`. A firmware object the ABI's table lacks
//! (`mp_type_Exception` before 6.3) and an architecture no firmware of the
//! ABI loads (RISC-V before 6.3) are errors.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod arch;
pub mod archive;
mod elf;
pub mod error;
pub mod externs;
mod gc;
mod got;
mod image;
pub mod input;
mod layout;
mod ldscript;
mod link;
mod model;
pub mod mpy;
mod options;
pub mod qstr;
mod relocate;
mod resolve;
mod select;
mod site;
mod symbols;

pub use arch::spec::{Arch, ArchSpec, ARCH_SPECS};
pub use error::LinkError;
pub use input::{Input, Library};
pub use link::{check_abi_loads_arch, link, LinkedModule};
pub use model::InputRef;
pub use mpy::reloc::{MpyReloc, RelocBase, RelocKind};
pub use mpy_sys::abi::{abi_of_persistentcode_h, MpyAbi, TreeAbiError};
pub use mpy_sys::qstr::QSTR_SYMBOL_PREFIX;
pub use options::{Improvements, LinkOptions};
