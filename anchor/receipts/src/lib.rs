//! Anchor receipts (spec/anchors.md): what each anchor returns for a signed
//! anchor statement, and the checks of a receipt that hold offline. Network
//! clients live in `provedex-anchor`; nothing here opens a connection.

pub mod ethereum;
pub mod rekor;
pub mod rfc3161;
pub mod s3;
pub mod solana;
pub mod tlog;

use sha2::{Digest as _, Sha256};

/// Why a receipt does not verify, for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ReceiptError(pub String);

impl ReceiptError {
    /// A finding with this message.
    pub fn new(why: impl Into<String>) -> Self {
        ReceiptError(why.into())
    }
}

/// The SHA-256 of a statement's bytes exactly as published: what the
/// anchors that take a digest (timestamps, chains) carry.
pub fn statement_digest(statement: &str) -> [u8; 32] {
    Sha256::digest(statement.as_bytes()).into()
}
