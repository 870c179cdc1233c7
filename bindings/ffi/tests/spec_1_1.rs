//! Spec 1.1 through the FFI: key rotation, redaction, toolset pins and
//! drift, the verification options, and the key manager.

mod common;

use std::sync::Arc;

use common::{code, seed_key};
use provedex_ffi::{
    AgentEvent, Durability, FsPath, ProvedexError, Session, SigningKeypair, VerifyOptions, check_toolset,
    event_from_json, parse_public_key, public_key_fingerprint, public_key_pem, sha256_hex, toolset_hash, verify_data,
    verify_data_sha256, verify_file, verify_file_with,
};

/// The manifest of spec/toolsets.md's example, and its toolset hash.
const MANIFEST: &str = r#"[
  {"type": "function", "function": {"name": "get_weather", "description": "Current weather for a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}},
  {"name": "search", "version": "2.1.0", "description": "Web search.",
   "parameters": {"type": "object", "properties": {"q": {"type": "string"}}}}
]"#;
const MANIFEST_SHA256: &str = "baf4da9f70c7a7142fc390b4eb23541c7d564f438c15bfb706f8e42dae862390";

fn open(key: &Arc<SigningKeypair>, path: &std::path::Path) -> Result<Arc<Session>, ProvedexError> {
    Session::open_with_durability(key.clone(), FsPath::from(path), "s".into(), Durability::None)
}

fn tool_called(tool: &str) -> AgentEvent {
    let digest = "ab".repeat(32);
    event_from_json(format!(
        r#"{{"type":"ToolCalled","payload":{{"tool_name":"{tool}","args_sha256":"{digest}","args_redacted":{{}}}}}}"#
    ))
    .unwrap()
}

#[test]
fn a_rotation_hands_the_ledger_to_the_new_key_and_the_report_shows_the_history() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.ndjson");
    let (old, new) = (seed_key(1), seed_key(2));
    let session = open(&old, &ledger).unwrap();
    session.record(tool_called("search")).unwrap();
    let rotation = session.rotate_key(new.clone()).unwrap();
    assert_eq!(rotation.signer_pubkey, old.pubkey_hex());
    assert!(matches!(&rotation.event, AgentEvent::KeyRotated { new_pubkey, .. } if *new_pubkey == new.pubkey_hex()));
    assert_eq!(session.pubkey_hex(), new.pubkey_hex());
    assert_eq!(session.record(tool_called("search")).unwrap().signer_pubkey, new.pubkey_hex());
    session.close().unwrap();

    assert_eq!(code(open(&old, &ledger).err().unwrap()), ("Ledger", "foreign_key".into()));
    let report = verify_file(FsPath::from(&ledger), Some(old.pubkey_hex())).unwrap();
    assert!(report.ok, "{}", report.message);
    let history: Vec<_> = report.keys.iter().map(|k| (k.pubkey.clone(), k.from_seq, k.to_seq)).collect();
    assert_eq!(history, [(old.pubkey_hex(), 0, Some(1)), (new.pubkey_hex(), 2, Some(2))]);
    assert_eq!(report.unpinned_tool_calls, None);

    let current = |key: &Arc<SigningKeypair>| VerifyOptions {
        pinned_current_pubkey: Some(key.pubkey_hex()),
        ..VerifyOptions::default()
    };
    assert!(verify_file_with(FsPath::from(&ledger), current(&new)).unwrap().ok);
    let stale = verify_file_with(FsPath::from(&ledger), current(&old)).unwrap();
    assert_eq!(stale.reason.as_deref(), Some("current_key_mismatch"));
}

#[test]
fn a_redaction_names_its_target_and_cannot_be_redacted() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.ndjson");
    let key = seed_key(1);
    let session = open(&key, &ledger).unwrap();
    let target = session.record(tool_called("search")).unwrap();
    let redaction = session.redact(0, "gdpr erasure".into(), "dpo@example.com".into()).unwrap();
    let AgentEvent::Redacted { target_seq, target_self_hash, reason, requested_by } = redaction.event else {
        panic!("not a redaction: {:?}", redaction.event)
    };
    assert_eq!((target_seq, target_self_hash), (0, target.self_hash));
    assert_eq!((reason.as_str(), requested_by.as_str()), ("gdpr erasure", "dpo@example.com"));
    assert_eq!(
        code(session.redact(1, "r".into(), "q".into()).unwrap_err()),
        ("Signing", "redaction_of_redaction".into())
    );
    assert_eq!(
        code(session.redact(9, "r".into(), "q".into()).unwrap_err()),
        ("Signing", "redaction_target_unknown".into())
    );
    assert!(verify_file(FsPath::from(&ledger), Some(key.pubkey_hex())).unwrap().ok);
}

