//! The append-only ledger writer and its recovery (spec/ledger-format.md).
//!
//! Promises: an event is on disk (written whole and fsynced) before
//! [`Session::record`] returns, unless the session was opened with
//! [`Durability::None`]; one writer per ledger, enforced by an exclusive
//! lock; resuming never writes after a torn, broken or foreign tail;
//! [`recover`] removes only a torn final line, after keeping a copy.

use std::collections::VecDeque;
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::thread::{self, Thread};

use crate::display::shell_word;
use crate::error::{Error, LedgerErrorKind, Result};
use crate::event::AgentEvent;
use crate::files::{ensure_regular_file, open_existing_ledger, parent_dir, sync_dir};
use crate::hex::ChainHash;
use crate::keys::SigningKeypair;
use crate::line::MAX_LINE_BYTES;
use crate::reason::Reason;
use crate::seal::{GENESIS_PARENT_HASH, SignedEvent, link, now_nanos, refuse_too_long, validate_for_signing};
use crate::verify::{ChainReport, VerifyOptions, frame, scan};

/// How [`Session::record`] makes its line durable before returning.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Durability {
    /// Each record writes and fsyncs its own line, one record at a time:
    /// concurrent records queue behind each other's fsync.
    EveryEvent,
    /// Group commit, the default. Concurrent records share one write and one
    /// fsync; each returns only after the fsync that covers its line, so the
    /// promise is that of `EveryEvent` at a fraction of the fsyncs.
    #[default]
    Group,
    /// Lines are written but never fsynced: an operating-system crash or power
    /// loss may lose the latest ones. For throwaway ledgers and tests.
    None,
}

impl Durability {
    /// Every mode, in the order of the spec.
    pub const ALL: [Durability; 3] = [Durability::EveryEvent, Durability::Group, Durability::None];

    /// The stable name used by the command line and the bindings.
    pub fn code(self) -> &'static str {
        match self {
            Durability::EveryEvent => "every_event",
            Durability::Group => "group",
            Durability::None => "none",
        }
    }

    /// The mode named `code` (see [`Durability::code`]).
    pub fn from_code(code: &str) -> Option<Durability> {
        Durability::ALL.into_iter().find(|d| d.code() == code)
    }
}

/// How a [`Session`] writes; [`Session::open`] uses the defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionOptions {
    /// When a record returns; [`Durability::Group`] by default.
    pub durability: Durability,
}

/// A writer appending to one ledger. `Send + Sync`: share it between threads;
/// records are sequenced so each gets the next seq and parent.
///
/// A session belongs to the process that opened it. After `fork()` the child
/// holds a copy of the chain state and of the lock, so records from both
/// processes would reuse seqs: every record in the child is refused
/// ([`LedgerErrorKind::Forked`]); the child opens a session of its own.
pub struct Session {
    keypair: SigningKeypair,
    path: PathBuf,
    /// Metadata for the application (v1 records it inside events, as
    /// `SessionStarted.session_id`); the ledger's locator is `path`.
    session_id: String,
    durability: Durability,
    /// The process that opened the session.
    pid: u32,
    chain: Mutex<ChainState>,
    /// How many lines group commit ever placed in the chain: a line's ticket
    /// is this count just after it was placed (under the chain lock, so
    /// ticket order is chain order).
    placed: AtomicU64,
    writer: Mutex<Writer>,
    commit: Mutex<CommitState>,
}

/// Where the chain continues. Records take their seq and parent under this
/// lock, so line order is chain order; with group commit they sign after
/// releasing it, on as many cores as there are recording threads.
struct ChainState {
    /// `None` once the ledger holds seq `u64::MAX`: nothing more can be appended.
    next_seq: Option<u64>,
    parent: ChainHash,
    last_timestamp: u64,
    /// Set when a failed write or fsync leaves the file's state unknown.
    poisoned: Option<String>,
    /// Set by [`Session::close`]: no more lines are placed.
    closed: bool,
}

