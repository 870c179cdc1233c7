//! The messages of the adapter protocol (spec/conformance.md), typed: the
//! requests the runner sends and the responses an adapter writes back, for
//! every operation. The runner builds its requests and the Rust core's
//! adapter its responses from these types, and `provedex-conformance
//! generate` derives spec/conformance-protocol.schema.json from them
//! ([`schema`]), so that an implementer in any language has the exact shape
//! of each line.
//!
//! The runner reads what an adapter says more leniently than these types
//! describe (it compares the members a vector's expected result holds, and
//! reports a malformed response with its cause); the types and the schema
//! say what a conforming adapter writes.

use std::borrow::Cow;

use provedex_core::canonical::JsonErrorKind;
use provedex_core::{ChainHash, ChainReport, PublicKeyBytes, Reason};
use provedex_format::hex::{Digest, SignatureBytes};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Deserializer, Unexpected};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value as Json};

/// The protocol version of this crate's runner and adapter.
pub const PROTOCOL: u64 = 1;

/// Where the schema of the protocol's messages lives, from the repository's root.
pub const SCHEMA_PATH: &str = "spec/conformance-protocol.schema.json";

/// The `$id` of that schema.
pub const SCHEMA_ID: &str = "urn:provedex:spec:v1:conformance-protocol";

/// The pattern of binary data written as hex: lowercase digit pairs, any number of them.
const HEX_BYTES: &str = "^([0-9a-f]{2})*$";

/// One line of the adapter protocol, version 1: a request of the runner, or
/// an adapter's response to one. A response holds exactly one of `result`,
/// `skipped` and `errored`; the `<operation>Response` definitions give the
/// result of each operation.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)] // describes the schema's root; never built
enum Message {
    Request(Request),
    HelloResponse(Response<HelloResult>),
    CanonicalizeResponse(Response<CanonicalizeResult>),
    SelfHashResponse(Response<SelfHashResult>),
    SignResponse(Response<SignResult>),
    VerifyEventResponse(Response<VerifyEventResult>),
    VerifyLedgerResponse(Response<VerifyLedgerResult>),
    ToolsetHashResponse(Response<ToolsetHashResult>),
    SignDataResponse(Response<SignDataResult>),
    VerifyDataResponse(Response<VerifyDataResult>),
    TreeRootResponse(Response<TreeRootResult>),
    VerifyInclusionResponse(Response<VerifyInclusionResult>),
    VerifyConsistencyResponse(Response<VerifyConsistencyResult>),
    SignCheckpointResponse(Response<SignCheckpointResult>),
    VerifyCheckpointResponse(Response<VerifyCheckpointResult>),
    VerifyBundleResponse(Response<VerifyBundleResult>),
}

/// An operation an adapter can offer: every operation of the protocol but
/// `hello`, which every adapter answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// `canonicalize`: JSON text to its canonical bytes.
    Canonicalize,
    /// `self_hash`: an event at a position to its self_hash.
    SelfHash,
    /// `sign`: an event sealed with a seed into a ledger line.
    Sign,
    /// `verify_event`: one line checked on its own.
    VerifyEvent,
    /// `verify_ledger`: a whole ledger to its report.
    VerifyLedger,
    /// `toolset_hash`: a tool manifest to its toolset and toolset hash (spec 1.1).
    ToolsetHash,
    /// `sign_data`: data signed with a seed as a data signature (spec 1.1).
    SignData,
    /// `verify_data`: a data signature checked (spec 1.1).
    VerifyData,
    /// `tree_root`: the RFC 9162 root of a list of leaf inputs (spec 1.1).
    TreeRoot,
    /// `verify_inclusion`: an inclusion proof checked (spec 1.1).
    VerifyInclusion,
    /// `verify_consistency`: a consistency proof checked (spec 1.1).
    VerifyConsistency,
    /// `sign_checkpoint`: a ledger's checkpoint signed with a seed (spec 1.1).
    SignCheckpoint,
    /// `verify_checkpoint`: a signed checkpoint read and checked under a key (spec 1.1).
    VerifyCheckpoint,
    /// `verify_bundle`: an export bundle verified without its ledger (spec 1.1).
    VerifyBundle,
}

impl Operation {
    /// Every operation, in the order of spec/conformance.md.
    pub const ALL: [Operation; 14] = [
        Self::Canonicalize,
        Self::SelfHash,
        Self::Sign,
        Self::VerifyEvent,
        Self::VerifyLedger,
        Self::ToolsetHash,
        Self::SignData,
        Self::VerifyData,
        Self::TreeRoot,
        Self::VerifyInclusion,
        Self::VerifyConsistency,
        Self::SignCheckpoint,
        Self::VerifyCheckpoint,
        Self::VerifyBundle,
    ];

