//! Reading `.mpy` files: a bounds-checked, typed view of any version-6
//! `.mpy` file (bytecode or native) that keeps the file offset of every part.
//!
//! [`read`] follows the order in which MicroPython's loader
//! (`py/persistentcode.c`) consumes the stream:
//!
//! ```text
//! header: 'M' version feature small_int_bits [vuint arch_flags]
//! vuint n_qstr, vuint n_obj, qstr * n_qstr, object * n_obj
//! raw code (recursive):
//!   vuint (fun_data_len << 3 | has_children << 2 | kind - 2), fun_data
//!   native py:    vuint prelude_offset
//!   viper / asm:  vuint scope_flags   (asm: vuint n_pos_args, vuint type_sig)
//!   viper:        [vuint rodata_size] [vuint bss_size] [rodata bytes]
//!   children:     vuint n_children, raw code * n_children   (when has_children)
//!   native:       relocation stream ended by 0xff   (when scope_flags & 0x10)
//! ```
//!
//! Nothing here panics on malformed input: every problem is an [`MpyError`]
//! naming the file, the byte offset and what was being read.

use std::borrow::Cow;

use crate::mpy::vuint::decode_vuint;
use crate::mpy::{
    MPY_FEATURE_ARCH_FLAGS, MPY_SUB_VERSION, MPY_VERSION, MP_CODE_BYTECODE, MP_SCOPE_FLAG_VIPERBSS,
    MP_SCOPE_FLAG_VIPERRELOC, MP_SCOPE_FLAG_VIPERRODATA,
};
use mpy_sys::static_qstrs::STATIC_QSTRS;

/// How deep constant tuples and nested raw codes may go before the file is
/// rejected (real files stay far below; the limit protects the stack).
pub const MAX_NESTING: usize = 64;

/// Why an `.mpy` file could not be read or merged.
///
/// Every variant names the file (its display name) and, where there is one,
/// the byte offset in it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MpyError {
    /// The data ends in the middle of something.
    #[error("{file}: offset {offset:#x}: file ends inside {what}")]
    Truncated {
        /// Display name of the file.
        file: String,
        /// Offset where the missing data should be.
        offset: usize,
        /// What was being read.
        what: &'static str,
    },

    /// A field holds a value the format does not allow.
    #[error("{file}: offset {offset:#x}: invalid {what}: {reason}")]
    Invalid {
        /// Display name of the file.
        file: String,
        /// Offset of the field.
        offset: usize,
        /// What was being read.
        what: &'static str,
        /// What is wrong with it.
        reason: String,
    },

    /// The first byte is not `M`.
    #[error("{file}: not an .mpy file (first byte is {found:#04x}, expected `M`)")]
    NotMpy {
        /// Display name of the file.
        file: String,
        /// The first byte found.
        found: u8,
    },

    /// The `.mpy` version is not 6.
    #[error("{file}: .mpy version {found} is not supported (expected {MPY_VERSION}); recompile it with the mpy-cross of MicroPython 1.29")]
    Version {
        /// Display name of the file.
        file: String,
        /// The version found.
        found: u8,
    },

    /// A native file has another sub-version than 3.
    #[error("{file}: native .mpy sub-version {found} is not supported (expected {MPY_SUB_VERSION}); rebuild it for MicroPython 1.29")]
    SubVersion {
        /// Display name of the file.
        file: String,
        /// The sub-version found.
        found: u8,
    },

    /// Tuples or raw codes nest deeper than [`MAX_NESTING`].
    #[error("{file}: offset {offset:#x}: {what} nested deeper than {MAX_NESTING} levels")]
    TooDeep {
        /// Display name of the file.
        file: String,
        /// Offset of the innermost item.
        offset: usize,
        /// What nests ("constant tuple", "raw code").
        what: &'static str,
    },

    /// The bytecode of a function cannot be decoded or re-encoded.
    #[error("{file}: offset {offset:#x}: bytecode of `{function}`: {reason}")]
    Bytecode {
        /// Display name of the file.
        file: String,
        /// File offset of the instruction (or of the function).
        offset: usize,
        /// The function's name.
        function: String,
        /// What is wrong.
        reason: String,
    },

    /// `merge` was called without inputs.
    #[error("nothing to merge: no input files were given")]
    NoInputs,

    /// Two inputs of a merge contain native code.
    #[error("cannot merge `{first}` and `{second}`: both contain native code, and at most one part of a merged file may")]
    TwoNative {
        /// The first native input.
        first: String,
        /// The second native input.
        second: String,
    },

    /// A part of a merge that must be rewritten holds native code.
    #[error("{file}: offset {offset:#x}: cannot rewrite {kind} code while merging; only bytecode parts can follow the first part")]
    NotBytecode {
        /// Display name of the file.
        file: String,
        /// Offset of the raw code.
        offset: usize,
        /// The kind found ("native", "viper", "asm").
        kind: &'static str,
    },
}

