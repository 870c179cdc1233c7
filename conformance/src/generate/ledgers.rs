//! `ledgers.json`: whole ledger files, valid and broken in every way the
//! spec names, through the verify_ledger operation.
//!
//! Each broken ledger states the reason and position by hand; generation
//! fails if the reference reports anything else.

use std::collections::BTreeMap;

use provedex_core::{
    AgentEvent, ChainHash, ChainReport, GENESIS_PARENT_HASH, MAX_LINE_BYTES, PublicKeyBytes, Reason, SignedEvent,
    SigningKeypair, Verifier, compute_self_hash, sha256_hex, sign_event_at,
};
use serde_json::json;

use super::lines::{LEVELS_AT_LIMIT, deep_args, tool_called};
use super::long::{self, LongEvent, padded};
use super::samples::{Flavor, event_spec, sample, seal_by_hand};
use crate::vector::{FileBuilder, Generated, GroupBuilder, VectorFile, Verdict, hex, unhex};

fn key() -> SigningKeypair {
    SigningKeypair::from_seed(&std::array::from_fn(|i| i as u8))
}

fn other_key() -> SigningKeypair {
    SigningKeypair::from_seed(&[0x42; 32])
}

/// `n` sample events cycling through the variants.
fn events(n: usize, flavor: Flavor) -> Vec<AgentEvent> {
    let spec = event_spec();
    (0..n).map(|i| sample(&spec.variants[i % spec.variants.len()], flavor)).collect()
}

fn timestamp(seq: u64) -> u64 {
    1_760_000_000_000_000_000 + seq * 250_000_000
}

/// Seals `events` as a chain starting at `first_seq` after `parent`.
fn seal_chain(events: &[AgentEvent], key: &SigningKeypair, first_seq: u64, parent: ChainHash) -> Vec<SignedEvent> {
    let mut parent = parent;
    events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let seq = first_seq + i as u64;
            let signed = sign_event_at(e, seq, timestamp(seq), &parent, key).unwrap();
            parent = signed.self_hash;
            signed
        })
        .collect()
}

fn chain(n: usize) -> Vec<SignedEvent> {
    seal_chain(&events(n, Flavor::Typical), &key(), 0, GENESIS_PARENT_HASH)
}

fn lines(signed: &[SignedEvent]) -> Vec<String> {
    signed.iter().map(SignedEvent::to_json).collect()
}

/// The file of `lines`, each LF-terminated.
fn file_of(lines: &[String]) -> Vec<u8> {
    lines.iter().flat_map(|l| l.bytes().chain([b'\n'])).collect()
}

struct Expect {
    reason: Option<Reason>,
    broken_at: Option<u64>,
}

fn ok() -> Expect {
    Expect { reason: None, broken_at: None }
}

fn broken(reason: Reason, at: u64) -> Expect {
    Expect { reason: Some(reason), broken_at: Some(at) }
}

fn add(
    g: &mut GroupBuilder<'_>,
    name: &str,
    comment: &str,
    flags: &[&str],
    file: &[u8],
    pinned: Option<PublicKeyBytes>,
    expect: Expect,
) {
    let (verdict, expected) = expected_report(name, file, pinned, expect);
    g.test(
        name,
        comment,
        flags,
        json!({"ledger_hex": hex(file), "pinned_pubkey": pinned.map(|k| k.to_hex())}),
        verdict,
        expected,
    );
}

/// Adds a test of a ledger built at run time: `built` is what `generated` builds.
fn add_generated(
    g: &mut GroupBuilder<'_>,
    name: &str,
    comment: &str,
    flags: &[&str],
    (generated, built): (Generated, Vec<u8>),
    expect: Expect,
) {
    let (verdict, expected) = expected_report(name, &built, None, expect);
    let generated = BTreeMap::from([("ledger_hex".to_owned(), generated)]);
    g.generated_test(name, comment, flags, json!({"pinned_pubkey": null}), generated, verdict, expected);
}

/// The reference's report of `file`, which must have the reason and
/// position stated by hand: every member but `message`, which is free
/// (spec/verification.md, Report).
fn expected_report(
    name: &str,
    file: &[u8],
    pinned: Option<PublicKeyBytes>,
    expect: Expect,
) -> (Verdict, serde_json::Value) {
    let report = Verifier::new().pinned_pubkey(pinned).reader(file).unwrap();
    assert_eq!(
        (report.reason, report.broken_at),
        (expect.reason, expect.broken_at),
        "ledgers/{name}: the reference reports {}",
        report.message
    );
    let verdict = if report.ok { Verdict::Valid } else { Verdict::Invalid };
    (verdict, compared_members(&report))
}

