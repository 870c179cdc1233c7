//! C2SP signed notes (spec/transparency.md, "Signed notes"): a text of
//! LF-terminated lines, a blank line, and signature lines
//! `— <key name> <base64(key id ‖ signature)>`. Checkpoints are signed notes.
//! This module reads and writes their bytes; whether a signature holds is
//! the verification crate's business.

use std::fmt;

use sha2::{Digest as _, Sha256};

use crate::base64;
use crate::hex::PublicKeyBytes;

/// What starts a signature line: an em dash (U+2014) and a space.
const SIGNATURE_PREFIX: &str = "\u{2014} ";

/// The signature type byte of Ed25519 keys, hashed into their key ids.
const ED25519_TYPE: u8 = 0x01;

/// The most signature lines a note may carry: reading stays cheap whatever a
/// note claims.
pub const MAX_SIGNATURES: usize = 100;

/// The most bytes a note may fill: a checkpoint with its signatures is a few
/// hundred bytes, so anything near this is not one.
pub const MAX_NOTE_BYTES: usize = 64 * 1024;

/// Why bytes are not a signed note, or a key name or verifier key is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteError(pub String);

impl fmt::Display for NoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NoteError {}

fn malformed(why: impl Into<String>) -> NoteError {
    NoteError(why.into())
}

/// Whether `name` may name a key: not empty, no whitespace, no `+`.
pub fn check_key_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty() {
        return Err(malformed("a key name is not empty"));
    }
    if let Some(c) = name.chars().find(|c| c.is_whitespace() || *c == '+') {
        return Err(malformed(format!("a key name holds no whitespace and no `+`, found U+{:04X}", c as u32)));
    }
    if let Some(c) = name.chars().find(|&c| c < ' ') {
        return Err(malformed(format!("a key name holds no control character, found U+{:04X}", c as u32)));
    }
    Ok(())
}

/// An Ed25519 note key: its name and public key, and the key id they give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteKey {
    name: String,
    pubkey: PublicKeyBytes,
}

impl NoteKey {
    /// The key `pubkey` under `name` (see [`check_key_name`]).
    pub fn ed25519(name: impl Into<String>, pubkey: PublicKeyBytes) -> Result<Self, NoteError> {
        let name = name.into();
        check_key_name(&name)?;
        Ok(NoteKey { name, pubkey })
    }

    /// The key's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The public key.
    pub fn pubkey(&self) -> PublicKeyBytes {
        self.pubkey
    }

    /// The key id: the first four bytes of SHA-256(name ‖ LF ‖ 0x01 ‖ public key).
    pub fn key_id(&self) -> [u8; 4] {
        let hash = Sha256::new()
            .chain_update(self.name.as_bytes())
            .chain_update(b"\n")
            .chain_update([ED25519_TYPE])
            .chain_update(self.pubkey.0)
            .finalize();
        [hash[0], hash[1], hash[2], hash[3]]
    }

    /// The verifier key string: `<name>+<key id as 8 hex>+<base64(0x01 ‖ public key)>`.
    pub fn verifier_key(&self) -> String {
        let mut typed = vec![ED25519_TYPE];
        typed.extend_from_slice(&self.pubkey.0);
        format!("{}+{}+{}", self.name, crate::hex::encode(&self.key_id()), &*base64::encode(&typed))
    }

    /// Reads a verifier key string, refusing one whose key id does not match.
    pub fn parse_verifier_key(text: &str) -> Result<Self, NoteError> {
        let mut parts = text.splitn(3, '+');
        let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(malformed("a verifier key is <name>+<key id>+<base64 key>"));
        };
        let id: [u8; 4] = crate::hex::decode(id).map_err(|e| malformed(format!("its key id {e}")))?;
        let typed = base64::decode(key).map_err(|e| malformed(format!("its key is {e}")))?;
        let [ED25519_TYPE, rest @ ..] = &typed[..] else {
            return Err(malformed("its key is not an Ed25519 key (type byte 0x01)"));
        };
        let pubkey = PublicKeyBytes(
            rest.try_into().map_err(|_| malformed(format!("its Ed25519 key has {} bytes, not 32", rest.len())))?,
        );
        let key = NoteKey::ed25519(name, pubkey)?;
        if key.key_id() != id {
            return Err(malformed(format!(
                "its key id {} is not the id of its name and key ({})",
                crate::hex::encode(&id),
                crate::hex::encode(&key.key_id())
            )));
        }
        Ok(key)
    }
}

/// One signature line of a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    /// The signing key's name.
    pub name: String,
    /// The signing key's id.
    pub key_id: [u8; 4],
    /// The signature bytes after the key id (64 for Ed25519).
    pub signature: Vec<u8>,
}

impl NoteSignature {
    /// The signature line, LF included.
    pub fn line(&self) -> String {
        let mut bytes = self.key_id.to_vec();
        bytes.extend_from_slice(&self.signature);
        format!("{SIGNATURE_PREFIX}{} {}\n", self.name, &*base64::encode(&bytes))
    }
}

/// A signed note, read: its text and its signature lines, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedNote {
    /// The signed text, each line LF-terminated.
    pub text: String,
    /// The signature lines (at least one).
    pub signatures: Vec<NoteSignature>,
}

