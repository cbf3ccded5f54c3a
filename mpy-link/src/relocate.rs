//! Applying every relocation of the placed sections, in layout order: each
//! goes to its family's code through a [`Site`], and the outcome (bytes,
//! and a word for the loader) is applied here. Jump stubs get their loader
//! relocation at their turn in the order.

use crate::arch;
use crate::arch::spec::{ArchSpec, RelocTable};
use crate::error::{LinkError, Result};
use crate::got::{Got, GotSlots};
use crate::image::Images;
use crate::layout::{Layout, OutSec};
use crate::model::{Image, ObjId, Object, Objects, SecId, SymId};
use crate::mpy::reloc::{MpyReloc, RelocBase, RelocKind};
use crate::resolve::{Resolution, Target};
use crate::site::{Facts, Site};

/// The finished phases a relocation may consult.
pub(crate) struct Relocator<'a, 'd> {
    pub(crate) objects: &'a Objects<'d>,
    pub(crate) resolution: &'a Resolution,
    pub(crate) got: &'a Got<'d>,
    pub(crate) slots: &'a GotSlots,
    pub(crate) layout: &'a Layout,
    pub(crate) spec: &'static ArchSpec,
    pub(crate) table: &'static RelocTable,
}

impl Facts for Relocator<'_, '_> {
    fn object(&self, obj: ObjId) -> &Object<'_> {
        self.objects.get(obj)
    }

    fn target(&self, obj: ObjId, sym: SymId) -> Result<Target> {
        self.resolution.target(self.objects, obj, sym)
    }

    fn section_at(&self, obj: ObjId, sec: SecId) -> Option<(Image, u64)> {
        self.layout.section(obj, sec)
    }

    fn got_base(&self) -> u64 {
        self.layout.got_base()
    }

    fn got_entry(&self, name: &str) -> Option<u64> {
        let entry = self.got.entry_for(name)?;
        Some(self.slots.address(self.layout, entry))
    }

    fn literal(&self, obj: ObjId, sec: SecId, offset: u64) -> Option<u64> {
        self.got
            .literal_at(self.slots, self.layout, obj, sec, offset)
    }

    fn stub(&self, entry: u8) -> Option<u64> {
        self.layout.stub(entry)
    }
}

impl Relocator<'_, '_> {
    /// Applies every relocation, patching `images` and appending the
    /// loader's relocations to `relocs`.
    pub(crate) fn relocate(&self, images: &mut Images, relocs: &mut Vec<MpyReloc>) -> Result<()> {
        let stub_word = arch::stub_code(self.spec.stub).1;
        for p in &self.layout.placed {
            let (obj, sec) = match p.out {
                OutSec::Input(obj, sec) => (obj, sec),
                OutSec::Stub(entry) => {
                    relocs.push(MpyReloc {
                        base: RelocBase::Text,
                        offset: p.addr + stub_word,
                        kind: RelocKind::FunTableEntry(entry),
                    });
                    continue;
                }
                OutSec::Got | OutSec::Lit => continue,
            };
            let object = self.objects.get(obj);
            let section = object.section(sec);
            for &reloc in &section.relocs {
                let place = p.addr + reloc.offset;
                let outcome = {
                    let bytes = images.bytes(p.image);
                    let site = Site {
                        spec: self.spec,
                        table: self.table,
                        object,
                        obj,
                        sec,
                        reloc,
                        image: p.image,
                        place,
                        field: bytes.get(place as usize..).unwrap_or(&[]),
                        facts: self,
                    };
                    arch::apply(&site, section.class)?
                };
                let new = outcome.bytes();
                if !new.is_empty() {
                    let at = place as usize;
                    images
                        .bytes_mut(p.image)
                        .get_mut(at..at + new.len())
                        .ok_or_else(|| LinkError::Unrelocatable {
                            input: object.input.clone(),
                            section: section.name.to_string(),
                            offset: reloc.offset,
                            reason: "the relocated field runs past the end of the module's image"
                                .into(),
                        })?
                        .copy_from_slice(new);
                }
                if let Some(kind) = outcome.loader {
                    relocs.push(MpyReloc {
                        base: if p.image == Image::Rodata {
                            RelocBase::Rodata
                        } else {
                            RelocBase::Text
                        },
                        offset: place,
                        kind,
                    });
                }
            }
        }
        Ok(())
    }
}
