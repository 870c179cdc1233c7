//! The typed messages of the adapter protocol and their schema
//! (spec/conformance-protocol.schema.json), held to what goes over the wire:
//! every request the runner sends for the vectors, and every response the
//! Rust core's adapter gives, is of the typed form and valid under the
//! checked-in schema; the typed requests are written byte for byte as the
//! runner wrote them before; and the schema refuses what the spec forbids.

mod common;

use common::{assert_valid, check_response, is_valid, requests, schema, shown, validators};
use provedex_conformance::adapter::serve;
use provedex_conformance::generate;
use provedex_conformance::protocol::{
    self, CanonicalizeResult, Errored, HelloResult, Request, Response, SelfHashResult, SignDataResult, SignResult,
    Skipped, ToolsetHashResult, VerifyDataResult, VerifyEventResult, VerifyLedgerResult, to_line,
};
use serde_json::{Map, Value as Json, json};

#[test]
fn the_checked_in_schema_is_current_and_a_valid_json_schema() {
    let checked_in = std::fs::read_to_string(common::repo().join(protocol::SCHEMA_PATH)).unwrap();
    assert!(
        checked_in == protocol::schema(),
        "{} is stale; run `cargo run -p provedex-conformance -- generate`",
        protocol::SCHEMA_PATH
    );
    let schema = schema();
    assert!(jsonschema::meta::is_valid(&schema), "not a valid JSON Schema");
    assert_eq!(schema["$id"], protocol::SCHEMA_ID);
    assert!(schema["$comment"].as_str().unwrap().contains("cargo run -p provedex-conformance -- generate"));
}

