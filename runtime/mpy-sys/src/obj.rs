//! Object and structure layouts (`py/obj.h`, `py/objfun.h`, `py/bc.h`, `py/mpprint.h`, ...).
//!
//! All structures are `#[repr(C)]` and use machine words where C uses `size_t`,
//! `mp_int_t`/`mp_uint_t` or pointers; on every supported target these have the same size.

use core::ffi::{c_char, c_int, c_void};

/// `mp_obj_t`: one machine word holding either a pointer to an object or an immediate
/// (small int, qstr, special constant). See [`crate::consts`] for the tag bits.
pub type MpObj = *mut c_void;

/// `mp_int_t`: signed machine word.
pub type MpInt = isize;

/// `mp_uint_t`: unsigned machine word.
pub type MpUint = usize;

/// `qstr`: an interned-string number. The module's qstr table stores them as
/// `qstr_short_t` (`u16`), which is what `__mpy_qstr_*` symbols point at.
pub type Qstr = usize;

/// `qstr_short_t`: the 16-bit form stored in the module's qstr table.
pub type QstrShort = u16;

/// `mp_obj_base_t`: first member of every heap or ROM object.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct MpObjBase {
    /// `type`: the object's type.
    pub type_: *const MpObjType,
}

/// `mp_obj_type_t` without its flexible `slots[]` member (C's `mp_obj_empty_type_t`).
///
/// A slot index field holds `1 + index into slots`, or 0 when the slot is absent.
/// Use [`MpObjFullType`] to create a type; use this to read one you were given.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct MpObjType {
    /// `base`: points at `mp_type_type`.
    pub base: MpObjBase,
    /// `flags`: `MP_TYPE_FLAG_*`.
    pub flags: u16,
    /// `name`: the type's name as a qstr.
    pub name: u16,
    /// `slot_index_make_new` (`mp_make_new_fun_t`).
    pub slot_index_make_new: u8,
    /// `slot_index_print` (`mp_print_fun_t`).
    pub slot_index_print: u8,
    /// `slot_index_call` (`mp_call_fun_t`).
    pub slot_index_call: u8,
    /// `slot_index_unary_op` (`mp_unary_op_fun_t`).
    pub slot_index_unary_op: u8,
    /// `slot_index_binary_op` (`mp_binary_op_fun_t`).
    pub slot_index_binary_op: u8,
    /// `slot_index_attr` (`mp_attr_fun_t`).
    pub slot_index_attr: u8,
    /// `slot_index_subscr` (`mp_subscr_fun_t`).
    pub slot_index_subscr: u8,
    /// `slot_index_iter` (meaning depends on `MP_TYPE_FLAG_ITER_IS_*`).
    pub slot_index_iter: u8,
    /// `slot_index_buffer` (`mp_buffer_fun_t`).
    pub slot_index_buffer: u8,
    /// `slot_index_protocol` (e.g. `mp_stream_p_t`).
    pub slot_index_protocol: u8,
    /// `slot_index_parent`: NULL, a type, or a tuple of types.
    pub slot_index_parent: u8,
    /// `slot_index_locals_dict` (`mp_obj_dict_t *`).
    pub slot_index_locals_dict: u8,
}

/// Number of slots in [`MpObjFullType`] (C's `mp_obj_full_type_t`).
pub const MP_OBJ_TYPE_NUM_SLOTS: usize = 11;

/// `mp_obj_full_type_t`: a type with room for every slot; what a module allocates when it
/// defines a class.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct MpObjFullType {
    /// The fixed header, identical to [`MpObjType`].
    pub head: MpObjType,
    /// `slots[11]`: function or data pointers, addressed by the slot index fields.
    pub slots: [*const c_void; MP_OBJ_TYPE_NUM_SLOTS],
}

/// `mp_make_new_fun_t`: `T(...)`.
pub type MpMakeNewFun = unsafe extern "C" fn(
    type_: *const MpObjType,
    n_args: usize,
    n_kw: usize,
    args: *const MpObj,
) -> MpObj;
/// `mp_print_fun_t`: `print`/`repr`; `kind` is an `MP_PRINT_KIND_*` value.
pub type MpPrintFun = unsafe extern "C" fn(print: *const MpPrint, o: MpObj, kind: c_int);
/// `mp_call_fun_t`: `obj(...)`.
pub type MpCallFun =
    unsafe extern "C" fn(fun: MpObj, n_args: usize, n_kw: usize, args: *const MpObj) -> MpObj;
