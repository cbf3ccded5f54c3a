//! `cargo-mpy`: parses the command line, runs one subcommand and reports
//! its error chain. Exit code 1 for errors.

use std::process::ExitCode;

use cargo_mpy::cli::build::MessageFormat;
use cargo_mpy::cli::{Cargo, Command};
use cargo_mpy::shell::{Shell, Verbosity};
use clap::Parser;

fn main() -> ExitCode {
    // Started by cargo as the rustc wrapper of a module's Rust build.
    if let Some(code) = cargo_mpy::rustc_wrapper::run_if_wrapper() {
        return code;
    }
    // `cargo mpy build` runs `cargo-mpy mpy build`; also accept the binary
    // run directly as `cargo-mpy build`.
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).map(|a| a != "mpy").unwrap_or(true) {
        args.insert(1, "mpy".into());
    }
    let Cargo::Mpy(mpy) = Cargo::parse_from(args);
    let verbosity = if mpy.quiet {
        Verbosity::Quiet
    } else if mpy.verbose > 0 {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    };
    let json = matches!(&mpy.command, Command::Build(a) if a.message_format == MessageFormat::Json);
    let shell = Shell::stderr(verbosity).with_json_messages(json);
    let result = match mpy.command {
        Command::Build(a) => a.run(&shell).map(|_| ()),
        Command::New(a) => a.run(&shell),
        Command::Init(a) => a.run(&shell),
        Command::Doctor(a) => a.run(&shell),
        Command::Deploy(a) => a.run(&shell),
        Command::Run(a) => a.run(&shell),
        Command::Test(a) => a.run(&shell),
        Command::Package(a) => a.run(&shell),
        Command::Inspect(a) => a.run(&shell),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            shell.print_error(&e);
            shell.json(&serde_json::json!({"reason": "build-finished", "success": false}));
            ExitCode::FAILURE
        }
    }
}
