//! Agent events: the types generated from spec/events.schema.json, and the
//! hand-written checks the generated code calls.

#[rustfmt::skip]
mod generated;

use std::fmt;

pub use generated::*;

use crate::canonical::{MAX_DEPTH, Map, Value};
use crate::display::{escape, quote};
use crate::reason::Reason;

/// Containers around an event in its ledger line: the line object.
const EVENT_ENCLOSING: usize = 1;

/// Depth of the `payload` member inside a ledger line (line object → event →
/// payload): free JSON in a payload may nest `MAX_DEPTH - PAYLOAD_DEPTH_IN_LINE` levels.
const PAYLOAD_DEPTH_IN_LINE: usize = EVENT_ENCLOSING + 2;

/// The deepest a free JSON object in a payload (such as `args_redacted`) may
/// nest, the object itself counting as depth 1: what still fits in
/// [`MAX_DEPTH`] once the line, the event and the payload enclose it.
pub const MAX_FREE_JSON_DEPTH: usize = MAX_DEPTH - PAYLOAD_DEPTH_IN_LINE;

/// An event that does not conform to the spec: which member, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EventError {
    /// The reason code a verifier reports for this fault.
    pub reason: Reason,
    /// Dotted path of the offending member, such as `payload.prompt_tokens`.
    pub path: String,
    /// Why the member is refused, for people.
    pub message: String,
}

impl fmt::Display for EventError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Member names come from the input: shown escaped (the message quotes its values already).
        write!(f, "{}: {}", escape(&self.path), self.message)
    }
}

impl std::error::Error for EventError {}

impl EventError {
    pub(crate) fn new(reason: Reason, path: &str, message: impl Into<String>) -> Self {
        EventError { reason, path: path.to_owned(), message: message.into() }
    }
}

impl AgentEvent {
    /// Parses an event from JSON text with the strict rules of the ledger:
    /// canonical-JSON parsing (no duplicate keys), then [`AgentEvent::from_value`].
    /// The nesting depth is counted as in the event's line, where the event
    /// is depth 2: an event that would make its line too deep fails here with
    /// `malformed_json`, before any member is checked, as its line would
    /// fail a verifier (spec/ledger-format.md, Strictness on read).
    pub fn from_json(text: &[u8]) -> Result<AgentEvent, crate::Error> {
        let value = crate::canonical::parse_inside(text, EVENT_ENCLOSING)
            .map_err(|e| crate::Error::signing(e.kind.into(), format!("event is not valid JSON: {e}")))?;
        AgentEvent::from_value(&value).map_err(|e| crate::Error::signing(e.reason, format!("invalid event: {e}")))
    }
}

/// Checks that free JSON `levels` containers below the payload keeps the
/// whole ledger line within the nesting limit.
pub(crate) fn check_nesting(path: &str, map: &Map, levels: usize) -> Result<(), EventError> {
    let limit = MAX_FREE_JSON_DEPTH.saturating_sub(levels);
    let depth = 1 + map.values().map(Value::depth).max().unwrap_or(0);
    if depth > limit {
        return Err(EventError::new(
            Reason::MalformedJson,
            path,
            format!("nests {depth} levels deep; at most {limit} fit in a ledger line"),
        ));
    }
    Ok(())
}

/// Readers of one member's value, by field kind, each with the reason code a
/// verifier reports when the value does not conform. The generated event
/// code composes them, and the uniffi layer reads hex fields with them.
pub mod read {
    use super::{AgentEvent, EventError, check_nesting};
    use crate::canonical::{Map, Value};
    use crate::display::quote;
    use crate::hex::{ChainHash, Digest, PublicKeyBytes, SignatureBytes};
    use crate::reason::Reason;

    fn wrong_type(path: &str, expected: &str, found: &Value) -> EventError {
        EventError::new(Reason::WrongType, path, format!("must be {expected}, found {}", found.type_name()))
    }

    /// A string.
    pub fn string(value: &Value, path: &str) -> Result<String, EventError> {
        match value {
            Value::String(s) => Ok(s.clone()),
            other => Err(wrong_type(path, "a string", other)),
        }
    }

    fn unsigned(value: &Value, path: &str, max: u64, type_name: &str) -> Result<u64, EventError> {
        match value {
            Value::Integer(i) => i.as_u64().filter(|v| *v <= max).ok_or_else(|| {
                EventError::new(
                    Reason::IntegerOutOfRange,
                    path,
                    format!("must be a {type_name} (0 to {max}), found {i}"),
                )
            }),
            other => Err(wrong_type(path, "an integer", other)),
        }
    }

    /// An integer from 0 to `u32::MAX`.
    pub fn u32(value: &Value, path: &str) -> Result<u32, EventError> {
        unsigned(value, path, u32::MAX.into(), "u32").map(|v| v as u32)
    }