    /// The name of the operation: the `op` of its requests.
    pub fn name(self) -> &'static str {
        match self {
            Self::Canonicalize => "canonicalize",
            Self::SelfHash => "self_hash",
            Self::Sign => "sign",
            Self::VerifyEvent => "verify_event",
            Self::VerifyLedger => "verify_ledger",
            Self::ToolsetHash => "toolset_hash",
            Self::SignData => "sign_data",
            Self::VerifyData => "verify_data",
            Self::TreeRoot => "tree_root",
            Self::VerifyInclusion => "verify_inclusion",
            Self::VerifyConsistency => "verify_consistency",
            Self::SignCheckpoint => "sign_checkpoint",
            Self::VerifyCheckpoint => "verify_checkpoint",
            Self::VerifyBundle => "verify_bundle",
        }
    }

    /// The operation named `name` (a vector file's `operation`), if the protocol has it.
    pub fn from_name(name: &str) -> Option<Operation> {
        Self::ALL.into_iter().find(|op| op.name() == name)
    }
}

/// A request of the runner: one JSON object per line on the adapter's
/// standard input, with the request's `id`, its `op` and the operation's
/// arguments, and no other member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Request {
    /// `hello`: which implementation answers, and what it offers.
    Hello(HelloRequest),
    /// `canonicalize`.
    Canonicalize(CanonicalizeRequest),
    /// `self_hash`.
    SelfHash(SelfHashRequest),
    /// `sign`.
    Sign(SignRequest),
    /// `verify_event`.
    VerifyEvent(VerifyEventRequest),
    /// `verify_ledger`.
    VerifyLedger(VerifyLedgerRequest),
    /// `toolset_hash`.
    ToolsetHash(ToolsetHashRequest),
    /// `sign_data`.
    SignData(SignDataRequest),
    /// `verify_data`.
    VerifyData(VerifyDataRequest),
    /// `tree_root`.
    TreeRoot(TreeRootRequest),
    /// `verify_inclusion`.
    VerifyInclusion(VerifyInclusionRequest),
    /// `verify_consistency`.
    VerifyConsistency(VerifyConsistencyRequest),
    /// `sign_checkpoint`.
    SignCheckpoint(SignCheckpointRequest),
    /// `verify_checkpoint`.
    VerifyCheckpoint(VerifyCheckpointRequest),
    /// `verify_bundle`.
    VerifyBundle(VerifyBundleRequest),
}

impl Request {
    /// The `op` of every request of the protocol.
    pub fn names() -> impl Iterator<Item = &'static str> {
        std::iter::once("hello").chain(Operation::ALL.iter().map(|op| op.name()))
    }

    /// The request of one vector test: `id` and `op`, then the test's
    /// `input` members (spec/conformance.md, Vector files).
    pub fn for_test(operation: &str, id: &str, input: &Map<String, Json>) -> Result<Request, serde_json::Error> {
        let mut request = Map::new();
        request.insert("id".into(), Json::from(id));
        request.insert("op".into(), Json::from(operation));
        request.extend(input.clone());
        serde_json::from_value(Json::Object(request))
    }

    /// The request's `id`.
    pub fn id(&self) -> &str {
        match self {
            Self::Hello(r) => &r.id,
            Self::Canonicalize(r) => &r.id,
            Self::SelfHash(r) => &r.id,
            Self::Sign(r) => &r.id,
            Self::VerifyEvent(r) => &r.id,
            Self::VerifyLedger(r) => &r.id,
            Self::ToolsetHash(r) => &r.id,
            Self::SignData(r) => &r.id,
            Self::VerifyData(r) => &r.id,
            Self::TreeRoot(r) => &r.id,
            Self::VerifyInclusion(r) => &r.id,
            Self::VerifyConsistency(r) => &r.id,
            Self::SignCheckpoint(r) => &r.id,
            Self::VerifyCheckpoint(r) => &r.id,
            Self::VerifyBundle(r) => &r.id,
        }
    }

    /// The operation of the request; `None` for hello.
    pub fn operation(&self) -> Option<Operation> {
        match self {
            Self::Hello(_) => None,
            Self::Canonicalize(_) => Some(Operation::Canonicalize),
            Self::SelfHash(_) => Some(Operation::SelfHash),
            Self::Sign(_) => Some(Operation::Sign),
            Self::VerifyEvent(_) => Some(Operation::VerifyEvent),
            Self::VerifyLedger(_) => Some(Operation::VerifyLedger),
            Self::ToolsetHash(_) => Some(Operation::ToolsetHash),
            Self::SignData(_) => Some(Operation::SignData),
            Self::VerifyData(_) => Some(Operation::VerifyData),
            Self::TreeRoot(_) => Some(Operation::TreeRoot),
            Self::VerifyInclusion(_) => Some(Operation::VerifyInclusion),
            Self::VerifyConsistency(_) => Some(Operation::VerifyConsistency),
            Self::SignCheckpoint(_) => Some(Operation::SignCheckpoint),
            Self::VerifyCheckpoint(_) => Some(Operation::VerifyCheckpoint),
            Self::VerifyBundle(_) => Some(Operation::VerifyBundle),
        }
    }
}

