//! [`PyErr`] and [`PyResult`].

use core::fmt::{self, Write};

use mpy_sys::MpObj;

use crate::exceptions::ExceptionType;
use crate::ffi;
use crate::obj::{Obj, Qstr};

/// Result of an operation that may fail with a Python exception.
pub type PyResult<T> = Result<T, PyErr>;

/// A Python exception, ready to be raised: an exception instance, an exception type
/// (which the firmware instantiates when raising), or a type plus a static message that is
/// turned into an exception only when needed ([`err!`](crate::err)).
///
/// Creating a `PyErr` with [`PyErr::new`] calls into MicroPython; if that itself fails (for
/// example with `MemoryError`), the `PyErr` holds that failure instead. [`err!`](crate::err)
/// with a literal message creates nothing: raising it is one firmware call (`mp_raise_msg`),
/// which keeps modules that only raise fixed messages small.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PyErr {
    /// One word, told apart by its low two bits (see [`Repr`]): an exception object (a
    /// pointer, so `00`), the address of a [`LazyErr`] plus [`LAZY_TAG`] (`01`), or a builtin
    /// exception type without a message as its static qstr number shifted left by two plus
    /// [`BUILTIN_TAG`] (`10`).
    exc: Obj,
}

/// Marks a `PyErr` word that points at a [`LazyErr`] rather than at an exception object.
const LAZY_TAG: usize = 1;
/// Marks a `PyErr` word that holds a builtin exception type's qstr number.
const BUILTIN_TAG: usize = 2;

/// The word of builtin exception type `q` without a message: a `PyErr` word, and also the
/// [`LazyTypeWord`] of that builtin.
const fn builtin_word(q: u16) -> usize {
    (q as usize) << 2 | BUILTIN_TAG
}

/// What a `PyErr` word holds.
enum Repr {
    Object(Obj),
    Lazy(&'static LazyErr<0>),
    Builtin(Qstr),
}

/// How a static exception finds its type ([`ExceptionType::LAZY`]). Not a stable API.
// Reached by `create_exception!` through `mpy::impl_`.
#[derive(Clone, Copy)]
pub enum LazyType {
    /// A builtin, by its static qstr number: looked up in the builtins when raised, as C's
    /// dynruntime does. One lookup shared by every builtin type.
    Builtin(u16),
    /// Any other type: a function returning it, raising if it cannot be had (a
    /// reference, so that a [`LazyErr`] holds it in one word).
    Lookup(&'static unsafe fn() -> Obj),
}

/// [`LazyType`] in one word, as a [`LazyErr`] stores it: a builtin's qstr number shifted
/// left by two plus [`BUILTIN_TAG`] (the same word as a message-less builtin `PyErr`), or
/// the address of the lookup function (a word-aligned reference, so the low bits are
/// clear).
#[derive(Clone, Copy)]
#[repr(transparent)]
struct LazyTypeWord(*const ());

impl LazyTypeWord {
    const fn new(ty: LazyType) -> LazyTypeWord {
        match ty {
            LazyType::Builtin(q) => Self::builtin(builtin_word(q)),
            LazyType::Lookup(f) => LazyTypeWord((f as *const unsafe fn() -> Obj).cast()),
        }
    }

    /// The word of a builtin ([`builtin_word`]).
    const fn builtin(word: usize) -> LazyTypeWord {
        LazyTypeWord(core::ptr::without_provenance(word))
    }

