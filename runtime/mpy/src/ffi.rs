//! The one door to `mp_fun_table`, and the protected call.
//!
//! Every table call that may raise goes through [`protect`], which catches the raise and
//! turns it into `Err(exception)`; see `mpy_sys::nlr` for why this is the only sound way.
//! Calls that never raise (`obj_get_type`, `swap_globals`, `realloc_`, printing) may call the
//! table directly.

use core::ffi::c_void;
use core::mem::MaybeUninit;

use mpy_sys::{mp_fun_table, MpFunTable, MpObj, NlrBuf, ProtectFrame};

/// The firmware's function table.
#[inline(always)]
pub(crate) fn table() -> &'static MpFunTable {
    // SAFETY: `mp_fun_table` is provided by the firmware (through the GOT entry the loader
    // patches) and is immutable for the life of the module.
    unsafe { &mp_fun_table }
}

struct Ctx<F, R> {
    f: MaybeUninit<F>,
    out: MaybeUninit<R>,
}

/// Body run under the nlr handler. It owns only `Copy` data, so when a raise discards this
/// frame no destructor is skipped.
unsafe extern "C" fn body<F: FnOnce() -> R + Copy, R: Copy>(ctx: *mut c_void) {
    let ctx = ctx.cast::<Ctx<F, R>>();
    // SAFETY: `protect` passes a live, initialised `Ctx<F, R>`; F is Copy so reading it out
    // leaves nothing to drop.
    unsafe {
        let f = (*ctx).f.assume_init_read();
        (*ctx).out.write(f());
    }
}

/// Run `f` (which should be exactly one table call) and return its result, or the
/// exception it raised.
///
/// The `Copy` bounds are the static half of the frame rule: a `Copy` closure cannot own a
/// value with a destructor, nor can its result. The other half is ours to keep: `f` must not
/// create such values in its body either (it only calls the table).
///
/// # Safety
///
/// `f` must only call into `mp_fun_table` with valid arguments and must not create values
/// that have destructors.
#[inline]
pub(crate) unsafe fn protect<F: FnOnce() -> R + Copy, R: Copy>(f: F) -> Result<R, MpObj> {
    let mut ctx = Ctx {
        f: MaybeUninit::new(f),
        out: MaybeUninit::<R>::uninit(),
    };
    // SAFETY: `ctx` lives across the call; `body` satisfies the frame rule as argued above.
    unsafe { protect_erased(body::<F, R>, (&raw mut ctx).cast())? };
    // SAFETY: a normal return means `body` ran to completion and wrote `out`.
    Ok(unsafe { ctx.out.assume_init() })
}

/// The part of [`protect`] that does not depend on the closure, shared by every call site:
/// the nlr buffer and the frame live here.
///
/// # Safety
///
/// `body(ctx)` must be safe to call and own nothing with a destructor.
#[inline(never)]
unsafe fn protect_erased(
    body: unsafe extern "C" fn(*mut c_void),
    ctx: *mut c_void,
) -> Result<(), MpObj> {
    let t = table();
    // The firmware initialises what it uses of the buffer; zeroing 60-odd words per call
    // would be wasted work.
    let mut buf = MaybeUninit::<NlrBuf>::uninit();
    let mut frame = ProtectFrame {
        buf: buf.as_mut_ptr(),
        nlr_push: t.nlr_push,
        setjmp: t.setjmp_,
        nlr_pop: t.nlr_pop,
        body,
        ctx,
    };
    // SAFETY: the frame and buffer live across the call; `body` is the caller's to vouch for.
    let raised = unsafe { mpy_sys::nlr::mpy_nlr_protect(&mut frame) };
    if raised == 0 {
        Ok(())
    } else {
        // SAFETY: a landed raise has stored the exception in `ret_val` before jumping.
        Err(unsafe { (*buf.as_ptr()).ret_val })
    }
}

/// Raise `exc` (an exception instance or type) by a non-local jump.
///
/// # Safety
///
/// Every Rust frame between here and the firmware's handler must own nothing with a
/// destructor. Only the generated trampolines call this, after the user's function returned.
#[inline(always)]
pub(crate) unsafe fn raise(exc: MpObj) -> ! {
    // SAFETY: `raise_` never returns for a non-null, non-None object; the caller upholds the
    // frame rule.
    unsafe { (table().raise_)(exc) };
    // Only reached for null/None, which a `PyErr` never holds (see `PyErr::from_value`).
    crate::panic::abort()
}

