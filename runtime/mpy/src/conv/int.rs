// Integers: every Rust integer type to and from `int` (included by `conv/mod.rs`).
//
// Any `int` out of a parameter type's range raises `OverflowError` (never a wrapped or
// truncated value); results that do not fit a small int go out as heap ints, which the
// firmware makes when it has long ints (else the conversion raises `OverflowError`).

/// The shift that tells whether a heap int fits a machine word: `v >> (BITS - 1)` is 0 or -1
/// exactly for the `isize` range, `v >> BITS` is 0 exactly for the `usize` range.
const fn word_shift(signed: bool) -> isize {
    if signed {
        usize::BITS as isize - 1
    } else {
        usize::BITS as isize
    }
}

/// Whether `top` (a heap int shifted by [`word_shift`]) says the int fits the word: it is
/// 0 (or -1 for `signed`).
///
/// Firmware since 1.23 returns such a result as a small int; older firmware may return a
/// heap int holding 0 or -1, so a heap int is compared by value (one more call, only then).
fn top_fits(top: sys::MpObj, signed: bool) -> bool {
    let (zero, minus_one) = (
        sys::mp_obj_new_small_int(0),
        sys::mp_obj_new_small_int(-1),
    );
    if top == zero || (signed && top == minus_one) {
        return true;
    }
    if sys::mp_obj_is_small_int(top) {
        return false;
    }
    let equal = |v: sys::MpObj| {
        // SAFETY: comparing an int with a small int for equality does not raise.
        let r = unsafe { (ffi::table().binary_op)(sys::MP_BINARY_OP_EQUAL, top, v) };
        r == ffi::const_bool(true)
    };
    equal(zero) || (signed && equal(minus_one))
}

/// The value of an `int` as a machine word, `isize` (`SIGNED`) or `usize`; `None` when it
/// does not fit. Raises `TypeError` for an object that is not an int.
///
/// Small ints are read inline. The firmware's conversion of a heap (big) int truncates it to
/// the word (`mp_obj_get_int_truncated`), so the range is checked first with one shift in
/// Python arithmetic, which only the table offers (it has no checked conversion).
fn word_from_obj<const SIGNED: bool>(obj: &Obj) -> PyResult<Option<usize>> {
    if let Some(v) = obj.as_small_int() {
        return Ok((SIGNED || v >= 0).then_some(v as usize));
    }
    let v = ffi::native_from_obj(obj.0, MP_NATIVE_TYPE_INT).map_err(raised)?;
    let shift = sys::mp_obj_new_small_int(word_shift(SIGNED));
    let top = ffi::binary_op(sys::MP_BINARY_OP_RSHIFT, obj.0, shift).map_err(raised)?;
    Ok(top_fits(top, SIGNED).then_some(v))
}

/// [`word_from_obj`] that raises (`OverflowError` when the int does not fit): one call per
/// value from an entry point, shared by every parameter (one copy for signed words, one for
/// unsigned).
///
/// # Safety
///
/// As [`FromObj::from_obj_raising`].
#[inline(never)]
unsafe fn word_from_obj_raising<const SIGNED: bool>(obj: sys::MpObj) -> usize {
    if sys::mp_obj_is_small_int(obj) {
        let v = sys::mp_obj_small_int_value(obj);
        if SIGNED || v >= 0 {
            return v as usize;
        }
    } else {
        let t = ffi::table();
        // SAFETY: both take any object and raise `TypeError` for one that is not an int; a
        // raise is the caller's to allow.
        let (v, top) = unsafe {
            let v = (t.native_from_obj)(obj, MP_NATIVE_TYPE_INT);
            let shift = sys::mp_obj_new_small_int(word_shift(SIGNED));
            (v, (t.binary_op)(sys::MP_BINARY_OP_RSHIFT, obj, shift))
        };
        if top_fits(top, SIGNED) {
            return v;
        }
    }
    // SAFETY: a raise is the caller's to allow.
    unsafe { crate::err!(OverflowError, "int out of range").raise() }
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

/// `FromObj` for integer types no wider than a machine word: read as a signed word
/// (`isize`) unless the type is unsigned and as wide as the word, then narrowed; every value
/// out of the type's range raises `OverflowError`.
macro_rules! word_ints {
    ($($t:ty),*) => {$(
        impl<'a> FromObj<'a> for $t {
            fn from_obj(obj: &'a Obj) -> PyResult<$t> {
                const SIGNED: bool = <$t>::MIN != 0 || <$t>::BITS < usize::BITS;
                let narrowed = match word_from_obj::<SIGNED>(obj)? {
                    Some(v) if SIGNED => <$t>::try_from(v as isize).ok(),
                    Some(v) => <$t>::try_from(v).ok(),
                    None => None,
                };
                narrowed.ok_or_else(|| overflow(stringify!($t)))
            }
            unsafe fn from_obj_raising(obj: &'a Obj) -> $t {
                const SIGNED: bool = <$t>::MIN != 0 || <$t>::BITS < usize::BITS;
                // SAFETY: forwarded from the caller.
                let v = unsafe { word_from_obj_raising::<SIGNED>(obj.0) };
                let narrowed = if SIGNED {
                    <$t>::try_from(v as isize).ok()
                } else {
                    <$t>::try_from(v).ok()
                };
                match narrowed {
                    Some(v) => v,
                    None => raise_overflow(stringify!($t)),
                }
            }
        }
    )*};
}
word_ints!(i8, i16, i32, isize, u8, u16, u32, usize);
#[cfg(target_pointer_width = "64")]
word_ints!(i64, u64);

impl IntoObj for u32 {
    fn into_obj(self) -> PyResult<Obj> {
        uword_into_obj(self as usize)
    }
}
impl IntoObj for usize {
    fn into_obj(self) -> PyResult<Obj> {
        uword_into_obj(self)
    }
}

// 64-bit integers: a machine word on 64-bit targets; on 32-bit targets values beyond a
// small int are split into 32-bit halves with Python integer arithmetic.

#[cfg(target_pointer_width = "32")]
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

/// On 32-bit targets: the range checked with one shift, then the two halves read.
#[cfg(target_pointer_width = "32")]
impl<'a> FromObj<'a> for i64 {
    fn from_obj(obj: &'a Obj) -> PyResult<i64> {
        if let Some(v) = obj.as_small_int() {
            return Ok(v as i64);
        }
        let top = obj.binary_op(sys::MP_BINARY_OP_RSHIFT, small(63))?;
        if !top_fits(top.0, true) {
            return Err(overflow("i64"));
        }
        Ok(((u32_part(obj, 32)? as u64) << 32 | u32_part(obj, 0)? as u64) as i64)
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
/// On 32-bit targets: non-negative and below 2**64 (one shift), then the two halves read.
#[cfg(target_pointer_width = "32")]
impl<'a> FromObj<'a> for u64 {
    fn from_obj(obj: &'a Obj) -> PyResult<u64> {
        if let Some(v) = obj.as_small_int() {
            return u64::try_from(v).map_err(|_| overflow("u64"));
        }
        let top = obj.binary_op(sys::MP_BINARY_OP_RSHIFT, small(64))?;
        if !top_fits(top.0, false) {
            return Err(overflow("u64"));
        }
        Ok((u32_part(obj, 32)? as u64) << 32 | u32_part(obj, 0)? as u64)
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
