//! `lines.json`: one ledger line checked on its own, through the
//! verify_event operation: lines at any position of a chain, at and past
//! the length and nesting limits, hex members spelled almost right, each
//! member missing, members spelled with escapes, two parse errors on one
//! line, and every pair of faults a line can hold on its own
//! ([`super::check_order`]).

use std::collections::BTreeMap;

use provedex_core::canonical::{Map, Value, canonical_json, parse};
use provedex_core::line::read_line_alone;
use provedex_core::{
    AgentEvent, ChainHash, GENESIS_PARENT_HASH, MAX_LINE_BYTES, Reason, SignedEvent, SigningKeypair, check_seal,
    sha256_hex, sign_event_at,
};
use serde_json::json;

use super::long::{LongEvent, padded};
use super::samples::{Flavor, event_spec, sample, seal_by_hand};
use super::{check_order, near_miss};
use crate::vector::{FileBuilder, Generated, GroupBuilder, VectorFile, Verdict, hex};

fn key() -> SigningKeypair {
    SigningKeypair::from_seed(&[0x4c; 32])
}

fn parent() -> ChainHash {
    ChainHash::from_hex(&sha256_hex(b"provedex vectors: lines parent")).unwrap()
}

/// The sample event of the variant named `name`.
fn event(name: &str, flavor: Flavor) -> AgentEvent {
    sample(event_spec().variants.iter().find(|v| v.name == name).expect("a v1 variant"), flavor)
}

/// The line every edit starts from: a `ToolReturned` at seq 2.
fn base() -> String {
    sign_event_at(&event("ToolReturned", Flavor::Typical), 2, 1_785_000_000_000_000_000, &parent(), &key())
        .unwrap()
        .to_json()
}

/// What the reference says of a line on its own.
fn verdict(line: &[u8]) -> Option<Reason> {
    read_line_alone(line.to_vec()).and_then(|e| check_seal(&e)).err().map(|f| f.reason)
}

fn expected(reason: Option<Reason>) -> (Verdict, serde_json::Value) {
    let verdict = if reason.is_none() { Verdict::Valid } else { Verdict::Invalid };
    (verdict, json!({"valid": reason.is_none(), "reason": reason.map(Reason::code)}))
}

/// Adds a test of `line`, after checking that the reference reaches `reason`.
fn add(g: &mut GroupBuilder<'_>, name: &str, comment: &str, flags: &[&str], line: &[u8], reason: Option<Reason>) {
    assert_eq!(verdict(line), reason, "lines/{name}: the reference's verdict");
    let (result, expected) = expected(reason);
    g.test(name, comment, flags, json!({"line_hex": hex(line)}), result, expected);
}

/// Adds a test of a line built at run time: `built` is what `generated` builds.
fn add_generated(
    g: &mut GroupBuilder<'_>,
    name: &str,
    comment: &str,
    (generated, built): (Generated, Vec<u8>),
    reason: Option<Reason>,
) {
    assert_eq!(verdict(&built), reason, "lines/{name}: the reference's verdict");
    let (result, expected) = expected(reason);
    let generated = BTreeMap::from([("line_hex".to_owned(), generated)]);
    g.generated_test(name, comment, &["Limit"], json!({}), generated, result, expected);
}

pub fn file() -> VectorFile {
    let mut f = FileBuilder::new(
        "lines",
        "verify_event",
        "One line checked on its own (spec/conformance.md, verify_event): lines at any seq after any parent (no chain \
         context), at and past the 16 MiB and 128-level limits, hex members spelled almost right, each member \
         missing, members spelled with escapes, two parse errors on one line, and every pair of faults a line can \
         hold on its own, each expecting the reason of the check the spec runs first.",
    );
    f.note("Position", "A valid line anywhere in a chain: verify_event has no chain context.");
    f.note("Limit", "A line at or past the 16 MiB limit, built at run time (generated_input).");
    f.note("Nesting", "The nesting limit of 128 levels, counted from the line object.");
    f.note("Escapes", "Members and values spelled with JSON escapes: the same line as without them.");
    f.note("ParseOrder", "Two parse errors on one line: the parser reports the one it reaches first.");
    f.note("Framing", "The bytes around the line's object.");
    check_order::note(&mut f);
    positions(&mut f);
    limits(&mut f);
    nesting(&mut f);
    hex_members(&mut f);
    missing_members(&mut f);
    escapes(&mut f);
    parse_order(&mut f);
    framing(&mut f);
    check_order::line_groups(&mut f);
    f.finish()
}

