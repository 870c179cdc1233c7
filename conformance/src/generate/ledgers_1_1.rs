//! `ledgers_1_1.json` and `lines_1_1.json` (spec 1.1): ledgers with key
//! rotations, redactions and toolset pins, verified whole (with the pinned
//! first and current keys, and tool calls checked) and line by line.
//!
//! Each ledger states the reason and position by hand; generation fails if
//! the reference reports anything else. Expected reports hold every member
//! but `message`, the 1.1 members `keys` and `unpinned_tool_calls` included.

use provedex_core::line::read_line_alone;
use provedex_core::{
    AgentEvent, ChainHash, Digest, GENESIS_PARENT_HASH, PublicKeyBytes, Reason, SignatureBytes, SignedEvent,
    SigningKeypair, Verifier, check_seal,
};
use provedex_format::event::{KeyRotated, PinnedTool, Redacted, ToolsetPinned};
use provedex_format::kinds::{RotationStatement, SignedKind};
use provedex_format::{Toolset, toolset_sha256};
use serde_json::json;
use sha2::{Digest as _, Sha256};

use super::ed25519::identity_bytes;
use super::ledgers::compared_members_1_1;
use super::samples::{Flavor, event_spec, sample, seal_by_hand};
use crate::vector::{FileBuilder, GroupBuilder, SPEC_VERSION_1_1, VectorFile, Verdict, hex};

pub(super) fn key(n: u8) -> SigningKeypair {
    SigningKeypair::from_seed(&[0x10 + n; 32])
}

fn timestamp(seq: u64) -> u64 {
    1_790_000_000_000_000_000 + seq * 125_000_000
}

/// A v1 sample event, cycling through the variants.
pub(super) fn plain(i: usize) -> AgentEvent {
    let spec = event_spec();
    sample(&spec.variants[i % spec.variants.len()], Flavor::Typical)
}

fn tool_call(name: &str) -> AgentEvent {
    let AgentEvent::ToolCalled(mut payload) =
        sample(event_spec().variants.iter().find(|v| v.name == "ToolCalled").expect("a v1 variant"), Flavor::Typical)
    else {
        unreachable!("the sample of ToolCalled")
    };
    payload.tool_name = name.to_owned();
    AgentEvent::ToolCalled(payload)
}

/// A ledger being built: lines sealed by hand, so that content a writer
/// refuses can be sealed too.
#[derive(Clone, Default)]
pub(super) struct Chain {
    pub(super) lines: Vec<SignedEvent>,
}

impl Chain {
    fn seq(&self) -> u64 {
        self.lines.len() as u64
    }

    fn parent(&self) -> ChainHash {
        self.lines.last().map_or(GENESIS_PARENT_HASH, |l| l.self_hash)
    }

    pub(super) fn push(&mut self, event: AgentEvent, key: &SigningKeypair) -> &mut Self {
        let seq = self.seq();
        self.lines.push(seal_by_hand(&event, seq, timestamp(seq), &self.parent(), key));
        self
    }

    /// `n` v1 events signed by `key`, their variant cycling with the seq.
    pub(super) fn plain(&mut self, n: usize, key: &SigningKeypair) -> &mut Self {
        for _ in 0..n {
            self.push(plain(self.lines.len()), key);
        }
        self
    }

    /// The statement a rotation at the next line from `old` to `new` signs.
    fn statement(&self, old: &SigningKeypair, new: PublicKeyBytes) -> RotationStatement {
        RotationStatement { old_pubkey: old.public_key(), new_pubkey: new, seq: self.seq(), parent_hash: self.parent() }
    }

    /// A rotation from `old` to `new` with a genuine proof.
    pub(super) fn rotate(&mut self, old: &SigningKeypair, new: &SigningKeypair) -> &mut Self {
        let proof = new.prove_rotation(old.public_key(), self.seq(), self.parent());
        self.rotate_with(old, new.public_key(), proof)
    }

    fn rotate_with(&mut self, old: &SigningKeypair, new_pubkey: PublicKeyBytes, proof: SignatureBytes) -> &mut Self {
        self.push(AgentEvent::KeyRotated(KeyRotated { new_pubkey, proof }), old)
    }

    fn redact(&mut self, target_seq: u64, target: ChainHash, key: &SigningKeypair) -> &mut Self {
        let redacted = Redacted {
            target_seq,
            target_self_hash: Digest(target.0),
            reason: "user_request".into(),
            requested_by: "privacy-desk#42".into(),
        };
        self.push(AgentEvent::Redacted(redacted), key)
    }

    pub(super) fn hash_of(&self, seq: usize) -> ChainHash {
        self.lines[seq].self_hash
    }

