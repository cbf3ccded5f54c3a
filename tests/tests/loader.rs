//! Proves the test loader itself: the relocation stream on a hand-built
//! `.mpy` (no code runs), header and stream checks, and a real C module
//! (`tests/support/modules/basic.c`) compiled, linked and run on every
//! architecture the loader supports, cross-checked on x64 against the real
//! `micropython`.

use std::path::{Path, PathBuf};

use cargo_mpy::toolchain::{FloatImpl, Toolchain};
use mpy_tests::{skip_unless, Arch, RunOutput};

/// Appends `v` as a vuint (7 bits per byte, most significant first).
fn vuint(out: &mut Vec<u8>, mut v: u64) {
    let mut groups = vec![(v & 0x7f) as u8];
    v >>= 7;
    while v != 0 {
        groups.push((v & 0x7f) as u8 | 0x80);
        v >>= 7;
    }
    out.extend(groups.iter().rev());
}

fn word_bytes(arch: Arch, v: u64) -> Vec<u8> {
    let w = arch.word_size() as usize;
    v.to_le_bytes()[..w].to_vec()
}

/// A data-only native `.mpy` whose relocation stream uses every kind of
/// destination, with and without counts and position changes.
fn reloc_fixture(arch: Arch) -> Vec<u8> {
    let w = arch.word_size();
    let mut f = vec![b'M', 6, (arch.spec().mpy_code << 2) | 3, 31];
    vuint(&mut f, 3); // qstrs: file name, one static, one inline
    vuint(&mut f, 0); // objects
    for (i, q) in ["rel.mpy", "", "zzz_native"].iter().enumerate() {
        if i == 1 {
            vuint(&mut f, (2 << 1) | 1); // static qstr 2 (`__dir__`)
        } else {
            vuint(&mut f, (q.len() as u64) << 1);
            f.extend(q.as_bytes());
            f.push(0);
        }
    }
    // text: 9 words holding the addends
    let text: [u64; 9] = [0, 4, 8, 0, 2, 0, 0, 0, 0x11];
    vuint(&mut f, ((9 * w) << 3) | 2);
    for v in text {
        f.extend(word_bytes(arch, v));
    }
    vuint(&mut f, 0x10 | 0x20 | 0x40); // relocs, rodata, bss
    vuint(&mut f, 2 * w); // rodata length
    vuint(&mut f, w + 1); // bss length (rounded up to two words)
    f.extend(word_bytes(arch, 0));
    f.extend(word_bytes(arch, 5));
    // relocation stream
    f.extend([1, 0]); // text word 0 += text
    f.extend([6, 2]); // next 2 words += rodata
    f.push(8); // += bss
    f.push(12); // += qstr table
    f.push(16); // += &mp_fun_table
    f.push(((9 + 77) << 1) as u8); // += mp_fun_table[77] (type_fun_builtin_0)
    f.push(14); // += object table
    f.extend([1, 3]); // rodata word 1 += text
    f.push(0xff);
    f
}

fn write_temp(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write fixture");
    p
}

fn reloc_stream(arch: Arch) {
    let dir = mpy_tests::temp_dir(&format!("reloc-{arch}"));
    let mpy = write_temp(dir.path(), "rel.mpy", &reloc_fixture(arch));
    let w = arch.word_size();
    let out = skip_unless!(run_loader_no_init(
        arch,
        &mpy,
        &["info", "qstrs", "words text", "words rodata", "words bss"]
    ));
    out.expect_code(0);
    assert_eq!(
        out.lines(),
        [
            format!(
                "text={} rodata={} bss={} qstrs=3 relocs=9",
                9 * w,
                2 * w,
                w + 1
            ),
            "rel.mpy __dir__ zzz_native".to_string(),
            "text+0 rodata+4 rodata+8 bss+0 qstr_table+2 fun_table+0 fun[77] obj_table+0 0x11"
                .to_string(),
            "0x0 text+5".to_string(),
            "0x0".to_string(),
        ],
        "{out}"
    );
}

fn run_loader_no_init(
    arch: Arch,
    mpy: &Path,
    script: &[&str],
) -> Result<RunOutput, mpy_tests::Skip> {
    let loader = mpy_tests::build_loader(arch)?;
    let mut cmd = match mpy_tests::qemu(arch)? {
        Some(q) => {
            let mut c = std::process::Command::new(q);
            c.arg(loader);
            c
        }
        None => std::process::Command::new(loader),
    };
    cmd.arg("-n").arg(mpy).args(script);
    Ok(mpy_tests::run_command(&mut cmd))
}

