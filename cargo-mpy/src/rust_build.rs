//! Building a package's Rust code: cargo compiles the crate as a `no_std`
//! static library for the architecture's Rust target, with `panic =
//! "abort"`, LTO and one codegen unit, in a target directory of its own per
//! architecture. The target and its flags come from the toolchain table.
//! mpy-link then takes the member defining `mpy_init` as the root and pulls
//! the rest of the archive (compiler builtins included) only as needed.
//!
//! A target rustup does not ship (the ESP32, [`CustomRust`]) takes one of
//! two routes, chosen when the build is planned ([`RustRoute`]):
//!
//! - Espressif's toolchain (`espup`'s `esp`), its own target and
//!   `-Z build-std`: a static library as above.
//! - Otherwise nightly rustc's own Xtensa backend with our target
//!   specification and `-Z build-std`. Its integrated assembler misplaces
//!   Xtensa literal pools, so the crate (fat LTO: `core` and the runtime
//!   included) is also written as assembly, which goes through the C
//!   route's assembly fix and assembler into one object. `compiler_builtins`
//!   is built without the FPU (LLVM cannot select some of its float code
//!   with it) and never linked: the runtime helper library provides those
//!   functions.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use mpy_link::{Arch, MpyAbi};

use crate::error::error_with_help;
use crate::fsutil;
use crate::shell::{Shell, Verbosity};
use crate::toolchain::{CCompiler, CustomRust, RustTarget};

/// How the Rust code of one architecture is built.
#[derive(Debug, Clone)]
pub(crate) enum RustRoute {
    /// A target rustup installs, with the toolchain cargo-mpy runs under.
    Rustup,
    /// The vendor's rustup toolchain (`esp`) and its target.
    Vendor {
        /// The toolchain name.
        toolchain: String,
    },
    /// A nightly rustc, our target specification, and assembly through
    /// `assembler`'s route.
    Nightly {
        /// The toolchain name.
        toolchain: String,
        /// The LLVM route that assembles rustc's assembly.
        assembler: CCompiler,
    },
}

/// What the Rust build produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RustArtifact {
    /// A static library; its member defining `mpy_init` is the link's root.
    Staticlib(PathBuf),
    /// One object holding the whole crate.
    Object(PathBuf),
}

impl RustArtifact {
    /// The file.
    pub(crate) fn path(&self) -> &Path {
        match self {
            RustArtifact::Staticlib(p) | RustArtifact::Object(p) => p,
        }
    }
}

/// How to install the nightly route's toolchain.
pub(crate) fn nightly_install(custom: &CustomRust) -> String {
    format!(
        "rustup toolchain install {} --component rust-src",
        custom.nightly
    )
}

/// Chooses the route for a target rustup does not ship: the vendor's
/// toolchain when installed, else the pinned nightly, else `nightly` when
/// it has the library sources. `assembler` finds the LLVM route's tools,
/// needed by the nightly route only.
pub(crate) fn choose_route(
    arch: Arch,
    custom: &CustomRust,
    assembler: impl FnOnce() -> Result<CCompiler>,
) -> Result<RustRoute> {
    if toolchain_sysroot(custom.vendor_toolchain).is_some() {
        return Ok(RustRoute::Vendor {
            toolchain: custom.vendor_toolchain.to_string(),
        });
    }
    for toolchain in [custom.nightly, "nightly"] {
        if let Some(sysroot) = toolchain_sysroot(toolchain) {
            if sysroot.join("lib/rustlib/src/rust/library/core").is_dir() {
                return Ok(RustRoute::Nightly {
                    toolchain: toolchain.to_string(),
                    assembler: assembler()?,
                });
            }
        }
    }
    Err(error_with_help(
        format!(
            "Rust modules for {} need Espressif's `{}` toolchain or a nightly toolchain with the `rust-src` component, and neither is installed",
            arch.name(),
            custom.vendor_toolchain
        ),
        format!(
            "{}   (or install Espressif's toolchain with `espup`)",
            nightly_install(custom)
        ),
    ))
}

/// The sysroot of a rustup toolchain, when it is installed.
fn toolchain_sysroot(toolchain: &str) -> Option<PathBuf> {
    let out = Command::new("rustup")
        .args(["run", toolchain, "rustc", "--print", "sysroot"])
        .env_remove("RUSTC")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    let path = PathBuf::from(String::from_utf8(out.stdout).ok()?.trim());
    path.is_dir().then_some(path)
}

