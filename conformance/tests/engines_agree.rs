//! Every vector that holds ledger lines, verified by the sequential engine
//! (one strict ed25519-dalek verification per line) and by the fast engine
//! (one and several threads): the reports agree in every field, the Ed25519
//! edge cases (torsion, small order, non-canonical encodings, S >= L)
//! included, and they are the vector's expected verdict.

use std::num::NonZeroUsize;

use provedex_conformance::default_vectors_dir;
use provedex_conformance::runner::load_vectors;
use provedex_conformance::vector::{TestCase, unhex};
use provedex_core::{ChainReport, Engine, PublicKeyBytes, Reason, SignedEvent, Verifier, line::frame};
use serde_json::Value as Json;

const FAST_ENGINES: [Engine; 2] =
    [Engine::Fast { threads: NonZeroUsize::MIN }, Engine::Fast { threads: NonZeroUsize::new(2).unwrap() }];

/// The reports of every engine on `ledger`, asserted equal; the shared one.
fn agreed_report(id: &str, ledger: &[u8], pinned_pubkey: Option<PublicKeyBytes>) -> ChainReport {
    let verifier = |engine| Verifier::new().pinned_pubkey(pinned_pubkey).engine(engine);
    let reference = verifier(Engine::Sequential).reader(ledger).expect("reading a slice");
    for engine in FAST_ENGINES {
        let fast = verifier(engine).reader(ledger).expect("reading a slice");
        assert_eq!(fast, reference, "{id}: {engine:?} disagrees with the sequential engine");
    }
    // The lines that parse, verified in memory, agree too.
    let events: Vec<SignedEvent> = ledger
        .split_inclusive(|&b| b == b'\n')
        .map_while(|line| frame(line).and_then(SignedEvent::from_line).ok())
        .collect();
    let in_memory = verifier(Engine::Sequential).events(&events);
    for engine in FAST_ENGINES {
        assert_eq!(verifier(engine).events(&events), in_memory, "{id}: {engine:?} in memory");
    }
    reference
}

/// The string argument `key` of `test`'s request, built when the vector describes it.
fn str_field(test: &TestCase, key: &str) -> String {
    let input = test.request_input();
    input.get(key).and_then(Json::as_str).unwrap_or_else(|| panic!("{}: no string {key}", test.id)).to_owned()
}

#[test]
fn both_engines_give_every_vector_its_expected_report() {
    let mut ledgers = 0;
    for (_, file) in load_vectors(&default_vectors_dir()).expect("the vectors load") {
        for test in file.tests() {
            match file.operation.as_str() {
                // One line as a one-line ledger: the verdict is the line's,
                // unless the line does not start a chain (verify_event has
                // no chain context, a ledger has).
                "verify_event" => {
                    let mut line = unhex(&str_field(test, "line_hex")).unwrap();
                    line.push(b'\n');
                    let report = agreed_report(&test.id, &line, None);
                    if matches!(report.reason, Some(Reason::SeqMismatch | Reason::ParentMismatch)) {
                        continue;
                    }
                    assert_eq!(Some(&Json::Bool(report.ok)), test.expected.get("valid"), "{}", test.id);
                    let reason = report.reason.map(|r| Json::from(r.code())).unwrap_or(Json::Null);
                    assert_eq!(Some(&reason), test.expected.get("reason"), "{}", test.id);
                }
                // A line the signer produced: a one-line ledger that holds,
                // unless the line does not start a chain.
                "sign" => {
                    let Some(line) = test.expected.get("line").and_then(Json::as_str) else { continue };
                    let report = agreed_report(&test.id, format!("{line}\n").as_bytes(), None);
                    let elsewhere = matches!(report.reason, Some(Reason::SeqMismatch | Reason::ParentMismatch));
                    assert!(report.ok || elsewhere, "{}: {}", test.id, report.message);
                }
                "verify_ledger" => {
                    let ledger = unhex(&str_field(test, "ledger_hex")).unwrap();
                    let pinned_pubkey = test
                        .input
                        .get("pinned_pubkey")
                        .and_then(Json::as_str)
                        .map(|hex| PublicKeyBytes::from_hex(hex).unwrap());
                    let report = agreed_report(&test.id, &ledger, pinned_pubkey);
                    let json = serde_json::to_value(&report).unwrap();
                    for (key, expected) in &test.expected {
                        assert_eq!(json.get(key), Some(expected), "{}: {key}", test.id);
                    }
                }
                _ => continue,
            }
            ledgers += 1;
        }
    }
    assert!(ledgers >= 29 + 69, "only {ledgers} vectors with lines");
}
