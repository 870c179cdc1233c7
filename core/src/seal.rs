//! Sealing: the self_hash and signature of an event (spec/signature-scheme.md).

use curve25519_dalek::edwards::CompressedEdwardsY;
use curve25519_dalek::scalar::Scalar;
use ed25519_dalek::{Signature, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::canonical::{ByteSink, write_decimal};
use crate::error::{Error, Result};
use crate::event::AgentEvent;
use crate::hex::{ChainHash, PublicKeyBytes, SignatureBytes};
use crate::keys::SigningKeypair;
use crate::line::MAX_LINE_BYTES;
use crate::reason::{Finding, Reason};

/// `parent_hash` of the line with seq 0: 32 zero bytes (64 `0` characters).
pub const GENESIS_PARENT_HASH: ChainHash = ChainHash([0; 32]);

/// One sealed event: a ledger line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedEvent {
    /// Position in the ledger: 0 for the first line.
    pub seq: u64,
    /// Nanoseconds since the Unix epoch.
    pub timestamp_nanos: u64,
    /// The event the line records.
    pub event: AgentEvent,
    /// The previous line's `self_hash` ([`GENESIS_PARENT_HASH`] at seq 0).
    pub parent_hash: ChainHash,
    /// SHA-256 of the canonical preimage (spec/signature-scheme.md).
    pub self_hash: ChainHash,
    /// Ed25519 over the 32 bytes of `self_hash`.
    pub signature: SignatureBytes,
    /// The key that signed the line.
    pub signer_pubkey: PublicKeyBytes,
}

/// Writes the self_hash preimage: the canonical JSON of
/// `{"event", "parent_hash", "seq", "timestamp_nanos"}`, streamed from the typed event.
pub fn write_self_hash_preimage(
    sink: &mut impl ByteSink,
    event: &AgentEvent,
    seq: u64,
    timestamp_nanos: u64,
    parent_hash: &ChainHash,
) {
    sink.put(b"{\"event\":");
    event.write_canonical(sink);
    sink.put(b",\"parent_hash\":\"");
    parent_hash.put_hex(sink);
    sink.put(b"\",\"seq\":");
    write_decimal(sink, seq.into());
    sink.put(b",\"timestamp_nanos\":");
    write_decimal(sink, timestamp_nanos.into());
    sink.put(b"}");
}

/// SHA-256 of the self_hash preimage.
pub fn compute_self_hash(event: &AgentEvent, seq: u64, timestamp_nanos: u64, parent_hash: &ChainHash) -> ChainHash {
    let mut hasher = Sha256::new();
    write_self_hash_preimage(&mut hasher, event, seq, timestamp_nanos, parent_hash);
    ChainHash(hasher.finalize().into())
}

/// Seals `event` at `seq` after `parent_hash`, stamped with the current time.
pub fn sign_event(
    event: &AgentEvent,
    seq: u64,
    parent_hash: &ChainHash,
    keypair: &SigningKeypair,
) -> Result<SignedEvent> {
    sign_event_at(event, seq, now_nanos(), parent_hash, keypair)
}

/// Seals `event` with an explicit timestamp: deterministic, as Ed25519 signatures are.
///
/// The event is validated first; an invalid event, or one whose line would
/// be longer than a reader accepts, is an [`Error::Signing`].
pub fn sign_event_at(
    event: &AgentEvent,
    seq: u64,
    timestamp_nanos: u64,
    parent_hash: &ChainHash,
    keypair: &SigningKeypair,
) -> Result<SignedEvent> {
    validate_for_signing(event)?;
    refuse_too_long(seal(event, seq, timestamp_nanos, parent_hash, keypair))
}

/// `signed`, or the refusal to seal it when its line would be longer than a
/// reader accepts. The signature does not change the length, so a
/// [`link`]ed event can be checked before it is signed.
pub(crate) fn refuse_too_long(signed: SignedEvent) -> Result<SignedEvent> {
    match signed.line_len() {
        len if len > MAX_LINE_BYTES => Err(Error::signing(
            Reason::LineTooLong,
            format!(
                "the sealed {} event is {len} bytes; a ledger line holds at most {MAX_LINE_BYTES}",
                signed.event.type_name()
            ),
        )),
        _ => Ok(signed),
    }
}

