//! Reads `signed-event.schema.json`, the ledger line's envelope, into the
//! model the templates render.
//!
//! The envelope is not a payload: its members have kinds of their own (the
//! event, chain hashes), its member order is the order writers emit, and it
//! names the members its `self_hash` covers (`x-provedex-self-hash-preimage`).
//! Sealing owns three members by name: `self_hash`, `signature` and
//! `signer_pubkey`; every other member must be in the preimage, because a
//! member outside it would be unsigned.

use serde_json::Value;

use crate::spec::{
    DIGEST_PATTERN, SIGNATURE_PATTERN, SpecError, description, err, expect_closed, expect_keys, is_snake_case,
    required_list,
};

/// The schema keyword listing the members the self_hash covers.
pub const PREIMAGE_KEYWORD: &str = "x-provedex-self-hash-preimage";

/// The members sealing writes; they are not in the preimage.
pub const SEAL_MEMBERS: [(&str, MemberKind); 3] = [
    ("self_hash", MemberKind::ChainHash),
    ("signature", MemberKind::Signature),
    ("signer_pubkey", MemberKind::PublicKey),
];

/// The envelope: its members in the order writers emit them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvelopeSpec {
    /// The schema's description: the doc comment of the line type.
    pub description: String,
    /// Every member, in `required` order (the writers' order).
    pub members: Vec<Member>,
}

/// One member of the envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Its snake_case name, the same in JSON and in every language.
    pub name: String,
    /// Its description: the doc comment of the member.
    pub description: String,
    /// What values it holds.
    pub kind: MemberKind,
    /// Whether the self_hash covers it.
    pub hashed: bool,
}

/// The kinds of envelope members.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberKind {
    /// An integer from 0 to 2^64 - 1.
    U64,
    /// The event (a `$ref` to the events schema's `$id`).
    Event,
    /// A line's SHA-256 hash: 64 lowercase hex characters (`format: sha256-chain-hash`).
    ChainHash,
    /// An Ed25519 signature: 128 lowercase hex characters (`format: ed25519-signature`).
    Signature,
    /// An Ed25519 public key: 64 lowercase hex characters (`format: ed25519-public-key`).
    PublicKey,
}

impl MemberKind {
    /// Written as a JSON string of lowercase hex.
    pub fn is_hex(self) -> bool {
        matches!(self, MemberKind::ChainHash | MemberKind::Signature | MemberKind::PublicKey)
    }
}

impl EnvelopeSpec {
    /// The hashed members in the preimage's canonical order (UTF-8 order of their names).
    pub fn preimage(&self) -> Vec<&Member> {
        let mut hashed: Vec<&Member> = self.members.iter().filter(|m| m.hashed).collect();
        hashed.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
        hashed
    }

    /// The description split into lines, for doc comments.
    pub fn doc_lines(&self) -> Vec<&str> {
        self.description.lines().collect()
    }
}

