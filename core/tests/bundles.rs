//! Export bundles (spec/bundles.md): exported from a ledger, verified
//! without it, and every way a bundle can lie caught with its reason code.

mod common;

use std::path::Path;

use common::{ended, ledger_error_kind, other_key, seed_key};
use provedex_core::bundle::{Bundle, BundleReport, KeyPin, ProofLevel, Verdict, verify_bundle};
use provedex_core::{
    BundleCheckpoint, Engine, LedgerErrorKind, LedgerTree, Reason, Selection, Session, SignedCheckpoint,
    SigningKeypair, export_bundle,
};

/// A ledger of `n` lines by the seed key at `path`.
fn write_ledger(path: &Path, n: usize) {
    let session = Session::open(&seed_key(), path, "s").unwrap();
    for i in 0..n {
        session.record(&ended(&format!("line {i}"))).unwrap();
    }
}

fn export(path: &Path, first: u64, last: u64) -> Bundle {
    export_bundle(path, BundleCheckpoint::Sign(&seed_key()), Selection::Seqs { first, last }).unwrap()
}

fn pinned() -> KeyPin {
    KeyPin::PublicKey(seed_key().public_key())
}

fn check(bundle: &Bundle, pin: Option<&KeyPin>) -> BundleReport {
    let bytes = serde_json::to_vec(bundle).unwrap();
    let fast = verify_bundle(&bytes, pin, None, Engine::default());
    let sequential = verify_bundle(&bytes, pin, None, Engine::Sequential);
    assert_eq!(fast, sequential, "both engines give the same report");
    fast
}

fn reason(bundle: &Bundle) -> Option<Reason> {
    check(bundle, Some(&pinned())).reason
}

// Pins: BD-3.
#[test]
fn every_range_of_every_size_verifies_under_the_pinned_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.ndjson");
    write_ledger(&path, 13);
    for first in 0..13 {
        for last in first..13 {
            let bundle = export(&path, first, last);
            let report = check(&bundle, Some(&pinned()));
            assert!(report.ok && report.pinned, "{first}..={last}: {}", report.message);
            assert_eq!(report.proof_level, Some(ProofLevel::Verifiable));
            assert_eq!(report.event_count, last - first + 1);
            assert_eq!((report.first_seq, report.tree_size), (Some(first), Some(13)));
        }
    }
}

// Pins: BD-1, BD-2.
#[test]
fn an_unpinned_bundle_proves_only_its_consistency_and_a_self_vouching_one_is_refused_when_pinned() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.ndjson");
    write_ledger(&path, 6);
    let bundle = export(&path, 2, 4);
    let unpinned = check(&bundle, None);
    assert!(unpinned.ok && !unpinned.pinned);
    assert_eq!(unpinned.proof_level, None);
    assert!(unpinned.levels.iter().all(|level| !level.reached));
    assert!(unpinned.message.contains("unpinned"), "{}", unpinned.message);
    assert_eq!(unpinned.evidence[0].verdict, Verdict::NotChecked);

    // Someone else's key writes a whole, consistent ledger and bundle: it
    // verifies only as internally consistent, never under the pinned key.
    let forged = dir.path().join("forged.ndjson");
    let session = Session::open(&other_key(), &forged, "s").unwrap();
    (0..6).for_each(|i| drop(session.record(&ended(&format!("line {i}"))).unwrap()));
    drop(session);
    let forged =
        export_bundle(&forged, BundleCheckpoint::Sign(&other_key()), Selection::Seqs { first: 2, last: 4 }).unwrap();
    assert!(check(&forged, None).ok);
    assert_eq!(reason(&forged), Some(Reason::BundleKeyMismatch));
    let by_fingerprint = KeyPin::Fingerprint(seed_key().fingerprint());
    assert_eq!(check(&forged, Some(&by_fingerprint)).reason, Some(Reason::BundleKeyMismatch));
    assert!(check(&bundle, Some(&by_fingerprint)).ok);
}

