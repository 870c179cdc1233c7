//! `events.json`: every event variant, valid and schema-invalid, through the
//! self_hash operation.

use std::collections::BTreeMap;

use provedex_codegen::spec::{FieldKind, NestedSpec, Variant};
use provedex_core::canonical::{Map, Value};
use provedex_core::{AgentEvent, ChainHash, MAX_LINE_BYTES, Reason, compute_self_hash, sha256_hex};
use serde_json::json;

use super::lines::{LEVELS_AT_LIMIT, deep_args, tool_called};
use super::long::{self, LongEvent};
use super::near_miss;
use super::samples::{Flavor, event_spec, event_value, payload, text, variants_1_1};
use crate::vector::{FileBuilder, GroupBuilder, SPEC_VERSION_1_1, VectorFile, Verdict};

const SEQ: u64 = 41;
const TIMESTAMP: u64 = 1_700_000_000_123_456_789;

fn parent() -> String {
    sha256_hex(b"provedex vectors: events parent")
}

fn input(event_json: &str) -> serde_json::Value {
    json!({"event_json": event_json, "seq": SEQ, "timestamp_nanos": TIMESTAMP, "parent_hash": parent()})
}

fn valid(g: &mut GroupBuilder<'_>, name: &str, comment: &str, flags: &[&str], event_json: &str) {
    let event = AgentEvent::from_json(event_json.as_bytes()).unwrap_or_else(|e| panic!("events/{name}: {e}"));
    assert_forms_agree(name, &event);
    let hash = compute_self_hash(&event, SEQ, TIMESTAMP, &ChainHash::from_hex(&parent()).unwrap());
    g.test(name, comment, flags, input(event_json), Verdict::Valid, json!({"valid": true, "self_hash": hash.to_hex()}));
}

fn invalid(g: &mut GroupBuilder<'_>, name: &str, comment: &str, event_json: &str, reason: Reason) {
    assert_eq!(
        crate::parse_event(event_json).err(),
        Some(reason),
        "events/{name}: the reference disagrees on {event_json}"
    );
    g.test(
        name,
        comment,
        &["SchemaInvalid"],
        input(event_json),
        Verdict::Invalid,
        json!({"valid": false, "reason": reason.code()}),
    );
}

/// A member name the variant does not define: `note`, or `note_` and so on
/// when the variant has a field of that name.
fn undefined_member(variant: &Variant) -> String {
    undefined_member_of(&variant.fields)
}

/// A member name none of `fields` has.
fn undefined_member_of(fields: &[provedex_codegen::spec::Field]) -> String {
    let mut name = String::from("note");
    while fields.iter().any(|f| f.name == name) {
        name.push('_');
    }
    name
}

/// The reference's typed writers agree with its generic ones on `event`:
/// the canonical form is the canonical JSON of the event's value, the wire
/// form parses to that value, and reading the value gives the event back.
/// Generating the vectors so checks the generated code of every variant,
/// whatever field kinds the spec gives it.
fn assert_forms_agree(name: &str, event: &AgentEvent) {
    let value = event.to_value();
    let mut canonical = Vec::new();
    event.write_canonical(&mut canonical);
    assert_eq!(canonical, provedex_core::canonical_json(&value), "events/{name}: the typed canonical writer");
    let mut wire = Vec::new();
    event.write_wire(&mut wire);
    assert_eq!(provedex_core::canonical::parse(&wire).as_ref(), Ok(&value), "events/{name}: the wire writer");
    assert_eq!(AgentEvent::from_value(&value).as_ref(), Ok(event), "events/{name}: reading the value back");
    assert_eq!(event.validate(), Ok(()), "events/{name}: a read event is valid");
}

/// A value of another JSON type than `kind` requires.
fn wrong_type_value(kind: &FieldKind) -> (Value, &'static str) {
    match kind {
        FieldKind::String
        | FieldKind::Digest
        | FieldKind::DigestOrEmpty
        | FieldKind::PublicKey
        | FieldKind::Signature
        | FieldKind::Enum(_) => (Value::from(7u64), "an integer"),
        FieldKind::U32 | FieldKind::U64 => (Value::from("7"), "a string"),
        FieldKind::Bool => (Value::from("true"), "the string \"true\""),
        FieldKind::Object | FieldKind::Nested(_) => (Value::Array(vec![]), "an array"),
        FieldKind::Array(_) => (Value::Object(Map::new()), "an object"),
        FieldKind::Optional(inner) => wrong_type_value(inner),
    }
}

