//! The request/response examples of spec/conformance.md (`exchange` blocks),
//! replayed against the Rust core's adapter.

use std::path::Path;

use provedex_conformance::adapter::serve;
use serde_json::Value as Json;

#[test]
fn every_exchange_in_the_protocol_spec_holds() {
    let spec = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/conformance.md")).unwrap();
    let mut pairs = Vec::new();
    let mut in_block = false;
    let mut pending: Option<String> = None;
    for line in spec.lines() {
        match (in_block, line) {
            (false, "```exchange") => in_block = true,
            (true, "```") => in_block = false,
            (true, l) if l.starts_with("request: ") => pending = Some(l["request: ".len()..].to_owned()),
            (true, l) if l.starts_with("response: ") => {
                let request = pending.take().expect("a response follows its request");
                pairs.push((request, l["response: ".len()..].to_owned()));
            }
            (true, l) => panic!("unexpected line in an exchange block: {l}"),
            _ => {}
        }
    }
    assert!(pairs.len() >= 5, "only {} exchanges found", pairs.len());
    for (request, expected) in pairs {
        let mut out = Vec::new();
        serve(format!("{request}\n").as_bytes(), &mut out).unwrap();
        let got: Json = serde_json::from_slice(&out).unwrap();
        let mut want: Json = serde_json::from_str(&expected).unwrap();
        // The implementation's version moves with releases, and a skip reason
        // is free text; everything else is exact.
        for free in ["/result/implementation/version", "/skipped"] {
            if let Some(v) = want.pointer_mut(free) {
                *v = got.pointer(free).cloned().unwrap_or(Json::Null);
            }
        }
        assert_eq!(got, want, "request {request}");
    }
}
