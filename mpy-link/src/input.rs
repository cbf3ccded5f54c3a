//! What a link reads: relocatable objects (from paths or bytes) and
//! libraries (`ar` archives, or GNU ld scripts naming archives).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::archive::{Archive, AR_MAGIC};
use crate::error::{LinkError, Result};
use crate::ldscript::parse_ld_script;
use crate::model::InputRef;

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

/// Reads a whole file; the error names it.
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

/// Largest linker script read (real ones are a few hundred bytes).
const MAX_SCRIPT: usize = 1 << 20;

/// The scripts being opened, outermost first: each one's file (to find
/// loops) and how it was named (for the message).
type ScriptChain = Vec<(PathBuf, String)>;

impl Library {
    /// Opens a `.a` archive, or a GNU ld script of the `GROUP(...)` form
    /// whose archives (or scripts) are opened in turn. Scripts that name
    /// each other in a loop are an error naming the loop.
    pub fn open(path: &Path) -> Result<Library> {
        Library::open_named(path, path.display().to_string(), &mut Vec::new())
    }

    fn open_named(path: &Path, named: String, chain: &mut ScriptChain) -> Result<Library> {
        let io = |source| LinkError::Io {
            action: "read",
            path: path.to_path_buf(),
            source,
        };
        let mut file = std::fs::File::open(path).map_err(io)?;
        // A script may name any path: a device (`/dev/zero`) or a pipe would
        // be read forever.
        if !file.metadata().map_err(io)?.is_file() {
            return Err(LinkError::BadArchive {
                path: path.display().to_string(),
                reason: "not a regular file".into(),
            });
        }
        let mut magic = [0u8; 8];
        let n = std::io::Read::read(&mut file, &mut magic).map_err(io)?;
        if n == 8 && magic == AR_MAGIC {
            let archive = Archive::from_file(path.display().to_string().into(), file)?;
            return Ok(Library {
                archives: vec![archive],
            });
        }
        let mut data = magic[..n].to_vec();
        std::io::Read::read_to_end(
            &mut std::io::Read::take(&mut file, (MAX_SCRIPT + 1 - n) as u64),
            &mut data,
        )
        .map_err(io)?;
        if data.len() > MAX_SCRIPT {
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
        let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if let Some(first) = chain.iter().position(|(k, _)| *k == key) {
            let mut loop_names: Vec<String> =
                chain[first..].iter().map(|(_, n)| n.clone()).collect();
            loop_names.push(named);
            return Err(LinkError::LdScriptCycle { chain: loop_names });
        }
        chain.push((key, named));
        let dir = path.parent().unwrap_or(Path::new("."));
        let mut archives = Vec::new();
        for name in names {
            let mut p = PathBuf::from(&name);
            if !p.exists() && p.is_relative() {
                p = dir.join(&name);
            }
            let lib = Library::open_named(&p, name.clone(), chain).map_err(|e| match e {
                LinkError::BadLdScript { .. } => LinkError::BadLdScript {
                    path: path.display().to_string(),
                    reason: format!("`{name}` named in GROUP is not an `ar` archive"),
                },
                other => other,
            })?;
            archives.extend(lib.archives);
        }
        chain.pop();
        Ok(Library { archives })
    }

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
