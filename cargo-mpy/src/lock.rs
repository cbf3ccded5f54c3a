//! The lock on a target directory's build directory (`<target>/mpy`), held
//! for a whole build, as cargo locks its own: two builds that share a
//! target directory run one after the other, and the second says so
//! (`Blocking waiting for file lock on build directory`). Builds with
//! different target directories still run at once; what they share (an
//! `--out-dir`) is written only through atomic renames.

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::shell::Shell;

/// The lock file's name in the build directory.
pub(crate) const LOCK_FILE: &str = ".cargo-mpy-lock";

/// An exclusive lock on a build directory, released when dropped (or when
/// the process ends, however it ends).
#[derive(Debug)]
pub(crate) struct BuildLock {
    _file: Option<File>,
    /// The lock file.
    #[cfg_attr(not(test), allow(dead_code))]
    path: PathBuf,
}

impl BuildLock {
    /// Locks `dir` (created if missing), waiting for another build that
    /// holds it and saying so on `shell`. A file system without locks (some
    /// network file systems) gets no lock, as with cargo.
    pub(crate) fn acquire(dir: &Path, shell: &Shell) -> Result<BuildLock> {
        fs_err::create_dir_all(dir)?;
        let path = dir.join(LOCK_FILE);
        let file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .with_context(|| format!("failed to open the lock file `{}`", path.display()))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                shell.status(
                    "Blocking",
                    format!(
                        "waiting for file lock on build directory `{}`",
                        dir.display()
                    ),
                );
                file.lock().with_context(|| {
                    format!("failed to lock the build directory `{}`", dir.display())
                })?;
            }
            Err(TryLockError::Error(e)) if e.kind() == std::io::ErrorKind::Unsupported => {
                shell.verbose_status(
                    "Unlocked",
                    format!("`{}`: the file system has no locks", dir.display()),
                );
                return Ok(BuildLock { _file: None, path });
            }
            Err(TryLockError::Error(e)) => {
                return Err(e).with_context(|| {
                    format!("failed to lock the build directory `{}`", dir.display())
                })
            }
        }
        Ok(BuildLock {
            _file: Some(file),
            path,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::Verbosity;

    #[test]
    fn a_second_lock_waits_for_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let shell = Shell::from_write(Box::new(std::io::sink()), Verbosity::Quiet);
        let first = BuildLock::acquire(dir.path(), &shell).unwrap();
        // The same process, another open file: the lock is held.
        let other = File::open(&first.path).unwrap();
        assert!(matches!(other.try_lock(), Err(TryLockError::WouldBlock)));
        drop(first);
        other.try_lock().unwrap();
    }
}