/// The members version 1.1 added to the report.
const MEMBERS_1_1: [&str; 2] = ["keys", "unpinned_tool_calls"];

/// A report as the v1 vector files expect it: every member of a v1 report
/// but `message`, whose wording is free (spec/verification.md, Report). The
/// members 1.1 added are left out, so the v1 files hold what they always
/// held and a v1 implementation still passes them.
pub fn compared_members(report: &ChainReport) -> serde_json::Value {
    let mut members = compared_members_1_1(report);
    for member in MEMBERS_1_1 {
        members.as_object_mut().expect("a report is an object").remove(member);
    }
    members
}

/// A report as the 1.1 vector files expect it: every member but `message`.
pub fn compared_members_1_1(report: &ChainReport) -> serde_json::Value {
    let mut members = serde_json::to_value(report).expect("reports serialise");
    members.as_object_mut().expect("a report is an object").remove("message");
    members
}

pub fn file() -> VectorFile {
    let mut f = FileBuilder::new(
        "ledgers",
        "verify_ledger",
        "Whole ledgers (spec/ledger-format.md, spec/verification.md): valid ones of several lengths and shapes, and \
         one broken ledger for each way a ledger can fail, with the exact report (every member but message). Lines \
         at and past the 16 MiB limit are built at run time (generated_input).",
    );
    f.note("Valid", "A ledger that verifies.");
    f.note("Chain", "The chain is broken: a line deleted, moved, inserted or re-linked.");
    f.note("Tamper", "A line's content was edited after signing.");
    f.note("Key", "Signer keys: pinned, swapped, changed or invalid.");
    f.note("Strict", "A form the strict reader rejects although a lax JSON reader would accept it.");
    f.note("Framing", "Line framing: torn tails, CR LF, empty lines.");
    f.note("Compat", "Accepted for compatibility with other v1 writers.");
    f.note("Limit", "A line at or past the 16 MiB limit, built at run time (generated_input).");
    f.note("Nesting", "The nesting limit of 128 levels, counted from the line object.");
    f.note("Batches", "Long enough to be checked in several batches by a parallel verifier.");
    valid(&mut f);
    chain_breaks(&mut f);
    tampering(&mut f);
    keys(&mut f);
    strictness(&mut f);
    framing(&mut f);
    limits(&mut f);
    nesting(&mut f);
    batches(&mut f);
    f.finish()
}

fn valid(f: &mut FileBuilder) {
    let mut g = f.group("valid", "Ledgers that verify, with their root hash.");
    add(&mut g, "empty-file", "A file of 0 bytes is a ledger of 0 events.", &["Valid"], b"", None, ok());
    for n in [1usize, 2, 7, 20] {
        add(
            &mut g,
            &format!("length-{n}"),
            &format!("{n} events cycling through the variants."),
            &["Valid"],
            &file_of(&lines(&chain(n))),
            None,
            ok(),
        );
    }
    let edge = seal_chain(&events(7, Flavor::Edge), &key(), 0, GENESIS_PARENT_HASH);
    add(
        &mut g,
        "edge-values",
        "Bounds, escapes, non-ASCII text and floats in every variant.",
        &["Valid"],
        &file_of(&lines(&edge)),
        None,
        ok(),
    );
    add(
        &mut g,
        "pinned-key",
        "The pinned key is the signer.",
        &["Valid", "Key"],
        &file_of(&lines(&chain(3))),
        Some(key().public_key()),
        ok(),
    );
    let sorted: Vec<String> = chain(3)
        .iter()
        .map(|e| String::from_utf8(provedex_core::canonical::canonicalize(e.to_json().as_bytes()).unwrap()).unwrap())
        .collect();
    add(
        &mut g,
        "members-sorted",
        "Line members in canonical (sorted) order instead of the writer's order.",
        &["Valid", "Compat"],
        &file_of(&sorted),
        None,
        ok(),
    );
    let spaced: Vec<String> =
        lines(&chain(2)).iter().map(|l| l.replace("\":", "\": ").replace(",\"", ", \"")).collect();
    add(
        &mut g,
        "whitespace-between-tokens",
        "Spaces between tokens inside a line.",
        &["Valid", "Compat"],
        &file_of(&spaced),
        None,
        ok(),
    );
    let evs = events(3, Flavor::Typical);
    let mut parent = GENESIS_PARENT_HASH;
    let backwards: Vec<String> = [30u64, 20, 10]
        .iter()
        .enumerate()
        .map(|(i, ts)| {
            let s = sign_event_at(&evs[i], i as u64, *ts, &parent, &key()).unwrap();
            parent = s.self_hash;
            s.to_json()
        })
        .collect();
    add(
        &mut g,
        "timestamps-decreasing",
        "Verifiers do not reject decreasing timestamps (v1 compatibility).",
        &["Valid", "Compat"],
        &file_of(&backwards),
        None,
        ok(),
    );
}

