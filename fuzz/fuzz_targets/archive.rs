//! A static archive: its index is read, the member defining `mpy_init` is
//! the root (as for a Rust static library) and the rest is pulled on
//! demand. The first byte selects the architecture (`common::options`).

#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use mpy_link::archive::Archive;
use mpy_link::Library;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let Ok(archive) = Archive::parse("fuzz.a".into(), bytes.to_vec()) else {
        return;
    };
    let _ = archive.symbol_count();
    let lib = Library {
        archives: vec![archive],
    };
    let Ok(Some(root)) = lib.member_defining("mpy_init") else {
        return;
    };
    let opts = common::options(selector);
    if let Ok(linked) = mpy_link::link(&opts, &[root], &[lib]) {
        common::check_output(&linked);
    }
});
