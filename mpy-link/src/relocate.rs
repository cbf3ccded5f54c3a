//! Applying ELF relocations: the driver, the helpers every architecture
//! uses, and the absolute-word relocation shared by all of them.

use crate::arch;
use crate::error::{LinkError, RelocSite, Result};
use crate::link::{
    Blob, Linker, MpyReloc, ObjId, OutSec, Reloc, RelocBase, RelocDest, SecClass, SecId, Target,
};

/// One relocation being applied.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Site {
    pub(crate) obj: ObjId,
    pub(crate) sec: SecId,
    pub(crate) reloc: Reloc,
    /// Image holding the field.
    pub(crate) blob: Blob,
    /// Address of the field in that image.
    pub(crate) place: u64,
}

impl<'d> Linker<'d> {
    /// Applies the relocations of every placed section, in layout order.
    pub(crate) fn apply_relocations(&mut self) -> Result<()> {
        for out in self.order.clone() {
            let (blob, addr) = self.placed[&out];
            match out {
                OutSec::Input(o, s) => {
                    let class = self.section(o, s).class;
                    let relocs = self.section(o, s).relocs.clone();
                    for reloc in relocs {
                        let site = Site {
                            obj: o,
                            sec: s,
                            reloc,
                            blob,
                            place: addr + reloc.offset,
                        };
                        match class {
                            SecClass::Text | SecClass::Rodata => arch::apply_text(self, &site)?,
                            SecClass::DataRelRo | SecClass::Data => self.apply_abs_word(&site)?,
                            SecClass::Bss | SecClass::Literal => {
                                return Err(self.unrelocatable(
                                    &site,
                                    "relocation inside a bss section".into(),
                                ))
                            }
                        }
                    }
                }
                OutSec::Stub(entry) => {
                    let offset = addr + self.stub_reloc_offset();
                    self.mpy_relocs.push(MpyReloc {
                        base: RelocBase::Text,
                        offset,
                        dest: RelocDest::FunEntry(entry),
                    });
                }
                OutSec::Got | OutSec::Lit => {}
            }
        }
        Ok(())
    }

    /// Name of the symbol a site refers to (the section name for section
    /// symbols), for messages.
    pub(crate) fn site_symbol(&self, site: &Site) -> String {
        let sym = self.symbol(site.obj, site.reloc.sym);
        if sym.name.is_empty() {
            if let crate::link::SymDef::Section(s) = sym.def {
                return self.section(site.obj, s).name.to_string();
            }
        }
        sym.name.to_string()
    }

    fn site_section(&self, site: &Site) -> String {
        self.section(site.obj, site.sec).name.to_string()
    }

    /// Error: this relocation type is not supported here.
    pub(crate) fn unsupported(&self, site: &Site, hint: &str) -> LinkError {
        let hint = if hint.is_empty() {
            String::new()
        } else {
            format!("; {hint}")
        };
        LinkError::UnsupportedReloc {
            at: self.reloc_site(site),
            hint,
        }
    }

    /// The location of a relocation, for messages.
    fn reloc_site(&self, site: &Site) -> Box<RelocSite> {
        Box::new(RelocSite {
            input: self.obj(site.obj).input.clone(),
            section: self.site_section(site),
            offset: site.reloc.offset,
            reloc: arch::reloc_name(self.spec.family, site.reloc.r_type),
            symbol: self.site_symbol(site),
        })
    }

    /// Error: the value does not fit the instruction field.
    pub(crate) fn overflow(&self, site: &Site, value: i64, bits: u32) -> LinkError {
        LinkError::Overflow {
            at: self.reloc_site(site),
            value,
            bits,
        }
    }

    /// Error: the loader cannot support what the code needs.
    pub(crate) fn unrelocatable(&self, site: &Site, reason: String) -> LinkError {
        LinkError::Unrelocatable {
            input: self.obj(site.obj).input.clone(),
            section: self.site_section(site),
            offset: site.reloc.offset,
            reason,
        }
    }

