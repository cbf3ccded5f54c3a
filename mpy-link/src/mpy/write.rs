//! Encoding native code as an `.mpy` file.

use crate::arch::spec::Arch;
use crate::mpy::reloc::{self, MpyReloc};
use crate::mpy::tables::obj_type;
use crate::mpy::vuint::encode_vuint;
use crate::mpy::{
    MPY_FEATURE_ARCH_FLAGS, MPY_VERSION, MP_CODE_BYTECODE, MP_CODE_NATIVE_VIPER,
    MP_SCOPE_FLAG_VIPERBSS, MP_SCOPE_FLAG_VIPERRELOC, MP_SCOPE_FLAG_VIPERRODATA, MP_SMALL_INT_BITS,
};
use mpy_sys::abi::MpyAbi;

/// One native module's parts, as the file stores them.
#[derive(Debug, Clone, Copy)]
pub struct NativeCode<'a> {
    /// Architecture.
    pub arch: Arch,
    /// The ABI: its sub-version goes into the header.
    pub abi: MpyAbi,
    /// Architecture flags (rv32imc; 0 for none).
    pub arch_flags: u32,
    /// File name recorded as qstr 0.
    pub source_name: &'a str,
    /// The module's own qstrs, in table order (index 1 onwards).
    pub qstrs: &'a [String],
    /// String objects of the object table, in order (usually none).
    pub objects: &'a [String],
    /// The machine code.
    pub text: &'a [u8],
    /// The separate rodata blob (empty when there is none).
    pub rodata: &'a [u8],
    /// Size of the zeroed bss block.
    pub bss_size: u64,
    /// Words the loader relocates, in stream order.
    pub relocs: &'a [MpyReloc],
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

/// Encodes a native module as an `.mpy` file.
pub fn write_native(m: &NativeCode<'_>) -> Vec<u8> {
    let spec = m.arch.spec();
    let mut out = Vec::with_capacity(m.text.len() + m.rodata.len() + 64);
    let mut feature = (spec.mpy_code << 2) | m.abi.sub_version();
    if m.arch_flags != 0 {
        feature |= MPY_FEATURE_ARCH_FLAGS;
    }
    out.extend_from_slice(&[b'M', MPY_VERSION, feature, MP_SMALL_INT_BITS]);
    if m.arch_flags != 0 {
        encode_vuint(&mut out, u64::from(m.arch_flags));
    }
    encode_vuint(&mut out, 1 + m.qstrs.len() as u64);
    encode_vuint(&mut out, m.objects.len() as u64);
    write_qstr(&mut out, m.source_name);
    for q in m.qstrs {
        write_qstr(&mut out, q);
    }
    for text in m.objects {
        out.push(obj_type::STR);
        encode_vuint(&mut out, text.len() as u64);
        out.extend_from_slice(text.as_bytes());
        out.push(0);
    }
    encode_vuint(
        &mut out,
        ((m.text.len() as u64) << 3) | u64::from(MP_CODE_NATIVE_VIPER - MP_CODE_BYTECODE),
    );
    out.extend_from_slice(m.text);
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
    out.extend_from_slice(m.rodata);
    reloc::encode(&mut out, m.relocs, m.arch.word_size());
    out
}