/// The version line of a rustup toolchain's rustc (for `doctor`).
pub(crate) fn toolchain_version(toolchain: &str) -> Option<String> {
    let out = Command::new("rustup")
        .args(["run", toolchain, "rustc", "--version"])
        .env_remove("RUSTC")
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// What one Rust build needs.
pub(crate) struct RustJob<'a> {
    pub shell: &'a Shell,
    pub manifest: &'a Path,
    /// The package name (for `cargo clean -p`).
    pub package: &'a str,
    pub target_dir: &'a Path,
    pub arch: Arch,
    pub target: &'a RustTarget,
    pub route: &'a RustRoute,
    pub release: bool,
    /// The `.mpy` ABI (the runtime's `mpy_abi` cfg).
    pub abi: MpyAbi,
    /// `[patch.crates-io]` entries: crates.io crates pointed at local
    /// directories (the runtime cargo-mpy carries).
    pub runtime_patches: &'a [(String, PathBuf)],
    /// The extracted runtime those entries point into, for the rustc
    /// wrapper.
    pub carried_runtime: Option<&'a Path>,
    /// `rustflags` from `[package.metadata.mpy]`.
    pub manifest_rustflags: &'a [String],
    /// The cargo-mpy executable to run rustc through
    /// ([`rustc_wrapper`](crate::rustc_wrapper)); without it the module's
    /// bytes depend on where the checkout is.
    pub rustc_wrapper: Option<&'a Path>,
}

/// Lines of cargo's standard error that are noise of the nightly route
/// (`-fp` for `compiler_builtins` reaches its host build script too).
fn is_noise(line: &str) -> bool {
    line.starts_with("'-fp' is not a recognized feature for this target")
}

/// Builds the package's Rust code for the job's architecture.
pub(crate) fn build(job: &RustJob<'_>) -> Result<RustArtifact> {
    match job.route {
        RustRoute::Rustup => run_cargo(job, &Invocation::rustup(job)?).map(RustArtifact::Staticlib),
        RustRoute::Vendor { toolchain } => {
            let custom = custom_of(job)?;
            run_cargo(job, &Invocation::vendor(job, toolchain, custom)?)
                .map(RustArtifact::Staticlib)
        }
        RustRoute::Nightly {
            toolchain,
            assembler,
        } => build_via_assembly(job, toolchain, assembler),
    }
}

fn custom_of<'a>(job: &RustJob<'a>) -> Result<&'a CustomRust> {
    job.target
        .custom
        .context("the architecture has no custom Rust target")
}

