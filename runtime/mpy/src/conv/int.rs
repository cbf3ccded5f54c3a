// Integers: every Rust integer type to and from `int` (included by `conv/mod.rs`).

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
