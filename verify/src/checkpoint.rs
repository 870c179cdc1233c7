//! Signed checkpoints (spec/transparency.md, "Checkpoints"): read one, and
//! check its signature under a key, strictly. Whether a ledger matches it
//! is the chain's end check ([`crate::Verifier::checkpoint`]).

use provedex_format::checkpoint::{Checkpoint, LedgerOrigin};
use provedex_format::hex::{PublicKeyBytes, SignatureBytes};
use provedex_format::note::SignedNote;
use provedex_format::{Finding, Reason};

use crate::seal::verifies_strictly;

/// A checkpoint read from its signed note: what it says, and who it says signs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCheckpoint {
    /// The body: origin, tree size, root.
    pub checkpoint: Checkpoint,
    /// What the origin names: the ledger and the signing key's fingerprint.
    pub origin: LedgerOrigin,
    /// The note, with every signature line.
    pub note: SignedNote,
}

impl SignedCheckpoint {
    /// Reads a signed checkpoint: a signed note whose text is a checkpoint
    /// body with a ledger origin (`checkpoint_malformed` otherwise). No
    /// signature is checked.
    pub fn parse(bytes: &[u8]) -> Result<Self, Finding> {
        let malformed = |why: String| Finding::new(Reason::CheckpointMalformed, why);
        let note = SignedNote::parse(bytes).map_err(|e| malformed(format!("it is not a signed note: {e}")))?;
        let checkpoint = Checkpoint::parse_body(&note.text).map_err(|e| malformed(e.to_string()))?;
        let origin = LedgerOrigin::parse(&checkpoint.origin).map_err(|e| malformed(e.to_string()))?;
        Ok(SignedCheckpoint { checkpoint, origin, note })
    }

    /// Checks that `key` signs the checkpoint: the origin names its
    /// fingerprint (`checkpoint_foreign` otherwise), and the note carries a
    /// signature line under the origin and the key's id, every such line
    /// verifying under the strict Ed25519 profile
    /// (`checkpoint_signature_invalid` otherwise). Lines by other keys
    /// (witnesses, cosigners) are ignored.
    pub fn verify_signature(&self, key: &PublicKeyBytes) -> Result<(), Finding> {
        let fingerprint = key.fingerprint();
        if self.origin.fingerprint != fingerprint {
            return Err(Finding::new(
                Reason::CheckpointForeign,
                format!("the checkpoint's origin names the key {}, not {fingerprint} ({key})", self.origin.fingerprint),
            ));
        }
        let invalid = |why: String| Finding::new(Reason::CheckpointSignatureInvalid, why);
        let note_key = self.checkpoint.note_key(*key).map_err(|e| invalid(e.to_string()))?;
        let mut signed = false;
        for signature in self.note.signatures_by(&note_key) {
            let bytes = SignatureBytes(signature.signature[..].try_into().map_err(|_| {
                invalid(format!("its signature by {fingerprint} has {} bytes, not 64", signature.signature.len()))
            })?);
            if !verifies_strictly(key, self.note.text.as_bytes(), &bytes) {
                return Err(invalid(format!(
                    "its signature by {fingerprint} does not verify for its text (strict Ed25519)"
                )));
            }
            signed = true;
        }
        if !signed {
            return Err(invalid(format!("it carries no signature by {fingerprint} under its origin")));
        }
        Ok(())
    }
}

/// Reads a signed checkpoint and checks that `key` signs it (see
/// [`SignedCheckpoint::parse`] and [`SignedCheckpoint::verify_signature`]).
pub fn verify_checkpoint(bytes: &[u8], key: &PublicKeyBytes) -> Result<SignedCheckpoint, Finding> {
    let checkpoint = SignedCheckpoint::parse(bytes)?;
    checkpoint.verify_signature(key)?;
    Ok(checkpoint)
}
