//! What the FFI tests share: the spec's example ledger (spec/transparency.md,
//! "Example") written to a scratch directory, its key and checkpoint, the
//! ledgers made from it to be refused, and an error's kind and code.

// Each test file uses the part it needs.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use provedex_ffi::{AgentEvent, ProvedexError, SigningKeypair, event_from_json, sign_event_at, signed_event_to_json};

/// The example's self_hashes, as spec/transparency.md prints them.
pub const SELF_HASHES: [&str; 5] = [
    "52299f4b70c1603526deb7b88cbaa03ca9eb1b91a3da038babb4a175041aec91",
    "7ad3b55c94a38cec592f2a1013911d63c71b25129442827849fda312cddff717",
    "47e922625ffbd02c28f5e25300637c7e29d4dd32bd7b82f8dfae8c32e4a02dbb",
    "d7ea33eeffae138ad257224756ebe10dc123fd7496cf220bca86babcbbddbe6b",
    "48ceec2fea3094d77d28dff69fca6b8096d20cff368ce4adc8b58a304082002c",
];
/// The roots of the trees of the first three and of all five lines.
pub const ROOT_3: &str = "b3c3002b473ff193240ef3ae3df5fe87618134ce597f3e1a5e1208718ceec20b";
pub const ROOT_5: &str = "06f986b72472a5fc40b83c14c1f018691815b400d74f952ab737f7c36d10ff2e";
/// The public key of the seed 00 01 … 1f (DESIGN.md's published check value), and its fingerprint.
pub const CHECK_PUBKEY: &str = "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8";
pub const FINGERPRINT: &str = "sha256:56475aa75463474c0285df5dbf2bcab73da651358839e9b77481b2eab107708c";
/// The example checkpoint's origin line, root and signature.
pub const ORIGIN: &str = "provedex-ledger/52299f4b70c1603526deb7b88cbaa03ca9eb1b91a3da038babb4a175041aec91/sha256:56475aa75463474c0285df5dbf2bcab73da651358839e9b77481b2eab107708c";
pub const NOTE_ROOT: &str = "BvmGtyRypfxAuDwUwfAYaRgVtADXT5Uqtzf3w20Q/y4=";
pub const NOTE_SIGNATURE: &str =
    "zQWhPN5xQVM8nuBsbg4sI65IHv+Yuoeeoc/077YMcDS8pvocFQpxY+zPUdxa26TiD7nLHLDCWUc9U1yoKvcMRsCjuAE=";

/// The spec's example checkpoint, byte for byte.
pub fn example_note() -> String {
    format!("{ORIGIN}\n5\n{NOTE_ROOT}\n\n\u{2014} {ORIGIN} {NOTE_SIGNATURE}\n")
}

/// The key of the seed 00 01 … 1f, which signed the example lines.
pub fn check_key() -> Arc<SigningKeypair> {
    SigningKeypair::from_seed((0u8..32).collect()).unwrap()
}

/// The key of 32 bytes `byte`.
pub fn seed_key(byte: u8) -> Arc<SigningKeypair> {
    SigningKeypair::from_seed(vec![byte; 32]).unwrap()
}

pub fn bytes(hex: &str) -> Vec<u8> {
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect()
}

/// The five example lines, as the spec's seal examples print them (seq 0 and 1
/// in signature-scheme.md, seq 2 to 4 in ledger-format.md).
pub fn example_lines() -> Vec<String> {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spec");
    let mut lines = Vec::new();
    for file in ["signature-scheme.md", "ledger-format.md"] {
        let text = std::fs::read_to_string(spec.join(file)).unwrap();
        lines.extend(text.lines().filter_map(|l| l.strip_prefix("line: ")).map(str::to_owned));
    }
    assert_eq!(lines.len(), 5, "the spec prints five example lines");
    for (seq, line) in lines.iter().enumerate() {
        assert!(line.starts_with(&format!("{{\"seq\":{seq},")), "line {seq}: {line}");
    }
    lines
}

pub fn write_ledger(dir: &Path, name: &str, lines: &[String]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, lines.iter().map(|l| format!("{l}\n")).collect::<String>()).unwrap();
    path
}

/// A scratch directory holding the example ledger as `ledger.ndjson`. The
/// directory is removed when `dir` is dropped: bind it (`dir: _dir`) for as
/// long as the files are used.
pub struct Example {
    pub dir: tempfile::TempDir,
    pub lines: Vec<String>,
    pub ledger: PathBuf,
}

pub fn example_ledger() -> Example {
    let dir = tempfile::tempdir().unwrap();
    let lines = example_lines();
    let ledger = write_ledger(dir.path(), "ledger.ndjson", &lines);
    Example { dir, lines, ledger }
}

/// An event to put in place of an example line, signed by the same key.
pub fn replacement_event() -> AgentEvent {
    event_from_json(r#"{"type":"SessionEnded","payload":{"reason":"replaced","summary_sha256":""}}"#.to_owned())
        .unwrap()
}

/// `other.ndjson`: a ledger of one line signed by `key`, whose first line is not the example's.
pub fn other_ledger(dir: &Path, key: &Arc<SigningKeypair>) -> PathBuf {
    let first = event_from_json(
        r#"{"type":"SessionStarted","payload":{"agent_id":"a","model_id":"m","session_id":"s"}}"#.to_owned(),
    )
    .unwrap();
    let line = sign_event_at(first, 0, 1, "0".repeat(64), key.clone()).unwrap();
    write_ledger(dir, "other.ndjson", &[signed_event_to_json(line).unwrap()])
}

/// `broken.ndjson`: the lines with line 3's seq made 9, so the chain breaks there.
pub fn broken_ledger(dir: &Path, lines: &[String]) -> PathBuf {
    let mut broken = lines.to_vec();
    broken[3] = broken[3].replacen("\"seq\":3,", "\"seq\":9,", 1);
    write_ledger(dir, "broken.ndjson", &broken)
}

/// An error's kind, and its code where it has one.
pub fn code(e: ProvedexError) -> (&'static str, String) {
    match e {
        ProvedexError::KeyLoad { .. } => ("KeyLoad", String::new()),
        ProvedexError::Signing { code, .. } => ("Signing", code),
        ProvedexError::Ledger { code, .. } => ("Ledger", code),
        ProvedexError::Chain { code, .. } => ("Chain", code),
        ProvedexError::Config { code, .. } => ("Config", code),
    }
}
