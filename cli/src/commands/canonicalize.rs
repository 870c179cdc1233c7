//! `provedex canonicalize`: the canonical JSON bytes of one JSON value.

use std::io::IsTerminal;
use std::process::ExitCode;

use provedex_core::canonical;

use crate::input::file_or_stdin;
use crate::{CliError, CliResult, out};

#[derive(clap::Args)]
pub struct Args {
    /// File to read (a regular file, at most 16 MiB), or - for stdin
    #[arg(value_name = "FILE|-", default_value = "-")]
    file: String,
}

pub fn run(args: Args) -> CliResult {
    let (text, source) = file_or_stdin(&args.file, "canonicalize")?;
    let bytes = canonical::canonicalize(&text).map_err(|e| CliError::usage(format!("{source}: {e}")))?;
    let mut stdout = std::io::stdout().lock();
    // Exact bytes when piped (to hash them); a newline only for people.
    let newline = if stdout.is_terminal() { &b"\n"[..] } else { b"" };
    out::write_or_exit(&mut stdout, [&bytes[..], newline].concat());
    Ok(ExitCode::SUCCESS)
}
