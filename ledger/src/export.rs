//! Exporting a bundle (spec/bundles.md): a range of a verified ledger's
//! lines, verbatim, with a checkpoint of the whole ledger signed by its
//! current key and the proof that places the range in that checkpoint's tree.

use std::fs::OpenOptions;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use provedex_format::checkpoint::Checkpoint;
use provedex_format::hex::ChainHash;
use provedex_format::merkle::{Tree, line_leaf_hash};
use provedex_format::note::SignedNote;
use provedex_format::{Error, Finding, LedgerErrorKind, Reason, Result, SigningKeypair, Value, canonical_json};
use provedex_verify::bundle::{BUNDLE_FORMAT, Bundle, RangeProof, Receipt};
use provedex_verify::files::open_existing_ledger;
use provedex_verify::{ChainReport, SignedCheckpoint, Verifier, key_at};

use crate::receipts::{ReceiptEntry, read_receipts, receipts_path};
use crate::trusted::require_verified;

/// Which lines a bundle holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    /// The lines with seqs `first` to `last`, both included.
    Seqs {
        /// The first seq.
        first: u64,
        /// The last seq.
        last: u64,
    },
    /// The lines from the first whose `timestamp_nanos` is at or after
    /// `from_nanos` to the last whose `timestamp_nanos` is at or before
    /// `to_nanos`, and every line between them.
    Time {
        /// The earliest time, in nanoseconds since the Unix epoch.
        from_nanos: u64,
        /// The latest time, in nanoseconds since the Unix epoch.
        to_nanos: u64,
    },
}

