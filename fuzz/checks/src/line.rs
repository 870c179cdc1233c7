//! One ledger line on its own (spec/ledger-format.md, spec/signature-scheme.md).

use provedex_core::canonical::{Map, Value, canonical_json, parse};
use provedex_core::{
    AgentEvent, ChainReport, GENESIS_PARENT_HASH, SignedEvent, Verifier, check_seal, compute_self_hash,
};

use crate::show;

/// Arbitrary bytes as one line. When the strict reader accepts it:
/// - the line holds exactly the members of the event read from it, nothing more;
/// - `to_json` writes a line that reads back to the same event, and is a fixed point;
/// - the streamed self_hash preimage is the canonical JSON of those members;
/// - `verify` returns, agrees with a one-line chain when the line is a genesis
///   line, and only passes when the self_hash recomputes;
/// - serde reads the event's wire form to the same event, and writes a form the
///   strict reader accepts.
pub fn check_line(data: &[u8]) {
    let Ok(event) = SignedEvent::from_line(data) else {
        return;
    };
    assert!(data.first() == Some(&b'{') && data.last() == Some(&b'}'), "accepted a line not framed by braces");

    let parsed = parse(data).unwrap_or_else(|e| panic!("accepted line is not canonical JSON ({e}): {}", show(data)));
    assert_eq!(parsed, line_value(&event), "the line holds more or other than the event read from it: {}", show(data));

    let written = event.to_json();
    let reread = SignedEvent::from_line(written.as_bytes())
        .unwrap_or_else(|f| panic!("to_json wrote a line the reader refuses ({f}): {written}"));
    assert_eq!(reread, event, "to_json does not read back to the same event: {written}");
    assert_eq!(reread.to_json(), written, "to_json is not a fixed point");

    let mut preimage = Vec::new();
    provedex_core::seal::write_self_hash_preimage(
        &mut preimage,
        &event.event,
        event.seq,
        event.timestamp_nanos,
        &event.parent_hash,
    );
    let members = Map::from([
        ("event".to_owned(), event.event.to_value()),
        ("parent_hash".to_owned(), Value::from(event.parent_hash.to_hex())),
        ("seq".to_owned(), Value::from(event.seq)),
        ("timestamp_nanos".to_owned(), Value::from(event.timestamp_nanos)),
    ]);
    assert_eq!(
        String::from_utf8_lossy(&preimage),
        String::from_utf8_lossy(&canonical_json(&Value::Object(members))),
        "the streamed self_hash preimage is not the canonical JSON of its members"
    );

    let verified = check_seal(&event);
    let recomputed = compute_self_hash(&event.event, event.seq, event.timestamp_nanos, &event.parent_hash);
    if verified.is_ok() {
        assert_eq!(recomputed, event.self_hash, "verify passed a line whose self_hash does not recompute");
    }
    if event.seq == 0 && event.parent_hash == GENESIS_PARENT_HASH {
        let chain = Verifier::new().events(std::slice::from_ref(&event));
        assert_eq!(chain.ok, verified.is_ok(), "verify ({verified:?}) and a one-line chain ({chain:?}) disagree");
        if !data.contains(&b'\n') {
            let mut ledger = data.to_vec();
            ledger.push(b'\n');
            let streamed = Verifier::new().reader(ledger.as_slice()).expect("reading a slice");
            let verdict =
                |r: &ChainReport| (r.ok, r.event_count, r.broken_at, r.reason, r.root_hash, r.signers.clone());
            assert_eq!(verdict(&streamed), verdict(&chain), "a one-line ledger and a one-line chain disagree");
        }
    }

    let wire = canonical_json(&event.event.to_value());
    let serde_event: AgentEvent = serde_json::from_slice(&wire)
        .unwrap_or_else(|e| panic!("serde refuses an event the strict reader accepted ({e}): {}", show(&wire)));
    assert_eq!(serde_event, event.event, "serde reads the event differently");
    let serde_out = serde_json::to_vec(&event.event).expect("an event serializes");
    let strict = AgentEvent::from_json(&serde_out)
        .unwrap_or_else(|e| panic!("the strict reader refuses serde's output ({e}): {}", show(&serde_out)));
    assert_eq!(strict, event.event, "serde's output reads back as another event");
}

/// The JSON value a line holding exactly `event` parses to.
fn line_value(event: &SignedEvent) -> Value {
    Value::Object(Map::from([
        ("seq".to_owned(), Value::from(event.seq)),
        ("timestamp_nanos".to_owned(), Value::from(event.timestamp_nanos)),
        ("event".to_owned(), event.event.to_value()),
        ("parent_hash".to_owned(), Value::from(event.parent_hash.to_hex())),
        ("self_hash".to_owned(), Value::from(event.self_hash.to_hex())),
        ("signature".to_owned(), Value::from(event.signature.to_hex())),
        ("signer_pubkey".to_owned(), Value::from(event.signer_pubkey.to_hex())),
    ]))
}
