//! `checkpoint`, `prove` and `verify --checkpoint`, run as a process: a
//! checkpoint kept apart from the ledger finds a cut and a replaced line,
//! proofs verify against the checkpoint's root, and every refusal changes
//! nothing on disk.

mod common;

use std::fs;

use common::{Dir, bytes};
use provedex_core::hex::{ChainHash, Digest};
use provedex_core::merkle::{line_leaf_hash, verify_consistency, verify_inclusion};
use provedex_core::{PublicKeyBytes, verify_checkpoint};
use serde_json::Value;

fn started(session: usize) -> String {
    format!(r#"{{"type":"SessionStarted","payload":{{"agent_id":"a","model_id":"m","session_id":"s{session}"}}}}"#)
}

/// A scratch HOME whose `ledger.ndjson` holds `n` lines signed with `key`, of seed 1.
struct Recorded {
    d: Dir,
    ledger: String,
    key: String,
    pubkey: String,
}

fn recorded(n: usize) -> Recorded {
    let d = Dir::new();
    let ledger = d.arg("ledger.ndjson");
    let (key, pubkey) = d.key("k.key", 1);
    for i in 0..n {
        assert_eq!(d.record(&key, &started(i)).code, 0);
    }
    Recorded { d, ledger, key, pubkey }
}

fn checkpoint(d: &Dir, key: &str, ledger: &str, extra: &[&str]) -> common::Run {
    d.run(&[&["checkpoint", "--key", key, "--ledger", ledger][..], extra].concat())
}

/// `verify --checkpoint --json` of a ledger that does not hold the checkpoint: a finding (exit 1), and its report.
fn checkpoint_finding(d: &Dir, ledger: &str, checkpoint_file: &str) -> Value {
    let out = d.run(&["verify", "--ledger", ledger, "--checkpoint", checkpoint_file, "--json"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    json(&out.stdout)
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn digest(value: &Value) -> Digest {
    Digest::from_hex(value.as_str().unwrap()).unwrap()
}

fn digests(value: &Value) -> Vec<Digest> {
    value.as_array().unwrap().iter().map(digest).collect()
}

// Pins: TL-7.
#[test]
fn a_checkpoint_kept_apart_finds_a_cut_and_a_replaced_line() {
    let Recorded { d, ledger, key, pubkey } = recorded(5);
    let signed = checkpoint(&d, &key, &ledger, &[]);
    assert_eq!(signed.code, 0, "{}", signed.stderr);
    let checkpoint_file = d.write("cp.txt", &signed.stdout);
    let holds = d.run(&["verify", "--ledger", &ledger, "--pubkey", &pubkey, "--checkpoint", &checkpoint_file]);
    assert_eq!(holds.code, 0, "{}", holds.stdout);
    assert!(holds.stdout.contains("they hold the 5 lines the checkpoint vouches for"), "{}", holds.stdout);

    // One more line: the checkpoint still holds.
    assert_eq!(d.record(&key, &started(9)).code, 0);
    assert_eq!(d.run(&["verify", "--ledger", &ledger, "--checkpoint", &checkpoint_file]).code, 0);

    // The last two lines cut: every line left verifies, the checkpoint does not.
    let all = fs::read_to_string(d.path("ledger.ndjson")).unwrap();
    let lines: Vec<&str> = all.lines().collect();
    let cut = d.write("cut.ndjson", &lines[..4].iter().map(|l| format!("{l}\n")).collect::<String>());
    assert_eq!(d.run(&["verify", "--ledger", &cut]).code, 0);
    let report = checkpoint_finding(&d, &cut, &checkpoint_file);
    assert_eq!(report["reason"], "ledger_truncated");
    assert_eq!((report["event_count"].as_u64(), report["line"].is_null()), (Some(4), true));

    // Lines 3 and 4 replaced by others signed with the same key: the root differs.
    let forked = d.path("forked.ndjson");
    fs::write(&forked, lines[..3].iter().map(|l| format!("{l}\n")).collect::<String>()).unwrap();
    for i in 20..22 {
        let out = d.run(&["record", "--key", &key, "--ledger", &d.arg("forked.ndjson"), &started(i)]);
        assert_eq!(out.code, 0, "{}", out.stderr);
    }
    let replaced = checkpoint_finding(&d, &d.arg("forked.ndjson"), &checkpoint_file);
    assert_eq!(replaced["reason"], "checkpoint_root_mismatch");

    // Another ledger's checkpoint names another first line.
    let other = recorded(5);
    let foreign = checkpoint(&other.d, &other.key, &other.ledger, &[]);
    let foreign_file = d.write("foreign.txt", &foreign.stdout);
    assert_eq!(checkpoint_finding(&d, &ledger, &foreign_file)["reason"], "checkpoint_foreign");
}

#[test]
fn proofs_verify_against_the_roots_of_signed_checkpoints() {
    let Recorded { d, ledger, key, pubkey } = recorded(7);
    let pubkey = PublicKeyBytes::from_hex(&pubkey).unwrap();
    let at = |size: &str| {
        let out = checkpoint(&d, &key, &ledger, &["--size", size]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        verify_checkpoint(out.stdout.as_bytes(), &pubkey).unwrap().checkpoint
    };
    let (at3, at7) = (at("3"), at("7"));

    let inclusion = d.run(&["prove", "inclusion", "--ledger", &ledger, "--seq", "5"]);
    assert_eq!(inclusion.code, 0, "{}", inclusion.stderr);
    let proof = json(&inclusion.stdout);
    assert_eq!(
        (proof["type"].as_str(), proof["seq"].as_u64(), proof["tree_size"].as_u64()),
        (Some("inclusion"), Some(5), Some(7))
    );
    assert_eq!(digest(&proof["root"]), at7.root);
    let line: Value = json(fs::read_to_string(d.path("ledger.ndjson")).unwrap().lines().nth(5).unwrap());
    let leaf = ChainHash::from_hex(line["self_hash"].as_str().unwrap()).unwrap();
    assert_eq!(proof["leaf"], line["self_hash"]);
    verify_inclusion(5, 7, &line_leaf_hash(&leaf), &digests(&proof["proof"]), &at7.root).unwrap();

    let consistency = d.run(&["prove", "consistency", "--ledger", &ledger, "--from", "3"]);
    let proof = json(&consistency.stdout);
    assert_eq!((digest(&proof["old_root"]), digest(&proof["new_root"])), (at3.root, at7.root));
    verify_consistency(3, 7, &digests(&proof["proof"]), &at3.root, &at7.root).unwrap();

    let beyond = d.run(&["prove", "inclusion", "--ledger", &ledger, "--seq", "7"]);
    assert_eq!(beyond.code, 2);
    assert!(beyond.stderr.contains("seq 7 is not in the tree of 7 lines: it holds seqs 0 to 6"), "{}", beyond.stderr);
    let backwards = d.run(&["prove", "consistency", "--ledger", &ledger, "--from", "5", "--to", "4"]);
    assert_eq!(backwards.code, 2);
    assert!(backwards.stderr.contains("above the new size"), "{}", backwards.stderr);
}

// Pins: TL-5.
#[test]
fn checkpoints_are_signed_only_over_a_ledger_that_verifies_and_by_its_current_key() {
    let Recorded { d, ledger, key, .. } = recorded(3);
    let (other, _) = d.key("other.key", 2);
    let foreign = checkpoint(&d, &other, &ledger, &[]);
    assert_eq!(foreign.code, 2);
    assert!(foreign.stderr.contains("is not the ledger's key at size 3"), "{}", foreign.stderr);

    // A rotation: the checkpoint at the end is the new key's, at size 1 the old key's.
    let rotated = d.run(&["rotate-key", "--key", &key, "--new-key", &other, "--ledger", &ledger]);
    assert_eq!(rotated.code, 0, "{}", rotated.stderr);
    assert_eq!(checkpoint(&d, &key, &ledger, &[]).code, 2);
    let new_cp = d.write("new.txt", &checkpoint(&d, &other, &ledger, &[]).stdout);
    let old_cp = d.write("old.txt", &checkpoint(&d, &key, &ledger, &["--size", "1"]).stdout);
    for cp in [&new_cp, &old_cp] {
        let out = d.run(&["verify", "--ledger", &ledger, "--checkpoint", cp]);
        assert_eq!(out.code, 0, "{}", out.stdout);
    }

    // A broken line: nothing is signed over it.
    let mut broken = bytes(&d.path("ledger.ndjson"));
    let at = broken.iter().position(|&b| b == b'"').unwrap() + 1;
    broken[at] = b'X';
    fs::write(d.path("broken.ndjson"), &broken).unwrap();
    let refused = checkpoint(&d, &key, &d.arg("broken.ndjson"), &[]);
    assert_eq!(refused.code, 1);
    assert!(refused.stderr.contains("does not verify, so nothing is signed or proven from it"), "{}", refused.stderr);
    assert_eq!(refused.stdout, "");
    assert_eq!(bytes(&d.path("broken.ndjson")), broken);
}

#[test]
fn a_checkpoint_file_that_is_not_one_is_an_input_error() {
    let Recorded { d, ledger, key, .. } = recorded(2);
    let good = checkpoint(&d, &key, &ledger, &[]).stdout;
    let cases = [
        ("garbage", "not a signed checkpoint: it is not a signed note"),
        (&good.replacen("\n2\n", "\n02\n", 1), "leading zeros"),
        (&good.replacen("provedex-ledger/", "provedex/", 2), "not a Provedex ledger's"),
    ];
    for (text, expected) in cases {
        let file = d.write("bad.txt", text);
        let out = d.run(&["verify", "--ledger", &ledger, "--checkpoint", &file]);
        assert_eq!(out.code, 2, "{text}");
        assert!(out.stderr.contains(expected), "{}", out.stderr);
    }
    let missing = d.run(&["verify", "--ledger", &ledger, "--checkpoint", &d.arg("none.txt")]);
    assert_eq!(missing.code, 2);
    // A changed signature byte: a signed checkpoint that fails, a finding (exit 1).
    let mut flipped = good.into_bytes();
    let at = flipped.len() - 10;
    flipped[at] = if flipped[at] == b'A' { b'B' } else { b'A' };
    let file = d.write("flipped.txt", std::str::from_utf8(&flipped).unwrap());
    assert_eq!(checkpoint_finding(&d, &ledger, &file)["reason"], "checkpoint_signature_invalid");
}

#[test]
fn export_and_verify_bundle_exit_0_1_2_or_4_and_refuse_hostile_files() {
    let Recorded { d, ledger, key, pubkey } = recorded(6);
    let bundle = d.arg("b.json");
    let export = |out: &str, selection: &[&str]| {
        d.run(&[&["export", "--key", key.as_str(), "--ledger", &ledger, "--out", out][..], selection].concat())
    };
    let exported = export(&bundle, &["--from-seq", "1", "--to-seq", "3"]);
    assert_eq!(exported.code, 0, "{}", exported.stderr);
    let fingerprint = d.run(&["key", "fingerprint", "--key", &key]).stdout.trim().to_owned();
    assert!(exported.stderr.contains(&fingerprint), "{}", exported.stderr);

    let pinned = d.run(&["verify-bundle", &bundle, "--fingerprint", &fingerprint]);
    assert_eq!(pinned.code, 0, "{}", pinned.stdout);
    assert!(pinned.stdout.starts_with("valid: 3 lines (seq 1 to 3) of the ledger, proof level verifiable"));
    let by_key = d.run(&["verify-bundle", &bundle, "--pubkey", &pubkey, "--json"]);
    assert_eq!(json(&by_key.stdout)["proof_level"], "verifiable");
    let unpinned = d.run(&["verify-bundle", &bundle, "--json"]);
    assert_eq!(unpinned.code, 4, "{}", unpinned.stdout);
    let report = json(&unpinned.stdout);
    assert_eq!((report["ok"].as_bool(), report["pinned"].as_bool()), (Some(true), Some(false)));
    assert!(report["proof_level"].is_null());
    let (_, other) = d.key("other.key", 2);
    let wrong = d.run(&["verify-bundle", &bundle, "--pubkey", &other, "--json"]);
    assert_eq!((wrong.code, json(&wrong.stdout)["reason"].as_str()), (1, Some("bundle_key_mismatch")));

    // A second export to the same path is refused; the first bundle stays.
    let before = bytes(&d.path("b.json"));
    let again = export(&bundle, &["--from-seq", "0", "--to-seq", "0"]);
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("exists"), "{}", again.stderr);
    assert_eq!(bytes(&d.path("b.json")), before);
    let beyond = export(&d.arg("c.json"), &["--from-seq", "2", "--to-seq", "9"]);
    assert_eq!(beyond.code, 2);
    assert!(!d.path("c.json").exists(), "a refused export writes nothing");
    let times = export(&d.arg("c.json"), &["--from", "2020-01-01T00:00:00Z", "--to", "yesterday"]);
    assert_eq!(times.code, 2);
    assert!(times.stderr.contains("--to is not of the form"), "{}", times.stderr);
    assert!(!d.path("c.json").exists());

    // A lying bundle: a changed line is a finding; what it quotes is escaped.
    let text = fs::read_to_string(d.path("b.json")).unwrap();
    let hostile = d.write("hostile.json", &text.replacen("provedex-bundle/v1", "\\u001b[2J\\u001b]0;owned\\u0007", 1));
    let out = d.run(&["verify-bundle", &hostile, "--fingerprint", &fingerprint]);
    assert_eq!(out.code, 1);
    assert!(
        out.stdout.contains("bundle_malformed") && !out.stdout.contains('\u{1b}') && !out.stdout.contains('\u{7}'),
        "{}",
        out.stdout
    );
    let not_json = d.write("not.json", "\u{1b}[31mred");
    let out = d.run(&["verify-bundle", &not_json, "--json", "--fingerprint", &fingerprint]);
    assert_eq!(json(&out.stdout)["reason"], "bundle_malformed");

    // Not a regular file: refused before it is opened.
    let fifo = d.path("fifo");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let out = d.run(&["verify-bundle", &d.arg("fifo"), "--fingerprint", &fingerprint]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("not a regular file"), "{}", out.stderr);
    let bad_fp = d.run(&["verify-bundle", &bundle, "--fingerprint", "sha256:XYZ"]);
    assert_eq!(bad_fp.code, 2);
}
