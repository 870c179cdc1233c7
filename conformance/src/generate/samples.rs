//! Sample events built from the spec: one payload per variant, with values
//! chosen by field kind, so vectors follow the schema when it changes.

use provedex_codegen::spec::{EventSpec, Field, FieldKind, Variant, parse_event_spec};
use provedex_core::canonical::{Float, Map, Value};
use provedex_core::{AgentEvent, ChainHash, SignedEvent, SigningKeypair, compute_self_hash, sha256_hex};

/// The variants spec version 1.1 added (spec/ledger-format.md, Versions).
pub const VARIANTS_1_1: [&str; 3] = ["KeyRotated", "ToolsetPinned", "Redacted"];

/// The whole event spec, every version's variants.
fn full_spec() -> EventSpec {
    parse_event_spec(include_str!("../../../spec/events.schema.json")).expect("spec/events.schema.json is valid")
}

/// The event spec of version 1: the v1 vector files hold v1 inputs only, so
/// that they stay what they were when 1.1 added variants.
pub fn event_spec() -> EventSpec {
    let mut spec = full_spec();
    spec.variants.retain(|v| !VARIANTS_1_1.contains(&v.name.as_str()));
    spec
}

/// The variants version 1.1 added, in the spec's order.
pub fn variants_1_1() -> Vec<Variant> {
    let variants: Vec<Variant> =
        full_spec().variants.into_iter().filter(|v| VARIANTS_1_1.contains(&v.name.as_str())).collect();
    assert_eq!(variants.len(), VARIANTS_1_1.len(), "spec/events.schema.json defines every 1.1 variant");
    variants
}

/// How unusual the sample values are.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// Everyday values.
    Typical,
    /// Bounds and awkward text: maximum integers, empty strings where allowed,
    /// escapes and non-ASCII characters, nested free JSON with floats.
    Edge,
}

/// The sample value of a field, or `None` for an optional member left out
/// (the edge flavor leaves every optional member out).
pub fn field_value(variant: &str, field: &str, kind: &FieldKind, flavor: Flavor) -> Option<Value> {
    let typical = flavor == Flavor::Typical;
    let value = match kind {
        FieldKind::String if typical => Value::from(format!("{variant} {field}")),
        FieldKind::String => Value::from(format!("\"{field}\"\n\t\\ é 日本 😀 \u{2028} /\u{1}")),
        FieldKind::Digest => Value::from(sha256_hex(format!("{variant}.{field}").as_bytes())),
        FieldKind::DigestOrEmpty if typical => Value::from(sha256_hex(format!("{variant}.{field}").as_bytes())),
        FieldKind::DigestOrEmpty => Value::from(""),
        FieldKind::U32 => Value::from(if typical { 1234u32 } else { u32::MAX }),
        FieldKind::U64 => Value::from(if typical { 98_765u64 } else { u64::MAX }),
        FieldKind::Bool => Value::Bool(typical),
        FieldKind::Object if typical => {
            let mut map = Map::new();
            map.insert("query".into(), Value::from("weather in Lyon"));
            map.insert("limit".into(), Value::from(5u64));
            Value::Object(map)
        }
        FieldKind::Object => {
            let mut inner = Map::new();
            inner.insert("ratio".into(), Value::Float(Float::new(0.1).unwrap()));
            inner.insert("big".into(), Value::Float(Float::new(1e21).unwrap()));
            inner.insert("negative_zero".into(), Value::Float(Float::new(-0.0).unwrap()));
            inner.insert("one".into(), Value::Float(Float::new(1.0).unwrap()));
            let mut map = Map::new();
            map.insert("nested".into(), Value::Array(vec![Value::Object(inner), Value::Null, Value::from(-7i64)]));
            map.insert("\u{1F600}".into(), Value::from(true));
            map.insert("\u{FF61}".into(), Value::from(false));
            Value::Object(map)
        }
        FieldKind::PublicKey => Value::from(sha256_hex(format!("{variant}.{field} key").as_bytes())),
        FieldKind::Signature => Value::from(
            sha256_hex(format!("{variant}.{field} R").as_bytes())
                + &sha256_hex(format!("{variant}.{field} S").as_bytes()),
        ),
        FieldKind::Enum(e) if typical => Value::from(e.values[0].as_str()),
        FieldKind::Enum(e) => Value::from(e.values[e.values.len() - 1].as_str()),
        FieldKind::Nested(n) => Value::Object(members(&n.name, &n.fields, flavor)),
        FieldKind::Array(item) if typical => Value::Array(
            (0..2)
                .map(|i| field_value(variant, &format!("{field}[{i}]"), item, flavor).expect("items are present"))
                .collect(),
        ),
        FieldKind::Array(_) => Value::Array(vec![]),
        FieldKind::Optional(inner) if typical => return field_value(variant, field, inner, flavor),
        FieldKind::Optional(_) => return None,
    };
    Some(value)
}

/// The sample members of an object with `fields` (a payload or a nested object).
fn members(owner: &str, fields: &[Field], flavor: Flavor) -> Map {
    fields.iter().filter_map(|f| Some((f.name.clone(), field_value(owner, &f.name, &f.kind, flavor)?))).collect()
}

pub fn payload(variant: &Variant, flavor: Flavor) -> Map {
    members(&variant.name, &variant.fields, flavor)
}

pub fn event_value(variant: &Variant, payload: Map) -> Value {
    let mut event = Map::new();
    event.insert("type".into(), Value::from(variant.name.as_str()));
    event.insert("payload".into(), Value::Object(payload));
    Value::Object(event)
}

pub fn sample(variant: &Variant, flavor: Flavor) -> AgentEvent {
    AgentEvent::from_value(&event_value(variant, payload(variant, flavor))).expect("samples conform to the spec")
}

/// Compact JSON text of a value (canonical member order).
pub fn text(value: &Value) -> String {
    String::from_utf8(provedex_core::canonical_json(value)).expect("canonical JSON is UTF-8")
}

/// `event` sealed at `seq`, `timestamp_nanos` and `parent` by hand, without
/// the writer's checks of the line's length and depth: a line that breaks
/// only those rules, with a correct hash and signature.
pub fn seal_by_hand(
    event: &AgentEvent,
    seq: u64,
    timestamp_nanos: u64,
    parent: &ChainHash,
    key: &SigningKeypair,
) -> SignedEvent {
    let self_hash = compute_self_hash(event, seq, timestamp_nanos, parent);
    SignedEvent {
        seq,
        timestamp_nanos,
        event: event.clone(),
        parent_hash: *parent,
        self_hash,
        signature: key.sign_raw(&self_hash.0),
        signer_pubkey: key.public_key(),
    }
}
