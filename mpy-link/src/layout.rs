//! GOT construction, section order and address assignment.

use std::collections::HashMap;

use crate::arch::{self, Family};
use crate::error::{LinkError, RelocSite, Result};
use crate::link::{
    align_to, Bind, Blob, GotEntry, GotKey, Linker, MpyReloc, ObjId, OutSec, RelocBase, RelocDest,
    SecClass, SecId, SymDef, Target, XtLiteral, STT_FUNC, STT_NOTYPE, STT_OBJECT, STT_SECTION,
};

impl<'d> Linker<'d> {
    /// With `static_data`, find the bss sections that some relocation reaches other than
    /// through the GOT or an absolute word (PC-relative code, GOT-relative offsets): those
    /// go into the text image, next to the code. Bss reached only through the GOT (global
    /// variables of `-fpic` code, exported Rust statics) or absolute words stays in the
    /// module's BSS block and costs nothing in the file. Xtensa keeps every bss in the
    /// image.
    pub(crate) fn find_text_bss(&mut self) {
        if !self.options.improvements.static_data || self.spec.family == Family::Xtensa {
            return;
        }
        let got_types = arch::got_reloc_types(self.spec);
        let family = self.spec.family;
        let mut found = std::collections::HashSet::new();
        for o in 0..self.objects.len() {
            let obj_id = ObjId(o as u32);
            for si in 0..self.objects[o].sections.len() {
                if !self.is_live(obj_id, SecId(si as u32)) {
                    continue;
                }
                for ri in 0..self.objects[o].sections[si].relocs.len() {
                    let r = self.objects[o].sections[si].relocs[ri];
                    // Loads through the GOT and absolute words reach any block. (`R_386_PC32`
                    // is a GOT kind only for calls to undefined functions.)
                    let via_got = got_types.contains(&r.r_type)
                        && !(family == Family::I386 && r.r_type == arch::x86::R_386_PC32);
                    if via_got || arch::is_abs_word(family, r.r_type) {
                        continue;
                    }
                    if let Ok(Target::Defined(to, ts, _)) = self.resolve(obj_id, r.sym) {
                        if self.section(to, ts).class == SecClass::Bss {
                            found.insert((to, ts));
                        }
                    }
                }
            }
        }
        self.text_bss = found;
    }

    /// GOT entries for relocations of the architecture's GOT kinds against
    /// global or weak symbols, in the order first met.
    ///
    /// `mpy_ld.py` also makes an entry for every pointer-sized absolute word
    /// (RISC-V), though the word itself is relocated directly and the entry is
    /// never read; with `gc_sections` such unread entries are left out.
    pub(crate) fn build_got_generic(&mut self) -> Result<()> {
        let got_types = arch::got_reloc_types(self.spec);
        let skip_abs_words = self.options.improvements.gc_sections;
        let mut entries = Vec::new();
        for (o, obj) in self.objects.iter().enumerate() {
            for (si, sec) in obj.sections.iter().enumerate() {
                if sec.class == SecClass::Literal
                    || !self.is_live(ObjId(o as u32), SecId(si as u32))
                {
                    continue;
                }
                for r in &sec.relocs {
                    let sym = &obj.symbols[r.sym as usize];
                    if sym.bind == Bind::Local
                        || !got_types.contains(&r.r_type)
                        || (skip_abs_words && arch::is_abs_word(self.spec.family, r.r_type))
                    {
                        continue;
                    }
                    if ![STT_NOTYPE, STT_FUNC, STT_OBJECT].contains(&sym.st_type)
                        || sym.name.is_empty()
                    {
                        return Err(LinkError::UnsupportedReloc {
                            at: Box::new(RelocSite {
                                input: obj.input.clone(),
                                section: sec.name.to_string(),
                                offset: r.offset,
                                reloc: arch::reloc_name(self.spec.family, r.r_type),
                                symbol: sym.name.to_string(),
                            }),
                            hint: format!(
                                "; the symbol has ELF type {}, which cannot have a GOT entry",
                                sym.st_type
                            ),
                        });
                    }
                    let key = GotKey::Named(sym.name.to_string(), 0);
                    if !self.got_index.contains_key(&key) {
                        self.got_index.insert(key.clone(), entries.len());
                        entries.push(GotEntry {
                            key,
                            obj: ObjId(o as u32),
                            sym: r.sym,
                            extra: 0,
                        });
                    }
                }
            }
        }
        self.got = entries;
        Ok(())
    }

