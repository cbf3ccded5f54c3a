//! Conversions between Rust values and objects: [`FromObj`] and [`IntoObj`].

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::Cell;

use mpy_sys::{self as sys, MP_NATIVE_TYPE_INT, MP_NATIVE_TYPE_UINT};

use crate::err::{Msg, PyErr, PyResult};
use crate::exceptions::{OverflowError, TypeError, ValueError};
use crate::ffi;
use crate::obj::{buf_bytes, Obj};

/// Conversion from an object; `'a` is the lifetime of the borrowed object, so borrowed
/// results (`&str`, `&[u8]`) cannot outlive it.
pub trait FromObj<'a>: Sized {
    /// Convert, or fail with `TypeError`/`OverflowError`/...
    fn from_obj(obj: &'a Obj) -> PyResult<Self>;

    /// Convert, raising the failure directly (a non-local jump) instead of returning it.
    /// Used by generated entry points when nothing in their frames has a destructor; types
    /// whose conversion is a single firmware call override it to skip the protected call.
    ///
    /// # Safety
    ///
    /// May jump out of the caller: every frame between the caller and the firmware's entry
    /// into the module must own nothing with a destructor.
    #[doc(hidden)]
    unsafe fn from_obj_raising(obj: &'a Obj) -> Self {
        match Self::from_obj(obj) {
            Ok(v) => v,
            // SAFETY: forwarded from the caller.
            Err(e) => unsafe { e.raise() },
        }
    }
}

/// Conversion into an object.
pub trait IntoObj {
    /// Convert, or fail (typically `MemoryError`).
    fn into_obj(self) -> PyResult<Obj>;

    /// Convert, raising a failure directly; see [`FromObj::from_obj_raising`].
    ///
    /// # Safety
    ///
    /// As [`FromObj::from_obj_raising`].
    #[doc(hidden)]
    unsafe fn into_obj_raising(self) -> Obj
    where
        Self: Sized,
    {
        match self.into_obj() {
            Ok(v) => v,
            // SAFETY: forwarded from the caller.
            Err(e) => unsafe { e.raise() },
        }
    }
}

fn type_error(expected: &str, got: &Obj) -> PyErr {
    PyErr::new::<TypeError>(
        Msg::new()
            .s("expected ")
            .s(expected)
            .s(", got '")
            .q(got.type_name())
            .s("'"),
    )
}

fn raised(e: sys::MpObj) -> PyErr {
    PyErr::from_raised(e)
}

// ---------------------------------------------------------------------------------------
// Identity, None, bool

impl<'a> FromObj<'a> for Obj {
    fn from_obj(obj: &'a Obj) -> PyResult<Obj> {
        Ok(*obj)
    }
}
impl<'a> FromObj<'a> for &'a Obj {
    fn from_obj(obj: &'a Obj) -> PyResult<&'a Obj> {
        Ok(obj)
    }
}
impl IntoObj for Obj {
    fn into_obj(self) -> PyResult<Obj> {
        Ok(self)
    }
}
impl IntoObj for &Obj {
    fn into_obj(self) -> PyResult<Obj> {
        Ok(*self)
    }
}
impl IntoObj for () {
    fn into_obj(self) -> PyResult<Obj> {
        Ok(Obj::none())
    }
}
impl<'a> FromObj<'a> for () {
    fn from_obj(obj: &'a Obj) -> PyResult<()> {
        if obj.is_none() {
            Ok(())
        } else {
            Err(type_error("None", obj))
        }
    }
}

/// Python truthiness (`bool(x)`), as C modules do with `mp_obj_is_true`.
impl<'a> FromObj<'a> for bool {
    fn from_obj(obj: &'a Obj) -> PyResult<bool> {
        obj.is_true()
    }
    unsafe fn from_obj_raising(obj: &'a Obj) -> bool {
        // SAFETY: `obj_is_true` takes any object (it may call `__bool__`/`__len__`); a raise
        // is the caller's to allow.
        unsafe { (ffi::table().obj_is_true)(obj.0) }
    }
}
impl IntoObj for bool {
    fn into_obj(self) -> PyResult<Obj> {
        Ok(Obj::bool(self))
    }
}

impl<'a, T: FromObj<'a>> FromObj<'a> for Option<T> {
    fn from_obj(obj: &'a Obj) -> PyResult<Option<T>> {
        if obj.is_none() {
            Ok(None)
        } else {
            T::from_obj(obj).map(Some)
        }
    }
}
impl<T: IntoObj> IntoObj for Option<T> {
    fn into_obj(self) -> PyResult<Obj> {
        match self {
            Some(v) => v.into_obj(),
            None => Ok(Obj::none()),
        }
    }
}

