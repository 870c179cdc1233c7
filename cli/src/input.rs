//! Reading a command's input: inline text, a file, or `-` for stdin.
//!
//! Nothing longer than a ledger line ([`MAX_LINE_BYTES`]) can be a valid
//! event, so no input is read past that: endless input (`< /dev/zero`) is
//! refused after 16 MiB, not buffered until memory runs out. A FILE that is
//! not a regular file (a FIFO, whose open waits for a writer, or a device) is
//! refused before it is opened; a stream goes on stdin.

use std::io::Read;
use std::path::Path;

use provedex_core::display::shell_word;
use provedex_core::{Digest, MAX_LINE_BYTES};
use sha2::{Digest as _, Sha256};

use crate::CliError;
use crate::paths::special_kind;
use crate::render::path_text;

fn too_long(source: &str) -> CliError {
    CliError::usage(format!(
        "{source} is longer than {MAX_LINE_BYTES} bytes (16 MiB), the longest a ledger line can be: \
         nothing that long can be valid input, so no more of it was read"
    ))
}

/// Reads to the end, or refuses once more than [`MAX_LINE_BYTES`] have come.
fn read_limited(reader: impl Read, source: &str) -> Result<Vec<u8>, CliError> {
    let mut buf = Vec::new();
    reader
        .take(MAX_LINE_BYTES as u64 + 1)
        .read_to_end(&mut buf)
        .map_err(|e| CliError::usage(format!("cannot read {source}: {e}")))?;
    if buf.len() > MAX_LINE_BYTES {
        return Err(too_long(source));
    }
    Ok(buf)
}

fn stdin() -> Result<(Vec<u8>, String), CliError> {
    let source = "stdin".to_owned();
    Ok((read_limited(std::io::stdin().lock(), &source)?, source))
}

/// An argument that is inline text, or `-` for stdin. Returns the bytes and
/// a name for error messages.
pub fn inline_or_stdin(arg: &str) -> Result<(Vec<u8>, String), CliError> {
    if arg == "-" {
        return stdin();
    }
    let source = "argument".to_owned();
    if arg.len() > MAX_LINE_BYTES {
        return Err(too_long(&source));
    }
    Ok((arg.as_bytes().to_vec(), source))
}

/// An argument that names a regular file, or `-` for stdin.
pub fn file_or_stdin(arg: &str, command: &str) -> Result<(Vec<u8>, String), CliError> {
    if arg == "-" {
        return stdin();
    }
    let (file, source) = open_regular_file(arg, command)?;
    if file.metadata().map_err(|e| CliError::usage(format!("cannot read {source}: {e}")))?.len() > MAX_LINE_BYTES as u64
    {
        return Err(too_long(&source));
    }
    Ok((read_limited(file, &source)?, source))
}

/// The SHA-256 of a regular file, or of stdin for `-`, hashed as it is read:
/// data of any length, held a block at a time.
pub fn sha256_of_file_or_stdin(arg: &str, command: &str) -> Result<Digest, CliError> {
    let (reader, source): (Box<dyn Read>, String) = if arg == "-" {
        (Box::new(std::io::stdin().lock()), "stdin".to_owned())
    } else {
        let (file, source) = open_regular_file(arg, command)?;
        (Box::new(file), source)
    };
    let mut reader = std::io::BufReader::with_capacity(1 << 16, reader);
    let mut hasher = Sha256::new();
    loop {
        let block = std::io::BufRead::fill_buf(&mut reader)
            .map_err(|e| CliError::usage(format!("cannot read {source}: {e}")))?;
        if block.is_empty() {
            return Ok(Digest(hasher.finalize().into()));
        }
        hasher.update(block);
        let read = block.len();
        std::io::BufRead::consume(&mut reader, read);
    }
}

/// Opens `arg` when it names a regular file; a directory, a FIFO or a device
/// is refused before it is opened. Returns the file and its name for messages.
pub fn open_regular_file(arg: &str, command: &str) -> Result<(std::fs::File, String), CliError> {
    let path = Path::new(arg);
    let source = path_text(path).into_owned();
    let cannot = |e: std::io::Error| CliError::usage(format!("cannot read {source}: {e}"));
    let file_type = std::fs::metadata(path).map_err(cannot)?.file_type();
    if file_type.is_dir() {
        return Err(CliError::usage(format!("{source} is a directory; give a file, or - for stdin")));
    }
    if !file_type.is_file() {
        return Err(CliError::usage(format!(
            "{source} is {}, not a regular file; to read a stream, pipe it: `provedex {command} - < {}`",
            special_kind(file_type),
            shell_word(path)
        )));
    }
    let file = std::fs::File::open(path).map_err(cannot)?;
    Ok((file, source))
}
