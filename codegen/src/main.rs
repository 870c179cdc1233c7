//! `provedex-codegen [--check] [--spec-dir DIR] [--out-dir DIR]`
//!
//! Regenerates every file derived from `spec/`; with `--check`, writes
//! nothing and exits 1 naming each generated file that is stale.

use std::path::PathBuf;
use std::process::ExitCode;

use provedex_codegen::{REGENERATE_COMMAND, Status, check, default_root, generate, write};

const USAGE: &str = "usage: provedex-codegen [--check] [--spec-dir DIR] [--out-dir DIR]\n\
  --check         write nothing; exit 1 if a generated file differs from what the spec gives\n\
  --spec-dir DIR  read the spec from DIR (default: <repo>/spec)\n\
  --out-dir DIR   the tree the generated paths are relative to (default: the repository root)";

fn main() -> ExitCode {
    let mut check_only = false;
    let root = default_root();
    let mut spec_dir = root.join("spec");
    let mut out_dir = root;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--check" => check_only = true,
            "--spec-dir" | "--out-dir" => {
                let Some(value) = args.next() else {
                    eprintln!("error: {arg} needs a directory\n{USAGE}");
                    return ExitCode::from(2);
                };
                if arg == "--spec-dir" { spec_dir = PathBuf::from(value) } else { out_dir = PathBuf::from(value) }
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("error: unexpected argument {other:?}\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }

    let outputs = match generate(&spec_dir) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let result = if check_only { check(&outputs, &out_dir) } else { write(&outputs, &out_dir) };
    let statuses = match result {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let stale: Vec<_> = statuses.iter().filter(|(_, s)| *s == Status::Stale).map(|(p, _)| *p).collect();
    if check_only {
        if stale.is_empty() {
            let plural = if statuses.len() == 1 { "" } else { "s" };
            println!("up to date: {} generated file{plural}", statuses.len());
            return ExitCode::SUCCESS;
        }
        for path in &stale {
            eprintln!("stale: {path}");
        }
        eprintln!("{} of {} generated files are stale; run `{REGENERATE_COMMAND}`", stale.len(), statuses.len());
        return ExitCode::FAILURE;
    }
    for (path, status) in &statuses {
        println!("{} {path}", if *status == Status::Stale { "wrote    " } else { "unchanged" });
    }
    ExitCode::SUCCESS
}
