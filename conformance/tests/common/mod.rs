//! Shared by the tests: the runner's binary and the test adapters, and, for
//! the tests that hold protocol messages to the typed form of
//! `provedex_conformance::protocol` and to
//! spec/conformance-protocol.schema.json, the schema's validators.

#![allow(dead_code)] // each test file uses a part

use std::path::{Path, PathBuf};

use jsonschema::ValidatorMap;
use provedex_conformance::default_vectors_dir;
use provedex_conformance::protocol::{
    CanonicalizeResult, HelloRequest, HelloResult, Operation, PROTOCOL, Request, Response, SCHEMA_PATH, SelfHashResult,
    SignCheckpointResult, SignDataResult, SignResult, ToolsetHashResult, TreeRootResult, VerifyBundleResult,
    VerifyCheckpointResult, VerifyConsistencyResult, VerifyDataResult, VerifyEventResult, VerifyInclusionResult,
    VerifyLedgerResult, to_line,
};
use provedex_conformance::runner::load_vectors;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value as Json;

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// The runner's binary.
pub fn bin() -> String {
    env!("CARGO_BIN_EXE_provedex-conformance").to_owned()
}

/// The wait for each answer of the Rust core's adapter, or of a test adapter
/// wrapped around it. It verifies each ledger every way the core can, in a
/// debug build: a 16 MiB line takes seconds, more on a loaded machine. The
/// tests judge answers, not speed.
pub const RUST_CORE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// The command of the Rust core's adapter.
pub fn rust_core() -> Vec<String> {
    vec![bin(), "adapter".into()]
}

/// The path of a test adapter of tests/adapters.
pub fn script(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/adapters").join(name).to_string_lossy().into_owned()
}

/// The Rust core's adapter with its responses edited by `sed_script` (tests/adapters/tamper.sh).
pub fn tampered(sed_script: &str) -> Vec<String> {
    vec![script("tamper.sh"), bin(), sed_script.to_owned()]
}

/// A fresh scratch directory for one test.
pub fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("provedex-conformance-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The checked-in schema.
pub fn schema() -> Json {
    serde_json::from_str(&std::fs::read_to_string(repo().join(SCHEMA_PATH)).unwrap()).unwrap()
}

/// A validator for the schema's root (`#`) and for each of its definitions (`#/$defs/NAME`).
pub fn validators() -> ValidatorMap {
    jsonschema::validator_map_for(&schema()).expect("the schema compiles")
}

/// `message` is valid under the schema at `pointer` and under the root; panics with the errors otherwise.
pub fn assert_valid(validators: &ValidatorMap, pointer: &str, message: &Json) {
    for at in [pointer, "#"] {
        let validator = validators.get(at).unwrap_or_else(|| panic!("the schema has no {at}"));
        let errors: Vec<String> =
            validator.iter_errors(message).map(|e| format!("{e} at {}", e.instance_path())).collect();
        assert!(errors.is_empty(), "not a valid {at}: {errors:?}\n{}", shown(message));
    }
}

/// Whether `message` is valid under the schema at `pointer`.
pub fn is_valid(validators: &ValidatorMap, pointer: &str, message: &Json) -> bool {
    validators.get(pointer).unwrap_or_else(|| panic!("the schema has no {pointer}")).is_valid(message)
}

/// The start of a message, for assertion messages (ledgers run to megabytes).
pub fn shown(message: &Json) -> String {
    message.to_string().chars().take(300).collect()
}

/// The hello request, then the request of every vector test, as the runner
/// builds them, one at a time: a request may carry 32 MiB of hex.
pub fn requests() -> impl Iterator<Item = Request> {
    let vectors = load_vectors(&default_vectors_dir()).unwrap();
    let tests = vectors.into_iter().flat_map(|(_, file)| {
        let operation = file.operation;
        file.test_groups
            .into_iter()
            .flat_map(|group| group.tests)
            .map(move |test| Request::for_test(&operation, &test.id, &test.request_input()).unwrap())
    });
    std::iter::once(Request::Hello(HelloRequest { id: "hello".into(), protocol: PROTOCOL })).chain(tests)
}

/// The schema definition of the response to `request`.
pub fn response_definition(request: &Request) -> &'static str {
    match request.operation() {
        None => "#/$defs/HelloResponse",
        Some(Operation::Canonicalize) => "#/$defs/CanonicalizeResponse",
        Some(Operation::SelfHash) => "#/$defs/SelfHashResponse",
        Some(Operation::Sign) => "#/$defs/SignResponse",
        Some(Operation::VerifyEvent) => "#/$defs/VerifyEventResponse",
        Some(Operation::VerifyLedger) => "#/$defs/VerifyLedgerResponse",
        Some(Operation::ToolsetHash) => "#/$defs/ToolsetHashResponse",
        Some(Operation::SignData) => "#/$defs/SignDataResponse",
        Some(Operation::VerifyData) => "#/$defs/VerifyDataResponse",
        Some(Operation::TreeRoot) => "#/$defs/TreeRootResponse",
        Some(Operation::VerifyInclusion) => "#/$defs/VerifyInclusionResponse",
        Some(Operation::VerifyConsistency) => "#/$defs/VerifyConsistencyResponse",
        Some(Operation::SignCheckpoint) => "#/$defs/SignCheckpointResponse",
        Some(Operation::VerifyCheckpoint) => "#/$defs/VerifyCheckpointResponse",
        Some(Operation::VerifyBundle) => "#/$defs/VerifyBundleResponse",
    }
}

