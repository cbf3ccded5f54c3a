//! Merging several `.mpy` files into one, as `mpy-tool.py --merge` does.
//!
//! The merged file holds the qstr tables of all parts one after the other,
//! then all object tables, then a small synthesized bytecode function that
//! makes and calls each part's outer raw code in turn. The part with native
//! code (at most one) goes first. A part whose tables do not start at index
//! 0 of the merged tables has its bytecode rewritten: every qstr operand and
//! prelude name is shifted by the number of qstrs before it, and every
//! `LOAD_CONST_OBJ` by the number of objects before it. Operands can grow,
//! so jumps are re-encoded until all offsets settle.
//!
//! For inputs upstream accepts, the output is byte-identical to
//! `mpy-tool.py --merge` at MicroPython 1c3c201149. One difference: an
//! `UNWIND_JUMP` (a `break`/`continue` leaving a `try` or `with` block)
//! keeps its correct target here, where upstream measures it from after the
//! instruction's extra byte and fails or shifts the target by one.

use crate::mpy::bytecode::{
    decode_bytecode, op_format, op_jump_is_signed, opcode, OpFormat, Operand,
};
use crate::mpy::error::MpyError;
use crate::mpy::raw_code::{CodeKind, RawCode};
use crate::mpy::read::{read, Mpy};
use crate::mpy::vuint::encode_vuint;
use crate::mpy::{MPY_FEATURE_ARCH_FLAGS, MPY_VERSION};

/// How many times jump re-encoding may run before giving up.
const MAX_RELAYOUT_PASSES: usize = 1000;

/// Merges `inputs` (display name, file contents) into one `.mpy` file.
///
/// A single input is returned unchanged (after checking that it parses).
pub fn merge(inputs: &[(&str, &[u8])]) -> Result<Vec<u8>, MpyError> {
    let mut parts = Vec::with_capacity(inputs.len());
    for &(name, data) in inputs {
        parts.push(read(name, data)?);
    }
    let Some(last) = parts.last() else {
        return Err(MpyError::NoInputs);
    };
    if parts.len() == 1 {
        return Ok(last.data.to_vec());
    }
    // Upstream keeps the small-int width of the last file it read.
    let small_int_bits = last.header.small_int_bits;

    let mut native_index: Option<usize> = None;
    for (i, part) in parts.iter().enumerate() {
        if part.header.has_native() {
            if let Some(first) = native_index.and_then(|f| parts.get(f)) {
                return Err(MpyError::TwoNative {
                    first: first.name.clone(),
                    second: part.name.clone(),
                });
            }
            native_index = Some(i);
        }
    }
    if let Some(i) = native_index {
        let native = parts.remove(i);
        parts.insert(0, native);
    }
    let native = native_index.and_then(|_| parts.first()).map(|p| &p.header);
    let arch = native.map_or(0, |h| h.arch);
    // The native part's sub-version (its ABI); plain bytecode loads with any.
    let sub_version = native.map_or(0, |h| h.sub_version);
    let arch_flags = native.and_then(|h| h.arch_flags).unwrap_or(0);

    let mut out = vec![b'M', MPY_VERSION, 0, small_int_bits];
    if arch != 0 {
        out[2] = (arch << 2) | sub_version;
        if arch_flags != 0 {
            out[2] |= MPY_FEATURE_ARCH_FLAGS;
        }
    }
    if arch_flags != 0 && arch != 0 {
        encode_vuint(&mut out, arch_flags);
    }
    let n_qstr: usize = parts.iter().map(|p| p.qstrs.len()).sum();
    let n_obj: usize = parts.iter().map(|p| p.objects.len()).sum();
    encode_vuint(&mut out, n_qstr as u64);
    encode_vuint(&mut out, n_obj as u64);
    for part in &parts {
        out.extend_from_slice(slice(part, part.layout.qstr_table, part.layout.obj_table));
    }
    for part in &parts {
        out.extend_from_slice(slice(part, part.layout.obj_table, part.layout.raw_code));
    }

    // The outer function: make and call each part, then return None.
    let mut code = vec![
        0x00, // signature: one state slot, no arguments
        0x02, // size: one byte of source info, no closure info
        0x00, // name: qstr 0 (the source file name)
    ];
    for i in 0..parts.len() {
        code.push(opcode::MAKE_FUNCTION);
        encode_vuint(&mut code, i as u64);
        code.extend_from_slice(&[opcode::CALL_FUNCTION, 0, opcode::POP_TOP]);
    }
    code.extend_from_slice(&[opcode::LOAD_CONST_NONE, opcode::RETURN_VALUE]);
    encode_vuint(&mut out, (code.len() as u64) << 3 | 1 << 2);
    out.extend_from_slice(&code);
    encode_vuint(&mut out, parts.len() as u64);

    let (mut qstr_base, mut obj_base) = (0u64, 0u64);
    for part in &parts {
        if qstr_base == 0 && obj_base == 0 {
            // Copied as is, up to the end of its raw code. Upstream copies
            // to the end of the file, so bytes after the raw code (which
            // the loader ignores in the file on its own) would be read as
            // the next part's raw code.
            out.extend_from_slice(slice(part, part.layout.raw_code, part.layout.end));
        } else {
            let shift = Shift {
                mpy: part,
                qstr_base,
                obj_base,
            };
            shift.raw_code(&part.raw_code, &mut out)?;
        }
        qstr_base += part.qstrs.len() as u64;
        obj_base += part.objects.len() as u64;
    }
    Ok(out)
}

