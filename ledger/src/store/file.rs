//! The ledger as one append-only file (spec/ledger-format.md), locked
//! against other writers for as long as the session holds it.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;

use provedex_format::{Error, MAX_LINE_BYTES, Result};
use provedex_verify::files::{ensure_regular_file, open_existing_ledger};

use super::{Store, WriteFailure};
use crate::files::{lock_exclusive, parent_dir, sync_dir};

/// A ledger file opened for reading and appending, and its length.
pub(crate) struct FileStore {
    /// `None` once released, which releases the lock.
    file: Option<File>,
    len: u64,
}

impl FileStore {
    /// Opens (or creates, with its directory) the ledger at `path` and takes
    /// its exclusive lock. Nothing is written to an existing ledger.
    pub(crate) fn open(path: &Path) -> Result<FileStore> {
        let file = open_for_append(path)?;
        lock_exclusive(&file, path)?;
        let len = file.metadata().map_err(|e| Error::ledger_io(path, "read the ledger's metadata", e))?.len();
        Ok(FileStore { file: Some(file), len })
    }
}

impl Store for FileStore {
    fn len(&self) -> u64 {
        self.len
    }

    fn last_line(&mut self) -> io::Result<Vec<u8>> {
        match &self.file {
            Some(file) => read_last_line(file, self.len),
            None => Err(io::Error::other("the store is released")),
        }
    }

    fn line_at(&mut self, index: u64) -> io::Result<Option<Vec<u8>>> {
        match &self.file {
            Some(file) => read_line_at(file, self.len, index),
            None => Err(io::Error::other("the store is released")),
        }
    }

    /// A failed write is cut back to the previous length when possible.
    fn append(&mut self, bytes: &[u8], sync: bool) -> Result<(), WriteFailure> {
        let Some(file) = &mut self.file else {
            return Err(WriteFailure::NothingWritten(io::Error::other("the session is closed")));
        };
        if let Err(e) = file.write_all(bytes) {
            return Err(match file.set_len(self.len) {
                Ok(()) => WriteFailure::NothingWritten(e),
                Err(cut) => WriteFailure::Unknown(format!(
                    "append failed ({e}) and the partial write could not be removed ({cut})"
                )),
            });
        }
        if sync && let Err(e) = file.sync_data() {
            return Err(WriteFailure::Unknown(format!(
                "fsync failed ({e}); whether the last lines are on disk is unknown"
            )));
        }
        self.len += bytes.len() as u64;
        Ok(())
    }

    fn release(&mut self) {
        self.file = None;
    }
}

/// Opens (or creates, with its directory) the ledger file for reading and appending.
fn open_for_append(path: &Path) -> Result<File> {
    let dir = parent_dir(path);
    fs::create_dir_all(dir).map_err(|e| Error::ledger_io(dir, "create the ledger's directory", e))?;
    let file = match OpenOptions::new().read(true).append(true).create_new(true).open(path) {
        Ok(file) => {
            // A new ledger: make its directory entry durable too.
            sync_dir(dir).map_err(|e| Error::ledger_io(dir, "sync the ledger's directory", e))?;
            file
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            return open_existing_ledger(path, OpenOptions::new().read(true).append(true));
        }
        Err(e) => return Err(Error::ledger_io(path, "create the ledger", e)),
    };
    ensure_regular_file(&file, path)?;
    Ok(file)
}

/// The bytes after the second-to-last LF (the last line with its LF, if it
/// has one), reading backwards in blocks and at most one line's worth.
fn read_last_line(mut file: &File, len: u64) -> io::Result<Vec<u8>> {
    const BLOCK: u64 = 64 * 1024;
    let limit = MAX_LINE_BYTES as u64 + 2;
    let mut tail: Vec<u8> = Vec::new();
    let mut start = len;
    loop {
        let read_from = start.saturating_sub(BLOCK).max(len.saturating_sub(limit));
        if read_from == start {
            return Ok(tail);
        }
        let mut block = vec![0u8; (start - read_from) as usize];
        file.seek(SeekFrom::Start(read_from))?;
        file.read_exact(&mut block)?;
        block.extend_from_slice(&tail);
        tail = block;
        start = read_from;
        // Skip the final byte: it is the last line's own LF when present.
        if let Some(i) = tail[..tail.len() - 1].iter().rposition(|&b| b == b'\n') {
            return Ok(tail.split_off(i + 1));
        }
        if start == 0 {
            return Ok(tail);
        }
    }
}

/// The line at `index` without its LF: skips `index` LFs from the start of
/// the file, then reads up to the next LF (refusing a line longer than a
/// reader accepts). `None` when the file holds fewer complete lines.
fn read_line_at(mut file: &File, len: u64, index: u64) -> io::Result<Option<Vec<u8>>> {
    file.seek(SeekFrom::Start(0))?;
    let mut reader = io::BufReader::with_capacity(256 * 1024, file.take(len));
    let mut skipped = 0;
    while skipped < index {
        let buffer = io::BufRead::fill_buf(&mut reader)?;
        if buffer.is_empty() {
            return Ok(None);
        }
        let (consumed, found) = match buffer.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (buffer.len(), false),
        };
        io::BufRead::consume(&mut reader, consumed);
        skipped += u64::from(found);
    }
    let mut line = Vec::new();
    io::BufRead::read_until(&mut (&mut reader).take(MAX_LINE_BYTES as u64 + 1), b'\n', &mut line)?;
    match line.pop() {
        Some(b'\n') => Ok(Some(line)),
        _ if line.len() >= MAX_LINE_BYTES => {
            Err(io::Error::other(format!("line {} is longer than {MAX_LINE_BYTES} bytes", index + 1)))
        }
        _ => Ok(None),
    }
}
