//! Receipts of Sigstore Rekor v2 (rekor-tiles): a `hashedrekord` v0.0.2
//! entry whose digest is the statement's SHA-256, signed with ECDSA P-256
//! over the statement, logged in a tile-based log whose checkpoints are C2SP
//! signed notes. Checked offline with the log's note verifier key only: the
//! checkpoint and inclusion check is the tlog receipts' ([`verify_entry`]),
//! over the entry's canonicalized body.
//!
//! Rekor v2 gives no trusted time (its `integratedTime` is 0): a Rekor
//! receipt shows that the statement is publicly logged, not when.

use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::{DerSignature, VerifyingKey};
use p256::pkcs8::DecodePublicKey as _;
use provedex_format::display::quote;
use provedex_format::hex::Digest;
use provedex_format::note::NoteKey;
use serde::Deserialize;
use sha2::{Digest as _, Sha256};

use crate::tlog::{TlogVerified, check_statement_size, decode_base64, short, verify_entry};
use crate::{ReceiptError, statement_digest};

/// The most characters the base64 of an entry's body may have in a receipt:
/// a hashedrekord body with a P-256 key and signature is about 600.
pub const MAX_BODY_CHARS: usize = 16 * 1024;

/// The entry kind a Rekor anchor logs.
pub const KIND: &str = "hashedrekord";
/// The entry version a Rekor anchor logs.
pub const API_VERSION: &str = "0.0.2";
/// The digest algorithm of the entry's data.
pub const DIGEST_ALGORITHM: &str = "SHA2_256";
/// The entry's signature scheme: ECDSA P-256 with SHA-256, the key as a DER SubjectPublicKeyInfo.
pub const KEY_DETAILS: &str = "PKIX_ECDSA_P256_SHA_256";

/// The receipt of a statement logged in Rekor v2.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RekorReceipt {
    /// The signed anchor statement; the entry carries its SHA-256 and an
    /// ECDSA P-256 signature over its UTF-8 bytes.
    pub statement: String,
    /// The entry's canonicalized body (the log leaf), standard base64: the
    /// JSON of a `hashedrekord` v0.0.2 entry, as the log returned it.
    pub body: String,
    /// The entry's index in the log (0-based).
    pub index: u64,
    /// The log's checkpoint, verbatim: a C2SP signed note (origin, tree size, base64 root).
    pub checkpoint: String,
    /// The RFC 9162 inclusion proof of the body in the checkpoint's tree: the
    /// hashes from the leaf up, each 64 lowercase hex characters.
    pub proof: Vec<String>,
}

/// What the verifier pins for a Rekor v2 log, apart from any receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RekorTrust {
    /// The log's note verifier key (Ed25519); its name is the log's origin
    /// (the server's `--hostname`).
    pub log_key: NoteKey,
}

/// What a verified Rekor receipt establishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RekorVerified {
    /// The entry's place in the log's signed tree.
    pub log: TlogVerified,
    /// The SHA-256 of the DER public key that signed the entry.
    pub entry_key_sha256: Digest,
}

impl RekorVerified {
    /// One line for people.
    pub fn describe(&self) -> String {
        format!(
            "logged as {KIND} v{API_VERSION} entry {} of the Rekor v2 log {} (tree of {} entries, root {}, checkpoint \
             signed by key id {}); Rekor v2 gives no trusted time",
            self.log.index,
            quote(&self.log.origin),
            self.log.tree_size,
            short(&self.log.root.to_hex()),
            self.log.key_id
        )
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Body {
    api_version: String,
    kind: String,
    spec: Spec,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Spec {
    hashed_rekord_v002: HashedRekord,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HashedRekord {
    data: Data,
    signature: EntrySignature,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Data {
    algorithm: String,
    digest: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntrySignature {
    content: String,
    verifier: EntryVerifier,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct EntryVerifier {
    key_details: String,
    public_key: PublicKey,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PublicKey {
    raw_bytes: String,
}

/// Every offline check of a Rekor receipt: the sizes; the checkpoint's
/// signature by the pinned log key and the body's inclusion at `index`
/// (as for a tlog receipt); the body is a `hashedrekord` v0.0.2 entry whose
/// SHA-256 digest is the statement's; its ECDSA P-256 signature verifies
/// over the statement's bytes under the key it names.
pub fn verify(receipt: &RekorReceipt, trust: &RekorTrust) -> Result<RekorVerified, ReceiptError> {
    check_statement_size(&receipt.statement)?;
    if receipt.body.len() > MAX_BODY_CHARS {
        return Err(ReceiptError::new(format!(
            "the entry body has {} base64 characters, more than the {MAX_BODY_CHARS} a receipt may carry",
            receipt.body.len()
        )));
    }
    let body = decode_base64(&receipt.body).map_err(|e| ReceiptError::new(format!("the entry body {e}")))?;
    let log = verify_entry(&body, receipt.index, &receipt.checkpoint, &receipt.proof, &trust.log_key)?;
    let entry = check_body(&body, &receipt.statement)?;
    Ok(RekorVerified { log, entry_key_sha256: entry })
}

/// Checks the logged body against the statement; returns the SHA-256 of the entry's public key.
fn check_body(body: &[u8], statement: &str) -> Result<Digest, ReceiptError> {
    let body: Body = serde_json::from_slice(body)
        .map_err(|e| ReceiptError::new(format!("the entry body is not a {KIND} v{API_VERSION} entry: {e}")))?;
    if body.kind != KIND || body.api_version != API_VERSION {
        return Err(ReceiptError::new(format!(
            "the entry is of kind {} version {}, not {KIND} {API_VERSION}",
            quote(&body.kind),
            quote(&body.api_version)
        )));
    }
    let rekord = body.spec.hashed_rekord_v002;
    if rekord.data.algorithm != DIGEST_ALGORITHM {
        return Err(ReceiptError::new(format!(
            "the entry's digest algorithm is {}, not {DIGEST_ALGORITHM}",
            quote(&rekord.data.algorithm)
        )));
    }
    let digest =
        decode_base64(&rekord.data.digest).map_err(|e| ReceiptError::new(format!("the entry's digest {e}")))?;
    let expected = statement_digest(statement);
    if digest != expected {
        return Err(ReceiptError::new(format!(
            "the entry's digest {} is not the SHA-256 of the statement {}",
            short(&provedex_format::hex::encode(&digest)),
            short(&provedex_format::hex::encode(&expected))
        )));
    }
    let verifier = rekord.signature.verifier;
    if verifier.key_details != KEY_DETAILS {
        return Err(ReceiptError::new(format!(
            "the entry's key is {}, not {KEY_DETAILS}",
            quote(&verifier.key_details)
        )));
    }
    let spki = decode_base64(&verifier.public_key.raw_bytes)
        .map_err(|e| ReceiptError::new(format!("the entry's public key {e}")))?;
    let key = VerifyingKey::from_public_key_der(&spki)
        .map_err(|e| ReceiptError::new(format!("the entry's public key is not a P-256 public key: {e}")))?;
    let signature = decode_base64(&rekord.signature.content)
        .map_err(|e| ReceiptError::new(format!("the entry's signature {e}")))?;
    let signature = DerSignature::from_bytes(&signature)
        .map_err(|_| ReceiptError::new("the entry's signature is not a DER ECDSA signature"))?;
    key.verify(statement.as_bytes(), &signature)
        .map_err(|_| ReceiptError::new("the entry's ECDSA signature does not verify over the statement"))?;
    Ok(Digest(Sha256::digest(&spki).into()))
}
