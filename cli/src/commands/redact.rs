//! `provedex redact`: soft-forget an earlier line of a ledger.

use std::process::ExitCode;

use provedex_core::Durability;

use super::record::open_session;
use super::{KeyArg, LedgerArg, load_existing_key};
use crate::paths::{key_path, ledger_path};
use crate::{CliResult, out};

#[derive(clap::Args)]
pub struct Args {
    /// The seq of the line to forget
    #[arg(long, value_name = "N")]
    seq: u64,
    /// Why it is forgotten, recorded as given (such as user_request)
    #[arg(long, value_name = "TEXT")]
    reason: String,
    /// Who asked for it: a person, a role or a ticket
    #[arg(long, value_name = "WHO")]
    requested_by: String,
    #[command(flatten)]
    key: KeyArg,
    #[command(flatten)]
    ledger: LedgerArg,
}

pub fn run(args: Args) -> CliResult {
    let (key, ledger) = (key_path(args.key.key)?, ledger_path(args.ledger.ledger, "redact")?);
    let key = load_existing_key(&key)?;
    let session = open_session(&key, &ledger, Durability::EveryEvent, None)?;
    let signed = session.redact(args.seq, &args.reason, &args.requested_by)?;
    session.close()?;
    out::out(format!("{}\n", signed.to_json()));
    out::err(format!(
        "seq {} is now hidden from `provedex show` (`--include-redacted` shows it); the line stays in the ledger \
         and still verifies\n",
        args.seq
    ));
    Ok(ExitCode::SUCCESS)
}
