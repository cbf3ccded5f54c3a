//! Builtin type objects that the firmware's function table holds: no lookup, never raises.
//!
//! Other builtin types come from a value (`Obj::none().type_obj()` is `NoneType`) or by
//! name ([`Builtin`](crate::Builtin)`(qstr!(int))`), as C modules find them.

use crate::ffi;
use crate::obj::Obj;

/// `type`.
pub fn type_() -> Obj {
    Obj(ffi::table().type_type.cast_mut().cast())
}

/// `str`.
pub fn str_() -> Obj {
    Obj(ffi::table().type_str.cast_mut().cast())
}

/// `list`.
pub fn list() -> Obj {
    Obj(ffi::table().type_list.cast_mut().cast())
}

/// `dict`.
pub fn dict() -> Obj {
    Obj(ffi::table().type_dict.cast_mut().cast())
}
