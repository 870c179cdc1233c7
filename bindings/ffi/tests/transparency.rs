//! Transparency through the FFI (spec/transparency.md): the tree, proofs and
//! checkpoints of the spec's example ledger, and a ledger checked against a
//! checkpoint held apart from it.

mod common;

use common::{
    Example, NOTE_ROOT, NOTE_SIGNATURE, ORIGIN, ROOT_3, ROOT_5, SELF_HASHES, broken_ledger, bytes, check_key, code,
    example_ledger, example_note, other_ledger, replacement_event, seed_key, write_ledger,
};
use provedex_ffi::{
    FsPath, VerifyOptions, checkpoint, checkpoint_with_key_file, leaf_hash, ledger_tree_head, parse_checkpoint,
    prove_consistency, prove_inclusion, sign_event_at, signed_event_to_json, tree_root, verify_checkpoint,
    verify_consistency, verify_file_with, verify_inclusion,
};

/// The example of spec/transparency.md: the leaf hashes of its lines and its proofs.
const LEAF_HASHES: [&str; 5] = [
    "c3761217a9c18509711f4629e00445870c1cfef379ef717fe3e52161b5029f8c",
    "d92fbab8626d1c9db192bb365c5063ed18b4dbe41ce0f3148a4437687c8cde67",
    "3b8077f3c9c7000e24c25e3034e8c6a0f0eae5cf4a227768481470ad2bead3cc",
    "ad168a43f9edd87d37f82328dddfb0ff2351a566fa12e237ff318f93031e4774",
    "8f0a63ca56c2e8cb620dcf90803ecf157e1fc6630826fbb77769f4a31a2a9326",
];
const INCLUSION_2_5: [&str; 3] = [
    "ad168a43f9edd87d37f82328dddfb0ff2351a566fa12e237ff318f93031e4774",
    "48e12d051111923058978e15a44452bdf7f7fec279170e6bdd2fe5fbddc38bfd",
    "8f0a63ca56c2e8cb620dcf90803ecf157e1fc6630826fbb77769f4a31a2a9326",
];
const CONSISTENCY_3_5: [&str; 4] = [
    "3b8077f3c9c7000e24c25e3034e8c6a0f0eae5cf4a227768481470ad2bead3cc",
    "ad168a43f9edd87d37f82328dddfb0ff2351a566fa12e237ff318f93031e4774",
    "48e12d051111923058978e15a44452bdf7f7fec279170e6bdd2fe5fbddc38bfd",
    "8f0a63ca56c2e8cb620dcf90803ecf157e1fc6630826fbb77769f4a31a2a9326",
];

