//! The relocation stream of a native `.mpy`: the words the loader patches
//! after copying the code. This module owns the wire format: the types the
//! linker produces ([`MpyReloc`]), the operations a stream holds
//! ([`RelocEntry`]), [`encode`] and [`decode`]. The linker, the writer, the
//! reader and the dump all use it.
//!
//! Each operation is one byte `op`. When bit 0 is set a new position
//! follows as a vuint `word_index << 1 | base` (base 0 text, 1 rodata).
//! Then `op >> 1` is the kind: 0..=5 is `dest << 1 | has_count` with dest 0
//! text, 1 rodata, 2 bss and a vuint count when `has_count`; 6 is the qstr
//! table, 7 the object table, 8 `&mp_fun_table` and `9 + k` the value of
//! `mp_fun_table` entry `k`. For each word the loader adds that address to
//! the word already there. The byte `0xff` ends the stream, and the next
//! operation without a position continues after the last word relocated.

use std::fmt;

use crate::mpy::vuint::{decode_vuint, encode_vuint};

/// The byte that ends a relocation stream.
pub const END: u8 = 0xff;

/// The largest `mp_fun_table` entry a stream can name (`op` 0xfe is kind
/// 127; 0xff ends the stream).
pub const MAX_FUN_TABLE_ENTRY: u8 = 127 - 9;

/// Where a relocated word is: in the text or in the rodata blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RelocBase {
    /// The machine code.
    Text,
    /// The rodata blob (xtensawin).
    Rodata,
}

impl RelocBase {
    /// The name used in dumps.
    pub fn name(self) -> &'static str {
        match self {
            RelocBase::Text => "text",
            RelocBase::Rodata => "rodata",
        }
    }
}

/// What the loader adds to a relocated word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RelocKind {
    /// The address of the text.
    Text,
    /// The address of the separate rodata blob (where there is none, code
    /// and rodata share the text and the linker writes [`RelocKind::Text`]).
    Rodata,
    /// The address of the bss block.
    Bss,
    /// The address of the module's qstr table.
    QstrTable,
    /// The address of the module's object table.
    ObjTable,
    /// The address of `mp_fun_table`.
    FunTable,
    /// The value of entry `k` of `mp_fun_table` (at most
    /// [`MAX_FUN_TABLE_ENTRY`]).
    FunTableEntry(u8),
}

impl RelocKind {
    /// The kind number of the stream (`op >> 1`, without the count bit for
    /// text, rodata and bss).
    pub fn code(self) -> u8 {
        match self {
            RelocKind::Text => 0,
            RelocKind::Rodata => 1,
            RelocKind::Bss => 2,
            RelocKind::QstrTable => 6,
            RelocKind::ObjTable => 7,
            RelocKind::FunTable => 8,
            RelocKind::FunTableEntry(k) => 9 + k.min(MAX_FUN_TABLE_ENTRY),
        }
    }

    /// Whether a run of this kind carries a word count (text, rodata and
    /// bss do; the others relocate one word per operation).
    pub fn has_count(self) -> bool {
        matches!(self, RelocKind::Text | RelocKind::Rodata | RelocKind::Bss)
    }
}

impl fmt::Display for RelocKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RelocKind::Text => f.write_str("text"),
            RelocKind::Rodata => f.write_str("rodata"),
            RelocKind::Bss => f.write_str("bss"),
            RelocKind::QstrTable => f.write_str("qstr table"),
            RelocKind::ObjTable => f.write_str("object table"),
            RelocKind::FunTable => f.write_str("mp_fun_table"),
            RelocKind::FunTableEntry(k) => write!(f, "mp_fun_table[{k}]"),
        }
    }
}

/// One word the loader relocates, as the linker produces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MpyReloc {
    /// Image holding the word.
    pub base: RelocBase,
    /// Byte offset of the word in that image (a multiple of the word size).
    pub offset: u64,
    /// What gets added to it.
    pub kind: RelocKind,
}

