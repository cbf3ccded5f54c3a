//! Xtensa (`EM_XTENSA`; xtensa and xtensawin): literal-pool relocations,
//! the entry jump. Code loads constants with `l32r` from literal pools; the
//! linker turns those pools into a GOT (words the loader relocates) and a
//! deduplicated literal table, both placed before the code.

use super::fits_signed;
use crate::error::Result;
use crate::link::{Linker, SecClass, SymDef, Target, XtLiteral};
use crate::relocate::Site;

pub(crate) const R_XTENSA_32: u32 = 1;
pub(crate) const R_XTENSA_PLT: u32 = 6;
pub(crate) const R_XTENSA_ASM_EXPAND: u32 = 11;
pub(crate) const R_XTENSA_DIFF8: u32 = 17;
pub(crate) const R_XTENSA_DIFF16: u32 = 18;
pub(crate) const R_XTENSA_DIFF32: u32 = 19;
pub(crate) const R_XTENSA_SLOT0_OP: u32 = 20;
pub(crate) const R_XTENSA_PDIFF8: u32 = 57;
pub(crate) const R_XTENSA_PDIFF32: u32 = 59;
pub(crate) const R_XTENSA_NDIFF8: u32 = 60;
pub(crate) const R_XTENSA_NDIFF32: u32 = 62;

pub(crate) const GOT_TYPES: &[u32] = &[R_XTENSA_32, R_XTENSA_PLT];

pub(crate) const NAMES: &[(u32, &str)] = &[
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

/// How to build Xtensa objects with LLVM so their literal pools are usable.
const LLVM_LITERALS_HINT: &str = "a literal pool outside `.literal` sections, as LLVM's integrated assembler (`clang -c`) places them; compile to assembly (`clang -S`), put a `.text` line before each `.literal_position`, and assemble with `llvm-mc -triple=xtensa -mcpu=esp32 -filetype=obj` (what cargo-mpy does for xtensawin)";

/// The two Xtensa calling conventions. Code of one cannot be linked with
/// code of the other: a windowed caller's registers are clobbered by a
/// call0 callee and vice versa.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Abi {
    /// Register windows (`entry`/`retw`, calls by `call8`): the ESP32.
    Windowed,
    /// Fixed registers (`ret`, calls by `call0`): the ESP8266's LX106.
    Call0,
}

impl Abi {
    pub(crate) fn of(arch: crate::Arch) -> Abi {
        if arch == crate::Arch::Xtensawin {
            Abi::Windowed
        } else {
            Abi::Call0
        }
    }

    fn name(self) -> &'static str {
        match self {
            Abi::Windowed => "windowed",
            Abi::Call0 => "call0",
        }
    }
}

/// The ABI GNU as records in an object's `.xtensa.info` note
/// (`ABI=0` windowed, `ABI=1` call0); LLVM writes no such note.
pub(crate) fn abi_from_info(note: &[u8]) -> Option<Abi> {
    let text = String::from_utf8_lossy(note);
    let value = text
        .split(['\n', '\0'])
        .find_map(|l| l.strip_prefix("ABI="))?;
    match value.trim() {
        "0" => Some(Abi::Windowed),
        "1" => Some(Abi::Call0),
        _ => None,
    }
}

/// Whether code starting with `first` (the first byte of a function)
/// begins with `entry`, which every windowed function called by `callN`
/// must: RRI12 format, op0 = 6, n = 3, m = 0, so its first byte is 0x36.
/// Call0 code never contains `entry`.
pub(crate) fn starts_with_entry(first: u8) -> bool {
    first == 0x36
}

/// Error text for an object of the wrong ABI: how it was recognised and
/// what to do instead.
pub(crate) fn abi_mismatch(found: Abi, want: Abi, how: &str) -> String {
    let fix = match want {
        Abi::Windowed => "an ESP32 (xtensawin) module needs windowed code throughout: compile it with the xtensawin compiler, and take runtime helpers from cargo-mpy's helper library, never from Debian's xtensa-lx106 libgcc or picolibc (call0 code)",
        Abi::Call0 => "an ESP8266 (xtensa) module needs call0 code: compile it with xtensa-lx106-elf-gcc",
    };
    format!(
        "contains {} code ({how}), but the link is for {} code; {fix}",
        found.name(),
        want.name()
    )
}

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
fn read24(l: &mut Linker<'_>, site: &Site) -> Result<u32> {
    let b = l.read_bytes::<3>(site, 0)?;
    Ok(u32::from(b[0]) | u32::from(b[1]) << 8 | u32::from(b[2]) << 16)
}

fn write24(l: &mut Linker<'_>, site: &Site, v: u32) -> Result<()> {
    l.write_bytes(site, 0, &v.to_le_bytes()[..3])
}

