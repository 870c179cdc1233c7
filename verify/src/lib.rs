//! Provedex verification: whether a ledger holds (spec/verification.md).
//!
//! Owns the chain rules ([`chain`]), the strict check of one line's seal
//! written once ([`seal`]), and the two engines that apply them to a ledger
//! in memory, in a byte stream or in a file: the sequential reference and the
//! fast, multi-threaded one, which give the same report for every input.
//! [`Verifier`] is the one entry point.
//!
//! Reads, never writes: it opens a ledger file read-only and refuses
//! anything but a regular file without blocking on it. It knows the line
//! format only through `provedex-format`, and nothing of how ledgers are
//! written (the ledger crate) or what happens to a report (the callers).
//! The report depends on the input alone, never on the engine, the thread
//! count or how reads are split.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod anchor;
pub mod bundle;
mod chain;
pub mod checkpoint;
mod content;
mod fast;
pub mod files;
mod pipeline;
mod report;
pub mod seal;
mod stream;

use std::fs::OpenOptions;
use std::io::{self, BufRead, BufReader};
use std::num::NonZeroUsize;
use std::path::Path;

use provedex_format::hex::{ChainHash, PublicKeyBytes};
use provedex_format::{Error, Result, SignedEvent};

use crate::chain::Pins;

pub use anchor::verify_anchor_statement;
pub use checkpoint::{SignedCheckpoint, verify_checkpoint};
pub use content::check_content;
pub use report::{ChainReport, KeyEntry, Progress, UnpinnedToolCall, key_at};
pub use seal::check_seal;

/// How a verification spends CPU. The report never depends on it: both
/// engines run the same checks in the same order, and the conformance
/// vectors and property tests run both and compare every field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Engine {
    /// One line at a time on the calling thread, with one ed25519-dalek
    /// `verify_strict` per line: the reference the fast engine is tested
    /// and benchmarked against.
    Sequential,
    /// Lines parsed, hashed and signature-checked in batches on `threads`
    /// worker threads (on the calling thread when 1, or when the input fits
    /// in one batch), each signer's key decoded once per worker. The calling
    /// thread reads and applies the chain checks in order. Streaming holds
    /// about 1 MiB of lines per thread, plus at most one line of up to
    /// [`MAX_LINE_BYTES`](provedex_format::MAX_LINE_BYTES), and their parsed events.
    Fast {
        /// How many threads check lines (1: the calling thread alone).
        threads: NonZeroUsize,
    },
}

impl Default for Engine {
    /// [`Engine::Fast`] on every core the process may use.
    fn default() -> Self {
        Engine::Fast { threads: std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN) }
    }
}

/// A verification: what the ledger is held to, how CPU is spent, and who
/// hears of each line that verifies. Build one, then hand it the ledger with
/// [`Verifier::events`], [`Verifier::reader`] or [`Verifier::file`].
///
/// ```
/// # use provedex_verify::Verifier;
/// let report = Verifier::new().reader(&b""[..]).unwrap();
/// assert!(report.ok);
/// ```
#[must_use = "a Verifier does nothing until it is given a ledger"]
#[derive(Default)]
pub struct Verifier<'a> {
    pins: Pins,
    engine: Engine,
    on_event: Option<OnEvent<'a>>,
}

/// What [`Verifier::on_event`] calls for each line that verifies.
type OnEvent<'a> = Box<dyn FnMut(&SignedEvent, Progress) + 'a>;

impl std::fmt::Debug for Verifier<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("pinned_pubkey", &self.pins.pubkey)
            .field("pinned_current_pubkey", &self.pins.current_pubkey)
            .field("check_tool_calls", &self.pins.check_tool_calls)
            .field("checkpoint", &self.pins.checkpoint.as_ref().map(|c| &c.checkpoint))
            .field("engine", &self.engine)
            .field("on_event", &self.on_event.is_some())
            .finish()
    }
}

impl<'a> Verifier<'a> {
    /// No pinned key, the default [`Engine`], no per-line callback.
    pub fn new() -> Self {
        Verifier::default()
    }

    /// The ledger's trust root: every line before its first rotation must
    /// be signed by `key` (`pubkey_mismatch` otherwise), and the rotations
    /// carry that trust to the later keys; `None` pins nothing.
    pub fn pinned_pubkey(mut self, key: impl Into<Option<PublicKeyBytes>>) -> Self {
        self.pins.pubkey = key.into();
        self
    }

