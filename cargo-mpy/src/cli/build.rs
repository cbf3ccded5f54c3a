//! `cargo mpy build`: qstr scan, compile (in parallel, incrementally),
//! mpy-cross, link, merge, one `.mpy` per architecture.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{anyhow, bail, Context, Result};
use clap::Args;

use crate::compile_c::{CompileJob, Outcome};
use crate::context::{self, ArchPlan, PlanOptions, Project};
use crate::fsutil;
use crate::link;
use crate::mpy_cross::MpyCrossJob;
use crate::shell::{error_with_help, Shell};

/// Build the module for one or more architectures.
#[derive(Debug, Clone, Default, Args)]
pub struct BuildArgs {
    /// Architectures to build (comma-separated or repeated); default:
    /// `default-arch` from the manifest, else x64.
    #[arg(long, value_name = "ARCH", value_delimiter = ',')]
    pub arch: Vec<String>,
    /// Build with the release profile (output under `target/mpy/<arch>/release`).
    #[arg(long, short = 'r')]
    pub release: bool,
    /// Path to `Cargo.toml`.
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
    /// Also write the result to this directory (`<module>.mpy`, or
    /// `<module>_<arch>.mpy` for each of several architectures).
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Number of parallel jobs (default: number of CPUs).
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
}

/// What a build produced, per architecture.
#[derive(Debug, Clone)]
pub struct Built {
    /// Architecture name.
    pub arch: String,
    /// The `.mpy` in the target directory.
    pub output: PathBuf,
    /// The `--out-dir` copy.
    pub out_copy: Option<PathBuf>,
    /// Its size in bytes.
    pub size: u64,
}

enum Job {
    C { plan: usize, job: CompileJob },
    Py { plan: usize, job: MpyCrossJob },
}

impl Job {
    fn plan(&self) -> usize {
        match self {
            Job::C { plan, .. } | Job::Py { plan, .. } => *plan,
        }
    }

    fn is_fresh(&self) -> bool {
        match self {
            Job::C { job, .. } => job.is_fresh(),
            Job::Py { job, .. } => job.is_fresh(),
        }
    }

    fn command_line(&self) -> String {
        match self {
            Job::C { job, .. } => job.command_line(),
            Job::Py { job, .. } => job.command_line(),
        }
    }

    fn source(&self) -> &Path {
        match self {
            Job::C { job, .. } => &job.src,
            Job::Py { job, .. } => &job.src,
        }
    }
}

impl BuildArgs {
    /// Runs the build.
    pub fn run(self, shell: &Shell) -> Result<Vec<Built>> {
        let start = Instant::now();
        let cwd = std::env::current_dir().context("cannot read the current directory")?;
        let project = Project::load(self.manifest_path.as_deref())?;
        let archs = project.archs(&self.arch)?;
        let opts = PlanOptions {
            release: self.release,
            out_dir: self.out_dir.as_ref().map(|d| cwd.join(d)),
            several_archs: archs.len() > 1,
        };

        let mut plans = Vec::new();
        for &arch in &archs {
            match context::plan_arch(&project, arch, &opts) {
                Ok(p) => plans.push(p),
                Err(e) => {
                    remove_expected_outputs(&project, &archs, &opts);
                    return Err(e.context(format!(
                        "cannot build `{}` for {}",
                        project.package_name,
                        arch.name()
                    )));
                }
            }
        }

        // The C compiler runs in the manifest directory, as under make, so
        // that `-I.`, the source paths and the config header path are the
        // ones dynruntime.mk passes. cc does not set a working directory
        // for its commands, hence the process-wide change.
        std::env::set_current_dir(&project.manifest_dir)
            .with_context(|| format!("cannot enter `{}`", project.manifest_dir.display()))?;

        let result = self.build_plans(shell, &project, &plans, start);
        if result.is_err() {
            for plan in &plans {
                let _ = fsutil::remove_if_exists(&plan.output);
                if let Some(c) = &plan.out_copy {
                    let _ = fsutil::remove_if_exists(c);
                }
            }
        }
        result
    }

