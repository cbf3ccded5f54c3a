//! The build, one method per phase (maturin's `BuildOrchestrator`), each
//! taking what the previous one produced:
//!
//! 1. [`scan_qstrs`](BuildOrchestrator::scan_qstrs): the qstr scan and the
//!    config header, per architecture;
//! 2. [`compile`](BuildOrchestrator::compile): every C/assembly compile and
//!    every `mpy-cross` run of every architecture, in one pool of workers
//!    (they are independent), each skipped when its output is fresh;
//! 3. [`build_rust`](BuildOrchestrator::build_rust): the package's Rust
//!    code, one architecture at a time (cargo runs rustc in parallel itself);
//! 4. per architecture on its own thread, unless nothing changed since the
//!    last time: [`link`](BuildOrchestrator::link),
//!    [`merge`](BuildOrchestrator::merge) and
//!    [`write_output`](BuildOrchestrator::write_output); then the `--out-dir`
//!    copy ([`deliver`](BuildOrchestrator::deliver)).
//!
//! Everything it needs was resolved before it starts ([`BuildContext`]).
//!
//! Architectures are independent: one that fails (in its plan or in any
//! phase) stops only itself; the others are built, and the failed one's
//! outputs are removed ([`ArtifactPaths::remove_failed_outputs`]). A build
//! holds the lock of its target directory's build directory from before
//! the plans until its last output is written ([`BuildLock`]).

mod jobs;
mod record;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use mpy_link::qstr::ConfigHeaderForm;
use mpy_link::{Arch, LinkError, MpyAbi};

use crate::compile_c::CompileJob;
use crate::context::{
    profile, ArchPlan, BuildContext, BuildOptions, HelperPlan, Project, SkippedArch,
};
use crate::diagnostics;
use crate::error::error_with_help;
use crate::fsutil;
use crate::link::{self, Qstrs};
use crate::link_help;
use crate::lock::BuildLock;
use crate::mpy_cross::MpyCrossJob;
use crate::rust_build::{self, RustArtifact};
use crate::shell::Shell;
use crate::toolchain;
use jobs::{run_pool, Job};
use record::LinkRecord;

/// What a build produced for one architecture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Built {
    /// The architecture.
    pub arch: Arch,
    /// The `.mpy` in the target directory.
    pub output: PathBuf,
    /// The `--out-dir` copy.
    pub out_copy: Option<PathBuf>,
    /// Its size in bytes.
    pub size: u64,
    /// Time spent on this architecture: its compiles, its Rust build and
    /// its link (they overlap with other architectures' work).
    pub time: Duration,
}

/// What a build produced: the modules, and the architectures left out
/// because their tools are not installed (`--arch all`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildReport {
    /// One entry per architecture built.
    pub built: Vec<Built>,
    /// Architectures not built, with the reason and the install command.
    pub skipped: Vec<SkippedArch>,
}

/// Builds the package as `options` say, printing cargo-style status lines
/// to `shell`, and returns one [`Built`] per architecture. An architecture
/// that fails leaves no output behind (its old ones included) and does not
/// stop the others; the build then returns an error (the last one, after
/// printing the others).
pub fn build(options: &BuildOptions, shell: &Shell) -> Result<Vec<Built>> {
    build_report(options, shell).map(|r| r.built)
}

/// [`build`], also returning the architectures `--arch all` left out (and
/// printing JSON messages when the shell has them on).
pub fn build_report(options: &BuildOptions, shell: &Shell) -> Result<BuildReport> {
    let start = Instant::now();
    let project = Project::load(
        options.manifest_path.as_deref(),
        options.target_dir.as_deref(),
    )?;
    let _lock = BuildLock::acquire(&project.build_root(), shell)?;
    let mut cx = BuildContext::new(project, options)?;
    let unplanned = std::mem::take(&mut cx.unplanned);
    for s in &cx.skipped {
        shell.json(&serde_json::json!({
            "reason": "arch-skipped",
            "arch": s.arch.name(),
            "message": s.reason,
            "help": s.help,
        }));
    }
    let orchestrator = BuildOrchestrator {
        cx: &cx,
        shell,
        times: Mutex::new(vec![Duration::ZERO; cx.plans.len()]),
    };
    let results = orchestrator.run();
    // Planning errors first, then the phases', in the order asked for.
    let mut errors = Vec::new();
    for u in unplanned {
        if let Some(paths) = &u.paths {
            paths.remove_failed_outputs();
        }
        errors.push(u.error);
    }
    let mut built = Vec::new();
    for (plan, result) in cx.plans.iter().zip(results) {
        match result {
            Ok(b) => built.push(b),
            Err(e) => {
                plan.paths.remove_failed_outputs();
                errors.push(e);
            }
        }
    }
    let Some(last) = errors.pop() else {
        orchestrator.report(&built, start);
        return Ok(BuildReport {
            built,
            skipped: cx.skipped.clone(),
        });
    };
    for e in &errors {
        shell.print_error(e);
    }
    if !built.is_empty() {
        let list: Vec<String> = built
            .iter()
            .map(|b| {
                let shown = b.out_copy.as_ref().unwrap_or(&b.output);
                format!("{} (`{}`)", b.arch.name(), shown.display())
            })
            .collect();
        shell.note(format!("built for {}", list.join(", ")));
    }
    Err(last)
}

