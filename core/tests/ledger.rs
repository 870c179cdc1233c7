//! The ledger writer, streaming verification of files, and recovery.

mod common;

use std::fs;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use common::{chain, ended, ledger_error_kind, ledger_text, one_of_each, other_key, seed_key};
use provedex_core::canonical::Map;
use provedex_core::event::ToolCalled;
use provedex_core::{
    AgentEvent, Digest, Error, GENESIS_PARENT_HASH, LedgerErrorKind, MAX_LINE_BYTES, Reason, RecoverOutcome, Session,
    SigningKeypair, Value, Verifier, recover, sign_event_at,
};

fn verify(path: &Path) -> provedex_core::ChainReport {
    Verifier::new().file(path).unwrap()
}

#[test]
fn session_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Session>();
}

#[test]
fn records_create_the_ledger_and_verify() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/dir/ledger.ndjson");
    let key = seed_key();
    let session = Session::open(&key, &path, "s-1").unwrap();
    assert_eq!(session.session_id(), "s-1");
    let mut last = None;
    for (i, event) in one_of_each().iter().enumerate() {
        let signed = session.record(event).unwrap();
        assert_eq!(signed.seq, i as u64);
        last = Some(signed);
    }
    drop(session);
    let text = fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 7);
    assert_eq!(text.lines().last().unwrap(), last.as_ref().unwrap().to_json());
    let report = verify(&path);
    assert!(report.ok, "{}", report.message);
    assert_eq!(report.root_hash, Some(last.unwrap().self_hash));
}

#[test]
fn reopening_resumes_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.ndjson");
    let key = seed_key();
    let first = Session::open(&key, &path, "a").unwrap().record(&ended("one")).unwrap();
    let session = Session::open(&key, &path, "b").unwrap();
    assert_eq!(session.next_seq(), Some(1));
    let second = session.record(&ended("two")).unwrap();
    assert_eq!(second.seq, 1);
    assert_eq!(second.parent_hash, first.self_hash);
    assert!(second.timestamp_nanos >= first.timestamp_nanos);
    drop(session);
    assert_eq!(verify(&path).event_count, 2);
}

// Pins: LF-12.
#[test]
fn timestamps_never_go_backwards_even_after_a_future_tail() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.ndjson");
    let key = seed_key();
    let future = provedex_core::seal::now_nanos() + 3_600_000_000_000;
    let tail = sign_event_at(&ended("from the future"), 0, future, &provedex_core::GENESIS_PARENT_HASH, &key).unwrap();
    fs::write(&path, tail.to_json() + "\n").unwrap();
    let next = Session::open(&key, &path, "s").unwrap().record(&ended("now")).unwrap();
    assert!(next.timestamp_nanos >= future);
}

#[test]
fn a_ledger_holding_the_largest_seq_accepts_no_more_events() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.ndjson");
    let key = seed_key();
    let parent = provedex_core::ChainHash([3; 32]);
    let last = sign_event_at(&ended("last"), u64::MAX - 1, 5, &parent, &key).unwrap();
    fs::write(&path, last.to_json() + "\n").unwrap();
    let session = Session::open(&key, &path, "s").unwrap();
    assert_eq!(session.record(&ended("max")).unwrap().seq, u64::MAX);
    assert_eq!(session.next_seq(), None);
    let (kind, message) = ledger_error_kind(session.record(&ended("past")));
    assert_eq!(kind, LedgerErrorKind::Unusable);
    assert!(message.contains("the ledger is full"), "{message}");
    drop(session);
    let reopened = Session::open(&key, &path, "s").unwrap();
    assert_eq!(ledger_error_kind(reopened.record(&ended("past"))).0, LedgerErrorKind::Unusable);
}

