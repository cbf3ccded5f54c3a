//! `[package.metadata.mpy]`: the manifest schema.
//!
//! Keys are kebab-case. `[package.metadata.mpy.arch.<ARCH>]` tables take the
//! same keys (except `arch`, `variant`, `default-arch` and `out-layout`): list
//! keys (`sources`, `include-dirs`, `cflags`, `libs`, `mpy-cross-flags`,
//! `rustflags`) extend the top-level list, the others override it.
//! `[package.metadata.mpy.variant.<MODULE>]` tables do the same once more, for
//! each module variant the package builds. Unknown keys are an error that
//! lists the valid ones.
//!
//! Every error names the key it is about by its full path
//! (`package.metadata.mpy.arch.x64.cflags`), and an unknown key names the
//! table it was found in.
//!
//! Path-valued keys (`sources`, `mpy-dir`, `include-dirs`, `libs`, `externs`,
//! `mpy-cross`) may name environment variables, `$NAME` or `${NAME}` (`$$` is
//! a `$`); [`ArchConfig::expand_env`] substitutes them.

use std::collections::BTreeMap;
use std::fmt;

use anyhow::{bail, Result};
use mpy_link::{Arch, MpyAbi};
use serde::{Deserialize, Deserializer};

use crate::toolchain::FloatImpl;

/// The whole `[package.metadata.mpy]` table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MpyConfig {
    /// Settings shared by every architecture.
    pub common: ArchConfig,
    /// Architectures built when `--arch` is not given (default: x64).
    pub default_arch: Option<OneOrMany>,
    /// Where `--out-dir` copies go, below it: a pattern of `{module}`, `{arch}`
    /// and `{mpy-abi}` (default `{module}.mpy`, or `{module}_{arch}.mpy` for
    /// several architectures).
    pub out_layout: Option<String>,
    /// Per-architecture overrides, keyed by architecture name.
    pub arch: BTreeMap<String, ArchConfig>,
    /// Module variants, keyed by module name: each builds a module of its own
    /// from the settings above plus its table.
    pub variant: BTreeMap<String, ArchConfig>,
}

/// The table as written: `serde(flatten)` cannot be combined with
/// `deny_unknown_fields`, so the shared keys are spelled out again here.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, expecting = "a table")]
struct RawConfig {
    module: Option<String>,
    #[serde(default, deserialize_with = "list")]
    sources: Option<Vec<SourceEntry>>,
    mpy_dir: Option<String>,
    mpy_abi: Option<String>,
    #[serde(default, deserialize_with = "list")]
    include_dirs: Option<Vec<IncludeDir>>,
    #[serde(default, deserialize_with = "list")]
    cflags: Option<Vec<String>>,
    #[serde(default, deserialize_with = "list")]
    mpy_cross_flags: Option<Vec<String>>,
    #[serde(default, deserialize_with = "list")]
    rustflags: Option<Vec<String>>,
    link_runtime: Option<bool>,
    #[serde(default, deserialize_with = "list")]
    libs: Option<Vec<String>>,
    externs: Option<String>,
    arch_flags: Option<ArchFlags>,
    source_name: Option<String>,
    float_impl: Option<FloatImpl>,
    mpy_cross: Option<String>,
    micropython: Option<String>,
    test_runner: Option<Vec<String>>,
    default_arch: Option<OneOrMany>,
    out_layout: Option<String>,
    #[serde(default)]
    arch: BTreeMap<String, ArchConfig>,
    #[serde(default)]
    variant: BTreeMap<String, ArchConfig>,
}

