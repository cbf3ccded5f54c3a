//! The C examples built for the ESP32 (xtensawin) the way cargo-mpy is to
//! build them without ESP-IDF: Debian's clang-22 to assembly, llvm-mc-22 to
//! objects (`scripts/xtensawin-cc.sh`), linked by mpy-link with cargo-mpy's
//! helper library, then run in the test loader under qemu-xtensa. Floats
//! take the ESP32's path: single precision, the FPU for + - *, helpers for
//! division and conversions.

use std::path::{Path, PathBuf};

use mpy_link::Arch;
use mpy_tests::{
    check_relocations, compile_c, libgcc, link_objects, qstr_header, run_loader, skip_unless,
    temp_dir, workspace_root, Skip,
};

const ARCH: Arch = Arch::Xtensawin;

/// Builds C sources against the project's `py/dynruntime.h` stand-in, as
/// `cargo mpy build` does with `mpy-dir = tests/support/mpy-tree`.
fn build(sources: &[PathBuf], dir: &Path, name: &str) -> Result<PathBuf, Skip> {
    let header = qstr_header(sources, &dir.join(format!("{name}.config.h")));
    let mpy_tree = format!(
        "-I{}",
        workspace_root().join("tests/support/mpy-tree").display()
    );
    let mut objs = Vec::new();
    for src in sources {
        objs.push(compile_c(ARCH, src, &header, dir, &[&mpy_tree])?);
    }
    let helpers = libgcc(ARCH)?;
    let module = link_objects(
        ARCH,
        &objs,
        &[helpers],
        &header,
        &dir.join(format!("{name}.mpy")),
    );
    check_relocations(ARCH, &module);
    Ok(module)
}

#[test]
fn c_stats_runs_on_xtensawin() {
    let ex = workspace_root().join("examples/c-stats/src");
    let dir = temp_dir("xtensawin-stats");
    let module = skip_unless!(build(
        &[ex.join("helpers.c"), ex.join("stats.c")],
        dir.path(),
        "stats"
    ));
    // The same answers as in MicroPython on x64 (cargo-mpy/tests/examples.rs).
    let cases = [
        ("call mean 1 2 3 4", "2.5"),
        ("call median 5 1 3", "3"),
        ("call record 3", "2"),
        ("call record 70", "6"),
        ("call counts", "[0, 0, 1, 0, 0, 0, 1, 0]"),
        ("call scaled_mean 1 0 2", "2147483648"),
        ("call mean", "exception: ValueError: no data"),
        ("call record 5000", "exception: ValueError: value too large"),
        (
            "call scaled_mean 0 1 0",
            "exception: ValueError: division by zero",
        ),
        ("call mean 1 2", "1.5"),
        ("call mean 1 1 2", "1.333333"),
    ];
    let script: Vec<&str> = cases.iter().map(|c| c.0).collect();
    let out = skip_unless!(run_loader(ARCH, &module, &script));
    assert_eq!(out.code, Some(0), "{out}");
    let want: Vec<&str> = cases.iter().map(|c| c.1).collect();
    assert_eq!(out.lines(), want, "{out}");
}

#[test]
fn c_hybrid_native_part_runs_on_xtensawin() {
    let dir = temp_dir("xtensawin-hybrid");
    let module = skip_unless!(build(
        &[workspace_root().join("examples/c-hybrid/crc.c")],
        dir.path(),
        "crc"
    ));
    // zlib's values: crc32(b"123456789") = 0xcbf43926 (3421780262), and
    // crc32(b" world", crc32(b"hello")) = crc32(b"hello world") = 222957957.
    let cases = [
        ("call crc32 b'123456789'", "3421780262"),
        ("call crc32 b'hello'", "907060870"),
        ("call crc32 b' world' 907060870", "222957957"),
        ("call crc32 b''", "0"),
        (
            "call crc32 12",
            "exception: TypeError: object with buffer protocol required",
        ),
    ];
    let script: Vec<&str> = cases.iter().map(|c| c.0).collect();
    let out = skip_unless!(run_loader(ARCH, &module, &script));
    assert_eq!(out.code, Some(0), "{out}");
    let want: Vec<&str> = cases.iter().map(|c| c.1).collect();
    assert_eq!(out.lines(), want, "{out}");
}

