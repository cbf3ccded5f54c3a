//! Entry points for the fuzz targets in `fuzz/` (not a stable API): the
//! manifest reading of a build, as far as it goes without the file system.

use anyhow::Result;
use mpy_link::Arch;

use crate::context::{module_name_of, parse_plain_manifest, Project};

/// Reads `text` as a package manifest the way `cargo mpy build` reads one
/// without Rust code: the `[package.metadata.mpy]` table, the default
/// architectures, and each module's (and variant's) settings and name on
/// each architecture. Never panics; bad input is an `Err`.
pub fn manifest(text: &str) -> Result<()> {
    let doc: toml::Table = toml::from_str(text)?;
    let (package_name, package_version, config) = parse_plain_manifest(&doc, "Cargo.toml")?;
    let project = Project {
        manifest_path: "Cargo.toml".into(),
        manifest_dir: ".".into(),
        package_name,
        package_version,
        target_dir: "target".into(),
        has_rust: false,
        config,
        registry_runtime: Vec::new(),
    };
    let _ = project.default_archs();
    let variants =
        std::iter::once(None).chain(project.config.variant.keys().map(|v| Some(v.as_str())));
    for variant in variants {
        for arch in Arch::ALL {
            let cfg = project.config.for_module(variant, arch);
            let _ = module_name_of(&project, &cfg);
        }
    }
    Ok(())
}
