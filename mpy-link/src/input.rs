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

use object::read::archive::ArchiveFile;

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

/// One `ar` archive, with the index of the symbols its members define.
#[derive(Debug)]
pub struct Archive {
    /// The archive file, as given.
    pub path: Arc<str>,
    data: Vec<u8>,
    /// Defined symbol -> member. When several members define a name the
    /// last one wins, as in `ar_util.py`.
    index: HashMap<Vec<u8>, MemberId>,
    members: Vec<Member>,
}

/// Index of a member inside an [`Archive`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct MemberId(pub(crate) u32);

#[derive(Debug)]
struct Member {
    name: Arc<str>,
    start: usize,
    end: usize,
}

const AR_MAGIC: &[u8] = b"!<arch>\n";

impl Library {
    /// Opens a `.a` archive, or a GNU ld script of the `GROUP(...)` form
    /// whose archives are opened in turn.
    pub fn open(path: &Path) -> Result<Library> {
        let data = read_file(path)?;
        if data.starts_with(AR_MAGIC) {
            let archive = Archive::parse(path.display().to_string().into(), data)?;
            return Ok(Library {
                archives: vec![archive],
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
            let data = read_file(&p)?;
            if !data.starts_with(AR_MAGIC) {
                return Err(LinkError::BadLdScript {
                    path: path.display().to_string(),
                    reason: format!("`{name}` named in GROUP is not an `ar` archive"),
                });
            }
            archives.push(Archive::parse(p.display().to_string().into(), data)?);
        }
        Ok(Library { archives })
    }
}

impl Archive {
    /// Parses an archive held in memory and indexes its defined symbols.
    ///
    /// The archive's own symbol table is used when present, so members are
    /// parsed only when they are pulled into a link.
    pub fn parse(path: Arc<str>, data: Vec<u8>) -> Result<Archive> {
        let bad = |reason: String| LinkError::BadArchive {
            path: path.to_string(),
            reason,
        };
        let file = ArchiveFile::parse(&*data).map_err(|e| bad(e.to_string()))?;
        if file.is_thin() {
            return Err(bad(
                "thin archives are not supported; create it with `ar rcs` (not `ar rcsT`)".into(),
            ));
        }
        let mut members = Vec::new();
        let mut by_start = HashMap::new();
        let mut by_offset: HashMap<u64, MemberId> = HashMap::new();
        for member in file.members() {
            let member = member.map_err(|e| bad(format!("truncated or corrupt member: {e}")))?;
            let body = member
                .data(&*data)
                .map_err(|e| bad(format!("truncated member: {e}")))?;
            let start = body.as_ptr() as usize - data.as_ptr() as usize;
            let name = String::from_utf8_lossy(member.name()).into_owned();
            by_start.insert(start, MemberId(members.len() as u32));
            members.push(Member {
                name: name.into(),
                start,
                end: start + body.len(),
            });
        }
        let mut index = HashMap::new();
        let symbols = file
            .symbols()
            .map_err(|e| bad(format!("corrupt symbol table: {e}")))?;
        match symbols {
            Some(symbols) => {
                for sym in symbols {
                    let sym = sym.map_err(|e| bad(format!("corrupt symbol table: {e}")))?;
                    let offset = sym.offset();
                    let id = match by_offset.get(&offset.0) {
                        Some(id) => *id,
                        None => {
                            let no_member = || {
                                bad(format!(
                                    "symbol table names a member at offset {:#x} for `{}`, but no member starts there",
                                    offset.0,
                                    String::from_utf8_lossy(sym.name())
                                ))
                            };
                            let member = file.member(offset).map_err(|_| no_member())?;
                            let body = member.data(&*data).map_err(|_| no_member())?;
                            let start = body.as_ptr() as usize - data.as_ptr() as usize;
                            let id = *by_start.get(&start).ok_or_else(no_member)?;
                            by_offset.insert(offset.0, id);
                            id
                        }
                    };
                    index.insert(sym.name().to_vec(), id);
                }
            }
            None => {
                // No index (created without `s`): read every member's symbols.
                for (i, m) in members.iter().enumerate() {
                    let body = &data[m.start..m.end];
                    for name in crate::link::defined_globals(body)
                        .map_err(|reason| bad(format!("member `{}`: {reason}", m.name)))?
                    {
                        index.insert(name, MemberId(i as u32));
                    }
                }
            }
        }
        Ok(Archive {
            path,
            data,
            index,
            members,
        })
    }

    /// The member that defines `symbol`, if any.
    pub(crate) fn lookup(&self, symbol: &[u8]) -> Option<MemberId> {
        self.index.get(symbol).copied()
    }

    /// Bytes and name of a member.
    pub(crate) fn member(&self, id: MemberId) -> (InputRef, &[u8]) {
        let m = &self.members[id.0 as usize];
        let name = InputRef {
            file: self.path.clone(),
            member: Some(m.name.clone()),
        };
        (name, &self.data[m.start..m.end])
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// True when the archive has no members.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }
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
