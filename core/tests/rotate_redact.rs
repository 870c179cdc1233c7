//! The writer's 1.1 operations: key rotation and redactions
//! (spec/ledger-format.md, "Key rotation", "Redactions", "Opening and resuming").

mod common;

use std::fs;
use std::path::Path;
use std::sync::Arc;

use common::{ended, ledger_error_kind, other_key, seed_key};
use provedex_core::{
    AgentEvent, Durability, Error, LedgerErrorKind, Reason, Session, SessionOptions, SigningKeypair, Verifier,
};

fn third_key() -> SigningKeypair {
    SigningKeypair::from_seed(&[0x5a; 32])
}

fn lines(path: &Path) -> Vec<String> {
    fs::read_to_string(path).unwrap().lines().map(str::to_owned).collect()
}

fn signing_reason<T: std::fmt::Debug>(result: provedex_core::Result<T>) -> Reason {
    match result {
        Err(Error::Signing { reason, .. }) => reason,
        other => panic!("expected a signing refusal, got {other:?}"),
    }
}

#[test]
fn a_rotated_ledger_is_signed_by_the_new_key_after_the_rotation_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.ndjson");
    let (old, new) = (seed_key(), other_key());
    let session = Session::open(&old, &path, "s").unwrap();
    session.record(&ended("before")).unwrap();
    let rotation = session.rotate_key(&new).unwrap();
    assert_eq!(session.pubkey_hex(), new.pubkey_hex());
    let after = session.record(&ended("after")).unwrap();
    drop(session);

    assert_eq!(rotation.signer_pubkey, old.public_key(), "the old key signs the rotation line");
    let AgentEvent::KeyRotated(payload) = &rotation.event else { panic!("not a rotation: {rotation:?}") };
    assert_eq!(payload.new_pubkey, new.public_key());
    assert_eq!(payload.proof, new.prove_rotation(old.public_key(), rotation.seq, rotation.parent_hash));
    assert_eq!(after.signer_pubkey, new.public_key());
    assert_eq!(after.parent_hash, rotation.self_hash);
    assert_eq!(lines(&path).len(), 3);

    let report = Verifier::new().pinned_pubkey(Some(old.public_key())).file(&path).unwrap();
    assert!(report.ok, "{}", report.message);
    assert_eq!(report.signers, vec![old.public_key(), new.public_key()]);
}

#[test]
fn resuming_after_a_rotation_needs_the_new_key_and_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.ndjson");
    let (old, new) = (seed_key(), other_key());
    let session = Session::open(&old, &path, "s").unwrap();
    session.record(&ended("one")).unwrap();
    session.rotate_key(&new).unwrap();
    drop(session);
    let before = fs::read(&path).unwrap();

    // The rotation is the last line: the old key signed it, yet it is out.
    let (kind, message) = ledger_error_kind(Session::open(&old, &path, "again"));
    assert_eq!(kind, LedgerErrorKind::ForeignKey);
    assert!(message.contains("rotated out") && message.contains(&new.pubkey_hex()), "{message}");
    let (kind, message) = ledger_error_kind(Session::open(&third_key(), &path, "again"));
    assert_eq!(kind, LedgerErrorKind::ForeignKey);
    assert!(message.contains(&new.pubkey_hex()), "{message}");
    assert_eq!(fs::read(&path).unwrap(), before, "a refused open changes nothing");

    let session = Session::open(&new, &path, "again").unwrap();
    assert_eq!(session.next_seq(), Some(2));
    session.record(&ended("two")).unwrap();
    drop(session);

    // Later lines are the new key's: the old key is refused again.
    let (kind, message) = ledger_error_kind(Session::open(&old, &path, "late"));
    assert_eq!(kind, LedgerErrorKind::ForeignKey);
    assert!(message.contains(&new.pubkey_hex()), "{message}");
    assert!(Verifier::new().file(&path).unwrap().ok);
}

