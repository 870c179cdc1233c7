//! The Python backend: the event factories of the `provedex` package
//! (`bindings/python/provedex/events.py`).
//!
//! Each field kind gets its annotation and the check its argument goes
//! through (`provedex._checks`): Python types and integer ranges are
//! refused at once (`TypeError`, `OverflowError`); hex syntax and enum
//! values are the core's to refuse when the event is sealed, with the same
//! reason codes as every other implementation.

use askama::Template;

use crate::envelope::{EnvelopeSpec, MemberKind};
use crate::spec::{EventSpec, Field, FieldKind, NamedType, NestedSpec, snake_case};

/// Renders the Python event factories.
pub fn render(spec: &EventSpec, header: &str) -> String {
    let variants = spec.variants.iter().map(VariantCode::new).collect();
    let nested = spec
        .named_types()
        .expect("the spec was checked when parsed")
        .into_iter()
        .filter_map(|named| match named {
            NamedType::Nested(n) => Some(NestedCode::new(n)),
            NamedType::Enum(_) => None,
        })
        .collect();
    PythonEvents { header, variants, nested }.render().expect("rendering into a String cannot fail")
}

#[derive(Template)]
#[template(path = "python_events.py", escape = "none")]
struct PythonEvents<'a> {
    header: &'a str,
    variants: Vec<VariantCode>,
    nested: Vec<NestedCode>,
}

fn python_type(kind: &FieldKind) -> String {
    match kind {
        FieldKind::String
        | FieldKind::Digest
        | FieldKind::DigestOrEmpty
        | FieldKind::PublicKey
        | FieldKind::Signature
        | FieldKind::Enum(_) => "str".into(),
        FieldKind::U32 | FieldKind::U64 => "int".into(),
        FieldKind::Bool => "bool".into(),
        FieldKind::Object | FieldKind::Nested(_) => "dict[str, Any]".into(),
        FieldKind::Array(item) => format!("list[{}]", python_type(item)),
        FieldKind::Optional(inner) => format!("{} | None = None", python_type(inner)),
    }
}

/// The expression checking `value` (named `name` in messages), `levels`
/// containers below the payload (free JSON deeper down may nest less).
fn check(kind: &FieldKind, name: &str, value: &str, levels: &str) -> String {
    match kind {
        FieldKind::String
        | FieldKind::Digest
        | FieldKind::DigestOrEmpty
        | FieldKind::PublicKey
        | FieldKind::Signature
        | FieldKind::Enum(_) => format!("check_str({name}, {value})"),
        FieldKind::U32 => format!("check_u32({name}, {value})"),
        FieldKind::U64 => format!("check_u64({name}, {value})"),
        FieldKind::Bool => format!("check_bool({name}, {value})"),
        FieldKind::Object => format!("check_object({name}, {value}, {levels})"),
        FieldKind::Nested(n) => format!("{}({name}, {value}, {levels})", check_fn(n)),
        FieldKind::Array(item) => format!(
            "check_list({name}, {value}, lambda n, item: {})",
            check(item, "n", "item", &format!("{levels} + 1"))
        ),
        FieldKind::Optional(inner) => check(inner, name, value, levels),
    }
}

/// The generated function checking a nested object's dict.
fn check_fn(nested: &NestedSpec) -> String {
    format!("_check_{}", snake_case(&nested.name))
}

struct FieldCode {
    name: String,
    description: String,
    /// The parameter's annotation (with `= None` for an optional member).
    annotation: String,
    optional: bool,
    /// The checked value of the member.
    check: String,
}

impl FieldCode {
    /// `name_expr` names the member in messages; `value` is the expression of its value.
    fn new(field: &Field, name_expr: &str, value: &str, levels: &str) -> Self {
        FieldCode {
            name: field.name.clone(),
            description: field.description.clone(),
            annotation: python_type(&field.kind),
            optional: matches!(field.kind, FieldKind::Optional(_)),
            check: check(&field.kind, name_expr, value, levels),
        }
    }
}

struct VariantCode {
    name: String,
    snake_name: String,
    description: String,
    fields: Vec<FieldCode>,
}

impl VariantCode {
    fn new(variant: &crate::spec::Variant) -> Self {
        VariantCode {
            name: variant.name.clone(),
            snake_name: snake_case(&variant.name),
            description: variant.description.clone(),
            fields: variant
                .fields
                .iter()
                .map(|f| FieldCode::new(f, &format!("\"{}\"", f.name), &f.name, "0"))
                .collect(),
        }
    }
}

struct NestedCode {
    name: String,
    check_fn: String,
    fields: Vec<FieldCode>,
}

impl NestedCode {
    fn new(spec: &NestedSpec) -> Self {
        NestedCode {
            name: spec.name.clone(),
            check_fn: check_fn(spec),
            fields: spec
                .fields
                .iter()
                .map(|f| {
                    FieldCode::new(
                        f,
                        &format!("f\"{{name}}.{}\"", f.name),
                        &format!("value[\"{}\"]", f.name),
                        "levels + 1",
                    )
                })
                .collect(),
        }
    }
}

/// Renders the members of the Python line type
/// (`bindings/python/provedex/_signed_event.py`): one read-only property
/// per member, read from the native record `provedex.SignedEvent` holds.
pub fn render_envelope(spec: &EnvelopeSpec, header: &str) -> String {
    let members = spec
        .members
        .iter()
        .map(|m| {
            let name = &m.name;
            let (python_type, value, note) = match m.kind {
                MemberKind::U64 => ("int", format!("int(self._native.{name})"), ""),
                MemberKind::Event => (
                    "dict[str, Any]",
                    format!("self._event_of(self._native.{name})"),
                    " As a dict ``{\"type\": ..., \"payload\": {...}}``.",
                ),
                MemberKind::ChainHash | MemberKind::Signature | MemberKind::PublicKey => {
                    ("str", format!("str(self._native.{name})"), " As lowercase hex.")
                }
            };
            EnvelopeMemberCode { name: name.clone(), doc: format!("{}{note}", m.description), python_type, value }
        })
        .collect();
    PythonLine { header, members }.render().expect("rendering into a String cannot fail")
}

#[derive(Template)]
#[template(path = "python_line.py", escape = "none")]
struct PythonLine<'a> {
    header: &'a str,
    members: Vec<EnvelopeMemberCode>,
}

struct EnvelopeMemberCode {
    name: String,
    doc: String,
    python_type: &'static str,
    value: String,
}
