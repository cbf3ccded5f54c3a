//! Linking for each `.mpy` ABI (6.1, 6.2, 6.3): the header's sub-version, the
//! `mp_fun_table` entry every firmware object resolves to (decoded back from the written
//! file and compared with the facts in `mpy_sys::abi` and with the offsets `mpy_ld.py` of
//! each release uses), and the errors for what an ABI cannot do.

use crate::common::Obj;
use crate::support::{trials, Trial};
use mpy_link::mpy::merge::merge;
use mpy_link::mpy::read::read;
use mpy_link::{Arch, Input, LinkError, LinkOptions, MpyAbi, RelocBase, RelocKind};
use mpy_sys::abi::FUN_TABLE;
use object::SectionKind;

pub(crate) fn trials() -> Vec<Trial> {
    trials!(
        "abi",
        [
            header_byte_and_object_entries_for_every_abi,
            mp_type_exception_needs_6_3,
            fun_table_offsets_are_checked_against_the_abis_table,
            riscv_needs_6_3,
            memset_and_memmove_stay_at_50_and_51,
            merge_keeps_the_native_parts_sub_version,
            string_objects_for_micropython_1_20,
            every_object_symbol_is_in_the_facts,
        ]
    )
}

/// An x64 object whose `.data.rel.ro` holds one word per symbol in `symbols` (an
/// `R_X86_64_64` against each), plus `mpy_init`.
fn words_of(symbols: &[&str]) -> Vec<u8> {
    let mut o = Obj::new(Arch::X64);
    let text = o.text(&[0xc3]);
    o.func("mpy_init", text, 0);
    let data = o.section(
        ".data.rel.ro",
        SectionKind::Data,
        &vec![0; 8 * symbols.len()],
        8,
    );
    for (i, name) in symbols.iter().enumerate() {
        let sym = o.undef(name);
        o.reloc(data, 8 * i as u64, sym, 1, 0); // R_X86_64_64
    }
    o.finish()
}

fn link_for(abi: MpyAbi, arch: Arch, object: Vec<u8>) -> Result<mpy_link::LinkedModule, LinkError> {
    let mut options = LinkOptions::new(arch, "m.mpy");
    options.abi = abi;
    mpy_link::link(&options, &[Input::from_bytes("m.o", object)], &[])
}

/// The firmware objects an ABI's table holds, in table order.
fn objects_of(abi: MpyAbi) -> Vec<&'static str> {
    abi.fun_table().filter_map(|e| e.symbol).collect()
}

fn header_byte_and_object_entries_for_every_abi() {
    // mpy_ld.py's MP_FUN_TABLE_MP_TYPE_TYPE_OFFSET: 67 in 1.20-1.22, 73 from 1.23.
    let first_object = |abi| match abi {
        MpyAbi::V6_1 | MpyAbi::V6_2 => 67,
        MpyAbi::V6_3 => 73,
    };
    for abi in MpyAbi::ALL {
        let symbols = objects_of(abi);
        assert_eq!(symbols.len(), if abi == MpyAbi::V6_3 { 14 } else { 13 });
        let m = link_for(abi, Arch::X64, words_of(&symbols)).expect("link");
        assert_eq!(m.abi, abi);
        let bytes = m.to_mpy();
        // Byte 2: x64 (2) in bits 2-7, the sub-version in bits 0-1.
        assert_eq!(bytes[2], 2 << 2 | abi.sub_version(), "{abi}");
        let mpy = read("m.mpy", &bytes).expect("the module reads back");
        assert_eq!(mpy.header.abi(), Some(abi));
        // The data words follow the one-byte text at offset 8 (8-byte alignment).
        let relocs = mpy.raw_code.relocations();
        assert_eq!(relocs.len(), symbols.len(), "{abi}: {relocs:?}");
        for (i, (r, name)) in relocs.iter().zip(&symbols).enumerate() {
            assert_eq!(
                (r.base, r.word_offset, r.count),
                (RelocBase::Text, 1 + i as u64, 1)
            );
            let RelocKind::FunTableEntry(k) = r.kind else {
                panic!("{abi}: `{name}` relocated as {:?}", r.kind);
            };
            let k = usize::from(k);
            // The entry the facts give, and the one the release's linker uses.
            assert_eq!(Some(k), abi.object_index(name), "{abi}: `{name}`");
            // mpy_ld.py maps its list of object names (without mp_type_Exception before
            // 1.23) to MP_FUN_TABLE_MP_TYPE_TYPE_OFFSET + position.
            assert_eq!(k, first_object(abi) + i, "{abi}: `{name}`");
            let entry = abi.fun_table().nth(k).expect("index inside the table");
            assert_eq!(entry.symbol, Some(*name));
        }
        // The stream entry is 9 + k: the last object entry is the table's last entry.
        let last = relocs.last().expect("relocations");
        assert_eq!(
            last.kind,
            RelocKind::FunTableEntry((abi.fun_table_len() - 1) as u8)
        );
    }
}

