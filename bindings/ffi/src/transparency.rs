//! Transparency (spec/transparency.md): the RFC 9162 tree over a ledger's
//! lines, inclusion and consistency proofs, and signed checkpoints.
//!
//! A checkpoint crosses as its signed note: text made by [`checkpoint`] and
//! [`SigningKeypair::sign_checkpoint`], bytes when read back (a note from
//! elsewhere may be anything). Hashes cross as lowercase hex. A checkpoint
//! that is refused is a `Chain` error with its reason (`checkpoint_malformed`,
//! `checkpoint_foreign`, `checkpoint_signature_invalid`); a proof that does
//! not verify is `false`, never an error.

use std::sync::Arc;

use provedex_core::merkle::{self, ProofError};
use provedex_core::{
    self as core, ChainHash, Digest, KeyFile, LedgerTree, ProofDocument, PublicKeyBytes, SignedCheckpoint,
};

use crate::{FsPath, ProvedexError, Result, SigningKeypair, hex_member};

impl From<core::Finding> for ProvedexError {
    fn from(f: core::Finding) -> Self {
        ProvedexError::chain(f.reason, f.to_string())
    }
}

/// What a checkpoint says: the ledger, the key, the tree size and root.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CheckpointInfo {
    /// The origin line: `provedex-ledger/<genesis self_hash>/<key fingerprint>`.
    pub origin: String,
    /// The self_hash of the ledger's line with seq 0, as the origin names it.
    pub genesis_self_hash: String,
    /// The fingerprint of the signing key, as the origin names it (`sha256:` and 64 hex).
    pub fingerprint: String,
    /// How many lines the checkpoint vouches for.
    pub tree_size: u64,
    /// The root of the tree of those lines, as hex.
    pub root_hex: String,
}

impl From<&SignedCheckpoint> for CheckpointInfo {
    fn from(signed: &SignedCheckpoint) -> Self {
        CheckpointInfo {
            origin: signed.checkpoint.origin.clone(),
            genesis_self_hash: signed.origin.genesis_self_hash.to_hex(),
            fingerprint: signed.origin.fingerprint.clone(),
            tree_size: signed.checkpoint.size,
            root_hex: signed.checkpoint.root.to_hex(),
        }
    }
}

/// The size and root of a ledger's tree.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TreeHead {
    /// How many lines the tree holds.
    pub tree_size: u64,
    /// The tree's root, as hex.
    pub root_hex: String,
}

/// That the line with seq `seq` is leaf `seq` of the tree of `tree_size` lines.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct InclusionProof {
    /// The line's seq: its leaf index.
    pub seq: u64,
    /// The tree's size.
    pub tree_size: u64,
    /// The line's self_hash, as hex: the leaf input (its leaf hash is SHA-256(0x00 ‖ its 32 bytes)).
    pub leaf_hex: String,
    /// The tree's root, as hex.
    pub root_hex: String,
    /// RFC 9162 `PATH(seq, D[0:tree_size])`, from the leaf's sibling up, as hex.
    pub proof: Vec<String>,
    /// The proof document, as `provedex prove` writes it (spec/transparency.md, "Proof documents").
    pub json: String,
}

/// That the tree of `old_size` lines is a prefix of the tree of `new_size` lines.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConsistencyProof {
    /// The smaller tree's size.
    pub old_size: u64,
    /// The larger tree's size.
    pub new_size: u64,
    /// The smaller tree's root, as hex.
    pub old_root_hex: String,
    /// The larger tree's root, as hex.
    pub new_root_hex: String,
    /// RFC 9162 `PROOF(old_size, D[0:new_size])`, as hex.
    pub proof: Vec<String>,
    /// The proof document, as `provedex prove` writes it (spec/transparency.md, "Proof documents").
    pub json: String,
}

/// The proof document as `provedex prove` writes it, without the LF.
fn proof_json(document: &ProofDocument) -> String {
    serde_json::to_string(document).expect("a proof serialises")
}

fn hexes(hashes: &[Digest]) -> Vec<String> {
    hashes.iter().map(Digest::to_hex).collect()
}

impl From<ProofDocument> for InclusionProof {
    fn from(document: ProofDocument) -> Self {
        let json = proof_json(&document);
        let ProofDocument::Inclusion { seq, tree_size, leaf, root, proof } = document else {
            unreachable!("an inclusion proof is asked for")
        };
        InclusionProof { seq, tree_size, leaf_hex: leaf.to_hex(), root_hex: root.to_hex(), proof: hexes(&proof), json }
    }
}

impl From<ProofDocument> for ConsistencyProof {
    fn from(document: ProofDocument) -> Self {
        let json = proof_json(&document);
        let ProofDocument::Consistency { old_size, new_size, old_root, new_root, proof } = document else {
            unreachable!("a consistency proof is asked for")
        };
        let (old_root_hex, new_root_hex) = (old_root.to_hex(), new_root.to_hex());
        ConsistencyProof { old_size, new_size, old_root_hex, new_root_hex, proof: hexes(&proof), json }
    }
}

