//! The stable reason codes of spec/verification.md, one per way a ledger can fail.

use std::fmt;

use crate::canonical::JsonErrorKind;

macro_rules! reasons {
    ($($(#[$doc:meta])* $variant:ident => $code:literal,)*) => {
        /// Why a ledger (or one line or event of it) is not valid.
        ///
        /// The codes are part of the spec: never renamed, never reused.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Reason {
            $($(#[$doc])* $variant,)*
        }

        impl Reason {
            /// Every reason, in the order of the table in spec/verification.md.
            pub const ALL: &'static [Reason] = &[$(Reason::$variant,)*];

            /// The stable snake_case code.
            pub fn code(self) -> &'static str {
                match self {
                    $(Reason::$variant => $code,)*
                }
            }

            /// The reason with this code, if any.
            pub fn from_code(code: &str) -> Option<Reason> {
                match code {
                    $($code => Some(Reason::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

reasons! {
    /// The final line has no terminating LF: a write that did not complete.
    TornTail => "torn_tail",
    /// A line is longer than [`crate::MAX_LINE_BYTES`].
    LineTooLong => "line_too_long",
    /// A line holds nothing.
    EmptyLine => "empty_line",
    /// A line ends with CR LF instead of LF.
    CrlfLineEnding => "crlf_line_ending",
    /// A line is not one strict JSON value.
    MalformedJson => "malformed_json",
    /// An object in the line has the same key twice.
    DuplicateKey => "duplicate_key",
    /// A member has the wrong JSON type.
    WrongType => "wrong_type",
    /// A required member is absent.
    MissingField => "missing_field",
    /// A member the spec does not define is present (it would sit in the file unsigned).
    UnknownField => "unknown_field",
    /// The event's `type` names no variant of the spec.
    UnknownEventType => "unknown_event_type",
    /// An integer lies outside its field's range.
    IntegerOutOfRange => "integer_out_of_range",
    /// A string member holds a value its field's list of allowed values does not name.
    UnknownEnumValue => "unknown_enum_value",
    /// A hex field has the wrong length, upper-case letters or non-hex characters.
    InvalidHex => "invalid_hex",
    /// `seq` is not the position of the line.
    SeqMismatch => "seq_mismatch",
    /// `parent_hash` is not the previous line's `self_hash` (or the genesis value).
    ParentMismatch => "parent_mismatch",
    /// `self_hash` does not match the hash recomputed from the line.
    HashMismatch => "hash_mismatch",
    /// `signer_pubkey` is not a canonical, non-small-order Ed25519 point.
    InvalidPublicKey => "invalid_public_key",
    /// The signer is not the pinned public key.
    PubkeyMismatch => "pubkey_mismatch",
    /// The signer is not the current key, and the previous line is not a rotation.
    SignerChanged => "signer_changed",
    /// The signature does not verify under the strict Ed25519 profile.
    BadSignature => "bad_signature",
    /// A `KeyRotated` line names an invalid key, or the key that signs it (since 1.1).
    RotationKeyInvalid => "rotation_key_invalid",
    /// A `KeyRotated` line's proof is not the new key's signature over its rotation statement (since 1.1).
    RotationProofInvalid => "rotation_proof_invalid",
    /// The line after a `KeyRotated` line is not signed by the key it named (since 1.1).
    RotationNotFollowed => "rotation_not_followed",
    /// A `ToolsetPinned` line's tools are not sorted by name, or a name is listed twice (since 1.1).
    ToolsetUnsorted => "toolset_unsorted",
    /// A `ToolsetPinned` line's toolset hash is not the hash of its tools (since 1.1).
    ToolsetHashMismatch => "toolset_hash_mismatch",
    /// A `Redacted` line's target is not an earlier line (since 1.1).
    RedactionTargetUnknown => "redaction_target_unknown",
    /// A `Redacted` line's target hash is not its target's self_hash (since 1.1).
    RedactionTargetMismatch => "redaction_target_mismatch",
    /// A `Redacted` line targets another `Redacted` line (since 1.1).
    RedactionOfRedaction => "redaction_of_redaction",
    /// The ledger's current key at its end is not the pinned current key (since 1.1).
    CurrentKeyMismatch => "current_key_mismatch",
    /// A checkpoint is not a signed note, its body is not a checkpoint, or
    /// its origin names no Provedex ledger.
    CheckpointMalformed => "checkpoint_malformed",
    /// A checkpoint's origin names another ledger, or another key than the
    /// one current at its tree size.
    CheckpointForeign => "checkpoint_foreign",
    /// A checkpoint carries no signature by the expected key that verifies,
    /// or one by that key fails.
    CheckpointSignatureInvalid => "checkpoint_signature_invalid",
    /// The ledger holds fewer lines than a checkpoint's tree size: lines
    /// were cut from its end.
    LedgerTruncated => "ledger_truncated",
    /// The ledger's tree at a checkpoint's size has another root: the lines
    /// it vouched for were replaced.
    CheckpointRootMismatch => "checkpoint_root_mismatch",
    /// A bundle is not a bundle document of a format this version reads.
    BundleMalformed => "bundle_malformed",
    /// A bundle's key is not the pinned key, or its fingerprint not the pinned fingerprint.
    BundleKeyMismatch => "bundle_key_mismatch",
    /// A bundle's proof does not place its lines in the checkpoint's tree.
    BundleProofInvalid => "bundle_proof_invalid",
    /// An anchor receipt in a bundle does not verify, or is for another
    /// checkpoint or statement than the bundle's (spec/anchors.md).
    ReceiptInvalid => "receipt_invalid",
}

impl From<JsonErrorKind> for Reason {
    /// What a reader reports for text that is not strict JSON: a duplicate
    /// key has its own code, every other failure is malformed JSON.
    fn from(kind: JsonErrorKind) -> Reason {
        if kind == JsonErrorKind::DuplicateKey { Reason::DuplicateKey } else { Reason::MalformedJson }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One failed check: the reason code and a message that says where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Finding {
    /// The stable code.
    pub reason: Reason,
    /// Where and why, for people.
    pub message: String,
}

impl Finding {
    /// A finding with its reason and message.
    pub fn new(reason: Reason, message: impl Into<String>) -> Self {
        Finding { reason, message: message.into() }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.reason.code())
    }
}

/// A reason code: one of the strings of spec/verification.md's table.
#[cfg(feature = "schema")]
impl schemars::JsonSchema for Reason {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Reason".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let codes: Vec<&str> = Reason::ALL.iter().map(|r| r.code()).collect();
        schemars::json_schema!({ "type": "string", "enum": codes })
    }
}

impl serde::Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> serde::Deserialize<'de> for Reason {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        Reason::from_code(&code)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown reason code {}", crate::display::quote(&code))))
    }
}
