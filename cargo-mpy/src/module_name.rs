//! What a module may be called. `import NAME` must work, so the name is a
//! Python identifier that is not a keyword; it is also a C identifier (the
//! C templates use it for file names and nothing stops C code from using
//! it for symbols), so only ASCII letters, digits and `_`, not starting
//! with a digit. `cargo mpy new`, `init` and `build` all check with
//! [`check`].

use std::fmt;

/// The rule, as error messages state it.
pub(crate) const RULE: &str = "a module name must be importable: ASCII letters, digits and `_`, not starting with a digit, and not a Python keyword";

/// Python's keywords (the hard ones: `import` of these is a syntax error).
const KEYWORDS: [&str; 35] = [
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

/// Why a name is not a valid module name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InvalidName {
    /// The name.
    pub name: String,
    /// What is wrong with it.
    pub why: &'static str,
}

impl fmt::Display for InvalidName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a valid module name: {}; {RULE}",
            self.name, self.why
        )
    }
}

impl std::error::Error for InvalidName {}

/// Checks `name` against the [`RULE`].
pub(crate) fn check(name: &str) -> Result<(), InvalidName> {
    let bad = |why| {
        Err(InvalidName {
            name: name.to_string(),
            why,
        })
    };
    let Some(first) = name.chars().next() else {
        return bad("it is empty");
    };
    if first.is_ascii_digit() {
        return bad("it starts with a digit");
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return bad("it holds characters other than ASCII letters, digits and `_`");
    }
    if KEYWORDS.contains(&name) {
        return bad("it is a Python keyword");
    }
    Ok(())
}

/// A valid name close to `name`: other characters become `_`, a leading
/// digit gets a `_` before it, a keyword gets one after it.
pub(crate) fn suggest(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    if KEYWORDS.contains(&s.as_str()) {
        s.push('_');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_and_invalid_names() {
        for good in ["foo_1", "_x", "Stats", "match", "int", "_"] {
            assert_eq!(check(good), Ok(()), "{good}");
        }
        for (bad, why) in [
            ("", "empty"),
            ("1abc", "digit"),
            ("my-mod", "characters"),
            ("a.b", "characters"),
            ("my-mod.x", "characters"),
            ("naïve", "characters"),
            ("class", "keyword"),
            ("None", "keyword"),
        ] {
            let err = check(bad).unwrap_err();
            assert!(err.why.contains(why), "{bad}: {err}");
            assert!(err.to_string().contains(RULE), "{err}");
        }
    }

    #[test]
    fn suggestions_are_valid() {
        for (name, want) in [
            ("my-mod.x", "my_mod_x"),
            ("c-mod", "c_mod"),
            ("1abc", "_1abc"),
            ("class", "class_"),
            ("", "_"),
        ] {
            assert_eq!(suggest(name), want);
            assert_eq!(check(&suggest(name)), Ok(()));
        }
    }
}
