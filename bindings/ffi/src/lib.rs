//! The uniffi layer over `provedex-core`: the API the Python, Kotlin and
//! Swift bindings are generated from.
//!
//! Values cross the boundary in their wire spelling (hashes, keys and
//! signatures as lowercase hex, free JSON as text), so every language sees
//! what a ledger line holds. The event enum is generated from the spec
//! (`events.rs`); the rest is written here.

#![warn(missing_docs)]
uniffi::setup_scaffolding!();

mod anchors;
mod bundle;
#[rustfmt::skip]
mod events;
mod keys;
mod signed_event;
mod toolset;
mod transparency;

use std::path::PathBuf;
use std::sync::Arc;

use provedex_core as core;
use provedex_core::canonical::{self, Map, Value};
use provedex_core::{ChainHash, KeyFile, PublicKeyBytes, Reason};

pub use anchors::{AnchorConfig, AnchorOutcome, AnchorStatus, BackgroundAnchorer, ReceiptTrust, S3Access};
pub use bundle::{
    BundleReport, BundleSelection, CheckpointEntry, Evidence, LevelVerdict, checkpoints_path, export_bundle,
    export_bundle_anchored, export_bundle_with_checkpoint, read_checkpoints, verify_bundle,
};
pub use events::{AgentEvent, PinnedTool};
pub use keys::{
    load_public_key, parse_public_key, public_key_fingerprint, public_key_pem, verify_data, verify_data_sha256,
};
pub use signed_event::SignedEvent;
pub use toolset::{ChangedTool, Toolset, ToolsetCheck, check_toolset, toolset_hash};
pub use transparency::{
    CheckpointInfo, ConsistencyProof, InclusionProof, TreeHead, checkpoint, checkpoint_with_key_file, leaf_hash,
    ledger_tree_head, parse_checkpoint, prove_consistency, prove_inclusion, tree_root, verify_checkpoint,
    verify_consistency, verify_inclusion,
};

/// Everything that can go wrong, in the four kinds of `provedex_core::Error`.
/// `detail` says what failed and why; `code` is stable, for programs.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum ProvedexError {
    /// A key file cannot be read, written or trusted.
    #[error("{detail}")]
    KeyLoad {
        /// What failed, with the path, for people.
        detail: String,
    },
    /// An event or value cannot be sealed. `code` is the reason a verifier
    /// would report (spec/verification.md) or, for JSON that cannot be
    /// canonicalized, the error code of spec/canonical-json.md; a tool
    /// manifest that is not a toolset has the code `invalid_manifest`.
    #[error("{detail}")]
    Signing {
        /// The reason code, for programs.
        code: String,
        /// What is wrong and where, for people.
        detail: String,
    },
    /// A ledger cannot be opened, appended to, resumed, read or recovered.
    /// `code` is one of io, locked, torn_tail, broken, foreign_key, poisoned,
    /// unusable, forked (the session was opened in another process, which
    /// forked this one), closed (the session was closed), no_toolset (the
    /// ledger pins no toolset to check a manifest against), out_of_range (a
    /// seq or tree size beyond the ledger's good lines, or a checkpoint of an
    /// empty ledger or of size 0).
    #[error("{detail}")]
    Ledger {
        /// The kind of problem, for programs.
        code: String,
        /// What failed, with the path and the next step, for people.
        detail: String,
    },
    /// A signed event or ledger line is not valid on its own, a ledger that
    /// must verify (to prove or checkpoint it) does not, or a checkpoint is
    /// refused. `code` is its reason (spec/verification.md): for a
    /// checkpoint, checkpoint_malformed, checkpoint_foreign or
    /// checkpoint_signature_invalid.
    #[error("{detail}")]
    Chain {
        /// The reason code, for programs.
        code: String,
        /// Where and why, for people.
        detail: String,
    },
    /// An anchoring configuration cannot be read or used, or the anchorer
    /// cannot start. `code` is invalid_config (`detail` lists every problem,
    /// each naming where) or io.
    #[error("{detail}")]
    Config {
        /// The kind of problem, for programs.
        code: String,
        /// The file and its problems, for people.
        detail: String,
    },
}

