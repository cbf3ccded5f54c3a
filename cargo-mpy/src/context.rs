//! The resolved state of one build: the project (manifest, config, target
//! directory) and one [`ArchPlan`] per architecture, built once from the
//! command line and the manifest.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use mpy_link::Arch;

use crate::config::{self, FloatImpl, MpyConfig};
use crate::shell::error_with_help;
use crate::toolchain::{self, CCompiler};

/// A package with a `[package.metadata.mpy]` table.
#[derive(Debug, Clone)]
pub struct Project {
    /// Absolute path of `Cargo.toml`.
    pub manifest_path: PathBuf,
    /// Its directory; compilers run here (dynruntime.mk's `.`).
    pub manifest_dir: PathBuf,
    /// `package.name`.
    pub package_name: String,
    /// `package.version`, when given.
    pub package_version: Option<String>,
    /// cargo's target directory.
    pub target_dir: PathBuf,
    /// The package has Rust code of its own (`src/lib.rs`, `src/main.rs`).
    pub has_rust: bool,
    /// The parsed table.
    pub config: MpyConfig,
}

/// Finds `Cargo.toml` in `start` or its parents.
pub fn find_manifest(start: &Path) -> Result<PathBuf> {
    let mut dir = Some(start);
    while let Some(d) = dir {
        let candidate = d.join("Cargo.toml");
        if candidate.is_file() {
            return Ok(candidate);
        }
        dir = d.parent();
    }
    Err(error_with_help(
        format!(
            "could not find `Cargo.toml` in `{}` or any parent directory",
            start.display()
        ),
        "run `cargo mpy new NAME` to create a module, or pass `--manifest-path`",
    ))
}

impl Project {
    /// Loads the project from `manifest_path` (or the one found from the
    /// current directory).
    pub fn load(manifest_path: Option<&Path>) -> Result<Project> {
        let cwd = std::env::current_dir().context("cannot read the current directory")?;
        let manifest_path = match manifest_path {
            Some(p) => {
                let p = cwd.join(p);
                if !p.is_file() {
                    bail!("manifest path `{}` does not exist", p.display());
                }
                p
            }
            None => find_manifest(&cwd)?,
        };
        let manifest_path = manifest_path
            .canonicalize()
            .with_context(|| format!("cannot resolve `{}`", manifest_path.display()))?;
        let manifest_dir = manifest_path
            .parent()
            .context("manifest has no parent directory")?
            .to_owned();
        let text = fs_err::read_to_string(&manifest_path)?;
        let doc: toml::Table = toml::from_str(&text)
            .with_context(|| format!("failed to parse `{}`", manifest_path.display()))?;
        let has_rust = manifest_dir.join("src/lib.rs").is_file()
            || manifest_dir.join("src/main.rs").is_file()
            || doc.contains_key("lib")
            || doc.contains_key("bin");
        if has_rust {
            Self::load_with_cargo_metadata(manifest_path, manifest_dir)
        } else {
            Self::load_with_toml(manifest_path, manifest_dir, doc)
        }
    }

    /// A package without Rust code is not a buildable crate, so `cargo
    /// metadata` refuses it: read the manifest directly.
    fn load_with_toml(
        manifest_path: PathBuf,
        manifest_dir: PathBuf,
        doc: toml::Table,
    ) -> Result<Project> {
        let where_ = manifest_path.display().to_string();
        let package = doc
            .get("package")
            .and_then(|p| p.as_table())
            .with_context(|| format!("`{where_}` has no `[package]` table"))?;
        let package_name = package
            .get("name")
            .and_then(|n| n.as_str())
            .with_context(|| format!("`{where_}` has no `package.name`"))?
            .to_string();
        let package_version = package
            .get("version")
            .and_then(|v| v.as_str())
            .map(str::to_string);
        let mpy = package
            .get("metadata")
            .and_then(|m| m.get("mpy"))
            .cloned()
            .ok_or_else(|| missing_table(&where_))?;
        let config = MpyConfig::from_toml(mpy)
            .with_context(|| format!("invalid `[package.metadata.mpy]` in `{where_}`"))?;
        let target_dir = match std::env::var_os("CARGO_TARGET_DIR").filter(|v| !v.is_empty()) {
            Some(dir) => std::path::absolute(PathBuf::from(dir))?,
            None => manifest_dir.join("target"),
        };
        Ok(Project {
            manifest_path,
            manifest_dir,
            package_name,
            package_version,
            target_dir,
            has_rust: false,
            config,
        })
    }

