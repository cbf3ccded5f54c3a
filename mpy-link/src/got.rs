//! The global offset table: which entries the module needs (made once,
//! from the kept relocations and the resolution), and, once the layout is
//! known, the order of its slots and the word in each.
//!
//! Entries are made in the order first met (objects in load order, sections
//! and relocations in file order), one per symbol name, for relocations of
//! the family's GOT kinds against global or weak symbols. On Xtensa the
//! literal pools are the GOT instead: literal words that carry a relocation
//! become entries (one per symbol and addend, or section and offset), the
//! other words become deduplicated literals (the `LIT` table). Slots are
//! then sorted, stably, external first, then text, rodata and bss, so the
//! loader's relocations form runs (as `mpy_ld.py` orders them).

use std::collections::HashMap;

use crate::arch::spec::{ArchSpec, RelocTable};
use crate::error::{LinkError, RelocSite, Result};
use crate::gc::Live;
use crate::layout::Layout;
use crate::model::{
    Bind, Image, ObjId, Object, Objects, Reloc, SecClass, SecId, Section, SymDef, SymId, STT_FUNC,
    STT_NOTYPE, STT_OBJECT, STT_SECTION,
};
use crate::mpy::reloc::RelocKind;
use crate::resolve::{mem_function, Resolution, Target};

/// Identity of a GOT entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key<'d> {
    /// A named symbol (plus addend, for Xtensa literals).
    Named(&'d str, i64),
    /// A place in a section (Xtensa literals of section symbols).
    SectionOffset(ObjId, SecId, u64),
}

/// One GOT entry.
#[derive(Debug, Clone)]
pub(crate) struct GotEntry {
    /// What the word points to.
    target: Target,
    /// Offset added to the target (Xtensa literals).
    extra: i64,
    /// The object and symbol that first needed it (for messages).
    obj: ObjId,
    sym: SymId,
}

/// Xtensa: what replaces one literal word.
#[derive(Debug, Clone, Copy)]
enum Literal {
    /// A GOT entry (by entry number).
    Got(usize),
    /// A word of the `LIT` table.
    Lit(usize),
}

/// The GOT entries a module needs (and on Xtensa its literal table).
#[derive(Debug, Default)]
pub(crate) struct Got<'d> {
    entries: Vec<GotEntry>,
    /// Entries made for a symbol name with no addend, by that name.
    by_name: HashMap<&'d str, usize>,
    /// Xtensa: every word of every kept literal section.
    literals: HashMap<(ObjId, SecId, u64), Literal>,
    /// Xtensa: the deduplicated literal words, in order.
    pub(crate) lits: Vec<u32>,
    /// Entries in the `mp_fun_table` of the ABI linked for.
    fun_table_len: usize,
}

/// The GOT once laid out: the word of every slot and where each entry went.
#[derive(Debug)]
pub(crate) struct GotSlots {
    /// Per slot: the link-time word and the loader relocation it needs.
    pub(crate) words: Vec<(u64, Option<RelocKind>)>,
    /// Per entry (in the order made): its slot.
    slot_of: Vec<usize>,
}

/// A GOT entry being made: its target is known once all entries exist.
struct Pending {
    /// The target of a section-offset entry; named ones are resolved.
    target: Option<Target>,
    extra: i64,
    obj: ObjId,
    sym: SymId,
}

/// The state of [`Got::build`].
struct Builder<'d, 't> {
    table: &'t RelocTable,
    pending: Vec<Pending>,
    index: HashMap<Key<'d>, usize>,
    literals: HashMap<(ObjId, SecId, u64), Literal>,
    lits: Vec<u32>,
    lit_index: HashMap<u32, usize>,
}

