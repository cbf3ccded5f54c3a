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
    /// LLVM tools to use when the GNU compiler is not installed.
    pub llvm: Option<&'static LlvmRoute>,
}

/// Compiling with LLVM's command-line tools where its integrated assembler
/// cannot be used: `clang -S` to assembly, a fix of that text
/// ([`fix_xtensa_asm`](super::fix_xtensa_asm)), then the stand-alone
/// assembler. LLVM 22's Xtensa object writer places literal pools at
/// unaligned offsets inside code (an `l32r` needs them word aligned in a
/// `.literal` section); `llvm-mc` places them right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LlvmRoute {
    /// The compiler (`clang-22`).
    pub clang: &'static str,
    /// The assembler (`llvm-mc-22`).
    pub assembler: &'static str,
    /// Flags that make clang compile for the architecture, before the
    /// module's flags.
    pub cflags: &'static [&'static str],
    /// CPU features clang enables one by one
    /// (`-Xclang -target-feature -Xclang +NAME`).
    pub target_features: &'static [&'static str],
    /// Flags of the module's C flags that clang must not get (`-fpic`:
    /// LLVM has no position-independent Xtensa code; upstream's xtensawin
    /// code is not PIC either, the literal pools are relocated instead).
    pub drop_cflags: &'static [&'static str],
    /// C library headers searched after clang's own (`-idirafter`): the
    /// string.h, math.h ... of a C library for the same machine.
    pub libc_include: &'static str,
    /// The assembler's flags.
    pub asm_flags: &'static [&'static str],
    /// The Debian packages of the route.
    pub install: Install,
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
    /// A target rustup does not ship: how to build for it instead.
    pub custom: Option<&'static CustomRust>,
}

/// Rust for a target rustup does not ship (the ESP32): Espressif's
/// toolchain when it is installed, else nightly rustc's own backend for the
/// architecture with a target specification of ours and `-Z build-std`,
/// its code emitted as assembly and assembled like C on the architecture's
/// [`LlvmRoute`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CustomRust {
    /// The rustup toolchain Espressif's installer (`espup`) names.
    pub vendor_toolchain: &'static str,
    /// The target triple of that toolchain.
    pub vendor_triple: &'static str,
    /// The nightly the fallback was measured with.
    pub nightly: &'static str,
    /// Its target specification (a `--target` JSON file), `{features}`
    /// standing for the CPU features.
    pub spec_json: &'static str,
    /// The file name of that specification; its stem names the target
    /// directory cargo uses.
    pub spec_name: &'static str,
    /// Flags for `compiler_builtins` alone (it is built, never linked: the
    /// runtime helper library provides what it would).
    pub builtins_rustflags: &'static [&'static str],
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
    /// Whether modules link cargo-mpy's runtime helper library
    /// ([`helpers`](crate::helpers)) for what the C library and libgcc
    /// lack, and where among the archives.
    pub helpers: Option<HelperPlace>,
}

/// Where the runtime helper library goes among the archives of a
/// `link-runtime` link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HelperPlace {
    /// Before libgcc and libm: the helpers replace what they lack or get
    /// wrong (the ESP8266's libgcc has no soft-float add or multiply).
    BeforeRuntime,
    /// After them: the toolchain's own come first (ESP-IDF's libgcc and
    /// newlib for the ESP32), the helpers fill in the rest.
    AfterRuntime,
}

const ARM: Install = Install::Apt(&["gcc-arm-none-eabi", "libnewlib-arm-none-eabi"]);
const NEWLIB: CLibrary = CLibrary::Builtin { name: "newlib" };
const RISCV: Install = Install::Apt(&["gcc-riscv64-unknown-elf", "picolibc-riscv64-unknown-elf"]);
/// The ESP32's C compiler without ESP-IDF: Debian's LLVM, with the ESP32's
/// core enabled feature by feature (the clang driver refuses
/// `-mcpu=esp32`), the host's headers never searched (`-nostdlibinc`) and
/// picolibc's headers of Debian's ESP8266 port after clang's own.
pub const XTENSAWIN_LLVM: LlvmRoute = LlvmRoute {
    clang: "clang-22",
    assembler: "llvm-mc-22",
    cflags: &["--target=xtensa", "-nostdlibinc", "-fomit-frame-pointer"],
    // The options of LLVM's `esp32` CPU.
    target_features: &[
        "windowed",
        "density",
        "fp",
        "loop",
        "mac16",
        "bool",
        "sext",
        "nsa",
        "mul16",
        "mul32",
        "mul32high",
        "dfpaccel",
        "s32c1i",
        "threadptr",
        "div32",
        "minmax",
        "clamps",
        "exception",
    ],
    drop_cflags: &["-fpic", "-fPIC"],
    libc_include: "/usr/lib/xtensa-lx106-elf/include",
    asm_flags: &["-triple=xtensa", "-mcpu=esp32", "-filetype=obj"],
    install: Install::Apt(&["clang-22", "llvm-22", "picolibc-xtensa-lx106-elf"]),
};

