//! x86 (`EM_386`) and x86-64 (`EM_X86_64`): relocations, the entry jump and
//! the memset/memmove stubs.

use super::fits_signed;
use crate::error::Result;
use crate::link::{Linker, Target};
use crate::relocate::Site;

pub(crate) const R_386_32: u32 = 1;
pub(crate) const R_386_PC32: u32 = 2;
pub(crate) const R_386_GOT32: u32 = 3;
pub(crate) const R_386_PLT32: u32 = 4;
pub(crate) const R_386_GOTOFF: u32 = 9;
pub(crate) const R_386_GOTPC: u32 = 10;
pub(crate) const R_386_GOT32X: u32 = 43;

pub(crate) const R_X86_64_64: u32 = 1;
pub(crate) const R_X86_64_PC32: u32 = 2;
pub(crate) const R_X86_64_PLT32: u32 = 4;
pub(crate) const R_X86_64_GOTPCREL: u32 = 9;
pub(crate) const R_X86_64_GOTPCRELX: u32 = 41;
pub(crate) const R_X86_64_REX_GOTPCRELX: u32 = 42;

/// `mpy_ld.py` gives a GOT entry to every global reached by these; note
/// that it includes the direct `R_386_PC32`.
pub(crate) const GOT_TYPES_I386: &[u32] = &[R_386_PC32, R_386_GOT32, R_386_GOT32X];
/// GOT-creating types on x86-64. `R_X86_64_GOTPCRELX` (no REX prefix) is
/// our addition; `mpy_ld.py` rejects it.
pub(crate) const GOT_TYPES_X64: &[u32] = &[
    R_X86_64_GOTPCREL,
    R_X86_64_GOTPCRELX,
    R_X86_64_REX_GOTPCRELX,
];

pub(crate) const NAMES_I386: &[(u32, &str)] = &[
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

pub(crate) const NAMES_X64: &[(u32, &str)] = &[
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

/// x86 uses REL relocations: addends are the field's current contents, and
/// every relocation adds to the 32-bit field.
pub(crate) fn apply_i386(l: &mut Linker<'_>, site: &Site) -> Result<()> {
    let r = site.reloc;
    let place = site.place as i64;
    match r.r_type {
        R_386_PC32 | R_386_PLT32 => {
            let t = l.pcrel_target(site)? as i64;
            l.add_u32(site, t - place + r.addend)
        }
        R_386_GOTPC => {
            if l.site_target(site)? != Target::GotBase {
                return Err(
                    l.unsupported(site, "R_386_GOTPC must refer to `_GLOBAL_OFFSET_TABLE_`")
                );
            }
            let got = l.got_addr() as i64;
            l.add_u32(site, got - place + r.addend)
        }
        R_386_GOT32 | R_386_GOT32X => {
            let off = l.got_entry_addr(site)? as i64 - l.got_addr() as i64;
            l.add_u32(site, off)
        }
        R_386_GOTOFF => {
            let t = l.pcrel_target(site)? as i64;
            let got = l.got_addr() as i64;
            l.add_u32(site, t - got + r.addend)
        }
        _ => Err(l.unsupported(site, "")),
    }
}

/// x86-64 uses RELA relocations; `mpy_ld.py` still adds to the field.
pub(crate) fn apply_x64(l: &mut Linker<'_>, site: &Site) -> Result<()> {
    let r = site.reloc;
    let place = site.place as i64;
    match r.r_type {
        R_X86_64_PC32 | R_X86_64_PLT32 => {
            let t = l.pcrel_target(site)? as i64;
            let v = t - place + r.addend;
            if !fits_signed(v, 31) {
                return Err(l.overflow(site, v, 32));
            }
            l.add_u32(site, v)
        }
        R_X86_64_GOTPCREL | R_X86_64_GOTPCRELX | R_X86_64_REX_GOTPCRELX => {
            let g = l.got_entry_addr(site)? as i64;
            l.add_u32(site, g - place + r.addend)
        }
        R_X86_64_64 => Err(l.unsupported(
            site,
            "absolute pointers may only appear in .data.rel.ro sections (compile with -fpic)",
        )),
        _ => Err(l.unsupported(site, "")),
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
