//! The runtime helper library for Xtensa modules (`cargo-mpy/helpers/`):
//! the functions compilers call for 64-bit division, software floating
//! point and conversions, a few libm functions, and the Rust runtime's
//! `mpy_nlr_protect`. Debian has no libgcc for the ESP32's windowed ABI,
//! its ESP8266 libgcc lacks most of these, and both its libgcc and picolibc
//! are call0 code that must never be linked into an ESP32 module.
//!
//! The sources are embedded in cargo-mpy, so an installed cargo-mpy carries
//! them. [`archive`] compiles them with the module's own compiler (so the
//! library always has the module's calling convention), one object per
//! file, into a static archive cached under the target directory, keyed by
//! a hash of the sources, the flags and the compiler's version. The
//! archive is written under a unique name and renamed into place, so
//! builds running at once never see half of one.

mod archive;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result};
use mpy_link::Arch;

use crate::toolchain::{tool_version, CCompiler, CRoute, Toolchain};

/// One source file of the library.
#[derive(Debug, Clone, Copy)]
pub struct HelperFile {
    /// File name (`divdi3.c`).
    pub name: &'static str,
    /// Its text.
    pub source: &'static str,
    /// The global symbols its object defines (empty for a header).
    pub defines: &'static [&'static str],
}

macro_rules! helper_files {
    ($($name:literal => [$($sym:literal),*]),* $(,)?) => {
        /// Every file of the library, headers included, by name.
        pub const FILES: &[HelperFile] = &[$(HelperFile {
            name: $name,
            source: include_str!(concat!("../../helpers/src/", $name)),
            defines: &[$($sym),*],
        }),*];
    };
}

helper_files! {
    "abort.c" => ["abort"],
    "adddf3.c" => ["__adddf3", "__subdf3"],
    "addsf3.c" => ["__addsf3", "__subsf3"],
    "cmpdf2.c" => ["__eqdf2", "__nedf2", "__ltdf2", "__ledf2", "__cmpdf2", "__gtdf2", "__gedf2", "__unorddf2"],
    "cmpsf2.c" => ["__eqsf2", "__nesf2", "__ltsf2", "__lesf2", "__cmpsf2", "__gtsf2", "__gesf2", "__unordsf2"],
    "divdf3.c" => ["__divdf3"],
    "divdi3.c" => ["__udivmoddi4", "__divmoddi4", "__udivdi3", "__umoddi3", "__divdi3", "__moddi3"],
    "divsf3.c" => ["__divsf3"],
    "divsi3.c" => ["__udivsi3", "__umodsi3", "__divsi3", "__modsi3"],
    "expf.c" => ["expf"],
    "extendsfdf2.c" => ["__extendsfdf2"],
    "fabs.c" => ["fabs", "copysign"],
    "fabsf.c" => ["fabsf", "copysignf"],
    "fixdfdi.c" => ["__fixdfdi", "__fixunsdfdi"],
    "fixdfsi.c" => ["__fixdfsi", "__fixunsdfsi"],
    "fixsfdi.c" => ["__fixsfdi", "__fixunssfdi"],
    "fixsfsi.c" => ["__fixsfsi", "__fixunssfsi"],
    "floatdidf.c" => ["__floatdidf", "__floatundidf"],
    "floatdisf.c" => ["__floatdisf", "__floatundisf"],
    "floatsidf.c" => ["__floatsidf", "__floatunsidf"],
    "floatsisf.c" => ["__floatsisf", "__floatunsisf"],
    "floor.c" => ["trunc", "floor", "ceil", "round"],
    "floorf.c" => ["truncf", "floorf", "ceilf", "roundf"],
    "fmod.c" => ["fmod"],
    "fmodf.c" => ["fmodf"],
    "helpers.h" => [],
    "logf.c" => ["logf"],
    "mathd.h" => [],
    "memcmp.c" => ["memcmp", "bcmp"],
    "muldf3.c" => ["__muldf3"],
    "muldi3.c" => ["__muldi3"],
    "mulsf3.c" => ["__mulsf3"],
    "negsf2.c" => ["__negsf2", "__negdf2"],
    "nlrprotect.c" => ["mpy_nlr_protect"],
    "powf.c" => ["powf"],
    "powidf2.c" => ["__powidf2"],
    "powisf2.c" => ["__powisf2"],
    "shiftdi3.c" => ["__ashldi3", "__lshrdi3", "__ashrdi3"],
    "softfp.h" => [],
    "sqrt.c" => ["sqrt"],
    "sqrtf.c" => ["sqrtf"],
    "truncdfsf2.c" => ["__truncdfsf2"],
}