/// The hash with its first hex digit changed.
fn flip(hash: &str) -> String {
    let first = if hash.starts_with('0') { '1' } else { '0' };
    format!("{first}{}", &hash[1..])
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn with_checkpoint(note: &str) -> VerifyOptions {
    VerifyOptions { checkpoint: Some(note.as_bytes().to_vec()), ..VerifyOptions::default() }
}

#[test]
fn the_example_ledger_has_the_specs_leaf_hashes_roots_and_proofs() {
    let Example { dir: _dir, ledger, .. } = example_ledger();
    for (self_hash, leaf) in SELF_HASHES.iter().zip(LEAF_HASHES) {
        assert_eq!(leaf_hash(bytes(self_hash)), leaf);
    }
    let inputs: Vec<Vec<u8>> = SELF_HASHES.iter().map(|h| bytes(h)).collect();
    assert_eq!(tree_root(inputs[..3].to_vec()), ROOT_3);
    assert_eq!(tree_root(inputs.clone()), ROOT_5);
    assert_eq!(tree_root(Vec::new()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

    let head = ledger_tree_head(FsPath::from(&ledger), None).unwrap();
    assert_eq!((head.tree_size, head.root_hex.as_str()), (5, ROOT_5));
    let head = ledger_tree_head(FsPath::from(&ledger), Some(3)).unwrap();
    assert_eq!((head.tree_size, head.root_hex.as_str()), (3, ROOT_3));

    let inclusion = prove_inclusion(FsPath::from(&ledger), 2, None).unwrap();
    assert_eq!((inclusion.seq, inclusion.tree_size), (2, 5));
    assert_eq!((inclusion.leaf_hex.as_str(), inclusion.root_hex.as_str()), (SELF_HASHES[2], ROOT_5));
    assert_eq!(inclusion.proof, strings(&INCLUSION_2_5));
    assert_eq!(
        inclusion.json,
        format!(
            r#"{{"type":"inclusion","seq":2,"tree_size":5,"leaf":"{}","root":"{ROOT_5}","proof":["{}"]}}"#,
            SELF_HASHES[2],
            INCLUSION_2_5.join("\",\"")
        )
    );

    let consistency = prove_consistency(FsPath::from(&ledger), 3, Some(5)).unwrap();
    assert_eq!((consistency.old_size, consistency.new_size), (3, 5));
    assert_eq!((consistency.old_root_hex.as_str(), consistency.new_root_hex.as_str()), (ROOT_3, ROOT_5));
    assert_eq!(consistency.proof, strings(&CONSISTENCY_3_5));
    assert_eq!(
        consistency.json,
        format!(
            r#"{{"type":"consistency","old_size":3,"new_size":5,"old_root":"{ROOT_3}","new_root":"{ROOT_5}","proof":["{}"]}}"#,
            CONSISTENCY_3_5.join("\",\"")
        )
    );
    let empty = prove_consistency(FsPath::from(&ledger), 5, None).unwrap();
    assert!(empty.proof.is_empty());
    assert!(empty.json.ends_with(r#""proof":[]}"#), "{}", empty.json);
}

#[test]
fn proofs_verify_and_any_change_to_them_fails() {
    let leaf = bytes(SELF_HASHES[2]);
    let proof = strings(&INCLUSION_2_5);
    assert!(verify_inclusion(2, 5, leaf.clone(), proof.clone(), ROOT_5.into()).unwrap());
    for i in 0..proof.len() {
        let mut flipped = proof.clone();
        flipped[i] = flip(&flipped[i]);
        assert!(!verify_inclusion(2, 5, leaf.clone(), flipped, ROOT_5.into()).unwrap(), "hash {i} flipped");
    }
    assert!(!verify_inclusion(3, 5, leaf.clone(), proof.clone(), ROOT_5.into()).unwrap(), "another index");
    // Sizes 5 to 8 share the proof's shape: the root, signed with its size in a checkpoint, tells them apart.
    assert!(!verify_inclusion(2, 4, leaf.clone(), proof.clone(), ROOT_5.into()).unwrap(), "another size");
    assert!(!verify_inclusion(5, 5, leaf.clone(), proof.clone(), ROOT_5.into()).unwrap(), "index = size");
    assert!(!verify_inclusion(2, 5, leaf.clone(), proof[..2].to_vec(), ROOT_5.into()).unwrap(), "too short");
    assert!(!verify_inclusion(2, 5, bytes(SELF_HASHES[3]), proof.clone(), ROOT_5.into()).unwrap(), "another leaf");
    assert!(!verify_inclusion(2, 5, leaf.clone(), proof.clone(), ROOT_3.into()).unwrap(), "another root");
    let mut upper = proof.clone();
    upper[0] = upper[0].to_uppercase();
    assert!(!verify_inclusion(2, 5, leaf.clone(), upper, ROOT_5.into()).unwrap(), "upper-case hex");
    let mut short = proof.clone();
    short[1].pop();
    assert!(!verify_inclusion(2, 5, leaf.clone(), short, ROOT_5.into()).unwrap(), "63 hex characters");
    assert_eq!(code(verify_inclusion(2, 5, leaf, proof, "zz".into()).unwrap_err()), ("Chain", "invalid_hex".into()));

    let proof = strings(&CONSISTENCY_3_5);
    assert!(verify_consistency(3, 5, proof.clone(), ROOT_3.into(), ROOT_5.into()).unwrap());
    for i in 0..proof.len() {
        let mut flipped = proof.clone();
        flipped[i] = flip(&flipped[i]);
        assert!(!verify_consistency(3, 5, flipped, ROOT_3.into(), ROOT_5.into()).unwrap(), "hash {i} flipped");
    }
    assert!(!verify_consistency(5, 3, proof.clone(), ROOT_3.into(), ROOT_5.into()).unwrap(), "sizes swapped");
    assert!(!verify_consistency(3, 5, proof.clone(), ROOT_5.into(), ROOT_5.into()).unwrap(), "another old root");
    assert!(!verify_consistency(3, 5, proof[1..].to_vec(), ROOT_3.into(), ROOT_5.into()).unwrap(), "too short");
    // The two cases the RFC leaves open: equal sizes, and the empty tree.
    assert!(verify_consistency(5, 5, vec![], ROOT_5.into(), ROOT_5.into()).unwrap());
    assert!(!verify_consistency(5, 5, vec![], ROOT_3.into(), ROOT_5.into()).unwrap());
    let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    assert!(verify_consistency(0, 5, vec![], empty.into(), ROOT_5.into()).unwrap());
    assert!(!verify_consistency(0, 5, vec![], ROOT_3.into(), ROOT_5.into()).unwrap());
}

#[test]
fn the_checkpoint_of_the_example_ledger_is_the_specs_note() {
    let Example { dir, ledger, .. } = example_ledger();
    let key = check_key();
    let note = checkpoint(FsPath::from(&ledger), key.clone(), None).unwrap();
    assert_eq!(note, example_note());
    assert_eq!(key.sign_checkpoint(SELF_HASHES[0].into(), 5, ROOT_5.into()).unwrap(), example_note());

    let key_file = dir.path().join("key");
    key.save(FsPath::from(&key_file)).unwrap();
    assert_eq!(checkpoint_with_key_file(FsPath::from(&ledger), FsPath::from(&key_file), None).unwrap(), note);

    let info = verify_checkpoint(note.clone().into_bytes(), key.pubkey_hex()).unwrap();
    assert_eq!((info.origin.as_str(), info.tree_size, info.root_hex.as_str()), (ORIGIN, 5, ROOT_5));
    assert_eq!(info.genesis_self_hash, SELF_HASHES[0]);
    assert_eq!(info.fingerprint, key.fingerprint());
    // The key may come as PEM too.
    assert_eq!(verify_checkpoint(note.clone().into_bytes(), key.public_key_pem()).unwrap(), info);
    assert_eq!(parse_checkpoint(note.clone().into_bytes()).unwrap(), info);

    let at_3 = checkpoint(FsPath::from(&ledger), key.clone(), Some(3)).unwrap();
    let info_3 = verify_checkpoint(at_3.into_bytes(), key.pubkey_hex()).unwrap();
    assert_eq!((info_3.tree_size, info_3.root_hex.as_str()), (3, ROOT_3));
}

#[test]
fn a_checkpoint_is_refused_with_its_reason() {
    let key = check_key();
    let other = seed_key(7);
    let note = example_note();
    let refused = |bytes: Vec<u8>, pubkey: String| code(verify_checkpoint(bytes, pubkey).unwrap_err());

    assert_eq!(refused(note.clone().into_bytes(), other.pubkey_hex()), ("Chain", "checkpoint_foreign".into()));
    // The same body signed by another key under the check key's origin.
    let mut forged = example_note();
    let forged_signature = {
        let other_note = other.sign_checkpoint(SELF_HASHES[0].into(), 5, ROOT_5.into()).unwrap();
        other_note.rsplit(' ').next().unwrap().trim_end().to_owned()
    };
    forged = forged.replace(NOTE_SIGNATURE, &forged_signature);
    assert_eq!(refused(forged.into_bytes(), key.pubkey_hex()), ("Chain", "checkpoint_signature_invalid".into()));
    // Another root under the original signature.
    let altered = note.replacen(NOTE_ROOT, "AvmGtyRypfxAuDwUwfAYaRgVtADXT5Uqtzf3w20Q/y4=", 1);
    assert_eq!(refused(altered.into_bytes(), key.pubkey_hex()), ("Chain", "checkpoint_signature_invalid".into()));
    for malformed in [
        b"not a note".to_vec(),
        vec![0xff, 0xfe],
        note.replacen("\n5\n", "\n05\n", 1).into_bytes(),
        note.replacen("provedex-ledger/", "another-log/", 2).into_bytes(),
    ] {
        assert_eq!(refused(malformed.clone(), key.pubkey_hex()), ("Chain", "checkpoint_malformed".into()));
        assert_eq!(code(parse_checkpoint(malformed).unwrap_err()), ("Chain", "checkpoint_malformed".into()));
    }
    assert_eq!(refused(note.into_bytes(), "not a key".into()).0, "KeyLoad");
}

#[test]
fn a_ledger_checked_against_a_checkpoint_reports_truncation_replacement_and_foreign_checkpoints() {
    let Example { dir, lines, ledger: full } = example_ledger();
    let key = check_key();
    let note = example_note();

    let report = verify_file_with(FsPath::from(&full), with_checkpoint(&note)).unwrap();
    assert!(report.ok, "{}", report.message);
    // A checkpoint of fewer lines than the ledger holds is no finding.
    let at_3 = checkpoint(FsPath::from(&full), key.clone(), Some(3)).unwrap();
    assert!(verify_file_with(FsPath::from(&full), with_checkpoint(&at_3)).unwrap().ok);

    let cut = write_ledger(dir.path(), "cut.ndjson", &lines[..3]);
    let report = verify_file_with(FsPath::from(&cut), with_checkpoint(&note)).unwrap();
    assert_eq!(report.reason.as_deref(), Some("ledger_truncated"));
    assert_eq!((report.ok, report.event_count, report.broken_at, report.line), (false, 3, Some(3), None));
    // Without the checkpoint the cut ledger verifies: only the checkpoint shows the cut.
    assert!(verify_file_with(FsPath::from(&cut), VerifyOptions::default()).unwrap().ok);

    let empty = write_ledger(dir.path(), "empty.ndjson", &[]);
    let report = verify_file_with(FsPath::from(&empty), with_checkpoint(&note)).unwrap();
    assert_eq!(report.reason.as_deref(), Some("ledger_truncated"));

    // Line 2 replaced by another line signed by the same key: the chain holds, the root does not.
    let parent = SELF_HASHES[1].to_owned();
    let replaced = sign_event_at(replacement_event(), 2, 1_700_000_000_662_000_000, parent, key.clone()).unwrap();
    let mut forged = lines[..2].to_vec();
    forged.push(signed_event_to_json(replaced).unwrap());
    let forged = write_ledger(dir.path(), "replaced.ndjson", &forged);
    assert!(verify_file_with(FsPath::from(&forged), VerifyOptions::default()).unwrap().ok);
    let report = verify_file_with(FsPath::from(&forged), with_checkpoint(&at_3)).unwrap();
    assert_eq!(report.reason.as_deref(), Some("checkpoint_root_mismatch"));
    assert_eq!((report.event_count, report.line), (3, None));

    // A checkpoint of another ledger: its origin names another first line.
    let other = other_ledger(dir.path(), &key);
    let foreign = checkpoint(FsPath::from(&other), key.clone(), None).unwrap();
    let report = verify_file_with(FsPath::from(&full), with_checkpoint(&foreign)).unwrap();
    assert_eq!(report.reason.as_deref(), Some("checkpoint_foreign"));

    // A checkpoint whose signature fails.
    let bad = note.replacen(NOTE_ROOT, "AvmGtyRypfxAuDwUwfAYaRgVtADXT5Uqtzf3w20Q/y4=", 1);
    let report = verify_file_with(FsPath::from(&full), with_checkpoint(&bad)).unwrap();
    assert_eq!(report.reason.as_deref(), Some("checkpoint_signature_invalid"));

    let malformed = verify_file_with(FsPath::from(&full), with_checkpoint("not a checkpoint")).unwrap_err();
    assert_eq!(code(malformed), ("Chain", "checkpoint_malformed".into()));
}

#[test]
fn proofs_and_checkpoints_need_a_good_ledger_the_right_key_and_sizes_in_range() {
    let Example { dir, lines, ledger } = example_ledger();
    let key = check_key();
    let out_of_range = ("Ledger", "out_of_range".to_owned());

    assert_eq!(code(prove_inclusion(FsPath::from(&ledger), 5, None).unwrap_err()), out_of_range);
    assert_eq!(code(prove_inclusion(FsPath::from(&ledger), 1, Some(6)).unwrap_err()), out_of_range);
    assert_eq!(code(prove_consistency(FsPath::from(&ledger), 4, Some(3)).unwrap_err()), out_of_range);
    assert_eq!(code(ledger_tree_head(FsPath::from(&ledger), Some(6)).unwrap_err()), out_of_range);
    assert_eq!(code(checkpoint(FsPath::from(&ledger), key.clone(), Some(6)).unwrap_err()), out_of_range);
    assert_eq!(code(checkpoint(FsPath::from(&ledger), key.clone(), Some(0)).unwrap_err()), out_of_range);
    let empty = write_ledger(dir.path(), "empty.ndjson", &[]);
    assert_eq!(code(checkpoint(FsPath::from(&empty), key.clone(), None).unwrap_err()), out_of_range);

    let other = seed_key(7);
    assert_eq!(code(checkpoint(FsPath::from(&ledger), other, None).unwrap_err()), ("Ledger", "foreign_key".into()));

    // A broken line: nothing is signed or proven from the ledger.
    let broken = broken_ledger(dir.path(), &lines);
    let (kind, reason) = code(checkpoint(FsPath::from(&broken), key, None).unwrap_err());
    assert_eq!(kind, "Chain");
    assert!(!reason.is_empty());
    assert_eq!(code(prove_inclusion(FsPath::from(&broken), 0, None).unwrap_err()).0, "Chain");
}
