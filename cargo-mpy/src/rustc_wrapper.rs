//! cargo-mpy as its own `RUSTC_WRAPPER`, so a Rust module's bytes do not
//! depend on the directory it is built in.
//!
//! # Why
//!
//! cargo gives every crate a `-C metadata=HASH`. rustc derives the crate's
//! `StableCrateId` from it, and from that the hashes in symbol names, which
//! decide the order in which rustc emits functions. For a path dependency
//! outside the package's workspace (a module's `mpy = { path = ... }`)
//! cargo hashes the dependency's *absolute* path, so the same sources built
//! in two checkouts give two different modules (same size, functions in
//! another order).
//!
//! # What the wrapper does
//!
//! For every rustc invocation cargo makes for a crate (those carrying `-C
//! metadata`), it replaces the metadata with a hash of what identifies the
//! crate wherever it is built (`CrateIdentity`):
//!
//! - the crate name and `CARGO_PKG_VERSION` (two versions of one crate
//!   differ);
//! - where the crate lives, relative to something that moves with it: for a
//!   crate from the registry or a git checkout, its path inside cargo's home
//!   (`registry/src/index.crates.io-…/syn-3.0.10`: registry and version);
//!   for a crate of the runtime cargo-mpy carries (`src/runtime.rs`,
//!   extracted to a per-user cache and patched in for `mpy = "<version>"`),
//!   its directory in the extracted runtime (`mpy-sys`); for any other
//!   crate (a path dependency, a vendored one), its path relative to the
//!   package being built (`../../runtime/mpy`). Two sources
//!   of one crate name and version are two paths, so they still differ;
//! - the target (`--target`, or `host` for build scripts and proc macros,
//!   which cargo compiles without it), the crate types (a proc macro or a
//!   build script never shares an identity with a library of the same name)
//!   and the enabled features (`--cfg feature=...`), sorted.
//!
//! It also adds `--remap-path-prefix=<CARGO_MANIFEST_DIR>=<name>-<version>`,
//! so no absolute path of the checkout reaches the code (`file!()`, panic
//! locations). cargo's `-C extra-filename` (the artifact file names) is left
//! as it is, so cargo's own bookkeeping is unchanged. Invocations without
//! `-C metadata` (`rustc -vV`, cargo's target probes, build scripts' probes)
//! pass through untouched.
//!
//! What is dropped from cargo's hash: the rustc version, the profile and the
//! dependencies' hashes. None of them separates two crates inside one crate
//! graph (cargo builds a package once per target, crate type and feature
//! set; profiles and compilers get their own target directories); they
//! only keep cargo's caches apart, which `-C extra-filename` still does.
//!
//! A wrapper the user already has (`RUSTC_WRAPPER`,
//! `CARGO_BUILD_RUSTC_WRAPPER` or `build.rustc-wrapper` in a cargo config
//! file, such as `sccache`) runs after ours, with the rewritten arguments.
//! `RUSTC_WORKSPACE_WRAPPER` is left to cargo.
//!
//! # How
//!
//! The build sets `RUSTC_WRAPPER` to the cargo-mpy executable and
//! [`ROOT_VAR`] to the package's directory; `main` calls [`run_if_wrapper`]
//! first thing, which sees the variable and runs rustc instead of the
//! command line.

use std::ffi::{OsStr, OsString};
use std::path::{Component, Path, PathBuf};
use std::process::{Command, ExitCode};

/// Set to the package's directory: the process is the rustc wrapper.
pub const ROOT_VAR: &str = "CARGO_MPY_RUSTC_WRAPPER_ROOT";
/// The user's own wrapper, run after ours.
const NEXT_VAR: &str = "CARGO_MPY_RUSTC_WRAPPER_NEXT";
/// cargo's home directory (registry and git checkouts).
const HOME_VAR: &str = "CARGO_MPY_RUSTC_WRAPPER_CARGO_HOME";
/// The directory of the runtime cargo-mpy carries, when the build uses it.
const CARRIED_VAR: &str = "CARGO_MPY_RUSTC_WRAPPER_CARRIED";

