//! `mp_fun_table_t` (`py/nativeglue.h`): the firmware's service table.
//!
//! The table's entries are pointer-sized and their order is ABI: index `k` lives at byte
//! offset `k * size_of::<usize>()`. Which entries there are depends on the `.mpy` ABI
//! the module is built for ([`crate::abi::TARGET`], chosen with `cargo mpy build --mpy-abi`):
//! 80 entries on 6.1 and 6.2, 87 on 6.3. [`MpFunTable`] has the fields of the target ABI
//! only, and a constant check, evaluated whenever this crate is compiled, compares every
//! field's offset with the entry's index in [`crate::abi::FUN_TABLE`].
//!
//! To use an entry that only some ABIs have, go through [`fun!`](crate::fun): on an ABI that
//! lacks the entry it stops the build with a message naming the entry and the ABI that
//! added it, where a field access would only say that the field does not exist.
//!
//! The firmware-object entries (from `type_type` on) are the addresses of firmware objects.
//! Prefer the extern symbols in [`crate::externs`] for those: they resolve to the same
//! values and can be used in `static` initialisers.
//!
//! Entries that the firmware may leave null are typed as `Option<fn>`: `setjmp_` (non-null
//! only on ports built with `MICROPY_NLR_SETJMP`) and `raise_msg` (null when the port has no
//! error reporting).
//!
//! On RISC-V the module is built with the soft-float calling convention and the firmware
//! may have no float support at all; the float entries keep their C types here but the
//! safe API does not call them on those targets.

use core::ffi::{c_char, c_int, c_uint, c_void};
use core::mem::{offset_of, size_of};

use crate::abi::TARGET;
use crate::nlr::NlrBuf;
use crate::obj::*;

/// Number of entries in [`MpFunTable`] (the target ABI's table).
pub const FUN_TABLE_LEN: usize = TARGET.fun_table_len();

/// Index of the first object-pointer entry (`type_type`) in the target ABI's table.
pub const FUN_TABLE_TYPE_TYPE_INDEX: usize = TARGET.first_object_index();

/// Index of `memset_`: the linker resolves a module's `memset` to it.
pub const FUN_TABLE_MEMSET_INDEX: usize = index_of("memset_");

/// Index of `memmove_`: the linker resolves a module's `memmove` and `memcpy` to it.
pub const FUN_TABLE_MEMMOVE_INDEX: usize = index_of("memmove_");

/// The index of an entry every ABI has at the same place.
const fn index_of(name: &str) -> usize {
    match crate::abi::MpyAbi::V6_1.fun_index(name) {
        Some(i) => i,
        None => panic!("no such entry"),
    }
}

/// Stops the build unless `offset` is where the target ABI puts the entry `name`.
const fn check_entry(offset: usize, name: &str, msg: &str) {
    match TARGET.fun_index(name) {
        Some(i) if i * size_of::<usize>() == offset => {}
        _ => panic!("{}", msg),
    }
}