#[test]
fn sixteen_threads_share_one_session() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.ndjson");
    let session = Arc::new(Session::open(&seed_key(), &path, "threads").unwrap());
    let handles: Vec<_> = (0..16)
        .map(|t| {
            let session = Arc::clone(&session);
            std::thread::spawn(move || {
                for i in 0..1000 {
                    session.record(&ended(&format!("thread {t} event {i}"))).unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    drop(session);
    let report = verify(&path);
    assert!(report.ok, "{}", report.message);
    assert_eq!(report.event_count, 16_000);
    // Every thread's 1,000 events are there, each exactly once.
    let text = fs::read_to_string(&path).unwrap();
    for t in 0..16 {
        assert_eq!(text.matches(&format!("\"thread {t} event ")).count(), 1000);
    }
}

#[test]
fn a_second_writer_is_refused_while_the_first_holds_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.ndjson");
    let first = Session::open(&seed_key(), &path, "a").unwrap();
    first.record(&ended("x")).unwrap();
    let (kind, message) = ledger_error_kind(Session::open(&seed_key(), &path, "b"));
    assert_eq!(kind, LedgerErrorKind::Locked);
    assert!(message.contains("locked by another writer"), "{message}");
    let (kind, _) = ledger_error_kind(recover(&path));
    assert_eq!(kind, LedgerErrorKind::Locked);
    drop(first);
    Session::open(&seed_key(), &path, "c").unwrap();
}

#[test]
fn invalid_events_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.ndjson");
    let session = Session::open(&seed_key(), &path, "s").unwrap();
    session.record(&ended("ok")).unwrap();
    let before = fs::read(&path).unwrap();
    let mut deep = Value::Null;
    for _ in 0..200 {
        deep = Value::Array(vec![deep]);
    }
    let bad = AgentEvent::ToolCalled(ToolCalled {
        tool_name: "t".into(),
        args_sha256: Digest([0; 32]),
        args_redacted: Map::from([("deep".to_owned(), deep)]),
    });
    assert!(matches!(session.record(&bad), Err(Error::Signing { reason: Reason::MalformedJson, .. })));
    let huge = ended(&"x".repeat(MAX_LINE_BYTES));
    assert!(
        matches!(session.record(&huge), Err(Error::Signing { reason: Reason::LineTooLong, message: m }) if m.contains("at most"))
    );
    assert_eq!(fs::read(&path).unwrap(), before);
    assert_eq!(session.record(&ended("next")).unwrap().seq, 1);
}

// Pins: LF-5.
#[test]
fn sign_event_refuses_a_line_a_reader_would_reject() {
    let key = seed_key();
    let fits = |len: usize| sign_event_at(&ended(&"x".repeat(len)), 0, 0, &GENESIS_PARENT_HASH, &key);
    let overhead = fits(0).unwrap().line_len();
    let largest = fits(MAX_LINE_BYTES - overhead).unwrap();
    assert_eq!(largest.line_len(), MAX_LINE_BYTES);
    assert_eq!(largest.to_json().len(), MAX_LINE_BYTES);
    let err = fits(MAX_LINE_BYTES - overhead + 1).unwrap_err();
    assert!(matches!(err, Error::Signing { reason: Reason::LineTooLong, .. }), "{err}");
}

/// Writes a valid 3-event ledger signed by the seed key.
fn three_event_ledger(path: &Path) -> String {
    let text = ledger_text(&chain(&one_of_each()[..3], &seed_key()));
    fs::write(path, &text).unwrap();
    text
}

// Pins: LF-16, LF-17.
#[test]
fn torn_tail_refuses_resume_then_recover_fixes_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.ndjson");
    let good = three_event_ledger(&path);
    let torn = "{\"seq\":3,\"timestamp_nanos\":4000,\"event\":{\"type\":\"Sess";
    fs::OpenOptions::new().append(true).open(&path).unwrap().write_all(torn.as_bytes()).unwrap();
    let damaged = fs::read(&path).unwrap();

    let (kind, message) = ledger_error_kind(Session::open(&seed_key(), &path, "s"));
    assert_eq!(kind, LedgerErrorKind::TornTail);
    assert!(message.contains("provedex recover --ledger"), "{message}");
    assert_eq!(fs::read(&path).unwrap(), damaged, "a refused open writes nothing");

    let report = verify(&path);
    assert_eq!((report.reason, report.broken_at, report.line), (Some(Reason::TornTail), Some(3), Some(4)));
    assert_eq!(report.event_count, 3);

    let RecoverOutcome::Truncated { offset, removed_bytes, backup, report } = recover(&path).unwrap() else {
        panic!("expected a truncation");
    };
    assert_eq!(offset, good.len() as u64);
    assert_eq!(removed_bytes, torn.len() as u64);
    assert_eq!(backup, dir.path().join(format!("ledger.ndjson.torn-{offset}")));
    assert_eq!(fs::read_to_string(&backup).unwrap(), torn);
    assert!(report.ok && report.event_count == 3);
    assert_eq!(fs::read_to_string(&path).unwrap(), good);

    let next = Session::open(&seed_key(), &path, "s").unwrap().record(&ended("resumed")).unwrap();
    assert_eq!(next.seq, 3);
    assert_eq!(verify(&path).event_count, 4);
    assert!(matches!(recover(&path).unwrap(), RecoverOutcome::NothingToRecover(r) if r.ok));
}

#[test]
fn a_second_torn_line_at_the_same_offset_gets_a_new_backup_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l");
    let good = three_event_ledger(&path);
    fs::write(dir.path().join(format!("l.torn-{}", good.len())), "older").unwrap();
    fs::write(&path, format!("{good}{{\"seq\"")).unwrap();
    let RecoverOutcome::Truncated { backup, .. } = recover(&path).unwrap() else { panic!() };
    assert_eq!(backup, dir.path().join(format!("l.torn-{}.1", good.len())));
    assert_eq!(fs::read_to_string(dir.path().join(format!("l.torn-{}", good.len()))).unwrap(), "older");
}

