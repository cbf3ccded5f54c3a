//! Toolchains: the per-architecture table ([`Toolchain::of`]) and the
//! discovery of its tools on this machine ([`find_c_compiler`], ...).

mod discover;
mod headers;
mod table;

pub use discover::{find_c_compiler, CCompiler};
pub(crate) use discover::{
    find_c_library, find_mpy_cross, installed_rust_targets, mpy_cross_abi, picolibc_specs,
    print_libgcc, runtime_libs, tool_version, MPY_CROSS_INSTALL,
};
pub(crate) use headers::{
    bundled_include_dir, find_tree, mpy_cross_install, resolve_abi, write_bundled, AbiFrom, MpyTree,
};
pub use table::{
    CLibrary, CompilerSpec, FloatImpl, HostCompiler, Install, RustTarget, Toolchain, TOOLCHAINS,
};
