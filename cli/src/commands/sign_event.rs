//! `provedex sign-event`: seal one event at a given position; no ledger is touched.

use std::process::ExitCode;

use provedex_core::{ChainHash, sign_event_at};

use super::{KeyArg, load_existing_key, parse_event};
use crate::paths::key_path;
use crate::{CliError, CliResult, out};

#[derive(clap::Args)]
pub struct Args {
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
}

pub fn run(args: Args) -> CliResult {
    let key = key_path(args.key.key)?;
    let parent =
        ChainHash::from_hex(&args.parent_hash).map_err(|why| CliError::usage(format!("--parent-hash {why}")))?;
    let event = parse_event(&args.event)?;
    let key = load_existing_key(&key)?;
    let signed = sign_event_at(&event, args.seq, args.timestamp_nanos, &parent, &key)?;
    out::out(format!("{}\n", signed.to_json()));
    Ok(ExitCode::SUCCESS)
}