pub fn file() -> VectorFile {
    let mut f = FileBuilder::new(
        "events",
        "self_hash",
        "Every event variant of spec/events.schema.json: valid events with their self_hash, and events that break \
         the schema with the reason code a verifier reports.",
    );
    notes(&mut f);
    f.note("Request", "A request at an edge: the nesting limit counted from the line, or a malformed parent_hash.");
    f.note("Limit", "An event whose line would be past the 16 MiB limit, built at run time (generated_input).");
    let spec = event_spec();
    valid_events(&mut f, &spec.variants);

    let mut g = f.group("structure", "The event object itself is malformed.");
    let first = &spec.variants[0];
    let good = payload(first, Flavor::Typical);
    let good_payload = text(&Value::Object(good.clone()));
    invalid(&mut g, "not-an-object", "The event is an array.", "[]", Reason::WrongType);
    invalid(
        &mut g,
        "missing-type",
        "No type member.",
        &format!("{{\"payload\":{good_payload}}}"),
        Reason::MissingField,
    );
    invalid(
        &mut g,
        "missing-payload",
        "No payload member.",
        &format!("{{\"type\":\"{}\"}}", first.name),
        Reason::MissingField,
    );
    invalid(
        &mut g,
        "type-not-string",
        "type is an integer.",
        &format!("{{\"payload\":{good_payload},\"type\":1}}"),
        Reason::WrongType,
    );
    invalid(
        &mut g,
        "unknown-type",
        "type names no variant.",
        &format!("{{\"payload\":{good_payload},\"type\":\"SessionPaused\"}}"),
        Reason::UnknownEventType,
    );
    invalid(
        &mut g,
        "type-wrong-case",
        "Variant names are case-sensitive.",
        &format!("{{\"payload\":{good_payload},\"type\":\"{}\"}}", first.name.to_lowercase()),
        Reason::UnknownEventType,
    );
    invalid(
        &mut g,
        "payload-not-object",
        "payload is an array.",
        &format!("{{\"payload\":[],\"type\":\"{}\"}}", first.name),
        Reason::WrongType,
    );
    invalid(
        &mut g,
        "extra-top-level-member",
        "A member besides type and payload.",
        &format!("{{\"payload\":{good_payload},\"type\":\"{}\",\"v\":1}}", first.name),
        Reason::UnknownField,
    );
    invalid(
        &mut g,
        "duplicate-type",
        "type given twice.",
        &format!("{{\"type\":\"{0}\",\"type\":\"{0}\",\"payload\":{good_payload}}}", first.name),
        Reason::DuplicateKey,
    );
    invalid(&mut g, "not-json", "Not JSON at all.", "SessionStarted", Reason::MalformedJson);

    broken_members(&mut f, &spec.variants);
    type_names(&mut f, &spec.variants);
    digest_spellings(&mut f);
    requests(&mut f);
    past_line_limit(&mut f);
    f.finish()
}

/// `events_1_1.json`: the variants spec version 1.1 added, in the groups of
/// `events.json` that go through every variant. A file of their own keeps
/// `events.json` what it was for v1 implementations.
pub fn file_1_1() -> VectorFile {
    let mut f = FileBuilder::new(
        "events_1_1",
        "self_hash",
        "The event variants spec version 1.1 added (KeyRotated, ToolsetPinned, Redacted): valid events with their \
         self_hash, and events that break the schema with the reason code a verifier reports. The schema alone \
         is checked: whether a key is valid, a proof verifies or a toolset is sorted is a check of verification.",
    );
    f.spec_version(SPEC_VERSION_1_1);
    notes(&mut f);
    let variants = variants_1_1();
    valid_events(&mut f, &variants);
    broken_members(&mut f, &variants);
    type_names(&mut f, &variants);
    key_spellings(&mut f, &variants);
    f.finish()
}

/// The flags of both files' tests.
fn notes(f: &mut FileBuilder) {
    f.note("Typical", "A valid event with everyday values.");
    f.note("Edge", "A valid event with bounds: maximum integers, empty digests where allowed, escapes, non-ASCII.");
    f.note("MemberOrder", "The same event with its members in another order: the hash must not change.");
    f.note("SchemaInvalid", "An event that does not conform to the schema.");
}

