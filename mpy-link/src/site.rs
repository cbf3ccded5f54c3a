//! The narrow interface between the relocation driver and the
//! architectures: what a family's code sees of one relocation ([`Site`])
//! and what it gives back ([`Outcome`]) or a typed error.
//!
//! Family code changes nothing: it reads the field's bytes and asks the
//! site for the facts it needs (the resolved target, addresses from the
//! layout, GOT slots), and returns the bytes to write and the loader
//! relocation to record. The driver (`relocate.rs`) applies them.

use crate::arch::spec::{ArchSpec, RelocTable};
use crate::error::{LinkError, RelocSite, Result};
use crate::model::{Image, ObjId, Object, Reloc, SecClass, SecId, SymId, Symbol};
use crate::mpy::reloc::RelocKind;
use crate::resolve::Target;

/// Resolution and layout facts a relocation may ask for. The driver
/// answers from the finished (immutable) resolution and layout.
pub(crate) trait Facts {
    /// An object of the link.
    fn object(&self, obj: ObjId) -> &Object<'_>;
    /// What a symbol of an object resolves to.
    fn target(&self, obj: ObjId, sym: SymId) -> Result<Target>;
    /// Image and address of a placed input section.
    fn section_at(&self, obj: ObjId, sec: SecId) -> Option<(Image, u64)>;
    /// Address of the GOT in the text image.
    fn got_base(&self) -> u64;
    /// Address of the GOT slot of a symbol (GOT entries are found by name).
    fn got_entry(&self, name: &str) -> Option<u64>;
    /// Xtensa: address of the GOT slot or literal word that replaces the
    /// literal at `offset` of literal section `sec`.
    fn literal(&self, obj: ObjId, sec: SecId, offset: u64) -> Option<u64>;
    /// Address of the `memset`/`memmove` stub calling `mp_fun_table[entry]`.
    fn stub(&self, entry: u8) -> Option<u64>;
}

/// One relocation being applied.
#[derive(Clone, Copy)]
pub(crate) struct Site<'a> {
    /// The architecture.
    pub(crate) spec: &'static ArchSpec,
    /// Its family's relocation table (names in messages).
    pub(crate) table: &'static RelocTable,
    /// The object holding the relocation, and its id.
    pub(crate) object: &'a Object<'a>,
    pub(crate) obj: ObjId,
    /// The section holding the relocation.
    pub(crate) sec: SecId,
    /// The relocation.
    pub(crate) reloc: Reloc,
    /// Image holding the field (text or rodata).
    pub(crate) image: Image,
    /// Address of the field in that image.
    pub(crate) place: u64,
    /// The image's bytes from the field to the image's end, as patched so
    /// far (empty for a site built only to compute a value).
    pub(crate) field: &'a [u8],
    /// The facts the site answers from.
    pub(crate) facts: &'a dyn Facts,
}

/// What applying a relocation does: bytes written at the field, and a word
/// the loader must relocate there.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Outcome {
    /// New bytes for the start of the field (at most 8).
    bytes: [u8; 8],
    len: u8,
    /// The loader relocation of the word at the field, if any.
    pub(crate) loader: Option<RelocKind>,
}

impl Outcome {
    /// Nothing to write.
    pub(crate) fn nothing() -> Outcome {
        Outcome::default()
    }

    /// Writes `bytes` (at most 8) at the field.
    pub(crate) fn write(bytes: &[u8]) -> Outcome {
        let mut out = Outcome::default();
        let len = bytes.len().min(8);
        out.bytes[..len].copy_from_slice(&bytes[..len]);
        out.len = len as u8;
        out
    }

    /// The bytes to write.
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

/// Returns true when `value` fits in a signed field of `bits` bits.
pub(crate) fn fits_signed(value: i64, bits: u32) -> bool {
    let shifted = value >> bits;
    shifted == 0 || shifted == -1
}

impl<'a> Site<'a> {
    // -- The field --------------------------------------------------------

