//! The ledger's Merkle tree (spec/transparency.md, "The tree"): the RFC 9162
//! §2.1 Merkle Tree Hash over the lines' self_hashes, its compact range (what
//! a writer keeps to know the root as it appends), and inclusion and
//! consistency proofs, built and verified exactly as RFC 9162 §2.1.3–2.1.4
//! describes, so that any RFC 9162 verifier checks ours and ours checks theirs.
//!
//! Proofs are built from a [`Nodes`] source: the hashes of perfect subtrees,
//! held in memory ([`Tree`]) or read from an index on disk, so that a proof
//! costs O(log n) node reads whatever the source.

use std::fmt;

use sha2::{Digest as _, Sha256};

use crate::hex::{ChainHash, Digest};

/// The leaf hash of a leaf input: SHA-256(0x00 ‖ input).
pub fn leaf_hash(input: &[u8]) -> Digest {
    Digest(Sha256::new().chain_update([0x00]).chain_update(input).finalize().into())
}

/// The leaf hash of a ledger line: its self_hash's 32 raw bytes are the leaf input.
pub fn line_leaf_hash(self_hash: &ChainHash) -> Digest {
    leaf_hash(&self_hash.0)
}

/// The hash of an interior node: SHA-256(0x01 ‖ left ‖ right).
pub fn node_hash(left: &Digest, right: &Digest) -> Digest {
    Digest(Sha256::new().chain_update([0x01]).chain_update(left.0).chain_update(right.0).finalize().into())
}

/// The root of the empty tree: SHA-256 of no bytes.
pub fn empty_root() -> Digest {
    Digest(Sha256::digest([]).into())
}

/// The root of the tree whose leaf hashes these are, in order.
pub fn root_of(leaf_hashes: &[Digest]) -> Digest {
    let mut range = CompactRange::new();
    leaf_hashes.iter().for_each(|leaf| range.push(*leaf));
    range.root()
}

/// The tree's state as it grows: the roots of the perfect subtrees its
/// leaves fill, one per set bit of the size, largest first. O(log n) hashes,
/// enough to know the root after every append without re-reading a leaf.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompactRange {
    size: u64,
    peaks: Vec<Digest>,
}

impl CompactRange {
    /// The range of the empty tree.
    pub fn new() -> Self {
        CompactRange::default()
    }

    /// How many leaves the tree holds.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The range of a tree of `size` leaves from its perfect subtrees' roots,
    /// largest first: one per set bit of `size` (`None` for another count).
    pub fn from_peaks(size: u64, peaks: Vec<Digest>) -> Option<Self> {
        (peaks.len() == size.count_ones() as usize).then_some(CompactRange { size, peaks })
    }

    /// The perfect subtrees' roots, largest first.
    pub fn peaks(&self) -> &[Digest] {
        &self.peaks
    }

    /// Appends a leaf hash: merges the perfect subtrees it completes.
    pub fn push(&mut self, leaf: Digest) {
        let mut hash = leaf;
        let mut completed = self.size.trailing_ones();
        while completed > 0 {
            let left = self.peaks.pop().expect("a set bit of the size has its subtree");
            hash = node_hash(&left, &hash);
            completed -= 1;
        }
        self.peaks.push(hash);
        self.size += 1;
    }

    /// The Merkle Tree Hash of the leaves so far: the subtrees' roots folded
    /// from the right (the empty tree's root when there are none).
    pub fn root(&self) -> Digest {
        let mut peaks = self.peaks.iter().rev();
        let Some(last) = peaks.next() else { return empty_root() };
        peaks.fold(*last, |right, left| node_hash(left, &right))
    }
}

/// The hashes of perfect subtrees: the node at `level` and `index` is the
/// root of leaves `index·2^level` to `(index+1)·2^level − 1`; level 0 holds
/// the leaf hashes.
pub trait Nodes {
    /// Why a node cannot be had (reading an index may fail).
    type Error;

    /// The node at `level` and `index`; only asked for nodes of complete subtrees.
    fn node(&mut self, level: u32, index: u64) -> Result<Digest, Self::Error>;
}

/// The Merkle Tree Hash of leaves `start..end`, where `start` is a multiple
/// of the largest power of two below `end - start` (every range the RFC's
/// recursions ask for): its perfect subtrees from the left, folded from the right.
fn range_root<N: Nodes>(nodes: &mut N, start: u64, end: u64) -> Result<Digest, N::Error> {
    let mut subtrees = Vec::new();
    let mut at = start;
    while at < end {
        let mut level = (end - at).ilog2();
        if at != 0 {
            level = level.min(at.trailing_zeros());
        }
        subtrees.push(nodes.node(level, at >> level)?);
        at += 1 << level;
    }
    let mut subtrees = subtrees.into_iter().rev();
    let last = subtrees.next().expect("a non-empty range has a subtree");
    Ok(subtrees.fold(last, |right, left| node_hash(&left, &right)))
}