fn positions(f: &mut FileBuilder) {
    let mut g = f.group(
        "positions",
        "Valid lines at any seq, after any parent and at any timestamp: without chain context neither seq nor \
         parent_hash is compared with anything.",
    );
    let first = sign_event_at(&event("SessionStarted", Flavor::Typical), 0, 1, &GENESIS_PARENT_HASH, &key()).unwrap();
    let cases: [(&str, &str, u64, u64, ChainHash); 6] = [
        ("seq-1", "seq 1 after a first line.", 1, 2, first.self_hash),
        ("seq-2", "seq 2 after an arbitrary parent.", 2, 3, parent()),
        ("seq-max", "seq 18446744073709551615.", u64::MAX, 4, parent()),
        ("seq-0-other-parent", "seq 0 with a parent that is not the genesis value.", 0, 5, parent()),
        ("seq-5-genesis-parent", "seq 5 with the genesis parent (64 zeros).", 5, 6, GENESIS_PARENT_HASH),
        ("timestamp-max", "seq 3 at timestamp 18446744073709551615.", 3, u64::MAX, parent()),
    ];
    for (name, comment, seq, timestamp, parent) in cases {
        let line = sign_event_at(&event("ToolReturned", Flavor::Typical), seq, timestamp, &parent, &key()).unwrap();
        add(&mut g, name, comment, &["Position"], line.to_json().as_bytes(), None);
    }
}

fn limits(f: &mut FileBuilder) {
    let mut g = f.group(
        "limits",
        "Lines of 16,777,216 bytes (accepted) and 16,777,217 bytes (line_too_long), made long with insignificant \
         whitespace or with text; the limit counts bytes, not characters.",
    );
    let line = base();
    let fill = |length: usize| padded(line.as_bytes(), 1, b' ', length - line.len());
    add_generated(
        &mut g,
        "exact-limit-whitespace",
        "16,777,216 bytes: the line above with spaces after its opening brace (not signed, so the seal holds).",
        fill(MAX_LINE_BYTES),
        None,
    );
    add_generated(
        &mut g,
        "past-limit-whitespace",
        "16,777,217 bytes of the same kind.",
        fill(MAX_LINE_BYTES + 1),
        Some(Reason::LineTooLong),
    );
    let long = |length: usize| {
        let (line, generated) = LongEvent::for_line(length, "\u{e9}", 1, &parent()).line(1, &parent());
        (generated, line.to_json().into_bytes())
    };
    add_generated(
        &mut g,
        "exact-limit-text",
        "16,777,216 bytes, made long by an agent_id of 'é's (2 bytes each), signed.",
        long(MAX_LINE_BYTES),
        None,
    );
    add_generated(
        &mut g,
        "past-limit-text",
        "16,777,217 bytes but fewer than 8.4 million characters, correctly signed: only the length is wrong, in bytes.",
        long(MAX_LINE_BYTES + 1),
        Some(Reason::LineTooLong),
    );
}

/// `args_redacted` holding `inner` under the member `deep`.
fn args_with(inner: Value) -> Map {
    Map::from([("deep".to_owned(), inner)])
}

/// `args_redacted` holding `levels` nested arrays.
pub fn deep_args(levels: usize) -> Map {
    args_with(arrays(levels))
}

/// `levels` arrays nested in each other.
fn arrays(levels: usize) -> Value {
    (0..levels)
        .fold(None, |inner: Option<Value>, _| Some(Value::Array(inner.into_iter().collect())))
        .unwrap_or(Value::Null)
}

/// `levels` objects nested in each other under the key `k`.
fn objects(levels: usize) -> Value {
    (0..levels)
        .fold(None, |inner: Option<Value>, _| {
            Some(Value::Object(inner.map(|v| Map::from([("k".to_owned(), v)])).unwrap_or_default()))
        })
        .unwrap_or(Value::Null)
}

/// A `ToolCalled` event whose `args_redacted` is `args`.
pub fn tool_called(args: Map) -> AgentEvent {
    let AgentEvent::ToolCalled(mut payload) = event("ToolCalled", Flavor::Typical) else { unreachable!() };
    payload.args_redacted = args;
    AgentEvent::ToolCalled(payload)
}

/// The deepest container of `args_redacted` reaches depth 128 of the line
/// when it holds this many levels below `deep` (line, event, payload,
/// args_redacted are depths 1 to 4).
pub const LEVELS_AT_LIMIT: usize = 124;