impl From<RawConfig> for MpyConfig {
    fn from(r: RawConfig) -> MpyConfig {
        MpyConfig {
            common: ArchConfig {
                module: r.module,
                sources: r.sources,
                mpy_dir: r.mpy_dir,
                mpy_abi: r.mpy_abi,
                include_dirs: r.include_dirs,
                cflags: r.cflags,
                mpy_cross_flags: r.mpy_cross_flags,
                rustflags: r.rustflags,
                link_runtime: r.link_runtime,
                libs: r.libs,
                externs: r.externs,
                arch_flags: r.arch_flags,
                source_name: r.source_name,
                float_impl: r.float_impl,
                mpy_cross: r.mpy_cross,
                micropython: r.micropython,
                test_runner: r.test_runner,
            },
            default_arch: r.default_arch,
            out_layout: r.out_layout,
            arch: r.arch,
            variant: r.variant,
        }
    }
}

/// Settings that may differ per architecture.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, expecting = "a table")]
pub struct ArchConfig {
    /// Module name: the output is `<module>.mpy` (default: package name).
    pub module: Option<String>,
    /// C, `.S` and `.py` sources relative to the manifest; globs allowed.
    #[serde(default, deserialize_with = "list")]
    pub sources: Option<Vec<SourceEntry>>,
    /// The MicroPython tree whose headers C sources include (default: the
    /// header cargo-mpy ships).
    pub mpy_dir: Option<String>,
    /// The `.mpy` ABI to build for: `6.1` (MicroPython 1.20-1.21), `6.2`
    /// (1.22) or `6.3` (1.23 and later; the default). With a tree, the tree's.
    pub mpy_abi: Option<String>,
    /// Extra `-I` directories, relative to the manifest, or commands that
    /// print them.
    #[serde(default, deserialize_with = "list")]
    pub include_dirs: Option<Vec<IncludeDir>>,
    /// Extra C flags, appended last (`CFLAGS_EXTRA`).
    #[serde(default, deserialize_with = "list")]
    pub cflags: Option<Vec<String>>,
    /// Extra `mpy-cross` flags for every `.py` source (`MPY_CROSS_FLAGS`).
    #[serde(default, deserialize_with = "list")]
    pub mpy_cross_flags: Option<Vec<String>>,
    /// Extra `rustc` flags for the package's Rust code, after the package's own
    /// (`RUSTFLAGS`, `.cargo/config.toml`).
    #[serde(default, deserialize_with = "list")]
    pub rustflags: Option<Vec<String>>,
    /// Link the toolchain's libgcc and libm (or picolibc's libc), as
    /// `LINK_RUNTIME=1` does.
    pub link_runtime: Option<bool>,
    /// Static archives (or `GROUP(...)` scripts) to take members from.
    #[serde(default, deserialize_with = "list")]
    pub libs: Option<Vec<String>>,
    /// A linker script of fixed symbol addresses.
    pub externs: Option<String>,
    /// Architecture flags (`zba,zcmp` or a number; rv32imc).
    pub arch_flags: Option<ArchFlags>,
    /// File name recorded in the `.mpy` (default `<module>.mpy`).
    pub source_name: Option<String>,
    /// `MICROPY_FLOAT_IMPL` (default per architecture).
    pub float_impl: Option<FloatImpl>,
    /// Path of `mpy-cross` (default: `mpy-cross` on `PATH`).
    pub mpy_cross: Option<String>,
    /// The `micropython` unix port `cargo mpy test` runs x64 tests with
    /// (default: `MICROPYTHON`, else `micropython` on `PATH`).
    pub micropython: Option<String>,
    /// A command that runs a MicroPython script for this architecture on
    /// this machine (`COMMAND ... SCRIPT.py`, e.g. an emulator), for `cargo
    /// mpy test`.
    pub test_runner: Option<Vec<String>>,
}

/// One entry of `sources`: a path or glob, or a table giving it flags of its
/// own: `{ path = "src/x.py", mpy-cross-flags = ["-s", "x.py"] }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceEntry {
    /// Path or glob, relative to the manifest.
    pub path: String,
    /// `mpy-cross` flags for this file only, after the others (make's
    /// target-specific `MPY_CROSS_FLAGS += ...`).
    pub mpy_cross_flags: Vec<String>,
}

impl From<&str> for SourceEntry {
    fn from(path: &str) -> SourceEntry {
        SourceEntry {
            path: path.to_string(),
            mpy_cross_flags: Vec::new(),
        }
    }
}