/// Parses the text of `signed-event.schema.json`; `events_id` is the `$id`
/// of the events schema, which the `event` member must reference.
pub fn parse_envelope_spec(text: &str, events_id: &str) -> Result<EnvelopeSpec, SpecError> {
    let root: Value = serde_json::from_str(text).map_err(|e| SpecError(format!("not valid JSON: {e}")))?;
    let at = "(envelope)";
    expect_closed(at, &root)?;
    let doc = description(at, &root)?;
    let Some(props) = root.get("properties").and_then(Value::as_object) else {
        return err(at, "expected an object \"properties\"");
    };
    let order = required_list(at, &root)?;
    if let Some(extra) = props.keys().find(|k| !order.contains(k)) {
        return err(&format!("(envelope).{extra}"), "every envelope member is required: list it in required");
    }
    let preimage = preimage_list(at, &root)?;
    let mut members = Vec::new();
    for name in &order {
        let member_at = format!("(envelope).{name}");
        let Some(node) = props.get(name.as_str()) else {
            return err(&member_at, "listed in required but has no entry in properties");
        };
        if !is_snake_case(name) {
            return err(&member_at, "member names must be snake_case ASCII identifiers");
        }
        let kind = member_kind(&member_at, node, events_id)?;
        let sealed = SEAL_MEMBERS.iter().find(|(seal_name, _)| seal_name == name);
        match sealed {
            Some((_, expected)) if *expected != kind => {
                return err(&member_at, format!("sealing writes this member: it must be of kind {expected:?}"));
            }
            Some(_) if preimage.contains(name) => {
                return err(&member_at, "sealing writes this member after hashing: it cannot be in the preimage");
            }
            None if !preimage.contains(name) => {
                return err(
                    &member_at,
                    format!("a member outside {PREIMAGE_KEYWORD} would be unsigned: list it there"),
                );
            }
            _ => {}
        }
        members.push(Member {
            name: name.clone(),
            description: description(&member_at, node)?,
            kind,
            hashed: sealed.is_none(),
        });
    }
    if let Some(unknown) = preimage.iter().find(|p| !order.contains(p)) {
        return err(at, format!("{PREIMAGE_KEYWORD} names {unknown:?}, which is not a member"));
    }
    for (seal_name, _) in SEAL_MEMBERS {
        if !order.iter().any(|n| n == seal_name) {
            return err(at, format!("sealing needs the member {seal_name:?}"));
        }
    }
    if members.iter().filter(|m| m.kind == MemberKind::Event).count() != 1 {
        return err(at, "the envelope holds exactly one event member");
    }
    let spec = EnvelopeSpec { description: doc, members };
    let canonical: Vec<&str> = spec.preimage().iter().map(|m| m.name.as_str()).collect();
    if canonical != preimage.iter().map(String::as_str).collect::<Vec<_>>() {
        return err(at, format!("{PREIMAGE_KEYWORD} must list its members in canonical (UTF-8) order: {canonical:?}"));
    }
    Ok(spec)
}

fn preimage_list(at: &str, root: &Value) -> Result<Vec<String>, SpecError> {
    let Some(list) = root.get(PREIMAGE_KEYWORD).and_then(Value::as_array) else {
        return err(at, format!("expected an array {PREIMAGE_KEYWORD:?} naming the members the self_hash covers"));
    };
    let mut names: Vec<String> = Vec::new();
    for item in list {
        match item.as_str() {
            Some(s) if !names.iter().any(|n| n == s) => names.push(s.to_owned()),
            _ => return err(at, format!("{PREIMAGE_KEYWORD} must list distinct member names")),
        }
    }
    Ok(names)
}

fn member_kind(at: &str, node: &Value, events_id: &str) -> Result<MemberKind, SpecError> {
    if let Some(reference) = node.get("$ref").and_then(Value::as_str) {
        expect_keys(at, node, &["$ref", "description"])?;
        return if reference == events_id {
            Ok(MemberKind::Event)
        } else {
            err(at, format!("the only reference an envelope member may hold is the events schema, {events_id:?}"))
        };
    }
    expect_keys(at, node, &["type", "pattern", "format", "minimum", "maximum", "description"])?;
    let ty = node.get("type").and_then(Value::as_str);
    let pattern = node.get("pattern").and_then(Value::as_str);
    let format = node.get("format").and_then(Value::as_str);
    let minimum = node.get("minimum").and_then(Value::as_u64);
    let maximum = node.get("maximum").and_then(Value::as_u64);
    match (ty, pattern, format, minimum, maximum) {
        (Some("integer"), None, None, Some(0), Some(u64::MAX)) => Ok(MemberKind::U64),
        (Some("string"), Some(DIGEST_PATTERN), Some("sha256-chain-hash"), None, None) => Ok(MemberKind::ChainHash),
        (Some("string"), Some(DIGEST_PATTERN), Some("ed25519-public-key"), None, None) => Ok(MemberKind::PublicKey),
        (Some("string"), Some(SIGNATURE_PATTERN), Some("ed25519-signature"), None, None) => Ok(MemberKind::Signature),
        _ => err(
            at,
            "unsupported envelope member: expected an integer with minimum 0 and maximum 18446744073709551615, \
             a $ref to the events schema, or a hex pattern with format sha256-chain-hash, ed25519-public-key \
             or ed25519-signature",
        ),
    }
}