/// `part.data[start..end]`; the reader guarantees these offsets are in range.
fn slice<'a>(part: &Mpy<'a>, start: usize, end: usize) -> &'a [u8] {
    part.data.get(start..end).unwrap_or(&[])
}

/// Rewrites the raw codes of one part for new table positions.
struct Shift<'m, 'a> {
    mpy: &'m Mpy<'a>,
    qstr_base: u64,
    obj_base: u64,
}

impl Shift<'_, '_> {
    fn raw_code(&self, rc: &RawCode<'_>, out: &mut Vec<u8>) -> Result<(), MpyError> {
        let prelude = match (&rc.prelude, rc.kind) {
            (Some(p), CodeKind::Bytecode) => p,
            _ => {
                return Err(MpyError::NotBytecode {
                    file: self.mpy.name.clone(),
                    offset: rc.offset,
                    kind: rc.kind.name(),
                })
            }
        };
        let data = rc.fun_data;
        let bad = |offset: usize, reason: String| MpyError::Bytecode {
            file: self.mpy.name.clone(),
            offset: rc.fun_data_offset + offset,
            function: self.mpy.function_name(rc),
            reason,
        };
        // The names are re-encoded with the new indices; line-number info is
        // dropped (upstream does the same), closure info is kept.
        let mut source_info = Vec::new();
        for &name in &prelude.names {
            encode_vuint(&mut source_info, name + self.qstr_base);
        }
        let closure_info = data
            .get(prelude.closure_info_offset..prelude.opcodes_offset)
            .unwrap_or(&[]);
        let opcodes = self
            .bytecode(rc.opcodes())
            .map_err(|(at, reason)| bad(prelude.opcodes_offset + at, reason))?;

        let mut fun_data = data.get(..prelude.size_offset).unwrap_or(&[]).to_vec();
        encode_prelude_size(&mut fun_data, source_info.len(), closure_info.len());
        fun_data.extend_from_slice(&source_info);
        fun_data.extend_from_slice(closure_info);
        fun_data.extend_from_slice(&opcodes);

        let has_children = u64::from(!rc.children.is_empty());
        encode_vuint(out, (fun_data.len() as u64) << 3 | has_children << 2);
        out.extend_from_slice(&fun_data);
        if !rc.children.is_empty() {
            encode_vuint(out, rc.children.len() as u64);
            for child in &rc.children {
                self.raw_code(child, out)?;
            }
        }
        Ok(())
    }

