//! Externs scripts (`sym = 0xADDR;`, `PROVIDE(sym = 0xADDR);`).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(symbols) = mpy_link::externs::parse(&text, "fuzz.ld") {
        for (name, address) in &symbols {
            assert!(!name.is_empty(), "an extern without a name");
            assert!(
                *address <= u64::from(u32::MAX),
                "`{name}`: more than 8 hex digits"
            );
        }
    }
});
