//! qstrs: the scan of `MP_QSTR_name` uses in C sources, the config header
//! every C file is compiled with, and the static qstr list of the firmware.

use std::collections::BTreeSet;
use std::path::Path;

use crate::error::Result;
use mpy_sys::static_qstrs::STATIC_QSTRS;

/// Result of scanning sources for `MP_QSTR_` names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QstrScan {
    native: Vec<String>,
}

impl QstrScan {
    /// Scans source texts. Names in the firmware's static qstr list are
    /// left out: they are compile-time constants.
    pub fn from_texts<'a>(texts: impl IntoIterator<Item = &'a str>) -> QstrScan {
        let mut names = BTreeSet::new();
        for text in texts {
            collect_qstr_names(text, &mut names);
        }
        for (_, escaped) in STATIC_QSTRS {
            names.remove(*escaped);
        }
        // BTreeSet order is byte order, the order the header lists them in.
        QstrScan {
            native: names.into_iter().collect(),
        }
    }

    /// The qstrs the module's own table must hold, in table order (index 1
    /// onwards; index 0 is the module's file name).
    pub fn native_names(&self) -> &[String] {
        &self.native
    }
}

/// Scans source files for `MP_QSTR_` names (as `mpy_ld.py --preprocess`).
pub fn scan_files(paths: &[impl AsRef<Path>]) -> Result<QstrScan> {
    let mut texts = Vec::with_capacity(paths.len());
    for p in paths {
        let bytes = crate::input::read_file(p.as_ref())?;
        texts.push(String::from_utf8_lossy(&bytes).into_owned());
    }
    Ok(QstrScan::from_texts(texts.iter().map(String::as_str)))
}

fn collect_qstr_names(text: &str, out: &mut BTreeSet<String>) {
    const PREFIX: &str = "MP_QSTR_";
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(pos) = text[from..].find(PREFIX) {
        let start = from + pos + PREFIX.len();
        let len = bytes[start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
            .count();
        out.insert(text[start..start + len].to_string());
        from = start + len;
    }
}

/// The config header (`MP_CONFIGFILE`) for a scan: static qstrs become
/// numbers, the others entries of `mp_native_qstr_table`. The text is the
/// same as `mpy_ld.py --preprocess` writes.
pub fn config_header(scan: &QstrScan) -> String {
    config_header_in(scan, ConfigHeaderForm::Current)
}

/// The two forms of the config header `mpy_ld.py` has written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigHeaderForm {
    /// From MicroPython 1.27 (and the reference commit): `py/mpconfig.h`
    /// defines `mp_int_t` and `mp_uint_t`, the header only `mp_off_t`.
    Current,
    /// MicroPython 1.20-1.26, whose `py/mpconfig.h` leaves `mp_int_t` and
    /// `mp_uint_t` to the port: the header defines both, and declares the
    /// object table with `mp_uint_t`.
    WithIntTypes,
}

/// [`config_header`] in the given form (the one the MicroPython tree the C
/// sources build against expects).
pub fn config_header_in(scan: &QstrScan, form: ConfigHeaderForm) -> String {
    let (types, word) = match form {
        ConfigHeaderForm::Current => ("", "uintptr_t"),
        ConfigHeaderForm::WithIntTypes => (
            "typedef uintptr_t mp_uint_t;\ntypedef intptr_t mp_int_t;\n",
            "mp_uint_t",
        ),
    };
    let mut out = format!("#include <stdint.h>\n{types}typedef uintptr_t mp_off_t;\n");
    for (i, (_, escaped)) in STATIC_QSTRS.iter().enumerate() {
        out.push_str(&format!("#define MP_QSTR_{} ({})\n", escaped, i + 1));
    }
    for (i, name) in scan.native.iter().enumerate() {
        out.push_str(&format!(
            "#define MP_QSTR_{} (mp_native_qstr_table[{}])\n",
            name,
            i + 1
        ));
    }
    out.push_str("extern const uint16_t mp_native_qstr_table[];\n");
    out.push_str(&format!("extern const {word} mp_native_obj_table[];\n"));
    out
}

/// Reads the native qstr names back from a config header, in table order
/// (what `mpy_ld.py --qstrs` does).
pub fn parse_config_header(text: &str) -> Vec<String> {
    const HEAD: &str = "#define MP_QSTR_";
    text.lines()
        .filter_map(|line| {
            let rest = line.strip_prefix(HEAD)?;
            let len = rest
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                .count();
            rest[len..]
                .starts_with(" (mp_native_")
                .then(|| rest[..len].to_string())
        })
        .collect()
}

/// Index of `text` in the static qstr list (qstr number minus one).
pub fn static_index(text: &str) -> Option<usize> {
    STATIC_QSTRS.iter().position(|(t, _)| *t == text)
}

/// Number of static qstrs the firmware has.
pub fn static_count() -> usize {
    STATIC_QSTRS.len()
}

/// Text of static qstr number `n` (1-based), if it exists.
pub fn static_text(n: usize) -> Option<&'static str> {
    n.checked_sub(1)
        .and_then(|i| STATIC_QSTRS.get(i))
        .map(|(t, _)| *t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_skips_static_and_sorts() {
        let scan = QstrScan::from_texts([
            "MP_QSTR_zeta MP_QSTR_add MP_QSTR___dir__ x=MP_QSTR_add;",
            "MP_QSTR_Add",
        ]);
        assert_eq!(scan.native_names(), ["Add", "add", "zeta"]);
        let header = config_header(&scan);
        assert!(header.starts_with(
            "#include <stdint.h>\ntypedef uintptr_t mp_off_t;\n#define MP_QSTR_ (1)\n"
        ));
        assert!(header.contains("#define MP_QSTR___dir__ (2)\n"));
        assert!(header.contains("#define MP_QSTR_Add (mp_native_qstr_table[1])\n"));
        assert_eq!(parse_config_header(&header), ["Add", "add", "zeta"]);
        // The form mpy_ld.py of 1.20-1.26 writes: the integer types too.
        let old = config_header_in(&scan, ConfigHeaderForm::WithIntTypes);
        assert!(old.starts_with(
            "#include <stdint.h>\ntypedef uintptr_t mp_uint_t;\ntypedef intptr_t mp_int_t;\ntypedef uintptr_t mp_off_t;\n#define MP_QSTR_ (1)\n"
        ));
        assert!(old.ends_with("extern const mp_uint_t mp_native_obj_table[];\n"));
        let middle = |text: &str, skip: usize| {
            let lines: Vec<&str> = text.lines().collect();
            lines[skip..lines.len() - 1].join("\n")
        };
        assert_eq!(middle(&old, 4), middle(&header, 2));
        assert_eq!(parse_config_header(&old), ["Add", "add", "zeta"]);
    }

    #[test]
    fn static_list_facts() {
        // The first entries are fixed by the firmware's qstr numbering:
        // 1 is the empty string and 2 is `__dir__`.
        assert_eq!(static_text(1), Some(""));
        assert_eq!(static_text(2), Some("__dir__"));
        assert_eq!(static_index("__dir__"), Some(1));
        assert_eq!(static_count(), 165);
    }
}
