//! Export bundles (spec/bundles.md): a range of a ledger's lines with a
//! signed checkpoint and the proof that places them in its tree, verified
//! without the ledger under the key or fingerprint the verifier pins; and
//! the checkpoints a session signs into the file beside its ledger
//! (spec/transparency.md, "Checkpoints file").
//!
//! A bundle crosses as the bytes of its document, exactly as `provedex
//! export` writes them (pretty JSON and an LF): the caller stores them where
//! it likes. Checkpoints cross as their signed note's text, or bytes when
//! read back. A bundle that does not verify is a report, never an error.

use std::sync::Arc;

use provedex_core::bundle::{self, KeyPin, ProofLevel, Verdict};
use provedex_core::{self as core, BundleCheckpoint, Engine, PublicKeyBytes, SignedCheckpoint};

use crate::{FsPath, ProvedexError, ReceiptTrust, Result, SigningKeypair};

/// Which lines of a ledger a bundle holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum BundleSelection {
    /// The lines with seqs `first` to `last`, both included.
    Seqs {
        /// The first line's seq.
        first: u64,
        /// The last line's seq (included).
        last: u64,
    },
    /// From the first line whose `timestamp_nanos` is at or after
    /// `from_nanos` to the last whose `timestamp_nanos` is at or before
    /// `to_nanos`, every line between them included.
    Time {
        /// The earliest time, in nanoseconds since the Unix epoch.
        from_nanos: u64,
        /// The latest time, in nanoseconds since the Unix epoch.
        to_nanos: u64,
    },
}

impl From<BundleSelection> for core::Selection {
    fn from(selection: BundleSelection) -> Self {
        match selection {
            BundleSelection::Seqs { first, last } => core::Selection::Seqs { first, last },
            BundleSelection::Time { from_nanos, to_nanos } => core::Selection::Time { from_nanos, to_nanos },
        }
    }
}

/// The bundle document's bytes, as `provedex export` writes them.
fn document(bundle: &bundle::Bundle) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(bundle).expect("a bundle serialises");
    bytes.push(b'\n');
    bytes
}

/// The bundle of the `selection` of the ledger at `ledger_path`, proven
/// against a new checkpoint of every good line signed by `keypair`: the
/// bundle document's bytes, as `provedex export` writes them (pretty JSON
/// and an LF). Nothing is written: store the bytes in a new file (the
/// command never overwrites one).
///
/// The ledger must verify (a torn final line is left out): otherwise a
/// `Chain` error with the finding's reason. `keypair` must be the ledger's
/// current key (a `Ledger` error `foreign_key` otherwise). A selection
/// outside the good lines, a time range that holds no line or ends before
/// it starts, or an empty ledger is a `Ledger` error `out_of_range`.
#[uniffi::export]
pub fn export_bundle(ledger_path: FsPath, keypair: Arc<SigningKeypair>, selection: BundleSelection) -> Result<Vec<u8>> {
    let bundle = core::export_bundle(&ledger_path.0, BundleCheckpoint::Sign(&keypair.0), selection.into())?;
    Ok(document(&bundle))
}

/// [`export_bundle`] against a checkpoint signed earlier (kept apart,
/// anchored, cosigned), given as its note bytes and copied verbatim: no
/// key is needed. Bytes that are not a signed checkpoint are a `Chain`
/// error `checkpoint_malformed`. The ledger must still hold the
/// checkpoint's tree, and the selection must lie within it: a `Chain`
/// error `checkpoint_foreign` (another ledger), `ledger_truncated` (more
/// lines than the ledger's good lines), `checkpoint_signature_invalid` (not
/// signed by the key current at its size) or `checkpoint_root_mismatch`;
/// a selection beyond its tree is a `Ledger` error `out_of_range`.
#[uniffi::export]
pub fn export_bundle_with_checkpoint(
    ledger_path: FsPath,
    checkpoint: Vec<u8>,
    selection: BundleSelection,
) -> Result<Vec<u8>> {
    let held = SignedCheckpoint::parse(&checkpoint)?;
    let bundle = core::export_bundle(&ledger_path.0, BundleCheckpoint::Held(&held), selection.into())?;
    Ok(document(&bundle))
}

