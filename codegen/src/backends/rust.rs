//! The Rust backend: the core's event types (`format/src/event/generated.rs`).
//!
//! For each field kind it decides the Rust type, the reader that parses the
//! member strictly (with the reason code a verifier reports), the writers of
//! the canonical and the wire form, the conversion to a JSON value, and the
//! checks the type cannot express (the nesting depth of free JSON).

use std::collections::BTreeSet;
use std::fmt;

use askama::Template;

use super::{EnumCode, copied, recv};
use crate::envelope::{EnvelopeSpec, Member, MemberKind};
use crate::spec::{EventSpec, Field, FieldKind, NamedType, NestedSpec};

/// Renders the core's event types.
pub fn render(spec: &EventSpec, header: &str) -> String {
    let mut uses = Uses::default();
    for always in [
        "crate::canonical::ByteSink",
        "crate::canonical::Map",
        "crate::canonical::Value",
        "super::EventError",
        "super::Fields",
        "super::read",
        "super::unknown_event_type",
    ] {
        uses.add(always);
    }
    let variants: Vec<VariantCode> = spec.variants.iter().map(|v| VariantCode::new(v, &mut uses)).collect();
    let mut enums = Vec::new();
    let mut nested = Vec::new();
    for named in spec.named_types().expect("the spec was checked when parsed") {
        match named {
            NamedType::Enum(e) => {
                // The generated enum reads itself from a Value and refuses other strings.
                uses.add("crate::canonical::Value");
                uses.add("super::read");
                uses.add("super::EventError");
                enums.push(EnumCode::new(e));
            }
            NamedType::Nested(n) => nested.push(NestedCode::new(n, &mut uses)),
        }
    }
    let imports = uses.render();
    CoreEvents { spec, header, imports, variants, enums, nested }.render().expect("rendering into a String cannot fail")
}

#[derive(Template)]
#[template(path = "core_events.rs", escape = "none")]
struct CoreEvents<'a> {
    spec: &'a EventSpec,
    header: &'a str,
    imports: String,
    variants: Vec<VariantCode>,
    enums: Vec<EnumCode>,
    nested: Vec<NestedCode>,
}

/// The `use` lines the generated code needs, collected while it is written.
#[derive(Default)]
struct Uses(BTreeSet<&'static str>);

impl Uses {
    fn add(&mut self, path: &'static str) {
        self.0.insert(path);
    }

    /// One `use` per module, names sorted, so that nothing unused is imported.
    fn render(&self) -> String {
        let mut by_module: Vec<(&str, Vec<&str>)> = Vec::new();
        for path in &self.0 {
            let (module, name) = path.rsplit_once("::").expect("a path with a module");
            match by_module.iter_mut().find(|(m, _)| *m == module) {
                Some((_, names)) => names.push(name),
                None => by_module.push((module, vec![name])),
            }
        }
        by_module
            .iter()
            .map(|(module, names)| match names.as_slice() {
                [one] => format!("use {module}::{one};\n"),
                many => format!("use {module}::{{{}}};\n", many.join(", ")),
            })
            .collect()
    }
}

/// How many containers lie between the payload and a value: free JSON
/// deeper down has fewer levels left under the line's nesting limit.
#[derive(Clone, Copy)]
struct Levels {
    /// Relative to a nested type's own `levels` argument, or absolute.
    relative: bool,
    offset: usize,
}

impl Levels {
    const PAYLOAD: Levels = Levels { relative: false, offset: 0 };
    const INSIDE_NESTED: Levels = Levels { relative: true, offset: 1 };

    fn deeper(self) -> Levels {
        Levels { offset: self.offset + 1, ..self }
    }
}

impl fmt::Display for Levels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.relative, self.offset) {
            (false, n) => write!(f, "{n}"),
            (true, 0) => f.write_str("levels"),
            (true, n) => write!(f, "levels + {n}"),
        }
    }
}

/// Which form of an event is written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    /// Members in UTF-8 byte order of their names: what `self_hash` covers.
    Canonical,
    /// Members in spec order: what a ledger line holds.
    Wire,
}

/// A member's path in messages: a literal, or an expression built at run time.
#[derive(Clone)]
enum PathExpr {
    Literal(String),
    Runtime(String),
}

impl PathExpr {
    /// The path as a `&str` expression.
    fn expr(&self) -> String {
        match self {
            PathExpr::Literal(text) => format!("\"{text}\""),
            PathExpr::Runtime(expr) => expr.clone(),
        }
    }

