//! Agent events: the types generated from spec/events.schema.json, and the
//! hand-written checks the generated code calls.

#[rustfmt::skip]
mod generated;

use std::fmt;

pub use generated::*;

use crate::canonical::{MAX_DEPTH, Map, Value};
use crate::display::{escape, quote};
use crate::hex::is_sha256_hex;
use crate::reason::Reason;

/// Depth of the `event` member inside a ledger line (line object → event →
/// payload): free JSON in a payload may nest `MAX_DEPTH - PAYLOAD_DEPTH_IN_LINE` levels.
const PAYLOAD_DEPTH_IN_LINE: usize = 3;

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
    pub fn from_json(text: &[u8]) -> Result<AgentEvent, crate::Error> {
        let value = crate::canonical::parse(text)
            .map_err(|e| crate::Error::signing(e.kind.into(), format!("event is not valid JSON: {e}")))?;
        AgentEvent::from_value(&value).map_err(|e| crate::Error::signing(e.reason, format!("invalid event: {e}")))
    }
}

/// Checks a digest field: 64 lowercase hex, or `""` where the spec allows it.
fn check_digest(path: &str, value: &str, allow_empty: bool) -> Result<(), EventError> {
    if is_sha256_hex(value) || (allow_empty && value.is_empty()) {
        return Ok(());
    }
    let allowed =
        if allow_empty { "64 lowercase hex characters or the empty string" } else { "64 lowercase hex characters" };
    Err(EventError::new(
        Reason::InvalidHex,
        path,
        format!("must be a SHA-256 digest of {allowed}, found {}", quote(value)),
    ))
}

/// Checks that free JSON in a payload keeps the whole ledger line within the nesting limit.
fn check_nesting(path: &str, map: &Map) -> Result<(), EventError> {
    let limit = MAX_FREE_JSON_DEPTH;
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

/// Reads the members of one JSON object strictly: each `take_*` removes a
/// member and checks its type; [`Fields::finish`] rejects whatever is left.
pub(crate) struct Fields<'a> {
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

    pub(crate) fn take(&mut self, key: &str) -> Result<(&'a Value, String), EventError> {
        let path = self.member_path(key);
        match self.members.iter().position(|(k, _)| *k == key) {
            Some(i) => Ok((self.members.remove(i).1, path)),
            None => Err(EventError::new(Reason::MissingField, &path, "is required but missing")),
        }
    }

    fn wrong_type(path: &str, expected: &str, found: &Value) -> EventError {
        EventError::new(Reason::WrongType, path, format!("must be {expected}, found {}", found.type_name()))
    }

    pub(crate) fn take_string(&mut self, key: &str) -> Result<String, EventError> {
        match self.take(key)? {
            (Value::String(s), _) => Ok(s.clone()),
            (other, path) => Err(Self::wrong_type(&path, "a string", other)),
        }
    }

    pub(crate) fn take_digest(&mut self, key: &str, allow_empty: bool) -> Result<String, EventError> {
        let path = self.member_path(key);
        let text = self.take_string(key)?;
        check_digest(&path, &text, allow_empty)?;
        Ok(text)
    }

    pub(crate) fn take_unsigned(&mut self, key: &str, max: u64, type_name: &str) -> Result<u64, EventError> {
        match self.take(key)? {
            (Value::Integer(i), path) => match i.as_u64().filter(|v| *v <= max) {
                Some(v) => Ok(v),
                None => Err(EventError::new(
                    Reason::IntegerOutOfRange,
                    &path,
                    format!("must be a {type_name} (0 to {max}), found {i}"),
                )),
            },
            (other, path) => Err(Self::wrong_type(&path, "an integer", other)),
        }
    }

    pub(crate) fn take_u32(&mut self, key: &str) -> Result<u32, EventError> {
        self.take_unsigned(key, u32::MAX.into(), "u32").map(|v| v as u32)
    }

    pub(crate) fn take_u64(&mut self, key: &str) -> Result<u64, EventError> {
        self.take_unsigned(key, u64::MAX, "u64")
    }

    pub(crate) fn take_bool(&mut self, key: &str) -> Result<bool, EventError> {
        match self.take(key)? {
            (Value::Bool(b), _) => Ok(*b),
            (other, path) => Err(Self::wrong_type(&path, "a boolean", other)),
        }
    }

    pub(crate) fn take_object(&mut self, key: &str) -> Result<Map, EventError> {
        match self.take(key)? {
            (Value::Object(map), path) => {
                check_nesting(&path, map)?;
                Ok(map.clone())
            }
            (other, path) => Err(Self::wrong_type(&path, "an object", other)),
        }
    }

    /// Descends into a member that must itself be an object.
    pub(crate) fn take_fields(&mut self, key: &str, path: &'a str) -> Result<Fields<'a>, EventError> {
        let (value, _) = self.take(key)?;
        Fields::new(path, value)
    }

    pub(crate) fn finish(self) -> Result<(), EventError> {
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
