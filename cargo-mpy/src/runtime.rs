//! The runtime crates (`mpy`, `mpy-sys`, `mpy-macros`) that cargo-mpy carries.
//!
//! A Rust module depends on `mpy = "<version>"` like on any crate. cargo-mpy's build
//! (`build.rs`) put the runtime's sources into this binary; [`Runtime::extract`] writes
//! them once per version and content to a per-user cache directory, and the Rust build
//! points cargo at them with `--config patch.crates-io.<crate>.path=...` for every runtime
//! crate the package takes from crates.io. So an installed `cargo mpy` builds modules
//! offline, without the source checkout, and always with the runtime of its own version
//! (the linker and the runtime share conventions such as the qstr symbol spelling).
//! A package that names a runtime crate by `path` or `git` gets what it names.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::error::error_with_help;

/// The bundle `build.rs` wrote: entries `path\nlength\nbytes`.
const BUNDLE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/runtime.bundle"));

/// The runtime crates, as named on crates.io and as directories of the extracted copy.
pub(crate) const CRATES: [&str; 3] = ["mpy", "mpy-sys", "mpy-macros"];

/// The environment variable that moves the cache directory.
pub(crate) const HOME_ENV: &str = "CARGO_MPY_HOME";

/// An extracted copy of the runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Runtime {
    /// The directory holding one directory per crate.
    pub dir: PathBuf,
    /// The crates' version.
    pub version: String,
}

impl Runtime {
    /// The directory of `krate` (one of [`CRATES`]).
    pub(crate) fn crate_dir(&self, krate: &str) -> PathBuf {
        self.dir.join(krate)
    }

    /// Extracts the carried runtime below the cache directory, unless an earlier run did.
    pub(crate) fn extract() -> Result<Runtime> {
        let files = files(BUNDLE)?;
        let version = version(&files)?;
        let root = cache_dir()?;
        let dir = root.join(format!("runtime-{version}-{:016x}", fnv1a64(BUNDLE)));
        if !dir.is_dir() {
            write_tree(&root, &dir, &files)
                .with_context(|| format!("cannot write the mpy runtime to `{}`", dir.display()))?;
        }
        Ok(Runtime { dir, version })
    }
}

/// The carried runtime's version, without extracting it.
pub(crate) fn carried_version() -> Result<String> {
    version(&files(BUNDLE)?)
}

/// The per-user cache directory: `$CARGO_MPY_HOME`, else `$XDG_CACHE_HOME/cargo-mpy`,
/// else `~/.cache/cargo-mpy`.
pub(crate) fn cache_dir() -> Result<PathBuf> {
    let var = |name| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(home) = var(HOME_ENV) {
        return Ok(std::path::absolute(home)?);
    }
    if let Some(cache) = var("XDG_CACHE_HOME") {
        return Ok(std::path::absolute(cache)?.join("cargo-mpy"));
    }
    match var("HOME") {
        Some(home) => Ok(home.join(".cache").join("cargo-mpy")),
        None => Err(error_with_help(
            "cannot choose a directory for the mpy runtime: `HOME` is not set",
            format!("set `{HOME_ENV}` to a directory cargo-mpy may write to"),
        )),
    }
}

/// The bundle's files, their manifests made self-contained.
fn files(bundle: &[u8]) -> Result<Vec<(String, Vec<u8>)>> {
    let mut raw = Vec::new();
    let mut rest = bundle;
    while !rest.is_empty() {
        let (path, after) = line(rest)?;
        let (len, after) = line(after)?;
        let len: usize = len.parse().context("corrupt runtime bundle")?;
        let data = after.get(..len).context("corrupt runtime bundle")?;
        raw.push((path.to_string(), data.to_vec()));
        rest = &after[len..];
    }
    let workspace = raw
        .iter()
        .find(|(p, _)| p == "workspace/Cargo.toml")
        .map(|(_, d)| toml::from_str::<toml::Table>(&String::from_utf8_lossy(d)))
        .transpose()
        .context("the carried workspace manifest does not parse")?;
    raw.into_iter()
        .filter(|(p, _)| !p.starts_with("workspace/"))
        .map(|(path, data)| {
            let krate = path.split('/').next().unwrap_or_default();
            if path == format!("{krate}/Cargo.toml") {
                let text = String::from_utf8_lossy(&data);
                let manifest = self_contained_manifest(&text, workspace.as_ref())
                    .with_context(|| format!("the carried manifest `{path}` is not usable"))?;
                Ok((path, manifest.into_bytes()))
            } else {
                Ok((path, data))
            }
        })
        .collect()
}

