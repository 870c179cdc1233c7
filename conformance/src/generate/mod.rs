//! The deterministic vector generator: every file of `vectors/`.

mod bundles;
mod canonical;
mod check_order;
mod checkpoints;
mod data;
mod ed25519;
mod events;
mod ledgers;
mod ledgers_1_1;
mod lines;
mod long;
mod near_miss;
mod pins;
mod readme;
mod samples;
mod signatures;
mod toolsets;
mod tree;

use std::fs;
use std::path::Path;

use crate::traceability::{self, Traceability, render_coverage};
use crate::vector::VectorFile;

pub use readme::with_vector_figures;

/// Every vector file, named by its stem, in a stable order.
pub fn all_files() -> Vec<(&'static str, VectorFile)> {
    let mut files = vec![
        ("canonical_json", canonical::file()),
        ("events", events::file()),
        ("signatures", signatures::file()),
        ("ed25519", ed25519::file()),
        ("lines", lines::file()),
        ("ledgers", ledgers::file()),
        ("check_order", check_order::file()),
        ("events_1_1", events::file_1_1()),
        ("toolset_hash", toolsets::file()),
        ("sign_data", data::sign_file()),
        ("verify_data", data::verify_file()),
        ("lines_1_1", ledgers_1_1::lines_file()),
        ("ledgers_1_1", ledgers_1_1::ledgers_file()),
        ("check_order_1_1", check_order::file_1_1()),
        ("tree", tree::tree_file()),
        ("inclusion", tree::inclusion_file()),
        ("consistency", tree::consistency_file()),
        ("sign_checkpoint", checkpoints::sign_file()),
        ("checkpoints", checkpoints::verify_file()),
        ("ledgers_checkpoint", checkpoints::ledgers_file()),
        ("bundles", bundles::file()),
    ];
    pins::apply(&mut files);
    files
}

/// The text of a vector file as checked in: pretty JSON with a final LF.
pub fn render(file: &VectorFile) -> String {
    serde_json::to_string_pretty(file).expect("vectors serialise") + "\n"
}

/// Writes every file into `dir` (when `check` is false) or compares each
/// with the file there; returns the stems of the files that differ.
pub fn write_or_check(dir: &Path, check: bool) -> std::io::Result<Vec<String>> {
    let mut stale = Vec::new();
    if !check {
        fs::create_dir_all(dir)?;
    }
    for (stem, file) in all_files() {
        let path = dir.join(format!("{stem}.json"));
        let text = render(&file);
        let current = fs::read_to_string(&path).ok();
        if current.as_deref() != Some(text.as_str()) {
            stale.push(format!("{stem}.json"));
            if !check {
                fs::write(&path, text)?;
            }
        }
    }
    Ok(stale)
}

/// Writes a generated file of the repository (a JSON Schema derived from
/// Rust types, [`crate::schemas`]; the coverage table) to `path` (when
/// `check` is false) or compares it with the file there; returns whether
/// the file was, or would be, changed.
pub fn generated_write_or_check(path: &Path, text: &str, check: bool) -> std::io::Result<bool> {
    let stale = fs::read_to_string(path).ok().as_deref() != Some(text);
    if stale && !check {
        fs::write(path, text)?;
    }
    Ok(stale)
}

/// Sets the vector figures of the README at `path` from the generator's
/// counts (when `check` is false) or compares them; returns whether the
/// README was, or would be, changed.
pub fn readme_write_or_check(path: &Path, check: bool) -> std::io::Result<bool> {
    let files = all_files();
    let counts: Vec<(&str, usize)> = files.iter().map(|(stem, file)| (*stem, file.number_of_tests)).collect();
    let current = fs::read_to_string(path)?;
    let updated = with_vector_figures(&current, &counts).map_err(std::io::Error::other)?;
    let stale = updated != current;
    if stale && !check {
        fs::write(path, updated)?;
    }
    Ok(stale)
}

/// The requirement coverage table, from the repository's root.
pub const COVERAGE: &str = "spec/coverage.md";

/// Writes the requirement coverage table ([`COVERAGE`]) from the spec, the
/// vectors and the tests under `root` (when `check` is false) or compares
/// it; returns whether it was, or would be, changed.
pub fn coverage_write_or_check(root: &Path, check: bool) -> Result<bool, String> {
    let traceability = Traceability::load(root)?;
    let text = render_coverage(&traceability.coverage()?, traceability::HEADER);
    generated_write_or_check(&root.join(COVERAGE), &text, check).map_err(|e| format!("{COVERAGE}: {e}"))
}