    /// An integer from 0 to `u64::MAX`.
    pub fn u64(value: &Value, path: &str) -> Result<u64, EventError> {
        unsigned(value, path, u64::MAX, "u64")
    }

    /// `true` or `false`.
    pub fn bool(value: &Value, path: &str) -> Result<bool, EventError> {
        match value {
            Value::Bool(b) => Ok(*b),
            other => Err(wrong_type(path, "a boolean", other)),
        }
    }

    /// A free JSON object `levels` containers below the payload, within the nesting limit.
    pub fn object(value: &Value, path: &str, levels: usize) -> Result<Map, EventError> {
        match value {
            Value::Object(map) => {
                check_nesting(path, map, levels)?;
                Ok(map.clone())
            }
            other => Err(wrong_type(path, "an object", other)),
        }
    }

    /// The members of an object with fields of its own.
    pub fn members<'a>(value: &'a Value, path: &'a str) -> Result<super::Fields<'a>, EventError> {
        super::Fields::new(path, value)
    }

    /// An array, each item read by `item` with the path `path[i]`.
    pub fn array<T>(
        value: &Value,
        path: &str,
        item: impl Fn(&Value, &str) -> Result<T, EventError>,
    ) -> Result<Vec<T>, EventError> {
        match value {
            Value::Array(items) => items.iter().enumerate().map(|(i, v)| item(v, &format!("{path}[{i}]"))).collect(),
            other => Err(wrong_type(path, "an array", other)),
        }
    }

    /// One of `allowed`, as its index.
    pub fn one_of(value: &Value, path: &str, allowed: &[&str]) -> Result<usize, EventError> {
        let text = string(value, path)?;
        allowed.iter().position(|a| *a == text).ok_or_else(|| {
            EventError::new(
                Reason::UnknownEnumValue,
                path,
                format!("must be one of {}, found {}", allowed.join(", "), quote(&text)),
            )
        })
    }

    /// A SHA-256 digest: 64 lowercase hex characters.
    pub fn digest(value: &Value, path: &str) -> Result<Digest, EventError> {
        digest_text(&string(value, path)?, path)
    }

    /// A digest, or `None` for the empty string.
    pub fn digest_or_empty(value: &Value, path: &str) -> Result<Option<Digest>, EventError> {
        digest_or_empty_text(&string(value, path)?, path)
    }

    /// [`digest`] of text given on its own (the uniffi layer's digests are strings).
    pub fn digest_text(text: &str, path: &str) -> Result<Digest, EventError> {
        Digest::from_hex(text).map_err(|_| not_a_digest(text, path, false))
    }

    /// [`digest_or_empty`] of text given on its own.
    pub fn digest_or_empty_text(text: &str, path: &str) -> Result<Option<Digest>, EventError> {
        if text.is_empty() {
            return Ok(None);
        }
        Digest::from_hex(text).map(Some).map_err(|_| not_a_digest(text, path, true))
    }

    fn not_a_digest(text: &str, path: &str, allow_empty: bool) -> EventError {
        let allowed =
            if allow_empty { "64 lowercase hex characters or the empty string" } else { "64 lowercase hex characters" };
        EventError::new(
            Reason::InvalidHex,
            path,
            format!("must be a SHA-256 digest of {allowed}, found {}", quote(text)),
        )
    }

    /// Fixed-length lowercase hex, as `parse` reads it.
    fn hex<T>(value: &Value, path: &str, parse: fn(&str) -> Result<T, String>) -> Result<T, EventError> {
        hex_text(&string(value, path)?, path, parse)
    }

    fn hex_text<T>(text: &str, path: &str, parse: fn(&str) -> Result<T, String>) -> Result<T, EventError> {
        parse(text).map_err(|why| EventError::new(Reason::InvalidHex, path, why))
    }

    /// An event (`{"type", "payload"}`) read strictly, its findings' paths below `path`.
    pub fn event(value: &Value, path: &str) -> Result<AgentEvent, EventError> {
        AgentEvent::from_value(value).map_err(|e| EventError {
            path: if e.path.is_empty() { path.to_owned() } else { format!("{path}.{}", e.path) },
            ..e
        })
    }

    /// A chain hash (`parent_hash`, `self_hash`): 64 lowercase hex characters.
    pub fn chain_hash(value: &Value, path: &str) -> Result<ChainHash, EventError> {
        hex(value, path, ChainHash::from_hex)
    }

    /// An Ed25519 public key: 64 lowercase hex characters (the point is checked by verification).
    pub fn public_key(value: &Value, path: &str) -> Result<PublicKeyBytes, EventError> {
        hex(value, path, PublicKeyBytes::from_hex)
    }

