//! hybrid: the Rust counterpart of MicroPython's examples/natmod/features2.
//!
//! The Rust code is split over modules (`ints`, `floats`) like a C module spread
//! over several files; `hybrid.py` adds Python functions built on top of them.
//!
//! Floating point: on RISC-V, native modules use the soft-float calling
//! convention, which the firmware may not share, so the runtime has no float
//! conversions there and this module offers the integer functions only (the
//! same choice upstream's example makes with `#if`).
#![no_std]

extern crate alloc;

mod ints;

#[cfg(not(any(target_arch = "riscv32", target_arch = "riscv64")))]
mod floats;

use mpy::{qstr, Module, PyResult};

#[mpy::module]
fn init(m: &Module<'_>) -> PyResult<()> {
    ints::register(m)?;
    #[cfg(not(any(target_arch = "riscv32", target_arch = "riscv64")))]
    floats::register(m)?;
    m.add(
        qstr!(HAS_FLOAT),
        cfg!(not(any(target_arch = "riscv32", target_arch = "riscv64"))),
    )?;
    Ok(())
}
