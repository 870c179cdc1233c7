//! The 1.1 rules of spec/verification.md: key rotations and the pins that
//! rely on them, the content checks of `KeyRotated`, `ToolsetPinned` and
//! `Redacted` lines, the pinned current key, the key history and the tool
//! calls outside the pinned toolset. Every ledger is verified by every
//! engine, streaming and in memory, and the reports must agree.

use std::num::NonZeroUsize;

use provedex_format::canonical::Map;
use provedex_format::event::{KeyRotated, PinnedTool, Redacted, SessionEnded, ToolCalled, ToolsetPinned};
use provedex_format::hex::{ChainHash, PublicKeyBytes, SignatureBytes};
use provedex_format::seal::{GENESIS_PARENT_HASH, sign_event_at};
use provedex_format::{AgentEvent, Digest, Reason, RotationStatement, SignedEvent, SigningKeypair, toolset_sha256};
use provedex_verify::{ChainReport, Engine, Verifier, check_seal};

fn key(byte: u8) -> SigningKeypair {
    SigningKeypair::from_seed(&[byte; 32])
}

/// A ledger being built line by line, each line sealed by the key given.
#[derive(Default)]
struct Ledger {
    lines: Vec<SignedEvent>,
}

impl Ledger {
    fn seq(&self) -> u64 {
        self.lines.len() as u64
    }

    fn parent(&self) -> ChainHash {
        self.lines.last().map_or(GENESIS_PARENT_HASH, |line| line.self_hash)
    }

    fn push(&mut self, event: AgentEvent, signer: &SigningKeypair) -> &SignedEvent {
        let seq = self.seq();
        let line = sign_event_at(&event, seq, 1_700_000_000_000_000_000 + seq, &self.parent(), signer).unwrap();
        self.lines.push(line);
        self.lines.last().unwrap()
    }

    fn note(&mut self, signer: &SigningKeypair) -> &SignedEvent {
        self.push(AgentEvent::SessionEnded(SessionEnded { reason: "noted".into(), summary_sha256: None }), signer)
    }

    /// The statement a rotation at the next line from `old` to `new` proves.
    fn statement(&self, old: PublicKeyBytes, new: PublicKeyBytes) -> RotationStatement {
        RotationStatement { old_pubkey: old, new_pubkey: new, seq: self.seq(), parent_hash: self.parent() }
    }

    /// A genuine rotation from `old` to `new`.
    fn rotate(&mut self, old: &SigningKeypair, new: &SigningKeypair) -> &SignedEvent {
        let proof = new.prove_rotation(old.public_key(), self.seq(), self.parent());
        self.rotation(old, new.public_key(), proof)
    }

    fn rotation(&mut self, signer: &SigningKeypair, new_pubkey: PublicKeyBytes, proof: SignatureBytes) -> &SignedEvent {
        self.push(AgentEvent::KeyRotated(KeyRotated { new_pubkey, proof }), signer)
    }

    fn redact(&mut self, target_seq: u64, target_self_hash: Digest, signer: &SigningKeypair) -> &SignedEvent {
        let redaction =
            Redacted { target_seq, target_self_hash, reason: "user_request".into(), requested_by: "dpo".into() };
        self.push(AgentEvent::Redacted(redaction), signer)
    }

    /// A redaction that names the line with seq `target` as it is.
    fn redact_line(&mut self, target: u64, signer: &SigningKeypair) -> &SignedEvent {
        let hash = Digest(self.lines[target as usize].self_hash.0);
        self.redact(target, hash, signer)
    }

    fn pin_tools(&mut self, tools: Vec<PinnedTool>, toolset_sha256: Digest, signer: &SigningKeypair) -> &SignedEvent {
        self.push(AgentEvent::ToolsetPinned(ToolsetPinned { toolset_sha256, tools }), signer)
    }

    /// A toolset pin with the right hash.
    fn pin(&mut self, names: &[&str], signer: &SigningKeypair) -> &SignedEvent {
        let tools: Vec<PinnedTool> = names.iter().map(|name| tool(name)).collect();
        let hash = toolset_sha256(&tools);
        self.pin_tools(tools, hash, signer)
    }

    fn call(&mut self, tool_name: &str, signer: &SigningKeypair) -> &SignedEvent {
        let call =
            ToolCalled { tool_name: tool_name.into(), args_sha256: Digest::of(b"args"), args_redacted: Map::new() };
        self.push(AgentEvent::ToolCalled(call), signer)
    }

