//! Prints the comparison table of a benchmark run: the machine, then each
//! figure beside its baseline, the ratio and the goal, as aligned text and
//! as Markdown for the README. `scripts/bench.sh` runs the measurements first.
//!
//! `bench-report [--criterion DIR] [--results DIR]`; both default to
//! `criterion` and `bench-results` in cargo's target directory.

use std::path::PathBuf;
use std::process::ExitCode;

use provedex_bench::fixtures::target_dir;
use provedex_bench::machine::Machine;
use provedex_bench::report::{comparison_rows, render_markdown, render_text};

fn main() -> ExitCode {
    let target = target_dir();
    let mut criterion_dir = target.join("criterion");
    let mut results_dir = target.join("bench-results");
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let slot = match flag.as_str() {
            "--criterion" => &mut criterion_dir,
            "--results" => &mut results_dir,
            _ => return usage(&format!("unknown argument {flag:?}")),
        };
        match args.next() {
            Some(dir) => *slot = PathBuf::from(dir),
            None => return usage(&format!("{flag} needs a directory")),
        }
    }

    let mut machine = Machine::detect(&target).describe();
    // Other work on the machine skews ratios; bench.sh records the load it started under.
    if let Ok(loadavg) = std::fs::read_to_string(results_dir.join("loadavg")) {
        let averages: Vec<&str> = loadavg.split_whitespace().take(3).collect();
        machine.push_str(&format!(" · load average before the run (1/5/15 min): {}", averages.join(" ")));
    }
    let rows = comparison_rows(&criterion_dir, &results_dir);
    println!("Provedex benchmarks: each figure against its baseline, measured in the same run");
    println!("(criterion figures: the fastest sample per iteration; ratio = value ÷ baseline value)");
    println!("{machine}\n");
    print!("{}", render_text(&rows));
    println!("\nMarkdown:\n");
    println!("{machine}\n");
    print!("{}", render_markdown(&rows));
    if rows.iter().any(|row| row.met == Some(false)) {
        println!("\nSome goals are not met.");
    }
    ExitCode::SUCCESS
}

fn usage(problem: &str) -> ExitCode {
    eprintln!("bench-report: {problem}\nusage: bench-report [--criterion DIR] [--results DIR]");
    ExitCode::from(2)
}
