//! Inputs the fuzz targets (`fuzz/`) found mishandled, one test each,
//! written by hand in the shape the fuzzer's minimised input had.

use mpy_link::mpy::merge::merge;
use mpy_link::mpy::read::read;
use mpy_link::mpy::vuint::encode_vuint;
use mpy_link::Arch;

use crate::common::{link, Obj};
use crate::support::{trials, Trial};

pub(crate) fn trials() -> Vec<Trial> {
    let mut trials = trials!(
        "fuzz_regressions",
        [
            merge_leaves_out_bytes_after_the_native_raw_code,
            machine_code_needs_an_architecture_in_the_header,
            a_relocation_addend_beyond_any_module_is_an_error
        ]
    );
    #[cfg(unix)]
    trials.extend(trials!(
        "fuzz_regressions",
        [a_script_naming_a_device_is_an_error]
    ));
    trials
}

/// A native x64 module whose code is one `ret`, with `trailing` bytes after
/// its raw code (the loader ignores them in a file on its own).
fn native_with_trailing(trailing: &[u8]) -> Vec<u8> {
    let mut m = vec![b'M', 6, 2 << 2 | 3, 31];
    encode_vuint(&mut m, 1); // n_qstr
    encode_vuint(&mut m, 0); // n_obj
    m.extend_from_slice(b"\x0an.mpy\0"); // qstr 0: "n.mpy"
    encode_vuint(&mut m, 1 << 3 | 2); // native raw code, 1 byte
    m.push(0xc3); // ret
    encode_vuint(&mut m, 0); // scope flags: nothing follows
    m.extend_from_slice(trailing);
    m
}

/// A bytecode module whose code returns `None`.
fn bytecode() -> Vec<u8> {
    let mut m = vec![b'M', 6, 0, 31];
    encode_vuint(&mut m, 1);
    encode_vuint(&mut m, 0);
    m.extend_from_slice(b"\x0ab.mpy\0");
    let code = [0x00, 0x02, 0x00, 0x51, 0x63]; // prelude, LOAD_CONST_NONE, RETURN_VALUE
    encode_vuint(&mut m, (code.len() as u64) << 3);
    m.extend_from_slice(&code);
    m
}

/// `mpy_merge`: bytes after the native part's raw code were copied into the
/// merged file, where the loader (and our reader) took them for the next
/// part's raw code: a module the reader rejects ("file ends inside function
/// data"), or on a board one that runs garbage.
fn merge_leaves_out_bytes_after_the_native_raw_code() {
    let native = native_with_trailing(&[0x72]);
    assert!(read("n.mpy", &native).is_ok());
    let merged = merge(&[("n.mpy", &native), ("b.mpy", &bytecode())]).unwrap();
    let mpy = read("merged.mpy", &merged)
        .unwrap_or_else(|e| panic!("the merged file does not read back: {e}"));
    assert_eq!(mpy.raw_code.children.len(), 2);
    assert_eq!(mpy.layout.end, merged.len());
    // The same as merging the native part without the trailing byte.
    let clean = merge(&[
        ("n.mpy", &native_with_trailing(&[])),
        ("b.mpy", &bytecode()),
    ])
    .unwrap();
    assert_eq!(merged, clean);
}

/// `mpy_merge` (this session's 30-minute run): a file whose header names no
/// architecture held a viper raw code with a relocation stream. Read alone,
/// its relocations could not be checked (no word size), so it read back and
/// merged; merged behind a native part, the file named an architecture and
/// the reader rejected the relocations ("words 7..8 are outside the 1 words
/// of text"). Machine code without an architecture is now an error where it
/// is read, so the merge refuses the input instead of writing a bad file.
fn machine_code_needs_an_architecture_in_the_header() {
    let mut m = vec![b'M', 6, 0, 31];
    encode_vuint(&mut m, 1); // n_qstr
    encode_vuint(&mut m, 0); // n_obj
    m.extend_from_slice(b"\x0ab.mpy\0");
    encode_vuint(&mut m, 1 << 3 | 2); // viper raw code, 1 byte
    m.push(0xc3);
    encode_vuint(&mut m, 0x10); // scope flags: a relocation stream follows
    m.extend_from_slice(&[0x1c, 0xff]); // one entry far past the code, end
    let err = read("b.mpy", &m).unwrap_err().to_string();
    assert!(
        err.contains("viper code in a file whose header names no architecture"),
        "{err}"
    );
    let err = merge(&[("n.mpy", &native_with_trailing(&[])), ("b.mpy", &m)])
        .unwrap_err()
        .to_string();
    assert!(err.contains("b.mpy"), "{err}");
}

/// `archive` (this session's 30-minute run): a RISC-V object whose `R_RISCV_JAL`
/// had an addend near `i64::MAX` overflowed the linker's address arithmetic
/// (a panic in a checked build, a silently wrapped jump in a release one).
/// Addends beyond 4 GiB are corrupt input and refused where they are read.
fn a_relocation_addend_beyond_any_module_is_an_error() {
    for addend in [i64::MAX - 1, i64::MIN + 1, 1 << 40] {
        let mut o = Obj::new(Arch::Rv64imc);
        let text = o.text(&[0x6f, 0, 0, 0, 0x67, 0x80, 0, 0]); // jal x0, 0; ret
        o.func("mpy_init", text, 4);
        let sym = o.undef("helper");
        o.reloc(text, 0, sym, 17, addend); // R_RISCV_JAL
        let mut h = Obj::new(Arch::Rv64imc);
        let htext = h.text(&[0x67, 0x80, 0, 0]);
        h.func("helper", htext, 0);
        let err = link(Arch::Rv64imc, vec![o.finish(), h.finish()])
            .err()
            .unwrap_or_else(|| panic!("addend {addend:#x} linked"))
            .to_string();
        assert!(err.contains("beyond any module's size"), "{err}");
    }
}

/// Found while writing `ld_script`: a script may name any path, and one
/// naming a device was read to its end, which `/dev/zero` never reaches.
/// A library must be a regular file.
#[cfg(unix)]
fn a_script_naming_a_device_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("libm.a");
    std::fs::write(&script, "GROUP ( /dev/zero )\n").unwrap();
    let err = mpy_link::Library::open(&script).unwrap_err().to_string();
    assert!(
        err.contains("/dev/zero") && err.contains("not a regular file"),
        "{err}"
    );
    let err = mpy_link::Library::open(std::path::Path::new("/dev/null"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("not a regular file"), "{err}");
}
