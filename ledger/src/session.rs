//! The session: the append-only writer of one ledger (spec/ledger-format.md).
//!
//! Promises: an event is on disk (written whole and fsynced) before
//! [`Session::record`] returns, unless the session was opened with
//! [`Durability::None`]; one writer per ledger, enforced by an exclusive
//! lock; resuming never writes after a torn, broken or foreign tail.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, Thread};

use provedex_format::display::shell_word;
use provedex_format::event::{KeyRotated, Redacted};
use provedex_format::hex::{ChainHash, Digest, PublicKeyBytes};
use provedex_format::line::frame;
use provedex_format::seal::{GENESIS_PARENT_HASH, LinkedEvent, ValidEvent, now_nanos, validate_for_signing};
use provedex_format::{AgentEvent, Error, LedgerErrorKind, Reason, Result, SignedEvent, SigningKeypair};
use provedex_verify::check_seal;

use crate::store::{FileStore, Store, WriteFailure};

/// How [`Session::record`] makes its line durable before returning.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
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
#[non_exhaustive]
pub struct SessionOptions {
    /// When a record returns; [`Durability::Group`] by default.
    pub durability: Durability,
}

impl SessionOptions {
    /// The defaults: [`Durability::Group`].
    pub fn new() -> Self {
        SessionOptions::default()
    }

    /// Sets when a record returns.
    pub fn durability(mut self, durability: Durability) -> Self {
        self.durability = durability;
        self
    }
}

