//! `check_order.json`, and the `order-*` groups of `lines.json`: two faults
//! on one line.
//!
//! spec/verification.md runs the checks of a line in a fixed order (framing,
//! parsing, the schema member by member in the order of spec/ledger-format.md,
//! Strictness on read, the chain, the signer, the signature) and reports the
//! first that fails. A vector with one fault cannot tell an implementation
//! that checks in another order from a conforming one, so [`checks`] lists
//! every check in the spec's order with a way to plant its fault, and every
//! pair of checks whose faults can sit on one line becomes a test that
//! expects the earlier check's reason. Generation asserts that each fault on
//! its own gives its own reason (so a pair really holds both faults) and
//! that the reference reports the earlier one for the pair.

use std::collections::BTreeMap;

use provedex_codegen::spec::{FieldKind, Variant};
use provedex_core::canonical::Value;
use provedex_core::line::read_line_alone;
use provedex_core::{
    AgentEvent, ChainHash, Digest, GENESIS_PARENT_HASH, MAX_LINE_BYTES, PublicKeyBytes, Reason, SignedEvent,
    SigningKeypair, Verifier, check_seal, sha256_hex, sign_event_at,
};
use provedex_format::Toolset;
use provedex_format::event::{KeyRotated, Redacted, ToolsetPinned};
use serde_json::json;

use super::ledgers::{compared_members, compared_members_1_1};
use super::long::padded;
use super::samples::{Flavor, event_spec, sample, seal_by_hand, text, variants_1_1};
use crate::vector::{FileBuilder, Generated, SPEC_VERSION_1_1, VectorFile, Verdict, hex};

/// A stage of the verification procedure (spec/verification.md): a line
/// past the length limit is paired with the framing checks and with the
/// first check of every later stage only (see [`pairs`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Framing,
    Parsing,
    Schema,
    Chain,
    Signer,
    /// The content checks of the 1.1 variants (spec/verification.md, steps 15 to 21).
    Content,
}

/// How a fault is planted, in the order a line is made: sealed (with some
/// position, key and pin), its members written as JSON, its bytes, and its
/// place in the file.
enum Plant {
    /// Seals the line with another position or key, or pins a key.
    Seal(fn(&mut SealPlan)),
    /// Edits the member at a path of the line's JSON.
    Member(Vec<String>, Edit),
    /// Edits the line's bytes.
    Bytes(fn(&mut Vec<u8>)),
    /// Pads the line with spaces after its first byte until it is one byte
    /// longer than the limit: insignificant whitespace, so the line's value,
    /// hash and signature do not change.
    PastLimit,
    /// Leaves out the line's LF: it is the final segment of the file.
    NoLf,
    /// Edits the event of a 1.1 variant before it is sealed, knowing what
    /// it is sealed with: its content breaks a rule of the variant.
    Content(fn(&SealPlan, &mut AgentEvent)),
}

/// An edit of one member of the line's JSON.
#[derive(Clone)]
enum Edit {
    /// The member is left out.
    Remove,
    /// The member's value is this JSON text.
    Set(String),
    /// The member's string value is written in upper case.
    Uppercase,
    /// The object gains a member of this name and JSON text.
    Add(&'static str, &'static str),
}

/// What the line is sealed with before the members are edited.
struct SealPlan {
    seq: u64,
    parent: ChainHash,
    key: SigningKeypair,
    /// The key the ledger is verified against, if any.
    pinned: Option<PublicKeyBytes>,
}

/// One check of the verification procedure, with a way to plant its fault.
struct Check {
    /// The check's name in test ids and group names.
    name: String,
    /// The reason code of its fault.
    reason: Reason,
    stage: Stage,
    /// Whether it applies to a line checked on its own (`verify_event`),
    /// which has no chain before it and no place in a file.
    alone: bool,
    /// Whether a lax reader accepts the fault, putting a test whose first
    /// fault it is in the strictness profile.
    lax: bool,
    /// What the fault breaks; two faults that break one thing cannot sit on one line.
    breaks: Vec<String>,
    /// What must be intact for the fault to be one (a payload field's fault
    /// needs a payload and a known variant).
    needs: Vec<String>,
    plant: Plant,
}