/// The `valid` group: each variant typical, at its edges, and reordered.
fn valid_events(f: &mut FileBuilder, variants: &[Variant]) {
    let mut g = f.group("valid", "Conforming events and their self_hash at a fixed seq, timestamp and parent.");
    for variant in variants {
        for (flavor, label) in [(Flavor::Typical, "typical"), (Flavor::Edge, "edge")] {
            let json = text(&event_value(variant, payload(variant, flavor)));
            let flag = if flavor == Flavor::Typical { "Typical" } else { "Edge" };
            valid(
                &mut g,
                &format!("{}-{label}", variant.name),
                &format!("A {label} {} event.", variant.name),
                &[flag],
                &json,
            );
        }
        // Spec member order, type after payload, and whitespace: readers recompute the canonical form.
        let wire = reordered(variant, payload(variant, Flavor::Typical));
        valid(
            &mut g,
            &format!("{}-reordered", variant.name),
            "Members in spec order with whitespace; the hash is that of the canonical form.",
            &["MemberOrder"],
            &wire,
        );
    }
}

/// A group per variant: one member of its payload broken at a time.
fn broken_members(f: &mut FileBuilder, variants: &[Variant]) {
    for variant in variants {
        let mut g = f.group(&variant.name, &format!("{} with one member broken at a time.", variant.name));
        let base = payload(variant, Flavor::Typical);
        let with = |edit: &dyn Fn(&mut Map)| {
            let mut p = base.clone();
            edit(&mut p);
            text(&event_value(variant, p))
        };
        invalid(
            &mut g,
            "extra-payload-member",
            "A payload member the spec does not define.",
            &with(&|p| {
                p.insert(undefined_member(variant), Value::from("x"));
            }),
            Reason::UnknownField,
        );
        let dup = text(&event_value(variant, base.clone())).replacen(
            "\"payload\":{",
            &format!("\"payload\":{{\"{0}\":{1},", variant.fields[0].name, text(&base[&variant.fields[0].name])),
            1,
        );
        invalid(&mut g, "duplicate-payload-member", "A payload member given twice.", &dup, Reason::DuplicateKey);
        for field in &variant.fields {
            let name = &field.name;
            let without = with(&|p| {
                p.remove(name);
            });
            if let FieldKind::Optional(_) = field.kind {
                valid(&mut g, &format!("{name}-absent"), &format!("{name} is optional and absent."), &[], &without);
            } else {
                invalid(
                    &mut g,
                    &format!("{name}-missing"),
                    &format!("{name} is absent."),
                    &without,
                    Reason::MissingField,
                );
            }
            let (wrong, what) = wrong_type_value(&field.kind);
            invalid(
                &mut g,
                &format!("{name}-wrong-type"),
                &format!("{name} is {what}."),
                &with(&|p| {
                    p.insert(name.clone(), wrong.clone());
                }),
                Reason::WrongType,
            );
            invalid(
                &mut g,
                &format!("{name}-null"),
                &format!("{name} is null."),
                &with(&|p| {
                    p.insert(name.clone(), Value::Null);
                }),
                Reason::WrongType,
            );
            field_specific(&mut g, name, field.kind.present(), &with);
        }
    }
}

/// An event whose line would be past the limit still has a self_hash
/// (spec/conformance.md, self_hash): only a writer refuses the line.
fn past_line_limit(f: &mut FileBuilder) {
    let mut g = f.group(
        "limits",
        "An event whose line would be 16,777,217 bytes long: self_hash does not check the line's length.",
    );
    let parent = ChainHash::from_hex(&parent()).expect("the parent is a hash");
    let long = LongEvent::for_line(MAX_LINE_BYTES + 1, "x", SEQ, &parent);
    let hash = compute_self_hash(&long.event(), SEQ, long::timestamp(SEQ), &parent);
    g.generated_test(
        "past-line-limit",
        "The event alone is about 16 MiB; its self_hash is the hash of its preimage, built at run time.",
        &["Limit"],
        json!({"seq": SEQ, "timestamp_nanos": long::timestamp(SEQ), "parent_hash": parent.to_hex()}),
        BTreeMap::from([("event_json".to_owned(), long.generated())]),
        Verdict::Valid,
        json!({"valid": true, "self_hash": hash.to_hex()}),
    );
}