impl<'de> Deserialize<'de> for SourceEntry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "kebab-case", deny_unknown_fields)]
        struct Table {
            path: String,
            #[serde(default)]
            mpy_cross_flags: Vec<String>,
        }
        string_or_table(
            d,
            "a path or a table `{ path = \"...\", mpy-cross-flags = [...] }`",
            |path| Ok(SourceEntry::from(path)),
            |t: Table| SourceEntry {
                path: t.path,
                mpy_cross_flags: t.mpy_cross_flags,
            },
        )
    }
}

/// One entry of `include-dirs`: a directory, or a command whose output names
/// one directory per line: `{ command = ["python3", "-c", "import emlearn;
/// print(emlearn.includedir)"] }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IncludeDir {
    /// A directory, relative to the manifest.
    Path(String),
    /// A program and its arguments, run in the manifest's directory.
    Command(Vec<String>),
}

impl<'de> Deserialize<'de> for IncludeDir {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Table {
            command: Vec<String>,
        }
        string_or_table(
            d,
            "a directory or a table `{ command = [\"program\", \"arg\", ...] }`",
            |p| Ok(IncludeDir::Path(p.to_string())),
            |t: Table| IncludeDir::Command(t.command),
        )
    }
}

/// Deserializes a string with `from_str` or a table `T` with `from_table`;
/// anything else is an error saying `expected`.
fn string_or_table<'de, D, T, R>(
    d: D,
    expected: &'static str,
    from_str: fn(&str) -> Result<R, String>,
    from_table: fn(T) -> R,
) -> Result<R, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct V<T, R> {
        expected: &'static str,
        from_str: fn(&str) -> Result<R, String>,
        from_table: fn(T) -> R,
    }
    impl<'de, T: Deserialize<'de>, R> serde::de::Visitor<'de> for V<T, R> {
        type Value = R;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.expected)
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<R, E> {
            (self.from_str)(v).map_err(E::custom)
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<R, A::Error> {
            T::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(self.from_table)
        }
    }
    d.deserialize_any(V {
        expected,
        from_str,
        from_table,
    })
}

/// A string or a list of strings.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged, expecting = "expected a string or a list of strings")]
pub enum OneOrMany {
    /// `"x64"` (commas separate several).
    One(String),
    /// `["x64", "armv7m"]`.
    Many(Vec<String>),
}

impl OneOrMany {
    /// The names, with comma-separated strings split.
    pub fn names(&self) -> Vec<String> {
        let items: Vec<&String> = match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v.iter().collect(),
        };
        items
            .into_iter()
            .flat_map(|s| s.split(','))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    }
}

/// `arch-flags = "zba,zcmp"` or `arch-flags = 3`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged, expecting = "expected a number or a string of flag names")]
pub enum ArchFlags {
    /// A number.
    Number(u32),
    /// Comma-separated names or a number as text.
    Text(String),
}

impl fmt::Display for ArchFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArchFlags::Number(n) => write!(f, "{n}"),
            ArchFlags::Text(s) => f.write_str(s),
        }
    }
}

/// Deserializes a list (of strings, or of [`SourceEntry`]/[`IncludeDir`],
/// which are mostly strings); a lone string is refused with the list it
/// should have been (`sources = "a.c"`: write `["a.c"]`).
fn list<'de, D, T>(d: D) -> Result<Option<Vec<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct Visitor<T>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Visitor<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list of strings")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Err(E::custom(format_args!(
                "expected a list of strings, found the string {v:?}; write [{v:?}]"
            )))
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(s) = seq.next_element::<T>()? {
                out.push(s);
            }
            Ok(out)
        }
    }
    d.deserialize_any(Visitor(std::marker::PhantomData))
        .map(Some)
}

/// The TOML path of the table (`package.metadata.mpy`).
const TABLE: &str = "package.metadata.mpy";