impl From<core::Error> for ProvedexError {
    fn from(e: core::Error) -> Self {
        let code = e.code().unwrap_or_default().to_owned();
        let detail = e.to_string();
        match e {
            core::Error::KeyLoad(_) => ProvedexError::KeyLoad { detail },
            core::Error::Signing { .. } => ProvedexError::Signing { code, detail },
            core::Error::Ledger { .. } => ProvedexError::Ledger { code, detail },
            core::Error::Chain { .. } => ProvedexError::Chain { code, detail },
            // A kind added later reaches the bindings as a ledger error with its code
            // until they grow an exception of its own.
            _ => ProvedexError::Ledger { code, detail },
        }
    }
}

impl ProvedexError {
    fn signing(reason: Reason, detail: String) -> Self {
        ProvedexError::Signing { code: reason.code().to_owned(), detail }
    }

    fn chain(reason: Reason, detail: String) -> Self {
        ProvedexError::Chain { code: reason.code().to_owned(), detail }
    }
}

type Result<T, E = ProvedexError> = std::result::Result<T, E>;

/// A file system path, crossing the boundary as the bytes the operating
/// system uses for it: on unix any file name works, UTF-8 or not. Python
/// passes `os.fsencode(path)`; Kotlin and Swift see a `String` (uniffi.toml
/// converts it as UTF-8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FsPath(pub PathBuf);

uniffi::custom_type!(FsPath, Vec<u8>, {
    lower: |path| path_to_bytes(path.0),
    try_lift: |bytes| path_from_bytes(bytes).map(FsPath),
});

#[cfg(unix)]
fn path_to_bytes(path: PathBuf) -> Vec<u8> {
    std::os::unix::ffi::OsStringExt::into_vec(path.into_os_string())
}

#[cfg(not(unix))]
fn path_to_bytes(path: PathBuf) -> Vec<u8> {
    path.to_string_lossy().into_owned().into_bytes()
}

#[cfg(unix)]
fn path_from_bytes(bytes: Vec<u8>) -> uniffi::Result<PathBuf> {
    Ok(PathBuf::from(<std::ffi::OsString as std::os::unix::ffi::OsStringExt>::from_vec(bytes)))
}

#[cfg(not(unix))]
fn path_from_bytes(bytes: Vec<u8>) -> uniffi::Result<PathBuf> {
    Ok(PathBuf::from(String::from_utf8(bytes)?))
}

impl<T: Into<PathBuf>> From<T> for FsPath {
    fn from(path: T) -> Self {
        FsPath(path.into())
    }
}

/// An Ed25519 signing key; the secret never crosses the boundary.
#[derive(uniffi::Object)]
pub struct SigningKeypair(core::SigningKeypair);

#[uniffi::export]
impl SigningKeypair {
    /// A new key from the operating system's randomness.
    #[uniffi::constructor]
    pub fn generate() -> Result<Arc<Self>> {
        Ok(Arc::new(SigningKeypair(core::SigningKeypair::generate()?)))
    }

    /// Loads a key file, readable by its owner only: the 32 raw bytes of the
    /// seed, or a PEM PKCS#8 private key (spec/keys.md), told apart by content.
    #[uniffi::constructor]
    pub fn load(path: FsPath) -> Result<Arc<Self>> {
        Ok(Arc::new(SigningKeypair(core::SigningKeypair::load(path.0)?)))
    }

    /// Loads the key at `path`, or creates it there (mode 0600) when absent.
    #[uniffi::constructor]
    pub fn load_or_create(path: FsPath) -> Result<Arc<Self>> {
        Ok(Arc::new(SigningKeypair(core::SigningKeypair::load_or_create(path.0)?)))
    }

    /// The key with this 32-byte seed.
    #[uniffi::constructor]
    pub fn from_seed(seed: Vec<u8>) -> Result<Arc<Self>> {
        let seed: [u8; 32] = seed.as_slice().try_into().map_err(|_| ProvedexError::KeyLoad {
            detail: format!("a seed is exactly 32 bytes, this one has {}", seed.len()),
        })?;
        Ok(Arc::new(SigningKeypair(core::SigningKeypair::from_seed(&seed))))
    }

    /// Writes the key file (mode 0600); refuses to replace an existing file.
    pub fn save(&self, path: FsPath) -> Result<()> {
        Ok(self.0.save(path.0)?)
    }

    /// The public key as 64 lowercase hex characters.
    pub fn pubkey_hex(&self) -> String {
        self.0.pubkey_hex()
    }
}

