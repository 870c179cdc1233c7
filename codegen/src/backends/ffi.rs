//! The uniffi backend: the event enum of `provedex-ffi`
//! (`bindings/ffi/src/events.rs`), from which uniffi-bindgen derives the
//! Kotlin and Swift types.
//!
//! Values cross the boundary in their wire spelling: digests, keys and
//! signatures as lowercase hex strings, free JSON as text; enums and nested
//! objects as uniffi enums and records of their own, lists and optional
//! members as uniffi sequences and optionals. Hex and JSON text are read
//! strictly on the way into the core, with the core's reason codes.

use askama::Template;

use super::{EnumCode, copied, recv};
use crate::envelope::{EnvelopeSpec, MemberKind};
use crate::spec::{EventSpec, Field, FieldKind, NamedType, NestedSpec, snake_case};

/// Renders the FFI event enum with its conversions to and from the core's.
pub fn render(spec: &EventSpec, header: &str) -> String {
    let variants = spec.variants.iter().map(VariantCode::new).collect();
    let mut enums = Vec::new();
    let mut nested = Vec::new();
    for named in spec.named_types().expect("the spec was checked when parsed") {
        match named {
            NamedType::Enum(e) => enums.push(EnumCode::new(e)),
            NamedType::Nested(n) => nested.push(NestedCode::new(n)),
        }
    }
    let kinds: Vec<&FieldKind> = spec.variants.iter().flat_map(|v| &v.fields).flat_map(|f| f.kind.walk()).collect();
    let mut helpers = vec!["ProvedexError"];
    let hex = kinds.iter().any(|k| {
        matches!(k, FieldKind::Digest | FieldKind::DigestOrEmpty | FieldKind::PublicKey | FieldKind::Signature)
    });
    if hex {
        helpers.push("invalid_member");
    }
    if kinds.iter().any(|k| matches!(k, FieldKind::Object)) {
        helpers.extend(["json_to_object", "object_to_json"]);
    }
    let imports = format!(
        "use provedex_core::event as core;\n{}\nuse crate::{{{}}};\n",
        if hex { "use provedex_core::event::read;\n" } else { "" },
        helpers.join(", ")
    );
    FfiEvents { spec, header, imports, variants, enums, nested }.render().expect("rendering into a String cannot fail")
}

#[derive(Template)]
#[template(path = "ffi_events.rs", escape = "none")]
struct FfiEvents<'a> {
    spec: &'a EventSpec,
    header: &'a str,
    imports: String,
    variants: Vec<VariantCode>,
    enums: Vec<EnumCode>,
    nested: Vec<NestedCode>,
}

fn ffi_type(kind: &FieldKind) -> String {
    match kind {
        FieldKind::String
        | FieldKind::Digest
        | FieldKind::DigestOrEmpty
        | FieldKind::Object
        | FieldKind::PublicKey
        | FieldKind::Signature => "String".into(),
        FieldKind::U32 => "u32".into(),
        FieldKind::U64 => "u64".into(),
        FieldKind::Bool => "bool".into(),
        FieldKind::Enum(e) => e.name.clone(),
        FieldKind::Nested(n) => n.name.clone(),
        FieldKind::Array(item) => format!("Vec<{}>", ffi_type(item)),
        FieldKind::Optional(inner) => format!("Option<{}>", ffi_type(inner)),
    }
}

/// What the doc comment of a member adds about how its value crosses.
fn crossing_note(kind: &FieldKind) -> &'static str {
    match kind.present() {
        FieldKind::Object => " Crosses the FFI as JSON text.",
        FieldKind::Digest | FieldKind::DigestOrEmpty | FieldKind::PublicKey | FieldKind::Signature => {
            " Crosses the FFI as lowercase hex."
        }
        _ => "",
    }
}

