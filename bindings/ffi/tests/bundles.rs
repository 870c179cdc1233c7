//! Bundles through the FFI (spec/bundles.md): bundles of the spec's example
//! ledger exported by seq, by time and against a held checkpoint, verified
//! under a pinned key or fingerprint and refused when tampered with; and the
//! checkpoints a session signs into the file beside its ledger
//! (spec/transparency.md, "Checkpoints file").

mod common;

use common::{
    CHECK_PUBKEY, Example, FINGERPRINT, ROOT_3, ROOT_5, SELF_HASHES, broken_ledger, bytes, check_key, code,
    example_ledger, example_note, other_ledger, replacement_event, seed_key, write_ledger,
};
use provedex_ffi::{
    AgentEvent, BundleReport, BundleSelection, Durability, FsPath, Session, SessionOptions, checkpoint,
    checkpoints_path, event_from_json, export_bundle, export_bundle_with_checkpoint, read_checkpoints, sign_event_at,
    signed_event_to_json, tree_root, verify_bundle, verify_checkpoint, verify_consistency, verify_inclusion,
};
use serde_json::Value;

/// The example lines' timestamp_nanos, as the spec prints them.
const TIMES: [u64; 5] = [
    1_700_000_000_000_000_000,
    1_700_000_000_250_000_000,
    1_700_000_000_662_000_000,
    1_700_000_001_000_000_000,
    1_700_000_002_500_000_000,
];

fn seqs(first: u64, last: u64) -> BundleSelection {
    BundleSelection::Seqs { first, last }
}

fn parse(bundle: &[u8]) -> Value {
    serde_json::from_slice(bundle).unwrap()
}

fn hashes(value: &Value) -> Vec<String> {
    value.as_array().unwrap().iter().map(|h| h.as_str().unwrap().to_owned()).collect()
}

fn with_pubkey(bundle: &[u8]) -> BundleReport {
    verify_bundle(bundle.to_vec(), Some(CHECK_PUBKEY.to_owned()), None, None, None).unwrap()
}

fn evidence(report: &BundleReport) -> Vec<(String, String)> {
    report.evidence.iter().map(|e| (e.kind.clone(), e.verdict.clone())).collect()
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
}

/// The bundle with its document edited.
fn edited(bundle: &[u8], edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut document = parse(bundle);
    edit(&mut document);
    serde_json::to_vec(&document).unwrap()
}

#[test]
fn a_bundle_holds_the_lines_the_specs_checkpoint_and_proofs_that_check_independently() {
    let Example { dir: _dir, lines, ledger } = example_ledger();
    let bundle = export_bundle(FsPath::from(&ledger), check_key(), seqs(2, 3)).unwrap();
    // As `provedex export` writes it: pretty JSON and an LF.
    assert!(bundle.starts_with(b"{\n  \"format\": \"provedex-bundle/v1\",\n"));
    assert!(bundle.ends_with(b"}\n"));
    let document = parse(&bundle);
    assert_eq!(document["public_key"], CHECK_PUBKEY);
    assert_eq!(document["fingerprint"], FINGERPRINT);
    // A new checkpoint of all five lines: the spec's example note, byte for byte.
    assert_eq!(document["checkpoint"], example_note());
    assert_eq!(document["first_seq"], 2);
    assert_eq!(document["lines"], serde_json::json!([lines[2], lines[3]]));
    assert_eq!(document["receipts"], serde_json::json!([]));
    let proof = &document["proof"];
    assert_eq!(proof["previous_self_hash"], SELF_HASHES[1]);
    // left: the compact range of the first line, its leaf hash alone.
    let leaf_0 = tree_root(vec![bytes(SELF_HASHES[0])]);
    assert_eq!(hashes(&proof["left"]), vec![leaf_0]);
    // consistency: from the tree of the first four lines to the checkpoint's.
    let root_4 = tree_root(SELF_HASHES[..4].iter().map(|h| bytes(h)).collect());
    assert!(verify_consistency(4, 5, hashes(&proof["consistency"]), root_4, ROOT_5.to_owned()).unwrap());
    // genesis: the first line is leaf 0 of the checkpoint's tree.
    assert!(verify_inclusion(0, 5, bytes(SELF_HASHES[0]), hashes(&proof["genesis"]), ROOT_5.to_owned()).unwrap());

    // From seq 0: no previous line, no left range, no genesis proof.
    let from_0 = parse(&export_bundle(FsPath::from(&ledger), check_key(), seqs(0, 4)).unwrap());
    assert_eq!(from_0["proof"]["previous_self_hash"], Value::Null);
    assert_eq!(hashes(&from_0["proof"]["left"]), Vec::<String>::new());
    assert_eq!(hashes(&from_0["proof"]["consistency"]), Vec::<String>::new());
    assert_eq!(hashes(&from_0["proof"]["genesis"]), Vec::<String>::new());
    assert_eq!(from_0["lines"].as_array().unwrap().len(), 5);
}

