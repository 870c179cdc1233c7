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
    /// The schema's `$id`, which the envelope's event member references.
    pub id: String,
    /// The schema's description: the doc comment of the event types.
    pub description: String,
    /// The variants, in `oneOf` order.
    pub variants: Vec<Variant>,
}

/// One event variant.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// The `type` constant, also the Rust type name.
    pub name: String,
    /// Its description: the doc comment of its type.
    pub description: String,
    /// Required payload fields in `required` order, then optional ones in UTF-8 order of their names.
    pub fields: Vec<Field>,
}

/// One member of a payload or of a nested object.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Its snake_case name, the same in JSON and in every language.
    pub name: String,
    /// Its description: the doc comment of the member.
    pub description: String,
    /// What values it holds.
    pub kind: FieldKind,
}

/// The field types of the spec, recognised by what a schema says, not by the
/// name of its `$defs` entry (which names the generated type of an enum or a
/// nested object).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldKind {
    /// Any string.
    String,
    /// 64 lowercase hex characters.
    Digest,
    /// 64 lowercase hex characters or the empty string.
    DigestOrEmpty,
    /// An integer from 0 to 2^32 - 1.
    U32,
    /// An integer from 0 to 2^64 - 1.
    U64,
    /// `true` or `false`.
    Bool,
    /// Any JSON object.
    Object,
    /// An Ed25519 public key: 64 lowercase hex characters (`format: ed25519-public-key`).
    PublicKey,
    /// An Ed25519 signature: 128 lowercase hex characters (`format: ed25519-signature`).
    Signature,
    /// A string from a fixed list (`enum`).
    Enum(EnumSpec),
    /// An object with fields of its own.
    Nested(NestedSpec),
    /// A JSON array of one kind (`items`).
    Array(Box<FieldKind>),
    /// A payload or nested member that may be absent (not listed in `required`);
    /// only ever the outermost kind of a field.
    Optional(Box<FieldKind>),
}

/// A string enum: its type name (the `$defs` entry) and its values in spec order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumSpec {
    /// The type name.
    pub name: String,
    /// Its description: the doc comment of the type.
    pub description: String,
    /// The allowed strings, snake_case, in spec order.
    pub values: Vec<String>,
}

/// A nested object: its type name (the `$defs` entry) and its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NestedSpec {
    /// The type name.
    pub name: String,
    /// Its description: the doc comment of the type.
    pub description: String,
    /// Required fields in `required` order, then optional ones in UTF-8 order of their names.
    pub fields: Vec<Field>,
}

impl Eq for Field {}

impl FieldKind {
    /// The kind inside [`FieldKind::Optional`], or this kind.
    pub fn present(&self) -> &FieldKind {
        match self {
            FieldKind::Optional(inner) => inner,
            other => other,
        }
    }

    /// Every kind this one is made of, this one first, depth first.
    pub fn walk(&self) -> Vec<&FieldKind> {
        let mut kinds = vec![self];
        match self {
            FieldKind::Optional(inner) | FieldKind::Array(inner) => kinds.extend(inner.walk()),
            FieldKind::Nested(nested) => {
                for field in &nested.fields {
                    kinds.extend(field.kind.walk());
                }
            }
            _ => {}
        }
        kinds
    }
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

pub(crate) fn err<T>(at: &str, msg: impl fmt::Display) -> Result<T, SpecError> {
    Err(SpecError(format!("{at}: {msg}")))
}

pub(crate) const DIGEST_PATTERN: &str = "^[0-9a-f]{64}$";
const DIGEST_OR_EMPTY_PATTERN: &str = "^([0-9a-f]{64})?$";
pub(crate) const SIGNATURE_PATTERN: &str = "^[0-9a-f]{128}$";

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
    let description = description("(root)", &root)?;
    let Some(id) = root.get("$id").and_then(Value::as_str).map(str::to_owned) else {
        return err("(root)", "expected a \"$id\": the envelope's event member references it");
    };
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
    let spec = EventSpec { id, description, variants };
    spec.named_types()?;
    Ok(spec)
}