// Pins: LF-17.
#[test]
fn recover_refuses_any_other_damage_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.ndjson");
    let good = three_event_ledger(&path);
    let edited = good.replacen("\"prompt_tokens\":100", "\"prompt_tokens\":101", 1);
    fs::write(&path, format!("{edited}{{\"torn")).unwrap();
    let before = fs::read(&path).unwrap();
    let (kind, message) = ledger_error_kind(recover(&path));
    assert_eq!(kind, LedgerErrorKind::Broken);
    assert!(message.contains("hash_mismatch") || message.contains("does not match"), "{message}");
    assert_eq!(fs::read(&path).unwrap(), before);
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "no backup was written");
}

// Pins: LF-16.
#[test]
fn resume_refuses_a_broken_or_foreign_tail() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.ndjson");
    let good = three_event_ledger(&path);

    let (kind, message) = ledger_error_kind(Session::open(&other_key(), &path, "s"));
    assert_eq!(kind, LedgerErrorKind::ForeignKey);
    assert!(message.contains(&seed_key().pubkey_hex()), "{message}");

    let edited = good.replacen("\"prompt_tokens\":100", "\"prompt_tokens\":7", 1);
    fs::write(&path, &edited).unwrap();
    let (kind, message) = ledger_error_kind(Session::open(&seed_key(), &path, "s"));
    assert_eq!(kind, LedgerErrorKind::Broken);
    assert!(message.contains("does not verify"), "{message}");

    for damaged in [format!("{good}\n"), good.replace('\n', "\r\n"), format!("{good}{{}}\n")] {
        fs::write(&path, &damaged).unwrap();
        let (kind, _) = ledger_error_kind(Session::open(&seed_key(), &path, "s"));
        assert_eq!(kind, LedgerErrorKind::Broken, "{damaged:?}");
        assert_eq!(fs::read_to_string(&path).unwrap(), damaged);
    }
}

#[test]
fn file_framing_problems_are_reported_with_line_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l");
    let good = three_event_ledger(&path);
    let lines: Vec<&str> = good.lines().collect();
    let cases = [
        (format!("{}\n\n{}\n", lines[0], lines[1]), Reason::EmptyLine, 2, 1),
        (format!("{}\r\n{}\n", lines[0], lines[1]), Reason::CrlfLineEnding, 1, 0),
        (format!("{}\n{}", lines[0], lines[1]), Reason::TornTail, 2, 1),
        (format!("{}\n{}\n", lines[0], lines[2]), Reason::SeqMismatch, 2, 1),
        (format!("{}\nnot json\n", lines[0]), Reason::MalformedJson, 2, 1),
    ];
    for (text, reason, line, broken_at) in cases {
        fs::write(&path, &text).unwrap();
        let r = verify(&path);
        assert_eq!((r.reason, r.line, r.broken_at), (Some(reason), Some(line), Some(broken_at)), "{text:?}");
        assert!(r.message.starts_with(&format!("broken at line {line} (seq {broken_at}): ")), "{}", r.message);
    }
}

