//! `provedex export`: a bundle of a range of the ledger's lines, for an
//! auditor to verify without the ledger (spec/bundles.md).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use provedex_core::{BundleCheckpoint, Selection, export_bundle};

use super::{KeyArg, LedgerArg, load_existing_key, over_ledger};
use crate::paths::{key_path, ledger_path};
use crate::render::path_text;
use crate::time::parse_rfc3339;
use crate::{CliError, CliResult, out};

#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("range").required(true).multiple(true)))]
pub struct Args {
    /// The ledger's current key, which signs the bundle's checkpoint (not with --checkpoint)
    #[command(flatten)]
    key: KeyArg,
    #[command(flatten)]
    ledger: LedgerArg,
    /// The earliest time (RFC 3339): from the first line at or after it
    #[arg(long, value_name = "RFC3339", group = "range", requires = "to", conflicts_with_all = ["from_seq", "to_seq"])]
    from: Option<String>,
    /// The latest time (RFC 3339): to the last line at or before it
    #[arg(long, value_name = "RFC3339", group = "range", requires = "from")]
    to: Option<String>,
    /// The first line's seq
    #[arg(long, value_name = "A", group = "range", requires = "to_seq")]
    from_seq: Option<u64>,
    /// The last line's seq (included)
    #[arg(long, value_name = "B", group = "range", requires = "from_seq")]
    to_seq: Option<u64>,
    /// Prove the lines against this checkpoint, signed earlier (kept apart, anchored), instead of signing a
    /// new one of every line; no key is needed
    #[arg(long, value_name = "FILE", conflicts_with = "anchored")]
    checkpoint: Option<String>,
    /// Prove the lines against the checkpoint anchored last (from the receipts file beside the ledger), and
    /// carry its receipts; no key is needed
    #[arg(long)]
    anchored: bool,
    /// Where to write the bundle (a new file; an existing one is never overwritten)
    #[arg(long, value_name = "BUNDLE")]
    out: PathBuf,
}

pub fn run(args: Args) -> CliResult {
    let ledger = ledger_path(args.ledger.ledger, "export")?;
    let selection = match (args.from, args.to, args.from_seq, args.to_seq) {
        (Some(from), Some(to), None, None) => {
            Selection::Time { from_nanos: parse_rfc3339("--from", &from)?, to_nanos: parse_rfc3339("--to", &to)? }
        }
        (None, None, Some(first), Some(last)) => Selection::Seqs { first, last },
        _ => return Err(CliError::usage("give --from and --to (times), or --from-seq and --to-seq")),
    };
    let held = args.checkpoint.as_deref().map(super::verify::checkpoint_arg).transpose()?;
    let keypair = match (&held, args.anchored) {
        (None, false) => Some(load_existing_key(&key_path(args.key.key)?)?),
        _ => None,
    };
    let checkpoint = match (&held, &keypair) {
        (Some(held), _) => BundleCheckpoint::Held(held),
        (None, Some(key)) => BundleCheckpoint::Sign(key),
        (None, None) => BundleCheckpoint::Anchored,
    };
    let bundle = export_bundle(&ledger, checkpoint, selection).map_err(over_ledger)?;
    let mut text = serde_json::to_vec_pretty(&bundle).expect("a bundle serialises");
    text.push(b'\n');
    let cannot = |e: std::io::Error| CliError::usage(format!("cannot write {}: {e}", path_text(&args.out)));
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(&args.out).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            CliError::usage(format!("{} exists; a bundle is written to a new file", path_text(&args.out)))
        } else {
            cannot(e)
        }
    })?;
    if let Err(e) = file.write_all(&text).and_then(|()| file.sync_all()) {
        let _ = std::fs::remove_file(&args.out);
        return Err(cannot(e));
    }
    let last = bundle.first_seq + bundle.lines.len() as u64 - 1;
    out::err(format!(
        "exported {} lines (seq {} to {last}) of {} to {}; verify it with \
         `provedex verify-bundle {} --fingerprint {}`\n",
        bundle.lines.len(),
        bundle.first_seq,
        path_text(&ledger),
        path_text(&args.out),
        path_text(&args.out),
        bundle.fingerprint
    ));
    Ok(ExitCode::SUCCESS)
}
