//! features2: MicroPython's examples/natmod/features2 in Rust, function for
//! function, so that the two can be compared byte for byte: single and double
//! precision floats, a rounding function, a product over a float array
//! computed in a second Rust module, and Python code merged into the module.
//!
//! Natmods pass floats through the firmware's table, which RISC-V modules
//! cannot do (they use the soft-float convention): there the module has no
//! functions. `add_d` exists where the hardware has double precision, as in C.
#![no_std]

use mpy::{Module, PyResult};

#[cfg(not(any(mpy_arch = "rv32imc", mpy_arch = "rv64imc")))]
mod floats {
    use mpy::exceptions::ValueError;
    use mpy::{BufferMut, PyResult};

    use crate::prod;

    /// The float precision native modules use on each architecture (C's
    /// `mp_float_t` under `py/dynruntime.mk`): single on the ARM cores without a
    /// double-precision unit and on the ESP32.
    #[cfg(any(
        mpy_arch = "armv6m",
        mpy_arch = "armv7m",
        mpy_arch = "armv7emsp",
        mpy_arch = "xtensawin"
    ))]
    type Float = f32;
    #[cfg(not(any(
        mpy_arch = "armv6m",
        mpy_arch = "armv7m",
        mpy_arch = "armv7emsp",
        mpy_arch = "xtensawin"
    )))]
    type Float = f64;

    /// `add(x, y)`: in the module's float precision.
    #[mpy::function(positional)]
    pub(crate) fn add(x: Float, y: Float) -> Float {
        x + y
    }

    /// `add_f(x, y)`: single precision.
    #[mpy::function(positional)]
    pub(crate) fn add_f(x: f32, y: f32) -> f32 {
        x + y
    }

    /// `add_d(x, y)`: double precision, where the hardware has it.
    #[cfg(any(mpy_arch = "x86", mpy_arch = "x64", mpy_arch = "armv7emdp"))]
    #[mpy::function(positional)]
    pub(crate) fn add_d(x: f64, y: f64) -> f64 {
        x + y
    }

    /// `round(x)`: to the nearest integer, halves away from zero (C's `roundf`).
    #[mpy::function(positional)]
    pub(crate) fn round(x: f32) -> f32 {
        let a = x.abs();
        // 2**23 and beyond (and NaN, infinities) are already integral.
        if !(a < 8_388_608.0) {
            return x;
        }
        let whole = a as u32 as f32;
        let r = if a - whole >= 0.5 { whole + 1.0 } else { whole };
        r.copysign(x)
    }

    /// `productf(a)`: stores the product of the float array `a` in `a[0]`.
    #[mpy::function(positional)]
    pub(crate) fn productf(buf: BufferMut<'_>) -> PyResult<()> {
        if buf.typecode != b'f' {
            return Err(mpy::err!(ValueError, "expecting float array"));
        }
        let floats = buf
            .data
            .chunks_exact(4)
            .map(|c| f32::from_ne_bytes([c[0].get(), c[1].get(), c[2].get(), c[3].get()]));
        let product = prod::prod_array(floats);
        if let Some(first) = buf.data.get(..4) {
            for (cell, byte) in first.iter().zip(product.to_ne_bytes()) {
                cell.set(byte);
            }
        }
        Ok(())
    }
}

#[cfg(not(any(mpy_arch = "rv32imc", mpy_arch = "rv64imc")))]
mod prod;

#[cfg(any(mpy_arch = "x86", mpy_arch = "x64", mpy_arch = "armv7emdp"))]
#[mpy::module(functions = [floats::add, floats::add_f, floats::add_d, floats::round, floats::productf])]
fn init(_m: &Module<'_>) -> PyResult<()> {
    Ok(())
}

#[cfg(any(
    mpy_arch = "armv6m",
    mpy_arch = "armv7m",
    mpy_arch = "armv7emsp",
    mpy_arch = "xtensawin"
))]
#[mpy::module(functions = [floats::add, floats::add_f, floats::round, floats::productf])]
fn init(_m: &Module<'_>) -> PyResult<()> {
    Ok(())
}

#[cfg(not(any(
    mpy_arch = "x86",
    mpy_arch = "x64",
    mpy_arch = "armv7emdp",
    mpy_arch = "armv6m",
    mpy_arch = "armv7m",
    mpy_arch = "armv7emsp",
    mpy_arch = "xtensawin"
)))]
#[mpy::module]
fn init(_m: &Module<'_>) -> PyResult<()> {
    Ok(())
}
