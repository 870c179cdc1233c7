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
use provedex_format::merkle::line_leaf_hash;
use provedex_format::note::SignedNote;
use provedex_format::seal::{GENESIS_PARENT_HASH, LinkedEvent, ValidEvent, now_nanos, validate_for_signing};
use provedex_format::{AgentEvent, Error, LedgerErrorKind, Reason, Result, SignedEvent, SigningKeypair};
use provedex_verify::check_seal;

use crate::checkpoints::readable_checkpoints;
use crate::checkpoints::{CheckpointEntry, append_checkpoint};
use crate::index::{Frontier, IndexState, TreeIndex, index_path};
use crate::store::{FileStore, Store, WriteFailure};
use crate::trusted::{Start, latest_checkpoint, verify_from, vouched_start};

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
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionOptions {
    /// When a record returns; [`Durability::Group`] by default.
    pub durability: Durability,
    /// Whether the session keeps the ledger's tree (its compact range and
    /// the index beside the ledger, spec/transparency.md, "The index"); on
    /// by default. Without it, [`Session::checkpoint`] is refused.
    pub tree: bool,
    /// Signs a checkpoint into the checkpoints file each time the durable
    /// lines reach a multiple of this many events; `None` (the default)
    /// signs none. Needs `tree`.
    pub checkpoint_every: Option<u64>,
}

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions { durability: Durability::default(), tree: true, checkpoint_every: None }
    }
}

impl SessionOptions {
    /// The defaults: [`Durability::Group`], the tree kept, no checkpoints file.
    pub fn new() -> Self {
        SessionOptions::default()
    }

    /// Sets when a record returns.
    pub fn durability(mut self, durability: Durability) -> Self {
        self.durability = durability;
        self
    }

    /// Keeps the tree and its index (`true`, the default) or not.
    pub fn tree(mut self, tree: bool) -> Self {
        self.tree = tree;
        self
    }