impl<'d> Got<'d> {
    /// Makes the entries of a link.
    pub(crate) fn build(
        objects: &Objects<'d>,
        live: &Live,
        resolution: &Resolution,
        spec: &ArchSpec,
        table: &RelocTable,
        externs: &[(String, u64)],
        skip_abs_words: bool,
    ) -> Result<Got<'d>> {
        let mut b = Builder {
            table,
            pending: Vec::new(),
            index: HashMap::new(),
            literals: HashMap::new(),
            lits: Vec::new(),
            lit_index: HashMap::new(),
        };
        for (obj, o) in objects.iter() {
            for (sec, section) in o.sections() {
                if !live.contains(obj, sec) {
                    continue;
                }
                match (spec.literal_pools, section.class) {
                    (true, SecClass::Literal) => b.literal_pool(obj, o, sec, section)?,
                    (true, _) | (false, SecClass::Literal) => {}
                    (false, _) => b.entries_of(obj, o, section, skip_abs_words)?,
                }
            }
        }
        // What each entry points to. Resolution is by name, so the first
        // referencing symbol names the entry; a fixed address from the
        // externs file, and the memory functions, win over definitions.
        let mut entries = Vec::with_capacity(b.pending.len());
        for p in &b.pending {
            let mut e = GotEntry {
                target: match p.target {
                    Some(t) => t,
                    None => resolution.target(objects, p.obj, p.sym)?,
                },
                extra: p.extra,
                obj: p.obj,
                sym: p.sym,
            };
            let name = objects.symbol(p.obj, p.sym).name;
            if let Some((_, addr)) = externs.iter().find(|(n, _)| n == name) {
                (e.target, e.extra) = (Target::Fixed(*addr), 0);
            } else if let Some(entry) = mem_function(name) {
                (e.target, e.extra) = (Target::FunEntry(entry), 0);
            }
            entries.push(e);
        }
        let by_name = b
            .index
            .iter()
            .filter_map(|(key, &i)| match key {
                Key::Named(name, 0) => Some((*name, i)),
                _ => None,
            })
            .collect();
        Ok(Got {
            entries,
            by_name,
            literals: b.literals,
            lits: b.lits,
            fun_table_len: resolution.fun_table_len,
        })
    }

    /// Number of entries.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Sorts the entries into slots and computes each slot's word.
    pub(crate) fn slots(
        &self,
        objects: &Objects<'_>,
        layout: &Layout,
        spec: &ArchSpec,
    ) -> Result<GotSlots> {
        let mut rows = Vec::with_capacity(self.entries.len());
        for (i, e) in self.entries.iter().enumerate() {
            let (rank, value, kind) = slot_word(e, objects, layout, spec, self.fun_table_len)?;
            rows.push((rank, i, value, kind));
        }
        rows.sort_by_key(|r| r.0);
        let mut slot_of = vec![0; rows.len()];
        let mut words = Vec::with_capacity(rows.len());
        for (slot, &(_, i, value, kind)) in rows.iter().enumerate() {
            slot_of[i] = slot;
            words.push((value, kind));
        }
        Ok(GotSlots { words, slot_of })
    }

    /// The entry made for a symbol name with no addend.
    pub(crate) fn entry_for(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    /// Xtensa: the address of what replaces the literal word at `offset`
    /// of a section.
    pub(crate) fn literal_at(
        &self,
        slots: &GotSlots,
        layout: &Layout,
        obj: ObjId,
        sec: SecId,
        offset: u64,
    ) -> Option<u64> {
        Some(match *self.literals.get(&(obj, sec, offset))? {
            Literal::Got(i) => slots.address(layout, i),
            Literal::Lit(i) => layout.lit_base() + 4 * i as u64,
        })
    }
}

impl<'d> Builder<'d, '_> {
    /// Entries for the GOT-kind relocations of one section.
    fn entries_of(
        &mut self,
        obj: ObjId,
        o: &Object<'d>,
        section: &Section<'d>,
        skip_abs_words: bool,
    ) -> Result<()> {
        for r in &section.relocs {
            let sym = o.symbol(r.sym);
            if sym.bind == Bind::Local
                || !self.table.got.contains(&r.r_type)
                || (skip_abs_words && self.table.is_abs_word(r.r_type))
            {
                continue;
            }
            if ![STT_NOTYPE, STT_FUNC, STT_OBJECT].contains(&sym.st_type) || sym.name.is_empty() {
                return Err(unsupported(
                    o,
                    section,
                    r,
                    self.table,
                    &format!(
                        "the symbol has ELF type {}, which cannot have a GOT entry",
                        sym.st_type
                    ),
                ));
            }
            self.entry(Key::Named(sym.name, 0), obj, r.sym, None, 0);
        }
        Ok(())
    }

    /// Xtensa: the words of one literal section.
    fn literal_pool(
        &mut self,
        obj: ObjId,
        o: &Object<'d>,
        sec: SecId,
        section: &Section<'d>,
    ) -> Result<()> {
        let table = self.table;
        if !section.size.is_multiple_of(4) {
            let none = Reloc {
                offset: 0,
                r_type: 0,
                sym: SymId(0),
                addend: 0,
            };
            let why = "literal section size is not a multiple of 4";
            return Err(unsupported(o, section, &none, table, why));
        }
        let mut taken = Vec::new();
        for r in &section.relocs {
            let sym = o.symbol(r.sym);
            let fail = |why: &str| unsupported(o, section, r, table, why);
            if ![STT_NOTYPE, STT_FUNC, STT_OBJECT, STT_SECTION].contains(&sym.st_type) {
                return Err(fail("unsupported symbol type in a literal"));
            }
            if !table.got.contains(&r.r_type) {
                let kinds: Vec<String> = table.got.iter().map(|&t| table.name(t)).collect();
                let why = format!("only {} may appear in literal pools", kinds.join(" and "));
                return Err(fail(&why));
            }
            if r.offset % 4 != 0 {
                return Err(fail("literal is not word aligned"));
            }
            let existing = i64::from(read_le32(section.data, r.offset).unwrap_or(0));
            let i = if sym.st_type == STT_SECTION {
                let SymDef::Section(target) = sym.def else {
                    return Err(fail("literal points into a section that is not linked"));
                };
                let off = existing + r.addend;
                let at = Target::Defined {
                    obj,
                    sec: target,
                    value: 0,
                };
                let key = Key::SectionOffset(obj, target, off as u64);
                self.entry(key, obj, r.sym, Some(at), off)
            } else {
                let key = Key::Named(sym.name, r.addend);
                self.entry(key, obj, r.sym, None, r.addend + existing)
            };
            taken.push((r.offset, i));
        }
        for (offset, i) in taken {
            self.literals.insert((obj, sec, offset), Literal::Got(i));
        }
        for offset in (0..section.size).step_by(4) {
            if self.literals.contains_key(&(obj, sec, offset)) {
                continue;
            }
            let value = read_le32(section.data, offset).unwrap_or(0);
            let i = *self.lit_index.entry(value).or_insert_with(|| {
                self.lits.push(value);
                self.lits.len() - 1
            });
            self.literals.insert((obj, sec, offset), Literal::Lit(i));
        }
        Ok(())
    }

    /// The entry with `key`, made when new.
    fn entry(
        &mut self,
        key: Key<'d>,
        obj: ObjId,
        sym: SymId,
        target: Option<Target>,
        extra: i64,
    ) -> usize {
        *self.index.entry(key).or_insert_with(|| {
            self.pending.push(Pending {
                target,
                extra,
                obj,
                sym,
            });
            self.pending.len() - 1
        })
    }
}

