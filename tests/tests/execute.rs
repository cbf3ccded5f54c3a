//! Our C test module `basic.c`, compiled with the real cross compilers and
//! linked by mpy-link, executed: on x64 in the real MicroPython, elsewhere in
//! the test loader under qemu-user. Every output is also decoded and every
//! relocation entry checked against the loader's rules.

use mpy_link::Arch;
use mpy_tests::{
    build_c_module, check_relocations, loader_arches, run_loader, run_micropython, skip_unless,
    support_module, temp_dir, TestResult, Trial,
};

pub(crate) fn trials() -> Vec<Trial> {
    let mut out = mpy_tests::trials!(
        "basic",
        [
            basic_module_runs_on_every_loader_arch,
            basic_module_runs_in_micropython
        ]
    );
    out.extend(mpy_tests::trials!(
        "windows",
        [deep_raises_on_every_loader_arch]
    ));
    out.extend(mpy_tests::trials!(
        "mulhigh",
        [multiply_high_runs_on_every_loader_arch]
    ));
    out
}

/// Commands for the loader and the results a correct link produces.
const CASES: &[(&str, &str)] = &[
    ("call add 2 3", "5"),
    ("call fact 10", "3628800"),
    ("call fact -1", "exception: ValueError: negative argument"),
    ("call bump", "1"),
    ("call bump", "2"),
    ("call word 2", "'two'"),
    ("call word 9", "exception: IndexError: no such word"),
    ("call square 5", "25"),
    ("call sum 1 2 3 4", "10"),
    ("get answer", "42"),
];

fn basic_module_runs_on_every_loader_arch() -> TestResult {
    let src = support_module("basic.c");
    let commands: Vec<&str> = CASES.iter().map(|c| c.0).collect();
    for arch in loader_arches() {
        let dir = temp_dir(&format!("exec-{arch}"));
        let module = skip_unless!(build_c_module(
            arch,
            std::slice::from_ref(&src),
            dir.path(),
            "basic"
        ));
        check_relocations(arch, &module);
        let out = skip_unless!(run_loader(arch, &module, &commands));
        assert_eq!(
            out.code,
            Some(0),
            "{arch}: loader failed\n{}\n{}",
            out.stdout,
            out.stderr
        );
        let lines = out.lines();
        assert_eq!(lines.len(), CASES.len(), "{arch}: {}", out.stdout);
        for ((cmd, want), got) in CASES.iter().zip(lines) {
            assert_eq!(got, *want, "{arch}: `{cmd}`");
        }
        eprintln!("{arch}: {} commands ran under the loader", CASES.len());
    }
    Ok(())
}

fn basic_module_runs_in_micropython() -> TestResult {
    let src = support_module("basic.c");
    let dir = temp_dir("exec-x64");
    let module = skip_unless!(build_c_module(Arch::X64, &[src], dir.path(), "basic"));
    check_relocations(Arch::X64, &module);
    let code = "import basic\n\
        print(basic.add(2, 3), basic.fact(10), basic.bump(), basic.bump(), basic.word(2), basic.square(5), basic.sum(1, 2, 3, 4), basic.answer)\n\
        try:\n    basic.fact(-1)\nexcept ValueError as e:\n    print('ValueError', e)\n\
        try:\n    basic.word(9)\nexcept IndexError as e:\n    print('IndexError', e)\n";
    let out = skip_unless!(run_micropython(module.parent().unwrap(), code));
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    assert_eq!(
        out.lines(),
        [
            "5 3628800 1 2 two 25 10 42",
            "ValueError negative argument",
            "IndexError no such word"
        ],
        "{}",
        out.stderr
    );
    Ok(())
}

/// `dive(n)` of windows.c, computed here.
fn dive(n: u64) -> u64 {
    (1..=n).fold(0, |r, d| {
        (r * 3 + d * 3 + 1 + (d ^ 0x55) + d * d) % 1_000_003
    })
}

