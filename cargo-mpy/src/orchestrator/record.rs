//! The link record: what the last link of a module was made from, so an
//! unchanged module is not linked again.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::Result;

use super::Compiled;
use crate::context::ArchPlan;
use crate::fsutil;
use crate::link::Qstrs;
use crate::rust_build::RustArtifact;

/// What the last link of a module was made from: the linker, every input's
/// path, size and time, and the output's own stamp (so an output replaced
/// since, say by another package with the same module name in a shared
/// target directory, is relinked).
pub(super) struct LinkRecord(String);

impl LinkRecord {
    pub(super) fn new(
        plan: &ArchPlan,
        qstrs: &Qstrs,
        compiled: &Compiled,
        rust_lib: Option<&RustArtifact>,
    ) -> Self {
        let mut s = String::new();
        let _ = writeln!(s, "cargo-mpy {}", env!("CARGO_PKG_VERSION"));
        // The linker itself: a rebuilt or reinstalled cargo-mpy (same
        // version, new code) relinks, as cargo recompiles after a compiler
        // change.
        if let Ok(exe) = std::env::current_exe() {
            let _ = writeln!(s, "linker {}", fsutil::stamp(&exe));
        }
        let _ = writeln!(s, "mpy-abi {}", plan.abi);
        let _ = writeln!(s, "source-name {}", plan.source_name);
        let _ = writeln!(s, "arch-flags {}", plan.link.arch_flags);
        let _ = writeln!(s, "qstrs {}", qstrs.native.join(","));
        let _ = writeln!(s, "qstr-objects {}", qstrs.objects.join(","));
        // The helper library that would be linked (its path names a hash
        // of what it is made from), whether or not this link needs it.
        if let Some(lib) = plan.helpers_archive_path() {
            let _ = writeln!(s, "helpers {}", lib.display());
        }
        // The Rust archive is an input like the objects (its stamp counts).
        let inputs = compiled
            .objects
            .iter()
            .map(PathBuf::as_path)
            .chain(rust_lib.map(RustArtifact::path))
            .chain(compiled.bytecode.iter().map(PathBuf::as_path))
            .chain(plan.link.libs.iter().map(PathBuf::as_path))
            .chain(plan.link.runtime.iter().flatten().map(PathBuf::as_path))
            .chain(plan.link.externs.iter().map(|e| e.path.as_path()));
        for p in inputs {
            let _ = writeln!(s, "{}", fsutil::stamp(p));
        }
        LinkRecord(s)
    }

    fn contents(&self, plan: &ArchPlan) -> String {
        format!("{}{}\n", self.0, fsutil::stamp(&plan.paths.output))
    }

    pub(super) fn is_fresh(&self, plan: &ArchPlan) -> bool {
        fs_err::read_to_string(&plan.paths.link_record).is_ok_and(|f| f == self.contents(plan))
    }

    pub(super) fn write(&self, plan: &ArchPlan) -> Result<()> {
        fsutil::atomic_write(&plan.paths.link_record, self.contents(plan).as_bytes())
    }
}