/// The checkpoint a bundle proves its lines against.
#[derive(Debug, Clone, Copy)]
pub enum BundleCheckpoint<'a> {
    /// A new checkpoint of every good line, signed with the ledger's current key.
    Sign(&'a SigningKeypair),
    /// A checkpoint signed earlier (kept apart, anchored, cosigned), used
    /// verbatim: the ledger must still hold its tree, and the bundle's lines
    /// must lie within it.
    Held(&'a SignedCheckpoint),
    /// The latest checkpoint of the receipts file (the one anchored last),
    /// used verbatim as a held one.
    Anchored,
}

/// What one verified pass over a ledger keeps of each good line.
struct Scan {
    report: ChainReport,
    self_hashes: Vec<ChainHash>,
    timestamps: Vec<u64>,
    /// Where each line ends, its LF included.
    ends: Vec<u64>,
}

/// Reads and verifies the ledger at `path`, keeping each good line's
/// self_hash, time and end. A finding other than a torn final line (a
/// write in progress) refuses the ledger: nothing is exported from it.
fn scan(path: &Path) -> Result<Scan> {
    let (mut self_hashes, mut timestamps, mut ends) = (Vec::new(), Vec::new(), Vec::new());
    let report = Verifier::new()
        .on_event(|event, progress| {
            self_hashes.push(event.self_hash);
            timestamps.push(event.timestamp_nanos);
            ends.push(progress.bytes);
        })
        .file(path)?;
    require_verified(path, &report, "exported")?;
    Ok(Scan { report, self_hashes, timestamps, ends })
}

fn out_of_range(message: String) -> Error {
    Error::ledger(LedgerErrorKind::OutOfRange, message)
}

/// The seqs a selection names in a ledger with these line times, both included.
fn select(selection: Selection, timestamps: &[u64]) -> Result<(u64, u64)> {
    let lines = timestamps.len() as u64;
    let (first, last) = match selection {
        Selection::Seqs { first, last } => (first, last),
        Selection::Time { from_nanos, to_nanos } => {
            if from_nanos > to_nanos {
                return Err(out_of_range("the time range ends before it starts".to_owned()));
            }
            let first = timestamps.iter().position(|&t| t >= from_nanos);
            let last = timestamps.iter().rposition(|&t| t <= to_nanos);
            match (first, last) {
                (Some(first), Some(last)) if first <= last => (first as u64, last as u64),
                _ => return Err(out_of_range("no line of the ledger lies in the time range".to_owned())),
            }
        }
    };
    if first > last {
        return Err(out_of_range(format!("the first seq {first} is after the last seq {last}")));
    }
    if last >= lines {
        return Err(out_of_range(format!("seq {last} is beyond the ledger's {lines} good lines")));
    }
    Ok((first, last))
}

/// The bundle of the selected lines of the ledger at `path`, proven
/// against `checkpoint`: a new one of every good line, or one held.
pub fn export_bundle(path: &Path, checkpoint: BundleCheckpoint<'_>, selection: Selection) -> Result<Bundle> {
    let receipts = read_receipts(path)?;
    let anchored;
    let checkpoint = match checkpoint {
        BundleCheckpoint::Anchored => {
            let latest = receipts.iter().max_by_key(|entry| entry.tree_size).ok_or_else(|| {
                out_of_range(format!(
                    "{} holds no receipt: anchor the ledger first (provedex anchor run)",
                    receipts_path(path).display()
                ))
            })?;
            anchored = SignedCheckpoint::parse(latest.checkpoint.to_text().as_bytes()).map_err(|finding| {
                Error::ledger(
                    LedgerErrorKind::Broken,
                    format!("{}: {}", receipts_path(path).display(), finding.message),
                )
            })?;
            BundleCheckpoint::Held(&anchored)
        }
        other => other,
    };
    let scan = scan(path)?;
    let tree = Tree::from_leaves(scan.self_hashes.iter().map(line_leaf_hash));
    let (signer, size, note) = match checkpoint {
        BundleCheckpoint::Sign(key) => {
            let current = scan.report.keys.last().ok_or_else(|| out_of_range("the ledger is empty".to_owned()))?.pubkey;
            if current != key.public_key() {
                return Err(Error::ledger(
                    LedgerErrorKind::ForeignKey,
                    format!(
                        "the key {} is not the ledger's current key {}, which signs its checkpoints",
                        key.fingerprint(),
                        current.fingerprint()
                    ),
                ));
            }
            let size = tree.size();
            (current, size, key.sign_checkpoint(&scan.self_hashes[0], size, tree.root_at(size)).to_text())
        }
        BundleCheckpoint::Held(held) => {
            let size = held.checkpoint.size;
            check_held(&scan, &tree, held)?;
            let signer = key_at(&scan.report.keys, size).expect("a ledger with a line has a key");
            (signer, size, held.note.to_text())
        }
        BundleCheckpoint::Anchored => unreachable!("an anchored checkpoint is held by now"),
    };
    let timestamps = &scan.timestamps[..usize::try_from(size).expect("a tree in memory fits usize")];
    let (first, last) = select(selection, timestamps)?;
    let previous = first.checked_sub(1);
    let proof = RangeProof {
        previous_self_hash: previous.map(|p| scan.self_hashes[p as usize]),
        left: previous.map(|p| tree.compact_range(p).peaks().to_vec()).unwrap_or_default(),
        consistency: tree.consistency_proof(last + 1, size),
        genesis: if first == 0 { Vec::new() } else { tree.inclusion_proof(0, size) },
    };
    let start = previous.map_or(0, |p| scan.ends[p as usize]);
    let lines = read_lines(path, start, scan.ends[last as usize])?;
    if lines.len() as u64 != last - first + 1 {
        return Err(Error::ledger(
            LedgerErrorKind::Broken,
            format!("{}: the ledger changed while it was read; export again", path.display()),
        ));
    }
    let receipts = receipts_of(&receipts, &note);
    Ok(Bundle {
        format: BUNDLE_FORMAT.to_owned(),
        public_key: signer,
        fingerprint: signer.fingerprint(),
        checkpoint: note,
        first_seq: first,
        lines,
        proof,
        receipts,
    })
}

/// The receipts whose checkpoint names the same tree as `note` (origin,
/// size and root): their statements vouch for the bundle's checkpoint.
fn receipts_of(receipts: &[ReceiptEntry], note: &str) -> Vec<Receipt> {
    let body = |text: &str| {
        SignedNote::parse(text.as_bytes())
            .ok()
            .and_then(|note| Checkpoint::parse_body(&note.text).ok())
            .map(|c| (c.origin, c.size, c.root))
    };
    let wanted = body(note);
    receipts
        .iter()
        .filter(|entry| wanted.is_some() && body(&entry.checkpoint.to_text()) == wanted)
        .map(|entry| {
            let json = canonical_json(&Value::Object(entry.receipt.clone()));
            Receipt(serde_json::from_slice(&json).expect("canonical JSON of an object is a JSON object"))
        })
        .collect()
}

/// A held checkpoint is one of this ledger, within its good lines, signed by
/// the key current at its size, and names the root the ledger has there.
fn check_held(scan: &Scan, tree: &Tree, held: &SignedCheckpoint) -> Result<()> {
    let size = held.checkpoint.size;
    let refuse = |finding: Finding| Error::Chain {
        reason: finding.reason,
        message: format!("the checkpoint does not hold for this ledger: {}", finding.message),
    };
    let genesis = scan.self_hashes.first().ok_or_else(|| out_of_range("the ledger is empty".to_owned()))?;
    if *genesis != held.origin.genesis_self_hash {
        return Err(refuse(Finding::new(Reason::CheckpointForeign, "it names another ledger")));
    }
    if size > tree.size() || size == 0 {
        return Err(refuse(Finding::new(
            Reason::LedgerTruncated,
            format!("it vouches for {size} lines, the ledger has {} good lines", tree.size()),
        )));
    }
    held.verify_signature(&key_at(&scan.report.keys, size).expect("a ledger with a line has a key")).map_err(refuse)?;
    if tree.root_at(size) != held.checkpoint.root {
        return Err(refuse(Finding::new(
            Reason::CheckpointRootMismatch,
            format!("the ledger's tree of {size} lines has root {}, not {}", tree.root_at(size), held.checkpoint.root),
        )));
    }
    Ok(())
}

/// The lines between two offsets of the ledger, without their LFs.
fn read_lines(path: &Path, start: u64, end: u64) -> Result<Vec<String>> {
    let io = |e| Error::ledger_io(path, "read the ledger", e);
    let mut file = open_existing_ledger(path, OpenOptions::new().read(true))?;
    file.seek(SeekFrom::Start(start)).map_err(io)?;
    let mut bytes = Vec::with_capacity(usize::try_from(end - start).expect("a bundle's lines fit in memory"));
    file.take(end - start).read_to_end(&mut bytes).map_err(io)?;
    let text = String::from_utf8(bytes).map_err(|_| {
        Error::ledger(LedgerErrorKind::Broken, format!("{}: the ledger changed while it was read", path.display()))
    })?;
    let lines: Vec<String> = text.strip_suffix('\n').unwrap_or(&text).split('\n').map(str::to_owned).collect();
    Ok(lines)
}
