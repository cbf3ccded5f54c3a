//! Project templates for `cargo mpy new` and `init`, compiled in from
//! `templates/` at the repository root. `{{name}}` is replaced by the
//! module name, in file contents and paths.

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
    /// Rust (not available yet).
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

const C_MANIFEST: &str = include_str!("../../templates/c/Cargo.toml");
const MIXED_MANIFEST: &str = include_str!("../../templates/mixed/Cargo.toml");
const C_SOURCE: &str = include_str!("../../templates/c/src/module.c");
const PY_SOURCE: &str = include_str!("../../templates/mixed/src/module.py");
const GITIGNORE: &str = include_str!("../../templates/gitignore");

/// The files of the template for `lang`, or `None` when there is none yet.
pub fn files(lang: Lang) -> Option<Vec<TemplateFile>> {
    let file = |path, contents| TemplateFile { path, contents };
    match lang {
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
        Lang::Rust => None,
    }
}

/// Fills in the placeholders.
pub fn render(text: &str, name: &str) -> String {
    text.replace("{{name}}", name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_render() {
        for lang in [Lang::C, Lang::Mixed] {
            for f in files(lang).unwrap() {
                let out = render(f.contents, "demo");
                assert!(!out.contains("{{"), "{}", f.path);
            }
        }
        assert!(files(Lang::Rust).is_none());
        let manifest = render(MIXED_MANIFEST, "demo");
        let doc: toml::Table = toml::from_str(&manifest).unwrap();
        let mpy = doc["package"]["metadata"]["mpy"].clone();
        crate::config::MpyConfig::from_toml(mpy).unwrap();
    }
}