/// A type the spec names in `$defs`: a string enum or a nested object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NamedType<'a> {
    /// A string enum.
    Enum(&'a EnumSpec),
    /// A nested object.
    Nested(&'a NestedSpec),
}

impl EventSpec {
    /// Every enum and nested object type, once each, in the order they are
    /// first met (nested types before the types that contain them); a name
    /// used for two different shapes, or one a variant already has, is an error.
    pub fn named_types(&self) -> Result<Vec<NamedType<'_>>, SpecError> {
        let mut types: Vec<NamedType<'_>> = Vec::new();
        for variant in &self.variants {
            for field in &variant.fields {
                collect_types(&field.kind, &mut types);
            }
        }
        for (i, named) in types.iter().enumerate() {
            let name = match named {
                NamedType::Enum(e) => &e.name,
                NamedType::Nested(n) => &n.name,
            };
            if self.variants.iter().any(|v| &v.name == name) {
                return err(name, "a $defs type has the name of an event variant");
            }
            if types[..i].iter().any(|other| match (other, named) {
                (NamedType::Enum(a), NamedType::Enum(b)) => a.name == b.name && a != b,
                (NamedType::Nested(a), NamedType::Nested(b)) => a.name == b.name && a != b,
                (NamedType::Enum(a), NamedType::Nested(b)) | (NamedType::Nested(b), NamedType::Enum(a)) => {
                    a.name == b.name
                }
            }) {
                return err(name, "two different types share this name");
            }
        }
        Ok(types)
    }
}

