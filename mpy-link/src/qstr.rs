//! qstr scan (in progress).
