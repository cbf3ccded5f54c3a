//! Floats (not on RISC-V, where native modules use the soft-float convention; see the
//! crate documentation).

use super::*;

impl<'a> FromObj<'a> for f64 {
    fn from_obj(obj: &'a Obj) -> PyResult<f64> {
        ffi::get_float_d(obj.0).map_err(raised)
    }
    unsafe fn from_obj_raising(obj: &'a Obj) -> f64 {
        // SAFETY: any object is accepted; a raise is the caller's to allow.
        unsafe { (ffi::table().obj_get_float_to_d)(obj.0) }
    }
}
impl IntoObj for f64 {
    fn into_obj(self) -> PyResult<Obj> {
        ffi::new_float_d(self).map(Obj).map_err(raised)
    }
    unsafe fn into_obj_raising(self) -> Obj {
        // SAFETY: a raise (MemoryError) is the caller's to allow.
        Obj(unsafe { (ffi::table().obj_new_float_from_d)(self) })
    }
}
impl<'a> FromObj<'a> for f32 {
    fn from_obj(obj: &'a Obj) -> PyResult<f32> {
        ffi::get_float_f(obj.0).map_err(raised)
    }
    unsafe fn from_obj_raising(obj: &'a Obj) -> f32 {
        // SAFETY: any object is accepted; a raise is the caller's to allow.
        unsafe { (ffi::table().obj_get_float_to_f)(obj.0) }
    }
}
impl IntoObj for f32 {
    fn into_obj(self) -> PyResult<Obj> {
        ffi::new_float_f(self).map(Obj).map_err(raised)
    }
    unsafe fn into_obj_raising(self) -> Obj {
        // SAFETY: a raise (MemoryError) is the caller's to allow.
        Obj(unsafe { (ffi::table().obj_new_float_from_f)(self) })
    }
}