fn collect_types<'a>(kind: &'a FieldKind, types: &mut Vec<NamedType<'a>>) {
    match kind {
        FieldKind::Optional(inner) | FieldKind::Array(inner) => collect_types(inner, types),
        FieldKind::Enum(e) if !types.contains(&NamedType::Enum(e)) => types.push(NamedType::Enum(e)),
        FieldKind::Nested(n) => {
            for field in &n.fields {
                collect_types(&field.kind, types);
            }
            if !types.contains(&NamedType::Nested(n)) {
                types.push(NamedType::Nested(n));
            }
        }
        _ => {}
    }
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
        let description = description(at, def)?;
        let payload = match props.get("payload") {
            Some(p) => p,
            None => return err(at, "missing properties.payload"),
        };
        let fields = self.object_fields(&format!("{at}.payload"), at, at, payload)?;
        if fields.is_empty() {
            return err(at, "a payload needs at least one field");
        }
        Ok(Variant { name, description, fields })
    }

    /// The fields of a closed object (a payload or a nested object): required
    /// ones in `required` order, then optional ones in UTF-8 order of their names.
    ///
    /// Object-level faults are reported at `at`; a field's at `fields_at.name`.
    fn object_fields(&self, at: &str, fields_at: &str, type_name: &str, node: &Value) -> Result<Vec<Field>, SpecError> {
        let props = object_members(at, node, "properties")?;
        let required = required_list(at, node)?;
        expect_closed(at, node)?;
        let mut fields = Vec::new();
        for field_name in &required {
            let field_at = format!("{fields_at}.{field_name}");
            let Some(node) = props.get(field_name.as_str()) else {
                return err(&field_at, "listed in required but has no entry in properties");
            };
            fields.push(self.field(&field_at, type_name, field_name, node)?);
        }
        let mut optional: Vec<&String> = props.keys().filter(|k| !required.contains(k)).collect();
        optional.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        for field_name in optional {
            let field_at = format!("{fields_at}.{field_name}");
            let mut field = self.field(&field_at, type_name, field_name, &props[field_name.as_str()])?;
            if field.kind == FieldKind::DigestOrEmpty {
                return err(
                    &field_at,
                    "an optional field cannot also allow \"\": absent and empty would mean the same",
                );
            }
            field.kind = FieldKind::Optional(Box::new(field.kind));
            fields.push(field);
        }
        Ok(fields)
    }

    fn field(&self, at: &str, owner: &str, name: &str, node: &Value) -> Result<Field, SpecError> {
        if !is_snake_case(name) || RUST_KEYWORDS.contains(&name) {
            return err(at, "field names must be snake_case ASCII identifiers that are not Rust keywords");
        }
        let description = description(at, node)?;
        let kind = self.kind(at, owner, node)?;
        Ok(Field { name: name.to_owned(), description, kind })
    }

    /// The kind of a member's schema, following a `$ref` (whose name is the
    /// type name of an enum or a nested object).
    fn kind(&self, at: &str, owner: &str, node: &Value) -> Result<FieldKind, SpecError> {
        let (shape, def_name) = match node.get("$ref").and_then(Value::as_str) {
            Some(r) => (self.resolve(at, r)?, r.strip_prefix("#/$defs/")),
            None => (node, None),
        };
        let named = |what: &str| match def_name {
            Some(name) if is_upper_camel(name) => Ok(name.to_owned()),
            Some(name) => err(at, format!("the $defs entry {name:?} names a type: it must be UpperCamelCase")),
            None => err(at, format!("{what} must be a $defs entry referenced by $ref: its name becomes the type name")),
        };
        if shape.get("enum").is_some() {
            let name = named("a string enum")?;
            return Ok(FieldKind::Enum(self.enum_spec(at, &name, shape)?));
        }
        match shape.get("type").and_then(Value::as_str) {
            Some("array") => {
                expect_keys(at, shape, &["type", "items", "description"])?;
                let Some(items) = shape.get("items") else {
                    return err(at, "an array needs \"items\"");
                };
                match self.kind(&format!("{at}[]"), owner, items)? {
                    FieldKind::Array(_) => err(at, "arrays of arrays are not supported"),
                    item => Ok(FieldKind::Array(Box::new(item))),
                }
            }
            Some("object") if shape.get("properties").is_some() => {
                let name = named("a nested object")?;
                if name == owner {
                    return err(at, "a nested object cannot contain itself");
                }
                let description = description(at, shape)?;
                let fields = self.object_fields(at, at, &name, shape)?;
                if fields.is_empty() {
                    return err(at, "a nested object needs at least one field");
                }
                Ok(FieldKind::Nested(NestedSpec { name, description, fields }))
            }
            _ => field_kind(at, shape),
        }
    }

    fn enum_spec(&self, at: &str, name: &str, shape: &Value) -> Result<EnumSpec, SpecError> {
        expect_keys(at, shape, &["type", "enum", "description"])?;
        if shape.get("type").and_then(Value::as_str) != Some("string") {
            return err(at, "an enum must have \"type\": \"string\"");
        }
        let description = description(at, shape)?;
        let mut values: Vec<String> = Vec::new();
        for value in shape["enum"].as_array().map(Vec::as_slice).unwrap_or_default() {
            match value.as_str() {
                Some(v) if is_snake_case(v) && !values.iter().any(|known| known == v) => values.push(v.to_owned()),
                _ => return err(at, "enum values must be distinct snake_case strings"),
            }
        }
        if values.is_empty() {
            return err(at, "an enum needs at least one value");
        }
        Ok(EnumSpec { name: name.to_owned(), description, values })
    }
}

/// A node's non-empty description: it becomes the doc comment.
pub(crate) fn description(at: &str, node: &Value) -> Result<String, SpecError> {
    match node.get("description").and_then(Value::as_str) {
        Some(d) if !d.trim().is_empty() => Ok(d.trim().to_owned()),
        _ => err(at, "every variant and field needs a non-empty \"description\" (it becomes the doc comment)"),
    }
}

