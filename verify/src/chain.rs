//! The chain rules (spec/verification.md): one line after another, each
//! with the verdict on its seal, against the state the lines before left.

use provedex_format::hex::{ChainHash, PublicKeyBytes};
use provedex_format::seal::GENESIS_PARENT_HASH;
use provedex_format::{Finding, Reason, SignedEvent};

use crate::report::ChainReport;
use crate::seal::SealVerdict;

/// The chain rules, applied one event at a time.
pub(crate) struct ChainVerifier {
    pinned_pubkey: Option<PublicKeyBytes>,
    count: u64,
    expected_parent: ChainHash,
    signers: Vec<PublicKeyBytes>,
}

impl ChainVerifier {
    pub(crate) fn new(pinned_pubkey: Option<PublicKeyBytes>) -> Self {
        ChainVerifier { pinned_pubkey, count: 0, expected_parent: GENESIS_PARENT_HASH, signers: Vec::new() }
    }

    /// Checks the next event, given the verdict on its seal; on success it
    /// becomes the chain's tip.
    pub(crate) fn push(&mut self, event: &SignedEvent, seal: SealVerdict) -> Result<(), Finding> {
        if event.seq != self.count {
            return Err(Finding::new(
                Reason::SeqMismatch,
                format!("expected seq {}, found seq {}", self.count, event.seq),
            ));
        }
        if event.parent_hash != self.expected_parent {
            let what = if self.count == 0 {
                "the genesis value (64 zeros)".to_owned()
            } else {
                format!("the previous self_hash {}", self.expected_parent)
            };
            return Err(Finding::new(
                Reason::ParentMismatch,
                format!("parent_hash {} is not {what}", event.parent_hash),
            ));
        }
        if let SealVerdict::BeforeSigner(finding) = seal {
            return Err(finding);
        }
        if let Some(pinned) = self.pinned_pubkey
            && event.signer_pubkey != pinned
        {
            return Err(Finding::new(
                Reason::PubkeyMismatch,
                format!("signed by {}, not by the pinned key {pinned}", event.signer_pubkey),
            ));
        }
        if let Some(first) = self.signers.first()
            && event.signer_pubkey != *first
        {
            return Err(Finding::new(
                Reason::SignerChanged,
                format!("signed by {}, but the ledger was started by {first}", event.signer_pubkey),
            ));
        }
        if let SealVerdict::BadSignature(finding) = seal {
            return Err(finding);
        }
        // v1 admits one signer per ledger: the first good line's.
        if self.signers.is_empty() {
            self.signers.push(event.signer_pubkey);
        }
        self.count += 1;
        self.expected_parent = event.self_hash;
        Ok(())
    }

    pub(crate) fn count(&self) -> u64 {
        self.count
    }

    fn root_hash(&self) -> Option<ChainHash> {
        (self.count > 0).then_some(self.expected_parent)
    }

    pub(crate) fn finish(self) -> ChainReport {
        let message = match self.count {
            0 => "valid: the ledger is empty".to_owned(),
            1 => "valid: 1 event".to_owned(),
            n => format!("valid: {n} events"),
        };
        ChainReport {
            ok: true,
            event_count: self.count,
            broken_at: None,
            line: None,
            reason: None,
            message,
            root_hash: self.root_hash(),
            signers: self.signers,
        }
    }

    pub(crate) fn broken(self, finding: Finding, line: Option<u64>) -> ChainReport {
        let place = match line {
            Some(l) => format!("line {l} (seq {})", self.count),
            None => format!("seq {}", self.count),
        };
        ChainReport {
            ok: false,
            event_count: self.count,
            broken_at: Some(self.count),
            line,
            reason: Some(finding.reason),
            message: format!("broken at {place}: {}", finding.message),
            root_hash: self.root_hash(),
            signers: self.signers,
        }
    }
}