    /// The key that must be current when the ledger ends, for a verifier
    /// that knows today's key but not the first one (`current_key_mismatch`
    /// otherwise, also for an empty ledger); `None` pins nothing.
    pub fn pinned_current_pubkey(mut self, key: impl Into<Option<PublicKeyBytes>>) -> Self {
        self.pins.current_pubkey = key.into();
        self
    }

    /// Whether to list the good `ToolCalled` lines whose tool is outside the
    /// toolset pinned before them, in [`ChainReport::unpinned_tool_calls`].
    /// The list is not a finding: it never changes `ok`.
    pub fn check_tool_calls(mut self, check: bool) -> Self {
        self.pins.check_tool_calls = check;
        self
    }

    /// A signed checkpoint held apart from the ledger (spec/verification.md,
    /// step 23): the ledger must start with the line its origin names, hold
    /// at least its tree size of lines (`ledger_truncated` otherwise), the
    /// key current at that size must sign it, and the tree of that many
    /// lines must have its root. Read it with [`SignedCheckpoint::parse`].
    pub fn checkpoint(mut self, checkpoint: impl Into<Option<SignedCheckpoint>>) -> Self {
        self.pins.checkpoint = checkpoint.into().map(std::sync::Arc::new);
        self
    }

    /// Verifies the lines as a range of a ledger (a bundle's): the first
    /// must have seq `first_seq` and name `parent_hash` (its predecessor's
    /// self_hash, proven apart). A pinned key is then the key current at
    /// `first_seq`; a redaction whose target lies before the range is not
    /// checked against it (the range does not hold it). Not with
    /// [`Verifier::checkpoint`], which covers whole ledgers.
    pub fn continuing(mut self, first_seq: u64, parent_hash: ChainHash) -> Self {
        self.pins.start = Some((first_seq, parent_hash));
        self
    }

    /// How CPU is spent; the report does not depend on it.
    pub fn engine(mut self, engine: Engine) -> Self {
        self.engine = engine;
        self
    }

    /// Calls `on_event` on the calling thread for each line that verifies,
    /// in order, with the progress so far (for events in memory, after the
    /// whole chain is checked, with the bytes their lines would fill).
    pub fn on_event(mut self, on_event: impl FnMut(&SignedEvent, Progress) + 'a) -> Self {
        self.on_event = Some(Box::new(on_event));
        self
    }

    /// Verifies events already in memory, in order, as the lines of one ledger.
    pub fn events(self, events: &[SignedEvent]) -> ChainReport {
        let mut verifier = chain::ChainVerifier::new(self.pins);
        let finding = match self.engine {
            Engine::Sequential => events.iter().find_map(|event| verifier.push(event, seal::strict_seal(event)).err()),
            Engine::Fast { threads } => fast::check_chain(events, threads, &mut verifier),
        };
        let report = match finding {
            Some(finding) => verifier.broken(finding, None),
            None => verifier.finish(),
        };
        if let Some(mut on_event) = self.on_event {
            let mut progress = Progress { events: 0, bytes: 0 };
            for event in &events[..report.event_count as usize] {
                progress.events += 1;
                progress.bytes += event.line_len() as u64 + 1;
                on_event(event, progress);
            }
        }
        report
    }

    /// Verifies a ledger read from any byte stream (a pipe, a buffer),
    /// streaming: a bounded number of lines is held whatever the ledger's
    /// size. Only I/O failures are errors; everything wrong with the content
    /// is the report. A read error after a line with a finding still yields
    /// the report, as it would line by line.
    pub fn reader(self, reader: impl BufRead) -> io::Result<ChainReport> {
        let mut on_event = self.on_event;
        stream::scan(reader, self.pins, self.engine, |event, progress| {
            if let Some(on_event) = on_event.as_mut() {
                on_event(event, progress);
            }
        })
    }

    /// Verifies the ledger at `path`, streaming. A missing file, one that is
    /// not a regular file, or a read failure is an [`Error::Ledger`], not a report.
    pub fn file(self, path: impl AsRef<Path>) -> Result<ChainReport> {
        let path = path.as_ref();
        let file = files::open_existing_ledger(path, OpenOptions::new().read(true))?;
        self.reader(BufReader::with_capacity(1 << 16, file)).map_err(|e| Error::ledger_io(path, "read the ledger", e))
    }
}
