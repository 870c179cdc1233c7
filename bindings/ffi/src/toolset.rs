//! Toolsets (spec/toolsets.md): a manifest's toolset hash, pinning it in a
//! ledger, and the drift of a manifest from a ledger's last pin.
//!
//! A manifest crosses as its JSON text. One that is not a toolset (not
//! strict JSON, not a list of tool definitions in an accepted shape, a
//! member the shape lacks, a name given twice) is a `Signing` error with
//! code `invalid_manifest`: like an event that cannot be sealed, it cannot
//! be hashed or pinned, and its detail names the tool and the member.

use provedex_core::{self as core, toolset::ManifestError};

use crate::{FsPath, PinnedTool, ProvedexError, Result, Session, SignedEvent, optional_pubkey};

/// The code of a manifest that is not a toolset.
const INVALID_MANIFEST: &str = "invalid_manifest";

impl From<ManifestError> for ProvedexError {
    fn from(e: ManifestError) -> Self {
        ProvedexError::Signing { code: INVALID_MANIFEST.to_owned(), detail: e.to_string() }
    }
}

/// A toolset: the tools and toolset hash a `ToolsetPinned` line carries.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Toolset {
    /// Each tool's name and digest, sorted by the UTF-8 bytes of the names.
    pub tools: Vec<PinnedTool>,
    /// The toolset hash, as hex.
    pub toolset_sha256: String,
}

impl From<&core::toolset::Toolset> for Toolset {
    fn from(toolset: &core::toolset::Toolset) -> Self {
        Toolset {
            tools: toolset.tools.iter().map(PinnedTool::from).collect(),
            toolset_sha256: toolset.toolset_sha256.to_hex(),
        }
    }
}

/// A tool of both toolsets whose definition changed.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ChangedTool {
    /// The tool's name.
    pub name: String,
    /// Its digest in the pin, as hex.
    pub pinned_sha256: String,
    /// Its digest in the manifest, as hex.
    pub current_sha256: String,
}

/// How a manifest compares with a ledger's last pin. Each list is sorted by name.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ToolsetCheck {
    /// The seq of the ledger's last `ToolsetPinned` line.
    pub pinned_at: u64,
    /// Its toolset hash, as hex.
    pub pinned_sha256: String,
    /// Whether the manifest's toolset is the pinned one: no tool added, removed or changed.
    pub matches: bool,
    /// Tools of the manifest that the pin does not name.
    pub added: Vec<PinnedTool>,
    /// Tools of the pin that the manifest does not name.
    pub removed: Vec<PinnedTool>,
    /// Tools of both whose digests differ.
    pub changed: Vec<ChangedTool>,
}

/// The toolset of a manifest (its JSON text): each tool's digest and the toolset hash.
#[uniffi::export]
pub fn toolset_hash(manifest: String) -> Result<Toolset> {
    Ok(Toolset::from(&core::toolset::Toolset::from_manifest(manifest.as_bytes())?))
}

/// Compares a manifest with the last toolset pinned in the ledger at
/// `ledger_path`. The ledger must verify in full, under `pinned_pubkey`
/// (hex) when given: otherwise a `Ledger` error `broken`. A ledger that pins
/// no toolset is a `Ledger` error `no_toolset`. Drift is the result, not an error.
#[uniffi::export]
pub fn check_toolset(ledger_path: FsPath, pinned_pubkey: Option<String>, manifest: String) -> Result<ToolsetCheck> {
    let current = core::toolset::Toolset::from_manifest(manifest.as_bytes())?;
    let pinned_pubkey = optional_pubkey("pinned public key", pinned_pubkey)?;
    let check = core::check_toolset(ledger_path.0, pinned_pubkey, &current)?;
    let drift = check.drift;
    Ok(ToolsetCheck {
        pinned_at: check.pinned_at,
        pinned_sha256: check.pinned_sha256.to_hex(),
        matches: drift.is_empty(),
        added: drift.added.iter().map(PinnedTool::from).collect(),
        removed: drift.removed.iter().map(PinnedTool::from).collect(),
        changed: drift
            .changed
            .into_iter()
            .map(|c| ChangedTool { name: c.name, pinned_sha256: c.pinned.to_hex(), current_sha256: c.current.to_hex() })
            .collect(),
    })
}

#[uniffi::export]
impl Session {
    /// Appends a `ToolsetPinned` line for the manifest (its JSON text): from
    /// this line on, the agent's tools are these ([`check_toolset`] compares
    /// a manifest with the last pin).
    pub fn pin_toolset(&self, manifest: String) -> Result<SignedEvent> {
        let toolset = core::toolset::Toolset::from_manifest(manifest.as_bytes())?;
        Ok(SignedEvent::from(&self.0.pin_toolset(&toolset)?))
    }
}
