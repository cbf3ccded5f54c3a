//! The two tables at the start of an `.mpy` file: the qstr table (entry 0
//! is the source file name) and the constant-object table.

use std::borrow::Cow;

use crate::mpy::cursor::Cursor;
use crate::mpy::error::MpyError;
use crate::mpy::MAX_NESTING;
use crate::qstr;

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
            Qstr::Static { number } => qstr::static_text(usize::from(*number))
                .unwrap_or("")
                .as_bytes(),
            Qstr::Inline { bytes } => bytes,
        }
    }

    /// The string as text (invalid UTF-8 is replaced).
    pub fn text(&self) -> Cow<'a, str> {
        String::from_utf8_lossy(self.bytes())
    }
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
/// Reads one qstr-table entry.
pub(crate) fn read_qstr<'a>(cur: &mut Cursor<'a, '_>) -> Result<QstrEntry<'a>, MpyError> {
    let offset = cur.pos;
    let head = cur.vuint("qstr")?;
    let qstr = if head & 1 == 1 {
        let number = head >> 1;
        match u16::try_from(number)
            .ok()
            .filter(|&n| qstr::static_text(usize::from(n)).is_some())
        {
            Some(number) => Qstr::Static { number },
            None => {
                return Err(cur.invalid(
                    offset,
                    "static qstr",
                    format!(
                        "number {number} is not in the static qstr list (1..={})",
                        qstr::static_count()
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
pub(crate) mod obj_type {
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

/// Reads one constant object; `depth` counts the tuples around it.
pub(crate) fn read_obj<'a>(cur: &mut Cursor<'a, '_>, depth: usize) -> Result<Obj<'a>, MpyError> {
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
