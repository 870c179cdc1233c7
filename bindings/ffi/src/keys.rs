//! The key manager (spec/keys.md): PEM keys, fingerprints and data
//! signatures. A private key may come in as PEM; it never goes out, except
//! into a key file.

use std::sync::Arc;

use provedex_core::{self as core, Digest, KeyFile, PublicKeyBytes, SignatureBytes};

use crate::{FsPath, Result, SigningKeypair, hex_member};

/// A data SHA-256 given as hex; a malformed one is an `invalid_hex` `Chain` error.
fn data_sha256(text: &str) -> Result<Digest> {
    hex_member("data_sha256", Digest::from_hex(text))
}

#[uniffi::export]
impl SigningKeypair {
    /// The key of a PEM PKCS#8 private key (`-----BEGIN PRIVATE KEY-----`,
    /// v1 or v2), as OpenSSL writes it; any other PEM is a `KeyLoad` error
    /// saying what it is. For keys held in a secret store rather than a file.
    #[uniffi::constructor]
    pub fn from_pem(pem: String) -> Result<Arc<Self>> {
        Ok(Arc::new(SigningKeypair(core::SigningKeypair::from_pkcs8_pem(pem.as_bytes())?)))
    }

    /// [`SigningKeypair::save`], writing the key as a PEM PKCS#8 private key
    /// that OpenSSL reads; `load` reads either form.
    pub fn save_pem(&self, path: FsPath) -> Result<()> {
        Ok(self.0.save_pem(path.0)?)
    }

    /// The public key as a `PUBLIC KEY` PEM (SubjectPublicKeyInfo).
    pub fn public_key_pem(&self) -> String {
        self.0.public_key().to_pem()
    }

    /// The fingerprint to publish: `sha256:` and the hex SHA-256 of the key's 32 bytes.
    pub fn fingerprint(&self) -> String {
        self.0.fingerprint()
    }

    /// A data signature of `data` (spec/signature-scheme.md, "Data
    /// signatures"), as 128 hex characters: over a label and the data's
    /// SHA-256, so it can never pass for a ledger line's signature.
    pub fn sign_data(&self, data: Vec<u8>) -> String {
        self.0.sign_data(&data).to_hex()
    }

    /// [`SigningKeypair::sign_data`] from the data's SHA-256 (64 hex
    /// characters), for data hashed as it streams in: the same signature.
    pub fn sign_data_sha256(&self, data_sha256: String) -> Result<String> {
        Ok(self.0.sign_data_sha256(&self::data_sha256(&data_sha256)?).to_hex())
    }
}

/// A public key given as 64 lowercase hex characters or as a `PUBLIC KEY`
/// PEM, returned as hex; anything else is a `KeyLoad` error.
#[uniffi::export]
pub fn parse_public_key(text: String) -> Result<String> {
    Ok(PublicKeyBytes::parse(text.as_bytes())?.to_hex())
}

/// The public key in a file (a `PUBLIC KEY` PEM, or hex), returned as hex.
#[uniffi::export]
pub fn load_public_key(path: FsPath) -> Result<String> {
    Ok(core::load_public_key(path.0)?.to_hex())
}

/// The `PUBLIC KEY` PEM of a public key given as hex or PEM.
#[uniffi::export]
pub fn public_key_pem(pubkey: String) -> Result<String> {
    Ok(PublicKeyBytes::parse(pubkey.as_bytes())?.to_pem())
}

/// The fingerprint of a public key given as hex or PEM: `sha256:` and 64 hex characters.
#[uniffi::export]
pub fn public_key_fingerprint(pubkey: String) -> Result<String> {
    Ok(PublicKeyBytes::parse(pubkey.as_bytes())?.fingerprint())
}

/// Whether `signature` (128 hex characters) is the data signature of `data`
/// under `pubkey` (hex or PEM), by the strict profile. A signature of
/// another kind, of other data or by another key is `false`; a key that is
/// not a key is a `KeyLoad` error, a signature that is not hex a `Chain`
/// error `invalid_hex`.
#[uniffi::export]
pub fn verify_data(pubkey: String, data: Vec<u8>, signature: String) -> Result<bool> {
    let key = PublicKeyBytes::parse(pubkey.as_bytes())?;
    let signature = hex_member("signature", SignatureBytes::from_hex(&signature))?;
    Ok(core::verify_data(&key, &data, &signature))
}

/// [`verify_data`] from the data's SHA-256 (64 hex characters), for data
/// hashed as it streams in; a malformed digest is a `Chain` error `invalid_hex`.
#[uniffi::export]
pub fn verify_data_sha256(pubkey: String, data_sha256: String, signature: String) -> Result<bool> {
    let key = PublicKeyBytes::parse(pubkey.as_bytes())?;
    let digest = self::data_sha256(&data_sha256)?;
    let signature = hex_member("signature", SignatureBytes::from_hex(&signature))?;
    Ok(core::verify_data_sha256(&key, &digest, &signature))
}
