//! The link itself: load objects, pull archive members, resolve symbols,
//! build the GOT, lay out the images and apply relocations.
//!
//! The order of everything here (sections, GOT entries, relocation records)
//! follows `mpy_ld.py`, because the output must be byte-identical to it.

use std::collections::HashMap;

use object::read::elf::{ElfFile, FileHeader};
use object::{Object, ObjectSection, ObjectSymbol, RelocationTarget, SymbolSection};

use crate::arch::{self, Arch, ArchSpec, Family, StubKind};
use crate::error::{LinkError, Result};
use crate::input::{Input, InputRef, Library, MemberId};

/// Index of `memset` in `mp_fun_table`.
pub(crate) const FUN_MEMSET: u16 = 50;
/// Index of `memmove` in `mp_fun_table`.
pub(crate) const FUN_MEMMOVE: u16 = 51;
/// Index of `mp_type_type` in `mp_fun_table`; the names below follow it.
const FUN_TYPES_START: u16 = 73;
/// Firmware objects reached through `mp_fun_table` entries 73 onwards.
const FUN_TABLE_OBJECTS: [&str; 14] = [
    "mp_type_type",
    "mp_type_str",
    "mp_type_list",
    "mp_type_dict",
    "mp_type_fun_builtin_0",
    "mp_type_fun_builtin_1",
    "mp_type_fun_builtin_2",
    "mp_type_fun_builtin_3",
    "mp_type_fun_builtin_var",
    "mp_type_Exception",
    "mp_stream_read_obj",
    "mp_stream_readinto_obj",
    "mp_stream_unbuffered_readline_obj",
    "mp_stream_write_obj",
];

/// Prefix of the undefined symbols Rust modules use for qstrs
/// (`__mpy_qstr_add` is the qstr `add`).
pub const QSTR_SYMBOL_PREFIX: &str = "__mpy_qstr_";

/// What to link and how.
#[derive(Debug, Clone)]
pub struct LinkOptions {
    /// Target architecture.
    pub arch: Arch,
    /// Native qstrs in table order (from the config header; index 1 on).
    pub qstrs: Vec<String>,
    /// File name recorded in the `.mpy` (qstr 0), e.g. `features0.mpy`.
    pub source_name: String,
    /// Architecture flags (rv32imc only; 0 for none).
    pub arch_flags: u32,
    /// Fixed-address symbols from an externs script.
    pub externs: Vec<(String, u64)>,
    /// Improvements over `mpy_ld.py` to switch on.
    pub improvements: Improvements,
}

impl LinkOptions {
    /// Options with no qstrs, no flags and no improvements.
    pub fn new(arch: Arch, source_name: impl Into<String>) -> Self {
        LinkOptions {
            arch,
            qstrs: Vec::new(),
            source_name: source_name.into(),
            arch_flags: 0,
            externs: Vec::new(),
            improvements: Improvements::default(),
        }
    }
}

/// Documented departures from `mpy_ld.py` output. All off by default, so
/// output stays byte-identical to upstream for inputs it accepts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Improvements {
    /// Place file-local bss and initialised `.data` inside the text image
    /// (where native code lives in writable RAM), so PC-relative accesses
    /// to them work.
    pub static_data: bool,
    /// Drop sections not reachable from `mpy_init`, and GOT entries that no
    /// code reads (`mpy_ld.py` makes one for every absolute data word on
    /// RISC-V).
    pub gc_sections: bool,
}

/// Which image a relocation record points into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RelocBase {
    /// The native code image.
    Text,
    /// The separate rodata blob (xtensawin).
    Rodata,
}

/// What the loader adds to a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RelocDest {
    /// Address of the text image.
    Text,
    /// Address of the rodata (a `.rodata` or `.data.rel.ro` section); the
    /// text image unless rodata is separate.
    Rodata,
    /// Address of the bss block.
    Bss,
    /// Address of the module's qstr table.
    QstrTable,
    /// Address of the module's object table.
    ObjTable,
    /// Address of `mp_fun_table`.
    FunTable,
    /// Value of `mp_fun_table` entry `n`.
    FunEntry(u16),
}

