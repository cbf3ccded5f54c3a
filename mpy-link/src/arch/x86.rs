//! x86 (`EM_386`) and x86-64 (`EM_X86_64`): relocations, the entry jump and
//! the memset/memmove stubs.

use crate::arch::spec::RelocTable;
use crate::error::Result;
use crate::resolve::Target;
use crate::site::{fits_signed, Outcome, Site};

const R_386_32: u32 = 1;
const R_386_PC32: u32 = 2;
const R_386_GOT32: u32 = 3;
const R_386_PLT32: u32 = 4;
const R_386_GOTOFF: u32 = 9;
const R_386_GOTPC: u32 = 10;
const R_386_GOT32X: u32 = 43;

const R_X86_64_64: u32 = 1;
const R_X86_64_PC32: u32 = 2;
const R_X86_64_PLT32: u32 = 4;
const R_X86_64_GOTPCREL: u32 = 9;
const R_X86_64_GOTPCRELX: u32 = 41;
const R_X86_64_REX_GOTPCRELX: u32 = 42;

/// The relocation facts of x86. `mpy_ld.py` gives a GOT entry to every
/// global reached by `R_386_PC32` too, though such calls reach their
/// target directly.
pub(crate) const TABLE_I386: RelocTable = RelocTable {
    names: NAMES_I386,
    got: &[R_386_PC32, R_386_GOT32, R_386_GOT32X],
    via_got: &[R_386_GOT32, R_386_GOT32X],
    abs_word: &[R_386_32],
};

/// The relocation facts of x86-64. `R_X86_64_GOTPCRELX` (no REX prefix)
/// is our addition; `mpy_ld.py` rejects it.
pub(crate) const TABLE_X64: RelocTable = RelocTable {
    names: NAMES_X64,
    got: &[
        R_X86_64_GOTPCREL,
        R_X86_64_GOTPCRELX,
        R_X86_64_REX_GOTPCRELX,
    ],
    via_got: &[
        R_X86_64_GOTPCREL,
        R_X86_64_GOTPCRELX,
        R_X86_64_REX_GOTPCRELX,
    ],
    abs_word: &[R_X86_64_64],
};

const NAMES_I386: &[(u32, &str)] = &[
    (0, "R_386_NONE"),
    (R_386_32, "R_386_32"),
    (R_386_PC32, "R_386_PC32"),
    (R_386_GOT32, "R_386_GOT32"),
    (R_386_PLT32, "R_386_PLT32"),
    (5, "R_386_COPY"),
    (6, "R_386_GLOB_DAT"),
    (7, "R_386_JMP_SLOT"),
    (8, "R_386_RELATIVE"),
    (R_386_GOTOFF, "R_386_GOTOFF"),
    (R_386_GOTPC, "R_386_GOTPC"),
    (20, "R_386_16"),
    (21, "R_386_PC16"),
    (22, "R_386_8"),
    (23, "R_386_PC8"),
    (R_386_GOT32X, "R_386_GOT32X"),
];

const NAMES_X64: &[(u32, &str)] = &[
    (0, "R_X86_64_NONE"),
    (R_X86_64_64, "R_X86_64_64"),
    (R_X86_64_PC32, "R_X86_64_PC32"),
    (3, "R_X86_64_GOT32"),
    (R_X86_64_PLT32, "R_X86_64_PLT32"),
    (8, "R_X86_64_RELATIVE"),
    (R_X86_64_GOTPCREL, "R_X86_64_GOTPCREL"),
    (10, "R_X86_64_32"),
    (11, "R_X86_64_32S"),
    (24, "R_X86_64_PC64"),
    (25, "R_X86_64_GOTOFF64"),
    (26, "R_X86_64_GOTPC32"),
    (R_X86_64_GOTPCRELX, "R_X86_64_GOTPCRELX"),
    (R_X86_64_REX_GOTPCRELX, "R_X86_64_REX_GOTPCRELX"),
];

