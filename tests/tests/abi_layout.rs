//! `abi/layout/*`: cargo-mpy's C header (`cargo-mpy/include/natmod.h`) against the committed ABI facts
//! (`mpy_sys::abi`), with no MicroPython tree: for every ABI (6.1, 6.2, 6.3) and every
//! architecture with a Debian compiler, a probe file compiled with the module flags records
//! `sizeof`/`offsetof` of the shared structures, the index of every `mp_fun_table` entry and
//! the header's constants in a data array; the test reads the array back from the object file
//! and compares each value with the facts. Also: using an entry the selected ABI lacks is a
//! build error naming the entry and the ABI that has it, and the header's fallback qstr
//! numbers are the static list's.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use mpy_link::Arch;
use mpy_sys::abi::{self, MpyAbi, RawCodeHead};
use mpy_tests::{
    module_objects, natmod_include_dir, skip_unless, temp_dir, try_build_c_module, workspace_root,
    Skip, TestResult, Trial,
};

use object::{Object, ObjectSection, ObjectSymbol};

pub(crate) fn trials() -> Vec<Trial> {
    mpy_tests::trials!(
        "abi/layout",
        [
            header_matches_the_abi_facts_on_every_arch,
            fallback_qstr_numbers_are_the_static_list,
            entries_missing_from_the_abi_are_build_errors_naming_entry_and_abi,
            unknown_abi_is_rejected,
        ]
    )
}

