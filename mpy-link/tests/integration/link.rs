//! Linking synthetic objects: each relocation kind of each architecture
//! family, checked against encodings worked out by hand from the ISA
//! manuals (the derivation is in the comments), plus the error paths.

use mpy_link::{Arch, Input, Library, LinkError, LinkOptions, MpyReloc, RelocBase, RelocKind};
use object::SectionKind;

use crate::common::{archive, le32, link, Obj};
use crate::support::{trials, Trial};

pub(crate) fn trials() -> Vec<Trial> {
    trials!(
        "link",
        [
            x64_gotpcrel_and_mpy_bytes,
            x86_pic_relocations,
            thumb_call_and_got,
            thumb_trampoline_when_entry_not_first,
            riscv_pcrel_pairs_branches_and_store_fix,
            riscv_branch_out_of_range_is_an_error,
            xtensa_literals_got_and_qstr_offset,
            memset_stub_and_fun_table_types,
            archive_members_are_pulled_transitively,
            wrong_architecture_names_both,
            undefined_and_duplicate_symbols,
            unsupported_relocation_names_everything,
            data_section_and_static_bss_errors,
            no_entry_point,
            corrupt_objects_never_panic,
            xtensawin_separate_rodata,
            xtensawin_l32r_field_prefilled_by_llvm_mc,
            xtensa_abi_mismatch_is_refused,
            xtensawin_l32r_into_rodata_says_how_to_build,
            xtensa_absolute_word_in_rodata_is_relocated,
            xtensa_literals_of_several_objects_and_pools_stay_apart,
            archive_member_that_is_not_elf,
            thumb_branch_got_prel_rel32_and_abs32,
            riscv_call_and_jump_table_pairs,
            riscv_absolute_data_words_need_no_got_entry_with_gc_sections,
            static_data_keeps_got_only_bss_in_the_bss_block,
            qstr_table_order_is_first_kept_reference_in_load_order,
            malformed_qstr_spelling_is_an_error,
            xtensawin_static_data_reached_through_a_literal,
        ]
    )
}

fn reloc(offset: u64, kind: RelocKind) -> MpyReloc {
    MpyReloc {
        base: RelocBase::Text,
        offset,
        kind,
    }
}

fn x64_gotpcrel_and_mpy_bytes() {
    let mut o = Obj::new(Arch::X64);
    // mov rax, [rip + disp32] ; ret
    let text = o.text(&[0x48, 0x8b, 0x05, 0, 0, 0, 0, 0xc3]);
    o.func("mpy_init", text, 0);
    let ft = o.undef("mp_fun_table");
    o.reloc(text, 3, ft, 42, -4); // R_X86_64_REX_GOTPCRELX
    let m = link(Arch::X64, vec![o.finish()]).unwrap();
    // GOT at align(8, 8) = 8. RIP after the insn is 7, so disp = 8 - 7 = 1.
    assert_eq!(m.trampoline_len, 0);
    assert_eq!(m.text.len(), 16);
    assert_eq!(&m.text[..8], &[0x48, 0x8b, 0x05, 1, 0, 0, 0, 0xc3]);
    assert_eq!(m.relocs, vec![reloc(8, RelocKind::FunTable)]);
    // The file, from the format: 'M', version 6, arch x64 (2) << 2 | sub-version 3,
    // 31 small-int bits; 1 qstr, 0 objects; "mod.mpy" (7 << 1 = 14, bytes, NUL);
    // code length 16 << 3 | 2 = 130 = vuint 81 02; text; scope flags 0x10
    // (relocations); op (8 << 1) | 1 = 0x11 at word 1 (1 << 1 = 2); end 0xff.
    let mut expect = vec![b'M', 6, 0x0b, 31, 1, 0, 14];
    expect.extend(b"mod.mpy\0");
    expect.extend([0x81, 0x02]);
    expect.extend(&m.text);
    expect.extend([0x10, 0x11, 0x02, 0xff]);
    assert_eq!(m.to_mpy(), expect);
}

fn x86_pic_relocations() {
    let mut o = Obj::new(Arch::X86);
    let mut code = Vec::new();
    code.extend([0x81, 0xc3, 2, 0, 0, 0]); // add ebx, _GLOBAL_OFFSET_TABLE_ (+2 in place)
    code.extend([0x8b, 0x83, 0, 0, 0, 0]); // mov eax, [ebx + mp_fun_table@GOT]
    code.extend([0xe8, 0xfc, 0xff, 0xff, 0xff]); // call helper (-4 in place)
    code.extend([0x8d, 0x83, 0, 0, 0, 0]); // lea eax, [ebx + .rodata@GOTOFF]
    code.push(0xc3);
    code.push(0xc3); // helper at 24
    let text = o.text(&code);
    let ro = o.section(".rodata", SectionKind::ReadOnlyData, b"abcd", 4);
    o.func("mpy_init", text, 0);
    o.func("helper", text, 24);
    let got = o.undef("_GLOBAL_OFFSET_TABLE_");
    let ft = o.undef("mp_fun_table");
    let helper = o.obj.symbol_id(b"helper").unwrap();
    let ro_sym = o.section_sym(ro);
    o.reloc(text, 2, got, 10, 0); // R_386_GOTPC
    o.reloc(text, 8, ft, 43, 0); // R_386_GOT32X
    o.reloc(text, 13, helper, 2, 0); // R_386_PC32
    o.reloc(text, 19, ro_sym, 9, 0); // R_386_GOTOFF
    let m = link(Arch::X86, vec![o.finish()]).unwrap();
    // .text 0..25, .rodata at 28, GOT at 32: mp_fun_table (external) then
    // helper (text; R_386_PC32 makes a GOT entry in mpy_ld.py too).
    assert_eq!(m.text.len(), 40);
    assert_eq!(le32(&m.text, 2), 32); // 2 + GOT(32) - place(2)
    assert_eq!(le32(&m.text, 8), 0); // slot 0 of the GOT
    assert_eq!(le32(&m.text, 13), 7); // -4 + 24 - 13: next insn (17) + 7 = 24
    assert_eq!(le32(&m.text, 19) as i32, -4); // .rodata(28) - GOT(32)
    assert_eq!(le32(&m.text, 32), 0);
    assert_eq!(le32(&m.text, 36), 24);
    assert_eq!(
        m.relocs,
        vec![reloc(32, RelocKind::FunTable), reloc(36, RelocKind::Text)]
    );
}