    fn bytes(&self) -> Vec<u8> {
        self.lines.iter().flat_map(|line| format!("{}\n", line.to_json()).into_bytes()).collect()
    }
}

fn tool(name: &str) -> PinnedTool {
    PinnedTool { name: name.into(), sha256: Digest::of(name.as_bytes()) }
}

/// What a verification holds the ledger to.
#[derive(Default, Clone, Copy)]
struct Pins {
    first: Option<PublicKeyBytes>,
    current: Option<PublicKeyBytes>,
    tools: bool,
}

const ENGINES: [Engine; 3] = [
    Engine::Sequential,
    Engine::Fast { threads: NonZeroUsize::MIN },
    Engine::Fast { threads: NonZeroUsize::new(2).unwrap() },
];

/// The report every engine gives, over a reader and on the events in memory
/// (where only `line` and the message may differ).
fn verify(ledger: &Ledger, pins: Pins) -> ChainReport {
    let verifier = |engine| {
        Verifier::new()
            .engine(engine)
            .pinned_pubkey(pins.first)
            .pinned_current_pubkey(pins.current)
            .check_tool_calls(pins.tools)
    };
    let bytes = ledger.bytes();
    let reference = verifier(Engine::Sequential).reader(&bytes[..]).unwrap();
    for engine in ENGINES {
        let report = verifier(engine).reader(&bytes[..]).unwrap();
        assert_eq!(report, reference, "{engine:?} over a reader");
        let mut in_memory = verifier(engine).events(&ledger.lines);
        (in_memory.line, in_memory.message) = (reference.line, reference.message.clone());
        assert_eq!(in_memory, reference, "{engine:?} in memory");
    }
    reference
}

fn pinned_first(key: &SigningKeypair) -> Pins {
    Pins { first: Some(key.public_key()), ..Pins::default() }
}

/// The finding's reason and `broken_at`, after checking the members every
/// finding on a line shares.
fn finding(report: &ChainReport) -> (Reason, u64) {
    assert!(!report.ok, "no finding: {}", report.message);
    let at = report.broken_at.unwrap();
    assert_eq!(report.event_count, at);
    (report.reason.unwrap(), at)
}

/// The key history as (key, from_seq, to_seq).
fn keys(report: &ChainReport) -> Vec<(PublicKeyBytes, u64, Option<u64>)> {
    report.keys.iter().map(|entry| (entry.pubkey, entry.from_seq, entry.to_seq)).collect()
}

#[test]
fn a_rotated_ledger_verifies_with_its_first_or_its_current_key_pinned() {
    let (a, b) = (key(1), key(2));
    let mut ledger = Ledger::default();
    ledger.note(&a);
    ledger.note(&a);
    ledger.rotate(&a, &b);
    ledger.note(&b);
    ledger.note(&b);
    let root = ledger.lines[4].self_hash;

    for pins in [
        Pins::default(),
        pinned_first(&a),
        Pins { current: Some(b.public_key()), ..Pins::default() },
        Pins { first: Some(a.public_key()), current: Some(b.public_key()), tools: false },
    ] {
        let report = verify(&ledger, pins);
        assert!(report.ok, "{}", report.message);
        assert_eq!(report.event_count, 5);
        assert_eq!(report.root_hash, Some(root));
        assert_eq!(report.signers, vec![a.public_key(), b.public_key()]);
        assert_eq!(keys(&report), vec![(a.public_key(), 0, Some(2)), (b.public_key(), 3, Some(4))]);
    }

    // The new key is not the trust root: the first line is not signed by it.
    let report = verify(&ledger, pinned_first(&b));
    assert_eq!(finding(&report), (Reason::PubkeyMismatch, 0));
    assert!(report.keys.is_empty());
}

