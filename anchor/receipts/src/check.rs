//! Checking a bundle's receipts offline (spec/anchors.md, "Anchors and
//! receipts"): each receipt's statement against the bundle's verified
//! checkpoint, then the checks of its type against the trust anchors the
//! verifier configured. What only a server can show (a WORM store's
//! object, a chain's block) is left to an online checker, which wraps this
//! one.

use provedex_format::PublicKeyBytes;
use provedex_format::display::quote;
use provedex_format::note::NoteKey;
use provedex_verify::bundle::{ProofLevel, ReceiptChecker, ReceiptOutcome, Verdict};
use provedex_verify::{SignedCheckpoint, verify_anchor_statement};

use crate::{Receipt, ReceiptError, ethereum, rekor, rfc3161, s3, solana, tlog};

/// The trust anchors a verifier configures apart from any receipt.
#[derive(Debug, Clone, Default)]
pub struct Trust {
    /// DER of the timestamp authorities' root certificates trusted.
    pub tsa_roots: Vec<Vec<u8>>,
    /// The transparency logs' keys trusted (C2SP verifier keys), found by
    /// the key name the log's checkpoint is signed under.
    pub log_keys: Vec<NoteKey>,
    /// The Ethereum chain a receipt must be on.
    pub ethereum_chain_id: Option<u64>,
}

/// The receipt types this verifier checks (spec/anchors.md).
const KNOWN_TYPES: [&str; 6] = ["rfc3161", "tlog", "rekor", "s3-object-lock", "ethereum", "solana"];

/// A receipt read, its statement checked against the checkpoint: ready for
/// the checks of its type. Otherwise the outcome to report: not checked for
/// a type this verifier does not know (spec/bundles.md), failed for the rest.
pub fn read_receipt(
    receipt: &serde_json::Map<String, serde_json::Value>,
    checkpoint: &SignedCheckpoint,
    key: &PublicKeyBytes,
) -> Result<Receipt, ReceiptOutcome> {
    if let Some(serde_json::Value::String(kind)) = receipt.get("type")
        && !KNOWN_TYPES.contains(&kind.as_str())
    {
        return Err(not_checked(format!("a receipt of type {}, which this verifier does not know", quote(kind))));
    }
    read_known(receipt, checkpoint, key).map_err(|e| failed(e.to_string()))
}

fn read_known(
    receipt: &serde_json::Map<String, serde_json::Value>,
    checkpoint: &SignedCheckpoint,
    key: &PublicKeyBytes,
) -> Result<Receipt, ReceiptError> {
    let receipt: Receipt = serde_json::from_value(serde_json::Value::Object(receipt.clone()))
        .map_err(|e| ReceiptError::new(format!("it is not a receipt of its type: {e}")))?;
    let signed = verify_anchor_statement(receipt.statement(), key).map_err(ReceiptError::new)?;
    let (statement, body) = (&signed.statement, &checkpoint.checkpoint);
    if (statement.origin.as_str(), statement.tree_size, statement.root) != (body.origin.as_str(), body.size, body.root)
    {
        return Err(ReceiptError::new(format!(
            "its statement vouches for {} lines with root {}, not for the bundle's checkpoint ({} lines, root {})",
            statement.tree_size, statement.root, body.size, body.root
        )));
    }
    Ok(receipt)
}

/// Checks receipts with what holds offline.
#[derive(Debug, Clone, Default)]
pub struct OfflineChecker {
    /// The verifier's trust anchors.
    pub trust: Trust,
}

impl OfflineChecker {
    /// The outcome for a receipt already read (see [`read_receipt`]).
    pub fn check_read(&self, receipt: &Receipt) -> ReceiptOutcome {
        match self.check_type(receipt) {
            Ok(outcome) => outcome,
            Err(e) => failed(e.to_string()),
        }
    }

