//! Chain verification (spec/verification.md): in memory with
//! [`verify_chain`], or streaming from a file or any reader with
//! [`verify_file`] and [`verify_reader`], which hold a bounded number of
//! lines whatever the ledger's size.
//!
//! Two [`Engine`]s produce the same report for every input. The sequential
//! one checks one line at a time with one strict ed25519-dalek verification
//! each; the fast one (the default) spreads parsing, hashing and signature
//! checks over worker threads and decodes each signer's key once, while the
//! calling thread reads and applies the chain rules in file order.

mod fast;
mod pipeline;

use std::fs::OpenOptions;
use std::io::{self, BufRead, BufReader, Read};
use std::num::NonZeroUsize;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::files::open_existing_ledger;
use crate::hex::{ChainHash, PublicKeyBytes};
use crate::line::MAX_LINE_BYTES;
use crate::reason::{Finding, Reason};
use crate::seal::{GENESIS_PARENT_HASH, SignedEvent, check_signature, strict_public_key};

/// What a verification is asked to hold the ledger to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyOptions {
    /// When set, every line must be signed by this key.
    pub pinned_pubkey: Option<PublicKeyBytes>,
}

/// How a verification spends CPU. The report never depends on it: both
/// engines run the same checks in the same order, and the conformance
/// vectors and property tests run both and compare every field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    /// [`MAX_LINE_BYTES`], and their parsed events.
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

/// How far a streaming verification has got, after a line that verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Lines verified so far.
    pub events: u64,
    /// Bytes those lines fill, LFs included: where the next line starts.
    pub bytes: u64,
}

/// The verdict on a ledger: where it breaks and why, or that it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainReport {
    /// Whether the whole ledger verified.
    pub ok: bool,
    /// Lines that verified before the first finding (all of them when `ok`).
    pub event_count: u64,
    /// The seq the failing line should have had; `None` when `ok`.
    pub broken_at: Option<u64>,
    /// 1-based line number of the failing line; `None` when `ok` or not read from a file.
    pub line: Option<u64>,
    /// The reason code of the finding; `None` when `ok`.
    pub reason: Option<Reason>,
    /// Says where and why, for people.
    pub message: String,
    /// self_hash of the last good line; `None` when there is none.
    pub root_hash: Option<ChainHash>,
    /// Distinct signers of the good lines, in order of first appearance.
    pub signers: Vec<PublicKeyBytes>,
}

/// Verifies events already in memory, in order, as the lines of one ledger,
/// with the default [`Engine`].
pub fn verify_chain(events: &[SignedEvent], options: &VerifyOptions) -> ChainReport {
    verify_chain_using(events, options, Engine::default())
}

/// [`verify_chain`] with a chosen engine.
pub fn verify_chain_using(events: &[SignedEvent], options: &VerifyOptions, engine: Engine) -> ChainReport {
    let mut verifier = ChainVerifier::new(options.clone());
    let finding = match engine {
        Engine::Sequential => events.iter().find_map(|event| verifier.push(event, strict_seal(event)).err()),
        Engine::Fast { threads } => fast::check_chain(events, threads, &mut verifier),
    };
    match finding {
        Some(finding) => verifier.broken(finding, None),
        None => verifier.finish(),
    }
}

/// Verifies the ledger at `path`, streaming, with the default [`Engine`]. A
/// missing or unreadable file is an [`Error::Ledger`], not a report.
pub fn verify_file(path: impl AsRef<Path>, options: &VerifyOptions) -> Result<ChainReport> {
    verify_file_using(path, options, Engine::default(), |_, _| {})
}

/// [`verify_file`], calling `on_event` for each line that verifies, in order.
pub fn verify_file_with(
    path: impl AsRef<Path>,
    options: &VerifyOptions,
    mut on_event: impl FnMut(&SignedEvent),
) -> Result<ChainReport> {
    verify_file_using(path, options, Engine::default(), |event, _| on_event(event))
}

/// [`verify_file`] with a chosen engine, calling `on_event` on the calling
/// thread for each line that verifies, in order, with the progress so far.
pub fn verify_file_using(
    path: impl AsRef<Path>,
    options: &VerifyOptions,
    engine: Engine,
    on_event: impl FnMut(&SignedEvent, Progress),
) -> Result<ChainReport> {
    let path = path.as_ref();
    let file = open_existing_ledger(path, OpenOptions::new().read(true))?;
    let scan = scan_using(BufReader::with_capacity(1 << 16, file), options, engine, on_event)
        .map_err(|e| Error::ledger_io(path, "read the ledger", e))?;
    Ok(scan.report)
}

/// Verifies a ledger read from any byte stream (a pipe, a buffer), streaming,
/// with the default [`Engine`]. Only I/O failures are errors; everything
/// wrong with the content is the report. A read error after a line with a
/// finding still yields the report, as it would line by line.
pub fn verify_reader(reader: impl BufRead, options: &VerifyOptions) -> io::Result<ChainReport> {
    verify_reader_using(reader, options, Engine::default(), |_, _| {})
}

