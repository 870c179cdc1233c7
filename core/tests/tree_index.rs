//! The tree index beside a ledger, the writer's compact range and its
//! checkpoints (spec/transparency.md, "The index" and "Checkpoints file"):
//! the layout checked node by node against roots computed apart from it,
//! rebuilding after damage, resuming, checkpoints every N events, and a
//! failing index write that leaves recording alone.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{ended, other_key, seed_key};
use provedex_core::merkle::{self, Tree, line_leaf_hash, root_of};
use provedex_core::{ChainHash, Digest, Durability, LedgerErrorKind, LedgerTree, Session, SessionOptions, Verifier};
use provedex_core::{SigningKeypair, verify_checkpoint};
use provedex_ledger::{IndexState, TreeIndex, checkpoints_path, index_path, read_checkpoints};

fn unsynced() -> SessionOptions {
    SessionOptions::new().durability(Durability::None)
}

/// Records `count` events into the ledger at `path` with `options`.
fn record(path: &Path, key: &SigningKeypair, count: u64, options: &SessionOptions) -> Session {
    let session = Session::open_with(key, path, "s", options).unwrap();
    for i in 0..count {
        session.record(&ended(&format!("event {i}"))).unwrap();
    }
    session
}

/// The self_hashes of the ledger's lines, as the verifier reads them.
fn self_hashes(path: &Path) -> Vec<ChainHash> {
    let mut hashes = Vec::new();
    let report = Verifier::new().on_event(|event, _| hashes.push(event.self_hash)).file(path).unwrap();
    assert!(report.ok, "{}", report.message);
    hashes
}

fn leaves(path: &Path) -> Vec<Digest> {
    self_hashes(path).iter().map(line_leaf_hash).collect()
}

fn popcount(x: u64) -> u64 {
    u64::from(x.count_ones())
}

/// The node at `level` and `index` in the index file's bytes, at the offset
/// the spec gives: 32 + 32·(2^(level+1)·(index+1) − 2 − popcount(index)).
fn node_in(bytes: &[u8], level: u32, index: u64) -> Digest {
    let at = (32 + 32 * ((2u64 << level) * (index + 1) - 2 - popcount(index))) as usize;
    Digest(bytes[at..at + 32].try_into().unwrap())
}

// Pins: TL-8.
#[test]
fn every_node_is_at_its_offset_for_every_size_to_100() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.ndjson");
    let key = seed_key();
    // One fsync per line: each line's nodes are written before its record returns.
    let options = SessionOptions::new().durability(Durability::EveryEvent);
    let session = Session::open_with(&key, &path, "s", &options).unwrap();
    let mut all = Vec::new();
    for n in 1..=100u64 {
        all.push(line_leaf_hash(&session.record(&ended(&format!("event {n}"))).unwrap().self_hash));
        let bytes = std::fs::read(index_path(&path)).unwrap();
        assert_eq!(&bytes[..16], b"provedex-tree\0\0\0");
        assert_eq!(bytes[16..20], [0, 0, 0, 1]);
        assert_eq!(bytes[20..32], [0; 12]);
        assert_eq!(bytes.len() as u64, 32 + 32 * (2 * n - popcount(n)), "the index's length at size {n}");
        // Every complete subtree: the root of its leaves, computed apart.
        for level in 0..=n.ilog2() {
            let width = 1u64 << level;
            for index in 0..n / width {
                let expected = root_of(&all[(index * width) as usize..((index + 1) * width) as usize]);
                assert_eq!(node_in(&bytes, level, index), expected, "node ({level}, {index}) at size {n}");
            }
        }
        assert_eq!(session.tree_size(), Some(n));
    }
    drop(session);
    let mut index = TreeIndex::open(&index_path(&path)).unwrap();
    let tree = Tree::from_leaves(all.iter().copied());
    for size in 0..=100 {
        assert_eq!(index.root_at(size).unwrap(), tree.root_at(size), "root at {size}");
    }
}

