//! `provedex`: create keys, record and sign agent events, verify, list and
//! recover ledgers.
//!
//! Exit codes:
//!
//! - 0: success (for `verify`, `show` and `recover`: the ledger is valid);
//! - 1: the ledger is broken (or `recover` refuses damage it must not repair);
//! - 2: usage, input or I/O errors;
//! - 3: the ledger is locked by another writer: retry later (`record --wait
//!   SECONDS` retries by itself);
//! - 141: stdout was closed by its reader (`provedex show | head -1`): the
//!   command stopped there, quietly, as one killed by SIGPIPE does.
//!
//! A refused command (invalid input, a missing key, a path that names a
//! directory, a locked or damaged ledger) changes nothing on disk: no key,
//! ledger or directory is created.

mod demo;
mod input;
mod out;
mod paths;
mod render;

use std::io::{BufReader, IsTerminal};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use provedex_core::display::shell_word;
use provedex_core::{
    AgentEvent, ChainHash, Durability, Engine, Error, GENESIS_PARENT_HASH, LedgerErrorKind, Progress, PublicKeyBytes,
    RecoverOutcome, Session, SessionOptions, SignedEvent, SigningKeypair, VerifyOptions, canonical, now_nanos, recover,
    sign_event_at, verify_file_using, verify_reader, verify_reader_using,
};

use crate::input::{file_or_stdin, inline_or_stdin};
use crate::paths::{LedgerSource, key_path, ledger_path, ledger_source};
use crate::render::{path_text, terminal_safe};

const EXIT_CODES: &str = "\
Exit codes:
  0    success (verify, show, recover: the ledger is valid)
  1    the ledger is broken (recover: damage it must not repair)
  2    usage, input or I/O error
  3    the ledger is locked by another writer: retry later (record --wait SECONDS retries)
  141  stdout was closed by its reader (show | head): stopped quietly

Environment:
  PROVEDEX_KEY     the key file when --key is not given
  PROVEDEX_LEDGER  the ledger file when --ledger is not given";

#[derive(Parser)]
#[command(
    name = "provedex",
    version,
    about = "Signed, hash-chained evidence of what AI agents did",
    after_help = EXIT_CODES
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args)]
struct KeyArg {
    /// Key file (32 raw bytes, mode 0600) [env: PROVEDEX_KEY] [default: ~/.provedex/keys/ed25519.key]
    #[arg(long, value_name = "PATH")]
    key: Option<PathBuf>,
}

#[derive(clap::Args)]
struct LedgerArg {
    /// Ledger file (NDJSON) [env: PROVEDEX_LEDGER] [default: ~/.provedex/ledger.ndjson]
    #[arg(long, value_name = "PATH")]
    ledger: Option<PathBuf>,
}

#[derive(clap::Args)]
struct ReadLedgerArg {
    /// Ledger file (NDJSON), or - to read the ledger from stdin as a stream
    /// [env: PROVEDEX_LEDGER] [default: ~/.provedex/ledger.ndjson]
    #[arg(long, value_name = "PATH|-")]
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
    #[command(after_help = EXIT_CODES)]
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
        /// While another writer holds the ledger's lock, keep retrying for up to SECONDS
        /// (decimals allowed) before giving up with exit 3 [default: give up at once]
        #[arg(long, value_name = "SECONDS", value_parser = parse_wait)]
        wait: Option<Duration>,
    },
    /// Seal one event at a given position and print the signed line; touches no ledger
    SignEvent {
        #[command(flatten)]
        key: KeyArg,
        /// The event's position in its ledger (0 for the first line)
        #[arg(long, value_name = "N")]
        seq: u64,
        /// The event's time: nanoseconds since the Unix epoch (1700000000000000000 is 2023-11-14T22:13:20Z)
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
    #[command(after_help = EXIT_CODES)]
    Verify {
        #[command(flatten)]
        ledger: ReadLedgerArg,
        /// Require every line to be signed by this public key (64 hex)
        #[arg(long, value_name = "HEX")]
        pubkey: Option<String>,
        /// Print the report as one JSON object
        #[arg(long)]
        json: bool,
    },
    /// Print the canonical JSON bytes of one JSON value
    Canonicalize {
        /// File to read (a regular file, at most 16 MiB), or - for stdin
        #[arg(value_name = "FILE|-", default_value = "-")]
        file: String,
    },
    /// List a ledger's events, then its verification verdict
    Show {
        #[command(flatten)]
        ledger: ReadLedgerArg,
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

/// Exit status 1: the ledger is broken.
pub const EXIT_BROKEN: u8 = 1;
/// Exit status 2: usage, input or I/O error.
pub const EXIT_USAGE: u8 = 2;
/// Exit status 3: another writer holds the ledger's lock.
pub const EXIT_LOCKED: u8 = 3;

/// A failure to report on stderr, with the exit code to end with.
pub struct CliError {
    pub code: u8,
    pub message: String,
}

impl CliError {
    pub fn usage(message: impl Into<String>) -> Self {
        CliError { code: EXIT_USAGE, message: message.into() }
    }
}

impl From<Error> for CliError {
    fn from(e: Error) -> Self {
        let code = match e {
            Error::Ledger { kind: LedgerErrorKind::Locked, .. } => EXIT_LOCKED,
            _ => EXIT_USAGE,
        };
        CliError { code, message: e.to_string() }
    }
}

pub type CliResult = Result<ExitCode, CliError>;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => code,
        Err(e) => {
            out::err(format!("error: {}\n", terminal_safe(&e.message)));
            ExitCode::from(e.code)
        }
    }
}

