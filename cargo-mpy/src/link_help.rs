//! The `help:` under an undefined-symbol link error: what each missing symbol
//! is (a compiler helper, a maths function, anything else) and what to change
//! in `[package.metadata.mpy]` for it, given what the build already links.

use std::path::PathBuf;

use mpy_link::Arch;

/// What the build linked besides the objects.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LinkedWith<'a> {
    /// The architecture.
    pub arch: Arch,
    /// The archives `link-runtime` added, `None` when it is off.
    pub runtime_libs: Option<&'a [PathBuf]>,
    /// The manifest's `libs` and `externs` are set.
    pub has_libs: bool,
    /// An `externs` file is set.
    pub has_externs: bool,
}

/// What an undefined symbol is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A function the compiler calls for an operation (libgcc/compiler-rt).
    Helper,
    /// A C maths function (libm).
    Maths,
    /// Anything else.
    Other,
}

/// libgcc's helper names start with one of these (after the `__`).
const HELPER_STEMS: &[&str] = &[
    "aeabi_",
    "add",
    "sub",
    "mul",
    "div",
    "udiv",
    "mod",
    "umod",
    "neg",
    "abs",
    "ash",
    "lsh",
    "cmp",
    "ucmp",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "unord",
    "fix",
    "float",
    "extend",
    "trunc",
    "pow",
    "clz",
    "ctz",
    "ffs",
    "popcount",
    "parity",
    "bswap",
    "gcc_",
    "riscv_",
    "clear_cache",
    "mulsi3",
    "sync_",
    "atomic_",
];

/// libm's functions (without the `f`/`l` suffix).
const MATHS: &[&str] = &[
    "sin",
    "cos",
    "tan",
    "asin",
    "acos",
    "atan",
    "atan2",
    "sinh",
    "cosh",
    "tanh",
    "asinh",
    "acosh",
    "atanh",
    "exp",
    "exp2",
    "expm1",
    "log",
    "log2",
    "log10",
    "log1p",
    "pow",
    "sqrt",
    "cbrt",
    "hypot",
    "fmod",
    "remainder",
    "floor",
    "ceil",
    "round",
    "trunc",
    "rint",
    "nearbyint",
    "lround",
    "llround",
    "lrint",
    "fabs",
    "copysign",
    "frexp",
    "ldexp",
    "modf",
    "fmin",
    "fmax",
    "fdim",
    "fma",
    "erf",
    "erfc",
    "tgamma",
    "lgamma",
    "nan",
    "scalbn",
];

/// Classifies `symbol`.
pub(crate) fn kind(symbol: &str) -> Kind {
    if let Some(stem) = symbol.strip_prefix("__") {
        if HELPER_STEMS.iter().any(|h| stem.starts_with(h)) {
            return Kind::Helper;
        }
    }
    let base = symbol
        .strip_suffix('f')
        .filter(|b| MATHS.contains(b))
        .unwrap_or(symbol);
    if MATHS.contains(&base) {
        Kind::Maths
    } else {
        Kind::Other
    }
}

