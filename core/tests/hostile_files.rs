//! Files and inputs an attacker or an accident can hand the core: huge or
//! special key files and ledgers, files that are not ledgers given to
//! `recover`, and strings that carry terminal escapes into messages.

mod common;

use std::ffi::CString;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use common::{chain, child_test, ledger_error_kind, ledger_text, one_of_each, seed_key};
use provedex_core::{
    AgentEvent, ChainHash, Error, KeyFile, LedgerErrorKind, RecoverOutcome, Session, SigningKeypair, Verifier, recover,
};

const CHILD_LEDGER: &str = "PROVEDEX_READ_ONLY_LEDGER";

fn mkfifo(path: &Path) {
    let c = CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

/// Runs `f` on another thread and fails the test if it has not returned
/// within 20 s (a call that blocks on a FIFO would otherwise hang the suite).
fn promptly<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || send.send(f()));
    receive.recv_timeout(Duration::from_secs(20)).expect("the call blocked instead of refusing")
}

/// A valid ledger of the seven sample events at `dir/ledger.ndjson`.
fn valid_ledger(dir: &Path) -> PathBuf {
    let path = dir.join("ledger.ndjson");
    fs::write(&path, ledger_text(&chain(&one_of_each(), &seed_key()))).unwrap();
    path
}

fn assert_no_raw_controls(text: &str) {
    for c in text.chars() {
        let bidi = matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        assert!(!(c.is_control() || bidi), "raw {c:?} in {text:?}");
    }
}

#[test]
fn a_huge_key_file_is_refused_by_its_size_without_reading_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.key");
    let file = fs::File::create(&path).unwrap();
    // Sparse: no disk used. Reading it whole would need a terabyte of memory.
    file.set_len(1 << 40).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
    let shown = path.clone();
    let Err(Error::KeyLoad(message)) = promptly(move || SigningKeypair::load(&shown)) else {
        panic!("a huge key file must be refused")
    };
    assert!(message.contains("holds exactly 32 bytes") && message.contains("1099511627776"), "{message}");
}

#[test]
fn fifos_are_refused_at_once_as_keys_and_ledgers() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    mkfifo(&fifo);
    let path = fifo.clone();
    let Err(Error::KeyLoad(message)) = promptly(move || SigningKeypair::load(&path)) else {
        panic!("a FIFO is not a key file")
    };
    assert!(message.contains("not a regular file"), "{message}");
    let path = fifo.clone();
    let (kind, message) = ledger_error_kind(promptly(move || Verifier::new().file(&path)));
    assert_eq!(kind, LedgerErrorKind::Unusable);
    assert!(message.contains("not a regular file"), "{message}");
    let path = fifo.clone();
    assert_eq!(ledger_error_kind(promptly(move || recover(&path))).0, LedgerErrorKind::Unusable);
    let path = fifo.clone();
    assert_eq!(
        ledger_error_kind(promptly(move || Session::open(&seed_key(), &path, "s"))).0,
        LedgerErrorKind::Unusable
    );
}

/// `recover` must leave `path` exactly as it was and say why.
fn assert_recover_refuses(path: &Path, says: &str) -> String {
    let before = fs::read(path).unwrap();
    let (kind, message) = ledger_error_kind(recover(path));
    assert_eq!(kind, LedgerErrorKind::Broken, "{message}");
    assert!(message.contains(says), "{message}");
    assert_eq!(fs::read(path).unwrap(), before, "recover changed a file it refused");
    let leftovers: Vec<_> = fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".torn-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    message
}