/// The four header bytes and the optional architecture flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Format version (6).
    pub version: u8,
    /// The raw feature byte.
    pub feature: u8,
    /// Native architecture code (`(feature >> 2) & 0x2f`); 0 for none.
    pub arch: u8,
    /// Sub-version (`feature & 3`); meaningful only when `arch != 0`.
    pub sub_version: u8,
    /// The architecture flags, present when feature bit 0x40 is set.
    pub arch_flags: Option<u64>,
    /// Number of bits in a small int (`MP_SMALL_INT_BITS`).
    pub small_int_bits: u8,
}

impl Header {
    /// Whether the file declares native code (a non-zero architecture).
    pub fn has_native(&self) -> bool {
        self.arch != 0
    }

    /// The architecture's name as `mpy_ld.py --arch` spells it, when known.
    pub fn arch_name(&self) -> Option<&'static str> {
        arch_name(self.arch)
    }

    /// The machine word size of the architecture in bytes, when known.
    pub fn word_size(&self) -> Option<u8> {
        crate::arch::ARCH_SPECS
            .iter()
            .find(|spec| spec.mpy_code == self.arch)
            .map(|spec| spec.word_size)
    }
}

/// Name of an `.mpy` architecture code, when it is one we know.
pub fn arch_name(code: u8) -> Option<&'static str> {
    match code {
        0 => Some("none"),
        3 => Some("armv6"),
        6 => Some("armv7em"),
        _ => crate::arch::ARCH_SPECS
            .iter()
            .find(|spec| spec.mpy_code == code)
            .map(|spec| spec.name),
    }
}

/// One entry of the qstr table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Qstr<'a> {
    /// A qstr of the firmware's static list, stored as `(number << 1) | 1`.
    Static {
        /// The qstr number (index in the static list plus one).
        number: u16,
    },
    /// A string stored in the file, as `(len << 1)`, bytes and a NUL.
    Inline {
        /// The string's bytes (without the NUL).
        bytes: &'a [u8],
    },
}

impl<'a> Qstr<'a> {
    /// The string's bytes (for a static qstr, from the static list).
    pub fn bytes(&self) -> &'a [u8] {
        match self {
            Qstr::Static { number } => static_qstr_text(*number).unwrap_or("").as_bytes(),
            Qstr::Inline { bytes } => bytes,
        }
    }

    /// The string as text (invalid UTF-8 is replaced).
    pub fn text(&self) -> Cow<'a, str> {
        String::from_utf8_lossy(self.bytes())
    }
}

/// Text of static qstr `number`, if that number is in the static list.
pub fn static_qstr_text(number: u16) -> Option<&'static str> {
    let index = usize::from(number).checked_sub(1)?;
    STATIC_QSTRS.get(index).map(|&(text, _)| text)
}

/// A qstr-table entry and where it is in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QstrEntry<'a> {
    /// File offset of the entry's first byte.
    pub offset: usize,
    /// The entry.
    pub qstr: Qstr<'a>,
}

