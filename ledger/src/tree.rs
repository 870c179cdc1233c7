//! A ledger's tree read from its file (spec/transparency.md): the signed
//! checkpoints and the inclusion and consistency proofs made from it.
//!
//! The ledger is verified as it is read, and nothing is made from one that
//! does not verify: a checkpoint vouches for lines, so it is signed only
//! over good ones. A torn final line (a write in progress, or one a crash
//! cut short) is left out, as `recover` would leave it out.

use std::path::Path;

use provedex_format::checkpoint::ledger_origin;
use provedex_format::hex::{ChainHash, Digest, PublicKeyBytes};
use provedex_format::merkle::{Tree, line_leaf_hash};
use provedex_format::note::SignedNote;
use provedex_format::{Error, LedgerErrorKind, Reason, Result, SigningKeypair};
use provedex_verify::{ChainReport, Verifier};
use serde::Serialize;

/// A proof, as `provedex prove` writes it (spec/transparency.md, "Proof documents").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ProofDocument {
    /// The line with seq `seq` is leaf `seq` of the tree of `tree_size` lines.
    Inclusion {
        /// The line's seq: its leaf index.
        seq: u64,
        /// The tree's size.
        tree_size: u64,
        /// The line's self_hash, the leaf input.
        leaf: ChainHash,
        /// The tree's root.
        root: Digest,
        /// RFC 9162 `PATH(seq, D[0:tree_size])`.
        proof: Vec<Digest>,
    },
    /// The tree of `old_size` lines is a prefix of the tree of `new_size`.
    Consistency {
        /// The smaller tree's size.
        old_size: u64,
        /// The larger tree's size.
        new_size: u64,
        /// The smaller tree's root.
        old_root: Digest,
        /// The larger tree's root.
        new_root: Digest,
        /// RFC 9162 `PROOF(old_size, D[0:new_size])`.
        proof: Vec<Digest>,
    },
}

/// The tree of a verified ledger's good lines, in memory (about 100 bytes a line).
#[derive(Debug)]
pub struct LedgerTree {
    report: ChainReport,
    self_hashes: Vec<ChainHash>,
    tree: Tree,
}

impl LedgerTree {
    /// Reads and verifies the ledger at `path` (its first key pinned when
    /// given), keeping its tree. A ledger with a finding other than a torn
    /// final line is refused with that finding.
    pub fn read(path: &Path, pinned_pubkey: Option<PublicKeyBytes>) -> Result<Self> {
        let mut self_hashes = Vec::new();
        let report = Verifier::new()
            .pinned_pubkey(pinned_pubkey)
            .on_event(|event, _| self_hashes.push(event.self_hash))
            .file(path)?;
        if let Some(reason) = report.reason.filter(|reason| *reason != Reason::TornTail) {
            return Err(Error::Chain {
                reason,
                message: format!(
                    "{}: the ledger does not verify, so nothing is signed or proven from it: {}",
                    path.display(),
                    report.message
                ),
            });
        }
        let tree = Tree::from_leaves(self_hashes.iter().map(line_leaf_hash));
        Ok(LedgerTree { report, self_hashes, tree })
    }

    /// The verification report of the ledger as read.
    pub fn report(&self) -> &ChainReport {
        &self.report
    }

    /// How many good lines the tree holds.
    pub fn size(&self) -> u64 {
        self.tree.size()
    }

    /// `size`, or the whole tree when `None`; refused beyond it.
    fn size_or_all(&self, size: Option<u64>, what: &str) -> Result<u64> {
        let all = self.size();
        match size {
            None => Ok(all),
            Some(size) if size <= all => Ok(size),
            Some(size) => Err(out_of_range(format!("{what} {size} is beyond the ledger's {all} good lines"))),
        }
    }

    /// The tree's root at `size` lines (all of them when `None`).
    pub fn root(&self, size: Option<u64>) -> Result<Digest> {
        Ok(self.tree.root_at(self.size_or_all(size, "the tree size")?))
    }

    /// The key current at `size` lines: the one that signs the line with that seq.
    pub fn key_at(&self, size: u64) -> Option<PublicKeyBytes> {
        self.report.keys.iter().rev().find(|entry| entry.from_seq <= size).map(|entry| entry.pubkey)
    }

    /// The checkpoint of the first `size` lines (all when `None`), signed by
    /// `key`, which must be the key current at that size. An empty tree has
    /// no checkpoint: its origin needs the first line.
    pub fn checkpoint(&self, key: &SigningKeypair, size: Option<u64>) -> Result<SignedNote> {
        let size = self.size_or_all(size, "the tree size")?;
        let Some(genesis) = self.self_hashes.first() else {
            return Err(out_of_range("the ledger is empty: a checkpoint needs its first line".to_owned()));
        };
        if size == 0 {
            return Err(out_of_range("a checkpoint covers at least the first line (size 1 or more)".to_owned()));
        }
        let current = self.key_at(size).expect("a non-empty ledger has a first key");
        if current != key.public_key() {
            return Err(Error::ledger(
                LedgerErrorKind::ForeignKey,
                format!(
                    "the key {} ({}) is not the ledger's key at size {size}: that is {} ({current})",
                    key.fingerprint(),
                    key.public_key(),
                    current.fingerprint()
                ),
            ));
        }
        Ok(key.sign_checkpoint(genesis, size, self.tree.root_at(size)))
    }

    /// The origin of this ledger's checkpoints at `size` (all when `None`).
    pub fn origin(&self, size: Option<u64>) -> Result<String> {
        let size = self.size_or_all(size, "the tree size")?;
        let genesis = self.self_hashes.first().ok_or_else(|| out_of_range("the ledger is empty".to_owned()))?;
        Ok(ledger_origin(genesis, &self.key_at(size).expect("a non-empty ledger has a first key")))
    }

    /// The inclusion proof of the line with `seq` in the tree of `size` lines (all when `None`).
    pub fn inclusion_proof(&self, seq: u64, size: Option<u64>) -> Result<ProofDocument> {
        let tree_size = self.size_or_all(size, "the tree size")?;
        if seq >= tree_size {
            let seqs = match tree_size {
                0 => "it is empty".to_owned(),
                1 => "it holds seq 0".to_owned(),
                n => format!("it holds seqs 0 to {}", n - 1),
            };
            return Err(out_of_range(format!("seq {seq} is not in the tree of {tree_size} lines: {seqs}")));
        }
        Ok(ProofDocument::Inclusion {
            seq,
            tree_size,
            leaf: self.self_hashes[usize::try_from(seq).expect("a seq in memory fits usize")],
            root: self.tree.root_at(tree_size),
            proof: self.tree.inclusion_proof(seq, tree_size),
        })
    }

    /// The consistency proof from the tree of `old_size` lines to the tree of
    /// `new_size` lines (all when `None`).
    pub fn consistency_proof(&self, old_size: u64, new_size: Option<u64>) -> Result<ProofDocument> {
        let new_size = self.size_or_all(new_size, "the new tree size")?;
        if old_size > new_size {
            return Err(out_of_range(format!("the old size {old_size} is above the new size {new_size}")));
        }
        Ok(ProofDocument::Consistency {
            old_size,
            new_size,
            old_root: self.tree.root_at(old_size),
            new_root: self.tree.root_at(new_size),
            proof: self.tree.consistency_proof(old_size, new_size),
        })
    }
}

fn out_of_range(message: String) -> Error {
    Error::ledger(LedgerErrorKind::OutOfRange, message)
}