#[test]
fn a_bundle_verifies_under_the_pinned_key_or_fingerprint_and_unpinned_reaches_no_level() {
    let Example { dir: _dir, ledger, .. } = example_ledger();
    let bundle = export_bundle(FsPath::from(&ledger), check_key(), seqs(1, 3)).unwrap();

    let report = with_pubkey(&bundle);
    assert!(report.ok && report.pinned, "{}", report.message);
    assert_eq!(report.proof_level.as_deref(), Some("verifiable"));
    assert_eq!((report.event_count, report.first_seq, report.tree_size), (3, Some(1), Some(5)));
    assert_eq!((report.root.as_deref(), report.public_key.as_deref()), (Some(ROOT_5), Some(CHECK_PUBKEY)));
    assert_eq!((report.reason.as_deref(), report.broken_at), (None, None));
    assert_eq!(
        evidence(&report),
        pairs(&[("key_pin", "verified"), ("checkpoint", "verified"), ("lines", "verified"), ("tree", "verified")])
    );
    let levels: Vec<(&str, bool)> = report.levels.iter().map(|l| (l.level.as_str(), l.reached)).collect();
    assert_eq!(
        levels,
        [
            ("verifiable", true),
            ("externally-archived", false),
            ("publicly-auditable", false),
            ("publicly-timestamped", false)
        ]
    );
    assert!(report.message.starts_with("valid: 3 lines (seq 1 to 3)"), "{}", report.message);
    let json: Value = serde_json::from_str(&report.json).unwrap();
    assert_eq!((json["ok"].clone(), json["proof_level"].clone()), (Value::Bool(true), "verifiable".into()));
    assert_eq!(json["root"], ROOT_5);

    let by_fingerprint = verify_bundle(bundle.clone(), None, Some(FINGERPRINT.to_owned()), None, None).unwrap();
    assert_eq!((by_fingerprint.ok, by_fingerprint.pinned), (true, true));
    assert_eq!(by_fingerprint.proof_level.as_deref(), Some("verifiable"));

    let unpinned = verify_bundle(bundle.clone(), None, None, None, None).unwrap();
    assert_eq!((unpinned.ok, unpinned.pinned, unpinned.proof_level.as_deref()), (true, false, None));
    assert_eq!(unpinned.evidence[0].kind, "key_pin");
    assert_eq!(unpinned.evidence[0].verdict, "not_checked");
    assert!(unpinned.levels.iter().all(|l| !l.reached));
    assert!(unpinned.message.starts_with("consistent, but unpinned"), "{}", unpinned.message);

    // Another key pinned, or its fingerprint: the bundle is not the pinned key's.
    let other = seed_key(7);
    let report = verify_bundle(bundle.clone(), Some(other.pubkey_hex()), None, None, None).unwrap();
    assert_eq!((report.ok, report.pinned, report.reason.as_deref()), (false, false, Some("bundle_key_mismatch")));
    assert_eq!(evidence(&report), pairs(&[("key_pin", "failed")]));
    let other_fingerprint = format!("sha256:{}", "ab".repeat(32));
    let report = verify_bundle(bundle.clone(), None, Some(other_fingerprint), None, None).unwrap();
    assert_eq!(report.reason.as_deref(), Some("bundle_key_mismatch"));

    // Errors are about the arguments only.
    let both = verify_bundle(bundle.clone(), Some(CHECK_PUBKEY.into()), Some(FINGERPRINT.into()), None, None);
    assert_eq!(code(both.unwrap_err()).0, "KeyLoad");
    let upper = verify_bundle(bundle.clone(), None, Some(FINGERPRINT.to_uppercase()), None, None);
    assert_eq!(code(upper.unwrap_err()).0, "KeyLoad");
    assert_eq!(code(verify_bundle(bundle.clone(), Some("03a1".into()), None, None, None).unwrap_err()).0, "KeyLoad");
    let held = verify_bundle(bundle, None, None, Some(b"not a checkpoint".to_vec()), None);
    assert_eq!(code(held.unwrap_err()), ("Chain", "checkpoint_malformed".into()));

    // Bytes that are not a bundle are a report.
    let report = verify_bundle(b"{}".to_vec(), Some(CHECK_PUBKEY.into()), None, None, None).unwrap();
    assert_eq!((report.ok, report.reason.as_deref(), report.first_seq), (false, Some("bundle_malformed"), None));
}

