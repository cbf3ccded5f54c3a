//! Externs scripts (`-e`, `--externs`): symbols at fixed firmware addresses,
//! in the `sym = 0xADDR;` and `PROVIDE(sym = 0xADDR);` forms of ld scripts.
//! Lines of any other form are ignored, as `mpy_ld.py` ignores them.

use std::path::Path;

use crate::error::{LinkError, Result};

/// Reads an externs script from a file.
pub fn parse_file(path: &Path) -> Result<Vec<(String, u64)>> {
    let bytes = crate::input::read_file(path)?;
    parse(
        &String::from_utf8_lossy(&bytes),
        &path.display().to_string(),
    )
}

/// Parses an externs script; `path` names it in errors. Returns the symbols
/// in file order.
pub fn parse(text: &str, path: &str) -> Result<Vec<(String, u64)>> {
    let mut out: Vec<(String, u64)> = Vec::new();
    let mut in_comment = false;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if in_comment {
            in_comment = !line.ends_with("*/");
            continue;
        }
        if line.starts_with("/*") {
            in_comment = !line.ends_with("*/");
            continue;
        }
        if line.starts_with("//") {
            continue;
        }
        let compact: String = line.chars().filter(|c| !c.is_whitespace()).collect();
        let Some((name, addr)) = parse_assignment(&compact) else {
            continue;
        };
        let bad = |reason: String| LinkError::BadExterns {
            path: path.to_string(),
            line: i + 1,
            reason,
        };
        if addr.is_empty() || addr.len() > 8 {
            return Err(bad(format!(
                "address of `{name}` must have 1 to 8 hex digits"
            )));
        }
        let value =
            u64::from_str_radix(addr, 16).map_err(|_| bad(format!("bad address for `{name}`")))?;
        if out.iter().any(|(n, _)| n == name) {
            return Err(bad(format!("symbol `{name}` is defined twice")));
        }
        out.push((name.to_string(), value));
    }
    Ok(out)
}

/// Splits `name=0xHEX;` or `PROVIDE(name=0xHEX);` (whitespace removed).
fn parse_assignment(s: &str) -> Option<(&str, &str)> {
    let (body, weak) = match s.strip_prefix("PROVIDE(") {
        Some(rest) => (rest.strip_suffix(");")?, true),
        None => (s.strip_suffix(';')?, false),
    };
    let _ = weak;
    let (name, value) = body.split_once('=')?;
    let mut chars = name.chars();
    let first = chars.next()?;
    if !(first.is_ascii_alphabetic() || first == '_')
        || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return None;
    }
    let hex = value.strip_prefix("0x")?;
    hex.chars()
        .all(|c| c.is_ascii_hexdigit())
        .then_some((name, hex))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_and_comments() {
        let text = "/* rom\n functions */\nets_printf = 0x400024cc;\n// x = 0x1;\nPROVIDE ( memcpy_rom = 0x4000df48 );\nSECTIONS {}\nfoo = bar;\n";
        let syms = parse(text, "rom.ld").unwrap();
        assert_eq!(
            syms,
            vec![
                ("ets_printf".into(), 0x400024cc),
                ("memcpy_rom".into(), 0x4000df48)
            ]
        );
    }

    #[test]
    fn errors_name_line() {
        let err = parse("a = 0x1;\na = 0x2;\n", "e.ld")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("e.ld:2:"), "{err}");
        assert!(parse("a = 0x123456789;", "e.ld").is_err());
    }
}
