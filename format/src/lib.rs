//! Provedex format: the bytes of evidence, and nothing that touches a file,
//! a socket or a thread.
//!
//! Owns canonical JSON ([`canonical`]), the agent events generated from
//! spec/events.schema.json ([`event`]), the signed line, its framing and its
//! strict reader and writer ([`line`]), sealing: the self_hash and the
//! signature ([`seal`]), signing keys in memory ([`SigningKeypair`]) and
//! their PEM forms ([`pem`]), the labelled kinds of signed message
//! ([`kinds`]), toolsets and their hashes ([`toolset`]), the reason codes of
//! spec/verification.md ([`Reason`]), the escaping of
//! untrusted text for people ([`display`]), and the one error type the
//! crates above return ([`Error`]).
//!
//! Invariants: every function is a pure function of its arguments (the
//! clock read by [`seal::sign_event`] and the randomness of
//! [`SigningKeypair::generate`] aside); what is written is what the strict
//! reader accepts, byte for byte; only sealing signs a bare 32-byte digest,
//! every other kind of signature is labelled (spec/signature-scheme.md).
//! Whether a seal or a chain holds is the verification crate's business;
//! files, locks and sessions are the ledger crate's.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod anchor;
pub mod base64;
pub mod canonical;
pub mod checkpoint;
pub mod display;
mod error;
pub mod event;
pub mod hex;
mod keys;
pub mod kinds;
pub mod line;
pub mod merkle;
pub mod note;
pub mod pem;
mod reason;
pub mod seal;
pub mod toolset;
pub mod utc;

pub use canonical::{Value, canonical_json};
pub use error::{Error, LedgerErrorKind, Result};
pub use event::{AgentEvent, EventError};
pub use hex::{ChainHash, Digest, PublicKeyBytes, SignatureBytes};
pub use keys::{KEY_FILE_LEN, SigningKeypair};
pub use kinds::{RotationStatement, SignedKind};
pub use line::{MAX_LINE_BYTES, SignedEvent};
pub use reason::{Finding, Reason};
pub use toolset::{Drift, ManifestError, Toolset, drift, toolset_sha256};
