//! Xtensa (`EM_XTENSA`; xtensa and xtensawin): literal-pool relocations,
//! the entry jump. Code loads constants with `l32r` from literal pools; the
//! linker turns those pools into a GOT (words the loader relocates) and a
//! deduplicated literal table, both placed before the code.

use object::read::elf::{ElfFile, FileHeader};
use object::{Object as _, ObjectSection, ObjectSymbol};

use crate::arch::spec::{Arch, RelocTable};
use crate::error::{LinkError, Result};
use crate::model::{InputRef, SecClass, SymDef};
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

/// How to build Xtensa objects with LLVM so their literal pools are usable.
const LLVM_LITERALS_HINT: &str = "a literal pool outside `.literal` sections, as LLVM's integrated assembler (`clang -c`) places them; compile to assembly (`clang -S`), put a `.text` line before each `.literal_position`, and assemble with `llvm-mc -triple=xtensa -mcpu=esp32 -filetype=obj` (what cargo-mpy does for xtensawin)";

/// The two Xtensa calling conventions. Code of one cannot be linked with
/// code of the other: a windowed caller's registers are clobbered by a
/// call0 callee and vice versa.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Abi {
    /// Register windows (`entry`/`retw`, calls by `call8`): the ESP32.
    Windowed,
    /// Fixed registers (`ret`, calls by `call0`): the ESP8266's LX106.
    Call0,
}

impl Abi {
    fn of(arch: Arch) -> Abi {
        if arch == Arch::Xtensawin {
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

    fn fix(self) -> &'static str {
        match self {
            Abi::Windowed => "an ESP32 (xtensawin) module needs windowed code throughout: compile it with the xtensawin compiler, and take runtime helpers from cargo-mpy's helper library, never from Debian's xtensa-lx106 libgcc or picolibc (call0 code)",
            Abi::Call0 => "an ESP8266 (xtensa) module needs call0 code: compile it with xtensa-lx106-elf-gcc",
        }
    }
}

/// The ABI GNU as records in an object's `.xtensa.info` note
/// (`ABI=0` windowed, `ABI=1` call0); LLVM writes no such note.
fn abi_from_info(note: &[u8]) -> Option<Abi> {
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
fn starts_with_entry(first: u8) -> bool {
    first == 0x36
}

/// Refuses an object of the other calling convention: by GNU as's
/// `.xtensa.info` note where there is one (Debian's lx106 libgcc and
/// picolibc say `ABI=1`, call0), else by the first instruction of its
/// functions (`entry` in windowed code only).
pub(crate) fn check_abi<'d, H: FileHeader<Endian = object::LittleEndian>>(
    arch: Arch,
    file: &ElfFile<'d, H>,
    input: &InputRef,
) -> Result<()> {
    let want = Abi::of(arch);
    let wrong = |found: Abi, how: String| LinkError::CallingConvention {
        input: input.clone(),
        found: found.name(),
        expected: want.name(),
        how,
        fix: want.fix(),
    };
    if let Some(info) = file.section_by_name(".xtensa.info") {
        if let Some(found) = info.data().ok().and_then(abi_from_info) {
            if found != want {
                let abi = if found == Abi::Call0 { 1 } else { 0 };
                return Err(wrong(found, format!("its `.xtensa.info` says ABI={abi}")));
            }
            return Ok(());
        }
    }
    for sym in file.symbols() {
        if sym.kind() != object::SymbolKind::Text || sym.size() == 0 {
            continue;
        }
        let Some(first) = sym
            .section_index()
            .and_then(|i| file.section_by_index(i).ok())
            .and_then(|sec| sec.data().ok())
            .and_then(|data| data.get(usize::try_from(sym.address()).ok()?).copied())
        else {
            continue;
        };
        let found = if starts_with_entry(first) {
            Abi::Windowed
        } else {
            Abi::Call0
        };
        if found != want {
            let name = sym.name().unwrap_or("?");
            let how = match found {
                Abi::Call0 => format!("function `{name}` does not begin with `entry`"),
                Abi::Windowed => format!("function `{name}` begins with `entry`"),
            };
            return Err(wrong(found, how));
        }
    }
    Ok(())
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
        R_XTENSA_32 if !s.place.is_multiple_of(4) && s.class_of(s.sec) == SecClass::Text => {
            Err(s.unsupported(LLVM_LITERALS_HINT))
        }
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
                    let insn = read24(s)?;
                    if insn & 0xf != 1 {
                        return Err(s.unsupported("expected an `l32r` instruction"));
                    }
                    // l32r loads from ((PC + 3) & ~3) + (field << 2), field a
                    // negative 16-bit word count. The instruction's own field is
                    // not an addend (RELA: GNU as leaves 0, llvm-mc 0xffff), so
                    // it is computed from the target alone; for GNU objects this
                    // is the value mpy_ld.py computes as (0 + addr - P) >> 2.
                    let base = (s.place as i64 + 3) & !3;
                    let field = (addr as i64 - base) >> 2;
                    if !(-65536..0).contains(&field) {
                        return Err(s.overflow(addr as i64 - base, 18));
                    }
                    Ok(write24((insn & 0xff) | (((field & 0xffff) as u32) << 8)))
                }
                // LLVM's integrated assembler (`clang -c`) puts literal pools
                // that follow a jump table into .rodata (and others at
                // unaligned offsets inside code); an l32r cannot reach the
                // separately loaded rodata.
                _ => Err(s.unsupported(LLVM_LITERALS_HINT)),
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