/// `hello`: always the first request. The adapter answers with its
/// implementation and operations, or `errored` when it does not speak
/// `protocol`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HelloRequest {
    /// The request's identifier, echoed by the response (`"hello"`).
    pub id: String,
    /// The protocol version the runner speaks.
    pub protocol: u64,
}

/// `canonicalize`: the canonical form of one JSON text (spec/canonical-json.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CanonicalizeRequest {
    /// The request's identifier (the vector test's id), echoed by the response.
    pub id: String,
    /// The bytes of the JSON text, as hex; they need not be UTF-8 or valid JSON.
    #[schemars(pattern(HEX_BYTES))]
    pub input_hex: String,
}

/// `self_hash`: the self_hash of an event at a position of a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SelfHashRequest {
    /// The request's identifier (the vector test's id), echoed by the response.
    pub id: String,
    /// The event as JSON text; it may break the event schema (then the result says why).
    pub event_json: String,
    /// The event's seq.
    pub seq: u64,
    /// The event's timestamp, in nanoseconds.
    pub timestamp_nanos: u64,
    /// The previous event's self_hash (64 `0` characters at seq 0). Any
    /// string: it is a member of the line, and one that is not 64 lowercase
    /// hex characters makes the result `invalid_hex`, as it makes the line.
    pub parent_hash: String,
}

/// `sign`: the ledger line of an event signed with a seed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SignRequest {
    /// The request's identifier (the vector test's id), echoed by the response.
    pub id: String,
    /// The 32-byte Ed25519 seed, as hex.
    #[schemars(pattern("^[0-9a-f]{64}$"))]
    pub seed_hex: String,
    /// The event's seq.
    pub seq: u64,
    /// The event's timestamp, in nanoseconds.
    pub timestamp_nanos: u64,
    /// The previous event's self_hash (64 `0` characters at seq 0). Any
    /// string: it is a member of the line, and one that is not 64 lowercase
    /// hex characters makes the result `invalid_hex`, as it makes the line.
    pub parent_hash: String,
    /// The event as JSON text; it may break the event schema (then a writer refuses it).
    pub event_json: String,
}

/// `verify_event`: one ledger line checked on its own, with no chain context.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyEventRequest {
    /// The request's identifier (the vector test's id), echoed by the response.
    pub id: String,
    /// The line's bytes without its LF (and with no LF inside), as hex.
    #[schemars(pattern(HEX_BYTES))]
    pub line_hex: String,
}

/// `verify_ledger`: a whole ledger file verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyLedgerRequest {
    /// The request's identifier (the vector test's id), echoed by the response.
    pub id: String,
    /// The ledger file's bytes, as hex.
    #[schemars(pattern(HEX_BYTES))]
    pub ledger_hex: String,
    /// The public key every line must be signed with, or null for none.
    #[serde(deserialize_with = "present")]
    pub pinned_pubkey: Option<PublicKeyBytes>,
    /// Spec 1.1: the key the ledger's current key must be at its end, or
    /// null for none. Sent only by the tests that pin one, so that a v1
    /// request is what it always was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned_current_pubkey: Option<PublicKeyBytes>,
    /// Spec 1.1: whether the report lists the tool calls outside the
    /// pinned toolset (`unpinned_tool_calls`). Sent only by the tests that
    /// ask for it; absent is false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub check_tools: bool,
    /// Spec 1.1: the bytes of a signed checkpoint held apart from the
    /// ledger, as hex (spec/transparency.md, Checking a ledger against a
    /// checkpoint). Sent only by the tests that give one; the vectors send
    /// only signed checkpoints that read as one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(pattern(HEX_BYTES))]
    pub checkpoint_hex: Option<String>,
}

