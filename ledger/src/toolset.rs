//! Toolset pinning on a ledger (spec/toolsets.md): a session pins the
//! toolset an agent may use, and a manifest is checked against the last pin
//! of a ledger that verifies.

use std::path::Path;

use provedex_format::display::shell_word;
use provedex_format::event::ToolsetPinned;
use provedex_format::toolset::{Drift, Toolset, drift};
use provedex_format::{AgentEvent, Error, LedgerErrorKind, PublicKeyBytes, Result, SignedEvent};
use provedex_verify::Verifier;

use crate::Session;

impl Session {
    /// Records a `ToolsetPinned` line for `toolset`: from this line on, the
    /// agent's tools are these ([`check_toolset`] compares a manifest with it).
    pub fn pin_toolset(&self, toolset: &Toolset) -> Result<SignedEvent> {
        self.record(&AgentEvent::ToolsetPinned(ToolsetPinned {
            toolset_sha256: toolset.toolset_sha256,
            tools: toolset.tools.clone(),
        }))
    }
}

/// How a current toolset compares with a ledger's last pin.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ToolsetCheck {
    /// The seq of the ledger's last `ToolsetPinned` line.
    pub pinned_at: u64,
    /// Its toolset hash.
    pub pinned_sha256: provedex_format::Digest,
    /// What changed since; empty when the toolsets match.
    pub drift: Drift,
}

/// Compares `current` with the last toolset pinned in the ledger at `path`,
/// which must verify in full (with `pinned_pubkey` as its trust root, when
/// given): a broken ledger's pin proves nothing. A ledger without a pin is
/// an error ([`LedgerErrorKind::NoToolset`]), not drift.
pub fn check_toolset(
    path: impl AsRef<Path>,
    pinned_pubkey: Option<PublicKeyBytes>,
    current: &Toolset,
) -> Result<ToolsetCheck> {
    let path = path.as_ref();
    let mut last_pin: Option<(u64, ToolsetPinned)> = None;
    let report = Verifier::new()
        .pinned_pubkey(pinned_pubkey)
        .on_event(|event, _| {
            if let AgentEvent::ToolsetPinned(pin) = &event.event {
                last_pin = Some((event.seq, pin.clone()));
            }
        })
        .file(path)?;
    if !report.ok {
        return Err(Error::ledger(
            LedgerErrorKind::Broken,
            format!(
                "{}: the ledger does not verify ({}), so its toolset pins prove nothing; `provedex verify --ledger {}` \
                 shows where it breaks",
                path.display(),
                report.message,
                shell_word(path)
            ),
        ));
    }
    let (pinned_at, pin) = last_pin.ok_or_else(|| {
        Error::ledger(
            LedgerErrorKind::NoToolset,
            format!(
                "{}: the ledger pins no toolset; pin one with `provedex toolset pin MANIFEST --ledger {}`",
                path.display(),
                shell_word(path)
            ),
        )
    })?;
    Ok(ToolsetCheck { pinned_at, pinned_sha256: pin.toolset_sha256, drift: drift(&pin.tools, &current.tools) })
}