/// How `Session.record` makes its line durable before returning.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, uniffi::Enum)]
pub enum Durability {
    /// Each record writes and fsyncs its own line, one at a time.
    EveryEvent,
    /// Group commit (the default): concurrent records share a write and an
    /// fsync; each returns only after the fsync that covers its line.
    #[default]
    Group,
    /// Written, never fsynced: for throwaway ledgers and tests.
    None,
}

impl From<Durability> for core::Durability {
    fn from(d: Durability) -> Self {
        match d {
            Durability::EveryEvent => core::Durability::EveryEvent,
            Durability::Group => core::Durability::Group,
            Durability::None => core::Durability::None,
        }
    }
}

/// How a session writes: what [`Session::open_with_options`] is given.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, uniffi::Record)]
pub struct SessionOptions {
    /// When a record returns ([`Durability::Group`] is what [`Session::open`] uses).
    pub durability: Durability,
    /// Signs a checkpoint into the checkpoints file beside the ledger
    /// ([`checkpoints_path`]) each time the durable lines reach a multiple
    /// of this many events (spec/transparency.md, "Checkpoints file"); 0
    /// (the default) signs none.
    #[uniffi(default = 0)]
    pub checkpoint_every: u64,
}

/// A writer appending to one ledger; safe to share between threads.
///
/// It belongs to the process that opened it: in a child made by `fork()`
/// every record is refused (code `forked`); the child opens its own session.
#[derive(uniffi::Object)]
pub struct Session(core::Session, Durability);

#[uniffi::export]
impl Session {
    /// Opens (or creates) the ledger and resumes its chain after checking its last line.
    ///
    /// `session_id` is metadata for the application, which v1 records inside
    /// events (`SessionStarted.session_id`); it is not written by `open` and
    /// does not locate the ledger (`ledger_path` does).
    #[uniffi::constructor]
    pub fn open(keypair: Arc<SigningKeypair>, ledger_path: FsPath, session_id: String) -> Result<Arc<Self>> {
        Session::open_with_durability(keypair, ledger_path, session_id, Durability::default())
    }

    /// [`Session::open`] with a choice of durability.
    #[uniffi::constructor]
    pub fn open_with_durability(
        keypair: Arc<SigningKeypair>,
        ledger_path: FsPath,
        session_id: String,
        durability: Durability,
    ) -> Result<Arc<Self>> {
        Session::open_with_options(keypair, ledger_path, session_id, SessionOptions { durability, checkpoint_every: 0 })
    }

    /// [`Session::open`] with the choices of `options`: durability, and a
    /// checkpoint signed into the checkpoints file every so many events.
    #[uniffi::constructor]
    pub fn open_with_options(
        keypair: Arc<SigningKeypair>,
        ledger_path: FsPath,
        session_id: String,
        options: SessionOptions,
    ) -> Result<Arc<Self>> {
        let core_options = core::SessionOptions::new()
            .durability(options.durability.into())
            .checkpoint_every(options.checkpoint_every);
        Ok(Arc::new(Session(
            core::Session::open_with(&keypair.0, ledger_path.0, session_id, &core_options)?,
            options.durability,
        )))
    }

    /// Signs a checkpoint of the durable lines (spec/transparency.md,
    /// "Checkpoints"): their tree's size and root, signed by the key current
    /// at that size; the signed note's text. It is checked to be consistent
    /// with the session's previous checkpoint, and is not written to the
    /// checkpoints file. An empty ledger is a `Ledger` error `out_of_range`;
    /// a tree found inconsistent, `unusable`.
    pub fn checkpoint(&self) -> Result<String> {
        Ok(self.0.checkpoint()?.to_text())
    }

    /// How many durable lines the session's tree holds: the size of the
    /// checkpoint [`Session::checkpoint`] would sign now.
    pub fn tree_size(&self) -> Option<u64> {
        self.0.tree_size()
    }

    /// Why the index beside the ledger or the checkpoints file is not kept
    /// up to date, if so: the ledger is unaffected (records never fail for
    /// it), and the next open extends or rebuilds the index.
    pub fn tree_problem(&self) -> Option<String> {
        self.0.tree_problem()
    }

