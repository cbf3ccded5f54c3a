//! Support for macro-generated code. Not a stable API: it may change in any release.
//!
//! The expansions of `#[mpy::function]`, `#[mpy::class]`, `#[mpy::module]`,
//! `#[derive(IntoObj)]`, `qstr!`, `err!`, `create_exception!` and `print!` name only paths
//! under `::mpy::impl_` (or `$crate::impl_`): what they need from the rest of the crate and
//! from `mpy-sys` is re-exported here, and what only they use is defined here. The public
//! modules never import from this one.
//!
//! Everything that runs on the boundary between the firmware and Rust lives here, so the
//! rules of the crate documentation ("protect every call that may raise; raise only from the
//! trampoline after Rust values are dropped") are checked in one file.
//!
//! Where an item is defined matters beyond its name: the paths of the runtime's functions
//! decide the order of their code in a module (rustc orders a crate's instances of generic
//! functions by symbol name, and its own functions by definition order), and the file and
//! line of code that can panic are data in the modules that keep it. Items that end up as
//! functions of their own in some module (the class slot functions, `ensure_exception`, the
//! protected-call closures, ...) therefore keep the module paths they had and are
//! re-exported here rather than moved; files too large for one piece are split with
//! `include!` (`conv`, `class`), and `class.rs` and `err.rs` keep their line numbers.

use core::marker::PhantomData;

use mpy_sys::{MpMap, MpObj, MpObjFun};

use crate::exceptions::TypeError;
use crate::ffi;

pub use crate::alloc_heap::MpHeap;
pub use crate::class::{
    build_class, build_exception, ensure_exception, exception_type, register_class,
    register_exception, BuiltByInit, Class, ClassImpl, CustomException, TypeObject, TypeSlot,
};
pub use crate::conv::{FromObj, IntoObj};
pub use crate::err::{LazyErr, LazyType, PyErr, PyResult};
pub use crate::exceptions::{Exception, ExceptionType};
pub use crate::function::{objects, Function};
pub use crate::module::Module;
pub use crate::obj::{Obj, Qstr};
pub use crate::print::Console;
pub use crate::{print, println};
pub use class::{construct, Constructs, Probe, ProbeDefault, ProbeListed, ReturnsClassByValue};

mod class;
pub use mpy_macros::qstr;
pub use mpy_sys as sys;

/// The exception [`err!`](crate::err) describes with a literal message.
#[inline(always)]
pub fn err_from_lazy<const N: usize>(lazy: &'static LazyErr<N>) -> PyErr {
    PyErr::from_lazy(lazy)
}

/// `err!(E)` without a message: a constant word for a builtin `E`, else `lazy`.
#[inline(always)]
pub fn err_bare<E: crate::exceptions::ExceptionType>(lazy: &'static LazyErr<1>) -> PyErr {
    PyErr::bare::<E>(lazy)
}

/// Read a qstr symbol (`qstr!` expansion).
///
/// # Safety
///
/// `sym` must be the address of a `__mpy_qstr_*` symbol, which the linker points at the
/// module's qstr table.
#[inline(always)]
pub unsafe fn read_qstr(sym: *const u16) -> Qstr {
    // SAFETY: forwarded from the caller.
    Qstr::from_raw(usize::from(unsafe { *sym }))
}

/// Run the body of a builtin function and hand its result to the firmware: return the
/// object, or raise the error.
///
/// The body runs to completion first, so every value it owned is dropped before the raise;
/// what is left in this frame at that point is a `PyErr` (a plain object word).
///
/// # Safety
///
/// Must be called only from an `extern "C"` entry point that the firmware called.
#[inline(always)]
pub unsafe fn trampoline(body: impl FnOnce() -> PyResult<Obj>) -> MpObj {
    let result = body();
    match result {
        Ok(o) => o.0,
        // SAFETY: the body has returned; this frame owns nothing with a destructor.
        Err(e) => unsafe { e.raise() },
    }
}

