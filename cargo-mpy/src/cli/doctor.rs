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
use crate::toolchain::{self, Toolchain};

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
    /// Found, but not everything a module may need works (`limited`), or
    /// cargo-mpy cannot use it at all (`n/a`); never reported as `ok`.
    caveat: Option<Caveat>,
}

/// Why a check that found something is not `ok`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caveat {
    /// Works for some modules, not all (`limited`).
    Limited,
    /// cargo-mpy does not support it (`n/a`).
    Unsupported,
}

impl Check {
    fn ok(what: &'static str, found: String) -> Check {
        Check {
            what,
            found: Ok(found),
            fix: None,
            caveat: None,
        }
    }
}

/// libgcc functions that C modules for xtensa commonly need (integer division,
/// 64-bit arithmetic, float and double operations). Debian's xtensa-lx106
/// libgcc leaves out those the ESP8266 ROM has.
const XTENSA_HELPERS: &[&str] = &[
    "__divsi3",
    "__udivsi3",
    "__modsi3",
    "__umodsi3",
    "__mulsi3",
    "__muldi3",
    "__divdi3",
    "__udivdi3",
    "__moddi3",
    "__umoddi3",
    "__ashldi3",
    "__ashrdi3",
    "__lshrdi3",
    "__addsf3",
    "__subsf3",
    "__mulsf3",
    "__divsf3",
    "__fixsfsi",
    "__fixunssfsi",
    "__floatsisf",
    "__floatunsisf",
    "__adddf3",
    "__subdf3",
    "__muldf3",
    "__divdf3",
    "__fixdfsi",
    "__fixunsdfsi",
    "__floatsidf",
    "__floatunsidf",
    "__extendsfdf2",
    "__truncdfsf2",
];

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
        let mut limited = 0;
        shell.print(format!("cargo-mpy {}", env!("CARGO_PKG_VERSION")));
        if let Some(p) = &project {
            shell.print(format!("manifest: {}", p.manifest_path.display()));
        }
        match runtime_check(project.as_ref()) {
            Ok(line) => shell.print(format!("mpy runtime: {line}")),
            Err(why) => {
                problems += 1;
                shell.print(format!("mpy runtime: {why}"));
            }
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
                    Ok(found) => {
                        let status = match c.caveat {
                            None => "ok",
                            Some(Caveat::Limited) => {
                                limited += 1;
                                "limited"
                            }
                            Some(Caveat::Unsupported) => "n/a",
                        };
                        shell.print(format!("  {status:<8} {:<12} {found}", c.what));
                        if let Some(fix) = &c.fix {
                            shell.print(format!("  {:<8} {:<12} {fix}", "", "help:"));
                        }
                    }
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
        if problems == 0 && limited == 0 {
            shell.status("Finished", "everything needed is installed");
        } else if problems == 0 {
            shell.warn(format!(
                "everything is installed, but {limited} check(s) are limited; see the `help:` lines above"
            ));
        } else {
            shell.warn(format!(
                "{problems} thing(s) missing; see the `install:` lines above"
            ));
        }
        Ok(())
    }
}

/// The runtime cargo-mpy carries, and whether the package asks for it.
fn runtime_check(project: Option<&Project>) -> Result<String, String> {
    let version = crate::runtime::carried_version().map_err(|e| format!("{e:#}"))?;
    let cache = crate::runtime::cache_dir()
        .map(|d| d.display().to_string())
        .unwrap_or_else(|e| format!("{e:#}"));
    let parsed = cargo_metadata::semver::Version::parse(&version).map_err(|e| e.to_string())?;
    for (name, req) in project
        .map(|p| p.registry_runtime.as_slice())
        .unwrap_or_default()
    {
        if !req.matches(&parsed) {
            return Err(format!(
                "the package asks for `{name} = \"{req}\"`, but this cargo-mpy carries {version}; depend on `{name} = \"{version}\"`"
            ));
        }
    }
    Ok(format!(
        "{version}, carried by cargo-mpy (extracted below `{cache}`)"
    ))
}