    /// Validates, seals and appends `event`; returns once the line is on disk.
    pub fn record(&self, event: AgentEvent) -> Result<SignedEvent> {
        let event = core::AgentEvent::try_from(event)?;
        Ok(SignedEvent::from(&self.0.record(&event)?))
    }

    /// [`Session::record`] for an event given as JSON text, read strictly.
    pub fn record_json(&self, event_json: String) -> Result<SignedEvent> {
        Ok(SignedEvent::from(&record_json_event(&self.0, &event_json)?))
    }

    /// [`Session::record_json`] returning the ledger line (without its LF)
    /// instead of the record: one string crosses back, for bindings where
    /// lifting a record field by field costs more than sealing it.
    pub fn record_json_line(&self, event_json: String) -> Result<String> {
        Ok(record_json_event(&self.0, &event_json)?.to_json())
    }

    /// Stops recording and releases the ledger's lock once the records
    /// already placed are written; later records fail with code `closed`.
    /// Closing twice is harmless; in a forked child it does nothing.
    pub fn close(&self) -> Result<()> {
        Ok(self.0.close()?)
    }

    /// The `session_id` given to `open`: the application's metadata, kept
    /// for it to record in events; the ledger does not store it.
    pub fn session_id(&self) -> String {
        self.0.session_id().to_owned()
    }

    /// The ledger file this session appends to.
    pub fn ledger_path(&self) -> FsPath {
        FsPath(self.0.ledger_path().to_path_buf())
    }

    /// The public key that signs this session's lines, as hex.
    pub fn pubkey_hex(&self) -> String {
        self.0.pubkey_hex()
    }

    /// Hands the ledger to `new_keypair`: appends a `KeyRotated` line signed
    /// by the current key and carrying the new key's proof of possession.
    /// Later lines are signed by the new key, and resuming the ledger needs
    /// it: a session opened with the old key is refused (code `foreign_key`).
    pub fn rotate_key(&self, new_keypair: Arc<SigningKeypair>) -> Result<SignedEvent> {
        Ok(SignedEvent::from(&self.0.rotate_key(&new_keypair.0)?))
    }

    /// Appends a `Redacted` line naming the line with `target_seq` by seq and
    /// self_hash. The target stays in the file (the chain needs it); readers
    /// leave it out. A target that is not on disk is a `Signing` error
    /// `redaction_target_unknown`, a redaction `redaction_of_redaction`.
    pub fn redact(&self, target_seq: u64, reason: String, requested_by: String) -> Result<SignedEvent> {
        Ok(SignedEvent::from(&self.0.redact(target_seq, &reason, &requested_by)?))
    }

    /// When a record returns: the durability the session was opened with.
    pub fn durability(&self) -> Durability {
        self.1
    }

    /// The seq the next event will get; none once the ledger holds the largest seq.
    pub fn next_seq(&self) -> Option<u64> {
        self.0.next_seq()
    }
}

fn record_json_event(session: &core::Session, event_json: &str) -> Result<core::SignedEvent> {
    let event = core::AgentEvent::from_json(event_json.as_bytes())?;
    Ok(session.record(&event)?)
}

/// A hex member read strictly; a malformed one is an `invalid_hex` `Chain` error naming it.
fn hex_member<T>(name: &str, parsed: Result<T, String>) -> Result<T> {
    parsed.map_err(|why| ProvedexError::chain(Reason::InvalidHex, format!("{name} {why}")))
}

/// The verdict on a chain of events: where it breaks and why, or that it holds.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ChainReport {
    /// Whether the whole ledger verified.
    pub ok: bool,
    /// Lines that verified before the first finding (all of them when `ok`).
    pub event_count: u64,
    /// The seq the failing line should have had; none when `ok`.
    pub broken_at: Option<u64>,
    /// 1-based line number of the failing line; none when `ok` or not read from a file.
    pub line: Option<u64>,
    /// A stable reason code of spec/verification.md.
    pub reason: Option<String>,
    /// Where and why, for people.
    pub message: String,
    /// self_hash of the last good line, as hex; none when there is none.
    pub root_hash: Option<String>,
    /// Distinct signers of the good lines, in order of first appearance, as hex.
    pub signers: Vec<String>,
    /// The key history: each key that became current, in order; empty when
    /// there is no good line.
    pub keys: Vec<KeyEntry>,
    /// The good `ToolCalled` lines whose tool the toolset pinned before them
    /// does not name, in file order; none unless tool calls were checked
    /// ([`VerifyOptions::check_tools`]). Never a finding: `ok` ignores it.
    pub unpinned_tool_calls: Option<Vec<UnpinnedToolCall>>,
}

