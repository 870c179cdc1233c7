//! The tree index beside a ledger (spec/transparency.md, "The index"): the
//! hashes of the ledger's tree, 32 bytes each, in the order a growing tree
//! completes them, so that any node is one positioned read away and a root
//! or a proof costs O(log n) reads.
//!
//! The index is a cache: the ledger is the source of truth, and the index
//! is rebuilt from it whenever it is missing, short in a way that cannot be
//! extended, or disagrees with it. Nothing read from it is returned
//! unchecked: a proof is verified against a root obtained apart from the
//! index before it leaves this module.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write as _};
use std::os::unix::fs::FileExt as _;
use std::path::{Path, PathBuf};

use provedex_format::SignedEvent;
use provedex_format::hex::{ChainHash, Digest};
use provedex_format::merkle::{self, Nodes, ProofError, line_leaf_hash, node_hash};
use provedex_format::seal::GENESIS_PARENT_HASH;
use provedex_format::{Error, LedgerErrorKind, Result};
use provedex_verify::{ChainReport, Verifier};

use crate::trusted::for_each_line;

/// The first 16 bytes of an index file.
pub const INDEX_MAGIC: [u8; 16] = *b"provedex-tree\0\0\0";

/// The index format this module reads and writes.
pub const INDEX_VERSION: u32 = 1;

/// Bytes before the first node: the magic, the version (4 bytes, big
/// endian), 12 zero bytes.
pub const INDEX_HEADER_LEN: u64 = 32;

/// Bytes per node.
const NODE_LEN: u64 = 32;

/// The index of the ledger at `ledger`: the same path with `.tree` appended
/// to its file name.
pub fn index_path(ledger: &Path) -> PathBuf {
    let mut name = ledger.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".tree");
    ledger.with_file_name(name)
}

/// The position (0-based, in nodes after the header) of the node at `level`
/// and `index`: 2^(level+1)·(index+1) − 2 − popcount(index). Leaf `i` is at
/// 2i − popcount(i).
pub fn node_position(level: u32, index: u64) -> u64 {
    (2u64 << level) * (index + 1) - 2 - u64::from(index.count_ones())
}

/// How many nodes the index of a tree of `size` leaves holds: 2·size − popcount(size).
pub fn node_count(size: u64) -> u64 {
    2 * size - u64::from(size.count_ones())
}

/// The tree size whose index holds exactly `nodes` nodes, if there is one.
pub fn size_of_node_count(nodes: u64) -> Option<u64> {
    // node_count is strictly increasing and size ≤ nodes, with size ≥ nodes / 2.
    let (mut low, mut high) = (nodes / 2, nodes);
    while low < high {
        let mid = low + (high - low) / 2;
        if node_count(mid) < nodes { low = mid + 1 } else { high = mid }
    }
    (node_count(low) == nodes).then_some(low)
}

/// A tree's compact range that also hands out the nodes each leaf completes,
/// in index order: the writer's O(log n) state. Its roots are those of
/// [`merkle::CompactRange`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    /// The roots of the perfect subtrees the leaves fill, largest first.
    peaks: Vec<Digest>,
}

impl Frontier {
    /// The frontier of the empty tree.
    pub fn new() -> Self {
        Frontier::default()
    }

    /// How many leaves the tree holds.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a leaf hash, pushing onto `nodes` the leaf and then each
    /// interior node it completes, lowest first: the index's next entries.
    pub fn push(&mut self, leaf: Digest, nodes: &mut Vec<Digest>) {
        nodes.push(leaf);
        let mut hash = leaf;
        for _ in 0..self.size.trailing_ones() {
            let left = self.peaks.pop().expect("a set bit of the size has its subtree");
            hash = node_hash(&left, &hash);
            nodes.push(hash);
        }
        self.peaks.push(hash);
        self.size += 1;
    }

    /// The Merkle Tree Hash of the leaves so far.
    pub fn root(&self) -> Digest {
        let mut peaks = self.peaks.iter().rev();
        let Some(last) = peaks.next() else { return merkle::empty_root() };
        peaks.fold(*last, |right, left| node_hash(left, &right))
    }