// Pins: TL-9.
#[test]
fn a_deleted_cut_or_damaged_index_is_rebuilt_and_proofs_stay_right() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.ndjson");
    let key = seed_key();
    drop(record(&path, &key, 37, &unsynced()));
    let reference = std::fs::read(index_path(&path)).unwrap();
    let all = leaves(&path);
    let tree = Tree::from_leaves(all.iter().copied());
    let hashes = self_hashes(&path);
    let last = hashes.last().copied();

    // Each way of spoiling the index, and what opening it must do.
    type Spoil = fn(&Path, &[u8]);
    type Expected = fn(&IndexState) -> bool;
    let cases: [(&str, Spoil, Expected); 6] = [
        ("deleted", |p, _| std::fs::remove_file(p).unwrap(), |s| matches!(s, IndexState::Rebuilt { .. })),
        (
            "cut to the nodes of 20 leaves",
            |p, b| std::fs::write(p, &b[..32 + 32 * (2 * 20 - 2)]).unwrap(),
            |s| *s == IndexState::Extended { from: 20 },
        ),
        (
            "cut mid-node",
            |p, b| std::fs::write(p, &b[..b.len() - 7]).unwrap(),
            |s| matches!(s, IndexState::Rebuilt { .. }),
        ),
        (
            "cut between leaf 23 and the nodes it completes",
            |p, b| std::fs::write(p, &b[..32 + 32 * (2 * 23 - 4 + 1)]).unwrap(),
            |s| matches!(s, IndexState::Rebuilt { .. }),
        ),
        (
            "a flipped byte in the last leaf",
            |p, b| {
                let mut b = b.to_vec();
                let at = 32 + 32 * (2 * 36 - 2) + 5;
                b[at] ^= 1;
                std::fs::write(p, b).unwrap()
            },
            |s| matches!(s, IndexState::Rebuilt { .. }),
        ),
        (
            "a bad magic",
            |p, b| {
                let mut b = b.to_vec();
                b[0] = b'P';
                std::fs::write(p, b).unwrap()
            },
            |s| matches!(s, IndexState::Rebuilt { .. }),
        ),
    ];
    for (what, spoil, expected) in cases {
        spoil(&index_path(&path), &reference);
        let (_, state) = TreeIndex::open_checked(&path, 37, last.as_ref()).unwrap();
        assert!(expected(&state), "{what}: {state:?}");
        assert_eq!(std::fs::read(index_path(&path)).unwrap(), reference, "{what}: the index is whole again");
    }

    // A flipped byte inside an interior node escapes the open check, but no
    // proof made through it leaves the index: it fails against the ledger's root.
    let mut damaged = reference.clone();
    let at = 32 + 32 * ((2u64 << 2) * 2 - 2 - 1) as usize; // node (2, 1): leaves 4 to 7
    damaged[at + 9] ^= 0x40;
    std::fs::write(index_path(&path), &damaged).unwrap();
    let (mut index, state) = TreeIndex::open_checked(&path, 37, last.as_ref()).unwrap();
    assert_eq!(state, IndexState::Current);
    let root = root_of(&all);
    let (kind, message) = common::ledger_error_kind(index.inclusion_proof(0, 37, &hashes[0], &root));
    assert_eq!(kind, LedgerErrorKind::Broken, "{message}");
    assert!(message.contains("rebuild"), "{message}");
    // Leaves whose path avoids the node still prove.
    assert_eq!(index.inclusion_proof(20, 37, &hashes[20], &root).unwrap(), tree.inclusion_proof(20, 37));
    assert!(index.consistency_proof(3, 37, &tree.root_at(3), &root).is_err());
    let (mut index, _) = TreeIndex::rebuild(&path).unwrap();
    for seq in 0..37 {
        assert_eq!(
            index.inclusion_proof(seq, 37, &hashes[seq as usize], &root).unwrap(),
            tree.inclusion_proof(seq, 37)
        );
    }
    for old in 0..=37 {
        let proof = index.consistency_proof(old, 37, &tree.root_at(old), &root).unwrap();
        assert_eq!(proof, tree.consistency_proof(old, 37));
    }

    // With a signed checkpoint in the checkpoints file, a session's open
    // finds damage to the nodes it resumes from (node (5, 0), leaves 0 to
    // 31, a root of its compact range) and rebuilds before it resumes.
    let session = Session::open_with(&key, &path, "s", &unsynced()).unwrap();
    let note = session.checkpoint().unwrap();
    let entry = provedex_ledger::CheckpointEntry { tree_size: 37, note };
    std::fs::write(checkpoints_path(&path), entry.to_line()).unwrap();
    drop(session);
    let mut damaged = reference.clone();
    damaged[32 + 32 * 62] ^= 2;
    std::fs::write(index_path(&path), &damaged).unwrap();
    drop(Session::open_with(&key, &path, "s", &unsynced()).unwrap());
    assert_eq!(std::fs::read(index_path(&path)).unwrap(), reference);
}