/// The nightly route: the crate as assembly at a path of ours, fixed and
/// assembled into one object.
fn build_via_assembly(
    job: &RustJob<'_>,
    toolchain: &str,
    assembler: &CCompiler,
) -> Result<RustArtifact> {
    let custom = custom_of(job)?;
    let spec = job.target_dir.join(custom.spec_name);
    let features = "";
    fsutil::write_if_changed(
        &spec,
        custom.spec_json.replace("{features}", features).as_bytes(),
    )?;
    // One file per package (two packages of one name may share a target
    // directory): cargo does not write the assembly again for a crate it finds
    // fresh, so another package's file would be taken for this one's.
    let package_key = {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(job.manifest.to_string_lossy().as_bytes());
        digest[..4]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let asm = job.target_dir.join("asm").join(format!(
        "{}-{package_key}-{}.s",
        job.package,
        crate::context::profile(job.release)
    ));
    fs_err::create_dir_all(asm.parent().context("asm path has no parent")?)?;
    let invocation = Invocation::nightly(job, toolchain, custom, &spec, &asm)?;
    if !asm.is_file() {
        // cargo would find the crate fresh and not write the assembly again.
        invocation.clean(job)?;
    }
    let lib = run_cargo(job, &invocation)?;
    if !asm.is_file() {
        bail!(
            "rustc wrote no assembly `{}` for {}",
            asm.display(),
            lib.display()
        );
    }
    let obj = asm.with_extension("o");
    if fsutil::mtime(&obj) <= fsutil::mtime(&asm) {
        job.shell
            .verbose_status("Assembling", format!("{}", asm.display()));
        fsutil::remove_if_exists(&obj)?;
        assembler.compile(&[], &asm, &obj, job.target_dir)?;
    }
    Ok(RustArtifact::Object(obj))
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

/// Every flag for the package's code: the module's own (with relocation
/// model `relocation`), then the package's
/// (so a `-Ctarget-cpu` there refines the architecture's default), then the
/// manifest's `rustflags`. Flags that would break a native module are errors
/// naming where they came from.
pub(crate) fn merged_rustflags(
    module: Vec<String>,
    relocation: &str,
    package: &[String],
    manifest: &[String],
) -> Result<Vec<String>> {
    for (flags, origin) in [
        (package, "the package's rustflags (`RUSTFLAGS`, `CARGO_ENCODED_RUSTFLAGS` or `rustflags` in `.cargo/config.toml`)"),
        (manifest, "`rustflags` in `[package.metadata.mpy]`"),
    ] {
        if let Some(model) = codegen_option(flags, "relocation-model").filter(|m| *m != relocation) {
            return Err(error_with_help(
                format!("{origin} set `-C relocation-model={model}`, but this architecture's modules need `{relocation}` (position independent where the target has it; mpy-link relocates the rest)"),
                format!("remove the flag; cargo-mpy sets `-C relocation-model={relocation}`"),
            ));
        }
    }
    let mut all = module;
    all.extend(package.iter().cloned());
    all.extend(manifest.iter().cloned());
    Ok(all)
}

/// One `cargo rustc` command line and its environment.
struct Invocation {
    /// `rustup run TOOLCHAIN` first, for a toolchain other than the
    /// current one.
    toolchain: Option<String>,
    /// Arguments before `rustc` (`-Z` options, `--config`).
    before: Vec<String>,
    /// The target: a triple or a specification file.
    target: String,
    /// rustc flags (`CARGO_ENCODED_RUSTFLAGS`).
    rustflags: Vec<String>,
    /// Arguments for the crate's own rustc, after `--`.
    after: Vec<String>,
}

impl Invocation {
    /// The module's flags, then the package's own (read from cargo's
    /// configuration as seen from the package), then the manifest's.
    fn common_flags(job: &RustJob<'_>, relocation: &str) -> Result<Vec<String>> {
        // `mpy_module` lets the runtime crate supply what libc would on hosted targets;
        // `mpy_arch = "armv7emdp"` names the MicroPython architecture (two of them share
        // a Rust target); `mpy_abi = "6.2"` selects the firmware's `mp_fun_table` in
        // mpy-sys (`mpy_sys::abi::TARGET`). Loops are not padded to an alignment (LLVM
        // does so for Cortex-M7 even at `opt-level = "s"`), which keeps modules as small
        // as GCC's `-Os` output.
        let mut flags: Vec<String> = [
            format!("-Crelocation-model={relocation}"),
            "-Cllvm-args=-align-loops=1".into(),
            "--cfg".into(),
            "mpy_module".into(),
            "--cfg".into(),
            format!("mpy_arch=\"{}\"", job.arch.name()),
            "--cfg".into(),
            format!("mpy_abi=\"{}\"", job.abi),
        ]
        .into();
        flags.extend(job.target.rustflags.iter().map(|s| s.to_string()));
        let dir = job
            .manifest
            .parent()
            .context("the manifest has no directory")?;
        let package = package_rustflags(dir, job.target.triple)?;
        merged_rustflags(flags, relocation, &package, job.manifest_rustflags)
    }

    fn rustup(job: &RustJob<'_>) -> Result<Invocation> {
        Ok(Invocation {
            toolchain: None,
            before: Vec::new(),
            target: job.target.triple.to_string(),
            rustflags: Self::common_flags(job, "pic")?,
            after: Vec::new(),
        })
    }

    fn vendor(job: &RustJob<'_>, toolchain: &str, custom: &CustomRust) -> Result<Invocation> {
        Ok(Invocation {
            toolchain: Some(toolchain.to_string()),
            before: vec!["-Zbuild-std=core,alloc".into()],
            target: custom.vendor_triple.to_string(),
            // LLVM has no position-independent Xtensa code; mpy-link
            // relocates the literal pools.
            rustflags: Self::common_flags(job, "static")?,
            after: Vec::new(),
        })
    }

    fn nightly(
        job: &RustJob<'_>,
        toolchain: &str,
        custom: &CustomRust,
        spec: &Path,
        asm: &Path,
    ) -> Result<Invocation> {
        let profile = if job.release { "release" } else { "dev" };
        let builtins: Vec<String> = custom
            .builtins_rustflags
            .iter()
            .map(|f| format!("{f:?}"))
            .collect();
        Ok(Invocation {
            toolchain: Some(toolchain.to_string()),
            before: vec![
                "-Zbuild-std=core,alloc".into(),
                "-Zjson-target-spec".into(),
                "-Zprofile-rustflags".into(),
                "--config".into(),
                format!(
                    "profile.{profile}.package.compiler_builtins.rustflags=[{}]",
                    builtins.join(",")
                ),
            ],
            target: spec.display().to_string(),
            rustflags: Self::common_flags(job, "static")?,
            after: vec![format!("--emit=asm={}", asm.display())],
        })
    }

    /// `cargo` (through `rustup run` for another toolchain) with the
    /// environment every invocation shares.
    fn cargo(&self, job: &RustJob<'_>) -> Command {
        let mut cmd = match &self.toolchain {
            Some(toolchain) => {
                let mut c = Command::new("rustup");
                c.args(["run", toolchain, "cargo"]);
                // The outer toolchain's tools must not stand in for the
                // chosen one's.
                c.env_remove("RUSTC")
                    .env_remove("RUSTDOC")
                    .env_remove("CARGO");
                c
            }
            None => Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())),
        };
        // cargo reads `.cargo/config.toml` from the directory it runs in and
        // above: the package's, as when it is built from its own directory.
        if let Some(dir) = job.manifest.parent() {
            cmd.current_dir(dir);
            match job.rustc_wrapper {
                Some(exe) => {
                    crate::rustc_wrapper::configure(&mut cmd, exe, dir, job.carried_runtime)
                }
                None => job.shell.verbose_status(
                    "Unwrapped",
                    "rustc runs without cargo-mpy's wrapper: the module's bytes may depend on the checkout directory",
                ),
            }
        }
        cmd.args(&self.before);
        for (name, dir) in job.runtime_patches {
            let path = toml::Value::String(dir.to_string_lossy().into_owned());
            cmd.arg("--config")
                .arg(format!("patch.crates-io.{name}.path={path}"));
        }
        if self.after.iter().any(|a| a.starts_with("--emit=asm")) {
            // Debug information would only lengthen the assembly; the
            // linker drops it anyway.
            for profile in ["DEV", "RELEASE"] {
                cmd.env(format!("CARGO_PROFILE_{profile}_DEBUG"), "false");
            }
        }
        cmd.env("CARGO_TARGET_DIR", job.target_dir)
            .env("CARGO_ENCODED_RUSTFLAGS", self.rustflags.join("\u{1f}"))
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
        cmd
    }

    /// `cargo rustc` building the static library.
    fn rustc(&self, job: &RustJob<'_>) -> Command {
        let mut cmd = self.cargo(job);
        cmd.args([
            "rustc",
            "--lib",
            "--crate-type",
            "staticlib",
            "--message-format",
            "json-render-diagnostics",
        ])
        .arg("--manifest-path")
        .arg(job.manifest)
        .args(["--target", &self.target]);
        if job.release {
            cmd.arg("--release");
        }
        if job.shell.verbosity() == Verbosity::Quiet {
            cmd.arg("--quiet");
        }
        if !self.after.is_empty() {
            cmd.arg("--").args(&self.after);
        }
        cmd
    }

    /// `cargo clean -p PACKAGE` for the same target, so the next build
    /// compiles the crate again.
    fn clean(&self, job: &RustJob<'_>) -> Result<()> {
        let mut cmd = self.cargo(job);
        cmd.args(["clean", "--quiet", "-p", job.package])
            .arg("--manifest-path")
            .arg(job.manifest)
            .args(["--target", &self.target]);
        if job.release {
            cmd.arg("--release");
        }
        let out = cmd
            .stdin(Stdio::null())
            .output()
            .context("could not run `cargo clean`")?;
        if !out.status.success() {
            job.shell.verbose_status(
                "Ignored",
                format!(
                    "`cargo clean` failed: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                ),
            );
        }
        Ok(())
    }
}

/// Runs cargo, forwards its messages, and returns the static library.
fn run_cargo(job: &RustJob<'_>, invocation: &Invocation) -> Result<PathBuf> {
    let mut cmd = invocation.rustc(job);
    // cargo's progress and errors go straight to the terminal, except on
    // another toolchain's route, whose noise is filtered out.
    let filter = invocation.toolchain.is_some();
    cmd.stdout(Stdio::piped()).stderr(if filter {
        Stdio::piped()
    } else {
        Stdio::inherit()
    });
    job.shell.verbose_status("Running", format!("`{cmd:?}`"));
    let mut child = cmd.spawn().context("could not run cargo")?;
    let stdout = child.stdout.take().context("no cargo stdout")?;
    let stderr = child.stderr.take();
    let shell = job.shell;
    let mut staticlib = None;
    std::thread::scope(|s| -> Result<()> {
        if let Some(stderr) = stderr {
            s.spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    if !is_noise(&line) {
                        shell.print(&line);
                    }
                }
            });
        }
        for message in cargo_metadata::Message::parse_stream(BufReader::new(stdout)) {
            match message.context("could not read cargo's JSON output")? {
                cargo_metadata::Message::CompilerMessage(m) => {
                    shell.diagnostic(&crate::diagnostics::from_rustc(&m.message, job.arch));
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
        Ok(())
    })?;
    let status = child.wait().context("waiting for cargo")?;
    if !status.success() {
        let help = match (job.route, target_installed(job.target.triple)) {
            (RustRoute::Rustup, Some(false) | None) => format!(
                "if the target is missing, install it with `rustup target add {}`",
                job.target.triple
            ),
            _ => "the compiler's messages above say what to fix".to_owned(),
        };
        return Err(error_with_help(
            format!(
                "cargo could not build the Rust code for {} ({})",
                job.arch.name(),
                invocation.target
            ),
            help,
        ));
    }
    match staticlib {
        Some(p) => Ok(p),
        None => bail!(
            "cargo reported no static library for {}; is there a `[lib]` target?",
            invocation.target
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
    use crate::toolchain::{Toolchain, XTENSAWIN_RUST};

    #[test]
    fn package_flags_come_after_ours_and_may_not_break_the_module() {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let shell = Shell::from_write(Box::new(std::io::sink()), Verbosity::Normal);
        let d = tempfile::tempdir().unwrap();
        let manifest = d.path().join("Cargo.toml");
        let job = RustJob {
            shell: &shell,
            manifest: &manifest,
            package: "p",
            target_dir: d.path(),
            arch: Arch::Armv6m,
            target: &crate::toolchain::Toolchain::of(Arch::Armv6m).rust,
            route: &RustRoute::Rustup,
            release: true,
            rustc_wrapper: None,
            abi: MpyAbi::V6_2,
            runtime_patches: &[],
            carried_runtime: None,
            manifest_rustflags: &[],
        };
        let module = Invocation::common_flags(&job, "pic").unwrap();
        let all = merged_rustflags(
            module,
            "pic",
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
                merged_rustflags(Vec::new(), "pic", &v(bad), &[]).unwrap_err()
            );
            assert!(
                err.contains("relocation-model=static") && err.contains("`.cargo/config.toml`"),
                "{err}"
            );
        }
        let err = format!(
            "{:#}",
            merged_rustflags(Vec::new(), "pic", &[], &v(&["-Crelocation-model=ropi"])).unwrap_err()
        );
        assert!(
            err.contains("`rustflags` in `[package.metadata.mpy]`"),
            "{err}"
        );
        assert!(merged_rustflags(Vec::new(), "pic", &v(&["-Crelocation-model=pic"]), &[]).is_ok());
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

    #[test]
    fn the_nightly_route_emits_assembly_with_static_relocation() {
        let shell = Shell::from_write(Box::new(std::io::sink()), Verbosity::Normal);
        let target = &Toolchain::of(Arch::Xtensawin).rust;
        let job = RustJob {
            shell: &shell,
            manifest: Path::new("/p/Cargo.toml"),
            package: "p",
            target_dir: Path::new("/t"),
            arch: Arch::Xtensawin,
            target,
            route: &RustRoute::Rustup,
            release: true,
            rustc_wrapper: None,
            abi: MpyAbi::V6_3,
            runtime_patches: &[],
            carried_runtime: None,
            manifest_rustflags: &[],
        };
        let inv = Invocation::nightly(
            &job,
            "nightly-2026-05-19",
            &XTENSAWIN_RUST,
            Path::new("/t/s.json"),
            Path::new("/t/asm/p.s"),
        )
        .unwrap();
        let cmd = inv.rustc(&job);
        let args: Vec<String> = cmd
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(cmd.get_program(), "rustup");
        assert_eq!(args[..3], ["run", "nightly-2026-05-19", "cargo"]);
        assert!(args.contains(&"-Zbuild-std=core,alloc".to_string()));
        assert!(args.contains(
            &"profile.release.package.compiler_builtins.rustflags=[\"-Ctarget-feature=-fp\"]"
                .to_string()
        ));
        assert_eq!(args[args.len() - 2..], ["--", "--emit=asm=/t/asm/p.s"]);
        assert!(inv
            .rustflags
            .contains(&"-Crelocation-model=static".to_string()));
        assert!(inv
            .rustflags
            .contains(&"mpy_arch=\"xtensawin\"".to_string()));
        assert!(is_noise(
            "'-fp' is not a recognized feature for this target (ignoring feature)"
        ));
        assert!(!is_noise("error: could not compile"));
    }

    #[test]
    fn the_install_hint_names_the_pinned_nightly() {
        assert_eq!(
            nightly_install(&XTENSAWIN_RUST),
            "rustup toolchain install nightly-2026-05-19 --component rust-src"
        );
    }
}
