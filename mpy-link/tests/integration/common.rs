//! Builders for synthetic relocatable ELF objects and `ar` archives, so
//! linker tests need no cross compiler.

#![allow(dead_code)]

use mpy_link::{Arch, Input, LinkOptions, LinkedModule};
use object::write::{Object, Relocation, SectionId, Symbol, SymbolId, SymbolSection};
use object::{
    Architecture, BinaryFormat, Endianness, SectionKind, SymbolFlags, SymbolKind, SymbolScope,
};

/// A relocatable object under construction.
pub struct Obj {
    pub obj: Object<'static>,
}

impl Obj {
    pub fn new(arch: Arch) -> Obj {
        let a = match arch {
            Arch::X86 => Architecture::I386,
            Arch::X64 => Architecture::X86_64,
            Arch::Armv6m | Arch::Armv7m | Arch::Armv7emsp | Arch::Armv7emdp => Architecture::Arm,
            Arch::Xtensa | Arch::Xtensawin => Architecture::Xtensa,
            Arch::Rv32imc => Architecture::Riscv32,
            Arch::Rv64imc => Architecture::Riscv64,
        };
        let mut obj = Object::new(BinaryFormat::Elf, a, Endianness::Little);
        obj.mangling = object::write::Mangling::None;
        Obj { obj }
    }

    /// Adds a section with contents (a NOBITS one when `kind` is bss).
    pub fn section(&mut self, name: &str, kind: SectionKind, data: &[u8], align: u64) -> SectionId {
        let id = self
            .obj
            .add_section(Vec::new(), name.as_bytes().to_vec(), kind);
        if kind == SectionKind::UninitializedData {
            self.obj.append_section_bss(id, data.len() as u64, align);
        } else {
            self.obj.append_section_data(id, data, align);
        }
        id
    }

    pub fn text(&mut self, data: &[u8]) -> SectionId {
        self.section(".text", SectionKind::Text, data, 4)
    }

    fn symbol(
        &mut self,
        name: &str,
        section: SymbolSection,
        value: u64,
        scope: SymbolScope,
        kind: SymbolKind,
    ) -> SymbolId {
        self.obj.add_symbol(Symbol {
            name: name.as_bytes().to_vec(),
            value,
            size: 0,
            kind,
            scope,
            weak: false,
            section,
            flags: SymbolFlags::None,
        })
    }

    /// A global function.
    pub fn func(&mut self, name: &str, sec: SectionId, offset: u64) -> SymbolId {
        self.symbol(
            name,
            SymbolSection::Section(sec),
            offset,
            SymbolScope::Dynamic,
            SymbolKind::Text,
        )
    }

    /// A global data object.
    pub fn data(&mut self, name: &str, sec: SectionId, offset: u64) -> SymbolId {
        self.symbol(
            name,
            SymbolSection::Section(sec),
            offset,
            SymbolScope::Dynamic,
            SymbolKind::Data,
        )
    }

    /// A file-local label.
    pub fn local(&mut self, name: &str, sec: SectionId, offset: u64) -> SymbolId {
        self.symbol(
            name,
            SymbolSection::Section(sec),
            offset,
            SymbolScope::Compilation,
            SymbolKind::Label,
        )
    }

    /// An undefined global.
    pub fn undef(&mut self, name: &str) -> SymbolId {
        self.symbol(
            name,
            SymbolSection::Undefined,
            0,
            SymbolScope::Dynamic,
            SymbolKind::Unknown,
        )
    }

    /// The section symbol of `sec`.
    pub fn section_sym(&mut self, sec: SectionId) -> SymbolId {
        self.obj.section_symbol(sec)
    }

    pub fn reloc(&mut self, sec: SectionId, offset: u64, sym: SymbolId, r_type: u32, addend: i64) {
        self.obj
            .add_relocation(
                sec,
                Relocation {
                    offset,
                    symbol: sym,
                    addend,
                    flags: object::RelocationFlags::Elf {
                        r_type: object::elf::RelocationType(r_type),
                    },
                },
            )
            .expect("relocation");
    }

    pub fn finish(self) -> Vec<u8> {
        self.obj.write().expect("write object")
    }
}

/// Links objects with default options.
pub fn link(arch: Arch, objects: Vec<Vec<u8>>) -> Result<LinkedModule, mpy_link::LinkError> {
    let inputs: Vec<Input> = objects
        .into_iter()
        .enumerate()
        .map(|(i, d)| Input::from_bytes(format!("obj{i}.o"), d))
        .collect();
    mpy_link::link(&LinkOptions::new(arch, "mod.mpy"), &inputs, &[])
}

/// A GNU `ar` archive. With `index`, a GNU symbol table (`/` member) maps
/// each (symbol, member index) pair.
pub fn archive(members: &[(&str, Vec<u8>)], index: &[(&str, usize)]) -> Vec<u8> {
    fn header(name: &str, size: usize) -> Vec<u8> {
        let h = format!(
            "{:<16}{:<12}{:<6}{:<6}{:<8}{:<10}`\n",
            name, 0, 0, 0, 644, size
        );
        assert_eq!(h.len(), 60);
        h.into_bytes()
    }
    let mut body = Vec::new();
    let mut offsets = Vec::new();
    // Member offsets depend on the symbol table's size, computed first.
    let names_len: usize = index.iter().map(|(n, _)| n.len() + 1).sum();
    let symtab_size = 4 + 4 * index.len() + names_len;
    let symtab_total = if index.is_empty() {
        0
    } else {
        60 + symtab_size + symtab_size % 2
    };
    let mut pos = 8 + symtab_total;
    for (name, data) in members {
        offsets.push(pos);
        body.extend(header(&format!("{name}/"), data.len()));
        body.extend(data);
        if data.len() % 2 == 1 {
            body.push(b'\n');
        }
        pos += 60 + data.len() + data.len() % 2;
    }
    let mut out = b"!<arch>\n".to_vec();
    if !index.is_empty() {
        out.extend(header("/", symtab_size));
        out.extend((index.len() as u32).to_be_bytes());
        for (_, m) in index {
            out.extend((offsets[*m] as u32).to_be_bytes());
        }
        for (n, _) in index {
            out.extend(n.as_bytes());
            out.push(0);
        }
        if symtab_size % 2 == 1 {
            out.push(b'\n');
        }
    }
    out.extend(body);
    out
}

pub fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}
