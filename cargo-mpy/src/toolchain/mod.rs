//! Toolchains: the per-architecture table ([`Toolchain::of`]) and the
//! discovery of its tools on this machine ([`find_c_compiler`], ...).

mod asm_fix;
mod discover;
mod table;

pub use asm_fix::fix_xtensa_asm;
pub use discover::{find_c_compiler, find_llvm_compiler, tool_version, CCompiler, CRoute};
pub(crate) use discover::{
    find_c_library, find_mpy_cross, installed_rust_targets, mpy_dir, picolibc_specs, runtime_libs,
    MpyDirSource, MPY_CROSS_INSTALL, MPY_DIR_HELP,
};
pub use table::{
    CLibrary, CompilerSpec, CustomRust, FloatImpl, HelperPlace, HostCompiler, Install, LlvmRoute,
    RustTarget, Toolchain, TOOLCHAINS, XTENSAWIN_LLVM, XTENSAWIN_RUST,
};