/// Checks one response line to `request`: it reads into the typed response
/// of the request's operation (members exact, results of the right form),
/// is a result when `result_expected`, and validates against the schema.
/// Returns whether it is a result.
pub fn check_response(validators: &ValidatorMap, request: &Request, line: &str, result_expected: bool) -> bool {
    let message: Json = serde_json::from_str(line).unwrap_or_else(|e| panic!("{}: not JSON ({e})", request.id()));
    let is_result = match request.operation() {
        None => typed::<HelloResult>(request, &message),
        Some(Operation::Canonicalize) => typed::<CanonicalizeResult>(request, &message),
        Some(Operation::SelfHash) => typed::<SelfHashResult>(request, &message),
        Some(Operation::Sign) => typed::<SignResult>(request, &message),
        Some(Operation::VerifyEvent) => typed::<VerifyEventResult>(request, &message),
        Some(Operation::VerifyLedger) => typed::<VerifyLedgerResult>(request, &message),
        Some(Operation::ToolsetHash) => typed::<ToolsetHashResult>(request, &message),
        Some(Operation::SignData) => typed::<SignDataResult>(request, &message),
        Some(Operation::VerifyData) => typed::<VerifyDataResult>(request, &message),
        Some(Operation::TreeRoot) => typed::<TreeRootResult>(request, &message),
        Some(Operation::VerifyInclusion) => typed::<VerifyInclusionResult>(request, &message),
        Some(Operation::VerifyConsistency) => typed::<VerifyConsistencyResult>(request, &message),
        Some(Operation::SignCheckpoint) => typed::<SignCheckpointResult>(request, &message),
        Some(Operation::VerifyCheckpoint) => typed::<VerifyCheckpointResult>(request, &message),
        Some(Operation::VerifyBundle) => typed::<VerifyBundleResult>(request, &message),
    };
    assert!(is_result || !result_expected, "{}: not a result: {}", request.id(), shown(&message));
    assert_valid(validators, response_definition(request), &message);
    is_result
}

fn typed<R: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(request: &Request, message: &Json) -> bool {
    let response: Response<R> = serde_json::from_value(message.clone())
        .unwrap_or_else(|e| panic!("{}: not of the typed form ({e}): {}", request.id(), shown(message)));
    assert_eq!(response.id(), Some(request.id()), "the response echoes the id");
    // The typed form keeps every member: it writes the message back as read.
    assert_eq!(serde_json::from_str::<Json>(&to_line(&response)).unwrap(), *message, "{}", request.id());
    matches!(response, Response::Result { .. })
}
