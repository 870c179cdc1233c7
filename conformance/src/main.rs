//! `provedex-conformance`: generate the golden vectors, run an implementation
//! against them, or serve the Rust core as an adapter.
//!
//! Exit codes: 0 success, 1 stale vectors or a failing implementation, 2 usage or setup errors.

#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use provedex_conformance::{adapter, default_vectors_dir, generate, runner, schemas};

#[derive(Parser)]
#[command(name = "provedex-conformance", version, about = "Golden vectors and the conformance runner for Provedex")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write the vector files (deterministic), the README's vector figures and the protocol's JSON Schema; with --check, write nothing and fail if any is stale
    Generate {
        #[arg(long)]
        check: bool,
        /// Directory of the vector files [default: the repository's vectors/]
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Run an implementation's adapter against the vectors
    Run {
        /// Print the report as one JSON object
        #[arg(long)]
        json: bool,
        /// Only the tests whose id contains PATTERN
        #[arg(long, value_name = "PATTERN")]
        filter: Option<String>,
        /// Directory of the vector files [default: the repository's vectors/]
        #[arg(long, value_name = "DIR")]
        vectors: Option<PathBuf>,
        /// Seconds to wait for each response
        #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
        timeout: f64,
        /// The adapter command and its arguments
        #[arg(last = true, required = true, value_name = "ADAPTER_CMD")]
        adapter: Vec<String>,
    },
    /// Serve the Rust core over the adapter protocol on stdin/stdout
    Adapter,
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Generate { check, out } => {
            // The README's figures and the schemas are the repository's: written
            // beside its own vectors only.
            let vectors = default_vectors_dir();
            let repository = out.is_none().then(|| vectors.parent().expect("vectors/ lies in the repository"));
            let readme = repository.as_ref().map(|root| root.join("README.md"));
            let dir = out.unwrap_or_else(default_vectors_dir);
            let mut stale = match generate::write_or_check(&dir, check) {
                Ok(stale) => stale.into_iter().map(|file| format!("vectors/{file}")).collect::<Vec<_>>(),
                Err(e) => {
                    eprintln!("error: {}: {e}", dir.display());
                    return ExitCode::from(2);
                }
            };
            if let Some(readme) = readme {
                match generate::readme_write_or_check(&readme, check) {
                    Ok(true) => stale.push("README.md (vector figures)".into()),
                    Ok(false) => {}
                    Err(e) => {
                        eprintln!("error: {}: {e}", readme.display());
                        return ExitCode::from(2);
                    }
                }
            }
            for schema in repository.iter().flat_map(|_| schemas::all()) {
                let path = repository.expect("schemas are written to the repository").join(schema.path);
                match generate::schema_write_or_check(&path, &schema.text, check) {
                    Ok(true) => stale.push(schema.path.into()),
                    Ok(false) => {}
                    Err(e) => {
                        eprintln!("error: {}: {e}", path.display());
                        return ExitCode::from(2);
                    }
                }
            }
            if check && !stale.is_empty() {
                for file in &stale {
                    eprintln!("stale: {file}");
                }
                eprintln!("{} file(s) are stale; run `scripts/regenerate.sh`", stale.len());
                return ExitCode::FAILURE;
            }
            let files = generate::all_files();
            let total: usize = files.iter().map(|(_, f)| f.number_of_tests).sum();
            let verb = if check {
                "up to date"
            } else if stale.is_empty() {
                "unchanged"
            } else {
                "written"
            };
            println!("{verb}: {} vector files, {total} tests in {}", files.len(), dir.display());
            for (stem, file) in &files {
                println!("  {stem}.json: {} tests", file.number_of_tests);
            }
            ExitCode::SUCCESS
        }
        Command::Run { json, filter, vectors, timeout, adapter } => {
            if !(timeout > 0.0 && timeout.is_finite()) {
                eprintln!("error: --timeout must be a positive number of seconds");
                return ExitCode::from(2);
            }
            let dir = vectors.unwrap_or_else(default_vectors_dir);
            let report = runner::load_vectors(&dir)
                .and_then(|v| runner::run(&v, &adapter, filter.as_deref(), Duration::from_secs_f64(timeout)));
            match report {
                Ok(report) => {
                    if json {
                        println!("{}", serde_json::to_string(&report).expect("a report serialises"));
                    } else {
                        print!("{}", runner::render(&report));
                    }
                    if report.success() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Adapter => match adapter::serve(std::io::stdin().lock(), std::io::stdout().lock()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        },
    }
}