/// One key of a ledger's history: the good lines it signs.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct KeyEntry {
    /// The key, as hex.
    pub pubkey: String,
    /// The seq of the first line it signs: 0, or a rotation's seq + 1.
    pub from_seq: u64,
    /// The seq of the last good line it signed; none when it signed none
    /// (a rotation to it is the last good line).
    pub to_seq: Option<u64>,
}

/// A good `ToolCalled` line whose tool is outside the toolset pinned before it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct UnpinnedToolCall {
    /// The line's seq.
    pub seq: u64,
    /// The tool it names.
    pub tool_name: String,
}

impl From<core::ChainReport> for ChainReport {
    fn from(r: core::ChainReport) -> Self {
        ChainReport {
            ok: r.ok,
            event_count: r.event_count,
            broken_at: r.broken_at,
            line: r.line,
            reason: r.reason.map(|c| c.code().to_owned()),
            message: r.message,
            root_hash: r.root_hash.map(|h| h.to_hex()),
            signers: r.signers.iter().map(PublicKeyBytes::to_hex).collect(),
            keys: r
                .keys
                .iter()
                .map(|k| KeyEntry { pubkey: k.pubkey.to_hex(), from_seq: k.from_seq, to_seq: k.to_seq })
                .collect(),
            unpinned_tool_calls: r.unpinned_tool_calls.map(|calls| {
                calls.into_iter().map(|c| UnpinnedToolCall { seq: c.seq, tool_name: c.tool_name }).collect()
            }),
        }
    }
}

/// What a verification holds a ledger to, beyond its own rules.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct VerifyOptions {
    /// The trust root, as hex: the key that signs the lines before the first
    /// rotation (`pubkey_mismatch` otherwise); rotations carry the trust on.
    #[uniffi(default = None)]
    pub pinned_pubkey: Option<String>,
    /// The key that must be current when the ledger ends, as hex
    /// (`current_key_mismatch` otherwise): for a verifier that knows
    /// today's key but not the first one.
    #[uniffi(default = None)]
    pub pinned_current_pubkey: Option<String>,
    /// Whether the report lists the tool calls outside the pinned toolset
    /// ([`ChainReport::unpinned_tool_calls`]).
    #[uniffi(default = false)]
    pub check_tools: bool,
    /// A signed checkpoint held apart from the ledger, as its note bytes
    /// (spec/transparency.md): the ledger must still reach its size and
    /// agree with its root (`ledger_truncated`, `checkpoint_foreign`,
    /// `checkpoint_signature_invalid`, `checkpoint_root_mismatch`, each
    /// about the end of the ledger). Bytes that are not a signed
    /// checkpoint are a `Chain` error `checkpoint_malformed`.
    #[uniffi(default = None)]
    pub checkpoint: Option<Vec<u8>>,
}

fn parent(parent_hash: &str) -> Result<ChainHash> {
    ChainHash::from_hex(parent_hash)
        .map_err(|why| ProvedexError::signing(Reason::InvalidHex, format!("parent_hash {why}")))
}

/// A public key given as hex, if any; a malformed one is an `invalid_hex` `Chain` error naming `name`.
fn optional_pubkey(name: &str, key: Option<String>) -> Result<Option<PublicKeyBytes>> {
    key.map(|k| hex_member(name, PublicKeyBytes::from_hex(&k))).transpose()
}

/// A verification holding the ledger to `options`.
fn verifier(options: VerifyOptions) -> Result<core::Verifier<'static>> {
    Ok(core::Verifier::new()
        .pinned_pubkey(optional_pubkey("pinned public key", options.pinned_pubkey)?)
        .pinned_current_pubkey(optional_pubkey("pinned current public key", options.pinned_current_pubkey)?)
        .check_tool_calls(options.check_tools)
        .checkpoint(transparency::pinned_checkpoint(options.checkpoint)?))
}

/// The options of a verification that pins `pinned_pubkey` alone.
fn pinned_only(pinned_pubkey: Option<String>) -> VerifyOptions {
    VerifyOptions { pinned_pubkey, ..VerifyOptions::default() }
}