/// The largest power of two strictly below `n` (n ≥ 2).
fn split_point(n: u64) -> u64 {
    1 << (n - 1).ilog2()
}

/// The root of the tree of the first `size` leaves (the empty tree's root for 0).
pub fn root_at<N: Nodes>(nodes: &mut N, size: u64) -> Result<Digest, N::Error> {
    if size == 0 { Ok(empty_root()) } else { range_root(nodes, 0, size) }
}

/// The compact range of the first `size` leaves: the roots of the perfect
/// subtrees they fill, largest first (see [`CompactRange`]).
pub fn compact_range<N: Nodes>(nodes: &mut N, size: u64) -> Result<CompactRange, N::Error> {
    let mut peaks = Vec::new();
    let mut at = 0;
    for level in (0..u64::BITS).rev().filter(|level| size >> level & 1 == 1) {
        peaks.push(nodes.node(level, at >> level)?);
        at += 1 << level;
    }
    Ok(CompactRange { size, peaks })
}

/// The inclusion proof of leaf `index` in the tree of `size` leaves (RFC 9162
/// §2.1.3.1), nearest the leaf first. `index < size` is the caller's to check.
pub fn inclusion_proof<N: Nodes>(nodes: &mut N, index: u64, size: u64) -> Result<Vec<Digest>, N::Error> {
    assert!(index < size, "leaf {index} is outside a tree of {size} leaves");
    let mut proof = Vec::new();
    let (mut start, mut end, mut index) = (0, size, index);
    // Walk down from the root, keeping the sibling of each step; the RFC
    // lists them from the leaf up.
    while end - start > 1 {
        let k = split_point(end - start);
        if index < k {
            proof.push(range_root(nodes, start + k, end)?);
            end = start + k;
        } else {
            proof.push(range_root(nodes, start, start + k)?);
            start += k;
            index -= k;
        }
    }
    proof.reverse();
    Ok(proof)
}

/// The consistency proof between the trees of `old_size` and `new_size`
/// leaves (RFC 9162 §2.1.4.1): empty when `old_size` is 0 or equals
/// `new_size`. `old_size <= new_size` is the caller's to check.
pub fn consistency_proof<N: Nodes>(nodes: &mut N, old_size: u64, new_size: u64) -> Result<Vec<Digest>, N::Error> {
    assert!(old_size <= new_size, "a tree of {old_size} leaves is not a prefix of one of {new_size}");
    let mut proof = Vec::new();
    if old_size == 0 || old_size == new_size {
        return Ok(proof);
    }
    // SUBPROOF(m, D[start:end], whole) walked iteratively from the root.
    let (mut start, mut end, mut m, mut whole) = (0, new_size, old_size, true);
    while m != end - start {
        let k = split_point(end - start);
        if m <= k {
            proof.push(range_root(nodes, start + k, end)?);
            end = start + k;
        } else {
            proof.push(range_root(nodes, start, start + k)?);
            start += k;
            m -= k;
            whole = false;
        }
    }
    if !whole {
        proof.push(range_root(nodes, start, end)?);
    }
    proof.reverse();
    Ok(proof)
}

/// Why a proof does not verify.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProofError {
    /// The leaf index is not below the tree size, or the old size is above the new one.
    OutOfRange(String),
    /// The proof has more or fewer hashes than its sizes call for.
    WrongLength {
        /// Hashes the sizes call for.
        expected: usize,
        /// Hashes the proof has.
        found: usize,
    },
    /// The hashes lead to another root than the one given.
    RootMismatch(String),
}

impl fmt::Display for ProofError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProofError::OutOfRange(why) | ProofError::RootMismatch(why) => f.write_str(why),
            ProofError::WrongLength { expected, found } => {
                write!(f, "the proof has {found} hashes, but these sizes call for {expected}")
            }
        }
    }
}

impl std::error::Error for ProofError {}

/// How many hashes the inclusion proof of leaf `index` in a tree of `size`
/// leaves holds (`index < size`).
pub fn inclusion_proof_len(index: u64, size: u64) -> usize {
    let (mut start, mut end, mut index, mut len) = (0, size, index, 0);
    while end - start > 1 {
        let k = split_point(end - start);
        if index < k {
            end = start + k;
        } else {
            start += k;
            index -= k;
        }
        len += 1;
    }
    len
}

/// How many hashes the consistency proof from `old_size` to `new_size` holds
/// (`old_size <= new_size`).
pub fn consistency_proof_len(old_size: u64, new_size: u64) -> usize {
    if old_size == 0 || old_size == new_size {
        return 0;
    }
    let (mut start, mut end, mut m, mut whole, mut len) = (0, new_size, old_size, true, 0);
    while m != end - start {
        let k = split_point(end - start);
        if m <= k {
            end = start + k;
        } else {
            start += k;
            m -= k;
            whole = false;
        }
        len += 1;
    }
    len + usize::from(!whole)
}

