//! A module's C compile: the compiler, the headers (the MicroPython tree's,
//! else the ones cargo-mpy ships) and dynruntime.mk's flags in its order.

use std::path::Path;

use anyhow::{bail, Result};
use mpy_link::qstr::ConfigHeaderForm;
use mpy_link::{Arch, MpyAbi};

use super::plan::{ArtifactPaths, CBuild};
use super::project::Project;
use crate::config::{ArchConfig, IncludeDir};
use crate::error::error_with_help;
use crate::toolchain::{self, FloatImpl, MpyTree, Toolchain};

/// The compiler, the headers (the MicroPython tree's, else the ones cargo-mpy
/// ships) and the flags.
pub(super) fn c_build(
    project: &Project,
    cfg: &ArchConfig,
    arch: Arch,
    abi: MpyAbi,
    tree: Option<&MpyTree>,
    paths: &ArtifactPaths,
) -> Result<CBuild> {
    let dir = &project.manifest_dir;
    let compiler = toolchain::find_c_compiler(arch)?;
    // Paths below the manifest directory appear relative to it, where the
    // compiler runs, as dynruntime.mk's do.
    let shown = |p: &Path| match p.strip_prefix(dir) {
        Ok(rel) => rel.to_string_lossy().into_owned(),
        Err(_) => p.to_string_lossy().into_owned(),
    };
    let (include, abi_define, bundled_include) = match tree {
        Some(tree) => (tree.dir.clone(), None, None),
        None => {
            let inc = toolchain::bundled_include_dir(&project.target_dir);
            (
                shown(&inc),
                Some(format!("-DMPY_ABI={:#06x}", abi.c_macro())),
                Some(inc),
            )
        }
    };
    let config_h = shown(&paths.config_h);
    let specs = toolchain::picolibc_specs(arch, &compiler.path, dir);
    let include_dirs = include_dirs(cfg.include_dirs.as_deref().unwrap_or_default(), dir)?;
    let cflags = CFlags {
        env: env_cflags(),
        include: &include,
        abi_define: abi_define.as_deref(),
        config_h: &config_h,
        picolibc_specs: specs.as_deref(),
        float_impl: cfg.float_impl.unwrap_or(Toolchain::of(arch).float_impl),
        include_dirs: &include_dirs,
        extra: cfg.cflags.as_deref().unwrap_or_default(),
    }
    .to_vec(arch);
    Ok(CBuild {
        compiler,
        cflags,
        config_form: tree.map_or(ConfigHeaderForm::Current, |t| t.config_form),
        bundled_include,
        picolibc: specs.is_some(),
    })
}

/// `include-dirs` as directories: paths as written, and each command's output
/// lines (a command runs in the manifest's directory).
fn include_dirs(entries: &[IncludeDir], dir: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for entry in entries {
        match entry {
            IncludeDir::Path(p) => out.push(p.clone()),
            IncludeDir::Command(argv) => {
                let Some((program, args)) = argv.split_first() else {
                    bail!("`include-dirs`: `command = []` names no program");
                };
                let mut cmd = crate::process::ProcessBuilder::new(program);
                cmd.args(args).cwd(dir);
                let shown = cmd.command_line();
                let output = cmd.output().map_err(|e| {
                    error_with_help(
                        format!("the `include-dirs` command `{shown}` failed"),
                        format!("it must print an include directory; fix the command or what it needs ({e})"),
                    )
                })?;
                let text = String::from_utf8_lossy(&output.stdout);
                let lines: Vec<&str> = text
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .collect();
                if lines.is_empty() {
                    bail!("the `include-dirs` command `{shown}` printed no directory");
                }
                for line in lines {
                    if !dir.join(line).is_dir() {
                        bail!("the `include-dirs` command `{shown}` printed `{line}`, which is not a directory");
                    }
                    out.push(line.to_string());
                }
            }
        }
    }
    Ok(out)
}

/// `CFLAGS` from the environment, split at whitespace (make's view).
fn env_cflags() -> Vec<String> {
    std::env::var("CFLAGS")
        .map(|v| v.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default()
}

/// What goes into a module's C flags.
#[derive(Debug, Clone)]
struct CFlags<'a> {
    /// `CFLAGS` from the environment (make starts from them).
    env: Vec<String>,
    /// The MicroPython tree or the shipped header's directory, as it
    /// appears on the command line.
    include: &'a str,
    /// `-DMPY_ABI=0x06NN`, which selects the ABI in the shipped header.
    abi_define: Option<&'a str>,
    /// The config header, as it appears on the command line.
    config_h: &'a str,
    /// picolibc's specs file, when the compiler uses picolibc.
    picolibc_specs: Option<&'a Path>,
    /// `MICROPY_FLOAT_IMPL`.
    float_impl: FloatImpl,
    /// `include-dirs`.
    include_dirs: &'a [String],
    /// `cflags` (dynruntime.mk's `CFLAGS_EXTRA`).
    extra: &'a [String],
}

