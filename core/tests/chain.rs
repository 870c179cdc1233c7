//! Events, sealing, ledger lines and chain verification: every reason code
//! is produced by the tampering it names.

mod common;

use common::{chain, ledger_text, one_of_each, other_key, seed_key};
use proptest::prelude::*;
use provedex_core::canonical::{self, Map};
use provedex_core::event::{ModelInvoked, ToolCalled};
use provedex_core::{
    AgentEvent, ChainHash, Digest, Error, GENESIS_PARENT_HASH, PublicKeyBytes, Reason, SignatureBytes, SignedEvent,
    Value, Verifier, check_seal, compute_self_hash, sign_event, sign_event_at,
};

fn event_error(json: &str) -> (Reason, String) {
    let value = canonical::parse(json.as_bytes()).unwrap();
    let e = AgentEvent::from_value(&value).unwrap_err();
    (e.reason, e.path)
}

#[test]
fn strict_event_parsing_names_member_and_reason() {
    let ok = r#"{"type":"SessionEnded","payload":{"reason":"done","summary_sha256":""}}"#;
    assert!(AgentEvent::from_value(&canonical::parse(ok.as_bytes()).unwrap()).is_ok());
    let cases = [
        (r#"[]"#, Reason::WrongType, "event"),
        (r#"{"payload":{}}"#, Reason::MissingField, "type"),
        (r#"{"type":1,"payload":{}}"#, Reason::WrongType, "type"),
        (r#"{"type":"Nope","payload":{}}"#, Reason::UnknownEventType, "type"),
        (r#"{"type":"SessionEnded","payload":[]}"#, Reason::WrongType, "payload"),
        (
            r#"{"type":"SessionEnded","payload":{"reason":"x","summary_sha256":""},"extra":1}"#,
            Reason::UnknownField,
            "extra",
        ),
        (r#"{"type":"SessionEnded","payload":{"reason":"x"}}"#, Reason::MissingField, "payload.summary_sha256"),
        (
            r#"{"type":"SessionEnded","payload":{"reason":"x","summary_sha256":"","note":""}}"#,
            Reason::UnknownField,
            "payload.note",
        ),
        (r#"{"type":"SessionEnded","payload":{"reason":7,"summary_sha256":""}}"#, Reason::WrongType, "payload.reason"),
        (
            r#"{"type":"SessionEnded","payload":{"reason":"x","summary_sha256":"ABC"}}"#,
            Reason::InvalidHex,
            "payload.summary_sha256",
        ),
        (
            r#"{"type":"ToolReturned","payload":{"tool_name":"t","result_sha256":"","latency_ms":1,"success":true}}"#,
            Reason::InvalidHex,
            "payload.result_sha256",
        ),
        (
            r#"{"type":"ToolReturned","payload":{"tool_name":"t","result_sha256":"0000000000000000000000000000000000000000000000000000000000000000","latency_ms":1.0,"success":true}}"#,
            Reason::WrongType,
            "payload.latency_ms",
        ),
        (
            r#"{"type":"ToolReturned","payload":{"tool_name":"t","result_sha256":"0000000000000000000000000000000000000000000000000000000000000000","latency_ms":-1,"success":true}}"#,
            Reason::IntegerOutOfRange,
            "payload.latency_ms",
        ),
        (
            r#"{"type":"ToolReturned","payload":{"tool_name":"t","result_sha256":"0000000000000000000000000000000000000000000000000000000000000000","latency_ms":1,"success":"yes"}}"#,
            Reason::WrongType,
            "payload.success",
        ),
        (
            r#"{"type":"ModelInvoked","payload":{"model_id":"m","prompt_sha256":"0000000000000000000000000000000000000000000000000000000000000000","response_sha256":"0000000000000000000000000000000000000000000000000000000000000000","prompt_tokens":4294967296,"response_tokens":0}}"#,
            Reason::IntegerOutOfRange,
            "payload.prompt_tokens",
        ),
        (
            r#"{"type":"ToolCalled","payload":{"tool_name":"t","args_sha256":"0000000000000000000000000000000000000000000000000000000000000000","args_redacted":[]}}"#,
            Reason::WrongType,
            "payload.args_redacted",
        ),
    ];
    for (json, reason, path) in cases {
        assert_eq!(event_error(json), (reason, path.to_owned()), "{json}");
    }
}

#[test]
fn u32_and_u64_bounds_are_accepted() {
    let json = r#"{"type":"ModelInvoked","payload":{"model_id":"m","prompt_sha256":"0000000000000000000000000000000000000000000000000000000000000000","response_sha256":"0000000000000000000000000000000000000000000000000000000000000000","prompt_tokens":4294967295,"response_tokens":0}}"#;
    let event = AgentEvent::from_json(json.as_bytes()).unwrap();
    assert!(matches!(event, AgentEvent::ModelInvoked(ModelInvoked { prompt_tokens: u32::MAX, .. })));
}

#[test]
fn writers_refuse_invalid_events() {
    let key = seed_key();
    // A digest field holds a digest by its type; as JSON text a bad one is refused on reading.
    let bad_digest =
        format!(r#"{{"type":"SessionEnded","payload":{{"reason":"x","summary_sha256":"{}"}}}}"#, "A".repeat(64));
    let err = AgentEvent::from_json(bad_digest.as_bytes()).unwrap_err();
    assert!(
        matches!(&err, Error::Signing { reason: Reason::InvalidHex, message: m } if m.contains("payload.summary_sha256")),
        "{err}"
    );

    let mut deep = Value::Null;
    for _ in 0..200 {
        deep = Value::Array(vec![deep]);
    }
    let mut args = Map::new();
    args.insert("deep".into(), deep);
    let too_deep =
        AgentEvent::ToolCalled(ToolCalled { tool_name: "t".into(), args_sha256: Digest([0; 32]), args_redacted: args });
    let err = sign_event(&too_deep, 0, &GENESIS_PARENT_HASH, &key).unwrap_err();
    assert!(matches!(&err, Error::Signing { message: m, .. } if m.contains("payload.args_redacted")), "{err}");
}

#[test]
fn typed_canonical_writer_agrees_with_the_generic_one() {
    for event in one_of_each() {
        let mut typed = Vec::new();
        event.write_canonical(&mut typed);
        assert_eq!(typed, canonical::canonical_json(&event.to_value()), "{}", event.type_name());
        // The wire form is the same value in another member order.
        let mut wire = Vec::new();
        event.write_wire(&mut wire);
        assert_eq!(canonical::parse(&wire).unwrap(), event.to_value());
    }
}

#[test]
fn serde_and_strict_parsing_agree() {
    for event in one_of_each() {
        let json = serde_json::to_string(&event).unwrap();
        assert_eq!(AgentEvent::from_json(json.as_bytes()).unwrap(), event);
        assert_eq!(serde_json::from_str::<AgentEvent>(&json).unwrap(), event);
    }
}

#[test]
fn self_hash_covers_exactly_the_four_members() {
    let key = seed_key();
    let events = chain(&one_of_each(), &key);
    for e in &events {
        let mut preimage = Vec::new();
        provedex_core::seal::write_self_hash_preimage(
            &mut preimage,
            &e.event,
            e.seq,
            e.timestamp_nanos,
            &e.parent_hash,
        );
        let value = canonical::parse(&preimage).unwrap();
        let Value::Object(map) = &value else { panic!() };
        assert_eq!(map.keys().collect::<Vec<_>>(), ["event", "parent_hash", "seq", "timestamp_nanos"]);
        assert_eq!(canonical::canonical_json(&value), preimage, "the preimage is canonical");
        assert_eq!(compute_self_hash(&e.event, e.seq, e.timestamp_nanos, &e.parent_hash), e.self_hash);
    }
}

#[test]
fn lines_round_trip_with_fixed_member_order() {
    let events = chain(&one_of_each(), &seed_key());
    for e in &events {
        let line = e.to_json();
        assert!(line.starts_with(&format!(
            "{{\"seq\":{},\"timestamp_nanos\":{},\"event\":{{\"type\":",
            e.seq, e.timestamp_nanos
        )));
        let tail = format!(
            "\"parent_hash\":\"{}\",\"self_hash\":\"{}\",\"signature\":\"{}\",\"signer_pubkey\":\"{}\"}}",
            e.parent_hash, e.self_hash, e.signature, e.signer_pubkey
        );
        assert!(line.ends_with(&tail), "{line}");
        assert_eq!(&SignedEvent::from_line(line.as_bytes()).unwrap(), e);
    }
}

#[test]
fn lines_in_any_member_order_are_read() {
    let e = &chain(&one_of_each(), &seed_key())[0];
    let value = canonical::parse(e.to_json().as_bytes()).unwrap();
    // The canonical (sorted) order differs from the writer's order.
    let sorted = String::from_utf8(canonical::canonical_json(&value)).unwrap();
    assert_ne!(sorted, e.to_json());
    assert_eq!(&SignedEvent::from_line(sorted.as_bytes()).unwrap(), e);
}

fn line_finding(line: &str) -> Reason {
    SignedEvent::from_line(line.as_bytes()).unwrap_err().reason
}

#[test]
fn malformed_lines_get_their_reason() {
    let good = chain(&one_of_each(), &seed_key())[3].to_json();
    assert_eq!(line_finding(&good.replacen("\"seq\":3", "\"seq\":3,\"seq\":3", 1)), Reason::DuplicateKey);
    assert_eq!(line_finding(&good.replacen("\"city\"", "\"nights\":3,\"city\"", 1)), Reason::DuplicateKey);
    assert_eq!(line_finding(&good.replacen("{\"seq\"", "{\"extra\":null,\"seq\"", 1)), Reason::UnknownField);
    assert_eq!(line_finding(&good.replacen("\"tool_name\"", "\"x\":1,\"tool_name\"", 1)), Reason::UnknownField);
    assert_eq!(line_finding(&good.replacen("\"seq\":3,", "", 1)), Reason::MissingField);
    assert_eq!(line_finding(&good.replacen("\"seq\":3", "\"seq\":\"3\"", 1)), Reason::WrongType);
    assert_eq!(line_finding(&good.replacen("\"seq\":3", "\"seq\":-3", 1)), Reason::IntegerOutOfRange);
    assert_eq!(line_finding(&good.replacen("\"seq\":3", "\"seq\":3.0", 1)), Reason::WrongType);
    let upper = good.replacen("\"signer_pubkey\":\"03a1", "\"signer_pubkey\":\"03A1", 1);
    assert_eq!(line_finding(&upper), Reason::InvalidHex);
    let short = good.replacen("\"signature\":\"", "\"signature\":\"0", 1);
    assert_eq!(line_finding(&short), Reason::InvalidHex);
    assert_eq!(line_finding(&format!("{good} ")), Reason::MalformedJson);
    assert_eq!(line_finding(&format!(" {good}")), Reason::MalformedJson);
    assert_eq!(line_finding(&format!("{good}x")), Reason::MalformedJson);
    assert_eq!(line_finding(&good[..good.len() - 1]), Reason::MalformedJson);
    assert_eq!(line_finding("[]"), Reason::MalformedJson);
}

fn chain_reason(events: &[SignedEvent], pinned: Option<PublicKeyBytes>) -> (Option<Reason>, Option<u64>) {
    let r = Verifier::new().pinned_pubkey(pinned).events(events);
    assert_eq!(r.ok, r.reason.is_none());
    (r.reason, r.broken_at)
}

#[test]
fn a_valid_chain_reports_its_root_and_signer() {
    let key = seed_key();
    let events = chain(&one_of_each(), &key);
    let report = Verifier::new().events(&events);
    assert!(report.ok, "{}", report.message);
    assert_eq!(report.event_count, 7);
    assert_eq!(report.root_hash, Some(events[6].self_hash));
    assert_eq!(report.signers, vec![key.public_key()]);
    assert_eq!(report.message, "valid: 7 events");
    let empty = Verifier::new().events(&[]);
    assert!(empty.ok && empty.event_count == 0 && empty.root_hash.is_none() && empty.signers.is_empty());
}

#[test]
fn each_tampering_is_detected_with_its_reason() {
    let key = seed_key();
    let good = chain(&one_of_each(), &key);
    let tamper = |f: &dyn Fn(&mut Vec<SignedEvent>)| {
        let mut events = good.clone();
        f(&mut events);
        chain_reason(&events, None)
    };

    assert_eq!(
        tamper(&|e| {
            e.remove(2);
        }),
        (Some(Reason::SeqMismatch), Some(2))
    );
    assert_eq!(tamper(&|e| e.swap(2, 3)), (Some(Reason::SeqMismatch), Some(2)));
    assert_eq!(
        tamper(&|e| {
            let x = e[2].clone();
            e.insert(2, x);
        }),
        (Some(Reason::SeqMismatch), Some(3))
    );
    assert_eq!(tamper(&|e| e[0].seq = 1), (Some(Reason::SeqMismatch), Some(0)));
    assert_eq!(tamper(&|e| e[4].parent_hash = e[2].self_hash), (Some(Reason::ParentMismatch), Some(4)));
    assert_eq!(tamper(&|e| e[0].parent_hash = ChainHash([1; 32])), (Some(Reason::ParentMismatch), Some(0)));
    assert_eq!(tamper(&|e| e[5].timestamp_nanos += 1), (Some(Reason::HashMismatch), Some(5)));
    assert_eq!(
        tamper(&|e| if let AgentEvent::ModelInvoked(m) = &mut e[2].event {
            m.prompt_tokens += 1
        }),
        (Some(Reason::HashMismatch), Some(2))
    );
    assert_eq!(tamper(&|e| e[3].self_hash = ChainHash([9; 32])), (Some(Reason::HashMismatch), Some(3)));
    // Rehashing an edited event without the key leaves the old signature.
    assert_eq!(
        tamper(&|e| {
            if let AgentEvent::ModelInvoked(m) = &mut e[2].event {
                m.response_tokens = 9999;
            }
            e[2].self_hash = compute_self_hash(&e[2].event, 2, e[2].timestamp_nanos, &e[2].parent_hash);
        }),
        (Some(Reason::BadSignature), Some(2))
    );
    assert_eq!(tamper(&|e| e[1].signature.0[0] ^= 1), (Some(Reason::BadSignature), Some(1)));
    assert_eq!(tamper(&|e| e[1].signature.0[63] |= 0xf0), (Some(Reason::BadSignature), Some(1)));
    assert_eq!(tamper(&|e| e[1].signer_pubkey = other_key().public_key()), (Some(Reason::SignerChanged), Some(1)));
    // The identity point is of small order; y = 2 is not on the curve.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    assert_eq!(tamper(&|e| e[0].signer_pubkey = PublicKeyBytes(identity)), (Some(Reason::InvalidPublicKey), Some(0)));
    let mut off_curve = [0u8; 32];
    off_curve[0] = 2;
    assert_eq!(tamper(&|e| e[0].signer_pubkey = PublicKeyBytes(off_curve)), (Some(Reason::InvalidPublicKey), Some(0)));
    // A non-canonical y (y = p + 1 encodes the same point as y = 1).
    let mut non_canonical = [0xffu8; 32];
    non_canonical[0] = 0xee;
    non_canonical[31] = 0x7f;
    assert_eq!(
        tamper(&|e| e[0].signer_pubkey = PublicKeyBytes(non_canonical)),
        (Some(Reason::InvalidPublicKey), Some(0))
    );
}

#[test]
fn a_ledger_re_signed_with_another_key_fails_only_when_the_key_is_pinned() {
    let forged = chain(&one_of_each(), &other_key());
    assert!(Verifier::new().events(&forged).ok);
    let pinned = seed_key().public_key();
    assert_eq!(chain_reason(&forged, Some(pinned)), (Some(Reason::PubkeyMismatch), Some(0)));
    assert!(Verifier::new().pinned_pubkey(pinned).events(&chain(&one_of_each(), &seed_key())).ok);
}

#[test]
fn a_seal_is_checked_strictly_on_its_own() {
    let mut e = chain(&one_of_each(), &seed_key())[0].clone();
    check_seal(&e).unwrap();
    e.signature = SignatureBytes([0; 64]);
    let finding = check_seal(&e).unwrap_err();
    assert_eq!(finding.reason, Reason::BadSignature);
    assert!(finding.to_string().ends_with("(bad_signature)"), "{finding}");
}

#[test]
fn ledger_text_fixture_is_newline_terminated() {
    let text = ledger_text(&chain(&one_of_each(), &seed_key()));
    assert_eq!(text.lines().count(), 7);
    assert!(text.ends_with('\n'));
}

fn arb_event() -> impl Strategy<Value = AgentEvent> {
    let digest = any::<[u8; 32]>().prop_map(Digest);
    (any::<String>(), digest, any::<u32>(), any::<u32>(), any::<String>(), any::<u64>()).prop_map(
        |(model_id, digest, prompt_tokens, response_tokens, text, n)| {
            if n % 2 == 0 {
                AgentEvent::ModelInvoked(ModelInvoked {
                    model_id,
                    prompt_sha256: digest,
                    response_sha256: digest,
                    prompt_tokens,
                    response_tokens,
                })
            } else {
                let mut args = Map::new();
                args.insert(text, Value::from(n));
                AgentEvent::ToolCalled(ToolCalled { tool_name: model_id, args_sha256: digest, args_redacted: args })
            }
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_seal_verifies_and_round_trips(event in arb_event(), seq in any::<u64>(), ts in any::<u64>(), parent in any::<[u8; 32]>()) {
        let signed = sign_event_at(&event, seq, ts, &ChainHash(parent), &seed_key()).unwrap();
        prop_assert!(check_seal(&signed).is_ok());
        prop_assert_eq!(SignedEvent::from_line(signed.to_json().as_bytes()).unwrap(), signed);
    }

    /// Any one-byte change to a line either makes it fail verification or
    /// leaves the parsed line identical (insignificant bytes such as a hex
    /// escape spelled differently).
    #[test]
    fn any_single_byte_change_is_detected_or_harmless(event in arb_event(), position in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let signed = sign_event_at(&event, 0, 1, &GENESIS_PARENT_HASH, &seed_key()).unwrap();
        let mut line = signed.to_json().into_bytes();
        let i = position.index(line.len());
        prop_assume!(line[i] != byte);
        line[i] = byte;
        match SignedEvent::from_line(&line) {
            Err(_) => {}
            Ok(parsed) if parsed == signed => {}
            Ok(parsed) => prop_assert!(check_seal(&parsed).is_err(), "undetected change at byte {}", i),
        }
    }
}
