//! The link as a sequence of phases, each handing an immutable value to the
//! next (see the crate documentation), and what comes out of it
//! ([`LinkedModule`]).

use crate::arch::{self, spec::Arch};
use crate::elf::load_object;
use crate::error::{LinkError, Result};
use crate::gc::Live;
use crate::got::Got;
use crate::image;
use crate::input::{Input, Library};
use crate::layout::{self, lay_out};
use crate::model::{InputRef, Objects};
use crate::mpy::reloc::MpyReloc;
use crate::mpy::write::{write_native, NativeCode};
use crate::options::LinkOptions;
use crate::relocate::Relocator;
use crate::resolve::resolve;
use crate::select::select_members;
use crate::symbols::SymbolTable;
use mpy_sys::abi::{MpyAbi, ARCHES};

/// A linked native module, ready to be written.
#[derive(Debug, Clone)]
pub struct LinkedModule {
    /// Architecture.
    pub arch: Arch,
    /// The `.mpy` ABI linked for.
    pub abi: MpyAbi,
    /// Architecture flags (rv32imc).
    pub arch_flags: u32,
    /// File name recorded as qstr 0.
    pub source_name: String,
    /// Native qstrs, in table order (index 1 onwards).
    pub qstrs: Vec<String>,
    /// String objects of the object table (MicroPython 1.20's
    /// `MP_OBJ_NEW_QSTR`), in order.
    pub objects: Vec<String>,
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
        write_native(&NativeCode {
            arch: self.arch,
            abi: self.abi,
            arch_flags: self.arch_flags,
            source_name: &self.source_name,
            qstrs: &self.qstrs,
            objects: &self.objects,
            text: &self.text,
            rodata: &self.rodata,
            bss_size: self.bss_size,
            relocs: &self.relocs,
        })
    }
}

/// Links objects (and the members of libraries they need) into a native
/// module.
pub fn link(options: &LinkOptions, objects: &[Input], libs: &[Library]) -> Result<LinkedModule> {
    let spec = options.arch.spec();
    check_abi_loads_arch(options.abi, options.arch)?;
    if options.arch_flags != 0 && !spec.arch_flags {
        return Err(LinkError::ArchFlags {
            value: options.arch_flags.to_string(),
            reason: format!("architecture `{}` takes no flags", options.arch),
        });
    }
    let mut loaded = objects
        .iter()
        .map(|input| load_object(spec, &input.name, &input.data, &options.improvements))
        .collect::<Result<Vec<_>>>()?;
    // Archive members are read into owned buffers that outlive the link.
    let members = if libs.is_empty() {
        Vec::new()
    } else {
        select_members(spec, options.improvements, &loaded, libs)?
    };
    for (name, data) in &members {
        loaded.push(load_object(spec, name, data, &options.improvements)?);
    }
    link_objects(options, &Objects::new(loaded))
}

/// The phases after loading.
fn link_objects(options: &LinkOptions, objects: &Objects<'_>) -> Result<LinkedModule> {
    let spec = options.arch.spec();
    let table = arch::reloc_table(spec);
    let symbols = SymbolTable::build(objects)?;
    let entry = symbols.entry();
    let live = match entry {
        Some(entry) if options.improvements.gc_sections => {
            Live::reachable(objects, &symbols, entry)
        }
        _ => Live::everything(),
    };
    let resolution = resolve(objects, &symbols, &live, options, spec)?;
    let mut warnings = resolution.warnings.clone();
    let entry = entry.ok_or(LinkError::NoEntry)?;
    let got = Got::build(
        objects,
        &live,
        &resolution,
        spec,
        table,
        &options.externs,
        options.improvements.gc_sections,
    )?;
    let layout = lay_out(
        &layout::Inputs {
            objects,
            live: &live,
            resolution: &resolution,
            spec,
            table,
            improvements: options.improvements,
            got_entries: got.len(),
            lits: got.lits.len(),
            entry,
        },
        &mut warnings,
    )?;
    let slots = got.slots(objects, &layout, spec)?;
    let (mut images, mut relocs) = image::build(objects, &layout, &got, &slots, spec);
    Relocator {
        objects,
        resolution: &resolution,
        got: &got,
        slots: &slots,
        layout: &layout,
        spec,
        table,
    }
    .relocate(&mut images, &mut relocs)?;
    Ok(LinkedModule {
        arch: options.arch,
        abi: options.abi,
        arch_flags: options.arch_flags,
        source_name: options.source_name.clone(),
        qstrs: resolution.qstrs,
        objects: options.qstr_objects.clone(),
        text: images.text,
        rodata: images.rodata,
        bss_size: layout.bss_len,
        relocs,
        got_entries: got.len(),
        trampoline_len: layout.trampoline.len(),
        warnings,
        inputs: objects.inputs(),
    })
}

/// Fails when no firmware of `abi` loads native code for `arch` (RISC-V
/// before 6.3): [`LinkError::ArchNotInAbi`].
pub fn check_abi_loads_arch(abi: MpyAbi, arch: Arch) -> Result<()> {
    let Some(facts) = ARCHES.iter().find(|a| a.name == arch.name()) else {
        return Ok(());
    };
    if abi.supports_arch(facts) {
        return Ok(());
    }
    let needs = MpyAbi::ALL
        .into_iter()
        .find(|a| a.supports_arch(facts))
        .unwrap_or(MpyAbi::DEFAULT);
    Err(LinkError::ArchNotInAbi {
        arch,
        abi,
        releases: abi.releases(),
        since: facts
            .firmware_since
            .map(|r| format!("{}.{}", r.major, r.minor))
            .unwrap_or_default(),
        needs,
    })
}