/// A deserialization error of the table, named by its key path:
/// ``invalid `package.metadata.mpy.arch.x64.cflags`: ...``, or for an unknown
/// key ``unknown key `sorces` in `[package.metadata.mpy.arch.x64]`, expected
/// one of ...``.
fn describe(path: &serde_path_to_error::Path, message: &str) -> anyhow::Error {
    let mut segments: Vec<String> = Vec::new();
    for seg in path.iter() {
        match seg {
            serde_path_to_error::Segment::Map { key } => segments.push(key.clone()),
            serde_path_to_error::Segment::Seq { index } => {
                if let Some(last) = segments.last_mut() {
                    last.push_str(&format!("[{index}]"));
                }
            }
            serde_path_to_error::Segment::Enum { .. } | serde_path_to_error::Segment::Unknown => {}
        }
    }
    let message = message.trim_end();
    // serde's words: "unknown field `x`, expected one of `a`, `b`" (the path
    // then ends at the unknown key itself).
    if let Some(rest) = message.strip_prefix("unknown field ") {
        segments.pop();
        let table = std::iter::once(TABLE.to_string())
            .chain(segments)
            .collect::<Vec<_>>()
            .join(".");
        let (key, expected) = rest.split_once(", ").unwrap_or((rest, ""));
        let expected = expected.replace("expected one of", "valid keys:");
        return anyhow::anyhow!("unknown key {key} in `[{table}]`; {expected}");
    }
    let key = std::iter::once(TABLE.to_string())
        .chain(segments)
        .collect::<Vec<_>>()
        .join(".");
    anyhow::anyhow!("invalid `{key}`: {message}")
}

impl MpyConfig {
    /// Reads the table from a TOML value (the `mpy` table itself).
    pub fn from_toml(value: toml::Value) -> Result<MpyConfig> {
        let raw: RawConfig = serde_path_to_error::deserialize(value)
            .map_err(|e| describe(e.path(), e.inner().message()))?;
        let config = MpyConfig::from(raw);
        config.validate()?;
        Ok(config)
    }