impl Check {
    fn new(name: impl Into<String>, reason: Reason, stage: Stage, plant: Plant) -> Self {
        Check {
            name: name.into(),
            reason,
            stage,
            alone: true,
            lax: false,
            breaks: Vec::new(),
            needs: Vec::new(),
            plant,
        }
    }

    fn breaks(mut self, what: &[&str]) -> Self {
        self.breaks.extend(what.iter().map(|w| (*w).to_owned()));
        self
    }

    fn needs(mut self, what: &[&str]) -> Self {
        self.needs.extend(what.iter().map(|w| (*w).to_owned()));
        self
    }

    fn ledger_only(mut self) -> Self {
        self.alone = false;
        self
    }

    fn lax(mut self) -> Self {
        self.lax = true;
        self
    }

    /// Whether this fault and `other` can both sit on one line.
    fn compatible(&self, other: &Check) -> bool {
        let meets = |a: &[String], b: &[String]| a.iter().any(|x| b.contains(x));
        !meets(&self.breaks, &other.breaks) && !meets(&self.breaks, &other.needs) && !meets(&other.breaks, &self.needs)
    }
}

/// The variant of the faulty line: it has a string, a digest, an integer and
/// a boolean field, so every kind of payload fault has a place.
const VARIANT: &str = "ToolReturned";

/// The first line's timestamp; the faulty line's is one more.
const TIMESTAMP: u64 = 1_780_000_000_000_000_000;

fn key() -> SigningKeypair {
    SigningKeypair::from_seed(&[0x31; 32])
}

fn other_key() -> SigningKeypair {
    SigningKeypair::from_seed(&[0x32; 32])
}

fn member(path: &[&str], edit: Edit) -> Plant {
    Plant::Member(path.iter().map(|p| (*p).to_owned()).collect(), edit)
}