    fn member(&self, name: &str) -> PathExpr {
        match self {
            PathExpr::Literal(text) => PathExpr::Literal(format!("{text}.{name}")),
            PathExpr::Runtime(expr) => PathExpr::Runtime(formatted(expr, &format!(".{name}"))),
        }
    }

    fn item(&self) -> PathExpr {
        match self {
            PathExpr::Literal(text) => PathExpr::Runtime(format!("&format!(\"{text}[{{i}}]\")")),
            PathExpr::Runtime(expr) => PathExpr::Runtime(formatted(expr, "[{i}]")),
        }
    }
}

/// `&format!(...)` of the path expression `expr` followed by `suffix`, the
/// path inlined when it is a variable.
fn formatted(expr: &str, suffix: &str) -> String {
    if expr.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        format!("&format!(\"{{{expr}}}{suffix}\")")
    } else {
        format!("&format!(\"{{}}{suffix}\", {expr})")
    }
}

/// Generated statements, with the static bytes of consecutive `sink.put`s
/// merged into one call (the canonical form is written on every seal).
struct Emitter {
    code: String,
    indent: usize,
    pending: String,
}

impl Emitter {
    fn new(indent: usize) -> Self {
        Emitter { code: String::new(), indent, pending: String::new() }
    }

    /// JSON text written as is.
    fn text(&mut self, json: &str) {
        self.pending.push_str(&json.replace('\\', "\\\\").replace('"', "\\\""));
    }

    fn flush(&mut self) {
        if !self.pending.is_empty() {
            let bytes = std::mem::take(&mut self.pending);
            self.line(&format!("sink.put(b\"{bytes}\");"));
        }
    }

    fn line(&mut self, statement: &str) {
        self.code.push_str(&"    ".repeat(self.indent));
        self.code.push_str(statement);
        self.code.push('\n');
    }

    fn stmt(&mut self, statement: &str) {
        self.flush();
        self.line(statement);
    }

    fn open(&mut self, header: &str) {
        self.stmt(&format!("{header} {{"));
        self.indent += 1;
    }

    fn close(&mut self) {
        self.close_with("");
    }

    /// Closes a block whose header opened a call: `})` and so on.
    fn close_with(&mut self, suffix: &str) {
        self.flush();
        self.indent -= 1;
        self.line(&format!("}}{suffix}"));
    }

    fn finish(mut self) -> String {
        self.flush();
        self.code
    }
}

fn rust_type(kind: &FieldKind, uses: &mut Uses) -> String {
    match kind {
        FieldKind::String => "String".into(),
        FieldKind::Digest => {
            uses.add("crate::hex::Digest");
            "Digest".into()
        }
        FieldKind::DigestOrEmpty => {
            uses.add("crate::hex::Digest");
            "Option<Digest>".into()
        }
        FieldKind::U32 => "u32".into(),
        FieldKind::U64 => "u64".into(),
        FieldKind::Bool => "bool".into(),
        FieldKind::Object => {
            uses.add("crate::canonical::Map");
            "Map".into()
        }
        FieldKind::PublicKey => {
            uses.add("crate::hex::PublicKeyBytes");
            "PublicKeyBytes".into()
        }
        FieldKind::Signature => {
            uses.add("crate::hex::SignatureBytes");
            "SignatureBytes".into()
        }
        FieldKind::Enum(e) => e.name.clone(),
        FieldKind::Nested(n) => n.name.clone(),
        FieldKind::Array(item) => format!("Vec<{}>", rust_type(item, uses)),
        FieldKind::Optional(inner) => format!("Option<{}>", rust_type(inner, uses)),
    }
}

/// An expression of type `impl Fn(&Value, &str) -> Result<T, EventError>` reading the kind.
fn reader(kind: &FieldKind, levels: Levels, uses: &mut Uses) -> String {
    uses.add("super::read");
    match kind {
        FieldKind::String => "read::string".into(),
        FieldKind::Digest => "read::digest".into(),
        FieldKind::DigestOrEmpty => "read::digest_or_empty".into(),
        FieldKind::U32 => "read::u32".into(),
        FieldKind::U64 => "read::u64".into(),
        FieldKind::Bool => "read::bool".into(),
        FieldKind::PublicKey => "read::public_key".into(),
        FieldKind::Signature => "read::signature".into(),
        FieldKind::Object => {
            uses.add("crate::canonical::Value");
            format!("|v: &Value, p: &str| read::object(v, p, {levels})")
        }
        FieldKind::Enum(e) => format!("{}::read", e.name),
        FieldKind::Nested(n) => {
            uses.add("crate::canonical::Value");
            format!("|v: &Value, p: &str| {}::read(v, p, {levels})", n.name)
        }
        FieldKind::Array(item) => {
            uses.add("crate::canonical::Value");
            format!("|v: &Value, p: &str| read::array(v, p, {})", reader(item, levels.deeper(), uses))
        }
        FieldKind::Optional(_) => unreachable!("optional is a member's kind, read with take_optional_with"),
    }
}