    /// Xtensa: literal words that carry a relocation become GOT entries;
    /// the others become literals, deduplicated by value.
    pub(crate) fn build_got_xtensa(&mut self) -> Result<()> {
        let got_types = arch::got_reloc_types(self.spec);
        for o in 0..self.objects.len() {
            let obj_id = ObjId(o as u32);
            for s in 0..self.objects[o].sections.len() {
                let sec_id = SecId(s as u32);
                let obj = &self.objects[o];
                let sec = &obj.sections[s];
                if sec.class != SecClass::Literal || !self.is_live(obj_id, sec_id) {
                    continue;
                }
                let err = |offset: u64, reloc: u32, symbol: &str, why: &str| {
                    LinkError::UnsupportedReloc {
                        at: Box::new(RelocSite {
                            input: obj.input.clone(),
                            section: sec.name.to_string(),
                            offset,
                            reloc: arch::reloc_name(Family::Xtensa, reloc),
                            symbol: symbol.to_string(),
                        }),
                        hint: format!("; {why}"),
                    }
                };
                if !sec.size.is_multiple_of(4) {
                    return Err(err(0, 0, "", "literal section size is not a multiple of 4"));
                }
                let mut taken = Vec::new();
                for r in &sec.relocs {
                    let sym = &obj.symbols[r.sym as usize];
                    if ![STT_NOTYPE, STT_FUNC, STT_OBJECT, STT_SECTION].contains(&sym.st_type) {
                        return Err(err(
                            r.offset,
                            r.r_type,
                            sym.name,
                            "unsupported symbol type in a literal",
                        ));
                    }
                    if !got_types.contains(&r.r_type) {
                        return Err(err(
                            r.offset,
                            r.r_type,
                            sym.name,
                            "only R_XTENSA_32 and R_XTENSA_PLT may appear in literal pools",
                        ));
                    }
                    if r.offset % 4 != 0 {
                        return Err(err(
                            r.offset,
                            r.r_type,
                            sym.name,
                            "literal is not word aligned",
                        ));
                    }
                    let existing = i64::from(read_le32(sec.data, r.offset).unwrap_or(0));
                    let (key, extra) = if sym.st_type == STT_SECTION {
                        let SymDef::Section(target) = sym.def else {
                            return Err(err(
                                r.offset,
                                r.r_type,
                                sym.name,
                                "literal points into a section that is not linked",
                            ));
                        };
                        let off = existing + r.addend;
                        (GotKey::SectionOffset(obj_id, target, off as u64), off)
                    } else {
                        (
                            GotKey::Named(sym.name.to_string(), r.addend),
                            r.addend + existing,
                        )
                    };
                    let idx = match self.got_index.get(&key) {
                        Some(&i) => i,
                        None => {
                            self.got.push(GotEntry {
                                key: key.clone(),
                                obj: obj_id,
                                sym: r.sym,
                                extra,
                            });
                            self.got_index.insert(key, self.got.len() - 1);
                            self.got.len() - 1
                        }
                    };
                    taken.push((r.offset, idx));
                }
                let data = sec.data;
                let size = sec.size;
                for (offset, idx) in taken {
                    self.xt_literals
                        .insert((obj_id, sec_id, offset), XtLiteral::Got(idx));
                }
                let mut off = 0;
                while off < size {
                    if !self.xt_literals.contains_key(&(obj_id, sec_id, off)) {
                        let value = read_le32(data, off).unwrap_or(0);
                        let idx = *self.lit_index.entry(value).or_insert_with(|| {
                            self.lits.push(value);
                            self.lits.len() - 1
                        });
                        self.xt_literals
                            .insert((obj_id, sec_id, off), XtLiteral::Lit(idx));
                    }
                    off += 4;
                }
            }
        }
        Ok(())
    }

    /// Output section order: inputs in load order, the GOT last and jump
    /// stubs after the first section; on Xtensa the GOT and literal pool
    /// come first.
    pub(crate) fn order_sections(&mut self, stubs: &[u16]) {
        let mut order = Vec::new();
        if self.spec.family == Family::Xtensa {
            order.push(OutSec::Got);
            order.push(OutSec::Lit);
        }
        for (o, obj) in self.objects.iter().enumerate() {
            for (s, sec) in obj.sections.iter().enumerate() {
                let (o, s) = (ObjId(o as u32), SecId(s as u32));
                if sec.class != SecClass::Literal && self.is_live(o, s) {
                    order.push(OutSec::Input(o, s));
                }
            }
        }
        if self.spec.family != Family::Xtensa {
            order.push(OutSec::Got);
            for &entry in stubs {
                order.insert(1.min(order.len()), OutSec::Stub(entry));
            }
        }
        self.order = order;
    }

