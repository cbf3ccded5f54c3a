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
use mpy_link::{Arch, MpyAbi};

use crate::error::error_with_help;
use crate::shell::{Shell, Verbosity};
use crate::toolchain::RustTarget;

/// One Rust build: the package's library as a static library for one
/// architecture.
#[derive(Debug, Clone)]
pub(crate) struct RustBuild<'a> {
    /// The package's `Cargo.toml`.
    pub manifest: &'a Path,
    /// cargo's target directory for this architecture.
    pub target_dir: &'a Path,
    /// The architecture.
    pub arch: Arch,
    /// The `.mpy` ABI (the runtime's `mpy_abi` cfg).
    pub abi: MpyAbi,
    /// Its Rust target.
    pub target: &'a RustTarget,
    /// `--release`.
    pub release: bool,
    /// The cargo-mpy executable to run rustc through
    /// ([`rustc_wrapper`](crate::rustc_wrapper)); without it the module's
    /// bytes depend on where the checkout is.
    pub rustc_wrapper: Option<&'a Path>,
    /// `[patch.crates-io]` entries: crates.io crates pointed at local
    /// directories (the runtime cargo-mpy carries).
    pub runtime_patches: &'a [(String, PathBuf)],
    /// The extracted runtime those entries point into, for the rustc
    /// wrapper.
    pub carried_runtime: Option<&'a Path>,
    /// `rustflags` from `[package.metadata.mpy]`.
    pub manifest_rustflags: &'a [String],
}

/// The flags every module needs, then the target's: `mpy_module` lets the
/// runtime crate supply what libc would on hosted targets; `mpy_arch =
/// "armv7emdp"` names the MicroPython architecture (two of them share a Rust
/// target); `mpy_abi = "6.2"` selects the firmware's `mp_fun_table` in mpy-sys
/// (`mpy_sys::abi::TARGET`). Loops are not padded to an alignment (LLVM does so for Cortex-M7
/// even at `opt-level = "s"`), which keeps modules as small as GCC's `-Os`
/// output.
fn module_rustflags(arch: Arch, abi: MpyAbi, target: &RustTarget) -> Vec<String> {
    let mut flags: Vec<String> = [
        "-Crelocation-model=pic",
        "-Cllvm-args=-align-loops=1",
        "--cfg",
        "mpy_module",
        "--cfg",
    ]
    .map(String::from)
    .into();
    flags.push(format!("mpy_arch=\"{}\"", arch.name()));
    flags.push("--cfg".into());
    flags.push(format!("mpy_abi=\"{abi}\""));
    flags.extend(target.rustflags.iter().map(|f| f.to_string()));
    flags
}

/// The flags cargo would give the package's code for `triple` by itself
/// (`CARGO_ENCODED_RUSTFLAGS`, `RUSTFLAGS`, `target.<triple>.rustflags` and
/// matching `target.'cfg(..)'.rustflags`, else `build.rustflags`, in cargo's
/// order of precedence), read from the configuration seen from `dir`.
pub(crate) fn package_rustflags(dir: &Path, triple: &str) -> Result<Vec<String>> {
    let config = cargo_config2::Config::load_with_cwd(dir).with_context(|| {
        format!(
            "cannot read cargo's configuration as seen from `{}`",
            dir.display()
        )
    })?;
    let flags = config
        .rustflags(triple)
        .with_context(|| format!("cannot resolve cargo's rustflags for `{triple}`"))?;
    Ok(flags.map(|f| f.flags).unwrap_or_default())
}

/// The value of codegen option `key` that `flags` set last (`-Ckey=v`,
/// `-C key=v`, `--codegen key=v`).
fn codegen_option<'a>(flags: &'a [String], key: &str) -> Option<&'a str> {
    let mut found = None;
    let mut iter = flags.iter().map(String::as_str);
    while let Some(flag) = iter.next() {
        let opt = if let Some(rest) = flag.strip_prefix("-C").filter(|r| !r.is_empty()) {
            Some(rest)
        } else if let Some(rest) = flag.strip_prefix("--codegen=") {
            Some(rest)
        } else if flag == "-C" || flag == "--codegen" {
            iter.next()
        } else {
            None
        };
        if let Some((k, v)) = opt.and_then(|o| o.split_once('=')) {
            if k == key {
                found = Some(v);
            }
        }
    }
    found
}

/// Every flag for the package's code: the module's own, then the package's
/// (so a `-Ctarget-cpu` there refines the architecture's default), then the
/// manifest's `rustflags`. Flags that would break a native module are errors
/// naming where they came from.
pub(crate) fn merged_rustflags(
    module: Vec<String>,
    package: &[String],
    manifest: &[String],
) -> Result<Vec<String>> {
    for (flags, origin) in [
        (package, "the package's rustflags (`RUSTFLAGS`, `CARGO_ENCODED_RUSTFLAGS` or `rustflags` in `.cargo/config.toml`)"),
        (manifest, "`rustflags` in `[package.metadata.mpy]`"),
    ] {
        if let Some(model) = codegen_option(flags, "relocation-model").filter(|m| *m != "pic") {
            return Err(error_with_help(
                format!("{origin} set `-C relocation-model={model}`, but a native module must be position independent"),
                "remove the flag; cargo-mpy sets `-C relocation-model=pic`",
            ));
        }
    }
    let mut all = module;
    all.extend(package.iter().cloned());
    all.extend(manifest.iter().cloned());
    Ok(all)
}

