//! The per-architecture toolchain table: one row per [`Arch`], holding every
//! fact about the tools that build a module for it (the C compiler and its
//! flags, the float implementation, the Debian packages, the C library and
//! the runtime archives, the Rust target). `py/dynruntime.mk` and DESIGN.md
//! §6 are the references. The build, `cargo mpy doctor` and the test suite
//! read this table; nothing else names a cross prefix, a `-mcpu` or a Rust
//! triple.

use mpy_link::Arch;
use serde::Deserialize;

/// `MICROPY_FLOAT_IMPL`: how a module's floats are represented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FloatImpl {
    /// No floats.
    None,
    /// Single precision.
    Float,
    /// Double precision.
    Double,
}

impl FloatImpl {
    /// `NONE`, `FLOAT` or `DOUBLE`, as in `MICROPY_FLOAT_IMPL_DOUBLE`.
    pub fn upper(self) -> &'static str {
        match self {
            FloatImpl::None => "NONE",
            FloatImpl::Float => "FLOAT",
            FloatImpl::Double => "DOUBLE",
        }
    }

    /// The compiler flag that selects it:
    /// `-DMICROPY_FLOAT_IMPL=MICROPY_FLOAT_IMPL_DOUBLE`.
    pub fn define(self) -> String {
        format!("-DMICROPY_FLOAT_IMPL=MICROPY_FLOAT_IMPL_{}", self.upper())
    }
}

/// The C compiler of an architecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompilerSpec {
    /// Prefix of the GNU cross tools (`arm-none-eabi-`); the compiler is
    /// `<prefix>gcc`, as `py/dynruntime.mk` names it.
    pub cross_prefix: &'static str,
    /// A compiler to fall back to on a host of this architecture.
    pub host_fallback: Option<HostCompiler>,
}

/// A native compiler that builds for the architecture when the host is it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostCompiler {
    /// The host architecture (`std::env::consts::ARCH`) it applies to.
    pub host_arch: &'static str,
    /// Its name on `PATH`.
    pub name: &'static str,
}

/// How the user gets a missing C toolchain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Install {
    /// Debian packages (compiler and C library).
    Apt(&'static [&'static str]),
    /// Not packaged: what to do instead.
    Manual(&'static str),
}

impl Install {
    /// The command or instruction shown after `help:` / `install:`.
    pub fn hint(&self) -> String {
        match self {
            Install::Apt(pkgs) => format!("apt-get install {}", pkgs.join(" ")),
            Install::Manual(text) => (*text).to_string(),
        }
    }
}

/// The C library whose headers and maths functions a module gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CLibrary {
    /// The target's system C library (glibc, or musl whose `libc.a` holds
    /// libm): nothing to select or check.
    System,
    /// A C library the compiler finds by itself, with `libc.a` and `libm.a`
    /// in its multilib directories for the architecture's flags.
    Builtin {
        /// Its name, for messages (`newlib`).
        name: &'static str,
    },
    /// picolibc, selected with its specs file. Its `libc.a` holds libm.
    PicolibcSpecs {
        /// Text that marks the specs file as this compiler's (Debian ships
        /// several picolibc ports).
        marker: &'static str,
        /// Where picolibc's libraries live when the compiler cannot say
        /// (`PICOLIBC_ROOT` overrides it).
        root: &'static str,
        /// The multilib directory below `root` for this architecture.
        multilib: &'static str,
    },
    /// Part of a vendor toolchain cargo-mpy does not inspect (ESP-IDF).
    Vendor,
}

impl CLibrary {
    /// picolibc's specs file name (`-specs=`).
    pub const PICOLIBC_SPECS: &'static str = "picolibc.specs";

    /// The archive that holds libm for `link-runtime` (`musl` is only known
    /// by asking the compiler).
    pub fn libm_archive(&self, musl: bool) -> &'static str {
        match self {
            CLibrary::PicolibcSpecs { .. } => "libc.a",
            _ if musl => "libc.a",
            _ => "libm.a",
        }
    }
}

/// The Rust target of an architecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RustTarget {
    /// Target triple (`thumbv7em-none-eabihf`).
    pub triple: &'static str,
    /// Extra `rustc` flags for this architecture (`-Ctarget-cpu=cortex-m4`).
    pub rustflags: &'static [&'static str],
    /// Why cargo-mpy cannot build Rust for it yet, when it cannot.
    pub unsupported: Option<&'static str>,
}

/// Everything about the tools that build modules for one architecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Toolchain {
    /// The architecture this row describes.
    pub arch: Arch,
    /// The C compiler.
    pub compiler: CompilerSpec,
    /// `py/dynruntime.mk`'s architecture C flags (`CFLAGS_ARCH`).
    pub cflags: &'static [&'static str],
    /// `py/dynruntime.mk`'s default `MICROPY_FLOAT_IMPL`.
    pub float_impl: FloatImpl,
    /// How to install the compiler and C library.
    pub install: Install,
    /// The C library.
    pub libc: CLibrary,
    /// The Rust target.
    pub rust: RustTarget,
}