fn bad_inputs(arch: Arch) {
    let dir = mpy_tests::temp_dir(&format!("bad-{arch}"));
    let good = reloc_fixture(arch);

    // Every proper prefix is rejected as truncated, never crashes.
    for cut in [0, 3, 10, good.len() / 2, good.len() - 1] {
        let p = write_temp(dir.path(), "cut.mpy", &good[..cut]);
        let out = skip_unless!(run_loader_no_init(arch, &p, &[]));
        out.expect_code(2);
        assert!(
            out.stderr.contains("truncated") || out.stderr.contains("not a version 6"),
            "cut at {cut}: {out}"
        );
    }

    // Another architecture's code.
    let other = if arch == Arch::X64 {
        Arch::X86
    } else {
        Arch::X64
    };
    let mut wrong = good.clone();
    wrong[2] = (other.spec().mpy_code << 2) | 3;
    let p = write_temp(dir.path(), "wrong.mpy", &wrong);
    let out = skip_unless!(run_loader_no_init(arch, &p, &[]));
    out.expect_code(2);
    assert!(out.stderr.contains("module arch"), "{out}");

    // Wrong sub-version.
    let mut sub = good.clone();
    sub[2] = (arch.spec().mpy_code << 2) | 2;
    let p = write_temp(dir.path(), "sub.mpy", &sub);
    let out = skip_unless!(run_loader_no_init(arch, &p, &[]));
    out.expect_code(2);
    assert!(out.stderr.contains("sub-version"), "{out}");

    // A relocation count running past the end of text.
    let mut over = good.clone();
    let end = over.len();
    over[end - 1] = 3; // ... rodata word 1 += text, then:
    over.extend([1, 16, 0x7f, 0xff]); // text word 8, +text x127
    let p = write_temp(dir.path(), "over.mpy", &over);
    let out = skip_unless!(run_loader_no_init(arch, &p, &[]));
    out.expect_code(2);
    assert!(out.stderr.contains("outside text and rodata"), "{out}");
}

/// Builds `basic.c` for `arch` into a fresh directory.
fn build_basic(arch: Arch, dir: &Path) -> Result<PathBuf, mpy_tests::Skip> {
    mpy_tests::build_c_module(arch, &[mpy_tests::support_module("basic.c")], dir, "basic")
}

/// Calls shared by the loader test and the MicroPython cross-check, with
/// the expected result lines.
const CALLS: &[(&str, &str, &str)] = &[
    // (loader call, the same call in Python, expected line)
    ("add 2 3", "add(2, 3)", "5"),
    ("fact 10", "fact(10)", "3628800"),
    (
        "fact -1",
        "fact(-1)",
        "exception: ValueError: negative argument",
    ),
    ("bump", "bump()", "1"),
    ("bump", "bump()", "2"),
    ("word 2", "word(2)", "'two'"),
    ("word 9", "word(9)", "exception: IndexError: no such word"),
    ("square 4", "square(4)", "16"),
    ("sum 1 2 3 4", "sum(1, 2, 3, 4)", "10"),
    ("sum", "sum()", "0"),
    (
        "pair 1 'x'",
        "pair(1, 'x')",
        "((1, 'x', None), [None, 'x', 1])",
    ),
    (
        "pair 1 2 [3, None]",
        "pair(1, 2, [3, None])",
        "((1, 2, [3, None]), [[3, None], 2, 1])",
    ),
    ("repeat 'ab' 3", "repeat('ab', 3)", "'ababab'"),
    ("to_bytes 0x4142", "to_bytes(0x4142)", "b\"BA\\xff'\""),
    ("truth 0", "truth(0)", "False"),
    ("truth [0]", "truth([0])", "True"),
    ("truth ''", "truth('')", "False"),
    (
        "add 1000000000 1000000000",
        "add(1000000000, 1000000000)",
        "2000000000",
    ),
    ("apply @add 5 6", "apply(basic.add, 5, 6)", "11"),
    ("attr $mod", "attr(basic)", "42"),
    (
        "fact",
        "fact()",
        "exception: TypeError: function takes 1 positional arguments but 0 were given",
    ),
];