#[test]
fn an_index_that_is_not_a_regular_file_is_refused_and_recording_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.ndjson");
    let key = seed_key();
    drop(record(&path, &key, 5, &unsynced()));
    let elsewhere = dir.path().join("elsewhere");
    std::fs::write(&elsewhere, b"not to be touched").unwrap();
    std::fs::remove_file(index_path(&path)).unwrap();
    std::os::unix::fs::symlink(&elsewhere, index_path(&path)).unwrap();

    let session = record(&path, &key, 3, &unsynced());
    let problem = session.tree_problem().expect("the index is not kept");
    assert!(problem.contains("not a regular file"), "{problem}");
    assert_eq!(std::fs::read(&elsewhere).unwrap(), b"not to be touched");
    // The tree is known all the same, from the ledger.
    let note = session.checkpoint().unwrap();
    let checkpoint = verify_checkpoint(note.to_text().as_bytes(), &key.public_key()).unwrap();
    assert_eq!((checkpoint.checkpoint.size, checkpoint.checkpoint.root), (8, root_of(&leaves(&path))));

    drop(session);
    std::fs::remove_file(index_path(&path)).unwrap();
    std::fs::create_dir(index_path(&path)).unwrap();
    let session = record(&path, &key, 2, &unsynced());
    assert!(session.tree_problem().is_some());
    assert_eq!(session.next_seq(), Some(10));
    assert_eq!(session.tree_size(), Some(10));
}

#[test]
fn a_resumed_session_has_the_roots_of_a_fresh_read() {
    let dir = tempfile::tempdir().unwrap();
    let key = seed_key();
    for first in [0u64, 1, 2, 3, 4, 7, 8, 9, 16, 31] {
        let path = dir.path().join(format!("ledger-{first}.ndjson"));
        drop(record(&path, &key, first, &unsynced()));
        let session = record(&path, &key, 1, &unsynced());
        // A rotation at the end: the next checkpoint is the new key's.
        let new_key = other_key();
        session.rotate_key(&new_key).unwrap();
        drop(session);
        let session = record(&path, &new_key, 13, &unsynced());
        assert_eq!(session.tree_problem(), None);
        let size = first + 15;
        assert_eq!(session.tree_size(), Some(size));
        let note = session.checkpoint().unwrap();
        let checkpoint = verify_checkpoint(note.to_text().as_bytes(), &new_key.public_key()).unwrap();
        let mut fresh = LedgerTree::read(&path, Some(key.public_key())).unwrap();
        assert_eq!(checkpoint.checkpoint.size, size);
        assert_eq!(checkpoint.checkpoint.root, fresh.root(None).unwrap(), "after {first} events, then 15");
        assert_eq!(checkpoint.checkpoint.root, root_of(&leaves(&path)));
        assert_eq!(note.text, fresh.checkpoint(&new_key, None).unwrap().text);
    }
}

#[test]
fn an_empty_ledger_has_no_checkpoint_and_a_session_without_a_tree_signs_none() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.ndjson");
    let session = Session::open(&seed_key(), &path, "s").unwrap();
    let (kind, message) = common::ledger_error_kind(session.checkpoint());
    assert_eq!(kind, LedgerErrorKind::OutOfRange, "{message}");
    drop(session);
    let session = record(&path, &seed_key(), 2, &unsynced().tree(false));
    assert_eq!(session.tree_size(), None);
    assert_eq!(common::ledger_error_kind(session.checkpoint()).0, LedgerErrorKind::Unusable);
    drop(session);
    // The index missed two lines: the next session that keeps one catches up.
    let session = Session::open(&seed_key(), &path, "s").unwrap();
    assert_eq!(session.tree_size(), Some(2));
    assert_eq!(TreeIndex::open(&index_path(&path)).unwrap().size(), 2);
}

/// The entries of the checkpoints file, each verified, with the ledger's
/// root at its size from a fresh read.
fn check_checkpoints_file(path: &Path, key: &SigningKeypair) -> Vec<u64> {
    let mut fresh = LedgerTree::read(path, None).unwrap();
    read_checkpoints(path)
        .unwrap()
        .iter()
        .map(|entry| {
            let checkpoint = verify_checkpoint(entry.note.to_text().as_bytes(), &key.public_key()).unwrap();
            assert_eq!(checkpoint.checkpoint.size, entry.tree_size);
            assert_eq!(checkpoint.checkpoint.root, fresh.root(Some(entry.tree_size)).unwrap());
            entry.tree_size
        })
        .collect()
}