// Pins: LF-17.
#[test]
fn recover_refuses_files_that_are_not_ledgers() {
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes.txt");
    fs::write(&notes, "notes").unwrap();
    let message = assert_recover_refuses(&notes, "does not begin with '{'");
    assert!(message.contains("No line verifies"), "{message}");

    // Binary junk without LF after a valid chain.
    let ledger = valid_ledger(dir.path());
    let mut bytes = fs::read(&ledger).unwrap();
    let junk: Vec<u8> = (0..1_000_000u32).map(|i| 0x80 | (i % 0x7f) as u8).collect();
    bytes.extend_from_slice(&junk);
    fs::write(&ledger, &bytes).unwrap();
    assert_recover_refuses(&ledger, "does not begin with '{'");
    // Junk that does begin like a line.
    bytes.truncate(bytes.len() - junk.len());
    bytes.extend_from_slice(b"{\"seq\":7,\xff\xfe garbage");
    fs::write(&ledger, &bytes).unwrap();
    assert_recover_refuses(&ledger, "it is not UTF-8");
    bytes.truncate(bytes.len() - 19);
    bytes.extend_from_slice(b"{\"seq\":7,\x00\x01");
    fs::write(&ledger, &bytes).unwrap();
    assert_recover_refuses(&ledger, "it holds a control character");
}

#[test]
fn damage_recover_must_not_touch_says_what_verifies_and_what_to_run() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = valid_ledger(dir.path());
    let good = fs::metadata(&ledger).unwrap().len();
    for tail in [&b"\n"[..], b"junk\n", b"{\"seq\":7}\n"] {
        let mut bytes = fs::read(&ledger).unwrap();
        bytes.truncate(good as usize);
        bytes.extend_from_slice(tail);
        fs::write(&ledger, &bytes).unwrap();
        let message = assert_recover_refuses(&ledger, "The first 7 lines");
        assert!(message.contains(&format!("head -c {good} ")), "{message}");
        // Resuming names the same next steps.
        let (kind, message) = ledger_error_kind(Session::open(&seed_key(), &ledger, "s"));
        assert_eq!(kind, LedgerErrorKind::Broken);
        assert!(message.contains("provedex verify --ledger") && message.contains("provedex recover"), "{message}");
    }
}

#[test]
fn a_torn_line_cut_inside_a_character_is_recovered() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = valid_ledger(dir.path());
    let good = fs::metadata(&ledger).unwrap().len();
    let mut bytes = fs::read(&ledger).unwrap();
    let line = "{\"seq\":7,\"event\":{\"type\":\"UtteranceSpoken\",\"payload\":{\"text\":\"h€".as_bytes();
    // The last byte of '€' is missing: the write stopped inside the character.
    bytes.extend_from_slice(&line[..line.len() - 1]);
    fs::write(&ledger, &bytes).unwrap();
    let RecoverOutcome::Truncated { offset, report, .. } = recover(&ledger).unwrap() else { panic!("nothing cut") };
    assert_eq!(offset, good);
    assert!(report.ok);
}

#[test]
fn the_backup_has_the_ledgers_mode_and_never_follows_a_link() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = valid_ledger(dir.path());
    let good = fs::metadata(&ledger).unwrap().len();
    let torn = b"{\"seq\":7,\"timestamp_nanos\":17";
    for (mode, expected_name) in
        [(0o600, format!("ledger.ndjson.torn-{good}")), (0o640, format!("ledger.ndjson.torn-{good}.2"))]
    {
        let mut bytes = fs::read(&ledger).unwrap();
        bytes.extend_from_slice(torn);
        fs::write(&ledger, &bytes).unwrap();
        fs::set_permissions(&ledger, fs::Permissions::from_mode(mode)).unwrap();
        if mode == 0o640 {
            // A link planted where the next backup would go points at a file the backup must not replace.
            let victim = dir.path().join("victim");
            fs::write(&victim, "keep me").unwrap();
            std::os::unix::fs::symlink(&victim, dir.path().join(format!("ledger.ndjson.torn-{good}.1"))).unwrap();
        }
        let RecoverOutcome::Truncated { backup, .. } = recover(&ledger).unwrap() else { panic!("nothing cut") };
        assert_eq!(backup, dir.path().join(&expected_name));
        assert_eq!(fs::read(&backup).unwrap(), torn);
        assert_eq!(fs::metadata(&backup).unwrap().permissions().mode() & 0o777, mode);
    }
    assert_eq!(fs::read_to_string(dir.path().join("victim")).unwrap(), "keep me");
}