    /// Reads the table from `cargo metadata`'s JSON (the `mpy` value).
    pub fn from_json(value: serde_json::Value) -> Result<MpyConfig> {
        let raw: RawConfig = serde_path_to_error::deserialize(value)
            .map_err(|e| describe(e.path(), &e.inner().to_string()))?;
        let config = MpyConfig::from(raw);
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<()> {
        let tables = std::iter::once(("[package.metadata.mpy]".to_string(), &self.common))
            .chain(
                self.arch
                    .iter()
                    .map(|(name, cfg)| (format!("[package.metadata.mpy.arch.{name}]"), cfg)),
            )
            .chain(
                self.variant
                    .iter()
                    .map(|(name, cfg)| (format!("[package.metadata.mpy.variant.{name}]"), cfg)),
            );
        for (table, cfg) in tables {
            if let Some(abi) = &cfg.mpy_abi {
                parse_mpy_abi(abi).map_err(|e| anyhow::anyhow!("{e} (`mpy-abi` in `{table}`)"))?;
            }
        }
        for (name, v) in &self.variant {
            if v.module.is_some() {
                bail!(
                    "`module` in `[package.metadata.mpy.variant.{name}]`: a variant's module name is its table's name (`{name}`)"
                );
            }
        }
        for name in self.arch.keys() {
            if name.parse::<Arch>().is_err() {
                bail!(
                    "unknown architecture `{name}` in `[package.metadata.mpy.arch.{name}]`; valid architectures: {}",
                    arch_names()
                );
            }
        }
        Ok(())
    }

    /// The settings for `arch`: the common table with the arch table's
    /// lists appended and its other keys taking precedence.
    pub fn for_arch(&self, arch: Arch) -> ArchConfig {
        let mut out = self.common.clone();
        if let Some(over) = self.arch.get(arch.name()) {
            out.merge(over);
        }
        out
    }

    /// The settings of module `variant` (a key of `variant`, or `None` for the
    /// package's one module) on `arch`: [`for_arch`](Self::for_arch), then the
    /// variant's table merged the same way.
    pub fn for_module(&self, variant: Option<&str>, arch: Arch) -> ArchConfig {
        let mut out = self.for_arch(arch);
        if let Some(over) = variant.and_then(|v| self.variant.get(v)) {
            out.merge(over);
            out.module = variant.map(str::to_string);
        }
        out
    }
}

impl ArchConfig {
    /// Merges `over` into `self`: lists are appended, other keys replaced.
    fn merge(&mut self, over: &ArchConfig) {
        let out = self;
        fn extend<T: Clone>(base: &mut Option<Vec<T>>, more: &Option<Vec<T>>) {
            if let Some(more) = more {
                base.get_or_insert_with(Vec::new)
                    .extend(more.iter().cloned());
            }
        }
        fn replace<T: Clone>(base: &mut Option<T>, over: &Option<T>) {
            if over.is_some() {
                base.clone_from(over);
            }
        }
        extend(&mut out.sources, &over.sources);
        extend(&mut out.include_dirs, &over.include_dirs);
        extend(&mut out.cflags, &over.cflags);
        extend(&mut out.mpy_cross_flags, &over.mpy_cross_flags);
        extend(&mut out.rustflags, &over.rustflags);
        extend(&mut out.libs, &over.libs);
        replace(&mut out.module, &over.module);
        replace(&mut out.mpy_dir, &over.mpy_dir);
        replace(&mut out.mpy_abi, &over.mpy_abi);
        replace(&mut out.link_runtime, &over.link_runtime);
        replace(&mut out.externs, &over.externs);
        replace(&mut out.arch_flags, &over.arch_flags);
        replace(&mut out.source_name, &over.source_name);
        replace(&mut out.float_impl, &over.float_impl);
        replace(&mut out.mpy_cross, &over.mpy_cross);
        replace(&mut out.micropython, &over.micropython);
        replace(&mut out.test_runner, &over.test_runner);
    }

    /// The settings with environment variables substituted in every
    /// path-valued key; an unset variable is an error naming the key.
    pub fn expand_env(&self) -> Result<ArchConfig> {
        let one = |key: &str, v: &Option<String>| -> Result<Option<String>> {
            v.as_deref().map(|s| expand_env(s, key)).transpose()
        };
        let mut out = self.clone();
        if let Some(sources) = &mut out.sources {
            for s in sources {
                s.path = expand_env(&s.path, "sources")?;
            }
        }
        if let Some(dirs) = &mut out.include_dirs {
            for d in dirs {
                if let IncludeDir::Path(p) = d {
                    *p = expand_env(p, "include-dirs")?;
                }
            }
        }
        if let Some(libs) = &mut out.libs {
            for l in libs {
                *l = expand_env(l, "libs")?;
            }
        }
        out.mpy_dir = one("mpy-dir", &self.mpy_dir)?;
        out.externs = one("externs", &self.externs)?;
        out.mpy_cross = one("mpy-cross", &self.mpy_cross)?;
        Ok(out)
    }
}

/// Substitutes `$NAME` and `${NAME}` in `value` (the value of `key`) with the
/// environment's; `$$` is a `$`.
pub fn expand_env(value: &str, key: &str) -> Result<String> {
    expand_with(value, key, |name| std::env::var(name).ok())
}

fn expand_with(value: &str, key: &str, lookup: impl Fn(&str) -> Option<String>) -> Result<String> {
    let mut out = String::new();
    let mut rest = value;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (name, tail) = if let Some(braced) = after.strip_prefix('{') {
            match braced.find('}') {
                Some(end) => (&braced[..end], &braced[end + 1..]),
                None => bail!("`{key}`: `${{` without a closing `}}` in `{value}`"),
            }
        } else if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
            continue;
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], &after[end..])
        };
        let valid = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            bail!("`{key}`: `$` must start a variable name (`$NAME` or `${{NAME}}`; `$$` for a `$`) in `{value}`");
        }
        match lookup(name) {
            Some(v) => out.push_str(&v),
            None => {
                return Err(crate::error::error_with_help(
                    format!("`{key}` uses the environment variable `{name}`, which is not set (in `{value}`)"),
                    format!("set `{name}`, or change `{key}` in `[package.metadata.mpy]`"),
                ))
            }
        }
        rest = tail;
    }
    out.push_str(rest);
    Ok(out)
}