    /// Shifts the qstr and object operands of `code` and re-encodes it.
    fn bytecode(&self, code: &[u8]) -> Result<Vec<u8>, (usize, String)> {
        let insns = decode_bytecode(code)?;
        let mut ops = Vec::with_capacity(insns.len());
        for insn in &insns {
            let arg = match insn.operand {
                Operand::Qstr(q) => Arg::Unsigned(q + self.qstr_base),
                Operand::Uint(n) if insn.opcode == opcode::LOAD_CONST_OBJ => {
                    Arg::Unsigned(n + self.obj_base)
                }
                Operand::Uint(n) => Arg::Unsigned(n),
                Operand::SmallInt(v) => Arg::Signed(v),
                Operand::Jump(target) => {
                    let index = usize::try_from(target)
                        .ok()
                        .and_then(|t| insns.binary_search_by_key(&t, |i| i.offset).ok())
                        .ok_or_else(|| {
                            (
                                insn.offset,
                                format!(
                                    "jump target {target:#x} is not the start of an instruction"
                                ),
                            )
                        })?;
                    Arg::Jump(index)
                }
                Operand::None => Arg::None,
            };
            ops.push(Op {
                offset: insn.offset,
                opcode: insn.opcode,
                arg,
                extra: insn.extra,
            });
        }
        relayout(&mut ops)
    }
}

/// An instruction being re-encoded.
struct Op {
    /// Offset in the current layout.
    offset: usize,
    opcode: u8,
    arg: Arg,
    extra: Option<u8>,
}

enum Arg {
    None,
    Unsigned(u64),
    Signed(i64),
    /// Index of the target instruction.
    Jump(usize),
}

/// Encodes `ops` until no instruction moves: each pass lays the
/// instructions out in order, a jump choosing its short form when the
/// distance (using this pass's offsets for earlier targets and the previous
/// pass's for later ones) fits in one byte.
fn relayout(ops: &mut [Op]) -> Result<Vec<u8>, (usize, String)> {
    let mut out = Vec::new();
    for _ in 0..MAX_RELAYOUT_PASSES {
        out.clear();
        let mut moved = false;
        let mut overflow = None;
        for i in 0..ops.len() {
            let here = out.len();
            // `i` and jump indices were checked against `ops` when decoding.
            if ops[i].offset != here {
                moved = true;
                ops[i].offset = here;
            }
            let target = match ops[i].arg {
                Arg::Jump(t) => ops.get(t).map(|t| t.offset),
                _ => None,
            };
            let op = &ops[i];
            out.push(op.opcode);
            match op.arg {
                Arg::None => {}
                Arg::Unsigned(v) => encode_vuint(&mut out, v),
                Arg::Signed(v) => encode_signed(&mut out, v),
                Arg::Jump(_) => {
                    let target = target.unwrap_or(here) as i64;
                    if !encode_jump(&mut out, op.opcode, target - here as i64) {
                        overflow.get_or_insert(here);
                    }
                }
            }
            if let Some(extra) = op.extra {
                out.push(extra);
            }
        }
        if !moved {
            return match overflow {
                None => Ok(out),
                Some(at) => Err((at, "jump too long after rewriting".to_string())),
            };
        }
    }
    Err((0, "jump offsets do not settle".to_string()))
}

/// Appends the offset field of a jump whose target is `distance` bytes from
/// the opcode; returns false when it does not fit.
fn encode_jump(out: &mut Vec<u8>, op: u8, distance: i64) -> bool {
    debug_assert_eq!(op_format(op), OpFormat::Offset);
    let signed = op_jump_is_signed(op);
    // Relative to the end of a one-byte offset field.
    let mut rel = distance - 2;
    if (signed && (-64..=63).contains(&rel)) || (!signed && rel <= 127) {
        if signed {
            rel += 0x40;
        }
        out.push((rel & 0x7f) as u8);
        (0..=0x7f).contains(&rel)
    } else {
        rel -= 1;
        if signed {
            rel += 0x4000;
        }
        out.push(0x80 | (rel & 0x7f) as u8);
        out.push(((rel >> 7) & 0xff) as u8);
        (0..=0x7fff).contains(&rel)
    }
}

/// Appends `value` as a signed vuint: seven bits per byte, most significant
/// first, with one more byte when bit 6 of the first byte would give the
/// wrong sign.
fn encode_signed(out: &mut Vec<u8>, value: i64) {
    let mut groups = vec![(value & 0x7f) as u8];
    let mut rest = value >> 7;
    while rest != 0 && rest != -1 {
        groups.push(0x80 | (rest & 0x7f) as u8);
        rest >>= 7;
    }
    let top = groups.last().copied().unwrap_or(0);
    if rest == -1 && top & 0x40 == 0 {
        groups.push(0xff);
    } else if rest == 0 && top & 0x40 != 0 {
        groups.push(0x80);
    }
    out.extend(groups.iter().rev());
}