    fn load_with_cargo_metadata(manifest_path: PathBuf, manifest_dir: PathBuf) -> Result<Project> {
        let where_ = manifest_path.display().to_string();
        let metadata = cargo_metadata::MetadataCommand::new()
            .manifest_path(&manifest_path)
            .no_deps()
            .exec()
            .with_context(|| format!("`cargo metadata` failed for `{where_}`"))?;
        let package = metadata
            .packages
            .iter()
            .find(|p| p.manifest_path.as_std_path() == manifest_path)
            .with_context(|| format!("`cargo metadata` does not list the package of `{where_}`"))?;
        let mpy = package
            .metadata
            .get("mpy")
            .cloned()
            .ok_or_else(|| missing_table(&where_))?;
        let config = MpyConfig::from_json(mpy)
            .with_context(|| format!("invalid `[package.metadata.mpy]` in `{where_}`"))?;
        Ok(Project {
            manifest_path,
            manifest_dir,
            package_name: package.name.to_string(),
            package_version: Some(package.version.to_string()),
            target_dir: metadata.target_directory.into_std_path_buf(),
            has_rust: true,
            config,
        })
    }

    /// Architectures to build: `--arch` values, else `default-arch`, else x64.
    pub fn archs(&self, cli: &[String]) -> Result<Vec<Arch>> {
        if !cli.is_empty() {
            return config::parse_arch_list(cli);
        }
        match &self.config.default_arch {
            Some(list) => config::parse_arch_list(&list.names())
                .context("invalid `default-arch` in `[package.metadata.mpy]`"),
            None => Ok(vec![Arch::X64]),
        }
    }
}

fn missing_table(where_: &str) -> anyhow::Error {
    error_with_help(
        format!("`{where_}` has no `[package.metadata.mpy]` table"),
        "add one, for example:\n\n    [package.metadata.mpy]\n    sources = [\"src/*.c\"]\n",
    )
}

/// What a source file is, by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// `.c`
    C,
    /// `.S` (preprocessed assembly)
    Asm,
    /// `.py`, compiled by `mpy-cross`
    Py,
}

/// One source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The path as given to the tools: relative to the manifest directory
    /// when the manifest gave it so, else absolute.
    pub rel: PathBuf,
    /// Absolute path.
    pub abs: PathBuf,
    /// Its kind.
    pub kind: SourceKind,
}

/// Expands `sources` (globs allowed) relative to `manifest_dir`, in the
/// order given, without duplicates.
pub fn expand_sources(patterns: &[String], manifest_dir: &Path) -> Result<Vec<Source>> {
    let mut out: Vec<Source> = Vec::new();
    for pat in patterns {
        let is_glob = pat.contains(['*', '?', '[']);
        let mut found = Vec::new();
        if is_glob {
            let full = if Path::new(pat).is_absolute() {
                PathBuf::from(pat)
            } else {
                manifest_dir.join(pat)
            };
            let entries = glob::glob(&full.to_string_lossy())
                .with_context(|| format!("invalid glob `{pat}` in `sources`"))?;
            for entry in entries {
                let abs = entry.with_context(|| format!("cannot read a match of `{pat}`"))?;
                if abs.is_file() {
                    found.push(abs);
                }
            }
            if found.is_empty() {
                bail!(
                    "source pattern `{pat}` matches no files (relative to `{}`)",
                    manifest_dir.display()
                );
            }
        } else {
            found.push(existing_file(manifest_dir, pat, "source", "")?);
        }
        for abs in found {
            let rel = match abs.strip_prefix(manifest_dir) {
                Ok(r) if !Path::new(pat).is_absolute() => r.to_owned(),
                _ => abs.clone(),
            };
            let kind = match abs.extension().and_then(|e| e.to_str()) {
                Some("c") => SourceKind::C,
                Some("S") => SourceKind::Asm,
                Some("py") => SourceKind::Py,
                _ => bail!(
                    "source `{}` has an unsupported extension; `sources` takes `.c`, `.S` and `.py` files",
                    rel.display()
                ),
            };
            if !out.iter().any(|s| s.abs == abs) {
                out.push(Source { rel, abs, kind });
            }
        }
    }
    Ok(out)
}

