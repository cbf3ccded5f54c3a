//! The resolved state of one build, split as maturin splits it: the inputs
//! ([`BuildOptions`], the [`Project`]) and one [`ArchPlan`] per
//! architecture, all built once before anything runs. The orchestrator
//! only reads it.

mod cflags;
mod plan;
mod project;
mod sources;

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use mpy_link::{Arch, MpyAbi};

pub(crate) use plan::{
    module_name as module_name_of, profile, ArchPlan, ArtifactPaths, HelperPlan, PlanOptions,
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
    /// Module variants to build (names of `[package.metadata.mpy.variant.*]`
    /// tables; default: all of them).
    pub variants: Vec<String>,
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
    /// `[patch.crates-io]` entries for the Rust build: each runtime crate the package
    /// takes from crates.io, pointed at the runtime cargo-mpy carries.
    pub runtime_patches: Vec<(String, PathBuf)>,
    /// The directory of the extracted runtime those entries point into
    /// (`None` when nothing is patched): the rustc wrapper names its crates
    /// relative to it, so their bytes do not depend on where the cache is.
    pub carried_runtime: Option<PathBuf>,
}

/// A module and architecture whose plan could not be made.
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
        let variants = select_variants(&project, &options.variants)?;
        if let Some(layout) = &project.config.out_layout {
            plan::check_out_layout(layout)
                .context("invalid `out-layout` in `[package.metadata.mpy]`")?;
        }
        let opts = PlanOptions {
            release: options.release,
            mpy_abi: options.mpy_abi,
            out_dir: options.out_dir.as_ref().map(|d| cwd.join(d)),
            several_archs: archs.len() > 1,
            out_layout: project.config.out_layout.clone(),
            variants: variants.iter().any(Option::is_some),
        };
        // Each module (the package's, or each variant) on each architecture.
        let units: Vec<(Option<&str>, Arch)> = variants
            .iter()
            .flat_map(|v| archs.iter().map(move |&a| (v.as_deref(), a)))
            .collect();
        // Names, the ABI and the paths first, for every unit: outputs must
        // not collide, and a unit that fails later removes its own outputs.
        let mut named = Vec::new();
        for &(variant, arch) in &units {
            let cfg = project.config.for_module(variant, arch);
            let unit = plan::module_name(&project, &cfg).map(|module| {
                let target = cfg.expand_env().and_then(|cfg| {
                    let target = plan::target_abi(&project, &cfg, arch, &opts)?;
                    Ok((cfg, target))
                });
                let abi = plan::abi_for_paths(target.as_ref().ok().map(|t| &t.1), &cfg, &opts);
                let paths = ArtifactPaths::new(&project, arch, &module, abi, &opts);
                (module, target, paths)
            });
            named.push(unit);
        }
        let outputs: Vec<(&ArtifactPaths, (Option<&str>, Arch))> = named
            .iter()
            .zip(&units)
            .filter_map(|(n, u)| n.as_ref().ok().map(|(_, _, p)| (p, *u)))
            .collect();
        check_distinct_outputs(&outputs)?;
        let mut plans = Vec::new();
        let mut unplanned = Vec::new();
        for (&(variant, arch), unit) in units.iter().zip(named) {
            let (paths, plan) = match unit {
                Err(e) => (None, Err(e)),
                Ok((module, target, paths)) => {
                    let plan = target.and_then(|(cfg, target)| {
                        plan::plan_arch(&project, arch, &cfg, module, target, paths.clone())
                    });
                    (Some(paths), plan)
                }
            };
            match plan {
                Ok(p) => plans.push(p),
                Err(e) => unplanned.push(Unplanned {
                    paths,
                    error: e.context(match variant {
                        Some(v) => format!(
                            "cannot build `{}` (variant `{v}`) for {}",
                            project.package_name,
                            arch.name()
                        ),
                        None => format!(
                            "cannot build `{}` for {}",
                            project.package_name,
                            arch.name()
                        ),
                    }),
                }),
            }
        }
        let jobs = options
            .jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
            .max(1);
        let (carried_runtime, runtime_patches) = runtime_patches(&project)?;
        Ok(BuildContext {
            project,
            release: options.release,
            jobs,
            rustc_wrapper: crate::rustc_wrapper::wrapper_exe(options.rustc_wrapper.as_deref()),
            plans,
            skipped,
            unplanned,
            runtime_patches,
            carried_runtime,
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
    let is = |ext: &str| patterns.iter().any(|p| p.path.ends_with(ext));
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

/// A `[patch.crates-io]` entry: a crate name and the directory supplying it.
type Patch = (String, PathBuf);

/// The runtime crates the package takes from crates.io, supplied from the runtime
/// cargo-mpy carries (extracted on first use), after checking that the package asks for
/// the version carried; with the directory of the extracted runtime.
fn runtime_patches(project: &Project) -> Result<(Option<PathBuf>, Vec<Patch>)> {
    if !project.has_rust || project.registry_runtime.is_empty() {
        return Ok((None, Vec::new()));
    }
    let runtime = crate::runtime::Runtime::extract()?;
    let version = cargo_metadata::semver::Version::parse(&runtime.version)
        .with_context(|| format!("the carried runtime has version `{}`", runtime.version))?;
    let patches = project
        .registry_runtime
        .iter()
        .map(|(name, req)| {
            if !req.matches(&version) {
                return Err(crate::error::error_with_help(
                    format!(
                        "`{}` asks for `{name} = \"{req}\"`, but this cargo-mpy carries {name} {version}",
                        project.manifest_path.display()
                    ),
                    format!(
                        "depend on `{name} = \"{version}\"`, or install the cargo-mpy of the runtime version you need, or name the runtime by `path`"
                    ),
                ));
            }
            Ok((name.clone(), runtime.crate_dir(name)))
        })
        .collect::<Result<_>>()?;
    Ok((Some(runtime.dir), patches))
}

/// The variants to build: the ones named (checked), else all; `[None]` for a
/// package without variants.
fn select_variants(project: &Project, names: &[String]) -> Result<Vec<Option<String>>> {
    let table = &project.config.variant;
    if table.is_empty() {
        if let Some(name) = names.first() {
            bail!(
                "`--variant {name}`: `{}` has no `[package.metadata.mpy.variant.*]` tables",
                project.manifest_path.display()
            );
        }
        return Ok(vec![None]);
    }
    if names.is_empty() {
        return Ok(table.keys().cloned().map(Some).collect());
    }
    let mut out = Vec::new();
    for name in names {
        if !table.contains_key(name) {
            bail!(
                "`--variant {name}`: no such variant; the package's variants are {}",
                table
                    .keys()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        if !out.contains(&Some(name.clone())) {
            out.push(Some(name.clone()));
        }
    }
    Ok(out)
}

/// Two modules never write the same `--out-dir` file (an `out-layout` without
/// `{arch}` while building several architectures would). `outputs` are the
/// paths of each unit (variant, architecture) whose module is named.
fn check_distinct_outputs(outputs: &[(&ArtifactPaths, (Option<&str>, Arch))]) -> Result<()> {
    for (i, (a, unit)) in outputs.iter().enumerate() {
        let Some(copy) = &a.out_copy else { continue };
        if let Some((_, other)) = outputs[..i]
            .iter()
            .find(|(b, _)| b.out_copy.as_ref() == Some(copy))
        {
            let name = |(v, arch): (Option<&str>, Arch)| match v {
                Some(v) => format!("{v} for {arch}"),
                None => arch.to_string(),
            };
            return Err(crate::error::error_with_help(
                format!(
                    "`{}` would be written for both {} and {}",
                    copy.display(),
                    name(*other),
                    name(*unit)
                ),
                "put `{arch}` (and `{module}`) in `out-layout`",
            ));
        }
    }
    Ok(())
}
