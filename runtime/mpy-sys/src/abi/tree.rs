//! The ABI of a MicroPython source tree, from its `py/persistentcode.h`.

use super::{MpyAbi, MPY_VERSION};

/// Why a MicroPython tree's `py/persistentcode.h` names no ABI cargo-mpy supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TreeAbiError {
    /// `#define MPY_VERSION` or `#define MPY_SUB_VERSION` is missing or not a number.
    Missing(&'static str),
    /// The tree writes a `.mpy` version other than 6 (MicroPython before 1.19 or a future one).
    Version(u32),
    /// Version 6 with a sub-version other than 1, 2 or 3 (MicroPython 1.19, which has no
    /// `MPY_SUB_VERSION`, is 6.0).
    SubVersion(u32),
}

impl core::fmt::Display for TreeAbiError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            TreeAbiError::Missing(name) => write!(f, "no `#define {name} <number>` line"),
            TreeAbiError::Version(v) => write!(
                f,
                "the tree writes .mpy version {v}; cargo-mpy supports version 6 \
                 (sub-versions 1-3: MicroPython 1.20 and later)"
            ),
            TreeAbiError::SubVersion(s) => write!(
                f,
                "the tree writes .mpy version 6.{s}; cargo-mpy supports 6.1, 6.2 and 6.3 \
                 (MicroPython 1.20 and later)"
            ),
        }
    }
}

/// The ABI a MicroPython source tree builds for, from the text of its
/// `py/persistentcode.h` (`#define MPY_VERSION 6`, `#define MPY_SUB_VERSION 2`).
pub fn abi_of_persistentcode_h(text: &str) -> Result<MpyAbi, TreeAbiError> {
    let define = |name: &'static str| -> Result<u32, TreeAbiError> {
        text.lines()
            .filter_map(|line| line.trim().strip_prefix("#define "))
            .filter_map(|rest| rest.trim_start().strip_prefix(name))
            .filter(|rest| rest.starts_with([' ', '\t']))
            .find_map(|rest| {
                rest.trim()
                    .trim_start_matches('(')
                    .split(|c: char| !c.is_ascii_digit())
                    .next()
                    .and_then(|n| n.parse().ok())
            })
            .ok_or(TreeAbiError::Missing(name))
    };
    let version = define("MPY_VERSION")?;
    if version != MPY_VERSION as u32 {
        return Err(TreeAbiError::Version(version));
    }
    // MicroPython 1.19 wrote version 6 before sub-versions existed: that is 6.0.
    let sub = match define("MPY_SUB_VERSION") {
        Err(TreeAbiError::Missing(_)) => 0,
        other => other?,
    };
    u8::try_from(sub)
        .ok()
        .and_then(MpyAbi::from_sub_version)
        .ok_or(TreeAbiError::SubVersion(sub))
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    #[test]
    fn abi_of_a_tree() {
        // The two lines as MicroPython's py/persistentcode.h has them, amid other defines.
        let tree = |sub: &str| {
            std::format!(
                "#define MPY_VERSION 6\n#define MPY_SUB_VERSION {sub}\n#define MPY_VERSION_X 9\n"
            )
        };
        assert_eq!(abi_of_persistentcode_h(&tree("1")), Ok(MpyAbi::V6_1));
        assert_eq!(abi_of_persistentcode_h(&tree("2")), Ok(MpyAbi::V6_2));
        assert_eq!(abi_of_persistentcode_h(&tree("3")), Ok(MpyAbi::V6_3));
        assert_eq!(
            abi_of_persistentcode_h(&tree("0")),
            Err(TreeAbiError::SubVersion(0))
        );
        assert_eq!(
            abi_of_persistentcode_h("#define MPY_VERSION 5\n#define MPY_SUB_VERSION 0\n"),
            Err(TreeAbiError::Version(5))
        );
        assert_eq!(
            abi_of_persistentcode_h("#define MPY_VERSION 6\n"),
            Err(TreeAbiError::SubVersion(0))
        );
        assert_eq!(
            abi_of_persistentcode_h("#define MPY_SUB_VERSION 3\n"),
            Err(TreeAbiError::Missing("MPY_VERSION"))
        );
        let msg = std::format!("{}", TreeAbiError::SubVersion(4));
        assert!(
            msg.contains("6.4") && msg.contains("6.1, 6.2 and 6.3"),
            "{msg}"
        );
    }
}