fn mp_type_exception_needs_6_3() {
    for abi in [MpyAbi::V6_1, MpyAbi::V6_2] {
        let err = link_for(abi, Arch::X64, words_of(&["mp_type_Exception"])).unwrap_err();
        assert!(
            matches!(&err, LinkError::NotInAbi { symbol, abi: a, since: MpyAbi::V6_3, .. }
                if symbol == "mp_type_Exception" && *a == abi),
            "{err:?}"
        );
        let msg = err.to_string();
        assert!(
            msg.starts_with("m.o: `mp_type_Exception`")
                && msg.contains(&format!("linked for ABI {abi}"))
                && msg.contains("6.3 (MicroPython 1.23 or later)"),
            "{msg}"
        );
    }
    link_for(MpyAbi::V6_3, Arch::X64, words_of(&["mp_type_Exception"])).expect("6.3 has it");
}

fn fun_table_offsets_are_checked_against_the_abis_table() {
    // An Xtensa literal `&mp_fun_table + 4 * k` (how gcc addresses one entry) becomes a GOT
    // word holding entry k: entry 79 is the last of 6.1/6.2, 86 the last of 6.3.
    let at = |k: i64| {
        let mut o = Obj::new(Arch::Xtensa);
        let lit = o.section(".literal", SectionKind::Text, &[0; 4], 4);
        // l32r a2, lit0 ; ret.n ; pad
        let text = o.text(&[0x21, 0, 0, 0xf0, 0x0d, 0]);
        o.func("mpy_init", text, 0);
        let lit_sym = o.section_sym(lit);
        let ft = o.undef("mp_fun_table");
        o.reloc(lit, 0, ft, 1, 4 * k); // R_XTENSA_32
        o.reloc(text, 0, lit_sym, 20, 0); // R_XTENSA_SLOT0_OP
        o.finish()
    };
    for abi in MpyAbi::ALL {
        let len = abi.fun_table_len() as i64;
        let m = link_for(abi, Arch::Xtensa, at(len - 1)).expect("last entry");
        assert!(
            m.relocs
                .iter()
                .any(|r| r.kind == RelocKind::FunTableEntry((len - 1) as u8)),
            "{abi}: {:?}",
            m.relocs
        );
        match link_for(abi, Arch::Xtensa, at(len)) {
            Err(LinkError::FunTableOffset { entries, .. }) => {
                assert_eq!(entries as i64, len, "{abi}")
            }
            other => panic!("{abi}: entry {len} accepted: {other:?}"),
        }
    }
}

fn riscv_needs_6_3() {
    let mut o = Obj::new(Arch::Rv32imc);
    let text = o.text(&[0x82, 0x80]); // c.ret
    o.func("mpy_init", text, 0);
    let object = o.finish();
    for abi in [MpyAbi::V6_1, MpyAbi::V6_2] {
        let err = link_for(abi, Arch::Rv32imc, object.clone()).unwrap_err();
        let msg = err.to_string();
        assert!(
            matches!(
                err,
                LinkError::ArchNotInAbi {
                    needs: MpyAbi::V6_3,
                    ..
                }
            ) && msg.contains(&format!("ABI {abi}"))
                && msg.contains("rv32imc modules from 1.24"),
            "{msg}"
        );
    }
    link_for(MpyAbi::V6_3, Arch::Rv32imc, object).expect("6.3 links rv32imc");
}