/// Every check of a line, in the order spec/verification.md runs them.
/// `empty_line` is not listed: a line without bytes holds no other fault.
fn checks(variant: &Variant) -> Vec<Check> {
    use Reason::*;
    use Stage::*;
    let mut list = vec![
        Check::new("line-too-long", LineTooLong, Framing, Plant::PastLimit).breaks(&["length"]),
        Check::new("torn-tail", TornTail, Framing, Plant::NoLf).breaks(&["lf"]).ledger_only(),
        Check::new("crlf", CrlfLineEnding, Framing, Plant::Bytes(|b| b.push(b'\r'))).breaks(&["end"]),
        Check::new("space-before-object", MalformedJson, Parsing, Plant::Bytes(|b| b.insert(0, b' ')))
            .breaks(&["start"])
            .lax(),
        // A byte that is never UTF-8, between the last member and the closing
        // brace: the whole line is validated before it is parsed, so this
        // comes before a duplicate key that the parser would meet first.
        Check::new(
            "invalid-utf8",
            MalformedJson,
            Parsing,
            Plant::Bytes(|b| {
                let end = b.iter().rposition(|&c| c == b'}').expect("the line has an object");
                b.insert(end, 0xff);
            }),
        )
        .breaks(&["utf8"])
        .lax(),
        // A member given twice, right after the opening brace: it is also a
        // member the format does not define, which the schema finds later.
        Check::new(
            "duplicate-key",
            DuplicateKey,
            Parsing,
            Plant::Bytes(|b| {
                let start = b.iter().position(|&c| c == b'{').expect("the line has an object") + 1;
                b.splice(start..start, br#""dup":0,"dup":0,"#.iter().copied());
            }),
        )
        .breaks(&["duplicate"])
        .lax(),
    ];
    for name in ["seq", "timestamp_nanos"] {
        list.extend(u64_member_checks(&[name], &[]));
    }
    let event = ["event"];
    list.push(Check::new("event-wrong-type", WrongType, Schema, member(&event, Edit::Set("[]".into()))).breaks(&event));
    for (name, wrong) in [("type", "7"), ("payload", "[]")] {
        let path = ["event", name];
        let breaks = format!("event.{name}");
        list.push(
            Check::new(format!("event-{name}-missing"), MissingField, Schema, member(&path, Edit::Remove))
                .breaks(&[&breaks])
                .needs(&event),
        );
        list.push(
            Check::new(format!("event-{name}-wrong-type"), WrongType, Schema, member(&path, Edit::Set(wrong.into())))
                .breaks(&[&breaks])
                .needs(&event),
        );
    }
    list.push(
        Check::new("event-unknown-member", UnknownField, Schema, member(&event, Edit::Add("v", "1")))
            .breaks(&["event+"])
            .needs(&event)
            .lax(),
    );
    let near_miss = format!("\"{}\"", &variant.name[..variant.name.len() - 1]);
    list.push(
        Check::new("unknown-event-type", UnknownEventType, Schema, member(&["event", "type"], Edit::Set(near_miss)))
            .breaks(&["event.type"])
            .needs(&event),
    );
    let payload_needs = ["event", "event.type", "event.payload"];
    for field in &variant.fields {
        list.extend(payload_field_checks(&field.name, field.kind.present(), &payload_needs));
    }
    list.push(
        Check::new(
            "payload-unknown-member",
            UnknownField,
            Schema,
            member(&["event", "payload"], Edit::Add("note", "0")),
        )
        .breaks(&["payload+"])
        .needs(&payload_needs)
        .lax(),
    );
    for name in ["parent_hash", "self_hash", "signature", "signer_pubkey"] {
        list.extend(hex_member_checks(&[name], &[]));
    }
    list.push(
        Check::new("line-unknown-member", UnknownField, Schema, member(&[], Edit::Add("note", "\"unsigned\"")))
            .breaks(&["line+"])
            .lax(),
    );
    let elsewhere = format!("\"{}\"", sha256_hex(b"provedex vectors: check order, elsewhere"));
    list.extend([
        Check::new("seq-mismatch", SeqMismatch, Chain, Plant::Seal(|p| p.seq += 1))
            .breaks(&["seq.value"])
            .needs(&["seq"])
            .ledger_only(),
        Check::new("parent-mismatch", ParentMismatch, Chain, Plant::Seal(|p| p.parent = ChainHash([7; 32])))
            .breaks(&["parent_hash.value"])
            .needs(&["parent_hash"])
            .ledger_only(),
        Check::new("hash-mismatch", HashMismatch, Chain, member(&["self_hash"], Edit::Set(elsewhere)))
            .breaks(&["self_hash.value"])
            .needs(&["self_hash"]),
        // The identity point: a valid encoding of a point of small order.
        Check::new(
            "invalid-public-key",
            InvalidPublicKey,
            Signer,
            member(&["signer_pubkey"], Edit::Set(format!("\"01{}\"", "0".repeat(62)))),
        )
        .breaks(&["signer_pubkey.point"])
        .needs(&["signer_pubkey"])
        .lax(),
        // Signed by another key than the pinned one (and so than the first line's).
        Check::new(
            "pubkey-mismatch",
            PubkeyMismatch,
            Signer,
            Plant::Seal(|p| {
                p.pinned = Some(key().public_key());
                p.key = other_key();
            }),
        )
        .breaks(&["pin"])
        .needs(&["signer_pubkey"])
        .ledger_only(),
        Check::new("signer-changed", SignerChanged, Signer, Plant::Seal(|p| p.key = other_key()))
            .breaks(&["signer"])
            .needs(&["signer_pubkey"])
            .ledger_only(),
        Check::new("bad-signature", BadSignature, Signer, member(&["signature"], Edit::Set(other_signature())))
            .breaks(&["signature.value"])
            .needs(&["signature"]),
    ]);
    list
}

/// A signature by the line's key over another message: well formed, wrong.
fn other_signature() -> String {
    format!("\"{}\"", key().sign_raw(&[9; 32]).to_hex())
}

/// The checks of a u64 member, in the order of Strictness on read.
fn u64_member_checks(path: &[&str], needs: &[&str]) -> Vec<Check> {
    let name = path.join(".");
    let id = path[path.len() - 1].replace('_', "-");
    vec![
        Check::new(format!("{id}-missing"), Reason::MissingField, Stage::Schema, member(path, Edit::Remove)),
        Check::new(
            format!("{id}-wrong-type"),
            Reason::WrongType,
            Stage::Schema,
            member(path, Edit::Set("\"1\"".into())),
        ),
        Check::new(
            format!("{id}-out-of-range"),
            Reason::IntegerOutOfRange,
            Stage::Schema,
            member(path, Edit::Set("-1".into())),
        ),
    ]
    .into_iter()
    .map(|c| c.breaks(&[&name]).needs(needs))
    .collect()
}

/// The checks of a hex member, in the order of Strictness on read.
fn hex_member_checks(path: &[&str], needs: &[&str]) -> Vec<Check> {
    let name = path.join(".");
    let id = path[path.len() - 1].replace('_', "-");
    vec![
        Check::new(format!("{id}-missing"), Reason::MissingField, Stage::Schema, member(path, Edit::Remove)),
        Check::new(format!("{id}-wrong-type"), Reason::WrongType, Stage::Schema, member(path, Edit::Set("7".into()))),
        Check::new(format!("{id}-uppercase"), Reason::InvalidHex, Stage::Schema, member(path, Edit::Uppercase)).lax(),
    ]
    .into_iter()
    .map(|c| c.breaks(&[&name]).needs(needs))
    .collect()
}

/// The checks of one payload field, by its kind.
fn payload_field_checks(field: &str, kind: &FieldKind, needs: &[&str]) -> Vec<Check> {
    let path = ["event", "payload", field];
    match kind {
        FieldKind::U32 | FieldKind::U64 => u64_member_checks(&path, needs),
        FieldKind::Digest | FieldKind::DigestOrEmpty | FieldKind::PublicKey | FieldKind::Signature => {
            hex_member_checks(&path, needs)
        }
        FieldKind::Array(_) => {
            let name = path.join(".");
            let id = field.replace('_', "-");
            vec![
                Check::new(format!("{id}-missing"), Reason::MissingField, Stage::Schema, member(&path, Edit::Remove)),
                Check::new(
                    format!("{id}-wrong-type"),
                    Reason::WrongType,
                    Stage::Schema,
                    member(&path, Edit::Set("{}".into())),
                ),
            ]
            .into_iter()
            .map(|c| c.breaks(&[&name]).needs(needs))
            .collect()
        }
        FieldKind::String | FieldKind::Bool => {
            let name = path.join(".");
            let id = field.replace('_', "-");
            let wrong = if *kind == FieldKind::Bool { "\"true\"" } else { "7" };
            vec![
                Check::new(format!("{id}-missing"), Reason::MissingField, Stage::Schema, member(&path, Edit::Remove)),
                Check::new(
                    format!("{id}-wrong-type"),
                    Reason::WrongType,
                    Stage::Schema,
                    member(&path, Edit::Set(wrong.into())),
                ),
            ]
            .into_iter()
            .map(|c| c.breaks(&[&name]).needs(needs))
            .collect()
        }
        other => panic!("the faulty line's variant has a field of kind {other:?}, which check_order does not plant"),
    }
}

/// A JSON object whose members keep the order they are written in.
#[derive(Clone)]
enum Node {
    /// The JSON text of a value that is not an object.
    Text(String),
    Object(Vec<(String, Node)>),
}

impl Node {
    fn of(value: &Value, order: &[&str]) -> Node {
        let Value::Object(map) = value else { return Node::Text(text(value)) };
        let mut names: Vec<&str> = order.iter().copied().filter(|n| map.contains_key(*n)).collect();
        names.extend(map.keys().map(String::as_str).filter(|n| !order.contains(n)));
        Node::Object(names.into_iter().map(|n| (n.to_owned(), Node::of(&map[n], order))).collect())
    }

    fn members(&mut self) -> &mut Vec<(String, Node)> {
        match self {
            Node::Object(members) => members,
            Node::Text(text) => panic!("{text} is not an object"),
        }
    }

    fn edit(&mut self, path: &[String], edit: &Edit) {
        let Some((last, parents)) = path.split_last() else {
            let Edit::Add(name, text) = edit else { panic!("only a member can be added to the line itself") };
            self.members().push(((*name).to_owned(), Node::Text((*text).to_owned())));
            return;
        };
        let mut node = self;
        for name in parents {
            node = &mut node.members().iter_mut().find(|(n, _)| n == name).expect("the path exists").1;
        }
        let members = node.members();
        let at = members.iter().position(|(n, _)| n == last).expect("the member exists");
        match edit {
            Edit::Remove => {
                members.remove(at);
            }
            Edit::Set(text) => members[at].1 = Node::Text(text.clone()),
            Edit::Uppercase => {
                let Node::Text(text) = &mut members[at].1 else { panic!("{last} is not a string") };
                let upper = text.to_uppercase();
                assert_ne!(*text, upper, "{last} has lowercase hex digits");
                *text = upper;
            }
            Edit::Add(name, text) => {
                let Node::Object(inner) = &mut members[at].1 else { panic!("{last} is not an object") };
                inner.push(((*name).to_owned(), Node::Text((*text).to_owned())));
            }
        }
    }

    /// Compact JSON with every object's members in the reverse of their
    /// order: the reverse of the order of the checks, so that an
    /// implementation that checks members in the order it reads them, or in
    /// the order of their names, meets a later check's fault first.
    fn write(&self, out: &mut String) {
        match self {
            Node::Text(text) => out.push_str(text),
            Node::Object(members) => {
                out.push('{');
                for (i, (name, node)) in members.iter().rev().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::to_string(name).expect("names serialise"));
                    out.push(':');
                    node.write(out);
                }
                out.push('}');
            }
        }
    }
}