/// `mp_unary_op_fun_t`; return null for "not supported".
pub type MpUnaryOpFun = unsafe extern "C" fn(op: c_int, arg: MpObj) -> MpObj;
/// `mp_binary_op_fun_t`; return null for "not supported".
pub type MpBinaryOpFun = unsafe extern "C" fn(op: c_int, lhs: MpObj, rhs: MpObj) -> MpObj;
/// `mp_attr_fun_t`: load/store/delete an attribute through `dest` (see `py/obj.h`).
pub type MpAttrFun = unsafe extern "C" fn(self_in: MpObj, attr: Qstr, dest: *mut MpObj);
/// `mp_subscr_fun_t`: `value` is the sentinel for load, null for delete.
pub type MpSubscrFun = unsafe extern "C" fn(self_in: MpObj, index: MpObj, value: MpObj) -> MpObj;
/// `mp_getiter_fun_t`.
pub type MpGetiterFun = unsafe extern "C" fn(self_in: MpObj, iter_buf: *mut MpObjIterBuf) -> MpObj;
/// `mp_buffer_fun_t`: return 0 on success.
pub type MpBufferFun =
    unsafe extern "C" fn(obj: MpObj, bufinfo: *mut MpBufferInfo, flags: MpUint) -> MpInt;

/// `mp_fun_0_t`.
pub type MpFun0 = unsafe extern "C" fn() -> MpObj;
/// `mp_fun_1_t`.
pub type MpFun1 = unsafe extern "C" fn(MpObj) -> MpObj;
/// `mp_fun_2_t`.
pub type MpFun2 = unsafe extern "C" fn(MpObj, MpObj) -> MpObj;
/// `mp_fun_3_t`.
pub type MpFun3 = unsafe extern "C" fn(MpObj, MpObj, MpObj) -> MpObj;
/// `mp_fun_var_t`: positional arguments only.
pub type MpFunVar = unsafe extern "C" fn(n: usize, args: *const MpObj) -> MpObj;
/// `mp_fun_kw_t`: positional arguments plus a map of keyword arguments.
pub type MpFunKw = unsafe extern "C" fn(n: usize, args: *const MpObj, kw: *mut MpMap) -> MpObj;

/// The `fun` union of `mp_obj_fun_builtin_fixed_t`.
#[repr(C)]
#[derive(Clone, Copy)]
pub union MpFunFixed {
    /// `_0`: no argument.
    pub f0: MpFun0,
    /// `_1`: one argument.
    pub f1: MpFun1,
    /// `_2`: two arguments.
    pub f2: MpFun2,
    /// `_3`: three arguments.
    pub f3: MpFun3,
}

/// `mp_obj_fun_builtin_fixed_t`: a builtin function of 0..=3 positional arguments. Its
/// base type must be the matching `mp_type_fun_builtin_N`.
#[repr(C)]
pub struct MpObjFunBuiltinFixed {
    /// `base`: `&mp_type_fun_builtin_N`.
    pub base: MpObjBase,
    /// `fun`: the C entry point.
    pub fun: MpFunFixed,
}

/// The `fun` union of `mp_obj_fun_builtin_var_t`.
#[repr(C)]
#[derive(Clone, Copy)]
pub union MpFunVarKw {
    /// `var`: used when the signature does not take keywords.
    pub var: MpFunVar,
    /// `kw`: used when the signature takes keywords.
    pub kw: MpFunKw,
}

/// `mp_obj_fun_builtin_var_t`: a builtin function with a variable argument count and,
/// optionally, keyword arguments. `base` must be `&mp_type_fun_builtin_var`.
#[repr(C)]
pub struct MpObjFunBuiltinVar {
    /// `base`: `&mp_type_fun_builtin_var`.
    pub base: MpObjBase,
    /// `sig`: see [`crate::consts::mp_obj_fun_make_sig`].
    pub sig: u32,
    /// `fun`: the C entry point.
    pub fun: MpFunVarKw,
}

// SAFETY: these objects are immutable after construction; the raw pointers they hold point
// at firmware types and module code, both of which live as long as the module.
unsafe impl Sync for MpObjFunBuiltinFixed {}
// SAFETY: as above.
unsafe impl Sync for MpObjFunBuiltinVar {}

/// `mp_obj_module_t`.
#[repr(C)]
#[derive(Debug)]
pub struct MpObjModule {
    /// `base`.
    pub base: MpObjBase,
    /// `globals`: the module's namespace.
    pub globals: *mut MpObjDict,
}

/// `mp_module_constants_t` (native-module form: the qstr table and object table).
#[repr(C)]
#[derive(Debug)]
pub struct MpModuleConstants {
    /// `qstr_table` (or `source_file` when the port does not use a qstr table).
    pub qstr_table: *mut QstrShort,
    /// `obj_table`.
    pub obj_table: *mut MpObj,
}

