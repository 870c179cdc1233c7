//! File-system steps shared by key files and ledgers: where a file's
//! directory is, making a directory entry durable, and opening a ledger with
//! errors that name it.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

use crate::error::{Error, LedgerErrorKind, Result};

/// The directory holding `path`: its parent, or `.` for a bare file name.
pub(crate) fn parent_dir(path: &Path) -> &Path {
    path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

/// Makes a directory entry change durable.
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Refuses anything but a regular file (a directory, a device) as a ledger.
pub(crate) fn ensure_regular_file(file: &File, path: &Path) -> Result<()> {
    let metadata = file.metadata().map_err(|e| Error::ledger_io(path, "read the ledger's metadata", e))?;
    if !metadata.is_file() {
        return Err(not_a_regular_file(path));
    }
    Ok(())
}

fn not_a_regular_file(path: &Path) -> Error {
    Error::ledger(LedgerErrorKind::Unusable, format!("{}: not a regular file", path.display()))
}

/// Opens an existing ledger; a missing file is an error that says so.
pub(crate) fn open_existing_ledger(path: &Path, options: &OpenOptions) -> Result<File> {
    let file = options.open(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => {
            Error::ledger(LedgerErrorKind::Io, format!("{}: no such ledger file", path.display()))
        }
        // Opening a directory for writing fails before its type can be checked.
        io::ErrorKind::IsADirectory => not_a_regular_file(path),
        _ => Error::ledger_io(path, "open the ledger", e),
    })?;
    ensure_regular_file(&file, path)?;
    Ok(file)
}