fn line(data: &[u8]) -> Result<(&str, &[u8])> {
    let end = data
        .iter()
        .position(|&b| b == b'\n')
        .context("corrupt runtime bundle")?;
    let text = std::str::from_utf8(&data[..end]).context("corrupt runtime bundle")?;
    Ok((text, &data[end + 1..]))
}

/// `mpy`'s version.
fn version(files: &[(String, Vec<u8>)]) -> Result<String> {
    let (_, manifest) = files
        .iter()
        .find(|(p, _)| p == "mpy/Cargo.toml")
        .context("the runtime bundle has no `mpy/Cargo.toml`")?;
    let doc: toml::Table = toml::from_str(&String::from_utf8_lossy(manifest))?;
    doc.get("package")
        .and_then(|p| p.get("version"))
        .and_then(|v| v.as_str())
        .map(str::to_string)
        .context("the carried `mpy/Cargo.toml` has no version")
}

/// A runtime crate's manifest that builds where it is extracted: what it inherits from
/// its workspace filled in (as `cargo package` does), dev-dependencies dropped, and the
/// other runtime crates taken from their sibling directories.
fn self_contained_manifest(text: &str, workspace: Option<&toml::Table>) -> Result<String> {
    let mut doc: toml::Table = toml::from_str(text)?;
    let ws = workspace
        .and_then(|w| w.get("workspace"))
        .and_then(|w| w.as_table());
    let ws_get = |section: &str, key: &str| -> Result<toml::Value> {
        ws.and_then(|w| w.get(section))
            .and_then(|s| s.get(key))
            .cloned()
            .with_context(|| {
                format!(
                    "`{key}` is inherited from a workspace that has no `workspace.{section}.{key}`"
                )
            })
    };
    if let Some(package) = doc.get_mut("package").and_then(|p| p.as_table_mut()) {
        for (key, value) in package.iter_mut() {
            if inherited(value) {
                *value = ws_get("package", key)?;
            }
        }
    }
    if doc.get("lints").is_some_and(inherited) {
        let lints = ws
            .and_then(|w| w.get("lints"))
            .cloned()
            .context("`lints` is inherited from a workspace that has no `workspace.lints`")?;
        doc.insert("lints".into(), lints);
    }
    doc.remove("dev-dependencies");
    for section in ["dependencies", "build-dependencies"] {
        let Some(deps) = doc.get_mut(section).and_then(|d| d.as_table_mut()) else {
            continue;
        };
        for (name, spec) in deps.iter_mut() {
            if inherited(spec) {
                let mut table = match ws_get("dependencies", name)? {
                    toml::Value::String(version) => {
                        toml::Table::from_iter([("version".to_string(), version.into())])
                    }
                    toml::Value::Table(t) => t,
                    other => bail!("`workspace.dependencies.{name}` is `{other}`"),
                };
                if let Some(own) = spec.as_table() {
                    for (k, v) in own.iter().filter(|(k, _)| *k != "workspace") {
                        table.insert(k.clone(), v.clone());
                    }
                }
                *spec = toml::Value::Table(table);
            }
            if CRATES.contains(&name.as_str()) {
                let table = match spec {
                    toml::Value::String(version) => {
                        toml::Table::from_iter([("version".to_string(), version.clone().into())])
                    }
                    toml::Value::Table(t) => t.clone(),
                    other => bail!("dependency `{name}` is `{other}`"),
                };
                let mut table = table;
                table.insert("path".into(), format!("../{name}").into());
                *spec = toml::Value::Table(table);
            }
        }
    }
    Ok(toml::to_string(&doc)?)
}

/// `{ workspace = true }` (or `x.workspace = true`).
fn inherited(value: &toml::Value) -> bool {
    value
        .as_table()
        .and_then(|t| t.get("workspace"))
        .and_then(|w| w.as_bool())
        == Some(true)
}

/// Writes `files` to a fresh directory next to `dir` and renames it into place, so a
/// reader never sees a half-written runtime; when another process got there first, its
/// copy (of the same content) is kept.
fn write_tree(root: &Path, dir: &Path, files: &[(String, Vec<u8>)]) -> Result<()> {
    fs_err::create_dir_all(root)?;
    let tmp = tempfile_dir(root)?;
    let result = (|| -> Result<()> {
        for (path, data) in files {
            let p = tmp.join(path);
            if let Some(parent) = p.parent() {
                fs_err::create_dir_all(parent)?;
            }
            fs_err::write(&p, data)?;
        }
        Ok(())
    })();
    if let Err(e) = result {
        let _ = fs_err::remove_dir_all(&tmp);
        return Err(e);
    }
    match std::fs::rename(&tmp, dir) {
        Ok(()) => Ok(()),
        Err(_) if dir.is_dir() => {
            let _ = fs_err::remove_dir_all(&tmp);
            Ok(())
        }
        Err(e) => {
            let _ = fs_err::remove_dir_all(&tmp);
            Err(e).with_context(|| format!("cannot rename `{}`", tmp.display()))
        }
    }
}

