//! `cargo mpy inspect FILE.mpy [--json]`: what a `.mpy` file holds, read
//! with mpy-link's reader: the text dump `mpy-link --dump` prints, or a
//! JSON summary (version, architecture, sub-version, qstrs, text/rodata/bss
//! sizes, relocations, merged parts) for programs.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use mpy_link::mpy::dump;
use mpy_link::mpy::raw_code::{CodeKind, RawCode};
use mpy_link::mpy::read::{self, Mpy};
use serde_json::{json, Value};

use crate::shell::Shell;

/// Show what a `.mpy` file holds.
#[derive(Debug, Clone, Args)]
pub struct InspectArgs {
    /// The `.mpy` file.
    pub file: PathBuf,
    /// Print one JSON object instead of the text dump.
    #[arg(long)]
    pub json: bool,
}

impl InspectArgs {
    /// Reads the file and prints the dump or the JSON summary on stdout.
    pub fn run(self, shell: &Shell) -> Result<()> {
        let data = fs_err::read(&self.file)?;
        let name = self.file.display().to_string();
        let mpy = read::read(&name, &data)
            .with_context(|| format!("`{name}` is not a valid `.mpy` file"))?;
        if self.json {
            shell.stdout_line(&summary(&mpy).to_string());
        } else {
            shell.stdout_line(&dump::dump(&mpy).trim_end());
        }
        Ok(())
    }
}

/// The native raw code of a file: the outer one, or the first native child
/// of a merged file.
fn native_part<'m, 'a>(mpy: &'m Mpy<'a>) -> Option<&'m RawCode<'a>> {
    if mpy.raw_code.native.is_some() {
        return Some(&mpy.raw_code);
    }
    mpy.raw_code.children.iter().find(|c| c.native.is_some())
}

/// The JSON summary of a parsed file.
pub(crate) fn summary(mpy: &Mpy<'_>) -> Value {
    let h = &mpy.header;
    let word = h.word_size();
    let native = native_part(mpy).map(|rc| {
        let info = rc.native.as_ref();
        let relocs: Vec<Value> = rc
            .relocations()
            .iter()
            .map(|e| {
                json!({
                    "base": match e.base {
                        mpy_link::mpy::reloc::RelocBase::Text => "text",
                        mpy_link::mpy::reloc::RelocBase::Rodata => "rodata",
                    },
                    "word_offset": e.word_offset,
                    "count": e.count,
                    "text": dump::format_reloc(e, word),
                })
            })
            .collect();
        json!({
            "kind": rc.kind.name(),
            "text_size": rc.fun_data.len(),
            "rodata_size": info.and_then(|n| n.rodata_size).unwrap_or(0),
            "bss_size": info.and_then(|n| n.bss_size).unwrap_or(0),
            "relocations": relocs,
        })
    });
    // A merged module: bytecode at the top that runs each part in turn,
    // the native part among its children.
    let merged = mpy.raw_code.kind == CodeKind::Bytecode
        && mpy.raw_code.children.iter().any(|c| c.native.is_some());
    let parts: Vec<Value> = if merged {
        mpy.raw_code
            .children
            .iter()
            .map(|c| json!({"kind": c.kind.name(), "name": mpy.function_name(c)}))
            .collect()
    } else {
        vec![json!({"kind": mpy.raw_code.kind.name(), "name": mpy.function_name(&mpy.raw_code)})]
    };
    json!({
        "file": mpy.name,
        "size": mpy.data.len(),
        "version": h.version,
        "sub_version": h.has_native().then_some(h.sub_version),
        "arch": h.arch_name(),
        "arch_code": h.arch,
        "arch_flags": h.arch_flags,
        "small_int_bits": h.small_int_bits,
        "qstrs": mpy.qstrs.iter().map(|q| q.qstr.text().into_owned()).collect::<Vec<_>>(),
        "objects": mpy.objects.len(),
        "native": native,
        "merged": merged,
        "parts": parts,
    })
}
