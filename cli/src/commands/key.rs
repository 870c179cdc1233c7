//! `provedex key`: the key manager (spec/keys.md): the fingerprint to
//! publish, the public key as hex or PEM, and data signatures made and
//! checked with a ledger key.

use std::process::ExitCode;

use provedex_core::{SignatureBytes, verify_data_sha256};

use super::{KeyArg, load_existing_key, public_key_arg};
use crate::input::sha256_of_file_or_stdin;
use crate::paths::key_path;
use crate::{CliError, CliResult, EXIT_BROKEN, out};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: KeyCommand,
}

#[derive(clap::Subcommand)]
enum KeyCommand {
    /// Print the fingerprint to publish: sha256: and the SHA-256 of the 32 public key bytes
    Fingerprint(FingerprintArgs),
    /// Print the public key of a key file: 64 hex, or a PUBLIC KEY PEM with --pem
    Public(PublicArgs),
    /// Sign a file's data with the key and print the data signature (128 hex)
    Sign(SignArgs),
    /// Check a data signature: exit 0 when valid, 1 when it does not verify
    Verify(VerifyArgs),
}

#[derive(clap::Args)]
struct FingerprintArgs {
    #[command(flatten)]
    key: KeyArg,
    /// The public key instead of a key file: 64 hex, or a file holding it (hex or PUBLIC KEY PEM)
    #[arg(long, value_name = "HEX|PEMFILE", conflicts_with = "key")]
    pubkey: Option<String>,
}

#[derive(clap::Args)]
struct PublicArgs {
    #[command(flatten)]
    key: KeyArg,
    /// Print a PUBLIC KEY PEM (SubjectPublicKeyInfo, as `openssl pkey -pubout` does)
    #[arg(long)]
    pem: bool,
}

#[derive(clap::Args)]
struct SignArgs {
    #[command(flatten)]
    key: KeyArg,
    /// The file to sign, or - for stdin
    #[arg(value_name = "FILE")]
    file: String,
}

#[derive(clap::Args)]
struct VerifyArgs {
    /// The signer's public key: 64 hex, or a file holding it (hex or PUBLIC KEY PEM)
    #[arg(long, value_name = "HEX|PEMFILE")]
    pubkey: String,
    /// The data signature (128 hex), as `provedex key sign` prints it
    #[arg(long, value_name = "HEX")]
    signature: String,
    /// The signed file, or - for stdin
    #[arg(value_name = "FILE")]
    file: String,
}

pub fn run(args: Args) -> CliResult {
    match args.command {
        KeyCommand::Fingerprint(args) => {
            let key = match args.pubkey {
                Some(arg) => public_key_arg("--pubkey", &arg)?,
                None => load_existing_key(&key_path(args.key.key)?)?.public_key(),
            };
            out::out(format!("{}\n", key.fingerprint()));
        }
        KeyCommand::Public(args) => {
            let key = load_existing_key(&key_path(args.key.key)?)?.public_key();
            out::out(if args.pem { key.to_pem() } else { format!("{key}\n") });
        }
        KeyCommand::Sign(args) => {
            let key = load_existing_key(&key_path(args.key.key)?)?;
            out::out(format!("{}\n", key.sign_data_sha256(&sha256_of_file_or_stdin(&args.file, "key sign")?)));
        }
        KeyCommand::Verify(args) => {
            let key = public_key_arg("--pubkey", &args.pubkey)?;
            let signature = SignatureBytes::from_hex(&args.signature)
                .map_err(|why| CliError::usage(format!("--signature {why}")))?;
            if !verify_data_sha256(&key, &sha256_of_file_or_stdin(&args.file, "key verify")?, &signature) {
                out::out(format!(
                    "invalid: the signature is not a data signature of this data by {}\n",
                    key.fingerprint()
                ));
                return Ok(ExitCode::from(EXIT_BROKEN));
            }
            out::out(format!("valid: a data signature of this data by {}\n", key.fingerprint()));
        }
    }
    Ok(ExitCode::SUCCESS)
}
