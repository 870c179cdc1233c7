//! What a verification yields: the report, and the progress a streaming
//! verification announces line by line.

use provedex_format::Reason;
use provedex_format::hex::{ChainHash, PublicKeyBytes};
use serde::{Deserialize, Serialize};

/// How far a streaming verification has got, after a line that verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// Lines verified so far.
    pub events: u64,
    /// Bytes those lines fill, LFs included: where the next line starts.
    pub bytes: u64,
}

impl Progress {
    /// `events` lines verified, filling `bytes` bytes.
    pub fn new(events: u64, bytes: u64) -> Self {
        Progress { events, bytes }
    }
}

/// The verdict on a ledger: where it breaks and why, or that it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ChainReport {
    /// Whether the whole ledger verified.
    pub ok: bool,
    /// Lines that verified before the first finding (all of them when `ok`).
    pub event_count: u64,
    /// The seq the failing line should have had; null when `ok`.
    pub broken_at: Option<u64>,
    /// 1-based line number of the failing line; null when `ok` or not read from a file.
    pub line: Option<u64>,
    /// The reason code of the finding; null when `ok`.
    pub reason: Option<Reason>,
    /// Says where and why, for people.
    pub message: String,
    /// self_hash of the last good line; null when there is none.
    pub root_hash: Option<ChainHash>,
    /// Distinct signers of the good lines, in order of first appearance.
    pub signers: Vec<PublicKeyBytes>,
    /// The key history: each key that became current, in order; empty when
    /// there is no good line.
    pub keys: Vec<KeyEntry>,
    /// The good `ToolCalled` lines whose tool the toolset pinned before
    /// them does not name, in file order; present only when tool calls
    /// were checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unpinned_tool_calls: Option<Vec<UnpinnedToolCall>>,
}

/// One key of a ledger's history: the good lines it signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct KeyEntry {
    /// The key.
    pub pubkey: PublicKeyBytes,
    /// The seq of the first line it signs: 0, or a rotation's seq + 1.
    pub from_seq: u64,
    /// The seq of the last good line it signed; null when it has signed
    /// none (a rotation to it is the last good line).
    pub to_seq: Option<u64>,
}

/// The key current at `size` lines of a key history: the one that signs the
/// line with seq `size` (spec/transparency.md, "Checkpoints"). `None` when
/// the history starts after `size` or is empty.
pub fn key_at(keys: &[KeyEntry], size: u64) -> Option<PublicKeyBytes> {
    keys.iter().rev().find(|entry| entry.from_seq <= size).map(|entry| entry.pubkey)
}

/// A good `ToolCalled` line whose tool is outside the toolset pinned before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct UnpinnedToolCall {
    /// The line's seq.
    pub seq: u64,
    /// The tool it names.
    pub tool_name: String,
}
