//! Facts of the native-module ABI of every `.mpy` sub-version a board may run.
//!
//! A native `.mpy` file loads only on firmware with the same `.mpy` version (6) and
//! sub-version, and what the module finds in `mp_fun_table` differs between sub-versions.
//! This module is the one place that records those differences, as data:
//!
//! * [`MpyAbi`]: the three ABIs (6.1, 6.2, 6.3), the MicroPython releases that run each, and
//!   the shape of the table (length, index of the first object entry);
//! * [`FUN_TABLE`]: every entry any ABI has, in table order, with its C type, the ABI that
//!   added it and the ABI that removed it; [`MpyAbi::fun_index`] gives an entry's index for
//!   one ABI;
//! * [`ARCHES`]: which firmware and which `mpy_ld.py` first handle each architecture;
//! * [`LAYOUTS`]: the sizes and member offsets of the structures a module shares with the
//!   firmware, for 32- and 64-bit words (the same in every ABI);
//! * a few behaviours that changed inside one ABI ([`NATIVE_TO_OBJ_QSTR_SINCE`], ...).
//!
//! The static qstr list ([`crate::static_qstrs`]) is the same for all three ABIs.
//!
//! The facts were read from MicroPython's sources at v1.20.0, v1.21.0, v1.22.2, v1.23.0 and
//! the reference commit 1c3c201149 (`py/persistentcode.h`, `py/nativeglue.h`, `py/obj.h`,
//! `tools/mpy_ld.py`). The C header cargo-mpy ships (`cargo-mpy/include/natmod.h`) is checked
//! against them by the layout test (`tests/tests/abi_layout.rs`), and this crate's
//! [`crate::MpFunTable`] against [`MpyAbi::V6_3`] (`runtime/mpy-sys/tests/integration/abi_facts.rs`).
//!
//! # Using an entry the target lacks
//!
//! [`MpyAbi::require`] is a `const fn`: evaluated in a constant, it stops the build with a
//! message naming the entry and the ABI that introduced it.
//!
//! ```
//! use mpy_sys::abi::MpyAbi;
//! const _: () = MpyAbi::V6_3.require("load_method_maybe");
//! ```
//!
//! ```compile_fail
//! use mpy_sys::abi::MpyAbi;
//! // error: mp_fun_table entry `load_method_maybe` needs .mpy ABI 6.3 (MicroPython 1.23 or later)
//! const _: () = MpyAbi::V6_2.require("load_method_maybe");
//! ```

mod arches;
mod layouts;
mod table;
mod tree;

pub use arches::{ArchFacts, ARCHES, ARCH_FLAGS_SINCE};
pub use layouts::{layout, Layout, Span, LAYOUTS};
pub use table::{FunEntry, FUN_TABLE};
pub use tree::{abi_of_persistentcode_h, TreeAbiError};

/// A MicroPython release, `major.minor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Release {
    /// Major version (1).
    pub major: u8,
    /// Minor version (20 for 1.20).
    pub minor: u8,
}

pub(crate) const fn release(major: u8, minor: u8) -> Release {
    Release { major, minor }
}

/// A native-module ABI: `.mpy` version 6 with a sub-version. Ordered by age.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MpyAbi {
    /// Sub-version 1: MicroPython 1.20 and 1.21.
    V6_1,
    /// Sub-version 2: MicroPython 1.22.
    V6_2,
    /// Sub-version 3: MicroPython 1.23 and later.
    V6_3,
}

/// The `.mpy` major version of every ABI here.
pub const MPY_VERSION: u8 = 6;

impl MpyAbi {
    /// Every ABI, oldest first.
    pub const ALL: [MpyAbi; 3] = [MpyAbi::V6_1, MpyAbi::V6_2, MpyAbi::V6_3];

    /// The ABI used when none is asked for: the one current firmware runs.
    pub const DEFAULT: MpyAbi = MpyAbi::V6_3;

    /// The `.mpy` sub-version written into the file header (low two bits of byte 2).
    pub const fn sub_version(self) -> u8 {
        match self {
            MpyAbi::V6_1 => 1,
            MpyAbi::V6_2 => 2,
            MpyAbi::V6_3 => 3,
        }
    }

    /// The ABI of a `.mpy` sub-version, if it is one of these.
    pub const fn from_sub_version(sub_version: u8) -> Option<MpyAbi> {
        match sub_version {
            1 => Some(MpyAbi::V6_1),
            2 => Some(MpyAbi::V6_2),
            3 => Some(MpyAbi::V6_3),
            _ => None,
        }
    }

