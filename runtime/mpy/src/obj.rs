//! [`Obj`] and [`Qstr`].

use core::fmt;

use mpy_sys::{self as sys, MpObj};

use crate::conv::{FromObj, IntoObj};
use crate::err::{PyErr, PyResult};
use crate::ffi;

/// A MicroPython object: one machine word (`mp_obj_t`).
///
/// `Obj` is `Copy` and has no destructor; the garbage collector keeps the object alive while
/// the word is reachable (see the crate documentation). It is neither `Send` nor `Sync`.
#[repr(transparent)]
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Obj(pub(crate) MpObj);

impl Obj {
    /// `None`.
    pub fn none() -> Obj {
        Obj(ffi::const_none())
    }

    /// `True` or `False`.
    pub fn bool(b: bool) -> Obj {
        Obj(ffi::const_bool(b))
    }

    /// A small int, or `None` when `v` does not fit (use [`IntoObj`] for any integer).
    pub fn small_int(v: isize) -> Option<Obj> {
        sys::mp_small_int_fits(v).then(|| Obj(sys::mp_obj_new_small_int(v)))
    }

    /// The interned string `q` as an object.
    pub fn qstr(q: Qstr) -> Obj {
        Obj(sys::mp_obj_new_qstr(q.0))
    }

    /// Wrap a raw object word.
    ///
    /// # Safety
    ///
    /// `raw` must be a valid object (not null), reachable by the garbage collector for as
    /// long as the `Obj` is used.
    pub unsafe fn from_raw(raw: MpObj) -> Obj {
        Obj(raw)
    }

    /// The raw object word.
    pub fn as_raw(self) -> MpObj {
        self.0
    }

    /// Is this `None`?
    pub fn is_none(self) -> bool {
        self.0 == ffi::const_none()
    }

    /// Is this a small int (an immediate, not a heap integer)?
    pub fn is_small_int(self) -> bool {
        sys::mp_obj_is_small_int(self.0)
    }

    /// The value of a small int.
    pub fn as_small_int(self) -> Option<isize> {
        self.is_small_int()
            .then(|| sys::mp_obj_small_int_value(self.0))
    }

    /// The qstr of an interned-string immediate.
    pub fn as_qstr(self) -> Option<Qstr> {
        sys::mp_obj_is_qstr(self.0).then(|| Qstr(sys::mp_obj_qstr_value(self.0)))
    }

    /// The name of this object's type, e.g. `int`.
    pub fn type_name(self) -> Qstr {
        Qstr(ffi::type_name(ffi::type_of(self.0)))
    }

    /// The object's type, as an object.
    pub fn type_obj(self) -> Obj {
        Obj(ffi::type_of(self.0).cast_mut().cast())
    }

    /// Is this a `str`?
    pub fn is_str(self) -> bool {
        ffi::type_of(self.0) == ffi::table().type_str
    }
    /// Is this a `list`?
    pub fn is_list(self) -> bool {
        ffi::type_of(self.0) == ffi::table().type_list
    }
    /// Is this a `dict`?
    pub fn is_dict(self) -> bool {
        ffi::type_of(self.0) == ffi::table().type_dict
    }
    /// Is this a `tuple`?
    pub fn is_tuple(self) -> bool {
        ffi::type_of(self.0) == ffi::tuple_type()
    }

    /// Convert to a Rust value.
    pub fn extract<'a, T: FromObj<'a>>(&'a self) -> PyResult<T> {
        T::from_obj(self)
    }

    /// Python truth value (`bool(self)`).
    pub fn is_true(self) -> PyResult<bool> {
        ffi::is_true(self.0).map_err(PyErr::from_raised)
    }

    /// `self.attr`.
    pub fn getattr(self, attr: Qstr) -> PyResult<Obj> {
        ffi::load_attr(self.0, attr.0)
            .map(Obj)
            .map_err(PyErr::from_raised)
    }

    /// `self.attr = value`.
    pub fn setattr(self, attr: Qstr, value: impl IntoObj) -> PyResult<()> {
        let v = value.into_obj()?;
        ffi::store_attr(self.0, attr.0, v.0).map_err(PyErr::from_raised)
    }

    /// Does `self` have attribute or method `attr`?
    pub fn hasattr(self, attr: Qstr) -> PyResult<bool> {
        let dest = ffi::load_method_maybe(self.0, attr.0).map_err(PyErr::from_raised)?;
        Ok(!dest[0].is_null())
    }

