//! Anchor statements (spec/anchors.md, "The anchor statement"): what a
//! ledger's key signs for an anchor to publish. A statement names the ledger
//! and the checkpoint it vouches for (origin, tree size, root) and when it
//! was made; its text is canonical JSON, so its bytes, and the SHA-256 the
//! timestamp and chain anchors carry, follow from its members alone.

use std::fmt;

use crate::canonical::{self, ByteSink, Map, write_decimal};
use crate::checkpoint::LedgerOrigin;
use crate::hex::{Digest, SignatureBytes};
use crate::kinds::SignedKind;
use crate::{Value, display};

/// The most bytes a statement's text may fill. One is about 400 bytes;
/// anything near this is not one, and a reader stops before parsing it.
pub const MAX_STATEMENT_BYTES: usize = 4096;

/// Why a text is not an anchor statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementError(pub String);

impl fmt::Display for StatementError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StatementError {}

/// What an anchor statement vouches for, before it is signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnchorStatement {
    /// The ledger's checkpoint origin: the ledger and the signing key's fingerprint.
    pub origin: String,
    /// The checkpoint's tree size.
    pub tree_size: u64,
    /// The checkpoint's root.
    pub root: Digest,
    /// When the statement was made, in nanoseconds since the Unix epoch, by
    /// the signer's clock: a claim, which only the anchors' evidence backs.
    pub made_nanos: u64,
}

impl AnchorStatement {
    /// The canonical JSON of the four members, the document the key signs.
    pub fn unsigned_json(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        self.put_members(&mut out);
        out.put(b",\"tree_size\":");
        write_decimal(&mut out, i128::from(self.tree_size));
        out.put(b"}");
        out
    }

    /// The message the ledger's key signs: the anchor label, then
    /// [`AnchorStatement::unsigned_json`].
    pub fn message(&self) -> Vec<u8> {
        SignedKind::Anchor.message(&self.unsigned_json())
    }

    /// `{` and the four members in canonical order, without the closing brace.
    fn put_members(&self, out: &mut Vec<u8>) {
        out.put(b"{\"made_nanos\":");
        write_decimal(out, i128::from(self.made_nanos));
        out.put(b",\"origin\":");
        out.put(&canonical::canonical_json(&Value::String(self.origin.clone())));
        out.put(b",\"root\":\"");
        self.root.put_hex(out);
        out.put(b"\"");
    }
}

/// An anchor statement with the signature of the ledger's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedAnchorStatement {
    /// What it vouches for.
    pub statement: AnchorStatement,
    /// Ed25519 over [`AnchorStatement::message`], by the key current at the tree size.
    pub signature: SignatureBytes,
}

impl SignedAnchorStatement {
    /// The statement's text: the canonical JSON of the four members and
    /// `signature`. These bytes are what an anchor publishes.
    pub fn to_text(&self) -> String {
        let mut out = Vec::with_capacity(400);
        self.statement.put_members(&mut out);
        out.put(b",\"signature\":\"");
        self.signature.put_hex(&mut out);
        out.put(b"\",\"tree_size\":");
        write_decimal(&mut out, i128::from(self.statement.tree_size));
        out.put(b"}");
        String::from_utf8(out).expect("canonical JSON of strings is UTF-8")
    }

    /// The SHA-256 of [`SignedAnchorStatement::to_text`]: what the anchors
    /// that carry a digest (timestamps, chain transactions) carry.
    pub fn digest(&self) -> Digest {
        Digest::of(self.to_text().as_bytes())
    }

    /// Reads a statement's text, strictly: a JSON object with exactly the
    /// members `made_nanos`, `origin` (a ledger origin), `root` (64 hex),
    /// `signature` (128 hex) and `tree_size` (at least 1), written canonically (the text
    /// must be the one [`SignedAnchorStatement::to_text`] gives, so that one
    /// statement has one digest). No signature is checked here.
    pub fn parse(text: &str) -> Result<Self, StatementError> {
        let bad = |why: String| StatementError(format!("not an anchor statement: {why}"));
        if text.len() > MAX_STATEMENT_BYTES {
            return Err(bad(format!("it has {} bytes, more than {MAX_STATEMENT_BYTES}", text.len())));
        }
        let Value::Object(mut map) = canonical::parse(text.as_bytes()).map_err(|e| bad(format!("not JSON: {e}")))?
        else {
            return Err(bad("not a JSON object".into()));
        };
        let made_nanos = take_u64(&mut map, "made_nanos").map_err(bad)?;
        let tree_size = take_u64(&mut map, "tree_size").map_err(bad)?;
        if tree_size == 0 {
            return Err(bad("its tree_size is 0: a statement vouches for at least one line".into()));
        }
        let origin = take_string(&mut map, "origin").map_err(bad)?;
        LedgerOrigin::parse(&origin).map_err(|e| bad(e.to_string()))?;
        let root =
            Digest::from_hex(&take_string(&mut map, "root").map_err(bad)?).map_err(|e| bad(format!("its root {e}")))?;
        let signature = SignatureBytes::from_hex(&take_string(&mut map, "signature").map_err(bad)?)
            .map_err(|e| bad(format!("its signature {e}")))?;
        if let Some(other) = map.keys().next() {
            return Err(bad(format!("it has an unknown member {}", display::quote(other))));
        }
        let signed =
            SignedAnchorStatement { statement: AnchorStatement { origin, tree_size, root, made_nanos }, signature };
        if signed.to_text() != text {
            return Err(bad("it is not written in canonical JSON (members sorted, no white space)".into()));
        }
        Ok(signed)
    }
}

