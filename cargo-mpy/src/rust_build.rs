//! Building a package's Rust code: cargo compiles the crate as a `no_std`
//! static library for the architecture's Rust target, position independent,
//! with `panic = "abort"`, LTO and one codegen unit, in a target directory of
//! its own per architecture. The target and its flags come from the
//! toolchain table. mpy-link then takes the member defining
//! `mpy_init` as the root and pulls the rest of the archive (compiler
//! builtins included) only as needed.

use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use mpy_link::Arch;

use crate::error::error_with_help;
use crate::shell::{Shell, Verbosity};
use crate::toolchain::RustTarget;

/// Builds the package's library as a static library for `arch` and returns
/// the archive's path. `runtime_patches` point crates.io crates at local
/// directories (the runtime cargo-mpy carries).
pub(crate) fn build_staticlib(
    shell: &Shell,
    manifest: &Path,
    target_dir: &Path,
    arch: Arch,
    target: &RustTarget,
    release: bool,
    runtime_patches: &[(String, PathBuf)],
) -> Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(&cargo);
    // cargo reads `.cargo/config.toml` from the directory it runs in and
    // above: the package's, as when it is built from its own directory.
    if let Some(dir) = manifest.parent() {
        cmd.current_dir(dir);
    }
    cmd.args([
        "rustc",
        "--lib",
        "--crate-type",
        "staticlib",
        "--message-format",
        "json-render-diagnostics",
    ])
    .arg("--manifest-path")
    .arg(manifest)
    .args(["--target", target.triple]);
    if release {
        cmd.arg("--release");
    }
    for (name, dir) in runtime_patches {
        let path = toml::Value::String(dir.to_string_lossy().into_owned());
        cmd.arg("--config")
            .arg(format!("patch.crates-io.{name}.path={path}"));
    }
    if shell.verbosity() == Verbosity::Quiet {
        cmd.arg("--quiet");
    }
    // `mpy_module` lets the runtime crate supply what libc would on hosted targets;
    // `mpy_arch = "armv7emdp"` names the MicroPython architecture (two of them share
    // a Rust target). Loops are not padded to an alignment (LLVM does so for
    // Cortex-M7 even at `opt-level = "s"`), which keeps modules as small as GCC's
    // `-Os` output.
    let arch_cfg = format!("mpy_arch=\"{}\"", arch.name());
    let mut flags = vec![
        "-Crelocation-model=pic",
        "-Cllvm-args=-align-loops=1",
        "--cfg",
        "mpy_module",
        "--cfg",
        &arch_cfg,
    ];
    flags.extend(target.rustflags);
    cmd.env("CARGO_TARGET_DIR", target_dir)
        .env("CARGO_ENCODED_RUSTFLAGS", flags.join("\u{1f}"))
        .env_remove("RUSTFLAGS");
    // Native modules have no unwinder and must stay small: the same
    // settings in both profiles (set here, not in the user's manifest).
    for profile in ["DEV", "RELEASE"] {
        cmd.env(format!("CARGO_PROFILE_{profile}_PANIC"), "abort")
            .env(format!("CARGO_PROFILE_{profile}_LTO"), "true")
            .env(format!("CARGO_PROFILE_{profile}_CODEGEN_UNITS"), "1")
            .env(format!("CARGO_PROFILE_{profile}_OPT_LEVEL"), "s")
            .env(format!("CARGO_PROFILE_{profile}_DEBUG_ASSERTIONS"), "false")
            .env(format!("CARGO_PROFILE_{profile}_OVERFLOW_CHECKS"), "false");
    }
    cmd.stdout(Stdio::piped()).stderr(Stdio::inherit());
    shell.verbose_status("Running", format!("`{cmd:?}`"));
    let mut child = cmd
        .spawn()
        .with_context(|| format!("could not run `{}`", cargo.to_string_lossy()))?;
    let stdout = child.stdout.take().context("no cargo stdout")?;
    let mut staticlib = None;
    for message in cargo_metadata::Message::parse_stream(BufReader::new(stdout)) {
        match message.context("could not read cargo's JSON output")? {
            cargo_metadata::Message::CompilerMessage(m) => {
                if let Some(rendered) = &m.message.rendered {
                    shell.print(rendered.trim_end());
                }
            }
            cargo_metadata::Message::CompilerArtifact(a) => {
                if let Some(lib) = a.filenames.iter().find(|f| f.as_str().ends_with(".a")) {
                    staticlib = Some(PathBuf::from(lib.as_std_path()));
                }
            }
            _ => {}
        }
    }
    let status = child.wait().context("waiting for cargo")?;
    if !status.success() {
        let help = if target_installed(target.triple) == Some(true) {
            "the compiler's messages above say what to fix".to_owned()
        } else {
            format!(
                "if the target is missing, install it with `rustup target add {}`",
                target.triple
            )
        };
        return Err(error_with_help(
            format!(
                "cargo could not build the Rust code for {} ({})",
                arch.name(),
                target.triple
            ),
            help,
        ));
    }
    match staticlib {
        Some(p) => Ok(p),
        None => bail!(
            "cargo reported no static library for {}; is there a `[lib]` target?",
            target.triple
        ),
    }
}

/// Whether the standard library for `triple` is installed in the active toolchain's
/// sysroot (`None` when `rustc` cannot say).
fn target_installed(triple: &str) -> Option<bool> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let out = Command::new(rustc)
        .args(["--print", "sysroot"])
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    let sysroot = String::from_utf8(out.stdout).ok()?;
    let lib = Path::new(sysroot.trim())
        .join("lib")
        .join("rustlib")
        .join(triple)
        .join("lib");
    Some(lib.is_dir())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_which_targets_are_installed() {
        // The host's standard library is always there; a made-up target never is.
        let host = if cfg!(all(target_arch = "x86_64", target_os = "linux")) {
            "x86_64-unknown-linux-gnu"
        } else {
            return;
        };
        assert_eq!(target_installed(host), Some(true));
        assert_eq!(target_installed("nonexistent-unknown-none"), Some(false));
    }
}
