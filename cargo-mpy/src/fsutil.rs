//! File helpers: atomic writes, write-if-changed, stamps, gcc depfiles.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use anyhow::{Context, Result};

/// Writes `data` to `path` through a temporary file in the same directory
/// and a rename, so readers never see a partial file. The temporary file's
/// name is unique to the call (process and counter), so threads writing the
/// same file at once each rename a whole file of their own.
pub(crate) fn atomic_write(path: &Path, data: &[u8]) -> Result<()> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir = path.parent().unwrap_or(Path::new("."));
    fs_err::create_dir_all(dir)?;
    let name = path
        .file_name()
        .with_context(|| format!("`{}` has no file name", path.display()))?;
    let tmp = dir.join(format!(
        ".{}.tmp{}.{}",
        name.to_string_lossy(),
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    fs_err::write(&tmp, data)?;
    fs_err::rename(&tmp, path).inspect_err(|_| {
        let _ = fs_err::remove_file(&tmp);
    })?;
    Ok(())
}

/// Writes `data` unless `path` already holds exactly it (keeping its
/// modification time, so dependants stay fresh). Returns whether it wrote.
pub(crate) fn write_if_changed(path: &Path, data: &[u8]) -> Result<bool> {
    if let Ok(old) = fs_err::read(path) {
        if old == data {
            return Ok(false);
        }
    }
    atomic_write(path, data)?;
    Ok(true)
}

/// Modification time of `path`, or `None` when it does not exist.
pub(crate) fn mtime(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Removes a file if it exists.
pub(crate) fn remove_if_exists(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("failed to remove `{}`", path.display())),
    }
}

/// Path, size and modification time of a file, for fingerprints.
pub(crate) fn stamp(p: &Path) -> String {
    fs_err::metadata(p)
        .map(|m| {
            let t = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            format!("{} {} {}", p.display(), m.len(), t)
        })
        .unwrap_or_else(|_| format!("{} missing", p.display()))
}

/// The prerequisites listed in a gcc `-MD` depfile (`obj: a.c b.h \`).
/// Relative paths are taken relative to `base`.
pub(crate) fn parse_depfile(text: &str, base: &Path) -> Vec<PathBuf> {
    let joined = text.replace("\\\r\n", " ").replace("\\\n", " ");
    let mut out = Vec::new();
    for line in joined.lines() {
        // `target: deps`; the target may itself contain an escaped colon
        // only in exotic cases, so split at the first ": ".
        let Some(pos) = line
            .find(": ")
            .or_else(|| line.strip_suffix(':').map(|s| s.len()))
        else {
            continue;
        };
        let deps = &line[(pos + 1).min(line.len())..];
        let mut cur = String::new();
        let mut chars = deps.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' if chars.peek() == Some(&' ') => {
                    cur.push(' ');
                    chars.next();
                }
                '$' if chars.peek() == Some(&'$') => {
                    cur.push('$');
                    chars.next();
                }
                ' ' | '\t' => {
                    if !cur.is_empty() {
                        out.push(base.join(std::mem::take(&mut cur)));
                    }
                }
                _ => cur.push(c),
            }
        }
        if !cur.is_empty() {
            out.push(base.join(cur));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depfile() {
        let text = "build/a.o: a.c /usr/include/stdio.h \\\n inc/my\\ file.h b.h\n";
        let deps = parse_depfile(text, Path::new("/p"));
        assert_eq!(
            deps,
            [
                PathBuf::from("/p/a.c"),
                PathBuf::from("/usr/include/stdio.h"),
                PathBuf::from("/p/inc/my file.h"),
                PathBuf::from("/p/b.h"),
            ]
        );
    }

    #[test]
    fn write_if_changed_keeps_same_content() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x/h.h");
        assert!(write_if_changed(&p, b"a").unwrap());
        assert!(!write_if_changed(&p, b"a").unwrap());
        assert!(write_if_changed(&p, b"b").unwrap());
        assert_eq!(std::fs::read(&p).unwrap(), b"b");
    }
}
