//! `cargo mpy build`: the command line, turned into [`BuildOptions`] for
//! the library's [`build`](crate::build).

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use mpy_link::Arch;

use crate::config;
use crate::context::BuildOptions;
use crate::orchestrator::{self, Built};
use crate::shell::Shell;

/// How `build` reports to programs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum MessageFormat {
    /// Status lines for people, on stderr.
    #[default]
    Human,
    /// Also one JSON object per line on stdout: `mpy-artifact` (path,
    /// size, `.mpy` version), `arch-skipped`, `compiler-message` (level,
    /// message, file, line) and `build-finished`.
    Json,
}

/// Build the module for one or more architectures.
#[derive(Debug, Clone, Default, Args)]
pub struct BuildArgs {
    /// Architectures to build (comma-separated or repeated); `all` builds
    /// every architecture whose tools are installed and lists the others
    /// with the command that installs them. Default: `default-arch` from
    /// the manifest, else x64.
    #[arg(long, value_name = "ARCH", value_delimiter = ',')]
    pub arch: Vec<String>,
    /// The firmware generation to build for: .mpy ABI 6.1 (MicroPython
    /// 1.20-1.21), 6.2 (1.22) or 6.3 (1.23 and later). Default: `mpy-abi`
    /// from the manifest, else the MicroPython tree's (`MPY_DIR`), else 6.3.
    #[arg(long, value_name = "ABI", value_parser = ["6.1", "6.2", "6.3"])]
    pub mpy_abi: Option<String>,
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
    /// Module variants to build (comma-separated or repeated; names of
    /// `[package.metadata.mpy.variant.*]` tables); default: all.
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    pub variant: Vec<String>,
    /// Number of parallel jobs (default: number of CPUs).
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// `human`, or `json` for one JSON object per line on stdout (as
    /// cargo's `--message-format json`), for editors and CI.
    #[arg(long, value_enum, value_name = "FMT", default_value = "human")]
    pub message_format: MessageFormat,
}

/// `--arch` as given: the named architectures, and whether `all` was among
/// them.
pub(crate) fn arch_selection(arch: &[String]) -> Result<(Vec<Arch>, bool)> {
    let all = arch
        .iter()
        .flat_map(|a| a.split(','))
        .any(|a| a.trim() == "all");
    let named: Vec<&str> = arch
        .iter()
        .flat_map(|a| a.split(','))
        .map(str::trim)
        .filter(|a| !a.is_empty() && *a != "all")
        .collect();
    let archs = if named.is_empty() {
        Vec::new()
    } else {
        config::parse_arch_list(&named)?
    };
    Ok((archs, all))
}

impl BuildArgs {
    /// Runs the build.
    pub fn run(self, shell: &Shell) -> Result<Vec<Built>> {
        self.options().and_then(|o| orchestrator::build(&o, shell))
    }

    /// The build's options.
    pub fn options(&self) -> Result<BuildOptions> {
        let (archs, all_archs) = arch_selection(&self.arch)?;
        Ok(BuildOptions {
            manifest_path: self.manifest_path.clone(),
            archs,
            release: self.release,
            mpy_abi: self
                .mpy_abi
                .as_deref()
                .map(config::parse_mpy_abi)
                .transpose()?,
            out_dir: self.out_dir.clone(),
            jobs: self.jobs,
            target_dir: None,
            all_archs,
            rustc_wrapper: None,
            variants: self.variant.clone(),
        })
    }
}