/// The file and its length, which is where the next line starts.
struct Writer {
    /// `None` once the session is closed, which releases the lock.
    file: Option<File>,
    len: u64,
}

/// Group commit's queue and progress.
struct CommitState {
    /// The ticket of `lines[0]`; every line with a smaller ticket was handed to the file.
    next_to_write: u64,
    /// The lines from `next_to_write` on, LF-terminated; `None` while its
    /// record is still signing it.
    lines: VecDeque<Option<Vec<u8>>>,
    /// How many of `lines` are signed.
    signed: u64,
    /// Every line with a ticket up to this one is written and fsynced.
    durable: u64,
    /// A record is writing and fsyncing a batch (outside this lock).
    flushing: bool,
    /// Why the last flush failed; lines after `durable` may or may not be on disk.
    failed: Option<String>,
    /// Records parked until a flush covers their ticket, with that ticket.
    parked: Vec<(u64, Thread)>,
}

/// Where an existing ledger's chain continues.
struct Tail {
    next_seq: Option<u64>,
    parent: ChainHash,
    last_timestamp: u64,
}

/// Why bytes could not be appended.
enum WriteFailure {
    /// The write failed and the file was cut back: the ledger is as before.
    NothingWritten(io::Error),
    /// Whether the bytes are on disk is unknown.
    Unknown(String),
}

impl Session {
    /// Opens the ledger at `ledger_path` for appending, creating it (and its
    /// directory) when missing. An existing ledger is resumed after checking
    /// its last line: it must be complete, verify, and be signed by `keypair`.
    /// A refused open writes nothing.
    pub fn open(
        keypair: &SigningKeypair,
        ledger_path: impl AsRef<Path>,
        session_id: impl Into<String>,
    ) -> Result<Session> {
        Session::open_with(keypair, ledger_path, session_id, &SessionOptions::default())
    }

    /// [`Session::open`] with a choice of [`Durability`].
    pub fn open_with(
        keypair: &SigningKeypair,
        ledger_path: impl AsRef<Path>,
        session_id: impl Into<String>,
        options: &SessionOptions,
    ) -> Result<Session> {
        let path = ledger_path.as_ref().to_path_buf();
        let file = open_for_append(&path)?;
        lock_exclusive(&file, &path)?;
        let len = file.metadata().map_err(|e| Error::ledger_io(&path, "read the ledger's metadata", e))?.len();
        let tail = read_tail(&file, len, &path, keypair)?;
        Ok(Session {
            keypair: keypair.clone(),
            path,
            session_id: session_id.into(),
            durability: options.durability,
            pid: std::process::id(),
            chain: Mutex::new(ChainState {
                next_seq: tail.next_seq,
                parent: tail.parent,
                last_timestamp: tail.last_timestamp,
                poisoned: None,
                closed: false,
            }),
            placed: AtomicU64::new(0),
            writer: Mutex::new(Writer { file: Some(file), len }),
            commit: Mutex::new(CommitState {
                next_to_write: 1,
                lines: VecDeque::new(),
                signed: 0,
                durable: 0,
                flushing: false,
                failed: None,
                parked: Vec::new(),
            }),
        })
    }

    /// Validates, seals and appends `event`; returns once the line is
    /// fsynced (written, with [`Durability::None`]).
    pub fn record(&self, event: &AgentEvent) -> Result<SignedEvent> {
        self.refuse_if_forked()?;
        validate_for_signing(event)?;
        if self.durability == Durability::Group {
            return self.record_grouped(event);
        }
        let mut chain = lock(&self.chain)?;
        let mut signed = self.link_next(&chain, event)?;
        signed.sign(&self.keypair);
        let written = lock(&self.writer)?.append(&line_of(&signed), self.durability == Durability::EveryEvent);
        match written {
            Ok(()) => chain.advance(&signed),
            Err(WriteFailure::NothingWritten(e)) => {
                return Err(Error::ledger_io(&self.path, "append to the ledger (nothing was written)", e));
            }
            Err(WriteFailure::Unknown(why)) => return Err(self.poison(&mut chain, why)),
        }
        Ok(signed)
    }

