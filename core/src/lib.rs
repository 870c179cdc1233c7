//! Provedex: signed, hash-chained evidence of what AI agents did, verifiable
//! offline with the public key alone. This crate is the SDK's one import; it
//! re-exports the three crates that do the work, data flowing one way:
//!
//! - [`provedex_format`]: the bytes (canonical JSON, events, the signed
//!   line, sealing, reason codes); no I/O.
//! - [`provedex_verify`]: whether a ledger holds ([`Verifier`]); reads only.
//! - [`provedex_ledger`]: writing ledgers ([`Session`]), key files
//!   ([`KeyFile`]), recovery, checkpoints, proofs and bundles of a ledger's
//!   tree ([`LedgerTree`], [`export_bundle`]).
//!
//! The normative rules live in `spec/`; these crates are their reference
//! implementation. The `testing` feature adds helpers for tests and vector
//! generators (the self_hash preimage alone, raw signatures).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use provedex_format::pem;
pub use provedex_format::seal::{GENESIS_PARENT_HASH, compute_self_hash, sha256_hex, sign_event, sign_event_at};
pub use provedex_format::{
    AgentEvent, ChainHash, Digest, Error, EventError, Finding, KEY_FILE_LEN, LedgerErrorKind, MAX_LINE_BYTES,
    PublicKeyBytes, Reason, Result, SignatureBytes, SignedEvent, SigningKeypair, Value, anchor, canonical,
    canonical_json, checkpoint, display, event, hex, kinds, line, merkle, note, seal, toolset, utc,
};
pub use provedex_ledger::{
    BundleCheckpoint, CheckpointEntry, Durability, KeyFile, LedgerTree, ProofDocument, ReceiptEntry, RecoverOutcome,
    Selection, Session, SessionOptions, ToolsetCheck, append_receipt, check_toolset, checkpoints_path, export_bundle,
    read_checkpoints, read_receipts, receipts_path, recover,
};
pub use provedex_ledger::{MAX_PEM_KEY_LEN, load_public_key};
pub use provedex_verify::bundle;
pub use provedex_verify::seal::{verify_data, verify_data_sha256};
pub use provedex_verify::{
    ChainReport, Engine, Progress, SignedCheckpoint, Verifier, check_seal, verify_anchor_statement, verify_checkpoint,
};
