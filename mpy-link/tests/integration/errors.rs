//! Inputs that must fail with a clear, typed error and never a panic or a
//! crash: duplicate symbols inside one object, linker scripts that include
//! themselves, and the wording of messages about odd inputs.

use std::process::Command;

use mpy_link::{Arch, Input, Library, LinkError, LinkOptions};
use object::SectionKind;

use crate::common::{archive, link, Obj};
use crate::support::{find_tool, trials, TestResult, Trial};

pub(crate) fn trials() -> Vec<Trial> {
    trials!(
        "errors",
        [
            duplicate_global_inside_one_object,
            duplicate_global_added_by_objcopy,
            duplicates_across_objects_still_name_both,
            linker_script_that_includes_itself,
            linker_scripts_that_include_each_other,
            unknown_relocation_type_is_named_once,
            non_relocatable_elf_kinds_read_as_words,
            archive_member_names_are_escaped_in_messages,
            got_entry_into_a_literal_pool_names_the_class_in_words,
        ]
    )
}

/// An x64 object defining `mpy_init` and `helper`, calling `helper`.
fn with_helper() -> Obj {
    let mut o = Obj::new(Arch::X64);
    let text = o.text(&[0xe8, 0, 0, 0, 0, 0xc3, 0xc3, 0xc3]);
    o.func("mpy_init", text, 0);
    let helper = o.func("helper", text, 6);
    o.reloc(text, 1, helper, 4, -4); // R_X86_64_PLT32
    o
}

fn duplicate_global_inside_one_object() {
    let mut o = with_helper();
    // A second global `helper` in the same object.
    let text = o.obj.section_id(object::write::StandardSection::Text);
    o.func("helper", text, 7);
    let err = link(Arch::X64, vec![o.finish()]).unwrap_err();
    assert!(
        matches!(&err, LinkError::Duplicate { symbol, .. } if symbol == "helper"),
        "{err:?}"
    );
    let msg = err.to_string();
    assert_eq!(msg, "duplicate symbol `helper`: defined twice in obj0.o");
}

fn duplicate_global_added_by_objcopy() -> TestResult {
    // The report's reproduction: binutils adds a second `helper` to an
    // object that already defines one.
    let objcopy = find_tool("objcopy", "apt install binutils")?;
    let dir = tempfile::tempdir().unwrap();
    let (plain, doubled) = (dir.path().join("m.o"), dir.path().join("m2.o"));
    std::fs::write(&plain, with_helper().finish()).unwrap();
    let st = Command::new(objcopy)
        .arg("--add-symbol")
        .arg("helper=.text:0,global,function")
        .arg(&plain)
        .arg(&doubled)
        .status()
        .unwrap();
    assert!(st.success());
    let input = Input::from_path(&doubled).unwrap();
    let err = mpy_link::link(&LinkOptions::new(Arch::X64, "m.mpy"), &[input], &[]).unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, LinkError::Duplicate { .. })
            && msg.contains("defined twice in")
            && msg.contains("m2.o"),
        "{msg}"
    );
    Ok(())
}

fn duplicates_across_objects_still_name_both() {
    let a = with_helper().finish();
    let mut b = Obj::new(Arch::X64);
    let t = b.text(&[0xc3]);
    b.func("helper", t, 0);
    let msg = link(Arch::X64, vec![a, b.finish()])
        .unwrap_err()
        .to_string();
    assert_eq!(
        msg,
        "duplicate symbol `helper`: defined in obj0.o and in obj1.o"
    );
}

fn linker_script_that_includes_itself() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.ld");
    std::fs::write(&a, "GROUP ( a.ld )\n").unwrap();
    let err = Library::open(&a).unwrap_err();
    assert!(matches!(err, LinkError::LdScriptCycle { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("a.ld -> a.ld"), "{msg}");
}

fn linker_scripts_that_include_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.ld"), dir.path().join("b.ld"));
    std::fs::write(&a, "/* first */ GROUP ( b.ld )\n").unwrap();
    std::fs::write(&b, "INPUT ( a.ld )\n").unwrap();
    let msg = Library::open(&a).unwrap_err().to_string();
    assert!(
        msg.contains("a.ld -> ") && msg.contains("b.ld -> "),
        "{msg}"
    );
    assert!(msg.trim_end().ends_with("a.ld"), "{msg}");
    // A script may name the same archive twice without being a loop.
    let lib = dir.path().join("libz.a");
    std::fs::write(&lib, archive(&[], &[])).unwrap();
    std::fs::write(&b, "GROUP ( libz.a libz.a )\n").unwrap();
    assert_eq!(Library::open(&a).unwrap().archives.len(), 2);
}

