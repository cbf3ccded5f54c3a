//! Loader check files: what a module does under the qemu-user test loader
//! (`tests/support/loader`) on architectures other than x64, kept as data
//! beside the example (`examples/<name>/tests/<check>.loader`), as its
//! Python tests are (`tests/*.py` with `.py.exp`, run by `cargo mpy test`).
//!
//! # Format
//!
//! One item per line; blank lines and lines starting with `#` are ignored.
//!
//! - `= TEXT` lines before the first command: what the import prints.
//! - `> COMMAND`: a loader command (`call add 2 3`, `get VERSION`,
//!   `let %c = call Counter 5`; see `tests/support/loader/loader.c`).
//! - `= TEXT`: a line the command before it prints (a command can print
//!   several, or none).
//! - `>[SELECTOR] COMMAND` and `=[SELECTOR] TEXT`: the same, only on the
//!   architectures the selector matches. A selector is a space-separated
//!   list of terms: an architecture name (`rv32imc`), `float` (the
//!   architecture's float implementation is not `none`), `double`,
//!   `nofloat`, `32bit`, `64bit`; `!TERM` excludes. It matches when any
//!   positive term matches (or there is none) and no excluded term does:
//!   `=[float !double] exception: ...`.
//! - `@arch ARCH...`: the architectures to run on (default: every
//!   architecture the loader runs but x64, which is checked in the real
//!   MicroPython by the example's Python tests).
//! - `@without-python`: build a copy of the package without its `.py`
//!   sources (the loader runs no bytecode).
//!
//! Where results legitimately differ (float precision, a feature a target
//! lacks), the file holds one `=[...]` line per variant.

use std::path::Path;

use cargo_mpy::toolchain::{FloatImpl, Toolchain};
use mpy_link::Arch;

/// One command and the lines it prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Where the command runs (`None`: everywhere).
    pub only: Option<Selector>,
    /// The loader command.
    pub command: String,
    /// Expected lines, each with its selector.
    pub expect: Vec<(Option<Selector>, String)>,
    /// Line number in the file, for messages.
    pub line: usize,
}

/// A `[...]` selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    include: Vec<String>,
    exclude: Vec<String>,
}

impl Selector {
    fn parse(text: &str, line: usize) -> Result<Selector, String> {
        let mut s = Selector {
            include: Vec::new(),
            exclude: Vec::new(),
        };
        for term in text.split_whitespace() {
            let (list, name) = match term.strip_prefix('!') {
                Some(n) => (&mut s.exclude, n),
                None => (&mut s.include, term),
            };
            if !matches!(name, "float" | "double" | "nofloat" | "32bit" | "64bit")
                && name.parse::<Arch>().is_err()
            {
                return Err(format!("line {line}: unknown selector term `{name}`"));
            }
            list.push(name.to_string());
        }
        Ok(s)
    }

    /// Whether the selector matches `arch`.
    pub fn matches(&self, arch: Arch) -> bool {
        let float = Toolchain::of(arch).float_impl;
        let term = |t: &str| match t {
            "float" => float != FloatImpl::None,
            "double" => float == FloatImpl::Double,
            "nofloat" => float == FloatImpl::None,
            "32bit" => arch.word_size() == 4,
            "64bit" => arch.word_size() == 8,
            name => arch.name() == name,
        };
        (self.include.is_empty() || self.include.iter().any(|t| term(t)))
            && !self.exclude.iter().any(|t| term(t))
    }
}

fn selected(sel: &Option<Selector>, arch: Arch) -> bool {
    sel.as_ref().is_none_or(|s| s.matches(arch))
}

/// A parsed check file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoaderChecks {
    /// `@arch`, or the default.
    pub arches: Vec<Arch>,
    /// `@without-python`.
    pub without_python: bool,
    /// The commands in order.
    pub steps: Vec<Step>,
}

/// `[...] rest` split, or `None` when the text has no selector.
fn split_selector(text: &str, line: usize) -> Result<(Option<Selector>, &str), String> {
    match text.strip_prefix('[') {
        Some(rest) => {
            let (sel, rest) = rest
                .split_once(']')
                .ok_or_else(|| format!("line {line}: `[` without `]`"))?;
            Ok((Some(Selector::parse(sel, line)?), rest))
        }
        None => Ok((None, text)),
    }
}

/// The text after the marker's one space.
fn after_space(text: &str, line: usize) -> Result<&str, String> {
    text.strip_prefix(' ')
        .ok_or_else(|| format!("line {line}: expected a space after the marker"))
}