/// Declares [`MpFunTable`] from `field [as "C name"]: type` lines (fields of some ABIs only
/// under `#[cfg(mpy_abi ...)]`), checks its layout against [`crate::abi::FUN_TABLE`] for
/// [`TARGET`], and gives [`fun!`](crate::fun) an accessor per field.
macro_rules! fun_table {
    ($(
        $(#[doc = $doc:literal])*
        $(#[cfg($cfg:meta)])?
        $field:ident $(as $c_name:literal)?: $ty:ty,
    )*) => {
        /// `mp_fun_table_t` of the target ABI ([`crate::abi::TARGET`]). Field names follow the
        /// C member names (`raise` is spelled `raise_`, `type_Exception` `type_exception`);
        /// the numbers in the field documentation are the 6.3 indices.
        #[repr(C)]
        pub struct MpFunTable {
            $($(#[doc = $doc])* $(#[cfg($cfg)])? pub $field: $ty,)*
        }

        const _: () = {
            $(
                $(#[cfg($cfg)])?
                check_entry(
                    offset_of!(MpFunTable, $field),
                    fun_table!(@c_name $field $(, $c_name)?),
                    concat!(
                        "MpFunTable field `", stringify!($field),
                        "` is not where the target ABI's table has it (see mpy_sys::abi::FUN_TABLE)"
                    ),
                );
            )*
            assert!(
                size_of::<MpFunTable>() == FUN_TABLE_LEN * size_of::<usize>(),
                "MpFunTable does not have the target ABI's number of entries"
            );
        };

        /// One accessor per entry of any ABI, for [`fun!`](crate::fun); entries the target
        /// lacks never return (`fun!` stops the build before one is called).
        #[doc(hidden)]
        pub mod entries {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[inline(always)]
                #[allow(unreachable_code, clippy::needless_return)]
                pub fn $field(table: &MpFunTable) -> $ty {
                    $(#[cfg($cfg)])?
                    {
                        return table.$field;
                    }
                    let _ = table;
                    unreachable!()
                }
            )*
        }
    };
    (@c_name $field:ident) => { stringify!($field) };
    (@c_name $field:ident, $c_name:literal) => { $c_name };
}

/// The value of `mp_fun_table` entry `name` (the C member name; `raise_` and
/// `type_exception` as in [`MpFunTable`]) on the target ABI, or a build error naming the
/// entry and the ABI that added it when the target ABI lacks it.
///
/// The check is a constant evaluated where the macro is used: in a non-generic function
/// when its crate builds, in a generic one when it is instantiated.
///
/// ```
/// # #[allow(dead_code)] // compiled and checked, never run: the table is the firmware's
/// # fn f() {
/// let load_method_maybe = mpy_sys::fun!(load_method_maybe); // the default ABI, 6.3, has it
/// # let _ = load_method_maybe;
/// # }
/// ```
#[macro_export]
macro_rules! fun {
    (raise_) => {
        $crate::fun!(@get raise_, raise)
    };
    (type_exception) => {
        $crate::fun!(@get type_exception, type_Exception)
    };
    ($name:ident) => {
        $crate::fun!(@get $name, $name)
    };
    (@get $field:ident, $c_name:ident) => {{
        $crate::require_entry!($c_name);
        // SAFETY: `mp_fun_table` is the firmware's table (the loader patches its address into
        // the module's GOT); it is never written while the module runs.
        $crate::fun_table::entries::$field(unsafe { &$crate::mp_fun_table })
    }};
}

fun_table! {
    /// 0 `const_none`: the `None` object.
    const_none: MpObj,
    /// 1 `const_false`: the `False` object.
    const_false: MpObj,
    /// 2 `const_true`: the `True` object.
    const_true: MpObj,
    /// 3 `native_from_obj(obj, MP_NATIVE_TYPE_*)`: object to machine value. May raise.
    native_from_obj: unsafe extern "C" fn(obj: MpObj, type_: MpUint) -> MpUint,
    /// 4 `native_to_obj(val, MP_NATIVE_TYPE_*)`: machine value to object. May raise
    /// (MemoryError for a big int).
    native_to_obj: unsafe extern "C" fn(val: MpUint, type_: MpUint) -> MpObj,
    /// 5 `swap_globals(new)`: install `new` as the current globals; returns the old ones, or
    /// null when nothing changed (pass that null back to restore). Never raises.
    swap_globals: unsafe extern "C" fn(new_globals: *mut MpObjDict) -> *mut MpObjDict,
    /// 6 `load_name(qst)`. May raise.
    load_name: unsafe extern "C" fn(qst: Qstr) -> MpObj,
    /// 7 `load_global(qst)`. May raise.
    load_global: unsafe extern "C" fn(qst: Qstr) -> MpObj,
    /// 8 `load_build_class()`.
    load_build_class: unsafe extern "C" fn() -> MpObj,
    /// 9 `load_attr(base, attr)`. May raise.
    load_attr: unsafe extern "C" fn(base: MpObj, attr: Qstr) -> MpObj,
    /// 10 `load_method(base, attr, dest[2])`. May raise.
    load_method: unsafe extern "C" fn(base: MpObj, attr: Qstr, dest: *mut MpObj),
    /// 11 `load_super_method(attr, dest)`.
    load_super_method: unsafe extern "C" fn(attr: Qstr, dest: *mut MpObj),
    /// 12 `store_name(qst, obj)`.
    store_name: unsafe extern "C" fn(qst: Qstr, obj: MpObj),
    /// 13 `store_global(qst, obj)`. May raise (MemoryError).
    store_global: unsafe extern "C" fn(qst: Qstr, obj: MpObj),
    /// 14 `store_attr(base, attr, val)`. May raise.
    store_attr: unsafe extern "C" fn(base: MpObj, attr: Qstr, val: MpObj),
    /// 15 `obj_subscr(base, index, val)`: `val` = sentinel loads, null deletes, else stores.
    obj_subscr: unsafe extern "C" fn(base: MpObj, index: MpObj, val: MpObj) -> MpObj,
    /// 16 `obj_is_true(arg)`. May raise.
    obj_is_true: unsafe extern "C" fn(arg: MpObj) -> bool,
    /// 17 `unary_op(op, arg)`. May raise.
    unary_op: unsafe extern "C" fn(op: c_int, arg: MpObj) -> MpObj,
    /// 18 `binary_op(op, lhs, rhs)`. May raise.
    binary_op: unsafe extern "C" fn(op: c_int, lhs: MpObj, rhs: MpObj) -> MpObj,
    /// 19 `new_tuple(n, items)` (items copied). May raise.
    new_tuple: unsafe extern "C" fn(n: usize, items: *const MpObj) -> MpObj,
    /// 20 `new_list(n, items)` (items copied; null items leaves them unset). May raise.
    new_list: unsafe extern "C" fn(n: usize, items: *mut MpObj) -> MpObj,
    /// 21 `new_dict(n_args)`: an empty dict sized for `n_args` entries. May raise.
    new_dict: unsafe extern "C" fn(n_args: usize) -> MpObj,
    /// 22 `new_set(n_args, items)`. May raise.
    new_set: unsafe extern "C" fn(n_args: usize, items: *mut MpObj) -> MpObj,
    /// 23 `set_store(set, item)`. May raise.
    set_store: unsafe extern "C" fn(self_in: MpObj, item: MpObj),
    /// 24 `list_append(list, arg)`. May raise.
    list_append: unsafe extern "C" fn(self_in: MpObj, arg: MpObj) -> MpObj,
    /// 25 `dict_store(dict, key, value)`. May raise.
    dict_store: unsafe extern "C" fn(self_in: MpObj, key: MpObj, value: MpObj) -> MpObj,
    /// 26 (6.1, 6.2) `make_function_from_raw_code(raw_code, context, def_args)`: the 6.1/6.2
    /// form of entry 26, whose description starts with bit fields
    /// ([`crate::abi::RawCodeHead::BitFields`]).
    #[cfg(any(mpy_abi = "6.1", mpy_abi = "6.2"))]
    make_function_from_raw_code: unsafe extern "C" fn(
        raw_code: *const c_void,
        cm: *const MpModuleContext,
        def_args: *const MpObj,
    ) -> MpObj,
    /// 26 `make_function_from_proto_fun(proto_fun, context, def_args)`.
    #[cfg(not(any(mpy_abi = "6.1", mpy_abi = "6.2")))]
    make_function_from_proto_fun: unsafe extern "C" fn(
        proto_fun: *const c_void,
        cm: *const MpModuleContext,
        def_args: *const MpObj,
    ) -> MpObj,
    /// 27 `call_function_n_kw(fun, n_args | n_kw << 8, args)`. May raise.
    call_function_n_kw:
        unsafe extern "C" fn(fun: MpObj, n_args_kw: usize, args: *const MpObj) -> MpObj,
    /// 28 `call_method_n_kw(n_args, n_kw, args)`: `args` starts with the two words from
    /// `load_method`. May raise.
    call_method_n_kw:
        unsafe extern "C" fn(n_args: usize, n_kw: usize, args: *const MpObj) -> MpObj,
    /// 29 `call_method_n_kw_var(have_self, n_args_n_kw, args)`.
    call_method_n_kw_var:
        unsafe extern "C" fn(have_self: bool, n_args_n_kw: usize, args: *const MpObj) -> MpObj,
    /// 30 `getiter(obj, iter_buf)`; `iter_buf` may be null. May raise.
    getiter: unsafe extern "C" fn(obj: MpObj, iter: *mut MpObjIterBuf) -> MpObj,
    /// 31 `iternext(iter_buf)`: next item or `MP_OBJ_STOP_ITERATION`. May raise.
    iternext: unsafe extern "C" fn(iter: *mut MpObjIterBuf) -> MpObj,
    /// 32 `nlr_push(buf)`: a setjmp-like function (or `nlr_push_tail` on setjmp ports, see
    /// [`Self::setjmp_`]). Never call it from Rust; use [`crate::nlr::mpy_nlr_protect`].
    nlr_push: unsafe extern "C" fn(buf: *mut NlrBuf) -> c_uint,
    /// 33 `nlr_pop()`: unlink the innermost handler.
    nlr_pop: unsafe extern "C" fn(),
    /// 34 `raise(o)`: raise `o` (an exception type or instance) by a non-local jump. Returns
    /// only when `o` is null or `None`.
    raise_ as "raise": unsafe extern "C" fn(o: MpObj),
    /// 35 `import_name(name, fromlist, level)`. May raise.
    import_name: unsafe extern "C" fn(name: Qstr, fromlist: MpObj, level: MpObj) -> MpObj,
    /// 36 `import_from(module, name)`. May raise.
    import_from: unsafe extern "C" fn(module: MpObj, name: Qstr) -> MpObj,
    /// 37 `import_all(module)`.
    import_all: unsafe extern "C" fn(module: MpObj),
    /// 38 `new_slice(start, stop, step)`. May raise.
    new_slice: unsafe extern "C" fn(start: MpObj, stop: MpObj, step: MpObj) -> MpObj,
    /// 39 `unpack_sequence(seq, num, items)` (items stored in reverse). May raise.
    unpack_sequence: unsafe extern "C" fn(seq: MpObj, num: usize, items: *mut MpObj),
    /// 40 `unpack_ex(seq, num, items)`.
    unpack_ex: unsafe extern "C" fn(seq: MpObj, num: usize, items: *mut MpObj),
    /// 41 `delete_name(qst)`.
    delete_name: unsafe extern "C" fn(qst: Qstr),
    /// 42 `delete_global(qst)`.
    delete_global: unsafe extern "C" fn(qst: Qstr),
    /// 43 `new_closure(fun, n_closed_over, closed)`.
    new_closure:
        unsafe extern "C" fn(fun: MpObj, n_closed_over: usize, closed: *const MpObj) -> MpObj,
    /// 44 `arg_check_num_sig(n_args, n_kw, sig)`: raises TypeError on a mismatch.
    arg_check_num_sig: unsafe extern "C" fn(n_args: usize, n_kw: usize, sig: u32),
    /// 45 `setup_code_state_native(code_state, n_args, n_kw, args)` (native emitter only).
    setup_code_state_native: unsafe extern "C" fn(
        code_state: *mut MpCodeStateNative,
        n_args: usize,
        n_kw: usize,
        args: *const MpObj,
    ),
    /// 46 `small_int_floor_divide(num, denom)`.
    small_int_floor_divide: unsafe extern "C" fn(num: MpInt, denom: MpInt) -> MpInt,
    /// 47 `small_int_modulo(dividend, divisor)`.
    small_int_modulo: unsafe extern "C" fn(dividend: MpInt, divisor: MpInt) -> MpInt,
    /// 48 `yield_from(gen, send_value, ret_value)`.
    yield_from:
        unsafe extern "C" fn(gen: MpObj, send_value: MpObj, ret_value: *mut MpObj) -> bool,
    /// 49 `setjmp_`: the C library `setjmp` on `MICROPY_NLR_SETJMP` ports, else null.
    setjmp_: Option<unsafe extern "C" fn(env: *mut c_void) -> c_int>,
    /// 50 `memset_`.
    memset_: unsafe extern "C" fn(s: *mut c_void, c: c_int, n: usize) -> *mut c_void,
    /// 51 `memmove_`.
    memmove_:
        unsafe extern "C" fn(dest: *mut c_void, src: *const c_void, n: usize) -> *mut c_void,
    /// 52 `realloc_(ptr, n_bytes, allow_move)`: the GC heap's realloc (`gc_realloc`). Returns
    /// null on failure, never raises; `n_bytes == 0` frees.
    realloc_:
        unsafe extern "C" fn(ptr: *mut c_void, n_bytes: usize, allow_move: bool) -> *mut c_void,
    /// 53 `printf_(print, fmt, ...)`: MicroPython's own printf (not the C library's).
    printf_: unsafe extern "C" fn(print: *const MpPrint, fmt: *const c_char, ...) -> c_int,
    /// 54 `vprintf_(print, fmt, va_list)`. `va_list` is ABI-specific; typed as a pointer.
    vprintf_:
        unsafe extern "C" fn(print: *const MpPrint, fmt: *const c_char, args: *mut c_void) -> c_int,
    /// 55 `raise_msg(exc_type, msg)`: raise `exc_type(msg)` with a C string. Null when the
    /// port has no error reporting.
    raise_msg:
        Option<unsafe extern "C" fn(exc_type: *const MpObjType, msg: *const c_char) -> !>,
    /// 56 `obj_get_type(o)`. Never raises.
    obj_get_type: unsafe extern "C" fn(o: MpObj) -> *const MpObjType,
    /// 57 `obj_new_str(data, len)` (UTF-8 is not checked). May raise.
    obj_new_str: unsafe extern "C" fn(data: *const c_char, len: usize) -> MpObj,
    /// 58 `obj_new_bytes(data, len)`. May raise.
    obj_new_bytes: unsafe extern "C" fn(data: *const u8, len: usize) -> MpObj,
    /// 59 `obj_new_bytearray_by_ref(n, items)`. May raise.
    obj_new_bytearray_by_ref: unsafe extern "C" fn(n: usize, items: *mut c_void) -> MpObj,
    /// 60 `obj_new_float_from_f(f)`. May raise. Not for soft-float RISC-V modules.
    obj_new_float_from_f: unsafe extern "C" fn(f: f32) -> MpObj,
    /// 61 `obj_new_float_from_d(d)`. May raise. Not for soft-float RISC-V modules.
    obj_new_float_from_d: unsafe extern "C" fn(d: f64) -> MpObj,
    /// 62 `obj_get_float_to_f(o)`. May raise. Not for soft-float RISC-V modules.
    obj_get_float_to_f: unsafe extern "C" fn(o: MpObj) -> f32,
    /// 63 `obj_get_float_to_d(o)`. May raise. Not for soft-float RISC-V modules.
    obj_get_float_to_d: unsafe extern "C" fn(o: MpObj) -> f64,
    /// 64 (6.1 only) `get_buffer_raise(obj, bufinfo, flags)`: raises TypeError when `obj`
    /// has no buffer (6.2 replaced it with [`Self::get_buffer`]).
    #[cfg(mpy_abi = "6.1")]
    get_buffer_raise:
        unsafe extern "C" fn(obj: MpObj, bufinfo: *mut MpBufferInfo, flags: MpUint),
    /// 64 `load_method_maybe(base, attr, dest[2])`: `dest[0]` null when absent. May raise.
    #[cfg(not(any(mpy_abi = "6.1", mpy_abi = "6.2")))]
    load_method_maybe: unsafe extern "C" fn(base: MpObj, attr: Qstr, dest: *mut MpObj),
    /// 65 `get_buffer(obj, bufinfo, flags)`: raises only with `MP_BUFFER_RAISE_IF_UNSUPPORTED`.
    #[cfg(not(mpy_abi = "6.1"))]
    get_buffer:
        unsafe extern "C" fn(obj: MpObj, bufinfo: *mut MpBufferInfo, flags: MpUint) -> bool,
    /// 66 `get_stream_raise(self_in, flags)`. May raise.
    get_stream_raise: unsafe extern "C" fn(self_in: MpObj, flags: c_int) -> *const MpStreamP,
    /// 67 `arg_parse_all(n_pos, pos, kws, n_allowed, allowed, out_vals)`. May raise.
    #[cfg(not(any(mpy_abi = "6.1", mpy_abi = "6.2")))]
    arg_parse_all: unsafe extern "C" fn(
        n_pos: usize,
        pos: *const MpObj,
        kws: *mut MpMap,
        n_allowed: usize,
        allowed: *const MpArg,
        out_vals: *mut MpArgVal,
    ),
    /// 68 `arg_parse_all_kw_array(n_pos, n_kw, args, n_allowed, allowed, out_vals)`. May raise.
    #[cfg(not(any(mpy_abi = "6.1", mpy_abi = "6.2")))]
    arg_parse_all_kw_array: unsafe extern "C" fn(
        n_pos: usize,
        n_kw: usize,
        args: *const MpObj,
        n_allowed: usize,
        allowed: *const MpArg,
        out_vals: *mut MpArgVal,
    ),
    /// 69 `binary_get_size(struct_type, val_type, palign)`.
    #[cfg(not(any(mpy_abi = "6.1", mpy_abi = "6.2")))]
    binary_get_size:
        unsafe extern "C" fn(struct_type: c_char, val_type: c_char, palign: *mut usize) -> usize,
    /// 70 `binary_get_val_array(typecode, p, index)`.
    #[cfg(not(any(mpy_abi = "6.1", mpy_abi = "6.2")))]
    binary_get_val_array:
        unsafe extern "C" fn(typecode: c_char, p: *mut c_void, index: usize) -> MpObj,
    /// 71 `binary_set_val_array(typecode, p, index, val_in)`.
    #[cfg(not(any(mpy_abi = "6.1", mpy_abi = "6.2")))]
    binary_set_val_array:
        unsafe extern "C" fn(typecode: c_char, p: *mut c_void, index: usize, val_in: MpObj),
    /// 72 `plat_print`: the console output channel (`&mp_plat_print`).
    plat_print: *const MpPrint,
    /// 73 `type_type` (`&mp_type_type`).
    type_type: *const MpObjType,
    /// 74 `type_str`.
    type_str: *const MpObjType,
    /// 75 `type_list`.
    type_list: *const MpObjType,
    /// 76 `type_dict`.
    type_dict: *const MpObjType,
    /// 77 `type_fun_builtin_0`.
    type_fun_builtin_0: *const MpObjType,
    /// 78 `type_fun_builtin_1`.
    type_fun_builtin_1: *const MpObjType,
    /// 79 `type_fun_builtin_2`.
    type_fun_builtin_2: *const MpObjType,
    /// 80 `type_fun_builtin_3`.
    type_fun_builtin_3: *const MpObjType,
    /// 81 `type_fun_builtin_var`.
    type_fun_builtin_var: *const MpObjType,
    /// 82 `type_Exception`.
    #[cfg(not(any(mpy_abi = "6.1", mpy_abi = "6.2")))]
    type_exception as "type_Exception": *const MpObjType,
    /// 83 `stream_read_obj`.
    stream_read_obj: *const MpObjFunBuiltinVar,
    /// 84 `stream_readinto_obj`.
    stream_readinto_obj: *const MpObjFunBuiltinVar,
    /// 85 `stream_unbuffered_readline_obj`.
    stream_unbuffered_readline_obj: *const MpObjFunBuiltinVar,
    /// 86 `stream_write_obj`.
    stream_write_obj: *const MpObjFunBuiltinVar,
}

unsafe extern "C" {
    /// The firmware's `mp_fun_table`. The loader patches its address into the module's GOT
    /// (relocation kind 8); every access is a GOT load.
    pub static mp_fun_table: MpFunTable;
}
