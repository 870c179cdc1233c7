//! Opening files that may be hostile: only regular files, never blocking on
//! a FIFO or a device, with errors that name the ledger. Verification opens
//! ledgers read-only with these; the ledger crate opens key files and
//! ledgers for writing with the same rules.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

use provedex_format::{Error, LedgerErrorKind, Result};

/// Opens an existing file with `options`, or `Ok(None)` when it is not a
/// regular file (a directory, a FIFO, a device, a socket). The open itself
/// does not wait for a FIFO's writer (`O_NONBLOCK`, which has no effect on a
/// regular file), so the refusal is immediate.
pub fn open_regular(path: &Path, options: &OpenOptions) -> io::Result<Option<File>> {
    let mut options = options.clone();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let file = match options.open(path) {
        Ok(file) => file,
        // Opening a directory for writing fails before its type can be checked.
        Err(e) if e.kind() == io::ErrorKind::IsADirectory => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok(file.metadata()?.is_file().then_some(file))
}

/// Refuses anything but a regular file (a directory, a device) as a ledger.
pub fn ensure_regular_file(file: &File, path: &Path) -> Result<()> {
    let metadata = file.metadata().map_err(|e| Error::ledger_io(path, "read the ledger's metadata", e))?;
    if !metadata.is_file() {
        return Err(not_a_regular_file(path));
    }
    Ok(())
}

fn not_a_regular_file(path: &Path) -> Error {
    Error::ledger(LedgerErrorKind::Unusable, format!("{}: not a regular file", path.display()))
}

/// Opens an existing ledger; a missing file or one that is not a regular
/// file is an error that says so.
pub fn open_existing_ledger(path: &Path, options: &OpenOptions) -> Result<File> {
    match open_regular(path, options) {
        Ok(Some(file)) => Ok(file),
        Ok(None) => Err(not_a_regular_file(path)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            Err(Error::ledger(LedgerErrorKind::Io, format!("{}: no such ledger file", path.display())))
        }
        Err(e) => Err(Error::ledger_io(path, "open the ledger", e)),
    }
}
