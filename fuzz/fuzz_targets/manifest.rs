//! A package manifest read as `cargo mpy build` reads one without Rust
//! code: errors are fine, panics are not.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = cargo_mpy::fuzz::manifest(text);
    }
});