/// `toolset_hash`: the toolset and toolset hash of a tool manifest
/// (spec/toolsets.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ToolsetHashRequest {
    /// The request's identifier (the vector test's id), echoed by the response.
    pub id: String,
    /// The manifest's bytes, as hex; they need not be a valid manifest (then the result says so).
    #[schemars(pattern(HEX_BYTES))]
    pub manifest_hex: String,
}

/// `sign_data`: a data signature (spec/signature-scheme.md, Data signatures).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SignDataRequest {
    /// The request's identifier (the vector test's id), echoed by the response.
    pub id: String,
    /// The 32-byte Ed25519 seed, as hex.
    #[schemars(pattern("^[0-9a-f]{64}$"))]
    pub seed_hex: String,
    /// The data, as hex: any bytes, of any length.
    #[schemars(pattern(HEX_BYTES))]
    pub data_hex: String,
}

/// `verify_data`: whether a signature is a data signature of the data under
/// the key, by the strict profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyDataRequest {
    /// The request's identifier (the vector test's id), echoed by the response.
    pub id: String,
    /// The 32 bytes of the public key, as hex; they need not be a valid key (then the signature is not valid).
    pub pubkey_hex: PublicKeyBytes,
    /// The data, as hex.
    #[schemars(pattern(HEX_BYTES))]
    pub data_hex: String,
    /// The 64 bytes of the signature, as hex.
    pub signature_hex: SignatureBytes,
}

/// `tree_root`: the root of the RFC 9162 Merkle tree over a list of leaf
/// inputs (spec/transparency.md, The tree).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TreeRootRequest {
    /// The request's identifier (the vector test's id), echoed by the response.
    pub id: String,
    /// The leaf inputs, in order, each as hex of any length: the
    /// implementation hashes each as SHA-256(0x00 ‖ input).
    #[schemars(inner(pattern(HEX_BYTES)))]
    pub leaves_hex: Vec<String>,
}

/// `verify_inclusion`: whether an inclusion proof shows a leaf to be leaf
/// `index` of the tree of `tree_size` leaves with root `root_hex`
/// (spec/transparency.md, Inclusion proofs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyInclusionRequest {
    /// The request's identifier (the vector test's id), echoed by the response.
    pub id: String,
    /// The leaf's index, from 0.
    pub index: u64,
    /// The tree's size.
    pub tree_size: u64,
    /// The leaf INPUT, as hex: the implementation hashes it as SHA-256(0x00 ‖ input).
    #[schemars(pattern(HEX_BYTES))]
    pub leaf_hex: String,
    /// The proof's hashes, in order. Any strings: an item that is not 64
    /// lowercase hex characters makes the proof not valid.
    pub proof_hex: Vec<String>,
    /// The tree's root.
    pub root_hex: Digest,
}

/// `verify_consistency`: whether a consistency proof shows the tree of
/// `old_size` leaves to be a prefix of the tree of `new_size` leaves
/// (spec/transparency.md, Consistency proofs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyConsistencyRequest {
    /// The request's identifier (the vector test's id), echoed by the response.
    pub id: String,
    /// The old tree's size.
    pub old_size: u64,
    /// The new tree's size.
    pub new_size: u64,
    /// The proof's hashes, in order. Any strings: an item that is not 64
    /// lowercase hex characters makes the proof not valid.
    pub proof_hex: Vec<String>,
    /// The old tree's root.
    pub old_root_hex: Digest,
    /// The new tree's root.
    pub new_root_hex: Digest,
}

/// `sign_checkpoint`: the signed checkpoint of a ledger's tree
/// (spec/transparency.md, Checkpoints).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SignCheckpointRequest {
    /// The request's identifier (the vector test's id), echoed by the response.
    pub id: String,
    /// The 32-byte Ed25519 seed, as hex.
    #[schemars(pattern("^[0-9a-f]{64}$"))]
    pub seed_hex: String,
    /// The self_hash of the ledger's line with seq 0, which its origin names.
    pub genesis_self_hash: ChainHash,
    /// The tree's size.
    pub tree_size: u64,
    /// The tree's root.
    pub root_hex: Digest,
}