fn nesting(f: &mut FileBuilder) {
    let mut g = f.group("nesting", "The line object is depth 1, event 2, payload 3, args_redacted 4; at most 128.");
    let sealed = |args: Map| seal_by_hand(&tool_called(args), 4, 7, &parent(), &key()).to_json();
    let cases: [(&str, &str, Map, Option<Reason>); 4] = [
        ("depth-128", "args_redacted nests arrays down to depth 128 of the line.", deep_args(LEVELS_AT_LIMIT), None),
        (
            "depth-129-arrays",
            "One array more: depth 129 of the line, although the event alone is 128 deep (correctly signed).",
            deep_args(LEVELS_AT_LIMIT + 1),
            Some(Reason::MalformedJson),
        ),
        (
            "depth-129-objects",
            "Objects nested down to depth 129 of the line (correctly signed).",
            args_with(objects(LEVELS_AT_LIMIT + 1)),
            Some(Reason::MalformedJson),
        ),
        (
            "brackets-in-a-string",
            "200 brackets inside a string add no depth.",
            args_with(Value::from(format!("{}{}", "[".repeat(200), "]".repeat(200)))),
            None,
        ),
    ];
    for (name, comment, args, reason) in cases {
        add(&mut g, name, comment, &["Nesting"], sealed(args).as_bytes(), reason);
    }
}

/// `line` with the string value of `member` replaced by `value`.
fn with_member(line: &str, member: &str, value: &str) -> String {
    let (before, rest) = line.split_once(&format!("\"{member}\":\"")).expect("the member is in the line");
    let end = rest.find('"').expect("the value ends");
    format!("{before}\"{member}\":{}{}", serde_json::to_string(value).unwrap(), &rest[end + 1..])
}