// Pins: LF-4.
#[test]
fn overlong_lines_are_refused_without_reading_them_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l");
    let good = three_event_ledger(&path);
    let mut file = fs::OpenOptions::new().append(true).open(&path).unwrap();
    file.write_all(&vec![b'x'; MAX_LINE_BYTES + 10]).unwrap();
    file.write_all(b"\n").unwrap();
    let r = verify(&path);
    assert_eq!((r.reason, r.line, r.event_count), (Some(Reason::LineTooLong), Some(4), 3));
    assert!(good.len() < 10_000);
}

// Pins: VF-2.
#[test]
fn missing_empty_and_non_file_ledgers() {
    let dir = tempfile::tempdir().unwrap();
    let (kind, message) = ledger_error_kind(Verifier::new().file(dir.path().join("absent")));
    assert_eq!(kind, LedgerErrorKind::Io);
    assert!(message.contains("no such ledger file"), "{message}");
    let (kind, _) = ledger_error_kind(Verifier::new().file(dir.path()));
    assert_eq!(kind, LedgerErrorKind::Unusable);
    let (kind, message) = ledger_error_kind(recover(dir.path().join("absent")));
    assert_eq!(kind, LedgerErrorKind::Io);
    assert!(message.contains("no such ledger file"), "{message}");
    assert!(!dir.path().join("absent").exists(), "recover creates nothing");
    assert_eq!(ledger_error_kind(recover(dir.path())).0, LedgerErrorKind::Unusable);
    let empty = dir.path().join("empty");
    fs::write(&empty, "").unwrap();
    let r = verify(&empty);
    assert!(r.ok && r.event_count == 0 && r.root_hash.is_none());
    let (kind, message) = ledger_error_kind(Session::open(&seed_key(), dir.path(), "s"));
    assert_eq!(kind, LedgerErrorKind::Unusable, "{message}");
    assert!(message.contains("not a regular file"), "{message}");
}

#[test]
fn pinned_key_applies_to_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l");
    three_event_ledger(&path);
    let wrong = SigningKeypair::from_seed(&[9; 32]).public_key();
    let r = Verifier::new().pinned_pubkey(wrong).file(&path).unwrap();
    assert_eq!((r.reason, r.broken_at), (Some(Reason::PubkeyMismatch), Some(0)));
    assert!(Verifier::new().pinned_pubkey(seed_key().public_key()).file(&path).unwrap().ok);
}

mod properties {
    use proptest::prelude::*;
    use provedex_core::{SignedEvent, Verifier};

    use super::common::{chain, ledger_text, one_of_each, seed_key};

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Any edit of a valid ledger (overwrite, delete or insert a byte
        /// range) yields a report that is consistent with itself, and the
        /// good prefix it reports really is the file's prefix.
        #[test]
        fn edited_ledgers_get_consistent_reports(
            at in any::<prop::sample::Index>(),
            len in 0usize..8,
            bytes in prop::collection::vec(any::<u8>(), 0..8),
            kind in 0u8..3,
        ) {
            let original = ledger_text(&chain(&one_of_each(), &seed_key())).into_bytes();
            let start = at.index(original.len());
            let end = (start + len).min(original.len());
            let mut edited = original.clone();
            match kind {
                0 => { edited.splice(start..end, bytes.iter().copied()); }
                1 => { edited.drain(start..end); }
                _ => { edited.splice(start..start, bytes.iter().copied()); }
            }
            let report = Verifier::new().reader(&edited[..]).unwrap();
            prop_assert_eq!(report.ok, report.reason.is_none());
            prop_assert_eq!(report.ok, report.broken_at.is_none());
            prop_assert_eq!(report.root_hash.is_none(), report.event_count == 0);
            if let Some(at) = report.broken_at {
                prop_assert_eq!(at, report.event_count);
            }
            // The verified prefix is byte-identical to the original's first lines.
            let good: usize = original.split_inclusive(|b| *b == b'\n').take(report.event_count as usize).map(<[u8]>::len).sum();
            if report.ok {
                // An edit that still verifies changed no signed content: its lines read
                // back as the original's first events (whitespace between tokens is free).
                let events = chain(&one_of_each(), &seed_key());
                for (i, line) in edited.split(|b| *b == b'\n').filter(|l| !l.is_empty()).enumerate() {
                    prop_assert_eq!(&SignedEvent::from_line(line).unwrap(), &events[i]);
                }
            }
            prop_assert!(report.event_count as usize <= 7);
            prop_assert_eq!(&edited[..good.min(edited.len())], &original[..good.min(edited.len())]);
        }
    }
}
