//! Symbol resolution, done once: what every symbol of every object stands
//! for ([`Target`]), and the module's qstr table.
//!
//! An undefined symbol resolves, in this order, to: a linker-made symbol
//! (`_GLOBAL_OFFSET_TABLE_`, `mp_fun_table`, `mp_native_qstr_table`,
//! `mp_native_obj_table`); a global definition in some object; a fixed
//! address from the externs script; a firmware object reached through
//! `mp_fun_table` (names and entries from `mpy_sys::abi`, for the ABI linked
//! for); `memset`/`memcpy`/`memmove`
//! through the table's entries; a qstr (`__mpy_qstr_<spelling>`, as
//! `mpy-sys` spells it); else it is undefined.
//!
//! # The qstr table
//!
//! Index 0 is the module's file name. Then come the names of the config
//! header (`LinkOptions::qstrs`), then the qstrs of `__mpy_qstr_` symbols
//! that are not among them yet, each at its first reference: first the
//! undefined *global* symbols, object by object in load order and by ELF
//! symbol index inside an object, then (rare) undefined weak symbols the
//! same way. Only kept references count: with `gc_sections`, only symbols
//! that a relocation of a kept section refers to. This is the order in
//! which `mpy_ld.py`-style lazy resolution first meets the globals.

use std::collections::HashMap;

use crate::arch::spec::{ArchSpec, StubKind};
use crate::error::{LinkError, Result};
use crate::gc::Live;
use crate::model::{Bind, ObjId, Objects, SecId, SymDef, SymId, Symbol};
use crate::options::LinkOptions;
use crate::symbols::SymbolTable;
use mpy_sys::abi::{MpyAbi, FUN_TABLE};
use mpy_sys::fun_table::{FUN_TABLE_MEMMOVE_INDEX, FUN_TABLE_MEMSET_INDEX};
use mpy_sys::qstr::QSTR_SYMBOL_PREFIX;

/// `mp_fun_table` index of `memset` (the same in every ABI).
pub(crate) const FUN_MEMSET: u8 = FUN_TABLE_MEMSET_INDEX as u8;
/// `mp_fun_table` index of `memmove` (which also serves `memcpy`; the same in
/// every ABI).
pub(crate) const FUN_MEMMOVE: u8 = FUN_TABLE_MEMMOVE_INDEX as u8;
const _: () = {
    let mut i = 0;
    while i < MpyAbi::ALL.len() {
        let abi = MpyAbi::ALL[i];
        assert!(abi.fun_table_len() <= u8::MAX as usize);
        assert!(matches!(
            abi.fun_index("memset_"),
            Some(FUN_TABLE_MEMSET_INDEX)
        ));
        assert!(matches!(
            abi.fun_index("memmove_"),
            Some(FUN_TABLE_MEMMOVE_INDEX)
        ));
        i += 1;
    }
};

/// What a symbol stands for once everything is resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// A place in a section of an input object.
    Defined {
        /// The object.
        obj: ObjId,
        /// The section.
        sec: SecId,
        /// Offset in the section.
        value: u64,
    },
    /// `_GLOBAL_OFFSET_TABLE_`.
    GotBase,
    /// `mp_fun_table` itself.
    FunTable,
    /// A firmware object or function: the value of `mp_fun_table[n]`.
    FunEntry(u8),
    /// `memset`/`memmove` through a jump stub calling `mp_fun_table[n]`.
    MemStub(u8),
    /// `mp_native_qstr_table`, plus a byte offset.
    QstrTable(u64),
    /// `mp_native_obj_table`.
    ObjTable,
    /// A fixed firmware address (externs script or absolute symbol).
    Fixed(u64),
}

/// The resolution of one symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resolved {
    Target(Target),
    /// Nobody defines it.
    Undefined,
    /// Defined in a section the link does not take (its ELF index).
    NotLinked(usize),
    /// A common symbol.
    Common,
    /// Not referenced by anything the link keeps, so never resolved.
    Unused,
}

/// The result of resolution: immutable from here on.
#[derive(Debug)]
pub(crate) struct Resolution {
    /// Per object, per ELF symbol index.
    targets: Vec<Vec<Resolved>>,
    /// The module's qstrs in table order (index 1 onwards).
    pub(crate) qstrs: Vec<String>,
    /// `mp_fun_table` entries reached through jump stubs, in order of first
    /// reference.
    pub(crate) stubs: Vec<u8>,
    /// Remarks for the user.
    pub(crate) warnings: Vec<String>,
    /// Entries in the `mp_fun_table` of the ABI linked for.
    pub(crate) fun_table_len: usize,
}