/// Everything needed to build one module for one architecture.
#[derive(Debug, Clone)]
pub struct ArchPlan {
    /// The architecture.
    pub arch: Arch,
    /// Module name (output `<module>.mpy`).
    pub module: String,
    /// Name recorded inside the `.mpy`.
    pub source_name: String,
    /// All sources, in manifest order (the qstr scan reads them all).
    pub sources: Vec<Source>,
    /// The C compiler (when there are C or assembly sources).
    pub compiler: Option<CCompiler>,
    /// Full compiler flags in dynruntime.mk's order (without `-o`/`-c`).
    pub cflags: Vec<String>,
    /// Archives to link, in order (user `libs`, then the runtime).
    pub libs: Vec<PathBuf>,
    /// Externs script.
    pub externs: Option<PathBuf>,
    /// Architecture flags as written.
    pub arch_flags: Option<String>,
    /// `mpy-cross` (when there are `.py` sources).
    pub mpy_cross: Option<PathBuf>,
    /// Intermediate files (absolute).
    pub build_dir: PathBuf,
    /// The config header (absolute).
    pub config_h: PathBuf,
    /// The final `.mpy` in the target directory.
    pub output: PathBuf,
    /// A copy requested with `--out-dir`.
    pub out_copy: Option<PathBuf>,
    /// The Rust target, when the package has Rust code.
    pub rust: Option<crate::rust_build::RustTarget>,
}

impl ArchPlan {
    /// C and assembly sources in link order: every `.c`, then every `.S`
    /// (dynruntime.mk's `SRC_O`).
    pub fn native_sources(&self) -> impl Iterator<Item = &Source> {
        let c = self.sources.iter().filter(|s| s.kind == SourceKind::C);
        let asm = self.sources.iter().filter(|s| s.kind == SourceKind::Asm);
        c.chain(asm)
    }

    /// Where cargo builds the Rust code for this architecture (its own
    /// directory, so flags of one architecture never rebuild another's).
    pub fn rust_target_dir(&self) -> PathBuf {
        self.output
            .parent()
            .map_or_else(|| self.build_dir.clone(), |p| p.join("rust"))
    }

    /// `.py` sources in manifest order.
    pub fn py_sources(&self) -> impl Iterator<Item = &Source> {
        self.sources.iter().filter(|s| s.kind == SourceKind::Py)
    }

    /// Object file for a native source.
    pub fn object_path(&self, src: &Source) -> PathBuf {
        self.build_dir
            .join("obj")
            .join(flatten(&src.rel))
            .with_extension("o")
    }

    /// Bytecode file for a `.py` source.
    pub fn bytecode_path(&self, src: &Source) -> PathBuf {
        self.build_dir
            .join("py")
            .join(flatten(&src.rel))
            .with_extension("mpy")
    }

    /// The native part before merging.
    pub fn native_mpy_path(&self) -> PathBuf {
        self.build_dir.join(format!("{}.native.mpy", self.module))
    }
}

/// 32-bit FNV-1a: a stable, short hash for directory names.
fn fnv1a(data: &[u8]) -> u32 {
    data.iter().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(*b)).wrapping_mul(0x0100_0193)
    })
}