/// The `help:` text for `symbols`, undefined after linking `with`.
pub(crate) fn help(symbols: &[&str], with: LinkedWith<'_>) -> String {
    let arch = with.arch.name();
    let list = |k: Kind| -> Vec<String> {
        let mut v: Vec<String> = symbols
            .iter()
            .filter(|s| kind(s) == k)
            .map(|s| format!("`{s}`"))
            .collect();
        v.dedup();
        v
    };
    let (helpers, maths, others) = (list(Kind::Helper), list(Kind::Maths), list(Kind::Other));
    let mut lines = Vec::new();
    let runtime: Vec<String> = helpers.iter().chain(&maths).cloned().collect();
    if !runtime.is_empty() {
        let what = match (helpers.is_empty(), maths.is_empty()) {
            (false, true) => "compiler helpers",
            (true, false) => "maths functions",
            _ => "compiler helpers and maths functions",
        };
        match with.runtime_libs {
            None => {
                let (verb, what) = if runtime.len() == 1 {
                    ("is a", &what[..what.len() - 1])
                } else {
                    ("are", what)
                };
                lines.push(format!(
                    "{} {verb} {what}: set `link-runtime = true` in `[package.metadata.mpy]` (or only for this architecture, under `[package.metadata.mpy.arch.{arch}]`) to link the compiler's libgcc and libm",
                    runtime.join(", "),
                ));
            }
            Some(libs) => {
                let names: Vec<String> =
                    libs.iter().map(|l| format!("`{}`", l.display())).collect();
                lines.push(format!(
                    "`link-runtime` is set and linked {}, which do not define {}: add an archive that does to `libs` under `[package.metadata.mpy.arch.{arch}]`{}",
                    names.join(" and "),
                    runtime.join(", "),
                    runtime_note(with.arch),
                ));
            }
        }
    }
    if !others.is_empty() {
        let externs = if with.has_externs {
            "to the `externs` file"
        } else {
            "to a file named by `externs`"
        };
        let libs = if with.has_libs {
            "none of the objects and archives (`libs`) define"
        } else {
            "no object defines"
        };
        lines.push(format!(
            "{libs} {}: add the archive that does to `libs`, or, for functions in the firmware at a fixed address, their addresses {externs}",
            others.join(", ")
        ));
    }
    lines.join("\n")
}

/// What is known about an architecture's runtime libraries.
fn runtime_note(arch: Arch) -> &'static str {
    match arch {
        Arch::Xtensawin => "; only ESP-IDF's windowed libgcc fits xtensawin code (Debian's xtensa-lx106 libgcc is call0 code and must not be linked)",
        Arch::Xtensa => "; `cargo mpy doctor --arch xtensa` lists the helpers the xtensa-lx106 libgcc lacks",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_are_classified() {
        for s in [
            "__aeabi_ddiv",
            "__divdi3",
            "__udivmoddi4",
            "__fixdfsi",
            "__floatsisf",
            "__mulsf3",
            "__popcountsi2",
        ] {
            assert_eq!(kind(s), Kind::Helper, "{s}");
        }
        for s in ["sqrtf", "sqrt", "roundf", "atan2", "fmodf", "nearbyintf"] {
            assert_eq!(kind(s), Kind::Maths, "{s}");
        }
        for s in ["printf", "my_lib_fn", "__my_private", "f", "sin_table"] {
            assert_eq!(kind(s), Kind::Other, "{s}");
        }
    }

    #[test]
    fn help_says_what_is_missing_given_what_is_linked() {
        let off = LinkedWith {
            arch: Arch::Armv6m,
            runtime_libs: None,
            has_libs: false,
            has_externs: false,
        };
        let h = help(&["__aeabi_ddiv", "sqrt"], off);
        assert!(h.starts_with("`__aeabi_ddiv`, `sqrt` are compiler helpers and maths functions: set `link-runtime = true`"), "{h}");
        assert!(h.contains("[package.metadata.mpy.arch.armv6m]"), "{h}");
        assert!(!h.contains("externs"), "{h}");

        let libs = [
            PathBuf::from("/gcc/libgcc.a"),
            PathBuf::from("/newlib/libm.a"),
        ];
        let on = LinkedWith {
            runtime_libs: Some(&libs),
            has_externs: true,
            ..off
        };
        let h = help(&["__weird_helper_missing", "__divdi3", "rom_fn"], on);
        assert!(!h.contains("set `link-runtime = true`"), "{h}");
        assert!(
            h.contains("`link-runtime` is set and linked `/gcc/libgcc.a` and `/newlib/libm.a`, which do not define `__divdi3`"),
            "{h}"
        );
        assert!(
            h.contains("no object defines `__weird_helper_missing`, `rom_fn`"),
            "{h}"
        );
        assert!(h.contains("to the `externs` file"), "{h}");
        assert!(
            !h.contains("mpy-link") && !h.contains("-l "),
            "speaks in manifest keys: {h}"
        );

        let xt = help(
            &["__divdi3"],
            LinkedWith {
                arch: Arch::Xtensawin,
                ..on
            },
        );
        assert!(xt.contains("call0"), "{xt}");
    }
}
