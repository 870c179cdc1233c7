//! Ed25519 signing keys in memory (spec/signature-scheme.md). Key files
//! are the ledger crate's business.

use ed25519_dalek::{Signer, SigningKey};
use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

use crate::anchor::{AnchorStatement, SignedAnchorStatement};
use crate::checkpoint::{Checkpoint, ledger_origin};
use crate::error::{Error, Result};
use crate::hex::{ChainHash, Digest, PublicKeyBytes, SignatureBytes};
use crate::kinds::{RotationStatement, data_message_of_sha256};
use crate::note::{NoteSignature, SignedNote};
use crate::pem;

/// Length of a seed, and of a key file: the raw Ed25519 private key.
pub const KEY_FILE_LEN: usize = 32;

/// An Ed25519 signing key. The secret is zeroized when the value (and every clone) is dropped.
#[derive(Clone)]
pub struct SigningKeypair {
    key: SigningKey,
}

impl std::fmt::Debug for SigningKeypair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeypair").field("pubkey", &self.pubkey_hex()).finish_non_exhaustive()
    }
}

impl SigningKeypair {
    /// A new key from the operating system's random number generator.
    pub fn generate() -> Result<Self> {
        let mut seed = Zeroizing::new([0u8; KEY_FILE_LEN]);
        getrandom::fill(seed.as_mut())
            .map_err(|e| Error::KeyLoad(format!("cannot generate a key: no system randomness: {e}")))?;
        Ok(Self::from_seed(&seed))
    }

    /// The key with this 32-byte seed (RFC 8032 private key).
    pub fn from_seed(seed: &[u8; KEY_FILE_LEN]) -> Self {
        SigningKeypair { key: SigningKey::from_bytes(seed) }
    }

    /// The public key as 64 lowercase hex characters.
    pub fn pubkey_hex(&self) -> String {
        self.public_key().to_hex()
    }

    /// The public key, the `signer_pubkey` of every line this key signs.
    pub fn public_key(&self) -> PublicKeyBytes {
        PublicKeyBytes(self.key.verifying_key().to_bytes())
    }

    /// The 32-byte secret seed, for writing a key file. Keep it secret.
    pub fn seed(&self) -> &[u8; KEY_FILE_LEN] {
        self.key.as_bytes()
    }

    /// The signature of a line: pure Ed25519 over the 32 bytes of its
    /// self_hash. Only sealing signs a bare 32-byte digest; every other kind
    /// of signed message is longer and starts with its own label
    /// (spec/signature-scheme.md, "Signature kinds").
    pub(crate) fn sign_self_hash(&self, self_hash: &ChainHash) -> SignatureBytes {
        SignatureBytes(self.key.sign(&self_hash.0).to_bytes())
    }

    /// The proof of possession a `KeyRotated` line carries: this key, the
    /// new one, signs the rotation statement that hands the ledger over
    /// from `old_pubkey` at the line with this `seq` and `parent_hash`.
    pub fn prove_rotation(&self, old_pubkey: PublicKeyBytes, seq: u64, parent_hash: ChainHash) -> SignatureBytes {
        let statement = RotationStatement { old_pubkey, new_pubkey: self.public_key(), seq, parent_hash };
        SignatureBytes(self.key.sign(&statement.message()).to_bytes())
    }

    /// A data signature (spec/signature-scheme.md, "Data signatures"): over
    /// the data label and the data's SHA-256, never over the data alone.
    pub fn sign_data(&self, data: &[u8]) -> SignatureBytes {
        self.sign_data_sha256(&Digest::of(data))
    }

    /// [`SigningKeypair::sign_data`] from the data's SHA-256, for data
    /// hashed as it streams in (the same signature).
    pub fn sign_data_sha256(&self, data_sha256: &Digest) -> SignatureBytes {
        SignatureBytes(self.key.sign(&data_message_of_sha256(data_sha256)).to_bytes())
    }

    /// The signed checkpoint of a ledger's tree (spec/transparency.md): the
    /// body for the ledger whose line with seq 0 has `genesis_self_hash`,
    /// signed as a C2SP note under the origin that names it and this key's
    /// fingerprint. The note's text starts with `provedex-ledger/`, so it is
    /// never a line's 32 bytes nor a labelled message.
    pub fn sign_checkpoint(&self, genesis_self_hash: &ChainHash, size: u64, root: Digest) -> SignedNote {
        let checkpoint = Checkpoint {
            origin: ledger_origin(genesis_self_hash, &self.public_key()),
            size,
            root,
            extensions: Vec::new(),
        };
        let key = checkpoint.note_key(self.public_key()).expect("a ledger origin is a valid key name");
        let text = checkpoint.body();
        let signature = NoteSignature {
            name: key.name().to_owned(),
            key_id: key.key_id(),
            signature: self.key.sign(text.as_bytes()).to_bytes().to_vec(),
        };
        SignedNote { text, signatures: vec![signature] }
    }