/// A relative path inside the build directory for `rel` (`..` and a leading
/// `/` are made harmless).
fn flatten(rel: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in rel.components() {
        match c {
            std::path::Component::Normal(n) => out.push(n),
            std::path::Component::ParentDir => out.push("__"),
            _ => {}
        }
    }
    out
}

/// `CFLAGS` from the environment, split at whitespace (make's view).
pub fn env_cflags() -> Vec<String> {
    std::env::var("CFLAGS")
        .map(|v| v.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default()
}

/// Options from the command line that shape the plan.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// `--release`.
    pub release: bool,
    /// `--out-dir` (absolute).
    pub out_dir: Option<PathBuf>,
    /// More than one architecture is built.
    pub several_archs: bool,
}

/// The profile directory name.
pub fn profile(release: bool) -> &'static str {
    if release {
        "release"
    } else {
        "debug"
    }
}

/// Resolves the plan for `arch`: sources, tools, flags and paths. Tool
/// lookups happen here so that a missing tool fails before anything runs.
pub fn plan_arch(project: &Project, arch: Arch, opts: &PlanOptions) -> Result<ArchPlan> {
    let cfg = project.config.for_arch(arch);
    let dir = &project.manifest_dir;
    let module = cfg
        .module
        .clone()
        .unwrap_or_else(|| project.package_name.clone());
    if module.is_empty() || module.contains(['/', '\\']) {
        bail!("invalid module name `{module}`");
    }
    let source_name = cfg
        .source_name
        .clone()
        .unwrap_or_else(|| format!("{module}.mpy"));
    let patterns = cfg.sources.clone().unwrap_or_default();
    if patterns.is_empty() && !project.has_rust {
        return Err(error_with_help(
            format!(
                "no `sources` are set for {} in `[package.metadata.mpy]`",
                arch.name()
            ),
            "list the module's C, `.S` and `.py` files, e.g. `sources = [\"src/*.c\"]`",
        ));
    }
    let sources = expand_sources(&patterns, dir)?;
    let has_native = sources.iter().any(|s| s.kind != SourceKind::Py);
    let has_py = sources.iter().any(|s| s.kind == SourceKind::Py);
    if !has_native && !project.has_rust {
        bail!("`sources` has no C or assembly file; a native module needs at least one");
    }
    // Rust code is built by cargo for the architecture's Rust target.
    let rust = if project.has_rust {
        Some(crate::rust_build::RustTarget::for_arch(arch)?)
    } else {
        None
    };

    let out_dir = project
        .target_dir
        .join("mpy")
        .join(arch.name())
        .join(profile(opts.release));
    // Intermediates are per package, so projects sharing a target
    // directory (`CARGO_TARGET_DIR`) never see each other's objects.
    let build_dir = out_dir.join("build").join(format!(
        "{module}-{:08x}",
        fnv1a(project.manifest_path.to_string_lossy().as_bytes())
    ));
    let config_h = build_dir.join(format!("{module}.config.h"));
    // dynruntime.mk names the config header relative to the directory the
    // compiler runs in; do the same when the target dir is below it.
    let config_h_arg = match config_h.strip_prefix(dir) {
        Ok(rel) => rel.to_string_lossy().into_owned(),
        Err(_) => config_h.to_string_lossy().into_owned(),
    };

    // A C compiler and the MicroPython headers are needed only for C and
    // assembly sources (and to locate the runtime libraries).
    let needs_cc = has_native || cfg.link_runtime.unwrap_or(false);
    if !needs_cc {
        let (out_copy, output) = output_paths(opts, &out_dir, &module, arch);
        let mpy_cross = if has_py {
            Some(toolchain::find_mpy_cross(cfg.mpy_cross.as_deref(), dir)?)
        } else {
            None
        };
        return Ok(ArchPlan {
            arch,
            module,
            source_name,
            sources,
            compiler: None,
            cflags: Vec::new(),
            libs: user_libs(&cfg, dir)?,
            externs: externs_path(&cfg, dir)?,
            arch_flags: checked_arch_flags(&cfg, arch)?,
            mpy_cross,
            build_dir,
            config_h,
            output,
            out_copy,
            rust,
        });
    }
    let compiler = toolchain::find_c_compiler(arch)?;
    let (mpy_dir, _) = toolchain::mpy_dir(cfg.mpy_dir.as_deref()).ok_or_else(|| {
        error_with_help(
            format!("no MicroPython tree for the C headers of `{module}`"),
            toolchain::MPY_DIR_HELP,
        )
    })?;
    if !dir.join(&mpy_dir).is_dir() {
        return Err(error_with_help(
            format!("the MicroPython tree `{mpy_dir}` does not exist"),
            toolchain::MPY_DIR_HELP,
        ));
    }

    // dynruntime.mk's CFLAGS, in its order; make starts from `CFLAGS` in
    // the environment.
    let mut cflags = env_cflags();
    cflags.extend([
        "-I.".into(),
        format!("-I{mpy_dir}"),
        "-std=c99".into(),
        "-Os".into(),
        "-Wall".into(),
        "-Werror".into(),
        "-DNDEBUG".into(),
        "-DNO_QSTR".into(),
        "-DMICROPY_ENABLE_DYNRUNTIME".into(),
        format!("-DMP_CONFIGFILE=<{config_h_arg}>"),
        "-fpic".into(),
        "-fno-common".into(),
        "-U_FORTIFY_SOURCE".into(),
    ]);
    cflags.extend(arch_cflags(arch).iter().map(|s| s.to_string()));
    let mut use_picolibc = false;
    if matches!(arch, Arch::Rv32imc | Arch::Rv64imc) {
        if let Some(specs) = toolchain::picolibc_specs(&compiler.path, dir) {
            cflags.push(format!("-specs={}", specs.display()));
            use_picolibc = true;
        }
    }
    let float = cfg
        .float_impl
        .unwrap_or_else(|| FloatImpl::default_for(arch));
    cflags.push(format!(
        "-DMICROPY_FLOAT_IMPL=MICROPY_FLOAT_IMPL_{}",
        float.upper()
    ));
    for inc in cfg.include_dirs.iter().flatten() {
        cflags.push(format!("-I{inc}"));
    }
    cflags.extend(cfg.cflags.iter().flatten().cloned());

    let mut libs = user_libs(&cfg, dir)?;
    if cfg.link_runtime.unwrap_or(false) {
        libs.extend(toolchain::runtime_libs(
            arch,
            &compiler.path,
            &cflags,
            use_picolibc,
            dir,
        )?);
    }
    let externs = externs_path(&cfg, dir)?;
    let arch_flags = checked_arch_flags(&cfg, arch)?;
    let mpy_cross = if has_py {
        Some(toolchain::find_mpy_cross(cfg.mpy_cross.as_deref(), dir)?)
    } else {
        None
    };

    let (out_copy, output) = output_paths(opts, &out_dir, &module, arch);
    Ok(ArchPlan {
        arch,
        module,
        source_name,
        sources,
        compiler: Some(compiler),
        cflags,
        libs,
        externs,
        arch_flags,
        mpy_cross,
        build_dir,
        config_h,
        output,
        out_copy,
        rust,
    })
}