fn thumb_call_and_got() {
    let mut o = Obj::new(Arch::Armv7m);
    let mut code = Vec::new();
    code.extend([0xff, 0xf7, 0xfe, 0xff]); // bl f (REL addend -4 in place)
    code.extend([0x70, 0x47, 0x00, 0xbf]); // bx lr; nop
    code.extend([0x70, 0x47, 0x00, 0xbf]); // f at 8
    code.extend([0, 0, 0, 0]); // .word mp_fun_table(GOT) at 12
    code.extend([0, 0, 0, 0]); // .word _GLOBAL_OFFSET_TABLE_ - . at 16
    let text = o.text(&code);
    o.func("mpy_init", text, 0);
    o.func("f", text, 8);
    let f = o.obj.symbol_id(b"f").unwrap();
    let ft = o.undef("mp_fun_table");
    let got = o.undef("_GLOBAL_OFFSET_TABLE_");
    o.reloc(text, 0, f, 10, 0); // R_ARM_THM_CALL
    o.reloc(text, 12, ft, 26, 0); // R_ARM_GOT_BREL
    o.reloc(text, 16, got, 25, 0); // R_ARM_BASE_PREL
    let m = link(Arch::Armv7m, vec![o.finish()]).unwrap();
    // BL T1: target = PC (insn + 4) + imm; to 8 from 0: imm = 4, so
    // imm11 = 2, imm10 = 0, S = 0, J1 = J2 = 1: 0xf000 0xf802.
    assert_eq!(&m.text[..4], &[0x00, 0xf0, 0x02, 0xf8]);
    assert_eq!(le32(&m.text, 12), 0); // entry 0 of the GOT
    assert_eq!(le32(&m.text, 16), 4); // GOT(20) - 16
    assert_eq!(m.relocs, vec![reloc(20, RelocKind::FunTable)]);
}

fn thumb_trampoline_when_entry_not_first() {
    let mut o = Obj::new(Arch::Armv6m);
    let text = o.text(&[0x70, 0x47, 0x70, 0x47, 0x70, 0x47, 0x70, 0x47]);
    o.func("mpy_init", text, 6);
    let m = link(Arch::Armv6m, vec![o.finish()]).unwrap();
    // 4 bytes reserved (the text alignment); mpy_init lands at 4 + 6 = 10.
    // B T2: imm11 = (10 - 4) / 2 = 3 -> 0xe003.
    assert_eq!(m.trampoline_len, 4);
    assert_eq!(&m.text[..4], &[0x03, 0xe0, 0, 0]);
}

fn riscv_pcrel_pairs_branches_and_store_fix() {
    let mut o = Obj::new(Arch::Rv32imc);
    let mut code = Vec::new();
    for w in [
        0x0000_0797u32,
        0x0007_a783,
        0x0000_0717,
        0x00a7_2023,
        0x0000_006f,
        0x0000_0063,
    ] {
        code.extend(w.to_le_bytes()); // auipc a5; lw a5,0(a5); auipc a4; sw a0,0(a4); jal x0; beq x0,x0
    }
    for h in [0xa001u16, 0xc101, 0x8082, 0x0001] {
        code.extend(h.to_le_bytes()); // c.j; c.beqz a0; f: c.jr ra; c.nop
    }
    let text = o.text(&code);
    let ro = o.section(".rodata", SectionKind::ReadOnlyData, &[0; 4], 4);
    o.func("mpy_init", text, 0);
    o.func("f", text, 28);
    let f = o.obj.symbol_id(b"f").unwrap();
    let v = o.data("vdata", ro, 0);
    let l0 = o.local(".L0", text, 0);
    let l1 = o.local(".L1", text, 8);
    let ft = o.undef("mp_fun_table");
    o.reloc(text, 0, ft, 20, 0); // R_RISCV_GOT_HI20
    o.reloc(text, 4, l0, 24, 0); // R_RISCV_PCREL_LO12_I
    o.reloc(text, 8, v, 23, 0); // R_RISCV_PCREL_HI20
    o.reloc(text, 12, l1, 25, 0); // R_RISCV_PCREL_LO12_S
    o.reloc(text, 16, f, 17, 0); // R_RISCV_JAL
    o.reloc(text, 20, f, 16, 0); // R_RISCV_BRANCH
    o.reloc(text, 24, f, 45, 0); // R_RISCV_RVC_JUMP
    o.reloc(text, 26, f, 44, 0); // R_RISCV_RVC_BRANCH
    let m = link(Arch::Rv32imc, vec![o.finish()]).unwrap();
    // .text 0..32, .rodata 32..36, GOT at 36.
    assert_eq!(le32(&m.text, 0), 0x0000_0797); // hi20 of 36 is 0
    assert_eq!(le32(&m.text, 4), 0x0247_a783); // lw a5, 36(a5): 36 << 20 | 0x7a783
    assert_eq!(le32(&m.text, 8), 0x0000_0717); // hi20 of 32 - 8 = 24 is 0
                                               // sw a0, 24(a4): imm[4:0] = 24 in bits 7..11 (24 << 7 = 0xc00); opcode,
                                               // funct3, rs1 and rs2 must survive (mpy_ld.py clears them).
    assert_eq!(le32(&m.text, 12), 0x00a7_2c23);
    assert_eq!(le32(&m.text, 16), 0x00c0_006f); // jal +12: imm[10:1] = 6 in bits 21..30
    assert_eq!(le32(&m.text, 20), 0x0000_0463); // beq +8: imm[4:1] = 4 in bits 8..11
    assert_eq!(u16::from_le_bytes([m.text[24], m.text[25]]), 0xa011); // c.j +4: imm[3:1] = 2 in bits 3..5
    assert_eq!(u16::from_le_bytes([m.text[26], m.text[27]]), 0xc109); // c.beqz +2: imm[2:1] = 1 in bits 3..4
    assert_eq!(m.relocs, vec![reloc(36, RelocKind::FunTable)]);
}

