//! Xtensa (`EM_XTENSA`; xtensa and xtensawin): literal-pool relocations,
//! the entry jump. Code loads constants with `l32r` from literal pools; the
//! linker turns those pools into a GOT (words the loader relocates) and a
//! deduplicated literal table, both placed before the code.

use crate::arch::spec::RelocTable;
use crate::error::Result;
use crate::model::{SecClass, SymDef};
use crate::resolve::Target;
use crate::site::{fits_signed, Outcome, Site};

const R_XTENSA_32: u32 = 1;
const R_XTENSA_PLT: u32 = 6;
const R_XTENSA_ASM_EXPAND: u32 = 11;
const R_XTENSA_DIFF8: u32 = 17;
const R_XTENSA_DIFF16: u32 = 18;
const R_XTENSA_DIFF32: u32 = 19;
const R_XTENSA_SLOT0_OP: u32 = 20;
const R_XTENSA_PDIFF8: u32 = 57;
const R_XTENSA_PDIFF32: u32 = 59;
const R_XTENSA_NDIFF8: u32 = 60;
const R_XTENSA_NDIFF32: u32 = 62;

/// The relocation facts of Xtensa: literal words carrying these types
/// become GOT entries.
pub(crate) const TABLE: RelocTable = RelocTable {
    names: NAMES,
    got: &[R_XTENSA_32, R_XTENSA_PLT],
    via_got: &[R_XTENSA_32, R_XTENSA_PLT],
    abs_word: &[R_XTENSA_32],
};

const NAMES: &[(u32, &str)] = &[
    (0, "R_XTENSA_NONE"),
    (R_XTENSA_32, "R_XTENSA_32"),
    (2, "R_XTENSA_RTLD"),
    (5, "R_XTENSA_RELATIVE"),
    (R_XTENSA_PLT, "R_XTENSA_PLT"),
    (R_XTENSA_ASM_EXPAND, "R_XTENSA_ASM_EXPAND"),
    (12, "R_XTENSA_ASM_SIMPLIFY"),
    (R_XTENSA_DIFF8, "R_XTENSA_DIFF8"),
    (R_XTENSA_DIFF16, "R_XTENSA_DIFF16"),
    (R_XTENSA_DIFF32, "R_XTENSA_DIFF32"),
    (R_XTENSA_SLOT0_OP, "R_XTENSA_SLOT0_OP"),
    (35, "R_XTENSA_SLOT0_ALT"),
    (R_XTENSA_PDIFF8, "R_XTENSA_PDIFF8"),
    (58, "R_XTENSA_PDIFF16"),
    (R_XTENSA_PDIFF32, "R_XTENSA_PDIFF32"),
    (R_XTENSA_NDIFF8, "R_XTENSA_NDIFF8"),
    (61, "R_XTENSA_NDIFF16"),
    (R_XTENSA_NDIFF32, "R_XTENSA_NDIFF32"),
];

/// Entry jump: `j target` (CALL format, op0 = 6, n = 0) with an 18-bit
/// signed offset counted from PC + 4, padded to a word.
pub(crate) fn jump(target: i64) -> Option<Vec<u8>> {
    let off = target - 4;
    if !fits_signed(off, 17) {
        return None;
    }
    let insn = (((off & 0x3ffff) << 6) | 6) as u32;
    Some(insn.to_le_bytes()[..3].to_vec())
}

/// Reads a 24-bit little-endian instruction.
fn read24(s: &Site<'_>) -> Result<u32> {
    let b = s.read::<3>(0)?;
    Ok(u32::from(b[0]) | u32::from(b[1]) << 8 | u32::from(b[2]) << 16)
}

fn write24(v: u32) -> Outcome {
    Outcome::write(&v.to_le_bytes()[..3])
}

