//! A deterministic, human-readable text dump of a parsed `.mpy` file:
//! header, qstr table, object table and the raw-code tree, with bytecode
//! disassembled and native relocations decoded.
//!
//! The same input always gives the same text, so dumps suit snapshot tests.

use std::fmt::Write as _;

use crate::mpy::bytecode::{op_name, opcode, Instruction, Operand};
use crate::mpy::raw_code::{CodeKind, RawCode};
use crate::mpy::read::Mpy;
use crate::mpy::reloc::RelocEntry;
use crate::mpy::tables::{Obj, Qstr};

/// Renders `mpy` as text.
pub fn dump(mpy: &Mpy<'_>) -> String {
    let mut out = String::new();
    let h = &mpy.header;
    let _ = writeln!(out, "file: {} ({} bytes)", mpy.name, mpy.data.len());
    let arch = match h.arch_name() {
        Some(name) => name.to_string(),
        None => format!("unknown ({})", h.arch),
    };
    let _ = write!(
        out,
        "header: version {}, feature {:#04x}, arch {arch}",
        h.version, h.feature
    );
    if h.has_native() {
        let _ = write!(out, ", sub-version {}", h.sub_version);
        if let Some(abi) = h.abi() {
            let _ = write!(out, " (ABI {abi}: {})", abi.releases());
        }
    }
    if let Some(flags) = h.arch_flags {
        let _ = write!(out, ", arch flags {flags:#x}");
    }
    let _ = writeln!(out, ", small int bits {}", h.small_int_bits);

    let _ = writeln!(
        out,
        "qstrs: {} at {:#x}",
        mpy.qstrs.len(),
        mpy.layout.qstr_table
    );
    for (i, entry) in mpy.qstrs.iter().enumerate() {
        let text = repr_str(entry.qstr.bytes());
        match entry.qstr {
            Qstr::Static { number } => {
                let _ = writeln!(out, "  {i}: {text} (static {number})");
            }
            Qstr::Inline { .. } => {
                let _ = writeln!(out, "  {i}: {text}");
            }
        }
    }

    let _ = writeln!(
        out,
        "objects: {} at {:#x}",
        mpy.objects.len(),
        mpy.layout.obj_table
    );
    for (i, entry) in mpy.objects.iter().enumerate() {
        let _ = writeln!(
            out,
            "  {i}: {} {}",
            obj_type_name(&entry.obj),
            repr_obj(&entry.obj)
        );
    }

    let _ = writeln!(out, "raw code at {:#x}:", mpy.layout.raw_code);
    dump_raw_code(&mut out, mpy, &mpy.raw_code, 1);
    let trailing = mpy.data.len().saturating_sub(mpy.layout.end);
    if trailing > 0 {
        let _ = writeln!(
            out,
            "trailing: {trailing} bytes after the raw code at {:#x} (ignored by the loader)",
            mpy.layout.end
        );
    }
    out
}

/// All relocation entries of the file, in file order (outer raw code first,
/// children before their parent's stream, as the stream follows them).
pub fn relocations(mpy: &Mpy<'_>) -> Vec<RelocEntry> {
    fn walk(rc: &RawCode<'_>, out: &mut Vec<RelocEntry>) {
        for child in &rc.children {
            walk(child, out);
        }
        out.extend_from_slice(rc.relocations());
    }
    let mut out = Vec::new();
    walk(&mpy.raw_code, &mut out);
    out
}

/// Formats one relocation entry, e.g. `text+0x18: 3 x text`,
/// `text+0x20: qstr table` or `rodata+0x8: mp_fun_table[50]`.
///
/// With a known word size the position is a byte offset; without one it is
/// a word index (`text+word 3`).
pub fn format_reloc(entry: &RelocEntry, word_size: Option<u8>) -> String {
    let base = entry.base.name();
    let position = match word_size.and_then(|w| entry.word_offset.checked_mul(u64::from(w))) {
        Some(bytes) => format!("{base}+{bytes:#x}"),
        None => format!("{base}+word {}", entry.word_offset),
    };
    if entry.count == 1 {
        format!("{position}: {}", entry.kind)
    } else {
        format!("{position}: {} x {}", entry.count, entry.kind)
    }
}

