//! Reads `events.schema.json` into the model the templates render.
//!
//! The reader accepts exactly the schema shapes the spec uses and fails with
//! the variant and field named for anything else, so a spec change that the
//! templates cannot express is caught here rather than producing wrong code.

use std::fmt;

use serde_json::{Map, Value};

/// The event variants of the spec, in the order of the schema's `oneOf`.
#[derive(Debug, Clone, PartialEq)]
pub struct EventSpec {
    pub description: String,
    pub variants: Vec<Variant>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// The `type` constant, also the Rust type name.
    pub name: String,
    pub description: String,
    /// Payload fields in the order of the payload's `required` list.
    pub fields: Vec<Field>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    pub description: String,
    pub kind: FieldKind,
}

/// The field types of the spec, recognised by what a schema says, not by the name of its `$defs` entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    String,
    /// 64 lowercase hex characters.
    Digest,
    /// 64 lowercase hex characters or the empty string.
    DigestOrEmpty,
    U32,
    U64,
    Bool,
    /// Any JSON object.
    Object,
}

/// A schema the generator cannot turn into code, with where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError(pub String);

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SpecError {}

fn err<T>(at: &str, msg: impl fmt::Display) -> Result<T, SpecError> {
    Err(SpecError(format!("{at}: {msg}")))
}

const DIGEST_PATTERN: &str = "^[0-9a-f]{64}$";
const DIGEST_OR_EMPTY_PATTERN: &str = "^([0-9a-f]{64})?$";

const RUST_KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false", "fn",
    "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self",
    "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where", "while", "abstract", "become",
    "box", "do", "final", "macro", "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// Parses the text of `events.schema.json`.
pub fn parse_event_spec(text: &str) -> Result<EventSpec, SpecError> {
    let root: Value = serde_json::from_str(text).map_err(|e| SpecError(format!("not valid JSON: {e}")))?;
    let schema = Schema { root: &root };
    let description = schema.description("(root)", &root)?;
    let Some(one_of) = root.get("oneOf").and_then(Value::as_array) else {
        return err("(root)", "expected a \"oneOf\" array listing the event variants");
    };
    let mut variants = Vec::new();
    for entry in one_of {
        let variant = schema.variant(entry)?;
        if variants.iter().any(|v: &Variant| v.name == variant.name) {
            return err(&variant.name, "variant listed twice in oneOf");
        }
        variants.push(variant);
    }
    if variants.is_empty() {
        return err("(root)", "oneOf lists no variants");
    }
    Ok(EventSpec { description, variants })
}

struct Schema<'a> {
    root: &'a Value,
}

impl<'a> Schema<'a> {
    /// Follows a local `$ref` (`#/$defs/NAME`).
    fn resolve(&self, at: &str, reference: &str) -> Result<&'a Value, SpecError> {
        let Some(name) = reference.strip_prefix("#/$defs/") else {
            return err(
                at,
                format!("only local references of the form #/$defs/NAME are supported, found {reference:?}"),
            );
        };
        match self.root.get("$defs").and_then(|d| d.get(name)) {
            Some(def) => Ok(def),
            None => err(at, format!("reference {reference:?} names no entry of $defs")),
        }
    }

    fn description(&self, at: &str, node: &Value) -> Result<String, SpecError> {
        match node.get("description").and_then(Value::as_str) {
            Some(d) if !d.trim().is_empty() => Ok(d.trim().to_owned()),
            _ => err(at, "every variant and field needs a non-empty \"description\" (it becomes the doc comment)"),
        }
    }

    fn variant(&self, entry: &Value) -> Result<Variant, SpecError> {
        let def = match entry.get("$ref").and_then(Value::as_str) {
            Some(r) => self.resolve("oneOf", r)?,
            None => entry,
        };
        let props = object_members("oneOf entry", def, "properties")?;
        let name = match props.get("type").and_then(|t| t.get("const")).and_then(Value::as_str) {
            Some(n) => n.to_owned(),
            None => return err("oneOf entry", "properties.type must be {\"const\": \"VariantName\"}"),
        };
        let at = name.as_str();
        if !is_upper_camel(at) {
            return err(at, "variant names must be UpperCamelCase ASCII identifiers");
        }
        expect_closed_object(at, def, &["type", "payload"])?;
        let description = self.description(at, def)?;
        let payload = match props.get("payload") {
            Some(p) => p,
            None => return err(at, "missing properties.payload"),
        };
        let payload_props = object_members(&format!("{at}.payload"), payload, "properties")?;
        let required = required_list(&format!("{at}.payload"), payload)?;
        expect_closed_object(&format!("{at}.payload"), payload, &required)?;
        if required.is_empty() {
            return err(at, "a payload needs at least one field");
        }
        let mut fields = Vec::new();
        for field_name in &required {
            let field_at = format!("{at}.{field_name}");
            let Some(node) = payload_props.get(field_name.as_str()) else {
                return err(&field_at, "listed in required but has no entry in properties");
            };
            fields.push(self.field(&field_at, field_name, node)?);
        }
        if let Some(extra) = payload_props.keys().find(|k| !required.iter().any(|r| r == *k)) {
            return err(&format!("{at}.{extra}"), "optional fields are not supported: list every property in required");
        }
        Ok(Variant { name, description, fields })
    }

    fn field(&self, at: &str, name: &str, node: &Value) -> Result<Field, SpecError> {
        if !is_snake_case(name) || RUST_KEYWORDS.contains(&name) {
            return err(at, "field names must be snake_case ASCII identifiers that are not Rust keywords");
        }
        let description = self.description(at, node)?;
        let shape = match node.get("$ref").and_then(Value::as_str) {
            Some(r) => self.resolve(at, r)?,
            None => node,
        };
        let kind = field_kind(at, shape)?;
        Ok(Field { name: name.to_owned(), description, kind })
    }
}