#[test]
fn a_pinned_toolset_is_the_specs_example_and_drift_is_reported_by_name() {
    let toolset = toolset_hash(MANIFEST.into()).unwrap();
    assert_eq!(toolset.toolset_sha256, MANIFEST_SHA256);
    assert_eq!(toolset.tools.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["get_weather", "search"]);

    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.ndjson");
    let key = seed_key(1);
    let session = open(&key, &ledger).unwrap();
    assert_eq!(
        code(check_toolset(FsPath::from(&ledger), None, MANIFEST.into()).unwrap_err()),
        ("Ledger", "no_toolset".into())
    );
    let pin = session.pin_toolset(MANIFEST.into()).unwrap();
    assert_eq!(pin.event, AgentEvent::ToolsetPinned { toolset_sha256: MANIFEST_SHA256.into(), tools: toolset.tools });
    session.record(tool_called("search")).unwrap();
    session.record(tool_called("shell")).unwrap();
    session.close().unwrap();

    let same = check_toolset(FsPath::from(&ledger), Some(key.pubkey_hex()), MANIFEST.into()).unwrap();
    assert!(same.matches && same.added.is_empty() && same.removed.is_empty() && same.changed.is_empty());
    assert_eq!((same.pinned_at, same.pinned_sha256.as_str()), (0, MANIFEST_SHA256));

    let drifted = r#"{"tools": [{"name": "search", "version": "2.2.0"}, {"name": "shell"}]}"#;
    let check = check_toolset(FsPath::from(&ledger), None, drifted.into()).unwrap();
    assert!(!check.matches);
    assert_eq!(check.added.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["shell"]);
    assert_eq!(check.removed.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["get_weather"]);
    assert_eq!(check.changed.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["search"]);
    assert_ne!(check.changed[0].pinned_sha256, check.changed[0].current_sha256);

    let other = seed_key(2).pubkey_hex();
    assert_eq!(
        code(check_toolset(FsPath::from(&ledger), Some(other), MANIFEST.into()).unwrap_err()),
        ("Ledger", "broken".into())
    );

    let tools = VerifyOptions { check_tools: true, ..VerifyOptions::default() };
    let report = verify_file_with(FsPath::from(&ledger), tools).unwrap();
    assert!(report.ok, "{}", report.message);
    let unpinned: Vec<_> = report.unpinned_tool_calls.unwrap().into_iter().map(|c| (c.seq, c.tool_name)).collect();
    assert_eq!(unpinned, [(2, "shell".to_owned())]);
}

#[test]
fn a_manifest_that_is_not_a_toolset_is_a_signing_error_naming_the_tool() {
    for (manifest, names) in [
        ("[{\"name\": \"a\"}, {\"name\": \"a\"}]", "both named"),
        ("[{\"name\": \"a\", \"input_schema\": {}, \"parameters\": {}}]", "tool 0"),
        ("{\"tools\": [], \"extra\": 1}", "extra"),
        ("[", "not valid JSON"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let session = open(&seed_key(1), &dir.path().join("l")).unwrap();
        for error in [toolset_hash(manifest.into()).unwrap_err(), session.pin_toolset(manifest.into()).unwrap_err()] {
            let ProvedexError::Signing { code, detail } = error else { panic!("{manifest}: {error:?}") };
            assert_eq!(code, "invalid_manifest", "{manifest}");
            assert!(detail.contains(names), "{manifest}: {detail}");
        }
        assert_eq!(session.next_seq(), Some(0), "nothing is pinned");
    }
}

#[test]
fn keys_go_out_as_pem_and_fingerprints_and_sign_data_separately_from_lines() {
    let dir = tempfile::tempdir().unwrap();
    let key = seed_key(7);
    let pem_file = dir.path().join("agent.pem");
    key.save_pem(FsPath::from(&pem_file)).unwrap();
    let pem = std::fs::read_to_string(&pem_file).unwrap();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{pem}");
    assert_eq!(SigningKeypair::load(FsPath::from(&pem_file)).unwrap().pubkey_hex(), key.pubkey_hex());
    assert_eq!(SigningKeypair::from_pem(pem).unwrap().pubkey_hex(), key.pubkey_hex());
    assert!(matches!(SigningKeypair::from_pem(key.public_key_pem()), Err(ProvedexError::KeyLoad { .. })));

    let public_pem = key.public_key_pem();
    assert!(public_pem.starts_with("-----BEGIN PUBLIC KEY-----\n"), "{public_pem}");
    assert_eq!(public_key_pem(key.pubkey_hex()).unwrap(), public_pem);
    assert_eq!(parse_public_key(public_pem.clone()).unwrap(), key.pubkey_hex());
    assert_eq!(public_key_fingerprint(public_pem).unwrap(), key.fingerprint());
    assert!(key.fingerprint().starts_with("sha256:") && key.fingerprint().len() == 7 + 64);
    assert!(matches!(parse_public_key("not a key".into()), Err(ProvedexError::KeyLoad { .. })));

    let signature = key.sign_data(b"report.pdf bytes".to_vec());
    assert_eq!(signature.len(), 128);
    assert!(verify_data(key.pubkey_hex(), b"report.pdf bytes".to_vec(), signature.clone()).unwrap());
    assert!(!verify_data(key.pubkey_hex(), b"other bytes".to_vec(), signature.clone()).unwrap());
    assert!(!verify_data(seed_key(8).pubkey_hex(), b"report.pdf bytes".to_vec(), signature.clone()).unwrap());
    let digest = sha256_hex(b"report.pdf bytes".to_vec());
    assert_eq!(key.sign_data_sha256(digest.clone()).unwrap(), signature, "hashed as it streams in: the same signature");
    assert!(verify_data_sha256(key.pubkey_hex(), digest, signature.clone()).unwrap());
    assert!(!verify_data_sha256(key.pubkey_hex(), sha256_hex(vec![]), signature).unwrap());
    assert_eq!(code(key.sign_data_sha256("ab".into()).unwrap_err()), ("Chain", "invalid_hex".into()));
    assert_eq!(code(verify_data(key.pubkey_hex(), vec![], "zz".into()).unwrap_err()), ("Chain", "invalid_hex".into()));
}