const ARM: Install = Install::Apt(&["gcc-arm-none-eabi", "libnewlib-arm-none-eabi"]);
const NEWLIB: CLibrary = CLibrary::Builtin { name: "newlib" };
const RISCV: Install = Install::Apt(&["gcc-riscv64-unknown-elf", "picolibc-riscv64-unknown-elf"]);
const XTENSA_RUST: Option<&str> =
    Some("nightly toolchain with `-Z build-std` and a custom target (not installable with rustup)");
const PICOLIBC_ROOT: &str = "/usr/lib/picolibc/riscv64-unknown-elf/lib";

const fn gcc(cross_prefix: &'static str) -> CompilerSpec {
    CompilerSpec {
        cross_prefix,
        host_fallback: None,
    }
}

const fn rust(triple: &'static str, rustflags: &'static [&'static str]) -> RustTarget {
    RustTarget {
        triple,
        rustflags,
        unsupported: None,
    }
}

/// One row per architecture, in the order of [`Arch::ALL`].
pub const TOOLCHAINS: [Toolchain; 10] = [
    Toolchain {
        arch: Arch::X86,
        compiler: gcc("i686-linux-gnu-"),
        cflags: &["-fno-stack-protector"],
        float_impl: FloatImpl::Double,
        install: Install::Apt(&["gcc-i686-linux-gnu", "libc6-dev-i386-cross"]),
        libc: CLibrary::System,
        rust: rust("i686-unknown-linux-gnu", &[]),
    },
    Toolchain {
        arch: Arch::X64,
        // dynruntime.mk uses `x86_64-linux-gnu-gcc`; on an x86-64 host the
        // native `gcc` is the same compiler.
        compiler: CompilerSpec {
            cross_prefix: "x86_64-linux-gnu-",
            host_fallback: Some(HostCompiler {
                host_arch: "x86_64",
                name: "gcc",
            }),
        },
        cflags: &["-fno-stack-protector"],
        float_impl: FloatImpl::Double,
        install: Install::Apt(&["gcc-x86-64-linux-gnu"]),
        libc: CLibrary::System,
        // Not `x86_64-unknown-none`: that target uses the soft-float ABI.
        rust: rust("x86_64-unknown-linux-gnu", &[]),
    },
    Toolchain {
        arch: Arch::Armv6m,
        compiler: gcc("arm-none-eabi-"),
        cflags: &["-mthumb", "-mcpu=cortex-m0"],
        float_impl: FloatImpl::Float,
        install: ARM,
        libc: NEWLIB,
        rust: rust("thumbv6m-none-eabi", &[]),
    },
    Toolchain {
        arch: Arch::Armv7m,
        compiler: gcc("arm-none-eabi-"),
        cflags: &["-mthumb", "-mcpu=cortex-m3"],
        float_impl: FloatImpl::Float,
        install: ARM,
        libc: NEWLIB,
        rust: rust("thumbv7m-none-eabi", &[]),
    },
    Toolchain {
        arch: Arch::Armv7emsp,
        compiler: gcc("arm-none-eabi-"),
        cflags: &[
            "-mthumb",
            "-mcpu=cortex-m4",
            "-mfpu=fpv4-sp-d16",
            "-mfloat-abi=hard",
        ],
        float_impl: FloatImpl::Float,
        install: ARM,
        libc: NEWLIB,
        rust: rust("thumbv7em-none-eabihf", &["-Ctarget-cpu=cortex-m4"]),
    },
    Toolchain {
        arch: Arch::Armv7emdp,
        compiler: gcc("arm-none-eabi-"),
        cflags: &[
            "-mthumb",
            "-mcpu=cortex-m7",
            "-mfpu=fpv5-d16",
            "-mfloat-abi=hard",
        ],
        float_impl: FloatImpl::Double,
        install: ARM,
        libc: NEWLIB,
        rust: rust("thumbv7em-none-eabihf", &["-Ctarget-cpu=cortex-m7"]),
    },
    Toolchain {
        arch: Arch::Xtensa,
        compiler: gcc("xtensa-lx106-elf-"),
        cflags: &["-mforce-l32"],
        float_impl: FloatImpl::None,
        install: Install::Apt(&["gcc-xtensa-lx106", "picolibc-xtensa-lx106-elf"]),
        // Debian's lx106 compiler finds this picolibc port without specs.
        libc: CLibrary::Builtin { name: "picolibc" },
        rust: RustTarget {
            triple: "xtensa-esp8266-none-elf",
            rustflags: &[],
            unsupported: XTENSA_RUST,
        },
    },
    Toolchain {
        arch: Arch::Xtensawin,
        compiler: gcc("xtensa-esp32-elf-"),
        cflags: &[],
        float_impl: FloatImpl::Float,
        install: Install::Manual(
            "install ESP-IDF and put `xtensa-esp32-elf-gcc` on PATH (Debian does not package it)",
        ),
        libc: CLibrary::Vendor,
        rust: RustTarget {
            triple: "xtensa-esp32-none-elf",
            rustflags: &[],
            unsupported: XTENSA_RUST,
        },
    },
    Toolchain {
        arch: Arch::Rv32imc,
        compiler: gcc("riscv64-unknown-elf-"),
        cflags: &["-march=rv32imac", "-mabi=ilp32", "-mno-relax"],
        float_impl: FloatImpl::None,
        install: RISCV,
        libc: CLibrary::PicolibcSpecs {
            marker: "riscv64-unknown-elf",
            root: PICOLIBC_ROOT,
            multilib: "rv32imac/ilp32",
        },
        // Linker relaxation stays on in the objects: mpy-link does not
        // relax, so the R_RISCV_RELAX/ALIGN annotations are ignored and the
        // code is used as assembled (`-relax` would only add an "unstable
        // feature" warning).
        rust: rust("riscv32imc-unknown-none-elf", &[]),
    },
    Toolchain {
        arch: Arch::Rv64imc,
        compiler: gcc("riscv64-unknown-elf-"),
        cflags: &["-march=rv64imac", "-mabi=lp64", "-mno-relax"],
        float_impl: FloatImpl::None,
        install: RISCV,
        libc: CLibrary::PicolibcSpecs {
            marker: "riscv64-unknown-elf",
            root: PICOLIBC_ROOT,
            multilib: "rv64imac/lp64",
        },
        rust: rust("riscv64imac-unknown-none-elf", &[]),
    },
];

impl Toolchain {
    /// The row of `arch`.
    pub fn of(arch: Arch) -> &'static Toolchain {
        // The table is in `Arch` order (checked by a test below).
        &TOOLCHAINS[arch as usize]
    }

    /// Names of the C compiler, in order of preference: the cross compiler,
    /// then the host compiler when this host can stand in for it.
    pub fn compiler_names(&self) -> Vec<String> {
        let mut names = vec![format!("{}gcc", self.compiler.cross_prefix)];
        if let Some(host) = &self.compiler.host_fallback {
            if host.host_arch == std::env::consts::ARCH {
                names.push(host.name.to_string());
            }
        }
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_row_per_arch_in_arch_order() {
        for (row, arch) in TOOLCHAINS.iter().zip(Arch::ALL) {
            assert_eq!(row.arch, arch);
            assert_eq!(Toolchain::of(arch).arch, arch);
        }
    }

    #[test]
    fn float_impl_follows_dynruntime_mk() {
        let double = [Arch::X86, Arch::X64, Arch::Armv7emdp];
        let none = [Arch::Xtensa, Arch::Rv32imc, Arch::Rv64imc];
        for arch in Arch::ALL {
            let want = if double.contains(&arch) {
                FloatImpl::Double
            } else if none.contains(&arch) {
                FloatImpl::None
            } else {
                FloatImpl::Float
            };
            assert_eq!(Toolchain::of(arch).float_impl, want, "{arch}");
        }
        assert_eq!(
            FloatImpl::Float.define(),
            "-DMICROPY_FLOAT_IMPL=MICROPY_FLOAT_IMPL_FLOAT"
        );
    }

    #[test]
    fn compilers_and_install_hints() {
        let arm = Toolchain::of(Arch::Armv6m);
        assert_eq!(arm.compiler_names()[0], "arm-none-eabi-gcc");
        assert_eq!(
            arm.install.hint(),
            "apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi"
        );
        let x64 = Toolchain::of(Arch::X64).compiler_names();
        assert_eq!(x64[0], "x86_64-linux-gnu-gcc");
        assert_eq!(x64.len(), 1 + usize::from(cfg!(target_arch = "x86_64")));
        assert!(Toolchain::of(Arch::Xtensawin)
            .install
            .hint()
            .contains("ESP-IDF"));
    }

    #[test]
    fn rust_targets() {
        let supported: Vec<Arch> = Arch::ALL
            .into_iter()
            .filter(|a| Toolchain::of(*a).rust.unsupported.is_none())
            .collect();
        assert_eq!(supported.len(), 8);
        assert!(!supported.contains(&Arch::Xtensa) && !supported.contains(&Arch::Xtensawin));
        assert_eq!(
            Toolchain::of(Arch::Armv7emdp).rust.rustflags,
            ["-Ctarget-cpu=cortex-m7"]
        );
    }
}