#[test]
fn checkpoints_every_n_events_are_written_and_verify() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.ndjson");
    let key = seed_key();
    let every = SessionOptions::new().durability(Durability::EveryEvent).checkpoint_every(10);
    drop(record(&path, &key, 35, &every));
    assert_eq!(check_checkpoints_file(&path, &key), [10, 20, 30]);
    drop(record(&path, &key, 6, &every));
    assert_eq!(check_checkpoints_file(&path, &key), [10, 20, 30, 40]);
    let text = std::fs::read_to_string(checkpoints_path(&path)).unwrap();
    assert!(text.starts_with("{\"checkpoint\":\"provedex-ledger/"), "{text}");
    assert!(text.lines().next().unwrap().ends_with(",\"tree_size\":10}"), "{text}");

    // Group commit from 8 threads: one checkpoint each time a flush passes a multiple.
    let path = dir.path().join("group.ndjson");
    let session = Session::open_with(&key, &path, "s", &SessionOptions::new().checkpoint_every(25)).unwrap();
    std::thread::scope(|scope| {
        for t in 0..8 {
            let session = &session;
            scope.spawn(move || {
                for i in 0..40 {
                    session.record(&ended(&format!("thread {t} event {i}"))).unwrap();
                }
            });
        }
    });
    drop(session);
    let sizes = check_checkpoints_file(&path, &key);
    assert_eq!(sizes.len(), 320 / 25, "{sizes:?}");
    for (i, size) in sizes.iter().enumerate() {
        assert!((25 * (i as u64 + 1)..25 * (i as u64 + 2)).contains(size), "{sizes:?}");
    }
    // A torn last line is left out; a damaged one is refused.
    let file = checkpoints_path(&path);
    let mut text = std::fs::read(&file).unwrap();
    text.extend_from_slice(b"{\"checkpoint\":\"prov");
    std::fs::write(&file, &text).unwrap();
    assert_eq!(read_checkpoints(&path).unwrap().len(), sizes.len());
    text.truncate(text.len() - 19);
    text.extend_from_slice(b"{\"tree_size\":1}\n");
    std::fs::write(&file, &text).unwrap();
    let (kind, message) = common::ledger_error_kind(read_checkpoints(&path));
    assert_eq!(kind, LedgerErrorKind::Broken);
    assert!(message.contains(&format!("line {}", sizes.len() + 1)), "{message}");
}

/// Sets or clears the immutable attribute (root, and a file system that has it).
fn chattr(flag: &str, file: &PathBuf) -> bool {
    Command::new("chattr").arg(flag).arg(file).status().is_ok_and(|s| s.success())
}

#[test]
fn a_failing_index_write_does_not_fail_record() {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let path = dir.path().join("ledger.ndjson");
    let key = seed_key();
    let session = record(&path, &key, 9, &SessionOptions::new().checkpoint_every(4));
    let index = index_path(&path);
    struct Mutable<'a>(&'a PathBuf);
    impl Drop for Mutable<'_> {
        fn drop(&mut self) {
            chattr("-i", self.0);
        }
    }
    if !chattr("+i", &index) {
        // Without the attribute, a write to the open index cannot be made to fail here.
        eprintln!("skipped: chattr +i is not available to this user or file system");
        return;
    }
    let _mutable = Mutable(&index);
    for i in 0..7 {
        session.record(&ended(&format!("after {i}"))).unwrap();
    }
    let problem = session.tree_problem().expect("the failed write is reported");
    assert!(problem.contains("stale"), "{problem}");
    assert_eq!(session.tree_size(), Some(16));
    let note = session.checkpoint().unwrap();
    let checkpoint = verify_checkpoint(note.to_text().as_bytes(), &key.public_key()).unwrap();
    assert_eq!(checkpoint.checkpoint.root, root_of(&leaves(&path)));
    drop(session);
    assert_eq!(check_checkpoints_file(&path, &key), [4, 8, 12, 16]);
    assert!(chattr("-i", &index));
    // The stale index (9 leaves) is extended when the ledger is next opened.
    assert_eq!(TreeIndex::open(&index).unwrap().size(), 9);
    let session = Session::open(&key, &path, "s").unwrap();
    assert_eq!(session.tree_problem(), None);
    drop(session);
    let mut reopened = TreeIndex::open(&index).unwrap();
    assert_eq!(reopened.size(), 16);
    assert_eq!(reopened.root_at(16).unwrap(), root_of(&leaves(&path)));
}

#[test]
fn without_fsync_the_index_is_written_in_batches_and_on_close() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.ndjson");
    let key = seed_key();
    let session = record(&path, &key, 10, &unsynced());
    let size_on_disk = || TreeIndex::open(&index_path(&path)).unwrap().size();
    assert_eq!(size_on_disk(), 0, "ten lines' nodes are still pending");
    // A checkpoint writes them first, to check it against the index.
    session.checkpoint().unwrap();
    assert_eq!(size_on_disk(), 10);
    for i in 0..600 {
        session.record(&ended(&format!("more {i}"))).unwrap();
    }
    let written = size_on_disk();
    assert!(written > 10 && written < 610, "a batch of 1024 nodes was written: {written}");
    session.close().unwrap();
    assert_eq!(size_on_disk(), 610);
    let mut index = TreeIndex::open(&index_path(&path)).unwrap();
    assert_eq!(index.root_at(610).unwrap(), root_of(&leaves(&path)));
}