fn memset_and_memmove_stay_at_50_and_51() {
    for abi in MpyAbi::ALL {
        let m = link_for(abi, Arch::X64, words_of(&["memset", "memmove"])).expect("link");
        let kinds: Vec<_> = m.relocs.iter().map(|r| r.kind).collect();
        assert!(
            kinds.contains(&RelocKind::FunTableEntry(50)),
            "{abi}: {kinds:?}"
        );
        assert!(
            kinds.contains(&RelocKind::FunTableEntry(51)),
            "{abi}: {kinds:?}"
        );
        assert_eq!(
            (abi.fun_index("memset_"), abi.fun_index("memmove_")),
            (Some(50), Some(51))
        );
    }
}

fn merge_keeps_the_native_parts_sub_version() {
    // A bytecode part (no native code: byte 2 is 0) merged after a 6.2 native part.
    use mpy_link::mpy::bytecode::opcode;
    let bytecode: &[u8] = &[
        b'M',
        6,
        0,
        31, // header
        1,
        0, // one qstr, no objects
        4 << 1,
        b't',
        b'.',
        b'p',
        b'y',
        0,      // qstr 0: "t.py", inline
        5 << 3, // raw code: bytecode, 5 bytes, no children
        0x00,
        0x02,
        0x00, // prelude: signature, sizes, name (qstr 0)
        opcode::LOAD_CONST_NONE,
        opcode::RETURN_VALUE,
    ];
    read("t.mpy", bytecode).expect("the bytecode part reads");
    for abi in MpyAbi::ALL {
        let native = link_for(abi, Arch::X64, words_of(&[]))
            .expect("link")
            .to_mpy();
        let merged = merge(&[("n.mpy", &native), ("t.mpy", bytecode)]).expect("merge");
        assert_eq!(merged[2], 2 << 2 | abi.sub_version(), "{abi}");
        let mpy = read("merged.mpy", &merged).expect("merged file reads");
        assert_eq!(mpy.header.abi(), Some(abi));
    }
}

fn string_objects_for_micropython_1_20() {
    // With 1.20's headers `MP_OBJ_NEW_QSTR(MP_QSTR_x)` reads `mp_native_obj_table[i]`,
    // string objects the file carries after its qstrs.
    let mut o = Obj::new(Arch::X64);
    let text = o.text(&[0x48, 0x8b, 0x05, 0, 0, 0, 0, 0xc3]);
    o.func("mpy_init", text, 0);
    let table = o.undef("mp_native_obj_table");
    o.reloc(text, 3, table, 42, -4); // R_X86_64_REX_GOTPCRELX
    let mut options = LinkOptions::new(Arch::X64, "m.mpy");
    options.abi = MpyAbi::V6_1;
    options.qstr_objects = vec!["HELLO".into(), "zz".into()];
    let m = mpy_link::link(&options, &[Input::from_bytes("m.o", o.finish())], &[]).expect("link");
    assert!(m.relocs.iter().any(|r| r.kind == RelocKind::ObjTable));
    let bytes = m.to_mpy();
    let mpy = read("m.mpy", &bytes).expect("reads back");
    let objects: Vec<String> = mpy
        .objects
        .iter()
        .map(|e| match &e.obj {
            mpy_link::mpy::tables::Obj::Str(s) => String::from_utf8_lossy(s).into_owned(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(objects, ["HELLO", "zz"]);
    // Header, qstr table (the file name), then kind 5, length, text, NUL per object.
    let at = bytes
        .windows(7)
        .position(|w| w == b"\x05\x05HELLO")
        .expect("the first object");
    assert_eq!(&bytes[at..at + 13], b"\x05\x05HELLO\0\x05\x02zz\0");
    assert_eq!(bytes[5], 2, "n_obj");
}

fn every_object_symbol_is_in_the_facts() {
    // The linker's names are the facts' names: every `object` entry of any ABI.
    let all: Vec<_> = FUN_TABLE.iter().filter_map(|e| e.symbol).collect();
    assert_eq!(all, mpy_sys::externs::FUN_TABLE_OBJECT_SYMBOLS);
}