fn chain_breaks(f: &mut FileBuilder) {
    let mut g = f.group("chain", "Deletion, reordering, insertion and re-linking of lines.");
    let l = lines(&chain(5));
    let pick = |idx: &[usize]| file_of(&idx.iter().map(|&i| l[i].clone()).collect::<Vec<_>>());
    add(
        &mut g,
        "delete-middle",
        "Line 3 (seq 2) deleted.",
        &["Chain"],
        &pick(&[0, 1, 3, 4]),
        None,
        broken(Reason::SeqMismatch, 2),
    );
    add(
        &mut g,
        "delete-first",
        "The first line deleted.",
        &["Chain"],
        &pick(&[1, 2, 3, 4]),
        None,
        broken(Reason::SeqMismatch, 0),
    );
    add(
        &mut g,
        "delete-last",
        "The last line deleted cleanly: undetectable without an anchor.",
        &["Chain", "Valid"],
        &pick(&[0, 1, 2, 3]),
        None,
        ok(),
    );
    add(
        &mut g,
        "swap-adjacent",
        "Lines 3 and 4 swapped.",
        &["Chain"],
        &pick(&[0, 1, 3, 2, 4]),
        None,
        broken(Reason::SeqMismatch, 2),
    );
    add(
        &mut g,
        "reverse",
        "All lines in reverse order.",
        &["Chain"],
        &pick(&[4, 3, 2, 1, 0]),
        None,
        broken(Reason::SeqMismatch, 0),
    );
    add(
        &mut g,
        "duplicate-line",
        "Line 2 repeated after itself.",
        &["Chain"],
        &pick(&[0, 1, 1, 2, 3, 4]),
        None,
        broken(Reason::SeqMismatch, 2),
    );
    let signed = chain(5);
    let forged = sign_event_at(&signed[2].event, 2, timestamp(2), &ChainHash([7; 32]), &key()).unwrap().to_json();
    let mut inserted = l.clone();
    inserted[2] = forged;
    add(
        &mut g,
        "wrong-parent",
        "Line 3 correctly signed but linked to another parent.",
        &["Chain"],
        &file_of(&inserted),
        None,
        broken(Reason::ParentMismatch, 2),
    );
    let first = sign_event_at(&signed[0].event, 0, timestamp(0), &ChainHash([1; 32]), &key()).unwrap().to_json();
    add(
        &mut g,
        "genesis-not-zero",
        "The first line's parent is not 64 zeros.",
        &["Chain"],
        &file_of(&[first]),
        None,
        broken(Reason::ParentMismatch, 0),
    );
    let extra = seal_chain(&events(1, Flavor::Edge), &key(), 2, signed[1].self_hash);
    let mut with_insert = l[..2].to_vec();
    with_insert.push(extra[0].to_json());
    with_insert.extend_from_slice(&l[2..]);
    add(
        &mut g,
        "insert-signed-line",
        "A validly signed line inserted at seq 2: the original line 3 no longer follows.",
        &["Chain"],
        &file_of(&with_insert),
        None,
        broken(Reason::SeqMismatch, 3),
    );
    let mut seq_edit = l.clone();
    seq_edit[1] = seq_edit[1].replacen("\"seq\":1,", "\"seq\":7,", 1);
    add(
        &mut g,
        "seq-edited",
        "A line's seq edited.",
        &["Chain"],
        &file_of(&seq_edit),
        None,
        broken(Reason::SeqMismatch, 1),
    );
}

