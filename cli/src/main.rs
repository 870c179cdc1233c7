//! `provedex`: create keys, record and sign agent events, verify, list and
//! recover ledgers.
//!
//! Exit codes: 0 success (a valid ledger), 1 the ledger is broken (or
//! `recover` refuses damage it must not repair), 2 usage, input or I/O errors.

mod demo;
mod input;
mod paths;
mod render;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use provedex_core::{
    AgentEvent, ChainHash, Durability, Engine, Error, PublicKeyBytes, RecoverOutcome, Session, SessionOptions,
    SigningKeypair, VerifyOptions, canonical, recover, sign_event_at, verify_file_using, verify_file_with,
};

use crate::input::{file_or_stdin, inline_or_stdin};
use crate::paths::{key_path, ledger_path};

#[derive(Parser)]
#[command(name = "provedex", version, about = "Signed, hash-chained evidence of what AI agents did")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args)]
struct KeyArg {
    /// Key file (32 raw bytes, mode 0600) [default: ~/.provedex/keys/ed25519.key]
    #[arg(long, env = "PROVEDEX_KEY", value_name = "PATH")]
    key: Option<PathBuf>,
}

#[derive(clap::Args)]
struct LedgerArg {
    /// Ledger file (NDJSON) [default: ~/.provedex/ledger.ndjson]
    #[arg(long, env = "PROVEDEX_LEDGER", value_name = "PATH")]
    ledger: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Create a new signing key (refuses to overwrite one) and print its public key
    Keygen {
        #[command(flatten)]
        key: KeyArg,
    },
    /// Print the public key of a key file
    Pubkey {
        #[command(flatten)]
        key: KeyArg,
    },
    /// Append one event to the ledger (resuming its chain) and print the signed line
    Record {
        #[command(flatten)]
        key: KeyArg,
        #[command(flatten)]
        ledger: LedgerArg,
        /// The event as JSON ({"type": ..., "payload": {...}}), or - to read it from stdin
        #[arg(value_name = "EVENT_JSON|-")]
        event: String,
        /// When to return: after an fsync of the line (every_event, group) or once written (none)
        #[arg(long, value_name = "MODE", default_value = "group", value_parser = parse_durability)]
        durability: Durability,
    },
    /// Seal one event at a given position and print the signed line; touches no ledger
    SignEvent {
        #[command(flatten)]
        key: KeyArg,
        #[arg(long, value_name = "N")]
        seq: u64,
        #[arg(long, value_name = "T")]
        timestamp_nanos: u64,
        /// The previous line's self_hash (64 zeros for seq 0)
        #[arg(long, value_name = "HEX")]
        parent_hash: String,
        /// The event as JSON, or - to read it from stdin
        #[arg(value_name = "EVENT_JSON|-")]
        event: String,
    },
    /// Verify a ledger: exit 0 when valid, 1 when broken (the report says where and why)
    Verify {
        #[command(flatten)]
        ledger: LedgerArg,
        /// Require every line to be signed by this public key (64 hex)
        #[arg(long, value_name = "HEX")]
        pubkey: Option<String>,
        /// Print the report as one JSON object
        #[arg(long)]
        json: bool,
    },
    /// Print the canonical JSON bytes of one JSON value
    Canonicalize {
        /// File to read, or - for stdin
        #[arg(value_name = "FILE|-", default_value = "-")]
        file: String,
    },
    /// List a ledger's events, then its verification verdict
    Show {
        #[command(flatten)]
        ledger: LedgerArg,
    },
    /// Remove a torn final line (kept in a backup beside the ledger); refuses any other damage
    Recover {
        #[command(flatten)]
        ledger: LedgerArg,
    },
    /// Record, verify and tamper with a sample agent session in a fresh directory
    Demo {
        /// Directory to use; must be empty or absent [default: a new temporary directory]
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// A failure to report on stderr, with the exit code to end with.
pub struct CliError {
    pub code: u8,
    pub message: String,
}

impl CliError {
    pub fn usage(message: impl Into<String>) -> Self {
        CliError { code: 2, message: message.into() }
    }
}

impl From<Error> for CliError {
    fn from(e: Error) -> Self {
        CliError::usage(e.to_string())
    }
}

pub type CliResult = Result<ExitCode, CliError>;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", e.message);
            ExitCode::from(e.code)
        }
    }
}

fn run(command: Command) -> CliResult {
    match command {
        Command::Keygen { key } => keygen(key_path(key.key)?),
        Command::Pubkey { key } => {
            println!("{}", SigningKeypair::load(key_path(key.key)?)?.pubkey_hex());
            Ok(ExitCode::SUCCESS)
        }
        Command::Record { key, ledger, event, durability } => {
            record(key_path(key.key)?, ledger_path(ledger.ledger)?, &event, durability)
        }
        Command::SignEvent { key, seq, timestamp_nanos, parent_hash, event } => {
            sign(key_path(key.key)?, seq, timestamp_nanos, &parent_hash, &event)
        }
        Command::Verify { ledger, pubkey, json } => verify(ledger_path(ledger.ledger)?, pubkey.as_deref(), json),
        Command::Canonicalize { file } => canonicalize(&file),
        Command::Show { ledger } => show(ledger_path(ledger.ledger)?),
        Command::Recover { ledger } => recover_ledger(ledger_path(ledger.ledger)?),
        Command::Demo { dir } => demo::run(dir),
    }
}

