//! `cargo mpy new` and `cargo mpy init`: a module from `templates/`.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::Args;

use crate::error::error_with_help;
use crate::module_name;
use crate::shell::Shell;
use crate::templates;
pub use crate::templates::Lang;

/// Create a new module in a new directory.
#[derive(Debug, Clone, Args)]
pub struct NewArgs {
    /// Directory to create; its name is the module name unless `--name`.
    pub path: PathBuf,
    /// Language of the module: c, mixed (C plus Python) or rust.
    #[arg(long, default_value = "rust", value_name = "LANG")]
    pub lang: Lang,
    /// Module name (default: the directory name).
    #[arg(long)]
    pub name: Option<String>,
}

/// Create a module in an existing directory.
#[derive(Debug, Clone, Args)]
pub struct InitArgs {
    /// Directory (default: the current one).
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Language of the module: c, mixed (C plus Python) or rust.
    #[arg(long, default_value = "rust", value_name = "LANG")]
    pub lang: Lang,
    /// Module name (default: the directory name).
    #[arg(long)]
    pub name: Option<String>,
}

impl NewArgs {
    /// Runs `new`.
    pub fn run(self, shell: &Shell) -> Result<()> {
        if self.path.exists() {
            return Err(error_with_help(
                format!("destination `{}` already exists", self.path.display()),
                "use `cargo mpy init` to create a module in an existing directory",
            ));
        }
        create(shell, &self.path, self.lang, self.name.as_deref(), true)
    }
}

impl InitArgs {
    /// Runs `init`.
    pub fn run(self, shell: &Shell) -> Result<()> {
        create(shell, &self.path, self.lang, self.name.as_deref(), false)
    }
}

/// `name` must be importable ([`module_name::RULE`]); the help suggests
/// `--name` with a valid name.
fn check_module_name(name: &str) -> Result<()> {
    module_name::check(name)
        .map_err(|e| error_with_help(e, format!("pass `--name {}`", module_name::suggest(name))))
}

fn create(shell: &Shell, dir: &Path, lang: Lang, name: Option<&str>, new: bool) -> Result<()> {
    let Some(files) = templates::files(lang) else {
        bail!("there is no template for `--lang {lang}`");
    };
    let abs = std::path::absolute(dir).context("cannot resolve the destination")?;
    let name = match name {
        Some(n) => n.to_string(),
        None => abs
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .context("cannot take a module name from the destination; pass `--name`")?,
    };
    check_module_name(&name)?;
    if abs.join("Cargo.toml").exists() {
        bail!(
            "`cargo mpy init` cannot be run on an existing package (`{}` exists)",
            abs.join("Cargo.toml").display()
        );
    }
    for f in &files {
        let path = abs.join(templates::render(f.path, &name));
        if path.exists() && f.path != ".gitignore" {
            bail!("`{}` already exists; not overwriting it", path.display());
        }
    }
    fs_err::create_dir_all(&abs)?;
    for f in &files {
        let path = abs.join(templates::render(f.path, &name));
        if path.exists() {
            continue;
        }
        if let Some(parent) = path.parent() {
            fs_err::create_dir_all(parent)?;
        }
        fs_err::write(&path, templates::render(f.contents, &name))?;
    }
    let what = match lang {
        Lang::Mixed => "C + Python",
        Lang::Rust => "Rust",
        Lang::C => "C",
    };
    shell.status(
        "Created",
        format!(
            "{what} module `{name}` {}",
            if new {
                format!("in `{}`", dir.display())
            } else {
                format!("in `{}`", abs.display())
            }
        ),
    );
    warn_if_outside_enclosing_workspace(shell, &abs, &name);
    Ok(())
}

/// Cargo refuses to build a package that sits below a workspace root without being one
/// of its members. `cargo new` edits the workspace; we leave the user's workspace alone
/// and say what to do instead, before the first build fails.
fn warn_if_outside_enclosing_workspace(shell: &Shell, dir: &Path, name: &str) {
    let Some(root) = enclosing_workspace(dir) else {
        return;
    };
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = std::process::Command::new(cargo)
        .args([
            "locate-project",
            "--workspace",
            "--message-format",
            "plain",
            "--manifest-path",
        ])
        .arg(dir.join("Cargo.toml"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    if matches!(status, Ok(s) if !s.success()) {
        let rel = dir
            .strip_prefix(root.parent().unwrap_or(&root))
            .unwrap_or(dir);
        shell.warn(format!(
            "`{name}` is inside the workspace of `{}` but is not one of its members, so cargo will refuse to build it: add `\"{}\"` to `workspace.members` there, or add an empty `[workspace]` table to `{}` to build it on its own",
            root.display(),
            rel.display(),
            dir.join("Cargo.toml").display()
        ));
    }
}

/// The nearest `Cargo.toml` above `dir` (not in it) that declares a `[workspace]`.
fn enclosing_workspace(dir: &Path) -> Option<PathBuf> {
    dir.ancestors().skip(1).find_map(|d| {
        let manifest = d.join("Cargo.toml");
        let text = std::fs::read_to_string(&manifest).ok()?;
        let declares = text
            .lines()
            .any(|l| l.trim() == "[workspace]" || l.trim_start().starts_with("[workspace."));
        declares.then_some(manifest)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_names() {
        assert!(check_module_name("foo_1").is_ok());
        assert!(check_module_name("_x").is_ok());
        for bad in ["1abc", "my-mod", "", "a.b", "class"] {
            assert!(check_module_name(bad).is_err(), "{bad}");
        }
    }
}