    pub(super) fn file(&self) -> Vec<u8> {
        self.lines.iter().flat_map(|l| l.to_json().into_bytes().into_iter().chain([b'\n'])).collect()
    }
}

/// The verification options of a test.
#[derive(Clone, Copy, Default)]
struct Pins {
    first: Option<PublicKeyBytes>,
    current: Option<PublicKeyBytes>,
    check_tools: bool,
}

fn add(
    g: &mut GroupBuilder<'_>,
    name: &str,
    comment: &str,
    flags: &[&str],
    file: &[u8],
    pins: Pins,
    expect: Option<(Reason, u64)>,
) {
    let report = Verifier::new()
        .pinned_pubkey(pins.first)
        .pinned_current_pubkey(pins.current)
        .check_tool_calls(pins.check_tools)
        .reader(file)
        .expect("reading a buffer");
    assert_eq!(
        report.reason.zip(report.broken_at),
        expect,
        "ledgers_1_1/{name}: the reference reports {}",
        report.message
    );
    let mut input = json!({"ledger_hex": hex(file), "pinned_pubkey": pins.first.map(|k| k.to_hex())});
    if let Some(current) = pins.current {
        input["pinned_current_pubkey"] = json!(current.to_hex());
    }
    if pins.check_tools {
        input["check_tools"] = json!(true);
    }
    let verdict = if report.ok { Verdict::Valid } else { Verdict::Invalid };
    g.test(name, comment, flags, input, verdict, compared_members_1_1(&report));
}

fn toolset(manifest: &str) -> Toolset {
    Toolset::from_manifest(manifest.as_bytes()).expect("a valid manifest")
}

fn pin(tools: Vec<PinnedTool>, hash: Digest) -> AgentEvent {
    AgentEvent::ToolsetPinned(ToolsetPinned { toolset_sha256: hash, tools })
}

fn pin_of(toolset: &Toolset) -> AgentEvent {
    pin(toolset.tools.clone(), toolset.toolset_sha256)
}

const MANIFEST: &str =
    r#"[{"name":"search","description":"Web search."},{"name":"get_weather","parameters":{"type":"object"}}]"#;