fn field_kind(at: &str, shape: &Value) -> Result<FieldKind, SpecError> {
    let ty = shape.get("type").and_then(Value::as_str);
    let pattern = shape.get("pattern").and_then(Value::as_str);
    let minimum = shape.get("minimum").and_then(Value::as_u64);
    let maximum = shape.get("maximum").and_then(Value::as_u64);
    match (ty, pattern, minimum, maximum) {
        (Some("string"), None, None, None) => Ok(FieldKind::String),
        (Some("string"), Some(DIGEST_PATTERN), None, None) => Ok(FieldKind::Digest),
        (Some("string"), Some(DIGEST_OR_EMPTY_PATTERN), None, None) => Ok(FieldKind::DigestOrEmpty),
        (Some("integer"), None, Some(0), Some(max)) if max == u64::from(u32::MAX) => Ok(FieldKind::U32),
        (Some("integer"), None, Some(0), Some(u64::MAX)) => Ok(FieldKind::U64),
        (Some("boolean"), None, None, None) => Ok(FieldKind::Bool),
        (Some("object"), None, None, None) if shape.get("properties").is_none() => Ok(FieldKind::Object),
        _ => err(
            at,
            "unsupported field schema: expected a string, a sha256 digest pattern (optionally allowing \"\"), \
             an integer with minimum 0 and maximum 4294967295 or 18446744073709551615, a boolean, or a free object",
        ),
    }
}

fn object_members<'a>(at: &str, node: &'a Value, key: &str) -> Result<&'a Map<String, Value>, SpecError> {
    match node.get(key).and_then(Value::as_object) {
        Some(m) => Ok(m),
        None => err(at, format!("expected an object {key:?}")),
    }
}

fn required_list(at: &str, node: &Value) -> Result<Vec<String>, SpecError> {
    let Some(list) = node.get("required").and_then(Value::as_array) else {
        return err(at, "expected a \"required\" array (it also fixes the field order)");
    };
    let mut names = Vec::new();
    for item in list {
        match item.as_str() {
            Some(s) if !names.iter().any(|n| n == s) => names.push(s.to_owned()),
            _ => return err(at, "required must list distinct field names"),
        }
    }
    Ok(names)
}

/// Requires `type: object`, `additionalProperties: false` and the given `required` members.
fn expect_closed_object<S: AsRef<str>>(at: &str, node: &Value, required: &[S]) -> Result<(), SpecError> {
    if node.get("type").and_then(Value::as_str) != Some("object") {
        return err(at, "must have \"type\": \"object\"");
    }
    if node.get("additionalProperties") != Some(&Value::Bool(false)) {
        return err(at, "must have \"additionalProperties\": false (unknown members would be unsigned)");
    }
    let listed = required_list(at, node)?;
    let expected: Vec<&str> = required.iter().map(AsRef::as_ref).collect();
    if listed.iter().map(String::as_str).collect::<Vec<_>>() != expected {
        return err(at, format!("required must be {expected:?}"));
    }
    Ok(())
}

fn is_upper_camel(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_uppercase()) && s.chars().all(|c| c.is_ascii_alphanumeric())
}

fn is_snake_case(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}
