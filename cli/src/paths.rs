//! Where keys and ledgers are: `--key` / `--ledger`, else `$PROVEDEX_KEY` /
//! `$PROVEDEX_LEDGER`, else below `~/.provedex/`; and the checks that turn a
//! path that cannot name the file (a directory, a FIFO) into a clear error
//! before anything is opened or created.

use std::fs::FileType;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};

use provedex_core::display::shell_word;

use crate::CliError;
use crate::render::path_text;

/// A ledger to read: a file, or `-` for a stream on stdin.
pub enum LedgerSource {
    File(PathBuf),
    Stdin,
}

fn home() -> Result<PathBuf, CliError> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .ok_or_else(|| CliError::usage("HOME is not set; pass the path explicitly (--key / --ledger)"))
}

/// The flag, else the environment variable, else `~/.provedex/<default>`. A
/// variable that is set but empty is an error: it usually means a script
/// meant to set it and did not, and falling back to the default would use
/// another key or ledger than intended.
fn resolve(explicit: Option<PathBuf>, variable: &str, flag: &str, default: &str) -> Result<PathBuf, CliError> {
    if let Some(path) = explicit {
        return Ok(path);
    }
    match std::env::var_os(variable) {
        Some(value) if value.is_empty() => Err(CliError::usage(format!(
            "{variable} is set but empty; set it to a path, unset it to use ~/.provedex/{default}, or pass {flag} PATH"
        ))),
        Some(value) => Ok(PathBuf::from(value)),
        None => Ok(home()?.join(".provedex").join(default)),
    }
}

/// `--key`, else `$PROVEDEX_KEY`, else `~/.provedex/keys/ed25519.key`, checked
/// by [`check_file_path`].
pub fn key_path(explicit: Option<PathBuf>) -> Result<PathBuf, CliError> {
    let path = resolve(explicit, "PROVEDEX_KEY", "--key", "keys/ed25519.key")?;
    check_file_path(&path, "key", "ed25519.key", None)?;
    Ok(path)
}

/// The ledger a command writes or repairs: `--ledger`, else
/// `$PROVEDEX_LEDGER`, else `~/.provedex/ledger.ndjson`. `-` is refused (it
/// means stdin to `verify` and `show`; a file named `-` is `./-`).
pub fn ledger_path(explicit: Option<PathBuf>, command: &str) -> Result<PathBuf, CliError> {
    let path = resolve(explicit, "PROVEDEX_LEDGER", "--ledger", "ledger.ndjson")?;
    if path.as_os_str() == "-" {
        return Err(CliError::usage(format!(
            "`provedex {command}` needs a ledger file, not stdin (`--ledger -` reads a stream for `verify` and \
             `show`); a file named - is ./-"
        )));
    }
    check_file_path(&path, "ledger", "ledger.ndjson", None)?;
    Ok(path)
}

/// The ledger a command reads: as [`ledger_path`], with `-` for stdin.
pub fn ledger_source(explicit: Option<PathBuf>, command: &str) -> Result<LedgerSource, CliError> {
    let path = resolve(explicit, "PROVEDEX_LEDGER", "--ledger", "ledger.ndjson")?;
    if path.as_os_str() == "-" {
        return Ok(LedgerSource::Stdin);
    }
    let hint = format!("to read a stream, pipe it: `provedex {command} --ledger - < {}`", shell_word(&path));
    check_file_path(&path, "ledger", "ledger.ndjson", Some(&hint))?;
    Ok(LedgerSource::File(path))
}

/// Refuses a path that cannot name a `what` file, without opening it (a
/// FIFO's open would wait for a writer): a path ending in `/`, an existing
/// directory, a FIFO, a device or a socket. A missing file passes; the
/// command says what it needs then. `stream_hint` tells how to read a stream
/// instead, for commands that can.
pub fn check_file_path(path: &Path, what: &str, example: &str, stream_hint: Option<&str>) -> Result<(), CliError> {
    let shown = path_text(path);
    let suggest = |dir: &Path| format!("give a {what} file path such as {}", shell_word(&dir.join(example)));
    if path.as_os_str().as_bytes().ends_with(b"/") {
        return Err(CliError::usage(format!(
            "{shown} names a directory (it ends with /), not a {what} file; {}",
            suggest(path)
        )));
    }
    let Ok(metadata) = std::fs::metadata(path) else { return Ok(()) };
    let file_type = metadata.file_type();
    if file_type.is_file() {
        return Ok(());
    }
    if file_type.is_dir() {
        return Err(CliError::usage(format!("{shown} is a directory, not a {what} file; {}", suggest(path))));
    }
    let hint = stream_hint.map(|h| format!("; {h}")).unwrap_or_default();
    Err(CliError::usage(format!("{shown} is {}, not a regular {what} file{hint}", special_kind(file_type))))
}

/// What a file that is neither a regular file nor a directory is, for a message.
pub fn special_kind(file_type: FileType) -> &'static str {
    if file_type.is_fifo() {
        "a named pipe (FIFO)"
    } else if file_type.is_char_device() {
        "a character device"
    } else if file_type.is_block_device() {
        "a block device"
    } else if file_type.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}
