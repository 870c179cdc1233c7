//! `provedex pubkey`: the public key of a key file.

use std::process::ExitCode;

use super::{KeyArg, load_existing_key};
use crate::paths::key_path;
use crate::{CliResult, out};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    key: KeyArg,
}

pub fn run(args: Args) -> CliResult {
    out::out(format!("{}\n", load_existing_key(&key_path(args.key.key)?)?.pubkey_hex()));
    Ok(ExitCode::SUCCESS)
}