fn riscv_branch_out_of_range_is_an_error() {
    let mut o = Obj::new(Arch::Rv32imc);
    let mut code = vec![0x01, 0xc1]; // c.beqz a0, far
    code.resize(600, 0);
    let text = o.text(&code);
    o.func("mpy_init", text, 0);
    let far = o.func("far", text, 590);
    o.reloc(text, 0, far, 44, 0); // R_RISCV_RVC_BRANCH reaches +-256 bytes
    let err = link(Arch::Rv32imc, vec![o.finish()])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("R_RISCV_RVC_BRANCH") && err.contains("`far`") && err.contains("out of range"),
        "{err}"
    );
    assert!(
        err.contains("obj0.o") && err.contains(".text") && err.contains("offset 0x0"),
        "{err}"
    );
}

fn xtensa_literals_got_and_qstr_offset() {
    let mut o = Obj::new(Arch::Xtensa);
    // .literal: a plain constant, then &mp_native_qstr_table[1] as symbol+2
    // (what Debian's xtensa-lx106 gcc 12 emits; mpy_ld.py asserts on it).
    let lit = o.section(
        ".literal",
        SectionKind::Text,
        &[0x78, 0x56, 0x34, 0x12, 0, 0, 0, 0],
        4,
    );
    // l32r a2, lit0 ; l32r a3, lit1 ; ret.n ; pad
    let text = o.text(&[0x21, 0, 0, 0x31, 0, 0, 0xf0, 0x0d]);
    o.func("mpy_init", text, 0);
    let lit_sym = o.section_sym(lit);
    let qt = o.undef("mp_native_qstr_table");
    o.reloc(lit, 4, qt, 1, 2); // R_XTENSA_32
    o.reloc(text, 0, lit_sym, 20, 0); // R_XTENSA_SLOT0_OP
    o.reloc(text, 3, lit_sym, 20, 4);
    let m = link(Arch::Xtensa, vec![o.finish()]).unwrap();
    // GOT (1 word) and LIT (1 word) come first, so mpy_init moves: a 4-byte
    // trampoline, GOT at 4, LIT at 8, .text at 12. J: op0 = 6, offset in
    // bits 6..23 from PC + 4: 12 - 4 = 8 -> 8 << 6 | 6 = 0x206.
    assert_eq!(&m.text[..4], &[0x06, 0x02, 0x00, 0x00]);
    assert_eq!(le32(&m.text, 4), 2); // qstr table + 2, relocated by the loader
    assert_eq!(le32(&m.text, 8), 0x1234_5678);
    // L32R: addr = ((PC + 3) & ~3) + (0xffff0000 | imm16) << 2.
    // At 12: 12 + (-1 << 2) = 8 (LIT) -> imm16 0xffff.
    assert_eq!(&m.text[12..15], &[0x21, 0xff, 0xff]);
    // At 15: 16 + (-3 << 2) = 4 (GOT) -> imm16 0xfffd.
    assert_eq!(&m.text[15..18], &[0x31, 0xfd, 0xff]);
    assert_eq!(m.relocs, vec![reloc(4, RelocKind::QstrTable)]);
}

fn memset_stub_and_fun_table_types() {
    let mut o = Obj::new(Arch::X64);
    // call memset ; ret, then .data.rel.ro { &mp_type_fun_builtin_1, &mpy_init }
    let text = o.text(&[0xe8, 0, 0, 0, 0, 0xc3]);
    let rel = o.section(".data.rel.ro", SectionKind::Data, &[0; 16], 8);
    o.func("mpy_init", text, 0);
    let init = o.obj.symbol_id(b"mpy_init").unwrap();
    let ms = o.undef("memset");
    let ty = o.undef("mp_type_fun_builtin_1");
    o.reloc(text, 1, ms, 4, -4); // R_X86_64_PLT32
    o.reloc(rel, 0, ty, 1, 0); // R_X86_64_64
    o.reloc(rel, 8, init, 1, 0);
    let m = link(Arch::X64, vec![o.finish()]).unwrap();
    // Order: .text (0..6), the stub after the first section (8..26), then
    // .data.rel.ro (32..48), GOT (empty) at 48.
    assert_eq!(le32(&m.text, 1), 8 - 5); // call to the stub: 8 - (1 + 4)
    assert_eq!(
        &m.text[8..16],
        &[0x90; 6]
            .iter()
            .copied()
            .chain([0x48, 0xb8])
            .collect::<Vec<_>>()[..]
    );
    assert_eq!(le32(&m.text, 40), 0); // &mpy_init = text + 0
    assert_eq!(
        m.relocs,
        // Relocations follow layout order: the stub (after .text) first.
        vec![
            reloc(16, RelocKind::FunTableEntry(50)),
            reloc(32, RelocKind::FunTableEntry(73 + 5)),
            reloc(40, RelocKind::Text),
        ]
    );
    // In the stream, fun-table entries never carry a count.
    let bytes = m.to_mpy();
    // After the scope flags 0x10: kind 9+50 = 59: op 59 << 1 | 1 = 0x77 at
    // word 2 (2 << 1 = 4); kind 9+78 = 87: op 0xaf at word 4 (8); a text run
    // (kind 0, count 1): op 0b001 = 1 at word 5 (10); then the end 0xff.
    assert!(
        bytes.ends_with(&[0x10, 0x77, 0x04, 0xaf, 0x08, 0x01, 0x0a, 0xff]),
        "{:02x?}",
        &bytes[bytes.len() - 10..]
    );
}

