//! GNU ld scripts standing in for libraries (`GROUP(...)`), which may name
//! each other: up to three texts are written as `libm.a`, `b.ld` and `c.ld`
//! in a directory that also holds an empty archive `empty.a`, and `libm.a`
//! is opened as a library.

#![no_main]

#[path = "common.rs"]
mod common;

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use mpy_link::Library;

fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("mpy-fuzz-ld-")
            .tempdir()
            .expect("a temporary directory")
            .keep();
        std::fs::write(dir.join("empty.a"), b"!<arch>\n").expect("write empty.a");
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let dir = dir();
    let names = ["libm.a", "b.ld", "c.ld"];
    let parts = common::parts(data, names.len());
    for (i, name) in names.iter().enumerate() {
        let path = dir.join(name);
        match parts.get(i) {
            Some(text) => std::fs::write(&path, text).expect("write a script"),
            None => {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
    if let Ok(lib) = Library::open(&dir.join("libm.a")) {
        let _ = lib.member_defining("mpy_init");
    }
});