/// `mp_module_context_t`: what `mpy_init`'s `self->context` points at.
#[repr(C)]
#[derive(Debug)]
pub struct MpModuleContext {
    /// `module`: the module object being imported.
    pub module: MpObjModule,
    /// `constants`.
    pub constants: MpModuleConstants,
}

/// `mp_obj_fun_bc_t`, the prefix a native module's entry point receives as `self`.
/// Only the first two members are stable across port configurations; do not read further.
#[repr(C)]
#[derive(Debug)]
pub struct MpObjFun {
    /// `base`.
    pub base: MpObjBase,
    /// `context`: the module being imported.
    pub context: *const MpModuleContext,
}

/// `mp_map_elem_t`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct MpMapElem {
    /// `key`; null marks an empty slot, the sentinel a deleted one.
    pub key: MpObj,
    /// `value`.
    pub value: MpObj,
}

/// `mp_map_t`. The first word packs three flag bits and the `used` count as C bitfields
/// (little-endian bit order on every supported target): bit 0 `all_keys_are_qstrs`, bit 1
/// `is_fixed`, bit 2 `is_ordered`, bits 3.. `used`.
#[repr(C)]
#[derive(Debug)]
pub struct MpMap {
    /// The packed bitfield word; see the type documentation.
    pub bits: usize,
    /// `alloc`: number of slots in `table`.
    pub alloc: usize,
    /// `table`.
    pub table: *mut MpMapElem,
}

impl MpMap {
    /// `used`: number of occupied slots.
    pub fn used(&self) -> usize {
        self.bits >> 3
    }
    /// `is_ordered`: `table[..used]` is dense (keyword-argument maps are).
    pub fn is_ordered(&self) -> bool {
        self.bits & 4 != 0
    }
}

/// `mp_obj_dict_t`.
#[repr(C)]
#[derive(Debug)]
pub struct MpObjDict {
    /// `base`.
    pub base: MpObjBase,
    /// `map`.
    pub map: MpMap,
}

/// `mp_obj_tuple_t` header; `items` follow inline.
#[repr(C)]
#[derive(Debug)]
pub struct MpObjTuple {
    /// `base`.
    pub base: MpObjBase,
    /// `len`.
    pub len: usize,
    /// `items[]` (flexible array member).
    pub items: [MpObj; 0],
}

/// `mp_obj_list_t`.
#[repr(C)]
#[derive(Debug)]
pub struct MpObjList {
    /// `base`.
    pub base: MpObjBase,
    /// `alloc`.
    pub alloc: usize,
    /// `len`.
    pub len: usize,
    /// `items`.
    pub items: *mut MpObj,
}

/// `mp_obj_iter_buf_t`: caller-provided storage for an iterator.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct MpObjIterBuf {
    /// `base`.
    pub base: MpObjBase,
    /// `buf[3]`.
    pub buf: [MpObj; 3],
}

/// `mp_buffer_info_t`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct MpBufferInfo {
    /// `buf`: may be null when `len` is 0.
    pub buf: *mut c_void,
    /// `len` in bytes.
    pub len: usize,
    /// `typecode`: a `struct`-module type character such as `b'B'`.
    pub typecode: c_int,
}

/// `mp_print_strn_t`.
pub type MpPrintStrn = unsafe extern "C" fn(data: *mut c_void, str: *const c_char, len: usize);

/// `mp_print_t`: an output channel (`plat_print` is the console).
#[repr(C)]
#[derive(Debug)]
pub struct MpPrint {
    /// `data`: passed back to `print_strn`.
    pub data: *mut c_void,
    /// `print_strn`.
    pub print_strn: MpPrintStrn,
}

/// `mp_arg_val_t`.
#[repr(C)]
#[derive(Clone, Copy)]
pub union MpArgVal {
    /// `u_bool`.
    pub u_bool: bool,
    /// `u_int`.
    pub u_int: MpInt,
    /// `u_obj`.
    pub u_obj: MpObj,
}

/// `mp_arg_t`: one entry of an `arg_parse_all` specification.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct MpArg {
    /// `qst`: the argument's name.
    pub qst: u16,
    /// `flags`: `MP_ARG_*`.
    pub flags: u16,
    /// `defval`.
    pub defval: MpArgVal,
}

/// `mp_stream_p_t` (opaque here; returned by `get_stream_raise`).
#[repr(C)]
pub struct MpStreamP {
    _opaque: [u8; 0],
}

/// `mp_code_state_native_t` (opaque; only used by the native emitter).
#[repr(C)]
pub struct MpCodeStateNative {
    _opaque: [u8; 0],
}