/// `verify_checkpoint`: a signed checkpoint read and checked under a key
/// (spec/transparency.md, Signed notes and Checkpoints).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyCheckpointRequest {
    /// The request's identifier (the vector test's id), echoed by the response.
    pub id: String,
    /// The note's bytes, as hex; they may be anything (then the result says why).
    #[schemars(pattern(HEX_BYTES))]
    pub checkpoint_hex: String,
    /// The 32 bytes of the key expected to sign it, as hex.
    pub pubkey_hex: PublicKeyBytes,
}

/// `verify_bundle`: an export bundle verified without its ledger, under a
/// pinned key, a pinned fingerprint or nothing (spec/bundles.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyBundleRequest {
    /// The request's identifier (the vector test's id), echoed by the response.
    pub id: String,
    /// The bundle file's bytes, as hex; they may be anything (then the result says why).
    #[schemars(pattern(HEX_BYTES))]
    pub bundle_hex: String,
    /// The key the verifier trusts to sign the checkpoint, or null.
    #[serde(deserialize_with = "present")]
    pub pinned_pubkey: Option<PublicKeyBytes>,
    /// That key's fingerprint (`sha256:` and 64 lowercase hex), or null; never
    /// sent together with `pinned_pubkey`.
    #[serde(deserialize_with = "present")]
    #[schemars(pattern("^sha256:[0-9a-f]{64}$"))]
    pub pinned_fingerprint: Option<String>,
}

/// The response to a request: one JSON object per line on the adapter's
/// standard output, echoing the request's `id`, with exactly one of
/// `result` (the operation ran), `skipped` and `errored`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged, deny_unknown_fields)]
#[schemars(rename = "{R}Response")]
pub enum Response<R> {
    /// The operation ran.
    Result {
        /// The request's id; null when the request was not an object with a string id.
        #[serde(deserialize_with = "present")]
        id: Option<String>,
        /// What the operation gave.
        result: R,
    },
    /// The adapter does not offer the operation.
    Skipped(Skipped),
    /// The adapter could not run the operation.
    Errored(Errored),
}

impl<R> Response<R> {
    /// A `skipped` response.
    pub fn skipped(id: Option<String>, skipped: impl Into<String>) -> Self {
        Self::Skipped(Skipped { id, skipped: skipped.into() })
    }

    /// An `errored` response.
    pub fn errored(id: Option<String>, errored: impl Into<String>) -> Self {
        Self::Errored(Errored { id, errored: errored.into() })
    }

    /// The `id` the response echoes.
    pub fn id(&self) -> Option<&str> {
        match self {
            Self::Result { id, .. } | Self::Skipped(Skipped { id, .. }) | Self::Errored(Errored { id, .. }) => {
                id.as_deref()
            }
        }
    }
}

/// The response of an adapter that does not offer the operation, or this
/// variant of it (a verify-only implementation skips `sign`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "SkippedResponse")]
pub struct Skipped {
    /// The request's id; null when the request was not an object with a string id.
    #[serde(deserialize_with = "present")]
    pub id: Option<String>,
    /// Why the operation is not offered, for people.
    pub skipped: String,
}

/// The response of an adapter that failed to run the operation (an
/// exception, a bug). An invalid input is not an error: rejecting it is a
/// result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "ErroredResponse")]
pub struct Errored {
    /// The request's id; null when the request was not an object with a string id.
    #[serde(deserialize_with = "present")]
    pub id: Option<String>,
    /// What went wrong, for people.
    pub errored: String,
}

/// The result of `hello`: who the implementation is and what it offers.
/// The runner sends only the listed operations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
// The name makes `Response<HelloResult>` the definition `HelloResponse`; it is inlined there.
#[schemars(rename = "Hello", inline)]
pub struct HelloResult {
    /// The protocol version the adapter speaks: the one of the request.
    pub protocol: u64,
    /// The implementation behind the adapter.
    pub implementation: Implementation,
    /// The operations the adapter offers.
    pub operations: Vec<Operation>,
}

/// An implementation behind an adapter, as the runner's report names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Implementation {
    /// Its name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// The language it is written in.
    pub language: String,
}

/// The result of `canonicalize`: the canonical bytes, or the code of the
/// reason the input is not acceptable JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged, deny_unknown_fields)]
#[schemars(rename = "Canonicalize", inline)]
pub enum CanonicalizeResult {
    /// The input is acceptable; the operation\'s output.
    Valid {
        /// Always `true`.
        valid: Is<true>,
        /// The canonical bytes, as hex.
        #[schemars(pattern(HEX_BYTES))]
        output_hex: String,
    },
    /// The input is refused, with why.
    Invalid {
        /// Always `false`.
        valid: Is<false>,
        /// Why the input is not acceptable JSON.
        error_code: JsonErrorCode,
    },
}