fn unknown_relocation_type_is_named_once() {
    let mut o = Obj::new(Arch::X64);
    let text = o.text(&[0x90, 0, 0, 0, 0, 0xc3]);
    o.func("mpy_init", text, 0);
    let f = o.func("f", text, 5);
    o.reloc(text, 1, f, 200, 0); // no such x86-64 relocation
    let msg = link(Arch::X64, vec![o.finish()]).unwrap_err().to_string();
    assert!(!msg.contains("relocation relocation"), "{msg}");
    assert!(
        msg.contains("unsupported relocation type 200 against `f`"),
        "{msg}"
    );
}

fn non_relocatable_elf_kinds_read_as_words() {
    let mut o = Obj::new(Arch::X64);
    let t = o.text(&[0xc3]);
    o.func("mpy_init", t, 0);
    let good = o.finish();
    // e_type at offset 16: 2 is an executable, 0 has no kind at all.
    for (e_type, expect) in [
        (2u16, "an executable"),
        (3, "a shared object"),
        (0, "an ELF file of no known type"),
    ] {
        let mut bytes = good.clone();
        bytes[16..18].copy_from_slice(&e_type.to_le_bytes());
        let msg = link(Arch::X64, vec![bytes]).unwrap_err().to_string();
        assert!(msg.contains(expect), "{msg}");
        assert!(
            !msg.contains("Unknown") && !msg.contains("Executable"),
            "{msg}"
        );
    }
}

fn archive_member_names_are_escaped_in_messages() {
    let mut main = Obj::new(Arch::X64);
    let t = main.text(&[0xe8, 0, 0, 0, 0, 0xc3]);
    main.func("mpy_init", t, 0);
    let f = main.undef("helper");
    main.reloc(t, 1, f, 4, -4);
    // A member whose name holds a terminal escape sequence and a raw byte.
    let name = "\x1b[2J\u{7f}h.o";
    let ar = archive(&[(name, b"not an object\n".to_vec())], &[("helper", 0)]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("libbad.a");
    std::fs::write(&path, ar).unwrap();
    let lib = Library::open(&path).unwrap();
    let inputs = vec![Input::from_bytes("main.o", main.finish())];
    let msg = mpy_link::link(&LinkOptions::new(Arch::X64, "m.mpy"), &inputs, &[lib])
        .unwrap_err()
        .to_string();
    assert!(!msg.chars().any(|c| c.is_control() && c != '\n'), "{msg:?}");
    assert!(msg.contains(r"libbad.a(\x1b[2J\x7fh.o)"), "{msg}");
}

fn got_entry_into_a_literal_pool_names_the_class_in_words() {
    // A literal holding the address of another literal pool: pools are
    // dissolved into the GOT and literal table, so no word can point there;
    // the message names the section kind in words.
    let mut o = Obj::new(Arch::Xtensawin);
    let other = o.section(".literal.other", SectionKind::Text, &[1, 0, 0, 0], 4);
    let lit = o.section(".literal", SectionKind::Text, &[0; 4], 4);
    let text = o.text(&[0x21, 0, 0, 0xf0]);
    o.func("mpy_init", text, 0);
    let pool = o.data("pool", other, 0);
    let lit_sym = o.section_sym(lit);
    o.reloc(lit, 0, pool, 1, 0); // literal = &pool (a GOT entry)
    o.reloc(text, 0, lit_sym, 20, 0);
    let inputs = vec![Input::from_bytes("obj0.o", o.finish())];
    let opts = LinkOptions::new(Arch::Xtensawin, "m.mpy");
    let msg = mpy_link::link(&opts, &inputs, &[]).unwrap_err().to_string();
    assert!(
        msg.contains("`pool`") && msg.contains("literal pool `.literal.other`"),
        "{msg}"
    );
    assert!(!msg.contains("Literal"), "{msg}");
}