#[test]
fn the_key_history_follows_the_rotations() {
    let (a, b) = (key(1), key(2));
    // A rotation that is the last good line: the new key has signed nothing yet.
    let mut ledger = Ledger::default();
    ledger.note(&a);
    ledger.rotate(&a, &b);
    let report = verify(&ledger, Pins::default());
    assert!(report.ok, "{}", report.message);
    assert_eq!(keys(&report), vec![(a.public_key(), 0, Some(1)), (b.public_key(), 2, None)]);
    assert_eq!(report.signers, vec![a.public_key()]);

    // The first line may itself be a rotation, and a ledger may rotate back.
    let mut ledger = Ledger::default();
    ledger.rotate(&a, &b);
    ledger.note(&b);
    ledger.rotate(&b, &a);
    ledger.note(&a);
    let report = verify(&ledger, pinned_first(&a));
    assert!(report.ok, "{}", report.message);
    assert_eq!(
        keys(&report),
        vec![(a.public_key(), 0, Some(0)), (b.public_key(), 1, Some(2)), (a.public_key(), 3, Some(3))]
    );
    assert_eq!(report.signers, vec![a.public_key(), b.public_key()]);

    // A v1 ledger has one key, and an empty one none.
    let mut ledger = Ledger::default();
    ledger.note(&a);
    ledger.note(&a);
    assert_eq!(keys(&verify(&ledger, Pins::default())), vec![(a.public_key(), 0, Some(1))]);
    assert!(verify(&Ledger::default(), Pins::default()).keys.is_empty());
}

/// A ledger of one line by `a`, then a rotation to `b` signed by `a` with `proof`.
fn rotation_with_proof(proof: impl FnOnce(&Ledger) -> SignatureBytes) -> Ledger {
    let (a, b) = (key(1), key(2));
    let mut ledger = Ledger::default();
    ledger.note(&a);
    let proof = proof(&ledger);
    ledger.rotation(&a, b.public_key(), proof);
    ledger
}

/// Makes a rotation proof for the next line of a ledger.
type Forge<'a> = Box<dyn Fn(&Ledger) -> SignatureBytes + 'a>;