fn tampering(f: &mut FileBuilder) {
    let mut g = f.group("tamper", "Content edited after signing.");
    let signed = chain(4);
    let l = lines(&signed);
    let edit = |i: usize, from: &str, to: &str| {
        let mut copy = l.clone();
        assert!(copy[i].contains(from), "{from} not in line {i}");
        copy[i] = copy[i].replacen(from, to, 1);
        file_of(&copy)
    };
    add(
        &mut g,
        "payload-string",
        "A payload string edited.",
        &["Tamper"],
        &edit(0, "\"SessionStarted agent_id\"", "\"SessionStarted agent_iD\""),
        None,
        broken(Reason::HashMismatch, 0),
    );
    add(
        &mut g,
        "payload-integer",
        "A payload integer edited.",
        &["Tamper"],
        &edit(1, "\"duration_ms\":98765", "\"duration_ms\":98766"),
        None,
        broken(Reason::HashMismatch, 1),
    );
    add(
        &mut g,
        "payload-integer-to-float",
        "An integer rewritten as the equal float.",
        &["Tamper"],
        &edit(1, "\"duration_ms\":98765", "\"duration_ms\":98765.0"),
        None,
        broken(Reason::WrongType, 1),
    );
    add(
        &mut g,
        "timestamp",
        "The timestamp edited.",
        &["Tamper"],
        &edit(
            2,
            &format!("\"timestamp_nanos\":{}", timestamp(2)),
            &format!("\"timestamp_nanos\":{}", timestamp(2) + 1),
        ),
        None,
        broken(Reason::HashMismatch, 2),
    );
    add(
        &mut g,
        "args-redacted",
        "A member added inside the free args_redacted object.",
        &["Tamper"],
        &edit(2, "\"limit\":5", "\"limit\":5,\"x\":1"),
        None,
        broken(Reason::HashMismatch, 2),
    );
    let self_hash = signed[3].self_hash.to_hex();
    let mut bumped = self_hash.clone().into_bytes();
    bumped[0] = if bumped[0] == b'0' { b'1' } else { b'0' };
    add(
        &mut g,
        "self-hash",
        "The last line's self_hash edited.",
        &["Tamper"],
        &edit(3, &self_hash, std::str::from_utf8(&bumped).unwrap()),
        None,
        broken(Reason::HashMismatch, 3),
    );

    // Edited and rehashed without the key: the signature no longer covers the hash.
    let mut rehashed = signed[1].clone();
    if let AgentEvent::UtteranceCaptured(p) = &mut rehashed.event {
        p.transcript = "I never said that".into();
    }
    rehashed.self_hash = compute_self_hash(&rehashed.event, 1, rehashed.timestamp_nanos, &rehashed.parent_hash);
    let mut copy = l.clone();
    copy[1] = rehashed.to_json();
    add(
        &mut g,
        "edit-and-rehash",
        "A payload edited and self_hash recomputed, old signature kept.",
        &["Tamper"],
        &file_of(&copy),
        None,
        broken(Reason::BadSignature, 1),
    );
    let sig = signed[0].signature.to_hex();
    let flipped = format!("{}{}", if sig.starts_with('0') { '1' } else { '0' }, &sig[1..]);
    add(
        &mut g,
        "signature-bit",
        "One signature nibble changed.",
        &["Tamper"],
        &edit(0, &sig, &flipped),
        None,
        broken(Reason::BadSignature, 0),
    );
    let raw_text_sig = key().sign_raw(signed[0].self_hash.to_hex().as_bytes()).to_hex();
    add(
        &mut g,
        "signature-over-hex-text",
        "Signed over the 64-character hex text of self_hash instead of its 32 bytes.",
        &["Tamper"],
        &edit(0, &sig, &raw_text_sig),
        None,
        broken(Reason::BadSignature, 0),
    );
}