impl GotSlots {
    /// Address of an entry's slot.
    pub(crate) fn address(&self, layout: &Layout, entry: usize) -> u64 {
        layout.got_base() + self.slot_of[entry] as u64 * layout.word()
    }
}

/// Sort rank, link-time word and loader relocation of an entry.
fn slot_word(
    e: &GotEntry,
    objects: &Objects<'_>,
    layout: &Layout,
    spec: &ArchSpec,
    fun_table_len: usize,
) -> Result<(u8, u64, Option<RelocKind>)> {
    let word = u64::from(spec.word_size);
    let extra = e.extra;
    Ok(match e.target {
        Target::Defined { obj, sec, value } => {
            let section = objects.section(obj, sec);
            let rodata = if spec.separate_rodata {
                RelocKind::Rodata
            } else {
                RelocKind::Text
            };
            let Some((image, addr)) = layout.section(obj, sec) else {
                return Err(got_target(e, objects, obj, sec));
            };
            let v = (addr as i64 + value as i64 + extra) as u64;
            match (section.class, image) {
                (_, Image::Bss) => (4, v, Some(RelocKind::Bss)),
                (SecClass::Rodata | SecClass::DataRelRo, _) => (3, v, Some(rodata)),
                (SecClass::Text, _) => (2, v, Some(RelocKind::Text)),
                (SecClass::Data | SecClass::Bss, Image::Text) => (2, v, Some(RelocKind::Text)),
                // Static data in xtensawin's rodata blob (`--static-data`).
                (SecClass::Data, Image::Rodata) => (3, v, Some(RelocKind::Rodata)),
                _ => return Err(got_target(e, objects, obj, sec)),
            }
        }
        Target::FunTable if extra != 0 => {
            let entry = u64::try_from(extra)
                .ok()
                .filter(|x| x % word == 0 && x / word < fun_table_len as u64)
                .ok_or_else(|| LinkError::FunTableOffset {
                    input: objects.get(e.obj).input.clone(),
                    offset: extra,
                    entries: fun_table_len,
                    word,
                })?;
            (1, 0, Some(RelocKind::FunTableEntry((entry / word) as u8)))
        }
        Target::FunTable => (1, 0, Some(RelocKind::FunTable)),
        Target::FunEntry(n) | Target::MemStub(n) => {
            (1, extra as u64, Some(RelocKind::FunTableEntry(n)))
        }
        Target::QstrTable(off) => (1, (off as i64 + extra) as u64, Some(RelocKind::QstrTable)),
        Target::ObjTable => (1, extra as u64, Some(RelocKind::ObjTable)),
        Target::Fixed(addr) => (1, (addr as i64 + extra) as u64, None),
        Target::GotBase => (2, layout.got_base(), Some(RelocKind::Text)),
    })
}

/// Error: a GOT entry whose target the loader cannot relocate a word to.
fn got_target(e: &GotEntry, objects: &Objects<'_>, obj: ObjId, sec: SecId) -> LinkError {
    let section = objects.section(obj, sec);
    LinkError::GotTarget {
        input: objects.get(obj).input.clone(),
        symbol: objects.symbol(e.obj, e.sym).name.to_string(),
        class: section.class.describe(),
        section: section.name.to_string(),
    }
}

/// Error: a relocation the GOT cannot serve.
fn unsupported(
    o: &Object<'_>,
    section: &Section<'_>,
    r: &Reloc,
    table: &RelocTable,
    why: &str,
) -> LinkError {
    LinkError::UnsupportedReloc {
        at: Box::new(RelocSite {
            input: o.input.clone(),
            section: section.name.to_string(),
            offset: r.offset,
            reloc: table.name(r.r_type),
            symbol: o.symbol(r.sym).name.to_string(),
        }),
        hint: format!("; {why}"),
    }
}

/// Reads a little-endian u32 from `data` at `offset`.
fn read_le32(data: &[u8], offset: u64) -> Option<u32> {
    let o = usize::try_from(offset).ok()?;
    let b = data.get(o..o.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}