#[test]
fn forged_rotation_proofs_are_refused() {
    let (a, b, c) = (key(1), key(2), key(3));
    let statement = |ledger: &Ledger| ledger.statement(a.public_key(), b.public_key());
    let forgeries: [(&str, Forge<'_>); 6] = [
        ("signed by another key", Box::new(|l| c.prove_rotation(a.public_key(), l.seq(), l.parent()))),
        ("over the statement without its label", Box::new(|l| b.sign_raw(&statement(l).canonical_json()))),
        (
            "over the bare digest of the statement",
            Box::new(|l| b.sign_raw(&Digest::of(&statement(l).canonical_json()).0)),
        ),
        ("for another seq", Box::new(|l| b.prove_rotation(a.public_key(), l.seq() + 1, l.parent()))),
        ("after another parent", Box::new(|l| b.prove_rotation(a.public_key(), l.seq(), GENESIS_PARENT_HASH))),
        ("from another old key", Box::new(|l| b.prove_rotation(c.public_key(), l.seq(), l.parent()))),
    ];
    for (what, forge) in forgeries {
        let ledger = rotation_with_proof(forge);
        let report = verify(&ledger, pinned_first(&a));
        assert_eq!(finding(&report), (Reason::RotationProofInvalid, 1), "a proof {what}: {}", report.message);
        assert_eq!(check_seal(&ledger.lines[1]).unwrap_err().reason, Reason::RotationProofInvalid, "{what}");
        // The line before it is good, and the key it names never became current.
        assert_eq!(keys(&report), vec![(a.public_key(), 0, Some(0))]);
    }
    // The genuine proof, for contrast.
    let ledger = rotation_with_proof(|l| b.prove_rotation(a.public_key(), l.seq(), l.parent()));
    assert!(verify(&ledger, pinned_first(&a)).ok);
    check_seal(&ledger.lines[1]).unwrap();
}

#[test]
fn a_rotation_to_an_invalid_key_or_to_its_own_signer_is_refused() {
    let a = key(1);
    let identity =
        PublicKeyBytes::from_hex("0100000000000000000000000000000000000000000000000000000000000000").unwrap();
    let non_canonical =
        PublicKeyBytes::from_hex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f").unwrap();
    for new_pubkey in [identity, non_canonical, a.public_key()] {
        let mut ledger = Ledger::default();
        ledger.note(&a);
        let proof = a.prove_rotation(a.public_key(), 1, ledger.parent());
        ledger.rotation(&a, new_pubkey, proof);
        let report = verify(&ledger, Pins::default());
        assert_eq!(finding(&report), (Reason::RotationKeyInvalid, 1), "{new_pubkey}: {}", report.message);
        assert_eq!(check_seal(&ledger.lines[1]).unwrap_err().reason, Reason::RotationKeyInvalid);
    }
}

#[test]
fn content_is_judged_only_once_the_seal_holds() {
    let (a, b, c) = (key(1), key(2), key(3));
    // A rotation with a bad proof and a bad signature: the signature first.
    let mut ledger = rotation_with_proof(|_| SignatureBytes([0; 64]));
    ledger.lines[1].signature = ledger.lines[0].signature;
    assert_eq!(finding(&verify(&ledger, Pins::default())), (Reason::BadSignature, 1));
    // A forger's rotation handing the ledger to the forger: the signer check first.
    let mut ledger = Ledger::default();
    ledger.note(&a);
    ledger.rotate(&c, &b);
    assert_eq!(finding(&verify(&ledger, Pins::default())), (Reason::SignerChanged, 1));
}

#[test]
fn the_line_after_a_rotation_is_signed_by_the_key_it_named() {
    let (a, b, c) = (key(1), key(2), key(3));
    let mut ledger = Ledger::default();
    ledger.note(&a);
    ledger.rotate(&a, &b);
    ledger.note(&c);
    let report = verify(&ledger, Pins::default());
    assert_eq!(finding(&report), (Reason::RotationNotFollowed, 2));
    assert!(report.message.contains(&format!("the rotation at seq 1 named {}", b.public_key())), "{}", report.message);
    assert_eq!(keys(&report), vec![(a.public_key(), 0, Some(1)), (b.public_key(), 2, None)]);

    // The old key right after the rotation, even when it is the pinned one.
    let mut ledger = Ledger::default();
    ledger.note(&a);
    ledger.rotate(&a, &b);
    ledger.note(&a);
    assert_eq!(finding(&verify(&ledger, pinned_first(&a))), (Reason::RotationNotFollowed, 2));

    // A change of key later, without a rotation.
    let mut ledger = Ledger::default();
    ledger.note(&a);
    ledger.rotate(&a, &b);
    ledger.note(&b);
    ledger.note(&c);
    let report = verify(&ledger, pinned_first(&a));
    assert_eq!(finding(&report), (Reason::SignerChanged, 3));
    assert!(report.message.contains("named by the rotation at seq 1"), "{}", report.message);
}

#[test]
fn the_pinned_key_applies_before_the_first_rotation_only() {
    let (a, b) = (key(1), key(2));
    let mut ledger = Ledger::default();
    ledger.note(&a);
    ledger.rotate(&a, &b);
    ledger.note(&b);
    assert!(verify(&ledger, pinned_first(&a)).ok);

    // Before the rotation, a line by another key is a pubkey_mismatch.
    let mut ledger = Ledger::default();
    ledger.note(&a);
    ledger.note(&b);
    assert_eq!(finding(&verify(&ledger, pinned_first(&a))), (Reason::PubkeyMismatch, 1));
    assert_eq!(finding(&verify(&ledger, Pins::default())), (Reason::SignerChanged, 1));
}

#[test]
fn the_pinned_current_key_is_checked_at_the_end() {
    let (a, b) = (key(1), key(2));
    let mut ledger = Ledger::default();
    ledger.note(&a);
    ledger.rotate(&a, &b);
    ledger.note(&b);
    let report = verify(&ledger, Pins { current: Some(a.public_key()), ..Pins::default() });
    assert_eq!(finding(&report), (Reason::CurrentKeyMismatch, 3));
    assert_eq!(report.line, None);
    assert_eq!(report.root_hash, Some(ledger.lines[2].self_hash));
    assert_eq!(report.signers, vec![a.public_key(), b.public_key()]);
    assert_eq!(keys(&report), vec![(a.public_key(), 0, Some(1)), (b.public_key(), 2, Some(2))]);

    // Truncating the ledger before the rotation leaves the old key current.
    ledger.lines.truncate(1);
    let report = verify(&ledger, Pins { current: Some(b.public_key()), ..Pins::default() });
    assert_eq!(finding(&report), (Reason::CurrentKeyMismatch, 1));

    // An empty ledger has no current key.
    let report = verify(&Ledger::default(), Pins { current: Some(a.public_key()), ..Pins::default() });
    assert_eq!(finding(&report), (Reason::CurrentKeyMismatch, 0));
    assert_eq!((report.line, report.root_hash), (None, None));
    assert!(report.signers.is_empty() && report.keys.is_empty());

    // A finding on a line comes first.
    let mut ledger = Ledger::default();
    ledger.note(&a);
    ledger.note(&b);
    let report = verify(&ledger, Pins { current: Some(b.public_key()), ..Pins::default() });
    assert_eq!(finding(&report), (Reason::SignerChanged, 1));
    assert_eq!(report.line, Some(2));
}

/// Appends lines signed by the key given.
type AddLine = fn(&mut Ledger, &SigningKeypair);

#[test]
fn redactions_name_an_earlier_line_that_is_not_a_redaction() {
    let (a, b) = (key(1), key(2));
    let mut base = Ledger::default();
    base.note(&a);
    base.rotate(&a, &b);
    base.note(&b);

    // Lines before a rotation may be redacted, twice too.
    let mut ledger = Ledger { lines: base.lines.clone() };
    ledger.redact_line(0, &b);
    ledger.redact_line(0, &b);
    ledger.redact_line(1, &b);
    let report = verify(&ledger, pinned_first(&a));
    assert!(report.ok, "{}", report.message);

    let cases: [(&str, AddLine, Reason); 5] = [
        ("its own seq", |l, k| _ = l.redact(3, Digest([0; 32]), k), Reason::RedactionTargetUnknown),
        ("a later seq", |l, k| _ = l.redact(9, Digest([0; 32]), k), Reason::RedactionTargetUnknown),
        (
            "another line's hash",
            |l, k| _ = l.redact(0, Digest(l.lines[2].self_hash.0), k),
            Reason::RedactionTargetMismatch,
        ),
        ("a hash from nowhere", |l, k| _ = l.redact(2, Digest::of(b"elsewhere"), k), Reason::RedactionTargetMismatch),
        (
            "a redaction",
            |l, k| {
                l.redact_line(0, k);
                l.redact_line(3, k);
            },
            Reason::RedactionOfRedaction,
        ),
    ];
    for (what, add, reason) in cases {
        let mut ledger = Ledger { lines: base.lines.clone() };
        add(&mut ledger, &b);
        let report = verify(&ledger, Pins::default());
        assert_eq!(finding(&report).0, reason, "a redaction of {what}: {}", report.message);
        assert_eq!(report.broken_at, Some(ledger.seq() - 1), "{what}");
    }
}

#[test]
fn a_redaction_is_checked_alone_as_far_as_a_line_allows() {
    let a = key(1);
    let mut ledger = Ledger::default();
    ledger.note(&a);
    ledger.redact(1, Digest([0; 32]), &a);
    assert_eq!(check_seal(&ledger.lines[1]).unwrap_err().reason, Reason::RedactionTargetUnknown);
    // Whether the target's hash is right needs the chain.
    let mut ledger = Ledger::default();
    ledger.note(&a);
    ledger.redact(0, Digest([0; 32]), &a);
    check_seal(&ledger.lines[1]).unwrap();
    assert_eq!(finding(&verify(&ledger, Pins::default())), (Reason::RedactionTargetMismatch, 1));
}

#[test]
fn a_toolset_pin_is_sorted_and_carries_its_hash() {
    let a = key(1);
    let sorted = vec![tool("a.search"), tool("b"), tool("bé")];
    let cases = [
        (vec![tool("b"), tool("a.search")], Reason::ToolsetUnsorted),
        // UTF-8 byte order, not the order of the characters' case-folded names.
        (vec![tool("b"), tool("B")], Reason::ToolsetUnsorted),
        (vec![tool("a.search"), tool("b"), tool("b")], Reason::ToolsetUnsorted),
    ];
    for (tools, reason) in cases {
        let hash = toolset_sha256(&tools);
        let mut ledger = Ledger::default();
        ledger.pin_tools(tools.clone(), hash, &a);
        assert_eq!(finding(&verify(&ledger, Pins::default())), (reason, 0), "{tools:?}");
        assert_eq!(check_seal(&ledger.lines[0]).unwrap_err().reason, reason);
    }

    let mut ledger = Ledger::default();
    ledger.pin_tools(sorted.clone(), toolset_sha256(&sorted[..2]), &a);
    assert_eq!(finding(&verify(&ledger, Pins::default())), (Reason::ToolsetHashMismatch, 0));
    assert_eq!(check_seal(&ledger.lines[0]).unwrap_err().reason, Reason::ToolsetHashMismatch);

    let mut ledger = Ledger::default();
    ledger.pin_tools(sorted.clone(), toolset_sha256(&sorted), &a);
    ledger.pin(&[], &a);
    assert!(verify(&ledger, Pins::default()).ok);
}

#[test]
fn tool_calls_outside_the_pinned_toolset_are_listed_when_asked() {
    let a = key(1);
    let mut ledger = Ledger::default();
    ledger.call("search", &a);
    ledger.pin(&["search", "weather"], &a);
    ledger.call("search", &a);
    ledger.call("shell", &a);
    ledger.pin(&["shell"], &a);
    ledger.call("shell", &a);
    ledger.call("weather", &a);

    let listed = |report: &ChainReport| -> Vec<(u64, String)> {
        let calls = report.unpinned_tool_calls.as_ref().expect("tool calls were checked");
        calls.iter().map(|call| (call.seq, call.tool_name.clone())).collect()
    };
    let report = verify(&ledger, Pins { tools: true, ..Pins::default() });
    assert!(report.ok, "{}", report.message);
    assert_eq!(listed(&report), vec![(0, "search".to_owned()), (3, "shell".to_owned()), (6, "weather".to_owned())]);

    // Not asked: no list, and no member in the JSON; asked: always the member.
    let unasked = verify(&ledger, Pins::default());
    assert_eq!(unasked.unpinned_tool_calls, None);
    let json = |report: &ChainReport| serde_json::to_value(report).unwrap();
    assert!(json(&unasked).get("unpinned_tool_calls").is_none());
    assert!(json(&unasked)["keys"].is_array());
    assert_eq!(json(&report)["unpinned_tool_calls"][1], serde_json::json!({"seq": 3, "tool_name": "shell"}));

    // A verification that stops at a finding lists the calls of the good lines.
    ledger.lines[5].signature = ledger.lines[4].signature;
    let report = verify(&ledger, Pins { tools: true, ..Pins::default() });
    assert_eq!(finding(&report), (Reason::BadSignature, 5));
    assert_eq!(listed(&report), vec![(0, "search".to_owned()), (3, "shell".to_owned())]);

    // A ledger without pins: every call is outside.
    let mut ledger = Ledger::default();
    ledger.call("x", &a);
    assert_eq!(listed(&verify(&ledger, Pins { tools: true, ..Pins::default() })), vec![(0, "x".to_owned())]);
    assert_eq!(listed(&verify(&Ledger::default(), Pins { tools: true, ..Pins::default() })), vec![]);
}

#[test]
fn the_report_of_a_rotated_ledger_serializes_its_key_history() {
    let (a, b) = (key(1), key(2));
    let mut ledger = Ledger::default();
    ledger.note(&a);
    ledger.rotate(&a, &b);
    let report = verify(&ledger, Pins::default());
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(
        json["keys"],
        serde_json::json!([
            {"pubkey": a.public_key().to_hex(), "from_seq": 0, "to_seq": 1},
            {"pubkey": b.public_key().to_hex(), "from_seq": 2, "to_seq": null},
        ])
    );
    let back: ChainReport = serde_json::from_value(json).unwrap();
    assert_eq!(back, report);
}

#[test]
fn the_engines_agree_across_batches() {
    // More lines than one batch of the fast engine holds, so that its
    // workers check them, with every 1.1 variant on the way.
    let (a, b, c) = (key(1), key(2), key(3));
    let mut ledger = Ledger::default();
    ledger.pin(&["search"], &a);
    for i in 0..1500 {
        if i % 2 == 0 {
            ledger.call("search", &a)
        } else {
            ledger.note(&a)
        };
    }
    ledger.rotate(&a, &b);
    ledger.redact_line(7, &b);
    for _ in 0..1500 {
        ledger.call("shell", &b);
    }
    let pins = Pins { first: Some(a.public_key()), current: Some(b.public_key()), tools: true };
    let report = verify(&ledger, pins);
    assert!(report.ok, "{}", report.message);
    assert_eq!(report.unpinned_tool_calls.as_ref().map(Vec::len), Some(1500));
    assert_eq!(keys(&report), vec![(a.public_key(), 0, Some(1501)), (b.public_key(), 1502, Some(3002))]);

    // A finding deep in the second key's lines.
    ledger.lines.truncate(2500);
    ledger.note(&c);
    for _ in 0..600 {
        ledger.note(&b);
    }
    let report = verify(&ledger, pins);
    assert_eq!(finding(&report), (Reason::SignerChanged, 2500));
}

#[test]
fn v1_lines_alone_are_unchanged() {
    let a = key(1);
    let mut ledger = Ledger::default();
    ledger.note(&a);
    ledger.call("search", &a);
    for line in &ledger.lines {
        check_seal(line).unwrap();
    }
    let mut tampered = ledger.lines[1].clone();
    tampered.signature = ledger.lines[0].signature;
    assert_eq!(check_seal(&tampered).unwrap_err().reason, Reason::BadSignature);
}