fn keys(f: &mut FileBuilder) {
    let mut g = f.group("keys", "Pinned keys, key swaps, key changes and invalid keys.");
    let l = lines(&chain(3));
    let resigned = seal_chain(&events(3, Flavor::Typical), &other_key(), 0, GENESIS_PARENT_HASH);
    add(
        &mut g,
        "resigned-unpinned",
        "The whole ledger re-signed with another key verifies without a pin.",
        &["Key", "Valid"],
        &file_of(&lines(&resigned)),
        None,
        ok(),
    );
    add(
        &mut g,
        "resigned-pinned",
        "The same ledger with the genuine key pinned.",
        &["Key"],
        &file_of(&lines(&resigned)),
        Some(key().public_key()),
        broken(Reason::PubkeyMismatch, 0),
    );
    let signed = chain(2);
    let switched = seal_chain(&events(3, Flavor::Typical)[2..], &other_key(), 2, signed[1].self_hash);
    let mut mixed = lines(&signed);
    mixed.extend(lines(&switched));
    add(
        &mut g,
        "signer-changed",
        "Line 3 signed by another key, correctly chained.",
        &["Key"],
        &file_of(&mixed),
        None,
        broken(Reason::SignerChanged, 2),
    );
    add(
        &mut g,
        "signer-changed-pinned",
        "The same with the first key pinned.",
        &["Key"],
        &file_of(&mixed),
        Some(key().public_key()),
        broken(Reason::PubkeyMismatch, 2),
    );
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let with_key = |k: [u8; 32]| {
        let mut copy = l.clone();
        copy[0] = copy[0].replacen(&key().pubkey_hex(), &hex(k), 1);
        file_of(&copy)
    };
    add(
        &mut g,
        "identity-key",
        "signer_pubkey is the identity point (small order).",
        &["Key"],
        &with_key(identity),
        None,
        broken(Reason::InvalidPublicKey, 0),
    );
    let mut off_curve = [0u8; 32];
    off_curve[0] = 2;
    add(
        &mut g,
        "off-curve-key",
        "signer_pubkey does not decode to a curve point.",
        &["Key"],
        &with_key(off_curve),
        None,
        broken(Reason::InvalidPublicKey, 0),
    );
    let mut non_canonical = [0xff; 32];
    non_canonical[0] = 0xee;
    non_canonical[31] = 0x7f;
    add(
        &mut g,
        "non-canonical-key",
        "signer_pubkey encodes y = p + 1 (the point y = 1) non-canonically.",
        &["Key"],
        &with_key(non_canonical),
        None,
        broken(Reason::InvalidPublicKey, 0),
    );
    add(
        &mut g,
        "foreign-valid-key",
        "A valid point that is not the signer's key.",
        &["Key"],
        &with_key(other_key().public_key().0),
        None,
        broken(Reason::BadSignature, 0),
    );
}

