//! Known deviations (`run --expectations FILE`) and the adapter's stderr
//! for each failing test, against tests/adapters/chatty.sh: it answers
//! `null` to every canonicalize request (right for one structure test, wrong
//! for the others) and says on stderr what it does.

mod common;

use std::process::Command;
use std::time::Duration;

use common::{bin, script, tempdir};
use provedex_conformance::default_vectors_dir;
use provedex_conformance::expectations::{Deviation, Expectations};
use provedex_conformance::runner::{OutcomeKind, RunReport, load_vectors, render, run};
use serde_json::json;

const FILTER: &str = "canonical_json/structure/";

fn chatty_run() -> RunReport {
    let vectors = load_vectors(&default_vectors_dir()).unwrap();
    run(&vectors, &[script("chatty.sh")], Some(FILTER), Duration::from_secs(10)).unwrap()
}

/// Writes `file` as an expectations file in a scratch directory named `name`.
fn expectations_file(name: &str, file: &serde_json::Value) -> std::path::PathBuf {
    let path = tempdir(name).join("expectations.json");
    std::fs::write(&path, serde_json::to_string_pretty(file).unwrap()).unwrap();
    path
}

fn ids(deviations: &[Deviation]) -> Vec<&str> {
    deviations.iter().map(|d| d.id.as_str()).collect()
}

/// The file the tests use: one known failure, one fixed test, one changed
/// failure (errored expected, failed now); the other failing tests are unlisted.
fn listed() -> serde_json::Value {
    json!({"tests": {
        "canonical_json/structure/true": {"outcome": "failed", "why": "answers null to everything (issue 1)"},
        "canonical_json/structure/null": {"outcome": "failed", "why": "answered false once"},
        "canonical_json/structure/false": {"outcome": "errored", "why": "used to crash"},
    }})
}

#[test]
fn an_expectations_file_sorts_outcomes_into_regressions_known_failures_and_fixed_tests() {
    let vectors = load_vectors(&default_vectors_dir()).unwrap();
    let path = expectations_file("sorting", &listed());
    let expectations = Expectations::load(&path, &vectors).unwrap();
    let mut report = chatty_run();
    assert!(!report.success(), "all but structure/null fail");
    assert_eq!(report.total.passed, 1);
    let failed = report.total.failed;
    report.expectations = Some(expectations.compare(&report));
    let compared = report.expectations.as_ref().unwrap();
    assert_eq!(ids(&compared.known_failures), ["canonical_json/structure/true"]);
    assert_eq!(ids(&compared.fixed), ["canonical_json/structure/null"]);
    assert_eq!(compared.regressions.len(), failed - 1, "every failure but the known one: the changed one too");
    let changed = compared.regressions.iter().find(|d| d.id == "canonical_json/structure/false").unwrap();
    assert_eq!((changed.expected, changed.actual), (OutcomeKind::Errored, OutcomeKind::Failed));
    let unlisted = compared.regressions.iter().find(|d| d.id == "canonical_json/structure/empty-array").unwrap();
    assert_eq!(
        (unlisted.expected, unlisted.actual, unlisted.why.as_deref()),
        (OutcomeKind::Passed, OutcomeKind::Failed, None)
    );
    assert!(!report.success(), "regressions fail the run");

    let shown = render(&report);
    assert!(shown.contains("KNOWN FAILURES (as the expectations file says)\n  canonical_json/structure/true (expected failed, failed): answers null to everything (issue 1)\n"), "{shown}");
    assert!(shown.contains("FIXED (they pass now: remove them from the expectations file)\n  canonical_json/structure/null (expected failed, passed): answered false once\n"), "{shown}");
    assert!(
        !shown.contains("FAILED  canonical_json/structure/true"),
        "a known failure is one line, not a full problem: {shown}"
    );
    assert!(shown.contains("FAILED  canonical_json/structure/empty-array"), "{shown}");
    let summary = format!("against the expectations: {} regressions, 1 known failures, 1 fixed\nFAIL: ", failed - 1);
    assert!(shown.contains(&summary), "{shown}");
}

