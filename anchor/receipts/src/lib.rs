//! Anchor receipts (spec/anchors.md): what each anchor returns for a signed
//! anchor statement, and the checks of a receipt that hold offline. Network
//! clients live in `provedex-anchor`; nothing here opens a connection.

pub mod check;
pub mod ethereum;
pub mod rekor;
pub mod rfc3161;
pub mod s3;
pub mod solana;
pub mod tlog;

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

/// A receipt of any type: the JSON object with its `type` member
/// (spec/anchors.md, "Anchors and receipts").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type")]
pub enum Receipt {
    /// An RFC 3161 timestamp token.
    #[serde(rename = "rfc3161")]
    Rfc3161(rfc3161::Rfc3161Receipt),
    /// An entry of a C2SP transparency log.
    #[serde(rename = "tlog")]
    Tlog(tlog::TlogReceipt),
    /// An entry of Sigstore Rekor v2.
    #[serde(rename = "rekor")]
    Rekor(rekor::RekorReceipt),
    /// An object under S3 Object Lock in COMPLIANCE mode.
    #[serde(rename = "s3-object-lock")]
    S3ObjectLock(s3::S3Receipt),
    /// An Ethereum transaction.
    #[serde(rename = "ethereum")]
    Ethereum(ethereum::EthereumReceipt),
    /// A Solana transaction with a Memo instruction.
    #[serde(rename = "solana")]
    Solana(solana::SolanaReceipt),
}

impl Receipt {
    /// The statement's text the receipt is for.
    pub fn statement(&self) -> &str {
        match self {
            Receipt::Rfc3161(r) => &r.statement,
            Receipt::Tlog(r) => &r.statement,
            Receipt::Rekor(r) => &r.statement,
            Receipt::S3ObjectLock(r) => &r.statement,
            Receipt::Ethereum(r) => &r.statement,
            Receipt::Solana(r) => &r.statement,
        }
    }

    /// The `type` member.
    pub fn kind(&self) -> &'static str {
        match self {
            Receipt::Rfc3161(_) => "rfc3161",
            Receipt::Tlog(_) => "tlog",
            Receipt::Rekor(_) => "rekor",
            Receipt::S3ObjectLock(_) => "s3-object-lock",
            Receipt::Ethereum(_) => "ethereum",
            Receipt::Solana(_) => "solana",
        }
    }
}

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
