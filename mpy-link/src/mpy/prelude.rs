//! The prelude of a bytecode (or `@native`) function: its signature (state
//! size, argument counts, flags), the sizes of its info blocks and its name
//! and argument names as qstr indices.

use crate::mpy::cursor::Cursor;
use crate::mpy::error::MpyError;
use crate::mpy::vuint::decode_vuint;

/// The decoded prelude of a bytecode (or `@native`) function.
///
/// Offsets are relative to the start of the raw code's `fun_data`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prelude {
    /// Offset of the prelude signature.
    pub offset: usize,
    /// Number of state slots (locals and stack).
    pub n_state: u64,
    /// Depth of the exception stack.
    pub n_exc_stack: u64,
    /// Signature scope flags (generator, varargs, ...).
    pub scope_flags: u64,
    /// Positional arguments.
    pub n_pos_args: u64,
    /// Keyword-only arguments.
    pub n_kwonly_args: u64,
    /// Positional arguments with defaults.
    pub n_def_pos_args: u64,
    /// Size of the source-info block (names and line info).
    pub n_info: u64,
    /// Size of the closure-info block (cell indices).
    pub n_cell: u64,
    /// qstr-table indices: the function's name, then its argument names.
    pub names: Vec<u64>,
    /// Offset of the prelude-size bytes (just after the signature).
    pub size_offset: usize,
    /// Offset of the source-info block (the names).
    pub source_info_offset: usize,
    /// Offset of the line-number info (just after the names).
    pub line_info_offset: usize,
    /// Offset of the closure-info block.
    pub closure_info_offset: usize,
    /// Offset of the first instruction.
    pub opcodes_offset: usize,
}

/// Decodes the prelude that starts at `start` in `fun_data`.
pub(crate) fn read_prelude(
    cur: &Cursor<'_, '_>,
    fun_data: &[u8],
    fun_data_offset: usize,
    start: usize,
    n_qstr: u64,
) -> Result<Prelude, MpyError> {
    let mut p = PreludeReader {
        data: fun_data,
        pos: start,
    };
    let fail = |pos: usize, reason: &str| MpyError::Invalid {
        file: cur.file.to_string(),
        offset: fun_data_offset + pos,
        what: "function prelude",
        reason: reason.to_string(),
    };
    let sig = decode_prelude_signature(&mut p).map_err(|r| fail(p.pos, r))?;
    let size_offset = p.pos;
    let (n_info, n_cell) = decode_prelude_size(&mut p).map_err(|r| fail(p.pos, r))?;
    let source_info_offset = p.pos;
    let n_names = sig
        .n_pos_args
        .checked_add(sig.n_kwonly_args)
        .and_then(|n| n.checked_add(1))
        .filter(|&n| n <= fun_data.len() as u64)
        .ok_or_else(|| fail(start, "more argument names than bytes of code"))?;
    let mut names = Vec::with_capacity(n_names as usize);
    for _ in 0..n_names {
        let at = p.pos;
        let rest = fun_data.get(p.pos..).unwrap_or(&[]);
        let (name, used) = decode_vuint(rest).ok_or_else(|| fail(at, "bad argument name"))?;
        if name >= n_qstr {
            return Err(fail(
                at,
                &format!(
                    "name index {name} is outside the qstr table of {} entries",
                    n_qstr
                ),
            ));
        }
        p.pos += used;
        names.push(name);
    }
    let line_info_offset = p.pos;
    let end_of = |base: usize, n: u64| {
        usize::try_from(n)
            .ok()
            .and_then(|n| base.checked_add(n))
            .filter(|&end| end <= fun_data.len())
    };
    let closure_info_offset = end_of(source_info_offset, n_info)
        .filter(|&c| c >= line_info_offset)
        .ok_or_else(|| fail(size_offset, "source-info size does not match the code"))?;
    let opcodes_offset = end_of(closure_info_offset, n_cell)
        .ok_or_else(|| fail(size_offset, "closure-info size runs past the code"))?;
    Ok(Prelude {
        offset: start,
        n_state: sig.n_state,
        n_exc_stack: sig.n_exc_stack,
        scope_flags: sig.scope_flags,
        n_pos_args: sig.n_pos_args,
        n_kwonly_args: sig.n_kwonly_args,
        n_def_pos_args: sig.n_def_pos_args,
        n_info,
        n_cell,
        names,
        size_offset,
        source_info_offset,
        line_info_offset,
        closure_info_offset,
        opcodes_offset,
    })
}

struct PreludeReader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl PreludeReader<'_> {
    fn byte(&mut self) -> Result<u64, &'static str> {
        let b = *self
            .data
            .get(self.pos)
            .ok_or("prelude runs past the code")?;
        self.pos += 1;
        Ok(u64::from(b))
    }
}

struct Signature {
    n_state: u64,
    n_exc_stack: u64,
    scope_flags: u64,
    n_pos_args: u64,
    n_kwonly_args: u64,
    n_def_pos_args: u64,
}

/// The prelude signature: a first byte `xSSSSEAA`, then while the high bit
/// is set, bytes `xFSSKAED` each adding one more bit to every field (two to
/// S). The stored S is the state size minus one.
fn decode_prelude_signature(p: &mut PreludeReader<'_>) -> Result<Signature, &'static str> {
    let mut z = p.byte()?;
    let mut s = (z >> 3) & 0xf;
    let mut e = (z >> 2) & 1;
    let mut a = z & 3;
    let (mut f, mut k, mut d) = (0, 0, 0);
    let mut n = 0u32;
    while z & 0x80 != 0 {
        if n >= 28 {
            return Err("prelude signature is too long");
        }
        z = p.byte()?;
        s |= ((z >> 4) & 3) << (4 + 2 * n);
        e |= ((z >> 1) & 1) << (1 + n);
        f |= ((z >> 6) & 1) << n;
        a |= ((z >> 2) & 1) << (2 + n);
        k |= ((z >> 3) & 1) << n;
        d |= (z & 1) << n;
        n += 1;
    }
    Ok(Signature {
        n_state: s + 1,
        n_exc_stack: e,
        scope_flags: f,
        n_pos_args: a,
        n_kwonly_args: k,
        n_def_pos_args: d,
    })
}

/// The prelude size: bytes `xIIIIIIC`, six bits of the source-info size and
/// one bit of the closure-info size each, while the high bit is set.
fn decode_prelude_size(p: &mut PreludeReader<'_>) -> Result<(u64, u64), &'static str> {
    let (mut info, mut cell) = (0u64, 0u64);
    for n in 0..10u32 {
        let z = p.byte()?;
        info |= ((z >> 1) & 0x3f) << (6 * n);
        cell |= (z & 1) << n;
        if z & 0x80 == 0 {
            return Ok((info, cell));
        }
    }
    Err("prelude size is too long")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prelude_signature_and_size() {
        // 0x9a 0x01: S=3 (+1), E=0, A=2, then D=1.
        let mut p = PreludeReader {
            data: &[0x9a, 0x01, 0x08, 0x03],
            pos: 0,
        };
        let sig = decode_prelude_signature(&mut p).unwrap();
        assert_eq!((sig.n_state, sig.n_pos_args, sig.n_def_pos_args), (4, 2, 1));
        // 0x08: n_info 4, n_cell 0.
        assert_eq!(decode_prelude_size(&mut p).unwrap(), (4, 0));
    }
}
