//! Reading a command's input: inline text, a file, or `-` for stdin.

use std::io::Read;

use crate::CliError;

fn stdin() -> Result<(Vec<u8>, String), CliError> {
    let mut buf = Vec::new();
    std::io::stdin().read_to_end(&mut buf).map_err(|e| CliError::usage(format!("cannot read stdin: {e}")))?;
    Ok((buf, "stdin".into()))
}

/// An argument that is inline text, or `-` for stdin. Returns the bytes and
/// a name for error messages.
pub fn inline_or_stdin(arg: &str) -> Result<(Vec<u8>, String), CliError> {
    if arg == "-" { stdin() } else { Ok((arg.as_bytes().to_vec(), "argument".into())) }
}

/// An argument that names a file, or `-` for stdin.
pub fn file_or_stdin(arg: &str) -> Result<(Vec<u8>, String), CliError> {
    if arg == "-" {
        return stdin();
    }
    std::fs::read(arg)
        .map(|bytes| (bytes, arg.to_owned()))
        .map_err(|e| CliError::usage(format!("cannot read {arg}: {e}")))
}
