//! Compiling `.py` sources to bytecode with `mpy-cross`, as dynruntime.mk
//! runs it (`$(MPY_CROSS) $(MPY_CROSS_FLAGS) -o $@ $<`, where
//! `MPY_CROSS_FLAGS` is the user's flags, then `-march=ARCH`, then any
//! per-file additions), in the manifest directory with the source path as
//! written, so the file name recorded in the bytecode is the one `make`
//! records (or the one `-s` gives).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use mpy_link::Arch;

use crate::error::error_with_help;
use crate::fsutil;
use crate::process::{escape, ProcessBuilder};
use crate::toolchain::MPY_CROSS_INSTALL;

/// One `mpy-cross` job.
#[derive(Debug, Clone)]
pub(crate) struct MpyCrossJob<'a> {
    /// Architecture for `-march`.
    pub arch: Arch,
    /// The `mpy-cross` executable.
    pub tool: &'a Path,
    /// `mpy-cross-flags`, before `-march` (dynruntime.mk appends `-march`
    /// to `MPY_CROSS_FLAGS`).
    pub flags: &'a [String],
    /// The source's own flags, after `-march` (make's target-specific
    /// `MPY_CROSS_FLAGS += -s name.py`).
    pub file_flags: &'a [String],
    /// Source as given to the tool (relative to `cwd`).
    pub src: &'a Path,
    /// Directory to run in (the manifest directory).
    pub cwd: &'a Path,
    /// Output `.mpy` (absolute).
    pub out: PathBuf,
}

impl MpyCrossJob<'_> {
    fn command(&self, out: &Path) -> ProcessBuilder {
        let mut cmd = ProcessBuilder::new(self.tool);
        cmd.args(self.flags)
            .arg(format!("-march={}", self.arch.name()))
            .args(self.file_flags)
            .arg("-o")
            .arg(out)
            .arg(self.src)
            .cwd(self.cwd);
        cmd
    }

    /// The command line as shown with `-v`.
    pub(crate) fn command_line(&self) -> String {
        self.command(&self.out).command_line()
    }

    fn fingerprint(&self) -> String {
        format!("{}\n{}", self.cwd.display(), self.command_line())
    }

    fn cmd_path(&self) -> PathBuf {
        self.out.with_extension("cmd")
    }

    /// Whether the output is newer than the source and made by the same
    /// command.
    pub(crate) fn is_fresh(&self) -> bool {
        let (Some(out), Some(src)) = (
            fsutil::mtime(&self.out),
            fsutil::mtime(&self.cwd.join(self.src)),
        ) else {
            return false;
        };
        src < out && fs_err::read_to_string(self.cmd_path()).is_ok_and(|c| c == self.fingerprint())
    }

    /// Runs `mpy-cross` unless the output is fresh; returns whether it ran.
    pub(crate) fn run(&self) -> Result<bool> {
        if self.is_fresh() {
            return Ok(false);
        }
        let dir = self.out.parent().context("output has no parent")?;
        fs_err::create_dir_all(dir)?;
        fsutil::remove_if_exists(&self.out)?;
        let tmp = self.out.with_extension("mpy.tmp");
        let result = self.command(&tmp).output();
        match result {
            Ok(_) => {
                fs_err::rename(&tmp, &self.out)?;
                fs_err::write(self.cmd_path(), self.fingerprint())?;
                Ok(true)
            }
            Err(e) => {
                let _ = fsutil::remove_if_exists(&tmp);
                if e.not_found {
                    Err(error_with_help(
                        format!(
                            "`{}` could not be run: {e}",
                            escape(&self.tool.to_string_lossy())
                        ),
                        MPY_CROSS_INSTALL,
                    ))
                } else {
                    Err(e.into())
                }
            }
        }
    }
}
