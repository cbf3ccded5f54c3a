//! `cargo mpy deploy` and `cargo mpy run`: ask the board what it runs
//! (`sys.implementation._mpy`), build the module for that architecture,
//! refuse a module it cannot load, then copy it where the board imports
//! from (`deploy`) or run a script with it (`run`, the module served from
//! this machine through mpremote's `mount`: nothing is written to the
//! board).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use clap::Args;
use mpy_link::{Arch, MpyAbi};

use crate::board::mpremote::{staging_dir, Mpremote, ScriptResult};
use crate::board::{self, check_loadable, BoardInfo};
use crate::config;
use crate::context::{BuildOptions, Project};
use crate::error::error_with_help;
use crate::orchestrator::{self, Built};
use crate::shell::Shell;

/// Options every board command takes.
#[derive(Debug, Clone, Default, Args)]
pub struct BoardArgs {
    /// The board: a serial device (`/dev/ttyACM0`, `COM3`), a pty, or an
    /// `rfc2217://HOST:PORT` / `socket://HOST:PORT` URL; anything `mpremote
    /// connect` takes. Default: the single connected board (`connect auto`).
    #[arg(long, short = 'p', value_name = "PORT")]
    pub port: Option<String>,
    /// Build for this architecture instead of the board's own (the board
    /// must still be able to load it).
    #[arg(long, value_name = "ARCH")]
    pub arch: Option<String>,
    /// Path to `Cargo.toml`.
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
    /// Build with the release profile.
    #[arg(long, short = 'r')]
    pub release: bool,
    /// Build for this `.mpy` ABI (6.1, 6.2, 6.3). Default: the package's
    /// (`mpy-abi`, or its MicroPython tree's), else the board's own.
    #[arg(long, value_name = "ABI")]
    pub mpy_abi: Option<String>,
    /// Seconds to wait for the board to answer.
    #[arg(long, value_name = "SECS", default_value_t = board::DEFAULT_TIMEOUT.as_secs())]
    pub timeout: u64,
}

impl BoardArgs {
    /// `--arch`, parsed.
    pub(crate) fn arch(&self) -> Result<Option<Arch>> {
        self.arch.as_deref().map(config::parse_arch).transpose()
    }

    /// mpremote for `--port`.
    pub(crate) fn mpremote(&self) -> Result<Mpremote> {
        Mpremote::new(
            self.port.as_deref(),
            Duration::from_secs(self.timeout.max(1)),
        )
    }

    /// Connects: the board's answer, printed as a status line.
    pub(crate) fn connect(&self, shell: &Shell) -> Result<(Mpremote, BoardInfo)> {
        let mp = self.mpremote()?;
        let start = Instant::now();
        let info = mp.info()?;
        shell.status(
            "Connected",
            format!(
                "{} ({}, {}, .mpy {}.{}) in {:.2}s",
                mp.port,
                info.platform,
                board::arch_label(info.arch_code()),
                info.version(),
                info.sub_version(),
                start.elapsed().as_secs_f64()
            ),
        );
        Ok((mp, info))
    }

    /// The `.mpy` ABI to build for `info`'s board: `--mpy-abi`; else none
    /// (the package's own) when its manifest or MicroPython tree decides one
    /// for `arch`; else the board's.
    pub(crate) fn abi_for(
        &self,
        info: &BoardInfo,
        manifest_path: Option<&Path>,
        arch: Arch,
    ) -> Result<Option<MpyAbi>> {
        if let Some(abi) = &self.mpy_abi {
            return config::parse_mpy_abi(abi).map(Some);
        }
        let project = Project::load(manifest_path, None)?;
        let cfg = project.config.for_arch(arch);
        let cfg = cfg.expand_env().unwrap_or(cfg);
        let pinned = cfg.mpy_abi.is_some()
            || matches!(
                crate::toolchain::find_tree(cfg.mpy_dir.as_deref(), &project.manifest_dir),
                Ok(Some(_))
            );
        Ok(if pinned || info.version() != mpy_link::mpy::MPY_VERSION {
            None
        } else {
            MpyAbi::from_sub_version(info.sub_version())
        })
    }

    /// Builds the module for `info`'s board (or `--arch`) and checks that
    /// the board can load it.
    pub(crate) fn build_for(&self, shell: &Shell, info: &BoardInfo) -> Result<(Built, Vec<u8>)> {
        let arch = match self.arch()? {
            Some(a) => a,
            None => info.build_arch()?,
        };
        let abi = self.abi_for(info, self.manifest_path.as_deref(), arch)?;
        let built = build_one(shell, self.manifest_path.clone(), arch, self.release, abi)?;
        let data = fs_err::read(&built.output)?;
        check_loadable(info, &data, &built.output)?;
        Ok((built, data))
    }
}

/// Builds the package for one architecture (and `.mpy` ABI, when given).
pub(crate) fn build_one(
    shell: &Shell,
    manifest_path: Option<PathBuf>,
    arch: Arch,
    release: bool,
    mpy_abi: Option<MpyAbi>,
) -> Result<Built> {
    let options = BuildOptions {
        manifest_path,
        archs: vec![arch],
        release,
        mpy_abi,
        ..Default::default()
    };
    orchestrator::build(&options, shell)?
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("the build produced no module"))
}