/// The result of `self_hash`: the event's self_hash, or the reason code a
/// verifier reports for an event that breaks the schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged, deny_unknown_fields)]
#[schemars(rename = "SelfHash", inline)]
pub enum SelfHashResult {
    /// The input is acceptable; the operation\'s output.
    Valid {
        /// Always `true`.
        valid: Is<true>,
        /// The self_hash, as 64 lowercase hex characters.
        self_hash: ChainHash,
    },
    /// The input is refused, with why.
    Invalid {
        /// Always `false`.
        valid: Is<false>,
        /// Why the event does not conform (spec/verification.md).
        reason: Reason,
    },
}

/// The result of `sign`: the ledger line, or why a writer refuses the event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged, deny_unknown_fields)]
#[schemars(rename = "Sign", inline)]
pub enum SignResult {
    /// The input is acceptable; the operation\'s output.
    Valid {
        /// Always `true`.
        valid: Is<true>,
        /// The ledger line without its LF: the bytes the reference writer
        /// writes (spec/ledger-format.md, Appending). The runner compares
        /// them as bytes (byte-compatible) and as the line they read as
        /// (reason-exact).
        line: String,
    },
    /// The input is refused, with why.
    Invalid {
        /// Always `false`.
        valid: Is<false>,
        /// Why the event is refused: it does not conform, or its line would be
        /// longer than a reader accepts (`line_too_long`).
        reason: Reason,
    },
}

/// The result of `verify_event`: whether the line verifies on its own, and
/// if not, why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged, deny_unknown_fields)]
#[schemars(rename = "VerifyEvent", inline)]
pub enum VerifyEventResult {
    /// The input is acceptable; the operation\'s output.
    Valid {
        /// Always `true`.
        valid: Is<true>,
        /// Null: there is no reason.
        reason: (),
    },
    /// The input is refused, with why.
    Invalid {
        /// Always `false`.
        valid: Is<false>,
        /// The first finding's reason code (spec/verification.md).
        reason: Reason,
    },
}

/// The result of `verify_ledger`: the verification report of
/// spec/verification.md. The five members here are required; the runner
/// compares every member a vector's expected result holds but `message`,
/// so an implementation writes the rest of its report too (the Rust core
/// writes its whole report, spec/report.schema.json).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "VerifyLedger", inline)]
pub struct VerifyLedgerResult {
    /// Whether the whole ledger verified.
    pub ok: bool,
    /// Lines that verified before the first finding (all of them when `ok`).
    pub event_count: u64,
    /// The seq the failing line should have had; null when `ok`.
    #[serde(deserialize_with = "present")]
    pub broken_at: Option<u64>,
    /// The reason code of the finding; null when `ok`.
    #[serde(deserialize_with = "present")]
    pub reason: Option<Reason>,
    /// self_hash of the last good line; null when there is none.
    #[serde(deserialize_with = "present")]
    pub root_hash: Option<ChainHash>,
    /// The rest of the implementation's report.
    #[serde(flatten)]
    pub rest: Map<String, Json>,
}

impl From<ChainReport> for VerifyLedgerResult {
    fn from(report: ChainReport) -> Self {
        let value = serde_json::to_value(report).expect("a report serialises");
        serde_json::from_value(value).expect("a report holds the members of a verify_ledger result")
    }
}

/// The result of `toolset_hash`: the toolset and its hash, or null for both
/// when the manifest is refused (spec/toolsets.md, Manifest).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged, deny_unknown_fields)]
#[schemars(rename = "ToolsetHash", inline)]
pub enum ToolsetHashResult {
    /// The manifest is acceptable; the operation\'s output.
    Valid {
        /// Always `true`.
        valid: Is<true>,
        /// The toolset: each tool's name and digest, sorted by the UTF-8 bytes of the names.
        tools: Vec<ToolDigest>,
        /// The toolset hash.
        toolset_sha256: Digest,
    },
    /// The manifest is refused.
    Invalid {
        /// Always `false`.
        valid: Is<false>,
        /// Null: there is no toolset.
        tools: (),
        /// Null: there is no toolset hash.
        toolset_sha256: (),
    },
}

/// One tool of a toolset: its name and the digest of its normalized definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ToolDigest {
    /// The tool's name.
    pub name: String,
    /// SHA-256 of the canonical JSON of its normalized definition.
    pub sha256: Digest,
}

