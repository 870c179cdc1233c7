//! The uniffi-facing API, called from Rust: what every binding will see.

use std::sync::Arc;

use provedex_ffi::{
    AgentEvent, Durability, FsPath, ProvedexError, RecoverOutcome, Session, SigningKeypair, canonical_json,
    compute_self_hash, event_from_json, event_to_json, genesis_parent_hash, max_free_json_depth, max_json_depth,
    recover, sha256_hex, sign_event_at, signed_event_from_json, signed_event_to_json, verify_chain, verify_file,
    verify_signed_event,
};

const CHECK_EVENT: &str = r#"{"type":"SessionStarted","payload":{"agent_id":"agent-1","model_id":"llama3.2:3b","session_id":"session-demo"}}"#;

fn seed_key() -> Arc<SigningKeypair> {
    SigningKeypair::from_seed((0u8..32).collect()).unwrap()
}

/// One event of each variant, as JSON.
fn every_variant() -> Vec<String> {
    let d = "ab".repeat(32);
    vec![
        CHECK_EVENT.to_owned(),
        format!(
            r#"{{"type":"UtteranceCaptured","payload":{{"audio_sha256":"{d}","transcript":"hi","lang":"en-US","duration_ms":18446744073709551615}}}}"#
        ),
        format!(
            r#"{{"type":"ToolCalled","payload":{{"tool_name":"t","args_sha256":"{d}","args_redacted":{{"b":1.0,"a":[1,"x",null],"é":{{}}}}}}}}"#
        ),
        format!(
            r#"{{"type":"ToolReturned","payload":{{"tool_name":"t","result_sha256":"{d}","latency_ms":5,"success":false}}}}"#
        ),
        format!(
            r#"{{"type":"ModelInvoked","payload":{{"model_id":"m","prompt_sha256":"{d}","response_sha256":"{d}","prompt_tokens":4294967295,"response_tokens":0}}}}"#
        ),
        format!(r#"{{"type":"UtteranceSpoken","payload":{{"text_sha256":"{d}","text":"ok","audio_sha256":""}}}}"#),
        r#"{"type":"SessionEnded","payload":{"reason":"completed","summary_sha256":""}}"#.to_owned(),
    ]
}

/// The error's kind and code, with its detail.
fn kind(e: ProvedexError) -> (&'static str, String, String) {
    match e {
        ProvedexError::KeyLoad { detail } => ("KeyLoad", String::new(), detail),
        ProvedexError::Signing { code, detail } => ("Signing", code, detail),
        ProvedexError::Ledger { code, detail } => ("Ledger", code, detail),
        ProvedexError::Chain { code, detail } => ("Chain", code, detail),
        ProvedexError::Config { code, detail } => ("Config", code, detail),
    }
}

#[test]
fn the_check_value_through_the_ffi() {
    let key = seed_key();
    assert_eq!(key.pubkey_hex(), "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8");
    let event = event_from_json(CHECK_EVENT.into()).unwrap();
    let signed = sign_event_at(event.clone(), 0, 1_700_000_000_000_000_000, genesis_parent_hash(), key).unwrap();
    assert_eq!(signed.self_hash, "52299f4b70c1603526deb7b88cbaa03ca9eb1b91a3da038babb4a175041aec91");
    assert_eq!(
        compute_self_hash(event, 0, 1_700_000_000_000_000_000, genesis_parent_hash()).unwrap(),
        signed.self_hash
    );
    let line = signed_event_to_json(signed.clone()).unwrap();
    assert_eq!(signed_event_from_json(line.into_bytes()).unwrap(), signed);
    verify_signed_event(signed).unwrap();
}

#[test]
fn every_variant_crosses_and_comes_back_unchanged() {
    for json in every_variant() {
        let event = event_from_json(json.clone()).unwrap();
        let canonical = String::from_utf8(canonical_json(json.clone().into_bytes()).unwrap()).unwrap();
        assert_eq!(event_to_json(event.clone()).unwrap(), canonical, "{json}");
        assert_eq!(event_from_json(canonical).unwrap(), event);
    }
    let AgentEvent::ToolCalled { args_redacted, .. } = event_from_json(every_variant()[2].clone()).unwrap() else {
        panic!("not a ToolCalled")
    };
    assert_eq!(args_redacted, r#"{"a":[1,"x",null],"b":1.0,"é":{}}"#, "free JSON crosses as canonical text");
}

#[test]
fn sessions_record_resume_and_verify() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.ndjson");
    let key = seed_key();
    let session = Session::open(key.clone(), path.clone().into(), "s-1".into()).unwrap();
    assert_eq!(session.durability(), Durability::Group, "group commit is the default");
    for json in every_variant() {
        session.record(event_from_json(json).unwrap()).unwrap();
    }
    assert_eq!(session.next_seq(), Some(7));
    drop(session);
    let resumed =
        Session::open_with_durability(key.clone(), path.clone().into(), "s-2".into(), Durability::EveryEvent).unwrap();
    assert_eq!(resumed.durability(), Durability::EveryEvent);
    let last = resumed.record_json(every_variant()[0].clone()).unwrap();
    assert_eq!(last.seq, 7);
    drop(resumed);
    let report = verify_file(path.clone().into(), Some(key.pubkey_hex())).unwrap();
    assert!(report.ok, "{}", report.message);
    assert_eq!((report.event_count, report.root_hash.as_deref()), (8, Some(last.self_hash.as_str())));
    let other = SigningKeypair::from_seed(vec![9; 32]).unwrap().pubkey_hex();
    let pinned = verify_file(path.into(), Some(other)).unwrap();
    assert_eq!((pinned.ok, pinned.reason.as_deref(), pinned.broken_at), (false, Some("pubkey_mismatch"), Some(0)));
}

#[test]
fn verify_chain_reports_breaks_without_raising() {
    let key = seed_key();
    let mut parent = genesis_parent_hash();
    let mut chain = Vec::new();
    for (i, json) in every_variant().into_iter().enumerate() {
        let signed =
            sign_event_at(event_from_json(json).unwrap(), i as u64, 10 + i as u64, parent, key.clone()).unwrap();
        parent = signed.self_hash.clone();
        chain.push(signed);
    }
    assert!(verify_chain(chain.clone(), None).unwrap().ok);
    chain.remove(3);
    let report = verify_chain(chain.clone(), None).unwrap();
    assert_eq!((report.ok, report.reason.as_deref(), report.broken_at), (false, Some("seq_mismatch"), Some(3)));
    chain[0].signature = "00".repeat(64);
    assert_eq!(verify_chain(chain, None).unwrap().reason.as_deref(), Some("bad_signature"));
}

#[test]
fn each_error_kind_with_its_code_and_cause() {
    let dir = tempfile::tempdir().unwrap();
    let (k, _, m) = kind(SigningKeypair::from_seed(vec![1; 31]).err().unwrap());
    assert_eq!(k, "KeyLoad");
    assert!(m.contains("exactly 32 bytes"), "{m}");
    let (k, _, _) = kind(SigningKeypair::load(dir.path().join("none").into()).err().unwrap());
    assert_eq!(k, "KeyLoad");

    let bad_digest = r#"{"type":"SessionEnded","payload":{"reason":"x","summary_sha256":"XYZ"}}"#;
    let (k, code, m) = kind(event_from_json(bad_digest.into()).unwrap_err());
    assert_eq!((k, code.as_str()), ("Signing", "invalid_hex"));
    assert!(m.contains("payload.summary_sha256"), "{m}");
    let (_, code, _) = kind(event_from_json(r#"{"type":"SessionEnded","type":"x"}"#.into()).unwrap_err());
    assert_eq!(code, "duplicate_key");
    let (_, code, _) = kind(event_from_json(r#"{"type":"SessionEnded","payload":{"reason":"x"}}"#.into()).unwrap_err());
    assert_eq!(code, "missing_field");
    let event =
        AgentEvent::ToolCalled { tool_name: "t".into(), args_sha256: "0".repeat(64), args_redacted: "[1]".into() };
    let (k, code, m) = kind(event_to_json(event).unwrap_err());
    assert_eq!((k, code.as_str()), ("Signing", "wrong_type"));
    assert!(m.contains("payload.args_redacted: must be a JSON object"), "{m}");
    let unvalidated = AgentEvent::SessionEnded { reason: "x".into(), summary_sha256: "XYZ".into() };
    let (k, code, _) = kind(sign_event_at(unvalidated.clone(), 0, 0, genesis_parent_hash(), seed_key()).unwrap_err());
    assert_eq!((k, code.as_str()), ("Signing", "invalid_hex"));
    assert_eq!(kind(compute_self_hash(unvalidated, 0, 0, genesis_parent_hash()).unwrap_err()).0, "Signing");
    let (k, code, _) = kind(canonical_json(b"[1e400]".to_vec()).unwrap_err());
    assert_eq!((k, code.as_str()), ("Signing", "number_out_of_range"));
    assert_eq!(kind(canonical_json(b"\"\xff\"".to_vec()).unwrap_err()).1, "invalid_utf8");

    let (k, code, m) = kind(verify_file(dir.path().join("absent").into(), None).unwrap_err());
    assert_eq!((k, code.as_str()), ("Ledger", "io"));
    assert!(m.contains("no such ledger file"), "{m}");
    let path = dir.path().join("l");
    let _holder = Session::open(seed_key(), path.clone().into(), "a".into()).unwrap();
    let (k, code, m) = kind(Session::open(seed_key(), path.into(), "b".into()).err().unwrap());
    assert_eq!((k, code.as_str()), ("Ledger", "locked"));
    assert!(m.contains("locked"), "{m}");

    let (k, code, _) = kind(signed_event_from_json(b"{}".to_vec()).unwrap_err());
    assert_eq!((k, code.as_str()), ("Chain", "missing_field"));
    assert_eq!(kind(signed_event_from_json(b"{}\r".to_vec()).unwrap_err()).1, "crlf_line_ending");
    assert_eq!(kind(signed_event_from_json(Vec::new()).unwrap_err()).1, "empty_line");
    let mut signed =
        sign_event_at(event_from_json(CHECK_EVENT.into()).unwrap(), 0, 1, genesis_parent_hash(), seed_key()).unwrap();
    signed.timestamp_nanos += 1;
    let (k, code, m) = kind(verify_signed_event(signed.clone()).unwrap_err());
    assert_eq!((k, code.as_str()), ("Chain", "hash_mismatch"));
    assert!(m.contains("seq 0"), "{m}");
    signed.self_hash = "AB".repeat(32);
    let (k, code, m) = kind(verify_chain(vec![signed], None).unwrap_err());
    assert_eq!((k, code.as_str()), ("Chain", "invalid_hex"));
    assert!(m.contains("self_hash must be lowercase hex"), "{m}");
    assert_eq!(kind(verify_chain(vec![], Some("xyz".into())).unwrap_err()).1, "invalid_hex");
}

#[test]
fn digests_and_the_genesis_value() {
    assert_eq!(sha256_hex(b"abc".to_vec()), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_eq!(genesis_parent_hash(), "0".repeat(64));
}

#[test]
fn objects_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Session>();
    assert_send_sync::<SigningKeypair>();
}

#[test]
fn close_releases_the_lock_and_later_records_fail_as_closed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.ndjson");
    let session = Session::open(seed_key(), path.clone().into(), "s".into()).unwrap();
    session.record_json(CHECK_EVENT.into()).unwrap();
    session.close().unwrap();
    session.close().unwrap();
    let (k, code, m) = kind(session.record_json(CHECK_EVENT.into()).unwrap_err());
    assert_eq!((k, code.as_str()), ("Ledger", "closed"));
    assert!(m.contains("closed"), "{m}");
    // The object is still alive: the lock went with close, not with the drop.
    let next = Session::open(seed_key(), path.clone().into(), "s".into()).unwrap();
    assert_eq!(next.next_seq(), Some(1));
    assert_eq!(session.session_id(), "s");
}

#[test]
fn recover_cuts_a_torn_tail_and_says_what_it_did() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.ndjson");
    let session = Session::open(seed_key(), path.clone().into(), "s".into()).unwrap();
    let first = session.record_json(CHECK_EVENT.into()).unwrap();
    drop(session);
    match recover(path.clone().into()).unwrap() {
        RecoverOutcome::NothingToRecover { report } => assert!(report.ok && report.event_count == 1),
        other => panic!("{other:?}"),
    }
    let good_len = std::fs::metadata(&path).unwrap().len();
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(br#"{"seq":1,"times"#);
    std::fs::write(&path, &bytes).unwrap();
    let (k, code, _) = kind(Session::open(seed_key(), path.clone().into(), "s".into()).err().unwrap());
    assert_eq!((k, code.as_str()), ("Ledger", "torn_tail"));
    match recover(path.clone().into()).unwrap() {
        RecoverOutcome::Truncated { offset, removed_bytes, backup, report } => {
            assert_eq!((offset, removed_bytes), (good_len, 15));
            assert_eq!(backup, FsPath(dir.path().join(format!("ledger.ndjson.torn-{good_len}"))));
            assert_eq!(std::fs::read(&backup.0).unwrap(), br#"{"seq":1,"times"#);
            assert_eq!((report.ok, report.root_hash), (true, Some(first.self_hash)));
        }
        other => panic!("{other:?}"),
    }
    let (k, code, _) = kind(recover(dir.path().join("absent").into()).unwrap_err());
    assert_eq!((k, code.as_str()), ("Ledger", "io"));
}

#[cfg(unix)]
#[test]
fn paths_cross_as_bytes_so_any_file_name_works() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let name = std::ffi::OsStr::from_bytes(b"ledger-\xff\xfe.ndjson");
    let path = dir.path().join(name);
    let key_path = dir.path().join(std::ffi::OsStr::from_bytes(b"key-\x80"));
    let key = SigningKeypair::load_or_create(key_path.clone().into()).unwrap();
    assert_eq!(SigningKeypair::load(key_path.into()).unwrap().pubkey_hex(), key.pubkey_hex());
    let session = Session::open(key.clone(), path.clone().into(), "s".into()).unwrap();
    session.record_json(CHECK_EVENT.into()).unwrap();
    assert_eq!(session.ledger_path(), FsPath(path.clone()));
    drop(session);
    assert!(path.exists());
    assert!(verify_file(path.into(), Some(key.pubkey_hex())).unwrap().ok);
}

#[test]
fn the_nesting_limits_are_the_cores() {
    assert_eq!(max_json_depth(), 128);
    let limit = max_free_json_depth() as usize;
    assert!(limit < 128, "the line, the event and the payload enclose the object");
    let nested = |depth: usize| format!("{}{}", "{\"a\":".repeat(depth - 1) + "{}", "}".repeat(depth - 1));
    let event = |depth: usize| {
        format!(
            r#"{{"type":"ToolCalled","payload":{{"tool_name":"t","args_sha256":"{}","args_redacted":{}}}}}"#,
            "0".repeat(64),
            nested(depth)
        )
    };
    assert!(event_from_json(event(limit)).is_ok());
    let (k, code, _) = kind(event_from_json(event(limit + 1)).unwrap_err());
    assert_eq!((k, code.as_str()), ("Signing", "malformed_json"));
}
