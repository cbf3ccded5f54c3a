//! The `mpy-link` binary: mpy_ld.py's arguments, exit codes, messages, and
//! never an output file after a failure.

use std::path::{Path, PathBuf};
use std::process::Command;

use mpy_link::Arch;

use crate::common::Obj;
use crate::support::{trials, Trial};

pub(crate) fn trials() -> Vec<Trial> {
    trials!(
        "cli",
        [
            links_with_mpy_ld_arguments,
            failure_leaves_no_output_and_explains,
            merge_mode,
            dump_mode_prints_what_a_module_holds,
            temporary_files_of_killed_runs_are_removed,
        ]
    )
}

fn mpy_link() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mpy-link"))
}

fn good_object() -> Vec<u8> {
    let mut o = Obj::new(Arch::X64);
    let text = o.text(&[0x48, 0x8b, 0x05, 0, 0, 0, 0, 0xc3]);
    o.func("mpy_init", text, 0);
    let ft = o.undef("mp_fun_table");
    o.reloc(text, 3, ft, 42, -4);
    o.finish()
}

fn links_with_mpy_ld_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let obj = dir.path().join("mod.o");
    std::fs::write(&obj, good_object()).unwrap();
    let src = dir.path().join("mod.c");
    std::fs::write(&src, "x = MP_QSTR_hello; y = MP_QSTR_print;").unwrap();
    // --preprocess: default output name is mod.config.h.
    let st = mpy_link()
        .args(["--arch", "x64", "--preprocess"])
        .arg(&src)
        .status()
        .unwrap();
    assert!(st.success());
    let cfg = dir.path().join("mod.config.h");
    let header = std::fs::read_to_string(&cfg).unwrap();
    assert!(
        header.contains("#define MP_QSTR_hello (mp_native_qstr_table[1])"),
        "{header}"
    );
    // Link: default output is mod.mpy; the source name is the output's file name.
    let st = mpy_link()
        .args(["--arch", "x64", "--qstrs"])
        .arg(&cfg)
        .arg(&obj)
        .status()
        .unwrap();
    assert!(st.success());
    let mpy = std::fs::read(dir.path().join("mod.mpy")).unwrap();
    let parsed = mpy_link::mpy::read::read("mod.mpy", &mpy).unwrap();
    assert_eq!(parsed.qstrs.len(), 2, "file name plus `hello`");
    // --source-name overrides the recorded name.
    let out = dir.path().join("other.mpy");
    let st = mpy_link()
        .args(["--arch", "x64", "--source-name", "named.mpy", "-o"])
        .arg(&out)
        .arg(&obj)
        .status()
        .unwrap();
    assert!(st.success());
    assert!(std::fs::read(&out)
        .unwrap()
        .windows(9)
        .any(|w| w == b"named.mpy"));
}

fn failure_leaves_no_output_and_explains() {
    let dir = tempfile::tempdir().unwrap();
    let obj = dir.path().join("bad.o");
    let mut data = good_object();
    data.truncate(100);
    std::fs::write(&obj, data).unwrap();
    let out = dir.path().join("bad.mpy");
    let res = mpy_link()
        .args(["--arch", "x64", "-o"])
        .arg(&out)
        .arg(&obj)
        .output()
        .unwrap();
    assert_eq!(res.status.code(), Some(1));
    let err = String::from_utf8_lossy(&res.stderr);
    assert!(err.starts_with("error: ") && err.contains("bad.o"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!out.exists());
    // Wrong architecture, unknown architecture, bad arch flags.
    std::fs::write(&obj, good_object()).unwrap();
    let res = mpy_link()
        .args(["--arch", "armv7m", "-o"])
        .arg(&out)
        .arg(&obj)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&res.stderr);
    assert_eq!(res.status.code(), Some(1));
    assert!(err.contains("EM_X86_64") && err.contains("armv7m"), "{err}");
    let res = mpy_link()
        .args(["--arch", "arm9", "-o"])
        .arg(&out)
        .arg(&obj)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&res.stderr).contains("valid: x86, x64"));
    let res = mpy_link()
        .args(["--arch", "x64", "--arch-flags", "zba", "-o"])
        .arg(&out)
        .arg(&obj)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&res.stderr).contains("only rv32imc"));
    assert!(!out.exists());
    // A missing input file.
    let res = mpy_link()
        .args(["--arch", "x64", "-o"])
        .arg(&out)
        .arg(dir.path().join("nope.o"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&res.stderr).contains("nope.o"));
    assert!(!out.exists());
}

/// Links [`good_object`] (written as `<stem>.o` in `dir`) into `dir/<output>`.
fn link_good_object(dir: &Path, stem: &str, output: &str) -> (PathBuf, PathBuf) {
    let obj = dir.join(format!("{stem}.o"));
    std::fs::write(&obj, good_object()).unwrap();
    let native = dir.join(output);
    assert!(mpy_link()
        .args(["--arch", "x64", "-o"])
        .arg(&native)
        .arg(&obj)
        .status()
        .unwrap()
        .success());
    (obj, native)
}

