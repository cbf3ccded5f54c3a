//! The seam to the `mpy-link` library: qstr scan, config header, link and
//! merge, all in-process (no Python tools). Every call into `mpy_link`'s
//! linker lives here, so an API change touches one file. Link errors stay
//! `mpy_link::LinkError`, so callers match them by type.

use std::path::{Path, PathBuf};

use mpy_link::qstr::ConfigHeaderForm;
use mpy_link::{Arch, Improvements, Input, Library, LinkError, LinkOptions, MpyAbi};

use crate::rust_build::RustArtifact;

/// The result of scanning the sources for `MP_QSTR_` names.
#[derive(Debug, Clone)]
pub(crate) struct Qstrs {
    /// The config header every C file is compiled with (`MP_CONFIGFILE`).
    pub header: String,
    /// The module's own qstrs, in table order.
    pub native: Vec<String>,
    /// String objects of the object table (MicroPython 1.20's
    /// `MP_OBJ_NEW_QSTR`; empty for the other forms).
    pub objects: Vec<String>,
}

/// Scans `paths` (all sources, as `mpy_ld.py --preprocess` does); the
/// config header in the form the C headers expect.
pub(crate) fn scan_qstrs(paths: &[&Path], form: ConfigHeaderForm) -> Result<Qstrs, LinkError> {
    let scan = mpy_link::qstr::scan_files(paths)?;
    Ok(Qstrs {
        header: mpy_link::qstr::config_header_in(&scan, form),
        objects: if form == ConfigHeaderForm::WithQstrObjects {
            scan.object_names().to_vec()
        } else {
            Vec::new()
        },
        native: scan.native_names_for(form).to_vec(),
    })
}

/// What to link into one native `.mpy`.
#[derive(Debug, Clone)]
pub(crate) struct NativeLink<'a> {
    /// Target architecture.
    pub arch: Arch,
    /// The `.mpy` ABI.
    pub abi: MpyAbi,
    /// Native qstrs in table order.
    pub qstrs: &'a [String],
    /// String objects of the object table.
    pub qstr_objects: &'a [String],
    /// Name recorded in the file.
    pub source_name: &'a str,
    /// Architecture flags (0 for none).
    pub arch_flags: u32,
    /// Fixed symbol addresses.
    pub externs: &'a [(String, u64)],
    /// Object files in link order.
    pub objects: &'a [PathBuf],
    /// Archives.
    pub libs: &'a [PathBuf],
    /// The package's Rust code, when it has some.
    pub rust: Option<&'a RustArtifact>,
}

/// A linked native module.
#[derive(Debug, Clone)]
pub(crate) struct Linked {
    /// The `.mpy` bytes.
    pub mpy: Vec<u8>,
    /// The linker's remarks.
    pub warnings: Vec<String>,
}

/// Links objects into a native `.mpy`, as `mpy_ld.py` would.
pub(crate) fn link_native(job: &NativeLink<'_>) -> Result<Linked, LinkError> {
    let opts = LinkOptions {
        arch: job.arch,
        abi: job.abi,
        qstrs: job.qstrs.to_vec(),
        qstr_objects: job.qstr_objects.to_vec(),
        source_name: job.source_name.to_string(),
        arch_flags: job.arch_flags,
        externs: job.externs.to_vec(),
        // C keeps mpy_ld.py's byte-identical output; Rust code needs the
        // improvements (function sections, static data).
        improvements: if job.rust.is_some() {
            Improvements {
                static_data: true,
                gc_sections: true,
            }
        } else {
            Improvements::default()
        },
    };
    let mut inputs = job
        .objects
        .iter()
        .map(|p| Input::from_path(p))
        .collect::<Result<Vec<_>, _>>()?;
    let mut libs = job
        .libs
        .iter()
        .map(|p| Library::open(p))
        .collect::<Result<Vec<_>, _>>()?;
    match job.rust {
        Some(RustArtifact::Staticlib(rust)) => {
            let lib = Library::open(rust)?;
            // The member defining `mpy_init` is the root; everything else in
            // the archive is pulled in only when something needs it.
            if let Some(root) = lib.member_defining("mpy_init")? {
                inputs.push(root);
            }
            libs.insert(0, lib);
        }
        Some(RustArtifact::Object(obj)) => inputs.push(Input::from_path(obj)?),
        None => {}
    }
    let linked = mpy_link::link(&opts, &inputs, &libs)?;
    Ok(Linked {
        mpy: linked.to_mpy(),
        warnings: linked.warnings.clone(),
    })
}

/// Merges the native part and the bytecode parts into one file (as
/// `mpy-tool.py --merge`).
pub(crate) fn merge(parts: &[(String, Vec<u8>)]) -> anyhow::Result<Vec<u8>> {
    let refs: Vec<(&str, &[u8])> = parts
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    Ok(mpy_link::mpy::merge::merge(&refs)?)
}
