//! Printing through MicroPython's console (`mp_plat_print`).

use core::fmt;

/// MicroPython's console as a `fmt::Write` sink. Writing never fails and never raises.
#[derive(Debug, Default, Clone, Copy)]
pub struct Console;

impl fmt::Write for Console {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        crate::ffi::print_str(s);
        Ok(())
    }
}

/// Print to MicroPython's console, like `std::print!`.
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => {{
        let _ = ::core::fmt::Write::write_fmt(&mut $crate::impl_::Console, ::core::format_args!($($arg)*));
    }};
}

/// Print a line to MicroPython's console, like `std::println!`.
#[macro_export]
macro_rules! println {
    () => { $crate::impl_::print!("\n") };
    ($($arg:tt)*) => {{
        $crate::impl_::print!($($arg)*);
        $crate::impl_::print!("\n");
    }};
}
