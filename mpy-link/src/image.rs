//! The bytes of a module before relocation: every output section copied to
//! its address, the trampoline, the jump stubs, Xtensa's literal words and
//! the GOT's words (whose loader relocations come first in the stream).

use crate::arch;
use crate::arch::spec::ArchSpec;
use crate::got::{Got, GotSlots};
use crate::layout::{Layout, OutSec};
use crate::model::{Image, Objects};
use crate::mpy::reloc::{MpyReloc, RelocBase};

/// The text image and the separate rodata blob.
#[derive(Debug, Default)]
pub(crate) struct Images {
    pub(crate) text: Vec<u8>,
    pub(crate) rodata: Vec<u8>,
}

impl Images {
    /// The bytes of an image (bss has none; it is never patched).
    pub(crate) fn bytes(&self, image: Image) -> &[u8] {
        match image {
            Image::Rodata => &self.rodata,
            Image::Text | Image::Bss => &self.text,
        }
    }

    /// The bytes of an image, to patch.
    pub(crate) fn bytes_mut(&mut self, image: Image) -> &mut [u8] {
        match image {
            Image::Rodata => &mut self.rodata,
            Image::Text | Image::Bss => &mut self.text,
        }
    }
}

/// Builds the images, and the loader relocations of the GOT's slots.
pub(crate) fn build(
    objects: &Objects<'_>,
    layout: &Layout,
    got: &Got<'_>,
    slots: &GotSlots,
    spec: &ArchSpec,
) -> (Images, Vec<MpyReloc>) {
    let mut text = Vec::with_capacity(layout.text_len as usize);
    text.extend_from_slice(&layout.trampoline);
    let mut rodata = Vec::with_capacity(layout.rodata_len as usize);
    let stub = arch::stub_code(spec.stub).0;
    for p in &layout.placed {
        let bytes: &[u8] = match p.out {
            OutSec::Input(o, s) => objects.section(o, s).data,
            OutSec::Stub(_) => stub,
            OutSec::Got | OutSec::Lit => &[],
        };
        let image = match p.image {
            Image::Text => &mut text,
            Image::Rodata => &mut rodata,
            Image::Bss => continue,
        };
        image.resize(p.addr as usize, 0);
        image.extend_from_slice(bytes);
        image.resize((p.addr + p.size) as usize, 0);
    }
    // Literal words, then the GOT's words, in slot order (the layout sized
    // both sections to hold them).
    let lit = layout.lit_base() as usize;
    for (i, v) in got.lits.iter().enumerate() {
        text[lit + 4 * i..lit + 4 * i + 4].copy_from_slice(&v.to_le_bytes());
    }
    let word = u64::from(spec.word_size);
    let mut relocs = Vec::new();
    for (slot, &(value, kind)) in slots.words.iter().enumerate() {
        let at = layout.got_base() + slot as u64 * word;
        let bytes = value.to_le_bytes();
        text[at as usize..(at + word) as usize].copy_from_slice(&bytes[..word as usize]);
        if let Some(kind) = kind {
            relocs.push(MpyReloc {
                base: RelocBase::Text,
                offset: at,
                kind,
            });
        }
    }
    (Images { text, rodata }, relocs)
}
