//! crc: CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) over bytes,
//! bytearray, memoryview or array objects, computed with a 256-entry table
//! that is built at compile time (it lands in rodata).
#![no_std]

use mpy::{Buffer, Module, PyResult};

/// The table for the reflected polynomial, computed by the compiler.
static TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { 0xedb8_8320 ^ (c >> 1) } else { c >> 1 };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

/// `crc32(data, start=0)`: the CRC-32 of `data`, continuing from `start`.
#[mpy::function]
fn crc32(data: Buffer<'_>, start: Option<u32>) -> u32 {
    let mut crc = !start.unwrap_or(0);
    for &b in data.data {
        crc = TABLE[((crc ^ u32::from(b)) & 0xff) as usize] ^ (crc >> 8);
    }
    !crc
}

#[mpy::module]
fn init(m: &Module<'_>) -> PyResult<()> {
    m.add_function(&crc32::DEF)?;
    Ok(())
}