/// The interned string as a `str` object (no allocation).
impl IntoObj for crate::obj::Qstr {
    fn into_obj(self) -> PyResult<Obj> {
        Ok(Obj::qstr(self))
    }
}

// ---------------------------------------------------------------------------------------
// Integers

fn word_from_obj(obj: &Obj) -> PyResult<isize> {
    if let Some(v) = obj.as_small_int() {
        return Ok(v);
    }
    // `int` subclasses and big ints; raises TypeError for non-ints. Big ints are
    // truncated to the machine word, as C's `mp_obj_get_int` does in a native module.
    ffi::native_from_obj(obj.0, MP_NATIVE_TYPE_INT)
        .map(|v| v as isize)
        .map_err(raised)
}

/// [`word_from_obj`] that raises: one unprotected firmware call.
///
/// # Safety
///
/// As [`FromObj::from_obj_raising`].
///
/// No inline small-int test: the firmware's conversion has its own, and a call per value
/// is what C's `mp_obj_get_int` costs, which keeps entry points as small as C's.
unsafe fn word_from_obj_raising(obj: &Obj) -> isize {
    // SAFETY: `native_from_obj` takes any object; a raise is the caller's to allow.
    unsafe { (ffi::table().native_from_obj)(obj.0, MP_NATIVE_TYPE_INT) as isize }
}

/// [`word_into_obj`] that raises (`MemoryError` for a big int).
///
/// # Safety
///
/// As [`FromObj::from_obj_raising`].
///
/// One firmware call (`mp_obj_new_int`, which makes a small int when the value fits), as C.
unsafe fn word_into_obj_raising(v: isize) -> Obj {
    // SAFETY: a raise is the caller's to allow.
    Obj(unsafe { (ffi::table().native_to_obj)(v as usize, MP_NATIVE_TYPE_INT) })
}

#[cold]
fn raise_overflow(ty: &str) -> ! {
    // SAFETY: reached only from the raising conversions, whose callers allow a raise.
    unsafe { overflow(ty).raise() }
}

fn word_into_obj(v: isize) -> PyResult<Obj> {
    match Obj::small_int(v) {
        Some(o) => Ok(o),
        None => ffi::native_to_obj(v as usize, MP_NATIVE_TYPE_INT)
            .map(Obj)
            .map_err(raised),
    }
}

fn uword_into_obj(v: usize) -> PyResult<Obj> {
    match Obj::small_int(v as isize).filter(|_| v <= isize::MAX as usize) {
        Some(o) => Ok(o),
        None => ffi::native_to_obj(v, MP_NATIVE_TYPE_UINT)
            .map(Obj)
            .map_err(raised),
    }
}

fn overflow(ty: &str) -> PyErr {
    PyErr::new::<OverflowError>(Msg::new().s("value out of range for ").s(ty))
}

macro_rules! small_ints {
    ($($t:ty),*) => {$(
        impl<'a> FromObj<'a> for $t {
            fn from_obj(obj: &'a Obj) -> PyResult<$t> {
                let v = word_from_obj(obj)?;
                <$t>::try_from(v).map_err(|_| overflow(stringify!($t)))
            }
            unsafe fn from_obj_raising(obj: &'a Obj) -> $t {
                // SAFETY: forwarded from the caller.
                let v = unsafe { word_from_obj_raising(obj) };
                <$t>::try_from(v).unwrap_or_else(|_| raise_overflow(stringify!($t)))
            }
        }
        impl IntoObj for $t {
            fn into_obj(self) -> PyResult<Obj> {
                // Lossless: every such type fits a machine word on 32- and 64-bit targets.
                word_into_obj(self as isize)
            }
            unsafe fn into_obj_raising(self) -> Obj {
                match Obj::small_int(self as isize) {
                    // A type narrower than a machine word always fits a small int, which
                    // is then encoded inline; wider ones make the one firmware call.
                    Some(o) if <$t>::BITS < usize::BITS => o,
                    // SAFETY: forwarded from the caller.
                    _ => unsafe { word_into_obj_raising(self as isize) },
                }
            }
        }
    )*};
}
small_ints!(i8, i16, i32, isize, u8, u16);