/// Appends a prelude size: bytes `xIIIIIIC` carrying six bits of the
/// source-info size and one bit of the closure-info size each.
fn encode_prelude_size(out: &mut Vec<u8>, info: usize, cell: usize) {
    let (mut info, mut cell) = (info, cell);
    loop {
        let mut z = ((info & 0x3f) << 1 | (cell & 1)) as u8;
        info >>= 6;
        cell >>= 1;
        let more = info != 0 || cell != 0;
        if more {
            z |= 0x80;
        }
        out.push(z);
        if !more {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mpy::bytecode::decode_instruction;

    #[test]
    fn signed_vuints_round_trip() {
        for v in [
            0i64,
            1,
            -1,
            63,
            64,
            -64,
            -65,
            200,
            -200,
            8191,
            -8192,
            1 << 40,
        ] {
            let mut code = vec![opcode::LOAD_CONST_SMALL_INT];
            encode_signed(&mut code, v);
            let insn = decode_instruction(&code, 0).unwrap();
            assert_eq!(insn.operand, Operand::SmallInt(v), "value {v}");
            assert_eq!(insn.size, code.len());
        }
        let mut out = Vec::new();
        encode_signed(&mut out, 64);
        assert_eq!(out, [0x80, 0x40]);
        out.clear();
        encode_signed(&mut out, -65);
        assert_eq!(out, [0xff, 0x3f]);
    }

    #[test]
    fn prelude_size_encoding() {
        let mut out = Vec::new();
        encode_prelude_size(&mut out, 1, 0);
        assert_eq!(out, [0x02]);
        out.clear();
        encode_prelude_size(&mut out, 64, 1);
        // 64 = 1 << 6: first byte carries 0 and C=1, second byte I=1.
        assert_eq!(out, [0x81, 0x02]);
    }

    #[test]
    fn jumps_grow_when_operands_grow() {
        // LOAD_NAME q; POP_JUMP_IF_FALSE -> end (two-byte form); 60 x
        // LOAD_NAME q; RETURN. Shifting q from 0 to 200 makes each LOAD_NAME
        // three bytes long, so the jump distance grows from 120 to 180.
        let mut code = vec![0x11, 0x00, opcode::POP_JUMP_IF_FALSE, 0, 0];
        for _ in 0..60 {
            code.extend_from_slice(&[0x11, 0x00]);
        }
        code.push(opcode::RETURN_VALUE);
        let target = code.len() - 1;
        let rel = target as i64 - 5 + 0x4000;
        code[3] = 0x80 | (rel & 0x7f) as u8;
        code[4] = (rel >> 7) as u8;
        let insns = decode_bytecode(&code).unwrap();
        assert_eq!(insns[1].operand, Operand::Jump(target as i64));

        let mpy_stub = Mpy {
            name: "t".into(),
            data: &[],
            header: crate::mpy::read::Header {
                version: 6,
                feature: 0,
                arch: 0,
                sub_version: 0,
                arch_flags: None,
                small_int_bits: 31,
            },
            qstrs: Vec::new(),
            objects: Vec::new(),
            raw_code: RawCode {
                offset: 0,
                kind: CodeKind::Bytecode,
                has_children: false,
                fun_data_offset: 0,
                fun_data: &[],
                prelude: None,
                native: None,
                children: Vec::new(),
                end: 0,
            },
            layout: crate::mpy::read::Layout {
                qstr_table: 0,
                obj_table: 0,
                raw_code: 0,
                end: 0,
            },
        };
        let shift = Shift {
            mpy: &mpy_stub,
            qstr_base: 200,
            obj_base: 0,
        };
        let out = shift.bytecode(&code).unwrap();
        let new = decode_bytecode(&out).unwrap();
        assert_eq!(new.len(), insns.len());
        let end = new.last().unwrap().offset as i64;
        assert_eq!(new[1].operand, Operand::Jump(end));
        assert_eq!(new[0].operand, Operand::Qstr(200));
    }
}