/// The `.mpy` in the target directory and the `--out-dir` copy.
fn output_paths(
    opts: &PlanOptions,
    out_dir: &Path,
    module: &str,
    arch: Arch,
) -> (Option<PathBuf>, PathBuf) {
    let output = out_dir.join(format!("{module}.mpy"));
    let out_copy = opts.out_dir.as_ref().map(|d| {
        if opts.several_archs {
            d.join(format!("{module}_{}.mpy", arch.name()))
        } else {
            d.join(format!("{module}.mpy"))
        }
    });
    (out_copy, output)
}

/// The `libs` of the manifest, checked to exist.
fn user_libs(cfg: &crate::config::ArchConfig, dir: &Path) -> Result<Vec<PathBuf>> {
    cfg.libs
        .iter()
        .flatten()
        .map(|lib| existing_file(dir, lib, "library", " (in `libs`)"))
        .collect()
}

/// The `externs` script, checked to exist.
fn externs_path(cfg: &crate::config::ArchConfig, dir: &Path) -> Result<Option<PathBuf>> {
    cfg.externs
        .as_deref()
        .map(|e| existing_file(dir, e, "externs file", ""))
        .transpose()
}

/// `dir/rel`, which must be a file; `noun` and `note` name it in the error:
/// ``library `libx.a` (in `libs`) does not exist (looked for `...`)``.
fn existing_file(dir: &Path, rel: &str, noun: &str, note: &str) -> Result<PathBuf> {
    let path = dir.join(rel);
    if !path.is_file() {
        bail!(
            "{noun} `{rel}`{note} does not exist (looked for `{}`)",
            path.display()
        );
    }
    Ok(path)
}