impl Resolution {
    /// What symbol `sym` of object `obj` stands for, or why it stands for
    /// nothing the module can use.
    pub(crate) fn target(&self, objects: &Objects<'_>, obj: ObjId, sym: SymId) -> Result<Target> {
        let o = objects.get(obj);
        match self.targets[obj.index()][sym.index()] {
            Resolved::Target(t) => Ok(t),
            Resolved::Undefined | Resolved::Unused => Err(LinkError::Undefined(vec![(
                o.input.clone(),
                o.symbol(sym).name.to_string(),
            )])),
            Resolved::NotLinked(elf) => {
                let section = o.elf_section_names.get(elf).copied().unwrap_or("?");
                let name = o.symbol(sym).name;
                Err(LinkError::UnlinkedSection {
                    input: o.input.clone(),
                    symbol: if name.is_empty() { section } else { name }.to_string(),
                    section: section.to_string(),
                })
            }
            Resolved::Common => Err(LinkError::CommonSymbol {
                input: o.input.clone(),
                symbol: o.symbol(sym).name.to_string(),
            }),
        }
    }
}

/// Resolves every symbol the link keeps. Fails listing every undefined
/// global that a kept part of the link refers to.
pub(crate) fn resolve(
    objects: &Objects<'_>,
    symbols: &SymbolTable<'_>,
    live: &Live,
    options: &LinkOptions,
    spec: &ArchSpec,
) -> Result<Resolution> {
    let referenced = referenced_symbols(objects, live);
    let mut r = Resolver {
        symbols,
        externs: options
            .externs
            .iter()
            .map(|(n, a)| (n.as_str(), *a))
            .collect(),
        stub: spec.stub != StubKind::None,
        abi: options.abi,
        qstrs: options.qstrs.clone(),
        qstr_index: HashMap::new(),
        stubs: Vec::new(),
    };
    for (i, q) in r.qstrs.iter().enumerate() {
        r.qstr_index.entry(q.clone()).or_insert(i);
    }
    let mut targets: Vec<Vec<Resolved>> = objects
        .iter()
        .map(|(_, o)| vec![Resolved::Unused; o.symbols.len()])
        .collect();
    // Definitions, and the references that fix the qstr order: undefined
    // globals first, then the other undefined symbols.
    let mut undefined = Vec::new();
    for (obj, o) in objects.iter() {
        for (sym, s) in o.symbols() {
            let slot = &mut targets[obj.index()][sym.index()];
            match s.def {
                SymDef::Section(sec) => {
                    *slot = Resolved::Target(Target::Defined {
                        obj,
                        sec,
                        value: s.value,
                    })
                }
                SymDef::Absolute => *slot = Resolved::Target(Target::Fixed(s.value)),
                SymDef::Unloaded(elf) => *slot = Resolved::NotLinked(elf),
                SymDef::Common => *slot = Resolved::Common,
                SymDef::Undefined if s.bind == Bind::Global => {
                    let kept = !live.is_partial() || referenced[obj.index()][sym.index()];
                    if kept {
                        *slot = r.by_name(objects, obj, s)?;
                        if *slot == Resolved::Undefined {
                            let item = (o.input.clone(), s.name.to_string());
                            if !undefined.contains(&item) {
                                undefined.push(item);
                            }
                        }
                    }
                }
                SymDef::Undefined => {}
            }
        }
    }
    if !undefined.is_empty() {
        return Err(LinkError::Undefined(undefined));
    }
    for (obj, o) in objects.iter() {
        for (sym, s) in o.symbols() {
            if s.def == SymDef::Undefined
                && s.bind != Bind::Global
                && referenced[obj.index()][sym.index()]
            {
                targets[obj.index()][sym.index()] = r.by_name(objects, obj, s)?;
            }
        }
    }
    let warnings = options
        .externs
        .iter()
        .filter(|(name, _)| symbols.contains(name))
        .map(|(name, _)| format!(
            "symbol `{name}` has a fixed address in the externs file and is also defined by an object; the GOT uses the fixed address"
        ))
        .collect();
    Ok(Resolution {
        targets,
        qstrs: r.qstrs,
        stubs: r.stubs,
        warnings,
        fun_table_len: options.abi.fun_table_len(),
    })
}

/// Which symbols relocations of kept sections refer to.
fn referenced_symbols(objects: &Objects<'_>, live: &Live) -> Vec<Vec<bool>> {
    objects
        .iter()
        .map(|(obj, o)| {
            let mut seen = vec![false; o.symbols.len()];
            for (sec, section) in o.sections() {
                if live.contains(obj, sec) {
                    for r in &section.relocs {
                        seen[r.sym.index()] = true;
                    }
                }
            }
            seen
        })
        .collect()
}

