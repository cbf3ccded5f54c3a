//! The ten native architectures as data: one row of linking facts per
//! [`Arch`]. Toolchain facts (compilers, C flags, float implementation) are
//! not linking facts and live with the build tool.

use std::fmt;
use std::str::FromStr;

/// A MicroPython native architecture, named as `mpy_ld.py --arch` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Arch {
    /// 32-bit x86 (`i686`).
    X86,
    /// x86-64.
    X64,
    /// ARM Cortex-M0/M0+ (Thumb-1).
    Armv6m,
    /// ARM Cortex-M3 (Thumb-2).
    Armv7m,
    /// ARM Cortex-M4 with single-precision FPU.
    Armv7emsp,
    /// ARM Cortex-M7 with double-precision FPU.
    Armv7emdp,
    /// Xtensa LX106 (ESP8266).
    Xtensa,
    /// Xtensa with windowed registers (ESP32).
    Xtensawin,
    /// 32-bit RISC-V with compressed instructions.
    Rv32imc,
    /// 64-bit RISC-V with compressed instructions.
    Rv64imc,
}

/// The instruction-set family of an [`Arch`]; relocation numbers and
/// instruction encodings are per family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    I386,
    X86_64,
    Arm,
    Xtensa,
    RiscV,
}

/// Shape of the entry trampoline (a jump placed at text offset 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JumpKind {
    X86,
    Thumb1,
    Thumb2,
    Xtensa,
    RiscV,
}

/// Shape of the absolute-jump stub used for `memset`/`memmove`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StubKind {
    X86,
    X64,
    Thumb,
    RiscV32,
    RiscV64,
    /// No stub: the architecture reaches `memset`/`memmove` through the GOT only.
    None,
}

/// Everything about linking for one architecture that differs by data
/// rather than by code.
#[derive(Debug, Clone, Copy)]
pub struct ArchSpec {
    /// The architecture this row describes.
    pub arch: Arch,
    /// Name used on the command line and in `[package.metadata.mpy]`.
    pub name: &'static str,
    /// The `MP_NATIVE_ARCH_*` code stored in the `.mpy` header.
    pub mpy_code: u8,
    /// ELF `e_machine` of its objects.
    pub e_machine: u16,
    /// Name of that machine, for messages.
    pub machine_name: &'static str,
    /// Size of a pointer (and of a GOT entry) in bytes.
    pub word_size: u8,
    /// Rodata goes into its own heap blob instead of the text image.
    pub separate_rodata: bool,
    /// Native code is committed to memory that allows only 32-bit access
    /// (instruction RAM), so data cannot share the text image.
    pub text_is_iram: bool,
    /// Whether `--arch-flags` (extension bits in the header) apply.
    pub(crate) arch_flags: bool,
    /// Alignments of the section holding `mpy_init` known to work (others
    /// get a warning).
    pub(crate) entry_aligns: &'static [u64],
    /// The GOT is made from the literal pools and placed first, followed by
    /// the literal table (Xtensa's `l32r` only reaches backwards).
    pub(crate) literal_pools: bool,
    pub(crate) family: Family,
    pub(crate) jump: JumpKind,
    pub(crate) stub: StubKind,
}

/// What one family's relocation numbers mean, as data. The values live in
/// the family's file; `arch/mod.rs` picks the row for an architecture.
#[derive(Debug)]
pub(crate) struct RelocTable {
    /// Printable names (`R_ARM_THM_CALL`) by number.
    pub(crate) names: &'static [(u32, &'static str)],
    /// Types whose global or weak target gets a GOT entry (`mpy_ld.py`'s
    /// list for the architecture).
    pub(crate) got: &'static [u32],
    /// Types that read the target's address from its GOT entry, so the
    /// target may live in any block of the module.
    pub(crate) via_got: &'static [u32],
    /// The pointer-sized absolute types (words the loader relocates).
    pub(crate) abs_word: &'static [u32],
}