/// A constant object of the object table.
#[derive(Debug, Clone, PartialEq)]
pub enum Obj<'a> {
    /// `&mp_fun_table` (type 0).
    FunTable,
    /// `None` (type 1).
    None,
    /// `False` (type 2).
    False,
    /// `True` (type 3).
    True,
    /// `...` (type 4).
    Ellipsis,
    /// A `str` (type 5); its bytes without the NUL.
    Str(&'a [u8]),
    /// A `bytes` (type 6); its bytes without the NUL.
    Bytes(&'a [u8]),
    /// An `int` (type 7) too big for a small int, in decimal.
    Int(&'a str),
    /// A `float` (type 8), as text.
    Float(&'a str),
    /// A `complex` (type 9), as text.
    Complex(&'a str),
    /// A `tuple` (type 10) of constants.
    Tuple(Vec<Obj<'a>>),
}

/// An object-table entry and where it is in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjEntry<'a> {
    /// File offset of the entry's type byte.
    pub offset: usize,
    /// The object.
    pub obj: Obj<'a>,
}

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

/// The decoded prelude of a bytecode (or `@native`) function.
///
/// Offsets are relative to the start of the raw code's `fun_data`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prelude {
    /// Offset of the prelude signature.
    pub offset: usize,
    /// Number of state slots (locals and stack).
    pub n_state: u64,
    /// Depth of the exception stack.
    pub n_exc_stack: u64,
    /// Signature scope flags (generator, varargs, ...).
    pub scope_flags: u64,
    /// Positional arguments.
    pub n_pos_args: u64,
    /// Keyword-only arguments.
    pub n_kwonly_args: u64,
    /// Positional arguments with defaults.
    pub n_def_pos_args: u64,
    /// Size of the source-info block (names and line info).
    pub n_info: u64,
    /// Size of the closure-info block (cell indices).
    pub n_cell: u64,
    /// qstr-table indices: the function's name, then its argument names.
    pub names: Vec<u64>,
    /// Offset of the prelude-size bytes (just after the signature).
    pub size_offset: usize,
    /// Offset of the source-info block (the names).
    pub source_info_offset: usize,
    /// Offset of the line-number info (just after the names).
    pub line_info_offset: usize,
    /// Offset of the closure-info block.
    pub closure_info_offset: usize,
    /// Offset of the first instruction.
    pub opcodes_offset: usize,
}

/// Where a relocation's words are: in the text or in the rodata blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelocBase {
    /// The machine code.
    Text,
    /// The rodata blob.
    Rodata,
}

/// What a relocation adds to each of its words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelocKind {
    /// The address of the text.
    Text,
    /// The address of the rodata blob.
    Rodata,
    /// The address of the bss blob.
    Bss,
    /// The address of the module's qstr table.
    QstrTable,
    /// The address of the module's object table.
    ObjTable,
    /// The address of `mp_fun_table`.
    FunTable,
    /// The value of entry `k` of `mp_fun_table`.
    FunTableEntry(u8),
}

/// One decoded operation of a relocation stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelocEntry {
    /// Text or rodata.
    pub base: RelocBase,
    /// Index of the first word (in machine words) from the start of `base`.
    pub word_offset: u64,
    /// What is added to the words.
    pub kind: RelocKind,
    /// Number of consecutive words (1 except for text/rodata/bss runs).
    pub count: u64,
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

/// File offsets of the parts of an `.mpy` file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// Start of the qstr table (just after the two counts).
    pub qstr_table: usize,
    /// Start of the object table.
    pub obj_table: usize,
    /// Start of the outer raw code.
    pub raw_code: usize,
    /// End of the outer raw code; bytes after it are ignored by the loader.
    pub end: usize,
}

/// A parsed `.mpy` file borrowing its data.
#[derive(Debug, Clone, PartialEq)]
pub struct Mpy<'a> {
    /// Display name used in errors.
    pub name: String,
    /// The whole file.
    pub data: &'a [u8],
    /// The header.
    pub header: Header,
    /// The qstr table; entry 0 is the source file name.
    pub qstrs: Vec<QstrEntry<'a>>,
    /// The constant-object table.
    pub objects: Vec<ObjEntry<'a>>,
    /// The outer (module-level) raw code.
    pub raw_code: RawCode<'a>,
    /// Where each part starts.
    pub layout: Layout,
}

impl<'a> Mpy<'a> {
    /// Text of qstr-table entry `index`, if it exists.
    pub fn qstr_text(&self, index: u64) -> Option<Cow<'a, str>> {
        let index = usize::try_from(index).ok()?;
        self.qstrs.get(index).map(|q| q.qstr.text())
    }

    /// The name of a bytecode or `@native` raw code (its first prelude
    /// name), or of the module (qstr 0) for other native code.
    pub fn function_name(&self, rc: &RawCode<'_>) -> String {
        let index = rc.prelude.as_ref().and_then(|p| p.names.first().copied());
        self.qstr_text(index.unwrap_or(0))
            .map_or_else(|| "?".to_string(), Cow::into_owned)
    }

    /// Whether any raw code in the file is native.
    pub fn contains_native_code(&self) -> bool {
        fn walk(rc: &RawCode<'_>) -> bool {
            rc.kind != CodeKind::Bytecode || rc.children.iter().any(walk)
        }
        walk(&self.raw_code)
    }

    /// Decodes the instructions of a bytecode raw code of this file.
    pub fn instructions(&self, rc: &RawCode<'_>) -> Result<Vec<Instruction>, MpyError> {
        let Some(prelude) = rc
            .prelude
            .as_ref()
            .filter(|_| rc.kind == CodeKind::Bytecode)
        else {
            return Ok(Vec::new());
        };
        let base = rc.fun_data_offset + prelude.opcodes_offset;
        decode_bytecode(rc.opcodes()).map_err(|(at, reason)| MpyError::Bytecode {
            file: self.name.clone(),
            offset: base + at,
            function: self.function_name(rc),
            reason,
        })
    }
}

