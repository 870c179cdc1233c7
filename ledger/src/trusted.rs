//! What a tree read from the index rests on (spec/transparency.md,
//! "Trusting an index"): the ledger's first lines as far as the latest
//! checkpoint signed by the trusted key vouches for them (the index's
//! compact range at that size has the checkpoint's root, and the index
//! proves the checkpoint's last line in it), and every line after them
//! verified, signatures and all, as it is read. A checkpoint is then signed,
//! or a proof returned, only over lines that verify [TL-5], and reading a
//! large ledger costs a count of its lines and the verification of those
//! since its latest checkpoint, not of all of them.

use std::fs::OpenOptions;
use std::io::{BufRead as _, BufReader, Read as _, Seek as _, SeekFrom};
use std::path::Path;

use provedex_format::hex::{ChainHash, Digest, PublicKeyBytes};
use provedex_format::merkle::line_leaf_hash;
use provedex_format::{AgentEvent, Error, LedgerErrorKind, Reason, Result, SignedEvent};
use provedex_verify::files::open_existing_ledger;
use provedex_verify::{ChainReport, Verifier, check_seal, verify_checkpoint};

use crate::checkpoints::CheckpointEntry;
use crate::index::{Frontier, TreeIndex};

/// Where verification of a ledger starts: at its first line, or after the
/// lines a checkpoint vouches for.
#[derive(Debug, Clone, Default)]
pub(crate) struct Start {
    /// How many lines the checkpoint vouches for (0: none).
    pub size: u64,
    /// The compact range of those lines, read from the index; its root is the checkpoint's.
    pub frontier: Frontier,
    /// The key that signed the checkpoint, current at `size`, and the
    /// self_hash of the line with seq `size − 1`.
    vouched: Option<(PublicKeyBytes, ChainHash)>,
    /// Where the line with seq `size` starts.
    offset: u64,
}

impl Start {
    /// Verification from the first line.
    pub fn first_line() -> Start {
        Start::default()
    }

    /// The key that signed the checkpoint: the key current at its size.
    pub fn key(&self) -> Option<PublicKeyBytes> {
        self.vouched.map(|(key, _)| key)
    }
}

/// Calls `visit` with the seq, offset and bytes (without the LF) of each
/// whole line of the ledger at `path`, in order, without parsing them, until
/// it returns false. Returns how many whole lines were visited.
pub(crate) fn for_each_line(path: &Path, mut visit: impl FnMut(u64, u64, &[u8]) -> bool) -> Result<u64> {
    let io = |e| Error::ledger_io(path, "read the ledger", e);
    let file = open_existing_ledger(path, OpenOptions::new().read(true))?;
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let (mut line, mut offset, mut seq) = (Vec::new(), 0u64, 0u64);
    loop {
        line.clear();
        let read = reader.read_until(b'\n', &mut line).map_err(io)?;
        if line.last() != Some(&b'\n') {
            return Ok(seq);
        }
        if !visit(seq, offset, &line[..read - 1]) {
            return Ok(seq + 1);
        }
        offset += read as u64;
        seq += 1;
    }
}

/// The line with seq `seq`, parsed and seal-checked, and where the line
/// after it starts (its own offset, its bytes as they are in the file and
/// the LF).
pub(crate) fn line_at(path: &Path, seq: u64) -> Result<(SignedEvent, u64)> {
    let mut found = None;
    for_each_line(path, |at, offset, line| {
        if at == seq {
            let event = SignedEvent::from_line(line).and_then(|event| check_seal(&event).map(|()| event));
            found = Some((event, offset + line.len() as u64 + 1));
        }
        at < seq
    })?;
    match found {
        Some((Ok(event), next)) if event.seq == seq => Ok((event, next)),
        Some((Ok(event), _)) => Err(broken(path, format!("its line {} holds seq {}", seq + 1, event.seq))),
        Some((Err(finding), _)) => Err(broken(path, format!("its line {}: {finding}", seq + 1))),
        None => Err(Error::ledger(
            LedgerErrorKind::OutOfRange,
            format!("{}: it has no line with seq {seq}", path.display()),
        )),
    }
}

fn broken(path: &Path, why: String) -> Error {
    Error::ledger(LedgerErrorKind::Broken, format!("{}: {why}", path.display()))
}

/// The size and root of the latest of `entries` (the checkpoints file of
/// the ledger at `path`, read before its lines were counted, so that no
/// checkpoint covers lines appended since) that is of the ledger whose first
/// line has `genesis` and verifies under `key`. One of more than the
/// ledger's `size` lines is refused (`ledger_truncated`): lines it vouched
/// for were cut.
pub(crate) fn latest_checkpoint(
    path: &Path,
    entries: &[CheckpointEntry],
    genesis: &ChainHash,
    size: u64,
    key: &PublicKeyBytes,
) -> Result<Option<(u64, Digest)>> {
    let mut latest: Option<(u64, Digest)> = None;
    for entry in entries {
        let Ok(signed) = verify_checkpoint(entry.note.to_text().as_bytes(), key) else { continue };
        if signed.origin.genesis_self_hash != *genesis {
            continue;
        }
        let (vouched, root) = (signed.checkpoint.size, signed.checkpoint.root);
        if vouched > size {
            return Err(Error::Chain {
                reason: Reason::LedgerTruncated,
                message: format!(
                    "{}: a checkpoint signed by {} vouches for {vouched} lines, but the ledger has {size} whole lines: \
                     lines were cut from it",
                    path.display(),
                    key.fingerprint()
                ),
            });
        }
        if latest.is_none_or(|(largest, _)| vouched > largest) {
            latest = Some((vouched, root));
        }
    }
    Ok(latest)
}