fn strictness(f: &mut FileBuilder) {
    let mut g = f.group("strict", "Forms a lax reader would accept: the strict reader rejects each.");
    let signed = chain(2);
    let l = lines(&signed);
    let edit_last = |from: &str, to: &str| {
        let mut copy = l.clone();
        assert!(copy[1].contains(from), "{from} not in the line");
        copy[1] = copy[1].replacen(from, to, 1);
        file_of(&copy)
    };
    let s = &signed[1];
    add(
        &mut g,
        "duplicate-seq",
        "seq given twice with the same value.",
        &["Strict"],
        &edit_last("\"seq\":1,", "\"seq\":1,\"seq\":1,"),
        None,
        broken(Reason::DuplicateKey, 1),
    );
    add(
        &mut g,
        "duplicate-payload-member",
        "A payload member given twice.",
        &["Strict"],
        &edit_last("{\"audio_sha256\"", "{\"lang\":\"xx\",\"audio_sha256\""),
        None,
        broken(Reason::DuplicateKey, 1),
    );
    add(
        &mut g,
        "unknown-top-level-member",
        "An extra member beside the seven.",
        &["Strict"],
        &edit_last("{\"seq\"", "{\"note\":\"unsigned\",\"seq\""),
        None,
        broken(Reason::UnknownField, 1),
    );
    add(
        &mut g,
        "unknown-event-member",
        "An extra member in event.",
        &["Strict"],
        &edit_last("{\"type\"", "{\"v\":1,\"type\""),
        None,
        broken(Reason::UnknownField, 1),
    );
    add(
        &mut g,
        "unknown-payload-member",
        "An extra member in payload.",
        &["Strict"],
        &edit_last("{\"audio_sha256\"", "{\"extra\":null,\"audio_sha256\""),
        None,
        broken(Reason::UnknownField, 1),
    );
    add(
        &mut g,
        "missing-signature",
        "The signature member removed.",
        &["Strict"],
        &edit_last(&format!(",\"signature\":\"{}\"", s.signature), ""),
        None,
        broken(Reason::MissingField, 1),
    );
    add(
        &mut g,
        "seq-as-string",
        "seq written as a string.",
        &["Strict"],
        &edit_last("\"seq\":1,", "\"seq\":\"1\","),
        None,
        broken(Reason::WrongType, 1),
    );
    add(
        &mut g,
        "seq-negative",
        "seq negative.",
        &["Strict"],
        &edit_last("\"seq\":1,", "\"seq\":-1,"),
        None,
        broken(Reason::IntegerOutOfRange, 1),
    );
    add(
        &mut g,
        "unknown-event-type",
        "type names no variant.",
        &["Strict"],
        &edit_last("\"type\":\"UtteranceCaptured\"", "\"type\":\"UtteranceHeard\""),
        None,
        broken(Reason::UnknownEventType, 1),
    );
    // Every hex member of the line: its string members, in UTF-8 order of their names.
    let line: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&s.to_json()).expect("a line is an object");
    for (member, value) in line.iter().filter_map(|(name, value)| Some((name, value.as_str()?))) {
        let upper = format!("\"{member}\":\"{}\"", value.to_uppercase());
        add(
            &mut g,
            &format!("uppercase-{member}"),
            &format!("{member} in upper-case hex."),
            &["Strict"],
            &edit_last(&format!("\"{member}\":\"{value}\""), &upper),
            None,
            broken(Reason::InvalidHex, 1),
        );
    }
    let digest = sha256_hex(b"UtteranceCaptured.audio_sha256");
    add(
        &mut g,
        "uppercase-payload-digest",
        "A payload digest in upper-case hex.",
        &["Strict"],
        &edit_last(&digest, &digest.to_uppercase()),
        None,
        broken(Reason::InvalidHex, 1),
    );
    add(
        &mut g,
        "short-signature",
        "A signature one hex character short.",
        &["Strict"],
        &edit_last(&s.signature.to_hex(), &s.signature.to_hex()[1..]),
        None,
        broken(Reason::InvalidHex, 1),
    );
    let mut copy = l.clone();
    copy[1] = format!("{} ", copy[1]);
    add(
        &mut g,
        "trailing-space",
        "A space after the closing brace.",
        &["Strict"],
        &file_of(&copy),
        None,
        broken(Reason::MalformedJson, 1),
    );
    let mut copy = l.clone();
    copy[1] = format!(" {}", copy[1]);
    add(
        &mut g,
        "leading-space",
        "A space before the opening brace.",
        &["Strict"],
        &file_of(&copy),
        None,
        broken(Reason::MalformedJson, 1),
    );
    let mut copy = l.clone();
    copy[1] = format!("{}{{}}", copy[1]);
    add(
        &mut g,
        "trailing-object",
        "A second object on the line.",
        &["Strict"],
        &file_of(&copy),
        None,
        broken(Reason::MalformedJson, 1),
    );
    let mut file = file_of(&l[..1]);
    file.extend_from_slice(b"[1,2]\n");
    add(
        &mut g,
        "array-line",
        "A line that is a JSON array.",
        &["Strict"],
        &file,
        None,
        broken(Reason::MalformedJson, 1),
    );
    let mut file = file_of(&l[..1]);
    file.extend_from_slice(b"{}\n");
    add(
        &mut g,
        "empty-object-line",
        "A line that is an empty object.",
        &["Strict"],
        &file,
        None,
        broken(Reason::MissingField, 1),
    );
    let mut bytes = file_of(&l);
    let at = bytes.len() - 30;
    bytes[at] = 0xff;
    add(
        &mut g,
        "invalid-utf8",
        "A byte that is not UTF-8 inside the last line.",
        &["Strict"],
        &bytes,
        None,
        broken(Reason::MalformedJson, 1),
    );
    add(
        &mut g,
        "non-finite-number",
        "A number that overflows binary64.",
        &["Strict"],
        &edit_last("\"seq\":1,", "\"seq\":1e999,"),
        None,
        broken(Reason::MalformedJson, 1),
    );
}