#[test]
fn every_request_for_the_vectors_is_typed_valid_and_written_as_before() {
    let validators = validators();
    let vectors = provedex_conformance::runner::load_vectors(&provedex_conformance::default_vectors_dir()).unwrap();
    let mut checked = 0;
    for (_, file) in &vectors {
        for test in file.tests() {
            let request = Request::for_test(&file.operation, &test.id, &test.request_input()).unwrap();
            let line = to_line(&request);
            // The runner's line before the typed form: id, op and the test's input, as one object.
            let mut before = Map::new();
            before.insert("id".into(), Json::from(test.id.as_str()));
            before.insert("op".into(), Json::from(file.operation.as_str()));
            before.extend(test.request_input().into_owned());
            assert_eq!(line, Json::Object(before).to_string(), "{}", test.id);
            let message: Json = serde_json::from_str(&line).unwrap();
            assert_valid(&validators, "#/$defs/Request", &message);
            assert_eq!(serde_json::from_value::<Request>(message).unwrap(), request);
            checked += 1;
        }
    }
    assert_eq!(checked, vectors.iter().map(|(_, f)| f.number_of_tests).sum::<usize>());
    let hello = &requests().next().unwrap();
    assert_eq!(to_line(hello), r#"{"id":"hello","op":"hello","protocol":1}"#);
    assert_valid(&validators, "#/$defs/Request", &serde_json::to_value(hello).unwrap());
}

// Pins: CF-3.
#[test]
fn every_response_of_the_rust_core_is_typed_and_valid() {
    let validators = validators();
    for request in requests() {
        let mut output = Vec::new();
        serve(format!("{}\n", to_line(&request)).as_bytes(), &mut output).unwrap();
        let lines: Vec<&str> = std::str::from_utf8(&output).unwrap().lines().collect();
        assert_eq!(lines.len(), 1, "one response per request");
        check_response(&validators, &request, lines[0], true);
    }
}

#[test]
fn skipped_and_errored_responses_of_the_rust_core_are_valid() {
    let validators = validators();
    let cases = [
        (r#"{"id":"t6","op":"merkle_proof"}"#, "skipped", Some("t6")),
        (r#"{"id":"h","op":"hello","protocol":2}"#, "errored", Some("h")),
        (r#"{"id":"c","op":"canonicalize","input_hex":"7b7d","extra":1}"#, "errored", Some("c")),
        (r#"{"id":"c","op":"canonicalize"}"#, "errored", Some("c")),
        (r#"{"id":"c","op":"canonicalize","input_hex":"zz"}"#, "errored", Some("c")),
        (r#"{"id":7,"op":"canonicalize","input_hex":"7b7d"}"#, "errored", None),
        (r#"{"id":"x"}"#, "errored", Some("x")),
        ("not json", "errored", None),
        // Arguments outside the message schema ask nothing of the
        // implementation (spec/conformance.md, Adapter protocol).
        (
            r#"{"id":"s","op":"self_hash","event_json":"{}","seq":-1,"timestamp_nanos":0,"parent_hash":""}"#,
            "errored",
            Some("s"),
        ),
        (
            r#"{"id":"g","op":"sign","seed_hex":"00","seq":0,"timestamp_nanos":0,"parent_hash":"","event_json":"{}"}"#,
            "errored",
            Some("g"),
        ),
        (r#"{"id":"l","op":"verify_ledger","ledger_hex":"","pinned_pubkey":"ABC"}"#, "errored", Some("l")),
        (
            r#"{"id":"l","op":"verify_ledger","ledger_hex":"","pinned_pubkey":null,"pinned_current_pubkey":"ab"}"#,
            "errored",
            Some("l"),
        ),
        (
            r#"{"id":"l","op":"verify_ledger","ledger_hex":"","pinned_pubkey":null,"check_tools":1}"#,
            "errored",
            Some("l"),
        ),
        (r#"{"id":"m","op":"toolset_hash"}"#, "errored", Some("m")),
        (r#"{"id":"d","op":"sign_data","seed_hex":"00","data_hex":""}"#, "errored", Some("d")),
        (r#"{"id":"v","op":"verify_data","pubkey_hex":"00","data_hex":"","signature_hex":"00"}"#, "errored", Some("v")),
    ];
    for (request, kind, id) in cases {
        let mut output = Vec::new();
        serve(format!("{request}\n").as_bytes(), &mut output).unwrap();
        let message: Json = serde_json::from_slice(&output).unwrap();
        let definition = if kind == "skipped" { "#/$defs/SkippedResponse" } else { "#/$defs/ErroredResponse" };
        assert_valid(&validators, definition, &message);
        assert!(message.get(kind).is_some_and(Json::is_string), "{request}: {message}");
        assert_eq!(message["id"].as_str(), id, "{request}");
        let typed: Response<Json> = serde_json::from_value(message.clone()).unwrap();
        assert_eq!(typed.id(), id);
    }
}

#[test]
fn the_schema_refuses_what_the_protocol_forbids() {
    let validators = validators();
    let refused = [
        ("Request", json!({"id": "t", "op": "canonicalize", "input_hex": "7b7d", "extra": 1})),
        ("Request", json!({"id": "t", "op": "canonicalize", "input_hex": "7B7D"})),
        ("Request", json!({"id": "t", "op": "canonicalize"})),
        ("Request", json!({"id": 1, "op": "canonicalize", "input_hex": ""})),
        ("Request", json!({"id": "t", "op": "merkle_proof"})),
        ("Request", json!({"id": "t", "op": "verify_ledger", "ledger_hex": ""})),
        (
            "Request",
            json!({"id": "t", "op": "verify_ledger", "ledger_hex": "", "pinned_pubkey": null, "check_tools": "yes"}),
        ),
        ("Request", json!({"id": "t", "op": "toolset_hash", "manifest_hex": "5b5d", "strict": true})),
        (
            "Request",
            json!({"id": "t", "op": "verify_data", "pubkey_hex": "AB".repeat(32), "data_hex": "",
            "signature_hex": "00".repeat(64)}),
        ),
        ("ToolsetHashResponse", json!({"id": "t", "result": {"valid": false, "tools": [], "toolset_sha256": null}})),
        ("ToolsetHashResponse", json!({"id": "t", "result": {"valid": true, "tools": null, "toolset_sha256": null}})),
        ("SignDataResponse", json!({"id": "t", "result": {"signature_hex": "00"}})),
        ("VerifyDataResponse", json!({"id": "t", "result": {"valid": "true"}})),
        (
            "Request",
            json!({"id": "t", "op": "self_hash", "event_json": "{}", "seq": -1, "timestamp_nanos": 0,
            "parent_hash": "0".repeat(64)}),
        ),
        (
            "Request",
            json!({"id": "t", "op": "sign", "seed_hex": "00", "seq": 0, "timestamp_nanos": 0,
            "parent_hash": "0".repeat(64), "event_json": "{}"}),
        ),
        ("CanonicalizeResponse", json!({"id": "t", "result": {"valid": true, "output_hex": ""}, "skipped": "x"})),
        ("CanonicalizeResponse", json!({"result": {"valid": true, "output_hex": ""}})),
        ("CanonicalizeResponse", json!({"id": "t", "result": {"valid": true, "error_code": "syntax"}})),
        ("CanonicalizeResponse", json!({"id": "t", "result": {"valid": false, "error_code": "nonsense"}})),
        ("CanonicalizeResponse", json!({"id": "t", "result": []})),
        ("SelfHashResponse", json!({"id": "t", "result": {"valid": true, "self_hash": "AB".repeat(32)}})),
        ("SignResponse", json!({"id": "t", "result": {"valid": false, "reason": "no_such_reason"}})),
        ("VerifyEventResponse", json!({"id": "t", "result": {"valid": true, "reason": "bad_signature"}})),
        ("VerifyEventResponse", json!({"id": "t", "result": {"valid": false}})),
        ("VerifyLedgerResponse", json!({"id": "t", "result": {"ok": true, "event_count": 0}})),
        ("HelloResponse", json!({"id": "hello", "result": {"protocol": 1, "operations": []}})),
        (
            "HelloResponse",
            json!({"id": "hello", "result": {"protocol": 1, "operations": ["hello"],
            "implementation": {"name": "x", "version": "1", "language": "x"}}}),
        ),
        ("SkippedResponse", json!({"id": "t", "skipped": 5})),
        ("ErroredResponse", json!({"id": "t"})),
    ];
    for (definition, message) in &refused {
        assert!(
            !is_valid(&validators, &format!("#/$defs/{definition}"), message),
            "{definition} accepts {}",
            shown(message)
        );
    }
    // The typed forms refuse them too, but for the spelling of hex bytes in
    // a request, which the adapter checks when it decodes them.
    for (definition, message) in &refused {
        let typed = match *definition {
            "Request" => serde_json::from_value::<Request>(message.clone()).is_ok(),
            "CanonicalizeResponse" => serde_json::from_value::<Response<CanonicalizeResult>>(message.clone()).is_ok(),
            "SelfHashResponse" => serde_json::from_value::<Response<SelfHashResult>>(message.clone()).is_ok(),
            "SignResponse" => serde_json::from_value::<Response<SignResult>>(message.clone()).is_ok(),
            "VerifyEventResponse" => serde_json::from_value::<Response<VerifyEventResult>>(message.clone()).is_ok(),
            "VerifyLedgerResponse" => serde_json::from_value::<Response<VerifyLedgerResult>>(message.clone()).is_ok(),
            "ToolsetHashResponse" => serde_json::from_value::<Response<ToolsetHashResult>>(message.clone()).is_ok(),
            "SignDataResponse" => serde_json::from_value::<Response<SignDataResult>>(message.clone()).is_ok(),
            "VerifyDataResponse" => serde_json::from_value::<Response<VerifyDataResult>>(message.clone()).is_ok(),
            "HelloResponse" => serde_json::from_value::<Response<HelloResult>>(message.clone()).is_ok(),
            "SkippedResponse" => serde_json::from_value::<Skipped>(message.clone()).is_ok(),
            "ErroredResponse" => serde_json::from_value::<Errored>(message.clone()).is_ok(),
            other => panic!("{other}"),
        };
        let hex_spelling = message.get("input_hex") == Some(&json!("7B7D")) || message.get("seed_hex").is_some();
        assert_eq!(typed, hex_spelling, "the typed {definition} and {message}");
    }
}

#[test]
fn generate_writes_the_schema_and_check_reports_it_stale() {
    let path = std::env::temp_dir().join(format!("provedex-conformance-schema-{}.json", std::process::id()));
    std::fs::write(&path, "{}\n").unwrap();
    assert!(generate::generated_write_or_check(&path, &protocol::schema(), true).unwrap(), "a different file is stale");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "{}\n", "--check writes nothing");
    assert!(generate::generated_write_or_check(&path, &protocol::schema(), false).unwrap(), "it is rewritten");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), protocol::schema());
    assert!(!generate::generated_write_or_check(&path, &protocol::schema(), true).unwrap(), "then it is current");
    std::fs::remove_file(&path).unwrap();
    assert!(generate::generated_write_or_check(&path, &protocol::schema(), true).unwrap(), "a missing file is stale");
}