// ---------------------------------------------------------------------------------------
// Safe-signature wrappers. Each returns `Err(exception)` when the firmware raised.

use core::ffi::c_char;
use mpy_sys::{MpBufferInfo, MpObjType, MpPrint, Qstr};

/// Result of a protected firmware call.
pub(crate) type Raised<T> = Result<T, MpObj>;

macro_rules! protected {
    ($($body:tt)*) => {
        // SAFETY: the closure makes one table call with plain-word arguments (objects,
        // qstrs, lengths, pointers into live Rust borrows) and creates nothing with a
        // destructor.
        unsafe { protect(move || $($body)*) }
    };
}

pub(crate) fn const_none() -> MpObj {
    table().const_none
}
pub(crate) fn const_bool(b: bool) -> MpObj {
    if b {
        table().const_true
    } else {
        table().const_false
    }
}

/// The type of `o`. Never raises.
pub(crate) fn type_of(o: MpObj) -> *const MpObjType {
    // SAFETY: `obj_get_type` accepts any object word and does not raise.
    unsafe { (table().obj_get_type)(o) }
}

/// The tuple type (the type of the empty tuple, a firmware constant).
pub(crate) fn tuple_type() -> *const MpObjType {
    // SAFETY: `new_tuple(0, NULL)` returns the constant empty tuple without allocating.
    type_of(unsafe { (table().new_tuple)(0, core::ptr::null()) })
}

pub(crate) fn native_from_obj(o: MpObj, ty: usize) -> Raised<usize> {
    let f = table().native_from_obj;
    protected!(f(o, ty))
}
pub(crate) fn native_to_obj(v: usize, ty: usize) -> Raised<MpObj> {
    let f = table().native_to_obj;
    protected!(f(v, ty))
}
pub(crate) fn is_true(o: MpObj) -> Raised<bool> {
    let f = table().obj_is_true;
    protected!(f(o))
}
pub(crate) fn new_str(s: &str) -> Raised<MpObj> {
    let f = table().obj_new_str;
    let (p, n) = (s.as_ptr().cast::<c_char>(), s.len());
    protected!(f(p, n))
}
pub(crate) fn new_bytes(b: &[u8]) -> Raised<MpObj> {
    let f = table().obj_new_bytes;
    let (p, n) = (b.as_ptr(), b.len());
    protected!(f(p, n))
}
#[cfg(not(any(target_arch = "riscv32", target_arch = "riscv64")))]
pub(crate) fn new_float_d(v: f64) -> Raised<MpObj> {
    let f = table().obj_new_float_from_d;
    protected!(f(v))
}
#[cfg(not(any(target_arch = "riscv32", target_arch = "riscv64")))]
pub(crate) fn get_float_d(o: MpObj) -> Raised<f64> {
    let f = table().obj_get_float_to_d;
    protected!(f(o))
}
#[cfg(not(any(target_arch = "riscv32", target_arch = "riscv64")))]
pub(crate) fn new_float_f(v: f32) -> Raised<MpObj> {
    let f = table().obj_new_float_from_f;
    protected!(f(v))
}
#[cfg(not(any(target_arch = "riscv32", target_arch = "riscv64")))]
pub(crate) fn get_float_f(o: MpObj) -> Raised<f32> {
    let f = table().obj_get_float_to_f;
    protected!(f(o))
}
pub(crate) fn new_tuple(items: &[MpObj]) -> Raised<MpObj> {
    let f = table().new_tuple;
    let (p, n) = (items.as_ptr(), items.len());
    protected!(f(n, p))
}
pub(crate) fn new_list(items: &[MpObj]) -> Raised<MpObj> {
    let f = table().new_list;
    // `new_list` copies the items; the pointer is only read.
    let (p, n) = (items.as_ptr().cast_mut(), items.len());
    protected!(f(n, p))
}
/// A `bytearray` over `data`, a block of the GC heap that the new object owns.
///
/// # Safety
///
/// `data` must be a GC heap block of at least `n` bytes that nothing else uses.
pub(crate) unsafe fn new_bytearray_by_ref(n: usize, data: *mut u8) -> Raised<MpObj> {
    let f = table().obj_new_bytearray_by_ref;
    protected!(f(n, data.cast()))
}
pub(crate) fn new_dict(n: usize) -> Raised<MpObj> {
    let f = table().new_dict;
    protected!(f(n))
}
pub(crate) fn dict_store(d: MpObj, k: MpObj, v: MpObj) -> Raised<()> {
    let f = table().dict_store;
    protected!({
        f(d, k, v);
    })
}
pub(crate) fn load_global(q: Qstr) -> Raised<MpObj> {
    let f = table().load_global;
    protected!(f(q))
}
pub(crate) fn store_global(q: Qstr, v: MpObj) -> Raised<()> {
    let f = table().store_global;
    protected!(f(q, v))
}
pub(crate) fn load_attr(o: MpObj, q: Qstr) -> Raised<MpObj> {
    let f = table().load_attr;
    protected!(f(o, q))
}
pub(crate) fn store_attr(o: MpObj, q: Qstr, v: MpObj) -> Raised<()> {
    let f = table().store_attr;
    protected!(f(o, q, v))
}
/// `load_method_maybe`: `[method, self]`, or `[null, _]` when absent.
#[cfg(not(any(mpy_abi = "6.1", mpy_abi = "6.2")))]
pub(crate) fn load_method_maybe(o: MpObj, q: Qstr) -> Raised<[MpObj; 2]> {
    let f = table().load_method_maybe;
    protected!({
        let mut dest = [core::ptr::null_mut(); 2];
        f(o, q, dest.as_mut_ptr());
        dest
    })
}
/// `load_method_maybe` before .mpy ABI 6.3, whose table lacks it: `load_method`, with
/// the exception it raises for a missing attribute taken as "absent". (An attribute
/// whose getter raises is then absent too, where 6.3 would propagate the exception.)
#[cfg(any(mpy_abi = "6.1", mpy_abi = "6.2"))]
pub(crate) fn load_method_maybe(o: MpObj, q: Qstr) -> Raised<[MpObj; 2]> {
    let f = table().load_method;
    let found = protected!({
        let mut dest = [core::ptr::null_mut(); 2];
        f(o, q, dest.as_mut_ptr());
        dest
    });
    Ok(found.unwrap_or([core::ptr::null_mut(); 2]))
}

