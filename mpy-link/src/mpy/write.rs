//! Encoding a linked module as a native `.mpy` file.

use super::vuint::encode_vuint;
use super::*;
use crate::link::{LinkedModule, RelocBase, RelocDest};

/// Relocation kind numbers of the loader's stream (`op >> 1`).
fn dest_kind(module: &LinkedModule, dest: RelocDest) -> u32 {
    match dest {
        RelocDest::Text => 0,
        RelocDest::Rodata if module.arch.spec().separate_rodata => 1,
        RelocDest::Rodata => 0,
        RelocDest::Bss => 2,
        RelocDest::QstrTable => 6,
        RelocDest::ObjTable => 7,
        RelocDest::FunTable => 8,
        RelocDest::FunEntry(n) => 9 + u32::from(n),
    }
}

/// Writes one qstr: a static one by number, others inline.
pub fn write_qstr(out: &mut Vec<u8>, text: &str) {
    match crate::qstr::static_index(text) {
        Some(i) => encode_vuint(out, ((i as u64 + 1) << 1) | 1),
        None => {
            encode_vuint(out, (text.len() as u64) << 1);
            out.extend_from_slice(text.as_bytes());
            out.push(0);
        }
    }
}

/// Encodes a linked module as a native `.mpy`.
pub fn write_native(m: &LinkedModule) -> Vec<u8> {
    let spec = m.arch.spec();
    let mut out = Vec::with_capacity(m.text.len() + m.rodata.len() + 64);
    let mut feature = (spec.mpy_code << 2) | MPY_SUB_VERSION;
    if m.arch_flags != 0 {
        feature |= MPY_FEATURE_ARCH_FLAGS;
    }
    out.extend_from_slice(&[b'M', MPY_VERSION, feature, MP_SMALL_INT_BITS]);
    if m.arch_flags != 0 {
        encode_vuint(&mut out, u64::from(m.arch_flags));
    }
    encode_vuint(&mut out, 1 + m.qstrs.len() as u64);
    encode_vuint(&mut out, 0); // no objects
    write_qstr(&mut out, &m.source_name);
    for q in &m.qstrs {
        write_qstr(&mut out, q);
    }
    encode_vuint(
        &mut out,
        ((m.text.len() as u64) << 3) | u64::from(MP_CODE_NATIVE_VIPER - MP_CODE_BYTECODE),
    );
    out.extend_from_slice(&m.text);
    let mut scope = MP_SCOPE_FLAG_VIPERRELOC;
    if !m.rodata.is_empty() {
        scope |= MP_SCOPE_FLAG_VIPERRODATA;
    }
    if m.bss_size != 0 {
        scope |= MP_SCOPE_FLAG_VIPERBSS;
    }
    encode_vuint(&mut out, u64::from(scope));
    if !m.rodata.is_empty() {
        encode_vuint(&mut out, m.rodata.len() as u64);
    }
    if m.bss_size != 0 {
        encode_vuint(&mut out, m.bss_size);
    }
    out.extend_from_slice(&m.rodata);
    write_relocs(&mut out, m);
    out.push(0xff);
    out
}

/// The relocation stream: consecutive words with the same kind become one
/// run. Every entry carries its position (`mpy_ld.py` never omits it).
fn write_relocs(out: &mut Vec<u8>, m: &LinkedModule) {
    let word = m.arch.word_size();
    let mut run: Option<(RelocBase, u64, u32, u64)> = None; // base, first word, kind, count
    for r in &m.relocs {
        let kind = dest_kind(m, r.dest);
        let index = r.offset / word;
        if let Some((base, first, k, n)) = &mut run {
            if *k == kind && *base == r.base && *first + *n == index {
                *n += 1;
                continue;
            }
            write_run(out, *base, *first, *k, *n);
        }
        run = Some((r.base, index, kind, 1));
    }
    if let Some((base, first, k, n)) = run {
        write_run(out, base, first, k, n);
    }
}

fn write_run(out: &mut Vec<u8>, base: RelocBase, first: u64, kind: u32, count: u64) {
    let base_bit = match base {
        RelocBase::Text => 0,
        RelocBase::Rodata => 1,
    };
    if kind > 2 {
        // Kinds above bss have no count: one entry per word.
        for i in 0..count {
            out.push(((kind << 1) | 1) as u8);
            encode_vuint(out, ((first + i) << 1) | base_bit);
        }
        return;
    }
    let op = (((kind << 1) | u32::from(count > 1)) << 1) | 1;
    out.push(op as u8);
    encode_vuint(out, (first << 1) | base_bit);
    if count > 1 {
        encode_vuint(out, count);
    }
}