    /// Group commit: the line is placed in the chain under the chain lock,
    /// signed outside it, then queued for a flush shared with other records.
    fn record_grouped(&self, event: &AgentEvent) -> Result<SignedEvent> {
        let (mut signed, ticket) = {
            let mut chain = lock(&self.chain)?;
            let signed = self.link_next(&chain, event)?;
            chain.advance(&signed);
            (signed, self.placed.fetch_add(1, Ordering::SeqCst) + 1)
        };
        // Nothing from here to the queue can fail: later lines wait for this one.
        signed.sign(&self.keypair);
        self.commit(ticket, line_of(&signed))?;
        Ok(signed)
    }

    /// The unsigned next line for `event`, refused when the session is
    /// poisoned, the ledger is full or the line would be too long.
    fn link_next(&self, chain: &ChainState, event: &AgentEvent) -> Result<SignedEvent> {
        if chain.closed {
            return Err(self.closed());
        }
        if let Some(why) = &chain.poisoned {
            return Err(Error::ledger(LedgerErrorKind::Poisoned, why.clone()));
        }
        let Some(seq) = chain.next_seq else {
            return Err(Error::ledger(
                LedgerErrorKind::Unusable,
                format!("{}: the ledger is full (it holds seq {})", self.path.display(), u64::MAX),
            ));
        };
        let timestamp = now_nanos().max(chain.last_timestamp);
        refuse_too_long(link(event, seq, timestamp, &chain.parent, self.keypair.public_key()))
    }

    /// Queues the line with `ticket` and returns once it is durable.
    ///
    /// A flush starts when no flush is running and every line placed in the
    /// chain is signed: records still signing are about to queue, so their
    /// lines join this flush instead of waiting for the next one. The record
    /// that finds that state leads: it writes and fsyncs every queued line,
    /// lines of other records included, then wakes exactly the records that
    /// flush covered, and one more to lead the next flush if one can start.
    fn commit(&self, ticket: u64, line: Vec<u8>) -> Result<()> {
        let mut commit = lock(&self.commit)?;
        let slot = (ticket - commit.next_to_write) as usize;
        if commit.lines.len() <= slot {
            commit.lines.resize(slot + 1, None);
        }
        commit.lines[slot] = Some(line);
        commit.signed += 1;
        loop {
            if commit.durable >= ticket {
                return Ok(());
            }
            if let Some(why) = &commit.failed {
                return Err(Error::ledger(LedgerErrorKind::Poisoned, why.clone()));
            }
            if commit.can_flush(&self.placed) {
                let (batch, last) = commit.take_all();
                commit.flushing = true;
                drop(commit);
                let outcome = self.flush(&batch);
                commit = lock(&self.commit)?;
                commit.flushing = false;
                match outcome {
                    Ok(()) => commit.durable = last,
                    Err(e) => commit.failed = Some(e.to_string()),
                }
                commit.wake_after_flush(&self.placed);
                continue;
            }
            commit.parked.push((ticket, thread::current()));
            drop(commit);
            thread::park();
            commit = lock(&self.commit)?;
            let me = thread::current().id();
            commit.parked.retain(|(_, waiter)| waiter.id() != me);
        }
    }

    /// Writes and fsyncs a batch of lines. Any failure poisons the session:
    /// the chain has moved past these lines.
    fn flush(&self, batch: &[u8]) -> Result<()> {
        let why = match lock(&self.writer)?.append(batch, true) {
            Ok(()) => return Ok(()),
            Err(WriteFailure::NothingWritten(e)) => format!("append failed ({e}); the queued lines were not written"),
            Err(WriteFailure::Unknown(why)) => why,
        };
        Err(self.poison(&mut *lock(&self.chain)?, why))
    }

