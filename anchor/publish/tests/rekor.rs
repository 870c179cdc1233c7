//! The Rekor v2 anchor against rekor-tiles' real POSIX server (installed
//! into target/tools on first use): receipts verify offline with the log
//! key only, every tampering fails with its own message, a stopped log is
//! unreachable.

mod common;

use std::time::{Duration, Instant};

use provedex_anchor::AnchorError;
use provedex_anchor::rekor::RekorAnchor;
use provedex_format::SigningKeypair;
use provedex_format::base64;
use provedex_format::merkle::{leaf_hash, root_of};
use provedex_format::note::NoteKey;
use provedex_receipts::rekor::{self, RekorReceipt, RekorTrust};
use provedex_test_servers::rekor::{self as server, RekorHandle};
use sha2::{Digest as _, Sha256};

fn statement(n: u64) -> String {
    format!(
        r#"{{"made_nanos":{n},"origin":"provedex-ledger/rekor-test","root":"{:064x}","signature":"sig","tree_size":{n}}}"#,
        n * 104729
    )
}

fn start() -> (tempfile::TempDir, RekorHandle) {
    let dir = tempfile::tempdir().unwrap();
    let log = server::start(dir.path()).unwrap();
    (dir, log)
}

fn trust(log: &RekorHandle) -> RekorTrust {
    RekorTrust { log_key: log.log_key.clone() }
}

fn fails(receipt: &RekorReceipt, trust: &RekorTrust, what: &str) {
    let why = rekor::verify(receipt, trust).expect_err(what).0;
    assert!(why.contains(what), "expected {what:?} in {why:?}");
}

/// The body's JSON, re-encoded after `edit`.
fn edited_body(receipt: &RekorReceipt, edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut body: serde_json::Value = serde_json::from_slice(&base64::decode(&receipt.body).unwrap()).unwrap();
    edit(&mut body);
    base64::encode(body.to_string().as_bytes())
}

#[test]
fn receipts_verify_offline_and_carry_the_statements_digest() {
    let (_dir, log) = start();
    let anchor = RekorAnchor::new(&log.url, log.log_key.clone());
    let statements: Vec<String> = (1..=3).map(statement).collect();
    let receipts: Vec<RekorReceipt> = statements.iter().map(|s| anchor.anchor(s).unwrap()).collect();
    let indexes: Vec<u64> = receipts.iter().map(|r| r.index).collect();
    assert_eq!(indexes, [0, 1, 2]);
    let last = &receipts[2];
    let back: RekorReceipt = serde_json::from_str(&serde_json::to_string(last).unwrap()).unwrap();
    assert_eq!(&back, last);
    let verified = rekor::verify(&back, &trust(&log)).unwrap();
    assert_eq!((verified.log.origin.as_str(), verified.log.tree_size), (log.log_key.name(), 3));
    // Independently of the verifier: the body names the statement's SHA-256,
    // and the signed root is the root of the three bodies as leaves.
    let body: serde_json::Value = serde_json::from_slice(&base64::decode(&last.body).unwrap()).unwrap();
    assert_eq!(body["kind"], "hashedrekord");
    assert_eq!(body["apiVersion"], "0.0.2");
    let data = &body["spec"]["hashedRekordV002"]["data"];
    assert_eq!(data["algorithm"], "SHA2_256");
    assert_eq!(data["digest"], base64::encode(&Sha256::digest(statements[2].as_bytes())));
    let leaves: Vec<_> = receipts.iter().map(|r| leaf_hash(&base64::decode(&r.body).unwrap())).collect();
    assert_eq!(verified.log.root, root_of(&leaves));
    let line = verified.describe();
    assert!(line.contains("entry 2 of the Rekor v2 log") && line.contains("no trusted time"), "{line}");
    for receipt in &receipts {
        rekor::verify(receipt, &trust(&log)).unwrap();
    }
}

