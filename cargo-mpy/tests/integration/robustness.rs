//! The defects of issue 12 that live in cargo-mpy, one test each: module
//! names Python cannot import, two sources mapped to one object file,
//! manifest messages that do not name their key, builds of one package at
//! once, and a failed architecture next to good ones.
//!
//! Fixture projects are written to temporary directories and build with no
//! MicroPython tree (C sources use the header cargo-mpy ships). Tests that need a tool that is not installed
//! say so and pass; `MPY_TEST_REQUIRE_TOOLS=1` turns that into a failure.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use mpy_link::Arch;
use mpy_tests::{c_compiler, skip_unless, Skip, TestResult, Trial};

pub(crate) fn trials() -> Vec<Trial> {
    mpy_tests::trials!(
        "robustness",
        [
            module_names_python_cannot_import_are_refused,
            every_source_gets_its_own_object,
            manifest_messages_name_the_key,
            glob_characters_in_the_package_path_are_literal,
            parallel_builds_of_one_package_are_both_right,
            a_build_waits_for_the_lock_on_its_build_directory,
            a_failing_architecture_leaves_the_others_alone,
            a_failed_build_keeps_another_builds_copy,
        ]
    )
}

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_cargo-mpy")
}

/// A temporary directory holding fixture projects.
struct Fixture {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

impl Fixture {
    fn new() -> Fixture {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_owned();
        Fixture { _tmp: tmp, root }
    }