impl RelocTable {
    /// Printable name of a relocation type: `R_ARM_THM_CALL`, or `type 200`
    /// for a number the table does not know.
    pub(crate) fn name(&self, r_type: u32) -> String {
        match self.names.iter().find(|(n, _)| *n == r_type) {
            Some((_, name)) => (*name).to_string(),
            None => format!("type {r_type}"),
        }
    }

    /// Whether `r_type` is a pointer-sized absolute word.
    pub(crate) fn is_abs_word(&self, r_type: u32) -> bool {
        self.abs_word.contains(&r_type)
    }
}

const EM_386: u16 = 3;
const EM_ARM: u16 = 40;
const EM_X86_64: u16 = 62;
const EM_XTENSA: u16 = 94;
const EM_RISCV: u16 = 243;

/// A Thumb row: the four ARM-M architectures differ only in name, code and
/// entry-jump shape.
const fn thumb(arch: Arch, name: &'static str, mpy_code: u8, jump: JumpKind) -> ArchSpec {
    ArchSpec {
        arch,
        name,
        mpy_code,
        e_machine: EM_ARM,
        machine_name: "EM_ARM (ARM)",
        word_size: 4,
        separate_rodata: false,
        text_is_iram: false,
        arch_flags: false,
        entry_aligns: &[4],
        literal_pools: false,
        family: Family::Arm,
        jump,
        stub: StubKind::Thumb,
    }
}

/// One row per architecture, in the order of [`Arch`].
pub const ARCH_SPECS: [ArchSpec; 10] = [
    ArchSpec {
        arch: Arch::X86,
        name: "x86",
        mpy_code: 1,
        e_machine: EM_386,
        machine_name: "EM_386 (x86)",
        word_size: 4,
        separate_rodata: false,
        text_is_iram: false,
        arch_flags: false,
        entry_aligns: &[1, 4],
        literal_pools: false,
        family: Family::I386,
        jump: JumpKind::X86,
        stub: StubKind::X86,
    },
    ArchSpec {
        arch: Arch::X64,
        name: "x64",
        mpy_code: 2,
        e_machine: EM_X86_64,
        machine_name: "EM_X86_64 (x64)",
        word_size: 8,
        separate_rodata: false,
        text_is_iram: false,
        arch_flags: false,
        entry_aligns: &[1, 4],
        literal_pools: false,
        family: Family::X86_64,
        jump: JumpKind::X86,
        stub: StubKind::X64,
    },
    thumb(Arch::Armv6m, "armv6m", 4, JumpKind::Thumb1),
    thumb(Arch::Armv7m, "armv7m", 5, JumpKind::Thumb2),
    thumb(Arch::Armv7emsp, "armv7emsp", 7, JumpKind::Thumb2),
    thumb(Arch::Armv7emdp, "armv7emdp", 8, JumpKind::Thumb2),
    ArchSpec {
        arch: Arch::Xtensa,
        name: "xtensa",
        mpy_code: 9,
        e_machine: EM_XTENSA,
        machine_name: "EM_XTENSA (Xtensa)",
        word_size: 4,
        separate_rodata: false,
        text_is_iram: true,
        arch_flags: false,
        entry_aligns: &[4],
        literal_pools: true,
        family: Family::Xtensa,
        jump: JumpKind::Xtensa,
        stub: StubKind::None,
    },
    ArchSpec {
        arch: Arch::Xtensawin,
        name: "xtensawin",
        mpy_code: 10,
        e_machine: EM_XTENSA,
        machine_name: "EM_XTENSA (Xtensa)",
        word_size: 4,
        separate_rodata: true,
        text_is_iram: true,
        arch_flags: false,
        entry_aligns: &[4],
        literal_pools: true,
        family: Family::Xtensa,
        jump: JumpKind::Xtensa,
        stub: StubKind::None,
    },
    ArchSpec {
        arch: Arch::Rv32imc,
        name: "rv32imc",
        mpy_code: 11,
        e_machine: EM_RISCV,
        machine_name: "EM_RISCV (RISC-V)",
        word_size: 4,
        separate_rodata: false,
        text_is_iram: false,
        arch_flags: true,
        entry_aligns: &[2],
        literal_pools: false,
        family: Family::RiscV,
        jump: JumpKind::RiscV,
        stub: StubKind::RiscV32,
    },
    ArchSpec {
        arch: Arch::Rv64imc,
        name: "rv64imc",
        mpy_code: 12,
        e_machine: EM_RISCV,
        machine_name: "EM_RISCV (RISC-V)",
        word_size: 8,
        separate_rodata: false,
        text_is_iram: false,
        arch_flags: false,
        entry_aligns: &[2],
        literal_pools: false,
        family: Family::RiscV,
        jump: JumpKind::RiscV,
        stub: StubKind::RiscV64,
    },
];

