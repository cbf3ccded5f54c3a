//! Link-speed benchmark (`cargo bench -p mpy-link`).
//!
//! Compiles the test-suite module `tests/support/modules/basic.c` with the
//! installed compilers, then times `mpy_link::link` in-process:
//! - `x64`: one object, inputs in memory (a warm link);
//! - `armv6m+runtime`: the same module plus libgcc and newlib's libm opened
//!   from disk on every iteration, as a build with `link-runtime` does (only
//!   the archive symbol index and the members needed are read).
//!
//! Prints min/median/max over many iterations. A case whose compiler is
//! missing is reported as skipped.

// Tests and benchmarks report on stdout/stderr as libtest does.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use mpy_link::{Arch, Input, Library, LinkOptions};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf();
    let tmp = tempfile::tempdir().unwrap();
    let src = root.join("tests/support/modules/basic.c");
    let scan = mpy_link::qstr::scan_files(&[&src]).unwrap();
    let cfg = tmp.path().join("basic.config.h");
    std::fs::write(&cfg, mpy_link::qstr::config_header(&scan)).unwrap();

    let cases: [(&str, Arch, &str, &[&str], bool); 2] = [
        (
            "x64",
            Arch::X64,
            "gcc",
            &[
                "-fno-stack-protector",
                "-DMICROPY_FLOAT_IMPL=MICROPY_FLOAT_IMPL_DOUBLE",
            ],
            false,
        ),
        (
            "armv6m+runtime",
            Arch::Armv6m,
            "arm-none-eabi-gcc",
            &[
                "-mthumb",
                "-mcpu=cortex-m0",
                "-DMICROPY_FLOAT_IMPL=MICROPY_FLOAT_IMPL_FLOAT",
            ],
            true,
        ),
    ];
    for (name, arch, cc, flags, runtime) in cases {
        let obj = tmp.path().join(format!("{name}.o"));
        let ok = Command::new(cc)
            .args([
                "-std=c99",
                "-Os",
                "-fpic",
                "-fno-common",
                "-DNO_QSTR",
                "-DMICROPY_ENABLE_DYNRUNTIME",
            ])
            .arg(format!("-DMP_CONFIGFILE=\"{}\"", cfg.display()))
            .arg(format!("-I{}", root.join("tests/support/natmod").display()))
            .args(flags)
            .arg("-c")
            .arg(&src)
            .arg("-o")
            .arg(&obj)
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if !ok {
            println!("{name:<16} skipped: `{cc}` is not installed or failed");
            continue;
        }
        let libs: Vec<PathBuf> = if runtime {
            ["--print-libgcc-file-name", "--print-file-name=libm.a"]
                .iter()
                .map(|q| {
                    let out = Command::new(cc).args(flags).arg(q).output().unwrap();
                    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
                })
                .collect()
        } else {
            Vec::new()
        };
        let input = Input::from_path(&obj).unwrap();
        let mut options = LinkOptions::new(arch, "basic.mpy");
        options.qstrs = scan.native_names().to_vec();
        let iterations = 300;
        let mut times = Vec::with_capacity(iterations);
        let mut size = 0;
        for _ in 0..iterations {
            let start = Instant::now();
            let libraries: Vec<Library> = libs.iter().map(|l| Library::open(l).unwrap()).collect();
            let module =
                mpy_link::link(&options, std::slice::from_ref(&input), &libraries).unwrap();
            size = module.to_mpy().len();
            times.push(start.elapsed());
        }
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        println!(
            "{name:<16} link: min {:.3} ms  median {:.3} ms  max {:.3} ms  ({iterations} runs, {size} bytes)",
            ms(times[0]),
            ms(times[iterations / 2]),
            ms(times[iterations - 1])
        );
    }
}