/// `jmp` from text offset 0 to `target`: the short form (`EB rel8`) when
/// it reaches, else `E9 rel32`. Both count from the end of the instruction.
pub(crate) fn jump(target: i64) -> Option<Vec<u8>> {
    if fits_signed(target - 2, 7) {
        Some(vec![0xeb, (target - 2) as u8])
    } else if fits_signed(target - 5, 31) {
        let mut v = vec![0xe9];
        v.extend_from_slice(&((target - 5) as i32).to_le_bytes());
        Some(v)
    } else {
        None
    }
}

/// Stub (4-byte aligned): three `nop`s, `mov $PTR, %eax` (`B8` imm32, the
/// immediate at offset 4 is filled by the loader), `jmp *%eax` (`FF E0`).
pub(crate) const STUB_I386: &[u8] = &[0x90, 0x90, 0x90, 0xb8, 0, 0, 0, 0, 0xff, 0xe0];
/// Stub (8-byte aligned): six `nop`s, `movabs $PTR, %rax` (`48 B8` imm64 at
/// offset 8), `jmp *%rax` (`FF E0`).
pub(crate) const STUB_X64: &[u8] = &[
    0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x48, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xe0,
];

/// Applies a relocation in a `.text*` or `.rodata*` section of an x86
/// object. x86 uses REL relocations: addends are the field's current
/// contents, and every relocation adds to the 32-bit field.
pub(crate) fn apply_i386(s: &Site<'_>) -> Result<Outcome> {
    let r = s.reloc;
    let place = s.place as i64;
    match r.r_type {
        R_386_PC32 | R_386_PLT32 => {
            let t = s.pcrel_target()? as i64;
            s.add_u32(t - place + r.addend)
        }
        R_386_GOTPC => {
            if s.target()? != Target::GotBase {
                return Err(s.unsupported("R_386_GOTPC must refer to `_GLOBAL_OFFSET_TABLE_`"));
            }
            s.add_u32(s.got_base() as i64 - place + r.addend)
        }
        R_386_GOT32 | R_386_GOT32X => s.add_u32(s.got_entry()? as i64 - s.got_base() as i64),
        R_386_GOTOFF => {
            let t = s.pcrel_target()? as i64;
            s.add_u32(t - s.got_base() as i64 + r.addend)
        }
        _ => Err(s.unsupported("")),
    }
}

/// Applies a relocation in a `.text*` or `.rodata*` section of an x86-64
/// object. x86-64 uses RELA relocations; `mpy_ld.py` still adds to the
/// field.
pub(crate) fn apply_x64(s: &Site<'_>) -> Result<Outcome> {
    let r = s.reloc;
    let place = s.place as i64;
    match r.r_type {
        R_X86_64_PC32 | R_X86_64_PLT32 => {
            let t = s.pcrel_target()? as i64;
            let v = t - place + r.addend;
            if !fits_signed(v, 31) {
                return Err(s.overflow(v, 32));
            }
            s.add_u32(v)
        }
        R_X86_64_GOTPCREL | R_X86_64_GOTPCRELX | R_X86_64_REX_GOTPCRELX => {
            s.add_u32(s.got_entry()? as i64 - place + r.addend)
        }
        R_X86_64_64 => Err(s.unsupported(
            "absolute pointers may only appear in .data.rel.ro sections (compile with -fpic)",
        )),
        _ => Err(s.unsupported("")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_jumps() {
        // jmp rel8 to 0x10: EB 0E (0x10 - 2). Intel SDM: JMP rel8 is
        // relative to the next instruction.
        assert_eq!(jump(0x10).unwrap(), vec![0xeb, 0x0e]);
        // 0x81 - 2 = 0x7f still fits rel8; 0x82 - 2 = 0x80 does not.
        assert_eq!(jump(0x81).unwrap(), vec![0xeb, 0x7f]);
        assert_eq!(jump(0x82).unwrap(), vec![0xe9, 0x7d, 0, 0, 0]);
    }
}
