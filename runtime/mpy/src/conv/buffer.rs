// Strings, bytes and buffers (included by `conv/mod.rs`).

impl<'a> FromObj<'a> for &'a str {
    fn from_obj(obj: &'a Obj) -> PyResult<&'a str> {
        if !obj.is_str() && obj.as_qstr().is_none() {
            return Err(type_error("str", obj));
        }
        let info =
            ffi::get_buffer(obj.0, sys::MP_BUFFER_READ).ok_or_else(|| type_error("str", obj))?;
        // SAFETY: str data is immutable and owned by `obj`, which outlives 'a.
        let bytes = unsafe { buf_bytes(&info) };
        core::str::from_utf8(bytes).map_err(|_| PyErr::new::<ValueError>("invalid UTF-8 in str"))
    }
}
impl<'a> FromObj<'a> for String {
    fn from_obj(obj: &'a Obj) -> PyResult<String> {
        <&str>::from_obj(obj).map(String::from)
    }
}
impl IntoObj for &str {
    fn into_obj(self) -> PyResult<Obj> {
        ffi::new_str(self).map(Obj).map_err(raised)
    }
    unsafe fn into_obj_raising(self) -> Obj {
        // SAFETY: the bytes are read during the call; a raise (MemoryError) is the
        // caller's to allow.
        Obj(unsafe { (ffi::table().obj_new_str)(self.as_ptr().cast(), self.len()) })
    }
}
impl IntoObj for String {
    fn into_obj(self) -> PyResult<Obj> {
        self.as_str().into_obj()
    }
}
impl IntoObj for &String {
    fn into_obj(self) -> PyResult<Obj> {
        self.as_str().into_obj()
    }
}

/// Any object with the buffer protocol (`bytes`, `bytearray`, `memoryview`, `array`).
///
/// The contents may change if Python code mutates a `bytearray` while Rust holds the slice;
/// that cannot happen during a call unless Rust calls back into Python, so do not keep a
/// `&[u8]` across callbacks into Python that may resize it.
impl<'a> FromObj<'a> for &'a [u8] {
    fn from_obj(obj: &'a Obj) -> PyResult<&'a [u8]> {
        let info = ffi::get_buffer(obj.0, sys::MP_BUFFER_READ)
            .ok_or_else(|| type_error("a buffer", obj))?;
        // SAFETY: the buffer is owned by `obj`, which outlives 'a.
        Ok(unsafe { buf_bytes(&info) })
    }
}
/// `bytes`.
impl IntoObj for &[u8] {
    fn into_obj(self) -> PyResult<Obj> {
        ffi::new_bytes(self).map(Obj).map_err(raised)
    }
    unsafe fn into_obj_raising(self) -> Obj {
        // SAFETY: the bytes are copied; a raise is the caller's to allow.
        Obj(unsafe { (ffi::table().obj_new_bytes)(self.as_ptr(), self.len()) })
    }
}

/// A read-only buffer with its `struct` typecode (e.g. `b'B'`, `b'h'`, `b'f'`).
#[derive(Debug, Clone, Copy)]
pub struct Buffer<'a> {
    /// The bytes.
    pub data: &'a [u8],
    /// The element typecode.
    pub typecode: u8,
}

impl<'a> FromObj<'a> for Buffer<'a> {
    fn from_obj(obj: &'a Obj) -> PyResult<Buffer<'a>> {
        let info = ffi::get_buffer(obj.0, sys::MP_BUFFER_READ)
            .ok_or_else(|| type_error("a buffer", obj))?;
        // SAFETY: the buffer is owned by `obj`, which outlives 'a.
        let data = unsafe { buf_bytes(&info) };
        Ok(Buffer {
            data,
            typecode: info.typecode as u8,
        })
    }
}

/// A writable buffer (`bytearray`, `memoryview`, `array`).
///
/// Its bytes are `Cell<u8>`: two arguments may name the same object, so handing out
/// `&mut [u8]` would not be sound. Use [`BufferMut::copy_from`], [`Cell::set`], or the
/// `unsafe` [`BufferMut::as_mut_slice`] when you know the buffer is not aliased.
#[derive(Debug, Clone, Copy)]
pub struct BufferMut<'a> {
    /// The bytes.
    pub data: &'a [Cell<u8>],
    /// The element typecode.
    pub typecode: u8,
}

impl<'a> BufferMut<'a> {
    /// Number of bytes.
    pub fn len(&self) -> usize {
        self.data.len()
    }
    /// Is it empty?
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
    /// Copy `src` into the start of the buffer (panics if it does not fit).
    pub fn copy_from(&self, src: &[u8]) {
        for (d, s) in self.data[..src.len()].iter().zip(src) {
            d.set(*s);
        }
    }
    /// The buffer as a mutable slice.
    ///
    /// # Safety
    ///
    /// No other reference to these bytes (another argument naming the same object, or a
    /// `&[u8]` of it) may be used while the slice lives.
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn as_mut_slice(&self) -> &'a mut [u8] {
        // SAFETY: `Cell<u8>` has the layout of `u8`; exclusivity is the caller's promise.
        unsafe { core::slice::from_raw_parts_mut(self.data.as_ptr() as *mut u8, self.data.len()) }
    }
}

impl<'a> BufferMut<'a> {
    fn from_info(info: &sys::MpBufferInfo) -> BufferMut<'a> {
        let data: &'a [Cell<u8>] = if info.len == 0 {
            &[]
        } else {
            // SAFETY: the caller got `info` from an object that outlives 'a, writable;
            // shared mutation goes through `Cell`, which permits aliasing.
            unsafe { core::slice::from_raw_parts(info.buf.cast::<Cell<u8>>(), info.len) }
        };
        BufferMut {
            data,
            typecode: info.typecode as u8,
        }
    }
}

impl<'a> FromObj<'a> for BufferMut<'a> {
    unsafe fn from_obj_raising(obj: &'a Obj) -> BufferMut<'a> {
        let mut info = sys::MpBufferInfo {
            buf: core::ptr::null_mut(),
            len: 0,
            typecode: 0,
        };
        // SAFETY: the firmware raises TypeError for an object without a writable buffer,
        // which the caller allows; `info` is a valid out-parameter.
        unsafe { ffi::get_buffer_raising(obj.0, &mut info, sys::MP_BUFFER_RW) };
        BufferMut::from_info(&info)
    }
    fn from_obj(obj: &'a Obj) -> PyResult<BufferMut<'a>> {
        let info = ffi::get_buffer(obj.0, sys::MP_BUFFER_RW)
            .ok_or_else(|| type_error("a writable buffer", obj))?;
        Ok(BufferMut::from_info(&info))
    }
}