    /// The frontier of the first `size` leaves of a tree, read from its nodes:
    /// one node per set bit of `size`.
    pub fn read<N: Nodes>(nodes: &mut N, size: u64) -> std::result::Result<Frontier, N::Error> {
        let mut peaks = Vec::with_capacity(size.count_ones() as usize);
        let mut start = 0u64;
        for level in (0..64u32).rev() {
            if size & (1 << level) != 0 {
                peaks.push(nodes.node(level, start >> level)?);
                start += 1 << level;
            }
        }
        Ok(Frontier { size, peaks })
    }
}

/// Why an index file was not used as it stood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexState {
    /// It matched the ledger.
    Current,
    /// It was shorter than the ledger and agreed with it: the missing lines were appended.
    Extended {
        /// Leaves it held.
        from: u64,
    },
    /// It was missing or could not be trusted, and was written anew from the ledger.
    Rebuilt {
        /// Why.
        reason: String,
    },
}

/// An open index file, positioned reads and appends. Not a source of truth:
/// see the module documentation.
#[derive(Debug)]
pub struct TreeIndex {
    file: File,
    path: PathBuf,
    size: u64,
    reads: u64,
}

fn index_error(path: &Path, why: impl std::fmt::Display) -> Error {
    Error::ledger(LedgerErrorKind::Io, format!("{}: {why}", path.display()))
}

fn header() -> [u8; INDEX_HEADER_LEN as usize] {
    let mut header = [0u8; INDEX_HEADER_LEN as usize];
    header[..16].copy_from_slice(&INDEX_MAGIC);
    header[16..20].copy_from_slice(&INDEX_VERSION.to_be_bytes());
    header
}