/// The good first line of every ledger, and the event of the faulty second.
struct Scene {
    variant: Variant,
    first: SignedEvent,
    /// For a 1.1 variant, the valid event of the faulty line for what it
    /// is sealed with (a rotation's proof binds its seq, parent and key).
    content: Option<fn(&Scene, &SealPlan) -> AgentEvent>,
}

/// A line made with the faults of `planted`, and what verifies it.
struct Made {
    /// The file: the first line, then the faulty one (without its LF when torn).
    file: Vec<u8>,
    /// The faulty line alone, without its LF.
    line: Vec<u8>,
    pinned: Option<PublicKeyBytes>,
    /// For a line past the limit, `file` and `line` as vectors describe them, built at run time.
    generated: Option<(Generated, Generated)>,
}

impl Scene {
    fn new() -> Scene {
        let spec = event_spec();
        let variant = spec.variants.iter().find(|v| v.name == VARIANT).expect("a v1 variant").clone();
        let first = sample(&spec.variants[0], Flavor::Typical);
        let first = sign_event_at(&first, 0, TIMESTAMP, &GENESIS_PARENT_HASH, &key()).expect("the sample signs");
        Scene { variant, first, content: None }
    }

    /// The scene of a 1.1 variant: its faulty line is a valid event of the
    /// variant until a content plant edits it.
    fn of_1_1(variant: Variant) -> Scene {
        let content: fn(&Scene, &SealPlan) -> AgentEvent = match variant.name.as_str() {
            "KeyRotated" => |_, plan| {
                let proof = third_key().prove_rotation(plan.key.public_key(), plan.seq, plan.parent);
                AgentEvent::KeyRotated(KeyRotated { new_pubkey: third_key().public_key(), proof })
            },
            "ToolsetPinned" => |_, _| {
                let toolset = Toolset::from_manifest(TOOLS.as_bytes()).expect("a valid manifest");
                AgentEvent::ToolsetPinned(ToolsetPinned {
                    toolset_sha256: toolset.toolset_sha256,
                    tools: toolset.tools,
                })
            },
            "Redacted" => |scene, _| {
                AgentEvent::Redacted(Redacted {
                    target_seq: 0,
                    target_self_hash: Digest(scene.first.self_hash.0),
                    reason: "user_request".into(),
                    requested_by: "privacy-desk".into(),
                })
            },
            other => panic!("{other} is not a 1.1 variant"),
        };
        let mut scene = Scene::new();
        scene.variant = variant;
        scene.content = Some(content);
        scene
    }

