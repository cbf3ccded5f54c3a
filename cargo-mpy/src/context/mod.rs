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

pub(crate) use plan::{profile, target_mpy_abi, ArchPlan, ArtifactPaths, PlanOptions};
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
    /// Module variants to build (names of `[package.metadata.mpy.variant.*]`
    /// tables; default: all of them).
    pub variants: Vec<String>,
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
    /// `[patch.crates-io]` entries for the Rust build: each runtime crate the package
    /// takes from crates.io, pointed at the runtime cargo-mpy carries.
    pub runtime_patches: Vec<(String, PathBuf)>,
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
        let archs = if options.archs.is_empty() {
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
            out_dir: options.out_dir.as_ref().map(|d| cwd.join(d)),
            several_archs: archs.len() > 1,
            out_layout: project.config.out_layout.clone(),
            mpy_abi: plan::target_mpy_abi(),
            variants: variants.iter().any(Option::is_some),
        };
        // Names and paths first, for every module and architecture: a failure
        // in any plan removes the outputs of all of them.
        let units: Vec<(Option<&str>, Arch)> = variants
            .iter()
            .flat_map(|v| archs.iter().map(move |&a| (v.as_deref(), a)))
            .collect();
        let named: Vec<Result<(String, ArtifactPaths)>> = units
            .iter()
            .map(|&(variant, arch)| {
                let module =
                    plan::module_name(&project, &project.config.for_module(variant, arch))?;
                let paths = ArtifactPaths::new(&project, arch, &module, &opts);
                Ok((module, paths))
            })
            .collect();
        let all_paths: Vec<ArtifactPaths> =
            named.iter().flatten().map(|(_, p)| p.clone()).collect();
        check_distinct_outputs(&all_paths, &units)?;
        let mut plans = Vec::new();
        for (&(variant, arch), named) in units.iter().zip(named) {
            match named
                .and_then(|(module, paths)| plan::plan_arch(&project, arch, variant, module, paths))
            {
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
        let runtime_patches = runtime_patches(&project)?;
        Ok(BuildContext {
            project,
            release: options.release,
            jobs,
            plans,
            runtime_patches,
        })
    }

    /// Removes every output of the build (after a failure).
    pub(crate) fn remove_outputs(&self) {
        for plan in &self.plans {
            plan.paths.remove_outputs();
        }
    }
}

/// The runtime crates the package takes from crates.io, supplied from the runtime
/// cargo-mpy carries (extracted on first use), after checking that the package asks for
/// the version carried.
fn runtime_patches(project: &Project) -> Result<Vec<(String, PathBuf)>> {
    if !project.has_rust || project.registry_runtime.is_empty() {
        return Ok(Vec::new());
    }
    let runtime = crate::runtime::Runtime::extract()?;
    let version = cargo_metadata::semver::Version::parse(&runtime.version)
        .with_context(|| format!("the carried runtime has version `{}`", runtime.version))?;
    project
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
        .collect()
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
/// `{arch}` while building several architectures would).
fn check_distinct_outputs(paths: &[ArtifactPaths], units: &[(Option<&str>, Arch)]) -> Result<()> {
    for (i, a) in paths.iter().enumerate() {
        let Some(copy) = &a.out_copy else { continue };
        if let Some(j) = paths[..i]
            .iter()
            .position(|b| b.out_copy.as_ref() == Some(copy))
        {
            let name = |(v, arch): (Option<&str>, Arch)| match v {
                Some(v) => format!("{v} for {arch}"),
                None => arch.to_string(),
            };
            return Err(crate::error::error_with_help(
                format!(
                    "`{}` would be written for both {} and {}",
                    copy.display(),
                    name(units[j]),
                    name(units[i])
                ),
                "put `{arch}` (and `{module}`) in `out-layout`",
            ));
        }
    }
    Ok(())
}