/// `parent_hash` of the first line: 64 `0` characters.
#[uniffi::export]
pub fn genesis_parent_hash() -> String {
    core::GENESIS_PARENT_HASH.to_hex()
}

/// SHA-256 of `data` as 64 lowercase hex: the form of every `*_sha256` field.
#[uniffi::export]
pub fn sha256_hex(data: Vec<u8>) -> String {
    core::sha256_hex(&data)
}

/// The canonical JSON bytes of one JSON text given as UTF-8 bytes
/// (spec/canonical-json.md). A text that has no canonical form is a
/// `Signing` error whose code is the spec's JSON error code.
#[uniffi::export]
pub fn canonical_json(json: Vec<u8>) -> Result<Vec<u8>> {
    canonical::canonicalize(&json).map_err(|e| ProvedexError::Signing {
        code: e.kind.code().to_owned(),
        detail: format!("not canonicalizable JSON: {e}"),
    })
}

/// Reads an event from JSON text, strictly (unknown members, duplicate keys, bad digests are errors).
#[uniffi::export]
pub fn event_from_json(json: String) -> Result<AgentEvent> {
    Ok(AgentEvent::from(&core::AgentEvent::from_json(json.as_bytes())?))
}

/// The canonical JSON text of an event: `{"payload":{…},"type":"…"}`.
#[uniffi::export]
pub fn event_to_json(event: AgentEvent) -> Result<String> {
    Ok(core::AgentEvent::try_from(event)?.to_value().to_string())
}

/// Seals `event` at `seq` after `parent_hash`, stamped with the current time.
#[uniffi::export]
pub fn sign_event(
    event: AgentEvent,
    seq: u64,
    parent_hash: String,
    keypair: Arc<SigningKeypair>,
) -> Result<SignedEvent> {
    let event = core::AgentEvent::try_from(event)?;
    Ok(SignedEvent::from(&core::sign_event(&event, seq, &parent(&parent_hash)?, &keypair.0)?))
}

/// Seals `event` with an explicit timestamp: deterministic.
#[uniffi::export]
pub fn sign_event_at(
    event: AgentEvent,
    seq: u64,
    timestamp_nanos: u64,
    parent_hash: String,
    keypair: Arc<SigningKeypair>,
) -> Result<SignedEvent> {
    let event = core::AgentEvent::try_from(event)?;
    Ok(SignedEvent::from(&core::sign_event_at(&event, seq, timestamp_nanos, &parent(&parent_hash)?, &keypair.0)?))
}

/// The self_hash an event would have at this position, as hex.
#[uniffi::export]
pub fn compute_self_hash(event: AgentEvent, seq: u64, timestamp_nanos: u64, parent_hash: String) -> Result<String> {
    let event = core::AgentEvent::try_from(event)?;
    core::seal::validate_for_signing(&event)?;
    Ok(core::compute_self_hash(&event, seq, timestamp_nanos, &parent(&parent_hash)?).to_hex())
}

/// The exact ledger line of a signed event (without its LF).
#[uniffi::export]
pub fn signed_event_to_json(event: SignedEvent) -> Result<String> {
    Ok(core::SignedEvent::try_from(event)?.to_json())
}

/// Reads one ledger line (its bytes, without the LF) strictly, framing
/// included; a line a verifier would reject is a `Chain` error with its reason.
#[uniffi::export]
pub fn signed_event_from_json(line: Vec<u8>) -> Result<SignedEvent> {
    core::line::read_line_alone(line)
        .map(|e| SignedEvent::from(&e))
        .map_err(|f| ProvedexError::chain(f.reason, f.to_string()))
}

/// Checks one event on its own: its self_hash and its strict Ed25519 signature.
#[uniffi::export]
pub fn verify_signed_event(event: SignedEvent) -> Result<()> {
    let event = core::SignedEvent::try_from(event)?;
    core::check_seal(&event).map_err(|f| ProvedexError::chain(f.reason, format!("seq {}: {f}", event.seq)))
}

/// Verifies events in memory as the lines of one ledger. A broken chain is a
/// report, not an error; only a malformed pinned key or event is an error.
#[uniffi::export]
pub fn verify_chain(events: Vec<SignedEvent>, pinned_pubkey: Option<String>) -> Result<ChainReport> {
    verify_chain_with(events, pinned_only(pinned_pubkey))
}