fn archive_members_are_pulled_transitively() {
    let mut main = Obj::new(Arch::X64);
    let text = main.text(&[0xe8, 0, 0, 0, 0, 0xc3]);
    main.func("mpy_init", text, 0);
    let a = main.undef("a");
    main.reloc(text, 1, a, 4, -4);
    let member = |def: &str, call: Option<&str>| {
        let mut o = Obj::new(Arch::X64);
        let t = o.text(&[0xe8, 0, 0, 0, 0, 0xc3]);
        o.func(def, t, 0);
        if let Some(c) = call {
            let s = o.undef(c);
            o.reloc(t, 1, s, 4, -4);
        }
        o.finish()
    };
    let ar = archive(
        &[
            ("a.o", member("a", Some("b"))),
            ("b.o", member("b", None)),
            ("unused.o", member("unused", None)),
        ],
        &[("a", 0), ("b", 1), ("unused", 2)],
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("libx.a");
    std::fs::write(&path, &ar).unwrap();
    let lib = Library::open(&path).unwrap();
    let inputs = vec![Input::from_bytes("main.o", main.finish())];
    let m = mpy_link::link(&LinkOptions::new(Arch::X64, "m.mpy"), &inputs, &[lib]).unwrap();
    // main .text (6) + a.o .text at 8 (6) + b.o .text at 16 (6); the empty
    // GOT is still aligned to 8, so the image is 24 bytes.
    assert_eq!(m.text.len(), 24);
    assert_eq!(m.inputs.len(), 3);
    assert_eq!(le32(&m.text, 1), 8 - 5);
    assert_eq!(le32(&m.text, 9), 16 - 13);

    // A library given as a GNU ld script naming the archive.
    let script = dir.path().join("libgroup.a");
    std::fs::write(
        &script,
        format!("/* GNU ld script */\nGROUP ( {} )\n", path.display()),
    )
    .unwrap();
    let lib = Library::open(&script).unwrap();
    let m2 = mpy_link::link(&LinkOptions::new(Arch::X64, "m.mpy"), &inputs, &[lib]).unwrap();
    assert_eq!(m2.text, m.text);

    // Truncated archive: members are read when needed, so the error comes
    // when the damaged (last) member is pulled in, naming the file.
    let cut = dir.path().join("cut.a");
    std::fs::write(&cut, &ar[..ar.len() - 40]).unwrap();
    let lib = Library::open(&cut).unwrap();
    let mut needs = Obj::new(Arch::X64);
    let t = needs.text(&[0xe8, 0, 0, 0, 0, 0xc3]);
    needs.func("mpy_init", t, 0);
    let u = needs.undef("unused");
    needs.reloc(t, 1, u, 4, -4);
    let inputs = vec![Input::from_bytes("needs.o", needs.finish())];
    let err = mpy_link::link(&LinkOptions::new(Arch::X64, "m.mpy"), &inputs, &[lib])
        .unwrap_err()
        .to_string();
    assert!(err.contains("cut.a") && err.contains("truncated"), "{err}");
    // Cut inside the symbol table: an error when opening.
    std::fs::write(&cut, &ar[..70]).unwrap();
    let err = Library::open(&cut).unwrap_err().to_string();
    assert!(
        err.contains("cut.a") && err.contains("invalid static archive"),
        "{err}"
    );
}

fn simple_object(arch: Arch) -> Vec<u8> {
    let mut o = Obj::new(arch);
    let text = o.text(&[0xc3, 0, 0, 0]);
    o.func("mpy_init", text, 0);
    o.finish()
}

fn wrong_architecture_names_both() {
    let err = link(Arch::X64, vec![simple_object(Arch::Armv7m)]).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, LinkError::WrongArch { .. }));
    assert!(
        msg.contains("obj0.o") && msg.contains("EM_ARM") && msg.contains("x64"),
        "{msg}"
    );
    // Same machine, wrong class: an rv32 object in an rv64 link.
    let msg = link(Arch::Rv64imc, vec![simple_object(Arch::Rv32imc)])
        .unwrap_err()
        .to_string();
    assert!(msg.contains("32-bit"), "{msg}");
}

fn undefined_and_duplicate_symbols() {
    let mut o = Obj::new(Arch::X64);
    let text = o.text(&[0xe8, 0, 0, 0, 0, 0xe8, 0, 0, 0, 0]);
    o.func("mpy_init", text, 0);
    let a = o.undef("nowhere");
    let b = o.undef("missing_too");
    o.reloc(text, 1, a, 4, -4);
    o.reloc(text, 6, b, 4, -4);
    let msg = link(Arch::X64, vec![o.finish()]).unwrap_err().to_string();
    assert!(msg.contains("obj0.o: undefined symbol `nowhere`"), "{msg}");
    assert!(
        msg.contains("obj0.o: undefined symbol `missing_too`"),
        "{msg}"
    );
    assert!(msg.contains("help:"), "{msg}");

    let msg = link(
        Arch::X64,
        vec![simple_object(Arch::X64), simple_object(Arch::X64)],
    )
    .unwrap_err()
    .to_string();
    assert!(
        msg.contains("duplicate symbol `mpy_init`")
            && msg.contains("obj0.o")
            && msg.contains("obj1.o"),
        "{msg}"
    );
}

fn unsupported_relocation_names_everything() {
    let mut o = Obj::new(Arch::X64);
    let text = o.text(&[0xb8, 0, 0, 0, 0, 0xc3]);
    o.func("mpy_init", text, 0);
    let d = o.func("d", text, 5);
    o.reloc(text, 1, d, 10, 0); // R_X86_64_32: absolute, not position independent
    let msg = link(Arch::X64, vec![o.finish()]).unwrap_err().to_string();
    assert!(
        msg.contains("R_X86_64_32")
            && msg.contains("`d`")
            && msg.contains(".text")
            && msg.contains("0x1"),
        "{msg}"
    );
}

fn data_section_and_static_bss_errors() {
    let mut o = Obj::new(Arch::X64);
    let text = o.text(&[0xc3]);
    o.section(".data", SectionKind::Data, &[1, 2, 3, 4], 4);
    o.func("mpy_init", text, 0);
    let msg = link(Arch::X64, vec![o.finish()]).unwrap_err().to_string();
    assert!(
        msg.contains("`.data`") && msg.contains("non-empty"),
        "{msg}"
    );

    let mut o = Obj::new(Arch::X64);
    let text = o.text(&[0x8b, 0x05, 0, 0, 0, 0, 0xc3]); // mov eax, [rip + counter]
    let bss = o.section(".bss", SectionKind::UninitializedData, &[0; 4], 4);
    o.func("mpy_init", text, 0);
    let c = o.local("counter", bss, 0);
    o.reloc(text, 2, c, 2, -4); // R_X86_64_PC32
    let msg = link(Arch::X64, vec![o.finish()]).unwrap_err().to_string();
    assert!(
        msg.contains("static") && msg.contains("bss") && msg.contains("`counter`"),
        "{msg}"
    );
}

fn no_entry_point() {
    let mut o = Obj::new(Arch::X64);
    let text = o.text(&[0xc3]);
    o.func("other", text, 0);
    let err = link(Arch::X64, vec![o.finish()]).unwrap_err();
    assert!(matches!(err, LinkError::NoEntry), "{err}");
}

