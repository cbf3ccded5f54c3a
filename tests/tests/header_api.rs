//! `abi/api/*`: the C API of cargo-mpy's header in use: `tests/support/modules/api.c`, written against
//! `py/dynruntime.h` as MicroPython's own examples are, builds without a MicroPython tree for
//! every ABI (6.1, 6.2, 6.3) on every architecture with a Debian compiler (`-Wall -Werror`),
//! links with mpy-link for that ABI (each firmware-object relocation at its entry in that
//! ABI's table) and runs in the real MicroPython:
//! a class with slots and a locals dict, an exception type, iteration, calls, buffers, every
//! allocation form, strings, floats, printing, imports, argument parsing.

use mpy_link::Arch;
use mpy_sys::abi::MpyAbi;
use mpy_tests::{
    build_c_module_for, build_c_module_with, run_micropython, skip_unless, support_module,
    temp_dir, TestResult, Trial,
};

pub(crate) fn trials() -> Vec<Trial> {
    mpy_tests::trials!(
        "abi/api",
        [
            api_module_builds_for_every_abi_and_arch,
            api_module_runs_in_micropython,
        ]
    )
}

const ARCHES: [Arch; 9] = [
    Arch::X86,
    Arch::X64,
    Arch::Armv6m,
    Arch::Armv7m,
    Arch::Armv7emsp,
    Arch::Armv7emdp,
    Arch::Xtensa,
    Arch::Rv32imc,
    Arch::Rv64imc,
];

/// The script and what it prints: each line follows from the module's C code and Python's
/// rules (sums of 0..n-1, upper-casing, the allocation checks add up to 0+5+3+4+100+200).
const SCRIPT: &str = r#"
import api
print("ABI", api.ABI)
v = api.Vec(4)
print(repr(v), str(v), len(v), bool(api.Vec(0)), v + 10, v[2], list(v), v.total())
v[1] = 9
print(list(v), api.sum_iter(v), api.sum_iter([1, 2, 3]), api.sum_iter(range(5)))
try:
    v[7]
except IndexError as e:
    print("IndexError", e)
try:
    api.Vec(-1)
except ValueError as e:
    print(type(e).__name__, e, isinstance(e, api.ApiError))
print(api.call(lambda *a: sum(a), 2, 3))
print(api.describe(5), api.describe("ab"), api.describe([1, 2, 3]), api.describe(b"xyz"))
print(api.pair((1, 2)), api.pair([3, 4]))
try:
    api.pair((1, 2, 3))
except ValueError as e:
    print("ValueError", e)
print(api.buflen(b"abcd"), api.buflen(v) // 4, api.buflen(5))
print(api.shout("hello"), api.shout(b"bytes"))
print(api.alloc())
for k in range(4):
    try:
        api.fail(k)
    except Exception as e:
        print(type(e).__name__, e)
m = api.misc()
print(m[0], m[1], m[2], m[3], type(m[3]), round(m[4], 3), m[5])
print(api.half(5))
print(api.kw(1), api.kw(1, 5), api.kw(1, c=9))
print(api.word16(b"\x01\x02\x03\x04", 1), api.has_upper("s"), api.has_upper(5))
"#;

const EXPECTED: &[&str] = &[
    "ABI 3",
    "Vec<4> vec<4> 4 False 16 2 [0, 1, 2, 3] 6",
    "[0, 9, 2, 3] 28 12 20",
    "IndexError 7",
    "ApiError negative length True",
    "(2, 5)",
    "(True, False, False, None) (False, True, False, 2) (False, False, True, 3) (False, False, False, 3)",
    "(2, 1) (4, 3)",
    "ValueError tuple/list has wrong length",
    // 4 bytes; 4 words (8 bytes each on x64) / 4; no buffer
    "4 8 None",
    "HELLO b'BYTES'",
    "312",
    "ApiError from C",
    "OSError [Errno 2] ENOENT",
    "ValueError made",
    "TypeError typed",
    "{7} -3 b'' hello <class 'str'> 3.142 <class 'bytearray'>",
    "2.5",
    "(1, 2, 3) (1, 5, 3) (1, 2, 9)",
    "1027 True False",
];

fn api_module_builds_for_every_abi_and_arch() -> TestResult {
    let src = support_module("api.c");
    let mut built = 0;
    for arch in ARCHES {
        for abi in MpyAbi::ALL {
            if !abi.supports_arch(
                mpy_sys::abi::ARCHES
                    .iter()
                    .find(|a| a.name == arch.to_string())
                    .expect("arch facts"),
            ) {
                continue;
            }
            let dir = temp_dir(&format!("api-{arch}-{}", abi.name()));
            // Compiled and linked for the ABI by cargo-mpy (`--mpy-abi`).
            let out = skip_unless!(build_c_module_for(
                arch,
                abi,
                std::slice::from_ref(&src),
                dir.path(),
                "api",
                &[]
            ));
            let bytes = std::fs::read(&out).expect("read the module");
            let mpy = mpy_link::mpy::read::read(&out.display().to_string(), &bytes)
                .unwrap_or_else(|e| panic!("{arch}: the linked module does not decode: {e}"));
            assert_eq!(mpy.header.arch, arch.spec().mpy_code, "{arch}: header arch");
            assert_eq!(mpy.header.abi(), Some(abi), "{arch}: sub-version");
            // Every firmware object the module reaches by symbol is at its entry in this
            // ABI's table.
            for r in mpy.raw_code.relocations() {
                if let mpy_link::RelocKind::FunTableEntry(k) = r.kind {
                    let entry = abi
                        .fun_table()
                        .nth(usize::from(k))
                        .unwrap_or_else(|| panic!("{arch} {abi}: entry {k} is past the table"));
                    assert!(
                        entry.symbol.is_some() || ["memset_", "memmove_"].contains(&entry.name),
                        "{arch} {abi}: relocation to entry {k} `{}`",
                        entry.name
                    );
                }
            }
            built += 1;
        }
    }
    // RISC-V has no 6.1/6.2 firmware, so 7 architectures x 3 ABIs + 2 x 1.
    assert_eq!(built, 23, "arch/ABI combinations built");
    Ok(())
}

fn api_module_runs_in_micropython() -> TestResult {
    let src = support_module("api.c");
    let dir = temp_dir("api-run");
    skip_unless!(build_c_module_with(
        Arch::X64,
        std::slice::from_ref(&src),
        dir.path(),
        "api",
        &[]
    ));
    let out = skip_unless!(run_micropython(dir.path(), SCRIPT));
    out.expect_code(0);
    assert_eq!(out.lines(), EXPECTED, "\n{out}");
    Ok(())
}
