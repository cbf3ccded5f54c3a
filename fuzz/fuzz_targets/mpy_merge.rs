//! Merging up to four `.mpy` files (split at `common::SEPARATOR`): whatever
//! merges must read back.

#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let parts = common::parts(data, 4);
    let names = ["a.mpy", "b.mpy", "c.mpy", "d.mpy"];
    let inputs: Vec<(&str, &[u8])> = names.iter().copied().zip(parts).collect();
    if let Ok(merged) = mpy_link::mpy::merge::merge(&inputs) {
        let mpy = mpy_link::mpy::read::read("merged.mpy", &merged)
            .unwrap_or_else(|e| panic!("a merged file the reader rejects: {e}"));
        let _ = mpy_link::mpy::dump::dump(&mpy);
    }
});
