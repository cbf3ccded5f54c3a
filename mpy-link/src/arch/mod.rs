//! Everything that differs between architectures. [`spec`] is the data
//! table of the ten architectures; one file per instruction-set family
//! holds its relocation table, its relocation code, its entry jump and its
//! `memset`/`memmove` stub. The functions below are the only place that
//! maps a family to its file.

mod arm;
mod riscv;
pub mod spec;
mod x86;
mod xtensa;

pub use spec::{Arch, ArchSpec, UnknownArch, ARCH_SPECS};

use object::read::elf::{ElfFile, FileHeader};

use crate::error::{LinkError, Result};
use crate::model::{InputRef, SecClass};
use crate::site::{Outcome, Site};
use spec::{Family, JumpKind, RelocTable, StubKind};

/// Parses `--arch-flags`: a number (`3`, `0x3`, `0b11`) or a comma list of
/// RV32 extensions (`zba,zcmp`). Only rv32imc takes flags.
pub fn parse_arch_flags(arch: Arch, text: &str) -> Result<u32> {
    let err = |reason: String| LinkError::ArchFlags {
        value: text.to_string(),
        reason,
    };
    if !arch.spec().arch_flags {
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

/// The relocation table of an architecture's family.
pub(crate) fn reloc_table(spec: &ArchSpec) -> &'static RelocTable {
    match spec.family {
        Family::I386 => &x86::TABLE_I386,
        Family::X86_64 => &x86::TABLE_X64,
        Family::Arm => &arm::TABLE,
        Family::Xtensa => &xtensa::TABLE,
        Family::RiscV if spec.word_size == 8 => &riscv::TABLE_RV64,
        Family::RiscV => &riscv::TABLE_RV32,
    }
}

/// Applies one relocation: in code and rodata by the family's own code, in
/// `.data.rel.ro` and `.data` only the pointer-sized absolute word.
pub(crate) fn apply(site: &Site<'_>, class: SecClass) -> Result<Outcome> {
    let r_type = site.reloc.r_type;
    match class {
        SecClass::Text | SecClass::Rodata => {
            if r_type == 0 {
                return Ok(Outcome::nothing()); // R_*_NONE
            }
            match site.spec.family {
                Family::I386 => x86::apply_i386(site),
                Family::X86_64 => x86::apply_x64(site),
                Family::Arm => arm::apply(site),
                Family::Xtensa => xtensa::apply(site),
                Family::RiscV => riscv::apply(site),
            }
        }
        SecClass::DataRelRo | SecClass::Data if site.table.is_abs_word(r_type) => site.abs_word(),
        SecClass::DataRelRo | SecClass::Data => Err(site.unsupported("")),
        SecClass::Bss | SecClass::Literal => {
            Err(site.unrelocatable("relocation inside a bss section".into()))
        }
    }
}

/// Checks what an object's machine code needs beyond its ELF machine
/// (Xtensa: the calling convention of the link).
pub(crate) fn check_object<'d, H: FileHeader<Endian = object::LittleEndian>>(
    spec: &ArchSpec,
    file: &ElfFile<'d, H>,
    input: &InputRef,
) -> Result<()> {
    match spec.family {
        Family::Xtensa => xtensa::check_abi(spec.arch, file, input),
        _ => Ok(()),
    }
}

/// The entry trampoline: a jump from text offset 0 to `target`.
pub(crate) fn trampoline(kind: JumpKind, target: u64) -> Result<Vec<u8>> {
    let t = target as i64;
    let too_far = |limit: &str| {
        LinkError::Other(format!(
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
    fn reloc_tables_are_consistent() {
        for spec in &ARCH_SPECS {
            let t = reloc_table(spec);
            // Every GOT-reading type makes a GOT entry, every type has a
            // name, and numbers are listed once.
            for r in t.via_got.iter().chain(t.got).chain(t.abs_word) {
                assert!(!t.name(*r).starts_with("type "), "{} {r}", spec.name);
            }
            assert!(t.via_got.iter().all(|r| t.got.contains(r)), "{}", spec.name);
            let mut numbers: Vec<u32> = t.names.iter().map(|(n, _)| *n).collect();
            numbers.sort_unstable();
            numbers.dedup();
            assert_eq!(numbers.len(), t.names.len(), "{}", spec.name);
            assert_eq!(t.name(0xffff), "type 65535");
        }
    }

    #[test]
    fn family_facts_agree_with_the_table() {
        for spec in &ARCH_SPECS {
            assert_eq!(
                spec.literal_pools,
                spec.family == Family::Xtensa,
                "{}",
                spec.name
            );
            assert_eq!(
                spec.text_is_iram,
                spec.family == Family::Xtensa,
                "{}",
                spec.name
            );
            assert_eq!(spec.arch_flags, spec.arch == Arch::Rv32imc, "{}", spec.name);
            assert!(spec.entry_aligns.iter().all(|a| a.is_power_of_two()));
        }
    }

    #[test]
    fn stubs_leave_room_for_their_word() {
        for spec in &ARCH_SPECS {
            let (code, at) = stub_code(spec.stub);
            if !code.is_empty() {
                assert!(
                    at + u64::from(spec.word_size) <= code.len() as u64,
                    "{}",
                    spec.name
                );
            }
        }
    }
}
