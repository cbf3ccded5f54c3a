//! Our C test module `basic.c`, compiled with the real cross compilers and
//! linked by mpy-link, executed: on x64 in the real MicroPython, elsewhere in
//! the test loader under qemu-user. Every output is also decoded and every
//! relocation entry checked against the loader's rules.

use mpy_link::Arch;
use mpy_tests::{
    build_c_module, check_relocations, loader_arches, run_loader, run_micropython, skip_unless,
    support_module, temp_dir,
};

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

#[test]
fn basic_module_runs_on_every_loader_arch() {
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
}

#[test]
fn basic_module_runs_in_micropython() {
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
#[test]
fn deep_raises_on_every_loader_arch() {
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
}