/// An event of `variant` with typical values whose `type` is `type_name`.
fn with_type(variant: &Variant, type_name: &str) -> String {
    let mut event = Map::new();
    event.insert("type".into(), Value::from(type_name));
    event.insert("payload".into(), Value::Object(payload(variant, Flavor::Typical)));
    text(&Value::Object(event))
}

fn type_names(f: &mut FileBuilder, variants: &[Variant]) {
    let mut g = f.group(
        "type-names",
        "Event types that are near misses of a variant's name, each unknown_event_type; and the name written with \
         a \\u escape, which is the name itself.",
    );
    for variant in variants {
        for miss in near_miss::type_name(&variant.name) {
            invalid(
                &mut g,
                &format!("{}-{}", variant.name, miss.name),
                miss.comment,
                &with_type(variant, &miss.text),
                Reason::UnknownEventType,
            );
        }
        let first = variant.name.chars().next().expect("a name");
        let escaped = with_type(variant, &variant.name).replacen(
            &format!("\"{}\"", variant.name),
            &format!("\"\\u{:04x}{}\"", first as u32, &variant.name[1..]),
            1,
        );
        valid(
            &mut g,
            &format!("{}-escaped", variant.name),
            "The first letter of the name written as a \\u escape: the same string, the same hash.",
            &["Typical"],
            &escaped,
        );
    }
}

fn digest_spellings(f: &mut FileBuilder) {
    let mut g =
        f.group("digest-spellings", "A digest, and a digest that may be empty, spelled almost right: invalid_hex.");
    spellings(&mut g, &event_spec().variants, &[FieldKind::Digest, FieldKind::DigestOrEmpty]);
}

/// A public key and a signature spelled almost right, in the variant that
/// carries them (KeyRotated).
fn key_spellings(f: &mut FileBuilder, variants: &[Variant]) {
    let mut g = f.group("key-spellings", "A public key and a signature spelled almost right: invalid_hex.");
    spellings(&mut g, variants, &[FieldKind::PublicKey, FieldKind::Signature]);
}

/// The near misses of [`near_miss::hex`] in the first field of each of
/// `kinds` among `variants`, each invalid_hex, and a single space.
fn spellings(g: &mut GroupBuilder<'_>, variants: &[Variant], kinds: &[FieldKind]) {
    for kind in kinds {
        let (variant, field) = variants
            .iter()
            .find_map(|v| v.fields.iter().find(|f| f.kind == *kind).map(|field| (v, field)))
            .expect("a variant has a field of each kind spelled");
        let set = |value: &str| {
            let mut p = payload(variant, Flavor::Typical);
            p.insert(field.name.clone(), Value::from(value));
            text(&event_value(variant, p))
        };
        let digest = match kind {
            FieldKind::Signature => sha256_hex(field.name.as_bytes()).repeat(2),
            _ => sha256_hex(field.name.as_bytes()),
        };
        for miss in near_miss::hex(&digest) {
            invalid(
                g,
                &format!("{}-{}-{}", variant.name, field.name, miss.name),
                &format!("{}.{}: {}", variant.name, field.name, miss.comment),
                &set(&miss.text),
                Reason::InvalidHex,
            );
        }
        invalid(
            g,
            &format!("{}-{}-one-space", variant.name, field.name),
            "A single space.",
            &set(" "),
            Reason::InvalidHex,
        );
    }
}

/// A `self_hash` or `sign` request whose event or `parent_hash` is at an
/// edge: the nesting limit counted from the line, and a `parent_hash` that
/// is not 64 lowercase hex characters (spec/conformance.md, self_hash).
pub struct RequestCase {
    /// The test's name.
    pub name: &'static str,
    /// What it checks, for people.
    pub comment: &'static str,
    /// The event's JSON text.
    pub event_json: String,
    /// The request's `parent_hash`.
    pub parent_hash: String,
    /// The reason code of the result, or `None` for a valid one.
    pub reason: Option<Reason>,
}

