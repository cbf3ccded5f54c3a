//! ARM Thumb (`EM_ARM`; armv6m, armv7m, armv7emsp, armv7emdp): relocations,
//! the entry jump and the memset/memmove stub. ARM objects use REL
//! relocations, so addends sit in the instruction or word being patched.

use crate::arch::spec::RelocTable;
use crate::error::Result;
use crate::resolve::Target;
use crate::site::{fits_signed, Outcome, Site};

const R_ARM_ABS32: u32 = 2;
const R_ARM_REL32: u32 = 3;
const R_ARM_THM_CALL: u32 = 10;
const R_ARM_BASE_PREL: u32 = 25;
const R_ARM_GOT_BREL: u32 = 26;
const R_ARM_THM_JUMP24: u32 = 30;
const R_ARM_V4BX: u32 = 40;
const R_ARM_GOT_PREL: u32 = 96;
const R_ARM_THM_JUMP11: u32 = 102;

/// The family's relocation facts.
pub(crate) const TABLE: RelocTable = RelocTable {
    names: NAMES,
    got: &[R_ARM_GOT_BREL, R_ARM_GOT_PREL],
    via_got: &[R_ARM_GOT_BREL, R_ARM_GOT_PREL],
    abs_word: &[R_ARM_ABS32],
};

const NAMES: &[(u32, &str)] = &[
    (0, "R_ARM_NONE"),
    (1, "R_ARM_PC24"),
    (R_ARM_ABS32, "R_ARM_ABS32"),
    (R_ARM_REL32, "R_ARM_REL32"),
    (R_ARM_THM_CALL, "R_ARM_THM_CALL"),
    (R_ARM_BASE_PREL, "R_ARM_BASE_PREL"),
    (R_ARM_GOT_BREL, "R_ARM_GOT_BREL"),
    (28, "R_ARM_CALL"),
    (29, "R_ARM_JUMP24"),
    (R_ARM_THM_JUMP24, "R_ARM_THM_JUMP24"),
    (38, "R_ARM_TARGET1"),
    (R_ARM_V4BX, "R_ARM_V4BX"),
    (42, "R_ARM_PREL31"),
    (47, "R_ARM_THM_MOVW_ABS_NC"),
    (48, "R_ARM_THM_MOVT_ABS"),
    (R_ARM_GOT_PREL, "R_ARM_GOT_PREL"),
    (R_ARM_THM_JUMP11, "R_ARM_THM_JUMP11"),
    (103, "R_ARM_THM_JUMP8"),
];

/// Entry jump for Thumb-1: `b.n` (reach +-2 KiB, counted from PC + 4), or
/// when that is too short `push {r0, lr}; bl target; pop {r0, pc}`.
pub(crate) fn jump_thumb1(target: i64) -> Vec<u8> {
    let off = target - 4;
    if fits_signed(off, 11) {
        return (0xe000 | ((off >> 1) & 0x7ff) as u16)
            .to_le_bytes()
            .to_vec();
    }
    let off = off - 2; // the bl sits after the 2-byte push
    let halves = [
        0xb501u16, // push {r0, lr}
        0xf000 | ((off >> 12) & 0x7ff) as u16,
        0xf800 | ((off >> 1) & 0x7ff) as u16,
        0xbd01, // pop {r0, pc}
    ];
    halves.iter().flat_map(|h| h.to_le_bytes()).collect()
}

/// Entry jump for Thumb-2: `b.n`, else `b.w` (encoding T4 with J1 = J2 = 1,
/// as `mpy_ld.py` emits it).
pub(crate) fn jump_thumb2(target: i64) -> Vec<u8> {
    let off = target - 4;
    if fits_signed(off, 11) {
        return (0xe000 | ((off >> 1) & 0x7ff) as u16)
            .to_le_bytes()
            .to_vec();
    }
    let halves = [
        0xf000 | ((off >> 12) & 0x7ff) as u16,
        0xb800 | ((off >> 1) & 0x7ff) as u16,
    ];
    halves.iter().flat_map(|h| h.to_le_bytes()).collect()
}

/// Stub (4-byte aligned): `ldr r3, [pc, #0]` (0x4B00), `bx r3` (0x4718),
/// then the word the loader fills, at offset 4.
pub(crate) const STUB: &[u8] = &[0x00, 0x4b, 0x18, 0x47, 0, 0, 0, 0];