/// The struct literal's member that reads field `field` from `fields`.
fn read_member(field: &Field, fields: &str, levels: Levels, uses: &mut Uses) -> String {
    match &field.kind {
        FieldKind::Optional(inner) => format!(
            "{}: {fields}.take_optional_with(\"{}\", {})?,",
            field.name,
            field.name,
            reader(inner, levels, uses)
        ),
        kind => format!("{}: {fields}.take_with(\"{}\", {})?,", field.name, field.name, reader(kind, levels, uses)),
    }
}

/// Writes the value behind the reference expression `r`.
fn write_value(out: &mut Emitter, kind: &FieldKind, r: &str, form: Form, uses: &mut Uses) {
    match kind {
        FieldKind::String => {
            uses.add("crate::canonical::write_string");
            out.stmt(&format!("write_string(sink, {r});"));
        }
        FieldKind::Digest | FieldKind::PublicKey | FieldKind::Signature => {
            uses.add("super::write");
            out.stmt(&format!("write::hex(sink, |sink| {}.put_hex(sink));", recv(r)));
        }
        FieldKind::DigestOrEmpty => {
            uses.add("super::write");
            out.stmt(&format!("write::digest_or_empty(sink, {r});"));
        }
        FieldKind::U32 | FieldKind::U64 => {
            uses.add("crate::canonical::write_decimal");
            out.stmt(&format!("write_decimal(sink, i128::from({}));", copied(r)));
        }
        FieldKind::Bool => {
            uses.add("super::write");
            out.stmt(&format!("write::bool(sink, {});", copied(r)));
        }
        FieldKind::Object => {
            uses.add("crate::canonical::write_object");
            out.stmt(&format!("write_object(sink, {r});"));
        }
        FieldKind::Enum(_) => {
            uses.add("crate::canonical::write_string");
            out.stmt(&format!("write_string(sink, {}.code());", recv(r)));
        }
        FieldKind::Nested(_) => {
            let method = if form == Form::Canonical { "write_canonical" } else { "write_wire" };
            out.stmt(&format!("{}.{method}(sink);", recv(r)));
        }
        FieldKind::Array(item) => {
            uses.add("crate::canonical::write_array");
            out.open(&format!("write_array(sink, {r}, |sink, item|"));
            write_value(out, item, "item", form, uses);
            out.close_with(");");
        }
        FieldKind::Optional(_) => unreachable!("optional is a member's kind, written by write_members"),
    }
}

/// Writes the members of an object, `open` before them and `close` after,
/// with the separators that optional members make dynamic.
fn write_members(
    out: &mut Emitter,
    fields: &[&Field],
    owner: &str,
    form: Form,
    open: &str,
    close: &str,
    uses: &mut Uses,
) {
    #[derive(Clone, Copy, PartialEq)]
    enum Written {
        None,
        Some,
        Maybe,
    }
    let mut before = Vec::with_capacity(fields.len());
    let mut state = Written::None;
    for field in fields {
        before.push(state);
        state = match (&field.kind, state) {
            (FieldKind::Optional(_), Written::Some) => Written::Some,
            (FieldKind::Optional(_), _) => Written::Maybe,
            _ => Written::Some,
        };
    }
    let flag_read_after = |i: usize| before[i + 1..].contains(&Written::Maybe);
    out.text(open);
    if before.contains(&Written::Maybe) {
        out.stmt("let mut wrote = false;");
    }
    for (i, field) in fields.iter().enumerate() {
        let key = format!("\"{}\":", field.name);
        let separator = |out: &mut Emitter| match before[i] {
            Written::None => {}
            Written::Some => out.text(","),
            Written::Maybe => {
                out.open("if wrote");
                out.text(",");
                out.close();
            }
        };
        match &field.kind {
            FieldKind::Optional(inner) => {
                out.open(&format!("if let Some(value) = &{owner}.{}", field.name));
                separator(out);
                out.text(&key);
                write_value(out, inner, "value", form, uses);
                if flag_read_after(i) {
                    out.stmt("wrote = true;");
                }
                out.close();
            }
            kind => {
                separator(out);
                out.text(&key);
                write_value(out, kind, &format!("&{owner}.{}", field.name), form, uses);
            }
        }
    }
    out.text(close);
}

