//! `cargo mpy build`: the command line, turned into [`BuildOptions`] for
//! the library's [`build`](crate::build).

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use crate::config;
use crate::context::BuildOptions;
use crate::orchestrator::{self, Built};
use crate::shell::Shell;

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
    /// Module variants to build (comma-separated or repeated; names of
    /// `[package.metadata.mpy.variant.*]` tables); default: all.
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    pub variant: Vec<String>,
    /// Number of parallel jobs (default: number of CPUs).
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
}

impl BuildArgs {
    /// Runs the build.
    pub fn run(self, shell: &Shell) -> Result<Vec<Built>> {
        let archs = if self.arch.is_empty() {
            Vec::new()
        } else {
            config::parse_arch_list(&self.arch)?
        };
        let options = BuildOptions {
            manifest_path: self.manifest_path,
            archs,
            release: self.release,
            out_dir: self.out_dir,
            jobs: self.jobs,
            target_dir: None,
            variants: self.variant,
        };
        orchestrator::build(&options, shell)
    }
}
