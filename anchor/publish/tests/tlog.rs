//! The C2SP tlog anchor against Tessera's real POSIX server (installed into
//! target/tools on first use): receipts verify offline with the log key
//! only, every tampering fails with its own message, a stopped log is
//! unreachable.

mod common;

use std::time::{Duration, Instant};

use provedex_anchor::AnchorError;
use provedex_anchor::tessera::TesseraAnchor;
use provedex_format::SigningKeypair;
use provedex_format::merkle::{leaf_hash, root_of};
use provedex_format::note::NoteKey;
use provedex_receipts::tlog::{self, TlogReceipt, TlogTrust};
use provedex_test_servers::tessera::{self, TesseraHandle};

fn statement(n: u64) -> String {
    format!(
        r#"{{"made_nanos":{n},"origin":"provedex-ledger/tlog-test","root":"{:064x}","signature":"sig","tree_size":{n}}}"#,
        n * 7919
    )
}

fn start() -> (tempfile::TempDir, TesseraHandle) {
    let dir = tempfile::tempdir().unwrap();
    let log = tessera::start(dir.path()).unwrap();
    (dir, log)
}

fn anchor_of(log: &TesseraHandle) -> TesseraAnchor {
    TesseraAnchor::new(&log.url, log.log_key.clone())
}

fn trust(log: &TesseraHandle) -> TlogTrust {
    TlogTrust { log_key: log.log_key.clone() }
}

fn fails(receipt: &TlogReceipt, trust: &TlogTrust, what: &str) {
    let why = tlog::verify(receipt, trust).expect_err(what).0;
    assert!(why.contains(what), "expected {what:?} in {why:?}");
}

#[test]
fn receipts_verify_offline_and_their_root_is_the_root_of_the_entries_sent() {
    let (_dir, log) = start();
    let anchor = anchor_of(&log);
    let statements: Vec<String> = (1..=3).map(statement).collect();
    let mut receipts = Vec::new();
    for (i, s) in statements.iter().enumerate() {
        let receipt = anchor.anchor(s).unwrap();
        assert_eq!(receipt.index, i as u64, "a fresh log numbers the entries in order");
        receipts.push(receipt);
    }
    let last = receipts.last().unwrap();
    let json = serde_json::to_string(last).unwrap();
    let back: TlogReceipt = serde_json::from_str(&json).unwrap();
    assert_eq!(&back, last);
    let verified = tlog::verify(&back, &trust(&log)).unwrap();
    assert_eq!(verified.origin, log.log_key.name());
    // The checkpoint covers the last entry, and only three were sent: its
    // root is the root of their leaf hashes, computed here from the bytes.
    assert_eq!(verified.tree_size, 3);
    let leaves: Vec<_> = statements.iter().map(|s| leaf_hash(s.as_bytes())).collect();
    assert_eq!(verified.root, root_of(&leaves));
    assert!(verified.describe().contains("entry 2 of the transparency log"), "{}", verified.describe());
    // Every earlier receipt still verifies with its own (older or equal) checkpoint.
    for receipt in &receipts {
        tlog::verify(receipt, &trust(&log)).unwrap();
    }
}