/// The helpers of `names` that `libgcc` does not define (`None` when it
/// cannot be read).
fn lacking_helpers(libgcc: &std::path::Path, names: &[&str]) -> Option<Vec<String>> {
    let lib = mpy_link::Library::open(libgcc).ok()?;
    let mut lacking = Vec::new();
    for name in names {
        if lib.member_defining(name).ok()?.is_none() {
            lacking.push(name.to_string());
        }
    }
    Some(lacking)
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
                c.path.display(),
                toolchain::tool_version(&c.path)
                    .map(|v| format!(" ({v})"))
                    .unwrap_or_default()
            )),
            Err(_) => Err(format!("`{}` not found on PATH", tc.compiler_names()[0])),
        },
        fix: compiler.as_ref().err().map(|m| m.install.clone()),
        caveat: None,
    });
    if let Ok(c) = &compiler {
        if let Some((what, found)) = toolchain::find_c_library(arch, &c.path, dir) {
            checks.push(Check {
                what: "C library",
                fix: found.is_none().then(|| tc.install.hint()),
                found: found
                    .map(|p| p.display().to_string())
                    .ok_or_else(|| format!("{what} not found by the compiler")),
                caveat: None,
            });
        }
        if arch == Arch::Xtensa {
            checks.push(xtensa_helpers_check(&c.path, dir));
        }
    }
    let rust = &tc.rust;
    let target = rust.triple;
    checks.push(match (rust.unsupported, installed_targets) {
        (Some(note), _) => Check {
            what: "Rust target",
            found: Ok(format!(
                "cargo-mpy builds no Rust for {}: {note}",
                arch.name()
            )),
            fix: None,
            caveat: Some(Caveat::Unsupported),
        },
        (None, Some(list)) if list.iter().any(|t| t == target) => {
            Check::ok("Rust target", format!("{target} (installed)"))
        }
        (None, Some(_)) => Check {
            what: "Rust target",
            found: Err(format!("{target} is not installed")),
            fix: Some(format!("rustup target add {target}")),
            caveat: None,
        },
        (None, None) => Check {
            what: "Rust target",
            found: Err(format!("{target}: `rustup` not found, cannot check")),
            fix: Some(format!("rustup target add {target}")),
            caveat: None,
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
            .then(|| toolchain::MPY_CROSS_INSTALL.to_string()),
        caveat: None,
    });
    if let Some(Ok(found)) = checks.last().map(|c| c.found.clone()) {
        // mpy-cross says which .mpy version it writes; bytecode of another
        // version does not merge with (or load next to) native code of ours.
        let abi = crate::context::target_mpy_abi();
        if let Some(emits) = found.split("emitting mpy v").nth(1) {
            let emits = emits.trim_end_matches(')').trim();
            if emits != abi {
                if let Some(last) = checks.last_mut() {
                    last.found = Err(format!(
                        "{found}: writes .mpy {emits}, modules here are {abi}"
                    ));
                    last.fix = Some(format!(
                        "{} (a release writing .mpy {abi})",
                        toolchain::MPY_CROSS_INSTALL
                    ));
                }
            }
        }
    }
    let tree = match toolchain::mpy_dir(cfg.mpy_dir.as_deref()) {
        Some((d, src)) => {
            let from = match src {
                toolchain::MpyDirSource::Env => "MPY_DIR",
                toolchain::MpyDirSource::Manifest => "mpy-dir",
            };
            let tree = dir.join(&d);
            if !tree.is_dir() {
                Err(format!("{d} (from {from}) does not exist"))
            } else if !tree.join("py/dynruntime.h").is_file() {
                Err(format!(
                    "{d} (from {from}) is not a MicroPython tree: it has no `py/dynruntime.h`"
                ))
            } else {
                Ok(format!("{d} (from {from})"))
            }
        }
        None => Err("no tree: neither MPY_DIR nor `mpy-dir` is set (needed for C headers)".into()),
    };
    checks.push(Check {
        what: "MicroPython",
        fix: tree.is_err().then(|| toolchain::MPY_DIR_HELP.to_string()),
        found: tree,
        caveat: None,
    });
    checks
}

/// Which of [`XTENSA_HELPERS`] the xtensa-lx106 libgcc lacks.
fn xtensa_helpers_check(cc: &std::path::Path, dir: &std::path::Path) -> Check {
    let libgcc = toolchain::print_libgcc(cc, dir);
    let lacking = libgcc
        .as_deref()
        .and_then(|l| lacking_helpers(l, XTENSA_HELPERS));
    match (libgcc, lacking) {
        (Some(l), Some(lacking)) if lacking.is_empty() => Check::ok(
            "helpers",
            format!("{} defines the {} helpers checked", l.display(), XTENSA_HELPERS.len()),
        ),
        (Some(l), Some(lacking)) => Check {
            what: "helpers",
            found: Ok(format!(
                "{} lacks {} (the ESP8266 ROM has them)",
                l.display(),
                lacking.join(" ")
            )),
            fix: Some("a module that calls them links only with their ROM addresses in a file named by `externs` (see examples/c-stats/esp8266-rom.ld)".into()),
            caveat: Some(Caveat::Limited),
        },
        _ => Check {
            what: "helpers",
            found: Err("the compiler names no readable libgcc".into()),
            fix: Some(Toolchain::of(Arch::Xtensa).install.hint()),
            caveat: None,
        },
    }
}
