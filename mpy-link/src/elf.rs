//! Loading relocatable ELF objects into the [`model`](crate::model): the
//! sections a native module can hold (classified by name), their
//! relocations and every symbol. Sizes, alignments, offsets and symbol
//! indices are checked here, so later phases may index with them.

use object::read::elf::{ElfFile, FileHeader};
use object::{Object as _, ObjectSection, ObjectSymbol, RelocationTarget, SymbolSection};

use crate::arch::spec::{machine_name, ArchSpec};
use crate::error::{LinkError, Result};
use crate::model::{
    Bind, InputRef, Object, Reloc, SecClass, SecId, Section, SymDef, SymId, Symbol, STT_NOTYPE,
};
use crate::options::Improvements;

/// Parses only what archive indexing needs: the global symbols an object
/// defines.
pub(crate) fn defined_globals(data: &[u8]) -> std::result::Result<Vec<Vec<u8>>, String> {
    let file = object::File::parse(data).map_err(|e| e.to_string())?;
    Ok(file
        .symbols()
        .filter(|s| (s.is_global() || s.is_weak()) && !s.is_undefined())
        .filter_map(|s| s.name_bytes().ok().map(<[u8]>::to_vec))
        .collect())
}

/// Loads one object for a link for `spec`.
pub(crate) fn load_object<'d>(
    spec: &ArchSpec,
    input: &InputRef,
    data: &'d [u8],
    improvements: &Improvements,
) -> Result<Object<'d>> {
    let bad = |reason: String| LinkError::BadObject {
        input: input.clone(),
        reason,
    };
    if data.len() < 20 || &data[..4] != b"\x7fELF" {
        return Err(bad(if data.starts_with(b"!<arch>") {
            "this is a static archive; pass it with `-l`".into()
        } else {
            "no ELF magic".into()
        }));
    }
    if data[5] != 1 {
        return Err(bad("big-endian objects are not supported".into()));
    }
    let e_machine = u16::from_le_bytes([data[18], data[19]]);
    if e_machine != spec.e_machine {
        return Err(LinkError::WrongArch {
            input: input.clone(),
            found: machine_name(e_machine),
            expected: spec.arch,
            expected_machine: spec.machine_name,
        });
    }
    let class_ok = (data[4] == 2) == (spec.word_size == 8);
    if !class_ok {
        return Err(LinkError::WrongArch {
            input: input.clone(),
            found: format!(
                "{} ({}-bit)",
                machine_name(e_machine),
                if data[4] == 2 { 64 } else { 32 }
            ),
            expected: spec.arch,
            expected_machine: spec.machine_name,
        });
    }
    if data[4] == 2 {
        let file = ElfFile::<object::elf::FileHeader64<object::LittleEndian>>::parse(data)
            .map_err(|e| bad(e.to_string()))?;
        read_object(spec, file, input, improvements)
    } else {
        let file = ElfFile::<object::elf::FileHeader32<object::LittleEndian>>::parse(data)
            .map_err(|e| bad(e.to_string()))?;
        read_object(spec, file, input, improvements)
    }
}

/// Largest section accepted: sizes and alignments feed the layout, so
/// absurd values are refused rather than allocated.
const MAX_SECTION: u64 = 1 << 30;
const SHT_PROGBITS: u32 = 1;
const SHT_NOBITS: u32 = 8;

/// What reading one object needs to know.
struct Reader<'a> {
    spec: &'a ArchSpec,
    input: &'a InputRef,
    improvements: &'a Improvements,
}

fn read_object<'d, H: FileHeader<Endian = object::LittleEndian>>(
    spec: &ArchSpec,
    file: ElfFile<'d, H>,
    input: &InputRef,
    improvements: &Improvements,
) -> Result<Object<'d>> {
    let r = Reader {
        spec,
        input,
        improvements,
    };
    if file.kind() != object::ObjectKind::Relocatable {
        return Err(r.bad(format!(
            "it is {}, not a relocatable object",
            match file.kind() {
                object::ObjectKind::Executable => "an executable",
                object::ObjectKind::Dynamic => "a shared object",
                object::ObjectKind::Core => "a core dump",
                _ => "an ELF file of no known type",
            }
        )));
    }
    crate::arch::check_object(spec, &file, input)?;
    let (mut sections, elf_to_sec, elf_section_names) = r.sections(&file)?;
    r.relocations(&file, &elf_to_sec, &mut sections)?;
    let symbols = r.symbols(&file, &elf_to_sec, &sections)?;
    Ok(Object {
        input: input.clone(),
        sections,
        symbols,
        elf_section_names,
    })
}

