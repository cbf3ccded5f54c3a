//! The qstr scan of a source text and the config header it writes, which
//! must read back to the same names.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mpy_link::qstr::{config_header, parse_config_header, QstrScan};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let scan = QstrScan::from_texts([text.as_ref()]);
    let header = config_header(&scan);
    assert_eq!(parse_config_header(&header), scan.native_names());
});
