//! Toolchains: the per-architecture table ([`Toolchain::of`]) and the
//! discovery of its tools on this machine ([`find_c_compiler`], ...).

mod asm_fix;
mod discover;
mod headers;
mod table;

pub use asm_fix::fix_xtensa_asm;
pub use discover::{find_c_compiler, find_llvm_compiler, tool_version, CCompiler, CRoute};
pub(crate) use discover::{
    find_c_library, find_mpy_cross, installed_rust_targets, mpy_cross_abi, picolibc_specs,
    print_libgcc, runtime_libs, MPY_CROSS_INSTALL,
};
pub(crate) use headers::{
    bundled_include_dir, find_tree, mpy_cross_install, resolve_abi, write_bundled, AbiFrom, MpyTree,
};
pub use table::{
    CLibrary, CompilerSpec, CustomRust, FloatImpl, HelperPlace, HostCompiler, Install, LlvmRoute,
    RustTarget, Toolchain, TOOLCHAINS, XTENSAWIN_LLVM, XTENSAWIN_RUST,
};

/// How this machine would build Rust code for `arch`: the target triple,
/// or for a target rustup does not ship the toolchain route a build would
/// take; an error saying what to install when there is none. (For a rustup
/// target, whether it is installed is not checked here.)
pub fn rust_route(arch: mpy_link::Arch) -> anyhow::Result<String> {
    let target = &Toolchain::of(arch).rust;
    if let Some(why) = target.unsupported {
        anyhow::bail!("no Rust for {}: {why}", arch.name());
    }
    let Some(custom) = target.custom else {
        return Ok(target.triple.to_string());
    };
    let route = crate::rust_build::choose_route(arch, custom, || Ok(find_llvm_compiler(arch)?))?;
    Ok(match route {
        crate::rust_build::RustRoute::Rustup => target.triple.to_string(),
        crate::rust_build::RustRoute::Vendor { toolchain } => {
            format!("`{toolchain}` toolchain, {}", custom.vendor_triple)
        }
        crate::rust_build::RustRoute::Nightly { toolchain, .. } => {
            format!("`{toolchain}` with {}", custom.spec_name)
        }
    })
}