/// When this process was started as the rustc wrapper ([`ROOT_VAR`] is
/// set), runs rustc (through the user's wrapper, if any) with the rewritten
/// arguments and returns its exit code; otherwise returns `None`. On Unix
/// the process becomes rustc (`exec`), so signals and exit codes are
/// rustc's own.
pub fn run_if_wrapper() -> Option<ExitCode> {
    let root = std::env::var_os(ROOT_VAR)?;
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    // `cargo-mpy mpy ...` is a command line, never a compiler invocation.
    if args.first().is_none_or(|a| a == "mpy") {
        return None;
    }
    let crate_env = CrateEnv::from_env();
    let cargo_home = std::env::var_os(HOME_VAR).map(PathBuf::from);
    let carried = std::env::var_os(CARRIED_VAR).map(PathBuf::from);
    let anchors: Vec<(&str, &Path)> = [("carried", &carried), ("home", &cargo_home)]
        .into_iter()
        .filter_map(|(label, dir)| Some((label, dir.as_deref()?)))
        .collect();
    let args = rewrite(args, &crate_env, Path::new(&root), &anchors);
    let next = std::env::var_os(NEXT_VAR).filter(|n| !n.is_empty());
    let (program, rest) = match &next {
        Some(next) => (next.as_os_str(), &args[..]),
        None => (args[0].as_os_str(), &args[1..]),
    };
    let mut cmd = Command::new(program);
    cmd.args(rest)
        .env_remove(ROOT_VAR)
        .env_remove(NEXT_VAR)
        .env_remove(HOME_VAR)
        .env_remove(CARRIED_VAR);
    Some(run(cmd, program))
}

#[cfg(unix)]
fn run(mut cmd: Command, program: &OsStr) -> ExitCode {
    use std::os::unix::process::CommandExt;
    let err = cmd.exec();
    report_spawn_error(program, &err)
}

#[cfg(not(unix))]
fn run(mut cmd: Command, program: &OsStr) -> ExitCode {
    match cmd.status() {
        Ok(status) => ExitCode::from(status.code().map_or(101, |c| c as u8)),
        Err(err) => report_spawn_error(program, &err),
    }
}

#[allow(clippy::print_stderr)]
fn report_spawn_error(program: &OsStr, err: &std::io::Error) -> ExitCode {
    // cargo shows a wrapper's stderr under the crate it was compiling.
    eprintln!(
        "error: cargo-mpy's rustc wrapper could not run `{}`: {err}",
        program.to_string_lossy()
    );
    ExitCode::from(101)
}

/// What cargo tells rustc about the crate through the environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct CrateEnv {
    /// `CARGO_MANIFEST_DIR`.
    manifest_dir: Option<PathBuf>,
    /// `CARGO_PKG_NAME`.
    package: Option<String>,
    /// `CARGO_PKG_VERSION`.
    version: Option<String>,
}

impl CrateEnv {
    fn from_env() -> CrateEnv {
        CrateEnv {
            manifest_dir: std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from),
            package: std::env::var("CARGO_PKG_NAME").ok(),
            version: std::env::var("CARGO_PKG_VERSION").ok(),
        }
    }
}

/// What identifies a crate wherever it is built.
#[derive(Debug, Clone, PartialEq, Eq)]
struct CrateIdentity {
    name: String,
    version: String,
    /// `home:<path in cargo's home>` or `package:<path from the package>`.
    location: String,
    /// `--target`, or `host`.
    target: String,
    /// `--crate-type`s, sorted.
    crate_types: Vec<String>,
    /// Enabled features, sorted.
    features: Vec<String>,
}

impl CrateIdentity {
    /// The new `-C metadata` value: 16 hex digits, as cargo's.
    fn metadata(&self) -> String {
        let mut text = String::new();
        for part in [
            "cargo-mpy-crate-identity-1",
            &self.name,
            &self.version,
            &self.location,
            &self.target,
            &self.crate_types.join(","),
            &self.features.join(","),
        ] {
            text.push_str(part);
            text.push('\0');
        }
        format!("{:016x}", fnv1a64(text.as_bytes()))
    }
}

/// 64-bit FNV-1a.
fn fnv1a64(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The value of option `name` at `args[i]`, written `name value`,
/// `name=value` or (for one-letter options) `-Cvalue`; and how many
/// arguments it took.
fn option_value<'a>(args: &'a [OsString], i: usize, name: &str) -> Option<(&'a str, usize)> {
    let arg = args[i].to_str()?;
    if arg == name {
        return Some((args.get(i + 1)?.to_str()?, 2));
    }
    let rest = arg.strip_prefix(name)?;
    if let Some(v) = rest.strip_prefix('=') {
        return Some((v, 1));
    }
    (name.len() == 2 && !rest.is_empty()).then_some((rest, 1))
}

