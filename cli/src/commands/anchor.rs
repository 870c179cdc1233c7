//! `provedex anchor`: publish signed anchor statements of the ledger's
//! checkpoints to the anchors of the configuration file, once (`run`) or on
//! their schedules (`watch`), and show where each stands (`status`)
//! (spec/anchors.md).

use std::path::PathBuf;
use std::process::ExitCode;

use provedex_anchor::anchorer::{AnchorStatus, Anchorer, Outcome, RunMode, now_nanos};
use provedex_anchor::config::Config;
use serde_json::json;

use crate::render::{path_text, terminal_safe};
use crate::{CliError, CliResult, EXIT_ANCHOR_FAILED, out};
use provedex_core::utc::utc_nanos;

#[derive(clap::Args)]
pub struct ConfigArg {
    /// The configuration file (TOML)
    #[arg(long, value_name = "PATH", default_value = "provedex.toml")]
    pub config: PathBuf,
}

#[derive(clap::Subcommand)]
pub enum Command {
    /// Anchor once: every anchor with lines not anchored yet, whatever its schedule; exit 5 if one failed
    Run(RunArgs),
    /// Anchor on each anchor's schedule and batch size, retrying failures with backoff, until stopped
    Watch(RunArgs),
    /// Each anchor's last receipt, lines not anchored yet, last error and next attempt
    Status(RunArgs),
}

#[derive(clap::Args)]
pub struct RunArgs {
    #[command(flatten)]
    config: ConfigArg,
    /// Print one JSON object per line
    #[arg(long)]
    json: bool,
}

/// The anchorer of a configuration file, its problems a usage error.
pub fn anchorer(config: &ConfigArg) -> Result<Anchorer, CliError> {
    let loaded = Config::load(&config.config).map_err(|e| CliError::usage(e.to_string()))?;
    Anchorer::new(loaded, &|name| std::env::var(name).ok()).map_err(|mut e| {
        e.path = config.config.clone();
        CliError::usage(e.to_string())
    })
}

pub fn run(command: Command) -> CliResult {
    match command {
        Command::Run(args) => {
            let anchorer = anchorer(&args.config)?;
            if !anchorer.ledger().exists() {
                out::err(format!("note: {} does not exist yet: nothing to anchor\n", path_text(&anchorer.ledger())));
            }
            let outcomes = anchorer.run(RunMode::All, now_nanos())?;
            print_outcomes(&outcomes, args.json, true);
            let failed = outcomes.iter().any(|(_, o)| matches!(o, Outcome::Failed { .. }));
            Ok(if failed { ExitCode::from(EXIT_ANCHOR_FAILED) } else { ExitCode::SUCCESS })
        }
        Command::Watch(args) => {
            let anchorer = anchorer(&args.config)?;
            out::err(format!(
                "watching {} for its anchors; stop with Ctrl-C (receipts are kept as they come)\n",
                anchorer.ledger().display()
            ));
            loop {
                let now = now_nanos();
                match anchorer.run(RunMode::Due, now) {
                    Ok(outcomes) => print_outcomes(&outcomes, args.json, false),
                    // A ledger being written may not read for a moment: try again later.
                    Err(e) => out::err(format!("error: {}\n", terminal_safe(&e.to_string()))),
                }
                std::thread::sleep(anchorer.sleep_hint(now_nanos()));
            }
        }
        Command::Status(args) => {
            let anchorer = anchorer(&args.config)?;
            let status = anchorer.status()?;
            if args.json {
                out::out(format!("{}\n", serde_json::to_string(&status).expect("a status serialises")));
            } else {
                out::out(status.iter().map(status_text).collect::<String>());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn print_outcomes(outcomes: &[(String, Outcome)], json: bool, quiet_too: bool) {
    for (name, outcome) in outcomes {
        let (kind, text) = match outcome {
            Outcome::Anchored { tree_size } => ("anchored", format!("anchored {tree_size} lines")),
            Outcome::Failed { error, next_attempt_nanos } => {
                ("failed", format!("FAILED: {}; next attempt at {}", error, utc_nanos(*next_attempt_nanos)))
            }
            Outcome::UpToDate if quiet_too => ("up_to_date", "up to date: every line is anchored".to_owned()),
            Outcome::NotDue if quiet_too => ("not_due", "not due".to_owned()),
            _ => continue,
        };
        if json {
            let detail = match outcome {
                Outcome::Anchored { tree_size } => json!({"tree_size": tree_size}),
                Outcome::Failed { error, next_attempt_nanos } => {
                    json!({"error": error, "next_attempt_nanos": next_attempt_nanos})
                }
                _ => json!({}),
            };
            out::out(format!("{}\n", json!({"anchor": name, "outcome": kind, "detail": detail})));
        } else {
            out::out(format!("{}\n", terminal_safe(&format!("{name}: {text}"))));
        }
    }
}

fn status_text(status: &AnchorStatus) -> String {
    let last = match (status.last_tree_size, status.last_anchor_nanos) {
        (Some(size), Some(at)) => format!("last receipt: {size} lines, statement of {}", utc_nanos(at)),
        _ => "no receipt yet".to_owned(),
    };
    let mut lines = vec![format!("{} ({}): {last}; {} lines not anchored", status.name, status.kind, status.pending)];
    if let Some(error) = &status.last_error {
        lines.push(format!("  last error ({} failures): {error}", status.failures));
    }
    if let Some(next) = status.next_attempt_nanos {
        lines.push(format!("  next attempt: {}", utc_nanos(next)));
    }
    lines.iter().map(|line| terminal_safe(line) + "\n").collect()
}