    fn poison(&self, chain: &mut ChainState, why: String) -> Error {
        let shown = shell_word(&self.path);
        let message = format!(
            "{}: {why}; this session records nothing more. Free the space or fix the cause, run \
             `provedex verify --ledger {shown}` (if it reports a torn final line, `provedex recover --ledger {shown}` \
             removes it), then open a new session",
            self.path.display(),
        );
        chain.poisoned = Some(message.clone());
        Error::ledger(LedgerErrorKind::Poisoned, message)
    }

    fn refuse_if_forked(&self) -> Result<()> {
        if std::process::id() == self.pid {
            return Ok(());
        }
        Err(Error::ledger(
            LedgerErrorKind::Forked,
            format!(
                "{}: this session was opened by process {} and cannot record in process {} (a fork copies the \
                 session's chain state, so both processes would write the same seqs); open the session in the \
                 process that records, after the fork (one writer per ledger: the parent must not hold a session \
                 on the same ledger), or give each process its own ledger",
                self.path.display(),
                self.pid,
                std::process::id()
            ),
        ))
    }

    fn closed(&self) -> Error {
        Error::ledger(
            LedgerErrorKind::Closed,
            format!("{}: the session is closed; open a new one to record", self.path.display()),
        )
    }

    /// Stops recording and releases the ledger's lock, after the records
    /// already placed in the chain are written (each still returns as it
    /// would have). Later records are refused ([`LedgerErrorKind::Closed`]).
    /// Closing twice is harmless; dropping the session closes it too.
    ///
    /// In a forked child ([`LedgerErrorKind::Forked`]) it does nothing: the
    /// records in flight belong to threads of the parent, and the parent's
    /// lock must stay held.
    pub fn close(&self) -> Result<()> {
        if self.refuse_if_forked().is_err() {
            return Ok(());
        }
        let placed = {
            let mut chain = lock(&self.chain)?;
            chain.closed = true;
            self.placed.load(Ordering::SeqCst)
        };
        // Group commit: the records placed so far lead their own flushes.
        loop {
            let commit = lock(&self.commit)?;
            if commit.durable >= placed || commit.failed.is_some() {
                break;
            }
            drop(commit);
            thread::sleep(std::time::Duration::from_millis(1));
        }
        lock(&self.writer)?.file = None;
        Ok(())
    }

    /// The application's session id given at open: metadata, recorded nowhere by the session itself (v1 records it inside `SessionStarted`).
    pub fn session_id(&self) -> &str {
        &self.session_id
    }

    /// The ledger file this session appends to.
    pub fn ledger_path(&self) -> &Path {
        &self.path
    }

    /// The public key that signs this session's lines, as hex.
    pub fn pubkey_hex(&self) -> String {
        self.keypair.pubkey_hex()
    }

    /// How records are made durable.
    pub fn durability(&self) -> Durability {
        self.durability
    }

    /// The seq the next recorded event will get; `None` once the ledger holds the largest seq.
    pub fn next_seq(&self) -> Option<u64> {
        self.chain.lock().map(|s| s.next_seq).unwrap_or_else(|p| p.into_inner().next_seq)
    }
}

/// A signed event's ledger line with its LF.
fn line_of(signed: &SignedEvent) -> Vec<u8> {
    let mut line = signed.to_json().into_bytes();
    line.push(b'\n');
    line
}

fn panicked() -> Error {
    Error::ledger(LedgerErrorKind::Poisoned, "a thread panicked while recording; the session is unusable")
}

fn lock<T>(mutex: &Mutex<T>) -> Result<MutexGuard<'_, T>> {
    mutex.lock().map_err(|_| panicked())
}

impl ChainState {
    /// Moves the chain past a line that is queued or written.
    fn advance(&mut self, signed: &SignedEvent) {
        self.next_seq = signed.seq.checked_add(1);
        self.parent = signed.self_hash;
        self.last_timestamp = signed.timestamp_nanos;
    }
}