/// Runs `recover` on a ledger this process may read but not write (as
/// root, after switching to the user `nobody`, since root may write anyway).
#[test]
#[ignore = "the process of recover_with_nothing_to_do_needs_no_write_access"]
fn read_only_recover_child() {
    let path = std::env::var(CHILD_LEDGER).expect("run by the read-only test");
    // SAFETY: plain system calls; this process runs one test on one thread.
    if unsafe { libc::geteuid() } == 0 {
        assert_eq!(unsafe { libc::setgid(65534) }, 0);
        assert_eq!(unsafe { libc::setuid(65534) }, 0);
    }
    assert!(fs::OpenOptions::new().append(true).open(&path).is_err(), "the ledger must not be writable here");
    match recover(&path) {
        Ok(RecoverOutcome::NothingToRecover(report)) if report.ok => println!("recover: nothing to do"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn recover_with_nothing_to_do_needs_no_write_access() {
    let dir = tempfile::tempdir().unwrap();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let ledger = valid_ledger(dir.path());
    fs::set_permissions(&ledger, fs::Permissions::from_mode(0o444)).unwrap();
    let output = child_test("read_only_recover_child").env(CHILD_LEDGER, &ledger).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("recover: nothing to do"), "{stdout}");
}

// Pins: VF-5.
#[test]
fn messages_escape_what_the_input_carries() {
    let json_escapes = "\\r\\u001b[2Kvalid: 4 events\\u001b[8m\u{9b}\u{202e}";
    // An unknown member, an unknown type, a duplicate key and a bad digest, each carrying escapes.
    let inputs = [
        format!(r#"{{"type":"SessionEnded","payload":{{"reason":"r","summary_sha256":"","{json_escapes}":1}}}}"#),
        format!(r#"{{"type":"{json_escapes}","payload":{{}}}}"#),
        format!(r#"{{"type":"SessionEnded","{json_escapes}":1,"{json_escapes}":2}}"#),
        format!(r#"{{"type":"SessionEnded","payload":{{"reason":"r","summary_sha256":"{json_escapes}"}}}}"#),
    ];
    for input in inputs {
        let message = AgentEvent::from_json(input.as_bytes()).unwrap_err().to_string();
        assert_no_raw_controls(&message);
        assert!(message.contains("\\r\\x1b[2Kvalid"), "{message}");
    }
    // The same member name inside a ledger line reaches the report's message escaped.
    let dir = tempfile::tempdir().unwrap();
    let ledger = valid_ledger(dir.path());
    let text = fs::read_to_string(&ledger).unwrap();
    let tampered = text.replacen("{\"seq\":3,", &format!("{{\"seq\":3,\"{json_escapes}\":0,"), 1);
    fs::write(&ledger, tampered).unwrap();
    let report = Verifier::new().file(&ledger).unwrap();
    assert!(!report.ok);
    assert_no_raw_controls(&report.message);
    assert!(report.message.contains("\\u{9b}\\u{202e}"), "{}", report.message);
}

#[test]
fn quoted_input_is_capped_and_hex_lengths_count_bytes() {
    let digest = "z".repeat(10_000_000);
    let event = format!(r#"{{"type":"SessionEnded","payload":{{"reason":"r","summary_sha256":"{digest}"}}}}"#);
    let message = AgentEvent::from_json(event.as_bytes()).unwrap_err().to_string();
    assert!(message.len() < 400 && message.contains("(10000000 bytes in all)"), "{message}");

    let parent = format!("é{}", "0".repeat(62));
    let why = ChainHash::from_hex(&parent).unwrap_err();
    assert_eq!(why, "must be lowercase hex, found a non-ASCII character at position 0");
}
