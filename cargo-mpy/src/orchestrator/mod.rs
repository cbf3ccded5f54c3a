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

mod jobs;
mod record;

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{anyhow, bail, Context, Result};
use mpy_link::{Arch, LinkError};

use crate::compile_c::CompileJob;
use crate::context::{profile, ArchPlan, BuildContext, BuildOptions};
use crate::error::error_with_help;
use crate::fsutil;
use crate::link::{self, Qstrs};
use crate::link_help;
use crate::mpy_cross::MpyCrossJob;
use crate::rust_build;
use crate::shell::Shell;
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
}

/// Builds the package as `options` say, printing cargo-style status lines
/// to `shell`, and returns one [`Built`] per architecture. On failure no
/// output of this build is left behind (old ones included).
pub fn build(options: &BuildOptions, shell: &Shell) -> Result<Vec<Built>> {
    let start = Instant::now();
    let cx = BuildContext::new(options)?;
    let orchestrator = BuildOrchestrator { cx: &cx, shell };
    match orchestrator.run() {
        Ok(built) => {
            orchestrator.report(&built, start);
            Ok(built)
        }
        Err(e) => {
            cx.remove_outputs();
            Err(e)
        }
    }
}

/// The objects and bytecode files of one architecture, in link order.
#[derive(Debug, Clone, Default)]
struct Compiled {
    objects: Vec<PathBuf>,
    bytecode: Vec<PathBuf>,
}

/// The verbs of a build over one [`BuildContext`].
struct BuildOrchestrator<'a> {
    cx: &'a BuildContext,
    shell: &'a Shell,
}

impl<'a> BuildOrchestrator<'a> {
    fn run(&self) -> Result<Vec<Built>> {
        let qstrs = self.scan_qstrs()?;
        let compiled = self.compile()?;
        let rust_libs = self.build_rust()?;
        self.link_all(&qstrs, &compiled, &rust_libs)
    }