/// [`export_bundle`] against the checkpoint anchored last: the latest in
/// the receipts file beside the ledger (spec/anchors.md), with every receipt
/// kept for it, as `provedex export --anchored` writes it. No receipt yet
/// is a `Ledger` error `out_of_range`; the other errors are those of
/// [`export_bundle_with_checkpoint`].
#[uniffi::export]
pub fn export_bundle_anchored(ledger_path: FsPath, selection: BundleSelection) -> Result<Vec<u8>> {
    let bundle = core::export_bundle(&ledger_path.0, BundleCheckpoint::Anchored, selection.into())?;
    Ok(document(&bundle))
}

/// One piece of evidence a bundle verification checked, and its verdict.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Evidence {
    /// `bundle`, `key_pin`, `checkpoint`, `held_checkpoint`, `lines`, `tree` or `receipt`.
    pub kind: String,
    /// `verified`, `failed` or `not_checked`.
    pub verdict: String,
    /// What was checked, or why it was not, for people.
    pub detail: String,
}

/// Whether a proof level is reached, and why (not).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LevelVerdict {
    /// `verifiable`, `externally-archived`, `publicly-auditable` or `publicly-timestamped`.
    pub level: String,
    /// Whether the evidence checked reaches it.
    pub reached: bool,
    /// The evidence that reaches it, or what is missing.
    pub why: String,
}

/// The verdict on a bundle (spec/bundles.md, "Report").
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BundleReport {
    /// Every check passed (under the pinned key, when one was pinned).
    pub ok: bool,
    /// Whether a key or fingerprint was pinned and matched. A bundle that
    /// verifies without one proves only its internal consistency.
    pub pinned: bool,
    /// The highest proof level reached (`verifiable`, …); none when none is
    /// (a finding, or no pin).
    pub proof_level: Option<String>,
    /// All four levels, lowest first, reached or not, and why.
    pub levels: Vec<LevelVerdict>,
    /// The lines that verified.
    pub event_count: u64,
    /// The seq of the bundle's first line; none when the bundle could not be read.
    pub first_seq: Option<u64>,
    /// The checkpoint's tree size; none when it could not be read.
    pub tree_size: Option<u64>,
    /// The checkpoint's root, as hex; none when it could not be read.
    pub root: Option<String>,
    /// The key the bundle names, as hex; none when it could not be read.
    pub public_key: Option<String>,
    /// The reason code of the finding (spec/verification.md); none when `ok`.
    pub reason: Option<String>,
    /// What holds, or where and why it does not, for people.
    pub message: String,
    /// The seq of the failing line, for a finding about a line.
    pub broken_at: Option<u64>,
    /// Each piece of evidence and its verdict, in the order checked.
    pub evidence: Vec<Evidence>,
    /// The report as one JSON object, as `provedex verify-bundle --json`
    /// prints it (spec/bundle-report.schema.json).
    pub json: String,
}

fn verdict_name(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Verified => "verified",
        Verdict::Failed => "failed",
        Verdict::NotChecked => "not_checked",
    }
}

impl From<bundle::BundleReport> for BundleReport {
    fn from(r: bundle::BundleReport) -> Self {
        let json = serde_json::to_string(&r).expect("a report serialises");
        BundleReport {
            ok: r.ok,
            pinned: r.pinned,
            proof_level: r.proof_level.map(|level| ProofLevel::name(level).to_owned()),
            levels: r
                .levels
                .into_iter()
                .map(|l| LevelVerdict { level: l.level.name().to_owned(), reached: l.reached, why: l.why })
                .collect(),
            event_count: r.event_count,
            first_seq: r.first_seq,
            tree_size: r.tree_size,
            root: r.root.map(|root| root.to_hex()),
            public_key: r.public_key.map(|key| key.to_hex()),
            reason: r.reason.map(|reason| reason.code().to_owned()),
            message: r.message,
            broken_at: r.broken_at,
            evidence: r
                .evidence
                .into_iter()
                .map(|e| Evidence { kind: e.kind, verdict: verdict_name(e.verdict).to_owned(), detail: e.detail })
                .collect(),
            json,
        }
    }
}