/// The fields in the order of `form`.
fn ordered(fields: &[Field], form: Form) -> Vec<&Field> {
    let mut ordered: Vec<&Field> = fields.iter().collect();
    if form == Form::Canonical {
        ordered.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
    }
    ordered
}

/// An expression turning the value behind `r` into a JSON value.
fn value_expr(kind: &FieldKind, r: &str) -> String {
    match kind {
        FieldKind::String | FieldKind::Object => format!("Value::from({}.clone())", recv(r)),
        FieldKind::Digest | FieldKind::PublicKey | FieldKind::Signature => {
            format!("Value::from({}.to_hex())", recv(r))
        }
        FieldKind::DigestOrEmpty => format!("Value::from({}.map(|d| d.to_hex()).unwrap_or_default())", recv(r)),
        FieldKind::U32 | FieldKind::U64 | FieldKind::Bool => format!("Value::from({})", copied(r)),
        FieldKind::Enum(_) => format!("Value::from({}.code())", recv(r)),
        FieldKind::Nested(_) => format!("{}.to_value()", recv(r)),
        FieldKind::Array(item) => {
            format!("Value::Array({}.iter().map(|item| {}).collect())", recv(r), value_expr(item, "item"))
        }
        FieldKind::Optional(_) => unreachable!("optional is a member's kind, handled by to_value_members"),
    }
}

/// Statements filling `map` with the members of an object.
fn to_value_members(out: &mut Emitter, fields: &[Field], owner: &str, uses: &mut Uses) {
    uses.add("crate::canonical::Map");
    uses.add("crate::canonical::Value");
    out.stmt("let mut map = Map::new();");
    for field in fields {
        match &field.kind {
            FieldKind::Optional(inner) => {
                out.open(&format!("if let Some(value) = &{owner}.{}", field.name));
                out.stmt(&format!("map.insert(\"{}\".to_owned(), {});", field.name, value_expr(inner, "value")));
                out.close();
            }
            kind => {
                let r = format!("&{owner}.{}", field.name);
                out.stmt(&format!("map.insert(\"{}\".to_owned(), {});", field.name, value_expr(kind, &r)));
            }
        }
    }
}

/// Whether values of the kind need checks beyond their type.
fn needs_checks(kind: &FieldKind) -> bool {
    kind.walk().iter().any(|k| matches!(k, FieldKind::Object))
}

/// Statements checking the value behind `r` (free JSON nesting depth).
fn validate_value(out: &mut Emitter, kind: &FieldKind, r: &str, path: &PathExpr, levels: Levels, uses: &mut Uses) {
    if !needs_checks(kind) {
        return;
    }
    match kind {
        FieldKind::Object => {
            uses.add("super::check_nesting");
            out.stmt(&format!("check_nesting({}, {r}, {levels})?;", path.expr()));
        }
        FieldKind::Nested(_) => out.stmt(&format!("{}.validate({}, {levels})?;", recv(r), path.expr())),
        FieldKind::Array(item) => {
            out.open(&format!("for (i, item) in {}.iter().enumerate()", recv(r)));
            validate_value(out, item, "item", &path.item(), levels.deeper(), uses);
            out.close();
        }
        FieldKind::Optional(inner) => {
            out.open(&format!("if let Some(value) = {}", r));
            validate_value(out, inner, "value", path, levels, uses);
            out.close();
        }
        _ => {}
    }
}

fn validate_members(
    out: &mut Emitter,
    fields: &[Field],
    owner: &str,
    path: &PathExpr,
    levels: Levels,
    uses: &mut Uses,
) {
    for field in fields {
        validate_value(out, &field.kind, &format!("&{owner}.{}", field.name), &path.member(&field.name), levels, uses);
    }
}

/// One field of a generated struct.
struct FieldCode {
    name: String,
    description: String,
    rust_type: String,
    /// The serde attribute that makes serde read and write the wire form, if one is needed.
    serde: Option<&'static str>,
}