impl TreeIndex {
    /// Opens an existing index for reading and appending, checking only its
    /// form: a regular file, the header, a length of whole nodes that a
    /// tree of some size fills exactly. Says nothing of whether it matches a
    /// ledger (see [`TreeIndex::open_checked`]).
    pub fn open(path: &Path) -> Result<TreeIndex> {
        let meta = std::fs::symlink_metadata(path).map_err(|e| index_error(path, format!("cannot read it: {e}")))?;
        if !meta.file_type().is_file() {
            return Err(index_error(path, "the index is not a regular file"));
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(|e| index_error(path, format!("cannot open it: {e}")))?;
        let len = file.metadata().map_err(|e| index_error(path, e))?.len();
        let mut found = [0u8; INDEX_HEADER_LEN as usize];
        if len < INDEX_HEADER_LEN || file.read_exact_at(&mut found, 0).is_err() || found != header() {
            return Err(index_error(path, "the index does not start with the header of index version 1"));
        }
        let body = len - INDEX_HEADER_LEN;
        if !body.is_multiple_of(NODE_LEN) {
            return Err(index_error(path, format!("the index's {body} bytes after its header are not whole nodes")));
        }
        let size = size_of_node_count(body / NODE_LEN).ok_or_else(|| {
            index_error(path, format!("the index's {} nodes are not those of any tree size", body / NODE_LEN))
        })?;
        Ok(TreeIndex { file, path: path.to_path_buf(), size, reads: 0 })
    }

    /// How many leaves the index holds.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The index file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How many nodes were read from the file since it was opened.
    pub fn node_reads(&self) -> u64 {
        self.reads
    }

    /// Appends the nodes the leaves after [`TreeIndex::size`] complete, as
    /// [`Frontier::push`] hands them out; `new_size` is the tree's size
    /// after them. Not synced: the index is rebuilt from the ledger.
    pub fn append(&mut self, nodes: &[Digest], new_size: u64) -> Result<()> {
        if node_count(new_size) != node_count(self.size) + nodes.len() as u64 {
            return Err(index_error(&self.path, "the nodes appended are not those of whole leaves"));
        }
        let mut bytes = Vec::with_capacity(nodes.len() * NODE_LEN as usize);
        nodes.iter().for_each(|node| bytes.extend_from_slice(&node.0));
        let offset = INDEX_HEADER_LEN + node_count(self.size) * NODE_LEN;
        self.file.write_all_at(&bytes, offset).map_err(|e| index_error(&self.path, format!("cannot append: {e}")))?;
        self.size = new_size;
        Ok(())
    }

    /// The root of the first `size` leaves (`size <= self.size()`), read from
    /// the file: unchecked.
    pub fn root_at(&mut self, size: u64) -> Result<Digest> {
        self.check_size(size)?;
        merkle::root_at(self, size)
    }

    fn check_size(&self, size: u64) -> Result<()> {
        if size > self.size {
            return Err(Error::ledger(
                LedgerErrorKind::OutOfRange,
                format!("{}: the index holds {} leaves, not {size}", self.path.display(), self.size),
            ));
        }
        Ok(())
    }

    /// The frontier at the index's size, read from the file: unchecked.
    pub fn frontier(&mut self) -> Result<Frontier> {
        let size = self.size;
        Frontier::read(self, size)
    }

    /// The inclusion proof of the leaf whose input is `self_hash` at `index`
    /// in the tree of `size` leaves, returned only once it verifies against
    /// `root`, a root obtained apart from the index. A proof that does not
    /// means the index is damaged: rebuild it.
    pub fn inclusion_proof(
        &mut self,
        index: u64,
        size: u64,
        self_hash: &ChainHash,
        root: &Digest,
    ) -> Result<Vec<Digest>> {
        self.check_size(size)?;
        if index >= size {
            return Err(Error::ledger(
                LedgerErrorKind::OutOfRange,
                format!("leaf {index} is not in a tree of {size} leaves"),
            ));
        }
        let proof = merkle::inclusion_proof(self, index, size)?;
        merkle::verify_inclusion(index, size, &line_leaf_hash(self_hash), &proof, root).map_err(|e| self.damaged(e))?;
        Ok(proof)
    }

    /// The consistency proof from `old_size` to `new_size` leaves, returned
    /// only once it verifies against `old_root` and `new_root`, obtained
    /// apart from the index.
    pub fn consistency_proof(
        &mut self,
        old_size: u64,
        new_size: u64,
        old_root: &Digest,
        new_root: &Digest,
    ) -> Result<Vec<Digest>> {
        self.check_size(new_size)?;
        if old_size > new_size {
            return Err(Error::ledger(
                LedgerErrorKind::OutOfRange,
                format!("the old size {old_size} is above the new size {new_size}"),
            ));
        }
        let proof = merkle::consistency_proof(self, old_size, new_size)?;
        merkle::verify_consistency(old_size, new_size, &proof, old_root, new_root).map_err(|e| self.damaged(e))?;
        Ok(proof)
    }

    fn damaged(&self, e: ProofError) -> Error {
        Error::ledger(
            LedgerErrorKind::Broken,
            format!(
                "{}: the index is damaged, a proof made from it does not verify ({e}); rebuild it",
                self.path.display()
            ),
        )
    }

    /// Writes the index of `ledger` anew from its lines, verified as they
    /// are read ([`Verifier`]): to a temporary file beside it (the index's
    /// name and `.tmp`), synced, then renamed over the index. Only the lines
    /// before the first finding are indexed (a torn final line is left out).
    /// Returns the index and the verification report.
    pub fn rebuild(ledger: &Path) -> Result<(TreeIndex, ChainReport)> {
        let mut builder = Builder::new(&index_path(ledger))?;
        let report = Verifier::new().on_event(|event, _| builder.push(&event.self_hash)).file(ledger)?;
        Ok((builder.finish(true)?, report))
    }

    /// Writes the index of `ledger` anew from the `self_hash` each of its
    /// whole lines names, checking only that each links to the one before
    /// (its `parent_hash` is that line's `self_hash`, the first line's the
    /// genesis parent): not the lines' hashes, signatures or content. For a
    /// prover that verifies apart every line it relies on ([`crate::LedgerTree`]),
    /// at about the speed of hashing the lines; a writer, which takes a
    /// rebuilt index as verified, uses [`TreeIndex::rebuild`]. The lines
    /// before the first that does not link are indexed. Written as
    /// [`TreeIndex::rebuild`] writes, not synced.
    pub fn rebuild_linked(ledger: &Path) -> Result<TreeIndex> {
        let mut builder = Builder::new(&index_path(ledger))?;
        let mut parent = GENESIS_PARENT_HASH;
        for_each_line(ledger, |_, _, line| match linked_hashes(line) {
            Some((named_parent, self_hash)) if named_parent == parent => {
                builder.push(&self_hash);
                parent = self_hash;
                true
            }
            _ => false,
        })?;
        builder.finish(false)
    }

    /// Writes the index of a tree whose leaf inputs are `self_hashes` to
    /// `path` (through a temporary file renamed over it, not synced), for
    /// lines already verified: [`TreeIndex::rebuild`] reads them from a ledger.
    pub fn build(path: &Path, self_hashes: impl IntoIterator<Item = ChainHash>) -> Result<TreeIndex> {
        let mut builder = Builder::new(path)?;
        self_hashes.into_iter().for_each(|self_hash| builder.push(&self_hash));
        builder.finish(false)
    }

    /// Opens the index of the ledger at `ledger`, whose first `ledger_size`
    /// lines are known and whose line `ledger_size − 1` has `last_self_hash`,
    /// and makes it agree with them: an index that holds as many leaves with
    /// that last leaf is used as is; a shorter one whose last leaf is the
    /// ledger's is extended with the lines after it (each linked to the one
    /// before, the lines before only counted: the writer verifies them
    /// before it signs over them); anything else (missing, not a regular
    /// file, a bad header, a partial node, more leaves than the ledger,
    /// another last leaf) is rebuilt from the ledger, verified.
    pub fn open_checked(
        ledger: &Path,
        ledger_size: u64,
        last_self_hash: Option<&ChainHash>,
    ) -> Result<(TreeIndex, IndexState)> {
        TreeIndex::open_checked_with(ledger, ledger_size, last_self_hash, |ledger| {
            let (index, report) = TreeIndex::rebuild(ledger)?;
            Ok((index, format!("verify: {}", report.message)))
        })
    }

    /// [`TreeIndex::open_checked`] rebuilding with [`TreeIndex::rebuild_linked`].
    pub(crate) fn open_checked_linked(
        ledger: &Path,
        ledger_size: u64,
        last_self_hash: Option<&ChainHash>,
    ) -> Result<(TreeIndex, IndexState)> {
        TreeIndex::open_checked_with(ledger, ledger_size, last_self_hash, |ledger| {
            Ok((TreeIndex::rebuild_linked(ledger)?, "link to the line before them".to_owned()))
        })
    }

    /// [`TreeIndex::open_checked`] with a way to rebuild, which returns the
    /// index and what its lines do (to say why it holds fewer than the ledger).
    fn open_checked_with(
        ledger: &Path,
        ledger_size: u64,
        last_self_hash: Option<&ChainHash>,
        rebuild_from: impl Fn(&Path) -> Result<(TreeIndex, String)>,
    ) -> Result<(TreeIndex, IndexState)> {
        let path = index_path(ledger);
        let rebuild = |reason: String| -> Result<(TreeIndex, IndexState)> {
            let (index, what) = rebuild_from(ledger)?;
            if index.size != ledger_size {
                return Err(index_error(
                    &index.path,
                    format!("only the first {} of the ledger's {ledger_size} lines {what}", index.size),
                ));
            }
            Ok((index, IndexState::Rebuilt { reason }))
        };
        let mut index = match std::fs::symlink_metadata(&path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return rebuild("there was no index".to_owned());
            }
            _ => match TreeIndex::open(&path) {
                Ok(index) => index,
                Err(e) => {
                    if std::fs::symlink_metadata(&path).is_ok_and(|m| !m.file_type().is_file()) {
                        // Never replace what is not a regular file: refuse it.
                        return Err(e);
                    }
                    return rebuild(e.to_string());
                }
            },
        };
        if index.size > ledger_size {
            return rebuild(format!("the index holds {} leaves, the ledger {ledger_size} lines", index.size));
        }
        if index.size == ledger_size {
            if let Some(last) = last_self_hash {
                let found = index.node(0, ledger_size - 1)?;
                if found != line_leaf_hash(last) {
                    return rebuild(format!("its leaf {} is not the ledger's line with that seq", ledger_size - 1));
                }
            }
            return Ok((index, IndexState::Current));
        }
        // Shorter: extend it from the ledger when its last leaf is the ledger's.
        let from = index.size;
        let mut frontier = match index.frontier() {
            Ok(frontier) => frontier,
            Err(e) => return rebuild(e.to_string()),
        };
        let last_leaf = if from == 0 { None } else { Some(index.node(0, from - 1)?) };
        let mut nodes = Vec::new();
        if let Err(why) = extend_from(ledger, from, ledger_size, last_leaf, last_self_hash, &mut frontier, &mut nodes) {
            return rebuild(why);
        }
        index.append(&nodes, ledger_size)?;
        Ok((index, IndexState::Extended { from }))
    }
}