pub(crate) fn apply(l: &mut Linker<'_>, site: &Site) -> Result<()> {
    let r = site.reloc;
    let sym = l.symbol(site.obj, r.sym).clone();
    match r.r_type {
        // An absolute word in code or rodata (LLVM emits these for jump
        // tables and in-text literals; gcc keeps them in literal pools).
        // mpy_ld.py adds a PC-relative value here, which is wrong; we write
        // the address and let the loader relocate the word.
        R_XTENSA_32
            if !site.place.is_multiple_of(4)
                && l.section(site.obj, site.sec).class == SecClass::Text =>
        {
            Err(l.unsupported(site, LLVM_LITERALS_HINT))
        }
        R_XTENSA_32 => l.apply_abs_word(site),
        R_XTENSA_SLOT0_OP => {
            let SymDef::Section(target_sec) = sym.def else {
                return Err(l.unsupported(site, "target is not in a linked section"));
            };
            match l.section(site.obj, target_sec).class {
                // Branches and calls within one code section were resolved
                // by the assembler; they move together with their target.
                SecClass::Text if target_sec == site.sec => Ok(()),
                SecClass::Text => relocate_call_or_jump(l, site),
                SecClass::Literal => {
                    let key = (site.obj, target_sec, (sym.value as i64 + r.addend) as u64);
                    let addr = match l.xt_literals.get(&key).copied() {
                        Some(XtLiteral::Got(i)) => l.got_addr() + 4 * i as u64,
                        Some(XtLiteral::Lit(i)) => {
                            l.placed[&crate::link::OutSec::Lit].1 + 4 * i as u64
                        }
                        None => {
                            return Err(
                                l.unsupported(site, "l32r refers to a literal that does not exist")
                            )
                        }
                    };
                    let insn = read24(l, site)?;
                    if insn & 0xf != 1 {
                        return Err(l.unsupported(site, "expected an `l32r` instruction"));
                    }
                    // l32r loads from ((PC + 3) & ~3) + (field << 2), field a
                    // negative 16-bit word count. The instruction's own field is
                    // not an addend (RELA: GNU as leaves 0, llvm-mc 0xffff), so
                    // it is computed from the target alone; for GNU objects this
                    // is the value mpy_ld.py computes as (0 + addr - P) >> 2.
                    let base = (site.place as i64 + 3) & !3;
                    let field = (addr as i64 - base) >> 2;
                    if !(-65536..0).contains(&field) {
                        return Err(l.overflow(site, addr as i64 - base, 18));
                    }
                    write24(l, site, (insn & 0xff) | (((field & 0xffff) as u32) << 8))
                }
                // LLVM's integrated assembler (`clang -c`) puts literal pools
                // that follow a jump table into .rodata (and others at
                // unaligned offsets inside code); an l32r cannot reach the
                // separately loaded rodata.
                _ => Err(l.unsupported(site, LLVM_LITERALS_HINT)),
            }
        }
        R_XTENSA_DIFF8
        | R_XTENSA_DIFF16
        | R_XTENSA_DIFF32
        | R_XTENSA_PDIFF8..=R_XTENSA_NDIFF32
        | R_XTENSA_ASM_EXPAND => {
            // Assembler bookkeeping for relaxation inside code: nothing to do.
            let in_text = match sym.def {
                SymDef::Section(s) => l.section(site.obj, s).class == SecClass::Text,
                SymDef::Undefined => true,
                _ => false,
            };
            if in_text {
                Ok(())
            } else {
                Err(l.unsupported(site, ""))
            }
        }
        _ => Err(l.unsupported(site, "")),
    }
}

/// A `call0/4/8/12` or `j` whose target is in another code section.
fn relocate_call_or_jump(l: &mut Linker<'_>, site: &Site) -> Result<()> {
    let t = match l.site_target(site)? {
        Target::Defined(o, s, v) => l.defined_addr(o, s, v).1 as i64 + site.reloc.addend,
        _ => return Err(l.unsupported(site, "")),
    };
    let insn = read24(l, site)?;
    let place = site.place as i64;
    let (off, bits) = match insn & 0x3f {
        // CALLn: op0 = 5; target = (PC & ~3) + 4 + (offset << 2).
        0x05 | 0x15 | 0x25 | 0x35 => (((t - ((place & !3) + 4)) >> 2), 18),
        // J: op0 = 6, n = 0; target = PC + 4 + offset.
        0x06 => (t - (place + 4), 18),
        _ => return Err(l.unsupported(site, "only calls and jumps may cross code sections")),
    };
    if !fits_signed(off, bits - 1) {
        return Err(l.overflow(site, off, bits));
    }
    write24(l, site, (insn & 0x3f) | (((off & 0x3ffff) as u32) << 6))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abi_note() {
        let note = b"\x0c\0\0\0 \0\0\0\x01\0\0\0Xtensa_Info\0USE_ABSOLUTE_LITERALS=0\nABI=1\n\0\0";
        assert_eq!(abi_from_info(note), Some(Abi::Call0));
        assert_eq!(abi_from_info(b"ABI=0\n"), Some(Abi::Windowed));
        assert_eq!(abi_from_info(b"USE_ABSOLUTE_LITERALS=0\n"), None);
    }

    #[test]
    fn j_encoding() {
        // Xtensa ISA: J is CALL format, op0 = 0b0110, n = 0, offset in
        // bits 6..23, target = PC + 4 + offset. To 8 from 0: offset 4,
        // insn = 4 << 6 | 6 = 0x106.
        assert_eq!(jump(8).unwrap(), vec![0x06, 0x01, 0x00]);
    }
}