/// The nightly toolchain with rust-src that the xtensawin Rust route needs,
/// or a skip naming how to install it.
fn nightly_with_rust_src() -> Result<(), Skip> {
    // The script's choice: the pinned nightly, else `nightly`.
    let ok = ["nightly-2026-05-19", "nightly"].iter().any(|toolchain| {
        let out = std::process::Command::new("rustup")
            .args(["run", toolchain, "rustc", "--print", "sysroot"])
            .output();
        out.is_ok_and(|o| {
            o.status.success()
                && Path::new(String::from_utf8_lossy(&o.stdout).trim())
                    .join("lib/rustlib/src/rust/library/core")
                    .is_dir()
        })
    });
    if ok {
        return Ok(());
    }
    let why = "a nightly toolchain with rust-src is not installed (rustup toolchain install nightly-2026-05-19 --component rust-src)";
    if mpy_tests::tools_required() {
        panic!("MPY_TEST_REQUIRE_TOOLS=1 and {why}");
    }
    Err(Skip(why.into()))
}

/// Builds a Rust example for xtensawin with `scripts/xtensawin-rust.sh`
/// and links it as cargo-mpy links Rust modules (static data, section GC).
fn build_rust(example: &str, dir: &Path) -> Result<PathBuf, Skip> {
    nightly_with_rust_src()?;
    mpy_tests::xtensawin_cc()?;
    let obj = dir.join(format!("{example}.o"));
    // No time limit: the first build compiles core and alloc.
    let out = std::process::Command::new(workspace_root().join("scripts/xtensawin-rust.sh"))
        .args(["--qemu", "--release"])
        .arg(
            workspace_root()
                .join("examples")
                .join(example)
                .join("Cargo.toml"),
        )
        .arg(&obj)
        .env(
            "CARGO_TARGET_DIR",
            mpy_tests::cache_dir().join("xtensawin-rust"),
        )
        .output()
        .expect("run scripts/xtensawin-rust.sh");
    assert!(
        out.status.success(),
        "building {example} for xtensawin\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let helpers = libgcc(ARCH)?;
    let mut options = mpy_link::LinkOptions::new(ARCH, format!("{example}.mpy"));
    options.improvements.static_data = true;
    options.improvements.gc_sections = true;
    let module = mpy_link::link(
        &options,
        &[mpy_link::Input::from_path(&obj).expect("read the object")],
        &[mpy_link::Library::open(&helpers).expect("open the helper archive")],
    )
    .unwrap_or_else(|e| panic!("linking {example} for xtensawin: {e}"));
    let path = dir.join(format!("{example}.mpy"));
    std::fs::write(&path, module.to_mpy()).unwrap();
    check_relocations(ARCH, &path);
    Ok(path)
}

/// Rust modules on the ESP32 through rustc's own Xtensa backend: integer
/// code with exceptions crossing Rust frames (the helper library's
/// `mpy_nlr_protect` and the loader's windowed setjmp), buffers, and
/// single-precision floats (FPU for `+`, helpers for conversions).
#[test]
fn rust_examples_run_on_xtensawin() {
    let dir = temp_dir("xtensawin-rust");
    let cases: [(&str, &[(&str, &str)]); 3] = [
        (
            "rust-factorial",
            &[
                ("call factorial 10", "3628800"),
                (
                    "call factorial -1",
                    "exception: ValueError: negative argument",
                ),
                ("call divmod_u 17 5", "(3, 2)"),
                ("get MAX_N", "20"),
                ("call label 42", "'n=42'"),
            ],
        ),
        (
            "rust-crc32",
            &[
                ("call crc32 b'123456789'", "3421780262"),
                ("call crc32 b' world' 907060870", "222957957"),
                (
                    "call crc32 5",
                    "exception: TypeError: expected a buffer, got 'int'",
                ),
            ],
        ),
        (
            "rust-features2",
            &[
                ("call add 0.25 0.5", "0.75"),
                ("call add_f 1.5 2.25", "3.75"),
                (
                    "call add_d 0.125 0.25",
                    "exception: AttributeError: module has no attribute 'add_d'",
                ),
                ("call round 2.5", "3.0"),
                ("call round -0.5", "-1.0"),
                (
                    "call productf 'abc'",
                    "exception: TypeError: object with buffer protocol required",
                ),
            ],
        ),
    ];
    for (example, calls) in cases {
        let module = skip_unless!(build_rust(example, dir.path()));
        let script: Vec<&str> = calls.iter().map(|c| c.0).collect();
        let out = skip_unless!(run_loader(ARCH, &module, &script));
        assert_eq!(out.code, Some(0), "{example}: {out}");
        let want: Vec<&str> = calls.iter().map(|c| c.1).collect();
        assert_eq!(out.lines(), want, "{example}: {out}");
    }
}