/// Pushes onto `frontier` (and `nodes`) the leaves of the ledger's lines
/// `from..size`, read from the ledger: the lines before `from − 1` are only
/// counted, the line `from − 1` must have the leaf `last_leaf`, and each
/// later line must be whole and link to the line before it, its hashes read
/// as [`TreeIndex::rebuild_linked`] reads them (a writer verifies the lines
/// it did not write before it signs over them); the last must have
/// `last_self_hash`. Says why not.
fn extend_from(
    ledger: &Path,
    from: u64,
    size: u64,
    last_leaf: Option<Digest>,
    last_self_hash: Option<&ChainHash>,
    frontier: &mut Frontier,
    nodes: &mut Vec<Digest>,
) -> std::result::Result<(), String> {
    let mut parent = if from == 0 { Some(GENESIS_PARENT_HASH) } else { None };
    let mut problem = None;
    let whole = for_each_line(ledger, |seq, _, line| {
        if seq >= size {
            return false;
        }
        if seq + 1 < from {
            return true;
        }
        let Some((named_parent, self_hash)) = linked_hashes(line) else {
            problem = Some(format!("the ledger's line {} is not a ledger line", seq + 1));
            return false;
        };
        if seq + 1 == from {
            if last_leaf != Some(line_leaf_hash(&self_hash)) {
                problem = Some(format!("its leaf {seq} is not the ledger's line with that seq"));
                return false;
            }
        } else {
            if parent != Some(named_parent) {
                problem = Some(format!("the ledger's line {} does not link to the line before it", seq + 1));
                return false;
            }
            frontier.push(line_leaf_hash(&self_hash), nodes);
        }
        parent = Some(self_hash);
        true
    })
    .map_err(|e| e.to_string())?;
    if let Some(problem) = problem {
        return Err(problem);
    }
    if whole < size {
        return Err(format!("the ledger has no whole line with seq {whole}"));
    }
    if last_self_hash.is_some_and(|last| parent.as_ref() != Some(last)) {
        return Err("the ledger's last line is not the one the writer resumes after".to_owned());
    }
    Ok(())
}

