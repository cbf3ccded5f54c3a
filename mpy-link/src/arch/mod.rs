//! The ten native architectures: one data table, and the only place that
//! maps an [`Arch`] to its relocation family.

pub(crate) mod arm;
pub(crate) mod riscv;
pub(crate) mod x86;
pub(crate) mod xtensa;

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

/// Everything that differs between architectures by data rather than code.
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
    /// Default `MICROPY_FLOAT_IMPL` (as `py/dynruntime.mk`).
    pub float_impl: &'static str,
    /// Cross-compiler prefix used by `py/dynruntime.mk`.
    pub cross_prefix: &'static str,
    /// Architecture-specific C flags of `py/dynruntime.mk`.
    pub cflags: &'static [&'static str],
    pub(crate) family: Family,
    pub(crate) jump: JumpKind,
    pub(crate) stub: StubKind,
}

const EM_386: u16 = 3;
const EM_ARM: u16 = 40;
const EM_X86_64: u16 = 62;
const EM_XTENSA: u16 = 94;
const EM_RISCV: u16 = 243;

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
        float_impl: "double",
        cross_prefix: "i686-linux-gnu-",
        cflags: &["-fno-stack-protector"],
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
        float_impl: "double",
        cross_prefix: "x86_64-linux-gnu-",
        cflags: &["-fno-stack-protector"],
        family: Family::X86_64,
        jump: JumpKind::X86,
        stub: StubKind::X64,
    },
    ArchSpec {
        arch: Arch::Armv6m,
        name: "armv6m",
        mpy_code: 4,
        e_machine: EM_ARM,
        machine_name: "EM_ARM (ARM)",
        word_size: 4,
        separate_rodata: false,
        text_is_iram: false,
        float_impl: "float",
        cross_prefix: "arm-none-eabi-",
        cflags: &["-mthumb", "-mcpu=cortex-m0"],
        family: Family::Arm,
        jump: JumpKind::Thumb1,
        stub: StubKind::Thumb,
    },
    ArchSpec {
        arch: Arch::Armv7m,
        name: "armv7m",
        mpy_code: 5,
        e_machine: EM_ARM,
        machine_name: "EM_ARM (ARM)",
        word_size: 4,
        separate_rodata: false,
        text_is_iram: false,
        float_impl: "float",
        cross_prefix: "arm-none-eabi-",
        cflags: &["-mthumb", "-mcpu=cortex-m3"],
        family: Family::Arm,
        jump: JumpKind::Thumb2,
        stub: StubKind::Thumb,
    },
    ArchSpec {
        arch: Arch::Armv7emsp,
        name: "armv7emsp",
        mpy_code: 7,
        e_machine: EM_ARM,
        machine_name: "EM_ARM (ARM)",
        word_size: 4,
        separate_rodata: false,
        text_is_iram: false,
        float_impl: "float",
        cross_prefix: "arm-none-eabi-",
        cflags: &[
            "-mthumb",
            "-mcpu=cortex-m4",
            "-mfpu=fpv4-sp-d16",
            "-mfloat-abi=hard",
        ],
        family: Family::Arm,
        jump: JumpKind::Thumb2,
        stub: StubKind::Thumb,
    },
    ArchSpec {
        arch: Arch::Armv7emdp,
        name: "armv7emdp",
        mpy_code: 8,
        e_machine: EM_ARM,
        machine_name: "EM_ARM (ARM)",
        word_size: 4,
        separate_rodata: false,
        text_is_iram: false,
        float_impl: "double",
        cross_prefix: "arm-none-eabi-",
        cflags: &[
            "-mthumb",
            "-mcpu=cortex-m7",
            "-mfpu=fpv5-d16",
            "-mfloat-abi=hard",
        ],
        family: Family::Arm,
        jump: JumpKind::Thumb2,
        stub: StubKind::Thumb,
    },
    ArchSpec {
        arch: Arch::Xtensa,
        name: "xtensa",
        mpy_code: 9,
        e_machine: EM_XTENSA,
        machine_name: "EM_XTENSA (Xtensa)",
        word_size: 4,
        separate_rodata: false,
        text_is_iram: true,
        float_impl: "none",
        cross_prefix: "xtensa-lx106-elf-",
        cflags: &["-mforce-l32"],
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
        float_impl: "float",
        cross_prefix: "xtensa-esp32-elf-",
        cflags: &[],
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
        float_impl: "none",
        cross_prefix: "riscv64-unknown-elf-",
        cflags: &["-march=rv32imac", "-mabi=ilp32", "-mno-relax"],
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
        float_impl: "none",
        cross_prefix: "riscv64-unknown-elf-",
        cflags: &["-march=rv64imac", "-mabi=lp64", "-mno-relax"],
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

/// Returns true when `value` fits in a signed field of `bits` bits.
pub(crate) fn fits_signed(value: i64, bits: u32) -> bool {
    let shifted = value >> bits;
    shifted == 0 || shifted == -1
}

/// Parses `--arch-flags`: a number (`3`, `0x3`, `0b11`) or a comma list of
/// RV32 extensions (`zba,zcmp`). Only rv32imc takes flags.
pub fn parse_arch_flags(arch: Arch, text: &str) -> crate::error::Result<u32> {
    let err = |reason: String| crate::error::LinkError::ArchFlags {
        value: text.to_string(),
        reason,
    };
    if arch != Arch::Rv32imc {
        return Err(err(format!(
            "architecture `{arch}` does not support extra flags (only rv32imc does)"
        )));
    }
    let t = text.trim();
    let numeric = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(u32::from_str_radix(h, 16))
    } else if let Some(b) = t.strip_prefix("0b").or_else(|| t.strip_prefix("0B")) {
        Some(u32::from_str_radix(b, 2))
    } else if !t.is_empty() && t.bytes().all(|c| c.is_ascii_digit()) {
        Some(t.parse::<u32>())
    } else {
        None
    };
    if let Some(n) = numeric {
        return n.map_err(|_| err("not a valid number".into()));
    }
    let mut flags = 0;
    for name in t.to_ascii_lowercase().split(',') {
        flags |= match name.trim() {
            "zba" => 1,
            "zcmp" => 2,
            other => {
                return Err(err(format!(
                    "unknown extension `{other}` (known: zba, zcmp)"
                )))
            }
        };
    }
    Ok(flags)
}