/// The module's globals dict, from the function object the loader passes to `mpy_init`.
///
/// # Safety
///
/// `self_` must be that function object: its context is the module being imported
/// (`self->context->module.globals`).
unsafe fn module_globals(self_: *mut MpObjFun) -> *mut sys::MpObjDict {
    // SAFETY: per the contract.
    unsafe { (*(*self_).context).module.globals }
}

/// The `mpy_init` protocol: make the module's globals current, run `init`, restore the
/// previous globals on every path, then return `None` or raise.
///
/// # Safety
///
/// `self_` must be the function object the loader passes to the module's entry point.
pub unsafe fn module_init(
    self_: *mut MpObjFun,
    init: fn(&Module<'_>) -> PyResult<()>,
    store_exports: impl FnOnce(*mut sys::MpObjDict),
) -> MpObj {
    // SAFETY: forwarded from the caller.
    let globals = unsafe { module_globals(self_) };
    let old = ffi::swap_globals(globals);
    let module = Module {
        globals: Obj(globals.cast()),
        _init: PhantomData,
    };
    // Every firmware call inside `init` is protected, so `init` always returns here.
    let result = init(&module);
    ffi::swap_globals(old);
    if result.is_ok() {
        // `#[mpy::module(functions = [...], constants = [...])]`: stored straight into the
        // module's dict. The previous globals are back and this frame owns nothing with a
        // destructor (`result` is `Ok(())`), so the store may raise (MemoryError) without a
        // protected call, which keeps small modules small.
        store_exports(globals);
    }
    // SAFETY: `init` has returned and `module` owns nothing with a destructor.
    unsafe { trampoline(|| result.map(|()| Obj::none())) }
}

/// [`module_init`] for an init function whose body is just `Ok(())` (the module macro
/// checks): no module code runs, so the module's globals are not made current; the listed
/// exports are stored straight into them.
///
/// # Safety
///
/// As [`module_init`].
pub unsafe fn module_init_exports_only(
    self_: *mut MpObjFun,
    _init: fn(&Module<'_>) -> PyResult<()>,
    store_exports: impl FnOnce(*mut sys::MpObjDict),
) -> MpObj {
    // SAFETY: forwarded from the caller.
    let globals = unsafe { module_globals(self_) };
    // This frame owns nothing with a destructor, so the stores may raise (MemoryError).
    store_exports(globals);
    ffi::const_none()
}

/// Store `f` under its name in the dict `globals`, raising `MemoryError` if the dict cannot
/// grow (`#[mpy::module(functions = [...])]`).
///
/// # Safety
///
/// `globals` must be a dict, and the caller's frames must own nothing with a destructor.
#[inline(always)]
pub unsafe fn store_function(globals: *mut sys::MpObjDict, f: Function) {
    // SAFETY: per the contract.
    unsafe { store_constant(globals, f.name(), f.as_obj()) };
}

/// The small int of an integer literal, made at compile time (`constants = [VAL = 42]`).
pub const fn small_int_literal(v: i128) -> Obj {
    assert!(
        v >= sys::MP_SMALL_INT_MIN as i128 && v <= sys::MP_SMALL_INT_MAX as i128,
        "this integer constant does not fit a small int; give it a type (`42i64`)"
    );
    Obj(sys::mp_obj_new_small_int(v as isize))
}

/// [`store_function`] for each of `functions` (`#[mpy::module(functions = [...])]` with
/// several functions: a table in rodata costs less than one call sequence per function).
///
/// # Safety
///
/// As [`store_function`].
#[inline(always)]
pub unsafe fn store_functions(globals: *mut sys::MpObjDict, functions: &'static [Function]) {
    for f in functions {
        // SAFETY: per the contract.
        unsafe { store_function(globals, *f) };
    }
}

/// Store the constant `value` under `name` in the dict `globals`, converting it directly
/// (`#[mpy::module(constants = [...])]`).
///
/// # Safety
///
/// As [`store_function`].
#[inline(always)]
pub unsafe fn store_constant<T: IntoObj>(globals: *mut sys::MpObjDict, name: Qstr, value: T) {
    const {
        assert!(
            plain::<T>(),
            "`constants = [...]` takes values without destructors (ints, floats, bools, \
             `&'static str`, qstrs); add other values with `m.add` in the init function"
        )
    };
    // SAFETY: per the contract; `value` owns nothing, so a raise skips nothing.
    unsafe {
        let v = IntoObj::into_obj_raising(value);
        (ffi::table().dict_store)(globals.cast(), name.as_obj().0, v.0)
    };
}

/// Converts what a user function returns into the trampoline's result.
pub trait IntoPyResult {
    /// The result as an object, or the error (a failed conversion included).
    fn into_py_result(self) -> PyResult<Obj>;
    /// The result as an object, raising the error or a failed conversion.
    ///
    /// # Safety
    ///
    /// As [`FromObj::from_obj_raising`].
    unsafe fn into_obj_raising(self) -> Obj;
}
impl<T: IntoObj> IntoPyResult for T {
    fn into_py_result(self) -> PyResult<Obj> {
        self.into_obj()
    }
    unsafe fn into_obj_raising(self) -> Obj {
        // SAFETY: forwarded from the caller.
        unsafe { IntoObj::into_obj_raising(self) }
    }
}
impl<T: IntoObj, E: Into<PyErr>> IntoPyResult for Result<T, E> {
    fn into_py_result(self) -> PyResult<Obj> {
        self.map_err(Into::into)?.into_obj()
    }
    unsafe fn into_obj_raising(self) -> Obj {
        match self {
            // SAFETY: forwarded from the caller.
            Ok(v) => unsafe { IntoObj::into_obj_raising(v) },
            Err(e) => {
                let e: PyErr = e.into();
                // SAFETY: forwarded from the caller.
                unsafe { e.raise() }
            }
        }
    }
}

/// The view of a call's arguments: positional words plus the keyword map.
pub struct CallArgs<'a> {
    pos: &'a [Obj],
    kw: &'a [sys::MpMapElem],
}

impl<'a> CallArgs<'a> {
    /// # Safety
    ///
    /// `args` must point at `n` objects and `kw` be null or a keyword map, both valid for
    /// the duration of the call (`'a`), as the firmware passes them to an `mp_fun_kw_t`.
    pub unsafe fn new(n: usize, args: *const MpObj, kw: *mut MpMap) -> Self {
        let pos = if n == 0 {
            &[][..]
        } else {
            // SAFETY: per the contract; `Obj` is a transparent object word.
            unsafe { core::slice::from_raw_parts(args.cast::<Obj>(), n) }
        };
        // SAFETY: keyword maps built by the VM are ordered and dense in `table[..used]`.
        let kw = unsafe {
            match kw.as_ref() {
                Some(m) if m.used() > 0 => core::slice::from_raw_parts(m.table, m.used()),
                _ => &[][..],
            }
        };
        CallArgs { pos, kw }
    }

    /// The arguments of a `make_new` slot: `n` positional objects followed by `n_kw` name,
    /// value pairs (laid out as keyword map entries).
    ///
    /// # Safety
    ///
    /// `args` must point at `n + 2 * n_kw` objects valid for `'a`, as the firmware passes
    /// them to a `make_new` slot.
    pub unsafe fn make_new(n: usize, n_kw: usize, args: *const MpObj) -> Self {
        if n_kw == 0 {
            // SAFETY: forwarded (`args` may be null when there are no arguments at all).
            return unsafe { Self::positional(n, args) };
        }
        // SAFETY: per the contract (with arguments, `args` is not null); `Obj` is a
        // transparent object word and a name, value pair has the layout of a map entry.
        unsafe {
            CallArgs {
                pos: core::slice::from_raw_parts(args.cast::<Obj>(), n),
                kw: core::slice::from_raw_parts(args.add(n).cast::<sys::MpMapElem>(), n_kw),
            }
        }
    }

    /// Positional arguments only (an `mp_fun_var_t` or a fixed-arity entry point).
    ///
    /// # Safety
    ///
    /// As [`CallArgs::new`] with a null map.
    pub unsafe fn positional(n: usize, args: *const MpObj) -> Self {
        // SAFETY: forwarded.
        unsafe { Self::new(n, args, core::ptr::null_mut()) }
    }

    /// The positional arguments as `N` slots (for functions without keyword arguments,
    /// whose argument count the firmware has already checked against the signature).
    #[inline(always)]
    pub fn positional_slots<const N: usize>(&self) -> [Option<&'a Obj>; N] {
        core::array::from_fn(|i| self.pos.get(i))
    }

    /// The positional arguments from index `n` on (a trailing `&[Obj]` parameter).
    #[inline(always)]
    pub fn rest_after(&self, n: usize) -> &'a [Obj] {
        self.pos.get(n..).unwrap_or(&[])
    }

    /// Match the arguments against parameter `names` (all may be passed by position or by
    /// keyword). Returns one slot per parameter; `None` means "not given".
    pub fn bind<const N: usize>(
        &self,
        func: &str,
        names: &[Qstr; N],
    ) -> PyResult<[Option<&'a Obj>; N]> {
        if self.pos.len() > N {
            return Err(PyErr::new::<TypeError>(
                crate::err::Msg::new()
                    .s(func)
                    .s("() takes ")
                    .n(N as i64)
                    .s(" positional arguments but ")
                    .n(self.pos.len() as i64)
                    .s(" were given"),
            ));
        }
        let mut out: [Option<&'a Obj>; N] = [None; N];
        for (slot, arg) in out.iter_mut().zip(self.pos) {
            *slot = Some(arg);
        }
        for elem in self.kw {
            let key = Obj(elem.key);
            let Some(i) = key
                .as_qstr()
                .and_then(|q| names.iter().position(|n| *n == q))
            else {
                return Err(PyErr::new::<TypeError>(
                    crate::err::Msg::new()
                        .s(func)
                        .s("() got an unexpected keyword argument '")
                        .q(key.as_qstr().unwrap_or(Qstr::from_raw(0)))
                        .s("'"),
                ));
            };
            if out[i].is_some() {
                return Err(PyErr::new::<TypeError>(
                    crate::err::Msg::new()
                        .s(func)
                        .s("() got multiple values for argument '")
                        .q(names[i])
                        .s("'"),
                ));
            }
            // SAFETY: `MpMapElem::value` is an object word; `Obj` is transparent over it.
            out[i] = Some(unsafe { &*(&raw const elem.value).cast::<Obj>() });
        }
        Ok(out)
    }
}

/// Raise `TypeError` unless a call has `min..=max` positional and no keyword arguments
/// (`mp_arg_check_num`), for a function used as a type's `make_new` slot.
///
/// # Safety
///
/// May raise: the caller's frames must own nothing with a destructor.
#[inline(always)]
pub unsafe fn check_args(n_args: usize, n_kw: usize, min: u32, max: u32) {
    // SAFETY: a raise is the caller's to allow.
    unsafe {
        (ffi::table().arg_check_num_sig)(n_args, n_kw, sys::mp_obj_fun_make_sig(min, max, false))
    };
}

/// The slots of a fixed-arity entry point: all filled.
#[inline(always)]
pub fn fixed_slots<const N: usize>(raw: &[MpObj; N]) -> [Option<&Obj>; N] {
    // SAFETY: `Obj` is a transparent object word.
    core::array::from_fn(|i| Some(unsafe { &*(&raw const raw[i]).cast::<Obj>() }))
}

/// Convert a required parameter.
pub fn required<'a, T: FromObj<'a>>(slot: Option<&'a Obj>, func: &str, name: &str) -> PyResult<T> {
    match slot {
        Some(o) => T::from_obj(o),
        None => Err(PyErr::new::<TypeError>(
            crate::err::Msg::new()
                .s(func)
                .s("() missing required argument '")
                .s(name)
                .s("'"),
        )),
    }
}

/// [`required`] for entry points whose frames own nothing with a destructor: a failure
/// raises directly.
///
/// # Safety
///
/// As [`FromObj::from_obj_raising`].
pub unsafe fn required_raising<'a, T: FromObj<'a>>(
    slot: Option<&'a Obj>,
    func: &str,
    name: &str,
) -> T {
    match slot {
        // SAFETY: forwarded from the caller.
        Some(o) => unsafe { T::from_obj_raising(o) },
        None => match required::<T>(None, func, name) {
            Ok(v) => v,
            // SAFETY: forwarded from the caller.
            Err(e) => unsafe { e.raise() },
        },
    }
}

/// Whether values of type `T` can be skipped by a raise (nothing to drop).
pub const fn plain<T>() -> bool {
    !core::mem::needs_drop::<T>()
}

/// The result of a user function as the entry point's return value: converted through a
/// protected call, or directly (raising on failure) when the result owns nothing with a
/// destructor, since by then the frames hold only that result.
///
/// # Safety
///
/// Must be the last step of a generated entry point, after the user function returned.
#[inline(always)]
pub unsafe fn finish<R: IntoPyResult>(r: R) -> PyResult<Obj> {
    if plain::<R>() {
        // SAFETY: nothing with a destructor is live in the entry's frames.
        Ok(unsafe { r.into_obj_raising() })
    } else {
        r.into_py_result()
    }
}

/// A required parameter of a positional-only function, converted directly (raising on
/// failure). The firmware has checked the argument count against the signature, so the
/// slot is always filled.
///
/// # Safety
///
/// As [`FromObj::from_obj_raising`].
#[inline(always)]
pub unsafe fn positional_raising<'a, T: FromObj<'a>>(slot: Option<&'a Obj>) -> T {
    match slot {
        // SAFETY: forwarded from the caller.
        Some(o) => unsafe { T::from_obj_raising(o) },
        // SAFETY: forwarded from the caller.
        None => unsafe { crate::err!(TypeError, "missing argument").raise() },
    }
}

/// [`optional`] for entry points whose frames own nothing with a destructor: a failure
/// raises directly.
///
/// # Safety
///
/// As [`FromObj::from_obj_raising`].
#[inline(always)]
pub unsafe fn optional_raising<'a, T: FromObj<'a>>(slot: Option<&'a Obj>) -> Option<T> {
    match slot {
        // SAFETY: forwarded from the caller.
        Some(o) if !o.is_none() => Some(unsafe { T::from_obj_raising(o) }),
        _ => None,
    }
}

/// Convert an optional (`Option<T>`) parameter: absent or `None` gives `None`.
pub fn optional<'a, T: FromObj<'a>>(slot: Option<&'a Obj>) -> PyResult<Option<T>> {
    match slot {
        Some(o) => Option::<T>::from_obj(o),
        None => Ok(None),
    }
}

/// The panic handler body installed by `#[mpy::module]`.
pub fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    #[cfg(feature = "panic-abort")]
    {
        crate::println!("panic: {}", info.message());
        crate::panic::abort()
    }
    #[cfg(not(feature = "panic-abort"))]
    {
        // The message and location only on request: reading them keeps core's
        // formatting machinery and every panic site's file name in the module
        // (about 2 KB). Neither path uses `core::fmt` itself.
        #[cfg(feature = "panic-message")]
        let msg = {
            let mut msg = crate::err::Msg::new().s("panic");
            if let Some(text) = info.message().as_str() {
                msg = msg.s(": ").s(text);
            }
            if let Some(loc) = info.location() {
                msg = msg.s(" at ").s(loc.file()).s(":").n(i64::from(loc.line()));
            }
            msg
        };
        #[cfg(feature = "panic-message")]
        let err = PyErr::new::<crate::exceptions::RuntimeError>(msg);
        // A static exception: raising it is one firmware call, with no message building.
        #[cfg(not(feature = "panic-message"))]
        let err = {
            let _ = info;
            crate::err!(
                crate::exceptions::RuntimeError,
                "Rust code panicked (enable the `mpy/panic-message` feature for the message and location)"
            )
        };
        // SAFETY: see `crate::panic`: with `panic = "abort"` the panicking frames' destructors
        // are never run in any case; raising instead of trapping only resumes the interpreter.
        unsafe { err.raise() }
    }
}
