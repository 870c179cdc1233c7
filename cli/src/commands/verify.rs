//! `provedex verify`: the report on a ledger, for people or as JSON.

use std::io::{BufReader, IsTerminal};

use provedex_core::{PublicKeyBytes, SignedCheckpoint, Verifier};

use super::{ReadLedgerArg, public_key_arg};
use crate::input::file_or_stdin;
use crate::paths::{LedgerSource, ledger_source};
use crate::{CliError, CliResult, out, render};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    ledger: ReadLedgerArg,
    /// The ledger's first key (64 hex, or a public key file: hex or PEM), its trust root: the lines before the first rotation
    /// must be signed by it, and each rotation by the key before it
    #[arg(long, value_name = "HEX|FILE")]
    pubkey: Option<String>,
    /// The key expected to sign the ledger's tail (64 hex or a public key file): its current key when it ends
    #[arg(long, value_name = "HEX|FILE")]
    current_pubkey: Option<String>,
    /// A signed checkpoint kept apart from the ledger (`provedex checkpoint`): the ledger must still
    /// hold every line it vouched for, unchanged (a cut or a replaced line is a finding)
    #[arg(long, value_name = "FILE")]
    checkpoint: Option<String>,
    /// List the tool calls whose tool is outside the toolset pinned at that point; exit 1 when there are any
    #[arg(long)]
    check_tools: bool,
    /// Print the report as one JSON object
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> CliResult {
    let (source, json) = (ledger_source(args.ledger.ledger, "verify")?, args.json);
    let pinned_pubkey = pubkey_arg("--pubkey", args.pubkey.as_deref())?;
    let pinned_current_pubkey = pubkey_arg("--current-pubkey", args.current_pubkey.as_deref())?;
    let checkpoint = args.checkpoint.as_deref().map(checkpoint_arg).transpose()?;
    let verifier = || {
        Verifier::new()
            .pinned_pubkey(pinned_pubkey)
            .pinned_current_pubkey(pinned_current_pubkey)
            .check_tool_calls(args.check_tools)
            .checkpoint(checkpoint.clone())
    };
    let (report, path) = match source {
        LedgerSource::Stdin => {
            let stdin = BufReader::with_capacity(1 << 16, std::io::stdin().lock());
            let report = verifier().reader(stdin).map_err(|e| CliError::usage(format!("cannot read stdin: {e}")))?;
            (report, None)
        }
        LedgerSource::File(path) => {
            // For people watching a terminal only: nothing extra when stderr is
            // piped or with --json. The size comes from stat, which never waits.
            let mut progress = (!json && std::io::stderr().is_terminal())
                .then(|| std::fs::metadata(&path).ok())
                .flatten()
                .map(|metadata| render::ProgressLine::new(metadata.len()));
            let report = verifier()
                .on_event(|_, so_far| {
                    if let Some(line) = &mut progress {
                        line.update(so_far);
                    }
                })
                .file(&path)?;
            drop(progress);
            (report, Some(path))
        }
    };
    if json {
        out::out(format!("{}\n", serde_json::to_string(&report).expect("a report serialises")));
    } else {
        out::out(render::report(path.as_deref(), &report));
    }
    Ok(render::exit_code(&report))
}

/// `--checkpoint FILE`: a signed checkpoint, read before the ledger; one
/// that is not a signed checkpoint is an input error, not a finding.
pub fn checkpoint_arg(arg: &str) -> Result<SignedCheckpoint, CliError> {
    if arg == "-" {
        return Err(CliError::usage("--checkpoint names a file; stdin may hold the ledger"));
    }
    let (bytes, source) = file_or_stdin(arg, "verify --checkpoint")?;
    SignedCheckpoint::parse(&bytes)
        .map_err(|finding| CliError::usage(format!("{source} is not a signed checkpoint: {}", finding.message)))
}

/// An optional key option ([`public_key_arg`]).
pub fn pubkey_arg(option: &str, arg: Option<&str>) -> Result<Option<PublicKeyBytes>, CliError> {
    arg.map(|arg| public_key_arg(option, arg)).transpose()
}
