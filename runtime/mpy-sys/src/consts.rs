//! Constants: object representation A, native types, operators, flags.

use crate::obj::{MpInt, MpObj, MpUint};

// ---------------------------------------------------------------------------------------
// Object representation A (`MICROPY_OBJ_REPR_A`)
//
// A word whose low bit is 1 is a small int (value in the upper bits, arithmetic shift);
// low three bits 0b010 is a qstr (number in bits 3..); 0b110 an "immediate object"
// (None/False/True on ports that enable them); low two bits 0b00 a pointer to an object
// whose first word is its type.

/// The null object (`MP_OBJ_NULL`): "no object", never a valid Python value.
pub const MP_OBJ_NULL: MpObj = core::ptr::null_mut();

/// `MP_OBJ_STOP_ITERATION`: returned by `iternext` when the iterator is exhausted.
/// Same bit pattern as [`MP_OBJ_NULL`].
pub const MP_OBJ_STOP_ITERATION: MpObj = core::ptr::null_mut();

/// `MP_OBJ_SENTINEL` (the word `4`): marks "load" in subscr and "store/delete" in attr.
pub const MP_OBJ_SENTINEL: MpObj = 4 as MpObj;

/// Is `o` a small int (`mp_obj_is_small_int`)?
#[inline]
pub fn mp_obj_is_small_int(o: MpObj) -> bool {
    (o as usize) & 1 != 0
}

/// `MP_OBJ_SMALL_INT_VALUE`: decode a small int (arithmetic shift right by one).
#[inline]
pub fn mp_obj_small_int_value(o: MpObj) -> MpInt {
    (o as MpInt) >> 1
}

/// `MP_OBJ_NEW_SMALL_INT`: encode a small int. The value must fit in a word minus one bit
/// (see [`mp_small_int_fits`]); otherwise the top bit is lost.
#[inline]
pub const fn mp_obj_new_small_int(v: MpInt) -> MpObj {
    (((v as MpUint) << 1) | 1) as MpObj
}

/// `MP_SMALL_INT_FITS`: can `v` be encoded as a small int?
#[inline]
pub const fn mp_small_int_fits(v: MpInt) -> bool {
    // The top two bits must be equal (both sign bits survive the shift).
    ((v ^ (v << 1)) as MpUint) >> (usize::BITS - 1) == 0
}

/// Smallest small int (`MP_SMALL_INT_MIN`).
pub const MP_SMALL_INT_MIN: MpInt = MpInt::MIN >> 1;
/// Largest small int (`MP_SMALL_INT_MAX`).
pub const MP_SMALL_INT_MAX: MpInt = MpInt::MAX >> 1;

/// Is `o` a qstr object (`mp_obj_is_qstr`)?
#[inline]
pub fn mp_obj_is_qstr(o: MpObj) -> bool {
    (o as usize) & 7 == 2
}

/// `MP_OBJ_QSTR_VALUE`.
#[inline]
pub fn mp_obj_qstr_value(o: MpObj) -> usize {
    (o as usize) >> 3
}

/// `MP_OBJ_NEW_QSTR` in its representation-A form. (The dynruntime header goes through
/// `native_to_obj` instead; both give the same word under representation A.)
#[inline]
pub fn mp_obj_new_qstr(q: usize) -> MpObj {
    ((q << 3) | 2) as MpObj
}

/// Is `o` an immediate object (`mp_obj_is_immediate_obj`)?
#[inline]
pub fn mp_obj_is_immediate_obj(o: MpObj) -> bool {
    (o as usize) & 7 == 6
}

/// Is `o` a pointer to a concrete object (`mp_obj_is_obj`)?
#[inline]
pub fn mp_obj_is_obj(o: MpObj) -> bool {
    (o as usize) & 3 == 0
}

// ---------------------------------------------------------------------------------------
// Native types (`py/runtime0.h`), for `native_from_obj` / `native_to_obj`.