/// The firmware's `Exception` type: a table entry from .mpy ABI 6.3, else looked up in
/// the builtins by name, as Python code would.
pub(crate) fn exception_type() -> *const mpy_sys::MpObjType {
    #[cfg(not(any(mpy_abi = "6.1", mpy_abi = "6.2")))]
    {
        table().type_exception
    }
    #[cfg(any(mpy_abi = "6.1", mpy_abi = "6.2"))]
    {
        // SAFETY: `Exception` is in every firmware's builtins, so the lookup finds it
        // and does not raise.
        unsafe { (table().load_global)(crate::qstr!(Exception).as_raw()) }
            .cast_const()
            .cast()
    }
}
pub(crate) fn call_function(
    fun: MpObj,
    n_args: usize,
    n_kw: usize,
    args: &[MpObj],
) -> Raised<MpObj> {
    debug_assert_eq!(args.len(), n_args + 2 * n_kw);
    let f = table().call_function_n_kw;
    let p = args.as_ptr();
    protected!(f(fun, n_args | (n_kw << mpy_sys::MP_CALL_N_KW_SHIFT), p))
}
/// `call_method_n_kw`: `args` starts with the `[method, self]` pair from `load_method`.
pub(crate) fn call_method(n_args: usize, n_kw: usize, args: &[MpObj]) -> Raised<MpObj> {
    debug_assert_eq!(args.len(), 2 + n_args + 2 * n_kw);
    let f = table().call_method_n_kw;
    let p = args.as_ptr();
    protected!(f(n_args, n_kw, p))
}
pub(crate) fn subscr(o: MpObj, index: MpObj, val: MpObj) -> Raised<MpObj> {
    let f = table().obj_subscr;
    protected!(f(o, index, val))
}
pub(crate) fn unary_op(op: i32, o: MpObj) -> Raised<MpObj> {
    let f = table().unary_op;
    protected!(f(op, o))
}
pub(crate) fn binary_op(op: i32, a: MpObj, b: MpObj) -> Raised<MpObj> {
    let f = table().binary_op;
    protected!(f(op, a, b))
}
/// `getiter` without a caller buffer (the iterator lives on the heap).
pub(crate) fn getiter(o: MpObj) -> Raised<MpObj> {
    let f = table().getiter;
    protected!(f(o, core::ptr::null_mut()))
}
/// `iternext` on a heap iterator: next item, or null when exhausted.
pub(crate) fn iternext(it: MpObj) -> Raised<MpObj> {
    let f = table().iternext;
    // For heap iterators the firmware's wrapper takes the iterator object itself.
    protected!(f(it.cast()))
}
pub(crate) fn import_name(q: Qstr) -> Raised<MpObj> {
    let f = table().import_name;
    let none = const_none();
    protected!(f(q, none, mpy_sys::mp_obj_new_small_int(0)))
}
/// `get_buffer` without the raise flag: `None` when `o` has no buffer. Never raises.
pub(crate) fn get_buffer(o: MpObj, flags: usize) -> Option<MpBufferInfo> {
    let mut info = MpBufferInfo {
        buf: core::ptr::null_mut(),
        len: 0,
        typecode: 0,
    };
    #[cfg(not(mpy_abi = "6.1"))]
    {
        // SAFETY: without MP_BUFFER_RAISE_IF_UNSUPPORTED `get_buffer` reports failure by
        // its return value and does not raise; `info` is a valid out-parameter.
        let ok = unsafe {
            (table().get_buffer)(
                o,
                &mut info,
                flags & !mpy_sys::MP_BUFFER_RAISE_IF_UNSUPPORTED,
            )
        };
        ok.then_some(info)
    }
    // ABI 6.1's table has only the raising form: its TypeError means "no buffer".
    #[cfg(mpy_abi = "6.1")]
    {
        let f = table().get_buffer_raise;
        let p: *mut MpBufferInfo = &mut info;
        protected!(f(o, p, flags)).ok().map(|()| info)
    }
}

