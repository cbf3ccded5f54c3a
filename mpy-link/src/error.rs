//! The typed errors of the library. Every variant names where the problem
//! is: the input (`libm.a(s_sin.o)`), section, symbol and offset when known,
//! and ends with what to do about it when there is something to do.

use std::path::PathBuf;

use crate::arch::spec::Arch;
use crate::model::InputRef;
use crate::mpy::error::MpyError;
use mpy_sys::abi::MpyAbi;

/// Everything that can make a link fail.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LinkError {
    /// A file could not be read or written.
    #[error("cannot {action} `{}`: {source}", path.display())]
    Io {
        /// What was being done ("read", "write", "rename").
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },

    /// The input is not a relocatable ELF object (or is corrupt).
    #[error("{input}: not a valid relocatable ELF object: {reason}; pass the `.o` files your compiler produced with `-c`")]
    BadObject {
        /// The input.
        input: InputRef,
        /// What is wrong.
        reason: String,
    },

    /// The object was compiled for another architecture.
    #[error("{input}: object is for {found}, but the link is for {expected} ({expected_machine}); compile it with the {expected} cross compiler")]
    WrongArch {
        /// The input.
        input: InputRef,
        /// Machine found in the object.
        found: String,
        /// Architecture of the link.
        expected: Arch,
        /// Machine that architecture needs.
        expected_machine: &'static str,
    },

    /// Code of another calling convention of the same machine (Xtensa:
    /// windowed ESP32 code and call0 ESP8266 code).
    #[error("{input}: contains {found} code ({how}), but the link is for {expected} code; {fix}")]
    CallingConvention {
        /// The input.
        input: InputRef,
        /// The convention found.
        found: &'static str,
        /// The convention of the link.
        expected: &'static str,
        /// How it was recognised.
        how: String,
        /// What to do instead.
        fix: &'static str,
    },

    /// An archive is truncated or malformed.
    #[error("{path}: invalid static archive: {reason}")]
    BadArchive {
        /// The archive file.
        path: String,
        /// What is wrong.
        reason: String,
    },

    /// GNU ld scripts that name each other in a loop.
    #[error("linker scripts include each other in a loop: {}", .chain.join(" -> "))]
    LdScriptCycle {
        /// The scripts from the first one opened back to the repeated one.
        chain: Vec<String>,
    },

    /// A GNU ld script given as a library could not be understood.
    #[error("{path}: unsupported linker script: {reason}; only `GROUP(...)` and `OUTPUT_FORMAT(...)` are understood")]
    BadLdScript {
        /// The script.
        path: String,
        /// What is wrong.
        reason: String,
    },

    /// An externs script line could not be understood.
    #[error("{path}:{line}: {reason}")]
    BadExterns {
        /// The externs file.
        path: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },

    /// A non-empty writable `.data` section (not supported in compatible mode).
    #[error("{input}: section `{section}` is non-empty ({size} bytes of initialised writable data); native modules cannot have initialised static data in mpy_ld.py-compatible mode: make it `const`, allocate it at run time, or enable static data (`--static-data`)")]
    DataSection {
        /// The input.
        input: InputRef,
        /// The section.
        section: String,
        /// Its size.
        size: u64,
    },

    /// Symbols nobody defines.
    #[error("{}", format_undefined(.0))]
    Undefined(Vec<(InputRef, String)>),

    /// A global symbol is defined twice (`first == second` when one object
    /// defines it twice).
    #[error("duplicate symbol `{symbol}`: {}", format_places(.first, .second))]
    Duplicate {
        /// The symbol.
        symbol: String,
        /// First definition.
        first: InputRef,
        /// Second definition.
        second: InputRef,
    },

    /// Two archive members define the same symbol.
    #[error("multiple definitions of `{symbol}` in static libraries: {first} and {second}")]
    ArchiveDuplicate {
        /// The symbol.
        symbol: String,
        /// First member.
        first: String,
        /// Second member.
        second: String,
    },

    /// A relocation refers to a symbol defined in a section the link does
    /// not take.
    #[error("{input}: symbol `{symbol}` is defined in section `{section}`, which a native module cannot contain (only .text*, .rodata*, .data.rel.ro* and .bss* sections are linked)")]
    UnlinkedSection {
        /// The object.
        input: InputRef,
        /// The symbol (the section name for a section symbol).
        symbol: String,
        /// The section it is defined in.
        section: String,
    },

    /// A relocation refers to a common symbol.
    #[error("{input}: `{symbol}` is a common symbol; compile with `-fno-common`")]
    CommonSymbol {
        /// The object.
        input: InputRef,
        /// The symbol.
        symbol: String,
    },

    /// A `__mpy_qstr_` symbol whose spelling does not decode to a qstr.
    #[error("{input}: `{symbol}` is not a valid qstr symbol: after `__mpy_qstr_` come bytes [A-Za-z0-9_] and `$` with two hex digits for any other byte, forming UTF-8 text")]
    BadQstrSymbol {
        /// The object.
        input: InputRef,
        /// The symbol.
        symbol: String,
    },

    /// A GOT entry would point where the loader cannot relocate a word to.
    #[error("{input}: GOT entry for `{symbol}` points into the {} `{section}`, which the loader cannot relocate", .class)]
    GotTarget {
        /// The object defining the target.
        input: InputRef,
        /// The symbol the entry is for.
        symbol: String,
        /// The target section's kind in words.
        class: &'static str,
        /// The target section.
        section: String,
    },

    /// A reference past the end of `mp_fun_table`.
    #[error("{input}: `mp_fun_table` + {offset} is not an entry of the table ({entries} entries of {word} bytes)")]
    FunTableOffset {
        /// The object holding the reference.
        input: InputRef,
        /// The byte offset into the table.
        offset: i64,
        /// Number of entries the table has.
        entries: usize,
        /// Size of an entry.
        word: u64,
    },

    /// No `mpy_init` entry point.
    #[error("no `mpy_init` is defined in any input; a native module needs an entry point `mpy_init` (MP_DYNRUNTIME_INIT_ENTRY)")]
    NoEntry,

    /// A relocation type this linker does not handle.
    #[error("{at}: unsupported relocation {} against `{}`{hint}", at.reloc, at.symbol)]
    UnsupportedReloc {
        /// Where.
        at: Box<RelocSite>,
        /// Extra advice, starting with "; " when non-empty.
        hint: String,
    },

    /// A relocated value does not fit its field (jump too long, ...).
    #[error("{at}: {} against `{}` out of range: value {value:#x} does not fit in {bits} bits; the module is too large for this instruction's reach", at.reloc, at.symbol)]
    Overflow {
        /// Where.
        at: Box<RelocSite>,
        /// The value computed.
        value: i64,
        /// Width of the field.
        bits: u32,
    },

    /// A relocation the MicroPython loader cannot honour (static bss, ...).
    #[error("{input}: section `{section}` offset {offset:#x}: {reason}")]
    Unrelocatable {
        /// The input.
        input: InputRef,
        /// The section holding the relocation.
        section: String,
        /// Offset in that section.
        offset: u64,
        /// What cannot be done and what to do instead.
        reason: String,
    },

    /// The module uses a firmware object the selected ABI's `mp_fun_table` does not hold.
    #[error("{input}: `{symbol}` is in mp_fun_table only from .mpy ABI {since} ({since_releases}); this module is linked for ABI {abi} ({abi_releases}): link for {since} or later, or look the object up at run time")]
    NotInAbi {
        /// The input referring to it.
        input: InputRef,
        /// The symbol.
        symbol: String,
        /// The ABI linked for.
        abi: MpyAbi,
        /// Its releases.
        abi_releases: &'static str,
        /// The first ABI with the entry.
        since: MpyAbi,
        /// Its releases.
        since_releases: &'static str,
    },

    /// No firmware of the selected ABI loads native code for the architecture.
    #[error("no firmware of .mpy ABI {abi} ({releases}) loads native code for {arch}; MicroPython loads {arch} modules from {since} on: link for ABI {needs}")]
    ArchNotInAbi {
        /// The architecture.
        arch: Arch,
        /// The ABI asked for.
        abi: MpyAbi,
        /// Its releases.
        releases: &'static str,
        /// The first release whose firmware loads the architecture (`1.24`).
        since: String,
        /// The oldest ABI whose firmware loads it.
        needs: MpyAbi,
    },

    /// Invalid `--arch-flags`.
    #[error("invalid architecture flags `{value}`: {reason}")]
    ArchFlags {
        /// The value given.
        value: String,
        /// What is wrong.
        reason: String,
    },

    /// Reading an `.mpy` file failed.
    #[error(transparent)]
    Mpy(#[from] MpyError),

    /// Anything else, with a full sentence.
    #[error("{0}")]
    Other(String),
}