impl CommitState {
    /// Whether a flush can start: none is running, lines are queued, and
    /// every line placed in the chain so far is signed.
    fn can_flush(&self, placed: &AtomicU64) -> bool {
        !self.flushing && self.signed > 0 && self.next_to_write - 1 + self.signed == placed.load(Ordering::SeqCst)
    }

    /// Empties the queue, all of it signed; returns the lines as one buffer
    /// with the ticket of the last.
    fn take_all(&mut self) -> (Vec<u8>, u64) {
        let mut batch = Vec::new();
        for line in self.lines.drain(..) {
            batch.extend_from_slice(&line.expect("every queued line is signed"));
        }
        self.next_to_write += self.signed;
        self.signed = 0;
        (batch, self.next_to_write - 1)
    }

    /// Unparks the records a flush has answered (all of them after a
    /// failure), and one other to lead the next flush when lines are ready.
    fn wake_after_flush(&mut self, placed: &AtomicU64) {
        let (durable, failed) = (self.durable, self.failed.is_some());
        self.parked.retain(|(ticket, waiter)| {
            let answered = failed || *ticket <= durable;
            if answered {
                waiter.unpark();
            }
            !answered
        });
        if self.can_flush(placed) && !self.parked.is_empty() {
            self.parked.swap_remove(0).1.unpark();
        }
    }
}