impl CFlags<'_> {
    /// dynruntime.mk's `CFLAGS`, in its order.
    fn to_vec(&self, arch: Arch) -> Vec<String> {
        let mut flags = self.env.clone();
        flags.extend(["-I.".into(), format!("-I{}", self.include)]);
        flags.extend(self.abi_define.map(str::to_string));
        flags.extend([
            "-std=c99".into(),
            "-Os".into(),
            "-Wall".into(),
            "-Werror".into(),
            "-DNDEBUG".into(),
            "-DNO_QSTR".into(),
            "-DMICROPY_ENABLE_DYNRUNTIME".into(),
            format!("-DMP_CONFIGFILE=<{}>", self.config_h),
            "-fpic".into(),
            "-fno-common".into(),
            "-U_FORTIFY_SOURCE".into(),
        ]);
        flags.extend(Toolchain::of(arch).cflags.iter().map(|s| s.to_string()));
        if let Some(specs) = self.picolibc_specs {
            flags.push(format!("-specs={}", specs.display()));
        }
        flags.push(self.float_impl.define());
        flags.extend(self.include_dirs.iter().map(|inc| format!("-I{inc}")));
        flags.extend(self.extra.iter().cloned());
        flags
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cflags_follow_dynruntime_mk() {
        let flags = CFlags {
            env: vec!["-DFROM_ENV".into()],
            include: "/mpy",
            abi_define: None,
            config_h: "build/m.config.h",
            picolibc_specs: None,
            float_impl: Toolchain::of(Arch::Armv7emsp).float_impl,
            include_dirs: &["inc".into()],
            extra: &["-DEXTRA".into()],
        }
        .to_vec(Arch::Armv7emsp);
        let pos = |f: &str| {
            flags
                .iter()
                .position(|x| x == f)
                .unwrap_or_else(|| panic!("{f} missing from {flags:?}"))
        };
        assert_eq!(pos("-DFROM_ENV"), 0);
        assert!(pos("-I.") < pos("-I/mpy") && pos("-I/mpy") < pos("-std=c99"));
        assert!(pos("-std=c99") < pos("-fpic"));
        assert!(pos("-fpic") < pos("-mcpu=cortex-m4"));
        assert!(pos("-mfloat-abi=hard") < pos("-DMICROPY_FLOAT_IMPL=MICROPY_FLOAT_IMPL_FLOAT"));
        assert!(pos("-DMICROPY_FLOAT_IMPL=MICROPY_FLOAT_IMPL_FLOAT") < pos("-Iinc"));
        assert_eq!(flags.last().map(String::as_str), Some("-DEXTRA"));
        assert!(flags.contains(&"-DMP_CONFIGFILE=<build/m.config.h>".to_string()));
    }

    #[test]
    fn include_dirs_from_commands() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("inc/a")).unwrap();
        let got = include_dirs(
            &[
                IncludeDir::Path("x".into()),
                IncludeDir::Command(vec!["sh".into(), "-c".into(), "echo inc/a; echo".into()]),
            ],
            d.path(),
        )
        .unwrap();
        assert_eq!(got, ["x", "inc/a"]);
        let fails = |argv: &[&str]| {
            let argv = argv.iter().map(|s| s.to_string()).collect();
            format!(
                "{:#}",
                include_dirs(&[IncludeDir::Command(argv)], d.path()).unwrap_err()
            )
        };
        let err = fails(&["sh", "-c", "echo oops >&2; exit 3"]);
        assert!(
            err.contains("command `sh -c 'echo oops >&2; exit 3'` failed"),
            "{err}"
        );
        assert!(fails(&["true"]).contains("printed no directory"));
        assert!(fails(&["echo", "nowhere"]).contains("printed `nowhere`, which is not a directory"));
    }

    #[test]
    fn picolibc_specs_come_after_the_arch_flags() {
        let flags = CFlags {
            env: Vec::new(),
            include: "m",
            abi_define: Some("-DMPY_ABI=0x0602"),
            config_h: "c.h",
            picolibc_specs: Some(Path::new("/p/picolibc.specs")),
            float_impl: FloatImpl::None,
            include_dirs: &[],
            extra: &[],
        }
        .to_vec(Arch::Rv32imc);
        let n = flags.len();
        assert_eq!(
            flags[n - 3..],
            [
                "-mno-relax",
                "-specs=/p/picolibc.specs",
                "-DMICROPY_FLOAT_IMPL=MICROPY_FLOAT_IMPL_NONE"
            ]
        );
    }
}
