//! One module per `provedex` subcommand: each holds its arguments (a clap
//! `Args` struct) and its `run`. What several commands share (the key and
//! ledger options, loading an existing key, reading an event) is here;
//! writing to the terminal and escaping untrusted text are in `out` and
//! `render`.

pub mod anchor;
pub mod canonicalize;
pub mod checkpoint;
pub mod config;
pub mod demo;
pub mod export;
pub mod key;
pub mod keygen;
pub mod prove;
pub mod pubkey;
pub mod record;
pub mod recover;
pub mod redact;
pub mod rotate_key;
pub mod show;
pub mod sign_event;
pub mod toolset;
pub mod verify;
pub mod verify_bundle;

use std::path::{Path, PathBuf};

use provedex_core::display::shell_word;
use provedex_core::{AgentEvent, Error, KeyFile, PublicKeyBytes, SigningKeypair, load_public_key};

use crate::input::inline_or_stdin;
use crate::render::path_text;
use crate::{CliError, EXIT_BROKEN};

#[derive(clap::Args)]
pub struct KeyArg {
    /// Key file (32 raw bytes or PEM PKCS#8, mode 0600) [env: PROVEDEX_KEY] [default: ~/.provedex/keys/ed25519.key]
    #[arg(long, value_name = "PATH")]
    pub key: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct LedgerArg {
    /// Ledger file (NDJSON) [env: PROVEDEX_LEDGER] [default: ~/.provedex/ledger.ndjson]
    #[arg(long, value_name = "PATH")]
    pub ledger: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct ReadLedgerArg {
    /// Ledger file (NDJSON), or - to read the ledger from stdin as a stream
    /// [env: PROVEDEX_LEDGER] [default: ~/.provedex/ledger.ndjson]
    #[arg(long, value_name = "PATH|-")]
    pub ledger: Option<PathBuf>,
}

pub fn load_existing_key(path: &Path) -> Result<SigningKeypair, CliError> {
    if !path.exists() {
        return Err(CliError::usage(format!(
            "no key at {}; create one with `provedex keygen --key {}`",
            path_text(path),
            shell_word(path)
        )));
    }
    Ok(SigningKeypair::load(path)?)
}

/// A public key given on the command line: the path of a public key file
/// (hex or PEM, spec/keys.md), else 64 hex characters. An argument that
/// names no file is read as hex unless it looks like a path (a `/` or a
/// `.` in it), so a mistyped key and a missing file each get their own error.
pub fn public_key_arg(option: &str, arg: &str) -> Result<PublicKeyBytes, CliError> {
    let path = Path::new(arg);
    if path.exists() || arg.contains(['/', '.']) {
        return Ok(load_public_key(path)?);
    }
    PublicKeyBytes::from_hex(arg)
        .map_err(|why| CliError::usage(format!("{option} {why}, and names no public key file")))
}

pub fn parse_event(arg: &str) -> Result<AgentEvent, CliError> {
    let (text, source) = inline_or_stdin(arg)?;
    AgentEvent::from_json(&text).map_err(|e| CliError::usage(format!("{source}: {e}")))
}

/// An error of an operation over a ledger: a finding in the ledger (it does
/// not verify, or was cut or rewritten since a checkpoint) ends with exit 1,
/// as `verify` does; anything else as any error.
pub fn over_ledger(e: Error) -> CliError {
    match e {
        Error::Chain { message, .. } => CliError { code: EXIT_BROKEN, message },
        other => other.into(),
    }
}