#[test]
fn a_swapped_missing_or_replaced_line_and_a_self_vouching_key_are_refused() {
    let Example { dir, lines, ledger } = example_ledger();
    let key = check_key();
    let bundle = export_bundle(FsPath::from(&ledger), key.clone(), seqs(1, 3)).unwrap();

    // Lines 2 and 3 swapped: the second line's seq is 3, not 2.
    let swapped = edited(&bundle, |d| d["lines"] = serde_json::json!([lines[1], lines[3], lines[2]]));
    let report = with_pubkey(&swapped);
    assert_eq!((report.ok, report.reason.as_deref(), report.broken_at), (false, Some("seq_mismatch"), Some(2)));
    assert_eq!(report.event_count, 1);
    assert_eq!(report.proof_level, None);
    assert_eq!(evidence(&report).last().unwrap(), &("lines".to_owned(), "failed".to_owned()));

    // Line 2 left out.
    let missing = edited(&bundle, |d| d["lines"] = serde_json::json!([lines[1], lines[3]]));
    let report = with_pubkey(&missing);
    assert_eq!((report.reason.as_deref(), report.broken_at), (Some("seq_mismatch"), Some(2)));

    // The last line replaced by another signed by the same key: chained and signed, but not a leaf of the tree.
    let replaced_line = sign_event_at(replacement_event(), 3, TIMES[3], SELF_HASHES[2].into(), key.clone()).unwrap();
    let replacement = signed_event_to_json(replaced_line).unwrap();
    let replaced = edited(&bundle, |d| d["lines"][2] = replacement.into());
    let report = with_pubkey(&replaced);
    assert_eq!((report.ok, report.reason.as_deref()), (false, Some("bundle_proof_invalid")), "{}", report.message);
    assert_eq!(report.evidence.last().unwrap().kind, "tree");

    // Anyone can write a consistent bundle under a key of their own: the
    // same ledger re-signed line by line by another key and exported.
    let forger = seed_key(9);
    let mut parent = "0".repeat(64);
    let mut forged = Vec::new();
    for line in &lines {
        let document: Value = serde_json::from_str(line).unwrap();
        let event = event_from_json(document["event"].to_string()).unwrap();
        let seq = document["seq"].as_u64().unwrap();
        let signed = sign_event_at(event, seq, TIMES[seq as usize], parent, forger.clone()).unwrap();
        parent = signed.self_hash.clone();
        forged.push(signed_event_to_json(signed).unwrap());
    }
    let forged_ledger = write_ledger(dir.path(), "forged.ndjson", &forged);
    let self_vouching = export_bundle(FsPath::from(&forged_ledger), forger.clone(), seqs(1, 3)).unwrap();
    let unpinned = verify_bundle(self_vouching.clone(), None, None, None, None).unwrap();
    assert_eq!((unpinned.ok, unpinned.pinned, unpinned.proof_level), (true, false, None));
    let report = with_pubkey(&self_vouching);
    assert_eq!((report.ok, report.reason.as_deref()), (false, Some("bundle_key_mismatch")));
    let report = verify_bundle(self_vouching, None, Some(FINGERPRINT.into()), None, None).unwrap();
    assert_eq!(report.reason.as_deref(), Some("bundle_key_mismatch"));

    // A bundle naming the pinned key but carrying the forger's checkpoint.
    let forged_note = checkpoint(FsPath::from(&forged_ledger), forger, None).unwrap();
    let report = with_pubkey(&edited(&bundle, |d| d["checkpoint"] = forged_note.into()));
    assert_eq!(report.reason.as_deref(), Some("checkpoint_foreign"));
}

