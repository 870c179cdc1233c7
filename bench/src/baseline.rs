//! The `serde_json::Value` way to seal an event, kept only as a baseline.
//!
//! Before the typed streaming path, the obvious implementation was: turn the
//! event into a `serde_json::Value` tree, wrap it in the four-key preimage
//! object, print that tree with sorted keys into a buffer, hash the buffer and
//! sign the digest. The seal benchmark measures it in the same run as
//! [`provedex_core::sign_event_at`], so the report shows what streaming the
//! canonical bytes of a typed event into SHA-256 saves. Nothing else uses it.
//!
//! It is a correct canonical encoder for the values `serde_json` can hold
//! (tests compare its bytes with `provedex_core::canonical` on a set of
//! values), so the comparison is against a real implementation, not a
//! strawman. What it cannot do is the canonical model's strictness:
//! `serde_json::Value` silently keeps the last of duplicate keys.

use provedex_core::{AgentEvent, ChainHash, SignatureBytes, SigningKeypair};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The canonical JSON bytes of `value`: no whitespace, object keys sorted by
/// their UTF-8 bytes, strings and numbers printed as `serde_json` prints them
/// (which escapes only `"`, `\` and control characters, and prints floats in
/// shortest round-trip form, as the canonical form requires).
pub fn canonical_bytes(value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    write_canonical(&mut out, value);
    out
}

fn write_canonical(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(out, item);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            // Sorted here rather than trusting the map's order, which depends
            // on serde_json's `preserve_order` feature.
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push(b'{');
            for (i, (key, item)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                serde_json::to_writer(&mut *out, key).expect("writing to a Vec cannot fail");
                out.push(b':');
                write_canonical(out, item);
            }
            out.push(b'}');
        }
        scalar => serde_json::to_writer(&mut *out, scalar).expect("writing to a Vec cannot fail"),
    }
}

/// The self_hash the `serde_json::Value` way: event → `Value` tree →
/// preimage object → canonical bytes in a buffer → SHA-256.
pub fn self_hash(event: &AgentEvent, seq: u64, timestamp_nanos: u64, parent_hash: &ChainHash) -> [u8; 32] {
    let preimage = serde_json::json!({
        "event": serde_json::to_value(event).expect("events serialize to JSON"),
        "parent_hash": parent_hash.to_hex(),
        "seq": seq,
        "timestamp_nanos": timestamp_nanos,
    });
    Sha256::digest(canonical_bytes(&preimage)).into()
}

/// The self_hash and signature the `serde_json::Value` way.
pub fn seal(
    event: &AgentEvent,
    seq: u64,
    timestamp_nanos: u64,
    parent_hash: &ChainHash,
    keypair: &SigningKeypair,
) -> (ChainHash, SignatureBytes) {
    let digest = self_hash(event, seq, timestamp_nanos, parent_hash);
    (ChainHash(digest), keypair.sign_raw(&digest))
}
