//! `cargo mpy package`: the files MicroPython's `mip` installs from, one
//! directory per architecture (`DIR/<arch>/package.json` and that
//! architecture's `.mpy`, merged Python parts included), plus
//! `DIR/index.json` listing every architecture, `.mpy` version, file, size
//! and SHA-256. `mip` chooses by `.mpy` version only, so a user installs
//! `BASE_URL/<arch>/package.json` for their board's architecture.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::fsutil;
use crate::orchestrator::{build_report, mpy_version_of};
use crate::shell::Shell;

use super::build::arch_selection;

/// Write a directory `mip` installs from.
#[derive(Debug, Clone, Args)]
pub struct PackageArgs {
    /// Where to write (default: `<target-dir>/mpy/package`).
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// The URL the directory will be served from; package.json files then
    /// name their `.mpy` by full URL and index.json lists each package's
    /// URL. Without it the URLs are relative (mip resolves them against
    /// the package.json it was given).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Architectures (default: `all`, every one whose tools are installed).
    #[arg(long, value_name = "ARCH", value_delimiter = ',')]
    pub arch: Vec<String>,
    /// Path to `Cargo.toml`.
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
    /// Build with the debug profile instead of release.
    #[arg(long)]
    pub debug: bool,
}

impl PackageArgs {
    /// Builds every architecture and writes the directory.
    pub fn run(self, shell: &Shell) -> Result<()> {
        let arch = if self.arch.is_empty() {
            vec!["all".to_string()]
        } else {
            self.arch.clone()
        };
        let (archs, all_archs) = arch_selection(&arch)?;
        let options = crate::BuildOptions {
            manifest_path: self.manifest_path.clone(),
            archs,
            all_archs,
            release: !self.debug,
            ..Default::default()
        };
        let report = build_report(&options, shell)?;
        let project = crate::context::Project::load(self.manifest_path.as_deref(), None)?;
        let cwd = std::env::current_dir()?;
        let out = match &self.out_dir {
            Some(d) => cwd.join(d),
            None => project.target_dir.join("mpy").join("package"),
        };
        let base = self.base_url.as_deref().map(|u| u.trim_end_matches('/'));
        let version = project
            .package_version
            .clone()
            .unwrap_or_else(|| "0.0.0".into());
        let mut entries = Vec::new();
        for b in &report.built {
            let data = fs_err::read(&b.output)?;
            let file = b
                .output
                .file_name()
                .context("module without a file name")?
                .to_string_lossy()
                .into_owned();
            let arch = b.arch.name();
            let dir = out.join(arch);
            fs_err::create_dir_all(&dir)?;
            fsutil::atomic_write(&dir.join(&file), &data)?;
            let src = match base {
                Some(u) => format!("{u}/{arch}/{file}"),
                None => file.clone(),
            };
            let package = json!({
                "urls": [[file, src]],
                "version": version,
            });
            fsutil::atomic_write(
                &dir.join("package.json"),
                format!("{}\n", serde_json::to_string_pretty(&package)?).as_bytes(),
            )?;
            let (v, sub) = mpy_version_of(&data).unwrap_or_default();
            entries.push(json!({
                "arch": arch,
                "mpy_version": format!("{v}.{sub}"),
                "file": format!("{arch}/{file}"),
                "size": data.len(),
                "sha256": hex(&Sha256::digest(&data)),
                "package": match base {
                    Some(u) => format!("{u}/{arch}/package.json"),
                    None => format!("{arch}/package.json"),
                },
            }));
        }
        let index = json!({
            "name": project.package_name,
            "version": version,
            "packages": entries,
        });
        fsutil::atomic_write(
            &out.join("index.json"),
            format!("{}\n", serde_json::to_string_pretty(&index)?).as_bytes(),
        )?;
        shell.status(
            "Packaged",
            format!(
                "{} architecture(s) in `{}`; install on a board with `mip.install(\"{}/<arch>/package.json\")`",
                report.built.len(),
                out.display(),
                base.unwrap_or("BASE_URL")
            ),
        );
        Ok(())
    }
}

/// Lower-case hex.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
