//! What to link and how: the options of a link.

use crate::arch::spec::Arch;
use mpy_sys::abi::MpyAbi;

/// What to link and how.
#[derive(Debug, Clone)]
pub struct LinkOptions {
    /// Target architecture.
    pub arch: Arch,
    /// The `.mpy` ABI the module is for: the sub-version written into the header, the
    /// `mp_fun_table` the module's symbols resolve against (default 6.3).
    pub abi: MpyAbi,
    /// Native qstrs in table order (from the config header; index 1 on).
    pub qstrs: Vec<String>,
    /// String objects of the module's object table, in order: what
    /// `MP_OBJ_NEW_QSTR(MP_QSTR_name)` stands for with MicroPython 1.20's
    /// headers (the config header's `MP_OBJ_NEW_QSTR_MP_QSTR_name` lines).
    /// Empty for everything else.
    pub qstr_objects: Vec<String>,
    /// File name recorded in the `.mpy` (qstr 0), e.g. `features0.mpy`.
    pub source_name: String,
    /// Architecture flags (rv32imc only; 0 for none).
    pub arch_flags: u32,
    /// Fixed-address symbols from an externs script.
    pub externs: Vec<(String, u64)>,
    /// Improvements over `mpy_ld.py` to switch on.
    pub improvements: Improvements,
}

impl LinkOptions {
    /// Options for ABI 6.3 with no qstrs, no flags and no improvements.
    pub fn new(arch: Arch, source_name: impl Into<String>) -> Self {
        LinkOptions {
            arch,
            abi: MpyAbi::DEFAULT,
            qstrs: Vec::new(),
            qstr_objects: Vec::new(),
            source_name: source_name.into(),
            arch_flags: 0,
            externs: Vec::new(),
            improvements: Improvements::default(),
        }
    }
}

/// Documented departures from `mpy_ld.py` output. All off by default, so
/// output stays byte-identical to upstream for inputs it accepts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Improvements {
    /// Place file-local bss and initialised `.data` inside the text image
    /// (where native code lives in writable RAM), so PC-relative accesses
    /// to them work.
    pub static_data: bool,
    /// Drop sections not reachable from `mpy_init`, and GOT entries that no
    /// code reads (`mpy_ld.py` makes one for every absolute data word on
    /// RISC-V).
    pub gc_sections: bool,
}