/// The members that close a line as Provedex writes it, with the offsets of
/// the two hashes in them: `,"parent_hash":"<64 hex>","self_hash":"<64 hex>",
/// "signature":"<128 hex>","signer_pubkey":"<64 hex>"}`.
const LINE_TAIL_LEN: usize = 387;
const TAIL_PIECES: [(usize, &[u8]); 5] = [
    (0, b",\"parent_hash\":\""),
    (80, b"\",\"self_hash\":\""),
    (159, b"\",\"signature\":\""),
    (302, b"\",\"signer_pubkey\":\""),
    (385, b"\"}"),
];

/// The `parent_hash` and `self_hash` a line names: read from the fixed
/// layout of its last members when it has it, else by the strict reader.
/// Neither is checked: see [`TreeIndex::rebuild_linked`].
fn linked_hashes(line: &[u8]) -> Option<(ChainHash, ChainHash)> {
    let hash_at = |tail: &[u8], at: usize| {
        std::str::from_utf8(&tail[at..at + 64]).ok().and_then(|hex| ChainHash::from_hex(hex).ok())
    };
    if let Some(tail) = line.len().checked_sub(LINE_TAIL_LEN).map(|start| &line[start..])
        && TAIL_PIECES.iter().all(|(at, piece)| tail[*at..].starts_with(piece))
        && let (Some(parent), Some(self_hash)) = (hash_at(tail, 16), hash_at(tail, 95))
    {
        return Some((parent, self_hash));
    }
    SignedEvent::from_line(line).ok().map(|event| (event.parent_hash, event.self_hash))
}