    /// The type object, raising if it cannot be had.
    ///
    /// # Safety
    ///
    /// As [`ExceptionType::type_object_raising`].
    unsafe fn type_object_raising(self) -> Obj {
        let word = self.0.addr();
        if word & BUILTIN_TAG != 0 {
            // SAFETY: the caller allows a raise.
            unsafe { load_builtin_raising(Qstr::from_raw(word >> 2)) }
        } else {
            // SAFETY: an untagged word is the lookup reference; the caller allows a raise.
            unsafe { (*self.0.cast::<unsafe fn() -> Obj>())() }
        }
    }
}

/// The builtin named `name`, looked up through the current globals as C's dynruntime does.
///
/// # Safety
///
/// May raise (`NameError`): the caller's frames must own nothing with a destructor.
unsafe fn load_builtin_raising(name: Qstr) -> Obj {
    // SAFETY: per the contract.
    Obj(unsafe { (ffi::table().load_global)(name.as_raw()) })
}

/// A static exception: its type and a NUL-terminated message of `N` bytes, kept inline
/// ([`err!`](crate::err) makes one per use). Not a stable API.
// Reached by `err!` through `mpy::impl_`.
#[repr(C, align(4))]
pub struct LazyErr<const N: usize> {
    ty: LazyTypeWord,
    /// UTF-8 ending with its only NUL.
    msg: [u8; N],
}

// SAFETY: immutable; holds only a qstr number or the address of an immutable static.
unsafe impl<const N: usize> Sync for LazyErr<N> {}

impl<const N: usize> LazyErr<N> {
    /// `E(msg)`; `msg` is `N` bytes and must end with its only NUL (checked when the static
    /// is evaluated).
    pub const fn new<E: ExceptionType>(msg: &str) -> LazyErr<N> {
        let bytes = msg.as_bytes();
        if bytes.len() != N || core::ffi::CStr::from_bytes_with_nul(bytes).is_err() {
            panic!("an exception message must not contain a NUL character");
        }
        let mut out = [0u8; N];
        let mut i = 0;
        while i < N {
            out[i] = bytes[i];
            i += 1;
        }
        LazyErr {
            ty: LazyTypeWord::new(E::LAZY),
            msg: out,
        }
    }
}

impl LazyErr<0> {
    /// The message's first byte (NUL when there is no message).
    fn msg_ptr(&self) -> *const u8 {
        // The message follows the type word; the reference points into a `LazyErr<N>`
        // static (see `PyErr::from_lazy`), whose provenance covers it.
        (self as *const LazyErr<0>)
            .cast::<u8>()
            .wrapping_add(core::mem::size_of::<LazyTypeWord>())
    }

    /// Whether there is no message (`err!(Type)` of a module exception).
    fn text_is_empty(&self) -> bool {
        // SAFETY: the message holds at least its NUL.
        unsafe { *self.msg_ptr() == 0 }
    }

    /// The message, without its NUL.
    fn text(&self) -> &'static str {
        let msg = self.msg_ptr();
        let mut len = 0;
        // SAFETY: `new` checked that the message ends with its only NUL and is UTF-8. The
        // volatile read keeps the optimiser from turning the loop into a call to `strlen`,
        // which hosted targets would expect from a libc the module does not have.
        unsafe {
            while msg.add(len).read_volatile() != 0 {
                len += 1;
            }
            core::str::from_utf8_unchecked(core::slice::from_raw_parts(msg, len))
        }
    }
}

/// `Err`-ready exception of a builtin or module exception type, PyO3's `new_err` in one
/// macro: `mpy::err!(ValueError, "negative input")`. With only a literal message nothing is
/// created until the exception is raised (or inspected), and raising it costs one firmware
/// call; with format arguments (`mpy::err!(ValueError, "bad value {}", v)`) it is
/// [`PyErr::new`] with `format_args!` (which links `core::fmt`). Without a message
/// (`mpy::err!(MemoryError)`) the bare type is raised, as `raise MemoryError` does; for a
/// builtin type that error is a constant word, with no static data at all.
#[macro_export]
macro_rules! err {
    ($ty:ty $(,)?) => {{
        static __MPY_ERR: $crate::impl_::LazyErr<1> = $crate::impl_::LazyErr::new::<$ty>("\0");
        $crate::impl_::err_bare::<$ty>(&__MPY_ERR)
    }};
    ($ty:ty, $msg:literal $(,)?) => {{
        const __MPY_MSG: &str = ::core::concat!($msg, "\0");
        static __MPY_ERR: $crate::impl_::LazyErr<{ __MPY_MSG.len() }> =
            $crate::impl_::LazyErr::new::<$ty>(__MPY_MSG);
        $crate::impl_::err_from_lazy(&__MPY_ERR)
    }};
    ($ty:ty, $($fmt:tt)+) => {
        $crate::impl_::PyErr::new::<$ty>(::core::format_args!($($fmt)+))
    };
}

/// Longest message kept by [`PyErr::new`]; longer ones are cut at a character boundary.
pub const MAX_MESSAGE_LEN: usize = 120;

impl PyErr {
    /// `E(msg)`: an exception of type `E` with a message: a `&str` or `String`
    /// (copied as is), or `format_args!(...)` (formatted; this links
    /// `core::fmt`, which costs a module a few kilobytes).
    pub fn new<E: ExceptionType>(msg: impl Message) -> PyErr {
        match E::type_object() {
            Ok(ty) => Self::with_message(ty, msg),
            Err(e) => e,
        }
    }