impl LoaderChecks {
    /// Parses a check file's text.
    pub fn parse(text: &str) -> Result<LoaderChecks, String> {
        let mut checks = LoaderChecks {
            arches: crate::loader_arches().filter(|a| *a != Arch::X64).collect(),
            without_python: false,
            steps: Vec::new(),
        };
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            if raw.trim().is_empty() || raw.starts_with('#') {
                continue;
            }
            if let Some(rest) = raw.strip_prefix('>') {
                let (only, rest) = split_selector(rest, line)?;
                checks.steps.push(Step {
                    only,
                    command: after_space(rest, line)?.to_string(),
                    expect: Vec::new(),
                    line,
                });
            } else if let Some(rest) = raw.strip_prefix('=') {
                let (sel, rest) = split_selector(rest, line)?;
                let text = if rest.is_empty() {
                    ""
                } else {
                    after_space(rest, line)?
                };
                if checks.steps.is_empty() {
                    // What the import prints, before any command.
                    checks.steps.push(Step {
                        only: None,
                        command: String::new(),
                        expect: Vec::new(),
                        line,
                    });
                }
                if let Some(step) = checks.steps.last_mut() {
                    step.expect.push((sel, text.to_string()));
                }
            } else if let Some(rest) = raw.strip_prefix("@arch ") {
                checks.arches = rest
                    .split_whitespace()
                    .map(|a| {
                        a.parse::<Arch>()
                            .map_err(|_| format!("line {line}: unknown architecture `{a}`"))
                    })
                    .collect::<Result<_, _>>()?;
            } else if raw.trim() == "@without-python" {
                checks.without_python = true;
            } else {
                return Err(format!("line {line}: not a command (`> `), an expected line (`= `), a comment or a directive: {raw:?}"));
            }
        }
        Ok(checks)
    }

    /// Reads and parses a check file.
    pub fn read(path: &Path) -> Result<LoaderChecks, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// The commands to run on `arch`.
    pub fn commands(&self, arch: Arch) -> Vec<&str> {
        self.steps
            .iter()
            .filter(|s| selected(&s.only, arch) && !s.command.is_empty())
            .map(|s| s.command.as_str())
            .collect()
    }

    /// The lines `arch` must print, each with the command and line number
    /// it belongs to.
    pub fn expected(&self, arch: Arch) -> Vec<(&Step, &str)> {
        self.steps
            .iter()
            .filter(|s| selected(&s.only, arch))
            .flat_map(|s| {
                s.expect
                    .iter()
                    .filter(move |(sel, _)| selected(sel, arch))
                    .map(move |(_, t)| (s, t.as_str()))
            })
            .collect()
    }

    /// Compares a run's stdout with what `arch` must print: `Err` with the
    /// first difference, naming the command and its line in the file.
    pub fn compare(&self, arch: Arch, stdout: &str) -> Result<(), String> {
        let want = self.expected(arch);
        let got: Vec<&str> = stdout.lines().collect();
        for (i, (step, line)) in want.iter().enumerate() {
            match got.get(i) {
                Some(g) if g == line => {}
                Some(g) => {
                    return Err(format!(
                        "{arch}: `{}` (line {}) printed {g:?}, expected {line:?}",
                        step.command, step.line
                    ))
                }
                None => {
                    return Err(format!(
                        "{arch}: output ended before `{}` (line {}) printed {line:?}",
                        step.command, step.line
                    ))
                }
            }
        }
        if got.len() > want.len() {
            return Err(format!(
                "{arch}: unexpected extra output: {:?}",
                &got[want.len()..]
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_selects() {
        let c = LoaderChecks::parse(
            "# comment\n@without-python\n> call add 1 2\n= 3\n>[float] call f 1.5\n= 3.0\n> call d\n=[double] 0.375\n=[!double] exception: AttributeError\n= [0, 1]\n>[rv32imc] get X\n=\n",
        )
        .unwrap();
        assert!(c.without_python);
        assert_eq!(
            c.commands(Arch::Rv32imc),
            ["call add 1 2", "call d", "get X"]
        );
        assert_eq!(
            c.commands(Arch::Armv7emdp),
            ["call add 1 2", "call f 1.5", "call d"]
        );
        let lines = |a| {
            c.expected(a)
                .into_iter()
                .map(|(_, l)| l)
                .collect::<Vec<_>>()
        };
        assert_eq!(lines(Arch::X86), ["3", "3.0", "0.375", "[0, 1]"]);
        assert_eq!(
            lines(Arch::Rv32imc),
            ["3", "exception: AttributeError", "[0, 1]", ""]
        );
        assert!(c.compare(Arch::X86, "3\n3.0\n0.375\n[0, 1]\n").is_ok());
        let e = c.compare(Arch::X86, "3\n3.0\n0.5\n[0, 1]\n").unwrap_err();
        assert!(e.contains("`call d` (line 7)"), "{e}");
        let import = LoaderChecks::parse("= hello\n> call f\n= 1\n").unwrap();
        assert_eq!(import.commands(Arch::X86), ["call f"]);
        assert_eq!(import.expected(Arch::X86).len(), 2);
        assert!(LoaderChecks::parse(">[sparc] x\n").is_err());
        assert!(LoaderChecks::parse("call x\n").is_err());
    }
}
