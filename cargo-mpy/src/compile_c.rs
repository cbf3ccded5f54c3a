//! Compiling one C or assembly source: the compiler the toolchain table
//! names, with exactly the plan's flags (dynruntime.mk's), run in the
//! manifest directory so that `-I.`, the source path and the config header
//! path are the ones `make` passes. Each job names its own working
//! directory, so builds in one process (the test suite's) never depend on
//! the process-wide current directory.
//!
//! Incremental: each object has a `.cmd` file holding the command that made
//! it and a gcc `-MD` depfile; it is rebuilt when either is missing, the
//! command changed, or any prerequisite (the source, the config header,
//! every included header) is newer than the object.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::fsutil;
use crate::process::ProcessBuilder;

/// One compile job.
#[derive(Debug, Clone)]
pub(crate) struct CompileJob<'a> {
    /// The compiler.
    pub compiler: &'a Path,
    /// Flags in order.
    pub cflags: &'a [String],
    /// Source path as given to the compiler (relative to `cwd`).
    pub src: &'a Path,
    /// Directory the compiler runs in (the manifest directory).
    pub cwd: &'a Path,
    /// The object to produce (absolute).
    pub obj: PathBuf,
}

/// What happened to a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The object was up to date.
    Fresh,
    /// The object was compiled; the compiler printed `stderr` (warnings).
    Compiled {
        /// The compiler's diagnostics, if any.
        stderr: String,
    },
}

impl CompileJob<'_> {
    fn dep_path(&self) -> PathBuf {
        self.obj.with_extension("d")
    }

    fn cmd_path(&self) -> PathBuf {
        self.obj.with_extension("cmd")
    }

    /// The compiler command writing the object to `obj` and the depfile to
    /// `dep`.
    fn command_to(&self, obj: &Path, dep: &Path) -> ProcessBuilder {
        let mut cmd = ProcessBuilder::new(self.compiler);
        cmd.args(self.cflags)
            .args(["-MD", "-MF"])
            .arg(dep)
            .arg("-o")
            .arg(obj)
            .arg("-c")
            .arg(self.src)
            .cwd(self.cwd);
        cmd
    }

    fn command(&self) -> ProcessBuilder {
        self.command_to(&self.obj, &self.dep_path())
    }

    /// The command line, as shown with `-v`.
    pub(crate) fn command_line(&self) -> String {
        self.command().command_line()
    }

    /// What the object depends on besides its prerequisites' times: the
    /// directory the compiler ran in and the command.
    fn fingerprint(&self) -> String {
        format!("{}\n{}", self.cwd.display(), self.command_line())
    }

    /// Whether the object is up to date.
    pub(crate) fn is_fresh(&self) -> bool {
        let Some(obj_time) = fsutil::mtime(&self.obj) else {
            return false;
        };
        match fs_err::read_to_string(self.cmd_path()) {
            Ok(cmd) if cmd == self.fingerprint() => {}
            _ => return false,
        }
        let Ok(dep) = fs_err::read_to_string(self.dep_path()) else {
            return false;
        };
        let deps = fsutil::parse_depfile(&dep, self.cwd);
        !deps.is_empty()
            && deps
                .iter()
                // Strictly older: file times are coarse (a kernel tick), and
                // a source saved in the same tick as the object may be newer.
                .all(|d| fsutil::mtime(d).is_some_and(|t| t < obj_time))
    }

    /// Compiles the source unless the object is fresh. The compiler writes
    /// to temporary names of this build's own, renamed into place after it
    /// succeeds; a failed compile leaves no object and no record.
    pub(crate) fn run(&self) -> Result<Outcome> {
        if self.is_fresh() {
            return Ok(Outcome::Fresh);
        }
        let obj_dir = self.obj.parent().context("object path has no parent")?;
        fs_err::create_dir_all(obj_dir)?;
        // Without the record of its command, an old object is never fresh.
        fsutil::remove_if_exists(&self.cmd_path())?;
        let tmp_obj = fsutil::temp_path(&self.obj)?;
        let tmp_dep = fsutil::temp_path(&self.dep_path())?;
        let out = self.command_to(&tmp_obj, &tmp_dep).output();
        let placed = out.map_err(anyhow::Error::from).and_then(|out| {
            fsutil::rename_into_place(&tmp_dep, &self.dep_path())?;
            fsutil::rename_into_place(&tmp_obj, &self.obj)?;
            fsutil::atomic_write(&self.cmd_path(), self.fingerprint().as_bytes())?;
            Ok(out)
        });
        match placed {
            Ok(out) => Ok(Outcome::Compiled {
                stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            }),
            Err(e) => {
                let _ = fsutil::remove_if_exists(&tmp_obj);
                let _ = fsutil::remove_if_exists(&tmp_dep);
                let _ = fsutil::remove_if_exists(&self.obj);
                Err(e)
            }
        }
    }
}