#[test]
fn roots_and_proofs_from_the_index_cost_logarithmic_reads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.ndjson");
    let key = seed_key();
    drop(record(&path, &key, 1000, &unsynced()));
    let hashes = self_hashes(&path);
    let tree = Tree::from_leaves(hashes.iter().map(line_leaf_hash));
    let mut index = TreeIndex::open(&index_path(&path)).unwrap();
    let root = index.root_at(1000).unwrap();
    assert_eq!(root, tree.root_at(1000));
    assert_eq!(index.node_reads(), u64::from(1000u64.count_ones()));
    let mut worst = 0;
    for seq in [0, 1, 499, 511, 512, 767, 998, 999] {
        let before = index.node_reads();
        let proof = index.inclusion_proof(seq, 1000, &hashes[seq as usize], &root).unwrap();
        assert_eq!(proof, tree.inclusion_proof(seq, 1000));
        merkle::verify_inclusion(seq, 1000, &line_leaf_hash(&hashes[seq as usize]), &proof, &root).unwrap();
        worst = worst.max(index.node_reads() - before);
    }
    assert!(worst <= 2 * 10, "{worst} reads for a proof in a tree of 1000");
}

#[test]
fn an_index_is_extended_only_over_lines_that_check() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.ndjson");
    let key = seed_key();
    drop(record(&path, &key, 10, &unsynced()));
    let reference = std::fs::read(index_path(&path)).unwrap();
    let last = self_hashes(&path).last().copied();
    let five = 32 + 32 * (2 * 5 - 2);

    // Its last leaf is not the ledger's line 4: rebuilt, not extended.
    let mut cut = reference[..five].to_vec();
    cut[five - 32] ^= 1;
    std::fs::write(index_path(&path), &cut).unwrap();
    let (_, state) = TreeIndex::open_checked(&path, 10, last.as_ref()).unwrap();
    assert!(matches!(state, IndexState::Rebuilt { .. }), "{state:?}");
    assert_eq!(std::fs::read(index_path(&path)).unwrap(), reference);

    // A line after the index's end whose content was changed, its links
    // intact: extended, for the index holds the hashes the lines name; the
    // writer verifies those lines before it signs a checkpoint over them.
    let ledger = std::fs::read_to_string(&path).unwrap();
    let altered = ledger.replacen("event 7", "event 8", 1);
    assert_ne!(altered, ledger);
    std::fs::write(&path, &altered).unwrap();
    std::fs::write(index_path(&path), &reference[..five]).unwrap();
    let (_, state) = TreeIndex::open_checked(&path, 10, last.as_ref()).unwrap();
    assert_eq!(state, IndexState::Extended { from: 5 });
    assert_eq!(std::fs::read(index_path(&path)).unwrap(), reference);
    let session = Session::open_with(&key, &path, "s", &unsynced()).unwrap();
    assert_eq!(session.tree_size(), Some(10));
    assert_eq!(common::ledger_error_kind(session.checkpoint()).0, LedgerErrorKind::Unusable);
    assert!(session.tree_problem().is_some_and(|p| p.contains("line 8")), "{:?}", session.tree_problem());
    drop(session);

    // A line after the index's end that does not link to the one before:
    // neither extended nor rebuilt past it, and the writer is told.
    std::fs::write(&path, &ledger).unwrap();
    let mut lines: Vec<String> = ledger.lines().map(str::to_owned).collect();
    let parent = format!("\"parent_hash\":\"{}", &lines[7].split("\"parent_hash\":\"").nth(1).unwrap()[..64]);
    let other = parent.replacen("\"parent_hash\":\"", "\"parent_hash\":\"0", 1)[..parent.len()].to_owned();
    assert_ne!(parent, other);
    lines[7] = lines[7].replacen(&parent, &other, 1);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    std::fs::write(index_path(&path), &reference[..five]).unwrap();
    let error = TreeIndex::open_checked(&path, 10, last.as_ref()).unwrap_err().to_string();
    assert!(error.contains("only the first 7 of the ledger's 10 lines verify: broken at line 8"), "{error}");
    let session = Session::open_with(&key, &path, "s", &unsynced()).unwrap();
    assert!(
        session.tree_problem().is_some_and(|p| p.contains("7 of the ledger's 10 lines")),
        "{:?}",
        session.tree_problem()
    );
    assert_eq!(session.tree_size(), None, "no tree over lines that do not verify");
    assert_eq!(common::ledger_error_kind(session.checkpoint()).0, LedgerErrorKind::Unusable);
}