/// Offset encoded in a `bl`/`b.w` pair the way `mpy_ld.py` reads it: 11
/// bits from each half-word, sign-extended from bit 22.
pub(crate) fn thumb_branch_offset(hi: u16, lo: u16) -> i64 {
    let raw = (i64::from(hi & 0x7ff) << 12) | (i64::from(lo & 0x7ff) << 1);
    if raw >= 0x40_0000 {
        raw - 0x80_0000
    } else {
        raw
    }
}

/// Writes `off` into a `bl`/`b.w` pair, keeping the opcode bits.
pub(crate) fn thumb_branch_set(hi: u16, lo: u16, off: i64) -> (u16, u16) {
    (
        (hi & 0xf800) | ((off >> 12) & 0x7ff) as u16,
        (lo & 0xf800) | ((off >> 1) & 0x7ff) as u16,
    )
}

/// Applies a relocation in a `.text*` or `.rodata*` section.
pub(crate) fn apply(s: &Site<'_>) -> Result<Outcome> {
    let r = s.reloc;
    let place = s.place as i64;
    match r.r_type {
        R_ARM_REL32 => {
            let t = s.pcrel_target()? as i64;
            s.add_u32(t - place + r.addend)
        }
        R_ARM_THM_CALL | R_ARM_THM_JUMP24 => {
            let t = s.pcrel_target()? as i64;
            let hi = s.read_u16(0)?;
            let lo = s.read_u16(2)?;
            let new = thumb_branch_offset(hi, lo) + t - place + r.addend;
            if !fits_signed(new, 22) {
                return Err(s.overflow(new, 23));
            }
            let (hi, lo) = thumb_branch_set(hi, lo, new);
            let [a, b] = hi.to_le_bytes();
            let [c, d] = lo.to_le_bytes();
            Ok(Outcome::write(&[a, b, c, d]))
        }
        R_ARM_THM_JUMP11 => {
            let t = s.pcrel_target()? as i64;
            let insn = s.read_u16(0)?;
            let existing = (i64::from(insn & 0x7ff) << 53) >> 52; // sign-extend imm11 << 1
            let new = existing + t - place + r.addend;
            if !fits_signed(new, 11) {
                return Err(s.overflow(new, 12));
            }
            let insn = (insn & 0xf800) | ((new >> 1) & 0x7ff) as u16;
            Ok(Outcome::write(&insn.to_le_bytes()))
        }
        R_ARM_BASE_PREL => {
            if s.target()? != Target::GotBase {
                return Err(s.unsupported("R_ARM_BASE_PREL must refer to `_GLOBAL_OFFSET_TABLE_`"));
            }
            s.add_u32(s.got_base() as i64 - place + r.addend)
        }
        R_ARM_GOT_BREL => s.add_u32(s.got_entry()? as i64 - s.got_base() as i64),
        R_ARM_GOT_PREL => s.add_u32(s.got_entry()? as i64 - place + r.addend),
        R_ARM_ABS32 => s.abs_word(),
        R_ARM_V4BX => Ok(Outcome::nothing()),
        _ => Err(s.unsupported("")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thumb_b_narrow() {
        // ARMv7-M ARM A7.7.12 encoding T2: B<c> #imm11 = 11100 imm11, target
        // = PC + 4 + imm11:0. A jump to 0x10 from 0 has imm11 = (0x10-4)/2 = 6.
        assert_eq!(jump_thumb2(0x10), 0xe006u16.to_le_bytes().to_vec());
        assert_eq!(jump_thumb1(0x10), 0xe006u16.to_le_bytes().to_vec());
    }

    #[test]
    fn bl_field_round_trip() {
        // BL T1 with S=0, J1=J2=1 (I1=I2=0): imm = imm10:imm11:0. The REL
        // addend of a call is -4: imm10 = 0x3ff, imm11 = 0x7fe with S=1.
        let (hi, lo) = (0xf7ffu16, 0xfffeu16);
        assert_eq!(thumb_branch_offset(hi, lo), -4);
        let (hi, lo) = thumb_branch_set(hi, lo, 0x1234);
        assert_eq!((hi, lo), (0xf001, 0xf91a));
        assert_eq!(thumb_branch_offset(hi, lo), 0x1234);
    }
}
