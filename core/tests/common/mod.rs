//! Fixtures shared by the integration tests.
#![allow(dead_code)]

use provedex_core::canonical::Map;
use provedex_core::event::{
    ModelInvoked, SessionEnded, SessionStarted, ToolCalled, ToolReturned, UtteranceCaptured, UtteranceSpoken,
};
use provedex_core::{
    AgentEvent, Digest, Error, GENESIS_PARENT_HASH, LedgerErrorKind, SignedEvent, SigningKeypair, Value, sign_event_at,
};

/// The published seed: bytes 0 to 31.
pub fn seed_key() -> SigningKeypair {
    SigningKeypair::from_seed(&std::array::from_fn(|i| i as u8))
}

pub fn other_key() -> SigningKeypair {
    SigningKeypair::from_seed(&[7; 32])
}

/// One event of each variant.
pub fn one_of_each() -> Vec<AgentEvent> {
    let mut args = Map::new();
    args.insert("city".into(), Value::from("Paris"));
    args.insert("nights".into(), Value::from(3u64));
    vec![
        AgentEvent::SessionStarted(SessionStarted {
            agent_id: "agent-1".into(),
            model_id: "llama3.2:3b".into(),
            session_id: "session-demo".into(),
        }),
        AgentEvent::UtteranceCaptured(UtteranceCaptured {
            audio_sha256: Digest::of(b"audio"),
            transcript: "book a hotel".into(),
            lang: "en-US".into(),
            duration_ms: 1200,
        }),
        AgentEvent::ModelInvoked(ModelInvoked {
            model_id: "llama3.2:3b".into(),
            prompt_sha256: Digest::of(b"prompt"),
            response_sha256: Digest::of(b"response"),
            prompt_tokens: 100,
            response_tokens: 20,
        }),
        AgentEvent::ToolCalled(ToolCalled {
            tool_name: "hotel.search".into(),
            args_sha256: Digest::of(b"args"),
            args_redacted: args,
        }),
        AgentEvent::ToolReturned(ToolReturned {
            tool_name: "hotel.search".into(),
            result_sha256: Digest::of(b"result"),
            latency_ms: 85,
            success: true,
        }),
        AgentEvent::UtteranceSpoken(UtteranceSpoken {
            text_sha256: Digest::of(b"Found three hotels."),
            text: "Found three hotels.".into(),
            audio_sha256: None,
        }),
        AgentEvent::SessionEnded(SessionEnded { reason: "completed".into(), summary_sha256: None }),
    ]
}

/// A valid chain of `events` sealed by `key` at timestamps 1000, 2000, …
pub fn chain(events: &[AgentEvent], key: &SigningKeypair) -> Vec<SignedEvent> {
    let mut parent = GENESIS_PARENT_HASH;
    let mut out = Vec::new();
    for (i, event) in events.iter().enumerate() {
        let signed = sign_event_at(event, i as u64, 1000 * (i as u64 + 1), &parent, key).unwrap();
        parent = signed.self_hash;
        out.push(signed);
    }
    out
}

/// The ledger file text of `events`: one line each, LF-terminated.
pub fn ledger_text(events: &[SignedEvent]) -> String {
    events.iter().map(|e| e.to_json() + "\n").collect()
}

/// A `SessionEnded` event, the shortest to build.
pub fn ended(reason: &str) -> AgentEvent {
    AgentEvent::SessionEnded(SessionEnded { reason: reason.into(), summary_sha256: None })
}

/// The kind and message of the `Ledger` error `result` must be.
pub fn ledger_error_kind<T>(result: provedex_core::Result<T>) -> (LedgerErrorKind, String) {
    match result {
        Err(Error::Ledger { kind, message }) => (kind, message),
        Err(other) => panic!("expected a Ledger error, got {other:?}"),
        Ok(_) => panic!("expected a Ledger error, got success"),
    }
}

/// This test binary, set to run only its ignored test `name`, on one
/// thread: the way a test runs code in a process of its own (a fork, a
/// crash, another user, a resource limit).
pub fn child_test(name: &str) -> std::process::Command {
    let mut command = std::process::Command::new(std::env::current_exe().unwrap());
    command.args(["--ignored", "--exact", name, "--nocapture", "--test-threads=1"]);
    command
}