/// `MP_NATIVE_TYPE_OBJ`.
pub const MP_NATIVE_TYPE_OBJ: MpUint = 0x00;
/// `MP_NATIVE_TYPE_BOOL`.
pub const MP_NATIVE_TYPE_BOOL: MpUint = 0x01;
/// `MP_NATIVE_TYPE_INT`.
pub const MP_NATIVE_TYPE_INT: MpUint = 0x02;
/// `MP_NATIVE_TYPE_UINT`.
pub const MP_NATIVE_TYPE_UINT: MpUint = 0x03;
/// `MP_NATIVE_TYPE_PTR`.
pub const MP_NATIVE_TYPE_PTR: MpUint = 0x04;
/// `MP_NATIVE_TYPE_PTR8`.
pub const MP_NATIVE_TYPE_PTR8: MpUint = 0x05;
/// `MP_NATIVE_TYPE_PTR16`.
pub const MP_NATIVE_TYPE_PTR16: MpUint = 0x06;
/// `MP_NATIVE_TYPE_PTR32`.
pub const MP_NATIVE_TYPE_PTR32: MpUint = 0x07;
/// `MP_NATIVE_TYPE_QSTR`.
pub const MP_NATIVE_TYPE_QSTR: MpUint = 0x08;

// ---------------------------------------------------------------------------------------
// Operators (`mp_unary_op_t`, `mp_binary_op_t`).

/// `MP_UNARY_OP_POSITIVE`.
pub const MP_UNARY_OP_POSITIVE: i32 = 0;
/// `MP_UNARY_OP_NEGATIVE`.
pub const MP_UNARY_OP_NEGATIVE: i32 = 1;
/// `MP_UNARY_OP_INVERT`.
pub const MP_UNARY_OP_INVERT: i32 = 2;
/// `MP_UNARY_OP_NOT`.
pub const MP_UNARY_OP_NOT: i32 = 3;
/// `MP_UNARY_OP_BOOL` (`__bool__`).
pub const MP_UNARY_OP_BOOL: i32 = 4;
/// `MP_UNARY_OP_LEN` (`__len__`).
pub const MP_UNARY_OP_LEN: i32 = 5;
/// `MP_UNARY_OP_HASH` (`__hash__`).
pub const MP_UNARY_OP_HASH: i32 = 6;
/// `MP_UNARY_OP_ABS` (`__abs__`).
pub const MP_UNARY_OP_ABS: i32 = 7;
/// `MP_UNARY_OP_INT_MAYBE` (`__int__`).
pub const MP_UNARY_OP_INT_MAYBE: i32 = 8;
/// `MP_UNARY_OP_FLOAT_MAYBE` (`__float__`).
pub const MP_UNARY_OP_FLOAT_MAYBE: i32 = 9;
/// `MP_UNARY_OP_COMPLEX_MAYBE` (`__complex__`).
pub const MP_UNARY_OP_COMPLEX_MAYBE: i32 = 10;
/// `MP_UNARY_OP_SIZEOF`.
pub const MP_UNARY_OP_SIZEOF: i32 = 11;