/// The hex members of a line, with their values.
fn hex_members_of(line: &str) -> [(&'static str, String); 4] {
    let parsed = SignedEvent::from_line(line.as_bytes()).expect("a valid line");
    [
        ("parent_hash", parsed.parent_hash.to_hex()),
        ("self_hash", parsed.self_hash.to_hex()),
        ("signature", parsed.signature.to_hex()),
        ("signer_pubkey", parsed.signer_pubkey.to_hex()),
    ]
}

fn hex_members(f: &mut FileBuilder) {
    let line = base();
    let mut g = f.group("hex", "Each hex member of the line spelled almost right: invalid_hex.");
    for (member, value) in hex_members_of(&line) {
        for miss in near_miss::hex(&value) {
            add(
                &mut g,
                &format!("{}-{}", member.replace('_', "-"), miss.name),
                &format!("{member}: {}", miss.comment),
                &["Strict"],
                with_member(&line, member, &miss.text).as_bytes(),
                Some(Reason::InvalidHex),
            );
        }
    }
}

fn missing_members(f: &mut FileBuilder) {
    let Value::Object(members) = parse(base().as_bytes()).expect("a valid line") else {
        unreachable!("a line is an object")
    };
    let mut g = f.group("missing", "A valid line with one of its seven members removed: missing_field.");
    for member in members.keys() {
        let mut fewer = members.clone();
        fewer.remove(member);
        add(
            &mut g,
            &member.replace('_', "-"),
            &format!("The line without {member}."),
            &[],
            &canonical_json(&Value::Object(fewer)),
            Some(Reason::MissingField),
        );
    }
}

/// Every lowercase letter of `text` written as a `\u` escape.
fn escape_letters(text: &str) -> String {
    text.chars().map(|c| if c.is_ascii_lowercase() { format!("\\u{:04x}", c as u32) } else { c.to_string() }).collect()
}

fn escapes(f: &mut FileBuilder) {
    let mut g = f.group(
        "escapes",
        "Member names and values spelled with JSON escapes: the parsed values are the same, so the line verifies.",
    );
    let line = base();
    let mut names = line.clone();
    for member in
        ["seq", "timestamp_nanos", "event", "parent_hash", "self_hash", "signature", "signer_pubkey", "type", "payload"]
    {
        names = names.replacen(&format!("\"{member}\":"), &format!("\"{}\":", escape_letters(member)), 1);
    }
    add(
        &mut g,
        "member-names",
        "Every member name of the line and the event written with \\u escapes.",
        &["Escapes"],
        names.as_bytes(),
        None,
    );
    let mut hex_values = line.clone();
    for (_, plain) in hex_members_of(&line) {
        hex_values = hex_values.replacen(&format!("\"{plain}\""), &format!("\"{}\"", escape_letters(&plain)), 1);
    }
    add(
        &mut g,
        "hex-values",
        "The letters of every hex member written as \\u escapes.",
        &["Escapes"],
        hex_values.as_bytes(),
        None,
    );
    let type_escaped = line.replacen("\"type\":\"ToolReturned\"", "\"type\":\"\\u0054oolReturned\"", 1);
    add(
        &mut g,
        "type-value",
        "The event type's first letter written as \\u0054.",
        &["Escapes"],
        type_escaped.as_bytes(),
        None,
    );
    let edge = sign_event_at(&event("SessionStarted", Flavor::Edge), 6, 8, &parent(), &key()).unwrap().to_json();
    let escaped: String = edge
        .chars()
        .map(|c| match c {
            c if c.is_ascii() => c.to_string(),
            c => c.encode_utf16(&mut [0; 2]).iter().map(|unit| format!("\\u{unit:04x}")).collect(),
        })
        .collect();
    assert_ne!(escaped, edge);
    add(
        &mut g,
        "non-ascii-text",
        "Payload strings whose non-ASCII characters (é, CJK, an astral emoji as a surrogate pair, U+2028) are \\u escapes.",
        &["Escapes"],
        escaped.as_bytes(),
        None,
    );
    let slashes = edge.replace('/', "\\/");
    assert_ne!(slashes, edge);
    add(&mut g, "escaped-solidus", "Every '/' in the payload written as \\/.", &["Escapes"], slashes.as_bytes(), None);
}

fn parse_order(f: &mut FileBuilder) {
    let mut g = f.group(
        "parse-order",
        "Two parse errors on one line, inserted after its opening brace: the parser reads from left to right and \
         reports the first error it reaches (canonical-json.md, Which error is reported).",
    );
    let line = base();
    let deep = format!("{}{}", "[".repeat(129), "]".repeat(129));
    let cases: [(&str, &str, String, Reason); 5] = [
        (
            "duplicate-then-deep",
            "A duplicate key, then an array 129 levels deep.",
            format!("\"dup\":0,\"dup\":0,\"deep\":{deep},"),
            Reason::DuplicateKey,
        ),
        (
            "deep-then-duplicate",
            "An array 129 levels deep, then a duplicate key.",
            format!("\"deep\":{deep},\"dup\":0,\"dup\":0,"),
            Reason::MalformedJson,
        ),
        (
            "duplicate-then-bad-number",
            "A duplicate key, then the number 01.",
            "\"dup\":0,\"dup\":0,\"n\":01,".into(),
            Reason::DuplicateKey,
        ),
        (
            "bad-number-then-duplicate",
            "The number 01, then a duplicate key.",
            "\"n\":01,\"dup\":0,\"dup\":0,".into(),
            Reason::MalformedJson,
        ),
        (
            "duplicate-with-overflowing-value",
            "A key repeated with the value 1e999: the value is read (and overflows) before the key is found repeated.",
            "\"dup\":0,\"dup\":1e999,".into(),
            Reason::MalformedJson,
        ),
    ];
    for (name, comment, inserted, reason) in cases {
        let text = format!("{{{inserted}{}", &line[1..]);
        add(&mut g, name, comment, &["ParseOrder"], text.as_bytes(), Some(reason));
    }
}

fn framing(f: &mut FileBuilder) {
    let mut g = f.group("framing", "The bytes around the line's object.");
    let line = base();
    let inside = format!("{{ \t{} }}", &line[1..line.len() - 1]);
    let cases: [(&str, &str, Vec<u8>, Option<Reason>); 6] = [
        ("empty", "A line without bytes.", vec![], Some(Reason::EmptyLine)),
        ("cr-only", "A line that is one CR.", b"\r".to_vec(), Some(Reason::CrlfLineEnding)),
        (
            "cr-after-object",
            "A valid line followed by CR.",
            format!("{line}\r").into_bytes(),
            Some(Reason::CrlfLineEnding),
        ),
        (
            "nul-after-object",
            "A valid line followed by U+0000.",
            format!("{line}\u{0}").into_bytes(),
            Some(Reason::MalformedJson),
        ),
        (
            "bom-before-object",
            "A byte order mark before the object.",
            format!("\u{feff}{line}").into_bytes(),
            Some(Reason::MalformedJson),
        ),
        (
            "whitespace-inside-braces",
            "Spaces and a tab just inside the braces: insignificant whitespace within the object.",
            inside.into_bytes(),
            None,
        ),
    ];
    for (name, comment, bytes, reason) in cases {
        add(&mut g, name, comment, &["Framing"], &bytes, reason);
    }
}
