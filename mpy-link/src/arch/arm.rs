//! ARM Thumb (`EM_ARM`; armv6m, armv7m, armv7emsp, armv7emdp): relocations,
//! the entry jump and the memset/memmove stub. ARM objects use REL
//! relocations, so addends sit in the instruction or word being patched.

use super::fits_signed;
use crate::error::Result;
use crate::link::{Linker, Target};
use crate::relocate::Site;

pub(crate) const R_ARM_ABS32: u32 = 2;
pub(crate) const R_ARM_REL32: u32 = 3;
pub(crate) const R_ARM_THM_CALL: u32 = 10;
pub(crate) const R_ARM_BASE_PREL: u32 = 25;
pub(crate) const R_ARM_GOT_BREL: u32 = 26;
pub(crate) const R_ARM_THM_JUMP24: u32 = 30;
pub(crate) const R_ARM_V4BX: u32 = 40;
pub(crate) const R_ARM_GOT_PREL: u32 = 96;
pub(crate) const R_ARM_THM_JUMP11: u32 = 102;

pub(crate) const GOT_TYPES: &[u32] = &[R_ARM_GOT_BREL, R_ARM_GOT_PREL];

pub(crate) const NAMES: &[(u32, &str)] = &[
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

pub(crate) fn apply(l: &mut Linker<'_>, site: &Site) -> Result<()> {
    let r = site.reloc;
    let place = site.place as i64;
    match r.r_type {
        R_ARM_REL32 => {
            let t = l.pcrel_target(site)? as i64;
            l.add_u32(site, t - place + r.addend)
        }
        R_ARM_THM_CALL | R_ARM_THM_JUMP24 => {
            let t = l.pcrel_target(site)? as i64;
            let hi = l.read_u16(site, 0)?;
            let lo = l.read_u16(site, 2)?;
            let new = thumb_branch_offset(hi, lo) + t - place + r.addend;
            if !fits_signed(new, 22) {
                return Err(l.overflow(site, new, 23));
            }
            let (hi, lo) = thumb_branch_set(hi, lo, new);
            l.write_u16(site, 0, hi)?;
            l.write_u16(site, 2, lo)
        }
        R_ARM_THM_JUMP11 => {
            let t = l.pcrel_target(site)? as i64;
            let insn = l.read_u16(site, 0)?;
            let existing = (i64::from(insn & 0x7ff) << 53) >> 52; // sign-extend imm11 << 1
            let new = existing + t - place + r.addend;
            if !fits_signed(new, 11) {
                return Err(l.overflow(site, new, 12));
            }
            l.write_u16(site, 0, (insn & 0xf800) | ((new >> 1) & 0x7ff) as u16)
        }
        R_ARM_BASE_PREL => {
            if l.site_target(site)? != Target::GotBase {
                return Err(l.unsupported(
                    site,
                    "R_ARM_BASE_PREL must refer to `_GLOBAL_OFFSET_TABLE_`",
                ));
            }
            let got = l.got_addr() as i64;
            l.add_u32(site, got - place + r.addend)
        }
        R_ARM_GOT_BREL => {
            let off = l.got_entry_addr(site)? as i64 - l.got_addr() as i64;
            l.add_u32(site, off)
        }
        R_ARM_GOT_PREL => {
            let g = l.got_entry_addr(site)? as i64;
            l.add_u32(site, g - place + r.addend)
        }
        R_ARM_ABS32 => l.apply_abs_word(site),
        R_ARM_V4BX => Ok(()),
        _ => Err(l.unsupported(site, "")),
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
