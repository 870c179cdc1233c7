//! Receipts of a C2SP transparency log (a `tlog-tiles` log such as
//! Tessera's): the statement's bytes are an entry of the log, and the
//! receipt carries the log's signed checkpoint and the RFC 9162 inclusion
//! proof of that entry in the checkpoint's tree. Checked offline with the
//! log's note verifier key only.
//!
//! The checkpoint and inclusion check ([`verify_entry`]) is shared with the
//! Rekor v2 receipts, whose checkpoints are C2SP signed notes too.

use ed25519_dalek::{Signature, VerifyingKey};
use provedex_format::checkpoint::Checkpoint;
use provedex_format::display::quote;
use provedex_format::hex::Digest;
use provedex_format::merkle::{ProofError, leaf_hash, verify_inclusion};
use provedex_format::note::{NoteKey, SignedNote};

use crate::ReceiptError;

/// The most bytes a logged statement may have: anchor statements are under
/// 1 KiB, and a tlog-tiles entry bundle frames each entry with a 16-bit length.
pub const MAX_STATEMENT_BYTES: usize = 16 * 1024;

/// The most bytes a checkpoint note may have in a receipt: a checkpoint with
/// its signatures (and a few witness cosignatures) is well under this.
pub const MAX_CHECKPOINT_BYTES: usize = 16 * 1024;

/// The most hashes an inclusion proof may have: one per level of a tree of
/// up to 2^64 entries.
pub const MAX_PROOF_HASHES: usize = 64;

/// The receipt of a statement logged in a C2SP transparency log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct TlogReceipt {
    /// The signed anchor statement; its UTF-8 bytes are exactly the log entry.
    pub statement: String,
    /// The entry's index in the log (0-based).
    pub index: u64,
    /// The log's checkpoint, verbatim: a C2SP signed note whose text is a
    /// `tlog-checkpoint` body (origin, tree size, base64 root).
    pub checkpoint: String,
    /// The RFC 9162 inclusion proof of the entry in the checkpoint's tree:
    /// the hashes from the leaf up, each 64 lowercase hex characters.
    pub proof: Vec<String>,
}

/// What the verifier pins for a C2SP log, apart from any receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlogTrust {
    /// The log's note verifier key (Ed25519). Its name is the log's origin.
    pub log_key: NoteKey,
}

/// What a verified tlog receipt establishes: the entry is in the log's tree
/// that the log's key signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlogVerified {
    /// The log's origin (the checkpoint's first line, the log key's name).
    pub origin: String,
    /// The entry's index.
    pub index: u64,
    /// The size of the signed tree that holds it.
    pub tree_size: u64,
    /// The root of that tree.
    pub root: Digest,
    /// The entry's leaf hash, SHA-256(0x00 ‖ entry).
    pub leaf_hash: Digest,
    /// The log key's id (first four bytes of its key hash), as 8 hex.
    pub key_id: String,
}

impl TlogVerified {
    /// One line for people.
    pub fn describe(&self) -> String {
        format!(
            "logged as entry {} of the transparency log {} (tree of {} entries, root {}, checkpoint signed by key id {})",
            self.index,
            quote(&self.origin),
            self.tree_size,
            short(&self.root.to_hex()),
            self.key_id
        )
    }
}

/// Every offline check of a tlog receipt: the sizes, the checkpoint's
/// signature by the pinned log key, its origin, and the inclusion of the
/// statement's bytes at `index` in the checkpoint's tree.
pub fn verify(receipt: &TlogReceipt, trust: &TlogTrust) -> Result<TlogVerified, ReceiptError> {
    check_statement_size(&receipt.statement)?;
    verify_entry(receipt.statement.as_bytes(), receipt.index, &receipt.checkpoint, &receipt.proof, &trust.log_key)
}

pub(crate) fn check_statement_size(statement: &str) -> Result<(), ReceiptError> {
    if statement.len() > MAX_STATEMENT_BYTES {
        return Err(ReceiptError::new(format!(
            "the statement has {} bytes, more than the {MAX_STATEMENT_BYTES} a receipt may carry",
            statement.len()
        )));
    }
    Ok(())
}