    /// An exception of type `E` with no arguments.
    pub fn new_empty<E: ExceptionType>() -> PyErr {
        match E::type_object() {
            Ok(ty) => PyErr { exc: ty },
            Err(e) => e,
        }
    }

    /// `ty(msg)` for an exception type object.
    pub fn with_message(ty: Obj, msg: impl Message) -> PyErr {
        let mut buf = StackStr::<MAX_MESSAGE_LEN>::new();
        msg.append_to(&mut buf);
        let s = match ffi::new_str(buf.as_str()) {
            Ok(s) => s,
            Err(e) => return Self::from_raised(e),
        };
        match ty.call(&[Obj(s)]) {
            Ok(exc) => PyErr { exc },
            Err(e) => e,
        }
    }

    /// An exception instance (or type) that is already an object. Anything that cannot be
    /// raised (null, `None`, a small int or other immediate) becomes `Exception`.
    pub fn from_value(exc: Obj) -> PyErr {
        if exc.as_raw().is_null() || exc.is_none() || exc.as_raw() as usize & 3 != 0 {
            return PyErr::new_empty::<crate::exceptions::Exception>();
        }
        PyErr { exc }
    }

    /// The exception [`err!`](crate::err) describes.
    // Reached by `err!` through `mpy::impl_::err_from_lazy`.
    #[inline(always)]
    pub(crate) fn from_lazy<const N: usize>(lazy: &'static LazyErr<N>) -> PyErr {
        let p: *const LazyErr<N> = lazy;
        PyErr {
            exc: Obj(p.cast::<u8>().wrapping_add(LAZY_TAG).cast_mut().cast()),
        }
    }

    /// `err!(E)` without a message: a constant word for a builtin `E`, else `lazy` (which
    /// the linker then drops for builtins, as nothing refers to it).
    // Reached by `err!` through `mpy::impl_::err_bare`.
    #[inline(always)]
    pub(crate) fn bare<E: ExceptionType>(lazy: &'static LazyErr<1>) -> PyErr {
        match const { E::LAZY } {
            LazyType::Builtin(q) => PyErr {
                exc: Obj(builtin_word(q) as *mut _),
            },
            LazyType::Lookup(_) => Self::from_lazy(lazy),
        }
    }

    /// The static error of a word tagged [`LAZY_TAG`].
    ///
    /// # Safety
    ///
    /// The word must carry [`LAZY_TAG`].
    unsafe fn lazy_unchecked(&self) -> &'static LazyErr<0> {
        let p = self.exc.as_raw().cast::<u8>().wrapping_sub(LAZY_TAG);
        // SAFETY: only `from_lazy` makes such a word, from a `&'static LazyErr<N>`, which
        // starts with the `LazyErr<0>` header.
        unsafe { &*p.cast::<LazyErr<0>>() }
    }

    fn repr(&self) -> Repr {
        let word = self.exc.as_raw() as usize;
        match word & 3 {
            // SAFETY: the tag was just checked.
            LAZY_TAG => Repr::Lazy(unsafe { self.lazy_unchecked() }),
            BUILTIN_TAG => Repr::Builtin(Qstr::from_raw(word >> 2)),
            _ => Repr::Object(self.exc),
        }
    }