fn keygen(path: PathBuf) -> CliResult {
    if path.exists() {
        return Err(CliError::usage(format!(
            "{} already exists; refusing to overwrite a key (its public key: `provedex pubkey --key {}`)",
            path.display(),
            path.display()
        )));
    }
    let key = SigningKeypair::generate()?;
    key.save(&path)?;
    eprintln!("created {} (mode 0600)", path.display());
    println!("{}", key.pubkey_hex());
    Ok(ExitCode::SUCCESS)
}

fn load_existing_key(path: &PathBuf) -> Result<SigningKeypair, CliError> {
    if !path.exists() {
        return Err(CliError::usage(format!(
            "no key at {}; create one with `provedex keygen --key {}`",
            path.display(),
            path.display()
        )));
    }
    Ok(SigningKeypair::load(path)?)
}

fn parse_event(arg: &str) -> Result<AgentEvent, CliError> {
    let (text, source) = inline_or_stdin(arg)?;
    AgentEvent::from_json(&text).map_err(|e| CliError::usage(format!("{source}: {e}")))
}

fn parse_durability(code: &str) -> Result<Durability, String> {
    Durability::from_code(code).ok_or_else(|| {
        let names: Vec<_> = Durability::ALL.iter().map(|d| d.code()).collect();
        format!("expected one of {}", names.join(", "))
    })
}

fn record(key: PathBuf, ledger: PathBuf, event: &str, durability: Durability) -> CliResult {
    let event = parse_event(event)?;
    let key = load_existing_key(&key)?;
    let session = Session::open_with(&key, &ledger, "cli", &SessionOptions { durability })?;
    let signed = session.record(&event)?;
    println!("{}", signed.to_json());
    Ok(ExitCode::SUCCESS)
}

fn sign(key: PathBuf, seq: u64, timestamp_nanos: u64, parent_hash: &str, event: &str) -> CliResult {
    let parent = ChainHash::from_hex(parent_hash).map_err(|why| CliError::usage(format!("--parent-hash {why}")))?;
    let event = parse_event(event)?;
    let key = load_existing_key(&key)?;
    let signed = sign_event_at(&event, seq, timestamp_nanos, &parent, &key)?;
    println!("{}", signed.to_json());
    Ok(ExitCode::SUCCESS)
}

fn verify(ledger: PathBuf, pubkey: Option<&str>, json: bool) -> CliResult {
    let pinned_pubkey = pubkey
        .map(|hex| PublicKeyBytes::from_hex(hex).map_err(|why| CliError::usage(format!("--pubkey {why}"))))
        .transpose()?;
    // For people watching a terminal only: nothing extra when stderr is piped or with --json.
    let mut progress = (!json && std::io::stderr().is_terminal())
        .then(|| std::fs::metadata(&ledger).ok())
        .flatten()
        .map(|metadata| render::ProgressLine::new(metadata.len()));
    let report = verify_file_using(&ledger, &VerifyOptions { pinned_pubkey }, Engine::default(), |_, so_far| {
        if let Some(line) = &mut progress {
            line.update(so_far);
        }
    })?;
    drop(progress);
    if json {
        println!("{}", serde_json::to_string(&report).expect("a report serialises"));
    } else {
        print!("{}", render::report(&ledger, &report));
    }
    Ok(render::exit_code(&report))
}

fn canonicalize(file: &str) -> CliResult {
    let (text, source) = file_or_stdin(file)?;
    let bytes = canonical::canonicalize(&text).map_err(|e| CliError::usage(format!("{source}: {e}")))?;
    let mut stdout = std::io::stdout().lock();
    let written = stdout.write_all(&bytes).and_then(|()| {
        // Exact bytes when piped (to hash them); a newline only for people.
        if stdout.is_terminal() { stdout.write_all(b"\n") } else { Ok(()) }
    });
    written.and_then(|()| stdout.flush()).map_err(|e| CliError::usage(format!("cannot write to stdout: {e}")))?;
    Ok(ExitCode::SUCCESS)
}

fn show(ledger: PathBuf) -> CliResult {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{}", render::LISTING_HEADER);
    let report = verify_file_with(&ledger, &VerifyOptions::default(), |event| {
        let _ = writeln!(stdout, "{}", render::listing_row(event));
    })?;
    let _ = write!(stdout, "\n{}", render::report(&ledger, &report));
    Ok(render::exit_code(&report))
}

fn recover_ledger(ledger: PathBuf) -> CliResult {
    match recover(&ledger) {
        Ok(RecoverOutcome::NothingToRecover(report)) => {
            println!("nothing to recover: {} has no torn final line", ledger.display());
            print!("{}", render::report(&ledger, &report));
            Ok(render::exit_code(&report))
        }
        Ok(RecoverOutcome::Truncated { offset, removed_bytes, backup, report }) => {
            println!(
                "removed a torn final line of {removed_bytes} bytes at byte {offset}; saved it to {}",
                backup.display()
            );
            print!("{}", render::report(&ledger, &report));
            Ok(render::exit_code(&report))
        }
        Err(e @ Error::Ledger { kind: provedex_core::LedgerErrorKind::Broken, .. }) => {
            Err(CliError { code: 1, message: e.to_string() })
        }
        Err(e) => Err(e.into()),
    }
}