/// `get_buffer` that raises `TypeError` for an object without the buffer asked for.
///
/// # Safety
///
/// The caller allows a raise; `info` is a valid out-parameter.
pub(crate) unsafe fn get_buffer_raising(o: MpObj, info: *mut MpBufferInfo, flags: usize) {
    #[cfg(not(mpy_abi = "6.1"))]
    // SAFETY: per the contract.
    unsafe {
        (table().get_buffer)(o, info, flags | mpy_sys::MP_BUFFER_RAISE_IF_UNSUPPORTED);
    }
    #[cfg(mpy_abi = "6.1")]
    // SAFETY: per the contract.
    unsafe {
        (table().get_buffer_raise)(o, info, flags)
    }
}

/// Items of a tuple or list, as a raw pointer and length (valid until the list is
/// mutated; the memory is kept alive by the object).
pub(crate) fn array_items(o: MpObj) -> Option<(*const MpObj, usize)> {
    let ty = type_of(o);
    if ty == tuple_type() {
        let t = o.cast::<mpy_sys::MpObjTuple>();
        // SAFETY: `o` is a tuple, whose layout is `MpObjTuple` followed by its items.
        unsafe { Some(((&raw const (*t).items).cast::<MpObj>(), (*t).len)) }
    } else if ty == table().type_list {
        let l = o.cast::<mpy_sys::MpObjList>();
        // SAFETY: `o` is a list, whose layout is `MpObjList`.
        unsafe { Some(((*l).items.cast_const(), (*l).len)) }
    } else {
        None
    }
}

/// The `__name__` qstr of a type.
pub(crate) fn type_name(ty: *const MpObjType) -> Qstr {
    // SAFETY: every object's type is a valid `mp_obj_type_t`.
    unsafe { Qstr::from((*ty).name) }
}

/// Install `globals` as the current module namespace; returns what to pass back to
/// restore. Never raises.
pub(crate) fn swap_globals(globals: *mut mpy_sys::MpObjDict) -> *mut mpy_sys::MpObjDict {
    // SAFETY: `swap_globals` accepts a dict or null and does not raise.
    unsafe { (table().swap_globals)(globals) }
}

/// Write `s` to MicroPython's console. Never raises.
pub(crate) fn print_str(s: &str) {
    let p: *const MpPrint = table().plat_print;
    // SAFETY: `plat_print` is the firmware's console printer; its `print_strn` writes `len`
    // bytes from the pointer and does not raise.
    unsafe { ((*p).print_strn)((*p).data, s.as_ptr().cast(), s.len()) }
}

/// The GC heap's realloc. Never raises; null on failure.
///
/// # Safety
///
/// `ptr` must be null or a live block from this heap.
pub(crate) unsafe fn heap_realloc(ptr: *mut u8, size: usize, allow_move: bool) -> *mut u8 {
    // SAFETY: forwarded from the caller; `realloc_` is `gc_realloc`, which does not raise.
    unsafe { (table().realloc_)(ptr.cast(), size, allow_move).cast() }
}