// Pins: AN-6.
#[test]
fn each_tampering_of_a_receipt_fails_with_its_own_message() {
    let (_dir, log) = start();
    let anchor = RekorAnchor::new(&log.url, log.log_key.clone());
    // Anchored at once (the log sequences them together), then in index order.
    let threads: Vec<_> = (10..14)
        .map(|n| {
            let anchor = anchor.clone();
            std::thread::spawn(move || anchor.anchor(&statement(n)).unwrap())
        })
        .collect();
    let mut receipts: Vec<RekorReceipt> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    receipts.sort_by_key(|r| r.index);
    let good = receipts[1].clone();
    assert_eq!(good.index, 1);
    let trust = trust(&log);
    rekor::verify(&good, &trust).unwrap();

    // The statement: the logged entry names another digest.
    fails(&RekorReceipt { statement: statement(99), ..good.clone() }, &trust, "is not the SHA-256 of the statement");
    // Another statement's receipt with this statement.
    let other = receipts[3].clone();
    fails(&RekorReceipt { statement: good.statement.clone(), ..other }, &trust, "is not the SHA-256 of the statement");
    // The body: any change is another leaf.
    let body = edited_body(&good, |b| b["spec"]["hashedRekordV002"]["data"]["digest"] = "AAAA".into());
    fails(&RekorReceipt { body, ..good.clone() }, &trust, "does not lead to the checkpoint's root");
    fails(&RekorReceipt { body: "not base64!".into(), ..good.clone() }, &trust, "the entry body is not valid base64");
    // The index and the proof.
    fails(&RekorReceipt { index: good.index - 1, ..good.clone() }, &trust, "does not lead to the checkpoint's root");
    fails(&RekorReceipt { index: 1 << 40, ..good.clone() }, &trust, "is not below the checkpoint's tree size");
    let mut flipped = good.clone();
    let first = flipped.proof[0].clone();
    flipped.proof[0] = format!("{}{}", if first.starts_with('0') { '1' } else { '0' }, &first[1..]);
    fails(&flipped, &trust, "does not lead to the checkpoint's root");
    let mut longer = good.clone();
    longer.proof.push("00".repeat(32));
    fails(&longer, &trust, "calls for");
    // The checkpoint.
    let size = rekor::verify(&good, &trust).unwrap().log.tree_size;
    let forged = good.checkpoint.replacen(&format!("\n{size}\n"), &format!("\n{}\n", size + 1), 1);
    assert_ne!(forged, good.checkpoint);
    fails(&RekorReceipt { checkpoint: forged, ..good.clone() }, &trust, "does not verify for its text");
    // Wrong trust: another key under the log's name, or the log's key under another name.
    let stranger = NoteKey::ed25519(log.log_key.name(), SigningKeypair::generate().unwrap().public_key()).unwrap();
    fails(&good, &RekorTrust { log_key: stranger.clone() }, "carries no signature by the log key");
    let renamed = NoteKey::ed25519("rekor.elsewhere.test", log.log_key.pubkey()).unwrap();
    fails(&good, &RekorTrust { log_key: renamed }, "is not the log key's name");
    // An anchor configured with another key refuses what the log answers.
    match RekorAnchor::new(&log.url, stranger).anchor(&statement(77)) {
        Err(AnchorError::Mismatch(why)) => assert!(why.contains("carries no signature by the log key"), "{why}"),
        other => panic!("expected a mismatch, got {other:?}"),
    }

    // Mutated receipts fail, and never panic.
    common::edits::for_each_edited_receipt(&good, &["0", "f", "A", "\"", ""], |edited, receipt| {
        assert!(rekor::verify(&receipt, &trust).is_err(), "{edited}");
    });
}

#[test]
fn a_stopped_log_is_unreachable_promptly() {
    let (_dir, log) = start();
    let anchor =
        RekorAnchor::new(&log.url, log.log_key.clone()).with_timeouts(Duration::from_secs(2), Duration::from_secs(5));
    anchor.anchor(&statement(30)).unwrap();
    log.server.stop();
    let started = Instant::now();
    match anchor.anchor(&statement(31)) {
        Err(AnchorError::Unreachable(why)) => assert!(why.contains("did not answer"), "{why}"),
        other => panic!("expected unreachable, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(6), "{:?}", started.elapsed());
}

#[test]
fn a_refused_entry_is_refused() {
    // The log refuses a statement too large for a receipt before anything is sent,
    // and a URL that is not a Rekor API answers an HTTP error, not a receipt.
    let (_dir, log) = start();
    let anchor = RekorAnchor::new(&log.url, log.log_key.clone());
    match anchor.anchor(&"x".repeat(20_000)) {
        Err(AnchorError::Refused(why)) => assert!(why.contains("more than the 16384"), "{why}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    let wrong_path = RekorAnchor::new(format!("{}/nowhere", log.url), log.log_key.clone());
    match wrong_path.anchor(&statement(40)) {
        Err(AnchorError::Refused(why)) => assert!(why.contains("answered HTTP 404"), "{why}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
}
