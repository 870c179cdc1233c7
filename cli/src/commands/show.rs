//! `provedex show`: a ledger's events as a table, then the verdict. Lines a
//! later `Redacted` line soft-forgets are left out unless asked for; since
//! a redaction follows its target, the ledger is read twice: once to find
//! the redactions, once to list.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufReader, Seek};
use std::path::Path;

use provedex_core::{AgentEvent, ChainReport, Progress, SignedEvent, Verifier};

use super::ReadLedgerArg;
use crate::paths::{LedgerSource, ledger_source};
use crate::{CliError, CliResult, out, render};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    ledger: ReadLedgerArg,
    /// List the lines that redactions soft-forget too, each marked with the redaction's seq
    #[arg(long)]
    include_redacted: bool,
}

/// Where the listing reads from: a file by path, or stdin spooled to an
/// unnamed temporary file so that it can be read twice.
enum Input<'a> {
    Path(&'a Path),
    Spooled(File),
}

impl Input<'_> {
    /// Verifies the ledger, handing each good line to `on_event`.
    fn verify(&mut self, on_event: impl FnMut(&SignedEvent, Progress)) -> Result<ChainReport, CliError> {
        match self {
            Input::Path(path) => Ok(Verifier::new().on_event(on_event).file(path)?),
            Input::Spooled(file) => {
                file.rewind().map_err(|e| CliError::usage(format!("cannot reread stdin's copy: {e}")))?;
                Verifier::new()
                    .on_event(on_event)
                    .reader(BufReader::with_capacity(1 << 16, &*file))
                    .map_err(|e| CliError::usage(format!("cannot read stdin's copy: {e}")))
            }
        }
    }
}

pub fn run(args: Args) -> CliResult {
    let source = ledger_source(args.ledger.ledger, "show")?;
    let (mut input, path) = match &source {
        LedgerSource::File(path) => (Input::Path(path), Some(path.as_path())),
        LedgerSource::Stdin => (Input::Spooled(spool_stdin()?), None),
    };
    // Each redacted seq, with the seq of its first redaction (only good lines count).
    let mut redacted: BTreeMap<u64, u64> = BTreeMap::new();
    input.verify(|event, _| {
        if let AgentEvent::Redacted(redaction) = &event.event {
            redacted.entry(redaction.target_seq).or_insert(event.seq);
        }
    })?;
    let mut stdout = std::io::stdout().lock();
    let mut hidden = Vec::new();
    out::write_or_exit(&mut stdout, format!("{}\n", render::LISTING_HEADER));
    let report = input.verify(|event, _| match redacted.get(&event.seq) {
        None => out::write_or_exit(&mut stdout, format!("{}\n", render::listing_row(event))),
        Some(by) if args.include_redacted => {
            out::write_or_exit(&mut stdout, format!("{}  [redacted by seq {by}]\n", render::listing_row(event)))
        }
        Some(_) => hidden.push(event.seq),
    })?;
    if !hidden.is_empty() {
        let seqs: Vec<String> = hidden.iter().map(u64::to_string).collect();
        let plural = if hidden.len() == 1 { "line" } else { "lines" };
        out::write_or_exit(
            &mut stdout,
            format!(
                "\n{} redacted {plural} not listed (seq {}); --include-redacted lists them\n",
                hidden.len(),
                seqs.join(", ")
            ),
        );
    }
    out::write_or_exit(&mut stdout, format!("\n{}", render::report(path, &report)));
    Ok(render::exit_code(&report))
}

/// Copies stdin to an unnamed temporary file (gone when closed).
fn spool_stdin() -> Result<File, CliError> {
    let mut file = tempfile::tempfile().map_err(|e| CliError::usage(format!("cannot create a temporary file: {e}")))?;
    io::copy(&mut io::stdin().lock(), &mut file).map_err(|e| CliError::usage(format!("cannot read stdin: {e}")))?;
    Ok(file)
}
