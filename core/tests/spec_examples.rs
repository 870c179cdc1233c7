//! Every example in the spec's prose is checked against this implementation,
//! so the text and the code cannot drift apart.
//!
//! Each fenced block in `spec/*.md` carries a kind (its info string); a block
//! of an unknown kind, or without one, fails the test. The code tables
//! ("Reason codes", "Error codes") must list exactly the codes the crate has.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use provedex_core::canonical::{self, JsonErrorKind};
use provedex_core::kinds::{RotationStatement, SignedKind};
use provedex_core::merkle;
use provedex_core::note::NoteKey;
use provedex_core::toolset::{Toolset, read_manifest};
use provedex_core::{
    AgentEvent, ChainHash, ChainReport, Digest, Reason, SignedEvent, SigningKeypair, Verifier, sign_event_at,
    verify_checkpoint,
};

fn spec_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec")
}

struct Block {
    file: String,
    line: usize,
    kind: String,
    body: String,
}

fn blocks() -> Vec<Block> {
    let mut out = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(spec_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no spec prose found in {}", spec_dir().display());
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let mut current: Option<Block> = None;
        for (i, line) in text.lines().enumerate() {
            match (&mut current, line.strip_prefix("```")) {
                (None, Some(info)) => {
                    current = Some(Block {
                        file: name.clone(),
                        line: i + 1,
                        kind: info.trim().to_owned(),
                        body: String::new(),
                    })
                }
                (Some(_), Some("")) => out.push(current.take().unwrap()),
                (Some(block), _) => {
                    block.body.push_str(line);
                    block.body.push('\n');
                }
                (None, None) => {}
            }
        }
        assert!(current.is_none(), "{name}: unterminated code block");
    }
    out
}

/// `key: value` lines; a value runs to the end of its line, taken literally.
fn pairs(block: &Block) -> Vec<(String, String)> {
    block
        .body
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (k, v) = l
                .split_once(": ")
                .unwrap_or_else(|| panic!("{}:{}: expected `key: value`, got {l:?}", block.file, block.line));
            (k.trim().to_owned(), v.to_owned())
        })
        .collect()
}

/// Consecutive (first, second) pairs with the given keys.
fn two_line_examples(block: &Block, first: &str, second: &str) -> Vec<(String, String)> {
    let p = pairs(block);
    assert!(
        p.len().is_multiple_of(2) && !p.is_empty(),
        "{}:{}: expected {first}/{second} pairs",
        block.file,
        block.line
    );
    p.chunks(2)
        .map(|c| {
            assert!(
                c[0].0 == first && c[1].0 == second,
                "{}:{}: expected {first}/{second}, got {}/{}",
                block.file,
                block.line,
                c[0].0,
                c[1].0
            );
            (c[0].1.clone(), c[1].1.clone())
        })
        .collect()
}

fn check_canonical(block: &Block) -> usize {
    let examples = two_line_examples(block, "input", "output");
    for (input, output) in &examples {
        let got = canonical::canonicalize(input.as_bytes())
            .unwrap_or_else(|e| panic!("{}:{}: {input} failed: {e}", block.file, block.line));
        assert_eq!(String::from_utf8(got).unwrap(), *output, "{}:{}: input {input}", block.file, block.line);
    }
    examples.len()
}

fn check_canonical_invalid(block: &Block) -> usize {
    let examples = two_line_examples(block, "input", "error");
    for (input, code) in &examples {
        let e = canonical::parse(input.as_bytes())
            .err()
            .unwrap_or_else(|| panic!("{}:{}: {input} was accepted", block.file, block.line));
        assert_eq!(e.kind.code(), code, "{}:{}: input {input}: {e}", block.file, block.line);
    }
    examples.len()
}

fn check_event(block: &Block) -> usize {
    let text = block.body.trim();
    AgentEvent::from_json(text.as_bytes()).unwrap_or_else(|e| panic!("{}:{}: {e}", block.file, block.line));
    1
}

fn check_event_invalid(block: &Block) -> usize {
    let examples = two_line_examples(block, "event", "error");
    for (json, code) in &examples {
        let value = canonical::parse(json.as_bytes()).unwrap_or_else(|e| panic!("{}:{}: {e}", block.file, block.line));
        let e = AgentEvent::from_value(&value)
            .err()
            .unwrap_or_else(|| panic!("{}:{}: {json} was accepted", block.file, block.line));
        assert_eq!(e.reason.code(), code, "{}:{}: {json}: {e}", block.file, block.line);
    }
    examples.len()
}