/// The request cases, each checked against the reference.
pub fn request_cases() -> Vec<RequestCase> {
    let deep = |levels: usize, keep_name: bool| {
        let mut event = tool_called(deep_args(levels)).to_value();
        if let (false, Value::Object(e)) = (keep_name, &mut event) {
            let Some(Value::Object(p)) = e.get_mut("payload") else { unreachable!("an event has a payload") };
            p.remove("tool_name");
        }
        text(&event)
    };
    let good = deep(1, true);
    let parent = parent();
    let cases = vec![
        RequestCase {
            name: "args-at-depth-limit",
            comment: "args_redacted nests down to depth 128 of the event's line (the event is depth 2).",
            event_json: deep(LEVELS_AT_LIMIT, true),
            parent_hash: parent.clone(),
            reason: None,
        },
        RequestCase {
            name: "args-past-depth-limit",
            comment: "One level more: the event alone is 128 deep, its line 129: malformed_json, as a reader of the line reports.",
            event_json: deep(LEVELS_AT_LIMIT + 1, true),
            parent_hash: parent.clone(),
            reason: Some(Reason::MalformedJson),
        },
        RequestCase {
            name: "past-depth-limit-and-missing-member",
            comment: "Too deep for its line and without tool_name: the depth is a parse error, found before any member.",
            event_json: deep(LEVELS_AT_LIMIT + 1, false),
            parent_hash: parent.clone(),
            reason: Some(Reason::MalformedJson),
        },
        RequestCase {
            name: "parent-uppercase",
            comment: "parent_hash in upper-case hex: the line would carry it, so invalid_hex.",
            event_json: good.clone(),
            parent_hash: parent.to_uppercase(),
            reason: Some(Reason::InvalidHex),
        },
        RequestCase {
            name: "parent-empty",
            comment: "parent_hash empty.",
            event_json: good.clone(),
            parent_hash: String::new(),
            reason: Some(Reason::InvalidHex),
        },
        RequestCase {
            name: "parent-63-chars",
            comment: "parent_hash one character short.",
            event_json: good.clone(),
            parent_hash: parent[1..].to_owned(),
            reason: Some(Reason::InvalidHex),
        },
        RequestCase {
            name: "parent-trailing-newline",
            comment: "parent_hash followed by LF.",
            event_json: good,
            parent_hash: format!("{parent}\n"),
            reason: Some(Reason::InvalidHex),
        },
        RequestCase {
            name: "missing-member-and-bad-parent",
            comment: "The event lacks tool_name and parent_hash is upper case: the event comes before parent_hash in the line.",
            event_json: deep(1, false),
            parent_hash: parent.to_uppercase(),
            reason: Some(Reason::MissingField),
        },
    ];
    for case in &cases {
        let ours = crate::parse_event_and_parent(&case.event_json, &case.parent_hash).err();
        assert_eq!(ours, case.reason, "{}: the reference disagrees", case.name);
    }
    cases
}

fn requests(f: &mut FileBuilder) {
    let mut g = f.group(
        "request-edges",
        "Events at the nesting limit counted from their line, and parent_hash values that are not 64 lowercase hex \
         characters, alone and after a fault of the event.",
    );
    for case in request_cases() {
        let input = json!({"event_json": case.event_json, "seq": SEQ, "timestamp_nanos": TIMESTAMP, "parent_hash": case.parent_hash});
        let expected = match case.reason {
            None => {
                let (event, parent) =
                    crate::parse_event_and_parent(&case.event_json, &case.parent_hash).expect("checked");
                json!({"valid": true, "self_hash": compute_self_hash(&event, SEQ, TIMESTAMP, &parent).to_hex()})
            }
            Some(reason) => json!({"valid": false, "reason": reason.code()}),
        };
        let verdict = if case.reason.is_none() { Verdict::Valid } else { Verdict::Invalid };
        g.test(case.name, case.comment, &["Request"], input, verdict, expected);
    }
}

/// Renders the sample event after an edit of its payload.
type EditedEvent<'a> = &'a dyn Fn(&dyn Fn(&mut Map)) -> String;

