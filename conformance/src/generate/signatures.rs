//! `signatures.json`: sealing with fixed seeds, through the sign operation.

use std::collections::BTreeMap;

use provedex_core::{ChainHash, GENESIS_PARENT_HASH, MAX_LINE_BYTES, SigningKeypair, sha256_hex, sign_event_at};
use serde_json::json;

use super::events::request_cases;
use super::long::{self, LongEvent};
use super::samples::{Flavor, event_spec, sample, text};
use crate::vector::{FileBuilder, VectorFile, Verdict, hex};

pub(super) fn seeds() -> Vec<(&'static str, [u8; 32])> {
    let derived: [u8; 32] = provedex_core::hex::decode(&sha256_hex(b"provedex vectors: seed")).unwrap();
    vec![
        ("seed-0-to-31", std::array::from_fn(|i| i as u8)),
        ("seed-zeros", [0; 32]),
        ("seed-ones", [0xff; 32]),
        ("seed-derived", derived),
    ]
}

pub fn file() -> VectorFile {
    let mut f = FileBuilder::new(
        "signatures",
        "sign",
        "Sealing (spec/signature-scheme.md): for fixed seeds, events, positions and timestamps, the exact self_hash, \
         signature and signer_pubkey of the signed line. Ed25519 signatures are deterministic.",
    );
    f.note("CheckValue", "The published check value of the v1 format.");
    f.note("Seal", "An ordinary seal.");
    f.note("Bounds", "seq or timestamp at the ends of the u64 range.");
    f.note("Refused", "An event a writer must refuse to sign.");
    f.note("Limit", "An event whose line is at or past the 16 MiB limit, built at run time (generated_input).");
    let spec = event_spec();

    let mut g = f.group("check-value", "The published check value.");
    let check_event = r#"{"type":"SessionStarted","payload":{"agent_id":"agent-1","model_id":"llama3.2:3b","session_id":"session-demo"}}"#;
    let key = SigningKeypair::from_seed(&std::array::from_fn(|i| i as u8));
    let event = provedex_core::AgentEvent::from_json(check_event.as_bytes()).unwrap();
    let signed = sign_event_at(&event, 0, 1_700_000_000_000_000_000, &GENESIS_PARENT_HASH, &key).unwrap();
    assert_eq!(signed.self_hash.to_hex(), "52299f4b70c1603526deb7b88cbaa03ca9eb1b91a3da038babb4a175041aec91");
    g.test(
        "session-started",
        "seed 000102…1f, SessionStarted at seq 0, timestamp 1700000000000000000, genesis parent.",
        &["CheckValue"],
        json!({"seed_hex": hex(std::array::from_fn::<u8, 32, _>(|i| i as u8)), "seq": 0, "timestamp_nanos": 1_700_000_000_000_000_000u64, "parent_hash": GENESIS_PARENT_HASH.to_hex(), "event_json": check_event}),
        Verdict::Valid,
        json!({"valid": true, "line": signed.to_json()}),
    );

    for (seed_name, seed) in seeds() {
        let mut g = f.group(seed_name, &format!("Every variant sealed with the key of {seed_name}."));
        let key = SigningKeypair::from_seed(&seed);
        let mut parent = GENESIS_PARENT_HASH;
        for (i, variant) in spec.variants.iter().enumerate() {
            for flavor in [Flavor::Typical, Flavor::Edge] {
                let event = sample(variant, flavor);
                let seq = 2 * i as u64 + u64::from(flavor == Flavor::Edge);
                let ts = 1_750_000_000_000_000_000 + seq * 1_000_003;
                let signed = sign_event_at(&event, seq, ts, &parent, &key).unwrap();
                let label = if flavor == Flavor::Typical { "typical" } else { "edge" };
                g.test(
                    &format!("{}-{label}", variant.name),
                    &format!("A {label} {} at seq {seq}, chained to the previous test's line.", variant.name),
                    &["Seal"],
                    json!({"seed_hex": hex(seed), "seq": seq, "timestamp_nanos": ts, "parent_hash": parent.to_hex(), "event_json": text(&event.to_value())}),
                    Verdict::Valid,
                    json!({"valid": true, "line": signed.to_json()}),
                );
                parent = signed.self_hash;
            }
        }
    }

    let mut g = f.group("bounds", "seq and timestamp at the ends of their range.");
    let key = SigningKeypair::from_seed(&[0x5a; 32]);
    let event = sample(&spec.variants[spec.variants.len() - 1], Flavor::Typical);
    let any_parent = ChainHash::from_hex(&sha256_hex(b"provedex vectors: bounds parent")).unwrap();
    for (name, seq, ts) in [("seq-max", u64::MAX, 1u64), ("timestamp-max", 7, u64::MAX), ("timestamp-zero", 8, 0)] {
        let signed = sign_event_at(&event, seq, ts, &any_parent, &key).unwrap();
        g.test(
            name,
            &format!("seq {seq}, timestamp_nanos {ts}."),
            &["Bounds"],
            json!({"seed_hex": hex([0x5a; 32]), "seq": seq, "timestamp_nanos": ts, "parent_hash": any_parent.to_hex(), "event_json": text(&event.to_value())}),
            Verdict::Valid,
            json!({"valid": true, "line": signed.to_json()}),
        );
    }

    let mut g = f.group("refused", "A writer validates before signing: nothing is signed for these events.");
    let refused: &[(&str, &str, &str, &str)] = &[
        (
            "uppercase-digest",
            "A digest in upper-case hex.",
            r#"{"type":"SessionEnded","payload":{"reason":"done","summary_sha256":"ABCDEF0000000000000000000000000000000000000000000000000000000000"}}"#,
            "invalid_hex",
        ),
        (
            "negative-tokens",
            "A negative u32.",
            r#"{"type":"ModelInvoked","payload":{"model_id":"m","prompt_sha256":"0000000000000000000000000000000000000000000000000000000000000000","response_sha256":"0000000000000000000000000000000000000000000000000000000000000000","prompt_tokens":-1,"response_tokens":0}}"#,
            "integer_out_of_range",
        ),
        (
            "unknown-member",
            "A payload member the spec does not define.",
            r#"{"type":"SessionEnded","payload":{"reason":"done","summary_sha256":"","extra":true}}"#,
            "unknown_field",
        ),
        (
            "non-finite-in-args",
            "A number too large for binary64 inside args_redacted.",
            r#"{"type":"ToolCalled","payload":{"tool_name":"t","args_sha256":"0000000000000000000000000000000000000000000000000000000000000000","args_redacted":{"x":1e999}}}"#,
            "malformed_json",
        ),
    ];
    for (name, comment, event_json, reason) in refused {
        let ours = crate::parse_event(event_json).err().map(|r| r.code());
        assert_eq!(ours, Some(*reason), "signatures/{name}: the reference disagrees");
        g.test(
            name,
            comment,
            &["Refused"],
            json!({"seed_hex": hex([0x5a; 32]), "seq": 0, "timestamp_nanos": 1, "parent_hash": GENESIS_PARENT_HASH.to_hex(), "event_json": event_json}),
            Verdict::Invalid,
            json!({"valid": false, "reason": reason}),
        );
    }

    let mut g = f.group(
        "request-edges",
        "Events at the nesting limit counted from their line, and parent_hash values that are not 64 lowercase hex \
         characters, alone and after a fault of the event: a writer validates the line it would write.",
    );
    let seed = [0x5a; 32];
    for case in request_cases() {
        let input = json!({"seed_hex": hex(seed), "seq": 0, "timestamp_nanos": 1, "parent_hash": case.parent_hash, "event_json": case.event_json});
        let (verdict, flag, expected) = match case.reason {
            None => {
                let (event, parent) =
                    crate::parse_event_and_parent(&case.event_json, &case.parent_hash).expect("checked");
                let line = sign_event_at(&event, 0, 1, &parent, &SigningKeypair::from_seed(&seed)).unwrap().to_json();
                (Verdict::Valid, "Seal", json!({"valid": true, "line": line}))
            }
            Some(reason) => (Verdict::Invalid, "Refused", json!({"valid": false, "reason": reason.code()})),
        };
        g.test(case.name, case.comment, &[flag], input, verdict, expected);
    }

    let mut g = f.group(
        "limits",
        "Events whose line is exactly 16,777,216 bytes (signed; only the verdict is compared, the line being built \
         at run time) and one byte longer (refused with line_too_long), built at run time (generated_input).",
    );
    let parent = ChainHash::from_hex(&sha256_hex(b"provedex vectors: long line parent")).unwrap();
    for (name, length, comment) in [
        ("exact-limit", MAX_LINE_BYTES, "The signed line is 16,777,216 bytes long."),
        ("past-limit", MAX_LINE_BYTES + 1, "The signed line would be 16,777,217 bytes long."),
    ] {
        let long = LongEvent::for_line(length, "x", 3, &parent);
        let signed = sign_event_at(&long.event(), 3, long::timestamp(3), &parent, &long::key());
        let (verdict, expected) = match signed {
            Ok(line) => {
                assert_eq!(line.line_len(), MAX_LINE_BYTES, "signatures/{name}");
                (Verdict::Valid, json!({"valid": true}))
            }
            Err(e) => {
                assert_eq!(e.code(), Some("line_too_long"), "signatures/{name}");
                (Verdict::Invalid, json!({"valid": false, "reason": "line_too_long"}))
            }
        };
        g.generated_test(
            name,
            comment,
            &["Limit"],
            json!({"seed_hex": hex(long::key().seed()), "seq": 3, "timestamp_nanos": long::timestamp(3), "parent_hash": parent.to_hex()}),
            BTreeMap::from([("event_json".to_owned(), long.generated())]),
            verdict,
            expected,
        );
    }
    f.finish()
}