/// Builds the package's library as a static library and returns the
/// archive's path.
pub(crate) fn build_staticlib(shell: &Shell, job: &RustBuild<'_>) -> Result<PathBuf> {
    let RustBuild {
        manifest,
        target_dir,
        arch,
        abi,
        target,
        release,
        rustc_wrapper,
        runtime_patches,
        carried_runtime,
        manifest_rustflags,
    } = *job;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(&cargo);
    // cargo reads `.cargo/config.toml` from the directory it runs in and
    // above: the package's, as when it is built from its own directory.
    let dir = manifest.parent().context("the manifest has no directory")?;
    cmd.current_dir(dir);
    match rustc_wrapper {
        Some(exe) => crate::rustc_wrapper::configure(&mut cmd, exe, dir, carried_runtime),
        None => shell.verbose_status(
            "Unwrapped",
            "rustc runs without cargo-mpy's wrapper: the module's bytes may depend on the checkout directory",
        ),
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
    if shell.verbosity() == Verbosity::Quiet {
        cmd.arg("--quiet");
    }
    for (name, dir) in runtime_patches {
        let path = toml::Value::String(dir.to_string_lossy().into_owned());
        cmd.arg("--config")
            .arg(format!("patch.crates-io.{name}.path={path}"));
    }
    // cargo takes `CARGO_ENCODED_RUSTFLAGS` instead of every other source of
    // flags, so the package's own flags are read and passed along with ours.
    let package = package_rustflags(dir, target.triple)?;
    let flags = merged_rustflags(
        module_rustflags(arch, abi, target),
        &package,
        manifest_rustflags,
    )?;
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
                shell.diagnostic(&crate::diagnostics::from_rustc(&m.message, arch));
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
pub(crate) fn target_installed(triple: &str) -> Option<bool> {
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
    fn package_flags_come_after_ours_and_may_not_break_the_module() {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let target = crate::toolchain::Toolchain::of(Arch::Armv6m).rust;
        let all = merged_rustflags(
            module_rustflags(Arch::Armv6m, MpyAbi::V6_2, &target),
            &v(&["-C", "target-cpu=cortex-m0plus"]),
            &v(&["-Copt-level=z"]),
        )
        .unwrap();
        assert_eq!(all[0], "-Crelocation-model=pic");
        let cfg = |c: &str| all.windows(2).any(|w| w == ["--cfg", c]);
        assert!(
            cfg("mpy_arch=\"armv6m\"") && cfg("mpy_abi=\"6.2\""),
            "{all:?}"
        );
        assert_eq!(
            &all[all.len() - 3..],
            v(&["-C", "target-cpu=cortex-m0plus", "-Copt-level=z"])
        );
        assert_eq!(codegen_option(&all, "target-cpu"), Some("cortex-m0plus"));
        for bad in [
            &["-C", "relocation-model=static"][..],
            &["-Crelocation-model=static"],
            &["--codegen=relocation-model=static"],
        ] {
            let err = format!(
                "{:#}",
                merged_rustflags(Vec::new(), &v(bad), &[]).unwrap_err()
            );
            assert!(
                err.contains("relocation-model=static") && err.contains("`.cargo/config.toml`"),
                "{err}"
            );
        }
        let err = format!(
            "{:#}",
            merged_rustflags(Vec::new(), &[], &v(&["-Crelocation-model=ropi"])).unwrap_err()
        );
        assert!(
            err.contains("`rustflags` in `[package.metadata.mpy]`"),
            "{err}"
        );
        assert!(merged_rustflags(Vec::new(), &v(&["-Crelocation-model=pic"]), &[]).is_ok());
    }

    #[test]
    fn package_flags_are_read_from_its_cargo_config() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("m/.cargo")).unwrap();
        std::fs::write(
            d.path().join("m/.cargo/config.toml"),
            "[build]\nrustflags = [\"--cfg\", \"from_build\"]\n\
             [target.thumbv6m-none-eabi]\nrustflags = [\"-Ctarget-cpu=cortex-m0plus\"]\n\
             [target.'cfg(target_arch = \"arm\")']\nrustflags = [\"--cfg\", \"arm_cfg\"]\n",
        )
        .unwrap();
        // cargo's rules: target flags (by triple and by cfg) win over build.rustflags.
        let mut arm = package_rustflags(&d.path().join("m"), "thumbv6m-none-eabi").unwrap();
        arm.sort();
        assert_eq!(arm, ["--cfg", "-Ctarget-cpu=cortex-m0plus", "arm_cfg"]);
        let riscv = package_rustflags(&d.path().join("m"), "riscv32imc-unknown-none-elf").unwrap();
        assert_eq!(riscv, ["--cfg", "from_build"]);
    }

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
