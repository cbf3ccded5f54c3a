//! The only place that prints. Status lines look like cargo's: the verb
//! right-aligned in 12 columns (bold green), then the message, on stderr.
//! `error:`, `warning:`, `note:` and `help:` are left-aligned.

#![allow(clippy::print_stderr)]

use std::fmt::Display;
use std::io::{IsTerminal, Write};
use std::sync::Mutex;

use anstyle::{AnsiColor, Style};

/// How much to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    /// Errors only.
    Quiet,
    /// Status lines, warnings and errors.
    Normal,
    /// Also the commands that are run.
    Verbose,
}

/// Where status lines and diagnostics go.
pub struct Shell {
    out: Mutex<Box<dyn Write + Send>>,
    verbosity: Verbosity,
    color: bool,
}

const GREEN: Style = AnsiColor::Green.on_default().bold();
const RED: Style = AnsiColor::Red.on_default().bold();
const YELLOW: Style = AnsiColor::Yellow.on_default().bold();
const CYAN: Style = AnsiColor::Cyan.on_default().bold();

impl Shell {
    /// A shell writing to stderr, coloured when stderr is a terminal (or as
    /// `CARGO_TERM_COLOR` / `NO_COLOR` say).
    pub fn stderr(verbosity: Verbosity) -> Shell {
        let color = match std::env::var("CARGO_TERM_COLOR").as_deref() {
            Ok("always") => true,
            Ok("never") => false,
            _ => std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal(),
        };
        Shell {
            out: Mutex::new(Box::new(std::io::stderr())),
            verbosity,
            color,
        }
    }

    /// A colourless shell writing to `w` (for tests).
    pub fn from_write(w: Box<dyn Write + Send>, verbosity: Verbosity) -> Shell {
        Shell {
            out: Mutex::new(w),
            verbosity,
            color: false,
        }
    }

    /// The verbosity in force.
    pub fn verbosity(&self) -> Verbosity {
        self.verbosity
    }

    fn write_line(&self, style: Style, label: &str, right_align: bool, msg: &dyn Display) {
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        let label = if right_align {
            format!("{label:>12}")
        } else {
            format!("{label}:")
        };
        // Writing diagnostics can only fail when stderr is closed; there is
        // nobody left to tell then.
        let _ = if self.color {
            writeln!(out, "{style}{label}{style:#} {msg}")
        } else {
            writeln!(out, "{label} {msg}")
        };
        let _ = out.flush();
    }

    /// A cargo-style status line (`   Compiling foo (x64)`).
    pub(crate) fn status(&self, verb: &str, msg: impl Display) {
        if self.verbosity >= Verbosity::Normal {
            self.write_line(GREEN, verb, true, &msg);
        }
    }

    /// A status line shown only with `-v`.
    pub(crate) fn verbose_status(&self, verb: &str, msg: impl Display) {
        if self.verbosity >= Verbosity::Verbose {
            self.write_line(GREEN, verb, true, &msg);
        }
    }

    /// `warning: ...` (not shown with `-q`).
    pub(crate) fn warn(&self, msg: impl Display) {
        if self.verbosity >= Verbosity::Normal {
            self.write_line(YELLOW, "warning", false, &msg);
        }
    }

    /// `error: ...`, always shown.
    pub(crate) fn error(&self, msg: impl Display) {
        self.write_line(RED, "error", false, &msg);
    }

    /// Plain text, always shown (reports such as `doctor`'s table).
    pub(crate) fn print(&self, msg: impl Display) {
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        let _ = writeln!(out, "{msg}");
        let _ = out.flush();
    }

    /// Prints an error and its causes: `error: top`, then a `Caused by:`
    /// block, then a `help:` line when the error carries one.
    pub fn print_error(&self, err: &anyhow::Error) {
        self.error(err);
        let causes: Vec<String> = err
            .chain()
            .skip(1)
            .filter(|c| !crate::error::is_help(*c))
            .map(|c| c.to_string())
            .collect();
        if !causes.is_empty() {
            let mut text = String::from("\nCaused by:");
            for line in causes.iter().flat_map(|c| c.lines()) {
                text.push_str("\n  ");
                text.push_str(line);
            }
            self.print(text);
        }
        if let Some(help) = crate::error::help_of(err) {
            self.write_line(CYAN, "help", false, &help);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[derive(Clone, Default)]
    pub(crate) struct Buf(Arc<Mutex<Vec<u8>>>);
    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn status_is_right_aligned_in_twelve_columns() {
        let buf = Buf::default();
        let shell = Shell::from_write(Box::new(buf.clone()), Verbosity::Normal);
        shell.status("Compiling", "foo (x64)");
        shell.verbose_status("Running", "hidden");
        shell.warn("careful");
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text, "   Compiling foo (x64)\nwarning: careful\n");
    }

    #[test]
    fn quiet_still_prints_errors() {
        let buf = Buf::default();
        let shell = Shell::from_write(Box::new(buf.clone()), Verbosity::Quiet);
        shell.status("Compiling", "foo");
        let err = anyhow::anyhow!("inner").context("outer");
        shell.print_error(&err);
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text, "error: outer\n\nCaused by:\n  inner\n");
    }
}