fn corrupt_objects_never_panic() {
    for arch in [
        Arch::X64,
        Arch::X86,
        Arch::Armv7m,
        Arch::Rv64imc,
        Arch::Xtensa,
    ] {
        let mut o = Obj::new(arch);
        let text = o.text(&[0; 16]);
        o.func("mpy_init", text, 0);
        let f = o.undef("mp_fun_table");
        o.reloc(text, 4, f, 1, 0);
        let good = o.finish();
        for cut in (0..good.len()).step_by(7) {
            let r = link(arch, vec![good[..cut].to_vec()]);
            assert!(r.is_err(), "{arch}: truncated at {cut} linked");
        }
        for i in (0..good.len()).step_by(3) {
            let mut bad = good.clone();
            bad[i] ^= 0xa5;
            let _ = link(arch, vec![bad]); // any result but a panic
        }
    }
}

fn xtensawin_separate_rodata() {
    let mut o = Obj::new(Arch::Xtensawin);
    let ro = o.section(".rodata", SectionKind::ReadOnlyData, b"hello\0\0\0", 4);
    let rel = o.section(".data.rel.ro", SectionKind::Data, &[0; 4], 4);
    let lit = o.section(".literal", SectionKind::Text, &[0; 4], 4);
    let text = o.text(&[0x21, 0, 0, 0xf0]); // l32r a2, lit0 ; pad
    o.func("mpy_init", text, 0);
    let ro_sym = o.section_sym(ro);
    let lit_sym = o.section_sym(lit);
    let init = o.obj.symbol_id(b"mpy_init").unwrap();
    o.reloc(lit, 0, ro_sym, 1, 0); // literal = &.rodata
    o.reloc(rel, 0, init, 1, 0); // .data.rel.ro word = &mpy_init
    o.reloc(text, 0, lit_sym, 20, 0);
    let m = link(Arch::Xtensawin, vec![o.finish()]).unwrap();
    // rodata blob: .rodata (8 bytes) then .data.rel.ro (4 bytes) holding the
    // text address of mpy_init (GOT at 4, no LIT words, .text at 8 after a
    // 4-byte trampoline).
    assert_eq!(m.rodata.len(), 12);
    assert_eq!(&m.rodata[..6], b"hello\0");
    assert_eq!(le32(&m.text, 4), 0); // GOT word: offset 0 in the rodata blob
    assert_eq!(le32(&m.rodata, 8), 8);
    assert_eq!(
        m.relocs,
        vec![
            reloc(4, RelocKind::Rodata),
            MpyReloc {
                base: RelocBase::Rodata,
                offset: 8,
                kind: RelocKind::Text
            },
        ]
    );
    // Stream: scope flags 0x30 (relocations + rodata), rodata size 12 and
    // bytes; then kind 1 (rodata) op (1 << 1) << 1 | 1 = 5 at text word 1
    // (1 << 1 | 0 = 2); kind 0 op 1 at rodata word 2 (2 << 1 | 1 = 5).
    let bytes = m.to_mpy();
    let mut tail = vec![0x30, 12];
    tail.extend(&m.rodata);
    tail.extend([0x05, 0x02, 0x01, 0x05, 0xff]);
    assert!(
        bytes.ends_with(&tail),
        "{:02x?}",
        &bytes[bytes.len() - 20..]
    );
}

/// llvm-mc (the ESP32 pipeline through Debian's LLVM) assembles an `l32r`
/// to a `.literal` symbol with 0xffff in its offset field, GNU as with 0;
/// the field is not an addend (the relocation is RELA) and must not change
/// the result.
fn xtensawin_l32r_field_prefilled_by_llvm_mc() {
    let build = |field: u8| {
        let mut o = Obj::new(Arch::Xtensawin);
        let lit = o.section(".literal", SectionKind::Text, &[0x78, 0x56, 0x34, 0x12], 1);
        // entry a1, 32 ; l32r a2, lit0 ; retw.n ; pad
        let text = o.text(&[0x36, 0x41, 0x00, 0x21, field, field, 0x1d, 0xf0]);
        o.func("mpy_init", text, 0);
        let lit_sym = o.section_sym(lit);
        o.reloc(text, 3, lit_sym, 20, 0); // R_XTENSA_SLOT0_OP
        link(Arch::Xtensawin, vec![o.finish()]).unwrap()
    };
    let (gnu, llvm) = (build(0), build(0xff));
    assert_eq!(gnu.text, llvm.text);
    // Trampoline (4 bytes), LIT word at 4, .text at 8: the l32r at 11 loads
    // from ((11 + 3) & ~3) + (-2 << 2) = 4, field 0xfffe.
    assert_eq!(le32(&llvm.text, 4), 0x1234_5678);
    assert_eq!(&llvm.text[11..14], &[0x21, 0xfe, 0xff]);
}

/// Windowed and call0 Xtensa code cannot be mixed: GNU as's `.xtensa.info`
/// note names the ABI (Debian's lx106 libgcc and picolibc say `ABI=1`), and
/// without one (LLVM) a function's first instruction tells: `entry` only in
/// windowed code.
fn xtensa_abi_mismatch_is_refused() {
    let object = |arch: Arch, info: Option<&[u8]>, code: &[u8]| {
        let mut o = Obj::new(arch);
        let text = o.text(code);
        let f = o.func("mpy_init", text, 0);
        o.obj.symbol_mut(f).size = code.len() as u64;
        if let Some(note) = info {
            o.section(".xtensa.info", SectionKind::Note, note, 4);
        }
        o.finish()
    };
    let call0_info: &[u8] =
        b"\x0c\0\0\0\x20\0\0\0\x01\0\0\0Xtensa_Info\0USE_ABSOLUTE_LITERALS=0\nABI=1\n\0\0";
    // entry a1, 32 ; retw.n
    let windowed = [0x36, 0x41, 0x00, 0x1d, 0xf0, 0x00];
    // ret.n (call0)
    let call0 = [0x0d, 0xf0];

    let err = link(
        Arch::Xtensawin,
        vec![object(Arch::Xtensawin, Some(call0_info), &call0)],
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("call0 code (its `.xtensa.info` says ABI=1)"),
        "{err}"
    );
    assert!(err.contains("helper library"), "{err}");
    let err = link(Arch::Xtensawin, vec![object(Arch::Xtensawin, None, &call0)])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("function `mpy_init` does not begin with `entry`"),
        "{err}"
    );
    let err = link(Arch::Xtensa, vec![object(Arch::Xtensa, None, &windowed)])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("windowed code (function `mpy_init` begins with `entry`)"),
        "{err}"
    );
    // The matching pairs link.
    link(
        Arch::Xtensawin,
        vec![object(Arch::Xtensawin, None, &windowed)],
    )
    .unwrap();
    link(
        Arch::Xtensa,
        vec![object(Arch::Xtensa, Some(call0_info), &call0)],
    )
    .unwrap();
}