impl<'a> FromObj<'a> for u32 {
    fn from_obj(obj: &'a Obj) -> PyResult<u32> {
        u32::try_from(i64::from_obj(obj)?).map_err(|_| overflow("u32"))
    }
}
impl IntoObj for u32 {
    fn into_obj(self) -> PyResult<Obj> {
        uword_into_obj(self as usize)
    }
}
impl<'a> FromObj<'a> for usize {
    fn from_obj(obj: &'a Obj) -> PyResult<usize> {
        usize::try_from(u64::from_obj(obj)?).map_err(|_| overflow("usize"))
    }
}
impl IntoObj for usize {
    fn into_obj(self) -> PyResult<Obj> {
        uword_into_obj(self)
    }
}

// 64-bit integers: a machine word on 64-bit targets; on 32-bit targets values beyond a
// small int are split into 32-bit halves with Python integer arithmetic.

fn small(v: isize) -> Obj {
    Obj::small_int(v).unwrap_or_else(Obj::none)
}

/// `(obj >> shift) & 0xffff_ffff` as a `u32`, for 32-bit targets.
#[cfg(target_pointer_width = "32")]
fn u32_part(obj: &Obj, shift: isize) -> PyResult<u32> {
    let shifted = if shift == 0 {
        *obj
    } else {
        obj.binary_op(sys::MP_BINARY_OP_RSHIFT, small(shift))?
    };
    let mask = uword_into_obj(0xffff_ffff)?;
    let part = shifted.binary_op(sys::MP_BINARY_OP_AND, mask)?;
    // Non-negative and below 2**32: the truncating conversion is exact.
    ffi::native_from_obj(part.0, MP_NATIVE_TYPE_UINT)
        .map(|v| v as u32)
        .map_err(raised)
}

#[cfg(target_pointer_width = "32")]
fn from_halves(hi: Obj, lo: u32) -> PyResult<Obj> {
    let hi = hi.binary_op(sys::MP_BINARY_OP_LSHIFT, small(32))?;
    hi.binary_op(sys::MP_BINARY_OP_OR, uword_into_obj(lo as usize)?)
}

impl<'a> FromObj<'a> for i64 {
    #[cfg(target_pointer_width = "64")]
    unsafe fn from_obj_raising(obj: &'a Obj) -> i64 {
        // SAFETY: forwarded from the caller.
        unsafe { word_from_obj_raising(obj) as i64 }
    }
    fn from_obj(obj: &'a Obj) -> PyResult<i64> {
        if let Some(v) = obj.as_small_int() {
            return Ok(v as i64);
        }
        #[cfg(target_pointer_width = "64")]
        {
            word_from_obj(obj).map(|v| v as i64)
        }
        #[cfg(target_pointer_width = "32")]
        {
            let top = obj.binary_op(sys::MP_BINARY_OP_RSHIFT, small(63))?;
            match top.as_small_int() {
                Some(0) | Some(-1) => {}
                _ => return Err(overflow("i64")),
            }
            Ok(((u32_part(obj, 32)? as u64) << 32 | u32_part(obj, 0)? as u64) as i64)
        }
    }
}
impl IntoObj for i64 {
    #[cfg(target_pointer_width = "64")]
    unsafe fn into_obj_raising(self) -> Obj {
        // SAFETY: forwarded from the caller.
        unsafe { word_into_obj_raising(self as isize) }
    }
    fn into_obj(self) -> PyResult<Obj> {
        if let Ok(v) = isize::try_from(self) {
            return word_into_obj(v);
        }
        #[cfg(target_pointer_width = "64")]
        unreachable!("isize is 64 bits");
        #[cfg(target_pointer_width = "32")]
        from_halves(word_into_obj((self >> 32) as isize)?, self as u32)
    }
}
impl<'a> FromObj<'a> for u64 {
    fn from_obj(obj: &'a Obj) -> PyResult<u64> {
        if let Some(v) = obj.as_small_int() {
            return u64::try_from(v).map_err(|_| overflow("u64"));
        }
        // Non-negative and below 2**64.
        let top = obj.binary_op(sys::MP_BINARY_OP_RSHIFT, small(64))?;
        if top.as_small_int() != Some(0) {
            return Err(overflow("u64"));
        }
        #[cfg(target_pointer_width = "64")]
        {
            ffi::native_from_obj(obj.0, MP_NATIVE_TYPE_UINT)
                .map(|v| v as u64)
                .map_err(raised)
        }
        #[cfg(target_pointer_width = "32")]
        {
            Ok((u32_part(obj, 32)? as u64) << 32 | u32_part(obj, 0)? as u64)
        }
    }
}
impl IntoObj for u64 {
    fn into_obj(self) -> PyResult<Obj> {
        if let Ok(v) = usize::try_from(self) {
            return uword_into_obj(v);
        }
        #[cfg(target_pointer_width = "64")]
        unreachable!("usize is 64 bits");
        #[cfg(target_pointer_width = "32")]
        from_halves(uword_into_obj((self >> 32) as usize)?, self as u32)
    }
}