    /// Signs a checkpoint every `events` durable events (0: never).
    pub fn checkpoint_every(mut self, events: u64) -> Self {
        self.checkpoint_every = (events > 0).then_some(events);
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
    /// The tree of the durable lines; `None` when the session keeps none.
    tree: Option<Mutex<TreeState>>,
}

/// The tree of the lines made durable so far, grown after each write.
struct TreeState {
    /// The compact range; `None` when the tree could not be had (see `problem`).
    frontier: Option<Frontier>,
    /// The index beside the ledger; `None` once a write to it failed (it is
    /// then stale, and the next open extends or rebuilds it).
    index: Option<TreeIndex>,
    /// Why the index is not kept, or the tree not known.
    problem: Option<String>,
    /// The self_hash of the line with seq 0, once written.
    genesis: Option<ChainHash>,
    /// The key current after the durable lines: the one that signs a checkpoint of them.
    key: Arc<SigningKeypair>,
    /// `SessionOptions::checkpoint_every`.
    every: Option<u64>,
    /// The size and root of the latest checkpoint signed or found in the
    /// checkpoints file; the next is checked to be consistent with it.
    last_checkpoint: Option<(u64, Digest)>,
    /// Nodes of lines in the tree not yet written to the index.
    pending: Vec<Digest>,
    /// The lines the ledger held at open, while the session has not verified them.
    unverified: Option<Unverified>,
}

/// How many nodes a session without fsync gathers before writing them to
/// the index (32 KiB).
const PENDING_NODES: usize = 1024;

impl Drop for TreeState {
    fn drop(&mut self) {
        self.write_pending();
    }
}

/// A durable line, as the tree takes it: its self_hash and, for a
/// rotation, the key that signs the lines after it.
type TreeLeaf = (ChainHash, Option<Arc<SigningKeypair>>);

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
    /// The lines from `next_to_write` on, LF-terminated, with their leaves;
    /// `None` while its record is still signing it.
    lines: VecDeque<Option<(Vec<u8>, TreeLeaf)>>,
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
        let tree = options.tree.then(|| Mutex::new(open_tree(&mut store, &path, &tail, keypair, options)));
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
            tree,
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
            chain.advance(linked.seq(), linked.timestamp_nanos(), linked.self_hash(), next_key.clone());
            let ticket = self.placed.fetch_add(1, Ordering::SeqCst) + 1;
            drop(chain);
            // Nothing from here to the queue can fail: later lines wait for this one.
            let signed = linked.sign(&key);
            self.commit(ticket, (line_of(&signed), (signed.self_hash, next_key)))?;
            return Ok(signed);
        }
        let signed = linked.sign(&key);
        let written = lock(&self.store)?.append(&line_of(&signed), self.durability == Durability::EveryEvent);
        match written {
            Ok(()) => {
                if let Some(tree) = &self.tree {
                    let mut tree = tree.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                    let leaf = (signed.self_hash, next_key.clone());
                    // Written lines are not synced without fsync: their nodes are written in batches.
                    self.grow_tree(&mut tree, std::slice::from_ref(&leaf), self.durability == Durability::EveryEvent);
                }
                chain.advance(signed.seq, signed.timestamp_nanos, &signed.self_hash, next_key);
            }
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
    fn commit(&self, ticket: u64, line: (Vec<u8>, TreeLeaf)) -> Result<()> {
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
                let (batch, leaves, last) = commit.take_all();
                commit.flushing = true;
                drop(commit);
                let outcome = self.flush(&batch);
                commit = lock(&self.commit)?;
                match outcome {
                    Ok(()) => {
                        commit.durable = last;
                        if let Some(tree) = &self.tree {
                            // The tree's lock is taken before the records this
                            // flush answers return, so a checkpoint they ask
                            // for next includes their lines; they return
                            // without waiting for the tree's work. No other
                            // flush runs meanwhile: leaves join in chain order.
                            let mut tree = tree.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                            commit.wake_after_flush(&self.placed);
                            drop(commit);
                            self.grow_tree(&mut tree, &leaves, true);
                            drop(tree);
                            commit = lock(&self.commit)?;
                        }
                    }
                    Err(e) => commit.failed = Some(e.to_string()),
                }
                commit.flushing = false;
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
        if let Some(tree) = &self.tree {
            tree.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).write_pending();
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

impl Session {
    /// Adds durable lines to the tree, in chain order: their nodes to the
    /// compact range and the index, then a checkpoint into the checkpoints
    /// file when they pass a multiple of `checkpoint_every`. Never fails:
    /// the lines are already durable, so a failed index or checkpoints
    /// write is remembered ([`Session::tree_problem`]) and the index left
    /// to the next open to extend or rebuild.
    /// With `write`, the index is written now; otherwise once a batch of
    /// nodes is pending (writes without fsync), at the latest on close.
    fn grow_tree(&self, tree: &mut TreeState, leaves: &[TreeLeaf], write: bool) {
        let Some(frontier) = tree.frontier.as_mut() else { return };
        let before = frontier.size();
        for (self_hash, next_key) in leaves {
            tree.genesis.get_or_insert(*self_hash);
            frontier.push(line_leaf_hash(self_hash), &mut tree.pending);
            if let Some(key) = next_key {
                tree.key = key.clone();
            }
        }
        let size = frontier.size();
        if write || tree.pending.len() >= PENDING_NODES {
            tree.write_pending();
        }
        if let Some(every) = tree.every
            && size / every > before / every
            && let Err(why) = tree.sign().and_then(|entry| {
                append_checkpoint(&self.path, &entry)
                    .map_err(|e| Error::ledger_io(&self.path, "append to the checkpoints file", e))
            })
        {
            tree.problem = Some(why.to_string());
        }
    }

    /// Signs a checkpoint of the durable lines (spec/transparency.md,
    /// "Checkpoints"): the tree's size and root from the session's compact
    /// range, signed by the key current at that size. Refused on an empty
    /// ledger, by a session that keeps no tree, and when the tree is not
    /// consistent with the previous checkpoint (checked with a proof from
    /// the index). Not written to the checkpoints file.
    pub fn checkpoint(&self) -> Result<SignedNote> {
        let Some(tree) = &self.tree else {
            return Err(Error::ledger(
                LedgerErrorKind::Unusable,
                format!("{}: this session keeps no tree (SessionOptions::tree)", self.path.display()),
            ));
        };
        // The lines the ledger held at open are verified once, outside the
        // lock, so that recording goes on meanwhile.
        let unverified = lock(tree)?.unverified.clone();
        if let Some(unverified) = unverified {
            let outcome = unverified.verify(&self.path);
            lock(tree)?.settle(&self.path, outcome)?;
        }
        let mut tree = lock(tree)?;
        Ok(tree.sign()?.note)
    }

    /// How many durable lines the session's tree holds (`None` without a tree).
    pub fn tree_size(&self) -> Option<u64> {
        let tree = self.tree.as_ref()?.lock().unwrap_or_else(|p| p.into_inner());
        tree.frontier.as_ref().map(Frontier::size)
    }

    /// Why the index beside the ledger is not kept up to date, or the tree
    /// not known, if so: the ledger is unaffected, and the next open
    /// extends or rebuilds the index.
    pub fn tree_problem(&self) -> Option<String> {
        let tree = self.tree.as_ref()?.lock().unwrap_or_else(|p| p.into_inner());
        tree.problem.clone()
    }
}

impl TreeState {
    /// Appends the pending nodes to the index; a failure leaves the index
    /// stale for the rest of the session.
    fn write_pending(&mut self) {
        let Some(frontier) = &self.frontier else { return };
        if let Some(index) = self.index.as_mut()
            && !self.pending.is_empty()
            && let Err(e) = index.append(&self.pending, frontier.size())
        {
            self.problem = Some(format!("{e}; the index is stale and is rebuilt when the ledger is next opened"));
            self.index = None;
        }
        self.pending.clear();
    }

    /// Takes the outcome of verifying the lines the ledger held at open,
    /// once (a call that finds them settled by another returns at once): a
    /// read failure leaves them to be verified again; lines that do not
    /// verify mean no checkpoint is signed in this session, and the index is
    /// removed when it disagrees, so that the next open rebuilds it.
    fn settle(&mut self, path: &Path, outcome: std::result::Result<(), Unverifiable>) -> Result<()> {
        if self.unverified.is_none() {
            return Ok(());
        }
        match outcome {
            Ok(()) => {
                self.unverified = None;
                Ok(())
            }
            Err(Unverifiable::Io(e)) => Err(e),
            Err(Unverifiable::Bad(why)) => {
                self.unverified = None;
                self.frontier = None;
                self.index = None;
                let _ = std::fs::remove_file(index_path(path));
                let why =
                    format!("{why}; no checkpoint is signed, and the index is rebuilt when the ledger is next opened");
                self.problem = Some(why.clone());
                Err(Error::ledger(LedgerErrorKind::Unusable, why))
            }
        }
    }

    /// A checkpoint of the tree as it stands, after checking it is
    /// consistent with the latest one; it becomes the latest.
    fn sign(&mut self) -> Result<CheckpointEntry> {
        let unusable = |why: String| Error::ledger(LedgerErrorKind::Unusable, why);
        if self.unverified.is_some() {
            return Err(unusable("the lines the ledger held when it was opened are not verified yet".to_owned()));
        }
        let frontier = self.frontier.as_ref().ok_or_else(|| {
            unusable(format!("the ledger's tree is not known: {}", self.problem.as_deref().unwrap_or("unknown")))
        })?;
        let (size, root) = (frontier.size(), frontier.root());
        self.write_pending();
        let Some(genesis) = self.genesis.filter(|_| size > 0) else {
            return Err(Error::ledger(
                LedgerErrorKind::OutOfRange,
                "the ledger is empty: a checkpoint needs its first durable line",
            ));
        };
        if let Some((old_size, old_root)) = self.last_checkpoint
            && old_size <= size
        {
            let consistent = match self.index.as_mut() {
                Some(index) if index.size() == size => {
                    index.consistency_proof(old_size, size, &old_root, &root).map(|_| ())
                }
                // Without an index, only an unchanged size can be compared.
                _ if old_size == size && old_root != root => Err(unusable("the root changed".to_owned())),
                _ => Ok(()),
            };
            if let Err(e) = consistent {
                self.frontier = None;
                self.problem = Some(format!(
                    "the tree is not consistent with the checkpoint of {old_size} lines ({e}); the index is rebuilt \
                     when the ledger is next opened"
                ));
                self.index = None;
                return Err(unusable(self.problem.clone().unwrap_or_default()));
            }
        }
        let note = self.key.sign_checkpoint(&genesis, size, root);
        self.last_checkpoint = Some((size, root));
        Ok(CheckpointEntry { tree_size: size, note })
    }
}

/// The tree of an opened ledger's lines: the compact range read from the
/// index (checked against the ledger's last line and the latest checkpoint
/// in the checkpoints file, extended or rebuilt when it disagrees), or,
/// when the index cannot be had, computed from the ledger in memory.
fn open_tree(
    store: &mut dyn Store,
    path: &Path,
    tail: &Tail,
    keypair: &SigningKeypair,
    options: &SessionOptions,
) -> TreeState {
    let mut state = TreeState {
        frontier: None,
        index: None,
        problem: None,
        genesis: None,
        key: Arc::new(keypair.clone()),
        every: options.checkpoint_every,
        last_checkpoint: None,
        pending: Vec::new(),
        unverified: None,
    };
    let Some(size) = tail.next_seq else {
        state.problem = Some("the ledger is full".to_owned());
        return state;
    };
    if size > 0 {
        match store.line_at(0).ok().flatten().and_then(|line| SignedEvent::from_line(&line).ok()) {
            Some(first) if check_seal(&first).is_ok() && first.seq == 0 => state.genesis = Some(first.self_hash),
            _ => {
                state.problem = Some("the ledger's first line does not verify".to_owned());
                return state;
            }
        }
    }
    // The ledger holds whole lines only (a torn tail refuses the open): they end where the file does.
    let end = match std::fs::metadata(path) {
        Ok(meta) => meta.len(),
        Err(e) => {
            state.problem = Some(format!("cannot read the ledger's length: {e}"));
            return state;
        }
    };
    // The latest checkpoint this key signed: the tree must hold its lines and stay consistent with it.
    let latest = match &state.genesis {
        Some(genesis) => latest_checkpoint(path, &readable_checkpoints(path), genesis, size, &keypair.public_key()),
        None => Ok(None),
    };
    let latest = match latest {
        Ok(latest) => latest,
        Err(e) => {
            // A checkpoint this key signed vouches for lines the ledger no longer has.
            state.problem = Some(format!("{e}; no checkpoint is signed"));
            return state;
        }
    };
    let last = (size > 0).then_some(tail.parent);
    let opened = TreeIndex::open_checked(path, size, last.as_ref()).and_then(|(mut index, opened)| {
        let start = match (opened, latest) {
            // Rebuilding the index verified every line.
            (IndexState::Rebuilt { .. }, _) => None,
            (_, None) => Some(Start::first_line()).filter(|_| size > 0),
            (_, Some((vouched, root))) => {
                match vouched_start(path, &mut index, vouched, &root, &keypair.public_key()) {
                    Some(start) => Some(start),
                    None => {
                        // The index disagrees with a signed checkpoint: written anew, every line verified.
                        (index, _) = TreeIndex::rebuild(path)?;
                        None
                    }
                }
            }
        };
        if let Some((vouched, root)) = latest
            && index.root_at(vouched)? != root
        {
            // The verified lines are not those the checkpoint vouched for.
            return Err(forked(vouched));
        }
        let frontier = index.frontier()?;
        Ok((index, frontier, start))
    });
    match opened {
        Ok((index, frontier, start)) if frontier.size() == size => {
            state.last_checkpoint = latest;
            state.unverified = start.map(|start| Unverified { start, size, end, root: frontier.root() });
            state.frontier = Some(frontier);
            state.index = Some(index);
            if state.every.is_some() {
                // Checkpoints are signed as lines are recorded: verify now.
                let outcome = state.unverified.as_ref().map_or(Ok(()), |unverified| unverified.verify(path));
                let _ = state.settle(path, outcome);
            }
        }
        Err(Error::Chain { message, .. }) => {
            state.problem = Some(format!("{message}; no checkpoint is signed"));
        }
        outcome => {
            // No index: the compact range from the ledger itself, in memory,
            // checked against the latest checkpoint as the index would be.
            state.problem = Some(match outcome {
                Err(e) => format!("{e}; the index is not kept by this session"),
                Ok(_) => "the rebuilt index does not hold every line".to_owned(),
            });
            let mut at_latest = None;
            let verified = verify_from(path, &Start::first_line(), end, None, |_, frontier| {
                if latest.is_some_and(|(vouched, _)| vouched == frontier.size()) {
                    at_latest = Some(frontier.root());
                }
            });
            match verified {
                Ok((_, _)) if latest.is_some_and(|(_, root)| at_latest != Some(root)) => {
                    let vouched = latest.map_or(0, |(vouched, _)| vouched);
                    state.problem = Some(format!("{}; no checkpoint is signed", forked(vouched)));
                }
                Ok((frontier, report)) if report.ok && frontier.size() == size => {
                    state.frontier = Some(frontier);
                    state.last_checkpoint = latest;
                }
                _ => {}
            }
        }
    }
    state
}

/// The finding of a ledger whose first `size` lines are not those its latest checkpoint vouched for.
fn forked(size: u64) -> Error {
    Error::Chain {
        reason: Reason::CheckpointRootMismatch,
        message: format!(
            "the ledger's first {size} lines are not those the latest checkpoint of its checkpoints file vouches for"
        ),
    }
}

/// The lines an opened ledger held that the session has not verified: no
/// checkpoint is signed over them until they are (spec/transparency.md [TL-5]).
#[derive(Debug, Clone)]
struct Unverified {
    /// Where verification starts: after the lines the latest checkpoint signed by the session's key vouches for.
    start: Start,
    /// The ledger's lines at open, where they end, and their root read from the index.
    size: u64,
    end: u64,
    root: Digest,
}

/// Why the lines an opened ledger held were not found good.
enum Unverifiable {
    /// Reading them failed: try again later.
    Io(Error),
    /// They do not verify, or are not the index's.
    Bad(String),
}

impl Unverified {
    /// Verifies the lines, and that the index's root at open is theirs.
    fn verify(&self, path: &Path) -> std::result::Result<(), Unverifiable> {
        let mut root = (self.start.size == self.size).then(|| self.start.frontier.root());
        let (_, report) = verify_from(path, &self.start, self.end, None, |_, frontier: &Frontier| {
            if frontier.size() == self.size {
                root = Some(frontier.root());
            }
        })
        .map_err(|e| match e {
            Error::Chain { message, .. } | Error::Ledger { kind: LedgerErrorKind::Broken, message } => {
                Unverifiable::Bad(message)
            }
            e => Unverifiable::Io(e),
        })?;
        match root {
            None => Err(Unverifiable::Bad(format!(
                "the ledger's lines before this session do not verify: {}",
                report.message
            ))),
            Some(root) if root != self.root => Err(Unverifiable::Bad(format!(
                "the index disagrees with the ledger's lines (root {root}, the index says {})",
                self.root
            ))),
            Some(_) => Ok(()),
        }
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

    /// Empties the queue, all of it signed; returns the lines as one buffer,
    /// their leaves, and the ticket of the last.
    fn take_all(&mut self) -> (Vec<u8>, Vec<TreeLeaf>, u64) {
        let mut batch = Vec::new();
        let mut leaves = Vec::with_capacity(self.lines.len());
        for queued in self.lines.drain(..) {
            let (line, leaf) = queued.expect("every queued line is signed");
            batch.extend_from_slice(&line);
            leaves.push(leaf);
        }
        self.next_to_write += self.signed;
        self.signed = 0;
        (batch, leaves, self.next_to_write - 1)
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