/// Checks that `leaf` is leaf `index` of the tree of `size` leaves whose root
/// is `root` (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &Digest,
    proof: &[Digest],
    root: &Digest,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::OutOfRange(format!("leaf index {index} is not below the tree size {size}")));
    }
    let expected = inclusion_proof_len(index, size);
    if proof.len() != expected {
        return Err(ProofError::WrongLength { expected, found: proof.len() });
    }
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    debug_assert_eq!(sn, 0, "a proof of the expected length reaches the root");
    if r != *root {
        return Err(ProofError::RootMismatch(format!(
            "the proof leads from the leaf to the root {r}, not to the given root {root}"
        )));
    }
    Ok(())
}

/// Checks that the tree of `old_size` leaves with root `old_root` is a
/// prefix of the tree of `new_size` leaves with root `new_root` (RFC 9162
/// §2.1.4.2). Equal sizes need an empty proof and equal roots; from size 0
/// an empty proof and the empty tree's root.
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    proof: &[Digest],
    old_root: &Digest,
    new_root: &Digest,
) -> Result<(), ProofError> {
    if old_size > new_size {
        return Err(ProofError::OutOfRange(format!("the old size {old_size} is above the new size {new_size}")));
    }
    let expected = consistency_proof_len(old_size, new_size);
    if proof.len() != expected {
        return Err(ProofError::WrongLength { expected, found: proof.len() });
    }
    if old_size == 0 {
        let empty = empty_root();
        if *old_root != empty {
            return Err(ProofError::RootMismatch(format!(
                "the old root {old_root} is not the empty tree's root {empty}"
            )));
        }
        if new_size > 0 {
            return Ok(());
        }
    }
    if old_size == new_size {
        return if old_root == new_root {
            Ok(())
        } else {
            Err(ProofError::RootMismatch(format!(
                "the trees have the same size {old_size} but different roots {old_root} and {new_root}"
            )))
        };
    }
    let mut path = proof.iter();
    let first = if old_size.is_power_of_two() { *old_root } else { *path.next().expect("expected length >= 1") };
    let (mut fn_, mut sn) = (old_size - 1, new_size - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let (mut fr, mut sr) = (first, first);
    for c in path {
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    debug_assert_eq!(sn, 0, "a proof of the expected length reaches the new root");
    if fr != *old_root {
        return Err(ProofError::RootMismatch(format!(
            "the proof leads to the old root {fr}, not to the given old root {old_root}"
        )));
    }
    if sr != *new_root {
        return Err(ProofError::RootMismatch(format!(
            "the proof leads to the new root {sr}, not to the given new root {new_root}"
        )));
    }
    Ok(())
}

/// A whole tree in memory: every level of perfect-subtree hashes, about 64
/// bytes per leaf. For proofs over a ledger read once; an index on disk
/// serves the same nodes without holding them.
#[derive(Debug, Clone, Default)]
pub struct Tree {
    /// `levels[l][i]`: the node at level `l` and index `i`.
    levels: Vec<Vec<Digest>>,
}

impl Tree {
    /// The empty tree.
    pub fn new() -> Self {
        Tree { levels: vec![Vec::new()] }
    }

    /// The tree of these leaf hashes.
    pub fn from_leaves(leaves: impl IntoIterator<Item = Digest>) -> Self {
        let mut tree = Tree::new();
        leaves.into_iter().for_each(|leaf| tree.push(leaf));
        tree
    }

    /// How many leaves it holds.
    pub fn size(&self) -> u64 {
        self.levels[0].len() as u64
    }

    /// Appends a leaf hash, and the nodes it completes.
    pub fn push(&mut self, leaf: Digest) {
        let mut hash = leaf;
        let mut level = 0;
        loop {
            if self.levels.len() == level {
                self.levels.push(Vec::new());
            }
            let nodes = &mut self.levels[level];
            nodes.push(hash);
            if nodes.len() % 2 == 1 {
                break;
            }
            hash = node_hash(&nodes[nodes.len() - 2], &nodes[nodes.len() - 1]);
            level += 1;
        }
    }

    /// The root of the tree of the first `size` leaves (`size <= self.size()`).
    pub fn root_at(&self, size: u64) -> Digest {
        let mut nodes = self;
        root_at(&mut nodes, size).unwrap_or_else(|never| match never {})
    }

    /// [`compact_range`] (`size <= self.size()`).
    pub fn compact_range(&self, size: u64) -> CompactRange {
        let mut nodes = self;
        compact_range(&mut nodes, size).unwrap_or_else(|never| match never {})
    }

    /// [`inclusion_proof`] (`index < size <= self.size()`).
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Vec<Digest> {
        let mut nodes = self;
        inclusion_proof(&mut nodes, index, size).unwrap_or_else(|never| match never {})
    }

    /// [`consistency_proof`] (`old_size <= new_size <= self.size()`).
    pub fn consistency_proof(&self, old_size: u64, new_size: u64) -> Vec<Digest> {
        let mut nodes = self;
        consistency_proof(&mut nodes, old_size, new_size).unwrap_or_else(|never| match never {})
    }
}

impl Nodes for &Tree {
    type Error = std::convert::Infallible;

    fn node(&mut self, level: u32, index: u64) -> Result<Digest, Self::Error> {
        Ok(self.levels[level as usize][usize::try_from(index).expect("an index in memory fits usize")])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Merkle Tree Hash by RFC 9162's definition, recursively.
    fn mth(leaves: &[Digest]) -> Digest {
        match leaves.len() {
            0 => empty_root(),
            1 => leaves[0],
            n => {
                let k = split_point(n as u64) as usize;
                node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
            }
        }
    }

    fn leaves(n: u64) -> Vec<Digest> {
        (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
    }

    #[test]
    fn every_way_to_the_root_agrees_with_the_definition() {
        let all = leaves(70);
        let tree = Tree::from_leaves(all.iter().copied());
        for size in 0..=70 {
            let expected = mth(&all[..size as usize]);
            assert_eq!(root_of(&all[..size as usize]), expected, "compact range at {size}");
            assert_eq!(tree.root_at(size), expected, "tree nodes at {size}");
        }
    }

    #[test]
    fn proofs_verify_and_have_their_length_for_every_pair_of_sizes() {
        let all = leaves(40);
        let tree = Tree::from_leaves(all.iter().copied());
        for size in 1..=40 {
            let root = tree.root_at(size);
            for index in 0..size {
                let proof = tree.inclusion_proof(index, size);
                assert_eq!(proof.len(), inclusion_proof_len(index, size));
                verify_inclusion(index, size, &all[index as usize], &proof, &root).unwrap();
            }
            for old in 0..=size {
                let proof = tree.consistency_proof(old, size);
                assert_eq!(proof.len(), consistency_proof_len(old, size));
                verify_consistency(old, size, &proof, &tree.root_at(old), &root).unwrap();
            }
        }
    }

    #[test]
    fn equal_sizes_need_equal_roots_also_for_the_empty_tree() {
        let (empty, other) = (empty_root(), leaf_hash(b"x"));
        assert!(verify_consistency(0, 0, &[], &empty, &empty).is_ok());
        assert!(matches!(verify_consistency(0, 0, &[], &empty, &other), Err(ProofError::RootMismatch(_))));
        assert!(matches!(verify_consistency(0, 0, &[], &other, &other), Err(ProofError::RootMismatch(_))));
        assert!(verify_consistency(0, 1, &[], &empty, &other).is_ok());
    }

    #[test]
    fn a_changed_hash_anywhere_in_a_proof_fails_it() {
        let all = leaves(13);
        let tree = Tree::from_leaves(all.iter().copied());
        let root = tree.root_at(13);
        let proof = tree.inclusion_proof(5, 13);
        for i in 0..proof.len() {
            let mut bad = proof.clone();
            bad[i].0[0] ^= 1;
            assert!(matches!(verify_inclusion(5, 13, &all[5], &bad, &root), Err(ProofError::RootMismatch(_))));
        }
        let proof = tree.consistency_proof(6, 13);
        for i in 0..proof.len() {
            let mut bad = proof.clone();
            bad[i].0[31] ^= 0x80;
            assert!(verify_consistency(6, 13, &bad, &tree.root_at(6), &root).is_err());
        }
    }

    #[test]
    fn a_compact_range_read_from_the_nodes_grows_like_one_pushed_leaf_by_leaf() {
        let all = leaves(40);
        let tree = Tree::from_leaves(all.iter().copied());
        let mut pushed = CompactRange::new();
        for size in 0..=40u64 {
            let read = tree.compact_range(size);
            assert_eq!(read, pushed, "size {size}");
            assert_eq!(CompactRange::from_peaks(size, read.peaks().to_vec()), Some(read.clone()));
            assert_eq!(read.root(), tree.root_at(size));
            if size < 40 {
                pushed.push(all[size as usize]);
            }
        }
        assert_eq!(CompactRange::from_peaks(3, vec![all[0]]), None);
    }

    #[test]
    fn an_odd_leaf_is_never_doubled() {
        let all = leaves(3);
        let doubled = [all[0], all[1], all[2], all[2]];
        assert_ne!(root_of(&all), root_of(&doubled));
    }
}