fn merge_mode() {
    let dir = tempfile::tempdir().unwrap();
    let (_, native) = link_good_object(dir.path(), "m", "m_native.mpy");
    // One input is copied unchanged.
    let merged = dir.path().join("m.mpy");
    assert!(mpy_link()
        .args(["--merge", "-o"])
        .arg(&merged)
        .arg(&native)
        .status()
        .unwrap()
        .success());
    assert_eq!(
        std::fs::read(&merged).unwrap(),
        std::fs::read(&native).unwrap()
    );
    // Two native parts cannot be merged: an error, and no output.
    std::fs::remove_file(&merged).unwrap();
    let res = mpy_link()
        .args(["--merge", "-o"])
        .arg(&merged)
        .arg(&native)
        .arg(&native)
        .output()
        .unwrap();
    assert_eq!(res.status.code(), Some(1));
    assert!(!merged.exists());
    assert!(String::from_utf8_lossy(&res.stderr).contains("native"));
}

fn dump_mode_prints_what_a_module_holds() {
    let dir = tempfile::tempdir().unwrap();
    let (obj, native) = link_good_object(dir.path(), "d", "d.mpy");
    let res = mpy_link().arg("--dump").arg(&native).output().unwrap();
    assert!(res.status.success());
    let text = String::from_utf8(res.stdout).unwrap();
    // The header, the file name as qstr 0, and the GOT entry's relocation.
    assert!(text.contains("arch x64"), "{text}");
    assert!(text.contains("0: 'd.mpy'"), "{text}");
    assert!(text.contains("mp_fun_table"), "{text}");
    // Not a .mpy: an error naming the file, and a failure status.
    let res = mpy_link().arg("--dump").arg(&obj).output().unwrap();
    assert_eq!(res.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&res.stderr).contains("d.o"));
}

fn temporary_files_of_killed_runs_are_removed() {
    let dir = tempfile::tempdir().unwrap();
    // A process that is gone: started, killed and reaped.
    let mut victim = Command::new("sleep").arg("30").spawn().unwrap();
    let dead = victim.id();
    victim.kill().unwrap();
    victim.wait().unwrap();
    // What a run killed while writing `m.mpy` leaves behind, next to the
    // temporary files of a run still going (this test process) and of
    // another output.
    let stale = dir.path().join(format!(".m.mpy.{dead}.tmp"));
    let running = dir
        .path()
        .join(format!(".m.mpy.{}.tmp", std::process::id()));
    let other = dir.path().join(format!(".n.mpy.{dead}.tmp"));
    for p in [&stale, &running, &other] {
        std::fs::write(p, b"partial").unwrap();
    }
    let (_, out) = link_good_object(dir.path(), "m", "m.mpy");
    assert!(out.exists());
    assert!(!stale.exists(), "the dead run's temporary file stays");
    assert!(
        running.exists(),
        "a running process's temporary file was removed"
    );
    assert!(
        other.exists(),
        "another output's temporary file was removed"
    );
    // A failed write leaves no temporary file of its own.
    let names = |d: &Path| {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let before = names(dir.path());
    let res = mpy_link()
        .args(["--arch", "x64", "-o"])
        .arg(dir.path().join("m.mpy").join("not-a-dir.mpy"))
        .arg(dir.path().join("m.o"))
        .output()
        .unwrap();
    assert_eq!(res.status.code(), Some(1));
    assert_eq!(names(dir.path()), before);
}

#[test]
fn mpy_abi_option() {
    let dir = tempfile::tempdir().unwrap();
    let obj = dir.path().join("m.o");
    std::fs::write(&obj, good_object()).unwrap();
    for (abi, byte) in [
        ("6.1", 2 << 2 | 1),
        ("6.2", 2 << 2 | 2),
        ("6.3", 2 << 2 | 3),
    ] {
        let out = dir.path().join(format!("m{abi}.mpy"));
        let st = mpy_link()
            .args(["--arch", "x64", "--mpy-abi", abi, "-o"])
            .arg(&out)
            .arg(&obj)
            .status()
            .unwrap();
        assert!(st.success(), "{abi}");
        assert_eq!(std::fs::read(&out).unwrap()[2], byte, "{abi}");
        let dump = mpy_link().arg("--dump").arg(&out).output().unwrap();
        let text = String::from_utf8_lossy(&dump.stdout);
        assert!(
            text.contains(&format!("(ABI {abi}: MicroPython 1.2")),
            "{text}"
        );
    }
    // Without the option: 6.3, as mpy_ld.py at the reference commit writes.
    let (_, native) = link_good_object(dir.path(), "d", "d.mpy");
    assert_eq!(std::fs::read(&native).unwrap()[2], 2 << 2 | 3);
    // An ABI that does not exist, and one whose firmware has no rv32imc loader.
    let out = dir.path().join("bad.mpy");
    let res = mpy_link()
        .args(["--arch", "x64", "--mpy-abi", "6.4", "-o"])
        .arg(&out)
        .arg(&obj)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&res.stderr);
    assert_eq!(res.status.code(), Some(2), "{err}");
    assert!(
        err.contains("6.4") && err.contains("6.1, 6.2, 6.3"),
        "{err}"
    );
    let rv = dir.path().join("rv.o");
    let mut o = Obj::new(Arch::Rv32imc);
    let text = o.text(&[0x82, 0x80]);
    o.func("mpy_init", text, 0);
    std::fs::write(&rv, o.finish()).unwrap();
    let res = mpy_link()
        .args(["--arch", "rv32imc", "--mpy-abi", "6.2", "-o"])
        .arg(&out)
        .arg(&rv)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&res.stderr);
    assert_eq!(res.status.code(), Some(1), "{err}");
    assert!(err.contains("rv32imc") && err.contains("ABI 6.2"), "{err}");
    assert!(!out.exists());
}
