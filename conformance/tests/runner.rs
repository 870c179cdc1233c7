//! The runner against our own adapter (snapshot of the full report) and
//! against adapters that crash, hang, break the protocol or support only
//! part of it: every test still gets an outcome, and the run goes on.

mod common;

use std::process::Command;
use std::time::Duration;

use common::{RUST_CORE_TIMEOUT, bin, rust_core, script, tempdir};
use provedex_conformance::levels::Level;
use provedex_conformance::runner::{Outcome, RunReport, load_vectors, render, run};
use provedex_conformance::vector::{FileBuilder, Verdict};
use provedex_conformance::{default_vectors_dir, generate};
use serde_json::json;

fn run_with(adapter: &[String], filter: Option<&str>, timeout: Duration) -> RunReport {
    let vectors = load_vectors(&default_vectors_dir()).unwrap();
    run(&vectors, adapter, filter, timeout).unwrap()
}

#[test]
fn checked_in_vectors_are_current() {
    let stale = generate::write_or_check(&default_vectors_dir(), true).unwrap();
    assert!(stale.is_empty(), "stale vector files {stale:?}; run `cargo run -p provedex-conformance -- generate`");
}

#[test]
fn vectors_cover_the_required_ground() {
    let files = generate::all_files();
    let total: usize = files.iter().map(|(_, f)| f.number_of_tests).sum();
    assert!(total >= 300, "only {total} tests");
    let ids: Vec<String> =
        files.iter().flat_map(|(_, f)| f.tests().map(|t| t.id.clone()).collect::<Vec<_>>()).collect();
    for needle in [
        "canonical_json/float-format/e-16",
        "canonical_json/errors/lone-high-surrogate",
        "canonical_json/key-order/astral-after-bmp-private-use",
        "canonical_json/nesting/arrays-129",
        "events/ModelInvoked/prompt_tokens-2-pow-32",
        "signatures/check-value/session-started",
        "ed25519/mixed-order/mixed-a-cofactored-only",
        "ledgers/keys/resigned-pinned",
        "ledgers/framing/torn-half",
        "ledgers/framing/crlf-everywhere",
        "ledgers/strict/duplicate-seq",
        "tree/rfc6962/size-8",
        "tree/no-duplication/abcc",
        "inclusion/rfc6962/size-8-index-5",
        "inclusion/range/index-equals-size",
        "consistency/rfc6962/6-to-8",
        "consistency/mismatch/power-of-two-4-to-11-wrong-old-root",
        "sign_checkpoint/example/spec-example",
        "checkpoints/published/peter-neumann",
        "checkpoints/note/101-signatures",
        "ledgers_checkpoint/order/current-key-before-foreign",
        "ledgers_checkpoint/forked/last-two-resigned",
    ] {
        assert!(ids.iter().any(|id| id == needle), "missing vector {needle}");
    }
}

#[test]
fn the_rust_core_passes_every_vector() {
    let report = run_with(&rust_core(), None, RUST_CORE_TIMEOUT);
    assert!(report.success(), "{}", render(&report));
    assert_eq!(report.total.skipped, 0);
    assert_eq!(report.highest_level, Some(Level::Strict));
    // Every test is judged at reason-exact, or else at strict; and at
    // verdict-compatible too, but those of the operations that have no
    // verdict: a data signature, a tree's root, a signed checkpoint.
    let judged = |level: Level| report.levels.iter().find(|l| l.level == level).unwrap().total.passed;
    let without_verdict: usize = ["sign_data", "tree", "sign_checkpoint"]
        .into_iter()
        .map(|stem| report.files.iter().find(|f| f.file == stem).map(|f| f.passed).filter(|&n| n > 0))
        .map(|passed| passed.expect("each file of an operation without a verdict ran"))
        .sum();
    assert_eq!(judged(Level::VerdictCompatible) + judged(Level::Strict) + without_verdict, report.total.passed);
    assert_eq!(judged(Level::ReasonExact) + judged(Level::Strict), report.total.passed);
    insta::assert_snapshot!("rust_core_report", render(&report));
}

