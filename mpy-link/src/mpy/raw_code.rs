//! Raw codes: the functions of an `.mpy` file (bytecode, or machine code
//! with what follows it: scope flags, rodata and bss sizes, the rodata bytes
//! and the relocation stream), nested as the file nests them.

use crate::mpy::cursor::Cursor;
use crate::mpy::error::MpyError;
use crate::mpy::prelude::{read_prelude, Prelude};
use crate::mpy::reloc::{self, RelocEntry};
use crate::mpy::{
    MAX_NESTING, MP_CODE_BYTECODE, MP_SCOPE_FLAG_VIPERBSS, MP_SCOPE_FLAG_VIPERRELOC,
    MP_SCOPE_FLAG_VIPERRODATA,
};

/// The kind of a raw code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeKind {
    /// MicroPython bytecode (2).
    Bytecode,
    /// Machine code from `@micropython.native` (3).
    NativePy,
    /// Machine code from `@micropython.viper` or a native module (4).
    NativeViper,
    /// Inline assembler (5).
    NativeAsm,
}

impl CodeKind {
    /// A short lower-case name ("bytecode", "native", "viper", "asm").
    pub fn name(self) -> &'static str {
        match self {
            CodeKind::Bytecode => "bytecode",
            CodeKind::NativePy => "native",
            CodeKind::NativeViper => "viper",
            CodeKind::NativeAsm => "asm",
        }
    }
}

/// A relocation stream and where it is in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relocations<'a> {
    /// File offset of the first op byte.
    pub offset: usize,
    /// The raw stream, including the final 0xff.
    pub bytes: &'a [u8],
    /// The decoded operations, in order.
    pub entries: Vec<RelocEntry>,
}

/// What follows the machine code of a native raw code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NativeInfo<'a> {
    /// For `@native` code: offset of its prelude inside `fun_data`.
    pub prelude_offset: Option<u64>,
    /// Scope flags (from the prelude for `@native` code).
    pub scope_flags: u64,
    /// For asm code: number of positional arguments.
    pub asm_n_pos_args: Option<u64>,
    /// For asm code: the type signature.
    pub asm_type_sig: Option<u64>,
    /// Size of the rodata blob, when flag 0x20 is set (viper only).
    pub rodata_size: Option<u64>,
    /// Size of the bss blob, when flag 0x40 is set (viper only).
    pub bss_size: Option<u64>,
    /// File offset of the rodata bytes.
    pub rodata_offset: usize,
    /// The rodata bytes (empty when there are none).
    pub rodata: &'a [u8],
    /// The relocation stream, when flag 0x10 is set.
    pub relocs: Option<Relocations<'a>>,
}

/// A raw code (a function) and its children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawCode<'a> {
    /// File offset of the kind/length vuint.
    pub offset: usize,
    /// The kind.
    pub kind: CodeKind,
    /// Whether the has-children bit is set.
    pub has_children: bool,
    /// File offset of `fun_data`.
    pub fun_data_offset: usize,
    /// The bytecode or machine code.
    pub fun_data: &'a [u8],
    /// The decoded prelude (bytecode and `@native` code).
    pub prelude: Option<Prelude>,
    /// Native details (all kinds but bytecode).
    pub native: Option<NativeInfo<'a>>,
    /// The children, in order.
    pub children: Vec<RawCode<'a>>,
    /// File offset just after this raw code (children and relocations included).
    pub end: usize,
}

impl<'a> RawCode<'a> {
    /// The decoded relocation entries (empty when there is no stream).
    pub fn relocations(&self) -> &[RelocEntry] {
        self.native
            .as_ref()
            .and_then(|n| n.relocs.as_ref())
            .map_or(&[], |r| r.entries.as_slice())
    }

    /// The bytecode instructions (empty slice for native code).
    pub fn opcodes(&self) -> &'a [u8] {
        match (&self.prelude, self.kind) {
            (Some(p), CodeKind::Bytecode) => self.fun_data.get(p.opcodes_offset..).unwrap_or(&[]),
            _ => &[],
        }
    }
}

/// What raw-code parsing needs to know about the whole file.
pub(crate) struct Tables {
    pub(crate) n_qstr: u64,
    pub(crate) word_size: Option<u8>,
}

