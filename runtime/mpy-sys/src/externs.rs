//! Firmware objects reached by name.
//!
//! The `cargo-mpy` linker resolves each of these undefined symbols to the *value* of the
//! `mp_fun_table` entry holding that object (from entry 73 on 6.3, 67 on 6.1 and 6.2; see
//! [`crate::abi::MpyAbi::object_index`]), so the address of the extern static is
//! the firmware object's address, as in C. Because they are link-time symbols, their
//! addresses can be used in `static` initialisers (the linker emits a load-time relocation
//! for the data word), which is how builtin function objects get their base type:
//!
//! ```no_run
//! # #![allow(dead_code)]
//! use mpy_sys::{mp_type_fun_builtin_1, MpFunFixed, MpObj, MpObjBase, MpObjFunBuiltinFixed};
//!
//! unsafe extern "C" fn my_fn(arg: MpObj) -> MpObj {
//!     arg
//! }
//!
//! static F: MpObjFunBuiltinFixed = MpObjFunBuiltinFixed {
//!     base: MpObjBase { type_: &raw const mp_type_fun_builtin_1 },
//!     fun: MpFunFixed { f1: my_fn },
//! };
//! # fn main() {}
//! ```
//!
//! The sizes declared here are only the fixed headers; never read past them.

use crate::obj::{MpObjFunBuiltinVar, MpObjType};

unsafe extern "C" {
    /// `mp_type_type` (table entry 73 on 6.3; the numbers below are 6.3's).
    pub static mp_type_type: MpObjType;
    /// `mp_type_str` (74).
    pub static mp_type_str: MpObjType;
    /// `mp_type_list` (75).
    pub static mp_type_list: MpObjType;
    /// `mp_type_dict` (76).
    pub static mp_type_dict: MpObjType;
    /// `mp_type_fun_builtin_0` (77).
    pub static mp_type_fun_builtin_0: MpObjType;
    /// `mp_type_fun_builtin_1` (78).
    pub static mp_type_fun_builtin_1: MpObjType;
    /// `mp_type_fun_builtin_2` (79).
    pub static mp_type_fun_builtin_2: MpObjType;
    /// `mp_type_fun_builtin_3` (80).
    pub static mp_type_fun_builtin_3: MpObjType;
    /// `mp_type_fun_builtin_var` (81).
    pub static mp_type_fun_builtin_var: MpObjType;
    /// `mp_type_Exception` (82). Only ABI 6.3 has this entry: on 6.1 and 6.2 the linker
    /// refuses the symbol (look the type up by name instead).
    pub static mp_type_Exception: MpObjType;
    /// `mp_stream_read_obj` (83).
    pub static mp_stream_read_obj: MpObjFunBuiltinVar;
    /// `mp_stream_readinto_obj` (84).
    pub static mp_stream_readinto_obj: MpObjFunBuiltinVar;
    /// `mp_stream_unbuffered_readline_obj` (85).
    pub static mp_stream_unbuffered_readline_obj: MpObjFunBuiltinVar;
    /// `mp_stream_write_obj` (86).
    pub static mp_stream_write_obj: MpObjFunBuiltinVar;
}

/// The names above in the order of the 6.3 table, starting at entry 73 (for tools and tests).
pub const FUN_TABLE_OBJECT_SYMBOLS: [&str; 14] = [
    "mp_type_type",
    "mp_type_str",
    "mp_type_list",
    "mp_type_dict",
    "mp_type_fun_builtin_0",
    "mp_type_fun_builtin_1",
    "mp_type_fun_builtin_2",
    "mp_type_fun_builtin_3",
    "mp_type_fun_builtin_var",
    "mp_type_Exception",
    "mp_stream_read_obj",
    "mp_stream_readinto_obj",
    "mp_stream_unbuffered_readline_obj",
    "mp_stream_write_obj",
];