    /// `self(*args)`.
    pub fn call(self, args: &[Obj]) -> PyResult<Obj> {
        ffi::call_function(self.0, args.len(), 0, raw_slice(args))
            .map(Obj)
            .map_err(PyErr::from_raised)
    }

    /// `self(*args, **kwargs)` with keyword arguments as `(name, value)` pairs.
    pub fn call_kw(self, args: &[Obj], kwargs: &[(Qstr, Obj)]) -> PyResult<Obj> {
        let mut all = alloc::vec::Vec::with_capacity(args.len() + 2 * kwargs.len());
        all.extend(args.iter().map(|o| o.0));
        for (k, v) in kwargs {
            all.push(Obj::qstr(*k).0);
            all.push(v.0);
        }
        ffi::call_function(self.0, args.len(), kwargs.len(), &all)
            .map(Obj)
            .map_err(PyErr::from_raised)
    }

    /// `self.name(*args)`.
    pub fn call_method(self, name: Qstr, args: &[Obj]) -> PyResult<Obj> {
        let dest = ffi::load_method_maybe(self.0, name.0).map_err(PyErr::from_raised)?;
        if dest[0].is_null() {
            // Let the firmware produce its usual AttributeError.
            return self.getattr(name).and_then(|m| m.call(args));
        }
        let mut all = alloc::vec::Vec::with_capacity(2 + args.len());
        all.extend_from_slice(&dest);
        all.extend(args.iter().map(|o| o.0));
        ffi::call_method(args.len(), 0, &all)
            .map(Obj)
            .map_err(PyErr::from_raised)
    }

    /// A new empty `dict`.
    pub fn new_dict() -> PyResult<Obj> {
        ffi::new_dict(0).map(Obj).map_err(PyErr::from_raised)
    }

    /// A new `list` holding `items`.
    pub fn new_list(items: &[Obj]) -> PyResult<Obj> {
        ffi::new_list(raw_slice(items))
            .map(Obj)
            .map_err(PyErr::from_raised)
    }

    /// A new `bytearray` holding a copy of `data` (in one GC heap block, which the
    /// bytearray refers to).
    pub fn new_bytearray(data: &[u8]) -> PyResult<Obj> {
        // SAFETY: a fresh block (null asks for one); `gc_realloc` does not raise.
        let block = unsafe { ffi::heap_realloc(core::ptr::null_mut(), data.len().max(1), false) };
        if block.is_null() {
            return Err(out_of_memory());
        }
        // SAFETY: the block holds at least `data.len()` bytes and is not shared.
        unsafe {
            core::ptr::copy_nonoverlapping(data.as_ptr(), block, data.len());
            ffi::new_bytearray_by_ref(data.len(), block)
        }
        .map(Obj)
        .map_err(PyErr::from_raised)
    }

    /// A new `tuple` holding `items`.
    pub fn new_tuple(items: &[Obj]) -> PyResult<Obj> {
        ffi::new_tuple(raw_slice(items))
            .map(Obj)
            .map_err(PyErr::from_raised)
    }

    /// `self[key]`.
    pub fn get_item(self, key: impl IntoObj) -> PyResult<Obj> {
        let k = key.into_obj()?;
        ffi::subscr(self.0, k.0, sys::MP_OBJ_SENTINEL)
            .map(Obj)
            .map_err(PyErr::from_raised)
    }

    /// `self[key] = value`.
    pub fn set_item(self, key: impl IntoObj, value: impl IntoObj) -> PyResult<()> {
        let (k, v) = (key.into_obj()?, value.into_obj()?);
        ffi::subscr(self.0, k.0, v.0)
            .map(drop)
            .map_err(PyErr::from_raised)
    }

    /// `len(self)`.
    #[allow(clippy::len_without_is_empty)] // `is_empty` would need a fallible call as well
    pub fn len(self) -> PyResult<usize> {
        let n = ffi::unary_op(sys::MP_UNARY_OP_LEN, self.0).map_err(PyErr::from_raised)?;
        if n.is_null() {
            return Err(PyErr::new::<crate::exceptions::TypeError>(
                crate::err::Msg::new()
                    .s("object of type '")
                    .q(self.type_name())
                    .s("' has no len()"),
            ));
        }
        Obj(n).extract()
    }

    /// `self == other` (Python equality).
    pub fn eq(self, other: Obj) -> PyResult<bool> {
        self.binary_op(sys::MP_BINARY_OP_EQUAL, other)?.is_true()
    }

    /// A binary operation (`MP_BINARY_OP_*`), e.g. `MP_BINARY_OP_ADD`.
    pub fn binary_op(self, op: i32, other: Obj) -> PyResult<Obj> {
        ffi::binary_op(op, self.0, other.0)
            .map(Obj)
            .map_err(PyErr::from_raised)
    }