/// Reads a raw code and its children, `depth` levels below the outer one.
pub(crate) fn read_raw_code<'a>(
    cur: &mut Cursor<'a, '_>,
    tables: &Tables,
    depth: usize,
) -> Result<RawCode<'a>, MpyError> {
    let offset = cur.pos;
    if depth > MAX_NESTING {
        return Err(MpyError::TooDeep {
            file: cur.file.to_string(),
            offset,
            what: "raw code",
        });
    }
    let kind_len = cur.vuint("raw-code header")?;
    let kind = match (kind_len & 3) as u8 + MP_CODE_BYTECODE {
        2 => CodeKind::Bytecode,
        3 => CodeKind::NativePy,
        4 => CodeKind::NativeViper,
        _ => CodeKind::NativeAsm,
    };
    // Machine code needs the architecture the header names: a file without
    // one (bytecode only) holding a native raw code cannot be loaded, and
    // its relocations could not be checked against the code they patch.
    if kind != CodeKind::Bytecode && tables.word_size.is_none() {
        return Err(cur.invalid(
            offset,
            "raw-code header",
            format!(
                "{} code in a file whose header names no architecture it knows (machine code needs one)",
                kind.name()
            ),
        ));
    }
    let has_children = kind_len & 4 != 0;
    let len = usize::try_from(kind_len >> 3)
        .map_err(|_| cur.invalid(offset, "raw-code header", "length too large"))?;
    let fun_data_offset = cur.pos;
    let fun_data = cur.bytes(len, "function data")?;

    let (prelude, mut native) = match kind {
        CodeKind::Bytecode => {
            let prelude = read_prelude(cur, fun_data, fun_data_offset, 0, tables.n_qstr)?;
            (Some(prelude), None)
        }
        CodeKind::NativePy => {
            let at = cur.pos;
            let prelude_offset = cur.vuint("native prelude offset")?;
            let start = usize::try_from(prelude_offset)
                .ok()
                .filter(|&p| p < fun_data.len())
                .ok_or_else(|| {
                    cur.invalid(
                        at,
                        "native prelude offset",
                        format!(
                            "{prelude_offset} is outside the {} bytes of code",
                            fun_data.len()
                        ),
                    )
                })?;
            let prelude = read_prelude(cur, fun_data, fun_data_offset, start, tables.n_qstr)?;
            let native = NativeInfo {
                prelude_offset: Some(prelude_offset),
                scope_flags: prelude.scope_flags,
                ..empty_native()
            };
            (Some(prelude), Some(native))
        }
        CodeKind::NativeViper | CodeKind::NativeAsm => {
            let mut native = NativeInfo {
                scope_flags: cur.vuint("scope flags")?,
                ..empty_native()
            };
            if kind == CodeKind::NativeAsm {
                native.asm_n_pos_args = Some(cur.vuint("asm argument count")?);
                native.asm_type_sig = Some(cur.vuint("asm type signature")?);
            } else {
                read_viper_data(cur, &mut native)?;
            }
            (None, Some(native))
        }
    };

    let mut children = Vec::new();
    if has_children {
        let n = cur.count("child count", 1)?;
        for _ in 0..n {
            children.push(read_raw_code(cur, tables, depth + 1)?);
        }
    }

    if let Some(native) = native.as_mut() {
        if native.scope_flags & u64::from(MP_SCOPE_FLAG_VIPERRELOC) != 0 {
            let text_words = tables.word_size.map(|w| fun_data.len() / usize::from(w));
            let rodata_words = tables
                .word_size
                .map(|w| native.rodata.len() / usize::from(w));
            native.relocs = Some(read_relocs(cur, text_words, rodata_words)?);
        }
    }

    Ok(RawCode {
        offset,
        kind,
        has_children,
        fun_data_offset,
        fun_data,
        prelude,
        native,
        children,
        end: cur.pos,
    })
}

fn empty_native<'a>() -> NativeInfo<'a> {
    NativeInfo {
        prelude_offset: None,
        scope_flags: 0,
        asm_n_pos_args: None,
        asm_type_sig: None,
        rodata_size: None,
        bss_size: None,
        rodata_offset: 0,
        rodata: &[],
        relocs: None,
    }
}

fn read_viper_data<'a>(
    cur: &mut Cursor<'a, '_>,
    native: &mut NativeInfo<'a>,
) -> Result<(), MpyError> {
    let flags = native.scope_flags;
    if flags & u64::from(MP_SCOPE_FLAG_VIPERRODATA) != 0 {
        native.rodata_size = Some(cur.vuint("rodata size")?);
    }
    if flags & u64::from(MP_SCOPE_FLAG_VIPERBSS) != 0 {
        native.bss_size = Some(cur.vuint("bss size")?);
    }
    native.rodata_offset = cur.pos;
    if let Some(size) = native.rodata_size {
        let len =
            usize::try_from(size).map_err(|_| cur.invalid(cur.pos, "rodata size", "too large"))?;
        native.rodata = cur.bytes(len, "rodata")?;
    }
    Ok(())
}

/// Reads a relocation stream up to and including its end byte (decoded by
/// [`reloc::decode`]); when the word counts of text and rodata are known,
/// every entry must stay inside them.
fn read_relocs<'a>(
    cur: &mut Cursor<'a, '_>,
    text_words: Option<usize>,
    rodata_words: Option<usize>,
) -> Result<Relocations<'a>, MpyError> {
    let start = cur.pos;
    let stream = cur.data.get(start..).unwrap_or(&[]);
    match reloc::decode(stream, text_words, rodata_words) {
        Ok(decoded) => {
            let bytes = cur.bytes(decoded.len, "relocation stream")?;
            Ok(Relocations {
                offset: start,
                bytes,
                entries: decoded.entries,
            })
        }
        Err(e) => {
            cur.pos = start + e.offset;
            Err(match e.reason {
                None => cur.truncated(e.what),
                Some(reason) => cur.invalid(cur.pos, e.what, reason),
            })
        }
    }
}
