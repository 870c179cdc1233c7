//! Default key and ledger locations, below `~/.provedex/`.

use std::path::PathBuf;

use crate::CliError;

fn home() -> Result<PathBuf, CliError> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .ok_or_else(|| CliError::usage("HOME is not set; pass the path explicitly (--key / --ledger)"))
}

/// `--key`, else `$PROVEDEX_KEY` (clap reads it), else `~/.provedex/keys/ed25519.key`.
pub fn key_path(explicit: Option<PathBuf>) -> Result<PathBuf, CliError> {
    explicit.map(Ok).unwrap_or_else(|| Ok(home()?.join(".provedex/keys/ed25519.key")))
}

/// `--ledger`, else `$PROVEDEX_LEDGER`, else `~/.provedex/ledger.ndjson`.
pub fn ledger_path(explicit: Option<PathBuf>) -> Result<PathBuf, CliError> {
    explicit.map(Ok).unwrap_or_else(|| Ok(home()?.join(".provedex/ledger.ndjson")))
}