/// The rewritten rustc arguments (see the module docs). `args[0]` is the
/// program cargo would run (rustc, or the workspace wrapper); `anchors` are
/// the directories crates are named relative to ([`location`]).
fn rewrite(
    args: Vec<OsString>,
    env: &CrateEnv,
    root: &Path,
    anchors: &[(&str, &Path)],
) -> Vec<OsString> {
    let mut name = None;
    let mut target = None;
    let mut crate_types = Vec::new();
    let mut features = Vec::new();
    // Where the `-C metadata=` argument is: index and whether `-C` is
    // separate.
    let mut metadata_at = None;
    let mut i = 0;
    while i < args.len() {
        let mut step = 1;
        if let Some((v, n)) = option_value(&args, i, "--crate-name") {
            name = Some(v.to_string());
            step = n;
        } else if let Some((v, n)) = option_value(&args, i, "--target") {
            target = Some(v.to_string());
            step = n;
        } else if let Some((v, n)) = option_value(&args, i, "--crate-type") {
            crate_types.extend(v.split(',').map(str::to_string));
            step = n;
        } else if let Some((v, n)) = option_value(&args, i, "--cfg") {
            if let Some(f) = v.strip_prefix("feature=") {
                features.push(f.trim_matches('"').to_string());
            }
            step = n;
        } else if let Some((v, n)) = option_value(&args, i, "-C") {
            if v.starts_with("metadata=") {
                metadata_at = Some((i, n == 2));
            }
            step = n;
        }
        i += step;
    }
    let (Some(name), Some((at, separate)), Some(dir)) = (name, metadata_at, &env.manifest_dir)
    else {
        return args;
    };
    let version = env.version.clone().unwrap_or_default();
    let canonical = dir.canonicalize().unwrap_or_else(|_| dir.clone());
    crate_types.sort();
    features.sort();
    let identity = CrateIdentity {
        name,
        version: version.clone(),
        location: location(&canonical, root, anchors),
        target: target.unwrap_or_else(|| "host".to_string()),
        crate_types,
        features,
    };
    let mut out = args;
    let metadata = format!("metadata={}", identity.metadata());
    if separate {
        out[at + 1] = metadata.into();
    } else {
        out[at] = format!("-C{metadata}").into();
    }
    let package = env.package.clone().unwrap_or_else(|| identity.name.clone());
    let mut remap_dirs = vec![dir.clone()];
    if canonical != *dir {
        remap_dirs.push(canonical);
    }
    for d in remap_dirs {
        let mut remap = OsString::from("--remap-path-prefix=");
        remap.push(d.as_os_str());
        remap.push(format!("={package}-{version}"));
        out.push(remap);
    }
    out
}

/// Where a crate lives, independent of where the checkout is: its path in
/// the first of `anchors` (label, directory: the carried runtime, cargo's
/// home) that holds it, `label:path`; else relative to the package.
fn location(dir: &Path, root: &Path, anchors: &[(&str, &Path)]) -> String {
    for (label, anchor) in anchors {
        let anchor = anchor
            .canonicalize()
            .unwrap_or_else(|_| anchor.to_path_buf());
        if let Ok(rel) = dir.strip_prefix(&anchor) {
            return format!("{label}:{}", slashed(rel));
        }
    }
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    format!("package:{}", slashed(&relative(&root, dir)))
}

/// `to` relative to `from` (both absolute): `../../runtime/mpy`.
fn relative(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<Component<'_>> = from.components().collect();
    let to: Vec<Component<'_>> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for c in &to[common..] {
        out.push(c.as_os_str());
    }
    out
}