/// Refuses schema keywords the generator would ignore.
pub(crate) fn expect_keys(at: &str, shape: &Value, allowed: &[&str]) -> Result<(), SpecError> {
    match shape.as_object().and_then(|o| o.keys().find(|k| !allowed.contains(&k.as_str()))) {
        Some(key) => err(at, format!("the keyword {key:?} is not supported here (allowed: {allowed:?})")),
        None => Ok(()),
    }
}

fn field_kind(at: &str, shape: &Value) -> Result<FieldKind, SpecError> {
    let ty = shape.get("type").and_then(Value::as_str);
    let pattern = shape.get("pattern").and_then(Value::as_str);
    let format = shape.get("format").and_then(Value::as_str);
    let minimum = shape.get("minimum").and_then(Value::as_u64);
    let maximum = shape.get("maximum").and_then(Value::as_u64);
    match (ty, pattern, format, minimum, maximum) {
        (Some("string"), None, None, None, None) => Ok(FieldKind::String),
        (Some("string"), Some(DIGEST_PATTERN), None, None, None) => Ok(FieldKind::Digest),
        (Some("string"), Some(DIGEST_OR_EMPTY_PATTERN), None, None, None) => Ok(FieldKind::DigestOrEmpty),
        (Some("string"), Some(DIGEST_PATTERN), Some("ed25519-public-key"), None, None) => Ok(FieldKind::PublicKey),
        (Some("string"), Some(SIGNATURE_PATTERN), Some("ed25519-signature"), None, None) => Ok(FieldKind::Signature),
        (Some("integer"), None, None, Some(0), Some(max)) if max == u64::from(u32::MAX) => Ok(FieldKind::U32),
        (Some("integer"), None, None, Some(0), Some(u64::MAX)) => Ok(FieldKind::U64),
        (Some("boolean"), None, None, None, None) => Ok(FieldKind::Bool),
        (Some("object"), None, None, None, None) if shape.get("properties").is_none() => Ok(FieldKind::Object),
        _ => err(
            at,
            "unsupported field schema: expected a string, a sha256 digest pattern (optionally allowing \"\"), \
             an Ed25519 public key or signature (hex pattern with format ed25519-public-key or ed25519-signature), \
             an integer with minimum 0 and maximum 4294967295 or 18446744073709551615, a boolean, a free object, \
             an array with items, or a $ref to a string enum or an object with properties",
        ),
    }
}

fn object_members<'a>(at: &str, node: &'a Value, key: &str) -> Result<&'a Map<String, Value>, SpecError> {
    match node.get(key).and_then(Value::as_object) {
        Some(m) => Ok(m),
        None => err(at, format!("expected an object {key:?}")),
    }
}

pub(crate) fn required_list(at: &str, node: &Value) -> Result<Vec<String>, SpecError> {
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

/// Requires `type: object` and `additionalProperties: false`.
pub(crate) fn expect_closed(at: &str, node: &Value) -> Result<(), SpecError> {
    if node.get("type").and_then(Value::as_str) != Some("object") {
        return err(at, "must have \"type\": \"object\"");
    }
    if node.get("additionalProperties") != Some(&Value::Bool(false)) {
        return err(at, "must have \"additionalProperties\": false (unknown members would be unsigned)");
    }
    Ok(())
}

/// Requires `type: object`, `additionalProperties: false` and the given `required` members.
fn expect_closed_object<S: AsRef<str>>(at: &str, node: &Value, required: &[S]) -> Result<(), SpecError> {
    expect_closed(at, node)?;
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

pub(crate) fn is_snake_case(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// `UpperCamelCase` as `snake_case`, as Python functions and Rust functions spell names.
pub fn snake_case(camel: &str) -> String {
    let mut out = String::new();
    for (i, c) in camel.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `snake_case` as `UpperCamelCase`, as Rust enum variants spell enum values.
pub fn upper_camel(snake: &str) -> String {
    snake
        .split('_')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect()
}
