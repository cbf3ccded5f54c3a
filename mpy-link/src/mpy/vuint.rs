//! The variable-length unsigned integers of the `.mpy` format.
//!
//! Seven bits per byte, most significant group first; every byte but the
//! last has its high bit set.

/// Appends `value` to `out` in the `.mpy` variable-length encoding.
pub fn encode_vuint(out: &mut Vec<u8>, mut value: u64) {
    let mut buf = [0u8; 10];
    let mut i = buf.len() - 1;
    buf[i] = (value & 0x7f) as u8;
    value >>= 7;
    while value != 0 {
        i -= 1;
        buf[i] = 0x80 | (value & 0x7f) as u8;
        value >>= 7;
    }
    out.extend_from_slice(&buf[i..]);
}

/// Decodes a variable-length unsigned integer at the start of `data`.
///
/// Returns the value and the number of bytes it used, or `None` when the
/// data ends inside the number or the value does not fit in 64 bits.
pub fn decode_vuint(data: &[u8]) -> Option<(u64, usize)> {
    let mut value: u64 = 0;
    for (i, &b) in data.iter().enumerate() {
        if value >> 57 != 0 {
            return None;
        }
        value = (value << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_encodings() {
        // Worked by hand from the rule: 0x80 = 1_0000000 -> [0x81, 0x00].
        let cases: &[(u64, &[u8])] = &[
            (0, &[0x00]),
            (0x7f, &[0x7f]),
            (0x80, &[0x81, 0x00]),
            (300, &[0x82, 0x2c]),
            (0x3fff, &[0xff, 0x7f]),
            (0x4000, &[0x81, 0x80, 0x00]),
        ];
        for &(v, bytes) in cases {
            let mut out = Vec::new();
            encode_vuint(&mut out, v);
            assert_eq!(out, bytes, "encoding {v}");
            assert_eq!(decode_vuint(bytes), Some((v, bytes.len())));
        }
    }

    #[test]
    fn round_trip_and_truncation() {
        for shift in 0..64 {
            let v = (1u64 << shift) | 1;
            let mut out = Vec::new();
            encode_vuint(&mut out, v);
            assert_eq!(decode_vuint(&out), Some((v, out.len())));
            assert_eq!(decode_vuint(&out[..out.len() - 1]), None);
        }
        let mut out = Vec::new();
        encode_vuint(&mut out, u64::MAX);
        assert_eq!(decode_vuint(&out), Some((u64::MAX, out.len())));
        assert_eq!(decode_vuint(&[0xff; 11]), None);
    }
}