// ---------------------------------------------------------------------------------------
// Floats (not on RISC-V, see the crate documentation)

#[cfg(not(any(target_arch = "riscv32", target_arch = "riscv64")))]
mod floats {
    use super::*;

    impl<'a> FromObj<'a> for f64 {
        fn from_obj(obj: &'a Obj) -> PyResult<f64> {
            ffi::get_float_d(obj.0).map_err(raised)
        }
        unsafe fn from_obj_raising(obj: &'a Obj) -> f64 {
            // SAFETY: any object is accepted; a raise is the caller's to allow.
            unsafe { (ffi::table().obj_get_float_to_d)(obj.0) }
        }
    }
    impl IntoObj for f64 {
        fn into_obj(self) -> PyResult<Obj> {
            ffi::new_float_d(self).map(Obj).map_err(raised)
        }
        unsafe fn into_obj_raising(self) -> Obj {
            // SAFETY: a raise (MemoryError) is the caller's to allow.
            Obj(unsafe { (ffi::table().obj_new_float_from_d)(self) })
        }
    }
    impl<'a> FromObj<'a> for f32 {
        fn from_obj(obj: &'a Obj) -> PyResult<f32> {
            ffi::get_float_f(obj.0).map_err(raised)
        }
        unsafe fn from_obj_raising(obj: &'a Obj) -> f32 {
            // SAFETY: any object is accepted; a raise is the caller's to allow.
            unsafe { (ffi::table().obj_get_float_to_f)(obj.0) }
        }
    }
    impl IntoObj for f32 {
        fn into_obj(self) -> PyResult<Obj> {
            ffi::new_float_f(self).map(Obj).map_err(raised)
        }
        unsafe fn into_obj_raising(self) -> Obj {
            // SAFETY: a raise (MemoryError) is the caller's to allow.
            Obj(unsafe { (ffi::table().obj_new_float_from_f)(self) })
        }
    }
}

// ---------------------------------------------------------------------------------------
// Strings and buffers

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
        unsafe {
            (ffi::table().get_buffer)(
                obj.0,
                &mut info,
                sys::MP_BUFFER_RW | sys::MP_BUFFER_RAISE_IF_UNSUPPORTED,
            )
        };
        BufferMut::from_info(&info)
    }
    fn from_obj(obj: &'a Obj) -> PyResult<BufferMut<'a>> {
        let info = ffi::get_buffer(obj.0, sys::MP_BUFFER_RW)
            .ok_or_else(|| type_error("a writable buffer", obj))?;
        Ok(BufferMut::from_info(&info))
    }
}

// ---------------------------------------------------------------------------------------
// Sequences and mappings

fn items(obj: &Obj) -> PyResult<&[Obj]> {
    let (p, n) = ffi::array_items(obj.0).ok_or_else(|| type_error("tuple or list", obj))?;
    if n == 0 {
        return Ok(&[]);
    }
    // SAFETY: the items belong to `obj` (which outlives 'a); `Obj` is a transparent word.
    // A list could be resized by Python code only if Rust called back into Python, and the
    // old item array stays allocated while this slice is reachable from the stack.
    Ok(unsafe { core::slice::from_raw_parts(p.cast::<Obj>(), n) })
}

