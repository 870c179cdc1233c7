//! Provedex core: canonical JSON, Ed25519 keys, sealing of agent events into
//! a hash chain, the append-only ledger, and strict verification.
//!
//! The normative rules live in `spec/`; this crate is their reference implementation.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod canonical;
pub mod display;
mod error;
pub mod event;
mod files;
pub mod hex;
mod keys;
mod ledger;
mod line;
mod reason;
mod seal;
mod verify;

pub use canonical::{Value, canonical_json};
pub use error::{Error, LedgerErrorKind, Result};
pub use event::{AgentEvent, EventError};
pub use hex::{ChainHash, PublicKeyBytes, SignatureBytes};
pub use keys::{KEY_FILE_LEN, SigningKeypair};
pub use ledger::{Durability, RecoverOutcome, Session, SessionOptions, recover};
pub use line::MAX_LINE_BYTES;
pub use reason::{Finding, Reason};
pub use seal::{
    GENESIS_PARENT_HASH, SignedEvent, compute_self_hash, now_nanos, sha256_hex, sign_event, sign_event_at,
    validate_for_signing, write_self_hash_preimage,
};
pub use verify::{
    ChainReport, Engine, Progress, VerifyOptions, frame, read_line_alone, verify_chain, verify_chain_using,
    verify_file, verify_file_using, verify_file_with, verify_reader, verify_reader_using,
};