#[test]
fn bundles_that_lie_are_refused_with_their_reason() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.ndjson");
    write_ledger(&path, 10);
    let good = export(&path, 3, 7);
    let lie = |change: &dyn Fn(&mut Bundle)| {
        let mut bundle = good.clone();
        change(&mut bundle);
        reason(&bundle)
    };
    assert_eq!(lie(&|b| b.lines.swap(1, 2)), Some(Reason::SeqMismatch), "two lines swapped");
    assert_eq!(lie(&|b| drop(b.lines.remove(2))), Some(Reason::SeqMismatch), "a line left out");
    assert_eq!(lie(&|b| drop(b.lines.pop())), Some(Reason::BundleProofInvalid), "the last line left out");
    assert_eq!(lie(&|b| drop(b.lines.remove(0))), Some(Reason::SeqMismatch), "the first line left out");
    assert_eq!(
        lie(&|b| b.lines[1] = b.lines[1].replace("line 4", "line X")),
        Some(Reason::HashMismatch),
        "a line changed"
    );
    assert_eq!(
        lie(&|b| {
            b.proof.consistency.pop();
        }),
        Some(Reason::BundleProofInvalid),
        "a short proof"
    );
    assert_eq!(lie(&|b| b.proof.consistency[0].0[0] ^= 1), Some(Reason::BundleProofInvalid), "a changed proof");
    assert_eq!(
        lie(&|b| {
            b.proof.left.pop();
        }),
        Some(Reason::BundleProofInvalid),
        "a left range short"
    );
    assert_eq!(lie(&|b| b.proof.left[0].0[5] ^= 1), Some(Reason::BundleProofInvalid), "a changed left range");
    assert_eq!(
        lie(&|b| b.proof.previous_self_hash.as_mut().unwrap().0[0] ^= 1),
        Some(Reason::ParentMismatch),
        "another previous line"
    );
    assert_eq!(lie(&|b| b.proof.genesis[0].0[0] ^= 1), Some(Reason::CheckpointForeign), "another first line");
    assert_eq!(lie(&|b| b.first_seq = 4), Some(Reason::SeqMismatch), "another first seq");
    assert_eq!(lie(&|b| b.format = "provedex-bundle/v2".into()), Some(Reason::BundleMalformed));
    assert_eq!(lie(&|b| b.lines.clear()), Some(Reason::BundleMalformed), "no line");
    assert_eq!(lie(&|b| b.lines[0].push('\n')), Some(Reason::BundleMalformed), "an LF in a line");
    assert_eq!(lie(&|b| b.fingerprint = other_key().fingerprint()), Some(Reason::BundleMalformed));
    assert_eq!(lie(&|b| b.proof.previous_self_hash = None), Some(Reason::BundleMalformed));

    // A checkpoint of another ledger by the same key: the lines are not in its tree.
    let other = dir.path().join("other.ndjson");
    write_ledger(&other, 10);
    let foreign = export(&other, 3, 7).checkpoint;
    assert_eq!(lie(&|b| b.checkpoint = foreign.clone()), Some(Reason::BundleProofInvalid));
    // A checkpoint signed for another key, and one with a changed signature.
    let mut tree = LedgerTree::read(&path, None).unwrap();
    let mut flipped = seed_key().sign_checkpoint(&first_self_hash(&path), 10, tree.root(None).unwrap());
    flipped.signatures[0].signature[3] ^= 1;
    assert_eq!(lie(&|b| b.checkpoint = flipped.to_text()), Some(Reason::CheckpointSignatureInvalid));
    let other_key_note = other_key().sign_checkpoint(&first_self_hash(&path), 10, tree.root(None).unwrap());
    assert_eq!(lie(&|b| b.checkpoint = other_key_note.to_text()), Some(Reason::CheckpointForeign));
    assert_eq!(lie(&|b| b.checkpoint = "no note".into()), Some(Reason::CheckpointMalformed));

    let text = String::from_utf8(serde_json::to_vec(&good).unwrap()).unwrap();
    for (what, bytes) in [
        ("an unknown member", text.replacen("{", r#"{"extra":1,"#, 1)),
        ("a duplicate member", text.replacen("{", r#"{"first_seq":3,"#, 1)),
        ("trailing bytes", format!("{text}x")),
        ("not JSON", "\u{1b}[31m".to_owned()),
        ("a receipt without a type", text.replace(r#""receipts":[]"#, r#""receipts":[{"kind":"x"}]"#)),
        ("a receipt member twice", text.replace(r#""receipts":[]"#, r#""receipts":[{"type":"x","a":{"b":1,"b":2}}]"#)),
    ] {
        let report = verify_bundle(bytes.as_bytes(), Some(&pinned()), None, Engine::default());
        assert_eq!(report.reason, Some(Reason::BundleMalformed), "{what}");
        assert!(!report.message.contains('\u{1b}'), "{what}: the message quotes nothing raw");
    }
}

/// The self_hash of a ledger's first line.
fn first_self_hash(path: &Path) -> provedex_core::ChainHash {
    let text = std::fs::read_to_string(path).unwrap();
    let line: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    provedex_core::ChainHash::from_hex(line["self_hash"].as_str().unwrap()).unwrap()
}

// Pins: BD-4.
#[test]
fn a_receipt_is_listed_unchecked_and_reaches_no_level() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.ndjson");
    write_ledger(&path, 4);
    let mut bundle = export(&path, 0, 3);
    let receipt = serde_json::json!({"type": "rfc3161", "level": "publicly-timestamped", "token": "AAAA"});
    bundle.receipts.push(provedex_core::bundle::Receipt(receipt.as_object().unwrap().clone()));
    let report = check(&bundle, Some(&pinned()));
    assert!(report.ok);
    assert_eq!(report.proof_level, Some(ProofLevel::Verifiable), "a claimed level is not taken on trust");
    let last = report.evidence.last().unwrap();
    assert_eq!((last.kind.as_str(), last.verdict), ("receipt", Verdict::NotChecked));
    assert!(report.levels.iter().skip(1).all(|level| !level.reached));
}

#[test]
fn a_bundle_against_a_held_checkpoint_and_across_a_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.ndjson");
    let (old, new) = (seed_key(), other_key());
    let session = Session::open(&old, &path, "s").unwrap();
    (0..4).for_each(|i| drop(session.record(&ended(&format!("a{i}"))).unwrap()));
    let mut tree = LedgerTree::read(&path, None).unwrap();
    let held_note = tree.checkpoint(&old, None).unwrap();
    session.rotate_key(&new).unwrap();
    (0..4).for_each(|i| drop(session.record(&ended(&format!("b{i}"))).unwrap()));
    drop(session);

    // Signed now, by the current key; the range spans the rotation.
    let bundle = export_bundle(&path, BundleCheckpoint::Sign(&new), Selection::Seqs { first: 2, last: 6 }).unwrap();
    assert!(check(&bundle, Some(&KeyPin::PublicKey(new.public_key()))).ok);
    assert_eq!(check(&bundle, Some(&KeyPin::PublicKey(old.public_key()))).reason, Some(Reason::BundleKeyMismatch));
    let (kind, message) =
        ledger_error_kind(export_bundle(&path, BundleCheckpoint::Sign(&old), Selection::Seqs { first: 0, last: 1 }));
    assert_eq!(kind, LedgerErrorKind::ForeignKey, "{message}");

    // Against the checkpoint held from before the rotation: its key, its tree.
    let held = SignedCheckpoint::parse(held_note.to_text().as_bytes()).unwrap();
    let bundle = export_bundle(&path, BundleCheckpoint::Held(&held), Selection::Seqs { first: 1, last: 3 }).unwrap();
    let bytes = serde_json::to_vec(&bundle).unwrap();
    let pin = KeyPin::PublicKey(old.public_key());
    let report = verify_bundle(&bytes, Some(&pin), Some(&held), Engine::default());
    assert!(report.ok, "{}", report.message);
    assert_eq!(report.tree_size, Some(4));
    let beyond = export_bundle(&path, BundleCheckpoint::Held(&held), Selection::Seqs { first: 1, last: 5 });
    assert_eq!(ledger_error_kind(beyond).0, LedgerErrorKind::OutOfRange);
    let newer = export_bundle(&path, BundleCheckpoint::Sign(&new), Selection::Seqs { first: 1, last: 3 }).unwrap();
    let report = verify_bundle(&serde_json::to_vec(&newer).unwrap(), None, Some(&held), Engine::default());
    assert_eq!(
        report.reason,
        Some(Reason::CheckpointForeign),
        "the held checkpoint is the old key's: {}",
        report.message
    );
}

#[test]
fn time_ranges_select_the_lines_between_and_nothing_is_exported_from_a_bad_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.ndjson");
    write_ledger(&path, 5);
    let times: Vec<u64> = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["timestamp_nanos"].as_u64().unwrap())
        .collect();
    let key = seed_key();
    let by_time = |from_nanos, to_nanos| {
        export_bundle(&path, BundleCheckpoint::Sign(&key), Selection::Time { from_nanos, to_nanos })
    };
    let bundle = by_time(times[1], times[3]).unwrap();
    assert_eq!((bundle.first_seq, bundle.lines.len()), (1, 3));
    let all = by_time(0, u64::MAX).unwrap();
    assert_eq!((all.first_seq, all.lines.len()), (0, 5));
    assert_eq!(ledger_error_kind(by_time(times[4] + 1, u64::MAX)).0, LedgerErrorKind::OutOfRange);
    assert_eq!(ledger_error_kind(by_time(5, 4)).0, LedgerErrorKind::OutOfRange);
    let seqs = |first, last| export_bundle(&path, BundleCheckpoint::Sign(&key), Selection::Seqs { first, last });
    assert_eq!(ledger_error_kind(seqs(2, 5)).0, LedgerErrorKind::OutOfRange);
    assert_eq!(ledger_error_kind(seqs(3, 2)).0, LedgerErrorKind::OutOfRange);
    let wrong_key = export_bundle(
        &path,
        BundleCheckpoint::Sign(&SigningKeypair::from_seed(&[9; 32])),
        Selection::Seqs { first: 0, last: 0 },
    );
    assert_eq!(ledger_error_kind(wrong_key).0, LedgerErrorKind::ForeignKey);

    let mut text = std::fs::read(&path).unwrap();
    let at = text.len() / 2;
    text[at] ^= 0x01;
    std::fs::write(&path, &text).unwrap();
    assert!(matches!(seqs(0, 0), Err(provedex_core::Error::Chain { .. })));
}
