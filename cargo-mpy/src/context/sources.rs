//! The module's sources: the manifest's `sources` patterns expanded, in
//! order, each with its kind.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::config::SourceEntry;

/// What a source file is, by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SourceKind {
    /// `.c`
    C,
    /// `.S` (preprocessed assembly)
    Asm,
    /// `.py`, compiled by `mpy-cross`
    Py,
}

/// One source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Source {
    /// The path as given to the tools: relative to the manifest directory
    /// when the manifest gave it so, else absolute.
    pub rel: PathBuf,
    /// Absolute path.
    pub abs: PathBuf,
    /// Its kind.
    pub kind: SourceKind,
    /// `mpy-cross` flags of this file only (its `sources` entry's).
    pub mpy_cross_flags: Vec<String>,
}

/// Expands `sources` (globs allowed) relative to `manifest_dir`, in the
/// order given, without duplicates.
pub(crate) fn expand_sources(entries: &[SourceEntry], manifest_dir: &Path) -> Result<Vec<Source>> {
    let mut out: Vec<Source> = Vec::new();
    for entry in entries {
        let pat = &entry.path;
        let is_glob = pat.contains(['*', '?', '[']);
        let mut found = Vec::new();
        if is_glob {
            // Check the pattern as written, so an error's position is in
            // it; the directory it is joined to is escaped (a checkout
            // path may hold `[` or `*`).
            glob::Pattern::new(pat)
                .with_context(|| format!("invalid glob `{pat}` in `sources`"))?;
            let full = if Path::new(pat).is_absolute() {
                pat.clone()
            } else {
                let dir = glob::Pattern::escape(&manifest_dir.to_string_lossy());
                format!("{}/{pat}", dir.trim_end_matches('/'))
            };
            let entries =
                glob::glob(&full).with_context(|| format!("invalid glob `{pat}` in `sources`"))?;
            for entry in entries {
                let abs = entry.with_context(|| format!("cannot read a match of `{pat}`"))?;
                if abs.is_file() {
                    found.push(abs);
                }
            }
            if found.is_empty() {
                bail!(
                    "source pattern `{pat}` matches no files (relative to `{}`)",
                    manifest_dir.display()
                );
            }
        } else {
            found.push(existing_file(manifest_dir, pat, "source", "")?);
        }
        for abs in found {
            let rel = match abs.strip_prefix(manifest_dir) {
                Ok(r) if !Path::new(pat).is_absolute() => r.to_owned(),
                _ => abs.clone(),
            };
            let kind = match abs.extension().and_then(|e| e.to_str()) {
                Some("c") => SourceKind::C,
                Some("S") => SourceKind::Asm,
                Some("py") => SourceKind::Py,
                _ => bail!(
                    "source `{}` has an unsupported extension; `sources` takes `.c`, `.S` and `.py` files",
                    rel.display()
                ),
            };
            if !entry.mpy_cross_flags.is_empty() && kind != SourceKind::Py {
                bail!(
                    "`mpy-cross-flags` is given for `{}` in `sources`, which is not a `.py` file",
                    rel.display()
                );
            }
            if !out.iter().any(|s| s.abs == abs) {
                out.push(Source {
                    rel,
                    abs,
                    kind,
                    mpy_cross_flags: entry.mpy_cross_flags.clone(),
                });
            }
        }
    }
    Ok(out)
}

/// `dir/rel`, which must be a file; `noun` and `note` name it in the error:
/// ``library `libx.a` (in `libs`) does not exist (looked for `...`)``.
pub(crate) fn existing_file(dir: &Path, rel: &str, noun: &str, note: &str) -> Result<PathBuf> {
    let path = dir.join(rel);
    if !path.is_file() {
        bail!(
            "{noun} `{rel}`{note} does not exist (looked for `{}`)",
            path.display()
        );
    }
    Ok(path)
}

/// A relative path inside the build directory for the source `rel`, with
/// `suffix` appended to its file name (`a.c` -> `a.c.o`, so `a.c` and `a.S`
/// differ). Distinct sources get distinct paths: each component maps
/// one-to-one, and a parent (`..`) or the root of an absolute path becomes a
/// component no plain name maps to: `_up` and `_root`, while a name that
/// starts with `_` gets one more (`__/x.c` -> `___/x.c.o`, `../x.c` ->
/// `_up/x.c.o`, `/x.c` -> `_root/x.c.o`, `_root/x.c` -> `__root/x.c.o`).
/// `.` components are dropped (`./a.c` is `a.c`).
pub(crate) fn flatten(rel: &Path, suffix: &str) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in rel.components() {
        match c {
            Component::Normal(n) => {
                let n = n.to_string_lossy();
                if n.starts_with('_') {
                    out.push(format!("_{n}"));
                } else {
                    out.push(&*n);
                }
            }
            Component::ParentDir => out.push("_up"),
            Component::RootDir => out.push("_root"),
            // A Windows drive or share: its text, made a plain name.
            Component::Prefix(p) => out.push(format!(
                "_prefix_{}",
                p.as_os_str()
                    .to_string_lossy()
                    .replace(|c: char| !c.is_ascii_alphanumeric(), "_")
            )),
            Component::CurDir => {}
        }
    }
    let mut name = out.into_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_keep_order_and_globs_sort() {
        let d = tempfile::tempdir().unwrap();
        for f in ["b.c", "a.c", "m.py", "s.S", "sub/z.c"] {
            let p = d.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "").unwrap();
        }
        let got = expand_sources(
            &["m.py", "*.c", "s.S", "a.c", "sub/*.c"].map(SourceEntry::from),
            d.path(),
        )
        .unwrap();
        let names: Vec<_> = got
            .iter()
            .map(|s| s.rel.to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["m.py", "a.c", "b.c", "s.S", "sub/z.c"]);
        let err = expand_sources(&["nope.c".into()], d.path())
            .unwrap_err()
            .to_string();
        assert!(err.contains("source `nope.c` does not exist"), "{err}");
        let err = expand_sources(&["*.rs".into()], d.path())
            .unwrap_err()
            .to_string();
        assert!(err.contains("matches no files"), "{err}");
        std::fs::write(d.path().join("x.txt"), "").unwrap();
        let err = expand_sources(&["x.txt".into()], d.path())
            .unwrap_err()
            .to_string();
        assert!(err.contains("unsupported extension"), "{err}");
    }

    #[test]
    fn flattened_paths_are_distinct() {
        let cases = [
            ("a.c", "a.c.o"),
            ("./a.c", "a.c.o"),
            ("a.S", "a.S.o"),
            ("../lib/a.c", "_up/lib/a.c.o"),
            ("__/lib/a.c", "___/lib/a.c.o"),
            ("_up/lib/a.c", "__up/lib/a.c.o"),
            ("/abs/a.c", "_root/abs/a.c.o"),
            ("abs/a.c", "abs/a.c.o"),
            ("_root/abs/a.c", "__root/abs/a.c.o"),
            ("../../a.c", "_up/_up/a.c.o"),
        ];
        for (src, want) in cases {
            assert_eq!(flatten(Path::new(src), ".o"), PathBuf::from(want), "{src}");
        }
        let mut all: Vec<PathBuf> = cases
            .iter()
            .filter(|(s, _)| !s.starts_with("./"))
            .map(|(s, _)| flatten(Path::new(s), ".o"))
            .collect();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), cases.len() - 1);
    }
}
