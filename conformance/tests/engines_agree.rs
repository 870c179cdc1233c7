//! Every line the vectors hold for `verify_event` and `sign`, verified as a
//! one-line ledger every way the Rust core verifies a ledger (each engine
//! over a reader, a file, the events in memory; see
//! [`verify_ledger_every_way`]): the ways agree in every member, the
//! Ed25519 edge cases (torsion, small order, non-canonical encodings,
//! S >= L) included, and give the line's expected verdict. The vectors of
//! `verify_ledger` go the same ways through the adapter in `runner.rs`.

use provedex_conformance::adapter::{Options, verify_ledger_every_way};
use provedex_conformance::default_vectors_dir;
use provedex_conformance::runner::load_vectors;
use provedex_conformance::vector::{TestCase, unhex};
use provedex_core::{ChainReport, Reason};
use serde_json::Value as Json;

/// The report every way agrees on.
fn agreed_report(id: &str, ledger: &[u8]) -> ChainReport {
    verify_ledger_every_way(ledger, Options::default()).unwrap_or_else(|disagreement| panic!("{id}: {disagreement}"))
}

/// The string argument `key` of `test`'s request, built when the vector describes it.
fn str_field(test: &TestCase, key: &str) -> String {
    let input = test.request_input();
    input.get(key).and_then(Json::as_str).unwrap_or_else(|| panic!("{}: no string {key}", test.id)).to_owned()
}

#[test]
fn every_way_gives_every_line_its_expected_verdict() {
    let mut lines = 0;
    for (_, file) in load_vectors(&default_vectors_dir()).expect("the vectors load") {
        for test in file.tests() {
            match file.operation.as_str() {
                // One line as a one-line ledger: the verdict is the line's,
                // unless the line does not start a chain (verify_event has
                // no chain context, a ledger has).
                "verify_event" => {
                    let mut line = unhex(&str_field(test, "line_hex")).unwrap();
                    line.push(b'\n');
                    let report = agreed_report(&test.id, &line);
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
                    let report = agreed_report(&test.id, format!("{line}\n").as_bytes());
                    let elsewhere = matches!(report.reason, Some(Reason::SeqMismatch | Reason::ParentMismatch));
                    assert!(report.ok || elsewhere, "{}: {}", test.id, report.message);
                }
                _ => continue,
            }
            lines += 1;
        }
    }
    assert!(lines >= 900, "only {lines} vectors with lines");
}
