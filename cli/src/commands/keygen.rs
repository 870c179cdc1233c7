//! `provedex keygen`: a new key file, never over an existing one.

use std::process::ExitCode;

use provedex_core::display::shell_word;
use provedex_core::{KeyFile, SigningKeypair};

use super::KeyArg;
use crate::paths::key_path;
use crate::render::path_text;
use crate::{CliError, CliResult, out};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    key: KeyArg,
}

pub fn run(args: Args) -> CliResult {
    let path = key_path(args.key.key)?;
    if path.exists() {
        return Err(CliError::usage(format!(
            "{} already exists; refusing to overwrite a key (its public key: `provedex pubkey --key {}`)",
            path_text(&path),
            shell_word(&path)
        )));
    }
    let key = SigningKeypair::generate()?;
    key.save(&path)?;
    out::err(format!("created {} (mode 0600)\n", path_text(&path)));
    out::out(format!("{}\n", key.pubkey_hex()));
    Ok(ExitCode::SUCCESS)
}