// ---------------------------------------------------------------------------
// Dispatch to the per-family code (the only `match` on families outside
// the data table).

use crate::error::Result;
use crate::link::Linker;
use crate::relocate::Site;

/// Relocation types whose global target symbols get a GOT entry.
pub(crate) fn got_reloc_types(spec: &ArchSpec) -> &'static [u32] {
    match spec.family {
        Family::I386 => x86::GOT_TYPES_I386,
        Family::X86_64 => x86::GOT_TYPES_X64,
        Family::Arm => arm::GOT_TYPES,
        Family::Xtensa => xtensa::GOT_TYPES,
        Family::RiscV if spec.word_size == 8 => riscv::GOT_TYPES_RV64,
        Family::RiscV => riscv::GOT_TYPES_RV32,
    }
}

/// True for the family's pointer-sized absolute relocation(s).
pub(crate) fn is_abs_word(family: Family, r_type: u32) -> bool {
    match family {
        Family::I386 => r_type == x86::R_386_32,
        Family::X86_64 => r_type == x86::R_X86_64_64,
        Family::Arm => r_type == arm::R_ARM_ABS32,
        Family::Xtensa => r_type == xtensa::R_XTENSA_32,
        Family::RiscV => r_type == riscv::R_RISCV_32 || r_type == riscv::R_RISCV_64,
    }
}

