//! Our C test module `basic.c`, compiled with the real cross compilers and
//! linked by mpy-link, executed: on x64 in the real MicroPython, elsewhere in
//! the test loader under qemu-user. Every output is also decoded and every
//! relocation entry checked against the loader's rules.

use mpy_link::Arch;
use mpy_tests::{
    build_c_module, loader_arches, run_loader, run_micropython, skip_unless, support_module,
    temp_dir, TestResult, Trial,
};

pub(crate) fn trials() -> Vec<Trial> {
    mpy_tests::trials!(
        "basic",
        [
            basic_module_runs_on_every_loader_arch,
            basic_module_runs_in_micropython
        ]
    )
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

fn check_relocations(arch: Arch, path: &std::path::Path) {
    let bytes = std::fs::read(path).unwrap();
    let mpy = mpy_link::mpy::read::read(&path.display().to_string(), &bytes).unwrap();
    assert_eq!(mpy.header.arch, arch.spec().mpy_code, "{arch}: header arch");
    let native = mpy.raw_code.native.as_ref().expect("native code");
    let text_len = mpy.raw_code.fun_data.len() as u64;
    let word = arch.word_size();
    let entries = mpy_link::mpy::dump::relocations(&mpy);
    assert!(
        !entries.is_empty(),
        "{arch}: a module calling the runtime has relocations"
    );
    for e in entries {
        let end = (e.word_offset + e.count) * word;
        match e.base {
            mpy_link::mpy::reloc::RelocBase::Text => {
                assert!(end <= text_len, "{arch}: {e:?} past text ({text_len})")
            }
            mpy_link::mpy::reloc::RelocBase::Rodata => {
                assert!(
                    end <= native.rodata.len() as u64,
                    "{arch}: {e:?} past rodata"
                )
            }
        }
        if let mpy_link::mpy::reloc::RelocKind::FunTableEntry(k) = e.kind {
            let len = mpy
                .header
                .abi()
                .expect("a native module's ABI")
                .fun_table_len();
            assert!(
                usize::from(k) < len,
                "{arch}: mp_fun_table has {len} entries, got {k}"
            );
        }
    }
}

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
