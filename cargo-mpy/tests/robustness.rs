//! The defects of issue 12 that live in cargo-mpy, one test each: module
//! names Python cannot import, two sources mapped to one object file,
//! manifest messages that do not name their key, builds of one package at
//! once, and a failed architecture next to good ones.
//!
//! Fixture projects are written to temporary directories; the C headers
//! come from the project's stand-in MicroPython tree
//! (`tests/support/mpy-tree`). Tests that need a tool that is not installed
//! say so and pass; `MPY_TEST_REQUIRE_TOOLS=1` turns that into a failure.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use mpy_link::Arch;
use mpy_tests::{c_compiler, skip_unless, workspace_root};

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

/// `cargo mpy ARGS` run in `dir`, with the stand-in MicroPython tree.
fn cargo_mpy(dir: &Path, args: &[&str]) -> Output {
    Command::new(bin())
        .arg("mpy")
        .args(args)
        .current_dir(dir)
        .env("MPY_DIR", workspace_root().join("tests/support/mpy-tree"))
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
#[test]
fn module_names_python_cannot_import_are_refused() {
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
}

/// Issue 12.7: sources whose flattened paths coincide (`../outside/ext.c`
/// and `__/outside/ext.c`; an absolute `/x/b.c` and a relative `x/b.c`;
/// `m.c` and `m.S`) get an object file each.
#[test]
fn every_source_gets_its_own_object() {
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
}

/// Issue 12.8: a value of the wrong type names its key; an unknown key in
/// an architecture's table names that table; a bad glob points into the
/// pattern as written.
#[test]
fn manifest_messages_name_the_key() {
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
}

/// A manifest directory whose path holds glob characters still finds its
/// sources (the directory is not a pattern).
#[test]
fn glob_characters_in_the_package_path_are_literal() {
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
}
