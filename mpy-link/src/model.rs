//! The linker's model of its inputs: the objects taken into a link, their
//! sections, relocations and symbols, and the newtype ids that name them.
//! Every later phase reads this model and none changes it.
//!
//! Indices inside an [`Object`] (a [`SecId`], a relocation's [`SymId`]) are
//! checked when the object is loaded (`elf.rs`), so code holding one may
//! index with it.

use std::fmt;
use std::sync::Arc;

/// Names an input in messages: `path/to/file.o`, or `libm.a(s_sin.o)` for an
/// archive member.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InputRef {
    /// The file as given (the archive, for a member).
    pub file: Arc<str>,
    /// The member name inside an archive, with bytes that are not printable
    /// text escaped (`\x1b`).
    pub member: Option<Arc<str>>,
}

impl InputRef {
    /// Names a plain file.
    pub fn file(name: impl Into<Arc<str>>) -> Self {
        InputRef {
            file: name.into(),
            member: None,
        }
    }

    /// Names member `raw_name` of archive `file`; control characters and
    /// invalid UTF-8 in the name are escaped, so a message never sends raw
    /// bytes from an archive to the terminal.
    pub(crate) fn member(file: Arc<str>, raw_name: &[u8]) -> Self {
        InputRef {
            file,
            member: Some(printable(raw_name).into()),
        }
    }
}

impl fmt::Display for InputRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.member {
            Some(m) => write!(f, "{}({})", self.file, m),
            None => f.write_str(&self.file),
        }
    }
}

/// `bytes` as text with control characters, backslashes and invalid UTF-8
/// written as `\xNN` (and `\\`).
pub(crate) fn printable(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                c if c.is_control() => {
                    let mut buf = [0; 4];
                    for b in c.encode_utf8(&mut buf).bytes() {
                        out.push_str(&format!("\\x{b:02x}"));
                    }
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// Index of a loaded object, in load order.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct ObjId(pub(crate) u32);

/// Index of a section inside its object's [`Object::sections`] (only the
/// sections a link takes are there).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct SecId(pub(crate) u32);

/// An ELF symbol index inside one object (0 is the null symbol).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct SymId(pub(crate) u32);

macro_rules! short_debug {
    ($($ty:ident => $prefix:literal),*) => {$(
        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "-{}"), self.0)
            }
        }
        impl $ty {
            /// The id as an index into the vector it numbers.
            pub(crate) fn index(self) -> usize {
                self.0 as usize
            }
        }
    )*};
}
short_debug!(ObjId => "obj", SecId => "sec", SymId => "sym");

/// What kind of contents a section holds, from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SecClass {
    /// `.text*`: code.
    Text,
    /// `.rodata*`: constants.
    Rodata,
    /// `.data.rel.ro*`: constant pointers the loader relocates.
    DataRelRo,
    /// `.bss*`: zero-initialised data.
    Bss,
    /// `.literal*`: Xtensa literal pools (rebuilt by the linker).
    Literal,
    /// `.data*`: writable initialised data (only with `static_data`).
    Data,
}

impl SecClass {
    /// The kind in words, for messages ("a writable data section").
    pub(crate) fn describe(self) -> &'static str {
        match self {
            SecClass::Text => "code section",
            SecClass::Rodata => "read-only data section",
            SecClass::DataRelRo => "relocated read-only data section",
            SecClass::Bss => "bss section",
            SecClass::Literal => "literal pool",
            SecClass::Data => "writable data section",
        }
    }
}

/// The three memory blocks of a native module: where a section lands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Image {
    /// The code image (the `.mpy`'s text).
    Text,
    /// The separate rodata blob (xtensawin).
    Rodata,
    /// The zeroed bss block.
    Bss,
}

/// A section the link takes.
#[derive(Debug)]
pub(crate) struct Section<'d> {
    pub(crate) name: &'d str,
    pub(crate) class: SecClass,
    /// Contents; empty for bss.
    pub(crate) data: &'d [u8],
    pub(crate) size: u64,
    /// A power of two, at least 1.
    pub(crate) align: u64,
    /// Relocations, sorted as in the file; every offset lies inside the section.
    pub(crate) relocs: Vec<Reloc>,
}

/// One ELF relocation of a section.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reloc {
    /// Offset of the field in its section.
    pub(crate) offset: u64,
    /// The raw `r_type`.
    pub(crate) r_type: u32,
    /// The symbol it refers to (0 when none).
    pub(crate) sym: SymId,
    /// The explicit addend (RELA) or 0 (REL: the addend is in the field).
    pub(crate) addend: i64,
}

/// ELF symbol binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bind {
    Local,
    Global,
    Weak,
}

/// Where a symbol is defined, as its own object says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SymDef {
    Undefined,
    /// In a section the link takes.
    Section(SecId),
    /// In a section this link does not take (its ELF index).
    Unloaded(usize),
    /// `SHN_ABS`: its value is an address.
    Absolute,
    /// `SHN_COMMON`.
    Common,
}