/// Parses a whole `.mpy` file; `name` is used in error messages.
pub fn read<'a>(name: &str, data: &'a [u8]) -> Result<Mpy<'a>, MpyError> {
    let mut cur = Cursor {
        file: name,
        data,
        pos: 0,
    };
    let header = read_header(&mut cur)?;
    let n_qstr = cur.count("qstr count", 1)?;
    let n_obj = cur.count("object count", 1)?;

    let qstr_table = cur.pos;
    let mut qstrs = Vec::with_capacity(n_qstr);
    for _ in 0..n_qstr {
        qstrs.push(read_qstr(&mut cur)?);
    }

    let obj_table = cur.pos;
    let mut objects = Vec::with_capacity(n_obj);
    for _ in 0..n_obj {
        let offset = cur.pos;
        let obj = read_obj(&mut cur, 0)?;
        objects.push(ObjEntry { offset, obj });
    }

    let raw_code_offset = cur.pos;
    let tables = Tables {
        n_qstr: qstrs.len() as u64,
        word_size: header.word_size(),
    };
    let raw_code = read_raw_code(&mut cur, &tables, 0)?;
    let layout = Layout {
        qstr_table,
        obj_table,
        raw_code: raw_code_offset,
        end: cur.pos,
    };
    Ok(Mpy {
        name: name.to_string(),
        data,
        header,
        qstrs,
        objects,
        raw_code,
        layout,
    })
}

/// A read position in a file, with bounds-checked primitives.
struct Cursor<'a, 'n> {
    file: &'n str,
    data: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a, '_> {
    fn truncated(&self, what: &'static str) -> MpyError {
        MpyError::Truncated {
            file: self.file.to_string(),
            offset: self.pos,
            what,
        }
    }

    fn invalid(&self, offset: usize, what: &'static str, reason: impl Into<String>) -> MpyError {
        MpyError::Invalid {
            file: self.file.to_string(),
            offset,
            what,
            reason: reason.into(),
        }
    }

    fn remaining(&self) -> usize {
        self.data.len().saturating_sub(self.pos)
    }

    fn u8(&mut self, what: &'static str) -> Result<u8, MpyError> {
        let byte = *self
            .data
            .get(self.pos)
            .ok_or_else(|| self.truncated(what))?;
        self.pos += 1;
        Ok(byte)
    }

    fn vuint(&mut self, what: &'static str) -> Result<u64, MpyError> {
        let rest = self.data.get(self.pos..).unwrap_or(&[]);
        match decode_vuint(rest) {
            Some((value, used)) => {
                self.pos += used;
                Ok(value)
            }
            None if rest.iter().all(|b| b & 0x80 != 0) => Err(self.truncated(what)),
            None => Err(self.invalid(self.pos, what, "number does not fit in 64 bits")),
        }
    }

    /// A vuint that must fit in `usize`.
    fn size(&mut self, what: &'static str) -> Result<usize, MpyError> {
        let at = self.pos;
        let value = self.vuint(what)?;
        usize::try_from(value).map_err(|_| self.invalid(at, what, format!("{value} is too large")))
    }

    /// A count of items that each take at least `min_item_len` bytes; larger
    /// counts than the rest of the file can hold are rejected early.
    fn count(&mut self, what: &'static str, min_item_len: usize) -> Result<usize, MpyError> {
        let at = self.pos;
        let n = self.size(what)?;
        if n.saturating_mul(min_item_len) > self.remaining() {
            return Err(self.invalid(
                at,
                what,
                format!(
                    "{n} items cannot fit in the {} bytes left; the file is truncated or corrupt",
                    self.remaining()
                ),
            ));
        }
        Ok(n)
    }

