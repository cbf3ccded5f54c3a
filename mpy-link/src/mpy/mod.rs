//! The `.mpy` file format: writing native modules, reading any `.mpy`,
//! dumping one as text and merging several into one. Nothing here knows the
//! linker: [`write`](mod@write) encodes whatever native code it is given.

pub mod bytecode;
pub(crate) mod cursor;
pub mod dump;
pub mod error;
pub mod merge;
pub mod prelude;
pub mod raw_code;
pub mod read;
pub mod reloc;
pub mod tables;
pub mod vuint;
pub mod write;

/// `.mpy` format version written and accepted (MicroPython 1.20 and later).
pub const MPY_VERSION: u8 = mpy_sys::abi::MPY_VERSION;
/// Header feature bit: a vuint of architecture flags follows the header.
pub const MPY_FEATURE_ARCH_FLAGS: u8 = 0x40;
/// `MP_SMALL_INT_BITS` written in the fourth header byte.
pub const MP_SMALL_INT_BITS: u8 = 31;
/// Raw-code kind of bytecode.
pub const MP_CODE_BYTECODE: u8 = 2;
/// Raw-code kind of native (viper) code.
pub const MP_CODE_NATIVE_VIPER: u8 = 4;
/// Scope flag: a relocation stream follows the native code.
pub const MP_SCOPE_FLAG_VIPERRELOC: u8 = 0x10;
/// Scope flag: the native code has a rodata blob.
pub const MP_SCOPE_FLAG_VIPERRODATA: u8 = 0x20;
/// Scope flag: the native code needs a bss blob.
pub const MP_SCOPE_FLAG_VIPERBSS: u8 = 0x40;
/// How deep constant tuples and nested raw codes may go before a file is
/// rejected (real files stay far below; the limit protects the stack).
pub const MAX_NESTING: usize = 64;