/// Reads a checkpoint note and checks it: a signed note whose text is a
/// C2SP checkpoint body, whose origin is the log key's name, carrying a
/// signature by that key (name and key id) that verifies for its text
/// (strict Ed25519); every line by that key must verify. Signatures by
/// other keys (witnesses) are ignored. Returns the body.
pub fn verify_checkpoint(note: &str, log_key: &NoteKey) -> Result<Checkpoint, ReceiptError> {
    if note.len() > MAX_CHECKPOINT_BYTES {
        return Err(ReceiptError::new(format!(
            "the checkpoint has {} bytes, more than the {MAX_CHECKPOINT_BYTES} a receipt may carry",
            note.len()
        )));
    }
    let parsed = SignedNote::parse(note.as_bytes())
        .map_err(|e| ReceiptError::new(format!("the checkpoint is not a signed note: {e}")))?;
    let checkpoint = Checkpoint::parse_body(&parsed.text)
        .map_err(|e| ReceiptError::new(format!("the checkpoint is not a C2SP checkpoint: {e}")))?;
    if checkpoint.origin != log_key.name() {
        return Err(ReceiptError::new(format!(
            "the checkpoint's origin {} is not the log key's name {}",
            quote(&checkpoint.origin),
            quote(log_key.name())
        )));
    }
    let key_id = provedex_format::hex::encode(&log_key.key_id());
    let verifying = VerifyingKey::from_bytes(&log_key.pubkey().0).map_err(|_| {
        ReceiptError::new(format!(
            "the log key {} (key id {key_id}) is not an Ed25519 public key",
            quote(log_key.name())
        ))
    })?;
    let mut signed = false;
    for signature in parsed.signatures_by(log_key) {
        let bytes: [u8; 64] = signature.signature[..].try_into().map_err(|_| {
            ReceiptError::new(format!(
                "the checkpoint's signature by the log key (key id {key_id}) has {} bytes, not 64",
                signature.signature.len()
            ))
        })?;
        if verifying.verify_strict(parsed.text.as_bytes(), &Signature::from_bytes(&bytes)).is_err() {
            return Err(ReceiptError::new(format!(
                "the checkpoint's signature by the log key (key id {key_id}) does not verify for its text"
            )));
        }
        signed = true;
    }
    if !signed {
        return Err(ReceiptError::new(format!(
            "the checkpoint carries no signature by the log key {} (key id {key_id})",
            quote(log_key.name())
        )));
    }
    Ok(checkpoint)
}

/// Reads proof hashes: at most [`MAX_PROOF_HASHES`], each 64 lowercase hex.
pub fn parse_proof(proof: &[String]) -> Result<Vec<Digest>, ReceiptError> {
    if proof.len() > MAX_PROOF_HASHES {
        return Err(ReceiptError::new(format!(
            "the inclusion proof has {} hashes, more than the {MAX_PROOF_HASHES} any tree calls for",
            proof.len()
        )));
    }
    proof
        .iter()
        .enumerate()
        .map(|(i, hash)| {
            Digest::from_hex(hash).map_err(|e| ReceiptError::new(format!("inclusion proof hash {} {e}", i + 1)))
        })
        .collect()
}

/// The check a tlog receipt and a Rekor receipt share: `checkpoint` is
/// signed by `log_key` ([`verify_checkpoint`]), and `proof` proves that the
/// leaf SHA-256(0x00 ‖ `entry`) is leaf `index` of its tree.
pub fn verify_entry(
    entry: &[u8],
    index: u64,
    checkpoint: &str,
    proof: &[String],
    log_key: &NoteKey,
) -> Result<TlogVerified, ReceiptError> {
    let proof = parse_proof(proof)?;
    let body = verify_checkpoint(checkpoint, log_key)?;
    let leaf = leaf_hash(entry);
    verify_inclusion(index, body.size, &leaf, &proof, &body.root).map_err(|e| match e {
        ProofError::OutOfRange(_) => ReceiptError::new(format!(
            "the entry's index {index} is not below the checkpoint's tree size {}",
            body.size
        )),
        ProofError::WrongLength { expected, found } => ReceiptError::new(format!(
            "the inclusion proof has {found} hashes, but entry {index} of a tree of {} entries calls for {expected}",
            body.size
        )),
        ProofError::RootMismatch(_) => ReceiptError::new(format!(
            "the inclusion proof of the entry (leaf hash {}) at index {index} does not lead to the checkpoint's root {}",
            short(&leaf.to_hex()),
            short(&body.root.to_hex())
        )),
        other => ReceiptError::new(format!("the inclusion proof does not verify: {other}")),
    })?;
    Ok(TlogVerified {
        origin: body.origin,
        index,
        tree_size: body.size,
        root: body.root,
        leaf_hash: leaf,
        key_id: provedex_format::hex::encode(&log_key.key_id()),
    })
}