/// Applies a relocation in a `.text*` or `.rodata*` section.
pub(crate) fn apply(s: &Site<'_>) -> Result<Outcome> {
    let r = s.reloc;
    let sym = s.symbol();
    match r.r_type {
        // An absolute word in code or rodata (LLVM emits these for jump
        // tables and in-text literals; gcc keeps them in literal pools).
        // mpy_ld.py adds a PC-relative value here, which is wrong; we write
        // the address and let the loader relocate the word.
        R_XTENSA_32 => s.abs_word(),
        R_XTENSA_SLOT0_OP => {
            let SymDef::Section(target_sec) = sym.def else {
                return Err(s.unsupported("target is not in a linked section"));
            };
            match s.class_of(target_sec) {
                // Branches and calls within one code section were resolved
                // by the assembler; they move together with their target.
                SecClass::Text if target_sec == s.sec => Ok(Outcome::nothing()),
                SecClass::Text => relocate_call_or_jump(s),
                SecClass::Literal => {
                    let offset = (sym.value as i64 + r.addend) as u64;
                    let Some(addr) = s.literal(target_sec, offset) else {
                        return Err(s.unsupported("l32r refers to a literal that does not exist"));
                    };
                    let reloc = addr as i64 - s.place as i64;
                    let insn = read24(s)?;
                    if insn & 0xf != 1 {
                        return Err(s.unsupported("expected an `l32r` instruction"));
                    }
                    let imm = i64::from(insn >> 8);
                    let field = (imm + reloc) >> 2;
                    if !(-65536..0).contains(&(reloc >> 2)) {
                        return Err(s.overflow(reloc, 18));
                    }
                    Ok(write24((insn & 0xff) | (((field & 0xffff) as u32) << 8)))
                }
                _ => Err(s.unsupported("SLOT0_OP into a data section")),
            }
        }
        R_XTENSA_DIFF8
        | R_XTENSA_DIFF16
        | R_XTENSA_DIFF32
        | R_XTENSA_PDIFF8..=R_XTENSA_NDIFF32
        | R_XTENSA_ASM_EXPAND => {
            // Assembler bookkeeping for relaxation inside code: nothing to do.
            let in_text = match sym.def {
                SymDef::Section(sec) => s.class_of(sec) == SecClass::Text,
                SymDef::Undefined => true,
                _ => false,
            };
            if in_text {
                Ok(Outcome::nothing())
            } else {
                Err(s.unsupported(""))
            }
        }
        _ => Err(s.unsupported("")),
    }
}

/// A `call0/4/8/12` or `j` whose target is in another code section.
fn relocate_call_or_jump(s: &Site<'_>) -> Result<Outcome> {
    let t = match s.target()? {
        Target::Defined { obj, sec, value } => {
            s.defined_addr(obj, sec, value)?.1 as i64 + s.reloc.addend
        }
        _ => return Err(s.unsupported("")),
    };
    let insn = read24(s)?;
    let place = s.place as i64;
    let (off, bits) = match insn & 0x3f {
        // CALLn: op0 = 5; target = (PC & ~3) + 4 + (offset << 2).
        0x05 | 0x15 | 0x25 | 0x35 => (((t - ((place & !3) + 4)) >> 2), 18),
        // J: op0 = 6, n = 0; target = PC + 4 + offset.
        0x06 => (t - (place + 4), 18),
        _ => return Err(s.unsupported("only calls and jumps may cross code sections")),
    };
    if !fits_signed(off, bits - 1) {
        return Err(s.overflow(off, bits));
    }
    Ok(write24((insn & 0x3f) | (((off & 0x3ffff) as u32) << 6)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn j_encoding() {
        // Xtensa ISA: J is CALL format, op0 = 0b0110, n = 0, offset in
        // bits 6..23, target = PC + 4 + offset. To 8 from 0: offset 4,
        // insn = 4 << 6 | 6 = 0x106.
        assert_eq!(jump(8).unwrap(), vec![0x06, 0x01, 0x00]);
    }
}
