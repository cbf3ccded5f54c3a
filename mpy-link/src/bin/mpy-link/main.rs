//! `mpy-link`: a drop-in replacement for MicroPython's `tools/mpy_ld.py`
//! (same arguments), plus `--merge` in place of `mpy-tool.py --merge` and `--dump` to
//! print what a `.mpy` file holds.
//! Use it from `py/dynruntime.mk` with `MPY_LD=mpy-link MPY_TOOL=mpy-link`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use mpy_link::{Arch, Improvements, Input, Library, LinkError, LinkOptions, MpyAbi};

mod output;
mod report;

use output::write_atomic;

#[derive(Parser, Debug)]
#[command(
    name = "mpy-link",
    version,
    about = "Link native object files into a MicroPython .mpy module"
)]
struct Args {
    /// Increase verbosity (repeat for more).
    #[arg(short, long, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Target architecture.
    #[arg(long, default_value = "x64")]
    arch: String,
    /// The .mpy ABI to link for: 6.1 (MicroPython 1.20-1.21), 6.2 (1.22) or 6.3 (1.23 and
    /// later). Sets the header's sub-version and the mp_fun_table entries symbols resolve to;
    /// compile the objects for the same ABI.
    #[arg(long, value_name = "ABI", default_value = "6.3", value_parser = ["6.1", "6.2", "6.3"])]
    mpy_abi: String,
    /// Architecture flags (rv32imc: `zba,zcmp` or a number).
    #[arg(long)]
    arch_flags: Option<String>,
    /// File name written into the .mpy (default: the output's file name).
    #[arg(long)]
    source_name: Option<String>,
    /// Scan sources for qstrs and write the config header.
    #[arg(long)]
    preprocess: bool,
    /// Config header defining the module's qstrs.
    #[arg(long)]
    qstrs: Option<PathBuf>,
    /// Static libraries (`.a`, or GROUP ld scripts) to link.
    #[arg(short = 'l', long = "libs")]
    libs: Vec<PathBuf>,
    /// Output file (default: the first input with `.o` replaced by `.mpy`).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Linker script giving fixed-address symbols.
    #[arg(short, long)]
    externs: Option<PathBuf>,
    /// Merge .mpy files (as `mpy-tool.py --merge`).
    #[arg(long)]
    merge: bool,
    /// Print the contents of .mpy files (header, qstrs, code, relocations) instead of linking.
    #[arg(long, conflicts_with = "merge")]
    dump: bool,
    /// Improvement: support file-local bss and initialised .data.
    #[arg(long)]
    static_data: bool,
    /// Improvement: drop sections unreachable from `mpy_init`.
    #[arg(long)]
    gc_sections: bool,
    /// Input files.
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            report::error(e);
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), LinkError> {
    if args.merge {
        return merge(args);
    }
    if args.dump {
        return dump(args);
    }
    let arch: Arch = args
        .arch
        .parse()
        .map_err(|e: mpy_link::arch::UnknownArch| LinkError::Other(e.to_string()))?;
    let arch_flags = match &args.arch_flags {
        Some(f) => mpy_link::arch::parse_arch_flags(arch, f)?,
        None => 0,
    };
    if args.preprocess {
        let out = match &args.output {
            Some(o) => o.clone(),
            None => replace_ext(&args.files[0], ".c", "config.h")?,
        };
        let scan = mpy_link::qstr::scan_files(&args.files)?;
        return write_atomic(&out, mpy_link::qstr::config_header(&scan).as_bytes());
    }
    let output = match &args.output {
        Some(o) => o.clone(),
        None => replace_ext(&args.files[0], ".o", "mpy")?,
    };
    let (qstrs, qstr_objects) = match &args.qstrs {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|source| LinkError::Io {
                action: "read",
                path: p.clone(),
                source,
            })?;
            (
                mpy_link::qstr::parse_config_header(&text),
                mpy_link::qstr::parse_config_header_objects(&text),
            )
        }
        None => (Vec::new(), Vec::new()),
    };
    let externs = match &args.externs {
        Some(p) => mpy_link::externs::parse_file(p)?,
        None => Vec::new(),
    };
    let source_name = match &args.source_name {
        Some(s) => s.clone(),
        None => output
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    let abi = MpyAbi::from_name(&args.mpy_abi)
        .ok_or_else(|| LinkError::Other(format!("unknown .mpy ABI `{}`", args.mpy_abi)))?;
    let options = LinkOptions {
        arch,
        abi,
        qstrs,
        qstr_objects,
        source_name,
        arch_flags,
        externs,
        improvements: Improvements {
            static_data: args.static_data,
            gc_sections: args.gc_sections,
        },
    };
    let inputs = args
        .files
        .iter()
        .map(|p| Input::from_path(p))
        .collect::<Result<Vec<_>, _>>()?;
    let libs = args
        .libs
        .iter()
        .map(|p| Library::open(p))
        .collect::<Result<Vec<_>, _>>()?;
    let module = mpy_link::link(&options, &inputs, &libs)?;
    for w in &module.warnings {
        report::warning(w);
    }
    if args.verbose > 0 {
        report::info(format_args!("arch:         {}", arch.spec().machine_name));
        report::info(format_args!("text size:    {}", module.text.len()));
        if !module.rodata.is_empty() {
            report::info(format_args!("rodata size:  {}", module.rodata.len()));
        }
        report::info(format_args!("bss size:     {}", module.bss_size));
        report::info(format_args!("GOT entries:  {}", module.got_entries));
        for input in module.inputs.iter().filter(|i| i.member.is_some()) {
            report::info(format_args!("using {input}"));
        }
    }
    write_atomic(&output, &module.to_mpy())
}

fn read_input(p: &Path) -> Result<Vec<u8>, LinkError> {
    std::fs::read(p).map_err(|source| LinkError::Io {
        action: "read",
        path: p.to_path_buf(),
        source,
    })
}

fn dump(args: &Args) -> Result<(), LinkError> {
    let mut out = String::new();
    for p in &args.files {
        let data = read_input(p)?;
        let mpy = mpy_link::mpy::read::read(&p.display().to_string(), &data)?;
        out.push_str(&mpy_link::mpy::dump::dump(&mpy));
    }
    report::stdout(&out);
    Ok(())
}

fn merge(args: &Args) -> Result<(), LinkError> {
    let Some(output) = &args.output else {
        return Err(LinkError::Other("`--merge` needs `-o OUTPUT`".into()));
    };
    let mut files = Vec::new();
    for p in &args.files {
        let data = read_input(p)?;
        files.push((p.display().to_string(), data));
    }
    let inputs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    let merged = mpy_link::mpy::merge::merge(&inputs)?;
    write_atomic(output, &merged)
}

fn replace_ext(path: &Path, from: &str, to: &str) -> Result<PathBuf, LinkError> {
    let s = path.to_string_lossy();
    match s.strip_suffix(from.trim_start_matches('.')) {
        Some(stem) if s.ends_with(from) => Ok(PathBuf::from(format!("{stem}{to}"))),
        _ => Err(LinkError::Other(format!(
            "no output name given and `{}` does not end in `{from}`; pass `-o`",
            path.display()
        ))),
    }
}