/// Whether `text` may be a note's text: UTF-8 ending in LF, no other
/// ASCII control character (below U+0020), at most [`MAX_NOTE_BYTES`].
pub fn check_text(text: &str) -> Result<(), NoteError> {
    if !text.ends_with('\n') {
        return Err(malformed("a note's text ends with LF"));
    }
    check_characters(text)
}

fn check_characters(text: &str) -> Result<(), NoteError> {
    if text.len() > MAX_NOTE_BYTES {
        return Err(malformed(format!("a note fills at most {MAX_NOTE_BYTES} bytes, this one {}", text.len())));
    }
    if let Some(c) = text.chars().find(|&c| c != '\n' && c < ' ') {
        return Err(malformed(format!("a note holds no control character but LF, found U+{:04X}", c as u32)));
    }
    Ok(())
}

impl SignedNote {
    /// Reads a signed note: the text up to the last blank line (it may hold
    /// blank lines of its own), then one
    /// signature line or more, each well formed. Says nothing of whether a
    /// signature verifies.
    pub fn parse(bytes: &[u8]) -> Result<Self, NoteError> {
        if bytes.len() > MAX_NOTE_BYTES {
            return Err(malformed(format!("a note fills at most {MAX_NOTE_BYTES} bytes, this one {}", bytes.len())));
        }
        let all = std::str::from_utf8(bytes).map_err(|e| malformed(format!("a note is UTF-8: {e}")))?;
        check_characters(all)?;
        let split = all.rfind("\n\n").ok_or_else(|| malformed("a note's signatures follow a blank line"))?;
        let (text, block) = (&all[..=split], &all[split + 2..]);
        check_text(text)?;
        if block.is_empty() || !block.ends_with('\n') {
            return Err(malformed("a note ends with a signature line and LF"));
        }
        let mut signatures = Vec::new();
        for (i, line) in block[..block.len() - 1].split('\n').enumerate() {
            if i == MAX_SIGNATURES {
                return Err(malformed(format!("a note carries at most {MAX_SIGNATURES} signatures")));
            }
            signatures
                .push(parse_signature_line(line).map_err(|e| malformed(format!("signature line {}: {e}", i + 1)))?);
        }
        Ok(SignedNote { text: text.to_owned(), signatures })
    }

    /// The note's bytes: the text, a blank line, the signature lines.
    pub fn to_text(&self) -> String {
        let mut out = self.text.clone();
        out.push('\n');
        self.signatures.iter().for_each(|signature| out.push_str(&signature.line()));
        out
    }

    /// The signature lines by `key`: those with its name and key id.
    pub fn signatures_by<'a>(&'a self, key: &'a NoteKey) -> impl Iterator<Item = &'a NoteSignature> + 'a {
        let id = key.key_id();
        self.signatures.iter().filter(move |s| s.name == key.name && s.key_id == id)
    }
}

fn parse_signature_line(line: &str) -> Result<NoteSignature, NoteError> {
    let rest = line.strip_prefix(SIGNATURE_PREFIX).ok_or_else(|| malformed("it starts with an em dash and a space"))?;
    let (name, b64) = rest.split_once(' ').ok_or_else(|| malformed("it is `— <key name> <base64>`"))?;
    check_key_name(name)?;
    let bytes = base64::decode(b64).map_err(|e| malformed(format!("its signature is {e}")))?;
    if bytes.len() < 5 {
        return Err(malformed("its signature holds a 4-byte key id and at least one more byte"));
    }
    Ok(NoteSignature {
        name: name.to_owned(),
        key_id: bytes[..4].try_into().expect("4 bytes"),
        signature: bytes[4..].to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> NoteKey {
        NoteKey::ed25519("example.com/log", PublicKeyBytes([7; 32])).unwrap()
    }

    #[test]
    fn verifier_keys_round_trip_and_refuse_a_wrong_id() {
        let key = key();
        let text = key.verifier_key();
        assert_eq!(NoteKey::parse_verifier_key(&text).unwrap(), key);
        let mut parts: Vec<&str> = text.split('+').collect();
        parts[1] = "00000000";
        assert!(NoteKey::parse_verifier_key(&parts.join("+")).unwrap_err().0.contains("is not the id"));
    }

    #[test]
    fn notes_round_trip_and_refuse_what_is_not_one() {
        let note = SignedNote {
            text: "a\nb\n".into(),
            signatures: vec![NoteSignature { name: "k".into(), key_id: [1, 2, 3, 4], signature: vec![9; 64] }],
        };
        assert_eq!(SignedNote::parse(note.to_text().as_bytes()).unwrap(), note);
        for bad in [
            "a\nb\n",
            "a\nb\n\n",
            "a\nb\n\n\u{2014} k AQIDBAk=",
            "a\tb\n\n\u{2014} k AQIDBAk=\n",
            "a\n\n- k AQIDBAk=\n",
            "a\n\n\u{2014} k+x AQIDBAk=\n",
            "a\n\n\u{2014} k AQIDBA==\n",
            "a\n\n\u{2014} k AQIDBAk\n",
        ] {
            assert!(SignedNote::parse(bad.as_bytes()).is_err(), "{bad:?}");
        }
    }
}
