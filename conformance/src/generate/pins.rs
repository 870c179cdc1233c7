//! Which requirements of the spec each vector pins (spec/conformance.md,
//! Traceability), in one table keyed by test-id pattern: a test pins the ids
//! of every entry whose pattern matches its id. A pattern is a prefix of the
//! id, or a prefix and an infix found after it (`lines/*-first/`). Every test must pin at least
//! one requirement and every entry must match a test, so a new group or a
//! renamed one cannot go unmapped.

use crate::vector::VectorFile;

/// Test-id pattern → the requirement ids its tests pin.
const PINS: &[(&str, &[&str])] = &[
    // canonicalize: the same bytes out, or the same error.
    ("canonical_json/", &["CJ-1"]),
    ("canonical_json/key-order/", &["CJ-9", "CJ-10"]),
    ("canonical_json/escapes/", &["CJ-4", "CJ-11"]),
    ("canonical_json/escapes/astral-from-pair", &["CJ-5"]),
    ("canonical_json/float-parse/", &["CJ-8"]),
    ("canonical_json/nesting/", &["CJ-7"]),
    ("canonical_json/errors/duplicate-key", &["CJ-6"]),
    ("canonical_json/errors/lone-", &["CJ-5"]),
    ("canonical_json/errors/reversed-surrogate-pair", &["CJ-5"]),
    ("canonical_json/errors/high-surrogate-", &["CJ-5"]),
    ("canonical_json/errors/invalid-utf8", &["CJ-2"]),
    ("canonical_json/errors/raw-", &["CJ-3"]),
    ("canonical_json/errors/invalid-escape", &["CJ-4"]),
    ("canonical_json/grammar-edges/lowest-surrogate-pair", &["CJ-5"]),
    ("canonical_json/grammar-edges/highest-surrogate-pair", &["CJ-5"]),
    ("canonical_json/grammar-edges/utf8-length-edges", &["CJ-2", "CJ-11"]),
    ("canonical_json/grammar-edges/around-surrogates", &["CJ-11"]),
    ("canonical_json/grammar-edges/escape-hex-digit-edges", &["CJ-4"]),
    ("canonical_json/grammar-edges/key-with-nul", &["CJ-9"]),
    ("canonical_json/grammar-edges/keys-not-normalized", &["CJ-9"]),
    ("canonical_json/grammar-edge-errors/lone-continuation-byte", &["CJ-2"]),
    ("canonical_json/grammar-edge-errors/overlong-", &["CJ-2"]),
    ("canonical_json/grammar-edge-errors/last-surrogate-encoded", &["CJ-2"]),
    ("canonical_json/grammar-edge-errors/above-10ffff", &["CJ-2"]),
    ("canonical_json/grammar-edge-errors/lead-byte-f5", &["CJ-2"]),
    ("canonical_json/grammar-edge-errors/truncated-at-end", &["CJ-2"]),
    ("canonical_json/grammar-edge-errors/invalid-utf8-", &["CJ-2"]),
    ("canonical_json/grammar-edge-errors/raw-", &["CJ-3"]),
    ("canonical_json/grammar-edge-errors/escape-", &["CJ-4"]),
    // self_hash of an event: read strictly, hashed from the parsed values.
    ("events/", &["LF-10"]),
    ("events/valid/", &["SS-4"]),
    ("events/digest-spellings/", &["LF-9"]),
    ("events/request-edges/", &["LF-6"]),
    ("events_1_1/", &["LF-10"]),
    ("events_1_1/valid/", &["SS-4"]),
    ("events_1_1/key-spellings/", &["LF-9"]),
    // toolset_hash: the same digests and hash from the same definitions, or a refusal.
    ("toolset_hash/examples/", &["TS-2"]),
    ("toolset_hash/shapes/", &["TS-2"]),
    ("toolset_hash/irrelevant/", &["TS-2"]),
    ("toolset_hash/names/", &["TS-2"]),
    ("toolset_hash/refused/", &["TS-1"]),
    // Data signatures: labelled, so no other kind verifies as one.
    ("sign_data/", &["SS-15"]),
    ("verify_data/", &["SS-15"]),
    ("verify_data/strict/s-plus-l", &["SS-9"]),
    ("verify_data/strict/identity-key", &["SS-8"]),
    // 1.1 lines alone and ledgers: rotations, pins, redactions.
    ("lines_1_1/", &["LF-10"]),
    ("lines_1_1/content/rotation-proof", &["SS-16"]),
    ("lines_1_1/content/rotation-proof-is-data", &["SS-15"]),
    ("lines_1_1/order/", &["LF-11"]),
    ("ledgers_1_1/", &["VF-1", "VF-6"]),
    ("ledgers_1_1/rotation-valid/rotate-once-first-key-pinned", &["VF-3"]),
    ("ledgers_1_1/rotation-valid/", &["SS-16"]),
    ("ledgers_1_1/rotation-findings/proof-", &["SS-16"]),
    ("ledgers_1_1/rotation-findings/proof-is-data-signature", &["SS-15"]),
    ("ledgers_1_1/rotation-findings/new-key-small-order", &["SS-8"]),
    ("ledgers_1_1/rotation-findings/new-key-non-canonical", &["SS-7"]),
    ("ledgers_1_1/rotation-findings/second-key-pinned", &["VF-3"]),
    ("ledgers_1_1/rotation-findings/rotation-from-unpinned-key", &["VF-3"]),
    ("ledgers_1_1/current-key/", &["VF-7"]),
    ("ledgers_1_1/toolsets/", &["TS-2"]),
    // The tree, its proofs and checkpoints (spec/transparency.md).
    ("tree/", &["TL-1"]),
    ("inclusion/", &["TL-2"]),
    ("inclusion/range/index-max-size-max", &["CF-1"]),
    ("consistency/", &["TL-3"]),
    ("consistency/range/old-max", &["CF-1"]),
    ("sign_checkpoint/", &["TL-4", "TL-6"]),
    ("sign_checkpoint/signatures/*-size-max", &["CF-1"]),
    ("checkpoints/valid/", &["TL-4", "TL-6"]),
    ("checkpoints/valid/size-18446744073709551615", &["CF-1"]),
    ("checkpoints/note/", &["TL-6"]),
    ("checkpoints/body/", &["TL-6"]),
    ("checkpoints/origin/", &["TL-6"]),
    ("checkpoints/foreign/", &["TL-4"]),
    ("checkpoints/signature/", &["TL-4"]),
    ("checkpoints/published/", &["TL-6"]),
    ("checkpoints/strict/", &["TL-4"]),
    ("checkpoints/strict/s-plus-l", &["SS-9"]),
    ("checkpoints/strict/identity-key", &["SS-8"]),
    ("checkpoints/strict/base64-unused-bits", &["TL-6"]),
    ("ledgers_checkpoint/", &["TL-7", "VF-1"]),
    ("ledgers_checkpoint/signature/", &["TL-4"]),
    ("ledgers_checkpoint/rotation/", &["VF-3"]),
    ("ledgers_checkpoint/order/current-key-", &["VF-7"]),
    ("ledgers_checkpoint/order/pinned-key-mismatch", &["VF-3"]),
    // Bundles verified without their ledger (spec/bundles.md).
    ("bundles/", &["BD-3"]),
    ("bundles/unpinned/", &["BD-1", "BD-2"]),
    ("bundles/lies/self-vouching-key", &["BD-1"]),
    ("bundles/valid/unknown-receipt", &["BD-4"]),
    ("bundles/lies/checkpoint-", &["TL-4"]),
    // sign: the writer's exact line, signed with the key of the seed.
    ("signatures/", &["LF-7", "LF-14", "SS-1"]),
    ("signatures/bounds/", &["CF-1"]),
    // verify_event on Ed25519 edge cases: the strict profile, step by step.
    ("ed25519/", &["SS-5", "SS-13", "SS-14"]),
    ("ed25519/baseline/", &["SS-11"]),
    ("ed25519/scalar/", &["SS-9"]),
    ("ed25519/small-order-key/", &["SS-8"]),
    ("ed25519/torsion-mixes/", &["SS-8", "SS-10", "SS-12"]),
    ("ed25519/non-canonical-key/", &["SS-6", "SS-7"]),
    ("ed25519/small-order-r/", &["SS-10"]),
    ("ed25519/mixed-order/", &["SS-11", "SS-12"]),
    ("ed25519/non-canonical-large-order/", &["SS-7", "SS-10"]),
    // verify_event on single lines.
    ("lines/", &["LF-10"]),
    ("lines/positions/", &["CF-1"]),
    ("lines/limits/", &["LF-4"]),
    ("lines/nesting/", &["LF-6", "CJ-7"]),
    ("lines/hex/", &["LF-9"]),
    ("lines/escapes/", &["SS-4"]),
    ("lines/parse-order/", &["LF-6", "LF-11"]),
    ("lines/framing/", &["LF-2", "LF-3"]),
    // verify_ledger: reports equal in every member but message, with the spec's codes.
    ("ledgers/", &["VF-1", "VF-6"]),
    ("ledgers/valid/members-sorted", &["LF-8"]),
    ("ledgers/valid/whitespace-between-tokens", &["SS-4"]),
    ("ledgers/valid/timestamps-decreasing", &["LF-13"]),
    ("ledgers/valid/pinned-key", &["VF-3"]),
    ("ledgers/keys/resigned-pinned", &["VF-3"]),
    ("ledgers/keys/signer-changed-pinned", &["VF-3"]),
    ("ledgers/keys/identity-key", &["SS-8"]),
    ("ledgers/keys/off-curve-key", &["SS-6"]),
    ("ledgers/keys/non-canonical-key", &["SS-7"]),
    ("ledgers/tamper/signature-over-hex-text", &["SS-5"]),
    ("ledgers/strict/", &["LF-6", "LF-10"]),
    ("ledgers/strict/trailing-space", &["LF-3"]),
    ("ledgers/strict/leading-space", &["LF-3"]),
    ("ledgers/strict/trailing-object", &["LF-3"]),
    ("ledgers/strict/array-line", &["LF-3"]),
    ("ledgers/framing/", &["LF-1", "LF-2"]),
    ("ledgers/limits/", &["LF-4"]),
    ("ledgers/nesting/", &["LF-6"]),
    // Two faults on one line: the first in the spec's order is reported.
    ("check_order/", &["LF-11"]),
    ("lines/*-first/", &["LF-11"]),
    ("check_order_1_1/", &["LF-11", "VF-6"]),
    ("lines_1_1/*-first/", &["LF-11"]),
];