/// One operation of a relocation stream: `count` consecutive words.
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

/// Appends the stream for `relocs` (in loader order) and the end byte.
///
/// Consecutive words of one kind and base become one run; every run
/// carries its position, as `mpy_ld.py` writes it.
pub fn encode(out: &mut Vec<u8>, relocs: &[MpyReloc], word_size: u64) {
    let mut run: Option<RelocEntry> = None;
    for r in relocs {
        let word_offset = r.offset / word_size;
        if let Some(open) = &mut run {
            if open.kind.code() == r.kind.code()
                && open.base == r.base
                && open.word_offset + open.count == word_offset
            {
                open.count += 1;
                continue;
            }
            encode_run(out, open);
        }
        run = Some(RelocEntry {
            base: r.base,
            word_offset,
            kind: r.kind,
            count: 1,
        });
    }
    if let Some(open) = &run {
        encode_run(out, open);
    }
    out.push(END);
}

fn encode_run(out: &mut Vec<u8>, run: &RelocEntry) {
    let base_bit = match run.base {
        RelocBase::Text => 0,
        RelocBase::Rodata => 1,
    };
    let kind = run.kind.code();
    if !run.kind.has_count() {
        // One operation per word.
        for i in 0..run.count {
            out.push((kind << 1) | 1);
            encode_vuint(out, ((run.word_offset + i) << 1) | base_bit);
        }
        return;
    }
    let op = (((kind << 1) | u8::from(run.count > 1)) << 1) | 1;
    out.push(op);
    encode_vuint(out, (run.word_offset << 1) | base_bit);
    if run.count > 1 {
        encode_vuint(out, run.count);
    }
}

/// A decoded stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The operations, in order.
    pub entries: Vec<RelocEntry>,
    /// Bytes used, including the end byte.
    pub len: usize,
}

/// Why a stream cannot be decoded. Offsets count from the stream's start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// Where the problem is.
    pub offset: usize,
    /// What was being read ("relocation count").
    pub what: &'static str,
    /// `None` when the data ends too early, else what is wrong.
    pub reason: Option<String>,
}

