//! File-system steps shared by key files, ledger files and recovery: where
//! a file's directory is, making a directory entry durable, the writer's lock.

use std::fs::{File, TryLockError};
use std::io;
use std::path::Path;

use provedex_format::{Error, LedgerErrorKind, Result};

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

/// Takes the ledger's exclusive lock (one writer per ledger), without waiting.
pub(crate) fn lock_exclusive(file: &File, path: &Path) -> Result<()> {
    match file.try_lock() {
        Ok(()) => Ok(()),
        Err(TryLockError::WouldBlock) => Err(Error::ledger(
            LedgerErrorKind::Locked,
            format!("{}: the ledger is locked by another writer (one writer per ledger)", path.display()),
        )),
        Err(TryLockError::Error(e)) => Err(Error::ledger_io(path, "lock the ledger", e)),
    }
}