fn framing(f: &mut FileBuilder) {
    let mut g = f.group("framing", "Line framing: LF termination, CR LF, empty lines, torn tails.");
    let l = lines(&chain(3));
    let whole = file_of(&l);
    let last_start = whole.len() - l[2].len() - 1;
    for (name, keep, comment) in [
        ("torn-one-byte", 1usize, "Only the first byte of the last line was written."),
        ("torn-half", l[2].len() / 2, "Half of the last line was written."),
        ("torn-all-but-lf", l[2].len(), "The last line is complete but its LF is missing."),
    ] {
        add(&mut g, name, comment, &["Framing"], &whole[..last_start + keep], None, broken(Reason::TornTail, 2));
    }
    add(
        &mut g,
        "torn-only-line",
        "The only line is torn.",
        &["Framing"],
        &whole[..20],
        None,
        broken(Reason::TornTail, 0),
    );
    let crlf: Vec<u8> = l.iter().flat_map(|x| x.bytes().chain(*b"\r\n")).collect();
    add(
        &mut g,
        "crlf-everywhere",
        "Every line ends with CR LF.",
        &["Framing"],
        &crlf,
        None,
        broken(Reason::CrlfLineEnding, 0),
    );
    let mut last_crlf = file_of(&l[..2]);
    last_crlf.extend(l[2].bytes().chain(*b"\r\n"));
    add(
        &mut g,
        "crlf-last-line",
        "Only the last line ends with CR LF.",
        &["Framing"],
        &last_crlf,
        None,
        broken(Reason::CrlfLineEnding, 2),
    );
    let mut middle = file_of(&l[..1]);
    middle.push(b'\n');
    middle.extend(file_of(&l[1..]));
    add(
        &mut g,
        "empty-line-middle",
        "An empty line between lines 1 and 2.",
        &["Framing"],
        &middle,
        None,
        broken(Reason::EmptyLine, 1),
    );
    let mut end = whole.clone();
    end.push(b'\n');
    add(
        &mut g,
        "empty-line-end",
        "An extra LF at the end of the file.",
        &["Framing"],
        &end,
        None,
        broken(Reason::EmptyLine, 3),
    );
    let mut start = vec![b'\n'];
    start.extend(&whole);
    add(
        &mut g,
        "empty-line-start",
        "The file starts with an LF.",
        &["Framing"],
        &start,
        None,
        broken(Reason::EmptyLine, 0),
    );
    add(&mut g, "only-lf", "A file holding one LF.", &["Framing"], b"\n", None, broken(Reason::EmptyLine, 0));
}

fn limits(f: &mut FileBuilder) {
    let mut g = f.group(
        "limits",
        "A second line of 16,777,216 bytes (accepted; the LF does not count) and of 16,777,217 bytes \
         (line_too_long), with and without its LF.",
    );
    let first = long::signed_first();
    let before = format!("{}\n", first.to_json()).into_bytes();
    let (line, generated) = LongEvent::for_line(MAX_LINE_BYTES, "x", 1, &first.self_hash).line(1, &first.self_hash);
    let ended = |lf: &str| {
        let generated = Generated {
            prefix: hex(&before) + &generated.prefix,
            suffix: format!("{}{}", generated.suffix, hex(lf)),
            ..generated.clone()
        };
        (generated, [before.as_slice(), line.to_json().as_bytes(), lf.as_bytes()].concat())
    };
    add_generated(
        &mut g,
        "exact-limit",
        "The second line is 16,777,216 bytes long, then LF.",
        &["Limit"],
        ended("\n"),
        ok(),
    );
    add_generated(
        &mut g,
        "exact-limit-torn",
        "The second line is 16,777,216 bytes long without LF: a torn tail, not too long.",
        &["Limit"],
        ended(""),
        broken(Reason::TornTail, 1),
    );
    let short = long::signed_after(&first);
    let third = long::signed_after(&short);
    let file = [before.clone(), format!("{}\n{}\n", short.to_json(), third.to_json()).into_bytes()].concat();
    add_generated(
        &mut g,
        "past-limit",
        "The second line padded with spaces to 16,777,217 bytes, then LF and a valid third line.",
        &["Limit"],
        padded(&file, before.len() + 1, b' ', MAX_LINE_BYTES + 1 - short.to_json().len()),
        broken(Reason::LineTooLong, 1),
    );
}