/// `arch-flags` as written, checked.
fn checked_arch_flags(cfg: &crate::config::ArchConfig, arch: Arch) -> Result<Option<String>> {
    let arch_flags = cfg.arch_flags.as_ref().map(|f| f.to_string());
    if let Some(flags) = &arch_flags {
        crate::link::parse_arch_flags(arch, flags)
            .with_context(|| format!("invalid `arch-flags` for {}", arch.name()))?;
    }
    Ok(arch_flags)
}

/// The architecture-specific C flags of `py/dynruntime.mk`.
// TODO(toolchain table): moves into the per-architecture toolchain table.
fn arch_cflags(arch: Arch) -> &'static [&'static str] {
    match arch {
        Arch::X86 | Arch::X64 => &["-fno-stack-protector"],
        Arch::Armv6m => &["-mthumb", "-mcpu=cortex-m0"],
        Arch::Armv7m => &["-mthumb", "-mcpu=cortex-m3"],
        Arch::Armv7emsp => &[
            "-mthumb",
            "-mcpu=cortex-m4",
            "-mfpu=fpv4-sp-d16",
            "-mfloat-abi=hard",
        ],
        Arch::Armv7emdp => &[
            "-mthumb",
            "-mcpu=cortex-m7",
            "-mfpu=fpv5-d16",
            "-mfloat-abi=hard",
        ],
        Arch::Xtensa => &["-mforce-l32"],
        Arch::Xtensawin => &[],
        Arch::Rv32imc => &["-march=rv32imac", "-mabi=ilp32", "-mno-relax"],
        Arch::Rv64imc => &["-march=rv64imac", "-mabi=lp64", "-mno-relax"],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_keep_order_and_globs_sort() {
        let d = tempfile::tempdir().unwrap();
        for f in ["b.c", "a.c", "m.py", "s.S", "sub/z.c"] {
            let p = d.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "").unwrap();
        }
        let got = expand_sources(
            &[
                "m.py".into(),
                "*.c".into(),
                "s.S".into(),
                "a.c".into(),
                "sub/*.c".into(),
            ],
            d.path(),
        )
        .unwrap();
        let names: Vec<_> = got
            .iter()
            .map(|s| s.rel.to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["m.py", "a.c", "b.c", "s.S", "sub/z.c"]);
        let err = expand_sources(&["nope.c".into()], d.path())
            .unwrap_err()
            .to_string();
        assert!(err.contains("source `nope.c` does not exist"), "{err}");
        let err = expand_sources(&["*.rs".into()], d.path())
            .unwrap_err()
            .to_string();
        assert!(err.contains("matches no files"), "{err}");
        std::fs::write(d.path().join("x.txt"), "").unwrap();
        let err = expand_sources(&["x.txt".into()], d.path())
            .unwrap_err()
            .to_string();
        assert!(err.contains("unsupported extension"), "{err}");
    }

    #[test]
    fn flattened_paths() {
        assert_eq!(
            flatten(Path::new("../lib/a.c")),
            PathBuf::from("__/lib/a.c")
        );
        assert_eq!(flatten(Path::new("/abs/a.c")), PathBuf::from("abs/a.c"));
    }
}