#[test]
fn a_held_checkpoint_must_be_of_the_same_ledger_and_tree() {
    let Example { dir, lines, ledger } = example_ledger();
    let key = check_key();
    let note_3 = checkpoint(FsPath::from(&ledger), key.clone(), Some(3)).unwrap();

    // Exported against the checkpoint of three lines, copied verbatim.
    let bundle = export_bundle_with_checkpoint(FsPath::from(&ledger), note_3.as_bytes().to_vec(), seqs(1, 2)).unwrap();
    assert_eq!(parse(&bundle)["checkpoint"], note_3);
    let held = Some(note_3.as_bytes().to_vec());
    let report = verify_bundle(bundle.clone(), Some(CHECK_PUBKEY.into()), None, held, None).unwrap();
    assert!(report.ok, "{}", report.message);
    assert_eq!((report.tree_size, report.root.as_deref()), (Some(3), Some(ROOT_3)));
    assert_eq!(
        evidence(&report),
        pairs(&[
            ("key_pin", "verified"),
            ("checkpoint", "verified"),
            ("held_checkpoint", "verified"),
            ("lines", "verified"),
            ("tree", "verified"),
        ])
    );

    // The verifier holds the checkpoint of five lines: the bundle proves nothing about that tree.
    let held = Some(example_note().into_bytes());
    let report = verify_bundle(bundle.clone(), Some(CHECK_PUBKEY.into()), None, held, None).unwrap();
    assert_eq!((report.ok, report.reason.as_deref()), (false, Some("bundle_proof_invalid")));
    assert_eq!(report.evidence.last().unwrap().kind, "held_checkpoint");

    // A checkpoint of another ledger under the same key.
    let other = other_ledger(dir.path(), &key);
    let foreign = checkpoint(FsPath::from(&other), key.clone(), None).unwrap();
    let report =
        verify_bundle(bundle.clone(), Some(CHECK_PUBKEY.into()), None, Some(foreign.as_bytes().to_vec()), None)
            .unwrap();
    assert_eq!(report.reason.as_deref(), Some("checkpoint_foreign"));
    let refused = export_bundle_with_checkpoint(FsPath::from(&ledger), foreign.into_bytes(), seqs(0, 0));
    assert_eq!(code(refused.unwrap_err()), ("Chain", "checkpoint_foreign".into()));

    // The held checkpoint bounds the selection; the ledger must still hold its tree.
    let beyond = export_bundle_with_checkpoint(FsPath::from(&ledger), note_3.as_bytes().to_vec(), seqs(2, 3));
    assert_eq!(code(beyond.unwrap_err()), ("Ledger", "out_of_range".into()));
    let cut = write_ledger(dir.path(), "cut.ndjson", &lines[..2]);
    let truncated = export_bundle_with_checkpoint(FsPath::from(&cut), note_3.as_bytes().to_vec(), seqs(0, 1));
    assert_eq!(code(truncated.unwrap_err()), ("Chain", "ledger_truncated".into()));
    let malformed = export_bundle_with_checkpoint(FsPath::from(&ledger), b"no".to_vec(), seqs(0, 1));
    assert_eq!(code(malformed.unwrap_err()), ("Chain", "checkpoint_malformed".into()));
}

#[test]
fn a_time_range_selects_the_lines_within_it_and_export_refuses_what_it_cannot_prove() {
    let Example { dir, lines, ledger } = example_ledger();
    let key = check_key();
    let time = |from_nanos, to_nanos| BundleSelection::Time { from_nanos, to_nanos };

    // From just after line 1 to exactly line 3: lines 2 and 3.
    let bundle = export_bundle(FsPath::from(&ledger), key.clone(), time(TIMES[1] + 1, TIMES[3])).unwrap();
    let document = parse(&bundle);
    assert_eq!(document["first_seq"], 2);
    assert_eq!(document["lines"], serde_json::json!([lines[2], lines[3]]));
    assert!(with_pubkey(&bundle).ok);
    // The whole day: every line.
    let all = export_bundle(FsPath::from(&ledger), key.clone(), time(0, u64::MAX)).unwrap();
    assert_eq!(parse(&all)["lines"].as_array().unwrap().len(), 5);

    let out_of_range = ("Ledger", "out_of_range".to_owned());
    let between = export_bundle(FsPath::from(&ledger), key.clone(), time(TIMES[3] + 1, TIMES[4] - 1));
    assert_eq!(code(between.unwrap_err()), out_of_range);
    let backwards = export_bundle(FsPath::from(&ledger), key.clone(), time(TIMES[4], TIMES[0]));
    assert_eq!(code(backwards.unwrap_err()), out_of_range);
    assert_eq!(code(export_bundle(FsPath::from(&ledger), key.clone(), seqs(3, 5)).unwrap_err()), out_of_range);
    assert_eq!(code(export_bundle(FsPath::from(&ledger), key.clone(), seqs(3, 2)).unwrap_err()), out_of_range);
    let empty = write_ledger(dir.path(), "empty.ndjson", &[]);
    assert_eq!(code(export_bundle(FsPath::from(&empty), key.clone(), seqs(0, 0)).unwrap_err()), out_of_range);

    let other = seed_key(7);
    let foreign = export_bundle(FsPath::from(&ledger), other, seqs(0, 1));
    assert_eq!(code(foreign.unwrap_err()), ("Ledger", "foreign_key".into()));
    let broken = broken_ledger(dir.path(), &lines);
    assert_eq!(code(export_bundle(FsPath::from(&broken), key, seqs(0, 1)).unwrap_err()).0, "Chain");
}