/// `MP_BINARY_OP_LESS`.
pub const MP_BINARY_OP_LESS: i32 = 0;
/// `MP_BINARY_OP_MORE`.
pub const MP_BINARY_OP_MORE: i32 = 1;
/// `MP_BINARY_OP_EQUAL`.
pub const MP_BINARY_OP_EQUAL: i32 = 2;
/// `MP_BINARY_OP_LESS_EQUAL`.
pub const MP_BINARY_OP_LESS_EQUAL: i32 = 3;
/// `MP_BINARY_OP_MORE_EQUAL`.
pub const MP_BINARY_OP_MORE_EQUAL: i32 = 4;
/// `MP_BINARY_OP_NOT_EQUAL`.
pub const MP_BINARY_OP_NOT_EQUAL: i32 = 5;
/// `MP_BINARY_OP_IN`.
pub const MP_BINARY_OP_IN: i32 = 6;
/// `MP_BINARY_OP_IS`.
pub const MP_BINARY_OP_IS: i32 = 7;
/// `MP_BINARY_OP_EXCEPTION_MATCH`.
pub const MP_BINARY_OP_EXCEPTION_MATCH: i32 = 8;
/// `MP_BINARY_OP_INPLACE_OR`; the other in-place operators follow in the order of the
/// plain ones below, `MP_BINARY_OP_INPLACE_X = MP_BINARY_OP_X - 13`.
pub const MP_BINARY_OP_INPLACE_OR: i32 = 9;
/// `MP_BINARY_OP_OR`.
pub const MP_BINARY_OP_OR: i32 = 22;
/// `MP_BINARY_OP_XOR`.
pub const MP_BINARY_OP_XOR: i32 = 23;
/// `MP_BINARY_OP_AND`.
pub const MP_BINARY_OP_AND: i32 = 24;
/// `MP_BINARY_OP_LSHIFT`.
pub const MP_BINARY_OP_LSHIFT: i32 = 25;
/// `MP_BINARY_OP_RSHIFT`.
pub const MP_BINARY_OP_RSHIFT: i32 = 26;
/// `MP_BINARY_OP_ADD`.
pub const MP_BINARY_OP_ADD: i32 = 27;
/// `MP_BINARY_OP_SUBTRACT`.
pub const MP_BINARY_OP_SUBTRACT: i32 = 28;
/// `MP_BINARY_OP_MULTIPLY`.
pub const MP_BINARY_OP_MULTIPLY: i32 = 29;
/// `MP_BINARY_OP_MAT_MULTIPLY`.
pub const MP_BINARY_OP_MAT_MULTIPLY: i32 = 30;
/// `MP_BINARY_OP_FLOOR_DIVIDE`.
pub const MP_BINARY_OP_FLOOR_DIVIDE: i32 = 31;
/// `MP_BINARY_OP_TRUE_DIVIDE`.
pub const MP_BINARY_OP_TRUE_DIVIDE: i32 = 32;
/// `MP_BINARY_OP_MODULO`.
pub const MP_BINARY_OP_MODULO: i32 = 33;
/// `MP_BINARY_OP_POWER`.
pub const MP_BINARY_OP_POWER: i32 = 34;
/// `MP_BINARY_OP_DIVMOD`.
pub const MP_BINARY_OP_DIVMOD: i32 = 35;
/// `MP_BINARY_OP_CONTAINS` (what a type implements for `in`).
pub const MP_BINARY_OP_CONTAINS: i32 = 36;
// The reverse operators that follow exist only when the firmware enables
// MICROPY_PY_REVERSE_SPECIAL_METHODS, so their numbers are not fixed; not mirrored.

// ---------------------------------------------------------------------------------------
// Type flags, print kinds, buffer flags, argument flags.