    /// The name users write (`--mpy-abi 6.2`, `mpy-abi = "6.2"`).
    pub const fn name(self) -> &'static str {
        match self {
            MpyAbi::V6_1 => "6.1",
            MpyAbi::V6_2 => "6.2",
            MpyAbi::V6_3 => "6.3",
        }
    }

    /// The releases that run this ABI, for messages: `MicroPython 1.20-1.21`.
    pub const fn releases(self) -> &'static str {
        match self {
            MpyAbi::V6_1 => "MicroPython 1.20-1.21",
            MpyAbi::V6_2 => "MicroPython 1.22",
            MpyAbi::V6_3 => "MicroPython 1.23 or later",
        }
    }

    /// Parses a name as written by users: `6.1`, `6.2` or `6.3`.
    pub fn from_name(name: &str) -> Option<MpyAbi> {
        MpyAbi::ALL.into_iter().find(|abi| abi.name() == name)
    }

    /// The first MicroPython release whose firmware loads this ABI.
    pub const fn first_release(self) -> Release {
        match self {
            MpyAbi::V6_1 => release(1, 20),
            MpyAbi::V6_2 => release(1, 22),
            MpyAbi::V6_3 => release(1, 23),
        }
    }

    /// The last MicroPython release that loads this ABI, or `None` while current firmware
    /// still does.
    pub const fn last_release(self) -> Option<Release> {
        match self {
            MpyAbi::V6_1 => Some(release(1, 21)),
            MpyAbi::V6_2 => Some(release(1, 22)),
            MpyAbi::V6_3 => None,
        }
    }

    /// The value of `MPY_ABI` that selects this ABI in cargo-mpy's C header (`0x0603`).
    pub const fn c_macro(self) -> u32 {
        ((MPY_VERSION as u32) << 8) | self.sub_version() as u32
    }

    /// The value of `sys.implementation._mpy` on firmware of this ABI for an architecture
    /// code: version, sub-version in bits 8-9, architecture from bit 10.
    pub const fn sys_implementation_mpy(self, arch_code: u8) -> u32 {
        MPY_VERSION as u32 | (self.sub_version() as u32) << 8 | (arch_code as u32) << 10
    }
}

/// The name users write (`6.2`).
impl core::fmt::Display for MpyAbi {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// `native_to_obj(q, MP_NATIVE_TYPE_QSTR)` makes a qstr object from this release on; 1.20
/// (ABI 6.1) returns an int instead, so a 6.1 module composes the object itself.
pub const NATIVE_TO_OBJ_QSTR_SINCE: Release = release(1, 21);

/// From this release the loader registers a module's bss/rodata block as a GC root (on ports
/// that enable it); before, the block's only reference is the `children` pointer of the raw
/// code the loader builds for `mpy_init` (which must then have no children).
pub const BSS_RODATA_ROOTED_SINCE: Release = release(1, 24);

/// `MP_NATIVE_TYPE_QSTR`, the conversion code for qstrs.
pub const MP_NATIVE_TYPE_QSTR: usize = 0x08;

/// How the description `make_function_from_*` reads begins (`mp_raw_code_t`). The module
/// builds it on its stack; the firmware reads the kind, the generator flag and `fun_data`
/// (one word in) and `children` (two words in).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawCodeHead {
    /// 6.1 and 6.2: one machine word of bit fields, from bit 0: kind (3 bits), scope flags (7
    /// bits, bit 0 of which, `MP_SCOPE_FLAG_GENERATOR`, marks a generator), positional
    /// argument count (11 bits).
    BitFields,
    /// 6.3: bytes `0, 0` (telling it from bytecode), then the kind and a generator flag byte.
    Bytes,
}

impl MpyAbi {
    /// The head of `mp_raw_code_t` on this ABI.
    pub const fn raw_code_head(self) -> RawCodeHead {
        match self {
            MpyAbi::V6_1 | MpyAbi::V6_2 => RawCodeHead::BitFields,
            MpyAbi::V6_3 => RawCodeHead::Bytes,
        }
    }
}

/// `MP_CODE_NATIVE_VIPER`: the kind of a native module's functions.
pub const MP_CODE_NATIVE_VIPER: u8 = 4;

/// The ABI this build targets: `cargo mpy build --mpy-abi 6.2` passes `--cfg mpy_abi="6.2"`
/// to every crate of the module; without it, [`MpyAbi::DEFAULT`].
pub const TARGET: MpyAbi = if cfg!(mpy_abi = "6.1") {
    MpyAbi::V6_1
} else if cfg!(mpy_abi = "6.2") {
    MpyAbi::V6_2
} else {
    MpyAbi::DEFAULT
};

/// Stops the build when the target ABI ([`TARGET`]) lacks the `mp_fun_table` entry named
/// (the C member name), with a message naming the entry and the ABI that has it.
///
/// It expands to an inline constant, which the compiler evaluates where the code using it is
/// compiled: in a non-generic function that is when its crate builds, in a generic one when
/// it is instantiated. A library wrapping an optional entry therefore puts the check in a
/// generic function (or a macro), so that only modules that use it need the newer firmware.
///
/// ```
/// fn call_it() {
///     mpy_sys::require_entry!(load_method_maybe); // fine: the default target is 6.3
/// }
/// # call_it();
/// ```
#[macro_export]
macro_rules! require_entry {
    ($name:ident) => {
        const { $crate::abi::TARGET.require(::core::stringify!($name)) }
    };
}

/// Byte-wise string equality usable in constants.
pub(crate) const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    #[test]
    fn names_versions_and_sys_implementation() {
        for abi in MpyAbi::ALL {
            assert_eq!(MpyAbi::from_name(abi.name()), Some(abi));
            assert_eq!(MpyAbi::from_sub_version(abi.sub_version()), Some(abi));
        }
        assert_eq!(MpyAbi::from_name("6.4"), None);
        assert_eq!(MpyAbi::V6_3.c_macro(), 0x0603);
        // Measured on the unix port: 1.20 and 1.21 give 0x906, 1.22 0xa06, 1.23 and 1.29 0xb06.
        assert_eq!(MpyAbi::V6_1.sys_implementation_mpy(2), 0x906);
        assert_eq!(MpyAbi::V6_2.sys_implementation_mpy(2), 0xa06);
        assert_eq!(MpyAbi::V6_3.sys_implementation_mpy(2), 0xb06);
    }
}