fn basic_module(arch: Arch) {
    let dir = mpy_tests::temp_dir(&format!("basic-{arch}"));
    let mpy = skip_unless!(build_basic(arch, dir.path()));
    let mut script: Vec<String> = CALLS.iter().map(|(c, _, _)| format!("call {c}")).collect();
    let mut expect: Vec<String> = CALLS.iter().map(|(_, _, e)| e.to_string()).collect();
    let extra: &[(&str, &str)] = &[
        ("call say 255", "say: 255 255 ff txt Z|  255|7  |\nNone"),
        ("get answer", "42"),
        ("get big", "1073741829"),
        ("call oserror 5", "exception: OSError: 5"),
        (
            "call pair 1",
            "exception: TypeError: function missing 1 required positional arguments",
        ),
        (
            "call nosuch",
            "exception: AttributeError: module has no attribute 'nosuch'",
        ),
        (
            "globals",
            "add fact bump word square sum pair repeat to_bytes apply truth say attr make_set \
             count oserror answer big",
        ),
    ];
    for (c, e) in extra {
        script.push(c.to_string());
        expect.push(e.to_string());
    }
    if Toolchain::of(arch).float_impl != FloatImpl::None {
        // The module scales in the firmware's precision; 7 or 12 digits.
        script.push("call scale 1.5 2".into());
        expect.push("3.0".into());
        script.push("call scale 0.1 3".into());
        expect.push("0.3".into());
        let g = expect
            .iter()
            .position(|e| e.starts_with("add fact"))
            .expect("globals line");
        expect[g] = expect[g].replace("oserror answer", "oserror scale answer");
    }
    let script_refs: Vec<&str> = script.iter().map(String::as_str).collect();
    let out = skip_unless!(mpy_tests::run_loader(arch, &mpy, &script_refs));
    out.expect_code(0);
    assert_eq!(out.stdout, expect.join("\n") + "\n", "{out}");

    // A table entry the loader does not implement stops it with exit 3.
    let out = skip_unless!(mpy_tests::run_loader(
        arch,
        &mpy,
        &["call add 1 1", "call make_set 1"]
    ));
    out.expect_code(3);
    assert_eq!(out.stdout, "2\n");
    assert!(out.stderr.contains("entry 22 (new_set)"), "{out}");
}

macro_rules! per_arch {
    ($($arch:ident => $name:ident),* $(,)?) => {
        mod reloc { use super::*; $(#[test] fn $name() { reloc_stream(Arch::$arch) })* }
        mod bad_input { use super::*; $(#[test] fn $name() { bad_inputs(Arch::$arch) })* }
        mod basic { use super::*; $(#[test] fn $name() { basic_module(Arch::$arch) })* }
    };
}

per_arch! {
    X86 => x86,
    X64 => x64,
    Armv6m => armv6m,
    Armv7m => armv7m,
    Armv7emsp => armv7emsp,
    Armv7emdp => armv7emdp,
    Rv32imc => rv32imc,
    Rv64imc => rv64imc,
    Xtensa => xtensa,
    Xtensawin => xtensawin,
}

/// The same module and calls in the real MicroPython give the same lines,
/// so the loader's runtime behaves like the firmware where it matters.
#[test]
fn x64_loader_matches_micropython() {
    let dir = mpy_tests::temp_dir("crosscheck-x64");
    let mpy = skip_unless!(build_basic(Arch::X64, dir.path()));
    let mut py = String::from(
        "import basic\n\
         def run(f, *a):\n\
         \x20   try:\n\
         \x20       print(repr(f(*a)))\n\
         \x20   except Exception as e:\n\
         \x20       print('exception: %s: %s' % (type(e).__name__, e))\n",
    );
    for (_, call, _) in CALLS {
        // `name(args)` becomes `run(basic.name, args)`.
        let (name, args) = call
            .split_once('(')
            .expect("call has arguments in parentheses");
        let args = args.strip_suffix(')').expect("call ends with `)`");
        let sep = if args.is_empty() { "" } else { ", " };
        py.push_str(&format!("run(basic.{name}{sep}{args})\n"));
    }
    let real = skip_unless!(mpy_tests::run_micropython(dir.path(), &py));
    real.expect_code(0);
    let expect: Vec<&str> = CALLS.iter().map(|(_, _, e)| *e).collect();
    assert_eq!(real.lines(), expect, "micropython\n{real}");
    assert!(mpy.is_file());
}