impl Writer {
    /// Writes whole lines, then fsyncs them when asked. A failed write is cut
    /// back to the previous length when possible.
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

fn lock_exclusive(file: &File, path: &Path) -> Result<()> {
    match file.try_lock() {
        Ok(()) => Ok(()),
        Err(TryLockError::WouldBlock) => Err(Error::ledger(
            LedgerErrorKind::Locked,
            format!("{}: the ledger is locked by another writer (one writer per ledger)", path.display()),
        )),
        Err(TryLockError::Error(e)) => Err(Error::ledger_io(path, "lock the ledger", e)),
    }
}

/// Reads and checks the last line of a ledger of `len` bytes without
/// reading the rest.
fn read_tail(file: &File, len: u64, path: &Path, keypair: &SigningKeypair) -> Result<Tail> {
    if len == 0 {
        return Ok(Tail { next_seq: Some(0), parent: GENESIS_PARENT_HASH, last_timestamp: 0 });
    }
    let last_line = read_last_line(file, len).map_err(|e| Error::ledger_io(path, "read the ledger's tail", e))?;
    let refuse = |kind, why: String| Error::ledger(kind, format!("{}: refusing to resume: {why}", path.display()));
    let shown = shell_word(path);
    let damaged = |why: String| {
        refuse(
            LedgerErrorKind::Broken,
            format!(
                "{why}. A writer never leaves such a line, so something else changed the file: \
                 `provedex verify --ledger {shown}` shows where the ledger breaks, and \
                 `provedex recover --ledger {shown}` how to keep the part that verifies"
            ),
        )
    };
    let content = frame(&last_line).map_err(|f| match f.reason {
        Reason::TornTail => match check_torn_line(&last_line) {
            Ok(()) => refuse(
                LedgerErrorKind::TornTail,
                format!("{}; run `provedex recover --ledger {shown}` to remove it (a copy is kept)", f.message),
            ),
            Err(why) => damaged(format!(
                "the file ends in {} bytes without LF that do not look like an unfinished ledger line ({why})",
                last_line.len()
            )),
        },
        _ => damaged(format!("the last line is damaged: {f}")),
    })?;
    let last = SignedEvent::from_line(content).map_err(|f| damaged(format!("the last line is damaged: {f}")))?;
    last.check_seal().map_err(|f| damaged(format!("the last line (seq {}) does not verify: {f}", last.seq)))?;
    if last.signer_pubkey != keypair.public_key() {
        return Err(refuse(
            LedgerErrorKind::ForeignKey,
            format!("the ledger is signed by {}, not by this key {}", last.signer_pubkey, keypair.pubkey_hex()),
        ));
    }
    Ok(Tail { next_seq: last.seq.checked_add(1), parent: last.self_hash, last_timestamp: last.timestamp_nanos })
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

/// What [`recover`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecoverOutcome {
    /// The ledger had no torn final line; nothing was changed.
    NothingToRecover(ChainReport),
    /// The torn final line was copied to `backup` and cut off the ledger.
    Truncated {
        /// Where the removed line began, which is the ledger's new length.
        offset: u64,
        /// How many bytes were removed (and saved).
        removed_bytes: u64,
        /// Where the removed bytes were saved.
        backup: PathBuf,
        /// The verification of the ledger after the cut.
        report: ChainReport,
    },
}

/// Removes a torn final line from the ledger at `path`, after copying it to
/// `<file name>.torn-<offset>` beside the ledger (spec/ledger-format.md,
/// "Recovery"). Refuses, changing nothing, when a writer holds the lock,
/// when the ledger has any other finding, or when the final segment does not
/// look like an unfinished ledger line (a file that is not a ledger).
pub fn recover(path: impl AsRef<Path>) -> Result<RecoverOutcome> {
    let path = path.as_ref();
    // Read-only until a cut is needed: a read-only ledger with nothing to recover is fine.
    let file = open_existing_ledger(path, OpenOptions::new().read(true))?;
    lock_exclusive(&file, path)?;
    let options = VerifyOptions::default();
    let found =
        scan(BufReader::new(&file), &options, |_| {}).map_err(|e| Error::ledger_io(path, "read the ledger", e))?;
    let len = file.metadata().map_err(|e| Error::ledger_io(path, "read the ledger's metadata", e))?.len();
    let offset = found.good_bytes;
    let refuse = |why: String| {
        Error::ledger(
            LedgerErrorKind::Broken,
            format!("{}: refusing to recover: {why}. {}", path.display(), damage_advice(path, &found.report, offset)),
        )
    };
    match found.report.reason {
        None => return Ok(RecoverOutcome::NothingToRecover(found.report)),
        Some(Reason::TornTail) => {}
        Some(_) => {
            return Err(refuse(format!(
                "{}; only a torn final line can be removed, and this is not what an interrupted write leaves",
                found.report.message
            )));
        }
    }
    let mut torn = Vec::with_capacity((len - offset) as usize);
    (&file).seek(SeekFrom::Start(offset)).map_err(|e| Error::ledger_io(path, "read the torn line", e))?;
    (&file)
        .take(MAX_LINE_BYTES as u64 + 1)
        .read_to_end(&mut torn)
        .map_err(|e| Error::ledger_io(path, "read the torn line", e))?;
    if let Err(why) = check_torn_line(&torn) {
        return Err(refuse(format!(
            "the final {} bytes at byte {offset} have no LF but do not look like an unfinished ledger line ({why}); \
             the file may not be a ledger",
            torn.len()
        )));
    }
    let writable = open_same_file_for_writing(path, &file)?;
    let backup = save_backup(path, offset, &torn, &file)?;
    writable.set_len(offset).map_err(|e| Error::ledger_io(path, "truncate the torn line", e))?;
    writable.sync_all().map_err(|e| Error::ledger_io(path, "sync the ledger", e))?;
    let report = (&file)
        .seek(SeekFrom::Start(0))
        .and_then(|_| scan(BufReader::new(&file), &options, |_| {}))
        .map_err(|e| Error::ledger_io(path, "read the ledger", e))?
        .report;
    Ok(RecoverOutcome::Truncated { offset, removed_bytes: torn.len() as u64, backup, report })
}

/// Whether a final segment without LF looks like the start of a ledger line
/// that a writer did not finish (spec/ledger-format.md, "Recovery", step 3).
fn check_torn_line(segment: &[u8]) -> Result<(), &'static str> {
    if segment.first() != Some(&b'{') {
        return Err("it does not begin with '{'");
    }
    if segment.len() > MAX_LINE_BYTES {
        return Err("it is longer than a line can be");
    }
    let text = match std::str::from_utf8(segment) {
        Ok(text) => text,
        // An error without a length is a character cut off by the end of the input.
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&segment[..e.valid_up_to()]).expect("valid prefix"),
        Err(_) => return Err("it is not UTF-8"),
    };
    if text.bytes().any(|b| b < 0x20) {
        return Err("it holds a control character");
    }
    Ok(())
}

