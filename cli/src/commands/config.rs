//! `provedex config check`: validate the anchoring configuration file
//! (spec/anchors.md, "Configuration") and list every problem at once.

use std::process::ExitCode;

use provedex_anchor::config::Config;

use super::anchor::ConfigArg;
use crate::render::terminal_safe;
use crate::{CliError, CliResult, out};

#[derive(clap::Subcommand)]
pub enum Command {
    /// Check a configuration file: members, endpoints, schedules, keys, secrets' variables, the proof level
    Check(CheckArgs),
}

#[derive(clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    config: ConfigArg,
}

pub fn run(command: Command) -> CliResult {
    let Command::Check(args) = command;
    let path = &args.config.config;
    let config = Config::load(path).map_err(|e| CliError::usage(e.to_string()))?;
    let problems = config.check(&|name| std::env::var(name).ok());
    if !problems.is_empty() {
        let error = provedex_anchor::config::ConfigError { path: path.clone(), problems };
        return Err(CliError::usage(error.to_string()));
    }
    let mut text = format!(
        "{}: ok: ledger {}, key {}, {} anchors\n",
        path.display(),
        config.ledger_path().display(),
        config.key_path().display(),
        config.anchors.len()
    );
    for anchor in &config.anchors {
        let when = match (&anchor.schedule, config.batch_size(anchor)) {
            (Some(cron), Some(batch)) => format!("on {cron} (UTC) and every {batch} events"),
            (Some(cron), None) => format!("on {cron} (UTC)"),
            (None, Some(batch)) => format!("every {batch} events"),
            (None, None) => "at every run".to_owned(),
        };
        let level = anchor.level().unwrap_or("no level");
        text.push_str(&format!(
            "  {} ({}) at {}: {when}; reaches {level}\n",
            anchor.name(),
            anchor.kind,
            anchor.endpoint
        ));
    }
    out::out(terminal_safe(&text));
    Ok(ExitCode::SUCCESS)
}
