//! The conformance levels through the runner, against the Rust core's
//! adapter made wrong in one way at a time (tests/adapters/tamper.sh): each
//! fault fails exactly the levels it bears on, every member of an expected
//! report but `message` is compared, and a missing one fails.

mod common;

use common::{RUST_CORE_TIMEOUT, rust_core, tampered, tempdir};
use provedex_conformance::default_vectors_dir;
use provedex_conformance::generate;
use provedex_conformance::levels::{Level, LevelStatus, STRICT_FLAGS};
use provedex_conformance::runner::{Outcome, RunReport, load_vectors, render, run};
use provedex_conformance::vector::{FileBuilder, Verdict, unhex};
use provedex_core::{PublicKeyBytes, Verifier};
use serde_json::{Value as Json, json};

fn run_vectors(adapter: &[String], filter: &str) -> RunReport {
    let vectors = load_vectors(&default_vectors_dir()).unwrap();
    run(&vectors, adapter, Some(filter), RUST_CORE_TIMEOUT).unwrap()
}

fn status(report: &RunReport, level: Level) -> LevelStatus {
    report.levels.iter().find(|l| l.level == level).unwrap().status
}

fn why(report: &RunReport, id: &str) -> String {
    match &report.problems.iter().find(|p| p.id == id).unwrap_or_else(|| panic!("{id} passed")).outcome {
        Outcome::Failed { why, .. } => why.clone(),
        other => panic!("{id}: {other:?}"),
    }
}

