//! A board reached through mpremote (PyPI `mpremote`), run as a
//! subprocess: `mpremote connect PORT resume ...`. `resume` skips the soft
//! reset mpremote would do first (on the unix port standing in for a board,
//! a soft reset ends the process). A module is made importable without
//! touching the board's filesystem with `mount` (mpremote serves a local
//! directory to the board), or copied with `fs cp`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result};

use super::BoardInfo;
use crate::error::{error_with_help, MissingTool};
use crate::process::{escape, run_with_timeout, which, Finished};

/// How to install mpremote.
pub(crate) const MPREMOTE_INSTALL: &str = "pip install mpremote";

/// mpremote and the port it talks to.
#[derive(Debug, Clone)]
pub(crate) struct Mpremote {
    /// The command (`MPREMOTE`, split at spaces, or `mpremote` on PATH).
    program: Vec<OsString>,
    /// What `connect` gets: a device, `rfc2217://`/`socket://` URL, or
    /// `auto` (the single connected board).
    pub port: String,
    /// How long the first question may take.
    pub timeout: Duration,
}

/// What a script run on the board did.
#[derive(Debug, Clone)]
pub(crate) enum ScriptResult {
    /// It ran to the end; its output.
    Ok(String),
    /// It raised; its output, the traceback included.
    Raised(String),
}

impl Mpremote {
    /// mpremote for `port` (`None`: `auto`).
    pub(crate) fn new(port: Option<&str>, timeout: Duration) -> Result<Mpremote> {
        let program: Vec<OsString> = match std::env::var("MPREMOTE") {
            Ok(v) if !v.trim().is_empty() => v.split_whitespace().map(OsString::from).collect(),
            _ => vec![which("mpremote")
                .ok_or_else(|| MissingTool {
                    tool: "`mpremote`".into(),
                    arch: None,
                    looked: "on PATH (it talks to boards; `MPREMOTE` can name it)".into(),
                    install: MPREMOTE_INSTALL.into(),
                })?
                .into_os_string()],
        };
        Ok(Mpremote {
            program,
            port: port.unwrap_or("auto").to_string(),
            timeout,
        })
    }

    /// The port as shown in messages.
    pub(crate) fn shown_port(&self) -> String {
        if self.port == "auto" {
            "the connected board (mpremote's `connect auto`)".into()
        } else {
            format!("`{}`", self.port)
        }
    }

    fn command(&self, args: &[OsString]) -> Command {
        let mut cmd = Command::new(&self.program[0]);
        cmd.args(&self.program[1..])
            .args(["connect", &self.port, "resume"])
            .args(args);
        cmd
    }

