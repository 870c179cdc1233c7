//! Anchors (spec/anchors.md): each publishes a signed anchor statement, or
//! its SHA-256, to a party outside the operator's hands and returns the
//! receipt that `provedex-receipts` checks.

pub mod anchorer;
pub mod config;
pub mod ethereum;
mod http;
pub mod online;
pub mod rekor;
pub mod s3;
pub mod solana;
pub mod tessera;
pub mod tsa;

/// Why an anchor did not return a receipt.
#[derive(Debug, thiserror::Error)]
pub enum AnchorError {
    /// The server could not be reached or did not answer in time: worth a retry.
    #[error("{0}")]
    Unreachable(String),
    /// The server answered with an error.
    #[error("{0}")]
    Refused(String),
    /// The server answered, but with something else than what was sent, or
    /// with evidence that does not verify.
    #[error("{0}")]
    Mismatch(String),
}

/// `N` bytes of the system's randomness (entry keys, object keys).
fn random_bytes<const N: usize>() -> Result<[u8; N], AnchorError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| AnchorError::Refused(format!("no system randomness: {e}")))?;
    Ok(bytes)
}
