//! Toolchains: the per-architecture table ([`Toolchain::of`]) and the
//! discovery of its tools on this machine ([`find_c_compiler`], ...).

mod discover;
mod table;

pub use discover::{find_c_compiler, CCompiler};
pub(crate) use discover::{
    find_c_library, find_mpy_cross, installed_rust_targets, mpy_dir, picolibc_specs, print_libgcc,
    runtime_libs, tool_version, MpyDirSource, MPY_CROSS_INSTALL, MPY_DIR_HELP,
};
pub use table::{
    CLibrary, CompilerSpec, FloatImpl, HostCompiler, Install, RustTarget, Toolchain, TOOLCHAINS,
};
