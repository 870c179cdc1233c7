//! `provedex recover`: remove a torn final line, keeping a copy; refuse any other damage.

use provedex_core::{Error, LedgerErrorKind, RecoverOutcome, recover};

use super::LedgerArg;
use crate::paths::ledger_path;
use crate::render::path_text;
use crate::{CliError, CliResult, EXIT_BROKEN, out, render};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    ledger: LedgerArg,
}

pub fn run(args: Args) -> CliResult {
    let ledger = ledger_path(args.ledger.ledger, "recover")?;
    match recover(&ledger) {
        Ok(RecoverOutcome::NothingToRecover(report)) => {
            out::out(format!(
                "nothing to recover: {} has no torn final line\n{}",
                path_text(&ledger),
                render::report(Some(&ledger), &report)
            ));
            Ok(render::exit_code(&report))
        }
        Ok(RecoverOutcome::Truncated { offset, removed_bytes, backup, report }) => {
            out::out(format!(
                "removed a torn final line of {removed_bytes} bytes at byte {offset}; saved it to {}\n{}",
                path_text(&backup),
                render::report(Some(&ledger), &report)
            ));
            Ok(render::exit_code(&report))
        }
        Err(e @ Error::Ledger { kind: LedgerErrorKind::Broken, .. }) => {
            Err(CliError { code: EXIT_BROKEN, message: e.to_string() })
        }
        Err(e) => Err(e.into()),
    }
}
