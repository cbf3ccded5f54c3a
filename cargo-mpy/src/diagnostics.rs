//! Diagnostics with a place (file, line, column), read from what the tools
//! print, for `--message-format json`: GCC's `file:line:col: error: text`
//! lines, `mpy-cross`'s `File "x.py", line N` tracebacks, and rustc's
//! messages as cargo reports them.

use std::path::Path;

use mpy_link::Arch;
use serde_json::{json, Value};

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    /// Stops the build.
    Error,
    /// Does not stop it.
    Warning,
    /// Explains the diagnostic before it.
    Note,
}

impl Level {
    fn name(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "note",
        }
    }

    fn parse(s: &str) -> Option<Level> {
        match s {
            "error" | "fatal error" => Some(Level::Error),
            "warning" => Some(Level::Warning),
            "note" => Some(Level::Note),
            _ => None,
        }
    }
}

/// One diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Diagnostic {
    /// Its level.
    pub level: Level,
    /// The message, without the place.
    pub message: String,
    /// The file it is about, as the tool named it.
    pub file: Option<String>,
    /// 1-based line.
    pub line: Option<u64>,
    /// 1-based column.
    pub column: Option<u64>,
    /// The architecture being built.
    pub arch: Option<Arch>,
    /// The tool's own text for it.
    pub rendered: Option<String>,
}

impl Diagnostic {
    /// The `compiler-message` object of `--message-format json`.
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "reason": "compiler-message",
            "level": self.level.name(),
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "arch": self.arch.map(|a| a.name()),
            "rendered": self.rendered,
        })
    }
}

/// The diagnostics in a C compiler's stderr (`file:line:col: level: text`;
/// the column is optional). Lines that are not diagnostics (source
/// excerpts, "In function" headers) are left out.
pub(crate) fn parse_gcc(stderr: &str, arch: Arch) -> Vec<Diagnostic> {
    stderr
        .lines()
        .filter_map(|l| parse_gcc_line(l, arch))
        .collect()
}

fn parse_gcc_line(line: &str, arch: Arch) -> Option<Diagnostic> {
    // `path:12:5: error: message`; the path itself has no `: ` in practice.
    let (place, rest) = split_level(line)?;
    let (level, message) = rest;
    let mut parts = place.rsplitn(3, ':');
    let last = parts.next()?;
    let (file, line_no, column) = match (parts.next(), parts.next()) {
        (Some(l), Some(f)) if l.parse::<u64>().is_ok() && last.parse::<u64>().is_ok() => {
            (f, l.parse().ok(), last.parse().ok())
        }
        (Some(f), _) if last.parse::<u64>().is_ok() => {
            let f = place.rsplit_once(':').map_or(f, |(f, _)| f);
            (f, last.parse().ok(), None)
        }
        _ => return None,
    };
    Some(Diagnostic {
        level,
        message: message.to_string(),
        file: Some(file.to_string()),
        line: line_no,
        column,
        arch: Some(arch),
        rendered: Some(line.to_string()),
    })
}

/// `place: level: message` split at the level word.
fn split_level(line: &str) -> Option<(&str, (Level, &str))> {
    for word in ["fatal error", "error", "warning", "note"] {
        let marker = format!(": {word}: ");
        if let Some(at) = line.find(&marker) {
            let level = Level::parse(word)?;
            return Some((&line[..at], (level, &line[at + marker.len()..])));
        }
    }
    None
}

/// The error in `mpy-cross`'s output: a traceback whose `File "x.py", line
/// N` names the place and whose last line is the message.
pub(crate) fn parse_mpy_cross(output: &str, src: &Path, arch: Arch) -> Vec<Diagnostic> {
    let mut file = None;
    let mut line = None;
    for l in output.lines() {
        let l = l.trim();
        if let Some(rest) = l.strip_prefix("File \"") {
            if let Some((f, tail)) = rest.split_once('"') {
                file = Some(f.to_string());
                line = tail
                    .trim_start_matches(',')
                    .trim()
                    .strip_prefix("line ")
                    .and_then(|n| n.split(',').next())
                    .and_then(|n| n.trim().parse().ok());
            }
        }
    }
    let Some(message) = output
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("---") && !l.starts_with("process didn't"))
    else {
        return Vec::new();
    };
    vec![Diagnostic {
        level: Level::Error,
        message: message.to_string(),
        file: Some(file.unwrap_or_else(|| src.display().to_string())),
        line,
        column: None,
        arch: Some(arch),
        rendered: Some(output.trim_end().to_string()),
    }]
}

/// A rustc message as cargo reports it, placed at its primary span.
pub(crate) fn from_rustc(msg: &cargo_metadata::diagnostic::Diagnostic, arch: Arch) -> Diagnostic {
    use cargo_metadata::diagnostic::DiagnosticLevel as L;
    let level = match msg.level {
        L::Error | L::Ice => Level::Error,
        L::Warning => Level::Warning,
        _ => Level::Note,
    };
    let span = msg.spans.iter().find(|s| s.is_primary);
    Diagnostic {
        level,
        message: msg.message.clone(),
        file: span.map(|s| s.file_name.clone()),
        line: span.map(|s| s.line_start as u64),
        column: span.map(|s| s.column_start as u64),
        arch: Some(arch),
        rendered: msg.rendered.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gcc_lines() {
        let text = "src/a.c: In function 'f':\n\
                    src/a.c:12:5: error: 'x' undeclared (first use in this function)\n\
                    \x20  12 |     x = 1;\n\
                    src/b.S:3: warning: something odd\n\
                    cc1: fatal error: src/c.c: No such file or directory\n";
        let d = parse_gcc(text, Arch::X64);
        assert_eq!(d.len(), 2, "{d:?}");
        assert_eq!(d[0].file.as_deref(), Some("src/a.c"));
        assert_eq!((d[0].line, d[0].column), (Some(12), Some(5)));
        assert_eq!(d[0].level, Level::Error);
        assert_eq!(d[0].message, "'x' undeclared (first use in this function)");
        assert_eq!(d[1].file.as_deref(), Some("src/b.S"));
        assert_eq!((d[1].line, d[1].column), (Some(3), None));
        assert_eq!(d[1].level, Level::Warning);
        let j = d[0].to_json();
        assert_eq!(j["reason"], "compiler-message");
        assert_eq!(j["arch"], "x64");
        assert_eq!(j["line"], 12);
    }

    #[test]
    fn mpy_cross_traceback() {
        let text = "--- stderr\nTraceback (most recent call last):\n  File \"m.py\", line 3\nSyntaxError: invalid syntax\n";
        let d = parse_mpy_cross(text, Path::new("m.py"), Arch::Armv7m);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].file.as_deref(), Some("m.py"));
        assert_eq!(d[0].line, Some(3));
        assert_eq!(d[0].message, "SyntaxError: invalid syntax");
    }
}
