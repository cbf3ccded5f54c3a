//! Why an `.mpy` file could not be read or merged.

use crate::mpy::{MAX_NESTING, MPY_VERSION};

/// Why an `.mpy` file could not be read or merged.
///
/// Every variant names the file (its display name) and, where there is one,
/// the byte offset in it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MpyError {
    /// The data ends in the middle of something.
    #[error("{file}: offset {offset:#x}: file ends inside {what}")]
    Truncated {
        /// Display name of the file.
        file: String,
        /// Offset where the missing data should be.
        offset: usize,
        /// What was being read.
        what: &'static str,
    },

    /// A field holds a value the format does not allow.
    #[error("{file}: offset {offset:#x}: invalid {what}: {reason}")]
    Invalid {
        /// Display name of the file.
        file: String,
        /// Offset of the field.
        offset: usize,
        /// What was being read.
        what: &'static str,
        /// What is wrong with it.
        reason: String,
    },

    /// The first byte is not `M`.
    #[error("{file}: not an .mpy file (first byte is {found:#04x}, expected `M`)")]
    NotMpy {
        /// Display name of the file.
        file: String,
        /// The first byte found.
        found: u8,
    },

    /// The `.mpy` version is not 6.
    #[error("{file}: .mpy version {found} is not supported (expected {MPY_VERSION}); recompile it with the mpy-cross of MicroPython 1.20 or later")]
    Version {
        /// Display name of the file.
        file: String,
        /// The version found.
        found: u8,
    },

    /// A native file has a sub-version other than 1, 2 and 3.
    #[error("{file}: native .mpy sub-version {found} is not supported (6.1, 6.2 and 6.3 are: MicroPython 1.20 and later); rebuild it for one of those")]
    SubVersion {
        /// Display name of the file.
        file: String,
        /// The sub-version found.
        found: u8,
    },

    /// Tuples or raw codes nest deeper than [`MAX_NESTING`].
    #[error("{file}: offset {offset:#x}: {what} nested deeper than {MAX_NESTING} levels")]
    TooDeep {
        /// Display name of the file.
        file: String,
        /// Offset of the innermost item.
        offset: usize,
        /// What nests ("constant tuple", "raw code").
        what: &'static str,
    },

    /// The bytecode of a function cannot be decoded or re-encoded.
    #[error("{file}: offset {offset:#x}: bytecode of `{function}`: {reason}")]
    Bytecode {
        /// Display name of the file.
        file: String,
        /// File offset of the instruction (or of the function).
        offset: usize,
        /// The function's name.
        function: String,
        /// What is wrong.
        reason: String,
    },

    /// `merge` was called without inputs.
    #[error("nothing to merge: no input files were given")]
    NoInputs,

    /// Two inputs of a merge contain native code.
    #[error("cannot merge `{first}` and `{second}`: both contain native code, and at most one part of a merged file may")]
    TwoNative {
        /// The first native input.
        first: String,
        /// The second native input.
        second: String,
    },

    /// A part of a merge that must be rewritten holds native code.
    #[error("{file}: offset {offset:#x}: cannot rewrite {kind} code while merging; only bytecode parts can follow the first part")]
    NotBytecode {
        /// Display name of the file.
        file: String,
        /// Offset of the raw code.
        offset: usize,
        /// The kind found ("native", "viper", "asm").
        kind: &'static str,
    },
}