fn utterance(text: &str) -> AgentEvent {
    AgentEvent::UtteranceSpoken {
        text_sha256: provedex_ffi::sha256_hex(text.into()),
        text: text.into(),
        audio_sha256: String::new(),
    }
}

#[test]
fn a_session_signs_a_checkpoint_every_n_events_into_the_checkpoints_file() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("agent.ndjson");
    let key = check_key();
    let options = SessionOptions { durability: Durability::None, checkpoint_every: 2 };
    let session = Session::open_with_options(key.clone(), FsPath::from(&ledger), "s".into(), options).unwrap();
    assert_eq!(code(session.checkpoint().unwrap_err()), ("Ledger", "out_of_range".into()));
    assert_eq!(read_checkpoints(FsPath::from(&ledger)).unwrap(), Vec::new());
    for i in 0..5 {
        session.record(utterance(&format!("line {i}"))).unwrap();
    }
    assert_eq!(session.tree_size(), Some(5));
    assert_eq!(session.tree_problem(), None);

    assert_eq!(checkpoints_path(FsPath::from(&ledger)), FsPath::from(dir.path().join("agent.ndjson.checkpoints")));
    let entries = read_checkpoints(FsPath::from(&ledger)).unwrap();
    assert_eq!(entries.iter().map(|e| e.tree_size).collect::<Vec<_>>(), [2, 4]);
    for entry in &entries {
        // The same note as a checkpoint signed from the ledger file by the key.
        let from_file = checkpoint(FsPath::from(&ledger), key.clone(), Some(entry.tree_size)).unwrap();
        assert_eq!(entry.checkpoint, from_file);
        let info = verify_checkpoint(entry.checkpoint.clone().into_bytes(), CHECK_PUBKEY.into()).unwrap();
        assert_eq!(info.tree_size, entry.tree_size);
    }
    // A checkpoint asked of the session covers every durable line and is not written to the file.
    let note = session.checkpoint().unwrap();
    assert_eq!(note, checkpoint(FsPath::from(&ledger), key.clone(), None).unwrap());
    assert_eq!(read_checkpoints(FsPath::from(&ledger)).unwrap().len(), 2);
    session.close().unwrap();

    // A bundle proven against a checkpoint from the file verifies with it held apart.
    let held = entries[1].checkpoint.clone().into_bytes();
    let bundle = export_bundle_with_checkpoint(FsPath::from(&ledger), held.clone(), seqs(1, 3)).unwrap();
    let report = verify_bundle(bundle, None, Some(FINGERPRINT.into()), Some(held), None).unwrap();
    assert!(report.ok && report.pinned, "{}", report.message);
    assert_eq!(report.tree_size, Some(4));

    // Checkpoints off by default: no file.
    let plain = dir.path().join("plain.ndjson");
    let session = Session::open(key, FsPath::from(&plain), "s".into()).unwrap();
    session.record(utterance("one")).unwrap();
    session.record(utterance("two")).unwrap();
    session.close().unwrap();
    assert!(!dir.path().join("plain.ndjson.checkpoints").exists());
    assert_eq!(read_checkpoints(FsPath::from(&plain)).unwrap(), Vec::new());
}

#[test]
fn a_checkpoints_file_with_a_bad_line_is_refused_and_a_torn_last_line_left_out() {
    let Example { dir, ledger, .. } = example_ledger();
    let note = example_note();
    let line = format!("{}\n", serde_json::json!({"checkpoint": note, "tree_size": 5}));
    let file = dir.path().join("ledger.ndjson.checkpoints");
    std::fs::write(&file, format!("{line}{}", &line[..20])).unwrap();
    let entries = read_checkpoints(FsPath::from(&ledger)).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!((entries[0].tree_size, entries[0].checkpoint.as_str()), (5, note.as_str()));

    let wrong_size = format!("{}\n", serde_json::json!({"checkpoint": note, "tree_size": 4}));
    std::fs::write(&file, format!("{line}{wrong_size}")).unwrap();
    assert_eq!(code(read_checkpoints(FsPath::from(&ledger)).unwrap_err()), ("Ledger", "broken".into()));
}
