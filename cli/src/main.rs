//! `provedex`: create keys, record and sign agent events, verify, list and
//! recover ledgers.
//!
//! Exit codes:
//!
//! - 0: success (for `verify`, `show` and `recover`: the ledger is valid);
//! - 1: the ledger is broken (or `verify-bundle`: the bundle; or `recover` refuses damage it must not repair,
//!   `toolset check` finds drift, `verify --check-tools` finds unpinned calls);
//! - 2: usage, input or I/O errors;
//! - 3: the ledger is locked by another writer: retry later (`record --wait
//!   SECONDS` retries by itself);
//! - 4: `verify-bundle`: the bundle holds together, but no key or
//!   fingerprint was pinned, so it proves nothing about who signed it;
//! - 141: stdout was closed by its reader (`provedex show | head -1`): the
//!   command stopped there, quietly, as one killed by SIGPIPE does.
//!
//! A refused command (invalid input, a missing key, a path that names a
//! directory, a locked or damaged ledger) changes nothing on disk: no key,
//! ledger or directory is created.

#![forbid(unsafe_code)]

mod commands;
mod input;
mod out;
mod paths;
mod render;
mod time;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use provedex_core::{Error, LedgerErrorKind};

use crate::commands::{
    anchor, canonicalize, checkpoint, config, demo, export, key, keygen, prove, pubkey, record, recover, redact,
    rotate_key, show, sign_event, toolset, verify, verify_bundle,
};
use crate::render::terminal_safe;

const EXIT_CODES: &str = "\
Exit codes:
  0    success (verify, show, recover: the ledger is valid)
  1    the ledger is broken (verify-bundle: the bundle; recover: damage it must not repair;
       toolset check: drift; verify --check-tools: tool calls outside the pinned toolset;
       checkpoint, prove, export: refused over a ledger that does not verify, or was cut or
       rewritten since a checkpoint)
  2    usage, input or I/O error
  3    the ledger is locked by another writer: retry later (record --wait SECONDS retries)
  4    verify-bundle: the bundle holds together, but no key or fingerprint was pinned
  5    anchor run: an anchor failed (recorded in the state file, retried with backoff)
  141  stdout was closed by its reader (show | head): stopped quietly

Environment:
  PROVEDEX_KEY     the key file when --key is not given
  PROVEDEX_LEDGER  the ledger file when --ledger is not given";

#[derive(Parser)]
#[command(
    name = "provedex",
    version,
    about = "Signed, hash-chained evidence of what AI agents did",
    after_help = EXIT_CODES
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a new signing key (refuses to overwrite one) and print its public key
    Keygen(keygen::Args),
    /// Print the public key of a key file
    Pubkey(pubkey::Args),
    /// Key manager: fingerprint, public key (hex or PEM), data signatures
    Key(key::Args),
    /// Append one event to the ledger (resuming its chain) and print the signed line
    #[command(after_help = EXIT_CODES)]
    Record(record::Args),
    /// Hand the ledger to a new key: a rotation line signed by the current key, proven by the new one
    #[command(after_help = EXIT_CODES)]
    RotateKey(rotate_key::Args),
    /// Soft-forget an earlier line: a signed redaction that `show` honours; the line stays and verifies
    #[command(after_help = EXIT_CODES)]
    Redact(redact::Args),
    /// Hash a tool manifest, pin it in the ledger, or check a manifest against the last pin
    #[command(subcommand)]
    Toolset(toolset::Command),
    /// Seal one event at a given position and print the signed line; touches no ledger
    SignEvent(sign_event::Args),
    /// Verify a ledger: exit 0 when valid, 1 when broken (the report says where and why)
    #[command(after_help = EXIT_CODES)]
    Verify(verify::Args),
    /// Sign a checkpoint of the ledger's tree (its size and root), to keep apart from the ledger
    #[command(after_help = EXIT_CODES)]
    Checkpoint(checkpoint::Args),
    /// Write a bundle of a range of lines (by time or seq), verifiable without the ledger
    #[command(after_help = EXIT_CODES)]
    Export(export::Args),
    /// Verify a bundle under the key or fingerprint you trust, and compute its proof level
    #[command(after_help = EXIT_CODES)]
    VerifyBundle(verify_bundle::Args),
    /// Publish signed anchor statements to timestamp authorities, logs, WORM stores and chains (provedex.toml)
    #[command(subcommand, after_help = EXIT_CODES)]
    Anchor(anchor::Command),
    /// Check the anchoring configuration file
    #[command(subcommand)]
    Config(config::Command),
    /// Print an inclusion or consistency proof of the ledger's tree as JSON
    #[command(subcommand)]
    Prove(prove::Command),
    /// Print the canonical JSON bytes of one JSON value
    Canonicalize(canonicalize::Args),
    /// List a ledger's events, then its verification verdict
    Show(show::Args),
    /// Remove a torn final line (kept in a backup beside the ledger); refuses any other damage
    Recover(recover::Args),
    /// Record, verify and tamper with a sample agent session in a fresh directory
    Demo(demo::Args),
}

/// Exit status 1: the ledger is broken.
pub const EXIT_BROKEN: u8 = 1;
/// Exit status 2: usage, input or I/O error.
pub const EXIT_USAGE: u8 = 2;
/// Exit status 3: another writer holds the ledger's lock.
pub const EXIT_LOCKED: u8 = 3;
/// Exit status 4: a bundle holds together, but no key was pinned, so it
/// proves nothing about who signed it.
pub const EXIT_UNPINNED: u8 = 4;
/// Exit status 5: an anchor failed (the failure is recorded and retried).
pub const EXIT_ANCHOR_FAILED: u8 = 5;

/// A failure to report on stderr, with the exit code to end with.
pub struct CliError {
    pub code: u8,
    pub message: String,
}

impl CliError {
    pub fn usage(message: impl Into<String>) -> Self {
        CliError { code: EXIT_USAGE, message: message.into() }
    }
}

impl From<Error> for CliError {
    fn from(e: Error) -> Self {
        let code = match e {
            Error::Ledger { kind: LedgerErrorKind::Locked, .. } => EXIT_LOCKED,
            _ => EXIT_USAGE,
        };
        CliError { code, message: e.to_string() }
    }
}

pub type CliResult = Result<ExitCode, CliError>;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => code,
        Err(e) => {
            out::err(format!("error: {}\n", terminal_safe(&e.message)));
            ExitCode::from(e.code)
        }
    }
}

fn run(command: Command) -> CliResult {
    match command {
        Command::Keygen(args) => keygen::run(args),
        Command::Pubkey(args) => pubkey::run(args),
        Command::Key(args) => key::run(args),
        Command::Record(args) => record::run(args),
        Command::RotateKey(args) => rotate_key::run(args),
        Command::Redact(args) => redact::run(args),
        Command::Toolset(command) => toolset::run(command),
        Command::SignEvent(args) => sign_event::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Checkpoint(args) => checkpoint::run(args),
        Command::Prove(command) => prove::run(command),
        Command::Export(args) => export::run(args),
        Command::VerifyBundle(args) => verify_bundle::run(args),
        Command::Anchor(command) => anchor::run(command),
        Command::Config(command) => config::run(command),
        Command::Canonicalize(args) => canonicalize::run(args),
        Command::Show(args) => show::run(args),
        Command::Recover(args) => recover::run(args),
        Command::Demo(args) => demo::run(args),
    }
}