/// Exceptions out of call chains deeper than any register file, caught by
/// the loader (the firmware) and by the module's own nlr handler through
/// `nlr_push` + `setjmp_`; values the module computed before its handler
/// was set survive the second return. On the ESP32 this exercises the
/// window spilling of the loader's setjmp/longjmp.
fn deep_raises_on_every_loader_arch() -> TestResult {
    let src = support_module("windows.c");
    let cases = [
        ("call dive 200 -1", dive(200).to_string()),
        ("call dive 200 0", "exception: ValueError: bottom".into()),
        ("call dive 30 30", "exception: ValueError: bottom".into()),
        (
            "call catch 200 0",
            "(ValueError('bottom'), 1403, -1)".into(),
        ),
        ("call catch 100 -1", format!("({}, 703, -12)", dive(100))),
        (
            "call catch 150 75",
            "(ValueError('bottom'), 1053, 824)".into(),
        ),
        ("call dive 12 -1", dive(12).to_string()),
    ];
    let commands: Vec<&str> = cases.iter().map(|c| c.0).collect();
    for arch in loader_arches() {
        let dir = temp_dir(&format!("windows-{arch}"));
        let module = skip_unless!(build_c_module(
            arch,
            std::slice::from_ref(&src),
            dir.path(),
            "windows"
        ));
        let out = skip_unless!(run_loader(arch, &module, &commands));
        assert_eq!(out.code, Some(0), "{arch}: {out}");
        let want: Vec<&str> = cases.iter().map(|c| c.1.as_str()).collect();
        assert_eq!(out.lines(), want, "{arch}");
    }
    Ok(())
}

/// `mix(n)` of mulhigh.c, computed here.
fn mix(n: u32) -> u32 {
    let (mut h, mut s) = (0x9e37_79b9u32, 0u32);
    for i in 1..=n {
        h = ((u64::from(h) * 0x85eb_ca6b) >> 32) as u32 ^ i;
        s = s.wrapping_add(((i64::from(h as i32) * -7919) >> 32) as u32);
    }
    s & 0x3fff_ffff
}

/// High words of 32x32-bit products on every loader architecture; on the
/// ESP32 these are its mulsh/muluh instructions, which qemu's core lacks and
/// the loader completes (the module is the one a board would get).
fn multiply_high_runs_on_every_loader_arch() -> TestResult {
    let src = support_module("mulhigh.c");
    let pairs: [(i32, i32); 5] = [
        (0x4000_0000, 0x3fff_ffff),
        (-0x4000_0000, 0x3fff_ffff),
        (-123_456_789, -987_654_321),
        (-1, 1),
        (0x2bad_cafe, -0x1357_9bdf),
    ];
    let upairs: [(u32, u32); 3] = [
        (0x3fff_ffff, 0x3fff_ffff),
        (12_345, 67_890),
        (0x3000_0001, 7),
    ];
    let mut commands = Vec::new();
    let mut want = Vec::new();
    for (a, b) in pairs {
        commands.push(format!("call mulhs {a} {b}"));
        want.push(((i64::from(a) * i64::from(b)) >> 32).to_string());
    }
    for (a, b) in upairs {
        commands.push(format!("call mulhu {a} {b}"));
        want.push(((u64::from(a) * u64::from(b)) >> 32).to_string());
    }
    for n in [1, 1000] {
        commands.push(format!("call mix {n}"));
        want.push(mix(n).to_string());
    }
    let commands: Vec<&str> = commands.iter().map(String::as_str).collect();
    for arch in loader_arches() {
        let dir = temp_dir(&format!("mulhigh-{arch}"));
        let module = skip_unless!(build_c_module(
            arch,
            std::slice::from_ref(&src),
            dir.path(),
            "mulhigh"
        ));
        check_relocations(arch, &module);
        if arch == Arch::Xtensawin {
            // The instructions qemu lacks are really there.
            let objdump = skip_unless!(mpy_tests::find_tool(
                "llvm-objdump-22",
                "apt install llvm-22"
            ));
            for obj in mpy_tests::module_objects(dir.path(), "mulhigh") {
                let out = mpy_tests::run_command(
                    std::process::Command::new(&objdump)
                        .args(["-d", "--mcpu=esp32"])
                        .arg(&obj),
                );
                assert!(
                    out.stdout.contains("mulsh") && out.stdout.contains("muluh"),
                    "{}",
                    out.stdout
                );
            }
        }
        let out = skip_unless!(run_loader(arch, &module, &commands));
        assert_eq!(out.code, Some(0), "{arch}: {out}");
        assert_eq!(out.lines(), want, "{arch}");
    }
    Ok(())
}