/// The ledger at `path` with the text `from` in its line `seq` replaced by `to` (same length).
fn tamper(path: &Path, seq: usize, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    assert!(lines[seq].contains(from), "line {seq} holds {from:?}");
    lines[seq] = lines[seq].replacen(from, to, 1);
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

// Pins: TL-9, TL-5.
#[test]
fn a_tree_is_read_from_the_latest_checkpoint_on_and_proves_every_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.ndjson");
    let key = seed_key();
    drop(record(&path, &key, 64, &unsynced().checkpoint_every(64)));
    // Every line vouched for: none is read, and the checkpoint's key signs at its size.
    let mut tree = LedgerTree::read(&path, None).unwrap();
    assert_eq!((tree.vouched(), tree.report().event_count), (64, 0));
    let note = tree.checkpoint(&key, None).unwrap();
    let signed = verify_checkpoint(note.to_text().as_bytes(), &key.public_key()).unwrap();
    assert_eq!((signed.checkpoint.size, signed.checkpoint.root), (64, root_of(&leaves(&path))));
    drop(record(&path, &key, 36, &unsynced().checkpoint_every(64)));
    let all = leaves(&path);
    let root = root_of(&all);

    let mut tree = LedgerTree::read(&path, Some(key.public_key())).unwrap();
    assert_eq!(
        (tree.vouched(), tree.report().event_count, tree.size()),
        (64, 36, 100),
        "only the lines after it are read"
    );
    assert_eq!(tree.root(None).unwrap(), root);
    let reference = Tree::from_leaves(all.iter().copied());
    for seq in [0, 1, 40, 63, 64, 65, 99] {
        for size in [seq + 1, 64.max(seq + 1), 100] {
            let Ok(provedex_core::ProofDocument::Inclusion { proof, root: at, leaf, .. }) =
                tree.inclusion_proof(seq, Some(size))
            else {
                panic!("an inclusion proof of {seq} in {size}")
            };
            assert_eq!(at, reference.root_at(size), "root at {size}");
            assert_eq!(proof, reference.inclusion_proof(seq, size), "{seq} in {size}");
            assert_eq!(line_leaf_hash(&leaf), all[seq as usize]);
        }
    }
    for old in [0, 1, 63, 64, 65, 100] {
        let Ok(provedex_core::ProofDocument::Consistency { proof, .. }) = tree.consistency_proof(old, None) else {
            panic!("a consistency proof from {old}")
        };
        assert_eq!(proof, reference.consistency_proof(old, 100));
    }
    // A checkpoint below the vouched lines reads the ledger from its first line (for the key current there).
    let note = tree.checkpoint(&key, Some(10)).unwrap();
    assert_eq!(
        verify_checkpoint(note.to_text().as_bytes(), &key.public_key()).unwrap().checkpoint.root,
        reference.root_at(10)
    );
    assert_eq!(tree.vouched(), 0);

    // A line after the checkpoint that does not verify refuses the ledger.
    tamper(&path, 80, "event 16", "event 1X");
    let refused = LedgerTree::read(&path, None).unwrap_err();
    assert!(refused.to_string().contains("does not verify"), "{refused}");
    tamper(&path, 80, "event 1X", "event 16");

    // A line the checkpoint vouches for is not read to make a checkpoint,
    // but its own proof reads it, and it does not verify.
    tamper(&path, 30, "event 30", "event 3X");
    let mut tree = LedgerTree::read(&path, None).unwrap();
    assert_eq!(tree.vouched(), 64);
    let refused = tree.inclusion_proof(30, None).unwrap_err();
    assert!(refused.to_string().contains("line 31"), "{refused}");
    tamper(&path, 30, "event 3X", "event 30");

    // Lines cut from a ledger its checkpoint vouched for: a session resumes
    // it but signs no checkpoint, and a read refuses it, ledger_truncated.
    let text = std::fs::read_to_string(&path).unwrap();
    let kept: Vec<&str> = text.lines().take(50).collect();
    std::fs::write(&path, kept.join("\n") + "\n").unwrap();
    let resumed = Session::open_with(&key, &path, "s", &unsynced()).unwrap();
    let refused = resumed.checkpoint().unwrap_err().to_string();
    assert!(refused.contains("vouches for 64 lines"), "{refused}");
    let Err(provedex_core::Error::Chain { reason, message }) = LedgerTree::read(&path, None) else {
        panic!("a cut ledger is refused")
    };
    assert_eq!(reason, provedex_core::Reason::LedgerTruncated, "{message}");
    // Recording goes on; lines written in place of the cut ones fork the
    // ledger from its checkpoint: checkpoint_root_mismatch.
    for i in 0..50 {
        resumed.record(&ended(&format!("another {i}"))).unwrap();
    }
    drop(resumed);
    let Err(provedex_core::Error::Chain { reason, message }) = LedgerTree::read(&path, None) else {
        panic!("a forked ledger is refused")
    };
    assert_eq!(reason, provedex_core::Reason::CheckpointRootMismatch, "{message}");
    let resumed = Session::open_with(&key, &path, "s", &unsynced()).unwrap();
    assert!(resumed.checkpoint().is_err(), "no checkpoint inconsistent with the one signed");
}

