//! `provedex show`: a ledger's events as a table, then the verdict.

use std::io::BufReader;

use provedex_core::{Progress, SignedEvent, Verifier};

use super::ReadLedgerArg;
use crate::paths::{LedgerSource, ledger_source};
use crate::{CliError, CliResult, out, render};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    ledger: ReadLedgerArg,
}

pub fn run(args: Args) -> CliResult {
    let source = ledger_source(args.ledger.ledger, "show")?;
    let mut stdout = std::io::stdout().lock();
    let mut header_shown = false;
    // Nothing reaches stdout before the ledger is open: the header comes with the first event.
    let mut list = |event: &SignedEvent, _: Progress| {
        if !header_shown {
            out::write_or_exit(&mut stdout, format!("{}\n", render::LISTING_HEADER));
            header_shown = true;
        }
        out::write_or_exit(&mut stdout, format!("{}\n", render::listing_row(event)));
    };
    let (report, path) = match source {
        LedgerSource::File(path) => (Verifier::new().on_event(&mut list).file(&path)?, Some(path)),
        LedgerSource::Stdin => {
            let stdin = BufReader::with_capacity(1 << 16, std::io::stdin().lock());
            let report = Verifier::new()
                .on_event(&mut list)
                .reader(stdin)
                .map_err(|e| CliError::usage(format!("cannot read stdin: {e}")))?;
            (report, None)
        }
    };
    if !header_shown {
        out::write_or_exit(&mut stdout, format!("{}\n", render::LISTING_HEADER));
    }
    out::write_or_exit(&mut stdout, format!("\n{}", render::report(path.as_deref(), &report)));
    Ok(render::exit_code(&report))
}