/// A new, empty directory in `root` whose name no other process uses.
fn tempfile_dir(root: &Path) -> Result<PathBuf> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    for i in 0..100u32 {
        let p = root.join(format!(".tmp-runtime-{}-{nanos}-{i}", std::process::id()));
        match std::fs::create_dir(&p) {
            Ok(()) => return Ok(p),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e).with_context(|| format!("cannot create `{}`", p.display())),
        }
    }
    bail!(
        "cannot create a temporary directory in `{}`",
        root.display()
    )
}

/// 64-bit FNV-1a: names the extracted copy by its content.
fn fnv1a64(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_carried_runtime_is_complete_and_of_this_version() {
        let files = files(BUNDLE).unwrap();
        for krate in CRATES {
            for f in ["Cargo.toml", "src/lib.rs"] {
                let path = format!("{krate}/{f}");
                assert!(files.iter().any(|(p, _)| *p == path), "{path} missing");
            }
        }
        assert_eq!(carried_version().unwrap(), env!("CARGO_PKG_VERSION"));
        // Every manifest stands alone: no inheritance, siblings by path.
        for krate in CRATES {
            let (_, m) = files
                .iter()
                .find(|(p, _)| *p == format!("{krate}/Cargo.toml"))
                .unwrap();
            let text = String::from_utf8_lossy(m);
            assert!(!text.contains("workspace = true"), "{text}");
            let doc: toml::Table = toml::from_str(&text).unwrap();
            assert_eq!(
                doc["package"]["version"].as_str(),
                Some(env!("CARGO_PKG_VERSION"))
            );
            for (name, spec) in doc
                .get("dependencies")
                .and_then(|d| d.as_table())
                .into_iter()
                .flatten()
            {
                if CRATES.contains(&name.as_str()) {
                    assert_eq!(spec["path"].as_str(), Some(format!("../{name}").as_str()));
                }
            }
        }
    }

    #[test]
    fn inheritance_is_resolved_like_cargo_package() {
        let ws: toml::Table = toml::from_str(
            "[workspace.package]\nversion = \"1.2.3\"\nedition = \"2021\"\n\
             [workspace.lints.rust]\nunsafe_op_in_unsafe_fn = \"deny\"\n\
             [workspace.dependencies]\nquote = \"1\"\n",
        )
        .unwrap();
        let out = self_contained_manifest(
            "[package]\nname = \"mpy\"\nversion.workspace = true\nedition.workspace = true\n\
             [lints]\nworkspace = true\n\
             [dependencies]\nquote = { workspace = true, optional = true }\n\
             mpy-sys = { path = \"../../elsewhere\", version = \"1.2.3\" }\n\
             [dev-dependencies]\nx = { path = \"../x\" }\n",
            Some(&ws),
        )
        .unwrap();
        let doc: toml::Table = toml::from_str(&out).unwrap();
        assert_eq!(doc["package"]["version"].as_str(), Some("1.2.3"));
        assert_eq!(
            doc["lints"]["rust"]["unsafe_op_in_unsafe_fn"].as_str(),
            Some("deny")
        );
        assert_eq!(doc["dependencies"]["quote"]["version"].as_str(), Some("1"));
        assert_eq!(
            doc["dependencies"]["quote"]["optional"].as_bool(),
            Some(true)
        );
        assert_eq!(
            doc["dependencies"]["mpy-sys"]["path"].as_str(),
            Some("../mpy-sys")
        );
        assert!(doc.get("dev-dependencies").is_none());
        let err =
            self_contained_manifest("[package]\nname = \"x\"\nversion.workspace = true\n", None)
                .unwrap_err();
        assert!(
            format!("{err:#}").contains("workspace.package.version"),
            "{err:#}"
        );
    }

    #[test]
    fn extraction_is_atomic_and_reused() {
        let tmp = tempfile::tempdir().unwrap();
        let files = vec![("mpy/Cargo.toml".to_string(), b"x".to_vec())];
        let dir = tmp.path().join("runtime-x");
        write_tree(tmp.path(), &dir, &files).unwrap();
        // A second writer (another build) finds the directory there and keeps it.
        write_tree(tmp.path(), &dir, &files).unwrap();
        let names: Vec<_> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["runtime-x"]);
        assert_eq!(std::fs::read(dir.join("mpy/Cargo.toml")).unwrap(), b"x");
    }
}
