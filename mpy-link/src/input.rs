//! Inputs: relocatable objects (from paths or bytes) and static archives.

use std::fmt;
use std::sync::Arc;

/// Names an input in messages: `path/to/file.o`, or `libm.a(s_sin.o)` for an
/// archive member.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InputRef {
    /// The file as given (the archive, for a member).
    pub file: Arc<str>,
    /// The member name inside an archive.
    pub member: Option<Arc<str>>,
}

impl InputRef {
    /// Names a plain file.
    pub fn file(name: impl Into<Arc<str>>) -> Self {
        InputRef {
            file: name.into(),
            member: None,
        }
    }
}

impl fmt::Display for InputRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.member {
            Some(m) => write!(f, "{}({})", self.file, m),
            None => f.write_str(&self.file),
        }
    }
}

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::{LinkError, Result};

/// One relocatable object given to the linker, with its bytes.
#[derive(Debug, Clone)]
pub struct Input {
    /// How messages name it.
    pub name: InputRef,
    /// The whole ELF file.
    pub data: Vec<u8>,
}

impl Input {
    /// Reads an object file.
    pub fn from_path(path: &Path) -> Result<Input> {
        let data = read_file(path)?;
        Ok(Input {
            name: InputRef::file(path.display().to_string()),
            data,
        })
    }

    /// Wraps bytes already in memory; `name` is used in messages.
    pub fn from_bytes(name: impl Into<Arc<str>>, data: Vec<u8>) -> Input {
        Input {
            name: InputRef::file(name),
            data,
        }
    }
}

pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| LinkError::Io {
        action: "read",
        path: path.to_path_buf(),
        source,
    })
}

/// A static library given with `-l`: one or more `ar` archives (a GNU ld
/// script of the `GROUP(...)` form names several).
#[derive(Debug)]
pub struct Library {
    /// The archives, in the order the library names them.
    pub archives: Vec<Archive>,
}

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

const AR_MAGIC: &[u8] = b"!<arch>\n";
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

impl Library {
    /// Opens a `.a` archive, or a GNU ld script of the `GROUP(...)` form
    /// whose archives are opened in turn.
    pub fn open(path: &Path) -> Result<Library> {
        let io = |source| LinkError::Io {
            action: "read",
            path: path.to_path_buf(),
            source,
        };
        let mut file = std::fs::File::open(path).map_err(io)?;
        let mut magic = [0u8; 8];
        let n = std::io::Read::read(&mut file, &mut magic).map_err(io)?;
        if n == 8 && magic == AR_MAGIC {
            let archive = Archive::from_file(path.display().to_string().into(), file)?;
            return Ok(Library {
                archives: vec![archive],
            });
        }
        let data = read_file(path)?;
        if data.len() > 1 << 20 {
            return Err(LinkError::BadArchive {
                path: path.display().to_string(),
                reason: "not an `ar` archive (no `!<arch>` magic)".into(),
            });
        }
        let text = String::from_utf8(data).map_err(|_| LinkError::BadArchive {
            path: path.display().to_string(),
            reason: "neither an `ar` archive (no `!<arch>` magic) nor a text linker script".into(),
        })?;
        let names = parse_ld_script(&text).map_err(|reason| LinkError::BadLdScript {
            path: path.display().to_string(),
            reason,
        })?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let mut archives = Vec::new();
        for name in names {
            let mut p = PathBuf::from(&name);
            if !p.exists() && p.is_relative() {
                p = dir.join(&name);
            }
            let lib = Library::open(&p).map_err(|e| match e {
                LinkError::BadLdScript { .. } => LinkError::BadLdScript {
                    path: path.display().to_string(),
                    reason: format!("`{name}` named in GROUP is not an `ar` archive"),
                },
                other => other,
            })?;
            archives.extend(lib.archives);
        }
        Ok(Library { archives })
    }
}

impl Library {
    /// The member that defines `symbol` (in the first archive that has
    /// one), as an input object: how a Rust `staticlib` is linked, with the
    /// member defining `mpy_init` as the root and the rest pulled on demand.
    pub fn member_defining(&self, symbol: &str) -> Result<Option<Input>> {
        for archive in &self.archives {
            if let Some(id) = archive.lookup(symbol.as_bytes()) {
                let (name, data) = archive.member(id)?;
                return Ok(Some(Input { name, data }));
            }
        }
        Ok(None)
    }
}

impl Archive {
    /// Parses an archive held in memory.
    pub fn parse(path: Arc<str>, data: Vec<u8>) -> Result<Archive> {
        Archive::new(path, Source::Bytes(data))
    }