/// Cases that only some field kinds have.
fn field_specific(g: &mut GroupBuilder<'_>, name: &str, kind: &FieldKind, with: EditedEvent<'_>) {
    let set = |v: Value| {
        with(&move |p: &mut Map| {
            p.insert(name.to_owned(), v.clone());
        })
    };
    let digest = sha256_hex(name.as_bytes());
    match kind {
        FieldKind::Digest | FieldKind::DigestOrEmpty => {
            invalid(
                g,
                &format!("{name}-uppercase"),
                "A digest in upper-case hex.",
                &set(Value::from(digest.to_uppercase())),
                Reason::InvalidHex,
            );
            invalid(
                g,
                &format!("{name}-63-chars"),
                "A digest one character short.",
                &set(Value::from(&digest[..63])),
                Reason::InvalidHex,
            );
            invalid(
                g,
                &format!("{name}-65-chars"),
                "A digest one character long.",
                &set(Value::from(format!("{digest}0"))),
                Reason::InvalidHex,
            );
            invalid(
                g,
                &format!("{name}-non-hex"),
                "A digest with a 'g'.",
                &set(Value::from(format!("g{}", &digest[1..]))),
                Reason::InvalidHex,
            );
            if *kind == FieldKind::Digest {
                invalid(
                    g,
                    &format!("{name}-empty"),
                    "This digest may not be empty.",
                    &set(Value::from("")),
                    Reason::InvalidHex,
                );
            }
        }
        FieldKind::U32 => {
            invalid(
                g,
                &format!("{name}-negative"),
                "-1 is outside u32.",
                &set(Value::from(-1i64)),
                Reason::IntegerOutOfRange,
            );
            invalid(
                g,
                &format!("{name}-2-pow-32"),
                "2^32 is outside u32.",
                &set(Value::from(1u64 << 32)),
                Reason::IntegerOutOfRange,
            );
            invalid(
                g,
                &format!("{name}-float"),
                "1.0 is a float, not an integer.",
                &set(float(1.0)),
                Reason::WrongType,
            );
        }
        FieldKind::U64 => {
            invalid(
                g,
                &format!("{name}-negative"),
                "-1 is outside u64.",
                &set(Value::from(-1i64)),
                Reason::IntegerOutOfRange,
            );
            let past = with(&|p: &mut Map| {
                p.insert(name.to_owned(), Value::from(0u64));
            })
            .replacen(&format!("\"{name}\":0"), &format!("\"{name}\":18446744073709551616"), 1);
            invalid(g, &format!("{name}-2-pow-64"), "2^64 is a float literal, not a u64.", &past, Reason::WrongType);
            invalid(g, &format!("{name}-float"), "1.5 is a float.", &set(float(1.5)), Reason::WrongType);
        }
        FieldKind::Bool => {
            invalid(g, &format!("{name}-integer"), "1 is not a boolean.", &set(Value::from(1u64)), Reason::WrongType);
        }
        FieldKind::PublicKey | FieldKind::Signature => {
            let hex = match kind {
                FieldKind::PublicKey => digest.clone(),
                _ => format!("{digest}{digest}"),
            };
            invalid(
                g,
                &format!("{name}-uppercase"),
                "Hex in upper case.",
                &set(Value::from(hex.to_uppercase())),
                Reason::InvalidHex,
            );
            invalid(
                g,
                &format!("{name}-one-short"),
                "Hex one character short.",
                &set(Value::from(&hex[1..])),
                Reason::InvalidHex,
            );
        }
        FieldKind::Enum(e) => {
            let unknown = format!("{}_not_listed", e.values[0]);
            invalid(
                g,
                &format!("{name}-unknown-value"),
                "A value the enum does not list.",
                &set(Value::from(unknown)),
                Reason::UnknownEnumValue,
            );
            invalid(
                g,
                &format!("{name}-value-in-upper-case"),
                "Enum values are matched exactly.",
                &set(Value::from(e.values[0].to_uppercase())),
                Reason::UnknownEnumValue,
            );
        }
        FieldKind::Array(item) => {
            let (wrong, what) = wrong_type_value(item);
            invalid(
                g,
                &format!("{name}-item-wrong-type"),
                &format!("An item of {name} is {what}."),
                &set(Value::Array(vec![wrong])),
                Reason::WrongType,
            );
            if let FieldKind::Nested(n) = item.as_ref() {
                nested_items(g, name, n, &set);
            }
        }
        FieldKind::Nested(n) => {
            let mut members = match super::samples::field_value(name, name, kind, Flavor::Typical) {
                Some(Value::Object(members)) => members,
                _ => unreachable!("a nested sample is an object"),
            };
            members.insert(undefined_member_of(&n.fields), Value::from("x"));
            invalid(
                g,
                &format!("{name}-unknown-member"),
                &format!("{name} has a member its type does not define."),
                &set(Value::Object(members.clone())),
                Reason::UnknownField,
            );
            if let Some(required) = n.fields.iter().find(|f| !matches!(f.kind, FieldKind::Optional(_))) {
                members.remove(&required.name);
                invalid(
                    g,
                    &format!("{name}-member-missing"),
                    &format!("{name} lacks its required member {}.", required.name),
                    &set(Value::Object(members)),
                    Reason::MissingField,
                );
            }
        }
        FieldKind::Object | FieldKind::String | FieldKind::Optional(_) => {}
    }
}