    fn build_plans(
        &self,
        shell: &Shell,
        project: &Project,
        plans: &[ArchPlan],
        start: Instant,
    ) -> Result<Vec<Built>> {
        // 1. qstr scan and config header, per architecture.
        let mut qstrs = Vec::new();
        for plan in plans {
            let paths: Vec<PathBuf> = plan.sources.iter().map(|s| s.abs.clone()).collect();
            let q = link::scan_qstrs(&paths)?;
            // Only C and assembly include the header; a Rust-only package needs none.
            let needs_header = plan.native_sources().next().is_some();
            if needs_header && fsutil::write_if_changed(&plan.config_h, q.header.as_bytes())? {
                shell.verbose_status("Generated", plan.config_h.display());
            }
            qstrs.push(q);
        }

        // 2. Every compile and mpy-cross job, across architectures.
        let mut jobs = Vec::new();
        for (i, plan) in plans.iter().enumerate() {
            for src in plan.native_sources() {
                let compiler = plan.compiler.as_ref().context("no C compiler")?;
                jobs.push(Job::C {
                    plan: i,
                    job: CompileJob {
                        arch: plan.arch,
                        compiler: compiler.path.clone(),
                        cflags: plan.cflags.clone(),
                        src: src.rel.clone(),
                        cwd: project.manifest_dir.clone(),
                        obj: plan.object_path(src),
                    },
                });
            }
            for src in plan.py_sources() {
                jobs.push(Job::Py {
                    plan: i,
                    job: MpyCrossJob {
                        arch: plan.arch,
                        tool: plan.mpy_cross.clone().context("no mpy-cross")?,
                        src: src.rel.clone(),
                        cwd: project.manifest_dir.clone(),
                        out: plan.bytecode_path(src),
                    },
                });
            }
        }
        let stale: Vec<bool> = jobs.iter().map(|j| !j.is_fresh()).collect();
        for (i, plan) in plans.iter().enumerate() {
            if jobs.iter().zip(&stale).any(|(j, s)| *s && j.plan() == i) {
                shell.status(
                    "Compiling",
                    format!(
                        "{}{} [{}] ({})",
                        plan.module,
                        project
                            .package_version
                            .as_ref()
                            .map(|v| format!(" v{v}"))
                            .unwrap_or_default(),
                        plan.arch.name(),
                        project.manifest_dir.display()
                    ),
                );
            } else {
                shell.verbose_status("Fresh", format!("{} [{}]", plan.module, plan.arch.name()));
            }
        }
        let threads = self
            .jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
            .max(1);
        let results = run_pool(&jobs, threads, |job| {
            if !job.is_fresh() {
                shell.verbose_status("Running", format!("`{}`", job.command_line()));
            }
            match job {
                Job::C { job, .. } => job.run().map(|o| match o {
                    Outcome::Fresh => None,
                    Outcome::Compiled { stderr } => Some(stderr),
                }),
                Job::Py { job, .. } => job.run().map(|_| None),
            }
        });
        let mut failed = vec![0usize; plans.len()];
        for (job, result) in jobs.iter().zip(results) {
            let plan = &plans[job.plan()];
            match result {
                Ok(Some(stderr)) if !stderr.trim().is_empty() => {
                    shell.warn(format!(
                        "`{}` [{}]: the compiler said:\n{}",
                        job.source().display(),
                        plan.arch.name(),
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
                    shell.print_error(&e.context(format!(
                        "could not {what} `{}` for {}",
                        job.source().display(),
                        plan.arch.name()
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
                project.package_name,
                archs.join(", "),
                total,
                if total == 1 { "" } else { "s" }
            );
        }

        // 3. Rust code, one architecture at a time (cargo runs rustc in
        // parallel itself).
        let mut rust_libs: Vec<Option<PathBuf>> = Vec::new();
        for plan in plans {
            let lib = match &plan.rust {
                Some(target) => Some(
                    crate::rust_build::build_staticlib(
                        shell,
                        &project.manifest_path,
                        &plan.rust_target_dir(),
                        plan.arch,
                        target,
                        self.release,
                    )
                    .with_context(|| {
                        format!("could not build `{}` for {}", plan.module, plan.arch.name())
                    })?,
                ),
                None => None,
            };
            rust_libs.push(lib);
        }

        // 4. Link and merge, one thread per architecture.
        let linked: Vec<Result<Built>> = std::thread::scope(|s| {
            let handles: Vec<_> = plans
                .iter()
                .zip(&qstrs)
                .zip(&rust_libs)
                .map(|((plan, q), rust)| {
                    s.spawn(move || link_plan(shell, plan, &q.native, rust.as_deref()))
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
        for (plan, r) in plans.iter().zip(linked) {
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
                        shell.print_error(&e);
                    }
                }
            }
        }
        if let Some(e) = first_err {
            return Err(e);
        }

        let module = plans.first().map(|p| p.module.as_str()).unwrap_or("");
        shell.status(
            "Finished",
            format!(
                "`{}` module `{module}` in {:.2}s",
                context::profile(self.release),
                start.elapsed().as_secs_f64()
            ),
        );
        for b in &built {
            let shown = b.out_copy.as_ref().unwrap_or(&b.output);
            shell.status(
                "",
                format!("{:<10} {:>7} bytes  {}", b.arch, b.size, shown.display()),
            );
        }
        Ok(built)
    }
}

/// Links the objects of `plan`, merges in the bytecode parts and writes the
/// result (unless nothing changed since the last link).
fn link_plan(
    shell: &Shell,
    plan: &ArchPlan,
    qstrs: &[String],
    rust_lib: Option<&Path>,
) -> Result<Built> {
    let objects: Vec<PathBuf> = plan.native_sources().map(|s| plan.object_path(s)).collect();
    let py: Vec<PathBuf> = plan.py_sources().map(|s| plan.bytecode_path(s)).collect();
    // The Rust archive is an input like the objects (its stamp counts).
    let inputs: Vec<PathBuf> = objects
        .iter()
        .cloned()
        .chain(rust_lib.map(Path::to_path_buf))
        .collect();
    let fingerprint = link_fingerprint(plan, qstrs, &inputs, &py);
    let fp_path = plan.build_dir.join(format!("{}.link", plan.module));
    // The output's own stamp is part of the record, so an output that was
    // replaced or touched since (another package with the same module
    // name in a shared target directory) is relinked.
    let fresh = fs_err::read_to_string(&fp_path)
        .is_ok_and(|f| f == format!("{fingerprint}{}\n", stamp(&plan.output)));
    if !fresh {
        shell.status("Linking", format!("{} [{}]", plan.module, plan.arch.name()));
        fsutil::remove_if_exists(&fp_path)?;
        let linked = link::link_native(&link::NativeLink {
            arch: plan.arch,
            qstrs,
            source_name: &plan.source_name,
            arch_flags: plan.arch_flags.as_deref(),
            externs: plan.externs.as_deref(),
            objects: &objects,
            libs: &plan.libs,
            rust_lib,
        })
        .map_err(|e| {
            if e.to_string().contains("undefined symbol") {
                error_with_help(format!("{e:#}"), format!(
                    "if the missing symbols are compiler helpers or maths functions, set `link-runtime = true` (for this architecture only: under `[package.metadata.mpy.arch.{}]`); otherwise add the archive that defines them to `libs`",
                    plan.arch.name()
                ))
            } else {
                e
            }
        })?;
        for w in &linked.warnings {
            shell.warn(format!("{} [{}]: {w}", plan.module, plan.arch.name()));
        }
        let native_path = plan.native_mpy_path();
        fsutil::atomic_write(&native_path, &linked.mpy)?;
        let mut parts = vec![(native_path.display().to_string(), linked.mpy)];
        for p in &py {
            parts.push((p.display().to_string(), fs_err::read(p)?));
        }
        let merged = if parts.len() == 1 {
            parts.pop().map(|(_, d)| d).unwrap_or_default()
        } else {
            shell.verbose_status(
                "Merging",
                format!("{} part(s) into {}", parts.len(), plan.output.display()),
            );
            link::merge(&parts)?
        };
        fsutil::atomic_write(&plan.output, &merged)?;
        fs_err::write(&fp_path, format!("{fingerprint}{}\n", stamp(&plan.output)))?;
    }
    let data = fs_err::read(&plan.output)?;
    if let Some(copy) = &plan.out_copy {
        if fs_err::read(copy).ok().as_deref() != Some(&data[..]) {
            fsutil::atomic_write(copy, &data)?;
        }
    }
    Ok(Built {
        arch: plan.arch.name().to_string(),
        output: plan.output.clone(),
        out_copy: plan.out_copy.clone(),
        size: data.len() as u64,
    })
}

fn link_fingerprint(
    plan: &ArchPlan,
    qstrs: &[String],
    objects: &[PathBuf],
    py: &[PathBuf],
) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "cargo-mpy {}", env!("CARGO_PKG_VERSION"));
    // The linker itself: a rebuilt or reinstalled cargo-mpy (same version, new
    // code) relinks, as cargo recompiles after a compiler change.
    if let Ok(exe) = std::env::current_exe() {
        let _ = writeln!(s, "linker {}", stamp(&exe));
    }
    let _ = writeln!(s, "source-name {}", plan.source_name);
    let _ = writeln!(s, "arch-flags {:?}", plan.arch_flags);
    let _ = writeln!(s, "qstrs {}", qstrs.join(","));
    for p in objects
        .iter()
        .chain(py)
        .chain(&plan.libs)
        .chain(plan.externs.iter())
    {
        let _ = writeln!(s, "{}", stamp(p));
    }
    s
}

/// Removes the outputs a failed build was expected to write, so an old
/// `.mpy` is never mistaken for the result.
fn remove_expected_outputs(project: &Project, archs: &[mpy_link::Arch], opts: &PlanOptions) {
    for &arch in archs {
        let cfg = project.config.for_arch(arch);
        let module = cfg.module.unwrap_or_else(|| project.package_name.clone());
        let dir = project
            .target_dir
            .join("mpy")
            .join(arch.name())
            .join(context::profile(opts.release));
        let _ = fsutil::remove_if_exists(&dir.join(format!("{module}.mpy")));
        if let Some(d) = &opts.out_dir {
            let name = if opts.several_archs {
                format!("{module}_{}.mpy", arch.name())
            } else {
                format!("{module}.mpy")
            };
            let _ = fsutil::remove_if_exists(&d.join(name));
        }
    }
}

/// Runs `f` over `items` on `threads` worker threads; results keep the
/// order of `items`.
fn run_pool<T: Sync, R: Send>(items: &[T], threads: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..threads.min(items.len()) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let r = f(item);
                results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(r);
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|r| r.expect("every job ran"))
        .collect()
}

/// Path, size and modification time of a file, for fingerprints.
fn stamp(p: &Path) -> String {
    fs_err::metadata(p)
        .map(|m| {
            let t = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            format!("{} {} {}", p.display(), m.len(), t)
        })
        .unwrap_or_else(|_| format!("{} missing", p.display()))
}
