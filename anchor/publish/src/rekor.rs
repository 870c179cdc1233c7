//! Sigstore Rekor v2 (spec/anchors.md, "Rekor v2"), as rekor-tiles serves
//! it: a `hashedrekord` v0.0.2 entry carrying the statement's SHA-256 and an
//! ECDSA P-256 signature over the statement, by a key made for this entry
//! alone (the statement itself is signed by the ledger's key), is sent with
//! `POST <url>/api/v2/log/entries`. The log answers once a checkpoint covers
//! the entry, with the entry's canonicalized body, its index, the
//! checkpoint and the inclusion proof. The receipt is verified with the
//! configured log key before it is returned.
//!
//! Rekor v2 gives no trusted time (`integratedTime` is 0).

use std::time::Duration;

use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{DerSignature, SigningKey};
use p256::pkcs8::EncodePublicKey as _;
use provedex_format::base64;
use provedex_format::display::quote;
use provedex_format::note::NoteKey;
use provedex_receipts::rekor::{self, API_VERSION, DIGEST_ALGORITHM, KEY_DETAILS, KIND, RekorReceipt, RekorTrust};
use provedex_receipts::statement_digest;
use provedex_receipts::tlog::MAX_STATEMENT_BYTES;
use serde_json::{Value, json};

use crate::AnchorError;
use crate::http::Http;

/// The most bytes read of the log's answer (an entry with its proof and checkpoint is a few KiB).
const MAX_ANSWER_BYTES: u64 = 256 * 1024;

/// A Rekor v2 log to anchor with.
#[derive(Debug, Clone)]
pub struct RekorAnchor {
    url: String,
    log_key: NoteKey,
    connect_timeout: Duration,
    timeout: Duration,
}

impl RekorAnchor {
    /// The log at `url` (e.g. `http://127.0.0.1:3000`, without the API
    /// path), whose checkpoints `log_key` signs, with the default timeouts:
    /// connect 5 s, the whole call 30 s (the log answers once a checkpoint
    /// covers the entry).
    pub fn new(url: impl Into<String>, log_key: NoteKey) -> Self {
        RekorAnchor {
            url: url.into().trim_end_matches('/').to_owned(),
            log_key,
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(30),
        }
    }

    /// Other timeouts: to connect, and for the whole call.
    pub fn with_timeouts(mut self, connect: Duration, whole_call: Duration) -> Self {
        self.connect_timeout = connect;
        self.timeout = whole_call;
        self
    }

    /// The base URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Logs `statement` and returns the verified receipt.
    pub fn anchor(&self, statement: &str) -> Result<RekorReceipt, AnchorError> {
        if statement.len() > MAX_STATEMENT_BYTES {
            return Err(AnchorError::Refused(format!(
                "the statement has {} bytes, more than the {MAX_STATEMENT_BYTES} a Rekor receipt may carry",
                statement.len()
            )));
        }
        let key = entry_key()?;
        let signature: DerSignature = key.sign(statement.as_bytes());
        let spki = key
            .verifying_key()
            .to_public_key_der()
            .map_err(|e| AnchorError::Refused(format!("cannot encode the entry's public key: {e}")))?;
        let sent = Sent {
            digest: base64::encode(&statement_digest(statement)),
            signature: base64::encode(signature.as_bytes()),
            public_key: base64::encode(spki.as_bytes()),
        };
        let request = json!({"hashedRekordRequestV002": {
            "digest": sent.digest,
            "signature": {
                "content": sent.signature,
                "verifier": {"publicKey": {"rawBytes": sent.public_key}, "keyDetails": KEY_DETAILS},
            },
        }});
        let http = Http::new(self.connect_timeout, self.timeout, "the Rekor log");
        let endpoint = format!("{}/api/v2/log/entries", self.url);
        let (status, answer) =
            http.post(&endpoint, request.to_string().as_bytes(), Some("application/json"), MAX_ANSWER_BYTES)?;
        if status != 200 && status != 201 {
            return Err(http.refused(&endpoint, status, &answer));
        }
        let receipt = receipt_of(statement, &answer, &sent)
            .map_err(|why| AnchorError::Mismatch(format!("the Rekor log's answer: {why}")))?;
        rekor::verify(&receipt, &RekorTrust { log_key: self.log_key.clone() })
            .map_err(|e| AnchorError::Mismatch(format!("the Rekor log's answer does not verify: {e}")))?;
        Ok(receipt)
    }
}

