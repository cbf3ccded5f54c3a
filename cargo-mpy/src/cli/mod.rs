//! The command line: `cargo mpy <command>`, one module per subcommand.

pub mod build;
pub mod deploy;
pub mod doctor;
pub mod inspect;
pub mod new;
pub mod package;
pub mod test;

use clap::{Parser, Subcommand};

/// `cargo` as it invokes us: `cargo-mpy mpy <command> ...`.
#[derive(Debug, Parser)]
#[command(name = "cargo", bin_name = "cargo", version, styles = clap::builder::styling::Styles::styled())]
pub enum Cargo {
    /// Build MicroPython native modules (.mpy files holding machine code).
    Mpy(MpyArgs),
}

/// `cargo mpy` options.
#[derive(Debug, clap::Args)]
#[command(version, about, long_about = None)]
pub struct MpyArgs {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
    /// Use verbose output (show every command that runs).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Print only errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the module's `.mpy` for one or more architectures.
    Build(build::BuildArgs),
    /// Create a new module in a new directory.
    New(new::NewArgs),
    /// Create a new module in an existing directory.
    Init(new::InitArgs),
    /// Show which tools each architecture would use and how to install missing ones.
    Doctor(doctor::DoctorArgs),
    /// Build for the board's architecture and copy the module to the board.
    Deploy(deploy::DeployArgs),
    /// Build, then run a script with the module on the board, streaming its output.
    Run(deploy::RunArgs),
    /// Run the package's `tests/*.py` on this machine's MicroPython or on a board.
    Test(test::TestArgs),
    /// Write the files `mip` installs from: one directory per architecture and an index.
    Package(package::PackageArgs),
    /// Show what a `.mpy` file holds.
    Inspect(inspect::InspectArgs),
}
