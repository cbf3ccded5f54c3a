//! The C examples built for the ESP32 (xtensawin) the way cargo-mpy is to
//! build them without ESP-IDF: Debian's clang-22 to assembly, llvm-mc-22 to
//! objects (`scripts/xtensawin-cc.sh`), linked by mpy-link with cargo-mpy's
//! helper library, then run in the test loader under qemu-xtensa. Floats
//! take the ESP32's path: single precision, the FPU for + - *, helpers for
//! division and conversions.

use std::path::{Path, PathBuf};

use mpy_link::Arch;
use mpy_tests::{
    compile_c, libgcc, link_objects, qstr_header, run_loader, skip_unless, temp_dir,
    workspace_root, Skip,
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
    Ok(link_objects(
        ARCH,
        &objs,
        &[helpers],
        &header,
        &dir.join(format!("{name}.mpy")),
    ))
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