/// An index being written anew, streaming: O(log n) memory.
struct Builder {
    out: BufWriter<File>,
    temporary: PathBuf,
    path: PathBuf,
    frontier: Frontier,
    nodes: Vec<Digest>,
    failed: Option<io::Error>,
}

impl Builder {
    fn new(path: &Path) -> Result<Builder> {
        let mut temporary = path.as_os_str().to_owned();
        temporary.push(".tmp");
        let temporary = PathBuf::from(temporary);
        // A leftover (or planted) temporary file is removed, never followed.
        let _ = std::fs::remove_file(&temporary);
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temporary)
            .map_err(|e| index_error(&temporary, format!("cannot create it: {e}")))?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        let failed = out.write_all(&header()).err();
        Ok(Builder { out, temporary, path: path.to_path_buf(), frontier: Frontier::new(), nodes: Vec::new(), failed })
    }

    fn push(&mut self, self_hash: &ChainHash) {
        self.nodes.clear();
        self.frontier.push(line_leaf_hash(self_hash), &mut self.nodes);
        if self.failed.is_none() {
            for node in &self.nodes {
                if let Err(e) = self.out.write_all(&node.0) {
                    self.failed = Some(e);
                    break;
                }
            }
        }
    }

    fn finish(self, sync: bool) -> Result<TreeIndex> {
        let Builder { out, temporary, path, frontier, failed, .. } = self;
        let written = match failed {
            Some(e) => Err(e),
            None => out
                .into_inner()
                .map_err(|e| e.into_error())
                .and_then(|file| if sync { file.sync_data() } else { Ok(()) }),
        };
        if let Err(e) = written.and_then(|()| std::fs::rename(&temporary, &path)) {
            let _ = std::fs::remove_file(&temporary);
            return Err(index_error(&path, format!("cannot write the index: {e}")));
        }
        let index = TreeIndex::open(&path)?;
        debug_assert_eq!(index.size, frontier.size());
        Ok(index)
    }
}

impl Nodes for TreeIndex {
    type Error = Error;

    fn node(&mut self, level: u32, index: u64) -> Result<Digest> {
        let mut node = [0u8; NODE_LEN as usize];
        let offset = INDEX_HEADER_LEN + node_position(level, index) * NODE_LEN;
        self.reads += 1;
        self.file
            .read_exact_at(&mut node, offset)
            .map_err(|e| index_error(&self.path, format!("cannot read node ({level}, {index}): {e}")))?;
        Ok(Digest(node))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_the_order_a_growing_tree_completes_its_nodes() {
        let mut frontier = Frontier::new();
        let mut nodes = Vec::new();
        let mut order = Vec::new();
        for i in 0..300u64 {
            let before = nodes.len();
            frontier.push(merkle::leaf_hash(&i.to_be_bytes()), &mut nodes);
            for (level, _) in nodes[before..].iter().enumerate() {
                order.push((level as u32, (i + 1) / (1 << level) - 1));
            }
            assert_eq!(nodes.len() as u64, node_count(i + 1));
            assert_eq!(size_of_node_count(node_count(i + 1)), Some(i + 1));
        }
        for (position, (level, index)) in order.iter().enumerate() {
            assert_eq!(node_position(*level, *index), position as u64, "node ({level}, {index})");
        }
        assert_eq!(size_of_node_count(2), None, "a leaf without the node it completes");
    }
}