/// An array of objects whose second item has one member broken at a time:
/// every item is read as strictly as the payload.
fn nested_items(g: &mut GroupBuilder<'_>, name: &str, n: &NestedSpec, set: &dyn Fn(Value) -> String) {
    let item = |_: usize| match super::samples::field_value(name, name, &FieldKind::Nested(n.clone()), Flavor::Typical)
    {
        Some(Value::Object(members)) => members,
        _ => unreachable!("a nested sample is an object"),
    };
    let with_second = |edit: &dyn Fn(&mut Map)| {
        let mut second = item(1);
        edit(&mut second);
        set(Value::Array(vec![Value::Object(item(0)), Value::Object(second)]))
    };
    invalid(
        g,
        &format!("{name}-item-unknown-member"),
        &format!("The second item of {name} has a member {} does not define.", n.name),
        &with_second(&|m| {
            m.insert(undefined_member_of(&n.fields), Value::from("x"));
        }),
        Reason::UnknownField,
    );
    for field in &n.fields {
        let member = &field.name;
        if !matches!(field.kind, FieldKind::Optional(_)) {
            invalid(
                g,
                &format!("{name}-item-{member}-missing"),
                &format!("The second item of {name} lacks {member}."),
                &with_second(&|m| {
                    m.remove(member);
                }),
                Reason::MissingField,
            );
        }
        let (wrong, what) = wrong_type_value(&field.kind);
        invalid(
            g,
            &format!("{name}-item-{member}-wrong-type"),
            &format!("{member} of the second item of {name} is {what}."),
            &with_second(&|m| {
                m.insert(member.clone(), wrong.clone());
            }),
            Reason::WrongType,
        );
        if matches!(field.kind.present(), FieldKind::Digest | FieldKind::PublicKey) {
            let digest = sha256_hex(member.as_bytes()).to_uppercase();
            invalid(
                g,
                &format!("{name}-item-{member}-uppercase"),
                &format!("{member} of the second item of {name} in upper-case hex."),
                &with_second(&|m| {
                    m.insert(member.clone(), Value::from(digest.as_str()));
                }),
                Reason::InvalidHex,
            );
        }
    }
    let dup = set(Value::Array(vec![Value::Object(item(0))]));
    let first = text(&Value::Object(item(0)));
    let first_field = &n.fields[0].name;
    let doubled = dup.replacen(
        &first,
        // The member where canonical order puts it, which need not be first.
        &first.replacen(
            &format!("\"{first_field}\":"),
            &format!("\"{first_field}\":{},\"{first_field}\":", text(&item(0)[first_field])),
            1,
        ),
        1,
    );
    invalid(
        g,
        &format!("{name}-item-duplicate-member"),
        &format!("An item of {name} with {first_field} given twice."),
        &doubled,
        Reason::DuplicateKey,
    );
}

fn float(v: f64) -> Value {
    Value::Float(provedex_core::canonical::Float::new(v).unwrap())
}

/// The event with `type` first, payload members in spec order, and spaces.
fn reordered(variant: &provedex_codegen::spec::Variant, payload: Map) -> String {
    let members: Vec<String> = variant
        .fields
        .iter()
        .filter_map(|f| Some(format!("\"{}\": {}", f.name, text(payload.get(&f.name)?))))
        .collect();
    format!("{{ \"type\": \"{}\", \"payload\": {{ {} }} }}", variant.name, members.join(", "))
}
