//! The schemas derived from Rust types are checked in as generated, and the
//! documents Provedex emits are valid under them: here the verification
//! report, for every ledger of the golden vectors, anchor statements, the
//! vector files themselves, the runner's reports and the expectations files
//! it reads (the protocol's messages are checked in tests/protocol.rs, and
//! the receipts real servers return in cli/tests/anchors.rs).

use provedex_conformance::runner::load_vectors;
use provedex_conformance::schemas::{self, REPORT_SCHEMA_PATH};
use provedex_conformance::vector::unhex;
use provedex_core::{PublicKeyBytes, Verifier};
use serde_json::Value as Json;

fn repo() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// A validator for the checked-in schema at `path` (from the repository's root).
fn checked_in_validator(path: &str) -> jsonschema::Validator {
    let schema: Json = serde_json::from_str(&std::fs::read_to_string(repo().join(path)).unwrap()).unwrap();
    jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{path} does not compile: {e}"))
}

#[test]
fn every_schema_file_is_current() {
    for schema in schemas::all() {
        let checked_in = std::fs::read_to_string(repo().join(schema.path)).unwrap();
        assert!(checked_in == schema.text, "{} is stale; run `scripts/regenerate.sh`", schema.path);
        let parsed: Json = serde_json::from_str(&schema.text).unwrap();
        assert!(jsonschema::meta::is_valid(&parsed), "{} is not a valid JSON Schema", schema.path);
    }
}

#[test]
fn every_report_of_the_ledger_vectors_is_valid_under_the_report_schema() {
    let validator = checked_in_validator(REPORT_SCHEMA_PATH);
    let vectors = load_vectors(&provedex_conformance::default_vectors_dir()).unwrap();
    let (mut valid, mut broken) = (0, 0);
    for (_, file) in vectors.iter().filter(|(_, f)| f.operation == "verify_ledger") {
        for test in file.tests() {
            let input = test.request_input();
            let ledger = unhex(input["ledger_hex"].as_str().unwrap()).unwrap();
            let key =
                |member: &str| input.get(member).and_then(Json::as_str).map(|k| PublicKeyBytes::from_hex(k).unwrap());
            let report = Verifier::new()
                .pinned_pubkey(key("pinned_pubkey"))
                .pinned_current_pubkey(key("pinned_current_pubkey"))
                .check_tool_calls(input.get("check_tools") == Some(&Json::Bool(true)))
                .reader(&ledger[..])
                .unwrap();
            let emitted = serde_json::to_value(&report).unwrap();
            let errors: Vec<String> = validator.iter_errors(&emitted).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{}: {emitted} is not a valid report: {errors:?}", test.id);
            if report.ok { valid += 1 } else { broken += 1 }
        }
    }
    assert!(valid > 5 && broken > 30, "{valid} valid and {broken} broken ledgers checked");
    let mut missing_member = serde_json::to_value(Verifier::new().reader(&b""[..]).unwrap()).unwrap();
    missing_member.as_object_mut().unwrap().remove("broken_at");
    assert!(!validator.is_valid(&missing_member), "every member is required, null or not");
}

#[test]
fn signed_anchor_statements_are_valid_under_the_statement_schema_and_malformed_ones_are_not() {
    use provedex_format::{ChainHash, Digest, SigningKeypair};
    let validator = checked_in_validator(schemas::ANCHOR_STATEMENT_SCHEMA_PATH);
    let key = SigningKeypair::from_seed(&[7; 32]);
    let mut texts = Vec::new();
    for (size, made_nanos) in [(1, 0), (12, 1_764_604_800_000_000_000), (u64::MAX, u64::MAX)] {
        let signed = key.sign_anchor_statement(&ChainHash([1; 32]), size, Digest([2; 32]), made_nanos);
        let text = signed.to_text();
        let document: Json = serde_json::from_str(&text).unwrap();
        let errors: Vec<String> = validator.iter_errors(&document).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{text}: {errors:?}");
        texts.push(text);
    }
    // Each of these the reader refuses too (format/src/anchor.rs).
    let text = &texts[1];
    let refused = [
        text.replace("\"tree_size\":12", "\"tree_size\":0"),
        text.replace("\"tree_size\":12", "\"tree_size\":-1"),
        text.replace("\"tree_size\":12", "\"tree_size\":\"12\""),
        text.replace(",\"tree_size\":12", ""),
        text.replace('}', ",\"extra\":1}"),
        text.replace("\"root\":\"02", "\"root\":\"2"),
        text.replace("\"root\":\"02", "\"root\":\"0A"),
        text.replace("\"signature\":\"", "\"signature\":\"00"),
        text.replace("provedex-ledger/", "provedex-log/"),
        text.replace("/sha256:", "/sha512:"),
    ];
    for bad in &refused {
        assert_ne!(bad, text, "each case changes the statement");
        assert!(provedex_format::anchor::SignedAnchorStatement::parse(bad).is_err(), "the reader accepts {bad}");
        let document: Json = serde_json::from_str(bad).unwrap();
        assert!(!validator.is_valid(&document), "the schema accepts {bad}");
    }
}