// Pins: TL-5.
#[test]
fn a_resumed_session_signs_no_checkpoint_over_lines_that_do_not_verify() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.ndjson");
    let key = seed_key();
    drop(record(&path, &key, 20, &unsynced()));
    let index_before = std::fs::read(index_path(&path)).unwrap();
    tamper(&path, 7, "event 7", "event X");

    // The index still agrees with the last line, so the open takes it, but
    // the first checkpoint verifies the lines the ledger held and refuses.
    let session = Session::open_with(&key, &path, "s", &unsynced()).unwrap();
    assert_eq!(std::fs::read(index_path(&path)).unwrap(), index_before, "the index was taken as it stood");
    let refused = session.checkpoint().unwrap_err();
    assert!(refused.to_string().contains("line 8"), "{refused}");
    assert!(session.tree_problem().unwrap().contains("no checkpoint is signed"));
    assert!(!index_path(&path).exists(), "the index is removed, to be rebuilt");
    session.record(&ended("recording goes on")).unwrap();
    assert!(session.checkpoint().is_err(), "and stays refused");
    drop(session);

    // With checkpoints every N events, the open verifies at once.
    let session = Session::open_with(&key, &path, "s", &unsynced().checkpoint_every(5)).unwrap();
    assert!(
        session.tree_problem().is_some_and(|problem| problem.contains("do not verify") || problem.contains("line 8"))
    );
    assert!(session.checkpoint().is_err());

    // A good ledger resumed: its first checkpoint verifies what it held, once.
    let good = dir.path().join("good.ndjson");
    drop(record(&good, &key, 20, &unsynced()));
    let session = record(&good, &key, 3, &unsynced());
    let note = session.checkpoint().unwrap();
    assert_eq!(
        verify_checkpoint(note.to_text().as_bytes(), &key.public_key()).unwrap().checkpoint.root,
        root_of(&leaves(&good))
    );
    assert_eq!(session.tree_problem(), None);
}

// Pins: TL-9.
#[test]
fn an_index_rebuilt_from_links_alone_is_the_verified_one_and_stops_at_a_broken_link() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.ndjson");
    drop(record(&path, &seed_key(), 30, &unsynced()));
    let (verified, report) = TreeIndex::rebuild(&path).unwrap();
    assert!(report.ok);
    drop(verified);
    let reference = std::fs::read(index_path(&path)).unwrap();
    assert_eq!(TreeIndex::rebuild_linked(&path).unwrap().size(), 30);
    assert_eq!(std::fs::read(index_path(&path)).unwrap(), reference);

    // Members in another order (readers accept any): read by the strict reader instead.
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let value: serde_json::Value = serde_json::from_str(&lines[3]).unwrap();
    let object = value.as_object().unwrap();
    let mut reordered: Vec<String> =
        object.iter().map(|(name, member)| format!("{}:{member}", serde_json::Value::from(name.as_str()))).collect();
    reordered.reverse();
    lines[3] = format!("{{{}}}", reordered.join(","));
    assert!(!lines[3].ends_with("\"}"), "the last members are not the writer's: {}", lines[3]);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    assert_eq!(self_hashes(&path).len(), 30, "the reordered line verifies");
    assert_eq!(TreeIndex::rebuild_linked(&path).unwrap().size(), 30);
    assert_eq!(std::fs::read(index_path(&path)).unwrap(), reference);

    // A line that does not link to the one before ends the index there.
    let parent = format!("\"parent_hash\":\"{}", &lines[10].split("\"parent_hash\":\"").nth(1).unwrap()[..64]);
    let flipped = parent.replacen(&parent[parent.len() - 1..], if parent.ends_with('0') { "1" } else { "0" }, 1);
    lines[10] = lines[10].replacen(&parent, &flipped, 1);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    assert_eq!(TreeIndex::rebuild_linked(&path).unwrap().size(), 10);
    // The writer's open, which takes a rebuilt index as verified, rebuilds by verifying instead.
    let error = TreeIndex::open_checked(&path, 30, None).unwrap_err().to_string();
    assert!(error.contains("lines verify"), "{error}");
}