    /// `N` bytes of the image, `delta` bytes after the field.
    pub(crate) fn read<const N: usize>(&self, delta: u64) -> Result<[u8; N]> {
        let at = usize::try_from(delta).unwrap_or(usize::MAX);
        let bytes = at
            .checked_add(N)
            .and_then(|end| self.field.get(at..end))
            .ok_or_else(|| self.past_end())?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    /// The 16-bit word `delta` bytes after the field.
    pub(crate) fn read_u16(&self, delta: u64) -> Result<u16> {
        Ok(u16::from_le_bytes(self.read::<2>(delta)?))
    }

    /// The 32-bit word `delta` bytes after the field.
    pub(crate) fn read_u32(&self, delta: u64) -> Result<u32> {
        Ok(u32::from_le_bytes(self.read::<4>(delta)?))
    }

    /// Adds `delta` to the 32-bit word at the field (wrapping).
    pub(crate) fn add_u32(&self, delta: i64) -> Result<Outcome> {
        let v = self.read_u32(0)?;
        Ok(Outcome::write(&v.wrapping_add(delta as u32).to_le_bytes()))
    }

    // -- The symbol and its target ----------------------------------------

    /// The relocation's symbol, as its own object defines it.
    pub(crate) fn symbol(&self) -> &'a Symbol<'a> {
        self.object.symbol(self.reloc.sym)
    }

    /// The class of a section of the site's object.
    pub(crate) fn class_of(&self, sec: SecId) -> SecClass {
        self.object.section(sec).class
    }

    /// What the symbol resolves to.
    pub(crate) fn target(&self) -> Result<Target> {
        self.facts.target(self.obj, self.reloc.sym)
    }

    /// Image, address and class of a target defined in an input section.
    pub(crate) fn defined_addr(
        &self,
        obj: ObjId,
        sec: SecId,
        value: u64,
    ) -> Result<(Image, u64, SecClass)> {
        let (image, addr) = self.facts.section_at(obj, sec).ok_or_else(|| {
            self.unrelocatable("the target's section is not part of the module".into())
        })?;
        let class = self.facts.object(obj).section(sec).class;
        Ok((image, addr + value, class))
    }

    /// Address of the GOT.
    pub(crate) fn got_base(&self) -> u64 {
        self.facts.got_base()
    }

    /// Address of the GOT slot of the symbol (found by name, as `mpy_ld.py`
    /// does).
    pub(crate) fn got_entry(&self) -> Result<u64> {
        self.facts
            .got_entry(self.symbol().name)
            .ok_or_else(|| self.unsupported("GOT reference to a local symbol"))
    }

    /// Address of the stub for `mp_fun_table[entry]`.
    pub(crate) fn stub_addr(&self, entry: u8) -> Result<u64> {
        self.facts
            .stub(entry)
            .ok_or_else(|| self.unsupported("no stub was placed for this symbol"))
    }

    /// Xtensa: where the literal at `offset` of section `sec` went.
    pub(crate) fn literal(&self, sec: SecId, offset: u64) -> Option<u64> {
        self.facts.literal(self.obj, sec, offset)
    }

    /// A site for another relocation of the same object (the `%pcrel_hi`
    /// partner of a `%pcrel_lo`), to compute its value; it has no field.
    pub(crate) fn sibling(&self, sec: SecId, reloc: Reloc) -> Result<Site<'a>> {
        let (image, addr) = self.facts.section_at(self.obj, sec).ok_or_else(|| {
            self.unsupported("the paired relocation is in a section that is not linked")
        })?;
        Ok(Site {
            sec,
            reloc,
            image,
            place: addr + reloc.offset,
            field: &[],
            ..*self
        })
    }

    /// Target of a PC-relative reference to code or data that moves with
    /// the field's image: its address, or an error when the target lives
    /// elsewhere.
    pub(crate) fn pcrel_target(&self) -> Result<u64> {
        match self.target()? {
            Target::Defined { obj, sec, value } => {
                let (image, addr, _) = self.defined_addr(obj, sec, value)?;
                match image {
                    Image::Text if self.image == Image::Text => Ok(addr),
                    Image::Rodata if self.image == Image::Rodata => Ok(addr),
                    Image::Rodata => Err(self.unrelocatable(format!(
                        "PC-relative reference to `{}` in rodata, but on {} rodata is loaded separately from code and must be reached through the GOT",
                        self.symbol_label(),
                        self.spec.name
                    ))),
                    Image::Bss => Err(self.unrelocatable(format!(
                        "PC-relative reference to `{}` in bss ({}): static (file-local) bss variables can't be used in mpy_ld.py-compatible mode; make the variable global (non-static), or enable static data (`--static-data`)",
                        self.symbol_label(),
                        self.section_name(obj, sec)
                    ))),
                    Image::Text => Err(self.unrelocatable(
                        "PC-relative reference from rodata into code".into(),
                    )),
                }
            }
            Target::MemStub(entry) => self.stub_addr(entry),
            Target::GotBase => Ok(self.got_base()),
            _ => Err(self.unrelocatable(format!(
                "fixed (PC-relative) relocation to external symbol `{}`; firmware symbols must be reached through the GOT (compile with -fpic)",
                self.symbol_label()
            ))),
        }
    }

