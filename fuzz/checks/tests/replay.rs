//! Replays every seed corpus file and every regression input through the
//! fuzz targets' checks, so a crash found once stays fixed.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use provedex_core::Verifier;
use provedex_fuzz_checks::fixtures::main_ledger;
use provedex_fuzz_checks::{TARGETS, mutate_ledger};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The input files of `dir`, sorted; none when it does not exist. Dotfiles
/// (`.gitkeep`) are not inputs.
fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<_> = entries
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_file() && !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))
        .collect();
    files.sort();
    files
}

fn replay(target: &str) {
    let check = TARGETS.iter().find(|(name, _)| *name == target).expect("a known target").1;
    let corpus = inputs(&fuzz_dir().join("corpus").join(target));
    assert!(
        !corpus.is_empty(),
        "no seed corpus for {target}: run `cargo run -p provedex-fuzz-checks --bin seed-corpus`"
    );
    let regressions = inputs(&fuzz_dir().join("regressions").join(target));
    let failed: Vec<_> = corpus
        .iter()
        .chain(&regressions)
        .filter(|path| {
            let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            catch_unwind(AssertUnwindSafe(|| check(&data))).is_err()
        })
        .map(|path| path.display().to_string())
        .collect();
    assert!(failed.is_empty(), "{target}: {} inputs fail their check:\n{}", failed.len(), failed.join("\n"));
}

#[test]
fn canonical_json() {
    replay("canonical_json");
}

#[test]
fn ledger_line() {
    replay("ledger_line");
}

#[test]
fn verify_stream() {
    replay("verify_stream");
}

#[test]
fn differential() {
    replay("differential");
}

#[test]
fn every_target_has_a_test_here() {
    let names: Vec<_> = TARGETS.iter().map(|(name, _)| *name).collect();
    assert_eq!(names, ["canonical_json", "ledger_line", "verify_stream", "differential"]);
}

#[test]
fn an_empty_edit_program_leaves_the_fixture_ledger_valid() {
    let ledger = mutate_ledger(&[]);
    assert_eq!(ledger, main_ledger().bytes);
    let report = Verifier::new().reader(ledger.as_slice()).unwrap();
    assert!(report.ok, "{}", report.message);
    assert_eq!(report.event_count, 7);
    assert_eq!(report.root_hash, main_ledger().hashes.last().copied());
}