/// [`verify_reader`] with a chosen engine, calling `on_event` on the calling
/// thread for each line that verifies, in order, with the progress so far
/// (so a listing of a piped ledger streams as one of a file does).
pub fn verify_reader_using(
    reader: impl BufRead,
    options: &VerifyOptions,
    engine: Engine,
    on_event: impl FnMut(&SignedEvent, Progress),
) -> io::Result<ChainReport> {
    scan_using(reader, options, engine, on_event).map(|s| s.report)
}

/// The outcome of reading a whole ledger: the report, and where the failing
/// line starts (the byte length of the good prefix).
pub(crate) struct Scan {
    pub report: ChainReport,
    pub good_bytes: u64,
}

/// Reads and verifies a ledger with the default [`Engine`]. I/O errors
/// abort; everything wrong with the content becomes the report's finding.
pub(crate) fn scan(
    reader: impl BufRead,
    options: &VerifyOptions,
    mut on_event: impl FnMut(&SignedEvent),
) -> io::Result<Scan> {
    scan_using(reader, options, Engine::default(), |event, _| on_event(event))
}

fn scan_using(
    reader: impl BufRead,
    options: &VerifyOptions,
    engine: Engine,
    on_event: impl FnMut(&SignedEvent, Progress),
) -> io::Result<Scan> {
    let mut tally = Tally::new(options, on_event);
    let finding = match engine {
        Engine::Sequential => scan_sequential(reader, &mut tally)?,
        Engine::Fast { threads } => fast::scan(reader, threads, &mut tally)?,
    };
    Ok(tally.into_scan(finding))
}

/// The sequential engine's loop: one line in memory at a time.
fn scan_sequential(
    mut reader: impl BufRead,
    tally: &mut Tally<impl FnMut(&SignedEvent, Progress)>,
) -> io::Result<Option<Finding>> {
    let mut buf = Vec::with_capacity(1024);
    loop {
        buf.clear();
        if read_line(&mut reader, &mut buf)? == 0 {
            return Ok(None);
        }
        let checked = frame(&buf).and_then(SignedEvent::from_line).map(|event| {
            let seal = strict_seal(&event);
            (event, seal)
        });
        if let Err(finding) = tally.take(buf.len(), checked) {
            return Ok(Some(finding));
        }
    }
}

/// Appends the next line with its LF to `buf`, or at most
/// [`MAX_LINE_BYTES`] + 1 bytes of it: enough for [`frame`] to tell a line
/// that is too long. Returns the number of bytes read, 0 at the end.
fn read_line(reader: &mut impl BufRead, buf: &mut Vec<u8>) -> io::Result<usize> {
    reader.take(MAX_LINE_BYTES as u64 + 1).read_until(b'\n', buf)
}

/// Checks a line's framing (LF-terminated, not empty, no CR before the LF,
/// not longer than [`MAX_LINE_BYTES`]) and returns its content without the LF.
pub fn frame(buf: &[u8]) -> Result<&[u8], Finding> {
    match buf.strip_suffix(b"\n") {
        None if buf.len() > MAX_LINE_BYTES => {
            Err(Finding::new(Reason::LineTooLong, format!("line is longer than {MAX_LINE_BYTES} bytes")))
        }
        None => Err(Finding::new(
            Reason::TornTail,
            format!("the final line ({} bytes) has no terminating LF: a torn write", buf.len()),
        )),
        Some(b"") => Err(Finding::new(Reason::EmptyLine, "empty line")),
        Some(content) if content.ends_with(b"\r") => {
            Err(Finding::new(Reason::CrlfLineEnding, "line ends with CR LF; ledger lines end with LF alone"))
        }
        Some(content) => Ok(content),
    }
}

/// Reads one line handed over on its own, without its LF, exactly as a
/// verifier reads a line of a ledger: the framing ([`frame`]: empty, CR LF,
/// too long), then strict parsing.
pub fn read_line_alone(mut line: Vec<u8>) -> Result<SignedEvent, Finding> {
    line.push(b'\n');
    frame(&line).and_then(SignedEvent::from_line)
}

/// The chain rules, applied one event at a time.
pub(crate) struct ChainVerifier {
    options: VerifyOptions,
    count: u64,
    expected_parent: ChainHash,
    signers: Vec<PublicKeyBytes>,
}

impl ChainVerifier {
    pub(crate) fn new(options: VerifyOptions) -> Self {
        ChainVerifier { options, count: 0, expected_parent: GENESIS_PARENT_HASH, signers: Vec::new() }
    }

