//! `provedex-codegen [--check] [--spec-dir DIR] [--out-dir DIR]`
//!
//! Regenerates every file derived from `spec/`: first the askama templates'
//! outputs, then the uniffi bindings built from the FFI crate in the output
//! tree. With `--check`, writes nothing and exits 1 naming each generated
//! file that is stale (the bindings are checked once the templates' outputs
//! are current).

#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use provedex_codegen::{Output, REGENERATE_COMMAND, Status, check, default_root, generate, render_bindings, write};

const USAGE: &str = "usage: provedex-codegen [--check] [--spec-dir DIR] [--out-dir DIR]\n\
  --check         write nothing; exit 1 if a generated file differs from what the spec gives\n\
  --spec-dir DIR  read the spec from DIR (default: <repo>/spec)\n\
  --out-dir DIR   the workspace the generated paths are relative to, where the FFI is built\n\
                  (default: the repository root)";

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
        Err(e) => return fail(&e),
    };
    let mut statuses = match apply(&outputs, &out_dir, check_only) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    // The bindings are derived from the FFI crate as it stands in `out_dir`;
    // checking them against stale FFI sources would prove nothing.
    if !(check_only && statuses.iter().any(|(_, s)| *s == Status::Stale)) {
        let bindings = match render_bindings(&out_dir) {
            Ok(b) => b,
            Err(e) => return fail(&e),
        };
        match apply(&bindings, &out_dir, check_only) {
            Ok(s) => statuses.extend(s),
            Err(e) => return fail(&e),
        }
    }
    let stale: Vec<_> = statuses.iter().filter(|(_, s)| *s == Status::Stale).map(|(p, _)| *p).collect();
    if check_only {
        if stale.is_empty() {
            println!("up to date: {} generated files", statuses.len());
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

fn apply(outputs: &[Output], out_dir: &Path, check_only: bool) -> Result<Vec<(&'static str, Status)>, String> {
    let result = if check_only { check(outputs, out_dir) } else { write(outputs, out_dir) };
    result.map_err(|e| e.to_string())
}

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}