    /// The pointer-sized absolute word (in `.data.rel.ro`, or `R_ARM_ABS32`
    /// and `R_XTENSA_32` anywhere): write the link-time address and ask the
    /// loader to add the base of the target's block.
    pub(crate) fn abs_word(&self) -> Result<Outcome> {
        let word = u64::from(self.spec.word_size);
        if !self.place.is_multiple_of(word) {
            return Err(self.unrelocatable(
                "pointer is not word aligned, the loader relocates whole words only".into(),
            ));
        }
        let addend = self.reloc.addend;
        let (value, kind) = match self.target()? {
            Target::Defined { obj, sec, value } => {
                let (image, addr, class) = self.defined_addr(obj, sec, value)?;
                let kind = match (image, class) {
                    (Image::Bss, _) => RelocKind::Bss,
                    (_, SecClass::Rodata | SecClass::DataRelRo) => self.rodata_kind(),
                    (_, SecClass::Text | SecClass::Data | SecClass::Bss) => RelocKind::Text,
                    (_, SecClass::Literal) => {
                        return Err(self.unsupported("pointer into an Xtensa literal pool"))
                    }
                };
                (addr as i64 + addend, Some(kind))
            }
            Target::FunEntry(n) | Target::MemStub(n) => (addend, Some(RelocKind::FunTableEntry(n))),
            Target::FunTable => (addend, Some(RelocKind::FunTable)),
            Target::QstrTable(off) => (off as i64 + addend, Some(RelocKind::QstrTable)),
            Target::ObjTable => (addend, Some(RelocKind::ObjTable)),
            Target::Fixed(addr) => (addr as i64 + addend, None),
            Target::GotBase => (self.got_base() as i64 + addend, Some(RelocKind::Text)),
        };
        let mut outcome = if word == 8 {
            let old = u64::from_le_bytes(self.read::<8>(0)?);
            Outcome::write(&old.wrapping_add(value as u64).to_le_bytes())
        } else {
            self.add_u32(value)?
        };
        outcome.loader = kind;
        Ok(outcome)
    }

    /// The loader kind for a pointer to rodata: the rodata blob where it is
    /// separate, else the text image that holds it.
    pub(crate) fn rodata_kind(&self) -> RelocKind {
        if self.spec.separate_rodata {
            RelocKind::Rodata
        } else {
            RelocKind::Text
        }
    }

    // -- Messages ----------------------------------------------------------

    /// How messages name the symbol (the section name for section symbols).
    pub(crate) fn symbol_label(&self) -> &'a str {
        self.object.symbol_label(self.reloc.sym)
    }

    fn section_name(&self, obj: ObjId, sec: SecId) -> &str {
        self.facts.object(obj).section(sec).name
    }

    /// Where the relocation is, for messages.
    fn location(&self) -> Box<RelocSite> {
        Box::new(RelocSite {
            input: self.object.input.clone(),
            section: self.object.section(self.sec).name.to_string(),
            offset: self.reloc.offset,
            reloc: self.table.name(self.reloc.r_type),
            symbol: self.symbol_label().to_string(),
        })
    }

    /// Error: this relocation type is not supported here.
    pub(crate) fn unsupported(&self, hint: &str) -> LinkError {
        LinkError::UnsupportedReloc {
            at: self.location(),
            hint: if hint.is_empty() {
                String::new()
            } else {
                format!("; {hint}")
            },
        }
    }

    /// Error: the value does not fit the instruction field.
    pub(crate) fn overflow(&self, value: i64, bits: u32) -> LinkError {
        LinkError::Overflow {
            at: self.location(),
            value,
            bits,
        }
    }

    /// Error: the loader cannot support what the code needs.
    pub(crate) fn unrelocatable(&self, reason: String) -> LinkError {
        LinkError::Unrelocatable {
            input: self.object.input.clone(),
            section: self.object.section(self.sec).name.to_string(),
            offset: self.reloc.offset,
            reason,
        }
    }

    fn past_end(&self) -> LinkError {
        self.unrelocatable("the relocated field runs past the end of the module's image".into())
    }
}
