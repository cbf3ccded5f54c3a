//! Helpers shared by the example tests: build an example with the real
//! `cargo mpy`, decode and check the output, and find the Rust targets.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use mpy_link::Arch;
use mpy_tests::workspace_root;

/// Builds `example` for `arches` into `out` with no MicroPython tree (C
/// sources use the header cargo-mpy ships). Returns the path of each module.
pub fn build(example: &str, arches: &[Arch], out: &Path) -> Vec<PathBuf> {
    build_named(example, example.trim_start_matches("c-"), arches, out)
}

/// [`build`] for an example whose module name is `module`.
pub fn build_named(example: &str, module: &str, arches: &[Arch], out: &Path) -> Vec<PathBuf> {
    let manifest = workspace_root()
        .join("examples")
        .join(example)
        .join("Cargo.toml");
    build_manifest(&manifest, module, arches, out)
}

/// [`build_named`] for any package.
pub fn build_manifest(manifest: &Path, module: &str, arches: &[Arch], out: &Path) -> Vec<PathBuf> {
    let example = manifest.display();
    let list = arches
        .iter()
        .map(|a| a.name())
        .collect::<Vec<_>>()
        .join(",");
    let target = out.join("target");
    let res = Command::new(env!("CARGO_BIN_EXE_cargo-mpy"))
        .args(["mpy", "build", "-q", "--arch", &list, "--manifest-path"])
        .arg(manifest)
        .arg("--out-dir")
        .arg(out)
        .env_remove("MPY_DIR")
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .expect("run cargo-mpy");
    assert!(
        res.status.success(),
        "building {example} for {list}:\n{}",
        String::from_utf8_lossy(&res.stderr)
    );
    // Our examples (and what the runtime's macros generate in them) build
    // without a single compiler warning.
    let stderr = String::from_utf8_lossy(&res.stderr);
    assert!(
        !stderr.contains("warning"),
        "building {example} for {list} warned:\n{stderr}"
    );
    arches
        .iter()
        .map(|a| {
            if arches.len() == 1 {
                out.join(format!("{module}.mpy"))
            } else {
                out.join(format!("{module}_{}.mpy", a.name()))
            }
        })
        .collect()
}

/// Decodes a module and checks every relocation entry against the loader's
/// rules: inside the image it patches, a kind the loader knows. A merged
/// module (native plus bytecode parts) is checked through its native part.
pub fn check(arch: Arch, path: &Path) {
    let bytes = std::fs::read(path).unwrap();
    let mpy = mpy_link::mpy::read::read(&path.display().to_string(), &bytes).unwrap();
    assert_eq!(mpy.header.arch, arch.spec().mpy_code);
    let code = if mpy.raw_code.native.is_some() {
        &mpy.raw_code
    } else {
        mpy.raw_code
            .children
            .iter()
            .find(|c| c.native.is_some())
            .expect("a native part")
    };
    let native = code.native.as_ref().unwrap();
    let word = arch.word_size();
    for e in code.relocations() {
        let end = (e.word_offset + e.count) * word;
        let limit = match e.base {
            mpy_link::mpy::reloc::RelocBase::Text => code.fun_data.len() as u64,
            mpy_link::mpy::reloc::RelocBase::Rodata => native.rodata.len() as u64,
        };
        assert!(
            end <= limit,
            "{arch}: {e:?} outside its image ({limit} bytes)"
        );
        if let mpy_link::mpy::reloc::RelocKind::FunTableEntry(k) = e.kind {
            let abi = mpy.header.abi().expect("a native module's ABI");
            assert!(
                usize::from(k) < abi.fun_table_len(),
                "{arch}: mp_fun_table entry {k} (ABI {abi})"
            );
        }
    }
}

/// Architectures with a Rust target.
pub const RUST_ARCHES: [Arch; 7] = [
    Arch::X86,
    Arch::Armv6m,
    Arch::Armv7m,
    Arch::Armv7emsp,
    Arch::Armv7emdp,
    Arch::Rv32imc,
    Arch::Rv64imc,
];

pub fn rust_target_installed(arch: Arch) -> Result<(), mpy_tests::Skip> {
    let triple = cargo_mpy::toolchain::Toolchain::of(arch).rust.triple;
    let out = Command::new("rustc")
        .args(["--print", "target-libdir", "--target", triple])
        .output();
    match out {
        Ok(o)
            if o.status.success()
                && Path::new(String::from_utf8_lossy(&o.stdout).trim()).is_dir() =>
        {
            Ok(())
        }
        _ => {
            let skip = mpy_tests::Skip(format!(
                "Rust target {triple} is not installed (rustup target add {triple})"
            ));
            if mpy_tests::tools_required() {
                panic!("{skip}");
            }
            Err(skip)
        }
    }
}