/// One ELF symbol.
#[derive(Debug, Clone)]
pub(crate) struct Symbol<'d> {
    /// Its name; empty for section symbols and the null symbol.
    pub(crate) name: &'d str,
    pub(crate) bind: Bind,
    /// The ELF `STT_*` type.
    pub(crate) st_type: u8,
    pub(crate) def: SymDef,
    /// Offset in its section (or the address, for absolute symbols).
    pub(crate) value: u64,
}

impl Symbol<'_> {
    /// A global or weak symbol defined in a section the link takes.
    pub(crate) fn is_global_definition(&self) -> bool {
        self.bind != Bind::Local && matches!(self.def, SymDef::Section(_))
    }
}

pub(crate) const STT_NOTYPE: u8 = 0;
pub(crate) const STT_OBJECT: u8 = 1;
pub(crate) const STT_FUNC: u8 = 2;
pub(crate) const STT_SECTION: u8 = 3;

/// A relocatable object taken into the link.
#[derive(Debug)]
pub(crate) struct Object<'d> {
    pub(crate) input: InputRef,
    /// The sections taken, in file order.
    pub(crate) sections: Vec<Section<'d>>,
    /// Every symbol, by ELF index.
    pub(crate) symbols: Vec<Symbol<'d>>,
    /// Every ELF section name, by ELF index, for messages about sections
    /// the link does not take.
    pub(crate) elf_section_names: Vec<&'d str>,
}

impl<'d> Object<'d> {
    /// A section of this object.
    pub(crate) fn section(&self, id: SecId) -> &Section<'d> {
        // Ids come from this object's own section list (see the module doc).
        &self.sections[id.index()]
    }

    /// A symbol of this object.
    pub(crate) fn symbol(&self, id: SymId) -> &Symbol<'d> {
        // Relocations' symbol indices were checked at load (module doc).
        &self.symbols[id.index()]
    }

    /// The sections with their ids.
    pub(crate) fn sections(&self) -> impl Iterator<Item = (SecId, &Section<'d>)> {
        self.sections
            .iter()
            .enumerate()
            .map(|(i, s)| (SecId(i as u32), s))
    }

    /// The symbols with their ids.
    pub(crate) fn symbols(&self) -> impl Iterator<Item = (SymId, &Symbol<'d>)> {
        self.symbols
            .iter()
            .enumerate()
            .map(|(i, s)| (SymId(i as u32), s))
    }

    /// How messages name a symbol: its name, or for a section symbol the
    /// section's name.
    pub(crate) fn symbol_label(&self, id: SymId) -> &'d str {
        let sym = self.symbol(id);
        match sym.def {
            SymDef::Section(s) if sym.name.is_empty() => self.section(s).name,
            _ => sym.name,
        }
    }
}

/// Every object of a link, in load order (the main objects, then the
/// archive members they pull in).
#[derive(Debug, Default)]
pub(crate) struct Objects<'d>(Vec<Object<'d>>);

impl<'d> Objects<'d> {
    /// Wraps objects in load order.
    pub(crate) fn new(objects: Vec<Object<'d>>) -> Self {
        Objects(objects)
    }

    /// An object by id.
    pub(crate) fn get(&self, id: ObjId) -> &Object<'d> {
        // Ids are only made by `iter` over this same list.
        &self.0[id.index()]
    }

    /// A section of an object.
    pub(crate) fn section(&self, obj: ObjId, sec: SecId) -> &Section<'d> {
        self.get(obj).section(sec)
    }

    /// A symbol of an object.
    pub(crate) fn symbol(&self, obj: ObjId, sym: SymId) -> &Symbol<'d> {
        self.get(obj).symbol(sym)
    }

    /// The objects with their ids, in load order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (ObjId, &Object<'d>)> {
        self.0.iter().enumerate().map(|(i, o)| (ObjId(i as u32), o))
    }

    /// Who each object is, in load order.
    pub(crate) fn inputs(&self) -> Vec<InputRef> {
        self.0.iter().map(|o| o.input.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_escapes_what_a_terminal_would_act_on() {
        assert_eq!(printable(b"s_sin.o"), "s_sin.o");
        assert_eq!(printable(b"\x1b[2Ja\\b"), "\\x1b[2Ja\\\\b");
        assert_eq!(printable(b"\xff\x7f\xc3\xa9"), "\\xff\\x7f\u{e9}");
        // C1 controls are two bytes in UTF-8; both are shown.
        assert_eq!(printable("\u{9b}".as_bytes()), "\\xc2\\x9b");
    }

    #[test]
    fn ids_print_short() {
        assert_eq!(format!("{:?}", SymId(12)), "sym-12");
        assert_eq!(format!("{:?}", ObjId(3)), "obj-3");
    }
}
