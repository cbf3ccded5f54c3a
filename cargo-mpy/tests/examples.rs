//! The C examples in `examples/`, built with `cargo mpy build` for every
//! architecture: on x64 imported into the real MicroPython, on the other
//! loader architectures run under qemu-user through the test loader, and
//! every output decoded with its relocations checked.

use std::process::Command;

use mpy_link::Arch;
use mpy_tests::{c_compiler, run_loader, run_micropython, skip_unless, temp_dir};

mod common;
use common::{build, build_named, check, rust_target_installed, RUST_ARCHES};

/// The non-x64 architectures whose C compilers are installed; a skip (or,
/// with `MPY_TEST_REQUIRE_TOOLS=1`, a failure) when any is missing.
fn installed_c_arches() -> Result<Vec<Arch>, mpy_tests::Skip> {
    OTHER_ARCHES
        .iter()
        .map(|a| c_compiler(*a).map(|_| *a))
        .collect()
}

const OTHER_ARCHES: [Arch; 8] = [
    Arch::X86,
    Arch::Armv6m,
    Arch::Armv7m,
    Arch::Armv7emsp,
    Arch::Armv7emdp,
    Arch::Rv32imc,
    Arch::Rv64imc,
    Arch::Xtensa,
];

#[test]
fn stats_runs_in_micropython() {
    skip_unless!(c_compiler(Arch::X64));
    let dir = temp_dir("ex-stats-x64");
    let module = build("c-stats", &[Arch::X64], dir.path()).remove(0);
    check(Arch::X64, &module);
    let code = "import stats\n\
        print(stats.mean(1, 2, 3, 4), stats.median(5, 1, 3), stats.record(3), stats.record(70))\n\
        print(stats.counts(), stats.scaled_mean(1, 0, 2))\n\
        for f, a in ((stats.mean, ()), (stats.record, (5000,)), (stats.scaled_mean, (0, 1, 0))):\n    \
            try:\n        f(*a)\n    except ValueError as e:\n        print('ValueError:', e)\n";
    let out = skip_unless!(run_micropython(dir.path(), code));
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    assert_eq!(
        out.lines(),
        [
            "2.5 3 2 6",
            "[0, 0, 1, 0, 0, 0, 1, 0] 2147483648",
            "ValueError: no data",
            "ValueError: value too large",
            "ValueError: division by zero"
        ]
    );
}

#[test]
fn stats_on_every_other_arch() {
    let arches = skip_unless!(installed_c_arches());
    let dir = temp_dir("ex-stats-all");
    let modules = build("c-stats", &arches, dir.path());
    let script = [
        "call median 5 1 3",
        "call record 3",
        "call record 70",
        "call counts",
        "call scaled_mean 1 0 2",
        "call record 5000",
    ];
    let expect = [
        "3",
        "2",
        "6",
        "[0, 0, 1, 0, 0, 0, 1, 0]",
        "2147483648",
        "exception: ValueError: value too large",
    ];
    for (arch, module) in arches.iter().zip(&modules) {
        check(*arch, module);
        if *arch == Arch::Xtensa {
            eprintln!("xtensa: decoded and checked only (no qemu-user for xtensa)");
            continue;
        }
        let out = skip_unless!(run_loader(*arch, module, &script));
        assert_eq!(out.code, Some(0), "{arch}: {}\n{}", out.stdout, out.stderr);
        assert_eq!(out.lines(), expect, "{arch}");
    }
}

#[test]
fn hybrid_runs_in_micropython() {
    skip_unless!(c_compiler(Arch::X64));
    let dir = temp_dir("ex-hybrid-x64");
    let module = build("c-hybrid", &[Arch::X64], dir.path()).remove(0);
    check(Arch::X64, &module);
    // 0xcbf43926 is CRC-32's standard check value for b"123456789".
    let code = "import hybrid\n\
        print(hybrid.crc32_hex(b'123456789'), hybrid.crc32(bytearray(b'123456789')) == 0xcbf43926)\n\
        print(hybrid.crc32_chunks([b'1234', b'56789']) == 0xcbf43926, hybrid.verify(b'123456789', 0xcbf43926))\n\
        try:\n    hybrid.verify(b'x', 1)\nexcept ValueError as e:\n    print('ValueError:', e)\n\
        try:\n    hybrid.crc32(12)\nexcept TypeError:\n    print('TypeError')\n";
    let out = skip_unless!(run_micropython(dir.path(), code));
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    assert_eq!(
        out.lines(),
        [
            "cbf43926 True",
            "True True",
            "ValueError: checksum mismatch",
            "TypeError"
        ]
    );
}

#[test]
fn hybrid_builds_and_decodes_on_every_other_arch() {
    let arches = skip_unless!(installed_c_arches());
    let dir = temp_dir("ex-hybrid-all");
    for (arch, module) in arches.iter().zip(build("c-hybrid", &arches, dir.path())) {
        check(*arch, &module);
        let bytes = std::fs::read(&module).unwrap();
        let mpy = mpy_link::mpy::read::read("hybrid.mpy", &bytes).unwrap();
        // Merged: a bytecode top level calling the native part, then the
        // Python part (which defines crc32_hex).
        assert_eq!(mpy.raw_code.children.len(), 2, "{arch}");
        assert!(
            mpy.raw_code.children[0].native.is_some(),
            "{arch}: native part first"
        );
        assert!(
            mpy.qstrs.iter().any(|q| q.qstr.text() == "crc32_hex"),
            "{arch}"
        );
    }
}