/// `clang -c` for Xtensa puts the literals after a jump table into
/// `.rodata`, where an `l32r` cannot reach them once rodata is loaded apart
/// (reproducer: a `switch` followed by a function loading a constant); the
/// error says how to build the object instead.
fn xtensawin_l32r_into_rodata_says_how_to_build() {
    let mut o = Obj::new(Arch::Xtensawin);
    let ro = o.section(".rodata", SectionKind::ReadOnlyData, &[0; 8], 4);
    let text = o.text(&[0x36, 0x41, 0x00, 0x21, 0xff, 0xff, 0x1d, 0xf0]);
    o.func("mpy_init", text, 0);
    let ro_sym = o.section_sym(ro);
    o.reloc(text, 3, ro_sym, 20, 4); // l32r a2, .rodata+4
    let err = link(Arch::Xtensawin, vec![o.finish()])
        .unwrap_err()
        .to_string();
    assert!(err.contains("R_XTENSA_SLOT0_OP against `.rodata`"), "{err}");
    assert!(
        err.contains("clang -S") && err.contains("llvm-mc -triple=xtensa"),
        "{err}"
    );
}

fn xtensa_absolute_word_in_rodata_is_relocated() {
    // A jump table in .rodata (as LLVM emits): .word .text+4.
    let mut o = Obj::new(Arch::Xtensa);
    let text = o.text(&[0xf0, 0x0d, 0, 0, 0xf0, 0x0d, 0, 0]);
    let ro = o.section(".rodata", SectionKind::ReadOnlyData, &[0; 4], 4);
    o.func("mpy_init", text, 0);
    let text_sym = o.section_sym(text);
    o.reloc(ro, 0, text_sym, 1, 4); // R_XTENSA_32, local section symbol
    let m = link(Arch::Xtensa, vec![o.finish()]).unwrap();
    // No GOT or LIT words, so no trampoline: .text at 0, .rodata at 8. The
    // word holds the text address 4 and the loader adds the text base.
    assert_eq!(m.trampoline_len, 0);
    assert_eq!(le32(&m.text, 8), 4);
    assert_eq!(m.relocs, vec![reloc(8, RelocKind::Text)]);
}

/// Upstream issue 19276: mpy_ld.py names a literal's GOT entry by section
/// *name* plus offset and keys literal words by file name plus offset, so
/// `.rodata` of two objects, or two literal pools of one object, get mixed.
fn xtensa_literals_of_several_objects_and_pools_stay_apart() {
    let object = |first: bool| {
        let mut o = Obj::new(Arch::Xtensa);
        let ro = o.section(
            ".rodata",
            SectionKind::ReadOnlyData,
            if first { b"AAAA" } else { b"BBBB" },
            4,
        );
        // Two literal pools (function sections), both with a word at offset 0.
        let lit_f = o.section(".literal.f", SectionKind::Text, &[0; 4], 4);
        let lit_g = o.section(
            ".literal.g",
            SectionKind::Text,
            &[0x44, 0x33, 0x22, 0x11],
            4,
        );
        let text = o.text(&[0x21, 0, 0, 0x31, 0, 0, 0xf0, 0x0d]); // l32r a2 ; l32r a3 ; ret.n
        o.func(if first { "mpy_init" } else { "other" }, text, 0);
        let (ro_sym, f_sym, g_sym) = (
            o.section_sym(ro),
            o.section_sym(lit_f),
            o.section_sym(lit_g),
        );
        o.reloc(lit_f, 0, ro_sym, 1, 0); // &.rodata of this object
        o.reloc(text, 0, f_sym, 20, 0);
        o.reloc(text, 3, g_sym, 20, 0);
        o.finish()
    };
    let m = link(Arch::Xtensa, vec![object(true), object(false)]).unwrap();
    // Two GOT entries (one per object's .rodata) and one literal: GOT at 4..12,
    // LIT at 12, then obj0 .rodata at 16, obj0 .text at 20, obj1 .rodata at 28,
    // obj1 .text at 32.
    assert_eq!(m.got_entries, 2);
    assert_eq!(le32(&m.text, 4), 16);
    assert_eq!(le32(&m.text, 8), 28);
    assert_eq!(le32(&m.text, 12), 0x1122_3344);
    assert_eq!(&m.text[16..20], b"AAAA");
    assert_eq!(&m.text[28..32], b"BBBB");
    // l32r targets: imm16 = (target - ((PC + 3) & !3)) / 4, as 16 bits.
    let l32r = |at: usize| {
        let imm = u32::from(m.text[at + 1]) | u32::from(m.text[at + 2]) << 8;
        (((at as i64 + 3) & !3) + ((imm as i64 | !0xffff) << 2)) as usize
    };
    assert_eq!(
        (l32r(20), l32r(23)),
        (4, 12),
        "object 0: its own .rodata entry, then the literal"
    );
    assert_eq!(
        (l32r(32), l32r(35)),
        (8, 12),
        "object 1: its own .rodata entry, then the literal"
    );
}

fn archive_member_that_is_not_elf() {
    let mut main = Obj::new(Arch::X64);
    let t = main.text(&[0xe8, 0, 0, 0, 0, 0xc3]);
    main.func("mpy_init", t, 0);
    let f = main.undef("helper");
    main.reloc(t, 1, f, 4, -4);
    let ar = archive(
        &[("helper.o", b"this is not an object\n".to_vec())],
        &[("helper", 0)],
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("libbad.a");
    std::fs::write(&path, ar).unwrap();
    let lib = Library::open(&path).unwrap();
    let inputs = vec![Input::from_bytes("main.o", main.finish())];
    let err = mpy_link::link(&LinkOptions::new(Arch::X64, "m.mpy"), &inputs, &[lib])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("libbad.a(helper.o)") && err.contains("not a valid relocatable ELF object"),
        "{err}"
    );
}

