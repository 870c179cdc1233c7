//! The labelled kinds of signed message (spec/signature-scheme.md,
//! "Signature kinds"): every message a key signs other than a line's 32-byte
//! digest starts with its kind's label, so no signature of one kind verifies
//! as another.

use sha2::{Digest as _, Sha256};

use crate::canonical::{ByteSink, write_decimal};
use crate::hex::{ChainHash, Digest, PublicKeyBytes};

/// A labelled kind, with the label that starts its messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignedKind {
    /// A `KeyRotated` line's proof of possession by the new key.
    KeyRotation,
    /// Data signed with the key manager.
    Data,
    /// An anchor statement (spec/anchors.md).
    Anchor,
}

impl SignedKind {
    /// The label: `provedex/`, the kind's name, `/v`, its version and LF.
    pub fn label(self) -> &'static [u8] {
        match self {
            SignedKind::KeyRotation => b"provedex/key-rotation/v1\n",
            SignedKind::Data => b"provedex/data/v1\n",
            SignedKind::Anchor => b"provedex/anchor/v1\n",
        }
    }

    /// The message of this kind for a document: the label, then the document.
    pub fn message(self, document: &[u8]) -> Vec<u8> {
        [self.label(), document].concat()
    }
}

/// What a `KeyRotated` line's proof signs: the old key hands over to the new
/// one at this line's place in this chain (spec/signature-scheme.md,
/// "Rotation statements").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RotationStatement {
    /// The key that signs the rotation line and hands over.
    pub old_pubkey: PublicKeyBytes,
    /// The key that signs every line after it.
    pub new_pubkey: PublicKeyBytes,
    /// The rotation line's seq.
    pub seq: u64,
    /// The rotation line's parent_hash.
    pub parent_hash: ChainHash,
}

impl RotationStatement {
    /// The canonical JSON of the statement (its members sorted).
    pub fn canonical_json(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        out.put(b"{\"new_pubkey\":\"");
        self.new_pubkey.put_hex(&mut out);
        out.put(b"\",\"old_pubkey\":\"");
        self.old_pubkey.put_hex(&mut out);
        out.put(b"\",\"parent_hash\":\"");
        self.parent_hash.put_hex(&mut out);
        out.put(b"\",\"seq\":");
        write_decimal(&mut out, i128::from(self.seq));
        out.put(b"}");
        out
    }

    /// The message the new key signs: the rotation label, then the canonical JSON.
    pub fn message(&self) -> Vec<u8> {
        SignedKind::KeyRotation.message(&self.canonical_json())
    }
}

/// The message a data signature signs: the data label, then the 32 bytes of
/// the data's SHA-256 (49 bytes whatever the data's length).
pub fn data_message(data: &[u8]) -> Vec<u8> {
    data_message_of_sha256(&Digest(Sha256::digest(data).into()))
}

/// [`data_message`] from the data's SHA-256, for data hashed as it streams in.
pub fn data_message_of_sha256(data_sha256: &Digest) -> Vec<u8> {
    SignedKind::Data.message(&data_sha256.0)
}