/// Build the module for the board's architecture and copy it to the board.
#[derive(Debug, Clone, Args)]
pub struct DeployArgs {
    /// The board, the architecture, the package.
    #[command(flatten)]
    pub board: BoardArgs,
    /// Directory on the board to copy the module to (created if missing).
    /// Default: the first `lib` directory on the board's `sys.path` (`/lib`
    /// on most boards, `~/.micropython/lib` on the unix port).
    #[arg(long, value_name = "DIR")]
    pub path: Option<String>,
}

impl DeployArgs {
    /// Runs `deploy`.
    pub fn run(self, shell: &Shell) -> Result<()> {
        let start = Instant::now();
        let (mp, info) = self.board.connect(shell)?;
        let (built, data) = self.board.build_for(shell, &info)?;
        let dir = match &self.path {
            Some(p) => p.clone(),
            None => info.lib_dir().map(str::to_string).ok_or_else(|| {
                error_with_help(
                    format!(
                        "{info} has no `lib` directory on its `sys.path` ({:?})",
                        info.sys_path
                    ),
                    "pass `--path DIR` to say where the module goes",
                )
            })?,
        };
        let dest = mp.copy(&built.output, &dir)?;
        shell.status(
            "Deployed",
            format!(
                "{} ({} bytes, {}) to {}:{dest} in {:.2}s",
                built
                    .output
                    .file_name()
                    .map(|n| n.to_string_lossy())
                    .unwrap_or_default(),
                data.len(),
                built.arch.name(),
                mp.port,
                start.elapsed().as_secs_f64()
            ),
        );
        Ok(())
    }
}

/// Build the module, run a script with it on the board and stream its
/// output.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// The board, the architecture, the package.
    #[command(flatten)]
    pub board: BoardArgs,
    /// The script to run (it can `import` the module).
    pub script: PathBuf,
}

impl RunArgs {
    /// Runs `run`: an error (exit status 1) when the script raises.
    pub fn run(self, shell: &Shell) -> Result<()> {
        if !self.script.is_file() {
            bail!("script `{}` does not exist", self.script.display());
        }
        let (mp, info) = self.board.connect(shell)?;
        let (built, _) = self.board.build_for(shell, &info)?;
        let (dir, module) = staging_dir(&built.output)?;
        let name = module_name(&module);
        shell.status(
            "Running",
            format!(
                "`{}` on {} with {name} [{}]",
                self.script.display(),
                mp.port,
                built.arch.name()
            ),
        );
        let result = mp.run_script(
            dir.path(),
            &board::prelude(&name),
            &self.script,
            None,
            &|b: &[u8]| shell.stdout_raw(b),
        )?;
        match result {
            ScriptResult::Ok(_) => Ok(()),
            ScriptResult::Raised(_) => Err(anyhow::anyhow!(
                "`{}` raised an exception on the board (traceback above)",
                self.script.display()
            )),
        }
    }
}

/// The module name of a `.mpy` path (its file stem).
pub(crate) fn module_name(path: &std::path::Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn board(sub_version: u32) -> BoardInfo {
        BoardInfo {
            // .mpy 6.N on x64 (architecture code 2).
            mpy: 6 | sub_version << 8 | 2 << 10,
            platform: "linux".into(),
            sys_path: Vec::new(),
        }
    }

    /// A package `dir/p` whose `[package.metadata.mpy]` is `table`.
    fn package(dir: &Path, table: &str) -> PathBuf {
        let root = dir.join("p");
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::write(root.join("src/p.c"), "").unwrap();
        std::fs::write(
            root.join("Cargo.toml"),
            format!(
                "[package]\nname = \"p\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
                 [package.metadata.mpy]\nsources = [\"src/p.c\"]\n{table}\n\n[workspace]\n"
            ),
        )
        .unwrap();
        root.join("Cargo.toml")
    }

    #[test]
    fn board_commands_build_for_the_boards_abi_unless_the_package_decides() {
        let d = tempfile::tempdir().unwrap();
        let free = package(&d.path().join("free"), "");
        let pinned = package(&d.path().join("pinned"), "mpy-abi = \"6.3\"");
        let args = BoardArgs::default();
        // MPY_DIR would be a tree, which decides the ABI; the test needs none.
        if std::env::var_os("MPY_DIR").is_some() {
            return;
        }
        let abi = |args: &BoardArgs, sub: u32, manifest: &Path| {
            args.abi_for(&board(sub), Some(manifest), Arch::X64)
                .unwrap()
        };
        assert_eq!(abi(&args, 2, &free), Some(MpyAbi::V6_2));
        assert_eq!(abi(&args, 1, &free), Some(MpyAbi::V6_1));
        assert_eq!(abi(&args, 2, &pinned), None);
        let flag = BoardArgs {
            mpy_abi: Some("6.1".into()),
            ..BoardArgs::default()
        };
        assert_eq!(abi(&flag, 3, &pinned), Some(MpyAbi::V6_1));
        // A board without a native architecture or of another .mpy version:
        // the package's default, and check_loadable says the rest.
        let other = BoardInfo { mpy: 5, ..board(0) };
        assert_eq!(args.abi_for(&other, Some(&free), Arch::X64).unwrap(), None);
    }
}
