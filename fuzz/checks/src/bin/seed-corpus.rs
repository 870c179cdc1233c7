//! Builds the seed corpora `fuzz/corpus/<target>/` from the examples of
//! `spec/*.md`, the golden vectors `vectors/*.json` (when present) and the
//! fixture ledgers. Each file is named by the SHA-256 of its content, so
//! running it again changes nothing unless the sources did.
//!
//! Usage: `cargo run -p provedex-fuzz-checks --bin seed-corpus [-- --prune]`.
//! `--prune` also deletes corpus files that no source produces any more.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use provedex_core::canonical::{Value, parse};
use provedex_core::sha256_hex;
use provedex_fuzz_checks::fixtures::{foreign_ledger, main_ledger};

/// Inputs larger than this (a vector's 16 MiB line, say) are left out, to
/// keep the committed corpus small and its replay fast.
const MAX_SEED_BYTES: usize = 16 * 1024;

type Seeds = BTreeMap<&'static str, BTreeSet<Vec<u8>>>;

fn main() {
    let prune = match std::env::args().nth(1).as_deref() {
        None => false,
        Some("--prune") => true,
        Some(other) => {
            eprintln!("usage: seed-corpus [--prune]  (unknown argument {other:?})");
            std::process::exit(2);
        }
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut seeds = Seeds::new();
    let json = |seeds: &mut Seeds, text: &[u8]| {
        for target in ["canonical_json", "differential"] {
            seeds.entry(target).or_default().insert(text.to_vec());
        }
    };

    spec_examples(&root.join("spec"), &mut seeds, json);
    vectors(&root.join("vectors"), &mut seeds, json);
    fixtures(&mut seeds, json);

    let corpus = root.join("fuzz/corpus");
    for (target, inputs) in &seeds {
        let dir = corpus.join(target);
        fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let mut names = BTreeSet::new();
        let mut written = 0;
        for input in inputs.iter().filter(|i| i.len() <= MAX_SEED_BYTES) {
            let name = sha256_hex(input);
            let path = dir.join(&name);
            if !path.exists() {
                fs::write(&path, input).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                written += 1;
            }
            names.insert(name);
        }
        let mut pruned = 0;
        if prune {
            for entry in fs::read_dir(&dir).expect("corpus directory") {
                let path = entry.expect("directory entry").path();
                if !names.contains(path.file_name().and_then(|n| n.to_str()).unwrap_or("")) {
                    fs::remove_file(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                    pruned += 1;
                }
            }
        }
        println!("{target}: {} seeds, {written} new, {pruned} pruned", names.len());
    }
}

/// Fenced blocks of the spec prose: `canonical` and `canonical-invalid`
/// inputs and outputs, `event` and `event-invalid` events, `report`s, and
/// `seal` blocks, whose lines are ledger lines and, in seq order, the example ledger.
fn spec_examples(dir: &Path, seeds: &mut Seeds, json: impl Fn(&mut Seeds, &[u8])) {
    let mut seal_lines = BTreeMap::new();
    for path in sorted_files(dir, "md") {
        let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut block: Option<(String, String)> = None;
        for line in text.lines() {
            match (&mut block, line.strip_prefix("```")) {
                (None, Some(kind)) => block = Some((kind.trim().to_owned(), String::new())),
                (Some(_), Some("")) => {
                    let (kind, body) = block.take().expect("open block");
                    match kind.as_str() {
                        "event" | "report" => json(seeds, body.trim_end().as_bytes()),
                        _ => {
                            for (key, value) in body.lines().filter_map(|l| l.split_once(": ")) {
                                match (kind.as_str(), key) {
                                    ("canonical" | "canonical-invalid", "input" | "output")
                                    | ("event-invalid" | "seal", "event" | "preimage") => json(seeds, value.as_bytes()),
                                    ("seal", "line") => {
                                        seeds.entry("ledger_line").or_default().insert(value.as_bytes().to_vec());
                                        let seq = parse(value.as_bytes()).ok().and_then(|v| match v {
                                            Value::Object(m) => m.get("seq").cloned(),
                                            _ => None,
                                        });
                                        if let Some(Value::Integer(seq)) = seq {
                                            seal_lines.insert(seq.get(), value.to_owned());
                                        }
                                    }
                                    _ => {}
                                }
                            }
                        }
                    }
                }
                (Some((_, body)), _) => {
                    body.push_str(line);
                    body.push('\n');
                }
                (None, None) => {}
            }
        }
    }
    let ledger: String = seal_lines.values().map(|l| format!("{l}\n")).collect();
    seeds.entry("verify_stream").or_default().insert(ledger.into_bytes());
}

/// The inputs of every golden vector: `input_hex` and `event_json` are JSON
/// texts, `line_hex` a ledger line, `ledger_hex` a ledger file.
fn vectors(dir: &Path, seeds: &mut Seeds, json: impl Fn(&mut Seeds, &[u8])) {
    if !dir.is_dir() {
        return;
    }
    for path in sorted_files(dir, "json") {
        let bytes = fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let file = parse(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for group in items(member(&file, "test_groups")) {
            for test in items(member(group, "tests")) {
                let Some(Value::Object(input)) = member(test, "input") else { continue };
                for (key, value) in input {
                    let Value::String(text) = value else { continue };
                    let decoded = || decode_hex(text);
                    match key.as_str() {
                        "input_hex" => decoded().into_iter().for_each(|b| json(seeds, &b)),
                        "event_json" => json(seeds, text.as_bytes()),
                        "line_hex" => {
                            decoded().into_iter().for_each(|b| _ = seeds.entry("ledger_line").or_default().insert(b))
                        }
                        "ledger_hex" => {
                            decoded().into_iter().for_each(|b| _ = seeds.entry("verify_stream").or_default().insert(b))
                        }
                        _ => {}
                    }
                }
            }
        }
    }
}

/// The fixture ledgers, their lines, one program per edit kind of
/// `mutate_ledger`, and float bit patterns for the differential target.
fn fixtures(seeds: &mut Seeds, json: impl Fn(&mut Seeds, &[u8])) {
    for fixture in [main_ledger(), foreign_ledger()] {
        for line in &fixture.lines {
            seeds.entry("ledger_line").or_default().insert(line.clone());
            json(seeds, line);
        }
    }
    let fixture = main_ledger();
    for variant in respellings(&fixture.lines[1]) {
        seeds.entry("ledger_line").or_default().insert(variant.clone());
        json(seeds, &variant);
        let mut lines = fixture.lines.clone();
        lines[1] = variant;
        let ledger: Vec<u8> = lines.iter().flat_map(|l| l.iter().copied().chain([b'\n'])).collect();
        seeds.entry("verify_stream").or_default().insert(ledger);
    }
    let stream = seeds.entry("verify_stream").or_default();
    stream.insert(fixture.bytes.clone());
    stream.insert(Vec::new());
    for edit in 0u8..12 {
        stream.insert(vec![edit, 0x37, 0x01, 0x05, 0x02]);
        stream.insert(vec![edit, 0x02, 0x00, 0x01, 0x00, 11, 0x03, 0x00]);
    }
    let floats = [5e-324, 2.2250738585072014e-308, 1e-7, 0.1, 1e16, 9007199254740993.0, f64::MAX, -0.0];
    let words: Vec<u8> = floats.iter().flat_map(|f: &f64| f.to_bits().to_le_bytes()).collect();
    for chunk in words.chunks(32) {
        seeds.entry("differential").or_default().insert(chunk.to_vec());
    }
}

/// Other spellings of a valid line: the ones spec/verification.md names as
/// smuggling (an extra member in the line or the payload, a duplicate key,
/// upper-case hex) and the accepted ones (whitespace, canonical member order).
fn respellings(line: &[u8]) -> Vec<Vec<u8>> {
    let text = String::from_utf8(line.to_vec()).expect("fixture lines are UTF-8");
    let body = text.strip_suffix('}').expect("a line ends with '}'");
    let upper_hex = {
        let at = text.find("\"self_hash\":\"").expect("a self_hash member") + "\"self_hash\":\"".len();
        let digit = text[at..].find(|c: char| c.is_ascii_lowercase()).expect("a hex letter") + at;
        format!("{}{}{}", &text[..digit], text[digit..=digit].to_uppercase(), &text[digit + 1..])
    };
    let canonical = parse(line).map(|v| provedex_core::canonical_json(&v)).expect("fixture lines parse");
    vec![
        format!("{body},\"x\":1}}").into_bytes(),
        text.replacen("\"payload\":{", "\"payload\":{\"x\":null,", 1).into_bytes(),
        format!("{body},\"seq\":1}}").into_bytes(),
        upper_hex.into_bytes(),
        text.replace("\",\"", "\" ,\t\"").replacen(':', " : ", 1).into_bytes(),
        canonical,
    ]
}

/// Lowercase or upper-case hex to bytes; `None` for anything else.
fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

fn sorted_files(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut files: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == extension))
        .collect();
    files.sort();
    files
}

fn member<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    match value {
        Value::Object(map) => map.get(key),
        _ => None,
    }
}

fn items(value: Option<&Value>) -> &[Value] {
    match value {
        Some(Value::Array(items)) => items,
        _ => &[],
    }
}