#[test]
fn every_vector_file_is_valid_under_the_vectors_schema() {
    let validator = checked_in_validator(schemas::VECTORS_SCHEMA_PATH);
    let mut files = 0;
    for entry in std::fs::read_dir(provedex_conformance::default_vectors_dir()).unwrap() {
        let path = entry.unwrap().path();
        let file: Json = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let errors: Vec<String> = validator.iter_errors(&file).take(3).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{}: {errors:?}", path.display());
        files += 1;
    }
    assert_eq!(files, provedex_conformance::generate::all_files().len(), "every vector file was checked");
    let mut unknown_member: Json = serde_json::from_str(
        &std::fs::read_to_string(provedex_conformance::default_vectors_dir().join("ed25519.json")).unwrap(),
    )
    .unwrap();
    unknown_member["test_groups"][0]["tests"][0]["extra"] = Json::Bool(true);
    assert!(!validator.is_valid(&unknown_member), "a test has exactly its members");
}

#[test]
fn run_reports_that_pass_fail_error_and_skip_are_valid_under_the_run_report_schema() {
    let validator = checked_in_validator(schemas::RUN_REPORT_SCHEMA_PATH);
    let vectors = load_vectors(&provedex_conformance::default_vectors_dir()).unwrap();
    let adapter =
        |name: &str| vec![repo().join("conformance/tests/adapters").join(name).to_string_lossy().into_owned()];
    let ours = vec![env!("CARGO_BIN_EXE_provedex-conformance").to_owned(), "adapter".to_owned()];
    let timeout = std::time::Duration::from_secs(10);
    let mut outcomes = std::collections::BTreeSet::new();
    for (command, filter) in [
        (ours, "ledgers/framing/"),
        (adapter("crashes_on_duplicates.sh"), "canonical_json/errors/"),
        (adapter("crashes_on_duplicates.sh"), "check-value"),
    ] {
        let report = provedex_conformance::runner::run(&vectors, &command, Some(filter), timeout).unwrap();
        let emitted = serde_json::to_value(&report).unwrap();
        let errors: Vec<String> = validator.iter_errors(&emitted).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{filter}: {errors:?}");
        for problem in emitted["problems"].as_array().unwrap() {
            outcomes.insert(problem["outcome"].as_str().unwrap().to_owned());
        }
        if report.total.passed > 0 {
            outcomes.insert("passed".to_owned());
        }
        if report.total.skipped > 0 {
            outcomes.insert("skipped".to_owned());
        }
    }
    assert_eq!(outcomes.into_iter().collect::<Vec<_>>(), ["errored", "failed", "passed", "skipped"]);
}

#[test]
fn expectations_files_and_reports_against_them_are_valid_under_their_schemas() {
    let file_validator = checked_in_validator(provedex_conformance::expectations::SCHEMA_PATH);
    let file = serde_json::json!({"tests": {
        "canonical_json/structure/true": {"outcome": "failed", "why": "answers null"},
        "canonical_json/structure/null": {"outcome": "errored", "why": "crashed once"},
    }});
    assert!(file_validator.is_valid(&file));
    for refused in [
        serde_json::json!({"tests": {"x": {"outcome": "passed", "why": "a pass is the default"}}}),
        serde_json::json!({"tests": {"x": {"outcome": "failed", "why": ""}}}),
        serde_json::json!({"tests": {"x": {"outcome": "failed"}}}),
        serde_json::json!({"tests": {}, "extra": 1}),
    ] {
        assert!(!file_validator.is_valid(&refused), "{refused}");
    }
    let expectations: provedex_conformance::expectations::Expectations = serde_json::from_value(file).unwrap();
    let vectors = load_vectors(&provedex_conformance::default_vectors_dir()).unwrap();
    let chatty = vec![repo().join("conformance/tests/adapters/chatty.sh").to_string_lossy().into_owned()];
    let timeout = std::time::Duration::from_secs(10);
    let mut report =
        provedex_conformance::runner::run(&vectors, &chatty, Some("canonical_json/structure/"), timeout).unwrap();
    report.expectations = Some(expectations.compare(&report));
    let compared = report.expectations.as_ref().unwrap();
    assert!(!compared.regressions.is_empty() && !compared.known_failures.is_empty() && !compared.fixed.is_empty());
    let emitted = serde_json::to_value(&report).unwrap();
    let errors: Vec<String> =
        checked_in_validator(schemas::RUN_REPORT_SCHEMA_PATH).iter_errors(&emitted).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
}
