//! The adapter for the Rust core (`provedex-conformance adapter`): protocol 1
//! of spec/conformance.md on stdin/stdout, with the typed messages of
//! [`crate::protocol`].

use std::io::{self, BufRead, Write};

use provedex_core::canonical;
use provedex_core::line::read_line_alone;
use provedex_core::{Error, SigningKeypair, Verifier, check_seal, compute_self_hash, sign_event_at};
use serde_json::{Map, Value as Json};

use crate::parse_event_and_parent;
use crate::protocol::{
    CanonicalizeResult, HelloResult, Implementation, Is, JsonErrorCode, Operation, OperationResult, PROTOCOL, Request,
    Response, SelfHashResult, SignResult, VerifyEventResult, VerifyLedgerResult, to_line,
};
use crate::vector::{hex, unhex};

/// Serves requests until stdin closes.
pub fn serve(input: impl BufRead, mut output: impl Write) -> io::Result<()> {
    for line in input.lines() {
        let line = line?;
        let response = respond(&line);
        writeln!(output, "{}", to_line(&response))?;
        output.flush()?;
    }
    Ok(())
}

fn respond(line: &str) -> Response<OperationResult> {
    let request: Map<String, Json> = match serde_json::from_str(line) {
        Ok(r) => r,
        Err(e) => return Response::errored(None, format!("request is not a JSON object: {e}")),
    };
    let id = request.get("id").and_then(Json::as_str).map(str::to_owned);
    let op = request.get("op").and_then(Json::as_str).map(str::to_owned);
    let request = match op.as_deref() {
        None => return Response::errored(id, "missing string argument \"op\""),
        Some(op) if !Request::names().any(|name| name == op) => {
            return Response::skipped(id, "this adapter does not offer that operation");
        }
        Some(op) => match serde_json::from_value::<Request>(Json::Object(request)) {
            Ok(request) => request,
            Err(e) => return Response::errored(id, format!("not a {op} request of protocol {PROTOCOL}: {e}")),
        },
    };
    match handle(&request) {
        Ok(result) => Response::Result { id, result },
        Err(message) => Response::errored(id, message),
    }
}

/// The result of a request, or why the adapter could not run it.
fn handle(request: &Request) -> Result<OperationResult, String> {
    Ok(match request {
        Request::Hello(hello) => {
            if hello.protocol != PROTOCOL {
                return Err(format!("this adapter speaks protocol {PROTOCOL}, not {}", hello.protocol));
            }
            OperationResult::Hello(HelloResult {
                protocol: PROTOCOL,
                implementation: Implementation {
                    name: "provedex-core".into(),
                    version: env!("CARGO_PKG_VERSION").into(),
                    language: "Rust".into(),
                },
                operations: Operation::ALL.to_vec(),
            })
        }
        Request::Canonicalize(r) => {
            OperationResult::Canonicalize(match canonical::canonicalize(&unhex(&r.input_hex)?) {
                Ok(bytes) => CanonicalizeResult::Valid { valid: Is, output_hex: hex(bytes) },
                Err(e) => CanonicalizeResult::Invalid { valid: Is, error_code: JsonErrorCode(e.kind) },
            })
        }
        Request::SelfHash(r) => {
            OperationResult::SelfHash(match parse_event_and_parent(&r.event_json, &r.parent_hash) {
                Ok((event, parent)) => SelfHashResult::Valid {
                    valid: Is,
                    self_hash: compute_self_hash(&event, r.seq, r.timestamp_nanos, &parent),
                },
                Err(reason) => SelfHashResult::Invalid { valid: Is, reason },
            })
        }
        Request::Sign(r) => {
            let seed: [u8; 32] = unhex(&r.seed_hex)?.try_into().map_err(|_| "seed_hex must be 32 bytes")?;
            OperationResult::Sign(match parse_event_and_parent(&r.event_json, &r.parent_hash) {
                Ok((event, parent)) => {
                    let key = SigningKeypair::from_seed(&seed);
                    match sign_event_at(&event, r.seq, r.timestamp_nanos, &parent, &key) {
                        Ok(signed) => SignResult::Valid { valid: Is, line: signed.to_json() },
                        // The event conforms but its line would be longer than a reader accepts.
                        Err(Error::Signing { reason, .. }) => SignResult::Invalid { valid: Is, reason },
                        Err(e) => return Err(e.to_string()),
                    }
                }
                Err(reason) => SignResult::Invalid { valid: Is, reason },
            })
        }
        Request::VerifyEvent(r) => {
            let verdict = read_line_alone(unhex(&r.line_hex)?).and_then(|e| check_seal(&e));
            OperationResult::VerifyEvent(match verdict {
                Ok(()) => VerifyEventResult::Valid { valid: Is, reason: () },
                Err(finding) => VerifyEventResult::Invalid { valid: Is, reason: finding.reason },
            })
        }
        Request::VerifyLedger(r) => {
            let ledger = unhex(&r.ledger_hex)?;
            let report =
                Verifier::new().pinned_pubkey(r.pinned_pubkey).reader(&ledger[..]).map_err(|e| e.to_string())?;
            OperationResult::VerifyLedger(VerifyLedgerResult::from(report))
        }
    })
}