impl Arch {
    /// All architectures, in table order.
    pub const ALL: [Arch; 10] = [
        Arch::X86,
        Arch::X64,
        Arch::Armv6m,
        Arch::Armv7m,
        Arch::Armv7emsp,
        Arch::Armv7emdp,
        Arch::Xtensa,
        Arch::Xtensawin,
        Arch::Rv32imc,
        Arch::Rv64imc,
    ];

    /// This architecture's row of [`ARCH_SPECS`].
    pub fn spec(self) -> &'static ArchSpec {
        &ARCH_SPECS[self as usize]
    }

    /// The name `mpy_ld.py` uses (`x64`, `armv7emsp`, ...).
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// The architecture with this `MP_NATIVE_ARCH_*` code, if any.
    pub fn from_mpy_code(code: u8) -> Option<Arch> {
        ARCH_SPECS
            .iter()
            .find(|s| s.mpy_code == code)
            .map(|s| s.arch)
    }

    /// Word (pointer) size in bytes.
    pub fn word_size(self) -> u64 {
        u64::from(self.spec().word_size)
    }
}

impl fmt::Display for Arch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Error for an architecture name that does not exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown architecture `{0}` (valid: x86, x64, armv6m, armv7m, armv7emsp, armv7emdp, xtensa, xtensawin, rv32imc, rv64imc)")]
pub struct UnknownArch(pub String);

impl FromStr for Arch {
    type Err = UnknownArch;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ARCH_SPECS
            .iter()
            .find(|spec| spec.name == s)
            .map(|spec| spec.arch)
            .ok_or_else(|| UnknownArch(s.to_string()))
    }
}

/// Name of an ELF machine number, for "wrong architecture" messages.
pub(crate) fn machine_name(e_machine: u16) -> String {
    match ARCH_SPECS.iter().find(|s| s.e_machine == e_machine) {
        Some(spec) => spec.machine_name.to_string(),
        None => match e_machine {
            183 => "EM_AARCH64 (AArch64)".to_string(),
            8 => "EM_MIPS (MIPS)".to_string(),
            _ => format!("e_machine {e_machine}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_in_enum_order_and_names_round_trip() {
        for (i, spec) in ARCH_SPECS.iter().enumerate() {
            assert_eq!(spec.arch as usize, i);
            assert_eq!(Arch::ALL[i], spec.arch);
            assert_eq!(spec.name.parse::<Arch>(), Ok(spec.arch));
            assert_eq!(Arch::from_mpy_code(spec.mpy_code), Some(spec.arch));
        }
        assert!("arm".parse::<Arch>().is_err());
    }

    #[test]
    fn word_size_matches_family() {
        for spec in &ARCH_SPECS {
            let expect = matches!(spec.arch, Arch::X64 | Arch::Rv64imc);
            assert_eq!(spec.word_size == 8, expect, "{}", spec.name);
        }
    }

    #[test]
    fn codes_follow_the_mpy_format() {
        // MP_NATIVE_ARCH_* numbers of py/persistentcode.h (DESIGN §2).
        let codes: Vec<u8> = ARCH_SPECS.iter().map(|s| s.mpy_code).collect();
        assert_eq!(codes, [1, 2, 4, 5, 7, 8, 9, 10, 11, 12]);
    }
}