    /// Checks the next event, given the verdict on its seal; on success it
    /// becomes the chain's tip.
    fn push(&mut self, event: &SignedEvent, seal: SealVerdict) -> Result<(), Finding> {
        if event.seq != self.count {
            return Err(Finding::new(
                Reason::SeqMismatch,
                format!("expected seq {}, found seq {}", self.count, event.seq),
            ));
        }
        if event.parent_hash != self.expected_parent {
            let what = if self.count == 0 {
                "the genesis value (64 zeros)".to_owned()
            } else {
                format!("the previous self_hash {}", self.expected_parent)
            };
            return Err(Finding::new(
                Reason::ParentMismatch,
                format!("parent_hash {} is not {what}", event.parent_hash),
            ));
        }
        if let SealVerdict::BeforeSigner(finding) = seal {
            return Err(finding);
        }
        if let Some(pinned) = self.options.pinned_pubkey
            && event.signer_pubkey != pinned
        {
            return Err(Finding::new(
                Reason::PubkeyMismatch,
                format!("signed by {}, not by the pinned key {pinned}", event.signer_pubkey),
            ));
        }
        if let Some(first) = self.signers.first()
            && event.signer_pubkey != *first
        {
            return Err(Finding::new(
                Reason::SignerChanged,
                format!("signed by {}, but the ledger was started by {first}", event.signer_pubkey),
            ));
        }
        if let SealVerdict::BadSignature(finding) = seal {
            return Err(finding);
        }
        // v1 admits one signer per ledger: the first good line's.
        if self.signers.is_empty() {
            self.signers.push(event.signer_pubkey);
        }
        self.count += 1;
        self.expected_parent = event.self_hash;
        Ok(())
    }

    fn root_hash(&self) -> Option<ChainHash> {
        (self.count > 0).then_some(self.expected_parent)
    }

    pub(crate) fn finish(self) -> ChainReport {
        let message = match self.count {
            0 => "valid: the ledger is empty".to_owned(),
            1 => "valid: 1 event".to_owned(),
            n => format!("valid: {n} events"),
        };
        ChainReport {
            ok: true,
            event_count: self.count,
            broken_at: None,
            line: None,
            reason: None,
            message,
            root_hash: self.root_hash(),
            signers: self.signers,
        }
    }

    pub(crate) fn broken(self, finding: Finding, line: Option<u64>) -> ChainReport {
        let place = match line {
            Some(l) => format!("line {l} (seq {})", self.count),
            None => format!("seq {}", self.count),
        };
        ChainReport {
            ok: false,
            event_count: self.count,
            broken_at: Some(self.count),
            line,
            reason: Some(finding.reason),
            message: format!("broken at {place}: {}", finding.message),
            root_hash: self.root_hash(),
            signers: self.signers,
        }
    }
}

/// What a line's own seal says, checked apart from its place in the chain
/// (possibly on another thread). The chain reports a hash or key finding
/// before the pinned-key and signer checks, and a signature finding after
/// them (spec/verification.md, steps 10 to 14).
#[derive(Debug)]
enum SealVerdict {
    Valid,
    /// `hash_mismatch` or `invalid_public_key`.
    BeforeSigner(Finding),
    /// `bad_signature`.
    BadSignature(Finding),
}

/// The sequential engine's seal check: the hash, the key and one strict
/// ed25519-dalek verification, each from scratch.
fn strict_seal(event: &SignedEvent) -> SealVerdict {
    let key = match event.check_hash().and_then(|()| strict_public_key(&event.signer_pubkey)) {
        Ok(key) => key,
        Err(finding) => return SealVerdict::BeforeSigner(finding),
    };
    match check_signature(&key, &event.self_hash, &event.signature) {
        Ok(()) => SealVerdict::Valid,
        Err(finding) => SealVerdict::BadSignature(finding),
    }
}

/// A streaming verification between lines: the chain, the lines read, and
/// where the good prefix of the input ends.
struct Tally<F> {
    verifier: ChainVerifier,
    lines: u64,
    good_bytes: u64,
    on_event: F,
}

impl<F: FnMut(&SignedEvent, Progress)> Tally<F> {
    fn new(options: &VerifyOptions, on_event: F) -> Self {
        Tally { verifier: ChainVerifier::new(options.clone()), lines: 0, good_bytes: 0, on_event }
    }

    /// Takes the next line of the input (`len` bytes with its LF), framed,
    /// parsed and with its seal checked, or the finding that stopped that.
    fn take(&mut self, len: usize, checked: Result<(SignedEvent, SealVerdict), Finding>) -> Result<(), Finding> {
        self.lines += 1;
        let (event, seal) = checked?;
        self.verifier.push(&event, seal)?;
        self.good_bytes += len as u64;
        (self.on_event)(&event, Progress { events: self.verifier.count, bytes: self.good_bytes });
        Ok(())
    }

    fn into_scan(self, finding: Option<Finding>) -> Scan {
        let report = match finding {
            Some(finding) => self.verifier.broken(finding, Some(self.lines)),
            None => self.verifier.finish(),
        };
        Scan { report, good_bytes: self.good_bytes }
    }
}