/// The judge of every mutant in scripts/mutants.sh: the same vectors as
/// `the_rust_core_passes_every_vector`, one file at a time from the fewest
/// tests up (the tests built at run time, which are slow, after all the
/// others), stopping at the first that does not pass, so that a mutant the
/// vectors catch costs a small part of the run.
#[test]
#[ignore = "run by scripts/mutants.sh; the_rust_core_passes_every_vector covers the same ground"]
fn the_rust_core_passes_every_vector_file_fail_fast() {
    let mut vectors = load_vectors(&default_vectors_dir()).unwrap();
    vectors.sort_by_key(|(_, file)| file.number_of_tests);
    let part = |built_at_run_time: bool| {
        vectors.iter().map(move |(stem, file)| {
            let mut part = file.clone();
            for group in &mut part.test_groups {
                group.tests.retain(|test| test.generated_input.is_empty() != built_at_run_time);
            }
            (stem.clone(), part)
        })
    };
    for file in part(false).chain(part(true)) {
        let report = run(&[file], &rust_core(), None, RUST_CORE_TIMEOUT).unwrap();
        assert!(report.success() && report.total.skipped == 0, "{}", render(&report));
    }
}

#[test]
fn json_report_and_exit_codes() {
    let out = Command::new(bin())
        .args(["run", "--json", "--filter", "signatures/check-value", "--", &bin(), "adapter"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["total"]["passed"], 1);
    assert_eq!(report["implementation"]["name"], "provedex-core");

    let failing = Command::new(bin())
        .args(["run", "--filter", "structure/", "--", &script("crashes_on_duplicates.sh")])
        .output()
        .unwrap();
    assert_eq!(failing.status.code(), Some(1), "failures exit 1");
    let missing = Command::new(bin()).args(["run", "--", "/nonexistent/adapter"]).output().unwrap();
    assert_eq!(missing.status.code(), Some(2), "setup errors exit 2");
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot start the adapter"));
}

#[test]
fn a_crashing_adapter_is_restarted_and_the_run_goes_on() {
    let report =
        run_with(&[script("crashes_on_duplicates.sh")], Some("canonical_json/errors/"), Duration::from_secs(10));
    let canonical = &report.files.iter().find(|f| f.file == "canonical_json").unwrap();
    assert_eq!(canonical.errored, 4, "the four duplicate-key tests crash it: {}", render(&report));
    assert_eq!(canonical.passed, 0);
    let crash = report.problems.iter().find(|p| p.id == "canonical_json/errors/duplicate-key").unwrap();
    let Outcome::Errored { message } = &crash.outcome else { panic!("{crash:?}") };
    assert!(message.contains("it exited: exit status: 3"), "{message}");
    // What it said on stderr before dying goes with the test, and only that.
    assert_eq!(crash.stderr.lines, ["crashing on canonical_json/errors/duplicate-key"]);
    // Tests after a crash still ran against a restarted adapter.
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.id == "canonical_json/errors/trailing-nul" && matches!(p.outcome, Outcome::Failed { .. }))
    );
}

#[test]
fn operations_an_adapter_does_not_offer_are_skipped_not_passed() {
    let report = run_with(&[script("crashes_on_duplicates.sh")], Some("check-value"), Duration::from_secs(10));
    let signatures = report.files.iter().find(|f| f.file == "signatures").unwrap();
    assert_eq!((signatures.passed, signatures.skipped), (0, 1));
    assert!(!report.success() || report.total.passed == 0);
}