/// The objects and bytecode files of one architecture, in link order.
#[derive(Debug, Clone, Default)]
struct Compiled {
    objects: Vec<PathBuf>,
    bytecode: Vec<PathBuf>,
}

/// What the phases before the link made for one architecture.
#[derive(Debug)]
struct Ready {
    qstrs: Qstrs,
    compiled: Compiled,
    rust_lib: Option<RustArtifact>,
}

/// The verbs of a build over one [`BuildContext`].
struct BuildOrchestrator<'a> {
    cx: &'a BuildContext,
    shell: &'a Shell,
    /// Time spent per plan, for the summary.
    times: Mutex<Vec<Duration>>,
}

impl<'a> BuildOrchestrator<'a> {
    /// Adds `d` to the time of plan `i`.
    fn add_time(&self, i: usize, d: Duration) {
        if let Some(t) = self
            .times
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_mut(i)
        {
            *t += d;
        }
    }

    fn time_of(&self, i: usize) -> Duration {
        self.times
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(i)
            .copied()
            .unwrap_or_default()
    }

    /// Every phase; one result per plan. A plan that fails in a phase skips
    /// the later ones.
    fn run(&self) -> Vec<Result<Built>> {
        let qstrs = self.scan_qstrs();
        let compiled = self.compile(qstrs);
        let ready = self.build_rust(compiled);
        self.link_all(ready)
    }

    /// Phase 1: the qstr scan of every source and, for C and assembly, the
    /// config header and the header cargo-mpy ships when there is no
    /// MicroPython tree (each written only when it changed, so objects stay
    /// fresh).
    fn scan_qstrs(&self) -> Vec<Result<Qstrs>> {
        // The shipped header's directories written so far (plans share one).
        let mut bundled: Vec<&Path> = Vec::new();
        self.cx
            .plans
            .iter()
            .map(|plan| -> Result<Qstrs> {
                let paths: Vec<&Path> = plan.sources.iter().map(|s| s.abs.as_path()).collect();
                let form = plan
                    .c
                    .as_ref()
                    .map_or(ConfigHeaderForm::Current, |c| c.config_form);
                let q = link::scan_qstrs(&paths, form).context("qstr scan failed")?;
                // Only C and assembly include the header; a Rust-only package needs none.
                let header = &plan.paths.config_h;
                if plan.native_sources().next().is_some() {
                    if fsutil::write_if_changed(header, q.header.as_bytes())? {
                        self.shell.verbose_status("Generated", header.display());
                    }
                    let shipped = plan.c.as_ref().and_then(|c| c.bundled_include.as_deref());
                    if let Some(dir) = shipped.filter(|d| !bundled.contains(d)) {
                        if toolchain::write_bundled(dir)? {
                            self.shell.verbose_status("Generated", dir.display());
                        }
                        bundled.push(dir);
                    }
                }
                Ok(q)
            })
            .zip(&self.cx.plans)
            .map(|(r, plan)| {
                r.with_context(|| {
                    format!("could not build `{}` for {}", plan.module, plan.arch.name())
                })
            })
            .collect()
    }

