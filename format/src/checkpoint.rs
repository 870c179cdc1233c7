//! Checkpoints (spec/transparency.md, "Checkpoints"): the C2SP
//! `tlog-checkpoint` body (origin, tree size, root hash, extension lines)
//! that a ledger's key signs as a C2SP signed note, and the origin that
//! names the ledger and the signing key's fingerprint.

use crate::base64;
use crate::hex::{ChainHash, Digest, PublicKeyBytes};
use crate::note::{NoteError, NoteKey, check_key_name, check_text};

/// What every ledger origin starts with. Labelled signed messages start
/// with `provedex/` (spec/signature-scheme.md), so no note signature by a
/// ledger key is one of theirs.
pub const ORIGIN_PREFIX: &str = "provedex-ledger/";

/// The origin of a ledger's checkpoints: [`ORIGIN_PREFIX`], the self_hash of
/// its line with seq 0 (which names the ledger), `/`, and the fingerprint of
/// the key that signs the checkpoint.
pub fn ledger_origin(genesis_self_hash: &ChainHash, signer: &PublicKeyBytes) -> String {
    format!("{ORIGIN_PREFIX}{genesis_self_hash}/{}", signer.fingerprint())
}

/// A ledger origin read back: the genesis self_hash and the fingerprint it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerOrigin {
    /// The self_hash of the ledger's line with seq 0.
    pub genesis_self_hash: ChainHash,
    /// The fingerprint of the signing key (`sha256:` and 64 hex).
    pub fingerprint: String,
}

impl LedgerOrigin {
    /// Reads an origin that [`ledger_origin`] could have written.
    pub fn parse(origin: &str) -> Result<Self, NoteError> {
        let bad = |why: &str| NoteError(format!("the origin is not a Provedex ledger's: {why}"));
        let rest = origin
            .strip_prefix(ORIGIN_PREFIX)
            .ok_or_else(|| bad(&format!("it does not start with `{ORIGIN_PREFIX}`")))?;
        let (genesis, fingerprint) =
            rest.split_once('/').ok_or_else(|| bad("it is <prefix><genesis self_hash>/<fingerprint>"))?;
        let genesis_self_hash = ChainHash::from_hex(genesis).map_err(|e| bad(&format!("its genesis self_hash {e}")))?;
        let hex = fingerprint.strip_prefix("sha256:").ok_or_else(|| bad("its fingerprint starts with `sha256:`"))?;
        Digest::from_hex(hex).map_err(|e| bad(&format!("its fingerprint {e}")))?;
        Ok(LedgerOrigin { genesis_self_hash, fingerprint: fingerprint.to_owned() })
    }
}

/// A checkpoint body: a tree of `size` leaves with root `root`, as the log
/// named `origin` sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The first line: which log (for a ledger, see [`ledger_origin`]).
    pub origin: String,
    /// How many leaves the tree holds.
    pub size: u64,
    /// The tree's root (RFC 9162 Merkle Tree Hash).
    pub root: Digest,
    /// Extension lines, opaque here, each without its LF.
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// The body: origin, decimal size, base64 root, extension lines; each ending in LF.
    pub fn body(&self) -> String {
        let mut out = format!("{}\n{}\n{}\n", self.origin, self.size, &*base64::encode(&self.root.0));
        for line in &self.extensions {
            out.push_str(line);
            out.push('\n');
        }
        out
    }

    /// Reads a body, strictly: an origin that can name a key, a size in
    /// decimal without leading zeros, a base64 root of 32 bytes, and
    /// non-empty extension lines.
    pub fn parse_body(text: &str) -> Result<Self, NoteError> {
        check_text(text)?;
        let bad = |why: String| NoteError(format!("the checkpoint body is malformed: {why}"));
        let mut lines = text[..text.len() - 1].split('\n');
        if let Some(blank) = text[..text.len() - 1].split('\n').position(str::is_empty) {
            return Err(bad(format!("its line {} is empty", blank + 1)));
        }
        let origin = lines.next().expect("split yields a first item");
        check_key_name(origin).map_err(|e| bad(format!("its origin line: {e}")))?;
        let size = lines.next().ok_or_else(|| bad("it has no tree size line".into()))?;
        if size.is_empty() || !size.bytes().all(|b| b.is_ascii_digit()) || (size.len() > 1 && size.starts_with('0')) {
            return Err(bad("its tree size is a decimal number without leading zeros".into()));
        }
        let size: u64 = size.parse().map_err(|_| bad("its tree size exceeds 2^64 - 1".into()))?;
        let root = lines.next().ok_or_else(|| bad("it has no root hash line".into()))?;
        let root = base64::decode(root).map_err(|e| bad(format!("its root hash is {e}")))?;
        let root =
            Digest(root[..].try_into().map_err(|_| bad(format!("its root hash has {} bytes, not 32", root.len())))?);
        Ok(Checkpoint { origin: origin.to_owned(), size, root, extensions: lines.map(str::to_owned).collect() })
    }

    /// The note key that signs this checkpoint with `pubkey`: its name is the origin.
    pub fn note_key(&self, pubkey: PublicKeyBytes) -> Result<NoteKey, NoteError> {
        NoteKey::ed25519(self.origin.clone(), pubkey)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_round_trip_and_refuse_every_malformed_line() {
        let checkpoint = Checkpoint {
            origin: ledger_origin(&ChainHash([1; 32]), &PublicKeyBytes([2; 32])),
            size: 10,
            root: Digest([3; 32]),
            extensions: vec!["ext".into()],
        };
        let body = checkpoint.body();
        assert_eq!(Checkpoint::parse_body(&body).unwrap(), checkpoint);
        let origin = LedgerOrigin::parse(&checkpoint.origin).unwrap();
        assert_eq!(origin.genesis_self_hash, ChainHash([1; 32]));
        assert_eq!(origin.fingerprint, PublicKeyBytes([2; 32]).fingerprint());
        let root = &*base64::encode(&[3; 32]);
        for bad in [
            format!("o\n010\n{root}\n"),
            format!("o\n-1\n{root}\n"),
            format!("o\n18446744073709551616\n{root}\n"),
            "o\n1\nAAAA\n".to_owned(),
            "o\n1\n".to_owned(),
            format!("o x\n1\n{root}\n"),
            format!("o\n1\n{root}\n\n"),
            format!("o\n1\n{root}"),
        ] {
            assert!(Checkpoint::parse_body(&bad).is_err(), "{bad:?}");
        }
    }
}