#[test]
fn a_hanging_adapter_times_out_and_the_run_goes_on() {
    let report = run_with(&[script("hangs.sh")], Some("canonical_json/structure/"), Duration::from_millis(500));
    let hung = report.problems.iter().find(|p| p.id == "canonical_json/structure/null").unwrap();
    let Outcome::Errored { message } = &hung.outcome else { panic!("{hung:?}") };
    assert!(message.contains("timeout"), "{message}");
    assert_eq!(report.total.errored, 11, "{}", render(&report));
}

// Pins: CF-2.
#[test]
fn protocol_violations_are_errors_with_the_cause() {
    let report = run_with(&[script("garbage.sh")], Some("canonical_json/structure/"), Duration::from_secs(10));
    let message = |id: &str| match &report.problems.iter().find(|p| p.id == id).unwrap().outcome {
        Outcome::Errored { message } => message.clone(),
        other => panic!("{id}: {other:?}"),
    };
    assert!(message("canonical_json/structure/null").contains("does not echo the request id"));
    assert!(message("canonical_json/structure/true").contains("not a JSON object"));
    assert!(message("canonical_json/structure/false").contains("exactly one of result, skipped, errored"));
    assert!(message("canonical_json/structure/empty-array").contains("\"result\" is not an object"));
    // What the adapter says reaches a person escaped.
    assert!(message("canonical_json/structure/empty-object").contains("\u{1b}[2J"));
    let shown = render(&report);
    assert!(shown.contains("\\x1b[2J\\r\\u{9b}31mall good\\u{202e}"), "{shown}");
    assert!(!shown.chars().any(|c| c.is_control() && c != '\n' || c == '\u{202e}'), "{shown}");
    // An endless response line is cut off instead of filling memory.
    assert!(message("canonical_json/structure/empty-string").contains("a response line is longer than"));
    assert_eq!(report.total.errored, 6);
    assert_eq!(report.total.skipped, 5, "the adapter skipped the rest itself");
}

#[test]
fn an_adapter_of_another_protocol_stops_the_run() {
    let vectors = load_vectors(&default_vectors_dir()).unwrap();
    let err = run(&vectors, &[script("refuses_hello.sh")], None, Duration::from_secs(5)).unwrap_err();
    assert!(err.contains("refused hello: protocol 2 only"), "{err}");
}

#[test]
fn bad_vector_directories_are_reported() {
    let empty = tempdir("empty");
    assert!(load_vectors(&empty).unwrap_err().contains("no vector files"));
    std::fs::write(empty.join("x.json"), "{}").unwrap();
    assert!(load_vectors(&empty).unwrap_err().contains("not a vector file"));
    let _ = std::fs::remove_dir_all(&empty);
}

#[test]
fn a_vector_input_that_is_no_request_of_its_operation_errors_that_test_only() {
    let mut file = FileBuilder::new("odd", "canonicalize", "A vector file with a malformed input.");
    let mut group = file.group("inputs", "Inputs.");
    group.test(
        "good",
        "An object.",
        &[],
        json!({"input_hex": "7b7d"}),
        Verdict::Valid,
        json!({"valid": true, "output_hex": "7b7d"}),
    );
    group.test(
        "number",
        "input_hex is a number.",
        &[],
        json!({"input_hex": 7}),
        Verdict::Valid,
        json!({"valid": true}),
    );
    group.test(
        "extra",
        "An input member the protocol does not define.",
        &[],
        json!({"input_hex": "7b7d", "x": 1}),
        Verdict::Valid,
        json!({"valid": true}),
    );
    let dir = tempdir("odd-input");
    std::fs::write(dir.join("odd.json"), generate::render(&file.finish())).unwrap();
    let vectors = load_vectors(&dir).unwrap();
    let report = run(&vectors, &rust_core(), None, RUST_CORE_TIMEOUT).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!((report.total.passed, report.total.errored), (1, 2), "{}", render(&report));
    for problem in &report.problems {
        let Outcome::Errored { message } = &problem.outcome else { panic!("{problem:?}") };
        assert!(message.starts_with("the vector's input is not a canonicalize request of protocol 1: "), "{message}");
    }
}
