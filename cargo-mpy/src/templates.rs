//! Project templates for `cargo mpy new` and `init`, compiled in from
//! `templates/` in this package (manifests are `Cargo.toml.in`, so `cargo
//! package` does not take the templates for packages of their own).
//! `{{name}}` is replaced by the module name, in file contents and paths.

use std::fmt;
use std::str::FromStr;

/// The language of a new module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// C only.
    #[default]
    C,
    /// C plus a Python part merged into the same `.mpy`.
    Mixed,
    /// Rust (`no_std`, with the `mpy` runtime crate).
    Rust,
}

impl FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Lang, String> {
        match s {
            "c" => Ok(Lang::C),
            "mixed" => Ok(Lang::Mixed),
            "rust" => Ok(Lang::Rust),
            _ => Err(format!(
                "unknown language `{s}`; valid languages: c, mixed, rust"
            )),
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Lang::C => "c",
            Lang::Mixed => "mixed",
            Lang::Rust => "rust",
        })
    }
}

/// One file of a template.
#[derive(Debug, Clone, Copy)]
pub struct TemplateFile {
    /// Path in the new project (may contain `{{name}}`).
    pub path: &'static str,
    /// Contents (may contain `{{name}}`).
    pub contents: &'static str,
}

const C_MANIFEST: &str = include_str!("../templates/c/Cargo.toml.in");
const MIXED_MANIFEST: &str = include_str!("../templates/mixed/Cargo.toml.in");
const C_SOURCE: &str = include_str!("../templates/c/src/module.c");
const PY_SOURCE: &str = include_str!("../templates/mixed/src/module.py");
const GITIGNORE: &str = include_str!("../templates/gitignore");
const RUST_MANIFEST: &str = include_str!("../templates/rust/Cargo.toml.in");
const RUST_SOURCE: &str = include_str!("../templates/rust/src/lib.rs");
const DEMO: &str = include_str!("../templates/shared/demo.py");
const TEST: &str = include_str!("../templates/shared/tests/test_module.py");
const TEST_EXP: &str = include_str!("../templates/shared/tests/test_module.py.exp");

/// The files of the template for `lang`, or `None` when there is none yet.
pub fn files(lang: Lang) -> Option<Vec<TemplateFile>> {
    let file = |path, contents| TemplateFile { path, contents };
    // Every module gets a demo script (`cargo mpy run`) and a test
    // (`cargo mpy test`).
    let shared = [
        file("demo.py", DEMO),
        file("tests/test_{{name}}.py", TEST),
        file("tests/test_{{name}}.py.exp", TEST_EXP),
    ];
    let mut files = match lang {
        Lang::C => Some(vec![
            file("Cargo.toml", C_MANIFEST),
            file("src/{{name}}.c", C_SOURCE),
            file(".gitignore", GITIGNORE),
        ]),
        Lang::Mixed => Some(vec![
            file("Cargo.toml", MIXED_MANIFEST),
            file("src/{{name}}.c", C_SOURCE),
            file("src/{{name}}.py", PY_SOURCE),
            file(".gitignore", GITIGNORE),
        ]),
        Lang::Rust => Some(vec![
            file("Cargo.toml", RUST_MANIFEST),
            file("src/lib.rs", RUST_SOURCE),
            file(".gitignore", GITIGNORE),
        ]),
    }?;
    files.extend(shared);
    Some(files)
}

/// Fills in the placeholders.
pub fn render(text: &str, name: &str) -> String {
    text.replace("{{name}}", name)
        .replace("{{mpy_dependency}}", &mpy_dependency())
}

/// The runtime crate dependency of a new Rust module: the version cargo-mpy
/// carries, which `cargo mpy build` supplies (see `runtime.rs`), so the
/// manifest names no path of this machine.
fn mpy_dependency() -> String {
    format!("mpy = \"{}\"", env!("CARGO_PKG_VERSION"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_render() {
        for lang in [Lang::C, Lang::Mixed, Lang::Rust] {
            for f in files(lang).unwrap() {
                let out = render(f.contents, "demo");
                assert!(!out.contains("{{"), "{}", f.path);
            }
        }
        let rust: toml::Table = toml::from_str(&render(RUST_MANIFEST, "demo")).unwrap();
        assert!(rust["dependencies"]["mpy"].is_table() || rust["dependencies"]["mpy"].is_str());
        let manifest = render(MIXED_MANIFEST, "demo");
        let doc: toml::Table = toml::from_str(&manifest).unwrap();
        let mpy = doc["package"]["metadata"]["mpy"].clone();
        crate::config::MpyConfig::from_toml(mpy).unwrap();
    }
}