    fn make(&self, planted: &[&Check]) -> Made {
        let mut plan = SealPlan { seq: 1, parent: self.first.self_hash, key: key(), pinned: None };
        for check in planted {
            if let Plant::Seal(plant) = check.plant {
                plant(&mut plan);
            }
        }
        let event = match self.content {
            None => sample(&self.variant, Flavor::Typical),
            Some(content) => {
                let mut event = content(self, &plan);
                for check in planted {
                    if let Plant::Content(plant) = check.plant {
                        plant(&plan, &mut event);
                    }
                }
                event
            }
        };
        let signed = match self.content {
            None => sign_event_at(&event, plan.seq, TIMESTAMP + 1, &plan.parent, &plan.key).expect("the sample signs"),
            // Sealed by hand: a writer refuses some of these contents.
            Some(_) => seal_by_hand(&event, plan.seq, TIMESTAMP + 1, &plan.parent, &plan.key),
        };
        let line_members =
            ["seq", "timestamp_nanos", "event", "parent_hash", "self_hash", "signature", "signer_pubkey"];
        let order: Vec<&str> = line_members
            .into_iter()
            .chain(["type", "payload"])
            .chain(self.variant.fields.iter().map(|f| f.name.as_str()))
            .collect();
        let value = provedex_core::canonical::parse(signed.to_json().as_bytes()).expect("a line parses");
        let mut node = Node::of(&value, &order);
        for check in planted {
            if let Plant::Member(path, edit) = &check.plant {
                node.edit(path, edit);
            }
        }
        let mut text = String::new();
        node.write(&mut text);
        let mut line = text.into_bytes();
        for check in planted {
            if let Plant::Bytes(plant) = check.plant {
                plant(&mut line);
            }
        }
        let lf: &[u8] = if planted.iter().any(|c| matches!(c.plant, Plant::NoLf)) { b"" } else { b"\n" };
        let before = format!("{}\n", self.first.to_json()).into_bytes();
        let file = [before.as_slice(), &line, lf].concat();
        if !planted.iter().any(|c| matches!(c.plant, Plant::PastLimit)) {
            return Made { file, line, pinned: plan.pinned, generated: None };
        }
        let count = MAX_LINE_BYTES + 1 - line.len();
        let (file_generated, file) = padded(&file, before.len() + 1, b' ', count);
        let (line_generated, line) = padded(&line, 1, b' ', count);
        Made { file, line, pinned: plan.pinned, generated: Some((file_generated, line_generated)) }
    }
}

