//! The strict check of one line's seal, written once: the self_hash
//! recomputes, the key is a valid Ed25519 point, the signature verifies
//! under the strict profile (spec/signature-scheme.md). Both engines give
//! these verdicts; the fast one reaches the signature's at a lower cost.

use curve25519_dalek::edwards::CompressedEdwardsY;
use curve25519_dalek::scalar::Scalar;
use ed25519_dalek::{Signature, VerifyingKey};
use provedex_format::hex::{ChainHash, Digest, PublicKeyBytes, SignatureBytes};
use provedex_format::kinds::data_message_of_sha256;
use provedex_format::seal::hash_preimage;
use provedex_format::{Finding, Reason, SignedEvent};

use crate::content::check_content;

/// Every check of one line that needs no chain, in the order verification
/// reports them: the hash, the key, the signature, then the content checks
/// a line can pass or fail alone ([`check_content`]). What a verifier says
/// of a line apart from its place in a chain (the conformance
/// `verify_event` operation).
pub fn check_seal(event: &SignedEvent) -> Result<(), Finding> {
    check_hash(event)?;
    let key = strict_public_key(&event.signer_pubkey)?;
    check_signature(&key, &event.self_hash, &event.signature)?;
    check_content(event)
}

/// The line's self_hash recomputes from the members it covers.
pub(crate) fn check_hash(event: &SignedEvent) -> Result<(), Finding> {
    let expected = hash_preimage(&event.preimage());
    if expected != event.self_hash {
        return Err(Finding::new(
            Reason::HashMismatch,
            format!("self_hash {} does not match the recomputed hash {expected}", event.self_hash),
        ));
    }
    Ok(())
}

/// Decodes a public key under the strict profile: canonical encoding, on the
/// curve, not of small order.
pub(crate) fn strict_public_key(key: &PublicKeyBytes) -> Result<VerifyingKey, Finding> {
    decode_strictly(key).map_err(|why| Finding::new(Reason::InvalidPublicKey, format!("signer_pubkey {key} {why}")))
}

/// [`strict_public_key`] with the reason a key is refused as a phrase, for
/// the findings about keys other than the signer's.
pub(crate) fn decode_strictly(key: &PublicKeyBytes) -> Result<VerifyingKey, &'static str> {
    let compressed = CompressedEdwardsY(key.0);
    let point = compressed.decompress().ok_or("is not a point on Ed25519")?;
    if point.compress() != compressed {
        return Err("is not the canonical encoding of its point");
    }
    if point.is_small_order() {
        return Err("is a small-order point");
    }
    VerifyingKey::from_bytes(&key.0).map_err(|_| "is not a point on Ed25519")
}

/// Strict Ed25519 verification over the raw 32 digest bytes: S < L, canonical
/// and non-small-order R, cofactorless equation. One ed25519-dalek
/// `verify_strict` call: the reference the fast engine's check
/// (`verify::fast::SealChecker`) must agree with on every input.
pub(crate) fn check_signature(
    key: &VerifyingKey,
    digest: &ChainHash,
    signature: &SignatureBytes,
) -> Result<(), Finding> {
    signature_scalar(signature)?;
    key.verify_strict(&digest.0, &Signature::from_bytes(&signature.0)).map_err(|_| signature_mismatch())
}

/// Whether `signature` verifies for `message` under `key` with the strict
/// profile: the check of every labelled kind (a rotation proof, a data
/// signature), whose messages are never a line's 32-byte digest.
pub fn verifies_strictly(key: &PublicKeyBytes, message: &[u8], signature: &SignatureBytes) -> bool {
    let Ok(key) = decode_strictly(key) else { return false };
    signature_scalar(signature).is_ok() && key.verify_strict(message, &Signature::from_bytes(&signature.0)).is_ok()
}

/// Whether `signature` is a data signature of `data` under `key`
/// (spec/signature-scheme.md, "Data signatures"): strict, over the data
/// label and the data's SHA-256, so no line or rotation signature passes.
pub fn verify_data(key: &PublicKeyBytes, data: &[u8], signature: &SignatureBytes) -> bool {
    verify_data_sha256(key, &Digest::of(data), signature)
}

/// [`verify_data`] from the data's SHA-256, for data hashed as it streams in.
pub fn verify_data_sha256(key: &PublicKeyBytes, data_sha256: &Digest, signature: &SignatureBytes) -> bool {
    verifies_strictly(key, &data_message_of_sha256(data_sha256), signature)
}

/// The signature's S, refused when not reduced (S >= L): the first check of
/// the strict profile, reported with its own message.
pub(crate) fn signature_scalar(signature: &SignatureBytes) -> Result<Scalar, Finding> {
    let s: [u8; 32] = signature.0[32..].try_into().expect("64-byte signature");
    Option::from(Scalar::from_canonical_bytes(s))
        .ok_or_else(|| Finding::new(Reason::BadSignature, "signature has a non-canonical S (S >= L)"))
}

/// The finding for a signature with a canonical S that fails the rest of the strict profile.
pub(crate) fn signature_mismatch() -> Finding {
    Finding::new(Reason::BadSignature, "signature does not verify for self_hash under signer_pubkey (strict Ed25519)")
}

/// What a line's own seal says, checked apart from its place in the chain
/// (possibly on another thread). The chain reports a hash or key finding
/// before the pinned-key and signer checks, and a signature finding after
/// them (spec/verification.md, steps 10 to 14).
#[derive(Debug)]
pub(crate) enum SealVerdict {
    Valid,
    /// `hash_mismatch` or `invalid_public_key`.
    BeforeSigner(Finding),
    /// `bad_signature`.
    BadSignature(Finding),
}

/// The sequential engine's seal check: the hash, the key and one strict
/// ed25519-dalek verification, each from scratch.
pub(crate) fn strict_seal(event: &SignedEvent) -> SealVerdict {
    let key = match check_hash(event).and_then(|()| strict_public_key(&event.signer_pubkey)) {
        Ok(key) => key,
        Err(finding) => return SealVerdict::BeforeSigner(finding),
    };
    match check_signature(&key, &event.self_hash, &event.signature) {
        Ok(()) => SealVerdict::Valid,
        Err(finding) => SealVerdict::BadSignature(finding),
    }
}