    fn out_size_align(&self, out: OutSec) -> (u64, u64, Blob) {
        let word = self.options.arch.word_size();
        match out {
            OutSec::Input(o, s) => {
                let sec = self.section(o, s);
                let static_data = self.options.improvements.static_data;
                let blob = match sec.class {
                    SecClass::Rodata | SecClass::DataRelRo if self.spec.separate_rodata => {
                        Blob::Rodata
                    }
                    // Static data: where code runs from writable RAM, bss goes
                    // into the text image so PC-relative code reaches it.
                    SecClass::Bss
                        if static_data
                            && !self.spec.text_is_iram
                            && (self.spec.family == Family::Xtensa
                                || self.text_bss.contains(&(o, s))) =>
                    {
                        Blob::Text
                    }
                    SecClass::Bss => Blob::Bss,
                    // Initialised data next to rodata where that is a separate
                    // (writable) heap block; load_object refused it elsewhere.
                    SecClass::Data if self.spec.text_is_iram => Blob::Rodata,
                    _ => Blob::Text,
                };
                (sec.size, sec.align, blob)
            }
            OutSec::Got => (self.got.len() as u64 * word, word, Blob::Text),
            OutSec::Lit => (self.lits.len() as u64 * word, word, Blob::Text),
            OutSec::Stub(_) => (
                arch::stub_code(self.spec.stub).0.len() as u64,
                word,
                Blob::Text,
            ),
        }
    }

    /// Assigns addresses with `trampoline` bytes reserved at text offset 0.
    fn assign(&self, trampoline: u64) -> HashMap<OutSec, (Blob, u64)> {
        let mut ends = [trampoline, 0, 0];
        let mut placed = HashMap::with_capacity(self.order.len());
        for &out in &self.order {
            let (size, align, blob) = self.out_size_align(out);
            let end = &mut ends[blob as usize];
            let addr = align_to(*end, align);
            *end = addr + size;
            placed.insert(out, (blob, addr));
        }
        placed
    }

    /// Places everything, choosing the entry trampoline after layout so it
    /// always lands on `mpy_init`.
    pub(crate) fn layout(&mut self, entry_obj: ObjId, entry_sym: u32) -> Result<()> {
        let entry = self.symbol(entry_obj, entry_sym).clone();
        let SymDef::Section(entry_sec) = entry.def else {
            return Err(LinkError::NoEntry);
        };
        let entry_align = self.section(entry_obj, entry_sec).align;
        let expected = match self.spec.family {
            Family::I386 | Family::X86_64 => entry_align == 1 || entry_align == 4,
            Family::Arm | Family::Xtensa => entry_align == 4,
            Family::RiscV => entry_align == 2,
        };
        if !expected {
            self.warnings.push(format!(
                "the .text section holding `mpy_init` has an alignment of {entry_align} bytes, which is not tested for {} and may not work",
                self.spec.machine_name
            ));
        }
        let entry_out = OutSec::Input(entry_obj, entry_sec);
        let entry_addr = |placed: &HashMap<OutSec, (Blob, u64)>| placed[&entry_out].1 + entry.value;
        let mut placed = self.assign(0);
        let mut trampoline = Vec::new();
        if entry_addr(&placed) != 0 {
            let mut gap = entry_align;
            loop {
                placed = self.assign(gap);
                let code = arch::trampoline(self.spec.jump, entry_addr(&placed))?;
                if code.len() as u64 <= gap {
                    trampoline = code;
                    trampoline.resize(gap as usize, 0);
                    break;
                }
                gap += entry_align;
            }
        }
        self.trampoline_len = trampoline.len();
        // Build the images.
        let mut text = trampoline;
        let mut rodata = Vec::new();
        let mut bss = 0u64;
        for &out in &self.order {
            let (blob, addr) = placed[&out];
            let (size, _, _) = self.out_size_align(out);
            let bytes: &[u8] = match out {
                OutSec::Input(o, s) => self.section(o, s).data,
                OutSec::Stub(_) => arch::stub_code(self.spec.stub).0,
                OutSec::Got | OutSec::Lit => &[],
            };
            match blob {
                Blob::Bss => bss = addr + size,
                Blob::Text | Blob::Rodata => {
                    let image = if blob == Blob::Text {
                        &mut text
                    } else {
                        &mut rodata
                    };
                    image.resize(addr as usize, 0);
                    image.extend_from_slice(bytes);
                    image.resize((addr + size) as usize, 0);
                }
            }
        }
        self.images.text = text;
        self.images.rodata = rodata;
        self.images.bss = bss;
        self.placed = placed;
        if self.spec.family == Family::Xtensa {
            let lit_addr = self.placed[&OutSec::Lit].1 as usize;
            for (i, v) in self.lits.iter().enumerate() {
                self.images.text[lit_addr + 4 * i..lit_addr + 4 * i + 4]
                    .copy_from_slice(&v.to_le_bytes());
            }
        }
        Ok(())
    }

    /// Address of the GOT in the text image.
    pub(crate) fn got_addr(&self) -> u64 {
        self.placed[&OutSec::Got].1
    }