impl FieldCode {
    fn new(field: &Field, uses: &mut Uses) -> Self {
        let serde = match &field.kind {
            FieldKind::DigestOrEmpty => Some("#[serde(with = \"crate::hex::digest_or_empty\")]"),
            FieldKind::Optional(_) => Some("#[serde(default, skip_serializing_if = \"Option::is_none\")]"),
            _ => None,
        };
        FieldCode {
            name: field.name.clone(),
            description: field.description.clone(),
            rust_type: rust_type(&field.kind, uses),
            serde,
        }
    }
}

/// The code of one variant's arms.
struct VariantCode {
    name: String,
    description: String,
    fields: Vec<FieldCode>,
    read: String,
    write_canonical: String,
    write_wire: String,
    to_value: String,
    validate: String,
}

impl VariantCode {
    fn new(variant: &crate::spec::Variant, uses: &mut Uses) -> Self {
        let name = &variant.name;
        let read = variant
            .fields
            .iter()
            .map(|f| format!("                {}\n", read_member(f, "payload", Levels::PAYLOAD, uses)))
            .collect();
        let mut canonical = Emitter::new(4);
        write_members(
            &mut canonical,
            &ordered(&variant.fields, Form::Canonical),
            "payload",
            Form::Canonical,
            "{\"payload\":{",
            &format!("}},\"type\":\"{name}\"}}"),
            uses,
        );
        let mut wire = Emitter::new(4);
        write_members(
            &mut wire,
            &ordered(&variant.fields, Form::Wire),
            "payload",
            Form::Wire,
            &format!("{{\"type\":\"{name}\",\"payload\":{{"),
            "}}",
            uses,
        );
        let mut to_value = Emitter::new(4);
        to_value_members(&mut to_value, &variant.fields, "payload", uses);
        let mut validate = Emitter::new(4);
        validate_members(
            &mut validate,
            &variant.fields,
            "payload",
            &PathExpr::Literal("payload".into()),
            Levels::PAYLOAD,
            uses,
        );
        VariantCode {
            name: name.clone(),
            description: variant.description.clone(),
            fields: variant.fields.iter().map(|f| FieldCode::new(f, uses)).collect(),
            read,
            write_canonical: canonical.finish(),
            write_wire: wire.finish(),
            to_value: to_value.finish(),
            validate: validate.finish(),
        }
    }
}

/// A generated nested object type.
struct NestedCode {
    name: String,
    /// `levels`, or `_levels` when no member depends on it.
    levels_param: &'static str,
    description: String,
    fields: Vec<FieldCode>,
    read: String,
    write_canonical: String,
    write_wire: String,
    to_value: String,
    /// `None` when nothing in it needs checks beyond its type.
    validate: Option<String>,
}

impl NestedCode {
    fn new(spec: &NestedSpec, uses: &mut Uses) -> Self {
        uses.add("crate::canonical::Value");
        uses.add("crate::canonical::ByteSink");
        uses.add("super::read");
        uses.add("super::EventError");
        let read: String = spec
            .fields
            .iter()
            .map(|f| format!("            {}\n", read_member(f, "fields", Levels::INSIDE_NESTED, uses)))
            .collect();
        let mut canonical = Emitter::new(2);
        write_members(&mut canonical, &ordered(&spec.fields, Form::Canonical), "self", Form::Canonical, "{", "}", uses);
        let mut wire = Emitter::new(2);
        write_members(&mut wire, &ordered(&spec.fields, Form::Wire), "self", Form::Wire, "{", "}", uses);
        let mut to_value = Emitter::new(2);
        to_value_members(&mut to_value, &spec.fields, "self", uses);
        let validate = spec.fields.iter().any(|f| needs_checks(&f.kind)).then(|| {
            let mut out = Emitter::new(2);
            validate_members(
                &mut out,
                &spec.fields,
                "self",
                &PathExpr::Runtime("path".into()),
                Levels::INSIDE_NESTED,
                uses,
            );
            out.finish()
        });
        let levels_param = if read.contains("levels") { "levels" } else { "_levels" };
        NestedCode {
            name: spec.name.clone(),
            levels_param,
            description: spec.description.clone(),
            fields: spec.fields.iter().map(|f| FieldCode::new(f, uses)).collect(),
            read,
            write_canonical: canonical.finish(),
            write_wire: wire.finish(),
            to_value: to_value.finish(),
            validate,
        }
    }
}

