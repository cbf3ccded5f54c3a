//! Compiling one C or assembly source with the `cc` crate, driven from a
//! binary: target, host, opt level and out dir are set explicitly, cargo
//! output and rustflags inheritance are off, the compiler is named by us
//! and `no_default_flags(true)` keeps cc's own flags (`-ffunction-sections`,
//! `-fPIC`, `-m64`, ...) out, so the command line is dynruntime.mk's.
//!
//! Incremental: each object has a `.cmd` file holding the command that made
//! it and a gcc `-MD` depfile; it is rebuilt when either is missing, the
//! command changed, or any prerequisite (the source, the config header,
//! every included header) is newer than the object.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use cc::{BuildMessage, BuildMessageKind, BuildMessageLogger};
use mpy_link::Arch;

use crate::fsutil;
use crate::process::escape;
use crate::toolchain;

/// One compile job.
#[derive(Debug, Clone)]
pub struct CompileJob {
    /// Architecture (for cc's target and messages).
    pub arch: Arch,
    /// The compiler.
    pub compiler: PathBuf,
    /// Flags in order.
    pub cflags: Vec<String>,
    /// Source path as given to the compiler (relative to `cwd`).
    pub src: PathBuf,
    /// Directory the compiler runs in (the manifest directory).
    pub cwd: PathBuf,
    /// The object to produce (absolute).
    pub obj: PathBuf,
}

/// What happened to a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The object was up to date.
    Fresh,
    /// The object was compiled; the compiler printed `stderr` (warnings).
    Compiled {
        /// The compiler's diagnostics, if any.
        stderr: String,
    },
}

impl CompileJob {
    fn dep_path(&self) -> PathBuf {
        self.obj.with_extension("d")
    }

    fn cmd_path(&self) -> PathBuf {
        self.obj.with_extension("cmd")
    }

    /// The command line, as shown with `-v` and in errors.
    pub fn command_line(&self) -> String {
        let mut s = escape(&self.compiler.to_string_lossy()).into_owned();
        for f in self.flags_with_deps() {
            s.push(' ');
            s.push_str(&escape(&f));
        }
        s.push_str(" -o ");
        s.push_str(&escape(&self.obj.to_string_lossy()));
        s.push_str(" -c ");
        s.push_str(&escape(&self.src.to_string_lossy()));
        s
    }

    /// What the object depends on besides its prerequisites' times: the
    /// directory the compiler ran in and the command.
    fn fingerprint(&self) -> String {
        format!("{}\n{}", self.cwd.display(), self.command_line())
    }

    fn flags_with_deps(&self) -> Vec<String> {
        let mut flags = self.cflags.clone();
        flags.push("-MD".into());
        flags.push("-MF".into());
        flags.push(self.dep_path().to_string_lossy().into_owned());
        flags
    }

    /// Whether the object is up to date.
    pub fn is_fresh(&self) -> bool {
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
        let deps = fsutil::parse_depfile(&dep, &self.cwd);
        !deps.is_empty()
            && deps
                .iter()
                // Strictly older: file times are coarse (a kernel tick), and
                // a source saved in the same tick as the object may be newer.
                .all(|d| fsutil::mtime(d).is_some_and(|t| t < obj_time))
    }