/// One relocation the MicroPython loader performs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MpyReloc {
    /// Image holding the word.
    pub base: RelocBase,
    /// Byte offset of the word in that image.
    pub offset: u64,
    /// What gets added to it.
    pub dest: RelocDest,
}

/// A linked native module, ready to be written.
#[derive(Debug, Clone)]
pub struct LinkedModule {
    /// Architecture.
    pub arch: Arch,
    /// Architecture flags (rv32imc).
    pub arch_flags: u32,
    /// File name recorded as qstr 0.
    pub source_name: String,
    /// Native qstrs, in table order (index 1 onwards).
    pub qstrs: Vec<String>,
    /// The text image: trampoline, code, GOT.
    pub text: Vec<u8>,
    /// The separate rodata blob (xtensawin only; empty elsewhere).
    pub rodata: Vec<u8>,
    /// Size of the zero-initialised bss block.
    pub bss_size: u64,
    /// Relocations for the loader, in stream order.
    pub relocs: Vec<MpyReloc>,
    /// Number of GOT entries.
    pub got_entries: usize,
    /// Length of the entry trampoline at the start of `text`.
    pub trampoline_len: usize,
    /// Non-fatal remarks (`mpy_ld.py` prints these).
    pub warnings: Vec<String>,
    /// Every object linked, in load order (archive members included).
    pub inputs: Vec<InputRef>,
}

impl LinkedModule {
    /// Encodes the module as a native `.mpy` file.
    pub fn to_mpy(&self) -> Vec<u8> {
        crate::mpy::write::write_native(self)
    }
}

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

// ---------------------------------------------------------------------------
// Model of the loaded objects

/// Index of a loaded object in [`Linker::objects`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct ObjId(pub(crate) u32);

/// Index of a section inside its object's [`Obj::sections`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct SecId(pub(crate) u32);

/// A section in the output: an input section or one the linker makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum OutSec {
    Input(ObjId, SecId),
    Got,
    Lit,
    /// Absolute-jump stub to `mp_fun_table[n]` (memset/memmove).
    Stub(u16),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SecClass {
    Text,
    Rodata,
    DataRelRo,
    Bss,
    Literal,
    /// Writable initialised data (only with `static_data`).
    Data,
}

#[derive(Debug)]
pub(crate) struct Section<'d> {
    pub(crate) name: &'d str,
    pub(crate) class: SecClass,
    /// Contents; empty for bss.
    pub(crate) data: &'d [u8],
    pub(crate) size: u64,
    pub(crate) align: u64,
    pub(crate) relocs: Vec<Reloc>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Reloc {
    pub(crate) offset: u64,
    pub(crate) r_type: u32,
    pub(crate) sym: u32,
    pub(crate) addend: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bind {
    Local,
    Global,
    Weak,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SymDef {
    Undefined,
    Section(SecId),
    /// Defined in a section this link does not take (its ELF index).
    Unloaded(usize),
    Absolute,
    Common,
}

#[derive(Debug, Clone)]
pub(crate) struct Symbol<'d> {
    pub(crate) name: &'d str,
    pub(crate) bind: Bind,
    pub(crate) st_type: u8,
    pub(crate) def: SymDef,
    pub(crate) value: u64,
}

pub(crate) const STT_NOTYPE: u8 = 0;
pub(crate) const STT_OBJECT: u8 = 1;
pub(crate) const STT_FUNC: u8 = 2;
pub(crate) const STT_SECTION: u8 = 3;

#[derive(Debug)]
pub(crate) struct Obj<'d> {
    pub(crate) input: InputRef,
    pub(crate) sections: Vec<Section<'d>>,
    pub(crate) symbols: Vec<Symbol<'d>>,
    /// ELF section names, for messages about sections not taken.
    pub(crate) elf_section_names: Vec<&'d str>,
}