fn dump_raw_code(out: &mut String, mpy: &Mpy<'_>, rc: &RawCode<'_>, depth: usize) {
    let pad = "  ".repeat(depth);
    let name = mpy.function_name(rc);
    let children = match rc.children.len() {
        0 => String::new(),
        1 => ", 1 child".to_string(),
        n => format!(", {n} children"),
    };
    let size_word = if rc.kind == CodeKind::Bytecode {
        "bytes"
    } else {
        "bytes of machine code"
    };
    let _ = writeln!(
        out,
        "{pad}{name}: {}, {} {size_word} at {:#x}{children}",
        rc.kind.name(),
        rc.fun_data.len(),
        rc.fun_data_offset
    );
    if let Some(p) = &rc.prelude {
        let _ = writeln!(
            out,
            "{pad}  prelude at +{:#x}: n_state {}, n_exc_stack {}, scope flags {:#x}, \
             args {} positional ({} with defaults), {} keyword-only",
            p.offset,
            p.n_state,
            p.n_exc_stack,
            p.scope_flags,
            p.n_pos_args,
            p.n_def_pos_args,
            p.n_kwonly_args
        );
        let names: Vec<String> = p
            .names
            .iter()
            .map(|&i| {
                mpy.qstr_text(i)
                    .map_or_else(|| format!("#{i}"), |t| t.into_owned())
            })
            .collect();
        let _ = writeln!(
            out,
            "{pad}  names: {}; line info {} bytes; closure info {} bytes",
            names.join(", "),
            p.closure_info_offset.saturating_sub(p.line_info_offset),
            p.n_cell
        );
    }
    if let Some(n) = &rc.native {
        let _ = write!(out, "{pad}  scope flags {:#x}", n.scope_flags);
        if let (Some(args), Some(sig)) = (n.asm_n_pos_args, n.asm_type_sig) {
            let _ = write!(out, ", asm args {args}, type sig {sig:#x}");
        }
        if let Some(size) = n.rodata_size {
            let _ = write!(out, ", rodata {size} bytes at {:#x}", n.rodata_offset);
        }
        if let Some(size) = n.bss_size {
            let _ = write!(out, ", bss {size} bytes");
        }
        let _ = writeln!(out);
        if let Some(relocs) = &n.relocs {
            let _ = writeln!(
                out,
                "{pad}  relocations: {} at {:#x}",
                relocs.entries.len(),
                relocs.offset
            );
            for entry in &relocs.entries {
                let _ = writeln!(
                    out,
                    "{pad}    {}",
                    format_reloc(entry, mpy.header.word_size())
                );
            }
        }
    }
    if rc.kind == CodeKind::Bytecode {
        match mpy.instructions(rc) {
            Ok(code) => {
                let opcodes = rc.opcodes();
                for insn in &code {
                    let _ = writeln!(
                        out,
                        "{pad}  {:04x}  {:<12} {}",
                        insn.offset,
                        hex_bytes(opcodes, insn),
                        describe(mpy, rc, insn)
                    );
                }
            }
            Err(err) => {
                let _ = writeln!(out, "{pad}  cannot disassemble: {err}");
            }
        }
    }
    for child in &rc.children {
        dump_raw_code(out, mpy, child, depth + 1);
    }
}

fn hex_bytes(code: &[u8], insn: &Instruction) -> String {
    let bytes = code
        .get(insn.offset..insn.offset + insn.size)
        .unwrap_or(&[]);
    let mut text: Vec<String> = bytes.iter().take(4).map(|b| format!("{b:02x}")).collect();
    if bytes.len() > 4 {
        text.push("..".to_string());
    }
    text.join(" ")
}

fn describe(mpy: &Mpy<'_>, rc: &RawCode<'_>, insn: &Instruction) -> String {
    let mut text = op_name(insn.opcode).into_owned();
    match insn.operand {
        Operand::None => {}
        Operand::Qstr(i) => match mpy.qstr_text(i) {
            Some(name) => {
                let _ = write!(text, " {name}");
            }
            None => {
                let _ = write!(text, " #{i} (outside the qstr table)");
            }
        },
        Operand::SmallInt(v) => {
            let _ = write!(text, " {v}");
        }
        Operand::Uint(v) => {
            let _ = write!(text, " {v}");
            let target = usize::try_from(v).ok();
            if insn.opcode == opcode::LOAD_CONST_OBJ {
                match target.and_then(|i| mpy.objects.get(i)) {
                    Some(obj) => {
                        let _ = write!(text, " ({})", repr_obj(&obj.obj));
                    }
                    None => text.push_str(" (outside the object table)"),
                }
            } else if matches!(insn.opcode, 0x20 | 0x21 | 0x32 | 0x33) {
                match target.and_then(|i| rc.children.get(i)) {
                    Some(child) => {
                        let _ = write!(text, " ({})", mpy.function_name(child));
                    }
                    None => text.push_str(" (no such child)"),
                }
            }
        }
        Operand::Jump(target) => {
            let _ = write!(text, " -> {target:04x}");
        }
    }
    if let Some(extra) = insn.extra {
        let _ = write!(text, " [{extra:#04x}]");
    }
    text
}