#[test]
fn proofs_cross_full_and_partial_tiles_of_two_levels() {
    let (_dir, log) = start();
    // 300 entries, added concurrently so the log sequences them in few batches.
    let endpoint = format!("{}/add", log.url);
    let threads: Vec<_> = (0..100u64)
        .map(|t| {
            let endpoint = endpoint.clone();
            std::thread::spawn(move || {
                (0..3)
                    .map(|k| {
                        let entry = format!("filler {t} {k}");
                        let mut answer = ureq::post(&endpoint).send(entry.as_bytes()).unwrap();
                        let index: u64 = answer.body_mut().read_to_string().unwrap().trim().parse().unwrap();
                        (index, entry)
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut entries: Vec<(u64, String)> = threads.into_iter().flat_map(|t| t.join().unwrap()).collect();
    let anchor = anchor_of(&log);
    let last = anchor.anchor(&statement(300)).unwrap();
    assert_eq!(last.index, 300);
    entries.push((300, statement(300)));
    entries.sort();
    assert!(entries.iter().enumerate().all(|(i, (index, _))| *index == i as u64), "the log numbered 0..=300");
    // Size 301: a full level-0 tile, a partial one of 45 hashes, a level-1 tile of one.
    let verified = tlog::verify(&last, &trust(&log)).unwrap();
    assert_eq!(verified.tree_size, 301);
    let leaves: Vec<_> = entries.iter().map(|(_, e)| leaf_hash(e.as_bytes())).collect();
    assert_eq!(verified.root, root_of(&leaves));
    // Entry 300 of 301: the root of the first 256 (from the level-1 tile),
    // then 32, 8, 4 entries to its left in the partial tile.
    assert_eq!(last.proof.len(), 4);
    // An entry inside the full tile, proven in the same tree: the log
    // deduplicates, so anchoring it again adds nothing.
    let (index, early) = &entries[10];
    let receipt = anchor.anchor(early).unwrap();
    assert_eq!(receipt.index, *index);
    let verified = tlog::verify(&receipt, &trust(&log)).unwrap();
    assert_eq!((verified.tree_size, verified.root), (301, root_of(&leaves)));
    assert_eq!(receipt.proof.len(), 9, "8 inside the full tile, then the root of entries 256..301");
}

// Pins: AN-5.
#[test]
fn each_tampering_of_a_receipt_fails_with_its_own_message() {
    let (_dir, log) = start();
    let anchor = anchor_of(&log);
    // Anchored at once (the log sequences them in one batch), then in index order.
    let threads: Vec<_> = (10..14)
        .map(|n| {
            let anchor = anchor.clone();
            std::thread::spawn(move || anchor.anchor(&statement(n)).unwrap())
        })
        .collect();
    let mut receipts: Vec<TlogReceipt> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    receipts.sort_by_key(|r| r.index);
    let good = receipts[1].clone();
    assert_eq!(good.index, 1);
    let trust = trust(&log);
    tlog::verify(&good, &trust).unwrap();

    fails(&TlogReceipt { statement: statement(99), ..good.clone() }, &trust, "does not lead to the checkpoint's root");
    // Another statement's receipt, with this statement: the entry at that index is another.
    let other = &receipts[3];
    fails(
        &TlogReceipt { statement: good.statement.clone(), ..other.clone() },
        &trust,
        "does not lead to the checkpoint's root",
    );
    fails(&TlogReceipt { index: good.index - 1, ..good.clone() }, &trust, "does not lead to the checkpoint's root");
    fails(&TlogReceipt { index: 1000, ..good.clone() }, &trust, "is not below the checkpoint's tree size");

    let mut flipped = good.clone();
    let first = flipped.proof[0].clone();
    flipped.proof[0] = format!("{}{}", if first.starts_with('0') { '1' } else { '0' }, &first[1..]);
    fails(&flipped, &trust, "does not lead to the checkpoint's root");
    let mut shorter = good.clone();
    shorter.proof.pop();
    fails(&shorter, &trust, "calls for");
    let mut upper = good.clone();
    upper.proof[0] = upper.proof[0].to_uppercase();
    if upper.proof[0] != good.proof[0] {
        fails(&upper, &trust, "inclusion proof hash 1 must be lowercase hex");
    }

    let size = tlog::verify(&good, &trust).unwrap().tree_size;
    let forged = good.checkpoint.replacen(&format!("\n{size}\n"), &format!("\n{}\n", size + 1), 1);
    assert_ne!(forged, good.checkpoint);
    fails(&TlogReceipt { checkpoint: forged, ..good.clone() }, &trust, "does not verify for its text");
    let unsigned = good.checkpoint.split("\n\n").next().unwrap().to_owned() + "\n";
    fails(&TlogReceipt { checkpoint: unsigned, ..good.clone() }, &trust, "the checkpoint is not a signed note");

    // Wrong trust: another key under the log's name.
    let stranger = NoteKey::ed25519(log.log_key.name(), SigningKeypair::generate().unwrap().public_key()).unwrap();
    fails(&good, &TlogTrust { log_key: stranger.clone() }, "carries no signature by the log key");
    // And an anchor configured with it refuses what the log answers.
    match TesseraAnchor::new(&log.url, stranger).anchor(&statement(77)) {
        Err(AnchorError::Mismatch(why)) => assert!(why.contains("carries no signature by the log key"), "{why}"),
        other => panic!("expected a mismatch, got {other:?}"),
    }

    // Mutated receipts fail, and never panic.
    common::edits::for_each_edited_receipt(&good, &["0", "f", "A", "\"", ""], |edited, receipt| {
        assert!(tlog::verify(&receipt, &trust).is_err(), "{edited}");
    });
}

#[test]
fn the_same_statement_again_gets_the_same_index_and_a_valid_receipt() {
    let (_dir, log) = start();
    let anchor = anchor_of(&log);
    let first = anchor.anchor(&statement(20)).unwrap();
    anchor.anchor(&statement(21)).unwrap();
    let again = anchor.anchor(&statement(20)).unwrap();
    assert_eq!(again.index, first.index);
    let verified = tlog::verify(&again, &trust(&log)).unwrap();
    assert_eq!(verified.tree_size, 2, "the log did not add the statement twice");
}

#[test]
fn a_stopped_log_is_unreachable_promptly() {
    let (_dir, log) = start();
    let anchor = anchor_of(&log).with_timeouts(Duration::from_secs(2), Duration::from_secs(5), Duration::from_secs(5));
    anchor.anchor(&statement(30)).unwrap();
    log.server.stop();
    let started = Instant::now();
    match anchor.anchor(&statement(31)) {
        Err(AnchorError::Unreachable(why)) => assert!(why.contains("did not answer"), "{why}"),
        other => panic!("expected unreachable, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(6), "{:?}", started.elapsed());
}
