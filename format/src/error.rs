//! The one error type of the Provedex crates, defined here so that every
//! crate above this one returns it. Its four kinds map one to one to the
//! bindings' exceptions (`KeyLoadError`, `SigningError`, `LedgerError`,
//! `ChainError`).

use std::path::Path;

use crate::reason::Reason;

/// Everything that can go wrong in Provedex, by kind.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A key file cannot be read, written or trusted.
    #[error("{0}")]
    KeyLoad(String),
    /// An event cannot be sealed: it does not conform to the spec, or its
    /// line would be too long. `reason` is the code a verifier would report.
    #[error("{message}")]
    Signing {
        /// The reason code a verifier would report.
        reason: Reason,
        /// What is wrong and where, for people.
        message: String,
    },
    /// A ledger cannot be opened, appended to, resumed or recovered.
    #[error("{message}")]
    Ledger {
        /// What kind of problem, for programs.
        kind: LedgerErrorKind,
        /// What failed, with the path and the next step, for people.
        message: String,
    },
    /// A signed event or line is not valid on its own; `reason` says why.
    #[error("{message}")]
    Chain {
        /// The verification reason code.
        reason: Reason,
        /// Where and why, for people.
        message: String,
    },
}

/// What kind of ledger problem an [`Error::Ledger`] is, for callers that react differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LedgerErrorKind {
    /// Reading, writing or syncing the file failed.
    Io,
    /// Another writer holds the ledger's lock.
    Locked,
    /// The ledger ends in a torn (unterminated) line; `recover` can remove it.
    TornTail,
    /// The ledger's last line does not verify, or the ledger is damaged in a way `recover` must not touch.
    Broken,
    /// The ledger was signed by another key than the one opening it.
    ForeignKey,
    /// An earlier write or fsync failed, so the file's state is unknown and the session refuses to go on.
    Poisoned,
    /// The file is not a ledger (such as a directory) or the ledger is full (seq would overflow).
    Unusable,
    /// The session was opened in another process: a `fork()` copied it, with
    /// its chain state and lock, into this one. Open a new session here.
    Forked,
    /// The session was closed; its lock is released.
    Closed,
    /// The ledger pins no toolset to compare a manifest with (spec/toolsets.md, "Drift").
    NoToolset,
    /// A seq or tree size beyond the ledger's good lines, or a checkpoint of an empty ledger.
    OutOfRange,
}

impl LedgerErrorKind {
    /// The kind's stable snake_case name, as the bindings expose it.
    pub fn code(self) -> &'static str {
        match self {
            LedgerErrorKind::Io => "io",
            LedgerErrorKind::Locked => "locked",
            LedgerErrorKind::TornTail => "torn_tail",
            LedgerErrorKind::Broken => "broken",
            LedgerErrorKind::ForeignKey => "foreign_key",
            LedgerErrorKind::Poisoned => "poisoned",
            LedgerErrorKind::Unusable => "unusable",
            LedgerErrorKind::Forked => "forked",
            LedgerErrorKind::NoToolset => "no_toolset",
            LedgerErrorKind::OutOfRange => "out_of_range",
            LedgerErrorKind::Closed => "closed",
        }
    }
}

impl Error {
    /// A stable code for programs that react to the error: the reason code of
    /// spec/verification.md for `Signing` and `Chain`, the kind for `Ledger`,
    /// none for `KeyLoad`.
    pub fn code(&self) -> Option<&'static str> {
        match self {
            Error::KeyLoad(_) => None,
            Error::Signing { reason, .. } | Error::Chain { reason, .. } => Some(reason.code()),
            Error::Ledger { kind, .. } => Some(kind.code()),
        }
    }

    /// An [`Error::Signing`].
    pub fn signing(reason: Reason, message: impl Into<String>) -> Self {
        Error::Signing { reason, message: message.into() }
    }

    /// An [`Error::Ledger`].
    pub fn ledger(kind: LedgerErrorKind, message: impl Into<String>) -> Self {
        Error::Ledger { kind, message: message.into() }
    }

    /// An [`Error::Ledger`] of kind [`LedgerErrorKind::Io`]: `action` on `path` failed.
    pub fn ledger_io(path: &Path, action: &str, e: std::io::Error) -> Self {
        Error::ledger(LedgerErrorKind::Io, format!("{}: cannot {action}: {e}", path.display()))
    }
}

/// The Provedex crates' result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
