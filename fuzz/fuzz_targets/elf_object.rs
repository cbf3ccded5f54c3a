//! A relocatable ELF object of any architecture, linked on its own: the
//! first byte selects the architecture and improvements (`common::options`),
//! the rest is the object. Whatever links must read back.

#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use mpy_link::Input;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, object)) = data.split_first() else {
        return;
    };
    let opts = common::options(selector);
    let input = Input::from_bytes("fuzz.o", object.to_vec());
    if let Ok(linked) = mpy_link::link(&opts, &[input], &[]) {
        common::check_output(&linked);
    }
});
