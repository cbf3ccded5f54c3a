//! Python exception types.
//!
//! Each marker type names a builtin exception; [`PyErr::new`](crate::PyErr::new) takes one
//! as its type parameter. `Exception` comes straight from the function table; the others are
//! looked up by name in the builtins (through the caller's globals, as the C dynruntime
//! does), so a module-level rebinding of e.g. `ValueError` is honoured.

use crate::err::{LazyType, PyErr, PyResult};
use crate::ffi;
use crate::obj::Obj;

/// A Python exception type.
pub trait ExceptionType {
    /// The type object.
    fn type_object() -> PyResult<Obj>;

    /// The type object, raising if it cannot be had.
    ///
    /// # Safety
    ///
    /// May raise: every Rust frame up to the firmware's handler must own nothing with a
    /// destructor.
    #[doc(hidden)]
    unsafe fn type_object_raising() -> Obj {
        match Self::type_object() {
            Ok(t) => t,
            // SAFETY: forwarded from the caller.
            Err(e) => unsafe { e.raise() },
        }
    }

    /// How [`err!`](crate::err) finds the type when it raises. Not a stable API.
    #[doc(hidden)]
    const LAZY: LazyType = LazyType::Lookup(&(Self::type_object_raising as unsafe fn() -> Obj));
}

/// `Exception`.
#[derive(Debug)]
pub struct Exception;

impl ExceptionType for Exception {
    fn type_object() -> PyResult<Obj> {
        Ok(Obj(ffi::exception_type().cast_mut().cast()))
    }
}

macro_rules! builtin_exceptions {
    ($($name:ident),* $(,)?) => {$(
        #[doc = concat!("`", stringify!($name), "`.")]
        #[derive(Debug)]
        pub struct $name;

        impl ExceptionType for $name {
            fn type_object() -> PyResult<Obj> {
                ffi::load_global(crate::qstr!($name).as_raw()).map(Obj).map_err(PyErr::from_raised)
            }
            unsafe fn type_object_raising() -> Obj {
                // SAFETY: the caller allows a raise.
                Obj(unsafe { (ffi::table().load_global)(crate::qstr!($name).as_raw()) })
            }
            // Every builtin exception's name is a static qstr, so this is a constant.
            const LAZY: LazyType = LazyType::Builtin(crate::qstr!($name).as_raw() as u16);
        }
    )*};
}

builtin_exceptions!(
    ArithmeticError,
    AssertionError,
    AttributeError,
    BaseException,
    EOFError,
    ImportError,
    IndexError,
    KeyError,
    LookupError,
    MemoryError,
    NameError,
    NotImplementedError,
    OSError,
    OverflowError,
    RuntimeError,
    StopIteration,
    TypeError,
    ValueError,
    ZeroDivisionError,
);