/// Sets every test's `pins` from the table.
///
/// Panics (the generator's way to refuse) when a test pins nothing or an
/// entry matches no test.
pub fn apply(files: &mut [(&'static str, VectorFile)]) {
    let mut used = vec![false; PINS.len()];
    for test in files.iter_mut().flat_map(|(_, f)| f.test_groups.iter_mut()).flat_map(|g| g.tests.iter_mut()) {
        let mut pins: Vec<String> = Vec::new();
        for (i, (prefix, ids)) in PINS.iter().enumerate() {
            if matches(prefix, &test.id) {
                used[i] = true;
                for id in *ids {
                    if !pins.iter().any(|p| p == id) {
                        pins.push((*id).to_owned());
                    }
                }
            }
        }
        assert!(!pins.is_empty(), "{}: no entry of generate/pins.rs says which requirement it pins", test.id);
        test.pins = pins;
    }
    if let Some(i) = used.iter().position(|u| !u) {
        panic!("generate/pins.rs: the pattern {:?} matches no test", PINS[i].0);
    }
}

/// Whether `id` starts with the pattern's prefix and, when it has a `*`,
/// holds the rest of the pattern after that prefix.
fn matches(pattern: &str, id: &str) -> bool {
    match pattern.split_once('*') {
        None => id.starts_with(pattern),
        Some((prefix, infix)) => id.strip_prefix(prefix).is_some_and(|rest| rest.contains(infix)),
    }
}