    fn check_type(&self, receipt: &Receipt) -> Result<ReceiptOutcome, ReceiptError> {
        Ok(match receipt {
            Receipt::Rfc3161(r) => {
                let verified = rfc3161::verify(r, &rfc3161::Rfc3161Trust { roots: self.trust.tsa_roots.clone() })?;
                if verified.root_pinned {
                    reaches(ProofLevel::PubliclyTimestamped, verified.describe())
                } else {
                    short(format!(
                        "{}; its root is not one the verifier trusts (pin one with --tsa-root), so it reaches no level",
                        verified.describe()
                    ))
                }
            }
            Receipt::Tlog(r) => match self.log_key(&r.checkpoint)? {
                Some(log_key) => {
                    reaches(ProofLevel::PubliclyAuditable, tlog::verify(r, &tlog::TlogTrust { log_key })?.describe())
                }
                None => no_log_key(&r.checkpoint),
            },
            Receipt::Rekor(r) => match self.log_key(&r.checkpoint)? {
                Some(log_key) => {
                    reaches(ProofLevel::PubliclyAuditable, rekor::verify(r, &rekor::RekorTrust { log_key })?.describe())
                }
                None => no_log_key(&r.checkpoint),
            },
            Receipt::S3ObjectLock(r) => short(format!(
                "{}; that the store holds it under that lock is checked only against the store (--s3-check)",
                s3::verify(r)?.describe()
            )),
            Receipt::Ethereum(r) => match self.trust.ethereum_chain_id {
                Some(chain_id) => short(format!(
                    "{}; that it is in that block, and the block's time, are checked only against a node (--eth-rpc)",
                    ethereum::verify(r, &ethereum::EthereumTrust { chain_id })?.describe()
                )),
                None => not_checked("an Ethereum receipt needs the chain it must be on (--eth-chain-id)".into()),
            },
            Receipt::Solana(r) => short(format!(
                "{}; that it is in that slot, and its time, are checked only against a node (--solana-rpc)",
                solana::verify(r, &solana::SolanaTrust { payer: None, genesis_hash: None })?.describe()
            )),
        })
    }

    /// The trusted key of the log whose checkpoint `note` is, found by the
    /// key name of its signature lines.
    fn log_key(&self, note: &str) -> Result<Option<NoteKey>, ReceiptError> {
        let parsed = provedex_format::note::SignedNote::parse(note.as_bytes())
            .map_err(|e| ReceiptError::new(format!("its log checkpoint is not a signed note: {e}")))?;
        Ok(self.trust.log_keys.iter().find(|key| parsed.signatures_by(key).next().is_some()).cloned())
    }
}

impl ReceiptChecker for OfflineChecker {
    fn check(
        &self,
        receipt: &serde_json::Map<String, serde_json::Value>,
        checkpoint: &SignedCheckpoint,
        key: &PublicKeyBytes,
    ) -> ReceiptOutcome {
        match read_receipt(receipt, checkpoint, key) {
            Ok(receipt) => self.check_read(&receipt),
            Err(outcome) => outcome,
        }
    }
}

/// A verified receipt that reaches `level`.
pub fn reaches(level: ProofLevel, detail: String) -> ReceiptOutcome {
    ReceiptOutcome { verdict: Verdict::Verified, detail, reaches: Some(level) }
}

/// A receipt whose offline checks pass but which reaches no level by them alone.
pub fn short(detail: String) -> ReceiptOutcome {
    ReceiptOutcome { verdict: Verdict::Verified, detail, reaches: None }
}

/// A receipt that does not verify.
pub fn failed(detail: String) -> ReceiptOutcome {
    ReceiptOutcome { verdict: Verdict::Failed, detail, reaches: None }
}

/// A receipt left unchecked, and why.
pub fn not_checked(detail: String) -> ReceiptOutcome {
    ReceiptOutcome { verdict: Verdict::NotChecked, detail, reaches: None }
}

fn no_log_key(note: &str) -> ReceiptOutcome {
    let name = note.lines().next().unwrap_or_default();
    not_checked(format!("no key is trusted for the log {} (pin it with --log-key)", quote(name)))
}
