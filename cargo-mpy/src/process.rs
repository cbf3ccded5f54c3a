//! Running tools. A failure names the full command line, the exit status
//! and the captured output, as cargo's `ProcessError` does.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Output};

/// A command to run, displayed shell-escaped.
#[derive(Debug, Clone)]
pub struct ProcessBuilder {
    program: OsString,
    args: Vec<OsString>,
    cwd: Option<PathBuf>,
}

impl ProcessBuilder {
    /// A command running `program`.
    pub fn new(program: impl AsRef<OsStr>) -> Self {
        ProcessBuilder {
            program: program.as_ref().to_owned(),
            args: Vec::new(),
            cwd: None,
        }
    }

    /// Adds one argument.
    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Self {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    /// Adds arguments.
    pub fn args<I: IntoIterator<Item = S>, S: AsRef<OsStr>>(&mut self, args: I) -> &mut Self {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// Runs the command in `dir`.
    pub fn cwd(&mut self, dir: impl AsRef<Path>) -> &mut Self {
        self.cwd = Some(dir.as_ref().to_owned());
        self
    }

    /// Runs the command, capturing its output. A non-zero exit is a
    /// [`ProcessError`]; so is a command that cannot be started.
    pub fn output(&self) -> Result<Output, ProcessError> {
        let mut cmd = Command::new(&self.program);
        cmd.args(&self.args);
        if let Some(dir) = &self.cwd {
            cmd.current_dir(dir);
        }
        let output = cmd.output().map_err(|e| ProcessError {
            desc: format!("could not execute process {self} (never executed)"),
            stdout: String::new(),
            stderr: String::new(),
            not_found: e.kind() == std::io::ErrorKind::NotFound,
            io: Some(e.to_string()),
        })?;
        if output.status.success() {
            Ok(output)
        } else {
            Err(ProcessError::failed(
                &self.to_string(),
                output.status,
                &output.stdout,
                &output.stderr,
            ))
        }
    }
}

impl ProcessBuilder {
    /// The shell-escaped command line, without the backticks of `Display`.
    pub fn command_line(&self) -> String {
        let mut s = escape(&self.program.to_string_lossy()).into_owned();
        for arg in &self.args {
            s.push(' ');
            s.push_str(&escape(&arg.to_string_lossy()));
        }
        s
    }
}

impl fmt::Display for ProcessBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`", self.command_line())
    }
}

/// A command that failed: what was run, how it ended and what it said.
#[derive(Debug, Clone)]
pub struct ProcessError {
    /// "process didn't exit successfully: `cmd` (exit status: 1)".
    pub desc: String,
    /// Captured standard output.
    pub stdout: String,
    /// Captured standard error.
    pub stderr: String,
    /// The program was not found.
    pub not_found: bool,
    io: Option<String>,
}

impl ProcessError {
    /// The error for `cmd` (already quoted) exiting with `status`.
    pub fn failed(cmd: &str, status: ExitStatus, stdout: &[u8], stderr: &[u8]) -> Self {
        ProcessError {
            desc: format!(
                "process didn't exit successfully: {cmd} ({})",
                describe_status(status)
            ),
            stdout: String::from_utf8_lossy(stdout).into_owned(),
            stderr: String::from_utf8_lossy(stderr).into_owned(),
            not_found: false,
            io: None,
        }
    }
}

impl fmt::Display for ProcessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.desc)?;
        if let Some(io) = &self.io {
            write!(f, ": {io}")?;
        }
        for (name, text) in [("stdout", &self.stdout), ("stderr", &self.stderr)] {
            let text = text.trim_end();
            if !text.is_empty() {
                write!(f, "\n--- {name}\n{text}")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for ProcessError {}

/// "exit status: 1", or the signal's name and meaning.
pub fn describe_status(status: ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            let name = match sig {
                4 => "SIGILL: illegal instruction",
                6 => "SIGABRT: process abort signal",
                7 => "SIGBUS: access to undefined memory",
                8 => "SIGFPE: erroneous arithmetic operation",
                9 => "SIGKILL: kill",
                11 => "SIGSEGV: invalid memory reference",
                13 => "SIGPIPE: write on a pipe with no one to read it",
                15 => "SIGTERM: termination signal",
                _ => "",
            };
            return if name.is_empty() {
                format!("signal: {sig}")
            } else {
                format!("signal: {sig}, {name}")
            };
        }
    }
    match status.code() {
        Some(code) => format!("exit status: {code}"),
        None => status.to_string(),
    }
}

/// Quotes `s` for a POSIX shell when it needs quoting.
pub fn escape(s: &str) -> std::borrow::Cow<'_, str> {
    let plain = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_=/.,:+@%^".contains(&b));
    if plain {
        s.into()
    } else {
        format!("'{}'", s.replace('\'', r"'\''")).into()
    }
}

/// Finds `program` on `PATH` (or checks it when it has a `/`).
pub fn which(program: impl AsRef<OsStr>) -> Option<PathBuf> {
    let program = Path::new(program.as_ref());
    if program.components().count() > 1 {
        return is_executable(program).then(|| program.to_owned());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path)
            .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            .unwrap_or(false)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

/// What a program run by [`run_with_timeout`] did.
#[derive(Debug, Clone)]
pub(crate) struct Finished {
    /// How it ended (`None` when it was killed at the time limit).
    pub status: Option<ExitStatus>,
    /// Everything it wrote to stdout.
    pub stdout: String,
    /// Everything it wrote to stderr.
    pub stderr: String,
}

impl Finished {
    /// It exited with status 0.
    pub(crate) fn success(&self) -> bool {
        self.status.is_some_and(|s| s.success())
    }
}

/// Runs `cmd` with no input, reading both of its outputs at once (so a
/// chatty program never blocks), passing each piece of stdout to
/// `on_stdout` as it arrives, and killing it after `timeout`.
pub(crate) fn run_with_timeout(
    cmd: &mut Command,
    timeout: Option<std::time::Duration>,
    on_stdout: &(dyn Fn(&[u8]) + Sync),
) -> std::io::Result<Finished> {
    use std::io::Read;
    use std::process::Stdio;
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let mut out = child.stdout.take().ok_or(std::io::ErrorKind::BrokenPipe)?;
    let mut err = child.stderr.take().ok_or(std::io::ErrorKind::BrokenPipe)?;
    let start = std::time::Instant::now();
    std::thread::scope(|s| {
        let out_thread = s.spawn(move || {
            let mut all = Vec::new();
            let mut buf = [0u8; 4096];
            while let Ok(n) = out.read(&mut buf) {
                if n == 0 {
                    break;
                }
                on_stdout(&buf[..n]);
                all.extend_from_slice(&buf[..n]);
            }
            all
        });
        let err_thread = s.spawn(move || {
            let mut all = Vec::new();
            let _ = err.read_to_end(&mut all);
            all
        });
        let status = loop {
            match child.try_wait()? {
                Some(status) => break Some(status),
                None if timeout.is_some_and(|t| start.elapsed() > t) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break None;
                }
                None => std::thread::sleep(std::time::Duration::from_millis(10)),
            }
        };
        let stdout = out_thread.join().unwrap_or_default();
        let stderr = err_thread.join().unwrap_or_default();
        Ok(Finished {
            status,
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(escape("-DMP_CONFIGFILE=<a.h>"), "'-DMP_CONFIGFILE=<a.h>'");
        assert_eq!(escape("-Os"), "-Os");
        assert_eq!(escape("it's"), r"'it'\''s'");
        assert_eq!(escape(""), "''");
    }

    #[test]
    fn failure_names_command_status_and_output() {
        let err = ProcessBuilder::new("sh")
            .args(["-c", "echo out; echo err >&2; exit 3"])
            .output()
            .unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with(
            "process didn't exit successfully: `sh -c 'echo out; echo err >&2; exit 3'` (exit status: 3)"
        ), "{text}");
        assert!(text.contains("--- stdout\nout\n--- stderr\nerr"), "{text}");
    }

    #[test]
    fn missing_program() {
        let err = ProcessBuilder::new("definitely-not-a-program-xyz")
            .output()
            .unwrap_err();
        assert!(err.not_found);
        assert!(err.to_string().contains("could not execute process"));
    }
}
