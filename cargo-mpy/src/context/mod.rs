//! The resolved state of one build, split as maturin splits it: the inputs
//! ([`BuildOptions`], the [`Project`]) and one [`ArchPlan`] per
//! architecture, all built once before anything runs. The orchestrator
//! only reads it.

mod plan;
mod project;
mod sources;

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use mpy_link::{Arch, MpyAbi};

pub(crate) use plan::{
    module_name as module_name_of, profile, ArchPlan, ArtifactPaths, PlanOptions,
};
pub(crate) use project::{find_manifest, parse_plain_manifest, Project};

/// What to build: `cargo mpy build`'s command line as data. Relative paths
/// are taken from the current directory.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// `Cargo.toml` of the package (default: found from the current
    /// directory upwards).
    pub manifest_path: Option<PathBuf>,
    /// Architectures to build (default: `default-arch` from the manifest,
    /// else x64).
    pub archs: Vec<Arch>,
    /// Build with the release profile.
    pub release: bool,
    /// The `.mpy` ABI to build for (`--mpy-abi`; default: `mpy-abi` from the
    /// manifest, the MicroPython tree's, else 6.3).
    pub mpy_abi: Option<MpyAbi>,
    /// Also write the result to this directory (`<module>.mpy`, or
    /// `<module>_<arch>.mpy` for each of several architectures).
    pub out_dir: Option<PathBuf>,
    /// Number of parallel compile jobs (default: number of CPUs).
    pub jobs: Option<usize>,
    /// cargo's target directory to use instead of the package's.
    pub target_dir: Option<PathBuf>,
    /// `--arch all`: also every architecture not in `archs` whose tools
    /// are installed; the others are skipped (listed with the command that
    /// installs what is missing) instead of failing the build.
    pub all_archs: bool,
    /// The cargo-mpy executable cargo runs rustc through
    /// ([`rustc_wrapper`](crate::rustc_wrapper)), so a Rust module's bytes
    /// do not depend on the checkout directory. Default: this process's
    /// executable when it is cargo-mpy; a program using the library
    /// otherwise builds Rust without the wrapper.
    pub rustc_wrapper: Option<PathBuf>,
}

/// An architecture `--arch all` left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedArch {
    /// The architecture.
    pub arch: Arch,
    /// What is missing.
    pub reason: String,
    /// How to install it.
    pub help: String,
}

/// The project, the options and a plan per architecture.
#[derive(Debug)]
pub(crate) struct BuildContext {
    /// The package.
    pub project: Project,
    /// `--release`.
    pub release: bool,
    /// Parallel compile jobs.
    pub jobs: usize,
    /// The cargo-mpy executable to run rustc through, when there is one.
    pub rustc_wrapper: Option<PathBuf>,
    /// One plan per architecture that could be planned, in the order asked
    /// for.
    pub plans: Vec<ArchPlan>,
    /// Architectures `--arch all` left out.
    pub skipped: Vec<SkippedArch>,
    /// The architectures that could not be planned, and why.
    pub unplanned: Vec<Unplanned>,
}

/// An architecture whose plan could not be made.
#[derive(Debug)]
pub(crate) struct Unplanned {
    /// Its outputs, when its module name is known.
    pub paths: Option<ArtifactPaths>,
    /// Why.
    pub error: anyhow::Error,
}

impl BuildContext {
    /// Resolves a plan for every architecture of `project`. An architecture
    /// that cannot be planned (a missing compiler, a bad source list) does
    /// not stop the others: it is listed in [`unplanned`](Self::unplanned).
    pub(crate) fn new(project: Project, options: &BuildOptions) -> Result<BuildContext> {
        let cwd = std::env::current_dir().context("cannot read the current directory")?;
        let mut skipped = Vec::new();
        let archs = if options.all_archs {
            let mut archs = options.archs.clone();
            for arch in Arch::ALL {
                if archs.contains(&arch) {
                    continue;
                }
                match unavailable(&project, arch) {
                    Some(s) => skipped.push(s),
                    None => archs.push(arch),
                }
            }
            if archs.is_empty() {
                let list: Vec<String> = skipped
                    .iter()
                    .map(|s| format!("{}: {} (install: {})", s.arch.name(), s.reason, s.help))
                    .collect();
                bail!(
                    "no architecture can be built: the tools of every one are missing\n{}",
                    list.join("\n")
                );
            }
            archs
        } else if options.archs.is_empty() {
            project.default_archs()?
        } else {
            options.archs.clone()
        };
        let opts = PlanOptions {
            release: options.release,
            mpy_abi: options.mpy_abi,
            out_dir: options.out_dir.as_ref().map(|d| cwd.join(d)),
            several_archs: archs.len() > 1,
        };
        let mut plans = Vec::new();
        let mut unplanned = Vec::new();
        for arch in archs {
            let module = plan::module_name(&project, &project.config.for_arch(arch));
            let paths = module
                .as_ref()
                .ok()
                .map(|m| ArtifactPaths::new(&project, arch, m, &opts));
            let plan = module.and_then(|module| {
                let paths = ArtifactPaths::new(&project, arch, &module, &opts);
                plan::plan_arch(&project, arch, module, paths, &opts)
            });
            match plan {
                Ok(p) => plans.push(p),
                Err(e) => unplanned.push(Unplanned {
                    paths,
                    error: e.context(format!(
                        "cannot build `{}` for {}",
                        project.package_name,
                        arch.name()
                    )),
                }),
            }
        }
        let jobs = options
            .jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
            .max(1);
        Ok(BuildContext {
            project,
            release: options.release,
            jobs,
            rustc_wrapper: crate::rustc_wrapper::wrapper_exe(options.rustc_wrapper.as_deref()),
            plans,
            skipped,
            unplanned,
        })
    }
}

/// Why `arch` cannot be built here, when a tool it needs is missing: the
/// C compiler (for C and assembly sources, or the runtime libraries),
/// `mpy-cross` (for Python sources), the Rust target (for Rust code).
fn unavailable(project: &Project, arch: Arch) -> Option<SkippedArch> {
    let skip = |reason: String, help: String| Some(SkippedArch { arch, reason, help });
    let cfg = project.config.for_arch(arch);
    let patterns = cfg.sources.clone().unwrap_or_default();
    let is = |ext: &str| patterns.iter().any(|p| p.ends_with(ext));
    let needs_c = is(".c") || is(".S") || is(".s") || cfg.link_runtime.unwrap_or(false);
    if needs_c || (!project.has_rust && !patterns.is_empty()) {
        if let Err(m) = crate::toolchain::find_c_compiler(arch) {
            return skip(m.to_string(), m.install);
        }
    }
    if is(".py") {
        // A tree that cannot be used is the plan's error, not a missing tool.
        let tree = crate::toolchain::find_tree(cfg.mpy_dir.as_deref(), &project.manifest_dir)
            .ok()
            .flatten();
        if let Err(m) = crate::toolchain::find_mpy_cross(
            cfg.mpy_cross.as_deref(),
            &project.manifest_dir,
            tree.as_ref(),
        ) {
            return skip(m.to_string(), m.install);
        }
    }
    if project.has_rust {
        let rust = &crate::toolchain::Toolchain::of(arch).rust;
        if let Some(note) = rust.unsupported {
            return skip(
                format!(
                    "no Rust target for {} in the standard toolchain",
                    arch.name()
                ),
                note.to_string(),
            );
        }
        if crate::rust_build::target_installed(rust.triple) == Some(false) {
            return skip(
                format!("the Rust target `{}` is not installed", rust.triple),
                format!("rustup target add {}", rust.triple),
            );
        }
    }
    None
}