/// Printable name of a relocation type (`R_ARM_THM_CALL`).
pub(crate) fn reloc_name(family: Family, r_type: u32) -> String {
    let table = match family {
        Family::I386 => x86::NAMES_I386,
        Family::X86_64 => x86::NAMES_X64,
        Family::Arm => arm::NAMES,
        Family::Xtensa => xtensa::NAMES,
        Family::RiscV => riscv::NAMES,
    };
    match table.iter().find(|(n, _)| *n == r_type) {
        Some((_, name)) => (*name).to_string(),
        None => format!("relocation type {r_type}"),
    }
}

/// Applies one relocation found in a `.text*` or `.rodata*` section.
pub(crate) fn apply_text(linker: &mut Linker<'_>, site: &Site) -> Result<()> {
    if site.reloc.r_type == 0 {
        return Ok(()); // R_*_NONE
    }
    match linker.spec.family {
        Family::I386 => x86::apply_i386(linker, site),
        Family::X86_64 => x86::apply_x64(linker, site),
        Family::Arm => arm::apply(linker, site),
        Family::Xtensa => xtensa::apply(linker, site),
        Family::RiscV => riscv::apply(linker, site),
    }
}

/// The entry trampoline: a jump from text offset 0 to `target`.
pub(crate) fn trampoline(kind: JumpKind, target: u64) -> Result<Vec<u8>> {
    let t = target as i64;
    let too_far = |limit: &str| {
        crate::error::LinkError::Other(format!(
            "`mpy_init` is too far from the start of the module for the entry jump (limit {limit})"
        ))
    };
    Ok(match kind {
        JumpKind::X86 => x86::jump(t).ok_or_else(|| too_far("2 GiB"))?,
        JumpKind::Thumb1 => arm::jump_thumb1(t),
        JumpKind::Thumb2 => arm::jump_thumb2(t),
        JumpKind::Xtensa => xtensa::jump(t).ok_or_else(|| too_far("128 KiB"))?,
        JumpKind::RiscV => riscv::jump(t).ok_or_else(|| too_far("2 GiB"))?,
    })
}

/// Code of the jump stub to an `mp_fun_table` entry, and the offset of the
/// word the loader fills with the entry's value.
pub(crate) fn stub_code(kind: StubKind) -> (&'static [u8], u64) {
    match kind {
        StubKind::X86 => (x86::STUB_I386, 4),
        StubKind::X64 => (x86::STUB_X64, 8),
        StubKind::Thumb => (arm::STUB, 4),
        StubKind::RiscV32 => (riscv::STUB_RV32, 8),
        StubKind::RiscV64 => (riscv::STUB_RV64, 8),
        StubKind::None => (&[], 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_in_enum_order_and_names_round_trip() {
        for (i, spec) in ARCH_SPECS.iter().enumerate() {
            assert_eq!(spec.arch as usize, i);
            assert_eq!(spec.name.parse::<Arch>(), Ok(spec.arch));
            assert_eq!(Arch::from_mpy_code(spec.mpy_code), Some(spec.arch));
        }
        assert!("arm".parse::<Arch>().is_err());
    }

    #[test]
    fn arch_flags() {
        assert_eq!(parse_arch_flags(Arch::Rv32imc, "zba,zcmp").unwrap(), 3);
        assert_eq!(parse_arch_flags(Arch::Rv32imc, "ZCMP").unwrap(), 2);
        assert_eq!(parse_arch_flags(Arch::Rv32imc, "0x3").unwrap(), 3);
        assert_eq!(parse_arch_flags(Arch::Rv32imc, "0b10").unwrap(), 2);
        assert_eq!(parse_arch_flags(Arch::Rv32imc, "1").unwrap(), 1);
        assert!(parse_arch_flags(Arch::Rv32imc, "zbb").is_err());
        assert!(parse_arch_flags(Arch::X64, "zba").is_err());
    }

    #[test]
    fn word_size_matches_family() {
        for spec in &ARCH_SPECS {
            let expect = matches!(spec.arch, Arch::X64 | Arch::Rv64imc);
            assert_eq!(spec.word_size == 8, expect, "{}", spec.name);
        }
    }
}
