//! The project: the package's manifest, its `[package.metadata.mpy]` table
//! and cargo's target directory.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use mpy_link::Arch;

use crate::config::{self, MpyConfig};
use crate::error::error_with_help;

/// A package with a `[package.metadata.mpy]` table.
#[derive(Debug, Clone)]
pub(crate) struct Project {
    /// Absolute path of `Cargo.toml`.
    pub manifest_path: PathBuf,
    /// Its directory; compilers run here (dynruntime.mk's `.`).
    pub manifest_dir: PathBuf,
    /// `package.name`.
    pub package_name: String,
    /// `package.version`, when given.
    pub package_version: Option<String>,
    /// cargo's target directory.
    pub target_dir: PathBuf,
    /// The package has Rust code of its own (`src/lib.rs`, `src/main.rs`).
    pub has_rust: bool,
    /// The parsed table.
    pub config: MpyConfig,
    /// The runtime crates (`mpy`, ...) the package takes from crates.io, with the
    /// version each asks for; the build supplies them from the runtime cargo-mpy carries.
    pub registry_runtime: Vec<(String, cargo_metadata::semver::VersionReq)>,
}

/// Finds `Cargo.toml` in `start` or its parents.
pub(crate) fn find_manifest(start: &Path) -> Result<PathBuf> {
    let mut dir = Some(start);
    while let Some(d) = dir {
        let candidate = d.join("Cargo.toml");
        if candidate.is_file() {
            return Ok(candidate);
        }
        dir = d.parent();
    }
    Err(error_with_help(
        format!(
            "could not find `Cargo.toml` in `{}` or any parent directory",
            start.display()
        ),
        "run `cargo mpy new NAME` to create a module, or pass `--manifest-path`",
    ))
}

impl Project {
    /// Loads the project from `manifest_path` (or the one found from the
    /// current directory). `target_dir` replaces cargo's target directory.
    pub(crate) fn load(manifest_path: Option<&Path>, target_dir: Option<&Path>) -> Result<Project> {
        let cwd = std::env::current_dir().context("cannot read the current directory")?;
        let manifest_path = match manifest_path {
            Some(p) => {
                let p = cwd.join(p);
                if !p.is_file() {
                    bail!("manifest path `{}` does not exist", p.display());
                }
                p
            }
            None => find_manifest(&cwd)?,
        };
        let manifest_path = manifest_path
            .canonicalize()
            .with_context(|| format!("cannot resolve `{}`", manifest_path.display()))?;
        let manifest_dir = manifest_path
            .parent()
            .context("manifest has no parent directory")?
            .to_owned();
        let text = fs_err::read_to_string(&manifest_path)?;
        let doc: toml::Table = toml::from_str(&text)
            .with_context(|| format!("failed to parse `{}`", manifest_path.display()))?;
        let has_rust = manifest_dir.join("src/lib.rs").is_file()
            || manifest_dir.join("src/main.rs").is_file()
            || doc.contains_key("lib")
            || doc.contains_key("bin");
        let mut project = if has_rust {
            Self::load_with_cargo_metadata(manifest_path, manifest_dir)?
        } else {
            Self::load_with_toml(manifest_path, manifest_dir, doc)?
        };
        if let Some(dir) = target_dir {
            project.target_dir = std::path::absolute(dir)?;
        }
        Ok(project)
    }

    /// A package without Rust code is not a buildable crate, so `cargo
    /// metadata` refuses it: read the manifest directly.
    fn load_with_toml(
        manifest_path: PathBuf,
        manifest_dir: PathBuf,
        doc: toml::Table,
    ) -> Result<Project> {
        let where_ = manifest_path.display().to_string();
        let (package_name, package_version, config) = parse_plain_manifest(&doc, &where_)?;
        let target_dir = match std::env::var_os("CARGO_TARGET_DIR").filter(|v| !v.is_empty()) {
            Some(dir) => std::path::absolute(PathBuf::from(dir))?,
            None => manifest_dir.join("target"),
        };
        Ok(Project {
            manifest_path,
            manifest_dir,
            package_name,
            package_version,
            target_dir,
            has_rust: false,
            config,
            registry_runtime: Vec::new(),
        })
    }

    fn load_with_cargo_metadata(manifest_path: PathBuf, manifest_dir: PathBuf) -> Result<Project> {
        let where_ = manifest_path.display().to_string();
        let metadata = cargo_metadata::MetadataCommand::new()
            .manifest_path(&manifest_path)
            .no_deps()
            .exec()
            .with_context(|| format!("`cargo metadata` failed for `{where_}`"))?;
        let package = metadata
            .packages
            .iter()
            .find(|p| p.manifest_path.as_std_path() == manifest_path)
            .with_context(|| format!("`cargo metadata` does not list the package of `{where_}`"))?;
        let mpy = package
            .metadata
            .get("mpy")
            .cloned()
            .ok_or_else(|| missing_table(&where_))?;
        let config = MpyConfig::from_json(mpy)
            .with_context(|| format!("invalid `[package.metadata.mpy]` in `{where_}`"))?;
        let registry_runtime = package
            .dependencies
            .iter()
            .filter(|d| d.kind != cargo_metadata::DependencyKind::Development)
            .filter(|d| crate::runtime::CRATES.contains(&d.name.as_str()))
            .filter(|d| d.source.as_ref().is_some_and(|s| s.is_crates_io()))
            .map(|d| (d.name.clone(), d.req.clone()))
            .collect();
        Ok(Project {
            registry_runtime,
            manifest_path,
            manifest_dir,
            package_name: package.name.to_string(),
            package_version: Some(package.version.to_string()),
            target_dir: metadata.target_directory.into_std_path_buf(),
            has_rust: true,
            config,
        })
    }

    /// Where cargo-mpy's builds go, `<target>/mpy`: the directory a build
    /// locks.
    pub(crate) fn build_root(&self) -> PathBuf {
        self.target_dir.join("mpy")
    }

    /// Architectures to build without `--arch`: `default-arch`, else x64.
    pub(crate) fn default_archs(&self) -> Result<Vec<Arch>> {
        match &self.config.default_arch {
            Some(list) => config::parse_arch_list(&list.names())
                .context("invalid `default-arch` in `[package.metadata.mpy]`"),
            None => Ok(vec![Arch::X64]),
        }
    }
}

/// The package's name and version and its `[package.metadata.mpy]` table,
/// from a manifest read as TOML (`where_` names it in errors).
pub(crate) fn parse_plain_manifest(
    doc: &toml::Table,
    where_: &str,
) -> Result<(String, Option<String>, MpyConfig)> {
    let package = doc
        .get("package")
        .and_then(|p| p.as_table())
        .with_context(|| format!("`{where_}` has no `[package]` table"))?;
    let package_name = package
        .get("name")
        .and_then(|n| n.as_str())
        .with_context(|| format!("`{where_}` has no `package.name`"))?
        .to_string();
    let package_version = package
        .get("version")
        .and_then(|v| v.as_str())
        .map(str::to_string);
    let mpy = package
        .get("metadata")
        .and_then(|m| m.get("mpy"))
        .cloned()
        .ok_or_else(|| missing_table(where_))?;
    let config = MpyConfig::from_toml(mpy)
        .with_context(|| format!("invalid `[package.metadata.mpy]` in `{where_}`"))?;
    Ok((package_name, package_version, config))
}

fn missing_table(where_: &str) -> anyhow::Error {
    error_with_help(
        format!("`{where_}` has no `[package.metadata.mpy]` table"),
        "add one, for example:\n\n    [package.metadata.mpy]\n    sources = [\"src/*.c\"]\n",
    )
}
