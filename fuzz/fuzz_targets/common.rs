//! Shared by the fuzz targets: the architecture byte and multi-part inputs.

#![allow(dead_code)]

use mpy_link::{Arch, Improvements, LinkOptions};

/// Separates the files of a multi-part input (seeds are written with it).
pub const SEPARATOR: &[u8] = b"\n--8<--\n";

/// The parts of `data`, split at [`SEPARATOR`], at most `max` of them (the
/// last keeps any further separators).
pub fn parts(data: &[u8], max: usize) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = data;
    while out.len() + 1 < max {
        match rest.windows(SEPARATOR.len()).position(|w| w == SEPARATOR) {
            Some(i) => {
                out.push(&rest[..i]);
                rest = &rest[i + SEPARATOR.len()..];
            }
            None => break,
        }
    }
    out.push(rest);
    out
}

/// Link options from a selector byte: the low bits pick the architecture
/// (`Arch::ALL` order), bit 6 static data, bit 7 section GC. The seed
/// script writes the byte of each object's architecture.
pub fn options(selector: u8) -> LinkOptions {
    let arch = Arch::ALL[usize::from(selector & 0x0f) % Arch::ALL.len()];
    let mut opts = LinkOptions::new(arch, "fuzz.mpy");
    opts.qstrs = vec!["fuzz".into(), "add".into()];
    opts.improvements = Improvements {
        static_data: selector & 0x40 != 0,
        gc_sections: selector & 0x80 != 0,
    };
    opts
}

/// A linked module must read back with our own reader, and dump.
pub fn check_output(linked: &mpy_link::LinkedModule) {
    let bytes = linked.to_mpy();
    let mpy = mpy_link::mpy::read::read("fuzz.mpy", &bytes)
        .unwrap_or_else(|e| panic!("the linker wrote a module its reader rejects: {e}"));
    let _ = mpy_link::mpy::dump::dump(&mpy);
}