fn thumb_branch_got_prel_rel32_and_abs32() {
    let mut o = Obj::new(Arch::Armv7emsp);
    let mut code = Vec::new();
    code.extend([0xff, 0xf7, 0xfe, 0xbf]); // b.w g (T4; REL addend -4 in place)
    code.extend([0, 0, 0, 0]); // .word mp_fun_table(GOT) - .  at 4
    code.extend([0, 0, 0, 0]); // .word g - .                  at 8
    code.extend([0x70, 0x47, 0x00, 0xbf]); // g at 12: bx lr; nop
    let text = o.text(&code);
    let rel = o.section(".data.rel.ro", SectionKind::Data, &[0; 4], 4);
    o.func("mpy_init", text, 0);
    let g = o.func("g", text, 12);
    let ft = o.undef("mp_fun_table");
    o.reloc(text, 0, g, 30, 0); // R_ARM_THM_JUMP24
    o.reloc(text, 4, ft, 96, 0); // R_ARM_GOT_PREL
    o.reloc(text, 8, g, 3, 0); // R_ARM_REL32
    o.reloc(rel, 0, g, 2, 0); // R_ARM_ABS32
    let m = link(Arch::Armv7emsp, vec![o.finish()]).unwrap();
    // .text 0..16, .data.rel.ro 16..20, GOT at 20.
    // B.W T4: target = PC + 4 + imm; 12 = 0 + 4 + 8: imm11 = 4, J1 = J2 = 1
    // with S = 0 (I1 = I2 = 0): halves 0xf000 0xb804.
    assert_eq!(&m.text[..4], &[0x00, 0xf0, 0x04, 0xb8]);
    assert_eq!(le32(&m.text, 4), 20 - 4); // GOT entry - place
    assert_eq!(le32(&m.text, 8), 12 - 8); // g - place
    assert_eq!(le32(&m.text, 16), 12); // &g, relocated by the loader
    assert_eq!(
        m.relocs,
        vec![reloc(20, RelocKind::FunTable), reloc(16, RelocKind::Text)]
    );
}

fn riscv_call_and_jump_table_pairs() {
    let mut o = Obj::new(Arch::Rv64imc);
    let mut code = Vec::new();
    code.extend(0x0000_0097u32.to_le_bytes()); // auipc ra, 0
    code.extend(0x0000_80e7u32.to_le_bytes()); // jalr ra, 0(ra)
    for h in [0x0001u16, 0x0001, 0x0001, 0x0001, 0x8082, 0x0001] {
        code.extend(h.to_le_bytes()); // c.nop x4; f at 16: c.jr ra; c.nop
    }
    let text = o.text(&code);
    let ro = o.section(".rodata", SectionKind::ReadOnlyData, &[0; 4], 4);
    let init = o.func("mpy_init", text, 0);
    let f = o.func("f", text, 16);
    o.reloc(text, 0, f, 19, 0); // R_RISCV_CALL_PLT
    o.reloc(ro, 0, f, 35, 0); // R_RISCV_ADD32: .word f - mpy_init
    o.reloc(ro, 0, init, 39, 0); // R_RISCV_SUB32
    let m = link(Arch::Rv64imc, vec![o.finish()]).unwrap();
    // auipc keeps hi20 = 0; jalr ra, 16(ra) = 16 << 20 | rs1 1 << 15 | rd 1 << 7 | 0x67.
    assert_eq!(le32(&m.text, 0), 0x0000_0097);
    assert_eq!(le32(&m.text, 4), 0x0100_80e7);
    assert_eq!(le32(&m.text, 20), 16); // .rodata at 20: f (16) - mpy_init (0)
    assert!(m.relocs.is_empty(), "differences need no loader relocation");
}

/// `mpy_ld.py` gives every absolute data word a GOT entry on RISC-V although
/// only the word itself is relocated; with `gc_sections` no unread entry is
/// made, and the word is relocated the same way.
fn riscv_absolute_data_words_need_no_got_entry_with_gc_sections() {
    let build = || {
        let mut o = Obj::new(Arch::Rv64imc);
        let text = o.text(&[0x82, 0x80]); // c.jr ra
        o.func("mpy_init", text, 0);
        let ro = o.section(".data.rel.ro.table", SectionKind::ReadOnlyData, &[0; 8], 8);
        let ft = o.undef("mp_fun_table");
        o.reloc(ro, 0, ft, 2, 0); // R_RISCV_64
                                  // Keep the table alive from mpy_init (an assembler-style reference).
        let t = o.data("table", ro, 0);
        o.reloc(text, 0, t, 51, 0); // R_RISCV_RELAX: a marker only
        o.finish()
    };
    let compat = link(Arch::Rv64imc, vec![build()]).unwrap();
    let mut options = LinkOptions::new(Arch::Rv64imc, "mod.mpy");
    options.improvements.gc_sections = true;
    let improved = mpy_link::link(
        &options,
        &[Input::from_bytes("obj0.o".to_string(), build())],
        &[],
    )
    .unwrap();
    assert_eq!(compat.got_entries, 1, "mpy_ld.py-compatible layout");
    assert_eq!(improved.got_entries, 0);
    // The table word (text 0..2, then the table aligned to 8) is relocated to
    // mp_fun_table in both; the compatible layout adds the unread GOT entry after it.
    assert_eq!(
        compat.relocs,
        vec![
            reloc(16, RelocKind::FunTable),
            reloc(8, RelocKind::FunTable)
        ]
    );
    assert_eq!(improved.relocs, vec![reloc(8, RelocKind::FunTable)]);
    assert_eq!(improved.text.len(), 16);
}

/// With `static_data`, bss that code reaches PC-relatively sits in the text
/// image; bss reached only through the GOT stays in the module's BSS block.
fn static_data_keeps_got_only_bss_in_the_bss_block() {
    let build = || {
        let mut o = Obj::new(Arch::Armv7m);
        let mut code = Vec::new();
        code.extend([0x70, 0x47, 0x00, 0xbf]); // bx lr; nop
        code.extend([0, 0, 0, 0]); // .word local - .        at 4 (R_ARM_REL32)
        code.extend([0, 0, 0, 0]); // .word GOT(global) - .  at 8 (R_ARM_GOT_PREL)
        let text = o.text(&code);
        let local_bss = o.section(".bss.local", SectionKind::UninitializedData, &[0; 8], 4);
        let global_bss = o.section(".bss.global", SectionKind::UninitializedData, &[0; 64], 4);
        o.func("mpy_init", text, 0);
        let l = o.local("counter", local_bss, 0);
        let g = o.data("type_object", global_bss, 0);
        o.reloc(text, 4, l, 3, 0); // R_ARM_REL32
        o.reloc(text, 8, g, 96, 0); // R_ARM_GOT_PREL
        o.finish()
    };
    let mut options = LinkOptions::new(Arch::Armv7m, "mod.mpy");
    options.improvements.static_data = true;
    let m = mpy_link::link(
        &options,
        &[Input::from_bytes("obj0.o".to_string(), build())],
        &[],
    )
    .unwrap();
    // .text 0..12, the local bss 12..20 in the image, GOT at 20; the 64-byte
    // global is the whole BSS block.
    assert_eq!(m.text.len(), 24);
    assert_eq!(m.bss_size, 64);
    assert_eq!(le32(&m.text, 4), 12 - 4); // counter - place
    assert_eq!(le32(&m.text, 8), 20 - 8); // GOT entry - place
    assert_eq!(le32(&m.text, 20), 0); // type_object at BSS offset 0
    assert_eq!(m.relocs, vec![reloc(20, RelocKind::Bss)]);
}

