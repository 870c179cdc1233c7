//! `provedex rotate-key`: hand a ledger to a new signing key.

use std::path::PathBuf;
use std::process::ExitCode;

use provedex_core::Durability;

use super::record::open_session;
use super::{KeyArg, LedgerArg, load_existing_key};
use crate::paths::{key_path, ledger_path};
use crate::render::path_text;
use crate::{CliError, CliResult, out};

#[derive(clap::Args)]
pub struct Args {
    /// The ledger's current key, which signs the rotation line
    #[command(flatten)]
    key: KeyArg,
    /// The key that signs every later line (create it first with `provedex keygen --key PATH`)
    #[arg(long, value_name = "PATH")]
    new_key: PathBuf,
    #[command(flatten)]
    ledger: LedgerArg,
}

pub fn run(args: Args) -> CliResult {
    let (key, ledger) = (key_path(args.key.key)?, ledger_path(args.ledger.ledger, "rotate-key")?);
    let old = load_existing_key(&key)?;
    let new = load_existing_key(&args.new_key)?;
    if old.public_key() == new.public_key() {
        return Err(CliError::usage(format!(
            "--new-key {} holds the same key as --key {}; a rotation names another key",
            path_text(&args.new_key),
            path_text(&key)
        )));
    }
    let session = open_session(&old, &ledger, Durability::EveryEvent, None)?;
    let signed = session.rotate_key(&new)?;
    session.close()?;
    out::out(format!("{}\n", signed.to_json()));
    out::err(format!(
        "the ledger is now signed by {}: record with --key {} from now on; the old key is refused\n",
        new.pubkey_hex(),
        path_text(&args.new_key)
    ));
    Ok(ExitCode::SUCCESS)
}