/// The FFI value of the core value behind the reference expression `r`.
fn to_ffi(kind: &FieldKind, r: &str) -> String {
    match kind {
        FieldKind::String => format!("{}.clone()", recv(r)),
        FieldKind::Digest | FieldKind::PublicKey | FieldKind::Signature => format!("{}.to_hex()", recv(r)),
        FieldKind::DigestOrEmpty => format!("{}.map(|d| d.to_hex()).unwrap_or_default()", recv(r)),
        FieldKind::U32 | FieldKind::U64 | FieldKind::Bool => copied(r),
        FieldKind::Object => format!("object_to_json({r})"),
        FieldKind::Enum(_) => format!("{}.into()", copied(r)),
        FieldKind::Nested(n) => format!("{}::from({r})", n.name),
        FieldKind::Array(item) => match item.as_ref() {
            FieldKind::String | FieldKind::U32 | FieldKind::U64 | FieldKind::Bool => format!("{}.clone()", recv(r)),
            FieldKind::Nested(n) => format!("{}.iter().map({}::from).collect()", recv(r), n.name),
            FieldKind::Object => format!("{}.iter().map(object_to_json).collect()", recv(r)),
            FieldKind::Enum(_) => format!("{}.iter().copied().map(Into::into).collect()", recv(r)),
            item => format!("{}.iter().map(|item| {}).collect()", recv(r), to_ffi(item, "item")),
        },
        FieldKind::Optional(inner) => match inner.as_ref() {
            FieldKind::String => format!("{}.clone()", recv(r)),
            FieldKind::U32 | FieldKind::U64 | FieldKind::Bool => copied(r),
            FieldKind::Nested(n) => format!("{}.as_ref().map({}::from)", recv(r), n.name),
            FieldKind::Object => format!("{}.as_ref().map(object_to_json)", recv(r)),
            FieldKind::Enum(_) => format!("{}.map(Into::into)", recv(r)),
            inner => format!("{}.as_ref().map(|value| {})", recv(r), to_ffi(inner, "value")),
        },
    }
}

/// Whether reading the kind into the core can fail.
fn fallible(kind: &FieldKind) -> bool {
    kind.walk().iter().any(|k| {
        matches!(
            k,
            FieldKind::Digest
                | FieldKind::DigestOrEmpty
                | FieldKind::PublicKey
                | FieldKind::Signature
                | FieldKind::Object
                | FieldKind::Nested(_)
        )
    })
}

/// The core value of the owned FFI value `v` at `path` (a `&str` expression)
/// in an event of type `event` (a `&str` expression); `?` returns the
/// refusal, with the reason code a verifier reports.
fn to_core(kind: &FieldKind, v: &str, path: &str, event: &str) -> String {
    if fallible(kind) {
        return format!("{}?", to_core_result(kind, v, path, event));
    }
    match kind {
        FieldKind::Enum(_) => format!("{v}.into()"),
        FieldKind::Array(item) if matches!(item.as_ref(), FieldKind::Enum(_)) => {
            format!("{v}.into_iter().map(Into::into).collect()")
        }
        FieldKind::Optional(inner) if matches!(inner.as_ref(), FieldKind::Enum(_)) => format!("{v}.map(Into::into)"),
        // Strings, integers, booleans, and lists and optionals of them cross as they are.
        _ => v.to_owned(),
    }
}

/// A `Result` expression reading the owned FFI value `v` of a fallible kind into the core.
fn to_core_result(kind: &FieldKind, v: &str, path: &str, event: &str) -> String {
    let hex = |reader: &str| format!("read::{reader}(&{v}, {path}).map_err(|e| invalid_member({event}, e))");
    match kind {
        FieldKind::Digest => hex("digest_text"),
        FieldKind::DigestOrEmpty => hex("digest_or_empty_text"),
        FieldKind::PublicKey => hex("public_key_text"),
        FieldKind::Signature => hex("signature_text"),
        FieldKind::Object => format!("json_to_object({path}, &{v})"),
        FieldKind::Nested(n) => format!("{}({v}, {path}, {event})", to_core_fn(n)),
        FieldKind::Array(item) => format!(
            "{v}.into_iter().enumerate().map(|(i, item)| {}).collect::<Result<Vec<_>, _>>()",
            to_core_result(item, "item", &item_path(path), event)
        ),
        FieldKind::Optional(inner) => {
            format!("{v}.map(|value| {}).transpose()", to_core_result(inner, "value", path, event))
        }
        other => unreachable!("{other:?} crosses without a fallible reading"),
    }
}

/// A path expression: `"literal"` or a variable; `suffix` appended.
fn path_with(path: &str, suffix: &str) -> String {
    match path.strip_prefix('"').and_then(|p| p.strip_suffix('"')) {
        Some(literal) if suffix.contains('{') => format!("&format!(\"{literal}{suffix}\")"),
        Some(literal) => format!("\"{literal}{suffix}\""),
        None => format!("&format!(\"{{{path}}}{suffix}\")"),
    }
}

/// The path expression of an array's item `i`.
fn item_path(path: &str) -> String {
    path_with(path, "[{i}]")
}

/// The path expression of member `name` under `path`.
fn member_path(path: &str, name: &str) -> String {
    path_with(path, &format!(".{name}"))
}

/// The function converting an FFI record of `nested` into the core's.
fn to_core_fn(nested: &NestedSpec) -> String {
    snake_case(&nested.name) + "_to_core"
}