/// `MP_TYPE_FLAG_NONE`.
pub const MP_TYPE_FLAG_NONE: u16 = 0x0000;
/// `MP_TYPE_FLAG_IS_SUBCLASSED`.
pub const MP_TYPE_FLAG_IS_SUBCLASSED: u16 = 0x0001;
/// `MP_TYPE_FLAG_HAS_SPECIAL_ACCESSORS`.
pub const MP_TYPE_FLAG_HAS_SPECIAL_ACCESSORS: u16 = 0x0002;
/// `MP_TYPE_FLAG_EQ_NOT_REFLEXIVE`.
pub const MP_TYPE_FLAG_EQ_NOT_REFLEXIVE: u16 = 0x0004;
/// `MP_TYPE_FLAG_EQ_CHECKS_OTHER_TYPE`.
pub const MP_TYPE_FLAG_EQ_CHECKS_OTHER_TYPE: u16 = 0x0008;
/// `MP_TYPE_FLAG_EQ_HAS_NEQ_TEST`.
pub const MP_TYPE_FLAG_EQ_HAS_NEQ_TEST: u16 = 0x0010;
/// `MP_TYPE_FLAG_BINDS_SELF`.
pub const MP_TYPE_FLAG_BINDS_SELF: u16 = 0x0020;
/// `MP_TYPE_FLAG_BUILTIN_FUN`.
pub const MP_TYPE_FLAG_BUILTIN_FUN: u16 = 0x0040;
/// `MP_TYPE_FLAG_ITER_IS_GETITER` (the default).
pub const MP_TYPE_FLAG_ITER_IS_GETITER: u16 = 0x0000;
/// `MP_TYPE_FLAG_ITER_IS_ITERNEXT`.
pub const MP_TYPE_FLAG_ITER_IS_ITERNEXT: u16 = 0x0080;
/// `MP_TYPE_FLAG_ITER_IS_CUSTOM`.
pub const MP_TYPE_FLAG_ITER_IS_CUSTOM: u16 = 0x0100;
/// `MP_TYPE_FLAG_ITER_IS_STREAM`.
pub const MP_TYPE_FLAG_ITER_IS_STREAM: u16 = 0x0180;
/// `MP_TYPE_FLAG_INSTANCE_TYPE`.
pub const MP_TYPE_FLAG_INSTANCE_TYPE: u16 = 0x0200;
/// `MP_TYPE_FLAG_SUBSCR_ALLOWS_STACK_SLICE`.
pub const MP_TYPE_FLAG_SUBSCR_ALLOWS_STACK_SLICE: u16 = 0x0400;

/// `PRINT_STR`.
pub const MP_PRINT_KIND_STR: i32 = 0;
/// `PRINT_REPR`.
pub const MP_PRINT_KIND_REPR: i32 = 1;
/// `PRINT_EXC`.
pub const MP_PRINT_KIND_EXC: i32 = 2;
/// `PRINT_JSON`.
pub const MP_PRINT_KIND_JSON: i32 = 3;
/// `PRINT_RAW`.
pub const MP_PRINT_KIND_RAW: i32 = 4;

/// `MP_BUFFER_READ`.
pub const MP_BUFFER_READ: MpUint = 1;
/// `MP_BUFFER_WRITE`.
pub const MP_BUFFER_WRITE: MpUint = 2;
/// `MP_BUFFER_RW`.
pub const MP_BUFFER_RW: MpUint = 3;
/// `MP_BUFFER_RAISE_IF_UNSUPPORTED`.
pub const MP_BUFFER_RAISE_IF_UNSUPPORTED: MpUint = 4;

/// `MP_ARG_BOOL`.
pub const MP_ARG_BOOL: u16 = 0x001;
/// `MP_ARG_INT`.
pub const MP_ARG_INT: u16 = 0x002;
/// `MP_ARG_OBJ`.
pub const MP_ARG_OBJ: u16 = 0x003;
/// `MP_ARG_REQUIRED`.
pub const MP_ARG_REQUIRED: u16 = 0x100;
/// `MP_ARG_KW_ONLY`.
pub const MP_ARG_KW_ONLY: u16 = 0x200;

// ---------------------------------------------------------------------------------------
// Builtin function signatures.

/// `MP_OBJ_FUN_ARGS_MAX`: "no upper bound" for [`mp_obj_fun_make_sig`].
pub const MP_OBJ_FUN_ARGS_MAX: u32 = 0xffff;

/// `MP_OBJ_FUN_MAKE_SIG`: the `sig` word of a variable-arity builtin function.
pub const fn mp_obj_fun_make_sig(n_args_min: u32, n_args_max: u32, takes_kw: bool) -> u32 {
    (n_args_min << 17) | (n_args_max << 1) | takes_kw as u32
}

/// Shift that packs the keyword count above the positional count in
/// `call_function_n_kw`'s `n_args_kw` argument (`n_args | n_kw << 8`).
pub const MP_CALL_N_KW_SHIFT: u32 = 8;