/// The first 16 characters of a long hex value, for messages.
pub(crate) fn short(hex: &str) -> String {
    match hex.get(..16) {
        Some(head) if hex.len() > 16 => format!("{head}…"),
        _ => hex.to_owned(),
    }
}

/// The one-character edits of a receipt's JSON that the server tests of
/// provedex-anchor walk too.
#[cfg(test)]
#[path = "../../publish/tests/common/edits.rs"]
pub(crate) mod edits;

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};
    use provedex_format::PublicKeyBytes;
    use provedex_format::merkle::Tree;
    use provedex_format::note::NoteSignature;

    /// A log of `entries` under the key with seed `[seed; 32]`: its key, its tree, its signed checkpoint.
    pub(crate) fn log<E: AsRef<[u8]>>(entries: &[E], seed: u8) -> (NoteKey, Tree, String) {
        let signing = SigningKey::from_bytes(&[seed; 32]);
        let key = NoteKey::ed25519("example.test/log", PublicKeyBytes(signing.verifying_key().to_bytes())).unwrap();
        let tree = Tree::from_leaves(entries.iter().map(|e| leaf_hash(e.as_ref())));
        let body = Checkpoint {
            origin: key.name().into(),
            size: tree.size(),
            root: tree.root_at(tree.size()),
            extensions: vec![],
        }
        .body();
        let signature = signing.sign(body.as_bytes()).to_bytes().to_vec();
        let note = SignedNote {
            text: body,
            signatures: vec![NoteSignature { name: key.name().into(), key_id: key.key_id(), signature }],
        };
        (key, tree, note.to_text())
    }

    fn receipt(entries: &[&str], index: u64, seed: u8) -> (TlogReceipt, TlogTrust) {
        let (log_key, tree, checkpoint) = log(entries, seed);
        let proof = tree.inclusion_proof(index, tree.size()).iter().map(Digest::to_hex).collect();
        (TlogReceipt { statement: entries[index as usize].into(), index, checkpoint, proof }, TlogTrust { log_key })
    }

    #[test]
    fn a_receipt_verifies_and_each_tampering_fails_with_its_message() {
        let entries = ["a", "b", "c", "d", "e"];
        let (good, trust) = receipt(&entries, 2, 1);
        let verified = verify(&good, &trust).unwrap();
        assert_eq!((verified.index, verified.tree_size), (2, 5));
        assert!(verified.describe().contains("entry 2 of the transparency log \"example.test/log\""));
        let fails = |r: &TlogReceipt, t: &TlogTrust, what: &str| {
            let e = verify(r, t).unwrap_err().0;
            assert!(e.contains(what), "{e}");
        };
        fails(&TlogReceipt { statement: "x".into(), ..good.clone() }, &trust, "does not lead to the checkpoint's root");
        fails(&TlogReceipt { index: 3, ..good.clone() }, &trust, "does not lead to the checkpoint's root");
        fails(&TlogReceipt { index: 5, ..good.clone() }, &trust, "is not below the checkpoint's tree size 5");
        let mut short_proof = good.clone();
        short_proof.proof.pop();
        fails(&short_proof, &trust, "calls for 3");
        let mut bad_hex = good.clone();
        bad_hex.proof[0] = "zz".into();
        fails(&bad_hex, &trust, "inclusion proof hash 1");
        let other = receipt(&entries, 2, 2).1;
        fails(&good, &other, "carries no signature by the log key");
        let forged = good.checkpoint.replacen("\n5\n", "\n6\n", 1);
        fails(&TlogReceipt { checkpoint: forged, ..good.clone() }, &trust, "does not verify for its text");
        let renamed = TlogTrust { log_key: NoteKey::ed25519("other", trust.log_key.pubkey()).unwrap() };
        fails(&good, &renamed, "is not the log key's name");
    }

    #[test]
    fn mutated_receipts_never_panic() {
        let (good, trust) = receipt(&["a", "b", "c"], 1, 3);
        crate::tlog::edits::for_each_edited_receipt(&good, &["0", "9", "\"", "a", ""], |edited, receipt| {
            assert!(verify(&receipt, &trust).is_err(), "{edited}");
        });
    }
}