pub fn ledgers_file() -> VectorFile {
    let mut f = FileBuilder::new(
        "ledgers_1_1",
        "verify_ledger",
        "Ledgers with the 1.1 variants (spec/ledger-format.md, Key rotation, Toolset pins, Redactions; \
         spec/verification.md, steps 12 to 22): rotations and their findings, with the first and the current key \
         pinned; redactions; toolset pins; tool calls outside the pinned toolset. Each with the exact report, \
         keys included (every member but message).",
    );
    f.spec_version(SPEC_VERSION_1_1);
    f.note("Valid", "A ledger that verifies.");
    f.note("Rotation", "A key rotation and what it must hold.");
    f.note("CurrentKey", "A pinned current key.");
    f.note("Redaction", "A redaction and what it must hold.");
    f.note("Toolset", "A toolset pin and what it must hold.");
    f.note("ToolCalls", "Tool calls checked against the pinned toolset.");
    let (k0, k1, k2) = (key(0), key(1), key(2));
    let pinned = |first: Option<&SigningKeypair>, current: Option<&SigningKeypair>| Pins {
        first: first.map(SigningKeypair::public_key),
        current: current.map(SigningKeypair::public_key),
        check_tools: false,
    };

    let mut g = f.group("rotation-valid", "Rotated ledgers that verify, with their key history.");
    let mut once = Chain::default();
    once.plain(2, &k0).rotate(&k0, &k1).plain(2, &k1);
    let once_file = once.file();
    add(
        &mut g,
        "rotate-once",
        "Two lines by the first key, a rotation, two lines by the second.",
        &["Valid", "Rotation"],
        &once_file,
        Pins::default(),
        None,
    );
    add(
        &mut g,
        "rotate-once-first-key-pinned",
        "The same with the first key pinned: it vouches for the second.",
        &["Valid", "Rotation"],
        &once_file,
        pinned(Some(&k0), None),
        None,
    );
    add(
        &mut g,
        "rotate-once-current-key-pinned",
        "The same with the second key pinned as the current key.",
        &["Valid", "Rotation", "CurrentKey"],
        &once_file,
        pinned(None, Some(&k1)),
        None,
    );
    add(
        &mut g,
        "rotate-once-both-pinned",
        "The same with both pinned.",
        &["Valid", "Rotation", "CurrentKey"],
        &once_file,
        pinned(Some(&k0), Some(&k1)),
        None,
    );
    let mut twice = Chain::default();
    twice.plain(1, &k0).rotate(&k0, &k1).plain(1, &k1).rotate(&k1, &k2).plain(1, &k2);
    add(
        &mut g,
        "rotate-twice",
        "Three keys, each handing over to the next; first and current keys pinned.",
        &["Valid", "Rotation", "CurrentKey"],
        &twice.file(),
        pinned(Some(&k0), Some(&k2)),
        None,
    );
    let mut back = Chain::default();
    back.plain(1, &k0).rotate(&k0, &k1).plain(1, &k1).rotate(&k1, &k0).plain(1, &k0);
    add(
        &mut g,
        "rotate-back",
        "A rotation back to the first key: the key history lists it twice.",
        &["Valid", "Rotation"],
        &back.file(),
        pinned(Some(&k0), Some(&k0)),
        None,
    );
    let mut first = Chain::default();
    first.rotate(&k0, &k1).plain(2, &k1);
    add(
        &mut g,
        "rotation-first-line",
        "The first line is a rotation: the first key signs that line only.",
        &["Valid", "Rotation"],
        &first.file(),
        pinned(Some(&k0), Some(&k1)),
        None,
    );
    let mut last = Chain::default();
    last.plain(2, &k0).rotate(&k0, &k1);
    add(
        &mut g,
        "rotation-last-line",
        "The last line is a rotation: the new key is current and has signed no line (to_seq null).",
        &["Valid", "Rotation", "CurrentKey"],
        &last.file(),
        pinned(Some(&k0), Some(&k1)),
        None,
    );
    let mut back_to_back = Chain::default();
    back_to_back.plain(1, &k0).rotate(&k0, &k1).rotate(&k1, &k2).plain(1, &k2);
    add(
        &mut g,
        "rotations-back-to-back",
        "A rotation right after a rotation, signed by the key the first named.",
        &["Valid", "Rotation"],
        &back_to_back.file(),
        pinned(Some(&k0), Some(&k2)),
        None,
    );

    let mut g = f.group(
        "rotation-findings",
        "Rotations that break a rule, each with its finding at the rotation or the line after it.",
    );
    let proof_case = |g: &mut GroupBuilder<'_>, name: &str, comment: &str, proof: &dyn Fn(&Chain) -> SignatureBytes| {
        let mut chain = Chain::default();
        chain.plain(2, &k0);
        let proof = proof(&chain);
        chain.rotate_with(&k0, k1.public_key(), proof).plain(1, &k1);
        add(g, name, comment, &["Rotation"], &chain.file(), Pins::default(), Some((Reason::RotationProofInvalid, 2)));
    };
    proof_case(&mut g, "proof-by-other-key", "The statement naming the new key, signed by a third key.", &|c| {
        k2.sign_raw(&c.statement(&k0, k1.public_key()).message())
    });
    proof_case(&mut g, "proof-by-old-key", "The statement signed by the old key, which signs the line.", &|c| {
        k0.sign_raw(&c.statement(&k0, k1.public_key()).message())
    });
    proof_case(
        &mut g,
        "proof-over-parent-digest",
        "The new key's signature over the bare 32-byte parent_hash, as a line is signed.",
        &|c| k1.sign_raw(&c.parent().0),
    );
    proof_case(
        &mut g,
        "proof-over-statement-digest",
        "The new key's signature over the bare SHA-256 of the statement's message.",
        &|c| k1.sign_raw(&Sha256::digest(c.statement(&k0, k1.public_key()).message())),
    );
    proof_case(
        &mut g,
        "proof-over-unlabelled-statement",
        "The statement's canonical JSON signed without its label.",
        &|c| k1.sign_raw(&c.statement(&k0, k1.public_key()).canonical_json()),
    );
    proof_case(
        &mut g,
        "proof-over-data-label",
        "The statement signed under the data label in place of the rotation label.",
        &|c| k1.sign_raw(&SignedKind::Data.message(&c.statement(&k0, k1.public_key()).canonical_json())),
    );
    proof_case(
        &mut g,
        "proof-is-data-signature",
        "The new key's data signature of the statement's canonical JSON.",
        &|c| k1.sign_data(&c.statement(&k0, k1.public_key()).canonical_json()),
    );
    proof_case(&mut g, "proof-for-other-seq", "The statement of the next seq.", &|c| {
        let mut s = c.statement(&k0, k1.public_key());
        s.seq += 1;
        k1.sign_raw(&s.message())
    });
    proof_case(&mut g, "proof-for-other-parent", "The statement of another parent_hash, as in another ledger.", &|c| {
        let mut s = c.statement(&k0, k1.public_key());
        s.parent_hash = ChainHash([0x5a; 32]);
        k1.sign_raw(&s.message())
    });
    proof_case(&mut g, "proof-for-other-old-key", "The statement naming another old key.", &|c| {
        let mut s = c.statement(&k0, k1.public_key());
        s.old_pubkey = k2.public_key();
        k1.sign_raw(&s.message())
    });
    let key_case = |g: &mut GroupBuilder<'_>, name: &str, comment: &str, new_pubkey: PublicKeyBytes| {
        let mut chain = Chain::default();
        chain.plain(1, &k0);
        let proof = k1.sign_raw(&chain.statement(&k0, new_pubkey).message());
        chain.rotate_with(&k0, new_pubkey, proof).plain(1, &k1);
        add(g, name, comment, &["Rotation"], &chain.file(), Pins::default(), Some((Reason::RotationKeyInvalid, 1)));
    };
    key_case(
        &mut g,
        "new-key-small-order",
        "The new key is the identity, a small-order point.",
        PublicKeyBytes(identity_bytes()),
    );
    let mut non_canonical = identity_bytes();
    non_canonical[0] = 0xee;
    non_canonical[1..31].fill(0xff);
    non_canonical[31] = 0x7f;
    key_case(
        &mut g,
        "new-key-non-canonical",
        "The new key encodes y = p + 1, a non-canonical encoding.",
        PublicKeyBytes(non_canonical),
    );
    let mut same = Chain::default();
    same.plain(1, &k0);
    let proof = k0.prove_rotation(k0.public_key(), 1, same.parent());
    same.rotate_with(&k0, k0.public_key(), proof).plain(1, &k0);
    add(
        &mut g,
        "new-key-is-signer",
        "The line names its own signer as the new key, with that key's proof.",
        &["Rotation"],
        &same.file(),
        Pins::default(),
        Some((Reason::RotationKeyInvalid, 1)),
    );
    let mut third = Chain::default();
    third.plain(1, &k0).rotate(&k0, &k1).plain(1, &k2);
    add(
        &mut g,
        "third-key-after-rotation",
        "The line after a rotation is signed by a third key.",
        &["Rotation"],
        &third.file(),
        Pins::default(),
        Some((Reason::RotationNotFollowed, 2)),
    );
    let mut old = Chain::default();
    old.plain(1, &k0).rotate(&k0, &k1).plain(1, &k0);
    add(
        &mut g,
        "old-key-after-rotation",
        "The line after a rotation is signed by the old key.",
        &["Rotation"],
        &old.file(),
        Pins::default(),
        Some((Reason::RotationNotFollowed, 2)),
    );
    let mut later = Chain::default();
    later.plain(1, &k0).rotate(&k0, &k1).plain(1, &k1).plain(1, &k2);
    add(
        &mut g,
        "later-key-change",
        "A change of key two lines after a rotation, without one: signer_changed.",
        &["Rotation"],
        &later.file(),
        Pins::default(),
        Some((Reason::SignerChanged, 3)),
    );
    let mut forged = Chain::default();
    forged.plain(2, &k0);
    let proof = k1.prove_rotation(k2.public_key(), 2, forged.parent());
    forged.rotate_with(&k2, k1.public_key(), proof).plain(1, &k1);
    add(
        &mut g,
        "rotation-by-other-key",
        "A rotation signed by a key that is not the current one.",
        &["Rotation"],
        &forged.file(),
        Pins::default(),
        Some((Reason::SignerChanged, 2)),
    );
    add(
        &mut g,
        "second-key-pinned-as-first",
        "A rotated ledger with its second key pinned as the first: the first line is not signed by it.",
        &["Rotation"],
        &once_file,
        pinned(Some(&k1), None),
        Some((Reason::PubkeyMismatch, 0)),
    );
    let mut pinned_first = Chain::default();
    pinned_first.plain(1, &k2).rotate(&k2, &k1).plain(1, &k1);
    add(
        &mut g,
        "rotation-from-unpinned-key",
        "A ledger that starts with another key and rotates to a key: the pinned key must sign the lines before the first rotation.",
        &["Rotation"],
        &pinned_first.file(),
        pinned(Some(&k0), None),
        Some((Reason::PubkeyMismatch, 0)),
    );

    let mut g = f.group("current-key", "A pinned current key, compared at the end of the ledger.");
    add(
        &mut g,
        "old-key-pinned-as-current",
        "A rotated ledger with its first key pinned as the current key.",
        &["CurrentKey"],
        &once_file,
        pinned(None, Some(&k0)),
        Some((Reason::CurrentKeyMismatch, 5)),
    );
    let mut unrotated = Chain::default();
    unrotated.plain(3, &k0);
    add(
        &mut g,
        "unrotated-match",
        "A ledger without rotation: its current key is its first line's.",
        &["Valid", "CurrentKey"],
        &unrotated.file(),
        pinned(None, Some(&k0)),
        None,
    );
    add(
        &mut g,
        "unrotated-mismatch",
        "A ledger without rotation, another key pinned as current.",
        &["CurrentKey"],
        &unrotated.file(),
        pinned(None, Some(&k1)),
        Some((Reason::CurrentKeyMismatch, 3)),
    );
    add(
        &mut g,
        "empty-ledger",
        "An empty ledger has no current key.",
        &["CurrentKey"],
        b"",
        pinned(None, Some(&k0)),
        Some((Reason::CurrentKeyMismatch, 0)),
    );
    let truncated: Vec<u8> = Chain { lines: once.lines[..2].to_vec() }.file();
    add(
        &mut g,
        "truncated-before-rotation",
        "The rotated ledger cut before its rotation: it verifies, but its current key is the old one.",
        &["CurrentKey"],
        &truncated,
        pinned(None, Some(&k1)),
        Some((Reason::CurrentKeyMismatch, 2)),
    );
    let mut broken = once.clone();
    broken.lines[3].signature = k1.sign_raw(&[0; 32]);
    add(
        &mut g,
        "line-finding-first",
        "A line finding stops verification before the end: it is reported, not the current key.",
        &["CurrentKey"],
        &broken.file(),
        pinned(None, Some(&k0)),
        Some((Reason::BadSignature, 3)),
    );
    add(
        &mut g,
        "with-first-key-mismatch",
        "Both keys pinned and the first key wrong: the first line's pubkey_mismatch.",
        &["CurrentKey"],
        &once_file,
        pinned(Some(&k2), Some(&k2)),
        Some((Reason::PubkeyMismatch, 0)),
    );

    let mut g = f.group("redactions", "Redactions of earlier lines.");
    let mut r = Chain::default();
    r.plain(3, &k0);
    let target = r.hash_of(1);
    r.redact(1, target, &k0).plain(1, &k0);
    add(
        &mut g,
        "redaction",
        "A redaction of the second line, with its self_hash.",
        &["Valid", "Redaction"],
        &r.file(),
        Pins::default(),
        None,
    );
    let mut r = Chain::default();
    r.plain(2, &k0);
    let t0 = r.hash_of(0);
    r.redact(0, t0, &k0).redact(0, t0, &k0);
    add(
        &mut g,
        "double-redaction",
        "Two redactions of one line.",
        &["Valid", "Redaction"],
        &r.file(),
        Pins::default(),
        None,
    );
    let mut r = Chain::default();
    r.plain(2, &k0).rotate(&k0, &k1);
    let (t1, t2) = (r.hash_of(1), r.hash_of(2));
    r.redact(1, t1, &k1).redact(2, t2, &k1);
    add(
        &mut g,
        "redaction-across-rotation",
        "Redactions of a line signed before a rotation and of the rotation line, signed by the new key.",
        &["Valid", "Redaction", "Rotation"],
        &r.file(),
        pinned(Some(&k0), Some(&k1)),
        None,
    );
    let mut r = Chain::default();
    r.plain(2, &k0);
    let own = r.parent();
    r.redact(2, own, &k0);
    add(
        &mut g,
        "target-is-own-seq",
        "target_seq is the redaction's own seq.",
        &["Redaction"],
        &r.file(),
        Pins::default(),
        Some((Reason::RedactionTargetUnknown, 2)),
    );
    let mut r = Chain::default();
    r.plain(2, &k0);
    let h = r.hash_of(1);
    r.redact(7, h, &k0);
    add(
        &mut g,
        "target-is-later",
        "target_seq is a later line's.",
        &["Redaction"],
        &r.file(),
        Pins::default(),
        Some((Reason::RedactionTargetUnknown, 2)),
    );
    let mut r = Chain::default();
    r.plain(3, &k0);
    let h0 = r.hash_of(0);
    r.redact(1, h0, &k0);
    add(
        &mut g,
        "hash-of-other-line",
        "target_self_hash is the self_hash of another line than target_seq's.",
        &["Redaction"],
        &r.file(),
        Pins::default(),
        Some((Reason::RedactionTargetMismatch, 3)),
    );
    let mut r = Chain::default();
    r.plain(2, &k0);
    r.redact(1, ChainHash([0x77; 32]), &k0);
    add(
        &mut g,
        "hash-of-no-line",
        "target_self_hash is no line's (a redaction moved from another ledger).",
        &["Redaction"],
        &r.file(),
        Pins::default(),
        Some((Reason::RedactionTargetMismatch, 2)),
    );
    let mut r = Chain::default();
    r.plain(2, &k0);
    let h = r.hash_of(0);
    r.redact(0, h, &k0);
    let h2 = r.hash_of(2);
    r.redact(2, h2, &k0);
    add(
        &mut g,
        "redaction-of-redaction",
        "A redaction of a redaction line.",
        &["Redaction"],
        &r.file(),
        Pins::default(),
        Some((Reason::RedactionOfRedaction, 3)),
    );
    let mut r = Chain::default();
    r.plain(2, &k0);
    let h = r.hash_of(0);
    r.redact(0, h, &k0);
    let h1 = r.hash_of(1);
    r.redact(2, h1, &k0);
    add(
        &mut g,
        "mismatch-before-redaction-of-redaction",
        "A redaction of a redaction line with another line's self_hash: the hash is checked first.",
        &["Redaction"],
        &r.file(),
        Pins::default(),
        Some((Reason::RedactionTargetMismatch, 3)),
    );

    let mut g = f.group("toolsets", "Toolset pins.");
    let set = toolset(MANIFEST);
    let mut t = Chain::default();
    t.plain(1, &k0).push(pin_of(&set), &k0).push(tool_call("search"), &k0);
    add(
        &mut g,
        "pin",
        "A toolset pinned from a manifest, then a call of one of its tools.",
        &["Valid", "Toolset"],
        &t.file(),
        Pins::default(),
        None,
    );
    let mut t = Chain::default();
    t.push(pin_of(&toolset("[]")), &k0);
    add(
        &mut g,
        "empty-pin",
        "An empty toolset: the hash of [].",
        &["Valid", "Toolset"],
        &t.file(),
        Pins::default(),
        None,
    );
    let reversed: Vec<PinnedTool> = set.tools.iter().rev().cloned().collect();
    let mut t = Chain::default();
    t.plain(1, &k0).push(pin(reversed.clone(), toolset_sha256(&reversed)), &k0);
    add(
        &mut g,
        "unsorted",
        "The tools in reverse order, hashed as listed.",
        &["Toolset"],
        &t.file(),
        Pins::default(),
        Some((Reason::ToolsetUnsorted, 1)),
    );
    let twice = vec![set.tools[0].clone(), set.tools[0].clone()];
    let mut t = Chain::default();
    t.plain(1, &k0).push(pin(twice.clone(), toolset_sha256(&twice)), &k0);
    add(
        &mut g,
        "duplicate-name",
        "A tool listed twice, hashed as listed.",
        &["Toolset"],
        &t.file(),
        Pins::default(),
        Some((Reason::ToolsetUnsorted, 1)),
    );
    let mut t = Chain::default();
    t.plain(1, &k0).push(pin(set.tools.clone(), Digest(Sha256::digest(b"[]").into())), &k0);
    add(
        &mut g,
        "hash-mismatch",
        "Sorted tools with the hash of another toolset.",
        &["Toolset"],
        &t.file(),
        Pins::default(),
        Some((Reason::ToolsetHashMismatch, 1)),
    );
    let mut t = Chain::default();
    t.plain(1, &k0).push(pin(reversed, set.toolset_sha256), &k0);
    add(
        &mut g,
        "unsorted-and-hash-mismatch",
        "Unsorted tools whose hash is that of the sorted ones: toolset_unsorted comes first.",
        &["Toolset"],
        &t.file(),
        Pins::default(),
        Some((Reason::ToolsetUnsorted, 1)),
    );
    // U+FF21 sorts before U+1F600 by UTF-8 bytes (EF BC A1 < F0 9F 98 80) and
    // after it by UTF-16 code units (FF21 > D83D).
    let wide = toolset("[{\"name\":\"\u{1F600}\"},{\"name\":\"\u{FF21}\"}]");
    assert_eq!(wide.tools[0].name, "\u{FF21}", "the toolset is sorted by UTF-8 bytes");
    let mut t = Chain::default();
    t.plain(1, &k0).push(pin_of(&wide), &k0);
    add(
        &mut g,
        "utf8-order",
        "Tools named U+FF21 and U+1F600, in UTF-8 byte order (the reverse of UTF-16 order).",
        &["Valid", "Toolset"],
        &t.file(),
        Pins::default(),
        None,
    );
    let utf16: Vec<PinnedTool> = wide.tools.iter().rev().cloned().collect();
    let mut t = Chain::default();
    t.plain(1, &k0).push(pin(utf16.clone(), toolset_sha256(&utf16)), &k0);
    add(
        &mut g,
        "utf16-order",
        "The same tools in UTF-16 code unit order, hashed as listed: not sorted by UTF-8 bytes.",
        &["Toolset"],
        &t.file(),
        Pins::default(),
        Some((Reason::ToolsetUnsorted, 1)),
    );

    let mut g = f.group("tool-calls", "Tool calls outside the pinned toolset, listed when asked (check_tools).");
    let tools = Pins { check_tools: true, ..Pins::default() };
    let mut c = Chain::default();
    c.push(tool_call("search"), &k0)
        .push(pin_of(&set), &k0)
        .push(tool_call("search"), &k0)
        .push(tool_call("delete_all"), &k0);
    add(
        &mut g,
        "calls-before-and-outside-pin",
        "A call before any pin and a call of a tool the pin does not name are listed; a pinned tool is not.",
        &["Valid", "ToolCalls"],
        &c.file(),
        tools,
        None,
    );
    add(
        &mut g,
        "not-asked",
        "The same ledger without check_tools: the verdict and the key history are the same, and no list is asked for.",
        &["Valid", "ToolCalls"],
        &c.file(),
        Pins::default(),
        None,
    );
    let mut c = Chain::default();
    c.push(pin_of(&set), &k0)
        .push(tool_call("get_weather"), &k0)
        .push(pin_of(&toolset(r#"[{"name":"search"}]"#)), &k0)
        .push(tool_call("get_weather"), &k0);
    add(
        &mut g,
        "repinned",
        "The last pin before a call counts: a tool dropped by a later pin is listed after it.",
        &["Valid", "ToolCalls"],
        &c.file(),
        tools,
        None,
    );
    let mut c = Chain::default();
    c.push(tool_call("search"), &k0).push(tool_call("lookup"), &k0);
    c.lines[1].signature = k0.sign_raw(&[1; 32]);
    add(
        &mut g,
        "stops-at-finding",
        "A finding stops the list: only the calls of good lines are listed.",
        &["ToolCalls"],
        &c.file(),
        tools,
        Some((Reason::BadSignature, 1)),
    );
    let mut c = Chain::default();
    c.push(pin_of(&set), &k0).push(tool_call("Search"), &k0).push(tool_call("search "), &k0);
    add(
        &mut g,
        "names-compared-exactly",
        "Names are compared exactly: Search and a trailing space are outside the toolset.",
        &["Valid", "ToolCalls"],
        &c.file(),
        tools,
        None,
    );
    f.finish()
}

fn line_test(g: &mut GroupBuilder<'_>, name: &str, comment: &str, line: &SignedEvent, expect: Option<Reason>) {
    let text = line.to_json();
    let verdict = read_line_alone(text.clone().into_bytes()).and_then(|e| check_seal(&e)).err().map(|f| f.reason);
    assert_eq!(verdict, expect, "lines_1_1/{name}: the reference disagrees");
    g.test(
        name,
        comment,
        if expect.is_some() { &["Content"] } else { &["Valid"] },
        json!({"line_hex": hex(text)}),
        if expect.is_some() { Verdict::Invalid } else { Verdict::Valid },
        json!({"valid": expect.is_none(), "reason": expect.map(Reason::code)}),
    );
}

pub fn lines_file() -> VectorFile {
    let mut f = FileBuilder::new(
        "lines_1_1",
        "verify_event",
        "Lines of the 1.1 variants on their own (spec/verification.md, steps 15 to 19, those a line alone can \
         fail), and their order after the seal's checks: a line with a fault of the seal and of its content \
         reports the seal's.",
    );
    f.spec_version(SPEC_VERSION_1_1);
    f.note("Valid", "A line that verifies on its own.");
    f.note("Content", "A line whose content breaks a 1.1 rule, or breaks two rules of which the spec fixes the order.");
    super::check_order::note(&mut f);
    let (k0, k1) = (key(0), key(1));
    let parent = ChainHash([0x31; 32]);
    let seal = |event: AgentEvent, seq: u64| seal_by_hand(&event, seq, timestamp(seq), &parent, &k0);
    let statement = |seq: u64, new: PublicKeyBytes| RotationStatement {
        old_pubkey: k0.public_key(),
        new_pubkey: new,
        seq,
        parent_hash: parent,
    };
    let rotation =
        |new: PublicKeyBytes, proof: SignatureBytes| AgentEvent::KeyRotated(KeyRotated { new_pubkey: new, proof });

    let mut g = f.group("content", "Each check a line alone can fail, and lines that pass them.");
    let good_proof = k1.prove_rotation(k0.public_key(), 4, parent);
    line_test(
        &mut g,
        "rotation",
        "A rotation at seq 4 with its proof.",
        &seal(rotation(k1.public_key(), good_proof), 4),
        None,
    );
    line_test(
        &mut g,
        "rotation-new-key-small-order",
        "The new key is the identity.",
        &seal(rotation(PublicKeyBytes(identity_bytes()), good_proof), 4),
        Some(Reason::RotationKeyInvalid),
    );
    let self_proof = k0.prove_rotation(k0.public_key(), 4, parent);
    line_test(
        &mut g,
        "rotation-new-key-is-signer",
        "The new key is the line's signer.",
        &seal(rotation(k0.public_key(), self_proof), 4),
        Some(Reason::RotationKeyInvalid),
    );
    line_test(
        &mut g,
        "rotation-proof-for-other-seq",
        "The proof of the same rotation at seq 5.",
        &seal(rotation(k1.public_key(), k1.sign_raw(&statement(5, k1.public_key()).message())), 4),
        Some(Reason::RotationProofInvalid),
    );
    line_test(
        &mut g,
        "rotation-proof-is-data-signature",
        "The proof is the new key's data signature of the statement.",
        &seal(rotation(k1.public_key(), k1.sign_data(&statement(4, k1.public_key()).canonical_json())), 4),
        Some(Reason::RotationProofInvalid),
    );
    let set = toolset(MANIFEST);
    line_test(&mut g, "pin", "A toolset pin.", &seal(pin_of(&set), 2), None);
    let reversed: Vec<PinnedTool> = set.tools.iter().rev().cloned().collect();
    line_test(
        &mut g,
        "pin-unsorted",
        "Tools in reverse order.",
        &seal(pin(reversed.clone(), toolset_sha256(&reversed)), 2),
        Some(Reason::ToolsetUnsorted),
    );
    line_test(
        &mut g,
        "pin-hash-mismatch",
        "A hash of other tools.",
        &seal(pin(set.tools.clone(), Digest(Sha256::digest(b"[]").into())), 2),
        Some(Reason::ToolsetHashMismatch),
    );
    let redaction = |target_seq: u64| {
        AgentEvent::Redacted(Redacted {
            target_seq,
            target_self_hash: Digest([0x44; 32]),
            reason: "r".into(),
            requested_by: "q".into(),
        })
    };
    line_test(
        &mut g,
        "redaction",
        "A redaction of an earlier seq: its target cannot be checked alone, so it verifies.",
        &seal(redaction(2), 3),
        None,
    );
    line_test(
        &mut g,
        "redaction-of-own-seq",
        "target_seq is the line's own seq.",
        &seal(redaction(3), 3),
        Some(Reason::RedactionTargetUnknown),
    );
    line_test(
        &mut g,
        "redaction-of-later-seq",
        "target_seq is past the line's seq.",
        &seal(redaction(u64::MAX), 3),
        Some(Reason::RedactionTargetUnknown),
    );

    let mut g = f.group("order", "Two faults on one line: the earlier check's reason.");
    let mut bad = seal(rotation(PublicKeyBytes(identity_bytes()), good_proof), 4);
    bad.signature = k0.sign_raw(&[9; 32]);
    line_test(
        &mut g,
        "bad-signature-before-rotation-key",
        "A bad signature and an invalid new key: the seal is checked first.",
        &bad,
        Some(Reason::BadSignature),
    );
    let mut bad = seal(pin(reversed.clone(), toolset_sha256(&reversed)), 2);
    bad.self_hash = ChainHash([0x12; 32]);
    line_test(
        &mut g,
        "hash-mismatch-before-unsorted",
        "A wrong self_hash and unsorted tools: the chain's check first.",
        &bad,
        Some(Reason::HashMismatch),
    );
    line_test(
        &mut g,
        "rotation-key-before-proof",
        "The new key is the signer and the proof is for another seq: rotation_key_invalid first.",
        &seal(rotation(k0.public_key(), k0.sign_raw(&statement(9, k0.public_key()).message())), 4),
        Some(Reason::RotationKeyInvalid),
    );
    line_test(
        &mut g,
        "unsorted-before-hash-mismatch",
        "Unsorted tools with a wrong hash: toolset_unsorted first.",
        &seal(pin(reversed, Digest([0; 32])), 2),
        Some(Reason::ToolsetUnsorted),
    );
    let mut bad = seal(redaction(3), 3);
    bad.signer_pubkey = PublicKeyBytes(identity_bytes());
    line_test(
        &mut g,
        "invalid-key-before-redaction-target",
        "An invalid signer key and a redaction of its own seq: the key first.",
        &bad,
        Some(Reason::InvalidPublicKey),
    );
    super::check_order::line_groups_1_1(&mut f);
    f.finish()
}