    fn image(&mut self, blob: Blob) -> &mut Vec<u8> {
        match blob {
            Blob::Rodata => &mut self.images.rodata,
            _ => &mut self.images.text,
        }
    }

    /// Reads `N` bytes at the site (or `delta` bytes after it).
    pub(crate) fn read_bytes<const N: usize>(
        &mut self,
        site: &Site,
        delta: u64,
    ) -> Result<[u8; N]> {
        let at = (site.place + delta) as usize;
        let image = self.image(site.blob);
        match image.get(at..at + N) {
            Some(b) => {
                let mut out = [0u8; N];
                out.copy_from_slice(b);
                Ok(out)
            }
            None => Err(LinkError::Other(format!(
                "relocation field at {:#x} runs past the end of its section",
                site.reloc.offset
            ))),
        }
    }

    /// Writes bytes at the site (or `delta` bytes after it).
    pub(crate) fn write_bytes(&mut self, site: &Site, delta: u64, bytes: &[u8]) -> Result<()> {
        let at = (site.place + delta) as usize;
        let image = self.image(site.blob);
        match image.get_mut(at..at + bytes.len()) {
            Some(b) => {
                b.copy_from_slice(bytes);
                Ok(())
            }
            None => Err(LinkError::Other(format!(
                "relocation field at {:#x} runs past the end of its section",
                site.reloc.offset
            ))),
        }
    }

    pub(crate) fn read_u16(&mut self, site: &Site, delta: u64) -> Result<u16> {
        Ok(u16::from_le_bytes(self.read_bytes::<2>(site, delta)?))
    }

    pub(crate) fn read_u32(&mut self, site: &Site, delta: u64) -> Result<u32> {
        Ok(u32::from_le_bytes(self.read_bytes::<4>(site, delta)?))
    }

    pub(crate) fn write_u16(&mut self, site: &Site, delta: u64, v: u16) -> Result<()> {
        self.write_bytes(site, delta, &v.to_le_bytes())
    }

    pub(crate) fn write_u32(&mut self, site: &Site, delta: u64, v: u32) -> Result<()> {
        self.write_bytes(site, delta, &v.to_le_bytes())
    }

    /// Adds `delta` to the 32-bit word at the site (wrapping).
    pub(crate) fn add_u32(&mut self, site: &Site, delta: i64) -> Result<()> {
        let v = self.read_u32(site, 0)?;
        self.write_u32(site, 0, v.wrapping_add(delta as u32))
    }

    /// The symbol's target.
    pub(crate) fn site_target(&mut self, site: &Site) -> Result<Target> {
        self.resolve(site.obj, site.reloc.sym)
    }

    /// Address of a defined target in its image.
    pub(crate) fn defined_addr(&self, obj: ObjId, sec: SecId, value: u64) -> (Blob, u64, SecClass) {
        let (blob, addr) = self.placed[&OutSec::Input(obj, sec)];
        (blob, addr + value, self.section(obj, sec).class)
    }