/// Where a symbol's value comes from once everything is resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// Defined in a section of an input object.
    Defined(ObjId, SecId, u64),
    /// `_GLOBAL_OFFSET_TABLE_`.
    GotBase,
    /// `mp_fun_table` itself.
    FunTable,
    /// A firmware object or function reached through `mp_fun_table[n]`.
    FunEntry(u16),
    /// `memset`/`memmove` through a jump stub calling `mp_fun_table[n]`.
    MemStub(u16),
    /// `mp_native_qstr_table`, plus a byte offset.
    QstrTable(u64),
    /// `mp_native_obj_table`.
    ObjTable,
    /// A fixed firmware address (externs script or absolute symbol).
    Fixed(u64),
}

/// Identity of a GOT entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum GotKey {
    /// A named symbol (plus addend, for Xtensa literals).
    Named(String, i64),
    /// A local section plus offset (Xtensa literals).
    SectionOffset(ObjId, SecId, u64),
}

#[derive(Debug, Clone)]
pub(crate) struct GotEntry {
    pub(crate) key: GotKey,
    /// The symbol that first needed the entry.
    pub(crate) obj: ObjId,
    pub(crate) sym: u32,
    /// Offset to add to the target (Xtensa literals).
    pub(crate) extra: i64,
}

/// The images being built and where each output section went.
#[derive(Debug, Default)]
pub(crate) struct Images {
    pub(crate) text: Vec<u8>,
    pub(crate) rodata: Vec<u8>,
    pub(crate) bss: u64,
}

/// Which image a section lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Blob {
    Text,
    Rodata,
    Bss,
}

// ---------------------------------------------------------------------------
// Loading

fn load_object<'d>(
    spec: &ArchSpec,
    input: &InputRef,
    data: &'d [u8],
    improvements: &Improvements,
) -> Result<Obj<'d>> {
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
            found: arch::machine_name(e_machine),
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
                arch::machine_name(e_machine),
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

/// Refuses an Xtensa object of the other calling convention: by GNU as's
/// `.xtensa.info` note where there is one (Debian's lx106 libgcc and
/// picolibc say `ABI=1`, call0), else by the first instruction of its
/// functions (`entry` in windowed code only).
fn check_xtensa_abi<'d, H: FileHeader<Endian = object::LittleEndian>>(
    spec: &ArchSpec,
    file: &ElfFile<'d, H>,
    input: &InputRef,
) -> Result<()> {
    use arch::xtensa::{abi_from_info, abi_mismatch, starts_with_entry, Abi};
    let want = Abi::of(spec.arch);
    let wrong = |found, how: String| {
        LinkError::Other(format!("{input}: {}", abi_mismatch(found, want, &how)))
    };
    if let Some(info) = file.section_by_name(".xtensa.info") {
        if let Some(found) = info.data().ok().and_then(abi_from_info) {
            if found != want {
                let abi = if found == Abi::Call0 { 1 } else { 0 };
                return Err(wrong(found, format!("its `.xtensa.info` says ABI={abi}")));
            }
            return Ok(());
        }
    }
    for sym in file.symbols() {
        if sym.kind() != object::SymbolKind::Text || sym.size() == 0 {
            continue;
        }
        let Some(first) = sym
            .section_index()
            .and_then(|i| file.section_by_index(i).ok())
            .and_then(|sec| sec.data().ok())
            .and_then(|data| data.get(usize::try_from(sym.address()).ok()?).copied())
        else {
            continue;
        };
        let found = if starts_with_entry(first) {
            Abi::Windowed
        } else {
            Abi::Call0
        };
        if found != want {
            let name = sym.name().unwrap_or("?");
            let how = match found {
                Abi::Call0 => format!("function `{name}` does not begin with `entry`"),
                Abi::Windowed => format!("function `{name}` begins with `entry`"),
            };
            return Err(wrong(found, how));
        }
    }
    Ok(())
}

