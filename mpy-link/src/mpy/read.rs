//! Reading `.mpy` files (in progress).

/// Error reading an `.mpy` file.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct MpyError(pub String);
