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
use crate::rust_build::{self, RustRoute};
use crate::shell::Shell;
use crate::toolchain::{self, CustomRust, Toolchain};

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
struct Check {
    /// What was checked ("C compiler").
    what: &'static str,
    /// What was found, or why it is missing.
    found: Result<String, String>,
    /// The command that installs what is missing.
    fix: Option<String>,
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
            Some(p) => Some(Project::load(Some(p), None)?),
            None => find_manifest(&cwd)
                .ok()
                .and_then(|m| Project::load(Some(&m), None).ok()),
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
fn check_arch(
    arch: Arch,
    cfg: &ArchConfig,
    dir: &std::path::Path,
    installed_targets: Option<&[String]>,
) -> Vec<Check> {
    let tc = Toolchain::of(arch);
    let mut checks = Vec::new();
    let compiler = toolchain::find_c_compiler(arch);
    checks.push(Check {
        what: "C compiler",
        found: match &compiler {
            Ok(c) => Ok(format!(
                "{}{}",
                c.describe(),
                toolchain::tool_version(&c.path)
                    .map(|v| format!(" ({v})"))
                    .unwrap_or_default()
            )),
            Err(m) => Err(format!("{} not found {}", m.tool, m.looked)),
        },
        fix: compiler.as_ref().err().map(|m| m.install.clone()),
    });
    if let (Ok(c), Some(llvm)) = (&compiler, tc.compiler.llvm) {
        // The route in use, and the other one.
        let note = match c.llvm() {
            Some(_) => format!(
                "Debian's LLVM; `{}gcc` (ESP-IDF) is preferred when on PATH",
                tc.compiler.cross_prefix
            ),
            None => format!(
                "ESP-IDF's gcc, as dynruntime.mk; without it `{}` and `{}` would be used",
                llvm.clang, llvm.assembler
            ),
        };
        checks.push(Check {
            what: "C route",
            found: Ok(note),
            fix: None,
        });
        if c.llvm().is_some() {
            checks.push(Check {
                what: "C library",
                found: Ok(format!("{} (headers only)", llvm.libc_include)),
                fix: None,
            });
        }
    }
    if tc.helpers.is_some() {
        checks.push(Check {
            what: "helpers",
            found: Ok(format!(
                "cargo-mpy's runtime helper library ({} sources), built with the C compiler when a module needs it",
                crate::helpers::FILES.iter().filter(|f| f.name.ends_with(".c")).count()
            )),
            fix: None,
        });
    }
    if let Ok(c) = &compiler {
        if let Some((what, found)) = toolchain::find_c_library(arch, &c.path, dir) {
            checks.push(Check {
                what: "C library",
                fix: found.is_none().then(|| tc.install.hint()),
                found: found
                    .map(|p| p.display().to_string())
                    .ok_or_else(|| format!("{what} not found by the compiler")),
            });
        }
    }
    let rust = &tc.rust;
    let target = rust.triple;
    if let Some(custom) = rust.custom {
        checks.push(custom_rust_check(arch, custom));
        checks.extend(mpy_cross_and_tree(cfg, dir));
        return checks;
    }
    checks.push(match (rust.unsupported, installed_targets) {
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
    checks.extend(mpy_cross_and_tree(cfg, dir));
    checks
}

/// The Rust route of a target rustup does not ship: which toolchain a build
/// would use, or what to install.
fn custom_rust_check(arch: Arch, custom: &'static CustomRust) -> Check {
    let assembler = || Ok(toolchain::find_llvm_compiler(arch)?);
    match rust_build::choose_route(arch, custom, assembler) {
        Ok(RustRoute::Vendor { toolchain }) => Check {
            what: "Rust",
            found: Ok(format!(
                "`{toolchain}` toolchain ({}), target {}",
                rust_build::toolchain_version(&toolchain).unwrap_or_default(),
                custom.vendor_triple
            )),
            fix: None,
        },
        Ok(RustRoute::Nightly {
            toolchain,
            assembler,
        }) => {
            let version = rust_build::toolchain_version(&toolchain).unwrap_or_default();
            let pinned_date = custom.nightly.trim_start_matches("nightly-");
            Check {
                what: "Rust",
                found: Ok(format!(
                    "`{toolchain}` ({version}) with its own Xtensa backend, assembled by {}{}",
                    assembler.describe(),
                    if version.contains(pinned_date) {
                        String::new()
                    } else {
                        format!(
                            "; the route was measured with {} (`{}`)",
                            custom.nightly,
                            rust_build::nightly_install(custom)
                        )
                    }
                )),
                fix: None,
            }
        }
        Ok(RustRoute::Rustup) => Check {
            what: "Rust",
            found: Ok(custom.vendor_triple.to_string()),
            fix: None,
        },
        Err(e) => Check {
            what: "Rust",
            found: Err(format!("{e}")),
            fix: Some(
                crate::error::help_of(&e)
                    .map(str::to_string)
                    .unwrap_or_else(|| rust_build::nightly_install(custom)),
            ),
        },
    }
}

/// The `mpy-cross` and MicroPython tree checks.
fn mpy_cross_and_tree(cfg: &ArchConfig, dir: &std::path::Path) -> Vec<Check> {
    let mut checks = Vec::new();
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
            .then(|| toolchain::MPY_CROSS_INSTALL.to_string()),
    });
    let tree = match toolchain::mpy_dir(cfg.mpy_dir.as_deref()) {
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
        None => Err("no tree: neither MPY_DIR nor `mpy-dir` is set (needed for C headers)".into()),
    };
    checks.push(Check {
        what: "MicroPython",
        fix: tree.is_err().then(|| toolchain::MPY_DIR_HELP.to_string()),
        found: tree,
    });
    checks
}
