//! `provedex-conformance`: generate the golden vectors, run an implementation
//! against them, tabulate several implementations' results, or serve the
//! Rust core as an adapter.
//!
//! Exit codes: 0 success, 1 stale vectors, a stale README matrix, a failing
//! implementation (or, with an expectations file, a regression), 2 usage or setup errors.

#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use provedex_conformance::expectations::Expectations;
use provedex_conformance::matrix::{self, MatrixAdapter};
use provedex_conformance::{adapter, default_vectors_dir, generate, runner, schemas};
use provedex_core::display::escape;

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
        /// The implementation's known deviations (spec/expectations.schema.json): report regressions against it, and exit 1 on regressions only
        #[arg(long, value_name = "FILE")]
        expectations: Option<PathBuf>,
        /// The adapter command and its arguments
        #[arg(last = true, required = true, value_name = "ADAPTER_CMD")]
        adapter: Vec<String>,
    },
    /// Run several adapters and print one table of implementations, conformance levels and vector files (Markdown)
    Matrix {
        /// An implementation: the name its rows carry, then its adapter command, split as a POSIX shell would (repeat for each)
        #[arg(long = "adapter", value_name = "NAME=COMMAND", required = true, value_parser = MatrixAdapter::parse)]
        adapters: Vec<MatrixAdapter>,
        /// Directory of the vector files [default: the repository's vectors/]
        #[arg(long, value_name = "DIR")]
        vectors: Option<PathBuf>,
        /// Seconds to wait for each response
        #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
        timeout: f64,
        /// Also write the table as a self-contained HTML page to FILE
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
        /// Write the table into FILE, between its matrix marker comments
        #[arg(long, value_name = "FILE")]
        readme: Option<PathBuf>,
        /// With --readme: write nothing, and exit 1 when the table there is not the one this run gives
        #[arg(long, requires = "readme")]
        check: bool,
    },
    /// Serve the Rust core over the adapter protocol on stdin/stdout
    Adapter,
}

/// The `--timeout` as a duration, or `None` after saying why it is not one.
fn timeout_of(seconds: f64) -> Option<Duration> {
    if seconds > 0.0 && seconds.is_finite() {
        Some(Duration::from_secs_f64(seconds))
    } else {
        eprintln!("error: --timeout must be a positive number of seconds");
        None
    }
}

/// Reports an error that kept a command from running (exit code 2). Its
/// text may quote an adapter (what it said, its stderr): it is shown escaped.
fn setup_error(message: &str) -> ExitCode {
    eprintln!("error: {}", escape(message));
    ExitCode::from(2)
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
                match generate::generated_write_or_check(&path, &schema.text, check) {
                    Ok(true) => stale.push(schema.path.into()),
                    Ok(false) => {}
                    Err(e) => {
                        eprintln!("error: {}: {e}", path.display());
                        return ExitCode::from(2);
                    }
                }
            }
            if let Some(root) = repository {
                match generate::coverage_write_or_check(root, check) {
                    Ok(true) => stale.push(generate::COVERAGE.into()),
                    Ok(false) => {}
                    Err(e) => {
                        eprintln!("error: {}", escape(&e));
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
        Command::Run { json, filter, vectors, timeout, expectations, adapter } => {
            let Some(timeout) = timeout_of(timeout) else { return ExitCode::from(2) };
            let dir = vectors.unwrap_or_else(default_vectors_dir);
            let report = runner::load_vectors(&dir).and_then(|vectors| {
                let expectations = expectations.map(|path| Expectations::load(&path, &vectors)).transpose()?;
                let mut report = runner::run(&vectors, &adapter, filter.as_deref(), timeout)?;
                report.expectations = expectations.map(|e| e.compare(&report));
                Ok(report)
            });
            match report {
                Ok(report) => {
                    if json {
                        println!("{}", serde_json::to_string(&report).expect("a report serialises"));
                    } else {
                        print!("{}", runner::render(&report));
                    }
                    if report.success() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
                }
                Err(e) => setup_error(&e),
            }
        }
        Command::Matrix { adapters, vectors, timeout, html, readme, check } => {
            let Some(timeout) = timeout_of(timeout) else { return ExitCode::from(2) };
            let dir = vectors.unwrap_or_else(default_vectors_dir);
            let entries = match runner::load_vectors(&dir).and_then(|v| matrix::run(&adapters, &v, timeout)) {
                Ok(entries) => entries,
                Err(e) => return setup_error(&e),
            };
            let table = matrix::markdown(&entries);
            print!("{table}");
            if let Some(path) = html
                && let Err(e) = std::fs::write(&path, matrix::html(&entries))
            {
                return setup_error(&format!("cannot write {}: {e}", path.display()));
            }
            let Some(path) = readme else { return ExitCode::SUCCESS };
            let updated = std::fs::read_to_string(&path)
                .map_err(|e| e.to_string())
                .and_then(|text| Ok((matrix::with_readme_section(&text, &table)?, text)));
            match updated {
                Ok((updated, text)) if updated == text => ExitCode::SUCCESS,
                Ok(_) if check => {
                    eprintln!(
                        "stale: the conformance matrix in {} is not the one above; run `scripts/matrix.sh`",
                        path.display()
                    );
                    ExitCode::FAILURE
                }
                Ok((updated, _)) => match std::fs::write(&path, updated) {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(e) => setup_error(&format!("cannot write {}: {e}", path.display())),
                },
                Err(e) => setup_error(&format!("{}: {e}", path.display())),
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