/// A fingerprint as `provedex key fingerprint` prints it: `sha256:` and 64 lowercase hex.
fn fingerprint_pin(text: String) -> Result<String> {
    let hex = text.strip_prefix("sha256:").unwrap_or("");
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return Err(ProvedexError::KeyLoad {
            detail: format!("the pinned fingerprint {text:?} is not sha256: and 64 lowercase hex characters"),
        });
    }
    Ok(text)
}

/// Verifies a bundle's bytes (spec/bundles.md, "Verification") without the
/// ledger. Pin the key you trust to sign the ledger's checkpoints
/// (`pinned_pubkey`, hex or PEM) or its fingerprint (`pinned_fingerprint`,
/// `sha256:` and 64 hex), obtained apart from the bundle: without a pin a
/// bundle that holds together is `ok` but not `pinned` and reaches no proof
/// level, since anyone can write a consistent bundle under a key of their
/// own. `checkpoint` is a checkpoint of the ledger held apart (its note
/// bytes): the bundle must prove its lines against that very tree.
///
/// The bundle's receipts are checked with `receipts`, the trust anchors
/// and servers the verifier chose (spec/anchors.md); without them each
/// receipt's statement is still checked against the checkpoint, but no
/// receipt reaches a level above `verifiable`.
///
/// Every finding about the bundle is in the report (`bundle_malformed`,
/// `bundle_key_mismatch`, `bundle_proof_invalid`, `receipt_invalid`, the
/// checkpoint's and the lines' reasons). Errors are only about the
/// arguments: both pins, a malformed key or fingerprint, or a trust anchor
/// that cannot be read, is a `KeyLoad` error; a held checkpoint that is not
/// a signed checkpoint, a `Chain` error `checkpoint_malformed`.
#[uniffi::export(default(pinned_pubkey = None, pinned_fingerprint = None, checkpoint = None, receipts = None))]
pub fn verify_bundle(
    bundle: Vec<u8>,
    pinned_pubkey: Option<String>,
    pinned_fingerprint: Option<String>,
    checkpoint: Option<Vec<u8>>,
    receipts: Option<ReceiptTrust>,
) -> Result<BundleReport> {
    let pin = match (pinned_pubkey, pinned_fingerprint) {
        (Some(_), Some(_)) => {
            return Err(ProvedexError::KeyLoad { detail: "pin a public key or its fingerprint, not both".to_owned() });
        }
        (Some(key), None) => Some(KeyPin::PublicKey(PublicKeyBytes::parse(key.as_bytes())?)),
        (None, Some(fingerprint)) => Some(KeyPin::Fingerprint(fingerprint_pin(fingerprint)?)),
        (None, None) => None,
    };
    let held = crate::transparency::pinned_checkpoint(checkpoint)?;
    let checker = receipts.unwrap_or_default().checker()?;
    Ok(bundle::verify_bundle_with(&bundle, pin.as_ref(), held.as_ref(), Engine::default(), &checker).into())
}

/// One line of a ledger's checkpoints file: a checkpoint a session signed.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CheckpointEntry {
    /// The checkpoint's tree size.
    pub tree_size: u64,
    /// The signed note's text. Being in the file vouches for nothing:
    /// verify it ([`crate::verify_checkpoint`]) under the key you pin.
    pub checkpoint: String,
}

/// The checkpoints file of the ledger at `ledger_path`: the same path with
/// `.checkpoints` appended to its file name.
#[uniffi::export]
pub fn checkpoints_path(ledger_path: FsPath) -> FsPath {
    FsPath(provedex_ledger::checkpoints_path(&ledger_path.0))
}

/// Reads the checkpoints file of the ledger at `ledger_path`
/// (spec/transparency.md, "Checkpoints file"): every entry, in file order;
/// none when there is no file. A final line without LF (a write cut short)
/// is left out; any other line that is not an entry is a `Ledger` error
/// `broken` naming its line number. Signatures are not checked here.
#[uniffi::export]
pub fn read_checkpoints(ledger_path: FsPath) -> Result<Vec<CheckpointEntry>> {
    Ok(provedex_ledger::read_checkpoints(&ledger_path.0)?
        .into_iter()
        .map(|entry| CheckpointEntry { tree_size: entry.tree_size, checkpoint: entry.note.to_text() })
        .collect())
}
