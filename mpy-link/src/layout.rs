//! Layout: which block of the module each section goes to, the order of
//! the output sections, their addresses, and the entry trampoline. The
//! result is a [`Layout`] value; nothing is written yet.
//!
//! The order is `mpy_ld.py`'s: the input sections in load order, the GOT
//! last and the `memset`/`memmove` stubs after the first section; where the
//! GOT is made from literal pools (Xtensa) the GOT and the literal table
//! come first. The trampoline (a jump
//! to `mpy_init` at text offset 0) is chosen after placing everything, so
//! it always lands on `mpy_init`.

use crate::arch::spec::ArchSpec;
use crate::arch::{self, spec::RelocTable};
use crate::error::{LinkError, Result};
use crate::gc::Live;
use crate::model::{Image, ObjId, Objects, SecClass, SecId, SymDef, SymId};
use crate::options::Improvements;
use crate::resolve::{Resolution, Target};

/// A section of the output: an input section or one the linker makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum OutSec {
    Input(ObjId, SecId),
    /// The global offset table.
    Got,
    /// Xtensa's deduplicated literal words.
    Lit,
    /// Absolute-jump stub to `mp_fun_table[n]` (memset/memmove).
    Stub(u8),
}

/// One placed output section.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Placed {
    pub(crate) out: OutSec,
    pub(crate) image: Image,
    pub(crate) addr: u64,
    pub(crate) size: u64,
}

/// Where everything goes.
#[derive(Debug)]
pub(crate) struct Layout {
    /// Output sections in layout order, with their places.
    pub(crate) placed: Vec<Placed>,
    /// Per object, per section: its place, when it is in the output.
    sections: Vec<Vec<Option<(Image, u64)>>>,
    got: u64,
    lit: u64,
    /// The jump at text offset 0 (empty when `mpy_init` is there already).
    pub(crate) trampoline: Vec<u8>,
    /// Sizes of the text image, the rodata blob and the bss block.
    pub(crate) text_len: u64,
    pub(crate) rodata_len: u64,
    pub(crate) bss_len: u64,
    word: u64,
}

impl Layout {
    /// Image and address of an input section, when it is in the output.
    pub(crate) fn section(&self, obj: ObjId, sec: SecId) -> Option<(Image, u64)> {
        *self.sections.get(obj.index())?.get(sec.index())?
    }

    /// Address of the GOT in the text image.
    pub(crate) fn got_base(&self) -> u64 {
        self.got
    }

    /// Address of the literal table in the text image (Xtensa).
    pub(crate) fn lit_base(&self) -> u64 {
        self.lit
    }

    /// Address of the stub calling `mp_fun_table[entry]`.
    pub(crate) fn stub(&self, entry: u8) -> Option<u64> {
        self.placed
            .iter()
            .find(|p| p.out == OutSec::Stub(entry))
            .map(|p| p.addr)
    }

    /// Size of a machine word.
    pub(crate) fn word(&self) -> u64 {
        self.word
    }
}

/// What the layout needs to know.
pub(crate) struct Inputs<'a, 'd> {
    pub(crate) objects: &'a Objects<'d>,
    pub(crate) live: &'a Live,
    pub(crate) resolution: &'a Resolution,
    pub(crate) spec: &'static ArchSpec,
    pub(crate) table: &'static RelocTable,
    pub(crate) improvements: Improvements,
    /// Number of GOT entries and of Xtensa literal words.
    pub(crate) got_entries: usize,
    pub(crate) lits: usize,
    /// `mpy_init`.
    pub(crate) entry: (ObjId, SymId),
}

/// Lays out a link. Warnings (an unusual alignment of `mpy_init`) are
/// appended to `warnings`.
pub(crate) fn lay_out(inp: &Inputs<'_, '_>, warnings: &mut Vec<String>) -> Result<Layout> {
    let images = choose_images(inp);
    let order = order(inp);
    let word = u64::from(inp.spec.word_size);
    let (entry_obj, entry_sym) = inp.entry;
    let entry = inp.objects.symbol(entry_obj, entry_sym);
    let SymDef::Section(entry_sec) = entry.def else {
        return Err(LinkError::NoEntry);
    };
    let entry_align = inp.objects.section(entry_obj, entry_sec).align;
    if !inp.spec.entry_aligns.contains(&entry_align) {
        warnings.push(format!(
            "the .text section holding `mpy_init` has an alignment of {entry_align} bytes, which is not tested for {} and may not work",
            inp.spec.machine_name
        ));
    }
    let sizes: Vec<(u64, u64, Image)> = order
        .iter()
        .map(|&out| size_align(inp, &images, out))
        .collect();
    let entry_at = |placed: &[Placed]| {
        placed
            .iter()
            .find(|p| p.out == OutSec::Input(entry_obj, entry_sec))
            .map(|p| p.addr + entry.value)
            .ok_or(LinkError::NoEntry)
    };
    let (mut placed, mut ends) = assign(&order, &sizes, 0);
    let mut trampoline = Vec::new();
    if entry_at(&placed)? != 0 {
        let mut gap = entry_align;
        loop {
            (placed, ends) = assign(&order, &sizes, gap);
            let code = arch::trampoline(inp.spec.jump, entry_at(&placed)?)?;
            if code.len() as u64 <= gap {
                trampoline = code;
                trampoline.resize(gap as usize, 0);
                break;
            }
            gap += entry_align;
        }
    }
    let mut sections: Vec<Vec<Option<(Image, u64)>>> = inp
        .objects
        .iter()
        .map(|(_, o)| vec![None; o.sections.len()])
        .collect();
    let (mut got, mut lit) = (0, 0);
    for p in &placed {
        match p.out {
            OutSec::Input(o, s) => sections[o.index()][s.index()] = Some((p.image, p.addr)),
            OutSec::Got => got = p.addr,
            OutSec::Lit => lit = p.addr,
            OutSec::Stub(_) => {}
        }
    }
    Ok(Layout {
        placed,
        sections,
        got,
        lit,
        trampoline,
        text_len: ends[0],
        rodata_len: ends[1],
        bss_len: ends[2],
        word,
    })
}