/// What the reference reports for the line alone (`verify_event`).
fn alone_reason(made: &Made) -> Option<Reason> {
    read_line_alone(made.line.clone()).and_then(|e| check_seal(&e)).err().map(|f| f.reason)
}

/// The reference's report of the ledger, as the v1 vectors expect it.
fn ledger_report(made: &Made) -> serde_json::Value {
    compared_members(&Verifier::new().pinned_pubkey(made.pinned).reader(&made.file[..]).unwrap())
}

/// The reference's report of the ledger, as the 1.1 vectors expect it.
fn ledger_report_1_1(made: &Made) -> serde_json::Value {
    compared_members_1_1(&Verifier::new().pinned_pubkey(made.pinned).reader(&made.file[..]).unwrap())
}

/// The pairs of checks (earlier, later) that make a test for the operation
/// (`alone` for `verify_event`). A line past the length limit is built at
/// run time, 16 MiB each: it is paired with the other framing checks and
/// with the first check of each later stage, which catches an
/// implementation that measures the line after any stage has run.
fn pairs(checks: &[Check], alone: bool) -> Vec<(&Check, &Check)> {
    let applies: Vec<&Check> = checks.iter().filter(|c| c.alone || !alone).collect();
    let first_of_stage = |c: &Check| applies.iter().find(|d| d.stage == c.stage).is_some_and(|d| d.name == c.name);
    let mut out = Vec::new();
    for (i, earlier) in applies.iter().enumerate() {
        for later in &applies[i + 1..] {
            let affordable =
                !matches!(earlier.plant, Plant::PastLimit) || later.stage == Stage::Framing || first_of_stage(later);
            if earlier.compatible(later) && affordable {
                out.push((*earlier, *later));
            }
        }
    }
    out
}

/// Each check's fault on its own gives the check's reason.
fn assert_alone(scene: &Scene, checks: &[Check], ledger_report: fn(&Made) -> serde_json::Value) {
    for check in checks {
        let made = scene.make(&[check]);
        let expected = Some(check.reason);
        if check.alone {
            assert_eq!(alone_reason(&made), expected, "check_order: {} alone, verify_event", check.name);
        }
        assert_eq!(
            ledger_report(&made)["reason"],
            json!(check.reason.code()),
            "check_order: {} alone, verify_ledger",
            check.name
        );
    }
}

/// Adds, for `operation` (`alone` for `verify_event`), a group per check
/// holding a test for each pair the check comes first in: the line made with
/// both faults and the reference's answer, which must name the earlier
/// check. The line is the file's second line for `verify_ledger`.
fn pair_groups(f: &mut FileBuilder, alone: bool) {
    let scene = Scene::new();
    let checks = checks(&scene.variant);
    assert_alone(&scene, &checks, ledger_report);
    let pairs = pairs(&checks, alone);
    let file = if alone { "lines" } else { "check_order" };
    groups(f, alone, &scene, &checks, &pairs, file, "", ledger_report);
}

