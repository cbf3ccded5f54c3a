//! qstrs without a source scan.
//!
//! A module refers to the qstr `name` through an undefined `u16` symbol called
//! [`QSTR_SYMBOL_PREFIX`]`<spelling>`. The `cargo-mpy` linker collects these symbols, gives
//! each distinct name a slot in the module's qstr table and points the symbol's GOT entry at
//! that slot (relocation kind 6). The loader fills the table with run-time qstr numbers, so
//! reading the symbol yields the qstr.
//!
//! # Spelling
//!
//! Bytes `[A-Za-z0-9_]` are written as themselves; every other byte (including `$`) is
//! written as `$` followed by two lower-case hex digits. So `add` is `__mpy_qstr_add`,
//! `__init__` is `__mpy_qstr___init__` and `a-b` is `__mpy_qstr_a$2db`. [`encode`] and
//! [`decode`] implement the rule; the `qstr!` macro of the `mpy` crate applies it at compile
//! time.

/// Prefix of every qstr symbol.
pub const QSTR_SYMBOL_PREFIX: &str = "__mpy_qstr_";

/// Is `b` written as itself in a qstr symbol?
pub const fn is_plain_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Write the symbol spelling of `name` (without the prefix) through `out`.
pub fn encode(name: &[u8], mut out: impl FnMut(u8)) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for &b in name {
        if is_plain_byte(b) {
            out(b);
        } else {
            out(b'$');
            out(HEX[usize::from(b >> 4)]);
            out(HEX[usize::from(b & 15)]);
        }
    }
}

/// Decode a symbol spelling (without the prefix) back to the qstr's bytes. Returns `None`
/// for a malformed spelling (a bad escape, or a byte that should have been escaped).
pub fn decode(spelling: &[u8], mut out: impl FnMut(u8)) -> Option<()> {
    let mut i = 0;
    while i < spelling.len() {
        let b = spelling[i];
        if b == b'$' {
            let hi = hex_val(*spelling.get(i + 1)?)?;
            let lo = hex_val(*spelling.get(i + 2)?)?;
            out(hi << 4 | lo);
            i += 3;
        } else if is_plain_byte(b) {
            out(b);
            i += 1;
        } else {
            return None;
        }
    }
    Some(())
}

const fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(s: &str) -> [u8; 64] {
        let mut buf = [0u8; 64];
        let mut n = 0;
        encode(s.as_bytes(), |b| {
            buf[n] = b;
            n += 1;
        });
        buf
    }

    #[test]
    fn round_trip() {
        for s in ["add", "__init__", "a-b", "$x", "é", ""] {
            let e = enc(s);
            let len = e.iter().position(|&b| b == 0).unwrap_or(64);
            let mut back = [0u8; 64];
            let mut n = 0;
            decode(&e[..len], |b| {
                back[n] = b;
                n += 1;
            })
            .unwrap();
            assert_eq!(&back[..n], s.as_bytes());
        }
        assert_eq!(&enc("a-b")[..6], b"a$2db\0");
        assert!(decode(b"a-b", |_| ()).is_none());
        assert!(decode(b"a$2", |_| ()).is_none());
    }
}
