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
    /// Found, but cargo-mpy cannot use it at all (`n/a`); never reported
    /// as `ok`.
    caveat: Option<Caveat>,
}

/// Why a check that found something is not `ok`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caveat {
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
            Err(m) => Err(format!("{} not found {}", m.tool, m.looked)),
        },
        fix: compiler.as_ref().err().map(|m| m.install.clone()),
        caveat: None,
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
        checks.push(Check::ok("C route", note));
        if c.llvm().is_some() {
            checks.push(Check::ok(
                "C library",
                format!("{} (headers only)", llvm.libc_include),
            ));
        }
    }
    if tc.helpers.is_some() {
        checks.push(Check::ok(
            "helpers",
            format!(
                "cargo-mpy's runtime helper library ({} sources), built with the C compiler when a module needs it",
                crate::helpers::FILES.iter().filter(|f| f.name.ends_with(".c")).count()
            ),
        ));
        if let Some(c) = compiler.as_ref().ok().filter(|c| c.llvm().is_none()) {
            if let Some(check) = libgcc_check(&c.path, dir) {
                checks.push(check);
            }
        }
    }
    if let Some(c) = compiler.as_ref().ok().filter(|c| c.llvm().is_none()) {
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
    }
    let rust = &tc.rust;
    let target = rust.triple;
    checks.push(match (rust.custom, rust.unsupported, installed_targets) {
        (Some(custom), _, _) => custom_rust_check(arch, custom),
        (None, Some(note), _) => Check {
            what: "Rust target",
            found: Ok(format!(
                "cargo-mpy builds no Rust for {}: {note}",
                arch.name()
            )),
            fix: None,
            caveat: Some(Caveat::Unsupported),
        },
        (None, None, Some(list)) if list.iter().any(|t| t == target) => {
            Check::ok("Rust target", format!("{target} (installed)"))
        }
        (None, None, Some(_)) => Check {
            what: "Rust target",
            found: Err(format!("{target} is not installed")),
            fix: Some(format!("rustup target add {target}")),
            caveat: None,
        },
        (None, None, None) => Check {
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
            caveat: None,
        },
        Ok(RustRoute::Nightly {
            toolchain,
            assembler,
        }) => {
            let version = rust_build::toolchain_version(&toolchain).unwrap_or_default();
            Check {
                what: "Rust",
                found: Ok(format!(
                    "`{toolchain}` ({version}) with its own Xtensa backend, assembled by {}{}",
                    assembler.describe(),
                    if toolchain == custom.nightly {
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
                caveat: None,
            }
        }
        Ok(RustRoute::Rustup) => Check {
            what: "Rust",
            found: Ok(custom.vendor_triple.to_string()),
            fix: None,
            caveat: None,
        },
        Err(e) => Check {
            what: "Rust",
            found: Err(format!("{e}")),
            fix: Some(
                crate::error::help_of(&e)
                    .map(str::to_string)
                    .unwrap_or_else(|| rust_build::nightly_install(custom)),
            ),
            caveat: None,
        },
    }
}

/// Which of the helper library's functions the compiler's own libgcc lacks
/// (the xtensa-lx106 one has no float helpers and almost no division):
/// the helper library supplies them, so this is information, not a fault.
fn libgcc_check(cc: &std::path::Path, dir: &std::path::Path) -> Option<Check> {
    let libgcc = toolchain::print_libgcc(cc, dir)?;
    let lib = mpy_link::Library::open(&libgcc).ok()?;
    let mut lacking: Vec<&str> = crate::helpers::FILES
        .iter()
        .flat_map(|f| f.defines.iter().copied())
        .filter(|s| s.starts_with("__"))
        .filter(|s| matches!(lib.member_defining(s), Ok(None)))
        .collect();
    lacking.sort_unstable();
    lacking.dedup();
    Some(Check::ok(
        "libgcc",
        if lacking.is_empty() {
            format!("{} defines every helper", libgcc.display())
        } else {
            format!(
                "{} lacks {} (cargo-mpy's helper library supplies them)",
                libgcc.display(),
                lacking.join(" ")
            )
        },
    ))
}