    /// A project directory with these files.
    fn project(&self, name: &str, files: &[(&str, &str)]) -> PathBuf {
        let dir = self.root.join(name);
        for (path, text) in files {
            let p = dir.join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        dir
    }
}

/// `cargo mpy ARGS` run in `dir`, with no MicroPython tree.
fn cargo_mpy(dir: &Path, args: &[&str]) -> Output {
    Command::new(bin())
        .arg("mpy")
        .args(args)
        .current_dir(dir)
        .env_remove("MPY_DIR")
        .env_remove("CARGO_TARGET_DIR")
        .env("CARGO_TERM_COLOR", "never")
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `cargo mpy build ARGS` in `dir`, which must fail with exit code 1; its
/// stderr.
fn build_fails(dir: &Path, args: &[&str]) -> String {
    let mut all = vec!["build"];
    all.extend_from_slice(args);
    let o = cargo_mpy(dir, &all);
    assert_eq!(o.status.code(), Some(1), "expected failure: {}", stderr(&o));
    stderr(&o)
}

fn manifest(name: &str, table: &str) -> String {
    format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\n\n[package.metadata.mpy]\n{table}\n"
    )
}

/// A C module defining `name()` that returns `value`.
fn c_module(name: &str, value: i32) -> String {
    format!(
        r#"#include "py/dynruntime.h"
static mp_obj_t {name}(void) {{
    return mp_obj_new_int({value});
}}
static MP_DEFINE_CONST_FUN_OBJ_0({name}_obj, {name});
mp_obj_t mpy_init(mp_obj_fun_bc_t *self, size_t n_args, size_t n_kw, mp_obj_t *args) {{
    MP_DYNRUNTIME_INIT_ENTRY
    mp_store_global(MP_QSTR_{name}, MP_OBJ_FROM_PTR(&{name}_obj));
    MP_DYNRUNTIME_INIT_EXIT
}}
"#
    )
}

/// A C file defining the global function `name` returning `value`.
fn c_helper(name: &str, value: i32) -> String {
    format!("int {name}(void) {{ return {value}; }}\n")
}

/// Issue 12.6: `build` refuses module names Python cannot import, with the
/// rule `new` applies, and says what a valid name is.
fn module_names_python_cannot_import_are_refused() -> TestResult {
    let fx = Fixture::new();
    let dir = fx.project(
        "dotted",
        &[
            (
                "Cargo.toml",
                &manifest("dotted", "module = \"my-mod.x\"\nsources = [\"m.c\"]"),
            ),
            ("m.c", ""),
        ],
    );
    let err = build_fails(&dir, &[]);
    assert!(
        err.contains("`my-mod.x` is not a valid module name")
            && err.contains("letters, digits and `_`")
            && err.contains("`module`"),
        "{err}"
    );
    assert!(!dir.join("target/mpy/x64/debug/my-mod.x.mpy").exists());

    // No `module` key: the package name is the module name.
    let dir = fx.project(
        "c-mod",
        &[
            ("Cargo.toml", &manifest("c-mod", "sources = [\"m.c\"]")),
            ("m.c", ""),
        ],
    );
    let err = build_fails(&dir, &[]);
    assert!(
        err.contains("package name `c-mod` is not a valid module name")
            && err.contains("help: set `module = \"c_mod\"`"),
        "{err}"
    );

    // A keyword cannot be imported either; `new` and `build` agree.
    let dir = fx.project(
        "kw",
        &[
            (
                "Cargo.toml",
                &manifest("kw", "module = \"class\"\nsources = [\"m.c\"]"),
            ),
            ("m.c", ""),
        ],
    );
    let err = build_fails(&dir, &[]);
    assert!(err.contains("`class` is not a valid module name"), "{err}");
    assert!(err.contains("Python keyword"), "{err}");
    let o = cargo_mpy(&fx.root, &["new", "--lang", "c", "class"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("`class` is not a valid module name"),
        "{}",
        stderr(&o)
    );
    Ok(())
}

/// Issue 12.7: sources whose flattened paths coincide (`../outside/ext.c`
/// and `__/outside/ext.c`; an absolute `/x/b.c` and a relative `x/b.c`;
/// `m.c` and `m.S`) get an object file each.
fn every_source_gets_its_own_object() -> TestResult {
    let cc = skip_unless!(c_compiler(Arch::X64));
    let _ = cc;
    let fx = Fixture::new();
    let abs_dir = fx.root.join("abs");
    let files_dir = fx.project("abs", &[("pkg/b.c", &c_helper("from_absolute", 3))]);
    assert_eq!(files_dir, abs_dir);
    let abs_src = abs_dir.join("pkg/b.c");
    // The relative twin of the absolute path, below the package.
    let rel_twin = abs_src
        .strip_prefix("/")
        .unwrap()
        .to_string_lossy()
        .into_owned();
    fx.project("outside", &[("ext.c", &c_helper("from_parent", 1))]);
    let table = format!(
        "sources = [\"m.c\", \"../outside/ext.c\", \"__/outside/ext.c\", {:?}, {:?}, \"m.S\"]",
        abs_src.display().to_string(),
        rel_twin
    );
    let asm = "    .text\n    .globl from_asm\nfrom_asm:\n    mov $4, %eax\n    ret\n";
    let main = format!(
        "{}int from_parent(void);\nint from_underscores(void);\nint from_absolute(void);\nint from_relative(void);\nint from_asm(void);\nint total(void) {{ return from_parent() + from_underscores() + from_absolute() + from_relative() + from_asm(); }}\n",
        c_module("m", 0)
    );
    let dir = fx.project(
        "pkg",
        &[
            ("Cargo.toml", &manifest("m", &table)),
            ("m.c", &main),
            ("__/outside/ext.c", &c_helper("from_underscores", 2)),
            (&rel_twin, &c_helper("from_relative", 5)),
            ("m.S", asm),
        ],
    );
    let o = cargo_mpy(&dir, &["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Five objects besides m.c's, all distinct files.
    let obj_root = std::fs::read_dir(dir.join("target/mpy/x64/debug/build"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path()
        .join("obj");
    let mut objects = Vec::new();
    let mut stack = vec![obj_root];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "o") {
                objects.push(p);
            }
        }
    }
    assert_eq!(objects.len(), 6, "{objects:?}");
    Ok(())
}

/// Issue 12.8: a value of the wrong type names its key; an unknown key in
/// an architecture's table names that table; a bad glob points into the
/// pattern as written.
fn manifest_messages_name_the_key() -> TestResult {
    let fx = Fixture::new();
    let dir = fx.project(
        "wrong_type",
        &[("Cargo.toml", &manifest("m", "sources = \"src/cmod.c\""))],
    );
    let err = build_fails(&dir, &[]);
    assert!(
        err.contains("`package.metadata.mpy.sources`")
            && err.contains("expected a list of strings")
            && err.contains("write [\"src/cmod.c\"]"),
        "{err}"
    );

    let dir = fx.project(
        "wrong_type_arch",
        &[(
            "Cargo.toml",
            &manifest(
                "m",
                "sources = [\"a.c\"]\n[package.metadata.mpy.arch.x64]\ncflags = \"-O2\"",
            ),
        )],
    );
    let err = build_fails(&dir, &[]);
    assert!(
        err.contains("`package.metadata.mpy.arch.x64.cflags`"),
        "{err}"
    );

    let dir = fx.project(
        "not_a_table",
        &[(
            "Cargo.toml",
            "[package]\nname = \"m\"\nversion = \"0.1.0\"\n[package.metadata]\nmpy = \"x\"\n",
        )],
    );
    let err = build_fails(&dir, &[]);
    assert!(
        err.contains("`package.metadata.mpy`") && err.contains("expected a table"),
        "{err}"
    );
    assert!(!err.contains("RawConfig"), "{err}");

    let dir = fx.project(
        "arch_not_a_table",
        &[(
            "Cargo.toml",
            &manifest("m", "sources = [\"a.c\"]\narch = { x64 = 3 }"),
        )],
    );
    let err = build_fails(&dir, &[]);
    assert!(
        err.contains("`package.metadata.mpy.arch.x64`") && err.contains("expected a table"),
        "{err}"
    );
    assert!(!err.contains("ArchConfig"), "{err}");

    let dir = fx.project(
        "unknown_in_arch",
        &[(
            "Cargo.toml",
            &manifest(
                "m",
                "sources = [\"a.c\"]\n[package.metadata.mpy.arch.x64]\nsorces = []",
            ),
        )],
    );
    let err = build_fails(&dir, &[]);
    assert!(
        err.contains("unknown key `sorces` in `[package.metadata.mpy.arch.x64]`"),
        "{err}"
    );
    // An architecture's table takes neither `arch` nor `default-arch`.
    assert!(
        err.contains("`sources`") && !err.contains("`default-arch`"),
        "{err}"
    );

    let dir = fx.project(
        "unknown_top",
        &[(
            "Cargo.toml",
            &manifest("m", "sources = [\"a.c\"]\nsorces = []"),
        )],
    );
    let err = build_fails(&dir, &[]);
    assert!(
        err.contains("unknown key `sorces` in `[package.metadata.mpy]`")
            && err.contains("`default-arch`"),
        "{err}"
    );

    let dir = fx.project(
        "bad_glob",
        &[("Cargo.toml", &manifest("m", "sources = [\"src/a**.c\"]"))],
    );
    let err = build_fails(&dir, &[]);
    assert!(err.contains("invalid glob `src/a**.c`"), "{err}");
    // The position is in the pattern as written (5: the range), not in the
    // absolute path it was joined to.
    assert!(
        err.contains("position 4") || err.contains("position 5"),
        "{err}"
    );
    let abs = dir.display().to_string();
    let pos: usize = err
        .split("position ")
        .nth(1)
        .and_then(|s| s.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(usize::MAX);
    assert!(pos < abs.len(), "{err}");
    Ok(())
}

/// A manifest directory whose path holds glob characters still finds its
/// sources (the directory is not a pattern).
fn glob_characters_in_the_package_path_are_literal() -> TestResult {
    let _cc = skip_unless!(c_compiler(Arch::X64));
    let fx = Fixture::new();
    let dir = fx.project(
        "odd[dir]*",
        &[
            ("Cargo.toml", &manifest("m", "sources = [\"src/*.c\"]")),
            ("src/m.c", &c_module("m", 1)),
        ],
    );
    let o = cargo_mpy(&dir, &["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    Ok(())
}

/// The architectures whose C compiler is installed, of `wanted` (all of
/// them, or a failure, under `MPY_TEST_REQUIRE_TOOLS=1`).
fn installed(wanted: &[Arch]) -> Vec<Arch> {
    wanted
        .iter()
        .copied()
        .filter(|&a| match c_compiler(a) {
            Ok(_) => true,
            Err(skip) => {
                eprintln!("not building {a}: {skip}");
                false
            }
        })
        .collect()
}

fn arch_list(arches: &[Arch]) -> String {
    arches
        .iter()
        .map(|a| a.name())
        .collect::<Vec<_>>()
        .join(",")
}

/// A C package of two sources (one with 64-bit division, so the runtime
/// libraries are linked on 32-bit targets), with an `.S`-free source list.
fn two_source_package(fx: &Fixture, name: &str) -> PathBuf {
    let stats = r#"#include "py/dynruntime.h"
long long scaled(long long a, long long b);
static mp_obj_t mean(mp_obj_t a, mp_obj_t b) {
    return mp_obj_new_int((mp_int_t)scaled(mp_obj_get_int(a), mp_obj_get_int(b)));
}
static MP_DEFINE_CONST_FUN_OBJ_2(mean_obj, mean);
mp_obj_t mpy_init(mp_obj_fun_bc_t *self, size_t n_args, size_t n_kw, mp_obj_t *args) {
    MP_DYNRUNTIME_INIT_ENTRY
    mp_store_global(MP_QSTR_mean, MP_OBJ_FROM_PTR(&mean_obj));
    MP_DYNRUNTIME_INIT_EXIT
}
"#;
    let helper = "#ifdef BROKEN\n#error broken on purpose\n#endif\n#ifndef OFFSET\n#define OFFSET 0\n#endif\nlong long scaled(long long a, long long b) {\n    return (a + b) / 2 + OFFSET;\n}\n";
    fx.project(
        name,
        &[
            (
                "Cargo.toml",
                &manifest(
                    "stats",
                    "sources = [\"src/stats.c\", \"src/helper.c\"]\nlink-runtime = true",
                ),
            ),
            ("src/stats.c", stats),
            ("src/helper.c", helper),
        ],
    )
}

/// Issue 12.1: two builds of one package at once, with one target
/// directory and one `--out-dir`, both succeed, and what they leave is what
/// a build on its own writes. Several rounds, from a clean target directory
/// each time, the second build starting a little later in some.
fn parallel_builds_of_one_package_are_both_right() -> TestResult {
    let arches = installed(&[
        Arch::X86,
        Arch::X64,
        Arch::Armv6m,
        Arch::Armv7m,
        Arch::Armv7emsp,
        Arch::Armv7emdp,
        Arch::Xtensa,
        Arch::Rv32imc,
        Arch::Rv64imc,
    ]);
    if arches.is_empty() {
        return Err(Skip(
            "no C cross compiler is installed (scripts/install-deps.sh)".into(),
        ));
    }
    let list = arch_list(&arches);
    let fx = Fixture::new();
    let dir = two_source_package(&fx, "pkg");
    let build = |out: &str| {
        Command::new(bin())
            .args(["mpy", "build", "--arch", &list, "--out-dir", out])
            .current_dir(&dir)
            .env_remove("MPY_DIR")
            .env_remove("CARGO_TARGET_DIR")
            .env("CARGO_TERM_COLOR", "never")
            .output()
            .unwrap()
    };
    let o = build("alone");
    assert!(o.status.success(), "{}", stderr(&o));
    let expected: Vec<Vec<u8>> = arches
        .iter()
        .map(|a| std::fs::read(dir.join(format!("alone/stats_{}.mpy", a.name()))).unwrap())
        .collect();
    let mut blocked = 0;
    for round in 0..4 {
        std::fs::remove_dir_all(dir.join("target")).unwrap();
        let _ = std::fs::remove_dir_all(dir.join("out"));
        let delay = std::time::Duration::from_millis([0, 50, 150, 300][round]);
        let (a, b) = std::thread::scope(|s| {
            let a = s.spawn(|| build("out"));
            std::thread::sleep(delay);
            let b = s.spawn(|| build("out"));
            (a.join().unwrap(), b.join().unwrap())
        });
        for o in [&a, &b] {
            let err = stderr(o);
            assert!(o.status.success(), "round {round}: {err}");
            blocked += usize::from(err.contains("Blocking waiting for file lock"));
            for (arch, want) in arches.iter().zip(&expected) {
                // Every path it printed is there, with the bytes a build on
                // its own writes.
                let path = dir.join(format!("out/stats_{}.mpy", arch.name()));
                assert!(err.contains(&path.display().to_string()), "{err}");
                let got = std::fs::read(&path)
                    .unwrap_or_else(|e| panic!("round {round}: {}: {e}", path.display()));
                assert!(got == *want, "round {round}: {arch} differs");
                let own = dir.join(format!("target/mpy/{}/debug/stats.mpy", arch.name()));
                assert!(
                    std::fs::read(&own).unwrap() == *want,
                    "round {round}: {arch}"
                );
            }
        }
        // Nothing but the modules is left in `--out-dir`.
        let mut names: Vec<String> = std::fs::read_dir(dir.join("out"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names.len(), arches.len(), "{names:?}");
    }
    eprintln!("{blocked} of 8 builds waited for the lock");
    Ok(())
}

/// Issue 12.1: the build directory is locked for the whole build, and a
/// build that finds it locked says so and waits, as cargo does.
fn a_build_waits_for_the_lock_on_its_build_directory() -> TestResult {
    let _cc = skip_unless!(c_compiler(Arch::X64));
    let fx = Fixture::new();
    let dir = fx.project(
        "locked",
        &[
            ("Cargo.toml", &manifest("m", "sources = [\"m.c\"]")),
            ("m.c", &c_module("m", 7)),
        ],
    );
    let lock_path = dir.join("target/mpy/.cargo-mpy-lock");
    std::fs::create_dir_all(lock_path.parent().unwrap()).unwrap();
    let lock = std::fs::File::create(&lock_path).unwrap();
    lock.lock().unwrap();
    let mut child = Command::new(bin())
        .args(["mpy", "build"])
        .current_dir(&dir)
        .env_remove("MPY_DIR")
        .env_remove("CARGO_TARGET_DIR")
        .env("CARGO_TERM_COLOR", "never")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // It says it waits, and does.
    let mut stderr_pipe = child.stderr.take().unwrap();
    let mut first = String::new();
    {
        use std::io::BufRead;
        let mut reader = std::io::BufReader::new(&mut stderr_pipe);
        reader.read_line(&mut first).unwrap();
    }
    assert!(
        first.contains("Blocking waiting for file lock on build directory"),
        "{first}"
    );
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the build did not wait"
    );
    assert!(!dir.join("target/mpy/x64/debug/m.mpy").exists());
    lock.unlock().unwrap();
    let status = child.wait().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr_pipe, &mut rest).unwrap();
    assert!(status.success(), "{first}{rest}");
    assert!(dir.join("target/mpy/x64/debug/m.mpy").is_file());
    Ok(())
}

/// Issue 14: one failing architecture leaves the other architectures'
/// outputs (built now or before) alone, and removes its own, in the target
/// directory and in `--out-dir`.
fn a_failing_architecture_leaves_the_others_alone() -> TestResult {
    let arches = installed(&[Arch::X64, Arch::Armv6m, Arch::Rv32imc]);
    if arches.len() < 2 {
        return Err(Skip(
            "fewer than two C compilers are installed (scripts/install-deps.sh)".into(),
        ));
    }
    let list = arch_list(&arches);
    let fx = Fixture::new();
    let dir = two_source_package(&fx, "pkg");
    let o = cargo_mpy(&dir, &["build", "--arch", &list, "--out-dir", "out"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = |a: Arch| dir.join(format!("out/stats_{}.mpy", a.name()));
    let own = |a: Arch| dir.join(format!("target/mpy/{}/debug/stats.mpy", a.name()));
    // Break the second architecture only; change the source so every
    // architecture has work to do.
    let broken = arches[1];
    let manifest_path = dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest_path).unwrap();
    std::fs::write(
        &manifest_path,
        format!(
            "{text}\n[package.metadata.mpy.arch.{}]\ncflags = [\"-DBROKEN\"]\n",
            broken.name()
        ),
    )
    .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let stats = dir.join("src/stats.c");
    let src = std::fs::read_to_string(&stats).unwrap();
    std::fs::write(&stats, src.replace("mean", "average")).unwrap();
    let o = cargo_mpy(&dir, &["build", "--arch", &list, "--out-dir", "out"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("broken on purpose"), "{err}");
    assert!(
        err.contains(&format!("could not build `stats` for {}", broken.name())),
        "{err}"
    );
    for &a in &arches {
        if a == broken {
            assert!(!own(a).exists(), "{a}: stale output left");
            assert!(!out(a).exists(), "{a}: stale copy left");
        } else {
            // Built now, from the new source.
            let bytes = std::fs::read(out(a)).unwrap_or_else(|e| panic!("{a}: {e}"));
            assert_eq!(std::fs::read(own(a)).unwrap(), bytes);
            let mpy = mpy_link::mpy::read::read("m", &bytes).unwrap();
            let qstrs: Vec<String> = mpy
                .qstrs
                .iter()
                .map(|q| q.qstr.text().into_owned())
                .collect();
            assert!(qstrs.iter().any(|q| q == "average"), "{a}: {qstrs:?}");
        }
    }
    Ok(())
}

/// Issue 12.1: a failed build removes only what it wrote itself: a copy in
/// `--out-dir` written by a build with another target directory stays.
fn a_failed_build_keeps_another_builds_copy() -> TestResult {
    let _cc = skip_unless!(c_compiler(Arch::X64));
    let fx = Fixture::new();
    let dir = two_source_package(&fx, "pkg");
    let shared_out = fx.root.join("shared-out");
    let build = |target: &str, cflags: &str| {
        Command::new(bin())
            .args(["mpy", "build", "--out-dir"])
            .arg(&shared_out)
            .current_dir(&dir)
            .env_remove("MPY_DIR")
            .env("CARGO_TARGET_DIR", fx.root.join(target))
            .env("CFLAGS", cflags)
            .env("CARGO_TERM_COLOR", "never")
            .output()
            .unwrap()
    };
    // The second target directory has an earlier output of its own.
    let o = build("target-b", "");
    assert!(o.status.success(), "{}", stderr(&o));
    let o = build("target-a", "-DOFFSET=5");
    assert!(o.status.success(), "{}", stderr(&o));
    let good = std::fs::read(shared_out.join("stats.mpy")).unwrap();
    let o = build("target-b", "-DBROKEN");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(!fx.root.join("target-b/mpy/x64/debug/stats.mpy").exists());
    assert!(
        std::fs::read(shared_out.join("stats.mpy")).ok() == Some(good),
        "the other build's copy was removed or changed"
    );
    Ok(())
}