/// Name lookups, and the qstr table as it grows.
struct Resolver<'a, 'd> {
    symbols: &'a SymbolTable<'d>,
    externs: HashMap<&'a str, u64>,
    /// Whether `memset`/`memmove` go through stubs (else through the GOT).
    stub: bool,
    /// The ABI whose `mp_fun_table` holds the firmware objects.
    abi: MpyAbi,
    qstrs: Vec<String>,
    qstr_index: HashMap<String, usize>,
    stubs: Vec<u8>,
}

impl Resolver<'_, '_> {
    /// Resolves an undefined symbol by its name.
    fn by_name(&mut self, objects: &Objects<'_>, obj: ObjId, s: &Symbol<'_>) -> Result<Resolved> {
        let name = s.name;
        let target = match name {
            "_GLOBAL_OFFSET_TABLE_" => Target::GotBase,
            "mp_fun_table" => Target::FunTable,
            "mp_native_qstr_table" => Target::QstrTable(0),
            "mp_native_obj_table" => Target::ObjTable,
            _ => {
                if let Some((o, i)) = self.symbols.get(name) {
                    let d = objects.symbol(o, i);
                    match d.def {
                        SymDef::Section(sec) => Target::Defined {
                            obj: o,
                            sec,
                            value: d.value,
                        },
                        // The table holds section definitions only.
                        _ => return Ok(Resolved::Undefined),
                    }
                } else if let Some(&addr) = self.externs.get(name) {
                    Target::Fixed(addr)
                } else if let Some(entry) = FUN_TABLE.iter().find(|e| e.symbol == Some(name)) {
                    match self.abi.object_index(name) {
                        Some(i) => Target::FunEntry(i as u8),
                        None => {
                            return Err(LinkError::NotInAbi {
                                input: objects.get(obj).input.clone(),
                                symbol: name.to_string(),
                                abi: self.abi,
                                abi_releases: self.abi.releases(),
                                since: entry.added,
                                since_releases: entry.added.releases(),
                            })
                        }
                    }
                } else if let Some(entry) = mem_function(name) {
                    if self.stub {
                        if !self.stubs.contains(&entry) {
                            self.stubs.push(entry);
                        }
                        Target::MemStub(entry)
                    } else {
                        Target::FunEntry(entry)
                    }
                } else if let Some(spelling) = name.strip_prefix(QSTR_SYMBOL_PREFIX) {
                    let text = decode_qstr(spelling).ok_or_else(|| LinkError::BadQstrSymbol {
                        input: objects.get(obj).input.clone(),
                        symbol: name.to_string(),
                    })?;
                    // Slot 0 holds the file name; native qstrs start at 1.
                    Target::QstrTable(2 * (self.qstr(text) as u64 + 1))
                } else {
                    return Ok(Resolved::Undefined);
                }
            }
        };
        Ok(Resolved::Target(target))
    }

    /// Index of a qstr in the table, adding it at the end when new.
    fn qstr(&mut self, text: String) -> usize {
        if let Some(&i) = self.qstr_index.get(&text) {
            return i;
        }
        self.qstrs.push(text.clone());
        self.qstr_index.insert(text, self.qstrs.len() - 1);
        self.qstrs.len() - 1
    }
}

/// `mp_fun_table` entry serving a libc memory function, if `name` is one.
pub(crate) fn mem_function(name: &str) -> Option<u8> {
    match name {
        "memset" => Some(FUN_MEMSET),
        "memcpy" | "memmove" => Some(FUN_MEMMOVE),
        _ => None,
    }
}

/// The qstr a `__mpy_qstr_` spelling stands for (`a$2db` is `a-b`).
fn decode_qstr(spelling: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(spelling.len());
    mpy_sys::qstr::decode(spelling.as_bytes(), |b| bytes.push(b))?;
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qstr_spellings() {
        assert_eq!(decode_qstr("add").as_deref(), Some("add"));
        assert_eq!(decode_qstr("__init__").as_deref(), Some("__init__"));
        assert_eq!(decode_qstr("a$2db").as_deref(), Some("a-b"));
        assert_eq!(decode_qstr("a$zz"), None);
        assert_eq!(decode_qstr("$ff"), None); // not UTF-8
    }

    #[test]
    fn fun_table_indices_are_the_abi() {
        // py/nativeglue.h: memset_ 50, memmove_ 51 in every ABI.
        assert_eq!((FUN_MEMSET, FUN_MEMMOVE), (50, 51));
    }
}
