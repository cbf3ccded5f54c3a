//! File helpers: atomic writes, temporary names, write-if-changed, stamps,
//! gcc depfiles.
//!
//! Every file a build produces is written under a temporary name unique to
//! the process and the write (`.NAME.PID-N.tmp` next to `NAME`), then renamed
//! into place, so nobody ever sees a partial file and two writers never
//! share a name. A temporary file left by a process that was killed is
//! removed the next time its file is written.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use anyhow::{Context, Result};

/// Writes in this process so far, for unique temporary names.
static WRITES: AtomicU64 = AtomicU64::new(0);

/// A temporary name for `path`, unique to this process and call:
/// `.NAME.PID-N.tmp` in the same directory. Temporary files of `path` left by
/// processes that no longer run are removed first.
pub(crate) fn temp_path(path: &Path) -> Result<PathBuf> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .with_context(|| format!("`{}` has no file name", path.display()))?
        .to_string_lossy();
    remove_stale_temps(dir, &name);
    let n = WRITES.fetch_add(1, Ordering::Relaxed);
    Ok(dir.join(format!(".{name}.{}-{n}.tmp", std::process::id())))
}

/// The process id in `entry`, when it is a temporary name of `name`.
fn temp_pid(entry: &str, name: &str) -> Option<u32> {
    let rest = entry
        .strip_prefix('.')?
        .strip_prefix(name)?
        .strip_prefix('.')?
        .strip_suffix(".tmp")?;
    let (pid, n) = rest.split_once('-')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(pid) && digits(n)).then(|| pid.parse().ok())?
}

/// Removes the temporary files of `name` in `dir` whose process is gone.
/// Only tidies up: errors are ignored.
fn remove_stale_temps(dir: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(pid) = file_name.to_str().and_then(|e| temp_pid(e, name)) else {
            continue;
        };
        if pid != std::process::id() && !process_runs(pid) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Whether process `pid` runs; `true` when that cannot be told (its files
/// are then left alone).
fn process_runs(pid: u32) -> bool {
    let proc = Path::new("/proc");
    if proc.join("self").exists() {
        proc.join(pid.to_string()).exists()
    } else {
        true
    }
}

/// Writes `data` to `path` through a temporary file in the same directory
/// ([`temp_path`]) and a rename, so readers never see a partial file.
pub(crate) fn atomic_write(path: &Path, data: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs_err::create_dir_all(dir)?;
    let tmp = temp_path(path)?;
    let result = fs_err::write(&tmp, data).and_then(|()| fs_err::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    Ok(result?)
}

/// Renames `tmp` to `path`; on failure removes `tmp`.
pub(crate) fn rename_into_place(tmp: &Path, path: &Path) -> Result<()> {
    fs_err::rename(tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(tmp);
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
    fn temporary_names_are_unique_and_stale_ones_go() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("m.mpy");
        let a = temp_path(&out).unwrap();
        let b = temp_path(&out).unwrap();
        assert_ne!(a, b);
        let a_name = a.file_name().unwrap().to_str().unwrap();
        assert_eq!(temp_pid(a_name, "m.mpy"), Some(std::process::id()));
        assert_eq!(temp_pid(".m.mpy.12-3.tmp", "m.mpy"), Some(12));
        assert_eq!(temp_pid(".m.mpy.12.tmp", "m.mpy"), None);
        assert_eq!(temp_pid(".mm.mpy.12-3.tmp", "m.mpy"), None);
        assert_eq!(temp_pid(".m.mpy.x-3.tmp", "m.mpy"), None);
        // A process that has ended: pid_max is at most 2^22 on Linux.
        let dead = dir.path().join(".m.mpy.4194399-0.tmp");
        let live = dir
            .path()
            .join(format!(".m.mpy.{}-999.tmp", std::process::id()));
        let other = dir.path().join(".n.mpy.4194399-0.tmp");
        for p in [&dead, &live, &other] {
            std::fs::write(p, "").unwrap();
        }
        atomic_write(&out, b"data").unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), b"data");
        assert!(!dead.exists() || !Path::new("/proc/self").exists());
        assert!(live.exists() && other.exists());
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
