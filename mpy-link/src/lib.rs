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
mod layout;
mod link;
pub mod mpy;
pub mod qstr;
mod relocate;

pub use arch::{Arch, ArchSpec, ARCH_SPECS};
pub use error::LinkError;
pub use input::{Input, InputRef, Library};
pub use link::{
    link, Improvements, LinkOptions, LinkedModule, MpyReloc, RelocBase, RelocDest,
    QSTR_SYMBOL_PREFIX,
};

/// Writes `bytes` to `path` through a temporary file in the same directory
/// and a rename, so a failed or interrupted write never leaves a partial
/// file where a good one was expected.
pub fn write_atomic(path: &std::path::Path, bytes: &[u8]) -> Result<(), LinkError> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let io = |action: &'static str, p: &std::path::Path| {
        let p = p.to_path_buf();
        move |source| LinkError::Io {
            action,
            path: p,
            source,
        }
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp).map_err(io("create", &tmp))?;
        f.write_all(bytes).map_err(io("write", &tmp))?;
        f.sync_all().map_err(io("write", &tmp))?;
        std::fs::rename(&tmp, path).map_err(io("rename into", path))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
