//! `bundles.json` (spec 1.1): export bundles verified without their ledger
//! (spec/bundles.md), under a pinned key or fingerprint or none, and bundles
//! that lie: a swapped, missing or changed line, a proof that does not reach
//! the checkpoint, another ledger's or another key's checkpoint, a
//! self-vouching key, and documents that are not bundles. Each expected
//! result is stated by hand; generation fails when the reference verifier
//! disagrees.

use provedex_core::bundle::{BUNDLE_FORMAT, Bundle, KeyPin, RangeProof, Receipt, verify_bundle};
use provedex_core::merkle::{Tree, line_leaf_hash};
use provedex_core::{Engine, Reason, SigningKeypair};
use serde_json::{Value as Json, json};

use super::ledgers_1_1::{Chain, key};
use crate::vector::{FileBuilder, GroupBuilder, SPEC_VERSION_1_1, VectorFile, Verdict, hex};

/// The bundle of lines `first..=last` of `chain`, proven against the
/// checkpoint of its first `size` lines signed by `signer`.
fn bundle(chain: &Chain, first: usize, last: usize, size: usize, signer: &SigningKeypair) -> Bundle {
    let tree = Tree::from_leaves(chain.lines[..size].iter().map(|l| line_leaf_hash(&l.self_hash)));
    let n = size as u64;
    let previous = first.checked_sub(1);
    Bundle {
        format: BUNDLE_FORMAT.to_owned(),
        public_key: signer.public_key(),
        fingerprint: signer.fingerprint(),
        checkpoint: signer.sign_checkpoint(&chain.hash_of(0), n, tree.root_at(n)).to_text(),
        first_seq: first as u64,
        lines: chain.lines[first..=last].iter().map(|l| l.to_json()).collect(),
        proof: RangeProof {
            previous_self_hash: previous.map(|p| chain.hash_of(p)),
            left: previous.map(|p| tree.compact_range(p as u64).peaks().to_vec()).unwrap_or_default(),
            consistency: tree.consistency_proof(last as u64 + 1, n),
            genesis: if first == 0 { Vec::new() } else { tree.inclusion_proof(0, n) },
        },
        receipts: Vec::new(),
    }
}

