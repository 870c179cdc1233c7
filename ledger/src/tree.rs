//! A ledger's tree read from its file and its index (spec/transparency.md):
//! the signed checkpoints and the inclusion and consistency proofs made from it.
//!
//! Nothing is made from a ledger that does not verify: a checkpoint vouches
//! for lines, so it is signed only over good ones. A torn final line (a
//! write in progress, or one a crash cut short) is left out, as `recover`
//! would leave it out.

use std::path::{Path, PathBuf};

use provedex_format::checkpoint::ledger_origin;
use provedex_format::hex::{ChainHash, Digest, PublicKeyBytes};
use provedex_format::merkle::{self, Nodes, ProofError, Tree, line_leaf_hash};
use provedex_format::note::SignedNote;
use provedex_format::{Error, LedgerErrorKind, Reason, Result, SignedEvent, SigningKeypair};
use provedex_verify::{ChainReport, key_at};
use serde::Serialize;

use crate::checkpoints::readable_checkpoints;
use crate::index::{TreeIndex, index_path};
use crate::trusted::{Start, for_each_line, latest_checkpoint, line_at, require_verified, verify_from, vouched_start};

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

/// Where a [`LedgerTree`]'s nodes come from.
#[derive(Debug)]
enum Source {
    /// The index beside the ledger.
    Index(TreeIndex),
    /// The whole tree in memory (about 64 bytes a line), when the index
    /// cannot be had (a ledger in a read-only folder).
    Memory(Tree),
}

impl Nodes for Source {
    type Error = Error;

    fn node(&mut self, level: u32, index: u64) -> Result<Digest> {
        match self {
            Source::Index(tree_index) => tree_index.node(level, index),
            Source::Memory(tree) => {
                let mut nodes = &*tree;
                Ok(nodes.node(level, index).unwrap_or_else(|never| match never {}))
            }
        }
    }
}

/// The tree of a verified ledger's good lines, read through its index
/// (spec/transparency.md, "Trusting an index"): the lines the latest
/// checkpoint in the checkpoints file vouches for (signed by the pinned
/// key, or by the first line's key when none is pinned) are taken on its
/// word, every line after them is verified as it is read, and every root
/// and proof from the index is checked against the root so obtained before
/// it is returned.
#[derive(Debug)]
pub struct LedgerTree {
    path: PathBuf,
    pinned: Option<PublicKeyBytes>,
    source: Source,
    /// Good lines, and their root computed apart from the index.
    size: u64,
    root: Digest,
    genesis: Option<ChainHash>,
    /// Lines a checkpoint vouched for, not read, and the key that signed it.
    vouched: u64,
    vouched_by: Option<PublicKeyBytes>,
    report: ChainReport,
}

impl LedgerTree {
    /// Reads the ledger at `path` (its first key pinned when given),
    /// verifying the lines its latest checkpoint does not vouch for, and
    /// checks, extends or rebuilds its index. The checkpoints relied on are
    /// those signed by the pinned key, or by the first line's key. A ledger
    /// with a finding other than a torn final line is refused with that
    /// finding, and so is one cut or rewritten since its latest checkpoint.
    pub fn read(path: &Path, pinned_pubkey: Option<PublicKeyBytes>) -> Result<Self> {
        LedgerTree::read_from(path, pinned_pubkey, pinned_pubkey, true)
    }

    /// [`LedgerTree::read`] for signing a checkpoint with `signer`: the
    /// checkpoints relied on are those `signer` signed, so that it vouches
    /// only on its own word (after a rotation, not on an earlier key's).
    pub fn read_to_sign(path: &Path, signer: PublicKeyBytes) -> Result<Self> {
        LedgerTree::read_from(path, None, Some(signer), true)
    }

    fn read_from(
        path: &Path,
        pinned: Option<PublicKeyBytes>,
        trusted: Option<PublicKeyBytes>,
        use_checkpoints: bool,
    ) -> Result<Self> {
        // Read before the lines are counted: every checkpoint read covers lines counted.
        let entries = if use_checkpoints { readable_checkpoints(path) } else { Vec::new() };
        let (mut first, mut last, mut end) = (None, Vec::new(), 0);
        let size = for_each_line(path, |seq, offset, line| {
            if seq == 0 {
                first = SignedEvent::from_line(line).ok();
            }
            last.clear();
            last.extend_from_slice(line);
            end = offset + line.len() as u64 + 1;
            true
        })?;
        let last = SignedEvent::from_line(&last).ok().map(|event| event.self_hash);
        let trusted = trusted.or(first.as_ref().map(|event| event.signer_pubkey));
        let latest = match (&first, trusted) {
            (Some(first), Some(key)) => latest_checkpoint(path, &entries, &first.self_hash, size, &key)?,
            _ => None,
        };
        // The first line is verified below, or bound by the checkpoint whose origin names it.
        let genesis = first.filter(|_| size > 0).map(|event| event.self_hash);
        // The index is rebuilt from the lines' links alone: every line relied
        // on is verified below, or read and verified for its proof.
        let mut tree = match TreeIndex::open_checked_linked(path, size, last.as_ref()) {
            Ok((index, _)) => LedgerTree::read_indexed(path, pinned, index, latest, trusted, genesis, end)?,
            Err(_) => LedgerTree::read_into_memory(path, pinned, genesis, end)?,
        };
        if let Some((size, signed)) = latest {
            let root = tree.root(Some(size))?;
            if root != signed {
                return Err(Error::Chain {
                    reason: Reason::CheckpointRootMismatch,
                    message: format!(
                        "{}: its tree of {size} lines has root {root}, but the latest checkpoint in its \
                         checkpoints file says {signed}: those lines were replaced",
                        path.display()
                    ),
                });
            }
        }
        Ok(tree)
    }

