//! The adapter for the Rust core (`provedex-conformance adapter`): protocol 1
//! of spec/conformance.md on stdin/stdout.

use std::io::{self, BufRead, Write};

use provedex_core::canonical;
use provedex_core::line::read_line_alone;
use provedex_core::{
    ChainHash, Error, PublicKeyBytes, SigningKeypair, Verifier, check_seal, compute_self_hash, sign_event_at,
};
use serde_json::{Map, Value as Json, json};

use crate::parse_event;
use crate::vector::{hex, unhex};

pub const PROTOCOL: u64 = 1;
pub const OPERATIONS: [&str; 5] = ["canonicalize", "self_hash", "sign", "verify_event", "verify_ledger"];

/// Serves requests until stdin closes.
pub fn serve(input: impl BufRead, mut output: impl Write) -> io::Result<()> {
    for line in input.lines() {
        let line = line?;
        let response = respond(&line);
        writeln!(output, "{response}")?;
        output.flush()?;
    }
    Ok(())
}

fn respond(line: &str) -> Json {
    let request: Map<String, Json> = match serde_json::from_str(line) {
        Ok(r) => r,
        Err(e) => return json!({"id": null, "errored": format!("request is not a JSON object: {e}")}),
    };
    let id = request.get("id").cloned().unwrap_or(Json::Null);
    match handle(&request) {
        Ok(Some(result)) => json!({"id": id, "result": result}),
        Ok(None) => json!({"id": id, "skipped": "this adapter does not offer that operation"}),
        Err(message) => json!({"id": id, "errored": message}),
    }
}

/// The result of a request; `None` for an operation this adapter does not offer.
fn handle(req: &Map<String, Json>) -> Result<Option<Json>, String> {
    let op = str_arg(req, "op")?;
    let result = match op {
        "hello" => {
            let protocol = req.get("protocol").and_then(Json::as_u64);
            if protocol != Some(PROTOCOL) {
                return Err(format!("this adapter speaks protocol {PROTOCOL}, not {protocol:?}"));
            }
            json!({
                "protocol": PROTOCOL,
                "implementation": {"name": "provedex-core", "version": env!("CARGO_PKG_VERSION"), "language": "Rust"},
                "operations": OPERATIONS,
            })
        }
        "canonicalize" => match canonical::canonicalize(&unhex(str_arg(req, "input_hex")?)?) {
            Ok(bytes) => json!({"valid": true, "output_hex": hex(bytes)}),
            Err(e) => json!({"valid": false, "error_code": e.kind.code()}),
        },
        "self_hash" => match parse_event(str_arg(req, "event_json")?) {
            Ok(event) => {
                let hash =
                    compute_self_hash(&event, u64_arg(req, "seq")?, u64_arg(req, "timestamp_nanos")?, &parent(req)?);
                json!({"valid": true, "self_hash": hash.to_hex()})
            }
            Err(reason) => json!({"valid": false, "reason": reason.code()}),
        },
        "sign" => {
            let seed: [u8; 32] =
                unhex(str_arg(req, "seed_hex")?)?.try_into().map_err(|_| "seed_hex must be 32 bytes")?;
            match parse_event(str_arg(req, "event_json")?) {
                Ok(event) => {
                    let key = SigningKeypair::from_seed(&seed);
                    let (seq, ts) = (u64_arg(req, "seq")?, u64_arg(req, "timestamp_nanos")?);
                    match sign_event_at(&event, seq, ts, &parent(req)?, &key) {
                        Ok(signed) => json!({"valid": true, "line": signed.to_json()}),
                        // The event conforms but its line would be longer than a reader accepts.
                        Err(Error::Signing { reason, .. }) => json!({"valid": false, "reason": reason.code()}),
                        Err(e) => return Err(e.to_string()),
                    }
                }
                Err(reason) => json!({"valid": false, "reason": reason.code()}),
            }
        }
        "verify_event" => {
            let verdict = read_line_alone(unhex(str_arg(req, "line_hex")?)?).and_then(|e| check_seal(&e));
            json!({"valid": verdict.is_ok(), "reason": verdict.err().map(|f| f.reason.code())})
        }
        "verify_ledger" => {
            let ledger = unhex(str_arg(req, "ledger_hex")?)?;
            let pinned_pubkey = match req.get("pinned_pubkey") {
                None | Some(Json::Null) => None,
                Some(Json::String(hex)) => {
                    Some(PublicKeyBytes::from_hex(hex).map_err(|e| format!("pinned_pubkey {e}"))?)
                }
                Some(other) => return Err(format!("pinned_pubkey must be a string or null, found {other}")),
            };
            let report = Verifier::new().pinned_pubkey(pinned_pubkey).reader(&ledger[..]).map_err(|e| e.to_string())?;
            serde_json::to_value(report).map_err(|e| e.to_string())?
        }
        _ => return Ok(None),
    };
    Ok(Some(result))
}

fn str_arg<'a>(req: &'a Map<String, Json>, key: &str) -> Result<&'a str, String> {
    req.get(key).and_then(Json::as_str).ok_or_else(|| format!("missing string argument {key:?}"))
}

fn u64_arg(req: &Map<String, Json>, key: &str) -> Result<u64, String> {
    req.get(key).and_then(Json::as_u64).ok_or_else(|| format!("missing u64 argument {key:?}"))
}

fn parent(req: &Map<String, Json>) -> Result<ChainHash, String> {
    ChainHash::from_hex(str_arg(req, "parent_hash")?).map_err(|e| format!("parent_hash {e}"))
}
