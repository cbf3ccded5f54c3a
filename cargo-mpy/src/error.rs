//! Errors callers tell apart by type. Everything else is `anyhow` with
//! context; a help note anywhere in a chain (or a typed error that knows its
//! fix) becomes the `help:` line under the report.

use std::fmt;

use mpy_link::Arch;

/// A tool or file a build needs is not installed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{tool}{} was not found {looked}", for_arch(*.arch))]
pub struct MissingTool {
    /// What is missing, as shown: ``C compiler `arm-none-eabi-gcc` ``,
    /// `` `mpy-cross` ``.
    pub tool: String,
    /// The architecture that needs it, when the tool is per architecture.
    pub arch: Option<Arch>,
    /// Where it was looked for: `on PATH`, ``at `./x` (from ...)``.
    pub looked: String,
    /// How to install it (`apt-get install gcc-arm-none-eabi ...`).
    pub install: String,
}

fn for_arch(arch: Option<Arch>) -> String {
    arch.map(|a| format!(" for {a}")).unwrap_or_default()
}

/// A `help:` line attached to an error: `Err(anyhow!(Help(..)).context("top
/// message"))`. It is printed after the causes instead of among them.
#[derive(Debug)]
pub(crate) struct Help(pub String);

impl fmt::Display for Help {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Help {}

/// An error whose message is `msg`, printed with a `help:` line.
pub(crate) fn error_with_help(msg: impl fmt::Display, help: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Help(help.into())).context(msg.to_string())
}

/// Whether `cause` is only there to carry a `help:` line (and so is not
/// printed as a cause).
pub(crate) fn is_help(cause: &(dyn std::error::Error + 'static)) -> bool {
    cause.is::<Help>()
}

/// The `help:` line of an error chain: a [`Help`], or the fix a typed error
/// carries.
pub(crate) fn help_of(err: &anyhow::Error) -> Option<&str> {
    err.chain().find_map(|c| {
        c.downcast_ref::<Help>()
            .map(|h| h.0.as_str())
            .or_else(|| c.downcast_ref::<MissingTool>().map(|m| m.install.as_str()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_tool_names_tool_arch_and_fix() {
        let e = MissingTool {
            tool: "C compiler `arm-none-eabi-gcc`".into(),
            arch: Some(Arch::Armv6m),
            looked: "on PATH".into(),
            install: "apt-get install gcc-arm-none-eabi".into(),
        };
        assert_eq!(
            e.to_string(),
            "C compiler `arm-none-eabi-gcc` for armv6m was not found on PATH"
        );
        let err = anyhow::Error::new(e).context("cannot build `m` for armv6m");
        assert_eq!(help_of(&err), Some("apt-get install gcc-arm-none-eabi"));
        assert!(err.downcast_ref::<MissingTool>().is_some());
    }
}