/// Rust for the ESP32 (see [`CustomRust`]). The specification carries
/// LLVM 22's Xtensa data layout (`xtensa-esp32-none-elf`'s built-in one is
/// not LLVM's), static relocation (LLVM has no Xtensa PIC; mpy-link
/// relocates the literal pools) and the `esp32` CPU.
pub const XTENSAWIN_RUST: CustomRust = CustomRust {
    vendor_toolchain: "esp",
    vendor_triple: "xtensa-esp32-none-elf",
    nightly: "nightly-2026-05-19",
    spec_json: r#"{
  "arch": "xtensa",
  "cpu": "esp32",
  "features": "{features}",
  "data-layout": "e-m:e-p:32:32-i8:8:32-i16:16:32-i64:64-n32",
  "llvm-target": "xtensa-none-elf",
  "max-atomic-width": 32,
  "panic-strategy": "abort",
  "relocation-model": "static",
  "target-pointer-width": 32,
  "target-endian": "little",
  "target-c-int-width": 32,
  "emit-debug-gdb-scripts": false,
  "linker-flavor": "gnu-cc",
  "linker": "false",
  "os": "none",
  "vendor": "unknown",
  "metadata": {"description": "ESP32 native MicroPython modules (cargo-mpy)", "tier": 3, "host_tools": false, "std": false}
}
"#,
    spec_name: "xtensa-esp32-mpy.json",
    // compiler_builtins' maths meet LLVM instruction-selection errors with
    // the FPU on (a constant pool of float pairs).
    builtins_rustflags: &["-Ctarget-feature=-fp"],
};

const XTENSA_RUST: Option<&str> =
    Some("Rust for the ESP8266 needs Espressif's toolchain and a custom target, which cargo-mpy does not drive");
const PICOLIBC_ROOT: &str = "/usr/lib/picolibc/riscv64-unknown-elf/lib";

const fn gcc(cross_prefix: &'static str) -> CompilerSpec {
    CompilerSpec {
        cross_prefix,
        host_fallback: None,
        llvm: None,
    }
}

const fn rust(triple: &'static str, rustflags: &'static [&'static str]) -> RustTarget {
    RustTarget {
        triple,
        rustflags,
        unsupported: None,
        custom: None,
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
        helpers: None,
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
            llvm: None,
        },
        cflags: &["-fno-stack-protector"],
        float_impl: FloatImpl::Double,
        install: Install::Apt(&["gcc-x86-64-linux-gnu"]),
        libc: CLibrary::System,
        // Not `x86_64-unknown-none`: that target uses the soft-float ABI.
        rust: rust("x86_64-unknown-linux-gnu", &[]),
        helpers: None,
    },
    Toolchain {
        arch: Arch::Armv6m,
        compiler: gcc("arm-none-eabi-"),
        cflags: &["-mthumb", "-mcpu=cortex-m0"],
        float_impl: FloatImpl::Float,
        install: ARM,
        libc: NEWLIB,
        rust: rust("thumbv6m-none-eabi", &[]),
        helpers: None,
    },
    Toolchain {
        arch: Arch::Armv7m,
        compiler: gcc("arm-none-eabi-"),
        cflags: &["-mthumb", "-mcpu=cortex-m3"],
        float_impl: FloatImpl::Float,
        install: ARM,
        libc: NEWLIB,
        rust: rust("thumbv7m-none-eabi", &[]),
        helpers: None,
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
        helpers: None,
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
        helpers: None,
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
            custom: None,
        },
        helpers: Some(HelperPlace::BeforeRuntime),
    },
    Toolchain {
        arch: Arch::Xtensawin,
        // ESP-IDF's gcc, as dynruntime.mk, when it is on PATH; else Debian's
        // LLVM.
        compiler: CompilerSpec {
            cross_prefix: "xtensa-esp32-elf-",
            host_fallback: None,
            llvm: Some(&XTENSAWIN_LLVM),
        },
        cflags: &[],
        float_impl: FloatImpl::Float,
        install: Install::Manual(
            "apt-get install clang-22 llvm-22 picolibc-xtensa-lx106-elf   (or install ESP-IDF and put `xtensa-esp32-elf-gcc` on PATH)",
        ),
        libc: CLibrary::Vendor,
        rust: RustTarget {
            triple: "xtensa-esp32-none-elf",
            rustflags: &[],
            unsupported: None,
            custom: Some(&XTENSAWIN_RUST),
        },
        helpers: Some(HelperPlace::AfterRuntime),
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
        helpers: None,
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
        helpers: None,
    },
];

impl LlvmRoute {
    /// clang's flags for the architecture: [`cflags`](Self::cflags), the
    /// CPU features, and the C library's headers after clang's own.
    pub fn clang_flags(&self) -> Vec<String> {
        let mut flags: Vec<String> = self.cflags.iter().map(|s| s.to_string()).collect();
        for f in self.target_features {
            flags.extend(["-Xclang", "-target-feature", "-Xclang"].map(String::from));
            flags.push(format!("+{f}"));
        }
        flags.push("-idirafter".into());
        flags.push(self.libc_include.into());
        flags
    }
}

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
        assert_eq!(supported.len(), 9);
        assert!(!supported.contains(&Arch::Xtensa));
        assert_eq!(
            Toolchain::of(Arch::Armv7emdp).rust.rustflags,
            ["-Ctarget-cpu=cortex-m7"]
        );
        // Only the ESP32 needs a target rustup does not ship.
        for arch in Arch::ALL {
            let custom = Toolchain::of(arch).rust.custom.is_some();
            assert_eq!(custom, arch == Arch::Xtensawin, "{arch}");
        }
        let spec = XTENSAWIN_RUST.spec_json.replace("{features}", "");
        assert!(spec.contains("\"relocation-model\": \"static\""));
        assert!(XTENSAWIN_RUST.spec_name.ends_with(".json"));
    }
}