/// [`verify_chain`] with the pins and checks of `options`.
#[uniffi::export]
pub fn verify_chain_with(events: Vec<SignedEvent>, options: VerifyOptions) -> Result<ChainReport> {
    let events: Vec<core::SignedEvent> = events.into_iter().map(core::SignedEvent::try_from).collect::<Result<_>>()?;
    Ok(verifier(options)?.events(&events).into())
}

/// Verifies a ledger file, streaming. A missing or unreadable file is a `Ledger` error.
#[uniffi::export]
pub fn verify_file(path: FsPath, pinned_pubkey: Option<String>) -> Result<ChainReport> {
    verify_file_with(path, pinned_only(pinned_pubkey))
}

/// [`verify_file`] with the pins and checks of `options`.
#[uniffi::export]
pub fn verify_file_with(path: FsPath, options: VerifyOptions) -> Result<ChainReport> {
    Ok(verifier(options)?.file(path.0)?.into())
}

/// What [`recover`] did to a ledger.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum RecoverOutcome {
    /// The ledger had no torn final line; nothing was changed. `report` is its verification.
    NothingToRecover {
        /// The verification of the unchanged ledger.
        report: ChainReport,
    },
    /// The torn final line was copied to `backup` and cut off the ledger.
    Truncated {
        /// Where the removed line began: the ledger's new length.
        offset: u64,
        /// How many bytes were removed (and saved).
        removed_bytes: u64,
        /// The file beside the ledger holding the removed bytes.
        backup: FsPath,
        /// The verification of the ledger after the cut.
        report: ChainReport,
    },
}

impl From<core::RecoverOutcome> for RecoverOutcome {
    fn from(outcome: core::RecoverOutcome) -> Self {
        match outcome {
            core::RecoverOutcome::NothingToRecover(report) => {
                RecoverOutcome::NothingToRecover { report: report.into() }
            }
            core::RecoverOutcome::Truncated { offset, removed_bytes, backup, report } => {
                RecoverOutcome::Truncated { offset, removed_bytes, backup: FsPath(backup), report: report.into() }
            }
        }
    }
}

/// Removes a torn final line from the ledger at `path` (what a `torn_tail`
/// error asks for), after copying it to `<file name>.torn-<offset>` beside
/// the ledger; the same as the `provedex recover` command. Any other damage,
/// or a writer holding the lock, is a `Ledger` error and nothing changes.
#[uniffi::export]
pub fn recover(path: FsPath) -> Result<RecoverOutcome> {
    Ok(core::recover(path.0)?.into())
}

/// The deepest nesting a JSON value may have (arrays and objects; `[]` is
/// depth 1): deeper text is refused with code `nesting_too_deep`.
#[uniffi::export]
pub fn max_json_depth() -> u32 {
    canonical::MAX_DEPTH as u32
}

/// The deepest nesting a free JSON object in a payload (`ToolCalled.args_redacted`)
/// may have, the object itself counting as depth 1: what still fits within
/// [`max_json_depth`] once the line, the event and the payload enclose it.
#[uniffi::export]
pub fn max_free_json_depth() -> u32 {
    core::event::MAX_FREE_JSON_DEPTH as u32
}

/// The canonical JSON text of a free JSON object.
pub(crate) fn object_to_json(map: &Map) -> String {
    Value::Object(map.clone()).to_string()
}

/// The refusal of an event member read on its way into the core, worded as
/// the core words an invalid event it is asked to seal.
pub(crate) fn invalid_member(event_type: &str, e: core::EventError) -> ProvedexError {
    ProvedexError::signing(e.reason, format!("invalid {event_type} event: {e}"))
}

/// Reads a free JSON object member from its text.
pub(crate) fn json_to_object(path: &str, text: &str) -> Result<Map> {
    match canonical::parse(text.as_bytes()) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(ProvedexError::signing(
            Reason::WrongType,
            format!("{path}: must be a JSON object, found {}", other.type_name()),
        )),
        Err(e) => Err(ProvedexError::signing(e.kind.into(), format!("{path}: not valid JSON: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_durability_is_the_cores() {
        assert_eq!(core::Durability::from(Durability::default()), core::Durability::default());
    }
}