    /// Phase 1: the qstr scan of every source and, for C and assembly, the
    /// config header (written only when it changed, so objects stay fresh).
    fn scan_qstrs(&self) -> Result<Vec<Qstrs>> {
        self.cx
            .plans
            .iter()
            .map(|plan| {
                let paths: Vec<&Path> = plan.sources.iter().map(|s| s.abs.as_path()).collect();
                let q = link::scan_qstrs(&paths).context("qstr scan failed")?;
                // Only C and assembly include the header; a Rust-only package needs none.
                let header = &plan.paths.config_h;
                if plan.native_sources().next().is_some()
                    && fsutil::write_if_changed(header, q.header.as_bytes())?
                {
                    self.shell.verbose_status("Generated", header.display());
                }
                Ok(q)
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
                        compiler: &c.compiler.path,
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
    /// every architecture in one pool. Every failure is reported, then the
    /// build stops.
    fn compile(&self) -> Result<Vec<Compiled>> {
        let plans: &'a [ArchPlan] = &self.cx.plans;
        let mut jobs = Vec::new();
        for (i, plan) in plans.iter().enumerate() {
            jobs.extend(self.c_jobs(i, plan)?);
            jobs.extend(self.py_jobs(i, plan)?);
        }
        self.announce(&jobs);
        let results = run_pool(&jobs, self.cx.jobs, |job| {
            if !job.is_fresh() {
                self.shell
                    .verbose_status("Running", format!("`{}`", job.command_line()));
            }
            job.run()
        });
        let mut failed = vec![0usize; plans.len()];
        for (job, result) in jobs.iter().zip(results) {
            let arch = plans[job.plan()].arch.name();
            match result {
                Ok(Some(stderr)) if !stderr.trim().is_empty() => {
                    self.shell.warn(format!(
                        "`{}` [{arch}]: the compiler said:\n{}",
                        job.source().display(),
                        stderr.trim_end()
                    ));
                }
                Ok(_) => {}
                Err(e) => {
                    failed[job.plan()] += 1;
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
        let total: usize = failed.iter().sum();
        if total > 0 {
            let archs: Vec<&str> = plans
                .iter()
                .zip(&failed)
                .filter(|(_, n)| **n > 0)
                .map(|(p, _)| p.arch.name())
                .collect();
            bail!(
                "could not build `{}` for {} due to {} previous error{}",
                self.cx.project.package_name,
                archs.join(", "),
                total,
                if total == 1 { "" } else { "s" }
            );
        }
        Ok(plans
            .iter()
            .map(|plan| Compiled {
                objects: plan
                    .native_sources()
                    .map(|s| plan.paths.object(s))
                    .collect(),
                bytecode: plan.py_sources().map(|s| plan.paths.bytecode(s)).collect(),
            })
            .collect())
    }

    /// `Compiling` for each architecture with work to do, `Fresh` (with
    /// `-v`) for the others.
    fn announce(&self, jobs: &[Job<'_>]) {
        let project = &self.cx.project;
        let stale: Vec<bool> = jobs.iter().map(|j| !j.is_fresh()).collect();
        for (i, plan) in self.cx.plans.iter().enumerate() {
            let arch = plan.arch.name();
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

    /// Phase 3: the package's Rust code as a static library per
    /// architecture (none for a package without Rust code).
    fn build_rust(&self) -> Result<Vec<Option<PathBuf>>> {
        let project = &self.cx.project;
        self.cx
            .plans
            .iter()
            .map(|plan| {
                let Some(target) = plan.rust else {
                    return Ok(None);
                };
                rust_build::build_staticlib(
                    self.shell,
                    &rust_build::RustBuild {
                        manifest: &project.manifest_path,
                        target_dir: &plan.paths.rust_target_dir,
                        arch: plan.arch,
                        target,
                        release: self.cx.release,
                        runtime_patches: &self.cx.runtime_patches,
                        manifest_rustflags: &plan.rustflags,
                    },
                )
                .map(Some)
                .with_context(|| {
                    format!("could not build `{}` for {}", plan.module, plan.arch.name())
                })
            })
            .collect()
    }

    /// Phase 4 for every architecture, one thread each. The first failure
    /// is returned, the others are printed.
    fn link_all(
        &self,
        qstrs: &[Qstrs],
        compiled: &[Compiled],
        rust_libs: &[Option<PathBuf>],
    ) -> Result<Vec<Built>> {
        let plans = &self.cx.plans;
        let results: Vec<Result<Built>> = std::thread::scope(|s| {
            let handles: Vec<_> = plans
                .iter()
                .zip(qstrs)
                .zip(compiled)
                .zip(rust_libs)
                .map(|(((plan, q), c), rust)| {
                    s.spawn(move || self.finish(plan, &q.native, c, rust.as_deref()))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(anyhow!("the link thread panicked")))
                })
                .collect()
        });
        let mut built = Vec::new();
        let mut first_err = None;
        for (plan, r) in plans.iter().zip(results) {
            match r {
                Ok(b) => built.push(b),
                Err(e) => {
                    let e = e.context(format!(
                        "could not link `{}` for {}",
                        plan.module,
                        plan.arch.name()
                    ));
                    if first_err.is_none() {
                        first_err = Some(e);
                    } else {
                        self.shell.print_error(&e);
                    }
                }
            }
        }
        match first_err {
            Some(e) => Err(e),
            None => Ok(built),
        }
    }

    /// Link, merge and write one architecture's module unless its link
    /// record says nothing changed; then deliver the `--out-dir` copy.
    fn finish(
        &self,
        plan: &ArchPlan,
        qstrs: &[String],
        compiled: &Compiled,
        rust_lib: Option<&Path>,
    ) -> Result<Built> {
        let record = LinkRecord::new(plan, qstrs, compiled, rust_lib);
        if !record.is_fresh(plan) {
            self.shell
                .status("Linking", format!("{} [{}]", plan.module, plan.arch.name()));
            fsutil::remove_if_exists(&plan.paths.link_record)?;
            let native = self.link(plan, qstrs, &compiled.objects, rust_lib)?;
            let merged = self.merge(plan, native, &compiled.bytecode)?;
            self.write_output(plan, &merged, &record)?;
        }
        self.deliver(plan)
    }

    /// Links the objects (and the Rust archive) into the native `.mpy`,
    /// which is also kept as `<module>.native.mpy`.
    fn link(
        &self,
        plan: &ArchPlan,
        qstrs: &[String],
        objects: &[PathBuf],
        rust_lib: Option<&Path>,
    ) -> Result<Vec<u8>> {
        let externs = plan.link.externs.as_ref();
        let linked = link::link_native(&link::NativeLink {
            arch: plan.arch,
            qstrs,
            source_name: &plan.source_name,
            arch_flags: plan.link.arch_flags,
            externs: externs.map_or(&[], |e| &e.symbols),
            objects,
            libs: &plan.link.libs,
            rust_lib,
        })
        .map_err(|e| match &e {
            LinkError::Undefined(list) => {
                let symbols: Vec<&str> = list.iter().map(|(_, s)| s.as_str()).collect();
                let help = link_help::help(
                    &symbols,
                    link_help::LinkedWith {
                        arch: plan.arch,
                        runtime_libs: plan.link.runtime_libs.as_deref(),
                        has_libs: plan.link.libs.len()
                            > plan.link.runtime_libs.as_ref().map_or(0, Vec::len),
                        has_externs: externs.is_some(),
                    },
                );
                error_with_help(e, help)
            }
            _ => anyhow::Error::new(e),
        })?;
        for w in &linked.warnings {
            self.shell
                .warn(format!("{} [{}]: {w}", plan.module, plan.arch.name()));
        }
        fsutil::atomic_write(&plan.paths.native_mpy, &linked.mpy)?;
        Ok(linked.mpy)
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
        })
    }

    /// `Finished` and one line per architecture with its size and path.
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
                    "{:<10} {:>7} bytes  {}",
                    b.arch.name(),
                    b.size,
                    shown.display()
                ),
            );
        }
    }
}