/// The groups of the pairs in which `first` is the earlier check, one group per such check.
#[allow(clippy::too_many_arguments)] // the scene, its checks and pairs, and how the file names and reports them
fn groups(
    f: &mut FileBuilder,
    alone: bool,
    scene: &Scene,
    checks: &[Check],
    pairs: &[(&Check, &Check)],
    file: &str,
    prefix: &str,
    report: fn(&Made) -> serde_json::Value,
) {
    for first in checks {
        let mine: Vec<_> = pairs.iter().filter(|(earlier, _)| earlier.name == first.name).collect();
        if mine.is_empty() {
            continue;
        }
        let mut g = f.group(
            &format!("{prefix}{}-first", first.name),
            &format!(
                "Lines {}with the fault of {} and one checked after it: {} is reported.",
                if prefix.is_empty() { String::new() } else { format!("of {} ", scene.variant.name) },
                first.name,
                first.reason.code()
            ),
        );
        for &&(earlier, later) in &mine {
            let made = scene.make(&[earlier, later]);
            let context = format!("{file}: {prefix}{} + {}", earlier.name, later.name);
            let (member, bytes, generated, mut input, expected) = if alone {
                assert_eq!(alone_reason(&made), Some(earlier.reason), "{context}");
                let generated = made.generated.as_ref().map(|(_, line)| line);
                ("line_hex", &made.line, generated, json!({}), json!({"valid": false, "reason": earlier.reason.code()}))
            } else {
                let expected = report(&made);
                assert_eq!(expected["reason"], json!(earlier.reason.code()), "{context}");
                assert_eq!(expected["line"], json!(2), "{context}");
                let generated = made.generated.as_ref().map(|(file, _)| file);
                let input = json!({"pinned_pubkey": made.pinned.map(|k| k.to_hex())});
                ("ledger_hex", &made.file, generated, input, expected)
            };
            let generated = match generated {
                Some(generated) => BTreeMap::from([(member.to_owned(), generated.clone())]),
                None => {
                    input[member] = json!(hex(bytes));
                    BTreeMap::new()
                }
            };
            let flags: &[&str] = if earlier.lax { &["TwoFaults", "Strict"] } else { &["TwoFaults"] };
            let comment = format!(
                "The faults of {} ({}) and of {} ({}); the first is checked first.",
                earlier.name,
                earlier.reason.code(),
                later.name,
                later.reason.code()
            );
            g.generated_test(&later.name, &comment, flags, input, generated, Verdict::Invalid, expected);
        }
    }
}

/// The manifest of the toolset a faulty `ToolsetPinned` line pins: two tools.
const TOOLS: &str = r#"[{"name":"search"},{"name":"get_weather"}]"#;

/// The key a faulty `KeyRotated` line hands over to.
fn third_key() -> SigningKeypair {
    SigningKeypair::from_seed(&[0x33; 32])
}