/// The result of `sign_data`: the data signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "SignData", inline)]
pub struct SignDataResult {
    /// The 64-byte signature, as hex.
    pub signature_hex: SignatureBytes,
}

/// The result of `verify_data`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "VerifyData", inline)]
pub struct VerifyDataResult {
    /// Whether the signature is the key's data signature of the data.
    pub valid: bool,
}

/// The result of `tree_root`: the tree's root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "TreeRoot", inline)]
pub struct TreeRootResult {
    /// The RFC 9162 Merkle Tree Hash of the leaves (SHA-256 of no bytes for none).
    pub root_hex: Digest,
}

/// The result of `verify_inclusion`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "VerifyInclusion", inline)]
pub struct VerifyInclusionResult {
    /// Whether the proof shows the leaf at the index of the tree with the root.
    pub valid: bool,
}

/// The result of `verify_consistency`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "VerifyConsistency", inline)]
pub struct VerifyConsistencyResult {
    /// Whether the proof shows the old tree to be a prefix of the new one.
    pub valid: bool,
}

/// The result of `sign_checkpoint`: the signed note's bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "SignCheckpoint", inline)]
pub struct SignCheckpointResult {
    /// The signed checkpoint exactly as the reference writer writes it, as hex.
    #[schemars(pattern(HEX_BYTES))]
    pub checkpoint_hex: String,
}

/// The result of `verify_checkpoint`: what the checkpoint says, or why it
/// is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged, deny_unknown_fields)]
#[schemars(rename = "VerifyCheckpoint", inline)]
pub enum VerifyCheckpointResult {
    /// The key signs the checkpoint.
    Valid {
        /// Always `true`.
        valid: Is<true>,
        /// Null: there is no reason.
        reason: (),
        /// The checkpoint's tree size.
        tree_size: u64,
        /// The checkpoint's root.
        root_hex: Digest,
    },
    /// The checkpoint is refused, with why.
    Invalid {
        /// Always `false`.
        valid: Is<false>,
        /// Why (spec/transparency.md, Checkpoints).
        reason: CheckpointReason,
    },
}

/// Why a checkpoint is refused: one of the three reason codes of reading a
/// checkpoint under a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CheckpointReason {
    /// Not a signed note, not a checkpoint, or not a ledger origin.
    CheckpointMalformed,
    /// The origin names another key's fingerprint.
    CheckpointForeign,
    /// No signature line by the key, or one that fails.
    CheckpointSignatureInvalid,
}

impl CheckpointReason {
    /// The reason code of a finding, if it is one of the three.
    pub fn of(reason: Reason) -> Option<CheckpointReason> {
        match reason {
            Reason::CheckpointMalformed => Some(Self::CheckpointMalformed),
            Reason::CheckpointForeign => Some(Self::CheckpointForeign),
            Reason::CheckpointSignatureInvalid => Some(Self::CheckpointSignatureInvalid),
            _ => None,
        }
    }
}

/// The result of any operation, as an adapter writes it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum OperationResult {
    /// The answer to `hello`.
    Hello(HelloResult),
    /// The result of `canonicalize`.
    Canonicalize(CanonicalizeResult),
    /// The result of `self_hash`.
    SelfHash(SelfHashResult),
    /// The result of `sign`.
    Sign(SignResult),
    /// The result of `verify_event`.
    VerifyEvent(VerifyEventResult),
    /// The result of `verify_ledger`.
    VerifyLedger(VerifyLedgerResult),
    /// The result of `toolset_hash`.
    ToolsetHash(ToolsetHashResult),
    /// The result of `sign_data`.
    SignData(SignDataResult),
    /// The result of `verify_data`.
    VerifyData(VerifyDataResult),
    /// The result of `tree_root`.
    TreeRoot(TreeRootResult),
    /// The result of `verify_inclusion`.
    VerifyInclusion(VerifyInclusionResult),
    /// The result of `verify_consistency`.
    VerifyConsistency(VerifyConsistencyResult),
    /// The result of `sign_checkpoint`.
    SignCheckpoint(SignCheckpointResult),
    /// The result of `verify_checkpoint`.
    VerifyCheckpoint(VerifyCheckpointResult),
    /// The result of `verify_bundle`.
    VerifyBundle(VerifyBundleResult),
}