#[test]
fn with_an_expectations_file_the_exit_code_depends_on_regressions_only() {
    let exit = |filter: &str, file: &std::path::Path| {
        let out = Command::new(bin())
            .args(["run", "--json", "--filter", filter, "--expectations"])
            .arg(file)
            .args(["--", &script("chatty.sh")])
            .output()
            .unwrap();
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        (out.status.code(), report)
    };
    // Only known failures and a fixed test: the run succeeds though tests fail.
    let path = expectations_file("exit-known", &listed());
    let (code, report) = exit("canonical_json/structure/true", &path);
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["total"]["failed"], 1);
    assert_eq!(report["expectations"]["known_failures"][0]["id"], "canonical_json/structure/true");
    let (code, report) = exit("canonical_json/structure/null", &path);
    assert_eq!(code, Some(0), "a fixed test is reported, not failed: {report}");
    assert_eq!(report["expectations"]["fixed"][0]["why"], "answered false once");
    // A regression fails it.
    let (code, report) = exit("canonical_json/structure/empty-array", &path);
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(report["expectations"]["regressions"][0]["expected"], "passed");
}

#[test]
fn a_malformed_expectations_file_is_a_setup_error() {
    let run_with = |name: &str, text: &str| {
        let path = tempdir(name).join("expectations.json");
        std::fs::write(&path, text).unwrap();
        let out = Command::new(bin())
            .args(["run", "--filter", FILTER, "--expectations"])
            .arg(&path)
            .args(["--", &script("chatty.sh")])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}");
        String::from_utf8(out.stderr).unwrap()
    };
    let unknown = serde_json::to_string(&json!({"tests": {
        "canonical_json/structure/true": {"outcome": "failed", "why": "known"},
        "canonical_json/structure/no-such-test": {"outcome": "failed", "why": "renamed since"},
    }}))
    .unwrap();
    let said = run_with("unknown-id", &unknown);
    assert!(
        said.contains(
            "1 test id(s) that no vector file has (renamed or removed tests?): canonical_json/structure/no-such-test"
        ),
        "{said}"
    );
    let twice = r#"{"tests": {"canonical_json/structure/true": {"outcome": "failed", "why": "a"},
                               "canonical_json/structure/true": {"outcome": "errored", "why": "b"}}}"#;
    assert!(run_with("duplicate-id", twice).contains("duplicate_key"));
    let passed = r#"{"tests": {"canonical_json/structure/true": {"outcome": "passed", "why": "a"}}}"#;
    assert!(run_with("expected-pass", passed).contains("unknown variant `passed`"));
    let silent = r#"{"tests": {"canonical_json/structure/true": {"outcome": "failed", "why": " "}}}"#;
    assert!(run_with("no-why", silent).contains("the expectation of canonical_json/structure/true does not say why"));
    assert!(run_with("extra-member", r#"{"tests": {}, "x": 1}"#).contains("unknown field `x`"));
}

#[test]
fn the_adapters_stderr_is_shown_with_each_failing_test_and_escaped() {
    let report = chatty_run();
    let problem = report.problems.iter().find(|p| p.id == "canonical_json/structure/false").unwrap();
    assert_eq!(
        problem.stderr.lines,
        ["chatty: looking at canonical_json/structure/false", "chatty: \u{1b}[31manswering null\u{1b}[0m"],
        "the test's own lines, CR LF and LF ended, and none of the test before"
    );
    assert_eq!(problem.stderr.omitted_bytes, 0);
    assert!(report.problems.iter().all(|p| p.stderr.lines.len() == 2), "{}", render(&report));
    let shown = render(&report);
    assert!(
        shown.contains(concat!(
            "  stderr:   chatty: looking at canonical_json/structure/false\n",
            "            chatty: \\x1b[31manswering null\\x1b[0m\n"
        )),
        "{shown}"
    );
    assert!(!shown.contains('\u{1b}'), "{shown}");
}

#[test]
fn an_adapter_that_floods_stderr_gets_its_last_bytes_kept() {
    let vectors = load_vectors(&default_vectors_dir()).unwrap();
    let report = run(
        &vectors,
        &[script("crashes_on_duplicates.sh"), "--flood".into()],
        Some("errors/duplicate-key-nested"),
        Duration::from_secs(10),
    )
    .unwrap();
    let problem = &report.problems[0];
    assert_eq!(
        problem.stderr.lines.last().map(String::as_str),
        Some("crashing on canonical_json/errors/duplicate-key-nested")
    );
    let kept: usize = problem.stderr.lines.iter().map(|l| l.len() + 1).sum();
    assert!(kept <= provedex_conformance::runner::STDERR_KEPT_BYTES, "{kept} bytes kept");
    assert!(problem.stderr.omitted_bytes >= 100_000, "{}", problem.stderr.omitted_bytes);
    assert!(render(&report).contains(&format!("({} earlier bytes of stderr not kept)", problem.stderr.omitted_bytes)));
}