/// The content checks of a 1.1 variant, in the order of spec/verification.md.
fn content_checks(variant: &str) -> Vec<Check> {
    use Reason::*;
    let needs = ["event", "event.type", "event.payload"];
    let content = |name: &str, reason: Reason, plant: fn(&SealPlan, &mut AgentEvent), breaks: &str| {
        Check::new(name, reason, Stage::Content, Plant::Content(plant)).breaks(&[breaks]).needs(&needs)
    };
    match variant {
        "KeyRotated" => vec![
            content(
                "rotation-key-is-signer",
                RotationKeyInvalid,
                |plan, event| {
                    if let AgentEvent::KeyRotated(r) = event {
                        r.new_pubkey = plan.key.public_key();
                    }
                },
                "event.payload.new_pubkey",
            ),
            content(
                "rotation-proof-other-seq",
                RotationProofInvalid,
                |plan, event| {
                    if let AgentEvent::KeyRotated(r) = event {
                        r.proof = third_key().prove_rotation(plan.key.public_key(), plan.seq + 1, plan.parent);
                    }
                },
                "event.payload.proof",
            ),
        ],
        // The tools reversed and not hashed again: unsorted, and so also a
        // hash mismatch, which is checked after.
        "ToolsetPinned" => vec![
            content(
                "toolset-unsorted",
                ToolsetUnsorted,
                |_, event| {
                    if let AgentEvent::ToolsetPinned(t) = event {
                        t.tools.reverse();
                    }
                },
                "event.payload.tools",
            ),
            content(
                "toolset-hash-mismatch",
                ToolsetHashMismatch,
                |_, event| {
                    if let AgentEvent::ToolsetPinned(t) = event {
                        t.toolset_sha256 = Digest([0x5e; 32]);
                    }
                },
                "event.payload.toolset_sha256",
            ),
        ],
        "Redacted" => vec![
            content(
                "redaction-of-own-seq",
                RedactionTargetUnknown,
                |plan, event| {
                    if let AgentEvent::Redacted(r) = event {
                        r.target_seq = plan.seq;
                    }
                },
                "event.payload.target_seq",
            ),
            content(
                "redaction-target-mismatch",
                RedactionTargetMismatch,
                |_, event| {
                    if let AgentEvent::Redacted(r) = event {
                        r.target_self_hash = Digest([0x66; 32]);
                    }
                },
                "event.payload.target_self_hash",
            )
            .ledger_only(),
        ],
        other => panic!("{other} is not a 1.1 variant"),
    }
}

/// The groups of the 1.1 variants: for each, every pair whose later check is
/// a content check of the variant (the pairs of earlier checks alone are the
/// v1 files'), on a line of that variant.
fn pair_groups_1_1(f: &mut FileBuilder, alone: bool) {
    let file = if alone { "lines_1_1" } else { "check_order_1_1" };
    for variant in variants_1_1() {
        let scene = Scene::of_1_1(variant.clone());
        let mut checks = checks(&scene.variant);
        checks.extend(content_checks(&variant.name));
        assert_alone(&scene, &checks, ledger_report_1_1);
        let pairs: Vec<_> =
            pairs(&checks, alone).into_iter().filter(|(_, later)| later.stage == Stage::Content).collect();
        groups(f, alone, &scene, &checks, &pairs, file, &format!("{}-", variant.name), ledger_report_1_1);
    }
}

/// The `verify_ledger` file of the 1.1 variants: every pair whose later
/// check is a content check, on the second line of a ledger.
pub fn file_1_1() -> VectorFile {
    let mut f = FileBuilder::new(
        "check_order_1_1",
        "verify_ledger",
        "Two faults on a line of a 1.1 variant (spec/verification.md, steps 15 to 20): for every check whose fault \
         can sit on the line with one of the content checks of KeyRotated, ToolsetPinned or Redacted, the second \
         line of a ledger holds both faults, and the report names the earlier check. Lines past the 16 MiB limit \
         are built at run time (generated_input).",
    );
    f.spec_version(SPEC_VERSION_1_1);
    note(&mut f);
    pair_groups_1_1(&mut f, false);
    f.finish()
}

/// The `verify_event` pair groups of `lines_1_1.json`.
pub fn line_groups_1_1(f: &mut FileBuilder) {
    pair_groups_1_1(f, true);
}

/// The `verify_ledger` file: every pair, on the second line of a ledger.
pub fn file() -> VectorFile {
    let mut f = FileBuilder::new(
        "check_order",
        "verify_ledger",
        "Two faults on one line (spec/verification.md, Verification procedure; spec/ledger-format.md, Strictness on \
         read): for every pair of checks whose order the spec fixes, the second line of a ledger holds both faults, \
         and the report names the earlier check. The faulty line writes its members in the reverse of the order \
         they are checked in. Lines past the 16 MiB limit are built at run time (generated_input).",
    );
    note(&mut f);
    pair_groups(&mut f, false);
    f.finish()
}

/// Declares the flags of the tests of [`file`] and of [`line_groups`].
pub fn note(f: &mut FileBuilder) {
    f.note("TwoFaults", "A line with two faults: the check the spec runs first decides the reason.");
    f.note("Strict", "A form the strict reader rejects although a lax reader would accept it.");
}

/// The `verify_event` groups of `lines.json`: every pair of checks that
/// apply to a line on its own, on a line at seq 1.
pub fn line_groups(f: &mut FileBuilder) {
    pair_groups(f, true);
}
