//! The resolved state of one build, split as maturin splits it: the inputs
//! ([`BuildOptions`], the [`Project`]) and one [`ArchPlan`] per
//! architecture, all built once before anything runs. The orchestrator
//! only reads it.

mod plan;
mod project;
mod sources;

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use mpy_link::Arch;

pub(crate) use plan::{profile, ArchPlan, ArtifactPaths, PlanOptions};
pub(crate) use project::{find_manifest, Project};

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
#[derive(Debug, Clone)]
pub(crate) struct BuildContext {
    /// The package.
    pub project: Project,
    /// `--release`.
    pub release: bool,
    /// Parallel compile jobs.
    pub jobs: usize,
    /// One plan per architecture, in the order asked for.
    pub plans: Vec<ArchPlan>,
    /// Architectures `--arch all` left out.
    pub skipped: Vec<SkippedArch>,
}

impl BuildContext {
    /// Loads the project and resolves every plan. When a plan cannot be
    /// made, the outputs the build was expected to write are removed.
    pub(crate) fn new(options: &BuildOptions) -> Result<BuildContext> {
        let cwd = std::env::current_dir().context("cannot read the current directory")?;
        let project = Project::load(
            options.manifest_path.as_deref(),
            options.target_dir.as_deref(),
        )?;
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
            out_dir: options.out_dir.as_ref().map(|d| cwd.join(d)),
            several_archs: archs.len() > 1,
        };
        // Names and paths first, for every architecture: a failure in any
        // plan removes the outputs of all of them.
        let named: Vec<Result<(String, ArtifactPaths)>> = archs
            .iter()
            .map(|&arch| {
                let module = plan::module_name(&project, &project.config.for_arch(arch))?;
                let paths = ArtifactPaths::new(&project, arch, &module, &opts);
                Ok((module, paths))
            })
            .collect();
        let all_paths: Vec<ArtifactPaths> =
            named.iter().flatten().map(|(_, p)| p.clone()).collect();
        let mut plans = Vec::new();
        for (&arch, named) in archs.iter().zip(named) {
            match named.and_then(|(module, paths)| plan::plan_arch(&project, arch, module, paths)) {
                Ok(p) => plans.push(p),
                Err(e) => {
                    all_paths.iter().for_each(ArtifactPaths::remove_outputs);
                    return Err(e.context(format!(
                        "cannot build `{}` for {}",
                        project.package_name,
                        arch.name()
                    )));
                }
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
            plans,
            skipped,
        })
    }

    /// Removes every output of the build (after a failure).
    pub(crate) fn remove_outputs(&self) {
        for plan in &self.plans {
            plan.paths.remove_outputs();
        }
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
        if let Err(m) =
            crate::toolchain::find_mpy_cross(cfg.mpy_cross.as_deref(), &project.manifest_dir)
        {
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
