//! Inputs: relocatable objects (from paths or bytes) and static archives.

use std::fmt;
use std::sync::Arc;

/// Names an input in messages: `path/to/file.o`, or `libm.a(s_sin.o)` for an
/// archive member.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InputRef {
    /// The file as given (the archive, for a member).
    pub file: Arc<str>,
    /// The member name inside an archive.
    pub member: Option<Arc<str>>,
}

impl InputRef {
    /// Names a plain file.
    pub fn file(name: impl Into<Arc<str>>) -> Self {
        InputRef { file: name.into(), member: None }
    }
}

impl fmt::Display for InputRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.member {
            Some(m) => write!(f, "{}({})", self.file, m),
            None => f.write_str(&self.file),
        }
    }
}
