//! `provedex toolset`: hash a tool manifest, pin it in a ledger, and check
//! a manifest against the ledger's last pin (spec/toolsets.md).

use std::process::ExitCode;

use provedex_core::toolset::Toolset;
use provedex_core::{Durability, check_toolset};

use super::record::open_session;
use super::verify::pubkey_arg;
use super::{KeyArg, LedgerArg, load_existing_key};
use crate::input::file_or_stdin;
use crate::paths::{key_path, ledger_path};
use crate::render::{drift_text, toolset_text};
use crate::{CliError, CliResult, EXIT_BROKEN, out};

#[derive(clap::Subcommand)]
pub enum Command {
    /// Print the toolset hash of a manifest and each tool's digest
    Hash(ManifestArgs),
    /// Record a ToolsetPinned line for a manifest in the ledger
    Pin(PinArgs),
    /// Compare a manifest with the ledger's last pin: exit 0 when it matches, 1 naming the tools that drifted
    Check(CheckArgs),
}

#[derive(clap::Args)]
pub struct ManifestArgs {
    /// The manifest: a JSON array of tool definitions (or {"tools": [...]}), or - for stdin
    #[arg(value_name = "MANIFEST|-")]
    manifest: String,
    /// Print the result as one JSON object
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct PinArgs {
    #[command(flatten)]
    manifest: ManifestArgs,
    #[command(flatten)]
    key: KeyArg,
    #[command(flatten)]
    ledger: LedgerArg,
}

#[derive(clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    manifest: ManifestArgs,
    #[command(flatten)]
    ledger: LedgerArg,
    /// The ledger's first key (64 hex or a public key file), its trust root: the pin counts only if the chain verifies from it
    #[arg(long, value_name = "HEX|FILE")]
    pubkey: Option<String>,
}

pub fn run(command: Command) -> CliResult {
    match command {
        Command::Hash(args) => {
            let toolset = read_toolset(&args, "toolset hash")?;
            if args.json {
                out::out(format!("{}\n", serde_json::to_string(&toolset).expect("a toolset serialises")));
            } else {
                out::out(toolset_text(&toolset));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Pin(args) => {
            let toolset = read_toolset(&args.manifest, "toolset pin")?;
            let (key, ledger) = (key_path(args.key.key)?, ledger_path(args.ledger.ledger, "toolset pin")?);
            let key = load_existing_key(&key)?;
            let session = open_session(&key, &ledger, Durability::EveryEvent, None)?;
            let signed = session.pin_toolset(&toolset)?;
            session.close()?;
            out::out(format!("{}\n", signed.to_json()));
            Ok(ExitCode::SUCCESS)
        }
        Command::Check(args) => {
            let toolset = read_toolset(&args.manifest, "toolset check")?;
            let ledger = ledger_path(args.ledger.ledger, "toolset check")?;
            let pinned_pubkey = pubkey_arg("--pubkey", args.pubkey.as_deref())?;
            let check = check_toolset(&ledger, pinned_pubkey, &toolset)?;
            if args.manifest.json {
                let report = serde_json::json!({
                    "matches": check.drift.is_empty(),
                    "pinned_at": check.pinned_at,
                    "pinned_sha256": check.pinned_sha256,
                    "current_sha256": toolset.toolset_sha256,
                    "drift": check.drift,
                });
                out::out(format!("{report}\n"));
            } else if check.drift.is_empty() {
                out::out(format!("the toolset matches the pin at seq {} ({})\n", check.pinned_at, check.pinned_sha256));
            } else {
                out::out(format!(
                    "Toolset drift detected! Expected {} (pinned at seq {}), got {}\n{}",
                    check.pinned_sha256,
                    check.pinned_at,
                    toolset.toolset_sha256,
                    drift_text(&check.drift)
                ));
            }
            Ok(if check.drift.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(EXIT_BROKEN) })
        }
    }
}

fn read_toolset(args: &ManifestArgs, command: &str) -> Result<Toolset, CliError> {
    let (bytes, source) = file_or_stdin(&args.manifest, command)?;
    Toolset::from_manifest(&bytes).map_err(|e| CliError::usage(format!("{source}: {e}")))
}
