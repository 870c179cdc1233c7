//! `provedex verify`: the report on a ledger, for people or as JSON.

use std::io::{BufReader, IsTerminal};

use provedex_core::{PublicKeyBytes, Verifier};

use super::ReadLedgerArg;
use crate::paths::{LedgerSource, ledger_source};
use crate::{CliError, CliResult, out, render};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    ledger: ReadLedgerArg,
    /// Require every line to be signed by this public key (64 hex)
    #[arg(long, value_name = "HEX")]
    pubkey: Option<String>,
    /// Print the report as one JSON object
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> CliResult {
    let (source, json) = (ledger_source(args.ledger.ledger, "verify")?, args.json);
    let pinned_pubkey = args
        .pubkey
        .as_deref()
        .map(|hex| PublicKeyBytes::from_hex(hex).map_err(|why| CliError::usage(format!("--pubkey {why}"))))
        .transpose()?;
    let (report, path) = match source {
        LedgerSource::Stdin => {
            let stdin = BufReader::with_capacity(1 << 16, std::io::stdin().lock());
            let report = Verifier::new()
                .pinned_pubkey(pinned_pubkey)
                .reader(stdin)
                .map_err(|e| CliError::usage(format!("cannot read stdin: {e}")))?;
            (report, None)
        }
        LedgerSource::File(path) => {
            // For people watching a terminal only: nothing extra when stderr is
            // piped or with --json. The size comes from stat, which never waits.
            let mut progress = (!json && std::io::stderr().is_terminal())
                .then(|| std::fs::metadata(&path).ok())
                .flatten()
                .map(|metadata| render::ProgressLine::new(metadata.len()));
            let report = Verifier::new()
                .pinned_pubkey(pinned_pubkey)
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