/// [`AgentEvent::validate`], as the [`Error::Signing`] that refuses to seal.
pub fn validate_for_signing(event: &AgentEvent) -> Result<()> {
    event.validate().map_err(|e| Error::signing(e.reason, format!("invalid {} event: {e}", event.type_name())))
}

/// Seals an event that has been validated.
pub(crate) fn seal(
    event: &AgentEvent,
    seq: u64,
    timestamp_nanos: u64,
    parent_hash: &ChainHash,
    keypair: &SigningKeypair,
) -> SignedEvent {
    let mut signed = link(event, seq, timestamp_nanos, parent_hash, keypair.public_key());
    signed.sign(keypair);
    signed
}

/// The first half of [`seal`]: `event` placed in the chain and hashed, its
/// signature still all zeros. Fixes everything the next line depends on
/// (and the line's length), so a writer can order lines under a lock and
/// sign outside it.
pub(crate) fn link(
    event: &AgentEvent,
    seq: u64,
    timestamp_nanos: u64,
    parent_hash: &ChainHash,
    signer_pubkey: PublicKeyBytes,
) -> SignedEvent {
    SignedEvent {
        seq,
        timestamp_nanos,
        event: event.clone(),
        parent_hash: *parent_hash,
        self_hash: compute_self_hash(event, seq, timestamp_nanos, parent_hash),
        signature: SignatureBytes([0; 64]),
        signer_pubkey,
    }
}

/// SHA-256 of `bytes` as 64 lowercase hex: the form of every `*_sha256` payload field.
pub fn sha256_hex(bytes: &[u8]) -> String {
    crate::hex::encode(&Sha256::digest(bytes))
}

/// Nanoseconds since the Unix epoch by the system clock (0 if the clock is before 1970).
pub fn now_nanos() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

impl SignedEvent {
    /// The second half of [`seal`]: signs the self_hash [`link`] computed.
    pub(crate) fn sign(&mut self, keypair: &SigningKeypair) {
        self.signature = keypair.sign(&self.self_hash.0);
    }

    /// Checks the event on its own: the self_hash recomputes and the
    /// signature verifies under the strict profile. Chain position is
    /// [`crate::verify_chain`]'s business.
    pub fn verify(&self) -> Result<()> {
        self.check_seal().map_err(|f| Error::Chain { reason: f.reason, message: format!("seq {}: {}", self.seq, f) })
    }

    /// [`SignedEvent::verify`] with the finding's reason code: the hash, the
    /// key and the signature checks, in the order verification reports them.
    pub fn check_seal(&self) -> Result<(), Finding> {
        self.check_hash()?;
        let key = strict_public_key(&self.signer_pubkey)?;
        check_signature(&key, &self.self_hash, &self.signature)
    }

    pub(crate) fn check_hash(&self) -> Result<(), Finding> {
        let expected = compute_self_hash(&self.event, self.seq, self.timestamp_nanos, &self.parent_hash);
        if expected != self.self_hash {
            return Err(Finding::new(
                Reason::HashMismatch,
                format!("self_hash {} does not match the recomputed hash {expected}", self.self_hash),
            ));
        }
        Ok(())
    }
}

/// Decodes a public key under the strict profile: canonical encoding, on the
/// curve, not of small order.
pub(crate) fn strict_public_key(key: &PublicKeyBytes) -> Result<VerifyingKey, Finding> {
    let invalid = |why: &str| Finding::new(Reason::InvalidPublicKey, format!("signer_pubkey {key} {why}"));
    let compressed = CompressedEdwardsY(key.0);
    let point = compressed.decompress().ok_or_else(|| invalid("is not a point on Ed25519"))?;
    if point.compress() != compressed {
        return Err(invalid("is not the canonical encoding of its point"));
    }
    if point.is_small_order() {
        return Err(invalid("is a small-order point"));
    }
    VerifyingKey::from_bytes(&key.0).map_err(|_| invalid("is not a point on Ed25519"))
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