fn run(command: Command) -> CliResult {
    match command {
        Command::Keygen { key } => keygen(key_path(key.key)?),
        Command::Pubkey { key } => {
            out::out(format!("{}\n", load_existing_key(&key_path(key.key)?)?.pubkey_hex()));
            Ok(ExitCode::SUCCESS)
        }
        Command::Record { key, ledger, event, durability, wait } => {
            record(key_path(key.key)?, ledger_path(ledger.ledger, "record")?, &event, durability, wait)
        }
        Command::SignEvent { key, seq, timestamp_nanos, parent_hash, event } => {
            sign(key_path(key.key)?, seq, timestamp_nanos, &parent_hash, &event)
        }
        Command::Verify { ledger, pubkey, json } => {
            verify(ledger_source(ledger.ledger, "verify")?, pubkey.as_deref(), json)
        }
        Command::Canonicalize { file } => canonicalize(&file),
        Command::Show { ledger } => show(ledger_source(ledger.ledger, "show")?),
        Command::Recover { ledger } => recover_ledger(ledger_path(ledger.ledger, "recover")?),
        Command::Demo { dir } => demo::run(dir),
    }
}

fn keygen(path: PathBuf) -> CliResult {
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

fn load_existing_key(path: &Path) -> Result<SigningKeypair, CliError> {
    if !path.exists() {
        return Err(CliError::usage(format!(
            "no key at {}; create one with `provedex keygen --key {}`",
            path_text(path),
            shell_word(path)
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

/// Seconds as a decimal number, at most a day.
fn parse_wait(text: &str) -> Result<Duration, String> {
    const MAX_SECONDS: f64 = 86_400.0;
    match text.parse::<f64>() {
        Ok(seconds) if (0.0..=MAX_SECONDS).contains(&seconds) => Ok(Duration::from_secs_f64(seconds)),
        _ => Err(format!("expected a number of seconds from 0 to {MAX_SECONDS}, such as 5 or 0.5")),
    }
}

fn record(key: PathBuf, ledger: PathBuf, event: &str, durability: Durability, wait: Option<Duration>) -> CliResult {
    let event = parse_event(event)?;
    let key = load_existing_key(&key)?;
    // Refuse an event whose line is too long before the ledger (or its
    // directory) is created: seq 0 at the current time is the shortest line
    // it can make, and the one it makes in a new ledger.
    sign_event_at(&event, 0, now_nanos(), &GENESIS_PARENT_HASH, &key)?;
    let session = open_session(&key, &ledger, durability, wait)?;
    let signed = session.record(&event)?;
    out::out(format!("{}\n", signed.to_json()));
    Ok(ExitCode::SUCCESS)
}

/// Opens the ledger for appending; while another writer holds its lock,
/// retries (a fresh open each time) until `wait` has passed.
fn open_session(
    key: &SigningKeypair,
    ledger: &Path,
    durability: Durability,
    wait: Option<Duration>,
) -> Result<Session, CliError> {
    const RETRY_EVERY: Duration = Duration::from_millis(50);
    let started = Instant::now();
    loop {
        match Session::open_with(key, ledger, "cli", &SessionOptions { durability }) {
            Err(e @ Error::Ledger { kind: LedgerErrorKind::Locked, .. }) => {
                let waited = started.elapsed();
                match wait {
                    Some(wait) if waited < wait => std::thread::sleep(RETRY_EVERY.min(wait - waited)),
                    Some(wait) => {
                        return Err(CliError {
                            code: EXIT_LOCKED,
                            message: format!("{e}; still locked after waiting {} s (--wait)", wait.as_secs_f64()),
                        });
                    }
                    None => {
                        return Err(CliError {
                            code: EXIT_LOCKED,
                            message: format!("{e}; retry later, or pass --wait SECONDS to keep trying"),
                        });
                    }
                }
            }
            other => return Ok(other?),
        }
    }
}

fn sign(key: PathBuf, seq: u64, timestamp_nanos: u64, parent_hash: &str, event: &str) -> CliResult {
    let parent = ChainHash::from_hex(parent_hash).map_err(|why| CliError::usage(format!("--parent-hash {why}")))?;
    let event = parse_event(event)?;
    let key = load_existing_key(&key)?;
    let signed = sign_event_at(&event, seq, timestamp_nanos, &parent, &key)?;
    out::out(format!("{}\n", signed.to_json()));
    Ok(ExitCode::SUCCESS)
}

fn verify(source: LedgerSource, pubkey: Option<&str>, json: bool) -> CliResult {
    let pinned_pubkey = pubkey
        .map(|hex| PublicKeyBytes::from_hex(hex).map_err(|why| CliError::usage(format!("--pubkey {why}"))))
        .transpose()?;
    let options = VerifyOptions { pinned_pubkey };
    let (report, path) = match source {
        LedgerSource::Stdin => {
            let stdin = BufReader::with_capacity(1 << 16, std::io::stdin().lock());
            let report =
                verify_reader(stdin, &options).map_err(|e| CliError::usage(format!("cannot read stdin: {e}")))?;
            (report, None)
        }
        LedgerSource::File(path) => {
            // For people watching a terminal only: nothing extra when stderr is
            // piped or with --json. The size comes from stat, which never waits.
            let mut progress = (!json && std::io::stderr().is_terminal())
                .then(|| std::fs::metadata(&path).ok())
                .flatten()
                .map(|metadata| render::ProgressLine::new(metadata.len()));
            let report = verify_file_using(&path, &options, Engine::default(), |_, so_far| {
                if let Some(line) = &mut progress {
                    line.update(so_far);
                }
            })?;
            drop(progress);
            (report, Some(path))
        }
    };
    if json {
        out::out(format!("{}\n", serde_json::to_string(&report).expect("a report serialises")));
    } else {
        out::out(render::report(path.as_deref(), &report));
    }
    Ok(render::exit_code(&report))
}

fn canonicalize(file: &str) -> CliResult {
    let (text, source) = file_or_stdin(file, "canonicalize")?;
    let bytes = canonical::canonicalize(&text).map_err(|e| CliError::usage(format!("{source}: {e}")))?;
    let mut stdout = std::io::stdout().lock();
    // Exact bytes when piped (to hash them); a newline only for people.
    let newline = if stdout.is_terminal() { &b"\n"[..] } else { b"" };
    out::write_or_exit(&mut stdout, [&bytes[..], newline].concat());
    Ok(ExitCode::SUCCESS)
}

fn show(source: LedgerSource) -> CliResult {
    let mut stdout = std::io::stdout().lock();
    let mut header_shown = false;
    // Nothing reaches stdout before the ledger is open: the header comes with the first event.
    let mut list = |event: &SignedEvent, _: Progress| {
        if !header_shown {
            out::write_or_exit(&mut stdout, format!("{}\n", render::LISTING_HEADER));
            header_shown = true;
        }
        out::write_or_exit(&mut stdout, format!("{}\n", render::listing_row(event)));
    };
    let (report, path) = match source {
        LedgerSource::File(path) => {
            (verify_file_using(&path, &VerifyOptions::default(), Engine::default(), &mut list)?, Some(path))
        }
        LedgerSource::Stdin => {
            let stdin = BufReader::with_capacity(1 << 16, std::io::stdin().lock());
            let report = verify_reader_using(stdin, &VerifyOptions::default(), Engine::default(), &mut list)
                .map_err(|e| CliError::usage(format!("cannot read stdin: {e}")))?;
            (report, None)
        }
    };
    if !header_shown {
        out::write_or_exit(&mut stdout, format!("{}\n", render::LISTING_HEADER));
    }
    out::write_or_exit(&mut stdout, format!("\n{}", render::report(path.as_deref(), &report)));
    Ok(render::exit_code(&report))
}

fn recover_ledger(ledger: PathBuf) -> CliResult {
    match recover(&ledger) {
        Ok(RecoverOutcome::NothingToRecover(report)) => {
            out::out(format!(
                "nothing to recover: {} has no torn final line\n{}",
                path_text(&ledger),
                render::report(Some(&ledger), &report)
            ));
            Ok(render::exit_code(&report))
        }
        Ok(RecoverOutcome::Truncated { offset, removed_bytes, backup, report }) => {
            out::out(format!(
                "removed a torn final line of {removed_bytes} bytes at byte {offset}; saved it to {}\n{}",
                path_text(&backup),
                render::report(Some(&ledger), &report)
            ));
            Ok(render::exit_code(&report))
        }
        Err(e @ Error::Ledger { kind: LedgerErrorKind::Broken, .. }) => {
            Err(CliError { code: EXIT_BROKEN, message: e.to_string() })
        }
        Err(e) => Err(e.into()),
    }
}