    fn bytes(&mut self, len: usize, what: &'static str) -> Result<&'a [u8], MpyError> {
        let end = self
            .pos
            .checked_add(len)
            .filter(|&end| end <= self.data.len())
            .ok_or_else(|| self.truncated(what))?;
        let slice = self
            .data
            .get(self.pos..end)
            .ok_or_else(|| self.truncated(what))?;
        self.pos = end;
        Ok(slice)
    }

    /// `len` bytes followed by a NUL terminator.
    fn bytes_nul(&mut self, len: usize, what: &'static str) -> Result<&'a [u8], MpyError> {
        let bytes = self.bytes(len, what)?;
        let at = self.pos;
        let nul = self.u8(what)?;
        if nul != 0 {
            return Err(self.invalid(at, what, format!("terminator is {nul:#04x}, expected 0")));
        }
        Ok(bytes)
    }
}

fn read_header(cur: &mut Cursor<'_, '_>) -> Result<Header, MpyError> {
    let magic = cur.u8("header")?;
    if magic != b'M' {
        return Err(MpyError::NotMpy {
            file: cur.file.to_string(),
            found: magic,
        });
    }
    let version = cur.u8("header")?;
    if version != MPY_VERSION {
        return Err(MpyError::Version {
            file: cur.file.to_string(),
            found: version,
        });
    }
    let feature = cur.u8("header")?;
    let small_int_bits = cur.u8("header")?;
    let arch = (feature >> 2) & 0x2f;
    let sub_version = feature & 3;
    if arch != 0 && sub_version != MPY_SUB_VERSION {
        return Err(MpyError::SubVersion {
            file: cur.file.to_string(),
            found: sub_version,
        });
    }
    let arch_flags = if feature & MPY_FEATURE_ARCH_FLAGS != 0 {
        Some(cur.vuint("architecture flags")?)
    } else {
        None
    };
    Ok(Header {
        version,
        feature,
        arch,
        sub_version,
        arch_flags,
        small_int_bits,
    })
}

fn read_qstr<'a>(cur: &mut Cursor<'a, '_>) -> Result<QstrEntry<'a>, MpyError> {
    let offset = cur.pos;
    let head = cur.vuint("qstr")?;
    let qstr = if head & 1 == 1 {
        let number = head >> 1;
        match u16::try_from(number)
            .ok()
            .filter(|&n| static_qstr_text(n).is_some())
        {
            Some(number) => Qstr::Static { number },
            None => {
                return Err(cur.invalid(
                    offset,
                    "static qstr",
                    format!(
                        "number {number} is not in the static qstr list (1..={})",
                        STATIC_QSTRS.len()
                    ),
                ))
            }
        }
    } else {
        let len = usize::try_from(head >> 1)
            .map_err(|_| cur.invalid(offset, "qstr", "length too large"))?;
        Qstr::Inline {
            bytes: cur.bytes_nul(len, "qstr data")?,
        }
    };
    Ok(QstrEntry { offset, qstr })
}

/// Object type bytes of the persistent-object encoding.
mod obj_type {
    pub const FUN_TABLE: u8 = 0;
    pub const NONE: u8 = 1;
    pub const FALSE: u8 = 2;
    pub const TRUE: u8 = 3;
    pub const ELLIPSIS: u8 = 4;
    pub const STR: u8 = 5;
    pub const BYTES: u8 = 6;
    pub const INT: u8 = 7;
    pub const FLOAT: u8 = 8;
    pub const COMPLEX: u8 = 9;
    pub const TUPLE: u8 = 10;
}

fn read_obj<'a>(cur: &mut Cursor<'a, '_>, depth: usize) -> Result<Obj<'a>, MpyError> {
    let offset = cur.pos;
    if depth > MAX_NESTING {
        return Err(MpyError::TooDeep {
            file: cur.file.to_string(),
            offset,
            what: "constant tuple",
        });
    }
    let kind = cur.u8("object type")?;
    let obj = match kind {
        obj_type::FUN_TABLE => Obj::FunTable,
        obj_type::NONE => Obj::None,
        obj_type::FALSE => Obj::False,
        obj_type::TRUE => Obj::True,
        obj_type::ELLIPSIS => Obj::Ellipsis,
        obj_type::TUPLE => {
            let n = cur.count("tuple length", 1)?;
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                items.push(read_obj(cur, depth + 1)?);
            }
            Obj::Tuple(items)
        }
        obj_type::STR | obj_type::BYTES => {
            let len = cur.size("object length")?;
            let bytes = cur.bytes_nul(len, "object data")?;
            if kind == obj_type::STR {
                Obj::Str(bytes)
            } else {
                Obj::Bytes(bytes)
            }
        }
        obj_type::INT | obj_type::FLOAT | obj_type::COMPLEX => {
            let len = cur.size("object length")?;
            let at = cur.pos;
            let bytes = cur.bytes(len, "object data")?;
            let text = std::str::from_utf8(bytes)
                .ok()
                .filter(|t| t.is_ascii())
                .ok_or_else(|| cur.invalid(at, "number constant", "text is not ASCII"))?;
            match kind {
                obj_type::INT => Obj::Int(text),
                obj_type::FLOAT => Obj::Float(text),
                _ => Obj::Complex(text),
            }
        }
        other => {
            return Err(cur.invalid(
                offset,
                "object type",
                format!("{other} is not a persistent object type (0..=10)"),
            ))
        }
    };
    Ok(obj)
}

/// What raw-code parsing needs to know about the whole file.
struct Tables {
    n_qstr: u64,
    word_size: Option<u8>,
}

fn read_raw_code<'a>(
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
    let has_children = kind_len & 4 != 0;
    let len = usize::try_from(kind_len >> 3)
        .map_err(|_| cur.invalid(offset, "raw-code header", "length too large"))?;
    let fun_data_offset = cur.pos;
    let fun_data = cur.bytes(len, "function data")?;