/// Where verification starts after the checkpoint of `size` lines with
/// `root` signed by `key`: `None` when the index disagrees with it (its
/// compact range at that size has another root, or its proof of the line
/// with seq `size − 1` fails), and must be rebuilt (spec/transparency.md,
/// "Trusting an index", step 7).
pub(crate) fn vouched_start(
    path: &Path,
    index: &mut TreeIndex,
    size: u64,
    root: &Digest,
    key: &PublicKeyBytes,
) -> Option<Start> {
    if size == 0 {
        return Some(Start::first_line());
    }
    let frontier = Frontier::read(index, size).ok().filter(|frontier| frontier.root() == *root)?;
    let (last, offset) = line_at(path, size - 1).ok()?;
    index.inclusion_proof(size - 1, size, &last.self_hash, root).ok()?;
    Some(Start { size, frontier, vouched: Some((*key, last.self_hash)), offset })
}

/// Verifies the lines of the ledger at `path` from `start` to the byte
/// offset `end` (the end of the lines counted, so that lines appended
/// meanwhile are left alone), pushing each good line's leaf onto the
/// start's compact range. From the first line, the
/// ledger's first key is `pinned` when given; after a checkpoint, the key
/// that signed it is current. `on_event` sees each good line with the
/// compact range it completes. Returns the compact range of the good lines
/// and the report of the lines verified.
pub(crate) fn verify_from(
    path: &Path,
    start: &Start,
    end: u64,
    pinned: Option<PublicKeyBytes>,
    mut on_event: impl FnMut(&SignedEvent, &Frontier),
) -> Result<(Frontier, ChainReport)> {
    let mut frontier = start.frontier.clone();
    let mut nodes = Vec::new();
    // Redactions of lines before the start: the verifier of a range does not hold them.
    let mut earlier_targets = Vec::new();
    let verifier = match start.vouched {
        Some((key, parent)) => Verifier::new().continuing(start.size, parent).pinned_pubkey(key),
        None => Verifier::new().pinned_pubkey(pinned),
    }
    .on_event(|event, _| {
        nodes.clear();
        frontier.push(line_leaf_hash(&event.self_hash), &mut nodes);
        if let AgentEvent::Redacted(redaction) = &event.event
            && redaction.target_seq < start.size
        {
            earlier_targets.push((event.seq, redaction.target_seq, redaction.target_self_hash));
        }
        on_event(event, &frontier);
    });
    let io = |e| Error::ledger_io(path, "read the ledger", e);
    let mut file = open_existing_ledger(path, OpenOptions::new().read(true))?;
    file.seek(SeekFrom::Start(start.offset)).map_err(io)?;
    let lines = BufReader::with_capacity(1 << 16, file.take(end.saturating_sub(start.offset)));
    let report = verifier.reader(lines).map_err(io)?;
    for (seq, target, named) in earlier_targets {
        check_earlier_target(path, seq, target, &named)?;
    }
    Ok((frontier, report))
}

/// The redaction at `seq` of the line with seq `target`, before the lines
/// verified: that line must be whole, pass its seal check, have the
/// self_hash `named`, and not be a redaction itself (spec/verification.md,
/// steps 20 and 21), as when the whole ledger is verified.
fn check_earlier_target(path: &Path, seq: u64, target: u64, named: &Digest) -> Result<()> {
    let refuse = |reason: Reason, why: String| Error::Chain {
        reason,
        message: format!("{}: the ledger does not verify: the redaction at seq {seq} {why}", path.display()),
    };
    let (line, _) = line_at(path, target)?;
    if line.self_hash.0 != named.0 {
        return Err(refuse(
            Reason::RedactionTargetMismatch,
            format!("names target_self_hash {named}, but the line with seq {target} has self_hash {}", line.self_hash),
        ));
    }
    if matches!(line.event, AgentEvent::Redacted(_)) {
        return Err(refuse(Reason::RedactionOfRedaction, format!("targets seq {target}, which is itself a redaction")));
    }
    Ok(())
}

/// Refuses a ledger whose verification found anything but a torn final
/// line (a write in progress, which is left out): nothing is `done` from it.
pub(crate) fn require_verified(path: &Path, report: &ChainReport, done: &str) -> Result<()> {
    match report.reason.filter(|reason| *reason != Reason::TornTail) {
        None => Ok(()),
        Some(reason) => Err(Error::Chain {
            reason,
            message: format!(
                "{}: the ledger does not verify, so nothing is {done} from it: {}",
                path.display(),
                report.message
            ),
        }),
    }
}
