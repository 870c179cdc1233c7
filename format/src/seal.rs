//! Sealing: the self_hash and signature of an event (spec/signature-scheme.md).
//! Checking a seal is the verification crate's business.

use sha2::{Digest, Sha256};

#[cfg(feature = "testing")]
use crate::canonical::ByteSink;
use crate::error::{Error, Result};
use crate::event::AgentEvent;
use crate::hex::{ChainHash, PublicKeyBytes, SignatureBytes};
use crate::keys::SigningKeypair;
use crate::line::{MAX_LINE_BYTES, Preimage, SignedEvent};
use crate::reason::Reason;

/// `parent_hash` of the line with seq 0: 32 zero bytes (64 `0` characters).
pub const GENESIS_PARENT_HASH: ChainHash = ChainHash([0; 32]);

/// Writes the self_hash preimage: the canonical JSON of the members the
/// self_hash covers, streamed from the typed event.
#[cfg(feature = "testing")]
pub fn write_self_hash_preimage(
    sink: &mut impl ByteSink,
    event: &AgentEvent,
    seq: u64,
    timestamp_nanos: u64,
    parent_hash: &ChainHash,
) {
    Preimage { event, parent_hash, seq, timestamp_nanos }.write(sink);
}

/// SHA-256 of the self_hash preimage.
pub fn compute_self_hash(event: &AgentEvent, seq: u64, timestamp_nanos: u64, parent_hash: &ChainHash) -> ChainHash {
    hash_preimage(&Preimage { event, parent_hash, seq, timestamp_nanos })
}

/// SHA-256 of a preimage: a line's self_hash.
pub fn hash_preimage(preimage: &Preimage<'_>) -> ChainHash {
    let mut hasher = Sha256::new();
    preimage.write(&mut hasher);
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
    Ok(LinkedEvent::new(validate_for_signing(event)?, seq, timestamp_nanos, parent_hash)?.sign(keypair))
}

/// An event that passed [`validate_for_signing`]: the only way to a [`LinkedEvent`].
#[derive(Debug, Clone, Copy)]
pub struct ValidEvent<'a>(&'a AgentEvent);

/// [`AgentEvent::validate`], as the [`Error::Signing`] that refuses to seal.
pub fn validate_for_signing(event: &AgentEvent) -> Result<ValidEvent<'_>> {
    event.validate().map_err(|e| Error::signing(e.reason, format!("invalid {} event: {e}", event.type_name())))?;
    Ok(ValidEvent(event))
}

/// The first half of sealing: a valid event placed in the chain and hashed,
/// not yet signed. It fixes everything the next line depends on (and the
/// line's length), so a writer can order lines under a lock and sign
/// outside it, on as many cores as there are writers.
#[derive(Debug, Clone)]
pub struct LinkedEvent {
    /// The line with its signature and signer still zeros: neither enters the
    /// self_hash, and both have a fixed length.
    unsigned: SignedEvent,
}

impl LinkedEvent {
    /// Places `event` at `seq` after `parent_hash`, or refuses when its line
    /// would be longer than a reader accepts ([`MAX_LINE_BYTES`]).
    pub fn new(event: ValidEvent<'_>, seq: u64, timestamp_nanos: u64, parent_hash: &ChainHash) -> Result<Self> {
        let unsigned = SignedEvent {
            seq,
            timestamp_nanos,
            event: event.0.clone(),
            parent_hash: *parent_hash,
            self_hash: compute_self_hash(event.0, seq, timestamp_nanos, parent_hash),
            signature: SignatureBytes([0; 64]),
            signer_pubkey: PublicKeyBytes([0; 32]),
        };
        match unsigned.line_len() {
            len if len > MAX_LINE_BYTES => Err(Error::signing(
                Reason::LineTooLong,
                format!(
                    "the sealed {} event is {len} bytes; a ledger line holds at most {MAX_LINE_BYTES}",
                    unsigned.event.type_name()
                ),
            )),
            _ => Ok(LinkedEvent { unsigned }),
        }
    }

    /// The line's seq.
    pub fn seq(&self) -> u64 {
        self.unsigned.seq
    }

    /// The line's timestamp.
    pub fn timestamp_nanos(&self) -> u64 {
        self.unsigned.timestamp_nanos
    }

    /// The line's self_hash: the next line's parent_hash.
    pub fn self_hash(&self) -> &ChainHash {
        &self.unsigned.self_hash
    }

    /// The second half of sealing: the signed line.
    pub fn sign(self, keypair: &SigningKeypair) -> SignedEvent {
        SignedEvent {
            signature: keypair.sign_self_hash(&self.unsigned.self_hash),
            signer_pubkey: keypair.public_key(),
            ..self.unsigned
        }
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