    fn from_file(path: Arc<str>, file: std::fs::File) -> Result<Archive> {
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
                let names = crate::link::defined_globals(&data).map_err(|reason| {
                    LinkError::BadArchive {
                        path: self.path.to_string(),
                        reason: format!(
                            "member `{}` is not an ELF object: {reason}",
                            name.member.as_deref().unwrap_or("")
                        ),
                    }
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
        let name = match h.name.as_slice() {
            [b'/', digits @ ..] if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) => {
                let at: usize = String::from_utf8_lossy(digits)
                    .parse()
                    .unwrap_or(usize::MAX);
                let rest = self.long_names.get(at..).unwrap_or(&[]);
                let end = rest
                    .iter()
                    .position(|&b| b == b'\n' || b == 0)
                    .unwrap_or(rest.len());
                String::from_utf8_lossy(rest[..end].strip_suffix(b"/").unwrap_or(&rest[..end]))
                    .into_owned()
            }
            [b'#', b'1', b'/', digits @ ..] => {
                // BSD: the name is stored before the data.
                let n: usize = String::from_utf8_lossy(digits)
                    .trim()
                    .parse()
                    .unwrap_or(0)
                    .min(data.len());
                let name: Vec<u8> = data.drain(..n).collect();
                String::from_utf8_lossy(name.split(|&b| b == 0).next().unwrap_or(&[])).into_owned()
            }
            other => {
                String::from_utf8_lossy(other.strip_suffix(b"/").unwrap_or(other)).into_owned()
            }
        };
        Ok((
            InputRef {
                file: self.path.clone(),
                member: Some(name.into()),
            },
            data,
        ))
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

/// Parses the subset of GNU ld scripts that libraries use: comments,
/// `OUTPUT_FORMAT(...)` and `GROUP(...)`/`INPUT(...)` lists, with
/// `AS_NEEDED(...)` flattened. Returns the file names in order.
pub(crate) fn parse_ld_script(text: &str) -> std::result::Result<Vec<String>, String> {
    // Strip /* */ comments.
    let mut clean = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("/*") {
        clean.push_str(&rest[..start]);
        match rest[start + 2..].find("*/") {
            Some(end) => rest = &rest[start + 2 + end + 2..],
            None => return Err("unterminated `/*` comment".into()),
        }
    }
    clean.push_str(rest);
    let mut files = Vec::new();
    let mut s = clean.trim();
    while !s.is_empty() {
        let open = s
            .find('(')
            .ok_or_else(|| format!("unexpected text `{}`", first_words(s)))?;
        let command = s[..open].trim();
        let close = s[open..].find(')').map(|c| c + open).ok_or("missing `)`")?;
        // AS_NEEDED(...) nests one level inside GROUP.
        let (body, end) = if let Some(inner) = s[open + 1..close].find("AS_NEEDED") {
            let inner_close = s[close + 1..]
                .find(')')
                .map(|c| c + close + 1)
                .ok_or("missing `)`")?;
            let _ = inner;
            (
                s[open + 1..inner_close]
                    .replace("AS_NEEDED", " ")
                    .replace(['(', ')'], " "),
                inner_close,
            )
        } else {
            (s[open + 1..close].to_string(), close)
        };
        match command {
            "GROUP" | "INPUT" => files.extend(
                body.split(|c: char| c == ',' || c.is_whitespace())
                    .filter(|w| !w.is_empty())
                    .map(String::from),
            ),
            "OUTPUT_FORMAT" => {}
            other => return Err(format!("unsupported command `{other}`")),
        }
        s = s[end + 1..].trim_start();
    }
    if files.is_empty() {
        return Err("no GROUP(...) names any archive".into());
    }
    Ok(files)
}

fn first_words(s: &str) -> String {
    s.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ld_script_group() {
        let text = "/* GNU ld script\n   Use the shared library */\nOUTPUT_FORMAT(elf64-x86-64)\nGROUP ( /usr/lib/libm-2.36.a /usr/lib/libmvec.a )\n";
        assert_eq!(
            parse_ld_script(text).unwrap(),
            vec!["/usr/lib/libm-2.36.a", "/usr/lib/libmvec.a"]
        );
        assert_eq!(
            parse_ld_script("GROUP ( libc.so.6 libc_nonshared.a  AS_NEEDED ( ld.so ) )").unwrap(),
            vec!["libc.so.6", "libc_nonshared.a", "ld.so"]
        );
        assert!(parse_ld_script("SECTIONS { }").is_err());
        assert!(parse_ld_script("/* open").is_err());
        assert!(parse_ld_script("OUTPUT_FORMAT(elf32)").is_err());
    }
}