    let (prelude, mut native) = match kind {
        CodeKind::Bytecode => {
            let prelude = read_prelude(cur, fun_data, fun_data_offset, 0, tables)?;
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
            let prelude = read_prelude(cur, fun_data, fun_data_offset, start, tables)?;
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

/// Reads a relocation stream up to and including its 0xff. When the word
/// counts of text and rodata are known, every entry must stay inside them.
fn read_relocs<'a>(
    cur: &mut Cursor<'a, '_>,
    text_words: Option<usize>,
    rodata_words: Option<usize>,
) -> Result<Relocations<'a>, MpyError> {
    let start = cur.pos;
    let mut entries = Vec::new();
    let mut position: Option<(RelocBase, u64)> = None;
    loop {
        let at = cur.pos;
        let op = cur.u8("relocation stream")?;
        if op == 0xff {
            break;
        }
        if op & 1 != 0 {
            let addr = cur.vuint("relocation position")?;
            let base = if addr & 1 == 0 {
                RelocBase::Text
            } else {
                RelocBase::Rodata
            };
            position = Some((base, addr >> 1));
        }
        let Some((base, word_offset)) = position else {
            return Err(cur.invalid(
                at,
                "relocation",
                "the first operation does not set a position",
            ));
        };
        let code = op >> 1;
        let (kind, count) = match code {
            0..=5 => {
                let count = if code & 1 != 0 {
                    cur.vuint("relocation count")?
                } else {
                    1
                };
                let kind = match code >> 1 {
                    0 => RelocKind::Text,
                    1 => RelocKind::Rodata,
                    _ => RelocKind::Bss,
                };
                (kind, count)
            }
            6 => (RelocKind::QstrTable, 1),
            7 => (RelocKind::ObjTable, 1),
            8 => (RelocKind::FunTable, 1),
            k => (RelocKind::FunTableEntry(k - 9), 1),
        };
        let end = word_offset
            .checked_add(count)
            .ok_or_else(|| cur.invalid(at, "relocation", "word count overflows"))?;
        let limit = match base {
            RelocBase::Text => text_words,
            RelocBase::Rodata => rodata_words,
        };
        if let Some(limit) = limit {
            if end > limit as u64 {
                return Err(cur.invalid(
                    at,
                    "relocation",
                    format!(
                        "words {word_offset}..{end} are outside the {limit} words of {}",
                        match base {
                            RelocBase::Text => "text",
                            RelocBase::Rodata => "rodata",
                        }
                    ),
                ));
            }
        }
        entries.push(RelocEntry {
            base,
            word_offset,
            kind,
            count,
        });
        position = Some((base, end));
    }
    let bytes = cur.data.get(start..cur.pos).unwrap_or(&[]);
    Ok(Relocations {
        offset: start,
        bytes,
        entries,
    })
}

/// Decodes the prelude that starts at `start` in `fun_data`.
fn read_prelude(
    cur: &Cursor<'_, '_>,
    fun_data: &[u8],
    fun_data_offset: usize,
    start: usize,
    tables: &Tables,
) -> Result<Prelude, MpyError> {
    let mut p = PreludeReader {
        data: fun_data,
        pos: start,
    };
    let fail = |pos: usize, reason: &str| MpyError::Invalid {
        file: cur.file.to_string(),
        offset: fun_data_offset + pos,
        what: "function prelude",
        reason: reason.to_string(),
    };
    let sig = decode_prelude_signature(&mut p).map_err(|r| fail(p.pos, r))?;
    let size_offset = p.pos;
    let (n_info, n_cell) = decode_prelude_size(&mut p).map_err(|r| fail(p.pos, r))?;
    let source_info_offset = p.pos;
    let n_names = sig
        .n_pos_args
        .checked_add(sig.n_kwonly_args)
        .and_then(|n| n.checked_add(1))
        .filter(|&n| n <= fun_data.len() as u64)
        .ok_or_else(|| fail(start, "more argument names than bytes of code"))?;
    let mut names = Vec::with_capacity(n_names as usize);
    for _ in 0..n_names {
        let at = p.pos;
        let rest = fun_data.get(p.pos..).unwrap_or(&[]);
        let (name, used) = decode_vuint(rest).ok_or_else(|| fail(at, "bad argument name"))?;
        if name >= tables.n_qstr {
            return Err(fail(
                at,
                &format!(
                    "name index {name} is outside the qstr table of {} entries",
                    tables.n_qstr
                ),
            ));
        }
        p.pos += used;
        names.push(name);
    }
    let line_info_offset = p.pos;
    let end_of = |base: usize, n: u64| {
        usize::try_from(n)
            .ok()
            .and_then(|n| base.checked_add(n))
            .filter(|&end| end <= fun_data.len())
    };
    let closure_info_offset = end_of(source_info_offset, n_info)
        .filter(|&c| c >= line_info_offset)
        .ok_or_else(|| fail(size_offset, "source-info size does not match the code"))?;
    let opcodes_offset = end_of(closure_info_offset, n_cell)
        .ok_or_else(|| fail(size_offset, "closure-info size runs past the code"))?;
    Ok(Prelude {
        offset: start,
        n_state: sig.n_state,
        n_exc_stack: sig.n_exc_stack,
        scope_flags: sig.scope_flags,
        n_pos_args: sig.n_pos_args,
        n_kwonly_args: sig.n_kwonly_args,
        n_def_pos_args: sig.n_def_pos_args,
        n_info,
        n_cell,
        names,
        size_offset,
        source_info_offset,
        line_info_offset,
        closure_info_offset,
        opcodes_offset,
    })
}

struct PreludeReader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl PreludeReader<'_> {
    fn byte(&mut self) -> Result<u64, &'static str> {
        let b = *self
            .data
            .get(self.pos)
            .ok_or("prelude runs past the code")?;
        self.pos += 1;
        Ok(u64::from(b))
    }
}