    /// The tree through the index (of as many leaves as the ledger has
    /// whole lines), verifying the lines after those the latest checkpoint
    /// (`latest`, signed by `trusted`) vouches for.
    fn read_indexed(
        path: &Path,
        pinned: Option<PublicKeyBytes>,
        mut index: TreeIndex,
        latest: Option<(u64, Digest)>,
        trusted: Option<PublicKeyBytes>,
        genesis: Option<ChainHash>,
        end: u64,
    ) -> Result<Self> {
        let size = index.size();
        let vouched = match (latest, trusted) {
            (Some((vouched, root)), Some(key)) => vouched_start(path, &mut index, vouched, &root, &key),
            _ => Some(Start::first_line()),
        };
        let start = match vouched {
            Some(start) => start,
            None => {
                // The index disagrees with a signed checkpoint: it is written anew.
                index = TreeIndex::rebuild_linked(path)?;
                Start::first_line()
            }
        };
        let (frontier, report) = verify_from(path, &start, end, pinned, |_, _| ())?;
        require_verified(path, &report, "signed or proven")?;
        let root = frontier.root();
        if frontier.size() != size {
            return Err(changed(path));
        }
        if index.root_at(size)? != root {
            // The index disagrees with the verified lines: it is written anew.
            (index, _) = TreeIndex::rebuild(path)?;
            if index.size() < size || index.root_at(size)? != root {
                return Err(changed(path));
            }
        }
        Ok(LedgerTree {
            path: path.to_path_buf(),
            pinned,
            source: Source::Index(index),
            size,
            root,
            genesis,
            vouched: start.size,
            vouched_by: start.key(),
            report,
        })
    }

    /// The whole ledger verified up to the byte offset `end`, its tree kept in memory.
    fn read_into_memory(
        path: &Path,
        pinned: Option<PublicKeyBytes>,
        genesis: Option<ChainHash>,
        end: u64,
    ) -> Result<Self> {
        let mut leaves = Vec::new();
        let (frontier, report) = verify_from(path, &Start::first_line(), end, pinned, |event, _| {
            leaves.push(line_leaf_hash(&event.self_hash))
        })?;
        require_verified(path, &report, "signed or proven")?;
        Ok(LedgerTree {
            path: path.to_path_buf(),
            pinned,
            source: Source::Memory(Tree::from_leaves(leaves)),
            size: frontier.size(),
            root: frontier.root(),
            genesis,
            vouched: 0,
            vouched_by: None,
            report,
        })
    }

    /// The verification report of the lines read: those after the
    /// checkpoint that vouched for the ledger's first lines, if one did
    /// ([`LedgerTree::vouched`]).
    pub fn report(&self) -> &ChainReport {
        &self.report
    }

    /// How many of the ledger's first lines a checkpoint vouched for, and were not read.
    pub fn vouched(&self) -> u64 {
        self.vouched
    }

    /// How many nodes were read from the index so far (none for a tree in memory).
    pub fn node_reads(&self) -> u64 {
        match &self.source {
            Source::Index(index) => index.node_reads(),
            Source::Memory(_) => 0,
        }
    }