/// The statement's text as a JSON document: exactly its five members, each
/// in its wire spelling (spec/anchor-statement.schema.json). That the text is
/// canonical JSON (AN-1) is beyond a schema; [`SignedAnchorStatement::parse`]
/// checks it.
#[cfg(feature = "schema")]
impl schemars::JsonSchema for SignedAnchorStatement {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "SignedAnchorStatement".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let origin = format!("^{}[0-9a-f]{{64}}/sha256:[0-9a-f]{{64}}$", crate::checkpoint::ORIGIN_PREFIX);
        let described = |mut schema: schemars::Schema, description: &str| {
            schema.insert("description".into(), description.into());
            schema
        };
        schemars::json_schema!({
            "description": "A signed anchor statement (spec/anchors.md, \"The anchor statement\"), whose text is its \
                            canonical JSON: what an anchor publishes, or the SHA-256 of which it carries.",
            "type": "object",
            "additionalProperties": false,
            "required": ["made_nanos", "origin", "root", "signature", "tree_size"],
            "properties": {
                "made_nanos": described(
                    generator.subschema_for::<u64>(),
                    "When the statement was made, in nanoseconds since the Unix epoch, by the signer's clock.",
                ),
                "origin": {
                    "description": "The origin of the ledger's checkpoints: the self_hash of its line with seq 0 and \
                                    the fingerprint of the key that signs at tree_size.",
                    "type": "string",
                    "pattern": origin,
                },
                "root": described(
                    generator.subschema_for::<Digest>(),
                    "The root of the ledger's tree of tree_size lines.",
                ),
                "signature": described(
                    generator.subschema_for::<SignatureBytes>(),
                    "Ed25519, by the key current at tree_size, over the label provedex/anchor/v1, LF, and the \
                     canonical JSON of the other four members.",
                ),
                "tree_size": {
                    "description": "How many lines of the ledger the statement vouches for.",
                    "type": "integer",
                    "format": "uint64",
                    "minimum": 1,
                },
            },
        })
    }
}

fn take_u64(map: &mut Map, name: &str) -> Result<u64, String> {
    match map.remove(name) {
        Some(Value::Integer(n)) => n.as_u64().ok_or_else(|| format!("its {name} is not an integer from 0 to 2^64 - 1")),
        Some(other) => Err(format!("its {name} is a JSON {}, not an integer", other.type_name())),
        None => Err(format!("it has no {name}")),
    }
}

fn take_string(map: &mut Map, name: &str) -> Result<String, String> {
    match map.remove(name) {
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(format!("its {name} is a JSON {}, not a string", other.type_name())),
        None => Err(format!("it has no {name}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::ledger_origin;
    use crate::hex::{ChainHash, PublicKeyBytes};

    fn sample() -> SignedAnchorStatement {
        SignedAnchorStatement {
            statement: AnchorStatement {
                origin: ledger_origin(&ChainHash([1; 32]), &PublicKeyBytes([2; 32])),
                tree_size: 12,
                root: Digest([3; 32]),
                made_nanos: 1_700_000_000_000_000_000,
            },
            signature: SignatureBytes([4; 64]),
        }
    }

    #[test]
    fn the_text_is_canonical_json_and_reads_back() {
        let signed = sample();
        let text = signed.to_text();
        let value = canonical::parse(text.as_bytes()).unwrap();
        assert_eq!(canonical::canonical_json(&value), text.as_bytes(), "written canonically");
        assert_eq!(SignedAnchorStatement::parse(&text).unwrap(), signed);
        let unsigned = canonical::parse(&signed.statement.unsigned_json()).unwrap();
        let Value::Object(mut members) = value else { panic!("an object") };
        members.remove("signature");
        assert_eq!(unsigned, Value::Object(members), "the signed document is the text without its signature");
        assert!(signed.statement.message().starts_with(b"provedex/anchor/v1\n"));
    }

    // Pins: AN-1.
    #[test]
    fn malformed_texts_are_refused_with_their_fault() {
        let text = sample().to_text();
        for (bad, why) in [
            (text.replace("\"tree_size\":12", "\"tree_size\":-1"), "tree_size is not an integer from 0"),
            (text.replace("\"tree_size\":12", "\"tree_size\":12.0"), "tree_size is a JSON float"),
            (text.replace("\"tree_size\":12", "\"tree_size\":0"), "tree_size is 0"),
            (text.replace(",\"tree_size\":12", ""), "it has no tree_size"),
            (text.replace("}", ",\"x\":1}"), "unknown member"),
            (text.replace("{", "{ "), "not written in canonical JSON"),
            (text.replace("provedex-ledger/", "provedex-log/"), "does not start with `provedex-ledger/`"),
            (text.replace("\"root\":\"03", "\"root\":\"0"), "its root"),
            (text.replace("\"signature\":\"04", "\"signature\":\"4"), "its signature"),
            ("[]".to_owned(), "not a JSON object"),
            (format!("{text}{}", " ".repeat(MAX_STATEMENT_BYTES)), "more than 4096"),
        ] {
            let err = SignedAnchorStatement::parse(&bad).unwrap_err().0;
            assert!(err.contains(why), "{bad:?}: {err}");
        }
    }
}