/// Where a relocation is: input, section, offset, type and symbol.
#[derive(Debug, Clone)]
pub struct RelocSite {
    /// The input.
    pub input: InputRef,
    /// The section holding the relocation.
    pub section: String,
    /// Offset in that section.
    pub offset: u64,
    /// Relocation name (`R_ARM_THM_CALL`, or `type 200` when unknown).
    pub reloc: String,
    /// Target symbol (or section name for section symbols).
    pub symbol: String,
}

impl std::fmt::Display for RelocSite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: section `{}` offset {:#x}",
            self.input, self.section, self.offset
        )
    }
}

impl LinkError {
    /// The undefined symbols, with the input that refers to each, when this
    /// error is about symbols nobody defines; callers that give advice on
    /// missing libraries match on this instead of the message text.
    pub fn undefined_symbols(&self) -> Option<&[(InputRef, String)]> {
        match self {
            LinkError::Undefined(list) => Some(list),
            _ => None,
        }
    }
}

fn format_places(first: &InputRef, second: &InputRef) -> String {
    if first == second {
        format!("defined twice in {first}")
    } else {
        format!("defined in {first} and in {second}")
    }
}

fn format_undefined(list: &[(InputRef, String)]) -> String {
    let mut out = String::new();
    for (i, (input, sym)) in list.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&format!("{input}: undefined symbol `{sym}`"));
    }
    out.push_str("\nhelp: define it in one of the objects, link the static library that provides it (`-l lib.a`), or give its fixed address in an externs file (`-e`); native modules can only reach the firmware through `mp_fun_table`");
    out
}

/// Shorthand for results of this crate.
pub type Result<T, E = LinkError> = std::result::Result<T, E>;
