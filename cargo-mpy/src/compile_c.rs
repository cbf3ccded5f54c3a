//! Compiling one C or assembly source: the compiler the toolchain table
//! names, with exactly the plan's flags (dynruntime.mk's), run in the
//! manifest directory so that `-I.`, the source path and the config header
//! path are the ones `make` passes. Each job names its own working
//! directory, so builds in one process (the test suite's) never depend on
//! the process-wide current directory.
//!
//! On an LLVM route ([`CRoute::ViaAssembly`]) a source takes three steps:
//! clang writes assembly (`-S`; `.S` files are preprocessed with `-E`), the
//! text is fixed ([`fix_xtensa_asm`]) and the assembler writes the object.
//! An `.s` file (rustc's assembly) takes the last two.
//!
//! Incremental: each object has a `.cmd` file holding the command that made
//! it and a gcc `-MD` depfile; it is rebuilt when either is missing, the
//! command changed, or any prerequisite (the source, the config header,
//! every included header) is newer than the object.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::fsutil;
use crate::process::ProcessBuilder;
use crate::toolchain::{fix_xtensa_asm, CCompiler, CRoute, LlvmRoute};

/// Bumped whenever the assembly fix changes, so objects made with an older
/// one are rebuilt.
pub(crate) const ASM_FIX_VERSION: u32 = 1;

/// One compile job.
#[derive(Debug, Clone)]
pub(crate) struct CompileJob<'a> {
    /// The compiler.
    pub compiler: &'a CCompiler,
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

    /// The commands that make the object, in order, writing the object to
    /// `obj`, the depfile to `dep` and (on a route through assembly) the
    /// assembly to `asm`; between the first and the second of such a route,
    /// the text is fixed.
    fn commands_to(&self, obj: &Path, dep: &Path, asm: &Path) -> Vec<ProcessBuilder> {
        match &self.compiler.route {
            CRoute::Direct => {
                let mut cmd = ProcessBuilder::new(&self.compiler.path);
                cmd.args(self.cflags)
                    .args(["-MD", "-MF"])
                    .arg(dep)
                    .arg("-o")
                    .arg(obj)
                    .arg("-c")
                    .arg(self.src)
                    .cwd(self.cwd);
                vec![cmd]
            }
            CRoute::ViaAssembly { assembler, llvm } => {
                let mut cmds = Vec::new();
                if !is_plain_assembly(self.src) {
                    let mut cmd = ProcessBuilder::new(&self.compiler.path);
                    cmd.args(llvm.clang_flags())
                        .args(route_cflags(llvm, self.cflags))
                        .args(["-MD", "-MF"])
                        .arg(dep)
                        .arg("-o")
                        .arg(asm);
                    if is_preprocessed_assembly(self.src) {
                        cmd.args(["-E", "-P", "-x", "assembler-with-cpp"]);
                    } else {
                        cmd.arg("-S");
                    }
                    cmd.arg(self.src).cwd(self.cwd);
                    cmds.push(cmd);
                }
                let mut mc = ProcessBuilder::new(assembler);
                mc.args(llvm.asm_flags)
                    .arg("-o")
                    .arg(obj)
                    .arg(asm)
                    .cwd(self.cwd);
                cmds.push(mc);
                cmds
            }
        }
    }

    /// The commands with the final paths (as shown and recorded).
    fn commands(&self) -> Vec<ProcessBuilder> {
        self.commands_to(&self.obj, &self.dep_path(), &self.asm_path())
    }

    /// The assembly an LLVM route writes and fixes, next to the object.
    fn asm_path(&self) -> PathBuf {
        self.obj.with_extension("s")
    }

    /// The command line, as shown with `-v`.
    pub(crate) fn command_line(&self) -> String {
        let lines: Vec<String> = self.commands().iter().map(|c| c.command_line()).collect();
        match self.compiler.route {
            CRoute::Direct => lines.join(" && "),
            CRoute::ViaAssembly { .. } => format!(
                "{} (assembly fixed by cargo-mpy, fix {ASM_FIX_VERSION})",
                lines.join(" && ")
            ),
        }
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
        let mut deps = fsutil::parse_depfile(&dep, self.cwd);
        if is_plain_assembly(self.src) {
            // No preprocessor ran: the source is the only prerequisite.
            deps = vec![self.cwd.join(self.src)];
        }
        !deps.is_empty()
            && deps
                .iter()
                // Strictly older: file times are coarse (a kernel tick), and
                // a source saved in the same tick as the object may be newer.
                .all(|d| fsutil::mtime(d).is_some_and(|t| t < obj_time))
    }

    /// Compiles the source unless the object is fresh. The tools write to
    /// temporary names of this build's own, renamed into place after the
    /// last one succeeds; a failed compile leaves no object and no record.
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
        let tmp_asm = fsutil::temp_path(&self.asm_path())?;
        let result = self
            .run_to(&tmp_obj, &tmp_dep, &tmp_asm)
            .and_then(|stderr| {
                fsutil::rename_into_place(&tmp_dep, &self.dep_path())?;
                fsutil::rename_into_place(&tmp_obj, &self.obj)?;
                fsutil::atomic_write(&self.cmd_path(), self.fingerprint().as_bytes())?;
                Ok(stderr)
            });
        let _ = fsutil::remove_if_exists(&tmp_asm);
        match result {
            Ok(stderr) => Ok(Outcome::Compiled { stderr }),
            Err(e) => {
                let _ = fsutil::remove_if_exists(&tmp_obj);
                let _ = fsutil::remove_if_exists(&tmp_dep);
                let _ = fsutil::remove_if_exists(&self.obj);
                Err(e)
            }
        }
    }

    /// Runs the commands writing to `obj`, `dep` and `asm`; what the tools
    /// printed on stderr.
    fn run_to(&self, obj: &Path, dep: &Path, asm: &Path) -> Result<String> {
        let mut stderr = String::new();
        let commands = self.commands_to(obj, dep, asm);
        let via_asm = matches!(self.compiler.route, CRoute::ViaAssembly { .. });
        let (assemble, compile) = match commands.split_last() {
            Some((last, rest)) if via_asm => (Some(last), rest),
            _ => (None, &commands[..]),
        };
        for cmd in compile {
            let out = cmd.output()?;
            stderr.push_str(&String::from_utf8_lossy(&out.stderr));
        }
        if let Some(assemble) = assemble {
            let input = if is_plain_assembly(self.src) {
                self.cwd.join(self.src)
            } else {
                asm.to_path_buf()
            };
            let text = fs_err::read_to_string(&input)?;
            fs_err::write(asm, fix_xtensa_asm(&text))?;
            let out = assemble.output()?;
            stderr.push_str(&String::from_utf8_lossy(&out.stderr));
            if is_plain_assembly(self.src) {
                // Freshness needs a depfile; the source is all it depends on.
                fs_err::write(
                    dep,
                    format!("{}: {}\n", self.obj.display(), self.src.display()),
                )?;
            }
        }
        Ok(stderr)
    }
}