/// Renders the core's line type (`format/src/line/generated.rs`): the
/// struct, its wire writer, its strict reader and its self_hash preimage.
pub fn render_envelope(spec: &EnvelopeSpec, header: &str) -> String {
    let mut uses = Uses::default();
    for always in [
        "crate::canonical::ByteSink",
        "crate::canonical::Value",
        "crate::event::EventError",
        "crate::event::Fields",
        "crate::event::read",
    ] {
        uses.add(always);
    }
    let members: Vec<MemberCode> = spec.members.iter().map(|m| MemberCode::new(m, &mut uses)).collect();
    let preimage: Vec<MemberCode> = spec.preimage().into_iter().map(|m| MemberCode::new(m, &mut uses)).collect();

    let mut wire = Emitter::new(2);
    write_object(&mut wire, &members, |m| m.write_wire("self."));
    let mut canonical = Emitter::new(2);
    write_object(&mut canonical, &preimage, |m| m.write_canonical());
    if members.iter().chain(&preimage).any(|m| m.kind == MemberKind::U64) {
        uses.add("crate::canonical::write_decimal");
    }
    let imports = uses.render();
    CoreLine { spec, header, imports, members, preimage, write_line: wire.finish(), write_preimage: canonical.finish() }
        .render()
        .expect("rendering into a String cannot fail")
}

fn write_object(out: &mut Emitter, members: &[MemberCode], value: impl Fn(&MemberCode) -> String) {
    for (i, member) in members.iter().enumerate() {
        out.text(&format!("{}\"{}\":", if i == 0 { "{" } else { "," }, member.name));
        if member.kind.is_hex() {
            out.text("\"");
            out.stmt(&value(member));
            out.text("\"");
        } else {
            out.stmt(&value(member));
        }
    }
    out.text("}");
}

#[derive(Template)]
#[template(path = "core_line.rs", escape = "none")]
struct CoreLine<'a> {
    spec: &'a EnvelopeSpec,
    header: &'a str,
    imports: String,
    members: Vec<MemberCode>,
    preimage: Vec<MemberCode>,
    write_line: String,
    write_preimage: String,
}

/// One envelope member as Rust code.
struct MemberCode {
    name: String,
    doc: String,
    kind: MemberKind,
    /// Its type in the line struct.
    rust_type: &'static str,
    /// Its type in the preimage: a reference unless the value is a small `Copy` number.
    preimage_type: String,
    /// The reader that parses it strictly.
    reader: &'static str,
}

impl MemberCode {
    fn new(member: &Member, uses: &mut Uses) -> Self {
        let (rust_type, reader) = match member.kind {
            MemberKind::U64 => ("u64", "read::u64"),
            MemberKind::Event => {
                uses.add("crate::event::AgentEvent");
                ("AgentEvent", "read::event")
            }
            MemberKind::ChainHash => {
                uses.add("crate::hex::ChainHash");
                ("ChainHash", "read::chain_hash")
            }
            MemberKind::Signature => {
                uses.add("crate::hex::SignatureBytes");
                ("SignatureBytes", "read::signature")
            }
            MemberKind::PublicKey => {
                uses.add("crate::hex::PublicKeyBytes");
                ("PublicKeyBytes", "read::public_key")
            }
        };
        let preimage_type =
            if member.kind == MemberKind::U64 { rust_type.to_owned() } else { format!("&'a {rust_type}") };
        MemberCode {
            name: member.name.clone(),
            doc: member.description.clone(),
            kind: member.kind,
            rust_type,
            preimage_type,
            reader,
        }
    }

    /// The member of `self` (`self.seq`, `&self.event`) as the preimage holds it.
    fn borrowed(&self) -> String {
        if self.kind == MemberKind::U64 { format!("self.{}", self.name) } else { format!("&self.{}", self.name) }
    }

    fn write_wire(&self, owner: &str) -> String {
        let place = format!("{owner}{}", self.name);
        match self.kind {
            MemberKind::U64 => format!("write_decimal(sink, {place}.into());"),
            MemberKind::Event => format!("{place}.write_wire(sink);"),
            _ => format!("{place}.put_hex(sink);"),
        }
    }

    fn write_canonical(&self) -> String {
        match self.kind {
            MemberKind::Event => format!("self.{}.write_canonical(sink);", self.name),
            _ => self.write_wire("self."),
        }
    }
}