#[test]
fn a_rotation_to_the_current_key_is_refused_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.ndjson");
    let key = seed_key();
    let session = Session::open(&key, &path, "s").unwrap();
    session.record(&ended("one")).unwrap();
    assert_eq!(signing_reason(session.rotate_key(&key)), Reason::RotationKeyInvalid);
    assert_eq!(session.next_seq(), Some(1));
    drop(session);
    assert_eq!(lines(&path).len(), 1);
}

#[test]
fn rotations_during_concurrent_group_commit_keep_every_line_under_the_right_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.ndjson");
    let keys = [seed_key(), other_key(), third_key()];
    let options = SessionOptions::new().durability(Durability::Group);
    let session = Arc::new(Session::open_with(&keys[0], &path, "s", &options).unwrap());
    let writers: Vec<_> = (0..4)
        .map(|t| {
            let session = Arc::clone(&session);
            std::thread::spawn(move || {
                for i in 0..50 {
                    session.record(&ended(&format!("{t}-{i}"))).unwrap();
                }
            })
        })
        .collect();
    session.rotate_key(&keys[1]).unwrap();
    session.rotate_key(&keys[2]).unwrap();
    for writer in writers {
        writer.join().unwrap();
    }
    drop(session);
    assert_eq!(lines(&path).len(), 202);
    let report = Verifier::new().pinned_pubkey(Some(keys[0].public_key())).file(&path).unwrap();
    assert!(report.ok, "{}", report.message);
    assert_eq!(Session::open(&keys[2], &path, "next").unwrap().next_seq(), Some(202));
}

#[test]
fn a_redaction_names_its_target_by_seq_and_self_hash() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.ndjson");
    let (old, new) = (seed_key(), other_key());
    let session = Session::open(&old, &path, "s").unwrap();
    let target = session.record(&ended("remember me not")).unwrap();
    session.rotate_key(&new).unwrap();
    // A line signed before the rotation can be redacted by the new key.
    let redaction = session.redact(target.seq, "user_request", "ticket 42").unwrap();
    let AgentEvent::Redacted(payload) = &redaction.event else { panic!("not a redaction: {redaction:?}") };
    assert_eq!((payload.target_seq, payload.target_self_hash.0), (0, target.self_hash.0));
    assert_eq!((payload.reason.as_str(), payload.requested_by.as_str()), ("user_request", "ticket 42"));
    assert_eq!(redaction.signer_pubkey, new.public_key());
    // A second redaction of the same line is allowed.
    session.redact(target.seq, "again", "auditor").unwrap();
    drop(session);
    let report = Verifier::new().pinned_pubkey(Some(old.public_key())).file(&path).unwrap();
    assert!(report.ok, "{}", report.message);
}

#[test]
fn redactions_of_unknown_lines_and_of_redactions_are_refused_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.ndjson");
    let session = Session::open(&seed_key(), &path, "s").unwrap();
    session.record(&ended("one")).unwrap();
    let redaction = session.redact(0, "r", "w").unwrap();
    let before = fs::read(&path).unwrap();

    assert_eq!(signing_reason(session.redact(redaction.seq, "r", "w")), Reason::RedactionOfRedaction);
    assert_eq!(signing_reason(session.redact(2, "r", "w")), Reason::RedactionTargetUnknown);
    assert_eq!(signing_reason(session.redact(u64::MAX, "r", "w")), Reason::RedactionTargetUnknown);
    assert_eq!(session.next_seq(), Some(2));
    drop(session);
    assert_eq!(fs::read(&path).unwrap(), before);
}

#[test]
fn a_redaction_refuses_a_target_line_that_was_altered() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.ndjson");
    let key = seed_key();
    let session = Session::open(&key, &path, "s").unwrap();
    session.record(&ended("one")).unwrap();
    session.record(&ended("two")).unwrap();
    drop(session);
    let text = fs::read_to_string(&path).unwrap().replacen("one", "0ne", 1);
    fs::write(&path, &text).unwrap();
    let session = Session::open(&key, &path, "s").unwrap();
    let (kind, message) = ledger_error_kind(session.redact(0, "r", "w"));
    assert_eq!(kind, LedgerErrorKind::Broken);
    assert!(message.contains("line 1") && message.contains("hash_mismatch"), "{message}");
}