    /// Raise this exception.
    ///
    /// # Safety
    ///
    /// Every Rust frame between here and the firmware's handler must own nothing with a
    /// destructor.
    pub(crate) unsafe fn raise(self) -> ! {
        // Written on the word rather than through `repr` so that the three kinds share one
        // type lookup (a builtin word is also the lazy type word of that builtin) and one
        // `mp_raise_msg` call (which takes a null message for a bare exception).
        let word = self.exc.as_raw() as usize;
        let mut exc = self.exc.as_raw();
        if word & 3 != 0 {
            let (ty, msg) = if word & LAZY_TAG != 0 {
                // SAFETY: the tag was just checked.
                let lazy = unsafe { self.lazy_unchecked() };
                let msg = if lazy.text_is_empty() {
                    core::ptr::null()
                } else {
                    lazy.msg_ptr()
                };
                (lazy.ty, msg)
            } else {
                (LazyTypeWord::builtin(word), core::ptr::null())
            };
            // SAFETY: per the contract; the lookup may itself raise, which it allows too.
            exc = unsafe { ty.type_object_raising() }.0;
            if let Some(raise_msg) = ffi::table().raise_msg {
                // SAFETY: per the contract; the message is null or NUL-terminated.
                unsafe { raise_msg(exc.cast(), msg.cast()) }
            }
            // A port without error messages has no `raise_msg`: the bare type, as its
            // `mp_raise_msg` raises.
        }
        // SAFETY: per the contract.
        unsafe { ffi::raise(exc) }
    }

    /// The exception caught by a protected call.
    pub(crate) fn from_raised(exc: MpObj) -> PyErr {
        // A null `ret_val` is a VM abort; it cannot be re-raised as such, so it becomes an
        // ordinary exception (documented limitation).
        PyErr::from_value(Obj(exc))
    }

    /// The exception object (instance or type). An [`err!`](crate::err) exception is
    /// created now (if that fails, the failure is returned).
    pub fn value(&self) -> Obj {
        let (ty, text) = match self.repr() {
            Repr::Object(exc) => return exc,
            Repr::Builtin(name) => (
                LazyTypeWord::builtin(builtin_word(name.as_raw() as u16)),
                "",
            ),
            Repr::Lazy(lazy) => (lazy.ty, lazy.text()),
        };
        // SAFETY: the lookup makes one firmware call and owns nothing.
        match unsafe { ffi::protect(move || ty.type_object_raising().0) } {
            // No message: the type, which the firmware instantiates when raising.
            Ok(ty) if text.is_empty() => Obj(ty),
            Ok(ty) => Self::with_message(Obj(ty), text).exc,
            Err(e) => Self::from_raised(e).exc,
        }
    }

    /// Does this exception match `E` (`except E:`)?
    pub fn is_instance_of<E: ExceptionType>(&self) -> bool {
        match E::type_object() {
            Ok(ty) => self
                .value()
                .binary_op(mpy_sys::MP_BINARY_OP_EXCEPTION_MATCH, ty)
                .and_then(|r| r.is_true())
                .unwrap_or(false),
            Err(_) => false,
        }
    }
}

impl fmt::Debug for PyErr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.repr() {
            Repr::Object(exc) => write!(f, "PyErr({exc:?})"),
            Repr::Builtin(name) => write!(f, "PyErr(builtin qstr {})", name.as_raw()),
            Repr::Lazy(lazy) => write!(f, "PyErr(lazy {:?})", lazy.text()),
        }
    }
}

impl From<fmt::Error> for PyErr {
    fn from(_: fmt::Error) -> PyErr {
        PyErr::new::<crate::exceptions::RuntimeError>("formatting error")
    }
}

/// A fixed-capacity string for messages built without the heap.
///
/// Invariant: `buf[..len]` is valid UTF-8 (only `str` pieces cut at character boundaries,
/// and ASCII bytes, are ever copied in), so reading it back needs no validation, which
/// keeps `core::str::from_utf8` out of modules that do not otherwise need it.
// Public (in a private module) for `Message::append_to`; a panic location in a module.
pub struct StackStr<const N: usize> {
    buf: [u8; N],
    len: usize,
}

impl<const N: usize> StackStr<N> {
    pub(crate) const fn new() -> Self {
        StackStr {
            buf: [0; N],
            len: 0,
        }
    }
    pub(crate) fn as_str(&self) -> &str {
        // SAFETY: the type's invariant: `buf[..len]` is valid UTF-8.
        unsafe { core::str::from_utf8_unchecked(&self.buf[..self.len]) }
    }