    /// Fills the GOT, sorted external, text, rodata, bss so the loader's
    /// relocations form runs, and records a loader relocation per entry.
    pub(crate) fn populate_got(&mut self) -> Result<()> {
        let word = self.options.arch.word_size();
        let mut rows = Vec::with_capacity(self.got.len());
        for (i, e) in self.got.clone().into_iter().enumerate() {
            let (rank, value, dest) = self.got_entry_value(&e)?;
            rows.push((rank, i, value, dest));
        }
        rows.sort_by_key(|r| r.0);
        let got = self.got_addr();
        let mut new_index = vec![0usize; self.got.len()];
        for (slot, (_, i, value, dest)) in rows.iter().enumerate() {
            new_index[*i] = slot;
            let at = (got + slot as u64 * word) as usize;
            let bytes = value.to_le_bytes();
            self.images.text[at..at + word as usize].copy_from_slice(&bytes[..word as usize]);
            if let Some(dest) = dest {
                self.mpy_relocs.push(MpyReloc {
                    base: RelocBase::Text,
                    offset: got + slot as u64 * word,
                    dest: *dest,
                });
            }
        }
        // Entries move to their sorted slots.
        let old = std::mem::take(&mut self.got);
        let mut sorted: Vec<Option<GotEntry>> = vec![None; old.len()];
        for (i, e) in old.into_iter().enumerate() {
            sorted[new_index[i]] = Some(e);
        }
        self.got = sorted.into_iter().flatten().collect();
        for v in self.got_index.values_mut() {
            *v = new_index[*v];
        }
        for v in self.xt_literals.values_mut() {
            if let XtLiteral::Got(i) = v {
                *i = new_index[*i];
            }
        }
        Ok(())
    }

    /// Sort rank, initial word value and loader relocation of a GOT entry.
    fn got_entry_value(&mut self, e: &GotEntry) -> Result<(u8, u64, Option<RelocDest>)> {
        let word = self.options.arch.word_size();
        let target = match e.key {
            GotKey::SectionOffset(o, s, _) => Target::Defined(o, s, 0),
            GotKey::Named(..) => self.resolve(e.obj, e.sym)?,
        };
        // Resolution is by name, so the first referencing symbol names the entry.
        let name = self.symbol(e.obj, e.sym).name.to_string();
        if let Some(&addr) = self.externs.get(name.as_str()) {
            return Ok((1, addr, None));
        }
        if let Some(entry) = match name.as_str() {
            "memset" => Some(crate::link::FUN_MEMSET),
            "memcpy" | "memmove" => Some(crate::link::FUN_MEMMOVE),
            _ => None,
        } {
            return Ok((1, 0, Some(RelocDest::FunEntry(entry))));
        }
        let extra = e.extra;
        Ok(match target {
            Target::Defined(o, s, value) => {
                let (blob, addr) = self.placed[&OutSec::Input(o, s)];
                let v = (addr as i64 + value as i64 + extra) as u64;
                match (self.section(o, s).class, blob) {
                    (_, Blob::Bss) => (4, v, Some(RelocDest::Bss)),
                    (SecClass::Rodata | SecClass::DataRelRo, _) => (3, v, Some(RelocDest::Rodata)),
                    (SecClass::Text, _) => (2, v, Some(RelocDest::Text)),
                    (SecClass::Data | SecClass::Bss, Blob::Text) => (2, v, Some(RelocDest::Text)),
                    // Static data in xtensawin's rodata blob (`--static-data`).
                    (SecClass::Data, Blob::Rodata) => (3, v, Some(RelocDest::Rodata)),
                    (class, _) => {
                        return Err(LinkError::Other(format!(
                            "{}: GOT entry for `{name}` points into a {class:?} section, which the loader cannot relocate",
                            self.obj(o).input
                        )))
                    }
                }
            }
            Target::FunTable if extra != 0 => (
                1,
                0,
                Some(RelocDest::FunEntry((extra as u64 / word) as u16)),
            ),
            Target::FunTable => (1, 0, Some(RelocDest::FunTable)),
            Target::FunEntry(n) | Target::MemStub(n) => {
                (1, extra as u64, Some(RelocDest::FunEntry(n)))
            }
            Target::QstrTable(off) => (1, (off as i64 + extra) as u64, Some(RelocDest::QstrTable)),
            Target::ObjTable => (1, extra as u64, Some(RelocDest::ObjTable)),
            Target::Fixed(addr) => (1, (addr as i64 + extra) as u64, None),
            Target::GotBase => (2, self.got_addr(), Some(RelocDest::Text)),
        })
    }

    /// Code and relocation offset of the memset/memmove stub.
    pub(crate) fn stub_reloc_offset(&self) -> u64 {
        arch::stub_code(self.spec.stub).1
    }
}

/// Reads a little-endian u32 from `data` at `offset`.
pub(crate) fn read_le32(data: &[u8], offset: u64) -> Option<u32> {
    let o = usize::try_from(offset).ok()?;
    let b = data.get(o..o.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}