fn check_seal(block: &Block) -> usize {
    let p: BTreeMap<String, String> = pairs(block).into_iter().collect();
    let at = format!("{}:{}", block.file, block.line);
    let get = |k: &str| p.get(k).unwrap_or_else(|| panic!("{at}: seal example lacks {k}")).as_str();
    let expected_keys = [
        "event",
        "line",
        "parent_hash",
        "preimage",
        "public_key",
        "seed",
        "self_hash",
        "seq",
        "signature",
        "timestamp_nanos",
    ];
    assert_eq!(p.keys().map(String::as_str).collect::<Vec<_>>(), expected_keys, "{at}");
    let seed: [u8; 32] = provedex_core::hex::decode(get("seed")).unwrap();
    let key = SigningKeypair::from_seed(&seed);
    assert_eq!(key.pubkey_hex(), get("public_key"), "{at}: public_key");
    let event = AgentEvent::from_json(get("event").as_bytes()).unwrap();
    let seq: u64 = get("seq").parse().unwrap();
    let ts: u64 = get("timestamp_nanos").parse().unwrap();
    let parent = ChainHash::from_hex(get("parent_hash")).unwrap();
    let mut preimage = Vec::new();
    provedex_core::seal::write_self_hash_preimage(&mut preimage, &event, seq, ts, &parent);
    assert_eq!(String::from_utf8(preimage).unwrap(), get("preimage"), "{at}: preimage");
    let signed = sign_event_at(&event, seq, ts, &parent, &key).unwrap();
    assert_eq!(signed.self_hash.to_hex(), get("self_hash"), "{at}: self_hash");
    assert_eq!(signed.signature.to_hex(), get("signature"), "{at}: signature");
    assert_eq!(signed.to_json(), get("line"), "{at}: line");
    assert_eq!(SignedEvent::from_line(get("line").as_bytes()).unwrap(), signed, "{at}: the line reads back");
    1
}

fn check_report(block: &Block) -> usize {
    let report: ChainReport = serde_json::from_str(&block.body)
        .unwrap_or_else(|e| panic!("{}:{}: not a report: {e}", block.file, block.line));
    let at = format!("{}:{}", block.file, block.line);
    assert_eq!(report.ok, report.reason.is_none(), "{at}: ok and reason disagree");
    assert_eq!(report.ok, report.broken_at.is_none(), "{at}: ok and broken_at disagree");
    if let Some(b) = report.broken_at {
        assert_eq!(b, report.event_count, "{at}: broken_at is the number of good lines");
    }
    assert_eq!(report.root_hash.is_none(), report.event_count == 0, "{at}: root_hash");
    assert_eq!(report.keys.is_empty(), report.event_count == 0, "{at}: keys");
    if let Some(last) = report.keys.last() {
        assert_eq!(last.to_seq, Some(report.event_count - 1), "{at}: the last key signed the last good line");
    }
    1
}

/// A rotation statement: its canonical JSON, its label and the new key's proof.
fn check_rotation(block: &Block) -> usize {
    let p: BTreeMap<String, String> = pairs(block).into_iter().collect();
    let at = format!("{}:{}", block.file, block.line);
    let key = |name: &str| SigningKeypair::from_seed(&provedex_core::hex::decode(&p[name]).unwrap());
    let (old, new) = (key("old_seed"), key("new_seed"));
    let statement = RotationStatement {
        old_pubkey: old.public_key(),
        new_pubkey: new.public_key(),
        seq: p["seq"].parse().unwrap(),
        parent_hash: ChainHash::from_hex(&p["parent_hash"]).unwrap(),
    };
    assert_eq!(String::from_utf8(statement.canonical_json()).unwrap(), p["statement"], "{at}: statement");
    assert_eq!(SignedKind::KeyRotation.label(), format!("{}\n", p["label"]).as_bytes(), "{at}: label");
    let proof = new.prove_rotation(statement.old_pubkey, statement.seq, statement.parent_hash);
    assert_eq!(proof.to_hex(), p["proof"], "{at}: proof");
    1
}

/// A manifest, its tools' normalized definitions in manifest order, and its toolset and hash.
fn check_toolset(block: &Block) -> usize {
    let p = pairs(block);
    let at = format!("{}:{}", block.file, block.line);
    let get = |name: &str| p.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect::<Vec<_>>();
    let manifest = get("manifest")[0].as_bytes();
    let definitions = read_manifest(manifest).unwrap_or_else(|e| panic!("{at}: {e}"));
    let normalized: Vec<String> = definitions.iter().map(|d| String::from_utf8(d.canonical_json()).unwrap()).collect();
    assert_eq!(normalized, get("normalized"), "{at}: normalized definitions");
    let toolset = Toolset::from_manifest(manifest).unwrap();
    assert_eq!(serde_json::to_string(&toolset.tools).unwrap(), get("tools")[0], "{at}: tools");
    assert_eq!(toolset.toolset_sha256.to_hex(), get("toolset_sha256")[0], "{at}: toolset_sha256");
    1
}

