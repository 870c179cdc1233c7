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

use provedex_core::canonical;
use provedex_core::{AgentEvent, Reason};

/// The repository's `vectors/` directory.
pub fn default_vectors_dir() -> PathBuf {
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().expect("conformance/ lies inside the repository").join("vectors")
}

/// Reads an event as a ledger reader does, with the reason code a verifier
/// reports when it does not conform.
pub fn parse_event(text: &str) -> Result<AgentEvent, Reason> {
    let value = canonical::parse(text.as_bytes()).map_err(|e| Reason::from(e.kind))?;
    AgentEvent::from_value(&value).map_err(|e| e.reason)
}