/// A hash given as hex; a malformed one is an `invalid_hex` `Chain` error naming it.
fn digest(name: &str, text: &str) -> Result<Digest> {
    hex_member(name, Digest::from_hex(text))
}

/// The hashes of a proof, or none when one is not 64 lowercase hex
/// characters: such a proof proves nothing.
fn proof_hashes(proof: &[String]) -> Option<Vec<Digest>> {
    proof.iter().map(|hash| Digest::from_hex(hash).ok()).collect()
}

/// Reads and verifies the ledger at `path`: what every proof and checkpoint is made from.
fn read_tree(path: FsPath) -> Result<LedgerTree> {
    Ok(LedgerTree::read(&path.0, None)?)
}

/// The signed checkpoint of the ledger at `ledger_path`: its note text.
/// The tree covers the first `size` lines (all good lines when `None`).
///
/// The ledger must verify (a torn final line is left out, as `recover`
/// would leave it out): otherwise a `Chain` error with the finding's
/// reason, as no checkpoint vouches for bad lines. The key must be the
/// ledger's key current at `size` (a `Ledger` error `foreign_key`
/// otherwise); a size beyond the good lines, size 0 or an empty ledger is a
/// `Ledger` error `out_of_range`.
#[uniffi::export(default(size = None))]
pub fn checkpoint(ledger_path: FsPath, keypair: Arc<SigningKeypair>, size: Option<u64>) -> Result<String> {
    sign_checkpoint_of(ledger_path, &keypair.0, size)
}

/// [`checkpoint`] with the key in a key file (the raw seed or a PEM PKCS#8 key).
#[uniffi::export(default(size = None))]
pub fn checkpoint_with_key_file(ledger_path: FsPath, key_path: FsPath, size: Option<u64>) -> Result<String> {
    let keypair = core::SigningKeypair::load(key_path.0)?;
    sign_checkpoint_of(ledger_path, &keypair, size)
}

/// The checkpoint signed by `keypair`, relying only on the checkpoints it signed before.
fn sign_checkpoint_of(ledger_path: FsPath, keypair: &core::SigningKeypair, size: Option<u64>) -> Result<String> {
    let mut tree = LedgerTree::read_to_sign(&ledger_path.0, keypair.public_key())?;
    Ok(tree.checkpoint(keypair, size)?.to_text())
}

#[uniffi::export]
impl SigningKeypair {
    /// Signs the checkpoint of a tree of `tree_size` lines with root
    /// `root_hex`, for the ledger whose line with seq 0 has the self_hash
    /// `genesis_self_hash` (hex): the note text, deterministic. Nothing is
    /// checked against a ledger: [`checkpoint`] signs only what a verified
    /// ledger holds, as the spec asks of writers. Malformed hex is a
    /// `Chain` error `invalid_hex`.
    pub fn sign_checkpoint(&self, genesis_self_hash: String, tree_size: u64, root_hex: String) -> Result<String> {
        let genesis = hex_member("genesis_self_hash", ChainHash::from_hex(&genesis_self_hash))?;
        let root = digest("root", &root_hex)?;
        Ok(self.0.sign_checkpoint(&genesis, tree_size, root).to_text())
    }
}

/// Reads a signed checkpoint (its note bytes) and checks that `pubkey` (hex
/// or PEM) signs it, strictly. A refusal is a `Chain` error:
/// `checkpoint_malformed` (not a signed checkpoint with a ledger origin),
/// `checkpoint_foreign` (the origin names another key),
/// `checkpoint_signature_invalid` (no good signature by the key under the
/// origin, or a bad one). A key that is not a key is a `KeyLoad` error.
#[uniffi::export]
pub fn verify_checkpoint(checkpoint: Vec<u8>, pubkey: String) -> Result<CheckpointInfo> {
    let key = PublicKeyBytes::parse(pubkey.as_bytes())?;
    Ok(CheckpointInfo::from(&core::verify_checkpoint(&checkpoint, &key)?))
}

/// Reads a signed checkpoint (its note bytes) without checking any
/// signature: what it claims, to know which key to verify it with. Not a
/// signed checkpoint: a `Chain` error `checkpoint_malformed`.
#[uniffi::export]
pub fn parse_checkpoint(checkpoint: Vec<u8>) -> Result<CheckpointInfo> {
    Ok(CheckpointInfo::from(&SignedCheckpoint::parse(&checkpoint)?))
}

