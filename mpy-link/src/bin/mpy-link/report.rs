//! The one place the `mpy-link` binary prints: diagnostics on stderr, the
//! `--dump` text on stdout.
#![allow(clippy::print_stderr, clippy::print_stdout)]

use std::fmt::Display;

/// `error: MESSAGE` on stderr.
pub fn error(message: impl Display) {
    eprintln!("error: {message}");
}

/// `warning: MESSAGE` on stderr.
pub fn warning(message: impl Display) {
    eprintln!("warning: {message}");
}

/// A line of `-v` information on stderr.
pub fn info(line: impl Display) {
    eprintln!("{line}");
}

/// Text for stdout, as is.
pub fn stdout(text: &str) {
    print!("{text}");
}
