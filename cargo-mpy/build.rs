//! Carries the sources of the runtime crates (`mpy`, `mpy-sys`, `mpy-macros`) into the
//! binary, so an installed `cargo mpy` builds Rust modules without this checkout and
//! without a registry. They are found through the build dependency on `mpy`
//! (`mpy::__sources`): in this workspace, in the registry, or wherever the packaged crates
//! were unpacked. `src/runtime.rs` reads `$OUT_DIR/runtime.bundle` and extracts it.
//!
//! The bundle is a list of entries, each `path\nlength\nbytes`, in a fixed order. A crate
//! that inherits from its workspace (`version.workspace = true`) brings the workspace's
//! manifest along as `workspace/Cargo.toml`; the extraction resolves the inheritance.

use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let crates = [
        ("mpy", mpy::__sources::MPY),
        ("mpy-sys", mpy::__sources::MPY_SYS),
        ("mpy-macros", mpy::__sources::MPY_MACROS),
    ];
    let mut bundle = Vec::new();
    let mut inherits = false;
    for (name, dir) in crates {
        let dir = Path::new(dir);
        println!("cargo:rerun-if-changed={}", dir.display());
        let mut files = Vec::new();
        collect(dir, dir, &mut files);
        files.sort();
        for rel in files {
            let data = read(&dir.join(&rel));
            if rel == Path::new("Cargo.toml") {
                inherits |= String::from_utf8_lossy(&data).contains("workspace = true");
            }
            let path = format!("{name}/{}", rel.to_string_lossy().replace('\\', "/"));
            entry(&mut bundle, &path, &data);
        }
    }
    if inherits {
        let root = workspace_root(Path::new(mpy::__sources::MPY)).unwrap_or_else(|| {
            panic!(
                "`{}` inherits from a workspace, but no workspace manifest is above it",
                mpy::__sources::MPY
            )
        });
        println!("cargo:rerun-if-changed={}", root.display());
        entry(&mut bundle, "workspace/Cargo.toml", &read(&root));
    }
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::write(out.join("runtime.bundle"), bundle).expect("write the runtime bundle");
}

fn read(path: &Path) -> Vec<u8> {
    fs::read(path).unwrap_or_else(|e| panic!("cannot read `{}`: {e}", path.display()))
}

fn entry(bundle: &mut Vec<u8>, path: &str, data: &[u8]) {
    bundle.extend_from_slice(format!("{path}\n{}\n", data.len()).as_bytes());
    bundle.extend_from_slice(data);
}

/// The files of a crate as `cargo package` would take them: no hidden files, no build
/// output, no lock file, no packaging by-products, no nested packages.
fn collect(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
    let entries =
        fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list `{}`: {e}", dir.display()));
    for entry in entries {
        let entry = entry.expect("directory entry");
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || ["target", "Cargo.lock", "Cargo.toml.orig"].contains(&&*name) {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            if !path.join("Cargo.toml").exists() {
                collect(root, &path, out);
            }
        } else if path.is_file() {
            out.push(path.strip_prefix(root).expect("below the root").to_owned());
        }
    }
}

/// The first manifest above `dir` that declares a workspace.
fn workspace_root(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .skip(1)
        .map(|d| d.join("Cargo.toml"))
        .find(|m| fs::read_to_string(m).is_ok_and(|t| t.lines().any(|l| l.trim() == "[workspace]")))
}
