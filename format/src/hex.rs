//! Fixed-size byte strings written as lowercase hex on the wire.
//!
//! Parsing is strict (exact length, lowercase only) because the ledger format
//! has exactly one spelling for every hash, key and signature.

use std::fmt;

use crate::canonical::ByteSink;

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Lowercase hex of `bytes`.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = vec![0; bytes.len() * 2];
    encode_into(bytes, &mut out);
    String::from_utf8(out).expect("hex digits are ASCII")
}

/// Writes the lowercase hex of `bytes` into `out`, which holds exactly twice as many bytes.
fn encode_into(bytes: &[u8], out: &mut [u8]) {
    for (b, pair) in bytes.iter().zip(out.chunks_exact_mut(2)) {
        pair[0] = HEX_DIGITS[(b >> 4) as usize];
        pair[1] = HEX_DIGITS[(b & 0xf) as usize];
    }
}

/// Decodes exactly `N` bytes from `2 * N` lowercase hex characters.
pub fn decode<const N: usize>(text: &str) -> Result<[u8; N], String> {
    let bytes = text.as_bytes();
    if let Some((position, _)) = text.char_indices().enumerate().find(|(_, (_, c))| !c.is_ascii()) {
        return Err(format!("must be lowercase hex, found a non-ASCII character at position {position}"));
    }
    if bytes.len() != 2 * N {
        return Err(format!("must be {} lowercase hex characters, found {} characters", 2 * N, text.chars().count()));
    }
    let mut out = [0u8; N];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        out[i] = (nibble(pair[0], 2 * i)? << 4) | nibble(pair[1], 2 * i + 1)?;
    }
    Ok(out)
}

fn nibble(c: u8, position: usize) -> Result<u8, String> {
    match c {
        b'0'..=b'9' => Ok(c - b'0'),
        b'a'..=b'f' => Ok(c - b'a' + 10),
        b'A'..=b'F' => Err(format!("must be lowercase hex, found upper-case '{}' at position {position}", c as char)),
        _ => Err(format!("must be lowercase hex, found a non-hex character at position {position}")),
    }
}

macro_rules! hex_bytes {
    ($(#[$doc:meta])* $name:ident, $len:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $name(pub [u8; $len]);

        impl $name {
            /// Length in bytes.
            pub const LEN: usize = $len;

            /// Parses the strict wire spelling: exactly `2 * LEN` lowercase hex characters.
            pub fn from_hex(text: &str) -> Result<Self, String> {
                decode::<$len>(text).map(Self)
            }

            /// Lowercase hex, as the ledger writes it.
            pub fn to_hex(&self) -> String {
                encode(&self.0)
            }

            /// Writes the hex spelling into `sink` without allocating: lines and
            /// self_hash preimages are written on every seal.
            pub fn put_hex(&self, sink: &mut impl ByteSink) {
                let mut out = [0u8; 2 * $len];
                encode_into(&self.0, &mut out);
                sink.put(&out);
            }

            /// The raw bytes.
            pub fn as_bytes(&self) -> &[u8; $len] {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.to_hex())
            }
        }

        /// The wire spelling: exactly `2 * LEN` lowercase hex characters.
        #[cfg(feature = "schema")]
        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({
                    "type": "string",
                    "pattern": format!("^[0-9a-f]{{{}}}$", 2 * $len),
                })
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.to_hex())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.to_hex())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                Self::from_hex(&text).map_err(serde::de::Error::custom)
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(text: &str) -> Result<Self, String> {
                Self::from_hex(text)
            }
        }
    };
}

hex_bytes!(
    /// A SHA-256 digest that links the chain: a line's `self_hash` or `parent_hash`.
    ChainHash,
    32
);

hex_bytes!(
    /// A SHA-256 digest of content an event refers to (the `*_sha256` payload
    /// fields): the content stays outside the ledger, its digest is signed.
    Digest,
    32
);

impl Digest {
    /// The SHA-256 digest of `content`.
    pub fn of(content: &[u8]) -> Digest {
        use sha2::Digest as _;
        Digest(sha2::Sha256::digest(content).into())
    }
}

/// Serde for a digest field that may be empty: `None` is `""` on the wire,
/// as the strict reader reads it.
pub mod digest_or_empty {
    use super::Digest;

    /// Writes `""` for `None`.
    pub fn serialize<S: serde::Serializer>(value: &Option<Digest>, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&value.map(|d| d.to_hex()).unwrap_or_default())
    }

    /// Reads `""` as `None`, anything else as a digest.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Digest>, D::Error> {
        let text = <String as serde::Deserialize>::deserialize(deserializer)?;
        if text.is_empty() {
            return Ok(None);
        }
        Digest::from_hex(&text).map(Some).map_err(serde::de::Error::custom)
    }
}

hex_bytes!(
    /// An Ed25519 public key as it appears in `signer_pubkey` (not yet validated as a curve point).
    PublicKeyBytes,
    32
);

hex_bytes!(
    /// An Ed25519 signature as it appears in `signature` (not yet validated).
    SignatureBytes,
    64
);