    /// The signed anchor statement (spec/anchors.md) of this key's
    /// checkpoint of `size` lines with `root`, of the ledger whose line with
    /// seq 0 has `genesis_self_hash`, made at `made_nanos`.
    pub fn sign_anchor_statement(
        &self,
        genesis_self_hash: &ChainHash,
        size: u64,
        root: Digest,
        made_nanos: u64,
    ) -> SignedAnchorStatement {
        let statement = AnchorStatement {
            origin: ledger_origin(genesis_self_hash, &self.public_key()),
            tree_size: size,
            root,
            made_nanos,
        };
        let signature = SignatureBytes(self.key.sign(&statement.message()).to_bytes());
        SignedAnchorStatement { statement, signature }
    }

    /// The key of a PEM PKCS#8 private key (spec/keys.md): v1, or v2 whose
    /// public key is the seed's. Any other PEM is refused, naming what it
    /// is; an encrypted key with how to decrypt it.
    pub fn from_pkcs8_pem(text: &[u8]) -> Result<Self> {
        let (label, der) = pem::decode(text).map_err(Error::KeyLoad)?;
        match label.as_str() {
            pem::PRIVATE_KEY_LABEL => {}
            pem::ENCRYPTED_PRIVATE_KEY_LABEL => {
                return Err(Error::KeyLoad(
                    "it is an encrypted private key (ENCRYPTED PRIVATE KEY), and Provedex reads unencrypted keys \
                     only: decrypt it with `openssl pkey -in KEY -out DECRYPTED.pem` (it asks for the passphrase; \
                     keep the result mode 0600)"
                        .into(),
                ));
            }
            pem::PUBLIC_KEY_LABEL => {
                return Err(Error::KeyLoad("it is a public key (PUBLIC KEY), not a private key".into()));
            }
            other => {
                return Err(Error::KeyLoad(format!(
                    "it is a PEM `{other}`, not an unencrypted PKCS#8 Ed25519 key (`PRIVATE KEY`)"
                )));
            }
        }
        let parsed = pem::parse_pkcs8(&der).map_err(Error::KeyLoad)?;
        let key = Self::from_seed(&parsed.seed);
        match parsed.public_key {
            Some(public_key) if public_key != key.public_key() => Err(Error::KeyLoad(format!(
                "its public key {public_key} is not the public key of its private key ({})",
                key.public_key()
            ))),
            _ => Ok(key),
        }
    }

    /// The PEM PKCS#8 v1 private key, as `openssl genpkey -algorithm
    /// ed25519` writes it. Keep it secret.
    pub fn to_pkcs8_pem(&self) -> Zeroizing<String> {
        pem::encode(pem::PRIVATE_KEY_LABEL, &pem::pkcs8_der(self.seed()))
    }

    /// The fingerprint of the public key (see [`PublicKeyBytes::fingerprint`]).
    pub fn fingerprint(&self) -> String {
        self.public_key().fingerprint()
    }

    /// Pure Ed25519 over any bytes, outside the separation of signature
    /// kinds: for building test vectors of wrongly signed lines only.
    #[cfg(feature = "testing")]
    pub fn sign_raw(&self, message: &[u8]) -> SignatureBytes {
        SignatureBytes(self.key.sign(message).to_bytes())
    }
}

impl PublicKeyBytes {
    /// The fingerprint to publish (spec/keys.md): `sha256:` and the
    /// lowercase hex SHA-256 of the 32 key bytes.
    pub fn fingerprint(&self) -> String {
        format!("sha256:{}", crate::hex::encode(&Sha256::digest(self.0)))
    }

    /// The `PUBLIC KEY` PEM (SubjectPublicKeyInfo), as `openssl pkey
    /// -pubout` writes it.
    pub fn to_pem(&self) -> String {
        pem::encode(pem::PUBLIC_KEY_LABEL, &pem::spki_der(self)).to_string()
    }

    /// A public key given as 64 lowercase hex characters (a final LF
    /// allowed) or as a `PUBLIC KEY` PEM.
    pub fn parse(text: &[u8]) -> Result<Self> {
        pem::parse_public_key(text).map_err(Error::KeyLoad)
    }
}