    /// Target of a PC-relative reference to code or data that moves with
    /// the text image ("fixed" relocations): the text address, or an error
    /// when the target lives elsewhere.
    pub(crate) fn pcrel_target(&mut self, site: &Site) -> Result<u64> {
        match self.site_target(site)? {
            Target::Defined(o, s, v) => {
                let (blob, addr, class) = self.defined_addr(o, s, v);
                match blob {
                    Blob::Text if site.blob == Blob::Text => Ok(addr),
                    Blob::Rodata if site.blob == Blob::Rodata => Ok(addr),
                    Blob::Rodata => Err(self.unrelocatable(
                        site,
                        format!("PC-relative reference to `{}` in rodata, but on {} rodata is loaded separately from code and must be reached through the GOT", self.site_symbol(site), self.spec.name),
                    )),
                    Blob::Bss => Err(self.unrelocatable(
                        site,
                        format!(
                            "PC-relative reference to `{}` in bss ({}): static (file-local) bss variables can't be used in mpy_ld.py-compatible mode; make the variable global (non-static), or enable static data (`--static-data`)",
                            self.site_symbol(site),
                            self.section(o, s).name
                        ),
                    )),
                    Blob::Text => {
                        let _ = class;
                        Err(self.unrelocatable(site, "PC-relative reference from rodata into code".into()))
                    }
                }
            }
            Target::MemStub(entry) => Ok(self.placed[&OutSec::Stub(entry)].1),
            Target::GotBase => Ok(self.got_addr()),
            _ => Err(self.unrelocatable(
                site,
                format!(
                    "fixed (PC-relative) relocation to external symbol `{}`; firmware symbols must be reached through the GOT (compile with -fpic)",
                    self.site_symbol(site)
                ),
            )),
        }
    }

    /// Address of the GOT entry for the site's (global) symbol.
    pub(crate) fn got_entry_addr(&self, site: &Site) -> Result<u64> {
        let name = self.symbol(site.obj, site.reloc.sym).name.to_string();
        match self.got_index.get(&crate::link::GotKey::Named(name, 0)) {
            Some(&i) => Ok(self.got_addr() + i as u64 * self.options.arch.word_size()),
            None => Err(self.unsupported(site, "GOT reference to a local symbol")),
        }
    }

    /// Absolute pointer-sized word (in `.data.rel.ro`, or `R_ARM_ABS32`
    /// anywhere): write the link-time address and ask the loader to add the
    /// base of the target's image.
    pub(crate) fn apply_abs_word(&mut self, site: &Site) -> Result<()> {
        if !arch::is_abs_word(self.spec.family, site.reloc.r_type) {
            return Err(self.unsupported(site, ""));
        }
        let word = self.options.arch.word_size();
        if !site.place.is_multiple_of(word) {
            return Err(self.unrelocatable(
                site,
                "pointer is not word aligned, the loader relocates whole words only".into(),
            ));
        }
        let addend = site.reloc.addend;
        let (value, dest) = match self.site_target(site)? {
            Target::Defined(o, s, v) => {
                let (blob, addr, class) = self.defined_addr(o, s, v);
                let dest = match (blob, class) {
                    (Blob::Bss, _) => RelocDest::Bss,
                    (_, SecClass::Rodata | SecClass::DataRelRo) => RelocDest::Rodata,
                    (_, SecClass::Text | SecClass::Data | SecClass::Bss) => RelocDest::Text,
                    (_, SecClass::Literal) => {
                        return Err(self.unsupported(site, "pointer into an Xtensa literal pool"))
                    }
                };
                (addr as i64 + addend, Some(dest))
            }
            Target::FunEntry(n) | Target::MemStub(n) => (addend, Some(RelocDest::FunEntry(n))),
            Target::FunTable => (addend, Some(RelocDest::FunTable)),
            Target::QstrTable(off) => (off as i64 + addend, Some(RelocDest::QstrTable)),
            Target::ObjTable => (addend, Some(RelocDest::ObjTable)),
            Target::Fixed(addr) => (addr as i64 + addend, None),
            Target::GotBase => (self.got_addr() as i64 + addend, Some(RelocDest::Text)),
        };
        if word == 8 {
            let old = u64::from_le_bytes(self.read_bytes::<8>(site, 0)?);
            self.write_bytes(site, 0, &old.wrapping_add(value as u64).to_le_bytes())?;
        } else {
            self.add_u32(site, value)?;
        }
        if let Some(dest) = dest {
            let base = if site.blob == Blob::Rodata {
                RelocBase::Rodata
            } else {
                RelocBase::Text
            };
            self.mpy_relocs.push(MpyReloc {
                base,
                offset: site.place,
                dest,
            });
        }
        Ok(())
    }
}