    /// A unary operation (`MP_UNARY_OP_*`).
    pub fn unary_op(self, op: i32) -> PyResult<Obj> {
        let r = ffi::unary_op(op, self.0).map_err(PyErr::from_raised)?;
        if r.is_null() {
            return Err(PyErr::new::<crate::exceptions::TypeError>(
                "unsupported operand type",
            ));
        }
        Ok(Obj(r))
    }

    /// `iter(self)`.
    pub fn iter(self) -> PyResult<ObjIter> {
        ffi::getiter(self.0)
            .map(|it| ObjIter { it })
            .map_err(PyErr::from_raised)
    }

    /// `import name` (the module object).
    pub fn import(name: Qstr) -> PyResult<Obj> {
        ffi::import_name(name.0)
            .map(Obj)
            .map_err(PyErr::from_raised)
    }

    /// A builtin by name (`int`, `len`, ...), looked up in the caller's globals then builtins.
    pub fn builtin(name: Qstr) -> PyResult<Obj> {
        ffi::load_global(name.0)
            .map(Obj)
            .map_err(PyErr::from_raised)
    }
}

fn raw_slice(objs: &[Obj]) -> &[MpObj] {
    // SAFETY: `Obj` is `repr(transparent)` over `MpObj`.
    unsafe { core::slice::from_raw_parts(objs.as_ptr().cast(), objs.len()) }
}

impl fmt::Debug for Obj {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(v) = self.as_small_int() {
            write!(f, "Obj({v})")
        } else {
            write!(f, "Obj(<{}> {:p})", self.type_name(), self.0)
        }
    }
}

/// An iterator over a Python iterable; yields `PyResult<Obj>` (an exception raised by the
/// iterator is yielded once, then iteration ends).
#[derive(Debug)]
pub struct ObjIter {
    it: MpObj,
}

impl Iterator for ObjIter {
    type Item = PyResult<Obj>;
    fn next(&mut self) -> Option<PyResult<Obj>> {
        if self.it.is_null() {
            return None;
        }
        match ffi::iternext(self.it) {
            Ok(o) if o.is_null() => {
                self.it = core::ptr::null_mut();
                None
            }
            Ok(o) => Some(Ok(Obj(o))),
            Err(e) => {
                self.it = core::ptr::null_mut();
                Some(Err(PyErr::from_raised(e)))
            }
        }
    }
}

/// An interned string (`qstr`). Obtain one with [`qstr!`](crate::qstr).
#[repr(transparent)]
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Qstr(pub(crate) usize);

impl Qstr {
    /// Wrap a qstr number.
    pub const fn from_raw(q: usize) -> Qstr {
        Qstr(q)
    }
    /// The qstr number.
    pub const fn as_raw(self) -> usize {
        self.0
    }
    /// The string as an object.
    pub fn as_obj(self) -> Obj {
        Obj::qstr(self)
    }
}

impl Qstr {
    /// The qstr's text, when the firmware hands it out as a buffer.
    pub fn text(self) -> Option<&'static str> {
        core::str::from_utf8(self.bytes()?).ok().or(Some("?"))
    }

    /// The interned bytes (`None` if the firmware does not expose them).
    pub fn bytes(self) -> Option<&'static [u8]> {
        let b = ffi::get_buffer(self.as_obj().0, sys::MP_BUFFER_READ)?;
        // SAFETY: a qstr's buffer is its interned bytes, immortal.
        Some(unsafe { buf_bytes(&b) })
    }
}

impl fmt::Display for Qstr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.text() {
            Some(t) => f.write_str(t),
            None => write!(f, "<qstr {}>", self.0),
        }
    }
}

impl fmt::Debug for Qstr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Qstr({})", self.0)
    }
}

/// The bytes described by a buffer info.
///
/// # Safety
///
/// The buffer must stay alive and unmodified for the returned lifetime.
pub(crate) unsafe fn buf_bytes<'a>(b: &sys::MpBufferInfo) -> &'a [u8] {
    if b.len == 0 {
        &[]
    } else {
        // SAFETY: forwarded from the caller; a non-empty buffer has a valid pointer.
        unsafe { core::slice::from_raw_parts(b.buf.cast::<u8>(), b.len) }
    }
}

/// The `MemoryError` of a failed heap allocation: the bare type, as the firmware's own
/// allocation failures raise it on ports built without error messages.
pub(crate) fn out_of_memory() -> PyErr {
    crate::err!(crate::exceptions::MemoryError)
}