/// The result of `verify_bundle`: the verdict, whether the pin matched, the
/// proof level reached and the reason of the finding (spec/bundles.md, Report).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "VerifyBundle", inline)]
pub struct VerifyBundleResult {
    /// Every check passed.
    pub ok: bool,
    /// A key or fingerprint was pinned and the bundle's key is it.
    pub pinned: bool,
    /// The highest level reached; null when none is.
    pub proof_level: Option<provedex_verify::bundle::ProofLevel>,
    /// The reason code of the finding; null when `ok`.
    pub reason: Option<Reason>,
    /// The lines that verified.
    pub event_count: u64,
}

/// Exactly `true` (`Is<true>`) or exactly `false` (`Is<false>`): the
/// `valid` member that tells the two forms of a result apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Is<const B: bool>;

impl<const B: bool> Serialize for Is<B> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bool(B)
    }
}

impl<'de, const B: bool> Deserialize<'de> for Is<B> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = bool::deserialize(deserializer)?;
        if value == B {
            Ok(Is)
        } else {
            Err(de::Error::invalid_value(Unexpected::Bool(value), &if B { "true" } else { "false" }))
        }
    }
}

impl<const B: bool> JsonSchema for Is<B> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        if B { "True".into() } else { "False".into() }
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "boolean", "const": B })
    }
}

/// Reads a member that may be null but must be there: serde reads a
/// missing `Option` member as `None`, and the protocol writes every member.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(deserializer: D) -> Result<Option<T>, D::Error> {
    Option::deserialize(deserializer)
}

/// A code of spec/canonical-json.md, Error codes: why a text is not
/// acceptable JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonErrorCode(pub JsonErrorKind);

impl Serialize for JsonErrorCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0.code())
    }
}

impl<'de> Deserialize<'de> for JsonErrorCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        match JsonErrorKind::ALL.into_iter().find(|kind| kind.code() == code) {
            Some(kind) => Ok(JsonErrorCode(kind)),
            None => Err(de::Error::invalid_value(Unexpected::Str(&code), &"a JSON error code")),
        }
    }
}

impl JsonSchema for JsonErrorCode {
    fn schema_name() -> Cow<'static, str> {
        "JsonErrorCode".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let codes: Vec<&str> = JsonErrorKind::ALL.iter().map(|kind| kind.code()).collect();
        json_schema!({
            "description": "A code of spec/canonical-json.md, Error codes: why a text is not acceptable JSON.",
            "type": "string",
            "enum": codes,
        })
    }
}

/// A message as one protocol line, without its LF: compact JSON with the
/// members of every object in sorted order, as the runner and the Rust
/// core's adapter have always written them (the protocol leaves the order free).
pub fn to_line(message: &impl Serialize) -> String {
    serde_json::to_value(message).expect("protocol messages serialise").to_string()
}

/// The JSON Schema of every message of the protocol, with its `$id` and a
/// comment naming the command that writes it, as pretty JSON with a final LF.
///
/// Every member a message writes is required (a member that may be null is
/// written as null, never left out), as the schema of what is sent.
pub fn schema() -> String {
    crate::schemas::rendered::<Message>(
        SCHEMA_ID,
        "Provedex conformance adapter protocol, version 1",
        "the types of provedex_conformance::protocol",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_names_are_their_serde_names() {
        for op in Operation::ALL {
            assert_eq!(serde_json::to_value(op).unwrap(), op.name());
            assert_eq!(Operation::from_name(op.name()), Some(op));
        }
        assert_eq!(Operation::from_name("hello"), None);
        assert_eq!(Request::names().collect::<Vec<_>>().len(), 15);
    }

    #[test]
    fn results_tell_their_forms_apart_by_valid() {
        let valid = serde_json::json!({"valid": true, "reason": null});
        assert!(matches!(serde_json::from_value(valid).unwrap(), VerifyEventResult::Valid { .. }));
        let invalid = serde_json::json!({"valid": false, "reason": "bad_signature"});
        assert!(matches!(serde_json::from_value(invalid).unwrap(), VerifyEventResult::Invalid { .. }));
        for refused in [
            serde_json::json!({"valid": false, "reason": null}),
            serde_json::json!({"valid": true, "reason": "bad_signature"}),
            serde_json::json!({"valid": true}),
        ] {
            assert!(serde_json::from_value::<VerifyEventResult>(refused.clone()).is_err(), "{refused}");
        }
        assert_eq!(to_line(&Is::<true>), "true");
        assert!(serde_json::from_str::<Is<true>>("false").is_err());
    }
}
