//! `provedex checkpoint`: a signed checkpoint of the ledger's tree, to keep
//! apart from the ledger (spec/transparency.md).

use std::process::ExitCode;

use provedex_core::LedgerTree;
use provedex_core::checkpoint::Checkpoint;
use serde_json::json;

use super::{KeyArg, LedgerArg, load_existing_key, over_ledger};
use crate::paths::{key_path, ledger_path};
use crate::render::path_text;
use crate::{CliResult, out};

#[derive(clap::Args)]
pub struct Args {
    /// The key current at that size, which signs the checkpoint
    #[command(flatten)]
    key: KeyArg,
    #[command(flatten)]
    ledger: LedgerArg,
    /// Vouch for the first N lines only [default: every line]
    #[arg(long, value_name = "N")]
    size: Option<u64>,
    /// Print the checkpoint, its origin, size, root and verifier key as one JSON object
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> CliResult {
    let (key, ledger) = (key_path(args.key.key)?, ledger_path(args.ledger.ledger, "checkpoint")?);
    let keypair = load_existing_key(&key)?;
    let mut tree = LedgerTree::read_to_sign(&ledger, keypair.public_key()).map_err(over_ledger)?;
    let note = tree.checkpoint(&keypair, args.size).map_err(over_ledger)?;
    let body = Checkpoint::parse_body(&note.text).expect("a checkpoint just signed reads back");
    if args.json {
        let verifier_key = body.note_key(keypair.public_key()).expect("a ledger origin names a key").verifier_key();
        let document = json!({
            "origin": body.origin,
            "tree_size": body.size,
            "root": body.root,
            "fingerprint": keypair.fingerprint(),
            "verifier_key": verifier_key,
            "checkpoint": note.to_text(),
        });
        out::out(format!("{document}\n"));
    } else {
        out::out(note.to_text());
    }
    out::err(format!(
        "checkpoint of {} lines of {}, root {}: keep it apart from the ledger; \
         `provedex verify --checkpoint FILE` finds any line cut from the ledger or replaced since\n",
        body.size,
        path_text(&ledger),
        body.root
    ));
    Ok(ExitCode::SUCCESS)
}
