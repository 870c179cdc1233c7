//! The independent Python implementation (conformance/impls/python) through
//! the runner: it passes every vector, each bug it can plant is caught, and
//! every response it writes is of the protocol's typed form and valid under
//! spec/conformance-protocol.schema.json.
//!
//! It runs under the Python of `$PROVEDEX_PYTHON`, by default the virtual
//! environment `target/python-venv` that `scripts/test.sh` creates.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use provedex_conformance::default_vectors_dir;
use provedex_conformance::protocol::to_line;
use provedex_conformance::runner::{load_vectors, render, run};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn python() -> String {
    let python = std::env::var("PROVEDEX_PYTHON")
        .unwrap_or_else(|_| repo().join("target/python-venv/bin/python").to_string_lossy().into_owned());
    let ready = Command::new(&python).args(["-c", "import cryptography"]).output().is_ok_and(|o| o.status.success());
    assert!(
        ready,
        "no Python with the independent implementation's requirements at {python}; \
         run scripts/test.sh (it creates target/python-venv) or set PROVEDEX_PYTHON"
    );
    python
}

fn adapter(extra: &[&str]) -> Vec<String> {
    let script = repo().join("conformance/impls/python/adapter.py").to_string_lossy().into_owned();
    [python(), script].into_iter().chain(extra.iter().map(|s| (*s).to_owned())).collect()
}

#[test]
fn the_python_implementation_passes_every_vector() {
    let vectors = load_vectors(&default_vectors_dir()).unwrap();
    let report = run(&vectors, &adapter(&[]), None, Duration::from_secs(20)).unwrap();
    assert!(report.success(), "{}", render(&report));
    assert_eq!(report.total.skipped, 0);
    insta::assert_snapshot!("python_reference_report", render(&report));
}

#[test]
fn every_planted_bug_is_caught() {
    let listed = Command::new(&adapter(&[])[0]).args([&adapter(&[])[1], "--list-bugs"]).output().unwrap();
    let bugs: Vec<String> = String::from_utf8(listed.stdout).unwrap().lines().map(str::to_owned).collect();
    for required in [
        "json_dumps_canonical",
        "float_repr",
        "utf16_key_order",
        "sign_hex_text",
        "nonstrict_ed25519",
        "ignore_unknown_fields",
        "accept_uppercase_hex",
        "skip_seq_check",
        "accept_duplicate_keys",
    ] {
        assert!(bugs.iter().any(|b| b == required), "the implementation cannot plant {required}");
    }
    let vectors = load_vectors(&default_vectors_dir()).unwrap();
    // One run of the whole suite per bug, as many at a time as there are cores.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let reports = std::sync::Mutex::new(Vec::new());
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                while let Some(bug) = bugs.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed)) {
                    let report = run(&vectors, &adapter(&["--plant-bug", bug]), None, Duration::from_secs(20)).unwrap();
                    reports.lock().unwrap().push((bug.clone(), report));
                }
            });
        }
    });
    let mut reports = reports.into_inner().unwrap();
    reports.sort_by_key(|(bug, _)| bugs.iter().position(|b| b == bug));
    let mut caught = Vec::new();
    let mut missed = Vec::new();
    for (bug, report) in reports {
        if report.success() || report.problems.is_empty() {
            missed.push(bug);
        } else {
            caught.push((bug, report.total.failed + report.total.errored, report.problems[0].id.clone()));
        }
    }
    println!("caught {} of {} planted bugs:", caught.len(), bugs.len());
    for (bug, failing, first) in &caught {
        println!("  {bug}: {failing} failing, first {first}");
    }
    assert!(missed.is_empty(), "planted bugs the vectors do not catch: {missed:?}");

    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let n = bugs.len();
    assert!(readme.contains(&format!("{n} of {n} planted")), "README should report {n} of {n} planted bugs caught");
    for (bug, failing, _) in &caught {
        let row = readme
            .lines()
            .find(|l| l.starts_with(&format!("| `{bug}`")))
            .unwrap_or_else(|| panic!("README's planted-bug table lacks {bug}"));
        let stated: usize = row.rsplit('|').nth(1).unwrap().trim().parse().unwrap();
        assert_eq!(stated, *failing, "README's failing-vector count for {bug}");
    }
}

// Pins: CF-3.
#[test]
fn every_response_of_the_python_implementation_is_typed_and_valid() {
    let validators = common::validators();
    // The requests come from a file: with pipes both ways, a test that wrote
    // them all before reading would wait on the adapter's full stdout.
    let input = std::env::temp_dir().join(format!("provedex-conformance-requests-{}.ndjson", std::process::id()));
    let mut file = std::io::BufWriter::new(std::fs::File::create(&input).unwrap());
    let mut count = 0;
    for request in common::requests() {
        writeln!(file, "{}", to_line(&request)).unwrap();
        count += 1;
    }
    file.into_inner().unwrap().sync_all().unwrap();
    let command = adapter(&[]);
    let out = Command::new(&command[0])
        .args(&command[1..])
        .stdin(std::fs::File::open(&input).unwrap())
        .stderr(Stdio::inherit())
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&input);
    assert!(out.status.success(), "the adapter exited with {}", out.status);
    let lines: Vec<&str> = std::str::from_utf8(&out.stdout).unwrap().lines().collect();
    assert_eq!(lines.len(), count, "one response per request");
    for (request, line) in common::requests().zip(lines) {
        common::check_response(&validators, &request, line, true);
    }
}