/// From a `list` or `tuple`.
impl<'a, T: FromObj<'a>> FromObj<'a> for Vec<T> {
    fn from_obj(obj: &'a Obj) -> PyResult<Vec<T>> {
        items(obj)?.iter().map(T::from_obj).collect()
    }
}
/// Into a `list`.
impl<T: IntoObj> IntoObj for Vec<T> {
    fn into_obj(self) -> PyResult<Obj> {
        let objs = self
            .into_iter()
            .map(IntoObj::into_obj)
            .collect::<PyResult<Vec<Obj>>>()?;
        let raw: Vec<sys::MpObj> = objs.iter().map(|o| o.0).collect();
        ffi::new_list(&raw).map(Obj).map_err(raised)
    }
}
/// Into a `list`. A function returning an array of plain values (`[u16; 4]`) builds the
/// list after it returns, with direct firmware calls, like a C module.
impl<T: IntoObj, const N: usize> IntoObj for [T; N] {
    fn into_obj(self) -> PyResult<Obj> {
        let mut raw = [Obj::none().0; N];
        for (r, v) in raw.iter_mut().zip(self) {
            *r = v.into_obj()?.0;
        }
        ffi::new_list(&raw).map(Obj).map_err(raised)
    }
    unsafe fn into_obj_raising(self) -> Obj {
        // SAFETY: forwarded from the caller (the array owns nothing with a destructor, or
        // the caller would not use this path). As C modules do, the list is made first with
        // room for `N` items, which are then stored into it; until then the collector sees
        // zeros or stale words there, both harmless to a conservative scan.
        unsafe {
            let list = (ffi::table().new_list)(N, core::ptr::null_mut());
            let items = (*list.cast::<sys::MpObjList>()).items;
            let values = core::mem::ManuallyDrop::new(self);
            for i in 0..N {
                *items.add(i) = core::ptr::read(&values[i]).into_obj_raising().0;
            }
            Obj(list)
        }
    }
}

/// A `tuple` of the array's items: `Tuple([a, b, c])` (a plain array converts to a list).
/// Returned from a function as an array of plain values, it is built after the function
/// returns with direct firmware calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Tuple<A>(pub A);

impl<T: IntoObj, const N: usize> IntoObj for Tuple<[T; N]> {
    fn into_obj(self) -> PyResult<Obj> {
        let mut raw = [Obj::none().0; N];
        for (r, v) in raw.iter_mut().zip(self.0) {
            *r = v.into_obj()?.0;
        }
        ffi::new_tuple(&raw).map(Obj).map_err(raised)
    }
    unsafe fn into_obj_raising(self) -> Obj {
        // SAFETY: forwarded from the caller (the array owns nothing with a destructor);
        // `new_tuple` copies the items.
        unsafe {
            let values = core::mem::ManuallyDrop::new(self.0);
            let raw: [sys::MpObj; N] =
                core::array::from_fn(|i| core::ptr::read(&values[i]).into_obj_raising().0);
            Obj((ffi::table().new_tuple)(N, raw.as_ptr()))
        }
    }
}

/// A `dict` of the `(key, value)` pairs an iterator yields: `Dict(pairs)`, e.g.
/// `Dict(args.chunks_exact(2).map(|kv| (kv[0], kv[1])))`. Returned from a function (as
/// `impl IntoObj`), it is built after the function returns, with direct firmware calls when
/// neither the iterator nor its keys and values own anything with a destructor.
#[derive(Clone, Copy, Debug)]
pub struct Dict<I>(pub I);

impl<I, K, V> IntoObj for Dict<I>
where
    I: IntoIterator<Item = (K, V)>,
    K: IntoObj,
    V: IntoObj,
{
    fn into_obj(self) -> PyResult<Obj> {
        let iter = self.0.into_iter();
        let d = ffi::new_dict(iter.size_hint().0).map_err(raised)?;
        for (k, v) in iter {
            let (k, v) = (k.into_obj()?, v.into_obj()?);
            ffi::dict_store(d, k.0, v.0).map_err(raised)?;
        }
        Ok(Obj(d))
    }
    unsafe fn into_obj_raising(self) -> Obj {
        // The caller vouches for the iterator; the pairs it yields are checked here.
        if core::mem::needs_drop::<(K, V)>() {
            return match self.into_obj() {
                Ok(o) => o,
                // SAFETY: forwarded from the caller; nothing is held at this point.
                Err(e) => unsafe { e.raise() },
            };
        }
        let iter = self.0.into_iter();
        let t = ffi::table();
        // SAFETY: a raise is the caller's to allow, and the pairs own nothing.
        unsafe {
            let d = (t.new_dict)(iter.size_hint().0);
            for (k, v) in iter {
                let k = k.into_obj_raising();
                let v = v.into_obj_raising();
                (t.dict_store)(d, k.0, v.0);
            }
            Obj(d)
        }
    }
}

/// The builtin named by a qstr (`Builtin(qstr!(int))` is the `int` type), looked up when
/// converted, as C modules find `mp_type_int`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Builtin(pub crate::obj::Qstr);

impl IntoObj for Builtin {
    fn into_obj(self) -> PyResult<Obj> {
        Obj::builtin(self.0)
    }
    unsafe fn into_obj_raising(self) -> Obj {
        // SAFETY: a raise (NameError) is the caller's to allow.
        Obj(unsafe { (ffi::table().load_global)(self.0.as_raw()) })
    }
}