fn read_object<'d, H: FileHeader<Endian = object::LittleEndian>>(
    spec: &ArchSpec,
    file: ElfFile<'d, H>,
    input: &InputRef,
    improvements: &Improvements,
) -> Result<Obj<'d>> {
    let bad = |reason: String| LinkError::BadObject {
        input: input.clone(),
        reason,
    };
    if file.kind() != object::ObjectKind::Relocatable {
        return Err(bad(format!(
            "it is a {:?} file, not a relocatable object",
            file.kind()
        )));
    }
    if spec.family == Family::Xtensa {
        check_xtensa_abi(spec, &file, input)?;
    }
    let n_sections = file.sections().map(|s| s.index().0 + 1).max().unwrap_or(0);
    let mut elf_section_names = vec![""; n_sections];
    let mut elf_to_sec: Vec<Option<SecId>> = vec![None; n_sections];
    let mut sections = Vec::new();
    for s in file.sections() {
        let name = s
            .name()
            .map_err(|e| bad(format!("section {}: {e}", s.index().0)))?;
        elf_section_names[s.index().0] = name;
        let object::SectionFlags::Elf { sh_type, .. } = s.flags() else {
            continue;
        };
        let sh_type = sh_type.0;
        const SHT_PROGBITS: u32 = 1;
        const SHT_NOBITS: u32 = 8;
        if sh_type != SHT_PROGBITS && sh_type != SHT_NOBITS {
            continue;
        }
        if s.size() == 0 {
            continue;
        }
        let class = if name.starts_with(".literal") {
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
            let data_home = spec.separate_rodata || !spec.text_is_iram;
            if improvements.static_data && data_home {
                SecClass::Data
            } else if improvements.static_data {
                return Err(LinkError::Other(format!(
                    "{input}: section `{name}` holds initialised writable data, which {} cannot support: its native code lives in instruction RAM and it has no separate data block; initialise the data at run time instead",
                    spec.name
                )));
            } else {
                return Err(LinkError::DataSection {
                    input: input.clone(),
                    section: name.to_string(),
                    size: s.size(),
                });
            }
        } else {
            continue;
        };
        let data = if sh_type == SHT_NOBITS {
            &[][..]
        } else {
            s.data()
                .map_err(|e| bad(format!("section `{name}`: {e}")))?
        };
        if sh_type == SHT_NOBITS && class != SecClass::Bss {
            return Err(bad(format!(
                "section `{name}` has no contents in the file (SHT_NOBITS)"
            )));
        }
        // Sizes and alignments feed the layout; refuse absurd values rather
        // than allocate or overflow on a corrupt header.
        const MAX_SECTION: u64 = 1 << 30;
        if s.size() > MAX_SECTION {
            return Err(bad(format!("section `{name}` claims {} bytes", s.size())));
        }
        if s.align() > 1 << 16 || !s.align().max(1).is_power_of_two() {
            return Err(bad(format!(
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
    // Relocations of the sections taken.
    for s in file.sections() {
        let Some(id) = elf_to_sec[s.index().0] else {
            continue;
        };
        let mut relocs = Vec::new();
        for (offset, r) in s.relocations() {
            let object::RelocationFlags::Elf { r_type } = r.flags() else {
                continue;
            };
            let sym = match r.target() {
                RelocationTarget::Symbol(i) => i.0 as u32,
                _ => 0,
            };
            relocs.push(Reloc {
                offset,
                r_type: r_type.0,
                sym,
                addend: r.addend(),
            });
        }
        let section = &mut sections[id.0 as usize];
        for r in &relocs {
            if r.offset >= section.size {
                return Err(bad(format!(
                    "relocation at offset {:#x} lies outside section `{}` ({} bytes)",
                    r.offset, section.name, section.size
                )));
            }
        }
        section.relocs = relocs;
    }
    // Symbols, by ELF index (index 0 is the null symbol).
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
            .map_err(|e| bad(format!("symbol {}: {e}", s.index().0)))?;
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
            let size = sections[id.0 as usize].size;
            if s.address() > size {
                return Err(bad(format!(
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
    for section in &sections {
        for r in &section.relocs {
            if r.sym as usize >= symbols.len() {
                return Err(bad(format!(
                    "relocation in `{}` names symbol {} which does not exist",
                    section.name, r.sym
                )));
            }
        }
    }
    Ok(Obj {
        input: input.clone(),
        sections,
        symbols,
        elf_section_names,
    })
}

// ---------------------------------------------------------------------------
// The linker state

pub(crate) struct Linker<'d> {
    pub(crate) spec: &'static ArchSpec,
    pub(crate) options: &'d LinkOptions,
    pub(crate) objects: Vec<Obj<'d>>,
    /// Defined global/weak symbols: name -> (object, symbol index). The last
    /// definition wins, as in `mpy_ld.py`.
    pub(crate) globals: HashMap<&'d str, (ObjId, u32)>,
    /// Undefined global references, in load order.
    pub(crate) unresolved: Vec<(ObjId, u32)>,
    pub(crate) externs: HashMap<&'d str, u64>,
    /// Native qstrs (options' list plus those Rust symbols add).
    pub(crate) qstrs: Vec<String>,
    pub(crate) warnings: Vec<String>,
    /// Output sections in layout order.
    pub(crate) order: Vec<OutSec>,
    /// Address of each placed output section.
    pub(crate) placed: HashMap<OutSec, (Blob, u64)>,
    pub(crate) got: Vec<GotEntry>,
    pub(crate) got_index: HashMap<GotKey, usize>,
    /// Xtensa: literal words that are not GOT entries, deduplicated by value.
    pub(crate) lits: Vec<u32>,
    pub(crate) lit_index: HashMap<u32, usize>,
    /// Xtensa: (object, literal section, offset) -> GOT entry or literal.
    pub(crate) xt_literals: HashMap<(ObjId, SecId, u64), XtLiteral>,
    pub(crate) images: Images,
    pub(crate) mpy_relocs: Vec<MpyReloc>,
    pub(crate) trampoline_len: usize,
    /// Sections reachable from `mpy_init` (`None`: keep every section).
    pub(crate) live: Option<std::collections::HashSet<(ObjId, SecId)>>,
    /// With `static_data`: the bss sections that code reaches PC-relatively, which must sit
    /// in the text image; other bss stays in the module's BSS block.
    pub(crate) text_bss: std::collections::HashSet<(ObjId, SecId)>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum XtLiteral {
    Got(usize),
    Lit(usize),
}

/// Links objects (and members of libraries they need) into a native module.
pub fn link(options: &LinkOptions, objects: &[Input], libs: &[Library]) -> Result<LinkedModule> {
    let spec = options.arch.spec();
    if options.arch_flags != 0 && options.arch != Arch::Rv32imc {
        return Err(LinkError::ArchFlags {
            value: options.arch_flags.to_string(),
            reason: format!("architecture `{}` takes no flags", options.arch),
        });
    }
    let mains = objects
        .iter()
        .map(|input| load_object(spec, &input.name, &input.data, &options.improvements))
        .collect::<Result<Vec<_>>>()?;
    // Archive members are read into owned buffers that outlive the linker.
    let members = if libs.is_empty() {
        Vec::new()
    } else {
        select_members(spec, options, &mains, libs)?
    };
    let mut linker = Linker {
        spec,
        options,
        objects: Vec::new(),
        globals: HashMap::new(),
        unresolved: Vec::new(),
        externs: options
            .externs
            .iter()
            .map(|(n, a)| (n.as_str(), *a))
            .collect(),
        qstrs: options.qstrs.clone(),
        warnings: Vec::new(),
        order: Vec::new(),
        placed: HashMap::new(),
        got: Vec::new(),
        got_index: HashMap::new(),
        lits: Vec::new(),
        lit_index: HashMap::new(),
        xt_literals: HashMap::new(),
        images: Images::default(),
        mpy_relocs: Vec::new(),
        trampoline_len: 0,
        live: None,
        text_bss: std::collections::HashSet::new(),
    };
    for obj in mains {
        linker.add_object(obj)?;
    }
    for (name, data) in &members {
        let obj = load_object(spec, name, data, &options.improvements)?;
        linker.add_object(obj)?;
    }
    linker.run()
}

/// Picks the archive members that define still-undefined symbols,
/// transitively, breadth first, and reads them. The order is deterministic:
/// symbols in the order they are first referenced, archives in the order
/// given. (`mpy_ld.py` walks Python sets here, so its order depends on the
/// hash seed; ours is one of the orders it can produce.)
fn select_members(
    spec: &'static ArchSpec,
    options: &LinkOptions,
    mains: &[Obj<'_>],
    libs: &[Library],
) -> Result<Vec<(InputRef, Vec<u8>)>> {
    use std::collections::{HashSet, VecDeque};
    let mut defined: HashSet<&str> = HashSet::new();
    for obj in mains {
        for sym in &obj.symbols {
            if sym.bind != Bind::Local && matches!(sym.def, SymDef::Section(_)) {
                defined.insert(sym.name);
            }
        }
    }
    let mut queue: VecDeque<String> = VecDeque::new();
    let mut queued: HashSet<String> = HashSet::new();
    for obj in mains {
        for sym in &obj.symbols {
            if sym.def == SymDef::Undefined
                && sym.bind == Bind::Global
                && !defined.contains(sym.name)
                && queued.insert(sym.name.to_string())
            {
                queue.push_back(sym.name.to_string());
            }
        }
    }
    let archives: Vec<&crate::input::Archive> =
        libs.iter().flat_map(|lib| lib.archives.iter()).collect();
    let mut chosen: Vec<(usize, MemberId)> = Vec::new();
    let mut out: Vec<(InputRef, Vec<u8>)> = Vec::new();
    let mut provided: HashMap<String, String> = HashMap::new();
    let relaxed = Improvements {
        static_data: true,
        ..options.improvements
    };
    while let Some(name) = queue.pop_front() {
        if provided.contains_key(&name) {
            continue;
        }
        let Some((a, member)) = archives
            .iter()
            .enumerate()
            .find_map(|(a, ar)| ar.lookup(name.as_bytes()).map(|m| (a, m)))
        else {
            continue;
        };
        if chosen.contains(&(a, member)) {
            continue;
        }
        chosen.push((a, member));
        let (member_name, data) = archives[a].member(member)?;
        {
            let obj = load_object(spec, &member_name, &data, &relaxed)?;
            for sym in &obj.symbols {
                let is_def = matches!(
                    sym.def,
                    SymDef::Section(_) | SymDef::Unloaded(_) | SymDef::Absolute | SymDef::Common
                );
                if sym.bind == Bind::Local || sym.name.is_empty() || !is_def {
                    continue;
                }
                if let Some(prev) = provided.get(sym.name) {
                    if !sym.name.starts_with("__x86.get_pc_thunk.") && sym.bind != Bind::Weak {
                        return Err(LinkError::ArchiveDuplicate {
                            symbol: sym.name.to_string(),
                            first: prev.clone(),
                            second: member_name.to_string(),
                        });
                    }
                    continue;
                }
                provided.insert(sym.name.to_string(), member_name.to_string());
            }
            for sym in &obj.symbols {
                if sym.def == SymDef::Undefined && sym.bind == Bind::Global && !sym.name.is_empty()
                {
                    let n = sym.name;
                    if !provided.contains_key(n)
                        && !defined.contains(n)
                        && queued.insert(n.to_string())
                    {
                        queue.push_back(n.to_string());
                    }
                }
            }
        }
        out.push((member_name, data));
    }
    Ok(out)
}

impl<'d> Linker<'d> {
    fn add_object(&mut self, obj: Obj<'d>) -> Result<()> {
        let id = ObjId(self.objects.len() as u32);
        let mut dups = Vec::new();
        for (i, sym) in obj.symbols.iter().enumerate() {
            match sym.def {
                SymDef::Section(_) if sym.bind != Bind::Local => {
                    if let Some((prev, _)) = self.globals.get(sym.name) {
                        if !sym.name.starts_with("__x86.get_pc_thunk.") {
                            dups.push((sym.name, *prev));
                        }
                    }
                    self.globals.insert(sym.name, (id, i as u32));
                }
                SymDef::Undefined if sym.bind == Bind::Global => {
                    self.unresolved.push((id, i as u32))
                }
                _ => {}
            }
        }
        if let Some((name, prev)) = dups.first() {
            return Err(LinkError::Duplicate {
                symbol: name.to_string(),
                first: self.objects[prev.0 as usize].input.clone(),
                second: obj.input.clone(),
            });
        }
        self.objects.push(obj);
        Ok(())
    }

    pub(crate) fn obj(&self, id: ObjId) -> &Obj<'d> {
        &self.objects[id.0 as usize]
    }

    pub(crate) fn section(&self, obj: ObjId, sec: SecId) -> &Section<'d> {
        &self.objects[obj.0 as usize].sections[sec.0 as usize]
    }

    pub(crate) fn symbol(&self, obj: ObjId, sym: u32) -> &Symbol<'d> {
        &self.objects[obj.0 as usize].symbols[sym as usize]
    }

    /// Resolves the symbol a relocation names.
    pub(crate) fn resolve(&mut self, obj: ObjId, sym: u32) -> Result<Target> {
        let s = self.symbol(obj, sym).clone();
        match s.def {
            SymDef::Section(sec) => return Ok(Target::Defined(obj, sec, s.value)),
            SymDef::Absolute => return Ok(Target::Fixed(s.value)),
            SymDef::Unloaded(elf) => {
                let o = self.obj(obj);
                let sec_name = o.elf_section_names.get(elf).copied().unwrap_or("?");
                return Err(LinkError::Other(format!(
                    "{}: symbol `{}` is defined in section `{}`, which a native module cannot contain (only .text*, .rodata*, .data.rel.ro* and .bss* sections are linked)",
                    o.input,
                    if s.name.is_empty() { sec_name } else { s.name },
                    sec_name
                )));
            }
            SymDef::Common => {
                return Err(LinkError::Other(format!(
                    "{}: `{}` is a common symbol; compile with `-fno-common`",
                    self.obj(obj).input,
                    s.name
                )))
            }
            SymDef::Undefined => {}
        }
        let name = s.name;
        Ok(match name {
            "_GLOBAL_OFFSET_TABLE_" => Target::GotBase,
            "mp_fun_table" => Target::FunTable,
            "mp_native_qstr_table" => Target::QstrTable(0),
            "mp_native_obj_table" => Target::ObjTable,
            _ => {
                if let Some(&(o, i)) = self.globals.get(name) {
                    let d = self.symbol(o, i);
                    match d.def {
                        SymDef::Section(sec) => Target::Defined(o, sec, d.value),
                        _ => return self.resolve(o, i),
                    }
                } else if let Some(&addr) = self.externs.get(name) {
                    Target::Fixed(addr)
                } else if let Some(i) = FUN_TABLE_OBJECTS.iter().position(|n| *n == name) {
                    Target::FunEntry(FUN_TYPES_START + i as u16)
                } else if let Some(entry) = mem_function(name) {
                    if self.spec.stub == StubKind::None {
                        Target::FunEntry(entry)
                    } else {
                        Target::MemStub(entry)
                    }
                } else if let Some(q) = name.strip_prefix(QSTR_SYMBOL_PREFIX) {
                    let index = match self.qstrs.iter().position(|x| x == q) {
                        Some(i) => i,
                        None => {
                            self.qstrs.push(q.to_string());
                            self.qstrs.len() - 1
                        }
                    };
                    // Slot 0 holds the file name; native qstrs start at 1.
                    Target::QstrTable(2 * (index as u64 + 1))
                } else {
                    return Err(LinkError::Undefined(vec![(
                        self.obj(obj).input.clone(),
                        name.to_string(),
                    )]));
                }
            }
        })
    }
}

/// `mp_fun_table` entry serving a libc memory function, if `name` is one.
fn mem_function(name: &str) -> Option<u16> {
    match name {
        "memset" => Some(FUN_MEMSET),
        "memcpy" | "memmove" => Some(FUN_MEMMOVE),
        _ => None,
    }
}

pub(crate) fn align_to(value: u64, align: u64) -> u64 {
    let align = align.max(1);
    value.div_ceil(align) * align
}

// ---------------------------------------------------------------------------
// The phases after loading

impl<'d> Linker<'d> {
    fn run(mut self) -> Result<LinkedModule> {
        let entry = self.globals.get("mpy_init").copied();
        if self.options.improvements.gc_sections {
            if let Some(entry) = entry {
                self.collect_garbage(entry);
            }
        }
        // Every undefined global must resolve (collect all failures).
        let mut undefined = Vec::new();
        let mut stubs: Vec<u16> = Vec::new();
        let referenced = self.live_references();
        for (obj, sym) in self.unresolved.clone() {
            if let Some(refs) = &referenced {
                if !refs.contains(&(obj, sym)) {
                    continue;
                }
            }
            match self.resolve(obj, sym) {
                Ok(Target::MemStub(entry)) => {
                    if !stubs.contains(&entry) {
                        stubs.push(entry);
                    }
                }
                Ok(_) => {}
                Err(LinkError::Undefined(list)) => {
                    for item in list {
                        if !undefined.contains(&item) {
                            undefined.push(item);
                        }
                    }
                }
                Err(e) => return Err(e),
            }
        }
        if !undefined.is_empty() {
            return Err(LinkError::Undefined(undefined));
        }
        for (name, _) in &self.options.externs {
            if self.globals.contains_key(name.as_str()) {
                self.warnings.push(format!(
                    "symbol `{name}` has a fixed address in the externs file and is also defined by an object; the GOT uses the fixed address"
                ));
            }
        }
        let (entry_obj, entry_sym) = entry.ok_or(LinkError::NoEntry)?;
        if self.spec.family == Family::Xtensa {
            self.build_got_xtensa()?;
        } else {
            self.build_got_generic()?;
        }
        self.find_text_bss();
        self.order_sections(&stubs);
        self.layout(entry_obj, entry_sym)?;
        self.populate_got()?;
        self.apply_relocations()?;
        let trampoline_len = self.trampoline_len;
        Ok(LinkedModule {
            arch: self.options.arch,
            arch_flags: self.options.arch_flags,
            source_name: self.options.source_name.clone(),
            qstrs: self.qstrs,
            text: self.images.text,
            rodata: self.images.rodata,
            bss_size: self.images.bss,
            relocs: self.mpy_relocs,
            got_entries: self.got.len(),
            trampoline_len,
            warnings: self.warnings,
            inputs: self.objects.iter().map(|o| o.input.clone()).collect(),
        })
    }
}

// ---------------------------------------------------------------------------
// Section garbage collection (an improvement; off by default)

impl<'d> Linker<'d> {
    /// True when the section is kept in the output.
    pub(crate) fn is_live(&self, obj: ObjId, sec: SecId) -> bool {
        self.live.as_ref().is_none_or(|l| l.contains(&(obj, sec)))
    }

    /// The section a relocation's symbol lands in, following undefined
    /// symbols to their definitions.
    fn target_section(&self, obj: ObjId, sym: u32) -> Option<(ObjId, SecId)> {
        let s = self.symbol(obj, sym);
        match s.def {
            SymDef::Section(sec) => Some((obj, sec)),
            SymDef::Undefined => {
                let &(o, i) = self.globals.get(s.name)?;
                match self.symbol(o, i).def {
                    SymDef::Section(sec) => Some((o, sec)),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// Keeps only the sections reachable from `mpy_init` through relocations.
    fn collect_garbage(&mut self, entry: (ObjId, u32)) {
        let mut live = std::collections::HashSet::new();
        let mut work = Vec::new();
        if let Some(root) = self.target_section(entry.0, entry.1) {
            live.insert(root);
            work.push(root);
        }
        while let Some((o, s)) = work.pop() {
            for r in &self.section(o, s).relocs {
                if let Some(t) = self.target_section(o, r.sym) {
                    if live.insert(t) {
                        work.push(t);
                    }
                }
            }
        }
        self.live = Some(live);
    }

    /// With garbage collection, the (object, symbol) pairs that relocations
    /// in kept sections refer to; `None` when every section is kept.
    fn live_references(&self) -> Option<std::collections::HashSet<(ObjId, u32)>> {
        let live = self.live.as_ref()?;
        let mut refs = std::collections::HashSet::new();
        for &(o, s) in live {
            for r in &self.section(o, s).relocs {
                refs.insert((o, r.sym));
            }
        }
        Some(refs)
    }
}
