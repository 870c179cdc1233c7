//! Where a session's lines are kept: the seam between the session (chain
//! state, group commit) and the bytes at rest. The file store is v1's;
//! stores with other policies (revisioned, sealed, in a database) implement
//! the same trait beside it.

mod file;

use std::io;

pub(crate) use file::FileStore;

/// An append-only sequence of ledger lines, held exclusively by one session.
pub(crate) trait Store: Send {
    /// Bytes held: where the next line starts.
    fn len(&self) -> u64;

    /// The last line with its LF, if it has one (at most one line's worth,
    /// read without reading the rest); empty when the store is.
    fn last_line(&mut self) -> io::Result<Vec<u8>>;

    /// The line at `index` (0-based) without its LF, if the store holds that
    /// many complete lines; found by reading from the start, at most one
    /// line's worth held at a time.
    fn line_at(&mut self, index: u64) -> io::Result<Option<Vec<u8>>>;

    /// Appends whole lines, durable on return when `sync`. On failure, says
    /// whether the store is as it was before.
    fn append(&mut self, lines: &[u8], sync: bool) -> Result<(), WriteFailure>;

    /// Gives up the store and its exclusive hold on it; later appends fail
    /// with nothing written.
    fn release(&mut self);
}

/// Why bytes could not be appended.
pub(crate) enum WriteFailure {
    /// The write failed and was undone: the store is as before.
    NothingWritten(io::Error),
    /// Whether the bytes are kept is unknown.
    Unknown(String),
}
