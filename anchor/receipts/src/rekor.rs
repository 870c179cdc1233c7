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
use provedex_format::base64;
use provedex_format::display::quote;
use provedex_format::hex::Digest;
use provedex_format::note::NoteKey;
use serde::Deserialize;
use sha2::{Digest as _, Sha256};

use crate::tlog::{TlogVerified, check_statement_size, short, verify_entry};
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
    let body = base64::decode(&receipt.body).map_err(|e| ReceiptError::new(format!("the entry body is {e}")))?;
    let log = verify_entry(&body, receipt.index, &receipt.checkpoint, &receipt.proof, &trust.log_key)?;
    let entry = check_body(&body, &receipt.statement)?;
    Ok(RekorVerified { log, entry_key_sha256: entry })
}

/// Checks the logged body against the statement; returns the SHA-256 of the entry's public key.
fn check_body(body: &[u8], statement: &str) -> Result<Digest, ReceiptError> {
    let body: Body = serde_json::from_slice(body).map_err(|e| {
        ReceiptError::new(format!("the entry body is not a {KIND} v{API_VERSION} entry: {}", quote(&e.to_string())))
    })?;
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
        base64::decode(&rekord.data.digest).map_err(|e| ReceiptError::new(format!("the entry's digest is {e}")))?;
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
    let spki = base64::decode(&verifier.public_key.raw_bytes)
        .map_err(|e| ReceiptError::new(format!("the entry's public key is {e}")))?;
    let key = VerifyingKey::from_public_key_der(&spki)
        .map_err(|e| ReceiptError::new(format!("the entry's public key is not a P-256 public key: {e}")))?;
    let signature = base64::decode(&rekord.signature.content)
        .map_err(|e| ReceiptError::new(format!("the entry's signature is {e}")))?;
    let signature = DerSignature::from_bytes(&signature)
        .map_err(|_| ReceiptError::new("the entry's signature is not a DER ECDSA signature"))?;
    key.verify(statement.as_bytes(), &signature)
        .map_err(|_| ReceiptError::new("the entry's ECDSA signature does not verify over the statement"))?;
    Ok(Digest(Sha256::digest(&spki).into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tlog::edits::for_each_edited_receipt;
    use crate::tlog::tests::log;
    use p256::ecdsa::SigningKey;
    use p256::ecdsa::signature::Signer as _;
    use p256::pkcs8::EncodePublicKey as _;
    use serde_json::{Value, json};

    /// A hashedrekord body for `statement`, signed by the P-256 key with secret `[seed; 32]`.
    fn body(statement: &str, seed: u8) -> Value {
        let key = SigningKey::from_slice(&[seed; 32]).unwrap();
        let signature: DerSignature = key.sign(statement.as_bytes());
        let spki = key.verifying_key().to_public_key_der().unwrap();
        json!({"apiVersion": "0.0.2", "kind": "hashedrekord", "spec": {"hashedRekordV002": {
            "data": {"algorithm": "SHA2_256", "digest": base64::encode(&statement_digest(statement))},
            "signature": {"content": base64::encode(signature.as_bytes()), "verifier": {
                "keyDetails": "PKIX_ECDSA_P256_SHA_256", "publicKey": {"rawBytes": base64::encode(spki.as_bytes())}}}}}})
    }

    /// The receipt of `statement` whose logged body is `logged`, entry 1 of a log of three.
    fn receipt(statement: &str, logged: &Value) -> (RekorReceipt, RekorTrust) {
        let logged = logged.to_string().into_bytes();
        let entries = [b"first".to_vec(), logged.clone(), b"third".to_vec()];
        let (log_key, tree, checkpoint) = log(&entries, 5);
        let proof = tree.inclusion_proof(1, 3).iter().map(Digest::to_hex).collect();
        let receipt =
            RekorReceipt { statement: statement.into(), body: base64::encode(&logged), index: 1, checkpoint, proof };
        (receipt, RekorTrust { log_key })
    }

    fn fails_with(statement: &str, logged: Value, what: &str) {
        let (receipt, trust) = receipt(statement, &logged);
        let why = verify(&receipt, &trust).unwrap_err().0;
        assert!(why.contains(what), "expected {what:?} in {why:?}");
    }

    #[test]
    fn a_logged_body_verifies_and_each_wrong_member_fails_with_its_message() {
        let statement = "{\"tree_size\":3}";
        let (good, trust) = receipt(statement, &body(statement, 1));
        let verified = verify(&good, &trust).unwrap();
        assert_eq!((verified.log.index, verified.log.tree_size), (1, 3));
        assert!(verified.describe().contains("no trusted time"));

        let edit = |pointer: &str, value: Value| {
            let mut b = body(statement, 1);
            *b.pointer_mut(pointer).unwrap() = value;
            b
        };
        fails_with(statement, edit("/kind", "dsse".into()), "not hashedrekord 0.0.2");
        fails_with(statement, edit("/apiVersion", "0.0.1".into()), "not hashedrekord 0.0.2");
        fails_with(statement, edit("/spec/hashedRekordV002/data/algorithm", "SHA2_384".into()), "not SHA2_256");
        fails_with(statement, body("another", 1), "is not the SHA-256 of the statement");
        fails_with(
            statement,
            edit("/spec/hashedRekordV002/signature/verifier/keyDetails", "PKIX_ED25519".into()),
            "not PKIX_ECDSA_P256_SHA_256",
        );
        // The signature of the statement by another key, with this body's key.
        let other = body(statement, 2);
        let forged = edit(
            "/spec/hashedRekordV002/signature/content",
            other.pointer("/spec/hashedRekordV002/signature/content").unwrap().clone(),
        );
        fails_with(statement, forged, "the entry's ECDSA signature does not verify over the statement");
        fails_with(
            statement,
            edit("/spec/hashedRekordV002/signature/content", "AAAA".into()),
            "not a DER ECDSA signature",
        );
        fails_with(
            statement,
            edit("/spec/hashedRekordV002/signature/verifier/publicKey/rawBytes", "AAAA".into()),
            "not a P-256 public key",
        );
        let mut extra = body(statement, 1);
        extra["spec"]["hashedRekordV002"]["extra"] = 1.into();
        fails_with(statement, extra, "is not a hashedrekord v0.0.2 entry");
        let mut unknown = body(statement, 1);
        unknown["integratedTime"] = 5.into();
        fails_with(statement, unknown, "unknown field");
    }

    #[test]
    fn mutated_receipts_never_panic() {
        let statement = "{\"tree_size\":4}";
        let (good, trust) = receipt(statement, &body(statement, 3));
        for_each_edited_receipt(&good, &["0", "f", "A", "\"", ""], |edited, receipt| {
            assert!(verify(&receipt, &trust).is_err(), "{edited}");
        });
    }
}