/// What a test pins: a key, a fingerprint, or nothing.
#[derive(Clone, Copy)]
enum Pin<'a> {
    Key(&'a SigningKeypair),
    Fingerprint(&'a SigningKeypair),
    None,
}

/// The expected result: `Ok(events)` for a bundle that holds, or the reason of its finding.
type Expect = Result<u64, Reason>;

fn add(
    g: &mut GroupBuilder<'_>,
    name: &str,
    comment: &str,
    flags: &[&str],
    bytes: &[u8],
    pin: Pin<'_>,
    expect: Expect,
) {
    let (pinned_pubkey, pinned_fingerprint, key_pin) = match pin {
        Pin::Key(key) => (json!(key.public_key().to_hex()), Json::Null, Some(KeyPin::PublicKey(key.public_key()))),
        Pin::Fingerprint(key) => (Json::Null, json!(key.fingerprint()), Some(KeyPin::Fingerprint(key.fingerprint()))),
        Pin::None => (Json::Null, Json::Null, None),
    };
    let pinned = key_pin.is_some();
    let expected = match expect {
        Ok(events) => json!({
            "ok": true,
            "pinned": pinned,
            "proof_level": if pinned { json!("verifiable") } else { Json::Null },
            "reason": null,
            "event_count": events,
        }),
        // Whether the pin matched before the finding is not compared.
        Err(reason) => json!({"ok": false, "proof_level": null, "reason": reason.code()}),
    };
    let report = verify_bundle(bytes, key_pin.as_ref(), None, Engine::Sequential);
    let actual = json!({
        "ok": report.ok,
        "pinned": report.pinned,
        "proof_level": report.proof_level.map(|level| level.name()),
        "reason": report.reason.map(|reason| reason.code()),
        "event_count": report.event_count,
    });
    for (member, value) in expected.as_object().expect("an object") {
        assert_eq!(&actual[member], value, "bundles/{name}: {member} ({})", report.message);
    }
    let verdict = if expect.is_ok() { Verdict::Valid } else { Verdict::Invalid };
    let input =
        json!({"bundle_hex": hex(bytes), "pinned_pubkey": pinned_pubkey, "pinned_fingerprint": pinned_fingerprint});
    g.test(name, comment, flags, input, verdict, expected);
}

fn bytes(bundle: &Bundle) -> Vec<u8> {
    serde_json::to_vec_pretty(bundle).expect("a bundle serialises")
}

pub fn file() -> VectorFile {
    let mut f = FileBuilder::new(
        "bundles",
        "verify_bundle",
        "Export bundles verified without their ledger (spec/bundles.md): ranges at the start, in the middle and at \
         the end of a ledger, across a key rotation, pinned by key, by fingerprint or not at all, and bundles that \
         lie. The result holds ok, pinned, the proof level and the reason; a bundle that holds also its event count.",
    );
    f.spec_version(SPEC_VERSION_1_1);
    f.note("Valid", "A bundle whose lines, tree proof and checkpoint verify.");
    f.note("Unpinned", "Nothing pinned: the bundle proves only its internal consistency and reaches no level.");
    f.note("Lie", "A bundle changed after export: a line, the proof, the checkpoint or the key.");
    f.note("Malformed", "Bytes that are not a bundle document this version reads.");
    f.note("Rotation", "A key rotation inside the ledger.");

    let (k0, k1) = (key(0), key(1));
    let mut chain = Chain::default();
    chain.plain(13, &k0);

    let mut g = f.group("valid", "Bundles that hold, under the pinned key or its fingerprint.");
    for (first, last) in [(0, 0), (0, 12), (1, 1), (1, 4), (3, 6), (4, 11), (7, 7), (8, 12), (12, 12)] {
        let name = format!("seq-{first}-to-{last}-of-13");
        let comment = format!("Lines {first} to {last} of a ledger of 13 lines, the key pinned.");
        let b = bundle(&chain, first, last, 13, &k0);
        add(&mut g, &name, &comment, &["Valid"], &bytes(&b), Pin::Key(&k0), Ok((last - first + 1) as u64));
    }
    let b = bundle(&chain, 2, 5, 9, &k0);
    add(
        &mut g,
        "checkpoint-before-the-end",
        "Lines 2 to 5 proven against the checkpoint of the first 9 lines.",
        &["Valid"],
        &bytes(&b),
        Pin::Key(&k0),
        Ok(4),
    );
    let b = bundle(&chain, 2, 8, 9, &k0);
    add(
        &mut g,
        "range-ends-at-the-checkpoint",
        "Lines 2 to 8 and the checkpoint of 9 lines: the proof to it is empty.",
        &["Valid"],
        &bytes(&b),
        Pin::Key(&k0),
        Ok(7),
    );
    let b = bundle(&chain, 3, 6, 13, &k0);
    add(
        &mut g,
        "pinned-by-fingerprint",
        "Lines 3 to 6, the key's fingerprint pinned.",
        &["Valid"],
        &bytes(&b),
        Pin::Fingerprint(&k0),
        Ok(4),
    );
    let mut with_receipt = b.clone();
    let receipt = json!({"type": "x-future-anchor", "proof_level": "publicly-timestamped", "token": "AAAA"});
    with_receipt.receipts.push(Receipt(receipt.as_object().expect("an object").clone()));
    add(
        &mut g,
        "unknown-receipt",
        "A receipt of a type this version does not know claims a higher level: it is \
        not checked, and the level stays verifiable.",
        &["Valid"],
        &bytes(&with_receipt),
        Pin::Key(&k0),
        Ok(4),
    );

    let mut rotated = Chain::default();
    rotated.plain(4, &k0).rotate(&k0, &k1).plain(4, &k1);
    let b = bundle(&rotated, 2, 7, 9, &k1);
    add(
        &mut g,
        "across-a-rotation",
        "Lines 2 to 7 of a ledger rotated at seq 4, the checkpoint by the new key, \
        which is pinned.",
        &["Valid", "Rotation"],
        &bytes(&b),
        Pin::Key(&k1),
        Ok(6),
    );

    let mut g = f.group("unpinned", "Bundles that hold together, with nothing pinned.");
    let b = bundle(&chain, 3, 6, 13, &k0);
    add(
        &mut g,
        "consistent-unpinned",
        "Lines 3 to 6, no key pinned: consistent, no level.",
        &["Unpinned"],
        &bytes(&b),
        Pin::None,
        Ok(4),
    );
    let forged = bundle(&chain_by(&k1), 3, 6, 13, &k1);
    add(
        &mut g,
        "self-vouching-unpinned",
        "A whole ledger and bundle written under another key: consistent, \
        but nothing says who signed it.",
        &["Unpinned"],
        &bytes(&forged),
        Pin::None,
        Ok(4),
    );

    let mut g = f.group("lies", "Bundles changed after export, each with the reason the spec checks first.");
    let good = bundle(&chain, 3, 7, 13, &k0);
    let lie = |g: &mut GroupBuilder<'_>, name: &str, comment: &str, change: &dyn Fn(&mut Bundle), reason: Reason| {
        let mut b = good.clone();
        change(&mut b);
        add(g, name, comment, &["Lie"], &bytes(&b), Pin::Key(&k0), Err(reason));
    };
    lie(
        &mut g,
        "self-vouching-key",
        "A whole ledger and bundle under another key, the ledger's key pinned.",
        &|b| *b = forged.clone(),
        Reason::BundleKeyMismatch,
    );
    lie(&mut g, "lines-swapped", "The second and third lines swapped.", &|b| b.lines.swap(1, 2), Reason::SeqMismatch);
    lie(&mut g, "middle-line-missing", "The third line left out.", &|b| drop(b.lines.remove(2)), Reason::SeqMismatch);
    lie(
        &mut g,
        "first-line-missing",
        "The first line left out: the lines start a seq late.",
        &|b| drop(b.lines.remove(0)),
        Reason::SeqMismatch,
    );
    lie(
        &mut g,
        "last-line-missing",
        "The last line left out: the proof no longer reaches the checkpoint.",
        &|b| drop(b.lines.pop()),
        Reason::BundleProofInvalid,
    );
    lie(
        &mut g,
        "line-changed",
        "A value of the second line changed.",
        &|b| {
            let mut line: Json = serde_json::from_str(&b.lines[1]).expect("a line is JSON");
            line["timestamp_nanos"] = json!(line["timestamp_nanos"].as_u64().expect("an integer") + 1);
            b.lines[1] = line.to_string();
        },
        Reason::HashMismatch,
    );
    lie(
        &mut g,
        "first-seq-changed",
        "first_seq one higher than the first line's seq.",
        &|b| b.first_seq += 1,
        Reason::SeqMismatch,
    );
    lie(
        &mut g,
        "previous-changed",
        "previous_self_hash changed: the first line names another parent.",
        &|b| b.proof.previous_self_hash.as_mut().expect("not at seq 0").0[0] ^= 1,
        Reason::ParentMismatch,
    );
    lie(
        &mut g,
        "consistency-short",
        "The consistency proof's last hash left out.",
        &|b| {
            b.proof.consistency.pop();
        },
        Reason::BundleProofInvalid,
    );
    lie(
        &mut g,
        "consistency-changed",
        "A bit of the consistency proof's first hash flipped.",
        &|b| b.proof.consistency[0].0[0] ^= 1,
        Reason::BundleProofInvalid,
    );
    lie(
        &mut g,
        "left-short",
        "The left range without its last hash.",
        &|b| {
            b.proof.left.pop();
        },
        Reason::BundleProofInvalid,
    );
    lie(
        &mut g,
        "left-changed",
        "A bit of the left range flipped.",
        &|b| b.proof.left[0].0[7] ^= 1,
        Reason::BundleProofInvalid,
    );
    lie(
        &mut g,
        "genesis-changed",
        "A bit of the first line's inclusion proof flipped: the origin's first line is \
        not leaf 0.",
        &|b| b.proof.genesis[0].0[0] ^= 1,
        Reason::CheckpointForeign,
    );
    // A fork: the same first four lines, then a rotation where the ledger has a plain line.
    let mut fork = Chain::default();
    fork.plain(4, &k0).rotate(&k0, &k1).plain(8, &k0);
    let forked = bundle(&fork, 0, 12, 13, &k0).checkpoint;
    lie(
        &mut g,
        "checkpoint-of-a-fork",
        "The checkpoint of a fork of the ledger by the same key (the same first lines, then others): the lines \
         are not in its tree.",
        &|b| b.checkpoint = forked.clone(),
        Reason::BundleProofInvalid,
    );
    let other_key = bundle(&chain, 3, 7, 13, &k1).checkpoint;
    lie(
        &mut g,
        "checkpoint-of-another-key",
        "The ledger's checkpoint signed by another key.",
        &|b| b.checkpoint = other_key.clone(),
        Reason::CheckpointForeign,
    );
    lie(
        &mut g,
        "checkpoint-signature-changed",
        "A character of the checkpoint's signature changed.",
        &|b| {
            let at = b.checkpoint.len() - 10;
            let replacement = if &b.checkpoint[at..=at] == "A" { "B" } else { "A" };
            b.checkpoint.replace_range(at..=at, replacement);
        },
        Reason::CheckpointSignatureInvalid,
    );
    lie(
        &mut g,
        "fewer-lines-in-checkpoint",
        "The checkpoint of the first 6 lines with lines 3 to 7.",
        &|b| b.checkpoint = bundle(&chain, 3, 5, 6, &k0).checkpoint,
        Reason::BundleProofInvalid,
    );

    let mut g = f.group("malformed", "Documents that are not a bundle of this format.");
    let text = String::from_utf8(bytes(&good)).expect("JSON is UTF-8");
    let malformed: [(&str, &str, Vec<u8>); 7] = [
        ("not-json", "Bytes that are not JSON.", b"\x1b[31mnot a bundle".to_vec()),
        ("unknown-member", "An extra member.", text.replacen('{', "{\"extra\": 1,", 1).into_bytes()),
        ("duplicate-member", "first_seq twice.", text.replacen('{', "{\"first_seq\": 3,", 1).into_bytes()),
        ("trailing-bytes", "A second value after the bundle.", format!("{text}{{}}").into_bytes()),
        (
            "other-format",
            "format provedex-bundle/v2.",
            text.replacen(BUNDLE_FORMAT, "provedex-bundle/v2", 1).into_bytes(),
        ),
        ("no-lines", "An empty lines array.", {
            let mut b = good.clone();
            b.lines.clear();
            bytes(&b)
        }),
        ("fingerprint-of-another-key", "A fingerprint that is not the key's.", {
            let mut b = good.clone();
            b.fingerprint = k1.fingerprint();
            bytes(&b)
        }),
    ];
    for (name, comment, bytes) in malformed {
        add(&mut g, name, comment, &["Malformed"], &bytes, Pin::Key(&k0), Err(Reason::BundleMalformed));
    }
    f.finish()
}

/// Thirteen lines signed by `key`.
fn chain_by(key: &SigningKeypair) -> Chain {
    let mut chain = Chain::default();
    chain.plain(13, key);
    chain
}