fn obj_type_name(obj: &Obj<'_>) -> &'static str {
    match obj {
        Obj::FunTable => "fun_table",
        Obj::None | Obj::False | Obj::True | Obj::Ellipsis => "const",
        Obj::Str(_) => "str",
        Obj::Bytes(_) => "bytes",
        Obj::Int(_) => "int",
        Obj::Float(_) => "float",
        Obj::Complex(_) => "complex",
        Obj::Tuple(_) => "tuple",
    }
}

/// A Python-like representation of a constant object.
fn repr_obj(obj: &Obj<'_>) -> String {
    match obj {
        Obj::FunTable => "&mp_fun_table".to_string(),
        Obj::None => "None".to_string(),
        Obj::False => "False".to_string(),
        Obj::True => "True".to_string(),
        Obj::Ellipsis => "Ellipsis".to_string(),
        Obj::Str(bytes) => repr_str(bytes),
        Obj::Bytes(bytes) => format!("b{}", repr_quoted(bytes, false)),
        Obj::Int(text) | Obj::Float(text) | Obj::Complex(text) => (*text).to_string(),
        Obj::Tuple(items) => {
            let inner: Vec<String> = items.iter().map(repr_obj).collect();
            if inner.len() == 1 {
                format!("({},)", inner.join(""))
            } else {
                format!("({})", inner.join(", "))
            }
        }
    }
}

/// A quoted string; non-ASCII text stays readable when it is valid UTF-8.
fn repr_str(bytes: &[u8]) -> String {
    repr_quoted(bytes, true)
}

fn repr_quoted(bytes: &[u8], text: bool) -> String {
    let mut out = String::from("'");
    match std::str::from_utf8(bytes) {
        Ok(s) if text => {
            for c in s.chars() {
                push_escaped_char(&mut out, c);
            }
        }
        _ => {
            for &b in bytes {
                if b.is_ascii() {
                    push_escaped_char(&mut out, char::from(b));
                } else {
                    let _ = write!(out, "\\x{b:02x}");
                }
            }
        }
    }
    out.push('\'');
    out
}

fn push_escaped_char(out: &mut String, c: char) {
    match c {
        '\\' => out.push_str("\\\\"),
        '\'' => out.push_str("\\'"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if (c as u32) < 0x20 || c as u32 == 0x7f => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mpy::reloc::{RelocBase, RelocKind};

    #[test]
    fn reloc_lines() {
        let e = RelocEntry {
            base: RelocBase::Text,
            word_offset: 3,
            kind: RelocKind::Text,
            count: 3,
        };
        assert_eq!(format_reloc(&e, Some(8)), "text+0x18: 3 x text");
        assert_eq!(format_reloc(&e, None), "text+word 3: 3 x text");
        let e = RelocEntry {
            base: RelocBase::Rodata,
            word_offset: 2,
            kind: RelocKind::FunTableEntry(50),
            count: 1,
        };
        assert_eq!(format_reloc(&e, Some(4)), "rodata+0x8: mp_fun_table[50]");
    }

    #[test]
    fn object_reprs() {
        assert_eq!(repr_obj(&Obj::Str(b"a'b\n")), "'a\\'b\\n'");
        assert_eq!(repr_obj(&Obj::Bytes(b"\x00\xff")), "b'\\x00\\xff'");
        assert_eq!(repr_obj(&Obj::Tuple(vec![Obj::Int("1")])), "(1,)");
        assert_eq!(
            repr_obj(&Obj::Tuple(vec![Obj::None, Obj::Float("2.5")])),
            "(None, 2.5)"
        );
    }
}
