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
    objects: Vec<String>,
    /// `native` without the names seen only inside `MP_OBJ_NEW_QSTR(...)`.
    native_outside_objects: Vec<String>,
}

impl QstrScan {
    /// Scans source texts. Names in the firmware's static qstr list are
    /// left out: they are compile-time constants.
    pub fn from_texts<'a>(texts: impl IntoIterator<Item = &'a str>) -> QstrScan {
        let mut names = BTreeSet::new();
        let mut objects = BTreeSet::new();
        let mut outside = BTreeSet::new();
        for text in texts {
            collect_qstr_names(text, &mut names);
            collect_qstr_objects(text, &mut objects);
            collect_qstr_names(&without_qstr_objects(text), &mut outside);
        }
        for (_, escaped) in STATIC_QSTRS {
            names.remove(*escaped);
            outside.remove(*escaped);
        }
        // BTreeSet order is byte order, the order the header lists them in.
        QstrScan {
            native: names.into_iter().collect(),
            objects: objects.into_iter().collect(),
            native_outside_objects: outside.into_iter().collect(),
        }
    }

    /// The qstrs of the module's table for a config header of `form`: with
    /// 1.20's headers a name used only as `MP_OBJ_NEW_QSTR(MP_QSTR_name)` is a
    /// string object instead (as that release's `mpy_ld.py` scans).
    pub fn native_names_for(&self, form: ConfigHeaderForm) -> &[String] {
        match form {
            ConfigHeaderForm::WithQstrObjects => &self.native_outside_objects,
            ConfigHeaderForm::Current | ConfigHeaderForm::WithIntTypes => &self.native,
        }
    }

    /// The names written `MP_OBJ_NEW_QSTR(MP_QSTR_name)`, in byte order: with
    /// MicroPython 1.20's headers ([`ConfigHeaderForm::WithQstrObjects`]) each
    /// is a string object in the module's object table.
    pub fn object_names(&self) -> &[String] {
        &self.objects
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

/// `text` with every `MP_OBJ_NEW_QSTR(MP_QSTR_name)` removed.
fn without_qstr_objects(text: &str) -> String {
    const PREFIX: &str = "MP_OBJ_NEW_QSTR(MP_QSTR_";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find(PREFIX) {
        let start = pos + PREFIX.len();
        let len = rest.as_bytes()[start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
            .count();
        if rest[start + len..].starts_with(')') {
            out.push_str(&rest[..pos]);
            rest = &rest[start + len + 1..];
        } else {
            out.push_str(&rest[..start + len]);
            rest = &rest[start + len..];
        }
    }
    out.push_str(rest);
    out
}

/// `MP_OBJ_NEW_QSTR(MP_QSTR_name)` uses, written exactly so (as `mpy_ld.py`
/// of 1.20 matches them).
fn collect_qstr_objects(text: &str, out: &mut BTreeSet<String>) {
    const PREFIX: &str = "MP_OBJ_NEW_QSTR(MP_QSTR_";
    let mut from = 0;
    while let Some(pos) = text[from..].find(PREFIX) {
        let start = from + pos + PREFIX.len();
        let len = text.as_bytes()[start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
            .count();
        if text[start + len..].starts_with(')') {
            out.insert(text[start..start + len].to_string());
        }
        from = start + len;
    }
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
    /// MicroPython 1.21-1.26, whose `py/mpconfig.h` leaves `mp_int_t` and
    /// `mp_uint_t` to the port: the header defines both, and declares the
    /// object table with `mp_uint_t`.
    WithIntTypes,
    /// MicroPython 1.20: as [`Self::WithIntTypes`], and its `py/dynruntime.h`
    /// turns `MP_OBJ_NEW_QSTR(MP_QSTR_name)` into `MP_OBJ_NEW_QSTR_MP_QSTR_name`,
    /// which the header defines as an entry of the module's object table
    /// (a string object the linker writes, see `LinkOptions::qstr_objects`).
    WithQstrObjects,
}

/// [`config_header`] in the given form (the one the MicroPython tree the C
/// sources build against expects).
pub fn config_header_in(scan: &QstrScan, form: ConfigHeaderForm) -> String {
    let (types, word) = match form {
        ConfigHeaderForm::Current => ("", "uintptr_t"),
        ConfigHeaderForm::WithIntTypes | ConfigHeaderForm::WithQstrObjects => (
            "typedef uintptr_t mp_uint_t;\ntypedef intptr_t mp_int_t;\n",
            "mp_uint_t",
        ),
    };
    let mut out = format!("#include <stdint.h>\n{types}typedef uintptr_t mp_off_t;\n");
    for (i, (_, escaped)) in STATIC_QSTRS.iter().enumerate() {
        out.push_str(&format!("#define MP_QSTR_{} ({})\n", escaped, i + 1));
    }
    for (i, name) in scan.native_names_for(form).iter().enumerate() {
        out.push_str(&format!(
            "#define MP_QSTR_{} (mp_native_qstr_table[{}])\n",
            name,
            i + 1
        ));
    }
    if form == ConfigHeaderForm::WithQstrObjects {
        for (i, name) in scan.objects.iter().enumerate() {
            out.push_str(&format!(
                "#define MP_OBJ_NEW_QSTR_MP_QSTR_{name} ((mp_obj_t)mp_native_obj_table[{i}])\n"
            ));
        }
    }
    out.push_str("extern const uint16_t mp_native_qstr_table[];\n");
    out.push_str(&format!("extern const {word} mp_native_obj_table[];\n"));
    out
}

/// Reads the string objects back from a config header of the
/// [`ConfigHeaderForm::WithQstrObjects`] form, in object-table order.
pub fn parse_config_header_objects(text: &str) -> Vec<String> {
    const HEAD: &str = "#define MP_OBJ_NEW_QSTR_MP_QSTR_";
    text.lines()
        .filter_map(|line| {
            let rest = line.strip_prefix(HEAD)?;
            let len = rest
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                .count();
            Some(rest[..len].to_string())
        })
        .collect()
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
        assert!(parse_config_header_objects(&old).is_empty());
    }

    #[test]
    fn qstr_objects_of_micropython_1_20() {
        let scan = QstrScan::from_texts([
            "f(MP_OBJ_NEW_QSTR(MP_QSTR_zz)); g(MP_OBJ_NEW_QSTR(MP_QSTR_add));",
            "MP_OBJ_NEW_QSTR( MP_QSTR_spaced ) MP_OBJ_NEW_QSTR(MP_QSTR_zz)",
        ]);
        assert_eq!(scan.object_names(), ["add", "zz"]);
        let header = config_header_in(&scan, ConfigHeaderForm::WithQstrObjects);
        assert!(header.contains(
            "#define MP_OBJ_NEW_QSTR_MP_QSTR_add ((mp_obj_t)mp_native_obj_table[0])\n#define MP_OBJ_NEW_QSTR_MP_QSTR_zz ((mp_obj_t)mp_native_obj_table[1])\nextern const uint16_t"
        ));
        assert_eq!(parse_config_header_objects(&header), ["add", "zz"]);
        // `add` and `zz` are only ever objects; `spaced` is not an object use.
        assert_eq!(scan.native_names(), ["add", "spaced", "zz"]);
        assert_eq!(
            scan.native_names_for(ConfigHeaderForm::WithQstrObjects),
            ["spaced"]
        );
        assert_eq!(parse_config_header(&header), ["spaced"]);
        // The other forms do not define them.
        assert!(!config_header(&scan).contains("MP_OBJ_NEW_QSTR_"));
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