/// Decodes a stream up to and including its end byte. When the word
/// counts of text and rodata are given, every entry must stay inside them.
pub fn decode(
    stream: &[u8],
    text_words: Option<usize>,
    rodata_words: Option<usize>,
) -> Result<Decoded, DecodeError> {
    let mut pos = 0;
    let mut entries = Vec::new();
    let mut position: Option<(RelocBase, u64)> = None;
    let invalid = |offset, reason: String| DecodeError {
        offset,
        what: "relocation",
        reason: Some(reason),
    };
    loop {
        let at = pos;
        let op = *stream.get(pos).ok_or(DecodeError {
            offset: pos,
            what: "relocation stream",
            reason: None,
        })?;
        pos += 1;
        if op == END {
            break;
        }
        if op & 1 != 0 {
            let addr = vuint(stream, &mut pos, "relocation position")?;
            let base = if addr & 1 == 0 {
                RelocBase::Text
            } else {
                RelocBase::Rodata
            };
            position = Some((base, addr >> 1));
        }
        let Some((base, word_offset)) = position else {
            return Err(invalid(
                at,
                "the first operation does not set a position".into(),
            ));
        };
        let code = op >> 1;
        let (kind, count) = match code {
            0..=5 => {
                let count = if code & 1 != 0 {
                    vuint(stream, &mut pos, "relocation count")?
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
            .ok_or_else(|| invalid(at, "word count overflows".into()))?;
        let limit = match base {
            RelocBase::Text => text_words,
            RelocBase::Rodata => rodata_words,
        };
        if let Some(limit) = limit {
            if end > limit as u64 {
                return Err(invalid(
                    at,
                    format!(
                        "words {word_offset}..{end} are outside the {limit} words of {}",
                        base.name()
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
    Ok(Decoded { entries, len: pos })
}

fn vuint(stream: &[u8], pos: &mut usize, what: &'static str) -> Result<u64, DecodeError> {
    let rest = stream.get(*pos..).unwrap_or(&[]);
    match decode_vuint(rest) {
        Some((value, used)) => {
            *pos += used;
            Ok(value)
        }
        None if rest.iter().all(|b| b & 0x80 != 0) => Err(DecodeError {
            offset: *pos,
            what,
            reason: None,
        }),
        None => Err(DecodeError {
            offset: *pos,
            what,
            reason: Some("number does not fit in 64 bits".into()),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(offset: u64, kind: RelocKind) -> MpyReloc {
        MpyReloc {
            base: RelocBase::Text,
            offset,
            kind,
        }
    }

    #[test]
    fn runs_and_single_words() {
        // Three text words at 4, 8, 12 (word size 4): one run, op
        // ((0 << 1 | 1) << 1) | 1 = 3 at word 1 (1 << 1 = 2), count 3. Then
        // mp_fun_table[50] at 16: op (59 << 1) | 1 = 0x77 at word 4 (8).
        let relocs = [
            word(4, RelocKind::Text),
            word(8, RelocKind::Text),
            word(12, RelocKind::Text),
            word(16, RelocKind::FunTableEntry(50)),
            word(20, RelocKind::FunTableEntry(50)),
        ];
        let mut out = Vec::new();
        encode(&mut out, &relocs, 4);
        assert_eq!(out, [0x03, 0x02, 0x03, 0x77, 0x08, 0x77, 0x0a, 0xff]);
        let decoded = decode(&out, Some(6), None).unwrap();
        assert_eq!(decoded.len, out.len());
        assert_eq!(
            decoded.entries,
            [
                RelocEntry {
                    base: RelocBase::Text,
                    word_offset: 1,
                    kind: RelocKind::Text,
                    count: 3
                },
                RelocEntry {
                    base: RelocBase::Text,
                    word_offset: 4,
                    kind: RelocKind::FunTableEntry(50),
                    count: 1
                },
                RelocEntry {
                    base: RelocBase::Text,
                    word_offset: 5,
                    kind: RelocKind::FunTableEntry(50),
                    count: 1
                },
            ]
        );
    }

    #[test]
    fn rodata_base_and_bss_kind() {
        // A bss word in the rodata blob at byte 8 (word 2): op (2 << 1 << 1)
        // | 1 = 9, position 2 << 1 | 1 = 5.
        let mut out = Vec::new();
        encode(
            &mut out,
            &[MpyReloc {
                base: RelocBase::Rodata,
                offset: 8,
                kind: RelocKind::Bss,
            }],
            4,
        );
        assert_eq!(out, [0x09, 0x05, 0xff]);
        assert_eq!(
            decode(&out, None, Some(3)).unwrap().entries[0].kind,
            RelocKind::Bss
        );
    }

    #[test]
    fn decode_errors() {
        let err = decode(&[0x03, 0x02], None, None).unwrap_err();
        assert_eq!(
            (err.offset, err.what, err.reason),
            (2, "relocation count", None)
        );
        let err = decode(&[0x00, 0xff], None, None).unwrap_err();
        assert_eq!(err.offset, 0);
        assert!(err.reason.unwrap().contains("does not set a position"));
        let err = decode(&[0x01, 0x10, 0xff], Some(4), None).unwrap_err();
        assert!(err.reason.unwrap().contains("outside the 4 words of text"));
        assert!(decode(&[], None, None).unwrap_err().reason.is_none());
    }

    #[test]
    fn kinds_print_as_in_dumps() {
        assert_eq!(RelocKind::QstrTable.to_string(), "qstr table");
        assert_eq!(RelocKind::FunTableEntry(73).to_string(), "mp_fun_table[73]");
    }
}