fn nesting(f: &mut FileBuilder) {
    let mut g = f.group("nesting", "A line whose args_redacted reaches depth 128 of the line, and one level more.");
    let at_limit = sign_event_at(&tool_called(deep_args(LEVELS_AT_LIMIT)), 0, 1, &GENESIS_PARENT_HASH, &key()).unwrap();
    add(
        &mut g,
        "depth-128",
        "The line's deepest array is at depth 128.",
        &["Nesting"],
        &file_of(&lines(&[at_limit])),
        None,
        ok(),
    );
    let past = seal_by_hand(&tool_called(deep_args(LEVELS_AT_LIMIT + 1)), 0, 1, &GENESIS_PARENT_HASH, &key());
    add(
        &mut g,
        "depth-129",
        "One array more (correctly signed): the line does not parse.",
        &["Nesting"],
        &file_of(&lines(&[past])),
        None,
        broken(Reason::MalformedJson, 0),
    );
}

/// Ledgers that a verifier checking lines in parallel splits into several
/// batches (the Rust core's fast engine closes a batch at 256 KiB of lines
/// when reading, and at 256 events in memory): the first finding in file
/// order is the one reported, whichever batch is checked first.
fn batches(f: &mut FileBuilder) {
    let mut g = f.group(
        "batches",
        "A ledger of 260 lines, and one whose first line is 300 KiB long, valid and with faults in one or two \
         places far apart.",
    );
    // The timestamp of line `i` of `lines` edited, which breaks its hash.
    let retimed = |lines: &mut [String], i: usize, timestamp: u64| {
        let from = format!("\"timestamp_nanos\":{timestamp}");
        assert!(lines[i].contains(&from), "line {i} has its timestamp");
        lines[i] = lines[i].replacen(&from, &format!("\"timestamp_nanos\":{}", timestamp + 1), 1);
    };
    let many = lines(&chain(260));
    add(&mut g, "260-lines", "260 lines that verify.", &["Valid", "Batches"], &file_of(&many), None, ok());
    let mut late = many.clone();
    retimed(&mut late, 258, timestamp(258));
    add(
        &mut g,
        "260-lines-late-fault",
        "Line 258 of 260 edited.",
        &["Tamper", "Batches"],
        &file_of(&late),
        None,
        broken(Reason::HashMismatch, 258),
    );
    retimed(&mut late, 3, timestamp(3));
    add(
        &mut g,
        "260-lines-two-faults",
        "Lines 3 and 258 of 260 edited: line 3 is reported.",
        &["Tamper", "Batches"],
        &file_of(&late),
        None,
        broken(Reason::HashMismatch, 3),
    );

    let head = LongEvent::for_line(300 * 1024, "x", 0, &GENESIS_PARENT_HASH);
    let (first, first_generated) = head.line(0, &GENESIS_PARENT_HASH);
    let mut rest = vec![long::signed_after(&first)];
    rest.push(long::signed_after(&rest[0]));
    rest.push(long::signed_after(&rest[1]));
    let rest = lines(&rest);
    // The ledger, built from line 0 (its suffix edited by `edit_first`) and the lines after it.
    let ledger = |edit_first: &dyn Fn(String) -> String, rest: &[String]| {
        let suffix = String::from_utf8(unhex(&first_generated.suffix).unwrap()).unwrap();
        let suffix = format!("{}\n", edit_first(suffix));
        let suffix = [suffix.into_bytes(), file_of(rest)].concat();
        let generated = Generated { suffix: hex(&suffix), ..first_generated.clone() };
        let built = unhex(&generated.expand()).unwrap();
        (generated, built)
    };
    let unchanged = |suffix: String| suffix;
    add_generated(
        &mut g,
        "long-first-line",
        "Line 0 is 300 KiB long, then three short lines; all verify.",
        &["Valid", "Batches"],
        ledger(&unchanged, &rest),
        ok(),
    );
    let mut late = rest.clone();
    retimed(&mut late, 1, long::timestamp(2));
    add_generated(
        &mut g,
        "long-first-line-late-fault",
        "Line 0 is 300 KiB long; line 2 edited.",
        &["Tamper", "Batches"],
        ledger(&unchanged, &late),
        broken(Reason::HashMismatch, 2),
    );
    // The text after line 0's long string holds the rest of its event.
    let edit_first = |suffix: String| {
        assert!(suffix.contains("SessionStarted model_id"), "line 0 ends with its model_id");
        suffix.replacen("SessionStarted model_id", "SessionStarted model_iD", 1)
    };
    add_generated(
        &mut g,
        "long-first-line-two-faults",
        "Line 0 is 300 KiB long; lines 0 and 2 edited: line 0 is reported.",
        &["Tamper", "Batches"],
        ledger(&edit_first, &late),
        broken(Reason::HashMismatch, 0),
    );
}
