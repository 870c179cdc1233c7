//! Valid signed ledgers built from fixed seeds, for the structure-aware
//! ledger target to mutate and for the seed corpora.

use std::sync::OnceLock;

use provedex_core::canonical::{Float, Map, Value};
use provedex_core::event::{
    ModelInvoked, SessionEnded, SessionStarted, ToolCalled, ToolReturned, UtteranceCaptured, UtteranceSpoken,
};
use provedex_core::{AgentEvent, ChainHash, Digest, GENESIS_PARENT_HASH, SigningKeypair, sign_event_at};

/// A valid ledger and what a verifier should find in it.
pub struct Fixture {
    /// The whole file: every line followed by LF.
    pub bytes: Vec<u8>,
    /// The lines without their LF.
    pub lines: Vec<Vec<u8>>,
    /// The self_hash of each line, in order.
    pub hashes: Vec<ChainHash>,
    pub key: SigningKeypair,
}

/// The published seed `000102…1e1f`.
pub fn seed_key() -> SigningKeypair {
    SigningKeypair::from_seed(&std::array::from_fn(|i| i as u8))
}

/// The seed `202122…3e3f`, the "other signer" of spec/verification.md.
pub fn other_key() -> SigningKeypair {
    SigningKeypair::from_seed(&std::array::from_fn(|i| 32 + i as u8))
}

/// Seven lines, one of each event variant, signed with [`seed_key`]; the
/// payloads hold escapes, non-ASCII text, floats and nesting.
pub fn main_ledger() -> &'static Fixture {
    static LEDGER: OnceLock<Fixture> = OnceLock::new();
    LEDGER.get_or_init(|| build(seed_key(), &one_of_each(), 1_700_000_000_000_000_000))
}

/// Three lines signed with [`other_key`], for grafting a foreign signer's
/// lines into [`main_ledger`].
pub fn foreign_ledger() -> &'static Fixture {
    static LEDGER: OnceLock<Fixture> = OnceLock::new();
    LEDGER.get_or_init(|| build(other_key(), &one_of_each()[..3], 1_800_000_000_000_000_000))
}

fn build(key: SigningKeypair, events: &[AgentEvent], start: u64) -> Fixture {
    let mut parent = GENESIS_PARENT_HASH;
    let mut fixture = Fixture { bytes: Vec::new(), lines: Vec::new(), hashes: Vec::new(), key };
    for (seq, event) in (0u64..).zip(events) {
        let signed = sign_event_at(event, seq, start + seq * 250_000_000, &parent, &fixture.key)
            .expect("fixture events are valid");
        let line = signed.to_json().into_bytes();
        fixture.bytes.extend_from_slice(&line);
        fixture.bytes.push(b'\n');
        fixture.lines.push(line);
        fixture.hashes.push(signed.self_hash);
        parent = signed.self_hash;
    }
    fixture
}

/// One event of each variant.
pub fn one_of_each() -> Vec<AgentEvent> {
    let float = |f: f64| Value::Float(Float::new(f).expect("finite"));
    let args = Map::from([
        ("query".to_owned(), Value::from("weather in Zürich \"today\"\n")),
        ("max_results".to_owned(), Value::from(5u64)),
        ("min_score".to_owned(), float(0.25)),
        ("offset".to_owned(), Value::from(-3i64)),
        (
            "filters".to_owned(),
            Value::Object(Map::from([
                ("safe".to_owned(), Value::Bool(true)),
                ("tags".to_owned(), Value::Array(vec![Value::Null, float(-0.0), float(1e-7), Value::from("😀\u{1f}")])),
            ])),
        ),
    ]);
    vec![
        AgentEvent::SessionStarted(SessionStarted {
            agent_id: "agent-1".into(),
            model_id: "llama3.2:3b".into(),
            session_id: "session-fuzz".into(),
        }),
        AgentEvent::UtteranceCaptured(UtteranceCaptured {
            audio_sha256: Digest::of(b"audio"),
            transcript: "What is the weather in Zürich?".into(),
            lang: "de-CH".into(),
            duration_ms: 2150,
        }),
        AgentEvent::ModelInvoked(ModelInvoked {
            model_id: "llama3.2:3b".into(),
            prompt_sha256: Digest::of(b"prompt"),
            response_sha256: Digest::of(b"response"),
            prompt_tokens: u32::MAX,
            response_tokens: 0,
        }),
        AgentEvent::ToolCalled(ToolCalled {
            tool_name: "web_search".into(),
            args_sha256: Digest::of(b"args"),
            args_redacted: args,
        }),
        AgentEvent::ToolReturned(ToolReturned {
            tool_name: "web_search".into(),
            result_sha256: Digest::of(b"result"),
            latency_ms: u64::MAX,
            success: false,
        }),
        AgentEvent::UtteranceSpoken(UtteranceSpoken {
            text_sha256: Digest::of("It is 14 °C.\tAnything else?".as_bytes()),
            text: "It is 14 °C.\tAnything else?".into(),
            audio_sha256: None,
        }),
        AgentEvent::SessionEnded(SessionEnded {
            reason: "completed".into(),
            summary_sha256: Some(Digest::of(b"summary")),
        }),
    ]
}