#[test]
fn rust_factorial_runs_in_micropython() {
    skip_unless!(rust_target_installed(Arch::X64));
    let dir = temp_dir("ex-rust-x64");
    let module = build_named("rust-factorial", "factorial", &[Arch::X64], dir.path()).remove(0);
    check(Arch::X64, &module);
    let code = "import factorial as f\n\
        print(f.factorial(10), f.factorial(20), f.divmod_u(17, 5), f.MAX_N)\n\
        print(f.label(42), f.label(-7, 'x'), f.label(n=5, prefix='k'), f.label(prefix='p', n=1))\n\
        try:\n    f.label(prefix='p')\nexcept TypeError as e:\n    print('TypeError:', e)\n\
        for a in (-1, 21):\n    try:\n        f.factorial(a)\n    except ValueError as e:\n        print('ValueError:', e)\n";
    let out = skip_unless!(run_micropython(dir.path(), code));
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    assert_eq!(
        out.lines(),
        [
            "3628800 2432902008176640000 (3, 2) 20",
            "n=42 x=-7 k=5 p=1",
            "TypeError: label() missing required argument 'n'",
            "ValueError: negative argument",
            "ValueError: result too large"
        ]
    );
}

#[test]
fn rust_factorial_runs_under_the_loader_on_every_rust_arch() {
    skip_unless!(RUST_ARCHES
        .iter()
        .try_for_each(|a| rust_target_installed(*a)));
    let dir = temp_dir("ex-rust-all");
    for (arch, module) in RUST_ARCHES.iter().zip(build_named(
        "rust-factorial",
        "factorial",
        &RUST_ARCHES,
        dir.path(),
    )) {
        check(*arch, &module);
        // The qstr symbols became table slots: `MAX_N` is in the qstr table.
        let bytes = std::fs::read(&module).unwrap();
        let mpy = mpy_link::mpy::read::read("factorial.mpy", &bytes).unwrap();
        assert!(mpy.qstrs.iter().any(|q| q.qstr.text() == "MAX_N"), "{arch}");
        // Exceptions cross the runtime's protected calls through the
        // loader's nlr (setjmp flavour).
        let out = skip_unless!(run_loader(
            *arch,
            &module,
            &[
                "call factorial 10",
                "call factorial -1",
                "call divmod_u 17 5",
                "get MAX_N"
            ]
        ));
        assert_eq!(out.code, Some(0), "{arch}: {}\n{}", out.stdout, out.stderr);
        assert_eq!(
            out.lines(),
            [
                "3628800",
                "exception: ValueError: negative argument",
                "(3, 2)",
                "20"
            ],
            "{arch}"
        );
    }
}

#[test]
fn new_rust_project_builds_and_runs_unedited() {
    skip_unless!(rust_target_installed(Arch::X64));
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
    let run = skip_unless!(run_micropython(
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
}

#[test]
fn rust_crc32_is_correct_and_faster_than_python() {
    skip_unless!(rust_target_installed(Arch::X64));
    let dir = temp_dir("ex-rust-crc");
    let module = build_named("rust-crc32", "crc", &[Arch::X64], dir.path()).remove(0);
    check(Arch::X64, &module);
    // 0xcbf43926 is CRC-32's standard check value for b"123456789".
    let code = "import crc\n\
        print(hex(crc.crc32(b'123456789')), crc.crc32(b'6789', crc.crc32(b'12345')) == 0xcbf43926)\n\
        print(crc.crc32(bytearray(b'123456789')) == crc.crc32(memoryview(b'0123456789')[1:]), crc.crc32(b''))\n\
        try:\n    crc.crc32(5)\nexcept TypeError:\n    print('TypeError')\n";
    let out = skip_unless!(run_micropython(dir.path(), code));
    assert_eq!(
        out.lines(),
        ["0xcbf43926 True", "True 0", "TypeError"],
        "{}",
        out.stderr
    );
    // The benchmark checks its own result against pure MicroPython.
    let bench =
        std::fs::read_to_string(mpy_tests::workspace_root().join("examples/rust-crc32/bench.py"))
            .unwrap();
    let out = skip_unless!(run_micropython(dir.path(), &bench));
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    let speedup: f64 = out
        .stdout
        .trim()
        .rsplit("speedup ")
        .next()
        .and_then(|s| s.trim_end_matches('x').parse().ok())
        .unwrap();
    eprintln!("{}", out.stdout.trim());
    assert!(
        speedup > 3.0,
        "the Rust CRC should beat pure MicroPython clearly: {}",
        out.stdout
    );
}

#[test]
fn rust_crc32_runs_under_the_loader_on_every_rust_arch() {
    skip_unless!(RUST_ARCHES
        .iter()
        .try_for_each(|a| rust_target_installed(*a)));
    let dir = temp_dir("ex-rust-crc-all");
    // Expected values are zlib's: crc32(b"123456789") is the standard check
    // value 0xcbf43926; crc32(b" world", crc32(b"hello") = 907060870) equals
    // crc32(b"hello world") = 222957957. The start value stays below 2**30
    // so it is a small int on 32-bit targets too.
    let script = [
        "call crc32 b'123456789'",
        "call crc32 b' world' 907060870",
        "call crc32 5",
    ];
    let expect = [
        "3421780262",
        "222957957",
        "exception: TypeError: expected a buffer, got 'int'",
    ];
    for (arch, module) in
        RUST_ARCHES
            .iter()
            .zip(build_named("rust-crc32", "crc", &RUST_ARCHES, dir.path()))
    {
        check(*arch, &module);
        let out = skip_unless!(run_loader(*arch, &module, &script));
        assert_eq!(out.code, Some(0), "{arch}: {}\n{}", out.stdout, out.stderr);
        assert_eq!(out.lines(), expect, "{arch}");
    }
}