    /// [`public_key`] of text given on its own.
    pub fn public_key_text(text: &str, path: &str) -> Result<PublicKeyBytes, EventError> {
        hex_text(text, path, PublicKeyBytes::from_hex)
    }

    /// An Ed25519 signature: 128 lowercase hex characters.
    pub fn signature(value: &Value, path: &str) -> Result<SignatureBytes, EventError> {
        hex(value, path, SignatureBytes::from_hex)
    }

    /// [`signature`] of text given on its own.
    pub fn signature_text(text: &str, path: &str) -> Result<SignatureBytes, EventError> {
        hex_text(text, path, SignatureBytes::from_hex)
    }
}

/// Writers of one member's value, by field kind, for the generated event code.
pub(crate) mod write {
    use crate::canonical::ByteSink;
    use crate::hex::Digest;

    /// `true` or `false`.
    pub(crate) fn bool(sink: &mut impl ByteSink, value: bool) {
        sink.put(if value { b"true" } else { b"false" });
    }

    /// A fixed-length byte string as quoted lowercase hex, written by `put_hex`.
    pub(crate) fn hex<S: ByteSink>(sink: &mut S, put_hex: impl FnOnce(&mut S)) {
        sink.put(b"\"");
        put_hex(sink);
        sink.put(b"\"");
    }

    /// A digest, or `""` for none.
    pub(crate) fn digest_or_empty(sink: &mut impl ByteSink, value: &Option<Digest>) {
        match value {
            Some(digest) => hex(sink, |sink| digest.put_hex(sink)),
            None => sink.put(b"\"\""),
        }
    }
}

/// Reads the members of one JSON object strictly: each `take*` removes a
/// member; [`Fields::finish`] rejects whatever is left.
pub struct Fields<'a> {
    path: &'a str,
    members: Vec<(&'a str, &'a Value)>,
}

impl<'a> Fields<'a> {
    pub(crate) fn new(path: &'a str, value: &'a Value) -> Result<Self, EventError> {
        match value {
            Value::Object(map) => Ok(Fields { path, members: map.iter().map(|(k, v)| (k.as_str(), v)).collect() }),
            other => Err(EventError::new(
                Reason::WrongType,
                if path.is_empty() { "event" } else { path },
                format!("must be an object, found {}", other.type_name()),
            )),
        }
    }

    pub(crate) fn member_path(&self, key: &str) -> String {
        if self.path.is_empty() { key.to_owned() } else { format!("{}.{key}", self.path) }
    }

    /// Removes the member `key`, which must be present, with its path.
    pub(crate) fn take(&mut self, key: &str) -> Result<(&'a Value, String), EventError> {
        self.take_optional(key)
            .ok_or_else(|| EventError::new(Reason::MissingField, &self.member_path(key), "is required but missing"))
    }

    /// Removes the member `key` with its path, if present.
    pub(crate) fn take_optional(&mut self, key: &str) -> Option<(&'a Value, String)> {
        let i = self.members.iter().position(|(k, _)| *k == key)?;
        Some((self.members.remove(i).1, self.member_path(key)))
    }

    /// Removes and reads the required member `key`.
    pub fn take_with<T>(
        &mut self,
        key: &str,
        read: impl FnOnce(&Value, &str) -> Result<T, EventError>,
    ) -> Result<T, EventError> {
        let (value, path) = self.take(key)?;
        read(value, &path)
    }

    /// Removes and reads the optional member `key`: `None` when absent.
    pub fn take_optional_with<T>(
        &mut self,
        key: &str,
        read: impl FnOnce(&Value, &str) -> Result<T, EventError>,
    ) -> Result<Option<T>, EventError> {
        self.take_optional(key).map(|(value, path)| read(value, &path)).transpose()
    }

    /// Descends into a member that must itself be an object.
    pub(crate) fn take_fields(&mut self, key: &str, path: &'a str) -> Result<Fields<'a>, EventError> {
        let (value, _) = self.take(key)?;
        Fields::new(path, value)
    }

    /// Refuses the first member no `take` removed.
    pub fn finish(self) -> Result<(), EventError> {
        match self.members.first() {
            None => Ok(()),
            Some((key, _)) => Err(EventError::new(
                Reason::UnknownField,
                &self.member_path(key),
                "is not defined by the spec (it would sit in the ledger unsigned)",
            )),
        }
    }
}

fn unknown_event_type(name: &str) -> EventError {
    EventError::new(
        Reason::UnknownEventType,
        "type",
        format!(
            "{} is not an event type of the spec (expected one of {})",
            quote(name),
            AgentEvent::VARIANTS.join(", ")
        ),
    )
}