/// A `bytearray` holding a copy of the bytes: `ByteArray([1, 2, 3])`, `ByteArray(vec)`.
///
/// `&[u8]` and `Vec<u8>`-like byte strings convert to `bytes`; wrap them to get a mutable
/// `bytearray` instead. Returned from a function as a plain array (`ByteArray<[u8; N]>`),
/// it is built after the function returns with direct firmware calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct ByteArray<B>(pub B);

impl<B: AsRef<[u8]>> IntoObj for ByteArray<B> {
    fn into_obj(self) -> PyResult<Obj> {
        Obj::new_bytearray(self.0.as_ref())
    }
    unsafe fn into_obj_raising(self) -> Obj {
        let data = self.0.as_ref();
        // SAFETY: as `Obj::new_bytearray`, raising instead of returning errors, which the
        // caller allows.
        unsafe {
            let block = ffi::heap_realloc(core::ptr::null_mut(), data.len().max(1), false);
            if block.is_null() {
                crate::obj::out_of_memory().raise();
            }
            core::ptr::copy_nonoverlapping(data.as_ptr(), block, data.len());
            Obj((ffi::table().obj_new_bytearray_by_ref)(
                data.len(),
                block.cast(),
            ))
        }
    }
}

/// Into a `dict`.
impl<K: IntoObj, V: IntoObj> IntoObj for BTreeMap<K, V> {
    fn into_obj(self) -> PyResult<Obj> {
        let d = ffi::new_dict(self.len()).map_err(raised)?;
        for (k, v) in self {
            let (k, v) = (k.into_obj()?, v.into_obj()?);
            ffi::dict_store(d, k.0, v.0).map_err(raised)?;
        }
        Ok(Obj(d))
    }
}

/// From a `dict` (or any object whose iteration yields keys and that supports `obj[key]`).
impl<'a, K, V> FromObj<'a> for BTreeMap<K, V>
where
    K: for<'b> FromObj<'b> + Ord,
    V: for<'b> FromObj<'b>,
{
    fn from_obj(obj: &'a Obj) -> PyResult<BTreeMap<K, V>> {
        if !obj.is_dict() {
            return Err(type_error("dict", obj));
        }
        let mut out = BTreeMap::new();
        for key in obj.iter()? {
            let key = key?;
            let value = obj.get_item(key)?;
            out.insert(K::from_obj(&key)?, V::from_obj(&value)?);
        }
        Ok(out)
    }
}

macro_rules! tuples {
    ($(($n:literal: $($t:ident $i:tt),+))*) => {$(
        /// From a `tuple` or `list` of exactly this length.
        impl<'a, $($t: FromObj<'a>),+> FromObj<'a> for ($($t,)+) {
            fn from_obj(obj: &'a Obj) -> PyResult<Self> {
                let it = items(obj)?;
                if it.len() != $n {
                    return Err(PyErr::new::<ValueError>(crate::err::Msg::new().s("expected a sequence of length ").n($n as i64).s(", got ").n(it.len() as i64)));
                }
                Ok(($($t::from_obj(&it[$i])?,)+))
            }
        }
        /// Into a `tuple`.
        impl<$($t: IntoObj),+> IntoObj for ($($t,)+) {
            fn into_obj(self) -> PyResult<Obj> {
                let raw = [$(self.$i.into_obj()?.0),+];
                ffi::new_tuple(&raw).map(Obj).map_err(raised)
            }
            unsafe fn into_obj_raising(self) -> Obj {
                // SAFETY: forwarded from the caller (who knows the tuple owns nothing with
                // a destructor); `new_tuple` copies the items.
                unsafe {
                    let raw = [$(self.$i.into_obj_raising().0),+];
                    Obj((ffi::table().new_tuple)(raw.len(), raw.as_ptr()))
                }
            }
        }
    )*};
}
tuples! {
    (1: A 0)
    (2: A 0, B 1)
    (3: A 0, B 1, C 2)
    (4: A 0, B 1, C 2, D 3)
    (5: A 0, B 1, C 2, D 3, E 4)
    (6: A 0, B 1, C 2, D 3, E 4, F 5)
    (7: A 0, B 1, C 2, D 3, E 4, F 5, G 6)
    (8: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7)
    (9: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8)
    (10: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9)
    (11: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10)
    (12: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11)
}
