//! Externs scripts (in progress).