/// What to do about damage that recovery must not repair: where the part
/// that verifies ends, and how to look at what follows it.
fn damage_advice(path: &Path, report: &ChainReport, good_bytes: u64) -> String {
    let shown = shell_word(path);
    if report.event_count == 0 {
        return format!("No line verifies. Look at the start of the file with `head -c 300 {shown} | od -c`");
    }
    let lines = match report.event_count {
        1 => "1 line".to_owned(),
        n => format!("{n} lines"),
    };
    format!(
        "The first {lines} ({good_bytes} bytes) verify. Look at what follows with \
         `tail -c +{} {shown} | head -c 300 | od -c`; to keep the verified part, copy it with \
         `head -c {good_bytes} {shown} > {verified}` and keep the original for the investigation",
        good_bytes + 1,
        verified = shell_word(&sibling(path, ".verified")),
    )
}

/// Opens `path` again for writing and checks it is still the file `locked` refers to.
fn open_same_file_for_writing(path: &Path, locked: &File) -> Result<File> {
    let writable = open_existing_ledger(path, OpenOptions::new().write(true))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let (a, b) = (
            locked.metadata().map_err(|e| Error::ledger_io(path, "read the ledger's metadata", e))?,
            writable.metadata().map_err(|e| Error::ledger_io(path, "read the ledger's metadata", e))?,
        );
        if (a.dev(), a.ino()) != (b.dev(), b.ino()) {
            return Err(Error::ledger(
                LedgerErrorKind::Io,
                format!("{}: the file was replaced during recovery; nothing was changed", path.display()),
            ));
        }
    }
    #[cfg(not(unix))]
    let _ = locked;
    Ok(writable)
}

/// Writes the removed bytes to a new file beside the ledger, with the
/// ledger's permission bits, and syncs it. A copy that cannot be written
/// whole is removed again.
fn save_backup(ledger: &Path, offset: u64, bytes: &[u8], ledger_file: &File) -> Result<PathBuf> {
    let dir = parent_dir(ledger);
    let base = format!(".torn-{offset}");
    let mut options = OpenOptions::new();
    // create_new is O_CREAT|O_EXCL: it never follows a symbolic link at the name.
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let metadata = ledger_file.metadata().map_err(|e| Error::ledger_io(ledger, "read the ledger's metadata", e))?;
        options.mode(metadata.permissions().mode() & 0o777);
    }
    #[cfg(not(unix))]
    let _ = ledger_file;
    for attempt in 0u32.. {
        let candidate = sibling(ledger, &if attempt == 0 { base.clone() } else { format!("{base}.{attempt}") });
        match options.open(&candidate) {
            Ok(mut file) => {
                let written = file.write_all(bytes).and_then(|()| file.sync_all()).and_then(|()| sync_dir(dir));
                if let Err(e) = written {
                    drop(file);
                    let _ = fs::remove_file(&candidate);
                    return Err(Error::ledger_io(
                        &candidate,
                        "write the backup of the torn line (the copy was removed; the ledger is unchanged)",
                        e,
                    ));
                }
                return Ok(candidate);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(Error::ledger_io(&candidate, "create the backup of the torn line", e)),
        }
    }
    unreachable!("some backup name is free")
}

/// The path beside `ledger` whose name is the ledger's file name followed by `suffix`.
fn sibling(ledger: &Path, suffix: &str) -> PathBuf {
    let mut name = ledger.file_name().unwrap_or("ledger".as_ref()).to_os_string();
    name.push(suffix);
    ledger.with_file_name(name)
}