// Pins: TL-5, TL-9.
#[test]
fn the_checkpoints_file_guards_the_ledger_through_damage_escapes_and_a_missing_index() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.ndjson");
    let key = seed_key();
    drop(record(&path, &key, 20, &unsynced().checkpoint_every(8)));
    let reference = leaves(&path);

    // A line spelt with an escape the canonical form does not use: the same
    // event, a longer line. Reading resumes after its bytes as they are.
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[15] = lines[15].replacen("\"event 15\"", "\"\\u0065vent 15\"", 1);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    assert_eq!(leaves(&path), reference, "the escaped line verifies and keeps its self_hash");
    let mut tree = LedgerTree::read(&path, None).unwrap();
    assert_eq!((tree.vouched(), tree.report().event_count), (16, 4));
    assert_eq!(tree.root(None).unwrap(), root_of(&reference));

    // A damaged line and a torn one in the checkpoints file hide nothing:
    // the others still vouch, and a cut below them is still found.
    let checkpoints = checkpoints_path(&path);
    let mut file = std::fs::read(&checkpoints).unwrap();
    file.extend_from_slice(b"not an entry\n{\"checkpoint\":\"torn");
    std::fs::write(&checkpoints, &file).unwrap();
    let session = Session::open_with(&key, &path, "s", &unsynced().checkpoint_every(8)).unwrap();
    for i in 0..4 {
        session.record(&ended(&format!("more {i}"))).unwrap();
    }
    drop(session);
    let sizes: Vec<u64> = std::fs::read_to_string(&checkpoints)
        .unwrap()
        .lines()
        .filter_map(|line| provedex_ledger::CheckpointEntry::parse(line.as_bytes()).ok())
        .map(|entry| entry.tree_size)
        .collect();
    assert_eq!(sizes, [8, 16, 24], "the torn line was ended before the next entry");
    let full = std::fs::read(&path).unwrap();
    std::fs::write(&path, lines[..12].join("\n") + "\n").unwrap();
    let Err(provedex_core::Error::Chain { reason, .. }) = LedgerTree::read(&path, None) else {
        panic!("a cut ledger is refused")
    };
    assert_eq!(reason, provedex_core::Reason::LedgerTruncated);

    // Without an index (its name taken by a directory), the tree is kept in
    // memory and the checkpoints file still guards the ledger.
    std::fs::remove_file(index_path(&path)).unwrap();
    std::fs::create_dir(index_path(&path)).unwrap();
    let Err(provedex_core::Error::Chain { reason, .. }) = LedgerTree::read(&path, None) else {
        panic!("a cut ledger is refused without an index too")
    };
    assert_eq!(reason, provedex_core::Reason::LedgerTruncated);
    std::fs::write(&path, &full).unwrap();
    let mut whole = LedgerTree::read(&path, None).unwrap();
    assert_eq!((whole.vouched(), whole.size()), (0, 24));
    assert_eq!(whole.root(Some(16)).unwrap(), root_of(&reference[..16]));
}

// Pins: TL-5.
#[test]
fn a_redaction_after_the_checkpoint_of_a_line_before_it_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.ndjson");
    let key = seed_key();
    drop(record(&path, &key, 10, &unsynced().checkpoint_every(8)));
    let hashes = self_hashes(&path);
    // A redaction of seq 2 naming another self_hash, signed by the ledger's key.
    let wrong = provedex_core::AgentEvent::Redacted(provedex_core::event::Redacted {
        target_seq: 2,
        target_self_hash: Digest(hashes[3].0),
        reason: "user_request".to_owned(),
        requested_by: "ops".to_owned(),
    });
    let line = provedex_core::sign_event(&wrong, 10, &hashes[9], &key).unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(format!("{}\n", line.to_json()).as_bytes());
    std::fs::write(&path, bytes).unwrap();
    let full = Verifier::new().file(&path).unwrap();
    assert_eq!(full.reason, Some(provedex_core::Reason::RedactionTargetMismatch), "{}", full.message);

    let Err(provedex_core::Error::Chain { reason, message }) = LedgerTree::read(&path, None) else {
        panic!("the redaction is checked though its target is vouched for")
    };
    assert_eq!(reason, provedex_core::Reason::RedactionTargetMismatch, "{message}");
    let session = Session::open_with(&key, &path, "s", &unsynced()).unwrap();
    let refused = session.checkpoint().unwrap_err().to_string();
    assert!(refused.contains("redaction at seq 10"), "{refused}");
}
