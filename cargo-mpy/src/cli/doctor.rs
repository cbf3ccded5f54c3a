//! `cargo mpy doctor`: per architecture, the C compiler, C library, Rust
//! target, C headers (a MicroPython tree's or the ones cargo-mpy ships), the
//! `.mpy` ABI and `mpy-cross` a build would use, what is missing and the
//! exact command that installs it.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use mpy_link::Arch;

use crate::config::{self, ArchConfig};
use crate::context::{find_manifest, Project};
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
            // Paths with environment variables as a build reads them (an
            // unset one is the build's error; here the raw value stays).
            let cfg = project
                .as_ref()
                .map(|p| p.config.for_arch(arch))
                .map(|c| c.expand_env().unwrap_or(c))
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
    // The headers and the ABI, as a build of this package would decide them.
    let tree = toolchain::find_tree(cfg.mpy_dir.as_deref(), dir);
    let abi = match (&tree, &cfg.mpy_abi) {
        (Err(_), _) => None,
        (Ok(tree), requested) => {
            let requested = match requested.as_deref().map(config::parse_mpy_abi) {
                Some(Ok(abi)) => Some((abi, toolchain::AbiFrom::Manifest)),
                _ => None,
            };
            Some(toolchain::resolve_abi(requested, tree.as_ref()))
        }
    };
    let (headers, fix) = match &tree {
        Ok(Some(t)) if !t.abs.join("py/dynruntime.h").is_file() => (
            Err(format!(
                "MicroPython tree {}: it has no `py/dynruntime.h` (needed for C sources)",
                t.describe()
            )),
            Some("point `MPY_DIR` (or `mpy-dir`) at a MicroPython checkout, or set neither to use the header cargo-mpy ships".to_string()),
        ),
        Ok(Some(t)) => (Ok(format!("MicroPython tree {}", t.describe())), None),
        Ok(None) => (
            Ok("the header cargo-mpy ships (no MicroPython tree needed)".to_string()),
            None,
        ),
        Err(e) => (
            Err(format!("{e:#}")),
            crate::error::help_of(e).map(str::to_string),
        ),
    };
    checks.push(Check {
        what: "C headers",
        found: headers,
        fix,
        caveat: None,
    });
    let abi = match abi {
        Some(Ok(abi)) => {
            let from = match (&tree, &cfg.mpy_abi) {
                (Ok(Some(_)), _) => "the tree's",
                (_, Some(_)) => "from `mpy-abi`",
                _ => "the default; `--mpy-abi` or `mpy-abi` change it",
            };
            checks.push(Check {
                what: ".mpy ABI",
                found: Ok(format!("{abi} ({}), {from}", abi.releases())),
                fix: None,
                caveat: None,
            });
            Some(abi)
        }
        Some(Err(e)) => {
            checks.push(Check {
                what: ".mpy ABI",
                found: Err(format!("{e:#}")),
                fix: crate::error::help_of(&e).map(str::to_string),
                caveat: None,
            });
            None
        }
        None => None,
    };
    let tree = tree.ok().flatten();
    let mpy_cross = toolchain::find_mpy_cross(cfg.mpy_cross.as_deref(), dir, tree.as_ref());
    let writes = mpy_cross
        .as_ref()
        .ok()
        .and_then(|p| toolchain::mpy_cross_abi(p));
    checks.push(Check {
        what: "mpy-cross",
        found: match (&mpy_cross, writes, abi) {
            (Ok(p), Some(w), Some(abi)) if w != abi => Err(format!(
                "{} writes .mpy ABI {w}, not {abi} (needed for `.py` sources)",
                p.display()
            )),
            (Ok(p), _, _) => Ok(format!(
                "{}{}",
                p.display(),
                toolchain::tool_version(p)
                    .map(|v| format!(" ({v})"))
                    .unwrap_or_default()
            )),
            (Err(_), _, _) => Err(match &cfg.mpy_cross {
                Some(p) => format!("`{p}` (from the manifest) not found"),
                None => "`mpy-cross` not found on PATH (needed for `.py` sources)".to_string(),
            }),
        },
        fix: match (&mpy_cross, writes, abi) {
            (Ok(_), Some(w), Some(abi)) if w != abi => {
                Some(toolchain::mpy_cross_install(abi).to_string())
            }
            (Ok(_), _, _) => None,
            (Err(_), _, abi) => Some(
                abi.map_or(toolchain::MPY_CROSS_INSTALL, toolchain::mpy_cross_install)
                    .to_string(),
            ),
        },
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