/// The archive's file name.
pub const ARCHIVE_NAME: &str = "libmpyhelpers.a";

/// Whether the library is built for `arch` (the two Xtensa architectures).
pub fn applies_to(arch: Arch) -> bool {
    Toolchain::of(arch).helpers.is_some()
}

/// Whether the library defines `symbol`.
pub fn defines(symbol: &str) -> bool {
    FILES.iter().any(|f| f.defines.contains(&symbol))
}

/// The C flags the library is compiled with for `arch`: C99, small code,
/// no warnings, no libc (nothing may turn into a call to a function the
/// library itself provides), then the architecture's flags.
pub fn cflags(arch: Arch) -> Vec<String> {
    let mut flags: Vec<String> = [
        "-std=c99",
        "-Os",
        "-Wall",
        "-Werror",
        "-ffreestanding",
        "-fno-builtin",
    ]
    .map(String::from)
    .to_vec();
    flags.extend(Toolchain::of(arch).cflags.iter().map(|s| s.to_string()));
    flags
}

/// The helper library for `arch` built with `compiler`: its archive below
/// `cache_dir`, built first unless an archive of the same sources, flags and
/// compiler is there. Returns the archive's path.
pub fn archive(arch: Arch, compiler: &CCompiler, cache_dir: &Path) -> Result<PathBuf> {
    let lib = archive_path(arch, compiler, cache_dir);
    if lib.is_file() {
        return Ok(lib);
    }
    let dir = lib.parent().context("archive path has no parent")?;
    build(compiler, &cflags(arch), dir, &lib)
        .with_context(|| format!("could not build the runtime helper library for {arch}"))?;
    Ok(lib)
}

/// Where [`archive`] puts (or finds) the library for `arch` built with
/// `compiler`: `<cache_dir>/<arch>-<key>/libmpyhelpers.a`, the key a hash
/// of everything it is made from. Nothing is built.
pub fn archive_path(arch: Arch, compiler: &CCompiler, cache_dir: &Path) -> PathBuf {
    let key = cache_key(arch, compiler, &cflags(arch));
    cache_dir
        .join(format!("{}-{key:016x}", arch.name()))
        .join(ARCHIVE_NAME)
}

/// What the archive is made from: every file, the flags, the compiler and
/// its version (and the assembler's on an LLVM route), as a 64-bit
/// FNV-1a hash.
fn cache_key(arch: Arch, compiler: &CCompiler, flags: &[String]) -> u64 {
    let mut h = Fnv::new();
    h.add(arch.name().as_bytes());
    for f in FILES {
        h.add(f.name.as_bytes());
        h.add(f.source.as_bytes());
    }
    for f in flags {
        h.add(f.as_bytes());
    }
    h.add(compiler.path.to_string_lossy().as_bytes());
    h.add(tool_version(&compiler.path).unwrap_or_default().as_bytes());
    if let CRoute::ViaAssembly { assembler, llvm } = &compiler.route {
        h.add(assembler.to_string_lossy().as_bytes());
        h.add(tool_version(assembler).unwrap_or_default().as_bytes());
        for f in llvm.clang_flags() {
            h.add(f.as_bytes());
        }
    }
    h.add(crate::compile_c::ASM_FIX_VERSION.to_string().as_bytes());
    h.0
}