struct FieldCode {
    name: String,
    doc: String,
    ffi_type: String,
    /// `name: <expression>` from a core struct bound as `payload`/`value`.
    to_ffi: String,
    /// `name: <expression>` from an FFI binding of the same name.
    to_core: String,
}

impl FieldCode {
    fn new(field: &Field, owner: &str, path: &str, event: &str) -> Self {
        let name = &field.name;
        FieldCode {
            name: name.clone(),
            doc: format!("{}{}", field.description, crossing_note(&field.kind)),
            ffi_type: ffi_type(&field.kind),
            to_ffi: format!("{name}: {}", to_ffi(&field.kind, &format!("&{owner}.{name}"))),
            to_core: match to_core(&field.kind, name, &member_path(path, name), event) {
                same if same == *name => name.clone(),
                expr => format!("{name}: {expr}"),
            },
        }
    }
}

struct VariantCode {
    name: String,
    description: String,
    fields: Vec<FieldCode>,
}

impl VariantCode {
    fn new(variant: &crate::spec::Variant) -> Self {
        let event = format!("\"{}\"", variant.name);
        VariantCode {
            name: variant.name.clone(),
            description: variant.description.clone(),
            fields: variant.fields.iter().map(|f| FieldCode::new(f, "payload", "\"payload\"", &event)).collect(),
        }
    }
}

struct NestedCode {
    name: String,
    description: String,
    to_core_fn: String,
    /// `path, event`, with `_` before names no member reads.
    params: &'static str,
    fields: Vec<FieldCode>,
}

impl NestedCode {
    fn new(spec: &NestedSpec) -> Self {
        let reads_path = spec.fields.iter().any(|f| fallible(&f.kind));
        NestedCode {
            name: spec.name.clone(),
            description: spec.description.clone(),
            to_core_fn: to_core_fn(spec),
            params: if reads_path { "path: &str, event: &str" } else { "_path: &str, _event: &str" },
            fields: spec.fields.iter().map(|f| FieldCode::new(f, "value", "path", "event")).collect(),
        }
    }
}

/// Renders the FFI line record (`bindings/ffi/src/signed_event.rs`) with its
/// conversions to and from the core's; hex members are read strictly on the
/// way in, as an `invalid_hex` chain error naming the member.
pub fn render_envelope(spec: &EnvelopeSpec, header: &str) -> String {
    // The core types the conversions name, in the order they are imported.
    let mut core_types = vec!["self as core"];
    let members = spec
        .members
        .iter()
        .map(|m| {
            let (ffi_type, core_type) = match m.kind {
                MemberKind::U64 => ("u64", None),
                MemberKind::Event => ("AgentEvent", None),
                MemberKind::ChainHash => ("String", Some("ChainHash")),
                MemberKind::Signature => ("String", Some("SignatureBytes")),
                MemberKind::PublicKey => ("String", Some("PublicKeyBytes")),
            };
            let name = &m.name;
            let (to_ffi, to_core) = match (m.kind, core_type) {
                (MemberKind::Event, _) => {
                    (format!("AgentEvent::from(&e.{name})"), format!("core::AgentEvent::try_from(e.{name})?"))
                }
                (_, Some(core_type)) => {
                    if !core_types.contains(&core_type) {
                        core_types.push(core_type);
                    }
                    (format!("e.{name}.to_hex()"), format!("hex_member(\"{name}\", {core_type}::from_hex(&e.{name}))?"))
                }
                (_, None) => (format!("e.{name}"), format!("e.{name}")),
            };
            let note = if m.kind.is_hex() { " Crosses the FFI as lowercase hex." } else { "" };
            EnvelopeMemberCode {
                name: name.clone(),
                doc: format!("{}{note}", m.description),
                ffi_type,
                to_ffi,
                to_core,
            }
        })
        .collect::<Vec<_>>();
    core_types[1..].sort_unstable();
    // hex_member reads every hex member.
    let hex = core_types.len() > 1;
    let imports = format!(
        "use provedex_core::{{{}}};\n\nuse crate::{{AgentEvent, ProvedexError{}}};\n",
        core_types.join(", "),
        if hex { ", hex_member" } else { "" }
    );
    FfiLine { spec, header, imports, members }.render().expect("rendering into a String cannot fail")
}

#[derive(Template)]
#[template(path = "ffi_line.rs", escape = "none")]
struct FfiLine<'a> {
    spec: &'a EnvelopeSpec,
    header: &'a str,
    imports: String,
    members: Vec<EnvelopeMemberCode>,
}

struct EnvelopeMemberCode {
    name: String,
    doc: String,
    ffi_type: &'static str,
    /// From the core line `e`.
    to_ffi: String,
    /// From the FFI record `e`, with `?` where reading can fail.
    to_core: String,
}
