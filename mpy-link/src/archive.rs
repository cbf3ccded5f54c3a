//! Static archives (`ar` files, GNU and BSD layouts): the index of the
//! symbols their members define, read when an archive is opened, and
//! members read when a link pulls them in.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use crate::elf::defined_globals;
use crate::error::{LinkError, Result};
use crate::model::InputRef;

/// A member of an [`Archive`], by the file offset of its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct MemberId(pub(crate) u64);

/// One `ar` archive, with the index of the symbols its members define.
///
/// Only the archive's symbol table is read when it is opened; members are
/// read when a link pulls them in.
#[derive(Debug)]
pub struct Archive {
    /// The archive file, as given.
    pub path: Arc<str>,
    source: Source,
    /// Defined symbol -> offset of the defining member's header. When
    /// several members define a name the last one wins, as in `ar_util.py`.
    index: HashMap<Vec<u8>, u64>,
    /// The GNU long-name table (`//` member), if any.
    long_names: Vec<u8>,
}

/// Where archive bytes come from.
#[derive(Debug)]
enum Source {
    Bytes(Vec<u8>),
    File(std::sync::Mutex<std::fs::File>, u64),
}

impl Source {
    fn len(&self) -> u64 {
        match self {
            Source::Bytes(b) => b.len() as u64,
            Source::File(_, len) => *len,
        }
    }

    fn read_at(&self, offset: u64, len: u64) -> Option<Vec<u8>> {
        if offset.checked_add(len)? > self.len() {
            return None;
        }
        match self {
            Source::Bytes(b) => Some(b[offset as usize..(offset + len) as usize].to_vec()),
            Source::File(f, _) => {
                use std::io::{Read, Seek, SeekFrom};
                let mut f = f.lock().ok()?;
                f.seek(SeekFrom::Start(offset)).ok()?;
                let mut buf = vec![0; len as usize];
                f.read_exact(&mut buf).ok()?;
                Some(buf)
            }
        }
    }
}

/// The fields of a member header that matter here.
struct MemberHeader {
    name: Vec<u8>,
    size: u64,
}

/// The first bytes of every `ar` archive.
pub(crate) const AR_MAGIC: &[u8] = b"!<arch>\n";
const HEADER_LEN: u64 = 60;

fn parse_header(h: &[u8]) -> Option<MemberHeader> {
    if h.len() != HEADER_LEN as usize || &h[58..60] != b"`\n" {
        return None;
    }
    let size = std::str::from_utf8(&h[48..58]).ok()?.trim().parse().ok()?;
    let name = h[..16]
        .iter()
        .rev()
        .skip_while(|b| **b == b' ')
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .copied()
        .collect();
    Some(MemberHeader { name, size })
}

impl Archive {
    /// Parses an archive held in memory.
    pub fn parse(path: Arc<str>, data: Vec<u8>) -> Result<Archive> {
        Archive::new(path, Source::Bytes(data))
    }

    pub(crate) fn from_file(path: Arc<str>, file: std::fs::File) -> Result<Archive> {
        let len = file
            .metadata()
            .map_err(|source| LinkError::Io {
                action: "read",
                path: PathBuf::from(&*path),
                source,
            })?
            .len();
        Archive::new(path, Source::File(std::sync::Mutex::new(file), len))
    }

    fn new(path: Arc<str>, source: Source) -> Result<Archive> {
        let bad = |reason: String| LinkError::BadArchive {
            path: path.to_string(),
            reason,
        };
        if source.read_at(0, 8).as_deref() != Some(AR_MAGIC) {
            return Err(bad("no `!<arch>` magic".into()));
        }
        let mut archive = Archive {
            path: path.clone(),
            source,
            index: HashMap::new(),
            long_names: Vec::new(),
        };
        // GNU layout: `/` (symbol table), then `//` (long names), then members.
        let mut offset = 8;
        let mut have_index = false;
        while offset < archive.source.len() {
            let h = archive.header_at(offset)?;
            let body = offset + HEADER_LEN;
            match h.name.as_slice() {
                b"/" | b"/SYM64/" => {
                    let table = archive.read_body(body, h.size)?;
                    archive.index = parse_gnu_index(&table, h.name == b"/SYM64/")
                        .ok_or_else(|| bad("corrupt symbol table".into()))?;
                    have_index = true;
                }
                b"//" => archive.long_names = archive.read_body(body, h.size)?,
                _ => break,
            }
            offset = body + h.size + (h.size & 1);
        }
        if !have_index {
            archive.index_members_by_reading_them()?;
        }
        for &member in archive.index.values() {
            if member >= archive.source.len() {
                return Err(bad(format!(
                    "symbol table names a member at offset {member:#x}, past the end of the file"
                )));
            }
        }
        Ok(archive)
    }