struct Signature {
    n_state: u64,
    n_exc_stack: u64,
    scope_flags: u64,
    n_pos_args: u64,
    n_kwonly_args: u64,
    n_def_pos_args: u64,
}

/// The prelude signature: a first byte `xSSSSEAA`, then while the high bit
/// is set, bytes `xFSSKAED` each adding one more bit to every field (two to
/// S). The stored S is the state size minus one.
fn decode_prelude_signature(p: &mut PreludeReader<'_>) -> Result<Signature, &'static str> {
    let mut z = p.byte()?;
    let mut s = (z >> 3) & 0xf;
    let mut e = (z >> 2) & 1;
    let mut a = z & 3;
    let (mut f, mut k, mut d) = (0, 0, 0);
    let mut n = 0u32;
    while z & 0x80 != 0 {
        if n >= 28 {
            return Err("prelude signature is too long");
        }
        z = p.byte()?;
        s |= ((z >> 4) & 3) << (4 + 2 * n);
        e |= ((z >> 1) & 1) << (1 + n);
        f |= ((z >> 6) & 1) << n;
        a |= ((z >> 2) & 1) << (2 + n);
        k |= ((z >> 3) & 1) << n;
        d |= (z & 1) << n;
        n += 1;
    }
    Ok(Signature {
        n_state: s + 1,
        n_exc_stack: e,
        scope_flags: f,
        n_pos_args: a,
        n_kwonly_args: k,
        n_def_pos_args: d,
    })
}

/// The prelude size: bytes `xIIIIIIC`, six bits of the source-info size and
/// one bit of the closure-info size each, while the high bit is set.
fn decode_prelude_size(p: &mut PreludeReader<'_>) -> Result<(u64, u64), &'static str> {
    let (mut info, mut cell) = (0u64, 0u64);
    for n in 0..10u32 {
        let z = p.byte()?;
        info |= ((z >> 1) & 0x3f) << (6 * n);
        cell |= (z & 1) << n;
        if z & 0x80 == 0 {
            return Ok((info, cell));
        }
    }
    Err("prelude size is too long")
}

pub use crate::mpy::bytecode::*;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opcode_formats_match_the_vm_table() {
        // Worked from the format rule: 0x1_ qstr, 0x2_/0x3_ vuint, 0x4_ offset.
        assert_eq!(op_format(0x11), OpFormat::Qstr);
        assert_eq!(op_format(0x23), OpFormat::VarUint);
        assert_eq!(op_format(0x34), OpFormat::VarUint);
        assert_eq!(op_format(0x42), OpFormat::Offset);
        assert_eq!(op_format(0x63), OpFormat::Byte);
        assert_eq!(op_format(0xb0), OpFormat::Byte);
        assert!(op_has_extra_byte(0x20) && op_has_extra_byte(0x21));
        assert!(op_has_extra_byte(0x40));
        assert!(!op_has_extra_byte(0x42) && !op_has_extra_byte(0x23));
    }

    #[test]
    fn decode_operands() {
        // LOAD_CONST_SMALL_INT -1 is one byte 0x7f.
        let i = decode_instruction(&[0x22, 0x7f], 0).unwrap();
        assert_eq!((i.size, i.operand), (2, Operand::SmallInt(-1)));
        // 200 = 0b1_1001000 -> 0x81 0x48; sign needs a leading 0x80 for 64.
        let i = decode_instruction(&[0x22, 0x81, 0x48], 0).unwrap();
        assert_eq!(i.operand, Operand::SmallInt(200));
        let i = decode_instruction(&[0x22, 0x80, 0x40], 0).unwrap();
        assert_eq!(i.operand, Operand::SmallInt(64));
        // JUMP with one-byte signed offset 0x40 means "next instruction".
        let i = decode_instruction(&[0x42, 0x40], 0).unwrap();
        assert_eq!(i.operand, Operand::Jump(2));
        // Two-byte unsigned FOR_ITER offset 0x81 0x01 = 1 | 1 << 7 = 129.
        let i = decode_instruction(&[0x4b, 0x81, 0x01], 0).unwrap();
        assert_eq!(i.operand, Operand::Jump(3 + 129));
        // UNWIND_JUMP: the target counts from the end of the offset field,
        // not from after the extra byte.
        let i = decode_instruction(&[0x40, 0x41, 0x01], 0).unwrap();
        assert_eq!((i.size, i.operand, i.extra), (3, Operand::Jump(3), Some(1)));
        assert!(decode_instruction(&[0x40, 0x41], 0).is_err());
        assert!(decode_instruction(&[0x11, 0x80], 0).is_err());
    }

    #[test]
    fn prelude_signature_and_size() {
        // 0x9a 0x01: S=3 (+1), E=0, A=2, then D=1.
        let mut p = PreludeReader {
            data: &[0x9a, 0x01, 0x08, 0x03],
            pos: 0,
        };
        let sig = decode_prelude_signature(&mut p).unwrap();
        assert_eq!((sig.n_state, sig.n_pos_args, sig.n_def_pos_args), (4, 2, 1));
        // 0x08: n_info 4, n_cell 0.
        assert_eq!(decode_prelude_size(&mut p).unwrap(), (4, 0));
    }

    #[test]
    fn names_of_opcodes() {
        assert_eq!(op_name(0x11), "LOAD_NAME");
        assert_eq!(op_name(0x81), "LOAD_CONST_SMALL_INT 1");
        assert_eq!(op_name(0xf2), "BINARY_OP 27 __add__");
        assert_eq!(op_name(0x41), "UNKNOWN_0x41");
        assert_eq!(op_name(0xff), "UNKNOWN_0xff");
    }
}