/// The tree of the example ledger: leaf hashes, roots, proofs, and its
/// checkpoint, signed, verified and read back with its verifier key.
fn check_checkpoint(block: &Block) -> usize {
    let p = pairs(block);
    let at = format!("{}:{}", block.file, block.line);
    let get = |name: &str| p.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect::<Vec<_>>();
    let digests = |name: &str| get(name).iter().map(|h| Digest::from_hex(h).unwrap()).collect::<Vec<_>>();
    let key = SigningKeypair::from_seed(&provedex_core::hex::decode(get("seed")[0]).unwrap());
    let hashes: Vec<ChainHash> = get("self_hash").iter().map(|h| ChainHash::from_hex(h).unwrap()).collect();
    let leaves: Vec<Digest> = hashes.iter().map(merkle::line_leaf_hash).collect();
    assert_eq!(leaves, digests("leaf_hash"), "{at}: leaf hashes");
    let tree = merkle::Tree::from_leaves(leaves.iter().copied());
    assert_eq!(vec![tree.root_at(3)], digests("root_3"), "{at}: root at 3");
    assert_eq!(vec![tree.root_at(5)], digests("root_5"), "{at}: root at 5");
    assert_eq!(tree.inclusion_proof(2, 5), digests("inclusion_2_5"), "{at}: inclusion proof");
    merkle::verify_inclusion(2, 5, &leaves[2], &digests("inclusion_2_5"), &tree.root_at(5)).unwrap();
    assert_eq!(tree.consistency_proof(3, 5), digests("consistency_3_5"), "{at}: consistency proof");
    merkle::verify_consistency(3, 5, &digests("consistency_3_5"), &tree.root_at(3), &tree.root_at(5)).unwrap();
    let note = get("note").iter().map(|line| format!("{line}\n")).collect::<String>();
    assert_eq!(key.sign_checkpoint(&hashes[0], 5, tree.root_at(5)).to_text(), note, "{at}: checkpoint note");
    let checkpoint = verify_checkpoint(note.as_bytes(), &key.public_key()).unwrap();
    let note_key = NoteKey::parse_verifier_key(get("verifier_key")[0]).unwrap();
    assert_eq!(note_key, checkpoint.checkpoint.note_key(key.public_key()).unwrap(), "{at}: verifier key");
    1
}

/// The codes listed in the table rows `| \`code\` | ... |` after `heading`.
fn table_codes(file: &str, heading: &str) -> Vec<String> {
    let text = std::fs::read_to_string(spec_dir().join(file)).unwrap();
    let start = text.find(heading).unwrap_or_else(|| panic!("{file}: no heading {heading:?}"));
    let mut codes = Vec::new();
    let mut in_table = false;
    for line in text[start..].lines().skip(1) {
        if let Some(rest) = line.strip_prefix("| `") {
            in_table = true;
            codes.push(rest.split('`').next().unwrap().to_owned());
        } else if in_table && !line.starts_with('|') {
            break;
        }
    }
    codes
}

#[test]
fn every_example_in_the_spec_holds() {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for block in blocks() {
        let n = match block.kind.as_str() {
            "canonical" => check_canonical(&block),
            "canonical-invalid" => check_canonical_invalid(&block),
            "event" => check_event(&block),
            "event-invalid" => check_event_invalid(&block),
            "seal" => check_seal(&block),
            "report" => check_report(&block),
            "rotation" => check_rotation(&block),
            "toolset" => check_toolset(&block),
            "checkpoint" => check_checkpoint(&block),
            // Protocol exchanges are replayed against the adapter in conformance/tests/spec_exchanges.rs.
            "grammar" | "exchange" => 0,
            // The key manager's examples and OpenSSL commands are checked in core/tests/key_manager.rs.
            "key" | "pem" | "shell" => 0,
            other => panic!(
                "{}:{}: code block of unknown kind {other:?}; use canonical, canonical-invalid, event, event-invalid, seal, report, rotation, toolset, checkpoint, key, pem, shell, exchange or grammar",
                block.file, block.line
            ),
        };
        *counts.entry(block.kind).or_default() += n;
    }
    for kind in [
        "canonical",
        "canonical-invalid",
        "event",
        "event-invalid",
        "seal",
        "report",
        "rotation",
        "toolset",
        "checkpoint",
    ] {
        assert!(counts.get(kind).copied().unwrap_or(0) > 0, "the spec has no {kind} example: {counts:?}");
    }
    println!("checked spec examples: {counts:?}");
}

#[test]
fn the_seal_examples_chain() {
    // Seal examples at consecutive seqs with matching parents must form a valid chain.
    let mut lines = Vec::new();
    for block in blocks().into_iter().filter(|b| b.kind == "seal") {
        let p: BTreeMap<String, String> = pairs(&block).into_iter().collect();
        lines.push(SignedEvent::from_line(p["line"].as_bytes()).unwrap());
    }
    lines.sort_by_key(|e| e.seq);
    lines.dedup();
    let report = Verifier::new().events(&lines);
    assert!(report.ok, "{}", report.message);
}

#[test]
fn reason_code_table_matches_the_implementation() {
    let listed = table_codes("verification.md", "## Reason codes");
    let ours: Vec<String> = Reason::ALL.iter().map(|r| r.code().to_owned()).collect();
    assert_eq!(listed, ours, "spec/verification.md must list every reason code, in check order");
}

#[test]
fn json_error_code_table_matches_the_implementation() {
    let mut listed = table_codes("canonical-json.md", "## Error codes");
    let mut ours: Vec<String> = JsonErrorKind::ALL.iter().map(|k| k.code().to_owned()).collect();
    listed.sort();
    ours.sort();
    assert_eq!(listed, ours, "spec/canonical-json.md must list every error code");
}