    fn header_at(&self, offset: u64) -> Result<MemberHeader> {
        let raw = self
            .source
            .read_at(offset, HEADER_LEN)
            .ok_or_else(|| LinkError::BadArchive {
                path: self.path.to_string(),
                reason: format!(
                    "truncated: member header at offset {offset:#x} runs past the end of the file"
                ),
            })?;
        parse_header(&raw).ok_or_else(|| LinkError::BadArchive {
            path: self.path.to_string(),
            reason: format!("corrupt member header at offset {offset:#x}"),
        })
    }

    fn read_body(&self, offset: u64, size: u64) -> Result<Vec<u8>> {
        self.source.read_at(offset, size).ok_or_else(|| LinkError::BadArchive {
            path: self.path.to_string(),
            reason: format!("truncated: member at offset {:#x} says it has {size} bytes, past the end of the file", offset - HEADER_LEN),
        })
    }

    /// No symbol table: read every member's symbols (as `ar_util.py` does).
    fn index_members_by_reading_them(&mut self) -> Result<()> {
        let mut offset = 8;
        while offset < self.source.len() {
            let h = self.header_at(offset)?;
            if h.name != b"/" && h.name != b"//" && h.name != b"/SYM64/" {
                let (name, data) = self.member(offset)?;
                let names = defined_globals(&data).map_err(|reason| LinkError::BadArchive {
                    path: self.path.to_string(),
                    reason: format!(
                        "member `{}` is not an ELF object: {reason}",
                        name.member.as_deref().unwrap_or("")
                    ),
                })?;
                for n in names {
                    self.index.insert(n, offset);
                }
            }
            offset += HEADER_LEN + h.size + (h.size & 1);
        }
        Ok(())
    }

    /// The header offset of the member that defines `symbol`, if any.
    pub(crate) fn lookup(&self, symbol: &[u8]) -> Option<MemberId> {
        self.index.get(symbol).map(|&o| MemberId(o))
    }

    /// Reads a member: its name for messages and its bytes.
    pub(crate) fn member(&self, id: impl Into<MemberId>) -> Result<(InputRef, Vec<u8>)> {
        let offset = id.into().0;
        let h = self.header_at(offset)?;
        let mut data = self.read_body(offset + HEADER_LEN, h.size)?;
        let name: Vec<u8> = match h.name.as_slice() {
            [b'/', digits @ ..] if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) => {
                let at: usize = String::from_utf8_lossy(digits)
                    .parse()
                    .unwrap_or(usize::MAX);
                let rest = self.long_names.get(at..).unwrap_or(&[]);
                let end = rest
                    .iter()
                    .position(|&b| b == b'\n' || b == 0)
                    .unwrap_or(rest.len());
                let name = &rest[..end];
                name.strip_suffix(b"/").unwrap_or(name).to_vec()
            }
            [b'#', b'1', b'/', digits @ ..] => {
                // BSD: the name is stored before the data.
                let n: usize = String::from_utf8_lossy(digits)
                    .trim()
                    .parse()
                    .unwrap_or(0)
                    .min(data.len());
                let name: Vec<u8> = data.drain(..n).collect();
                name.split(|&b| b == 0).next().unwrap_or(&[]).to_vec()
            }
            other => other.strip_suffix(b"/").unwrap_or(other).to_vec(),
        };
        Ok((InputRef::member(self.path.clone(), &name), data))
    }

    /// Number of symbols in the index.
    pub fn symbol_count(&self) -> usize {
        self.index.len()
    }
}

impl From<u64> for MemberId {
    fn from(o: u64) -> Self {
        MemberId(o)
    }
}

/// Parses a GNU symbol table: a big-endian count, that many member header
/// offsets, then as many NUL-terminated names.
fn parse_gnu_index(table: &[u8], wide: bool) -> Option<HashMap<Vec<u8>, u64>> {
    let w = if wide { 8 } else { 4 };
    let word = |at: usize| -> Option<u64> {
        let b = table.get(at..at + w)?;
        Some(b.iter().fold(0u64, |acc, &x| (acc << 8) | u64::from(x)))
    };
    let count = usize::try_from(word(0)?).ok()?;
    // Each entry needs an offset word and at least a NUL: a count larger
    // than that is corrupt (and must not size an allocation).
    if count > table.len() / (w + 1) {
        return None;
    }
    let names_at = w.checked_add(count.checked_mul(w)?)?;
    let mut names = table.get(names_at..)?.split(|&b| b == 0);
    let mut index = HashMap::with_capacity(count);
    for i in 0..count {
        let offset = word(w + i * w)?;
        index.insert(names.next()?.to_vec(), offset);
    }
    Some(index)
}