/// A path with `/` between its components, whatever the platform.
fn slashed(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// cargo's home: `CARGO_HOME`, else `~/.cargo`.
fn cargo_home() -> Option<PathBuf> {
    std::env::var_os("CARGO_HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
}

/// The wrapper the user has configured for cargo run from `dir`:
/// `RUSTC_WRAPPER`, `CARGO_BUILD_RUSTC_WRAPPER`, else `build.rustc-wrapper`
/// from the cargo config files cargo would read (`.cargo/config.toml` in
/// `dir` and its parents, nearest first, then cargo's home). An empty value
/// means none, as for cargo.
fn user_wrapper(dir: &Path) -> Option<OsString> {
    for var in ["RUSTC_WRAPPER", "CARGO_BUILD_RUSTC_WRAPPER"] {
        if let Some(v) = std::env::var_os(var) {
            return (!v.is_empty()).then_some(v);
        }
    }
    let mut files: Vec<PathBuf> = dir
        .ancestors()
        .flat_map(|d| [d.join(".cargo/config.toml"), d.join(".cargo/config")])
        .collect();
    if let Some(home) = cargo_home() {
        files.extend([home.join("config.toml"), home.join("config")]);
    }
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let Ok(doc) = toml::from_str::<toml::Table>(&text) else {
            continue;
        };
        let Some(value) = doc
            .get("build")
            .and_then(|b| b.get("rustc-wrapper"))
            .and_then(|w| w.as_str())
        else {
            continue;
        };
        if value.is_empty() {
            return None;
        }
        // A path with a separator is relative to the directory holding
        // `.cargo`; a bare name is looked up on `PATH`.
        if value.contains('/') || value.contains(std::path::MAIN_SEPARATOR) {
            let base = file
                .parent()
                .and_then(Path::parent)
                .unwrap_or(Path::new("."));
            return Some(base.join(value).into_os_string());
        }
        return Some(value.into());
    }
    None
}

/// Sets up `cmd` (a `cargo` building the package in `package_dir`) to run
/// rustc through `exe` (the cargo-mpy executable) as described in the
/// module docs; `carried` is the directory of the carried runtime when the
/// build patches it in.
pub(crate) fn configure(cmd: &mut Command, exe: &Path, package_dir: &Path, carried: Option<&Path>) {
    cmd.env("RUSTC_WRAPPER", exe).env(ROOT_VAR, package_dir);
    match user_wrapper(package_dir) {
        Some(next) if Path::new(&next) != exe => cmd.env(NEXT_VAR, next),
        _ => cmd.env_remove(NEXT_VAR),
    };
    match cargo_home() {
        Some(home) => cmd.env(HOME_VAR, home),
        None => cmd.env_remove(HOME_VAR),
    };
    match carried {
        Some(dir) => cmd.env(CARRIED_VAR, dir),
        None => cmd.env_remove(CARRIED_VAR),
    };
}

/// The cargo-mpy executable to use as the wrapper: `explicit` when given,
/// else this process's own executable when it is cargo-mpy (a test binary
/// using the library is not).
pub(crate) fn wrapper_exe(explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = explicit {
        return Some(p.to_path_buf());
    }
    let exe = std::env::current_exe().ok()?;
    let stem = exe.file_stem()?.to_str()?;
    (stem == "cargo-mpy").then_some(exe)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    fn strings(args: &[OsString]) -> Vec<String> {
        args.iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    fn env(dir: &str) -> CrateEnv {
        CrateEnv {
            manifest_dir: Some(PathBuf::from(dir)),
            package: Some("mpy-sys".into()),
            version: Some("0.1.0".into()),
        }
    }

    const INVOCATION: &[&str] = &[
        "rustc",
        "--crate-name",
        "mpy_sys",
        "--edition=2021",
        "src/lib.rs",
        "--crate-type",
        "lib",
        "--cfg",
        "feature=\"b\"",
        "--cfg",
        "feature=\"a\"",
        "--cfg",
        "mpy_module",
        "-C",
        "metadata=0123456789abcdef",
        "-C",
        "extra-filename=-0123456789abcdef",
        "--target",
        "thumbv7m-none-eabi",
    ];

    #[test]
    fn metadata_is_the_same_from_two_checkouts() {
        let a = rewrite(
            os(INVOCATION),
            &env("/one/repo/runtime/mpy-sys"),
            Path::new("/one/repo/examples/m"),
            &[],
        );
        let b = rewrite(
            os(INVOCATION),
            &env("/deeper/two/checkout/runtime/mpy-sys"),
            Path::new("/deeper/two/checkout/examples/m"),
            &[],
        );
        let (a, b) = (strings(&a), strings(&b));
        let meta = |v: &[String]| v[v.iter().position(|x| x == "-C").unwrap() + 1].clone();
        assert_eq!(meta(&a), meta(&b));
        assert_ne!(meta(&a), "metadata=0123456789abcdef");
        // Only the metadata changed, and one remap was added.
        assert_eq!(a.len(), INVOCATION.len() + 1);
        assert!(a.contains(&"extra-filename=-0123456789abcdef".to_string()));
        assert_eq!(
            a.last().unwrap(),
            "--remap-path-prefix=/one/repo/runtime/mpy-sys=mpy-sys-0.1.0"
        );
    }

    #[test]
    fn what_separates_two_crates() {
        let meta = |args: &[&str], dir: &str, root: &str, home: Option<&str>| {
            let anchors: Vec<(&str, &Path)> =
                home.map(|h| ("home", Path::new(h))).into_iter().collect();
            let out = rewrite(os(args), &env(dir), Path::new(root), &anchors);
            strings(&out)
                .into_iter()
                .find(|a| a.starts_with("metadata="))
                .unwrap()
        };
        let base = meta(INVOCATION, "/r/runtime/mpy-sys", "/r/examples/m", None);
        // Another place relative to the package: another source.
        assert_ne!(
            base,
            meta(INVOCATION, "/r/vendor/mpy-sys", "/r/examples/m", None)
        );
        // Features, in any order.
        let mut swapped = INVOCATION.to_vec();
        swapped.swap(8, 10);
        assert_eq!(
            base,
            meta(&swapped, "/r/runtime/mpy-sys", "/r/examples/m", None)
        );
        let mut fewer = INVOCATION.to_vec();
        fewer[8] = "feature=\"c\"";
        assert_ne!(
            base,
            meta(&fewer, "/r/runtime/mpy-sys", "/r/examples/m", None)
        );
        // Host (no --target) and target builds.
        let host = &INVOCATION[..INVOCATION.len() - 2];
        assert_ne!(
            base,
            meta(host, "/r/runtime/mpy-sys", "/r/examples/m", None)
        );
        // Crate type.
        let mut pm = INVOCATION.to_vec();
        pm[6] = "proc-macro";
        assert_ne!(base, meta(&pm, "/r/runtime/mpy-sys", "/r/examples/m", None));
        // A registry crate: its place in cargo's home, wherever the package is.
        let reg = "/home/u/.cargo/registry/src/index-1/mpy-sys-0.1.0";
        let other = "/other/.cargo/registry/src/index-1/mpy-sys-0.1.0";
        assert_eq!(
            meta(INVOCATION, reg, "/a/m", Some("/home/u/.cargo")),
            meta(INVOCATION, other, "/b/c/m", Some("/other/.cargo"))
        );
        // A crate of the carried runtime: its place in the extracted runtime,
        // wherever the cache and the package are.
        let carried = |dir: &str, runtime: &str, root: &str| {
            let out = rewrite(
                os(INVOCATION),
                &env(dir),
                Path::new(root),
                &[
                    ("carried", Path::new(runtime)),
                    ("home", Path::new("/h/.cargo")),
                ],
            );
            strings(&out)
                .into_iter()
                .find(|a| a.starts_with("metadata="))
                .unwrap()
        };
        let a = carried(
            "/home/u/.cache/cargo-mpy/rt-1/mpy-sys",
            "/home/u/.cache/cargo-mpy/rt-1",
            "/a/m",
        );
        assert_eq!(a, carried("/c/rt-1/mpy-sys", "/c/rt-1", "/b/c/d/m"));
        assert_ne!(a, carried("/c/rt-1/mpy", "/c/rt-1", "/b/c/d/m"));
        // Without the anchor the same crate would be named relative to the package.
        assert_ne!(a, meta(INVOCATION, "/c/rt-1/mpy-sys", "/b/c/d/m", None));
        // The version (read from the environment).
        let out = rewrite(
            os(INVOCATION),
            &CrateEnv {
                version: Some("0.2.0".into()),
                ..env("/r/runtime/mpy-sys")
            },
            Path::new("/r/examples/m"),
            &[],
        );
        assert!(!strings(&out).contains(&base));
    }

    #[test]
    fn invocations_without_metadata_pass_through() {
        for args in [
            &["rustc", "-vV"][..],
            &[
                "rustc",
                "-",
                "--crate-name",
                "___",
                "--print=file-names",
                "--crate-type",
                "bin",
            ][..],
        ] {
            assert_eq!(
                rewrite(os(args), &env("/r/x"), Path::new("/r"), &[]),
                os(args)
            );
        }
    }

    #[test]
    fn joined_option_spellings() {
        let args = [
            "rustc",
            "--crate-name=m",
            "--crate-type=staticlib",
            "-Cmetadata=00",
            "--target=x",
        ];
        let out = strings(&rewrite(os(&args), &env("/r/m"), Path::new("/r/m"), &[]));
        assert!(out[3].starts_with("-Cmetadata=") && out[3] != "-Cmetadata=00");
    }

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative(Path::new("/r/examples/m"), Path::new("/r/runtime/mpy")),
            PathBuf::from("../../runtime/mpy")
        );
        assert_eq!(
            relative(Path::new("/r/m"), Path::new("/r/m")),
            PathBuf::new()
        );
        assert_eq!(
            relative(Path::new("/r/m"), Path::new("/r/m/sub")),
            PathBuf::from("sub")
        );
    }
}
