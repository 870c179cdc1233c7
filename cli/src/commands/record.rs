//! `provedex record`: append one event to a ledger, resuming its chain.

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use provedex_core::seal::{LinkedEvent, now_nanos, validate_for_signing};
use provedex_core::{Durability, Error, GENESIS_PARENT_HASH, LedgerErrorKind, Session, SessionOptions, SigningKeypair};

use super::{KeyArg, LedgerArg, load_existing_key, parse_event};
use crate::paths::{key_path, ledger_path};
use crate::{CliError, CliResult, EXIT_LOCKED, out};

#[derive(clap::Args)]
pub struct Args {
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

pub fn run(args: Args) -> CliResult {
    let (key, ledger) = (key_path(args.key.key)?, ledger_path(args.ledger.ledger, "record")?);
    let event = parse_event(&args.event)?;
    let key = load_existing_key(&key)?;
    // Refuse an event whose line is too long before the ledger (or its
    // directory) is created: seq 0 at the current time is the shortest line
    // it can make, and the one it makes in a new ledger.
    LinkedEvent::new(validate_for_signing(&event)?, 0, now_nanos(), &GENESIS_PARENT_HASH)?;
    let session = open_session(&key, &ledger, args.durability, args.wait)?;
    let signed = session.record(&event)?;
    out::out(format!("{}\n", signed.to_json()));
    Ok(ExitCode::SUCCESS)
}

/// Opens the ledger for appending; while another writer holds its lock,
/// retries (a fresh open each time) until `wait` has passed.
pub(super) fn open_session(
    key: &SigningKeypair,
    ledger: &Path,
    durability: Durability,
    wait: Option<Duration>,
) -> Result<Session, CliError> {
    const RETRY_EVERY: Duration = Duration::from_millis(50);
    let started = Instant::now();
    loop {
        match Session::open_with(key, ledger, "cli", &SessionOptions::new().durability(durability)) {
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