    /// The compile jobs of `plan`: every C and assembly source.
    fn c_jobs(&self, i: usize, plan: &'a ArchPlan) -> Result<Vec<Job<'a>>> {
        let dir: &'a Path = &self.cx.project.manifest_dir;
        plan.native_sources()
            .map(|src| {
                let c = plan.c.as_ref().context("no C compiler")?;
                Ok(Job::C {
                    plan: i,
                    job: CompileJob {
                        compiler: &c.compiler,
                        cflags: &c.cflags,
                        src: &src.rel,
                        cwd: dir,
                        obj: plan.paths.object(src),
                    },
                })
            })
            .collect()
    }

    /// The `mpy-cross` jobs of `plan`: every `.py` source.
    fn py_jobs(&self, i: usize, plan: &'a ArchPlan) -> Result<Vec<Job<'a>>> {
        let dir: &'a Path = &self.cx.project.manifest_dir;
        plan.py_sources()
            .map(|src| {
                Ok(Job::Py {
                    plan: i,
                    job: MpyCrossJob {
                        arch: plan.arch,
                        abi: plan.abi,
                        tool: plan.mpy_cross.as_deref().context("no mpy-cross")?,
                        flags: &plan.mpy_cross_flags,
                        file_flags: &src.mpy_cross_flags,
                        src: &src.rel,
                        cwd: dir,
                        out: plan.paths.bytecode(src),
                    },
                })
            })
            .collect()
    }

    /// Phase 2: compiles C and assembly, and Python with `mpy-cross`, for
    /// every architecture still going, in one pool. Every failure is
    /// reported; an architecture with one stops there.
    fn compile(&self, qstrs: Vec<Result<Qstrs>>) -> Vec<Result<(Qstrs, Compiled)>> {
        let plans: &'a [ArchPlan] = &self.cx.plans;
        let mut jobs = Vec::new();
        let mut qstrs: Vec<Result<Qstrs>> = qstrs;
        let mut asked = Vec::new();
        for (i, plan) in plans.iter().enumerate() {
            if qstrs[i].is_err() {
                continue;
            }
            let planned = self.c_jobs(i, plan).and_then(|c| {
                let py = self.py_jobs(i, plan)?;
                self.check_mpy_cross(&py, &mut asked).with_context(|| {
                    format!("could not build `{}` for {}", plan.module, plan.arch.name())
                })?;
                Ok((c, py))
            });
            match planned {
                Ok((c, py)) => {
                    jobs.extend(c);
                    jobs.extend(py);
                }
                Err(e) => qstrs[i] = Err(e),
            }
        }
        self.announce(&jobs);
        let results = run_pool(&jobs, self.cx.jobs, |job| {
            if !job.is_fresh() {
                self.shell
                    .verbose_status("Running", format!("`{}`", job.command_line()));
            }
            let start = Instant::now();
            let r = job.run();
            self.add_time(job.plan(), start.elapsed());
            r
        });
        let mut failed = vec![0usize; plans.len()];
        for (job, result) in jobs.iter().zip(results) {
            let arch = plans[job.plan()].arch.name();
            match result {
                Ok(Some(stderr)) if !stderr.trim().is_empty() => {
                    self.json_diagnostics(job, &stderr);
                    self.shell.warn(format!(
                        "`{}` [{arch}]: the compiler said:\n{}",
                        job.source().display(),
                        stderr.trim_end()
                    ));
                }
                Ok(_) => {}
                Err(e) => {
                    failed[job.plan()] += 1;
                    if let Some(p) = e.downcast_ref::<crate::process::ProcessError>() {
                        self.json_diagnostics(job, &format!("{}\n{}", p.stdout, p.stderr));
                    }
                    let what = match job {
                        Job::C { .. } => "compile",
                        Job::Py { .. } => "compile (mpy-cross)",
                    };
                    self.shell.print_error(&e.context(format!(
                        "could not {what} `{}` for {arch}",
                        job.source().display(),
                    )));
                }
            }
        }
        plans
            .iter()
            .zip(qstrs)
            .zip(failed)
            .map(|((plan, q), failed)| {
                let q = q?;
                if failed > 0 {
                    bail!(
                        "could not build `{}` for {} due to {} previous error{}",
                        self.cx.project.package_name,
                        plan.arch.name(),
                        failed,
                        if failed == 1 { "" } else { "s" }
                    );
                }
                let compiled = Compiled {
                    objects: plan
                        .native_sources()
                        .map(|s| plan.paths.object(s))
                        .collect(),
                    bytecode: plan.py_sources().map(|s| plan.paths.bytecode(s)).collect(),
                };
                Ok((q, compiled))
            })
            .collect()
    }

    /// With JSON messages on, the compiler's diagnostics with their places.
    fn json_diagnostics(&self, job: &Job<'_>, output: &str) {
        if !self.shell.json_messages() {
            return;
        }
        let arch = self.cx.plans[job.plan()].arch;
        let diags = match job {
            Job::C { .. } => diagnostics::parse_gcc(output, arch),
            Job::Py { .. } => diagnostics::parse_mpy_cross(output, job.source(), arch),
        };
        for d in &diags {
            self.shell.diagnostic(d);
        }
    }

    /// Checks that each `mpy-cross` of `jobs` with work to do writes the
    /// `.mpy` ABI of the module it compiles for. Each tool is asked
    /// (`--version`) once per build: `asked` holds the answers so far.
    fn check_mpy_cross(
        &self,
        jobs: &[Job<'a>],
        asked: &mut Vec<(&'a Path, Option<MpyAbi>)>,
    ) -> Result<()> {
        for job in jobs {
            let Job::Py { job, .. } = job else {
                continue;
            };
            if job.is_fresh() {
                continue;
            }
            let found = match asked.iter().find(|(tool, _)| *tool == job.tool) {
                Some(&(_, found)) => found,
                None => {
                    let found = toolchain::mpy_cross_abi(job.tool);
                    asked.push((job.tool, found));
                    found
                }
            };
            crate::mpy_cross::check_tool_abi(job.tool, job.abi, found)?;
        }
        Ok(())
    }

    /// `Compiling` for each architecture with work to do, `Fresh` (with
    /// `-v`) for the others.
    fn announce(&self, jobs: &[Job<'_>]) {
        let project = &self.cx.project;
        let stale: Vec<bool> = jobs.iter().map(|j| !j.is_fresh()).collect();
        for (i, plan) in self.cx.plans.iter().enumerate() {
            let arch = plan.label();
            if jobs.iter().zip(&stale).any(|(j, s)| *s && j.plan() == i) {
                let version = project
                    .package_version
                    .as_ref()
                    .map(|v| format!(" v{v}"))
                    .unwrap_or_default();
                self.shell.status(
                    "Compiling",
                    format!(
                        "{}{version} [{arch}] ({})",
                        plan.module,
                        project.manifest_dir.display()
                    ),
                );
            } else {
                self.shell
                    .verbose_status("Fresh", format!("{} [{arch}]", plan.module));
            }
        }
    }

    /// Phase 3: the package's Rust code as a static library (or, on the
    /// ESP32's nightly route, one object) per architecture still going;
    /// none for a package without Rust code.
    fn build_rust(&self, compiled: Vec<Result<(Qstrs, Compiled)>>) -> Vec<Result<Ready>> {
        let project = &self.cx.project;
        self.cx
            .plans
            .iter()
            .zip(compiled)
            .enumerate()
            .map(|(i, (plan, c))| {
                let (qstrs, compiled) = c?;
                let start = Instant::now();
                let rust_lib = match &plan.rust {
                    None => Ok(None),
                    Some(rust) => rust_build::build(&rust_build::RustJob {
                        shell: self.shell,
                        manifest: &project.manifest_path,
                        package: &project.package_name,
                        target_dir: &plan.paths.rust_target_dir,
                        arch: plan.arch,
                        target: rust.target,
                        route: &rust.route,
                        release: self.cx.release,
                        rustc_wrapper: self.cx.rustc_wrapper.as_deref(),
                        abi: plan.abi,
                        runtime_patches: &self.cx.runtime_patches,
                        carried_runtime: self.cx.carried_runtime.as_deref(),
                        manifest_rustflags: &plan.rustflags,
                    })
                    .map(Some)
                    .with_context(|| {
                        format!("could not build `{}` for {}", plan.module, plan.arch.name())
                    }),
                };
                self.add_time(i, start.elapsed());
                let rust_lib = rust_lib?;
                Ok(Ready {
                    qstrs,
                    compiled,
                    rust_lib,
                })
            })
            .collect()
    }

    /// Phase 4 for every architecture still going, one thread each.
    fn link_all(&self, ready: Vec<Result<Ready>>) -> Vec<Result<Built>> {
        let plans = &self.cx.plans;
        std::thread::scope(|s| {
            let handles: Vec<_> = plans
                .iter()
                .zip(ready)
                .enumerate()
                .map(|(i, (plan, r))| {
                    s.spawn(move || {
                        let r = r?;
                        let start = Instant::now();
                        let b = self
                            .finish(plan, &r.qstrs, &r.compiled, r.rust_lib.as_ref())
                            .with_context(|| {
                                format!("could not link `{}` for {}", plan.module, plan.arch.name())
                            });
                        self.add_time(i, start.elapsed());
                        b.map(|b| Built {
                            time: self.time_of(i),
                            ..b
                        })
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(anyhow!("the link thread panicked")))
                })
                .collect()
        })
    }

    /// Link, merge and write one architecture's module unless its link
    /// record says nothing changed; then deliver the `--out-dir` copy.
    fn finish(
        &self,
        plan: &ArchPlan,
        qstrs: &Qstrs,
        compiled: &Compiled,
        rust_lib: Option<&RustArtifact>,
    ) -> Result<Built> {
        let record = LinkRecord::new(plan, qstrs, compiled, rust_lib);
        if !record.is_fresh(plan) {
            self.shell
                .status("Linking", format!("{} [{}]", plan.module, plan.label()));
            fsutil::remove_if_exists(&plan.paths.link_record)?;
            let native = self.link(plan, qstrs, &compiled.objects, rust_lib)?;
            let merged = self.merge(plan, native, &compiled.bytecode)?;
            self.write_output(plan, &merged, &record)?;
        }
        self.deliver(plan)
    }

    /// Links the objects (and the Rust archive) into the native `.mpy`,
    /// which is also kept as `<module>.native.mpy`. On Xtensa the runtime
    /// helper library is linked too: always with `link-runtime`, otherwise
    /// built and linked only when the first link finds symbols undefined
    /// that it defines.
    fn link(
        &self,
        plan: &ArchPlan,
        qstrs: &Qstrs,
        objects: &[PathBuf],
        rust_lib: Option<&RustArtifact>,
    ) -> Result<Vec<u8>> {
        let helpers = plan.helpers.as_ref();
        let mut helper_lib = match helpers {
            Some(h) if h.always => Some(self.helper_archive(plan, h)?),
            _ => None,
        };
        let mut result = self.link_with(plan, qstrs, objects, rust_lib, helper_lib.as_deref());
        if let (Err(LinkError::Undefined(missing)), Some(h), None) = (&result, helpers, &helper_lib)
        {
            if missing.iter().any(|(_, sym)| crate::helpers::defines(sym)) {
                let lib = self.helper_archive(plan, h)?;
                result = self.link_with(plan, qstrs, objects, rust_lib, Some(&lib));
                helper_lib = Some(lib);
            }
        }
        let externs = plan.link.externs.as_ref();
        let linked = result.map_err(|e| match &e {
            LinkError::Undefined(list) => {
                let symbols: Vec<&str> = list.iter().map(|(_, s)| s.as_str()).collect();
                let help = link_help::help(
                    &symbols,
                    link_help::LinkedWith {
                        arch: plan.arch,
                        runtime_libs: plan.link.runtime.as_deref(),
                        has_libs: !plan.link.libs.is_empty(),
                        has_externs: externs.is_some(),
                    },
                );
                error_with_help(e, help)
            }
            _ => anyhow::Error::new(e),
        })?;
        if let Some(lib) = &helper_lib {
            self.shell
                .verbose_status("Linked", format!("the runtime helpers {}", lib.display()));
        }
        for w in &linked.warnings {
            self.shell
                .warn(format!("{} [{}]: {w}", plan.module, plan.arch.name()));
        }
        fsutil::atomic_write(&plan.paths.native_mpy, &linked.mpy)?;
        Ok(linked.mpy)
    }

    /// One link, with the helper library `helpers` among the archives.
    fn link_with(
        &self,
        plan: &ArchPlan,
        qstrs: &Qstrs,
        objects: &[PathBuf],
        rust_lib: Option<&RustArtifact>,
        helpers: Option<&Path>,
    ) -> Result<link::Linked, LinkError> {
        let externs = plan.link.externs.as_ref();
        let place = plan.helpers.as_ref().map(|h| h.place);
        let libs = plan.link.archives(helpers.zip(place));
        link::link_native(&link::NativeLink {
            arch: plan.arch,
            abi: plan.abi,
            qstrs: &qstrs.native,
            qstr_objects: &qstrs.objects,
            source_name: &plan.source_name,
            arch_flags: plan.link.arch_flags,
            externs: externs.map_or(&[], |e| &e.symbols),
            objects,
            libs: &libs,
            rust: rust_lib,
        })
    }

    /// The helper library's archive, built unless a build of the same
    /// sources, flags and compiler is cached.
    fn helper_archive(&self, plan: &ArchPlan, h: &HelperPlan) -> Result<PathBuf> {
        if !plan.helpers_archive_path().is_some_and(|p| p.is_file()) {
            self.shell.status(
                "Compiling",
                format!(
                    "runtime helpers [{}] ({})",
                    plan.arch.name(),
                    h.compiler.name
                ),
            );
        }
        crate::helpers::archive(plan.arch, &h.compiler, &h.cache_dir)
    }

    /// Merges the native part and the bytecode parts, in that order; a
    /// module without `.py` sources is the native part alone.
    fn merge(&self, plan: &ArchPlan, native: Vec<u8>, bytecode: &[PathBuf]) -> Result<Vec<u8>> {
        if bytecode.is_empty() {
            return Ok(native);
        }
        let mut parts = vec![(plan.paths.native_mpy.display().to_string(), native)];
        for p in bytecode {
            parts.push((p.display().to_string(), fs_err::read(p)?));
        }
        self.shell.verbose_status(
            "Merging",
            format!(
                "{} part(s) into {}",
                parts.len(),
                plan.paths.output.display()
            ),
        );
        link::merge(&parts)
    }

    /// Writes the module and then its link record.
    fn write_output(&self, plan: &ArchPlan, data: &[u8], record: &LinkRecord) -> Result<()> {
        fsutil::atomic_write(&plan.paths.output, data)?;
        record.write(plan)
    }

    /// The `--out-dir` copy (rewritten only when it differs) and the size.
    fn deliver(&self, plan: &ArchPlan) -> Result<Built> {
        let data = fs_err::read(&plan.paths.output)?;
        if let Some(copy) = &plan.paths.out_copy {
            if fs_err::read(copy).ok().as_deref() != Some(&data[..]) {
                fsutil::atomic_write(copy, &data)?;
            }
        }
        Ok(Built {
            arch: plan.arch,
            output: plan.paths.output.clone(),
            out_copy: plan.paths.out_copy.clone(),
            size: data.len() as u64,
            time: Duration::ZERO,
        })
    }

    /// `Finished`, then the summary table: one row per architecture with
    /// its size, time and path, and one per skipped architecture with the
    /// reason and the install command. With JSON messages on, one
    /// `mpy-artifact` object per module and a `build-finished` object.
    fn report(&self, built: &[Built], start: Instant) {
        let module = self
            .cx
            .plans
            .first()
            .map(|p| p.module.as_str())
            .unwrap_or("");
        self.shell.status(
            "Finished",
            format!(
                "`{}` module `{module}` in {:.2}s",
                profile(self.cx.release),
                start.elapsed().as_secs_f64()
            ),
        );
        for b in built {
            let shown = b.out_copy.as_ref().unwrap_or(&b.output);
            self.shell.status(
                "",
                format!(
                    "{:<10} {:>7} bytes {:>7.2}s  {}",
                    b.arch.name(),
                    b.size,
                    b.time.as_secs_f64(),
                    shown.display()
                ),
            );
            let version = fs_err::read(&b.output)
                .ok()
                .and_then(|d| mpy_version_of(&d))
                .map(|(v, s)| format!("{v}.{s}"));
            self.shell.json(&serde_json::json!({
                "reason": "mpy-artifact",
                "package": self.cx.project.package_name,
                "module": module,
                "arch": b.arch.name(),
                "profile": profile(self.cx.release),
                "path": b.output,
                "out_copy": b.out_copy,
                "size": b.size,
                "mpy_version": version,
                "time_ms": b.time.as_millis() as u64,
            }));
        }
        for s in &self.cx.skipped {
            self.shell.status(
                "",
                format!(
                    "{:<10} skipped: {} (install: {})",
                    s.arch.name(),
                    s.reason,
                    s.help
                ),
            );
        }
        self.shell
            .json(&serde_json::json!({"reason": "build-finished", "success": true}));
    }
}

/// The `.mpy` version and sub-version in a file's header (`None` when it is
/// not a native `.mpy`).
pub(crate) fn mpy_version_of(data: &[u8]) -> Option<(u8, u8)> {
    match data {
        [b'M', version, feature, ..] => Some((*version, feature & 3)),
        _ => None,
    }
}