/// Architectures whose compiler is a Debian package (xtensawin has xtensa's layout).
const PROBE_ARCHES: [Arch; 9] = [
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

/// One value the probe records: a label, the C expression, and what the facts say.
struct Item {
    label: String,
    expr: String,
    expected: u64,
}

fn header_text() -> String {
    let path = natmod_include_dir().join("natmod.h");
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Whether the header defines `name` (as a macro or an enumerator).
fn header_defines(header: &str, name: &str) -> bool {
    header.lines().any(|line| {
        let t = line.trim();
        t.strip_prefix("#define ")
            .and_then(|rest| rest.strip_prefix(name))
            .is_some_and(|rest| rest.starts_with([' ', '(']))
            || t.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with([',', ' ']) && !t.contains('('))
    })
}

/// `pub const NAME: T = literal;` lines of mpy-sys's constants, as (name, value).
fn rust_consts() -> Vec<(String, u64)> {
    let path = workspace_root().join("runtime/mpy-sys/src/consts.rs");
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let mut out = Vec::new();
    for line in text.lines() {
        let Some(rest) = line.trim().strip_prefix("pub const ") else {
            continue;
        };
        let Some((name, rest)) = rest.split_once(':') else {
            continue;
        };
        let Some((_, value)) = rest.split_once('=') else {
            continue;
        };
        let value = value.trim().trim_end_matches(';').replace('_', "");
        let parsed = match value.strip_prefix("0x") {
            Some(hex) => u64::from_str_radix(hex, 16).ok(),
            None => value.parse::<u64>().ok(),
        };
        if let Some(v) = parsed {
            out.push((name.trim().to_string(), v));
        }
    }
    out
}

/// Everything the probe records for `abi` on a machine with `word`-byte words.
fn items(abi: MpyAbi, word: usize, header: &str) -> Vec<Item> {
    let mut items = Vec::new();
    let mut push = |label: String, expr: String, expected: usize| {
        items.push(Item {
            label,
            expr,
            expected: expected as u64,
        })
    };
    push("sizeof(void *)".into(), "sizeof(void *)".into(), word);
    for (index, entry) in abi.fun_table().enumerate() {
        push(
            format!("mp_fun_table entry {index} `{}`", entry.name),
            format!("offsetof(mp_fun_table_t, {}) / sizeof(void *)", entry.name),
            index,
        );
    }
    push(
        "sizeof(mp_fun_table_t) in words".into(),
        "sizeof(mp_fun_table_t) / sizeof(void *)".into(),
        abi.fun_table_len(),
    );
    push(
        "MP_FUN_TABLE_LEN".into(),
        "MP_FUN_TABLE_LEN".into(),
        abi.fun_table_len(),
    );
    push(
        "MP_FUN_TABLE_MP_TYPE_TYPE_OFFSET".into(),
        "MP_FUN_TABLE_MP_TYPE_TYPE_OFFSET".into(),
        abi.first_object_index(),
    );
    push(
        "MPY_VERSION".into(),
        "MPY_VERSION".into(),
        abi::MPY_VERSION.into(),
    );
    push(
        "MPY_SUB_VERSION".into(),
        "MPY_SUB_VERSION".into(),
        abi.sub_version().into(),
    );
    push(
        "MP_NATIVE_TYPE_QSTR".into(),
        "MP_NATIVE_TYPE_QSTR".into(),
        abi::MP_NATIVE_TYPE_QSTR,
    );
    push(
        "MP_CODE_NATIVE_VIPER".into(),
        "MP_CODE_NATIVE_VIPER".into(),
        abi::MP_CODE_NATIVE_VIPER.into(),
    );
    for layout in abi::LAYOUTS {
        let t = layout.c_name;
        push(
            format!("sizeof({t})"),
            format!("sizeof({t})"),
            layout.size.at(word),
        );
        for (field, offset) in layout.fields {
            push(
                format!("offsetof({t}, {field})"),
                format!("offsetof({t}, {field})"),
                offset.at(word),
            );
        }
    }
    // Constants the header and mpy-sys both define must agree.
    for (name, value) in rust_consts() {
        if header_defines(header, &name) {
            items.push(Item {
                label: name.clone(),
                expr: format!("(unsigned long long)({name})"),
                expected: value,
            });
        }
    }
    items
}

/// The probe source: the values in one array, and a raw-code head to decode.
fn probe_source(abi: MpyAbi, items: &[Item]) -> String {
    let mut src =
        String::from("#include \"natmod.h\"\n\nconst unsigned long long natmod_probe[] = {\n");
    for item in items {
        let _ = writeln!(src, "    {}, /* {} */", item.expr, item.label);
    }
    src.push_str("};\n\n");
    match abi.raw_code_head() {
        RawCodeHead::BitFields => src.push_str(
            "const mp_raw_code_t natmod_probe_rc = {.kind = MP_CODE_NATIVE_VIPER, .scope_flags = 1};\n",
        ),
        RawCodeHead::Bytes => src.push_str(
            "const mp_raw_code_t natmod_probe_rc = {.kind = MP_CODE_NATIVE_VIPER, .is_generator = 1};\n",
        ),
    }
    src
}

/// The bytes of the object-file symbol `name`.
fn symbol_bytes(obj: &Path, name: &str) -> Vec<u8> {
    let data = fs::read(obj).unwrap_or_else(|e| panic!("read {}: {e}", obj.display()));
    let file = object::File::parse(&*data).unwrap_or_else(|e| panic!("{}: {e}", obj.display()));
    let sym = file
        .symbols()
        .find(|s| s.name() == Ok(name))
        .unwrap_or_else(|| panic!("{}: no symbol {name}", obj.display()));
    let index = sym
        .section_index()
        .unwrap_or_else(|| panic!("{name} has no section"));
    let section = file.section_by_index(index).expect("symbol section");
    let bytes = section.data().expect("section data");
    let start = sym.address().saturating_sub(section.address()) as usize;
    bytes[start..start + sym.size() as usize].to_vec()
}

/// An entry point, so that cargo-mpy links a probe like any module.
const PROBE_INIT: &str = "\nmp_obj_t mpy_init(mp_obj_fun_bc_t *self, size_t n_args, size_t n_kw, mp_obj_t *args) {\n    MP_DYNRUNTIME_INIT_ENTRY\n    MP_DYNRUNTIME_INIT_EXIT\n}\n";

/// Builds `src` (plus an entry point) for `arch` and `abi` (`--mpy-abi`, which
/// selects the header's ABI with `-DMPY_ABI`) with cargo-mpy's library and extra C
/// flags; returns the probe's object file, or cargo-mpy's messages when the build
/// fails.
fn build_probe(
    arch: Arch,
    abi: MpyAbi,
    cflags: &[&str],
    dir: &Path,
    name: &str,
    src: &str,
) -> Result<Result<PathBuf, String>, Skip> {
    let c = dir.join(format!("{name}.c"));
    fs::write(&c, format!("{src}{PROBE_INIT}")).expect("write probe");
    Ok(
        try_build_c_module(arch, abi, std::slice::from_ref(&c), dir, name, cflags)?.map(|_| {
            let objects = module_objects(dir, name);
            assert_eq!(objects.len(), 1, "{name}: one object file: {objects:?}");
            objects.into_iter().next().expect("one object")
        }),
    )
}

/// Compiles `src` for `arch` and `abi` with the module flags; returns the object.
fn compile_probe(arch: Arch, abi: MpyAbi, dir: &Path, src: &str) -> Result<PathBuf, Skip> {
    let name = format!("probe_{arch}_{}", abi.name().replace('.', "_"));
    Ok(
        build_probe(arch, abi, &[], dir, &name, src)?.unwrap_or_else(|log| {
            panic!(
                "building the {arch} probe for ABI {} failed:\n{log}",
                abi.name()
            )
        }),
    )
}

fn header_matches_the_abi_facts_on_every_arch() -> TestResult {
    let header = header_text();
    let dir = temp_dir("abi-layout");
    let mut checked = 0;
    for arch in PROBE_ARCHES {
        let word = if matches!(arch, Arch::X64 | Arch::Rv64imc) {
            8
        } else {
            4
        };
        for abi in MpyAbi::ALL {
            let facts = abi::ARCHES
                .iter()
                .find(|a| a.name == arch.name())
                .expect("arch facts");
            if !abi.supports_arch(facts) {
                // No firmware of this ABI loads the architecture (RISC-V before 6.3):
                // cargo-mpy refuses before compiling.
                let log = skip_unless!(build_probe(arch, abi, &[], dir.path(), "refused", ""))
                    .expect_err("the build is refused");
                assert!(
                    log.contains(&format!("no firmware of .mpy ABI {abi}"))
                        && log.contains(arch.name()),
                    "{arch} {abi}: {log}"
                );
                continue;
            }
            let items = items(abi, word, &header);
            let obj = skip_unless!(compile_probe(
                arch,
                abi,
                dir.path(),
                &probe_source(abi, &items)
            ));
            let bytes = symbol_bytes(&obj, "natmod_probe");
            assert_eq!(
                bytes.len(),
                items.len() * 8,
                "{arch} {}: probe size",
                abi.name()
            );
            let mut wrong = Vec::new();
            for (item, chunk) in items.iter().zip(bytes.chunks_exact(8)) {
                let value = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
                if value != item.expected {
                    wrong.push(format!(
                        "{}: header {value}, facts {}",
                        item.label, item.expected
                    ));
                }
            }
            assert!(
                wrong.is_empty(),
                "{arch}, ABI {}: natmod.h disagrees with mpy_sys::abi:\n{}",
                abi.name(),
                wrong.join("\n")
            );
            let rc = symbol_bytes(&obj, "natmod_probe_rc");
            assert_eq!(
                rc.len(),
                3 * word,
                "{arch} {}: sizeof(mp_raw_code_t)",
                abi.name()
            );
            let viper = abi::MP_CODE_NATIVE_VIPER;
            let head = match abi.raw_code_head() {
                // kind in bits 0-2, the generator scope flag in bit 3
                RawCodeHead::BitFields => vec![viper | 1 << 3, 0, 0, 0],
                // two zero indicator bytes, kind, is_generator
                RawCodeHead::Bytes => vec![0, 0, viper, 1],
            };
            assert_eq!(rc[..4], head[..], "{arch} {}: raw code head", abi.name());
            checked += 1;
        }
    }
    // RISC-V has no 6.1/6.2 firmware: 7 architectures x 3 ABIs + 2 x 1.
    assert_eq!(checked, 23, "arch/ABI combinations checked");
    Ok(())
}

fn fallback_qstr_numbers_are_the_static_list() -> TestResult {
    let header = header_text();
    let statics: BTreeMap<&str, usize> = mpy_sys::static_qstrs::STATIC_QSTRS
        .iter()
        .enumerate()
        .map(|(i, (_, ident))| (*ident, i + 1))
        .collect();
    let mut n = 0;
    for line in header.lines() {
        let Some(rest) = line.trim().strip_prefix("#define MP_QSTR_") else {
            continue;
        };
        let (ident, value) = rest.split_once(' ').expect("a value");
        let value: usize = value
            .trim()
            .trim_matches(|c| c == '(' || c == ')')
            .parse()
            .unwrap_or_else(|_| panic!("MP_QSTR_{ident}: not a number: {value}"));
        assert_eq!(
            statics.get(ident),
            Some(&value),
            "natmod.h: MP_QSTR_{ident} is {value}; the static list says {:?}",
            statics.get(ident)
        );
        n += 1;
    }
    assert!(n >= 5, "expected the header's fallback qstrs, found {n}");
    Ok(())
}

/// Builds a small module for x64 with the given ABI and extra C flags; returns whether it
/// built and cargo-mpy's messages (the compiler's among them).
fn compile_use(abi: MpyAbi, cflags: &[&str], body: &str) -> Result<(bool, String), Skip> {
    let dir = temp_dir("abi-missing");
    let src = format!("#include \"py/dynruntime.h\"\n\nvoid use(mp_obj_t o) {{\n    {body}\n}}\n");
    Ok(
        match build_probe(Arch::X64, abi, cflags, dir.path(), "m", &src)? {
            Ok(_) => (true, String::new()),
            Err(log) => (false, log),
        },
    )
}

fn entries_missing_from_the_abi_are_build_errors_naming_entry_and_abi() -> TestResult {
    let uses = [
        (
            "load_method_maybe",
            "mp_obj_t d[2]; mp_load_method_maybe(o, MP_QSTR_x, d);",
        ),
        (
            "get_buffer",
            "mp_buffer_info_t b; (void)mp_get_buffer(o, &b, MP_BUFFER_READ);",
        ),
        (
            "arg_parse_all",
            "mp_arg_parse_all(0, NULL, NULL, 0, NULL, NULL);",
        ),
        (
            "binary_get_size",
            "(void)mp_binary_get_size('@', 'B', NULL);",
        ),
    ];
    for (entry, body) in uses {
        let fact = abi::FUN_TABLE
            .iter()
            .find(|e| e.name == entry)
            .expect("entry in the facts");
        for abi in MpyAbi::ALL {
            let (ok, stderr) = skip_unless!(compile_use(abi, &[], body));
            if abi.has(fact) {
                assert!(
                    ok,
                    "{entry} with ABI {} should build:\n{stderr}",
                    abi.name()
                );
            } else {
                assert!(!ok, "{entry} with ABI {} should not build", abi.name());
                let wanted = format!("'{entry}' needs .mpy ABI {}", fact.added.name());
                assert!(
                    stderr.contains(&wanted) && stderr.contains(abi.name()),
                    "ABI {}: the error should name `{entry}` and ABI {}:\n{stderr}",
                    abi.name(),
                    fact.added.name()
                );
            }
        }
    }
    Ok(())
}

fn unknown_abi_is_rejected() -> TestResult {
    // Past cargo-mpy's `-DMPY_ABI` (which only names ABIs that exist), straight to the
    // header.
    let (ok, stderr) = skip_unless!(compile_use(
        MpyAbi::V6_3,
        &["-UMPY_ABI", "-DMPY_ABI=0x0604"],
        "(void)o;"
    ));
    assert!(!ok, "MPY_ABI=0x0604 should not build");
    assert!(stderr.contains("MPY_ABI must be 0x0601"), "{stderr}");
    Ok(())
}
