//! A read position in an `.mpy` file, with bounds-checked primitives that
//! turn every problem into an [`MpyError`] naming the file and offset.

use crate::mpy::error::MpyError;
use crate::mpy::vuint::decode_vuint;

/// A read position in a file, with bounds-checked primitives.
pub(crate) struct Cursor<'a, 'n> {
    pub(crate) file: &'n str,
    pub(crate) data: &'a [u8],
    pub(crate) pos: usize,
}

impl<'a> Cursor<'a, '_> {
    pub(crate) fn truncated(&self, what: &'static str) -> MpyError {
        MpyError::Truncated {
            file: self.file.to_string(),
            offset: self.pos,
            what,
        }
    }

    pub(crate) fn invalid(
        &self,
        offset: usize,
        what: &'static str,
        reason: impl Into<String>,
    ) -> MpyError {
        MpyError::Invalid {
            file: self.file.to_string(),
            offset,
            what,
            reason: reason.into(),
        }
    }

    pub(crate) fn remaining(&self) -> usize {
        self.data.len().saturating_sub(self.pos)
    }

    pub(crate) fn u8(&mut self, what: &'static str) -> Result<u8, MpyError> {
        let byte = *self
            .data
            .get(self.pos)
            .ok_or_else(|| self.truncated(what))?;
        self.pos += 1;
        Ok(byte)
    }

    pub(crate) fn vuint(&mut self, what: &'static str) -> Result<u64, MpyError> {
        let rest = self.data.get(self.pos..).unwrap_or(&[]);
        match decode_vuint(rest) {
            Some((value, used)) => {
                self.pos += used;
                Ok(value)
            }
            None if rest.iter().all(|b| b & 0x80 != 0) => Err(self.truncated(what)),
            None => Err(self.invalid(self.pos, what, "number does not fit in 64 bits")),
        }
    }

    /// A vuint that must fit in `usize`.
    pub(crate) fn size(&mut self, what: &'static str) -> Result<usize, MpyError> {
        let at = self.pos;
        let value = self.vuint(what)?;
        usize::try_from(value).map_err(|_| self.invalid(at, what, format!("{value} is too large")))
    }

    /// A count of items that each take at least `min_item_len` bytes; larger
    /// counts than the rest of the file can hold are rejected early.
    pub(crate) fn count(
        &mut self,
        what: &'static str,
        min_item_len: usize,
    ) -> Result<usize, MpyError> {
        let at = self.pos;
        let n = self.size(what)?;
        if n.saturating_mul(min_item_len) > self.remaining() {
            return Err(self.invalid(
                at,
                what,
                format!(
                    "{n} items cannot fit in the {} bytes left; the file is truncated or corrupt",
                    self.remaining()
                ),
            ));
        }
        Ok(n)
    }

    pub(crate) fn bytes(&mut self, len: usize, what: &'static str) -> Result<&'a [u8], MpyError> {
        let end = self
            .pos
            .checked_add(len)
            .filter(|&end| end <= self.data.len())
            .ok_or_else(|| self.truncated(what))?;
        let slice = self
            .data
            .get(self.pos..end)
            .ok_or_else(|| self.truncated(what))?;
        self.pos = end;
        Ok(slice)
    }

    /// `len` bytes followed by a NUL terminator.
    pub(crate) fn bytes_nul(
        &mut self,
        len: usize,
        what: &'static str,
    ) -> Result<&'a [u8], MpyError> {
        let bytes = self.bytes(len, what)?;
        let at = self.pos;
        let nul = self.u8(what)?;
        if nul != 0 {
            return Err(self.invalid(at, what, format!("terminator is {nul:#04x}, expected 0")));
        }
        Ok(bytes)
    }
}