    fn command_line(&self, args: &[OsString]) -> String {
        let mut parts: Vec<String> = self
            .program
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        parts.extend(["connect".into(), self.port.clone(), "resume".into()]);
        parts.extend(args.iter().map(|a| a.to_string_lossy().into_owned()));
        parts
            .iter()
            .map(|p| escape(p).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Runs mpremote with `args`; `echo` passes the board's output on as it
    /// comes. An error when mpremote cannot be run, times out or says the
    /// board did not answer; otherwise what it did.
    fn run(
        &self,
        args: &[OsString],
        timeout: Option<Duration>,
        echo: &(dyn Fn(&[u8]) + Sync),
    ) -> Result<Finished> {
        let line = self.command_line(args);
        let done = run_with_timeout(&mut self.command(args), timeout, echo)
            .with_context(|| format!("could not run `{line}`"))?;
        if done.status.is_none() {
            return Err(error_with_help(
                format!(
                    "{} did not answer within {} s (`{line}` was stopped)",
                    self.shown_port(),
                    timeout.unwrap_or_default().as_secs()
                ),
                "check that the board runs MicroPython, that no other program (a terminal, an IDE) has the port open, and press its reset button; `--timeout SECS` waits longer",
            ));
        }
        self.check_transport(&done, &line)?;
        Ok(done)
    }

    /// mpremote's own failures (no board, a busy port, no raw REPL), as
    /// opposed to a script that raised.
    fn check_transport(&self, done: &Finished, line: &str) -> Result<()> {
        let err = done.stderr.trim();
        if done.success() || err.is_empty() {
            return Ok(());
        }
        let port = self.shown_port();
        let (msg, help) = if err.contains("could not enter raw repl") {
            (
                format!("{port} did not answer: mpremote could not enter its raw REPL"),
                "check that the board runs MicroPython and that no other program has the port open; press its reset button",
            )
        } else if err.contains("no device found") {
            (
                "no board found: mpremote sees no connected MicroPython board".to_string(),
                "connect one over USB, or pass `--port PORT` (a serial device, `rfc2217://HOST:PORT` or `socket://HOST:PORT`)",
            )
        } else if err.contains("failed to access") {
            (
                format!("cannot open {port}: it does not exist or another program is using it"),
                "check the port name (`mpremote connect list` shows the connected boards) and close other programs using it",
            )
        } else {
            (
                format!("mpremote failed talking to {port}"),
                "the output above says why",
            )
        };
        Err(error_with_help(
            format!("{msg}\n`{line}` said:\n{err}"),
            help,
        ))
    }

    /// Asks the board about itself (within the timeout).
    pub(crate) fn info(&self) -> Result<BoardInfo> {
        let done = self.run(
            &["exec".into(), super::INFO_SCRIPT.into()],
            Some(self.timeout),
            &|_| {},
        )?;
        BoardInfo::parse(&done.stdout)
            .with_context(|| format!("{} did not answer as MicroPython does", self.shown_port()))
    }

    /// Copies `file` into the board directory `dir`, creating it (and its
    /// parents) when missing.
    pub(crate) fn copy(&self, file: &Path, dir: &str) -> Result<String> {
        let name = file
            .file_name()
            .context("the module has no file name")?
            .to_string_lossy();
        let dest = format!("{}/{name}", dir.trim_end_matches('/'));
        let done = self.run(
            &[
                "exec".into(),
                makedirs_script(dir).into(),
                "fs".into(),
                "cp".into(),
                file.as_os_str().to_owned(),
                format!(":{dest}").into(),
            ],
            Some(self.timeout + Duration::from_secs(60)),
            &|_| {},
        )?;
        if !done.success() {
            anyhow::bail!(
                "could not copy `{}` to `{dest}` on {}:\n{}",
                file.display(),
                self.shown_port(),
                done.stdout.trim_end()
            );
        }
        Ok(dest)
    }

    /// Runs `script` on the board with `module_dir` mounted as its current
    /// directory (so the module there is what `import` finds), after
    /// `prelude`. `echo` receives the output as it comes.
    pub(crate) fn run_script(
        &self,
        module_dir: &Path,
        prelude: &str,
        script: &Path,
        timeout: Option<Duration>,
        echo: &(dyn Fn(&[u8]) + Sync),
    ) -> Result<ScriptResult> {
        // mpremote announces the mount on the first line; that line is not
        // the script's. Hold output back until the first line is complete.
        let first_line: std::sync::Mutex<Option<Vec<u8>>> = std::sync::Mutex::new(Some(Vec::new()));
        let filter = |b: &[u8]| {
            let mut pending = first_line.lock().unwrap_or_else(|e| e.into_inner());
            let Some(buf) = pending.as_mut() else {
                return echo(b);
            };
            buf.extend_from_slice(b);
            if let Some(nl) = buf.iter().position(|&c| c == b'\n') {
                let rest = if buf.starts_with(b"Local directory ") {
                    buf[nl + 1..].to_vec()
                } else {
                    std::mem::take(buf)
                };
                *pending = None;
                echo(&rest);
            }
        };
        let done = self.run(
            &[
                "mount".into(),
                module_dir.as_os_str().to_owned(),
                "exec".into(),
                prelude.into(),
                "run".into(),
                script.as_os_str().to_owned(),
            ],
            timeout,
            &filter,
        )?;
        if let Some(rest) = first_line.lock().unwrap_or_else(|e| e.into_inner()).take() {
            if !rest.starts_with(b"Local directory ") {
                echo(&rest);
            }
        }
        let out = strip_mount_line(&done.stdout);
        Ok(if done.success() {
            ScriptResult::Ok(out)
        } else {
            ScriptResult::Raised(out)
        })
    }
}

/// mpremote's `Local directory X is mounted at /remote` line, removed.
fn strip_mount_line(out: &str) -> String {
    match out.split_once('\n') {
        Some((first, rest)) if first.starts_with("Local directory ") => rest.to_string(),
        _ => out.to_string(),
    }
}

/// Python that creates `dir` and its parents on the board (`os.makedirs`
/// is not in MicroPython).
fn makedirs_script(dir: &str) -> String {
    format!(
        "import os\np = ''\nfor part in {dir:?}.split('/'):\n    if not part:\n        p = p or '/'\n        continue\n    p = p + part if p.endswith('/') else (p + '/' + part if p else part)\n    try:\n        os.mkdir(p)\n    except OSError:\n        pass\n"
    )
}

/// A temporary directory holding only `module` (what `run` and `test`
/// mount on the board).
pub(crate) fn staging_dir(module: &Path) -> Result<(tempfile::TempDir, PathBuf)> {
    let dir = tempfile::Builder::new()
        .prefix("cargo-mpy-run-")
        .tempdir()
        .context("cannot create a temporary directory")?;
    let name = module.file_name().context("the module has no file name")?;
    let copy = dir.path().join(name);
    fs_err::copy(module, &copy)?;
    Ok((dir, copy))
}
