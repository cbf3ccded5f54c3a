//! The `.mpy` reader, the dump and the bytecode decoder on any bytes.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mpy_link::mpy::raw_code::RawCode;
use mpy_link::mpy::read::{read, Mpy};

fn walk(mpy: &Mpy<'_>, rc: &RawCode<'_>, depth: usize) {
    let _ = mpy.function_name(rc);
    let _ = rc.relocations();
    let _ = mpy.instructions(rc);
    if depth < 64 {
        for child in &rc.children {
            walk(mpy, child, depth + 1);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(mpy) = read("fuzz.mpy", data) else {
        return;
    };
    let _ = mpy_link::mpy::dump::dump(&mpy);
    let _ = mpy_link::mpy::dump::relocations(&mpy);
    let _ = mpy.contains_native_code();
    walk(&mpy, &mpy.raw_code, 0);
    // One part merges to itself.
    let merged = mpy_link::mpy::merge::merge(&[("fuzz.mpy", data)]);
    assert_eq!(merged.ok().as_deref(), Some(data));
});