/// The sections a link takes, and for every ELF section index its name
/// and (when taken) its id.
type Sections<'d> = (Vec<Section<'d>>, Vec<Option<SecId>>, Vec<&'d str>);

impl Reader<'_> {
    fn bad(&self, reason: String) -> LinkError {
        LinkError::BadObject {
            input: self.input.clone(),
            reason,
        }
    }

    /// The sections taken: non-empty `PROGBITS`/`NOBITS` sections whose
    /// name says what they hold.
    fn sections<'d, H: FileHeader<Endian = object::LittleEndian>>(
        &self,
        file: &ElfFile<'d, H>,
    ) -> Result<Sections<'d>> {
        let n_sections = file.sections().map(|s| s.index().0 + 1).max().unwrap_or(0);
        let mut elf_section_names = vec![""; n_sections];
        let mut elf_to_sec: Vec<Option<SecId>> = vec![None; n_sections];
        let mut sections = Vec::new();
        for s in file.sections() {
            let name = s
                .name()
                .map_err(|e| self.bad(format!("section {}: {e}", s.index().0)))?;
            elf_section_names[s.index().0] = name;
            let object::SectionFlags::Elf { sh_type, .. } = s.flags() else {
                continue;
            };
            let sh_type = sh_type.0;
            if (sh_type != SHT_PROGBITS && sh_type != SHT_NOBITS) || s.size() == 0 {
                continue;
            }
            let Some(class) = self.classify(name, s.size())? else {
                continue;
            };
            let data = if sh_type == SHT_NOBITS {
                &[][..]
            } else {
                s.data()
                    .map_err(|e| self.bad(format!("section `{name}`: {e}")))?
            };
            if sh_type == SHT_NOBITS && class != SecClass::Bss {
                return Err(self.bad(format!(
                    "section `{name}` has no contents in the file (SHT_NOBITS)"
                )));
            }
            if s.size() > MAX_SECTION {
                return Err(self.bad(format!("section `{name}` claims {} bytes", s.size())));
            }
            if s.align() > 1 << 16 || !s.align().max(1).is_power_of_two() {
                return Err(self.bad(format!(
                    "section `{name}` has an invalid alignment {}",
                    s.align()
                )));
            }
            elf_to_sec[s.index().0] = Some(SecId(sections.len() as u32));
            sections.push(Section {
                name,
                class,
                data,
                size: s.size(),
                align: s.align().max(1),
                relocs: Vec::new(),
            });
        }
        Ok((sections, elf_to_sec, elf_section_names))
    }

    /// What a section holds, from its name; `None` for sections a native
    /// module leaves out. Writable `.data` is an error unless static data
    /// is switched on and the architecture has somewhere to put it.
    fn classify(&self, name: &str, size: u64) -> Result<Option<SecClass>> {
        Ok(Some(if name.starts_with(".literal") {
            SecClass::Literal
        } else if name.starts_with(".text") {
            SecClass::Text
        } else if name.starts_with(".rodata") {
            SecClass::Rodata
        } else if name.starts_with(".data.rel.ro") {
            SecClass::DataRelRo
        } else if name.starts_with(".bss") {
            SecClass::Bss
        } else if name.starts_with(".data") {
            // Xtensa (lx106) has neither writable text nor a separate data block.
            let spec = self.spec;
            let data_home = spec.separate_rodata || !spec.text_is_iram;
            if self.improvements.static_data && data_home {
                SecClass::Data
            } else if self.improvements.static_data {
                return Err(LinkError::Other(format!(
                    "{}: section `{name}` holds initialised writable data, which {} cannot support: its native code lives in instruction RAM and it has no separate data block; initialise the data at run time instead",
                    self.input, spec.name
                )));
            } else {
                return Err(LinkError::DataSection {
                    input: self.input.clone(),
                    section: name.to_string(),
                    size,
                });
            }
        } else {
            return Ok(None);
        }))
    }

    /// The relocations of the sections taken; each must lie inside its
    /// section.
    fn relocations<'d, H: FileHeader<Endian = object::LittleEndian>>(
        &self,
        file: &ElfFile<'d, H>,
        elf_to_sec: &[Option<SecId>],
        sections: &mut [Section<'d>],
    ) -> Result<()> {
        for s in file.sections() {
            let Some(id) = elf_to_sec[s.index().0] else {
                continue;
            };
            let section = &mut sections[id.index()];
            for (offset, r) in s.relocations() {
                let object::RelocationFlags::Elf { r_type } = r.flags() else {
                    continue;
                };
                if offset >= section.size {
                    return Err(self.bad(format!(
                        "relocation at offset {offset:#x} lies outside section `{}` ({} bytes)",
                        section.name, section.size
                    )));
                }
                let sym = match r.target() {
                    RelocationTarget::Symbol(i) => i.0 as u32,
                    _ => 0,
                };
                // A native module is far smaller than 4 GiB: a larger addend
                // is corrupt input, and refusing it here keeps every
                // address computation below in range of an i64.
                if r.addend().unsigned_abs() > u64::from(u32::MAX) {
                    return Err(self.bad(format!(
                        "relocation at offset {offset:#x} in section `{}` has addend {:#x}, beyond any module's size",
                        section.name,
                        r.addend()
                    )));
                }
                section.relocs.push(Reloc {
                    offset,
                    r_type: r_type.0,
                    sym: SymId(sym),
                    addend: r.addend(),
                });
            }
        }
        Ok(())
    }

    /// Every symbol, by ELF index (index 0 is the null symbol). Symbols
    /// must lie inside their sections, and relocations must name symbols
    /// that exist.
    fn symbols<'d, H: FileHeader<Endian = object::LittleEndian>>(
        &self,
        file: &ElfFile<'d, H>,
        elf_to_sec: &[Option<SecId>],
        sections: &[Section<'d>],
    ) -> Result<Vec<Symbol<'d>>> {
        let n_symbols = file.symbols().map(|s| s.index().0 + 1).max().unwrap_or(1);
        let null = Symbol {
            name: "",
            bind: Bind::Local,
            st_type: STT_NOTYPE,
            def: SymDef::Undefined,
            value: 0,
        };
        let mut symbols = vec![null; n_symbols];
        for s in file.symbols() {
            let name = s
                .name()
                .map_err(|e| self.bad(format!("symbol {}: {e}", s.index().0)))?;
            let (bind, st_type) = match s.flags() {
                object::SymbolFlags::Elf { st_info, .. } => {
                    let bind = match st_info.st_bind().0 {
                        0 => Bind::Local,
                        2 => Bind::Weak,
                        _ => Bind::Global,
                    };
                    (bind, st_info.st_type().0)
                }
                _ => (Bind::Local, STT_NOTYPE),
            };
            let def = match s.section() {
                SymbolSection::Undefined => SymDef::Undefined,
                SymbolSection::Absolute => SymDef::Absolute,
                SymbolSection::Common => SymDef::Common,
                SymbolSection::Section(i) => match elf_to_sec.get(i.0).copied().flatten() {
                    Some(id) => SymDef::Section(id),
                    None => SymDef::Unloaded(i.0),
                },
                _ => SymDef::Unloaded(0),
            };
            if let SymDef::Section(id) = def {
                let size = sections[id.index()].size;
                if s.address() > size {
                    return Err(self.bad(format!(
                        "symbol `{name}` lies at {:#x}, past the end of its section ({size} bytes)",
                        s.address()
                    )));
                }
            }
            symbols[s.index().0] = Symbol {
                name,
                bind,
                st_type,
                def,
                value: s.address(),
            };
        }
        for section in sections {
            for r in &section.relocs {
                if r.sym.index() >= symbols.len() {
                    return Err(self.bad(format!(
                        "relocation in `{}` names symbol {} which does not exist",
                        section.name, r.sym.0
                    )));
                }
            }
        }
        Ok(symbols)
    }
}
