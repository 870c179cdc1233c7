//! `provedex key`: the key manager (spec/keys.md): the fingerprint to
//! publish, the public key as hex or PEM, and data signatures made and
//! checked with a ledger key.

use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

use provedex_core::{PublicKeyBytes, SignatureBytes, load_public_key, verify_data};

use super::{KeyArg, load_existing_key};
use crate::paths::{key_path, special_kind};
use crate::render::path_text;
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
                Some(arg) => public_key_arg(&arg)?,
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
            out::out(format!("{}\n", key.sign_data(&read_data(&args.file)?)));
        }
        KeyCommand::Verify(args) => {
            let key = public_key_arg(&args.pubkey)?;
            let signature = SignatureBytes::from_hex(&args.signature)
                .map_err(|why| CliError::usage(format!("--signature {why}")))?;
            if !verify_data(&key, &read_data(&args.file)?, &signature) {
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

/// `--pubkey`: 64 hex characters, else the path of a public key file. A
/// hex-looking argument that names no file is read as hex, so a mistyped key
/// is reported as one rather than as a missing file.
fn public_key_arg(arg: &str) -> Result<PublicKeyBytes, CliError> {
    let path = Path::new(arg);
    if !path.exists() && !arg.is_empty() && arg.bytes().all(|b| b.is_ascii_hexdigit()) {
        return PublicKeyBytes::from_hex(arg).map_err(|why| CliError::usage(format!("--pubkey {why}")));
    }
    Ok(load_public_key(path)?)
}

/// The data to sign or check: a regular file, or `-` for stdin, read whole
/// (the signature covers every byte).
fn read_data(arg: &str) -> Result<Vec<u8>, CliError> {
    let mut data = Vec::new();
    if arg == "-" {
        std::io::stdin()
            .lock()
            .read_to_end(&mut data)
            .map_err(|e| CliError::usage(format!("cannot read stdin: {e}")))?;
        return Ok(data);
    }
    let path = Path::new(arg);
    let source = path_text(path);
    let cannot = |e: std::io::Error| CliError::usage(format!("cannot read {source}: {e}"));
    let file_type = std::fs::metadata(path).map_err(cannot)?.file_type();
    if file_type.is_dir() {
        return Err(CliError::usage(format!("{source} is a directory; give a file, or - for stdin")));
    }
    if !file_type.is_file() {
        return Err(CliError::usage(format!(
            "{source} is {}, not a regular file; to sign a stream, pipe it to -",
            special_kind(file_type)
        )));
    }
    std::fs::File::open(path).and_then(|mut f| f.read_to_end(&mut data)).map_err(cannot)?;
    Ok(data)
}