    /// Compiles the source unless the object is fresh.
    pub fn run(&self) -> Result<Outcome> {
        if self.is_fresh() {
            return Ok(Outcome::Fresh);
        }
        let obj_dir = self.obj.parent().context("object path has no parent")?;
        // cc names its objects itself; give it a private directory and move
        // the object to its stable name afterwards.
        let cc_dir = self.obj.with_extension("cc");
        fs_err::create_dir_all(&cc_dir)?;
        fs_err::create_dir_all(obj_dir)?;
        // A failed compile must not leave a stale object that looks fresh.
        fsutil::remove_if_exists(&self.obj)?;
        fsutil::remove_if_exists(&self.cmd_path())?;

        let logger = Arc::new(Capture::default());
        let mut build = cc::Build::new();
        build
            .target(toolchain::cc_target(self.arch))
            .host(&toolchain::host_triple())
            .opt_level(0)
            .debug(false)
            .out_dir(&cc_dir)
            .cargo_metadata(false)
            .cargo_warnings(false)
            .cargo_debug(false)
            .emit_rerun_if_env_changed(false)
            .inherit_rustflags(false)
            .compiler(&self.compiler)
            .no_default_flags(true)
            // `warnings(None)` would add `-Wall -Wextra`, `warnings(false)`
            // adds `-w`, which defeats `-Werror`; `true` adds one `-Wall`,
            // which dynruntime.mk passes anyway.
            .warnings(true)
            .extra_warnings(false)
            .message_logger(Some(logger.clone() as Arc<dyn BuildMessageLogger>))
            // cc appends `CFLAGS`-style variables after our flags, where
            // make puts them first (`context::env_cflags` does that), so
            // hide them from cc.
            .set_envs_snapshot(std::env::vars_os().filter(|(k, _)| !is_cflags_var(k)))
            .file(&self.src);
        for flag in self.flags_with_deps() {
            build.flag(flag);
        }
        let result = build.try_compile_intermediates();
        let stderr = logger.stderr();
        match result {
            Ok(objects) => {
                let produced = objects
                    .first()
                    .context("the cc crate produced no object file")?;
                fs_err::rename(produced, &self.obj)?;
                fs_err::write(self.cmd_path(), self.fingerprint())?;
                Ok(Outcome::Compiled { stderr })
            }
            Err(e) => {
                let status = logger
                    .status()
                    .unwrap_or_else(|| format!("{}", e).replace('\n', " "));
                let cmd = logger.command().unwrap_or_else(|| self.command_line());
                let mut msg = format!("process didn't exit successfully: `{cmd}` ({status})");
                if !stderr.trim().is_empty() {
                    msg.push_str("\n--- stderr\n");
                    msg.push_str(stderr.trim_end());
                } else if logger.status().is_none() {
                    msg = format!("{e}");
                }
                Err(anyhow::anyhow!(msg))
            }
        }
    }
}

/// `CFLAGS`, `TARGET_CFLAGS`, `HOST_CFLAGS`, `CFLAGS_<target>`: the
/// variables cc would append to the command line.
fn is_cflags_var(key: &std::ffi::OsStr) -> bool {
    let k = key.to_string_lossy();
    k.ends_with("CFLAGS") || k.starts_with("CFLAGS_")
}

/// Collects what cc reports about the commands it runs.
#[derive(Default)]
struct Capture {
    stderr: Mutex<Vec<String>>,
    status: Mutex<Option<String>>,
    command: Mutex<Option<String>>,
}

impl Capture {
    fn stderr(&self) -> String {
        let lines = self.stderr.lock().unwrap_or_else(|e| e.into_inner());
        let mut s = lines.join("\n");
        if !s.is_empty() {
            s.push('\n');
        }
        s
    }

    fn command(&self) -> Option<String> {
        self.command
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn status(&self) -> Option<String> {
        self.status
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl BuildMessageLogger for Capture {
    fn log(&self, kind: BuildMessageKind, msg: BuildMessage<'_>, extra: &dyn std::any::Any) {
        match kind {
            BuildMessageKind::StderrForwarding => self
                .stderr
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(msg.to_string()),
            BuildMessageKind::CommandFailed { exit_status, .. } => {
                *self.status.lock().unwrap_or_else(|e| e.into_inner()) =
                    Some(crate::process::describe_status(exit_status));
            }
            BuildMessageKind::CompileCommand => {
                if let Some(cmd) = extra.downcast_ref::<cc::CompileCommand>() {
                    let line: Vec<String> = cmd
                        .arguments()
                        .map(|a| escape(&a.to_string_lossy()).into_owned())
                        .collect();
                    *self.command.lock().unwrap_or_else(|e| e.into_inner()) = Some(line.join(" "));
                }
            }
            _ => {}
        }
    }
}

/// The path a compiler error should name for `src`.
pub fn display_source(src: &Path) -> String {
    src.display().to_string()
}