/// An x64 object whose `.text` loads each of `qstrs` through the GOT
/// (`mov rax, [rip + sym@GOTPCREL]`), and whose `.text.dead` (reached from
/// nothing) loads `dead`.
fn qstr_user(entry: bool, qstrs: &[&str], dead: &[&str]) -> Vec<u8> {
    let mut o = Obj::new(Arch::X64);
    let mut code = Vec::new();
    for _ in qstrs {
        code.extend([0x48, 0x8b, 0x05, 0, 0, 0, 0]);
    }
    code.push(0xc3);
    let text = o.text(&code);
    if entry {
        o.func("mpy_init", text, 0);
    }
    for (i, q) in qstrs.iter().enumerate() {
        let s = o.undef(&format!("__mpy_qstr_{q}"));
        o.reloc(text, 7 * i as u64 + 3, s, 42, -4); // R_X86_64_REX_GOTPCRELX
    }
    let dead_code: Vec<u8> = dead
        .iter()
        .flat_map(|_| [0x48, 0x8b, 0x05, 0, 0, 0, 0])
        .collect();
    if !dead.is_empty() {
        let t = o.section(".text.dead", SectionKind::Text, &dead_code, 4);
        for (i, q) in dead.iter().enumerate() {
            let s = o.undef(&format!("__mpy_qstr_{q}"));
            o.reloc(t, 7 * i as u64 + 3, s, 42, -4);
        }
    }
    o.finish()
}

fn qstr_table_order_is_first_kept_reference_in_load_order() {
    // The documented order: the config header's names, then each new qstr
    // at its first undefined global reference, object by object in load
    // order and by symbol index inside an object; with gc_sections only the
    // references of kept sections count.
    let a = qstr_user(true, &["b", "a", "x$2dy"], &["dead"]);
    let b = qstr_user(false, &["c", "a", "z"], &[]);
    let inputs = vec![Input::from_bytes("a.o", a), Input::from_bytes("b.o", b)];
    let mut opts = LinkOptions::new(Arch::X64, "m.mpy");
    opts.qstrs = vec!["z".into()];
    let m = mpy_link::link(&opts, &inputs, &[]).unwrap();
    // Symbols are made in reference order, so a's are b, a, x$2dy, dead.
    assert_eq!(m.qstrs, ["z", "b", "a", "x-y", "dead", "c"]);
    opts.improvements.gc_sections = true;
    let m = mpy_link::link(&opts, &inputs, &[]).unwrap();
    // `dead` is only referenced from `.text.dead`, which nothing reaches;
    // b.o's `.text` is not reached either, so `c` goes too.
    assert_eq!(m.qstrs, ["z", "b", "a", "x-y"]);
    // The GOT word of `a` is its slot's byte offset in the qstr table:
    // slot 0 is the file name, `a` is index 2 (1-based), 2 bytes each.
    assert!(m.relocs.iter().all(|r| r.kind == RelocKind::QstrTable));
    let got_start = m.text.len() - 8 * m.got_entries;
    let words: Vec<u64> = (0..m.got_entries)
        .map(|i| u64::from_le_bytes(m.text[got_start + 8 * i..][..8].try_into().unwrap()))
        .collect();
    assert_eq!(words, [2 * 2, 2 * 3, 2 * 4]);
}

fn malformed_qstr_spelling_is_an_error() {
    let a = qstr_user(true, &["a$zz"], &[]);
    let err = link(Arch::X64, vec![a]).unwrap_err();
    assert!(matches!(err, LinkError::BadQstrSymbol { .. }), "{err}");
    assert!(err.to_string().contains("`__mpy_qstr_a$zz`"), "{err}");
}

/// With `static_data` on xtensawin, initialised `.data` goes into the rodata
/// blob (text is instruction RAM); a literal pointing at it becomes a GOT
/// entry the loader relocates against the rodata blob. (Rust's `static mut`
/// counters reached through `l32r`, as in examples/rust-basics.)
fn xtensawin_static_data_reached_through_a_literal() {
    let mut o = Obj::new(Arch::Xtensawin);
    let data = o.section(".data.counter", SectionKind::Data, &[7, 0, 0, 0], 4);
    let lit = o.section(".literal", SectionKind::Text, &[0; 4], 1);
    // entry a1, 32 ; l32r a2, lit0 ; retw.n ; pad
    let text = o.text(&[0x36, 0x41, 0x00, 0x21, 0xff, 0xff, 0x1d, 0xf0]);
    o.func("mpy_init", text, 0);
    let data_sym = o.section_sym(data);
    let lit_sym = o.section_sym(lit);
    o.reloc(lit, 0, data_sym, 1, 0); // R_XTENSA_32 .data.counter
    o.reloc(text, 3, lit_sym, 20, 0); // R_XTENSA_SLOT0_OP
    let mut options = LinkOptions::new(Arch::Xtensawin, "mod.mpy");
    options.improvements.static_data = true;
    let m = mpy_link::link(
        &options,
        &[Input::from_bytes("obj0.o".to_string(), o.finish())],
        &[],
    )
    .unwrap();
    // The data word is the whole rodata blob; the GOT word (text offset 4,
    // after the trampoline) holds its offset 0 there.
    assert_eq!(m.rodata, [7, 0, 0, 0]);
    assert_eq!(le32(&m.text, 4), 0);
    assert_eq!(m.relocs, vec![reloc(4, RelocKind::Rodata)]);
}