    /// Appends bytes of unknown encoding: ASCII as is, anything else as `?`.
    pub(crate) fn push_bytes_lossy(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if self.len == N {
                break;
            }
            self.buf[self.len] = if b.is_ascii() { b } else { b'?' };
            self.len += 1;
        }
    }

    /// Appends as much of `s` as fits, cut at a character boundary.
    pub(crate) fn push_str(&mut self, s: &str) {
        let room = N - self.len;
        let mut take = s.len().min(room);
        while !s.is_char_boundary(take) {
            take -= 1;
        }
        self.buf[self.len..self.len + take].copy_from_slice(&s.as_bytes()[..take]);
        self.len += take;
    }

    /// Appends `n` in decimal, without `core::fmt`.
    pub(crate) fn push_int(&mut self, n: i64) {
        let mut digits = [0u8; 20];
        let mut i = digits.len();
        let mut v = n.unsigned_abs();
        loop {
            i -= 1;
            digits[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        if n < 0 {
            self.push_str("-");
        }
        self.push_bytes_lossy(&digits[i..]);
    }
}

impl<const N: usize> Write for StackStr<N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.push_str(s);
        Ok(())
    }
}

/// What [`PyErr::new`] accepts as a message.
pub trait Message {
    /// Appends the message to `buf`.
    #[doc(hidden)]
    fn append_to<const N: usize>(&self, buf: &mut StackStr<N>);
}

impl Message for &str {
    fn append_to<const N: usize>(&self, buf: &mut StackStr<N>) {
        buf.push_str(self);
    }
}

impl Message for alloc::string::String {
    fn append_to<const N: usize>(&self, buf: &mut StackStr<N>) {
        buf.push_str(self);
    }
}

impl Message for fmt::Arguments<'_> {
    fn append_to<const N: usize>(&self, buf: &mut StackStr<N>) {
        match self.as_str() {
            Some(s) => buf.push_str(s),
            None => {
                let _ = buf.write_fmt(*self);
            }
        }
    }
}

/// A message built from pieces without `core::fmt` (for the runtime's own
/// errors, which every module links).
pub(crate) struct Msg(StackStr<MAX_MESSAGE_LEN>);

impl Msg {
    pub(crate) fn new() -> Msg {
        Msg(StackStr::new())
    }

    /// Appends text.
    pub(crate) fn s(mut self, s: &str) -> Msg {
        self.0.push_str(s);
        self
    }

    /// Appends an integer in decimal.
    pub(crate) fn n(mut self, n: i64) -> Msg {
        self.0.push_int(n);
        self
    }

    /// Appends a qstr's text.
    pub(crate) fn q(mut self, q: crate::Qstr) -> Msg {
        match q.bytes() {
            Some(t) => self.0.push_bytes_lossy(t),
            None => {
                self.0.push_str("<qstr ");
                self.0.push_int(q.0 as i64);
                self.0.push_str(">");
            }
        }
        self
    }
}

impl Message for Msg {
    fn append_to<const N: usize>(&self, buf: &mut StackStr<N>) {
        buf.push_str(self.0.as_str());
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn message_pieces_without_fmt() {
        let mut buf = StackStr::<32>::new();
        for n in [0i64, 7, -42, i64::MAX, i64::MIN] {
            buf.push_int(n);
            buf.push_str(" ");
        }
        // 28 bytes precede the last number; the 32-byte buffer keeps "-922".
        assert_eq!(buf.as_str(), "0 7 -42 9223372036854775807 -922");
        let mut t = StackStr::<16>::new();
        "static".append_to(&mut t);
        format_args!("+{}", 5).append_to(&mut t);
        assert_eq!(t.as_str(), "static+5");
    }

    use super::*;

    #[test]
    fn stack_str_truncates_on_char_boundary() {
        let mut s = StackStr::<5>::new();
        let tail = "é€";
        write!(s, "ab{tail}").unwrap();
        assert_eq!(s.as_str(), "abé");
        let mut s = StackStr::<16>::new();
        write!(s, "x={} y={}", 3, -4).unwrap();
        assert_eq!(s.as_str(), "x=3 y=-4");
    }
}