/// 64-bit FNV-1a with a separator after each part.
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn add(&mut self, data: &[u8]) {
        for b in data.iter().chain(&[0xff]) {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// Compiles every `.c` file in a private directory, on as many threads as
/// there are CPUs, writes the archive under a unique name and renames it to
/// `lib`.
fn build(compiler: &CCompiler, flags: &[String], dir: &Path, lib: &Path) -> Result<()> {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    fs_err::create_dir_all(dir)?;
    let work = dir.join(format!(
        "build-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = build_in(compiler, flags, &work, lib);
    let _ = std::fs::remove_dir_all(&work);
    result
}

fn build_in(compiler: &CCompiler, flags: &[String], work: &Path, lib: &Path) -> Result<()> {
    fs_err::create_dir_all(work)?;
    for f in FILES {
        fs_err::write(work.join(f.name), f.source)?;
    }
    let sources: Vec<&HelperFile> = FILES.iter().filter(|f| f.name.ends_with(".c")).collect();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let next = AtomicUsize::new(0);
    let results: Vec<Result<()>> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads.min(sources.len()))
            .map(|_| {
                s.spawn(|| -> Result<()> {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(f) = sources.get(i) else {
                            return Ok(());
                        };
                        let src = Path::new(f.name);
                        compiler.compile(flags, src, &work.join(object_name(f.name)), work)?;
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("a compile thread panicked")))
            })
            .collect()
    });
    results.into_iter().collect::<Result<()>>()?;
    let mut members = Vec::new();
    for f in &sources {
        let name = object_name(f.name);
        let data = fs_err::read(work.join(&name))?;
        members.push(archive::Member {
            symbols: archive::defined_globals(&data)
                .with_context(|| format!("cannot read the object of `{}`", f.name))?,
            name,
            data,
        });
    }
    let tmp = work.join(ARCHIVE_NAME);
    fs_err::write(&tmp, archive::write(&members)?)?;
    fs_err::rename(&tmp, lib)?;
    Ok(())
}

/// `divdi3.c` -> `divdi3.o`.
fn object_name(source: &str) -> String {
    format!("{}.o", source.trim_end_matches(".c"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_of_the_directory_is_embedded() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("helpers/src");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        on_disk.sort();
        let embedded: Vec<&str> = FILES.iter().map(|f| f.name).collect();
        assert_eq!(
            on_disk, embedded,
            "update `helper_files!` in helpers/mod.rs"
        );
    }

    #[test]
    fn every_source_defines_what_the_table_says() {
        // A cheap check without a compiler: each listed symbol appears in
        // its file as a definition (`name(` at the start of a line's
        // declarator, or a `.global name` in assembly).
        for f in FILES {
            assert_eq!(f.name.ends_with(".h"), f.defines.is_empty(), "{}", f.name);
            for sym in f.defines {
                let defined = f.source.lines().any(|l| {
                    (l.contains(&format!(" {sym}(")) || l.contains(&format!("*{sym}(")))
                        && l.trim_end().ends_with('{')
                        || l.contains(&format!(".global {sym}\\n"))
                });
                assert!(defined, "{} does not define {sym}", f.name);
            }
        }
        assert!(defines("__divdi3") && defines("mpy_nlr_protect") && !defines("memcpy"));
    }

    #[test]
    fn object_names_fit_an_archive_header() {
        for f in FILES.iter().filter(|f| f.name.ends_with(".c")) {
            assert!(object_name(f.name).len() < 16, "{}", f.name);
        }
    }

    #[test]
    fn the_key_covers_flags_and_sources() {
        let cc = CCompiler {
            path: PathBuf::from("/nonexistent/cc"),
            name: "cc".into(),
            route: CRoute::Direct,
        };
        let a = cache_key(Arch::Xtensa, &cc, &cflags(Arch::Xtensa));
        assert_eq!(a, cache_key(Arch::Xtensa, &cc, &cflags(Arch::Xtensa)));
        assert_ne!(a, cache_key(Arch::Xtensawin, &cc, &cflags(Arch::Xtensa)));
        assert_ne!(a, cache_key(Arch::Xtensa, &cc, &["-O2".to_string()]));
    }
}
