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
//! naming the file, the byte offset and what was being read. The parts of
//! a file are read by their own modules: [`tables`](crate::mpy::tables)
//! (qstrs and constants), [`raw_code`](crate::mpy::raw_code) (functions),
//! [`prelude`](crate::mpy::prelude) and [`reloc`](crate::mpy::reloc).

use std::borrow::Cow;

use crate::arch::spec::ARCH_SPECS;
use crate::mpy::bytecode::{decode_bytecode, Instruction};
use crate::mpy::cursor::Cursor;
use crate::mpy::error::MpyError;
use crate::mpy::raw_code::{read_raw_code, CodeKind, RawCode, Tables};
use crate::mpy::tables::{read_obj, read_qstr, ObjEntry, QstrEntry};
use crate::mpy::{MPY_FEATURE_ARCH_FLAGS, MPY_VERSION};
use mpy_sys::abi::MpyAbi;

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

    /// The native-module ABI of a file with native code (from its sub-version).
    pub fn abi(&self) -> Option<MpyAbi> {
        if self.has_native() {
            MpyAbi::from_sub_version(self.sub_version)
        } else {
            None
        }
    }

    /// The architecture's name as `mpy_ld.py --arch` spells it, when known.
    pub fn arch_name(&self) -> Option<&'static str> {
        arch_name(self.arch)
    }

    /// The machine word size of the architecture in bytes, when known.
    pub fn word_size(&self) -> Option<u8> {
        ARCH_SPECS
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
        _ => ARCH_SPECS
            .iter()
            .find(|spec| spec.mpy_code == code)
            .map(|spec| spec.name),
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
    if arch != 0 && MpyAbi::from_sub_version(sub_version).is_none() {
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
