//! `provedex keygen`: a new key file (raw, or PEM with `--pem`), never over an existing one.

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
    /// Write a PEM PKCS#8 private key (as `openssl genpkey -algorithm ed25519` does) instead of 32 raw bytes
    #[arg(long)]
    pem: bool,
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
    if args.pem {
        key.save_pem(&path)?;
        out::err(format!(
            "created {} (PEM PKCS#8 private key, mode 0600)\nfingerprint: {}\n",
            path_text(&path),
            key.fingerprint()
        ));
    } else {
        key.save(&path)?;
        out::err(format!("created {} (mode 0600)\n", path_text(&path)));
    }
    out::out(format!("{}\n", key.pubkey_hex()));
    Ok(ExitCode::SUCCESS)
}