/// A writer appending to one ledger. `Send + Sync`: share it between threads;
/// records are sequenced so each gets the next seq and parent.
///
/// A session belongs to the process that opened it. After `fork()` the child
/// holds a copy of the chain state and of the lock, so records from both
/// processes would reuse seqs: every record in the child is refused
/// ([`LedgerErrorKind::Forked`]); the child opens a session of its own.
pub struct Session {
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
    store: Mutex<Box<dyn Store>>,
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
    /// The key that signs the next line: the opening key, then the key of
    /// each rotation ([`Session::rotate_key`]).
    key: Arc<SigningKeypair>,
    /// Set when a failed write or fsync leaves the file's state unknown.
    poisoned: Option<String>,
    /// Set by [`Session::close`]: no more lines are placed.
    closed: bool,
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

impl Session {
    /// Opens the ledger at `ledger_path` for appending, creating it (and its
    /// directory) when missing. An existing ledger is resumed after checking
    /// its last line: it must be complete and verify, and `keypair` must be
    /// the ledger's current key (the key its last line names when that line
    /// is a rotation, otherwise its signer). A refused open writes nothing.
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
        let mut store = FileStore::open(&path)?;
        let tail = read_tail(&mut store, &path, keypair)?;
        Ok(Session {
            path,
            session_id: session_id.into(),
            durability: options.durability,
            pid: std::process::id(),
            chain: Mutex::new(ChainState {
                next_seq: tail.next_seq,
                parent: tail.parent,
                last_timestamp: tail.last_timestamp,
                key: Arc::new(keypair.clone()),
                poisoned: None,
                closed: false,
            }),
            placed: AtomicU64::new(0),
            store: Mutex::new(Box::new(store)),
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
        let event = validate_for_signing(event)?;
        self.append(lock(&self.chain)?, event, None)
    }

    /// Hands the ledger to `new_key` (spec/ledger-format.md, "Key
    /// rotation"): appends a `KeyRotated` line, signed by the current key,
    /// that carries `new_key`'s proof of possession for this place in the
    /// chain. Every later line is signed by `new_key`, and resuming the
    /// ledger from now on needs it: the old key is refused.
    pub fn rotate_key(&self, new_key: &SigningKeypair) -> Result<SignedEvent> {
        self.refuse_if_forked()?;
        let chain = lock(&self.chain)?;
        let old_pubkey = chain.key.public_key();
        if new_key.public_key() == old_pubkey {
            return Err(Error::signing(
                Reason::RotationKeyInvalid,
                format!("{old_pubkey} is already the ledger's current key; a rotation names another key"),
            ));
        }
        // The proof binds the rotation line's place, known only under the
        // chain lock. A full ledger (no next seq) is refused when the line is
        // placed, so the seq used for it then is never written.
        let seq = chain.next_seq.unwrap_or(u64::MAX);
        let proof = new_key.prove_rotation(old_pubkey, seq, chain.parent);
        let event = AgentEvent::KeyRotated(KeyRotated { new_pubkey: new_key.public_key(), proof });
        self.append(chain, validate_for_signing(&event)?, Some(Arc::new(new_key.clone())))
    }

    /// Soft-forgets the line with `target_seq` (spec/ledger-format.md,
    /// "Redactions"): appends a `Redacted` line naming it by seq and
    /// self_hash. The target stays in the file; readers leave it out unless
    /// asked to include redacted lines. Refused when the target is not a
    /// line of this ledger on disk, does not verify, or is itself a redaction.
    pub fn redact(&self, target_seq: u64, reason: &str, requested_by: &str) -> Result<SignedEvent> {
        self.refuse_if_forked()?;
        let target = self.written_line(target_seq)?;
        if let AgentEvent::Redacted(earlier) = &target.event {
            return Err(Error::signing(
                Reason::RedactionOfRedaction,
                format!(
                    "seq {target_seq} is itself a redaction (of seq {}); a redaction cannot be redacted",
                    earlier.target_seq
                ),
            ));
        }
        let event = AgentEvent::Redacted(Redacted {
            target_seq,
            target_self_hash: Digest(target.self_hash.0),
            reason: reason.to_owned(),
            requested_by: requested_by.to_owned(),
        });
        self.record(&event)
    }

    /// The line with `seq`, read back from the ledger and checked on its own.
    fn written_line(&self, seq: u64) -> Result<SignedEvent> {
        let unknown = |why: String| Error::signing(Reason::RedactionTargetUnknown, why);
        let next_seq = lock(&self.chain)?.next_seq;
        if next_seq.is_some_and(|next| seq >= next) {
            return Err(unknown(format!(
                "{}: there is no line with seq {seq}: the ledger's next seq is {}",
                self.path.display(),
                next_seq.unwrap_or_default()
            )));
        }
        let line = lock(&self.store)?
            .line_at(seq)
            .map_err(|e| Error::ledger_io(&self.path, "read the ledger to find the line to redact", e))?
            .ok_or_else(|| {
                unknown(format!(
                    "{}: the line with seq {seq} is not written yet; retry once it is",
                    self.path.display()
                ))
            })?;
        let broken = |why: String| {
            Error::ledger(
                LedgerErrorKind::Broken,
                format!(
                    "{}: line {} does not hold the line with seq {seq}: {why}; `provedex verify --ledger {}` shows \
                     where the ledger breaks",
                    self.path.display(),
                    seq + 1,
                    shell_word(&self.path)
                ),
            )
        };
        let found = SignedEvent::from_line(&line).map_err(|f| broken(f.to_string()))?;
        check_seal(&found).map_err(|f| broken(f.to_string()))?;
        if found.seq != seq {
            return Err(broken(format!("it holds seq {}", found.seq)));
        }
        Ok(found)
    }

    /// Places a validated event after the chain's tip, signs it with the
    /// current key, and appends it; with `next_key`, the keys that sign the
    /// lines after it (a rotation). Group commit signs outside the chain
    /// lock and shares the flush; the other modes write under it.
    fn append(
        &self,
        mut chain: MutexGuard<'_, ChainState>,
        event: ValidEvent<'_>,
        next_key: Option<Arc<SigningKeypair>>,
    ) -> Result<SignedEvent> {
        let linked = self.link_next(&chain, event)?;
        let key = chain.key.clone();
        if self.durability == Durability::Group {
            chain.advance(linked.seq(), linked.timestamp_nanos(), linked.self_hash(), next_key);
            let ticket = self.placed.fetch_add(1, Ordering::SeqCst) + 1;
            drop(chain);
            // Nothing from here to the queue can fail: later lines wait for this one.
            let signed = linked.sign(&key);
            self.commit(ticket, line_of(&signed))?;
            return Ok(signed);
        }
        let signed = linked.sign(&key);
        let written = lock(&self.store)?.append(&line_of(&signed), self.durability == Durability::EveryEvent);
        match written {
            Ok(()) => chain.advance(signed.seq, signed.timestamp_nanos, &signed.self_hash, next_key),
            Err(WriteFailure::NothingWritten(e)) => {
                return Err(Error::ledger_io(&self.path, "append to the ledger (nothing was written)", e));
            }
            Err(WriteFailure::Unknown(why)) => return Err(self.poison(&mut chain, why)),
        }
        Ok(signed)
    }

    /// The unsigned next line for `event`, refused when the session is
    /// poisoned, the ledger is full or the line would be too long.
    fn link_next(&self, chain: &ChainState, event: ValidEvent<'_>) -> Result<LinkedEvent> {
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
        LinkedEvent::new(event, seq, timestamp, &chain.parent)
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
        let why = match lock(&self.store)?.append(batch, true) {
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
        lock(&self.store)?.release();
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

    /// The public key that signs this session's next line, as hex: the
    /// opening key, or the key of the last rotation.
    pub fn pubkey_hex(&self) -> String {
        self.chain.lock().map(|s| s.key.pubkey_hex()).unwrap_or_else(|p| p.into_inner().key.pubkey_hex())
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
    /// Moves the chain past a line that is queued or written; after a
    /// rotation, `next_key` signs the lines that follow.
    fn advance(
        &mut self,
        seq: u64,
        timestamp_nanos: u64,
        self_hash: &ChainHash,
        next_key: Option<Arc<SigningKeypair>>,
    ) {
        self.next_seq = seq.checked_add(1);
        self.parent = *self_hash;
        self.last_timestamp = timestamp_nanos;
        if let Some(key) = next_key {
            self.key = key;
        }
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

/// Reads and checks the last line of a ledger without reading the rest.
fn read_tail(store: &mut dyn Store, path: &Path, keypair: &SigningKeypair) -> Result<Tail> {
    if store.len() == 0 {
        return Ok(Tail { next_seq: Some(0), parent: GENESIS_PARENT_HASH, last_timestamp: 0 });
    }
    let last_line = store.last_line().map_err(|e| Error::ledger_io(path, "read the ledger's tail", e))?;
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
        Reason::TornTail => match crate::recover::check_torn_line(&last_line) {
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
    check_seal(&last).map_err(|f| damaged(format!("the last line (seq {}) does not verify: {f}", last.seq)))?;
    let current = current_key(&last);
    if current != keypair.public_key() {
        let why = match &last.event {
            AgentEvent::KeyRotated(_) if last.signer_pubkey == keypair.public_key() => format!(
                "this key {} was rotated out by the last line (seq {}); the ledger's current key is {current}: open \
                 it with that key",
                keypair.pubkey_hex(),
                last.seq
            ),
            AgentEvent::KeyRotated(_) => format!(
                "the ledger's current key is {current}, named by the rotation at seq {}, not this key {}",
                last.seq,
                keypair.pubkey_hex()
            ),
            _ => format!("the ledger is signed by {current}, not by this key {}", keypair.pubkey_hex()),
        };
        return Err(refuse(LedgerErrorKind::ForeignKey, why));
    }
    Ok(Tail { next_seq: last.seq.checked_add(1), parent: last.self_hash, last_timestamp: last.timestamp_nanos })
}

/// The key that signs the line after `last`: the key a rotation names, or
/// the line's own signer.
fn current_key(last: &SignedEvent) -> PublicKeyBytes {
    match &last.event {
        AgentEvent::KeyRotated(rotation) => rotation.new_pubkey,
        _ => last.signer_pubkey,
    }
}