/// A P-256 key for one entry, from the system's randomness.
fn entry_key() -> Result<SigningKey, AnchorError> {
    loop {
        let secret: [u8; 32] = crate::random_bytes()?;
        // Rejection sampling: a value of zero or above the group order is drawn again.
        if let Ok(key) = SigningKey::from_slice(&secret) {
            return Ok(key);
        }
    }
}

/// What the entry sent carries, in base64.
struct Sent {
    digest: String,
    signature: String,
    public_key: String,
}

/// The receipt in the log's answer (a `TransparencyLogEntry`), after
/// checking that the logged entry is the one sent.
fn receipt_of(statement: &str, answer: &[u8], sent: &Sent) -> Result<RekorReceipt, String> {
    let answer: Value = serde_json::from_slice(answer).map_err(|e| format!("it is not JSON: {e}"))?;
    let at = |pointer: &str| answer.pointer(pointer).ok_or_else(|| format!("it has no {pointer}"));
    let text = |pointer: &str| at(pointer)?.as_str().ok_or_else(|| format!("its {pointer} is not a string"));
    let kind = (text("/kindVersion/kind")?, text("/kindVersion/version")?);
    if kind != (KIND, API_VERSION) {
        return Err(format!("it logged a {} v{} entry, not {KIND} v{API_VERSION}", quote(kind.0), quote(kind.1)));
    }
    // Protobuf JSON spells 64-bit integers as strings.
    let integer = |pointer: &str| {
        let value = at(pointer)?;
        value
            .as_str()
            .and_then(|t| t.parse::<u64>().ok())
            .or_else(|| value.as_u64())
            .ok_or_else(|| format!("its {pointer} is not an integer"))
    };
    let index = integer("/logIndex")?;
    if integer("/inclusionProof/logIndex")? != index {
        return Err(format!("its inclusion proof is for another index than its entry's {index}"));
    }
    let body = text("/canonicalizedBody")?.to_owned();
    let logged: Value = serde_json::from_slice(&base64::decode(&body).map_err(|e| format!("its body is {e}"))?)
        .map_err(|e| format!("its body is not JSON: {e}"))?;
    let entry = logged.pointer("/spec/hashedRekordV002").ok_or("its body is not a hashedRekordV002 entry")?;
    for (pointer, expected, what) in [
        ("/data/algorithm", DIGEST_ALGORITHM, "digest algorithm"),
        ("/data/digest", &sent.digest, "digest"),
        ("/signature/content", &sent.signature, "signature"),
        ("/signature/verifier/publicKey/rawBytes", &sent.public_key, "public key"),
        ("/signature/verifier/keyDetails", KEY_DETAILS, "key type"),
    ] {
        if entry.pointer(pointer).and_then(Value::as_str) != Some(expected) {
            return Err(format!("the entry it logged carries another {what} than the one sent"));
        }
    }
    // An empty list may be left out (the proof of the only entry of a tree).
    let empty = Vec::new();
    let hashes = match answer.pointer("/inclusionProof/hashes") {
        None | Some(Value::Null) => &empty,
        Some(list) => list.as_array().ok_or("its inclusion proof hashes are not a list")?,
    };
    let proof = hashes
        .iter()
        .enumerate()
        .map(|(i, hash)| {
            let bytes = hash.as_str().map(base64::decode).and_then(Result::ok).filter(|b| b.len() == 32);
            bytes
                .map(|b| provedex_format::hex::encode(&b))
                .ok_or(format!("its proof hash {} is not 32 bytes of base64", i + 1))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let checkpoint = text("/inclusionProof/checkpoint/envelope")?.to_owned();
    Ok(RekorReceipt { statement: statement.to_owned(), body, index, checkpoint, proof })
}
