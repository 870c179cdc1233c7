//! Every normative sentence of spec/ has an id and every id is pinned by a
//! vector or a named test (`scripts/regenerate.sh --check` keeps
//! spec/coverage.md, which lists them, current).

use std::path::{Path, PathBuf};

use provedex_conformance::traceability::Traceability;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

#[test]
fn every_requirement_is_pinned_by_a_vector_or_a_named_test() {
    let traceability = Traceability::load(&repo()).unwrap_or_else(|faults| panic!("{faults}"));
    let coverage = traceability.coverage().unwrap();
    let unpinned: Vec<String> = coverage
        .iter()
        .filter(|(_, pinned)| pinned.vectors.is_empty() && pinned.tests.is_empty())
        .map(|(r, _)| format!("{} (spec/{}:{}): {}", r.id, r.file, r.line, r.text))
        .collect();
    assert!(unpinned.is_empty(), "requirements nothing pins:\n{}", unpinned.join("\n"));
}
