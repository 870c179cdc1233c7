//! Provedex conformance: the golden vectors of `vectors/`, their
//! deterministic generator, the runner that checks any implementation against
//! them through the adapter protocol of spec/conformance.md, and the adapter
//! for the Rust core.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod adapter;
pub mod expectations;
pub mod generate;
pub mod levels;
pub mod matrix;
pub mod protocol;
pub mod runner;
pub mod schemas;
pub mod traceability;
pub mod vector;

use std::path::PathBuf;

use provedex_core::canonical::Value;
use provedex_core::event::read;
use provedex_core::{AgentEvent, ChainHash, Reason};

/// The repository's `vectors/` directory.
pub fn default_vectors_dir() -> PathBuf {
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().expect("conformance/ lies inside the repository").join("vectors")
}

/// Reads an event as a ledger reader does, with the reason code a verifier
/// reports when it does not conform.
pub fn parse_event(text: &str) -> Result<AgentEvent, Reason> {
    AgentEvent::from_json(text.as_bytes()).map_err(|e| match e {
        provedex_core::Error::Signing { reason, .. } => reason,
        other => unreachable!("reading an event fails only as a signing error: {other}"),
    })
}

/// Reads the event and the parent_hash of a `self_hash` or `sign` request
/// as the members of the line they make, in the line's order (the event,
/// then parent_hash), with the reason code a verifier reports for the first
/// fault (spec/conformance.md, self_hash).
pub fn parse_event_and_parent(event_json: &str, parent_hash: &str) -> Result<(AgentEvent, ChainHash), Reason> {
    let event = parse_event(event_json)?;
    let parent = read::chain_hash(&Value::from(parent_hash), "parent_hash").map_err(|e| e.reason)?;
    Ok((event, parent))
}
