//! Tidiness rules of the source tree that the compiler does not check:
//! what differs between architectures stays in `src/arch/`, and the
//! library never prints.

use std::path::{Path, PathBuf};

use crate::support::{trials, Trial};

pub(crate) fn trials() -> Vec<Trial> {
    trials!(
        "tidy",
        [
            architecture_facts_stay_in_arch,
            the_library_never_prints,
            the_rules_see_what_they_look_for,
        ]
    )
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a line: nothing after `//`, and nothing for doc lines.
fn code(line: &str) -> &str {
    match line.find("//") {
        Some(i) => &line[..i],
        None => line,
    }
}

/// Whether `text` names an ELF relocation or machine constant
/// (`R_ARM_ABS32`, `EM_XTENSA`) or a family or architecture variant.
fn arch_specific(text: &str) -> Option<&str> {
    let words = text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'));
    words.into_iter().find(|w| {
        let constant = |prefix: &str| {
            w.strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase()))
        };
        constant("R_") || constant("EM_") || w.contains("Family::") || {
            w.strip_prefix("Arch::")
                .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase()))
        }
    })
}

fn architecture_facts_stay_in_arch() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut found = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(&src).unwrap();
        if rel.starts_with("arch") || rel.starts_with("bin") {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        // Unit tests may name architectures.
        let text = text.split("#[cfg(test)]").next().unwrap_or("");
        for (i, line) in text.lines().enumerate() {
            if let Some(word) = arch_specific(code(line)) {
                found.push(format!("{}:{}: `{word}`", rel.display(), i + 1));
            }
        }
    }
    assert!(
        found.is_empty(),
        "architecture-specific names outside src/arch/:\n{}",
        found.join("\n")
    );
}

fn the_library_never_prints() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut found = Vec::new();
    for file in &files {
        if file.strip_prefix(&src).unwrap().starts_with("bin") {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        for (i, line) in text.lines().enumerate() {
            let line = code(line);
            if ["print!(", "println!(", "eprint!(", "eprintln!(", "dbg!("]
                .iter()
                .any(|m| line.contains(m))
            {
                found.push(format!("{}:{}", file.display(), i + 1));
            }
        }
    }
    assert!(
        found.is_empty(),
        "printing outside the binary:\n{}",
        found.join("\n")
    );
}

fn the_rules_see_what_they_look_for() {
    assert_eq!(arch_specific("let t = R_ARM_ABS32;"), Some("R_ARM_ABS32"));
    assert_eq!(
        arch_specific("if spec.family == Family::Xtensa {"),
        Some("Family::Xtensa")
    );
    assert_eq!(
        arch_specific("match a { Arch::X64 => 1 }"),
        Some("Arch::X64")
    );
    assert_eq!(arch_specific("let r = reloc.r_type;"), None);
    assert_eq!(code("x(); // R_ARM_ABS32"), "x(); ");
}