#[test]
fn a_writer_that_spaces_its_line_differently_is_verdict_compatible_but_not_byte_compatible() {
    // `{"seq":` becomes `{"seq": ` inside every signed line: the line reads as the same value.
    let report = run_vectors(&tampered(r#"s/{\\"seq\\":/{\\"seq\\": /"#), "signatures/");
    let shown = render(&report);
    assert_eq!(status(&report, Level::VerdictCompatible), LevelStatus::Met, "{shown}");
    assert_eq!(status(&report, Level::ReasonExact), LevelStatus::Met, "{shown}");
    assert_eq!(status(&report, Level::ByteCompatible), LevelStatus::NotMet, "{shown}");
    assert_eq!(report.highest_level, Some(Level::VerdictCompatible));
    let byte = report.levels.iter().find(|l| l.level == Level::ByteCompatible).unwrap();
    let vectors = load_vectors(&default_vectors_dir()).unwrap();
    let seals = vectors.iter().flat_map(|(_, f)| f.tests()).filter(|t| t.id.starts_with("signatures/"));
    let with_line = seals.filter(|t| t.expected.contains_key("line")).count();
    assert!(with_line > 50, "{with_line}");
    assert_eq!(byte.total.failed, with_line, "every valid seal fails, the refused events have no line: {shown}");
    let problem = report.problems.iter().find(|p| p.id == "signatures/check-value/session-started").unwrap();
    assert_eq!(problem.levels, [Level::ByteCompatible]);
    assert_eq!(
        why(&report, "signatures/check-value/session-started"),
        "the line reads as the expected one but is not the same bytes: from byte 0, \"{\"seq\": \
         0,\"timestamp_nanos\":1700000000000000000,\"event\":{\"type\":\"… (554 bytes in all) where the vector has \
         \"{\"seq\":0,\"timestamp_nanos\":1700000000000000000,\"event\":{\"type\":\"\"… (553 bytes in all)"
    );
    assert!(!report.success(), "a run fails on any failed level");
}

#[test]
fn a_verifier_with_the_right_verdict_and_another_reason_is_not_reason_exact() {
    let report = run_vectors(&tampered(r#"s/"reason":"seq_mismatch"/"reason":"parent_mismatch"/"#), "ledgers/chain/");
    let shown = render(&report);
    assert_eq!(status(&report, Level::VerdictCompatible), LevelStatus::Met, "{shown}");
    assert_eq!(status(&report, Level::ReasonExact), LevelStatus::NotMet, "{shown}");
    assert_eq!(status(&report, Level::ByteCompatible), LevelStatus::NotJudged, "no ledger test writes bytes");
    assert_eq!(status(&report, Level::Strict), LevelStatus::NotJudged, "no chain test is of the strictness profile");
    assert_eq!(report.highest_level, Some(Level::VerdictCompatible));
    assert_eq!(why(&report, "ledgers/chain/delete-middle"), "reason is \"parent_mismatch\", expected \"seq_mismatch\"");
    for problem in &report.problems {
        assert_eq!(problem.levels, [Level::ReasonExact], "{}", problem.id);
    }
}

#[test]
fn a_verifier_that_accepts_what_the_strict_profile_refuses_fails_the_strict_level_only() {
    // A duplicate key is read as a lax JSON reader reads it: the ledger verifies.
    let report =
        run_vectors(&tampered(r#"s/"ok":false,"reason":"duplicate_key"/"ok":true,"reason":null/"#), "ledgers/");
    let shown = render(&report);
    assert_eq!(status(&report, Level::Strict), LevelStatus::NotMet, "{shown}");
    assert_eq!(status(&report, Level::VerdictCompatible), LevelStatus::Met, "{shown}");
    assert_eq!(status(&report, Level::ReasonExact), LevelStatus::Met, "{shown}");
    assert_eq!(report.highest_level, Some(Level::VerdictCompatible), "byte-compatible is not judged by ledgers");
    let problem = report.problems.iter().find(|p| p.id == "ledgers/strict/duplicate-seq").unwrap();
    assert_eq!(problem.levels, [Level::Strict]);
}

/// A vector file of verify_ledger tests whose expected results are the Rust
/// core's whole reports, with a `message` no implementation gives.
fn full_report_vectors() -> std::path::PathBuf {
    let vectors = load_vectors(&default_vectors_dir()).unwrap();
    let ledgers = &vectors.iter().find(|(stem, _)| stem == "ledgers").unwrap().1;
    let mut file = FileBuilder::new("reports", "verify_ledger", "Whole reports.");
    let mut group = file.group("chain", "Chain faults with every member of the report expected.");
    for name in ["delete-middle", "delete-first", "delete-last"] {
        let test = ledgers.tests().find(|t| t.id == format!("ledgers/chain/{name}")).unwrap();
        let ledger = unhex(test.input["ledger_hex"].as_str().unwrap()).unwrap();
        let pinned = test.input["pinned_pubkey"].as_str().map(|k| PublicKeyBytes::from_hex(k).unwrap());
        let mut expected =
            serde_json::to_value(Verifier::new().pinned_pubkey(pinned).reader(&ledger[..]).unwrap()).unwrap();
        expected["message"] = json!("a message no implementation gives: never compared");
        let verdict = if expected["ok"] == json!(true) { Verdict::Valid } else { Verdict::Invalid };
        group.test(name, &test.comment, &[], Json::Object(test.input.clone()), verdict, expected);
    }
    let dir = tempdir("full-reports");
    std::fs::write(dir.join("reports.json"), generate::render(&file.finish())).unwrap();
    dir
}

// Pins: VF-4.
#[test]
fn every_member_of_an_expected_report_but_message_is_compared() {
    let dir = full_report_vectors();
    let vectors = load_vectors(&dir).unwrap();
    let run_against = |adapter: &[String]| run(&vectors, adapter, None, RUST_CORE_TIMEOUT).unwrap();

    let honest = run_against(&rust_core());
    assert!(honest.success(), "the message differs and is not compared: {}", render(&honest));
    assert_eq!(honest.total.passed, 3);

    let wrong_line = run_against(&tampered(r#"s/"line":\([0-9][0-9]*\)/"line":9\1/"#));
    assert_eq!(why(&wrong_line, "reports/chain/delete-middle"), "line is 93, expected 3");
    assert_eq!(why(&wrong_line, "reports/chain/delete-first"), "line is 91, expected 1");
    assert_eq!(wrong_line.total.failed, 2, "the valid ledger's line is null: {}", render(&wrong_line));

    let wrong_signers = run_against(&tampered(r#"s/"signers":\[[^]]*\]/"signers":[]/"#));
    assert_eq!(
        why(&wrong_signers, "reports/chain/delete-middle"),
        "signers is [], expected [\"03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8\"]"
    );
    assert_eq!(wrong_signers.total.failed, 2, "the report broken at line 1 has no signers anyway");

    let no_signers = run_against(&tampered(r#"s/,"signers":\[[^]]*\]//"#));
    assert_eq!(why(&no_signers, "reports/chain/delete-first"), "signers is missing");
    assert_eq!(no_signers.total.failed, 3, "a missing member fails, whatever its value would be");
    for report in [&wrong_line, &wrong_signers, &no_signers] {
        assert_eq!(status(report, Level::VerdictCompatible), LevelStatus::Met);
        assert_eq!(status(report, Level::ReasonExact), LevelStatus::NotMet);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn every_strict_flag_is_declared_by_a_vector_file() {
    // A renamed flag would silently move its tests out of the strict level.
    let vectors = load_vectors(&default_vectors_dir()).unwrap();
    for flag in STRICT_FLAGS {
        let users = vectors.iter().filter(|(_, f)| f.notes.contains_key(flag)).count();
        let tests = vectors.iter().flat_map(|(_, f)| f.tests()).filter(|t| t.flags.iter().any(|x| x == flag)).count();
        assert!(users > 0 && tests > 0, "no vector file declares and uses the strictness flag {flag}");
    }
}
