//! The `serde_json::Value` baseline is a correct canonical encoder: its bytes
//! equal `provedex_core::canonical`'s on values that exercise every rule, and
//! its self_hash equals the core's. The seal benchmark compares against it.

use provedex_bench::{baseline, fixtures};
use provedex_core::event::SessionStarted;
use provedex_core::{AgentEvent, ChainHash, GENESIS_PARENT_HASH, canonical, compute_self_hash, sign_event_at};

/// JSON texts covering key order, escapes, integer bounds, the float layouts and nesting.
const VALUES: &[&str] = &[
    "null",
    "true",
    "false",
    "{}",
    "[]",
    r#"{"b": 1, "a": 2, "B": 3, "aa": 4, "": 5}"#,
    // UTF-8 byte order, which differs from UTF-16 order for astral characters.
    r#"{"\uff61": 1, "\ud83d\ude00": 2, "é": 3, "z": 4, "\u00e9t\u00e9": 5}"#,
    r#""quote \" backslash \\ slash / tab \t newline \n return \r backspace \b formfeed \f""#,
    r#""\u0000 \u0001 \u001f \u007f \u2028 \u2029 é 😀""#,
    "[0, -1, 1, 9007199254740993, 18446744073709551615, -9223372036854775808]",
    // Past the u64/i64 range: floats.
    "[18446744073709551616, -9223372036854775809, 100000000000000000000000]",
    "[-0, -0.0, 0.0, 1.0, 1.5, 0.1, 1e20, 1e-6, 1e-5, 0.00001, 1000000000000000.0, 1e16, 123456789.125]",
    "[5e-324, 1.7976931348623157e308, 2.2250738585072014e-308, 0.30000000000000004]",
    r#"{"outer": {"z": [1, {"y": null, "x": [true, false]}], "a": {"c": "d", "b": []}}}"#,
    r#"{"args": {"party_size": 2, "date": "2025-06-01", "price": 42.5, "tags": ["a", "b"]}}"#,
];

#[test]
fn encodes_every_value_as_the_core_does() {
    for text in VALUES {
        let value: serde_json::Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        let expected = canonical::canonicalize(text.as_bytes()).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(
            String::from_utf8(baseline::canonical_bytes(&value)).unwrap(),
            String::from_utf8(expected).unwrap(),
            "canonical form of {text}"
        );
    }
}

#[test]
fn computes_the_self_hash_the_core_computes() {
    let parent = ChainHash([0x3c; 32]);
    for event in fixtures::agent_turn() {
        for (seq, timestamp) in [(0, 0), (7, fixtures::FIRST_TIMESTAMP_NANOS), (u64::MAX, u64::MAX)] {
            assert_eq!(
                ChainHash(baseline::self_hash(&event, seq, timestamp, &parent)),
                compute_self_hash(&event, seq, timestamp, &parent),
                "{event:?} at seq {seq}"
            );
        }
    }
}

#[test]
fn reproduces_the_published_check_value() {
    let event = AgentEvent::SessionStarted(SessionStarted {
        agent_id: "agent-1".into(),
        model_id: "llama3.2:3b".into(),
        session_id: "session-demo".into(),
    });
    let (self_hash, signature) =
        baseline::seal(&event, 0, 1_700_000_000_000_000_000, &GENESIS_PARENT_HASH, &fixtures::keypair());
    assert_eq!(self_hash.to_hex(), "52299f4b70c1603526deb7b88cbaa03ca9eb1b91a3da038babb4a175041aec91");
    assert_eq!(fixtures::keypair().pubkey_hex(), "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8");
    let sealed =
        sign_event_at(&event, 0, 1_700_000_000_000_000_000, &GENESIS_PARENT_HASH, &fixtures::keypair()).unwrap();
    assert_eq!(signature, sealed.signature);
}