/// With `static_data`, the bss sections that some relocation reaches other
/// than through the GOT or an absolute word (PC-relative code, GOT-relative
/// offsets): those go into the text image, next to the code. Bss reached
/// only through the GOT (global variables of `-fpic` code, exported Rust
/// statics) or absolute words stays in the module's BSS block and costs
/// nothing in the file. (Where code lives in instruction RAM no bss goes
/// there; see [`size_align`].)
fn choose_images(inp: &Inputs<'_, '_>) -> Vec<Vec<bool>> {
    let objects = inp.objects;
    let mut in_text: Vec<Vec<bool>> = objects
        .iter()
        .map(|(_, o)| vec![false; o.sections.len()])
        .collect();
    if !inp.improvements.static_data || inp.spec.text_is_iram {
        return in_text;
    }
    for (obj, o) in objects.iter() {
        for (sec, section) in o.sections() {
            if !inp.live.contains(obj, sec) {
                continue;
            }
            for r in &section.relocs {
                if inp.table.via_got.contains(&r.r_type) || inp.table.is_abs_word(r.r_type) {
                    continue;
                }
                if let Ok(Target::Defined {
                    obj: to, sec: ts, ..
                }) = inp.resolution.target(objects, obj, r.sym)
                {
                    if objects.section(to, ts).class == SecClass::Bss {
                        in_text[to.index()][ts.index()] = true;
                    }
                }
            }
        }
    }
    in_text
}

/// Output section order.
fn order(inp: &Inputs<'_, '_>) -> Vec<OutSec> {
    let first = inp.spec.literal_pools;
    let mut order = Vec::new();
    if first {
        order.push(OutSec::Got);
        order.push(OutSec::Lit);
    }
    for (obj, o) in inp.objects.iter() {
        for (sec, section) in o.sections() {
            if section.class != SecClass::Literal && inp.live.contains(obj, sec) {
                order.push(OutSec::Input(obj, sec));
            }
        }
    }
    if !first {
        order.push(OutSec::Got);
        // Each stub goes right after the first section, so the last one
        // made comes first.
        for &entry in &inp.resolution.stubs {
            order.insert(1.min(order.len()), OutSec::Stub(entry));
        }
    }
    order
}

/// Size, alignment and image of an output section.
fn size_align(inp: &Inputs<'_, '_>, bss_in_text: &[Vec<bool>], out: OutSec) -> (u64, u64, Image) {
    let spec = inp.spec;
    let word = u64::from(spec.word_size);
    match out {
        OutSec::Input(o, s) => {
            let section = inp.objects.section(o, s);
            let image = match section.class {
                SecClass::Rodata | SecClass::DataRelRo if spec.separate_rodata => Image::Rodata,
                // Static data: where code runs from writable RAM, bss that
                // code reaches PC-relatively goes into the text image.
                SecClass::Bss
                    if inp.improvements.static_data
                        && !spec.text_is_iram
                        && bss_in_text[o.index()][s.index()] =>
                {
                    Image::Text
                }
                SecClass::Bss => Image::Bss,
                // Initialised data next to rodata where that is a separate
                // (writable) heap block; loading refused it elsewhere.
                SecClass::Data if spec.text_is_iram => Image::Rodata,
                _ => Image::Text,
            };
            (section.size, section.align, image)
        }
        OutSec::Got => (inp.got_entries as u64 * word, word, Image::Text),
        OutSec::Lit => (inp.lits as u64 * word, word, Image::Text),
        OutSec::Stub(_) => (arch::stub_code(spec.stub).0.len() as u64, word, Image::Text),
    }
}

/// Assigns addresses with `trampoline` bytes reserved at text offset 0;
/// returns the places and the end of each image (text, rodata, bss).
fn assign(
    order: &[OutSec],
    sizes: &[(u64, u64, Image)],
    trampoline: u64,
) -> (Vec<Placed>, [u64; 3]) {
    let mut ends = [trampoline, 0, 0];
    let mut placed = Vec::with_capacity(order.len());
    for (&out, &(size, align, image)) in order.iter().zip(sizes) {
        let end = &mut ends[match image {
            Image::Text => 0,
            Image::Rodata => 1,
            Image::Bss => 2,
        }];
        let addr = align_to(*end, align);
        *end = addr + size;
        placed.push(Placed {
            out,
            image,
            addr,
            size,
        });
    }
    (placed, ends)
}

/// `value` rounded up to a multiple of `align`.
fn align_to(value: u64, align: u64) -> u64 {
    let align = align.max(1);
    value.div_ceil(align) * align
}