/// Parses an ABI name (`6.2`); the error lists the valid ones.
pub fn parse_mpy_abi(name: &str) -> Result<MpyAbi> {
    MpyAbi::from_name(name.trim()).ok_or_else(|| {
        let valid: Vec<String> = MpyAbi::ALL
            .iter()
            .map(|a| format!("{a} ({})", a.releases()))
            .collect();
        anyhow::anyhow!(
            "unknown .mpy ABI `{}`; valid: {}",
            name.trim(),
            valid.join(", ")
        )
    })
}

/// "x86, x64, ..." for messages.
pub fn arch_names() -> String {
    Arch::ALL
        .iter()
        .map(|a| a.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Parses an architecture name; the error lists the valid ones.
pub fn parse_arch(name: &str) -> Result<Arch> {
    name.trim().parse::<Arch>().map_err(|_| {
        anyhow::anyhow!(
            "unknown architecture `{}`; valid architectures: {}",
            name.trim(),
            arch_names()
        )
    })
}

/// Parses `x64,armv7m` (or a list of such) into architectures, keeping the
/// first occurrence of each.
pub fn parse_arch_list<S: AsRef<str>>(items: &[S]) -> Result<Vec<Arch>> {
    let mut out = Vec::new();
    for item in items {
        for name in item.as_ref().split(',').filter(|s| !s.trim().is_empty()) {
            let arch = parse_arch(name)?;
            if !out.contains(&arch) {
                out.push(arch);
            }
        }
    }
    if out.is_empty() {
        bail!(
            "no architecture given; valid architectures: {}",
            arch_names()
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<MpyConfig> {
        let value: toml::Value = toml::from_str(text)?;
        MpyConfig::from_toml(value)
    }

    #[test]
    fn full_table() {
        let c = parse(
            r#"
            module = "m"
            sources = ["a.c", "b/*.c", "x.py"]
            mpy-dir = "../micropython"
            include-dirs = ["inc"]
            cflags = ["-DX=1"]
            link-runtime = true
            libs = ["lib/libfoo.a"]
            externs = "rom.ld"
            arch-flags = "zba"
            source-name = "n.mpy"
            float-impl = "float"
            mpy-cross = "/opt/mpy-cross"
            default-arch = ["x64", "armv7m"]
            [arch.armv7m]
            cflags = ["-DARM"]
            link-runtime = false
            "#,
        )
        .unwrap();
        assert_eq!(c.common.module.as_deref(), Some("m"));
        assert_eq!(c.common.float_impl, Some(FloatImpl::Float));
        assert_eq!(c.default_arch.unwrap().names(), ["x64", "armv7m"]);
        let arm = parse(
            r#"
            cflags = ["-DX=1"]
            link-runtime = true
            [arch.armv7m]
            cflags = ["-DARM"]
            link-runtime = false
            "#,
        )
        .unwrap()
        .for_arch(Arch::Armv7m);
        assert_eq!(arm.cflags.unwrap(), ["-DX=1", "-DARM"]);
        assert_eq!(arm.link_runtime, Some(false));
    }

    #[test]
    fn unknown_key_names_its_table_and_lists_valid_keys() {
        let err = parse("modul = \"x\"").unwrap_err().to_string();
        assert!(
            err.starts_with(
                "unknown key `modul` in `[package.metadata.mpy]`; valid keys: `module`"
            ),
            "{err}"
        );
        assert!(
            err.contains("`sources`") && err.contains("`default-arch`"),
            "{err}"
        );
        let err = parse("[arch.x64]\nsorces = []").unwrap_err().to_string();
        assert!(
            err.starts_with(
                "unknown key `sorces` in `[package.metadata.mpy.arch.x64]`; valid keys:"
            ),
            "{err}"
        );
        assert!(
            err.contains("`sources`") && !err.contains("`default-arch`"),
            "{err}"
        );
    }

    #[test]
    fn wrong_types_name_their_key() {
        for (text, want) in [
            (
                "sources = \"src/cmod.c\"",
                "invalid `package.metadata.mpy.sources`: expected a list of strings, found the string \"src/cmod.c\"; write [\"src/cmod.c\"]",
            ),
            (
                "sources = [1]",
                "invalid `package.metadata.mpy.sources[0]`: invalid type: integer `1`, expected a path or a table `{ path = \"...\", mpy-cross-flags = [...] }`",
            ),
            (
                "[arch.x64]\ncflags = 3",
                "invalid `package.metadata.mpy.arch.x64.cflags`: invalid type: integer `3`, expected a list of strings",
            ),
            (
                "arch = 3",
                "invalid `package.metadata.mpy.arch`: invalid type: integer `3`, expected a map",
            ),
            (
                "arch = { x64 = 3 }",
                "invalid `package.metadata.mpy.arch.x64`: invalid type: integer `3`, expected a table",
            ),
            (
                "link-runtime = \"yes\"",
                "invalid `package.metadata.mpy.link-runtime`: invalid type: string \"yes\", expected a boolean",
            ),
            (
                "default-arch = 3",
                "invalid `package.metadata.mpy.default-arch`: expected a string or a list of strings",
            ),
        ] {
            let err = parse(text).unwrap_err().to_string();
            assert_eq!(err, want, "{text}");
        }
        let err = MpyConfig::from_json(serde_json::json!("x"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "invalid `package.metadata.mpy`: invalid type: string \"x\", expected a table"
        );
        let err = MpyConfig::from_json(serde_json::json!({"float-impl": "quad"}))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("invalid `package.metadata.mpy.float-impl`: unknown variant `quad`"),
            "{err}"
        );
    }

    #[test]
    fn unknown_arch_table_lists_architectures() {
        let err = parse("[arch.arm64]\ncflags = []").unwrap_err().to_string();
        assert!(err.contains("unknown architecture `arm64`"), "{err}");
        assert!(err.contains("rv32imc"), "{err}");
    }

    #[test]
    fn mpy_abi_key() {
        let c = parse("mpy-abi = \"6.2\"\n[arch.x64]\nmpy-abi = \"6.1\"").unwrap();
        assert_eq!(c.for_arch(Arch::Armv7m).mpy_abi.as_deref(), Some("6.2"));
        assert_eq!(c.for_arch(Arch::X64).mpy_abi.as_deref(), Some("6.1"));
        let err = parse("mpy-abi = \"1.22\"").unwrap_err().to_string();
        assert!(
            err.contains("unknown .mpy ABI `1.22`")
                && err.contains("6.2 (MicroPython 1.22)")
                && err.contains("`[package.metadata.mpy]`"),
            "{err}"
        );
        let err = parse("[arch.x64]\nmpy-abi = \"6\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("[package.metadata.mpy.arch.x64]"), "{err}");
        assert_eq!(parse_mpy_abi(" 6.1 ").unwrap(), MpyAbi::V6_1);
    }

    #[test]
    fn bad_values() {
        assert!(parse("float-impl = \"quad\"").is_err());
        assert!(parse("sources = \"a.c\"").is_err());
        assert!(parse("link-runtime = \"yes\"").is_err());
    }

    #[test]
    fn arch_lists() {
        assert_eq!(
            parse_arch_list(&["x64,armv6m", "x64"]).unwrap(),
            [Arch::X64, Arch::Armv6m]
        );
        let err = parse_arch_list(&["x65"]).unwrap_err().to_string();
        assert!(err.contains("valid architectures: x86, x64"), "{err}");
    }
}