    /// How many good lines the tree holds.
    pub fn size(&self) -> u64 {
        self.size
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

    /// The tree's root at `size` lines (all of them when `None`): below the
    /// whole tree, read from the index and returned once its consistency
    /// proof to the whole tree's root verifies.
    pub fn root(&mut self, size: Option<u64>) -> Result<Digest> {
        let size = self.size_or_all(size, "the tree size")?;
        if size == self.size {
            return Ok(self.root);
        }
        let root = merkle::root_at(&mut self.source, size)?;
        let proof = merkle::consistency_proof(&mut self.source, size, self.size)?;
        merkle::verify_consistency(size, self.size, &proof, &root, &self.root).map_err(|e| self.damaged(e))?;
        Ok(root)
    }

    fn damaged(&self, e: ProofError) -> Error {
        Error::ledger(
            LedgerErrorKind::Broken,
            format!(
                "{}: its index is damaged, a proof made from it does not verify ({e}); delete {} to rebuild it",
                self.path.display(),
                index_path(&self.path).display()
            ),
        )
    }

    /// The key current at `size` lines (the one that signs the line with
    /// that seq), when known: at or after the vouched lines, where the
    /// checkpoint's key is current until the lines read say otherwise.
    pub fn key_at(&self, size: u64) -> Option<PublicKeyBytes> {
        key_at(&self.report.keys, size).or(self.vouched_by.filter(|_| size >= self.vouched))
    }

    /// Makes the key current at `size` known: a size below the lines a
    /// checkpoint vouched for needs the ledger read from its first line.
    fn know_keys_at(&mut self, size: u64) -> Result<PublicKeyBytes> {
        if self.key_at(size).is_none() && size < self.vouched {
            *self = LedgerTree::read_from(&self.path, self.pinned, None, false)?;
        }
        self.key_at(size).ok_or_else(|| out_of_range("the ledger is empty".to_owned()))
    }

    /// The checkpoint of the first `size` lines (all when `None`), signed by
    /// `key`, which must be the key current at that size. An empty tree has
    /// no checkpoint: its origin needs the first line.
    pub fn checkpoint(&mut self, key: &SigningKeypair, size: Option<u64>) -> Result<SignedNote> {
        let size = self.size_or_all(size, "the tree size")?;
        let Some(genesis) = self.genesis else {
            return Err(out_of_range("the ledger is empty: a checkpoint needs its first line".to_owned()));
        };
        if size == 0 {
            return Err(out_of_range("a checkpoint covers at least the first line (size 1 or more)".to_owned()));
        }
        let current = self.know_keys_at(size)?;
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
        Ok(key.sign_checkpoint(&genesis, size, self.root(Some(size))?))
    }

    /// The origin of this ledger's checkpoints at `size` (all when `None`).
    pub fn origin(&mut self, size: Option<u64>) -> Result<String> {
        let size = self.size_or_all(size, "the tree size")?;
        let genesis = self.genesis.ok_or_else(|| out_of_range("the ledger is empty".to_owned()))?;
        Ok(ledger_origin(&genesis, &self.know_keys_at(size)?))
    }

    /// The inclusion proof of the line with `seq` in the tree of `size` lines
    /// (all when `None`), verified before it is returned.
    pub fn inclusion_proof(&mut self, seq: u64, size: Option<u64>) -> Result<ProofDocument> {
        let tree_size = self.size_or_all(size, "the tree size")?;
        if seq >= tree_size {
            let seqs = match tree_size {
                0 => "it is empty".to_owned(),
                1 => "it holds seq 0".to_owned(),
                n => format!("it holds seqs 0 to {}", n - 1),
            };
            return Err(out_of_range(format!("seq {seq} is not in the tree of {tree_size} lines: {seqs}")));
        }
        let root = self.root(Some(tree_size))?;
        let leaf = line_at(&self.path, seq)?.0.self_hash;
        let proof = merkle::inclusion_proof(&mut self.source, seq, tree_size)?;
        merkle::verify_inclusion(seq, tree_size, &line_leaf_hash(&leaf), &proof, &root).map_err(|e| self.damaged(e))?;
        Ok(ProofDocument::Inclusion { seq, tree_size, leaf, root, proof })
    }

    /// The consistency proof from the tree of `old_size` lines to the tree of
    /// `new_size` lines (all when `None`), verified before it is returned.
    pub fn consistency_proof(&mut self, old_size: u64, new_size: Option<u64>) -> Result<ProofDocument> {
        let new_size = self.size_or_all(new_size, "the new tree size")?;
        if old_size > new_size {
            return Err(out_of_range(format!("the old size {old_size} is above the new size {new_size}")));
        }
        let (old_root, new_root) = (self.root(Some(old_size))?, self.root(Some(new_size))?);
        let proof = merkle::consistency_proof(&mut self.source, old_size, new_size)?;
        merkle::verify_consistency(old_size, new_size, &proof, &old_root, &new_root).map_err(|e| self.damaged(e))?;
        Ok(ProofDocument::Consistency { old_size, new_size, old_root, new_root, proof })
    }
}

fn changed(path: &Path) -> Error {
    Error::ledger(
        LedgerErrorKind::Broken,
        format!("{}: the ledger changed while it was read; try again", path.display()),
    )
}

fn out_of_range(message: String) -> Error {
    Error::ledger(LedgerErrorKind::OutOfRange, message)
}