/// A verified checkpoint to hold a ledger to, from its note bytes (`checkpoint_malformed` otherwise).
pub(crate) fn pinned_checkpoint(checkpoint: Option<Vec<u8>>) -> Result<Option<SignedCheckpoint>> {
    Ok(checkpoint.map(|bytes| SignedCheckpoint::parse(&bytes)).transpose()?)
}

/// The size and root of the tree of the ledger at `ledger_path` at `size`
/// lines (all good lines when `None`). The ledger must verify, as for [`checkpoint`].
#[uniffi::export(default(size = None))]
pub fn ledger_tree_head(ledger_path: FsPath, size: Option<u64>) -> Result<TreeHead> {
    let mut tree = read_tree(ledger_path)?;
    let root = tree.root(size)?;
    Ok(TreeHead { tree_size: size.unwrap_or(tree.size()), root_hex: root.to_hex() })
}

/// The inclusion proof of the line with `seq` in the tree of the first
/// `size` lines (all good lines when `None`) of the ledger at
/// `ledger_path`. The ledger must verify, as for [`checkpoint`]; a seq or
/// size beyond its good lines is a `Ledger` error `out_of_range`.
#[uniffi::export(default(size = None))]
pub fn prove_inclusion(ledger_path: FsPath, seq: u64, size: Option<u64>) -> Result<InclusionProof> {
    Ok(read_tree(ledger_path)?.inclusion_proof(seq, size)?.into())
}

/// The consistency proof from the tree of the first `old_size` lines to
/// the tree of the first `new_size` lines (all good lines when `None`) of
/// the ledger at `ledger_path`. The ledger must verify, as for
/// [`checkpoint`]; sizes beyond its good lines or out of order are a
/// `Ledger` error `out_of_range`.
#[uniffi::export(default(new_size = None))]
pub fn prove_consistency(ledger_path: FsPath, old_size: u64, new_size: Option<u64>) -> Result<ConsistencyProof> {
    Ok(read_tree(ledger_path)?.consistency_proof(old_size, new_size)?.into())
}

/// The leaf hash of a leaf input, as hex: SHA-256(0x00 ‖ input). A ledger
/// line's leaf input is the 32 bytes of its self_hash.
#[uniffi::export]
pub fn leaf_hash(leaf_input: Vec<u8>) -> String {
    merkle::leaf_hash(&leaf_input).to_hex()
}

/// The RFC 9162 Merkle Tree Hash of these leaf inputs, in order, as hex
/// (for a ledger, each line's self_hash bytes); of none, SHA-256 of no bytes.
#[uniffi::export]
pub fn tree_root(leaf_inputs: Vec<Vec<u8>>) -> String {
    let leaves: Vec<Digest> = leaf_inputs.iter().map(|input| merkle::leaf_hash(input)).collect();
    merkle::root_of(&leaves).to_hex()
}

/// Whether `proof` (hashes as hex) shows that the leaf input `leaf` is leaf
/// `index` of the tree of `tree_size` leaves with root `root_hex`, by RFC
/// 9162's algorithm (spec/transparency.md, TL-2). For a ledger's line, the
/// leaf input is its self_hash's 32 bytes. An index out of range, a proof
/// of the wrong length or with a hash that is not 64 lowercase hex, or
/// one leading elsewhere is `false`; a malformed `root_hex` is a `Chain`
/// error `invalid_hex`.
#[uniffi::export]
pub fn verify_inclusion(
    index: u64,
    tree_size: u64,
    leaf: Vec<u8>,
    proof: Vec<String>,
    root_hex: String,
) -> Result<bool> {
    let root = digest("root", &root_hex)?;
    let Some(proof) = proof_hashes(&proof) else { return Ok(false) };
    Ok(accepted(merkle::verify_inclusion(index, tree_size, &merkle::leaf_hash(&leaf), &proof, &root)))
}

/// Whether `proof` (hashes as hex) shows that the tree of `old_size` leaves
/// with root `old_root_hex` is a prefix of the tree of `new_size` leaves
/// with root `new_root_hex`, by RFC 9162's algorithm and the two cases the
/// spec adds (spec/transparency.md, TL-3). Sizes out of order, a proof of
/// the wrong length or with a hash that is not 64 lowercase hex, or one
/// leading to other roots is `false`; a malformed root is a `Chain` error
/// `invalid_hex`.
#[uniffi::export]
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    proof: Vec<String>,
    old_root_hex: String,
    new_root_hex: String,
) -> Result<bool> {
    let old_root = digest("old_root", &old_root_hex)?;
    let new_root = digest("new_root", &new_root_hex)?;
    let Some(proof) = proof_hashes(&proof) else { return Ok(false) };
    Ok(accepted(merkle::verify_consistency(old_size, new_size, &proof, &old_root, &new_root)))
}

/// A proof's verdict: every refusal is `false`.
fn accepted(verdict: std::result::Result<(), ProofError>) -> bool {
    verdict.is_ok()
}
