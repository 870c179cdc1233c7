//! Chain verification (spec/verification.md): in memory with
//! [`verify_chain`], or streaming from a file with [`verify_file`], which
//! holds one line at a time whatever the ledger's size.

use std::fs::OpenOptions;
use std::io::{self, BufRead, BufReader, Read};
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

/// The verdict on a ledger: where it breaks and why, or that it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainReport {
    pub ok: bool,
    /// Lines that verified before the first finding (all of them when `ok`).
    pub event_count: u64,
    /// The seq the failing line should have had; `None` when `ok`.
    pub broken_at: Option<u64>,
    /// 1-based line number of the failing line; `None` when `ok` or not read from a file.
    pub line: Option<u64>,
    pub reason: Option<Reason>,
    /// Says where and why, for people.
    pub message: String,
    /// self_hash of the last good line; `None` when there is none.
    pub root_hash: Option<ChainHash>,
    /// Distinct signers of the good lines, in order of first appearance.
    pub signers: Vec<PublicKeyBytes>,
}

/// Verifies events already in memory, in order, as the lines of one ledger.
pub fn verify_chain(events: &[SignedEvent], options: &VerifyOptions) -> ChainReport {
    let mut verifier = ChainVerifier::new(options.clone());
    for event in events {
        if let Err(finding) = verifier.push(event) {
            return verifier.broken(finding, None);
        }
    }
    verifier.finish()
}

/// Verifies the ledger at `path`, streaming. A missing or unreadable file is
/// an [`Error::Ledger`], not a report.
pub fn verify_file(path: impl AsRef<Path>, options: &VerifyOptions) -> Result<ChainReport> {
    verify_file_with(path, options, |_| {})
}

/// [`verify_file`], calling `on_event` for each line that verifies.
pub fn verify_file_with(
    path: impl AsRef<Path>,
    options: &VerifyOptions,
    on_event: impl FnMut(&SignedEvent),
) -> Result<ChainReport> {
    let path = path.as_ref();
    let file = open_existing_ledger(path, OpenOptions::new().read(true))?;
    let scan = scan(BufReader::with_capacity(1 << 16, file), options, on_event)
        .map_err(|e| Error::ledger_io(path, "read the ledger", e))?;
    Ok(scan.report)
}

/// Verifies a ledger read from any byte stream (a pipe, a buffer), streaming.
/// Only I/O failures are errors; everything wrong with the content is the report.
pub fn verify_reader(reader: impl BufRead, options: &VerifyOptions) -> io::Result<ChainReport> {
    scan(reader, options, |_| {}).map(|s| s.report)
}

/// The outcome of reading a whole ledger: the report, and where the failing
/// line starts (the byte length of the good prefix).
pub(crate) struct Scan {
    pub report: ChainReport,
    pub good_bytes: u64,
}

/// Reads and verifies a ledger line by line. I/O errors abort; everything
/// wrong with the content becomes the report's finding.
pub(crate) fn scan(
    mut reader: impl BufRead,
    options: &VerifyOptions,
    mut on_event: impl FnMut(&SignedEvent),
) -> io::Result<Scan> {
    let mut verifier = ChainVerifier::new(options.clone());
    let mut buf = Vec::with_capacity(1024);
    let mut good_bytes = 0u64;
    let mut line_no = 0u64;
    loop {
        buf.clear();
        let limit = MAX_LINE_BYTES as u64 + 1;
        let n = (&mut reader).take(limit).read_until(b'\n', &mut buf)?;
        if n == 0 {
            return Ok(Scan { report: verifier.finish(), good_bytes });
        }
        line_no += 1;
        let result = frame(&buf).and_then(SignedEvent::from_line).and_then(|event| {
            verifier.push(&event)?;
            on_event(&event);
            Ok(())
        });
        if let Err(finding) = result {
            return Ok(Scan { report: verifier.broken(finding, Some(line_no)), good_bytes });
        }
        good_bytes += n as u64;
    }
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

    /// Checks the next event; on success it becomes the chain's tip.
    pub(crate) fn push(&mut self, event: &SignedEvent) -> Result<(), Finding> {
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
        event.check_hash()?;
        let key = strict_public_key(&event.signer_pubkey)?;
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
        check_signature(&key, &event.self_hash, &event.signature)?;
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