/// A `.s` file: assembly that needs no preprocessor.
fn is_plain_assembly(src: &Path) -> bool {
    src.extension().is_some_and(|e| e == "s")
}

/// A `.S` file: assembly through the C preprocessor.
fn is_preprocessed_assembly(src: &Path) -> bool {
    src.extension().is_some_and(|e| e == "S")
}

/// The module's C flags without those the route refuses.
fn route_cflags<'f>(
    llvm: &'static LlvmRoute,
    cflags: &'f [String],
) -> impl Iterator<Item = &'f String> {
    cflags
        .iter()
        .filter(move |f| !llvm.drop_cflags.contains(&f.as_str()))
}

impl CCompiler {
    /// Compiles one source to `obj` with `cflags` (and, on an LLVM route,
    /// the route's flags first), in `cwd`, whatever the object's age. For
    /// sources outside a module build: the runtime helper library, test
    /// programs.
    pub fn compile(&self, cflags: &[String], src: &Path, obj: &Path, cwd: &Path) -> Result<()> {
        let job = CompileJob {
            compiler: self,
            cflags,
            src,
            cwd,
            obj: obj.to_path_buf(),
        };
        fsutil::remove_if_exists(&job.cmd_path())?;
        job.run()
            .with_context(|| format!("could not compile `{}`", src.display()))?;
        Ok(())
    }
}
