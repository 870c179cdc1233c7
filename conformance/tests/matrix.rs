//! The results matrix: two test adapters over a fixed selection of the
//! vectors (ids are stable, so the table is too), as Markdown (snapshot),
//! as HTML, and through the command, which writes and checks the README's
//! section between its markers.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::{bin, rust_core, script, tampered, tempdir};
use provedex_conformance::matrix::{self, MatrixAdapter, README_BEGIN, README_END};
use provedex_conformance::runner::load_vectors;
use provedex_conformance::{default_vectors_dir, generate};

/// Two tests of each vector file: one of each verdict, or one outside and
/// one inside the strictness profile.
const SELECTED: [&str; 29] = [
    "canonical_json/structure/null",
    "canonical_json/structure/true",
    "canonical_json/errors/duplicate-key",
    "ed25519/baseline/honest",
    "ed25519/scalar/s-plus-l",
    "events/valid/SessionStarted-typical",
    "events/structure/missing-type",
    "check_order/seq-missing-first/timestamp-nanos-missing",
    "check_order/duplicate-key-first/seq-missing",
    "ledgers/chain/delete-middle",
    "ledgers/strict/duplicate-seq",
    "lines/positions/seq-1",
    "lines/crlf-first/seq-missing",
    "signatures/check-value/session-started",
    "signatures/refused/uppercase-digest",
    "events_1_1/valid/KeyRotated-typical",
    "events_1_1/Redacted/target_seq-missing",
    "ledgers_1_1/rotation-valid/rotate-once",
    "ledgers_1_1/rotation-findings/proof-is-data-signature",
    "lines_1_1/content/rotation",
    "lines_1_1/content/pin-unsorted",
    "check_order_1_1/KeyRotated-bad-signature-first/rotation-key-is-signer",
    "check_order_1_1/ToolsetPinned-duplicate-key-first/toolset-unsorted",
    "toolset_hash/examples/spec-example",
    "toolset_hash/refused/duplicate-name",
    "sign_data/signatures/seed-zeros-empty",
    "sign_data/signatures/seed-zeros-text",
    "verify_data/valid/text",
    "verify_data/strict/s-plus-l",
];

/// A vector directory holding only the [`SELECTED`] tests.
fn selected_vectors(name: &str) -> PathBuf {
    let dir = tempdir(name);
    for (stem, mut file) in load_vectors(&default_vectors_dir()).unwrap() {
        for group in &mut file.test_groups {
            group.tests.retain(|t| SELECTED.contains(&t.id.as_str()));
        }
        file.test_groups.retain(|g| !g.tests.is_empty());
        file.number_of_tests = file.tests().count();
        std::fs::write(dir.join(format!("{stem}.json")), generate::render(&file)).unwrap();
    }
    let kept: usize = load_vectors(&dir).unwrap().iter().map(|(_, f)| f.number_of_tests).sum();
    assert_eq!(kept, SELECTED.len(), "a selected test id is gone from vectors/");
    dir
}

/// The two implementations: a writer that spaces its lines its own way,
/// and an adapter that answers `null` to every canonicalize request.
fn adapters() -> Vec<MatrixAdapter> {
    vec![
        MatrixAdapter { name: "respaced writer".into(), command: tampered(r#"s/{\\"seq\\":/{\\"seq\\": /"#) },
        MatrixAdapter { name: "chatty | answers null".into(), command: vec![script("chatty.sh")] },
    ]
}

#[test]
fn the_matrix_of_two_fake_adapters() {
    let dir = selected_vectors("matrix-snapshot");
    let entries = matrix::run(&adapters(), &load_vectors(&dir).unwrap(), Duration::from_secs(10)).unwrap();
    let markdown = matrix::markdown(&entries);
    insta::assert_snapshot!("matrix_of_two_fake_adapters", markdown);

    let html = matrix::html(&entries);
    assert!(html.starts_with("<!DOCTYPE html>") && html.ends_with("</html>\n"));
    assert!(!html.contains("<b>") && !html.contains("src=") && !html.contains("<script"), "{html}");
    assert!(html.contains("chatty &lt;b&gt;|&lt;/b&gt; 0 (bash)"), "the hello's name is escaped: {html}");
    assert_eq!(html.matches("<tr>").count(), 1 + 2 * 4, "a header, then a row per implementation and level");
    assert!(html.contains("<td class=\"not-met\">not met</td>") && html.contains("<td class=\"met\">met</td>"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `provedex-conformance matrix` with the Rust core and chatty.sh over `vectors`, and `extra` arguments.
fn matrix_command(vectors: &Path, extra: &[&str]) -> std::process::Output {
    let quoted = |words: Vec<String>| shlex::try_join(words.iter().map(String::as_str)).unwrap();
    Command::new(bin())
        .arg("matrix")
        .arg("--vectors")
        .arg(vectors)
        .args(["--adapter", &format!("the Rust core={}", quoted(rust_core()))])
        .args(["--adapter", &format!("chatty={}", quoted(vec![script("chatty.sh")]))])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn the_command_writes_the_html_page_and_keeps_the_readme_section_current() {
    let vectors = selected_vectors("matrix-command");
    let dir = tempdir("matrix-readme");
    let (readme, page) = (dir.join("README.md"), dir.join("matrix.html"));
    let stale = format!("# Title\n\n{README_BEGIN}\nan old table\n{README_END}\n\nThe rest.\n");
    std::fs::write(&readme, &stale).unwrap();
    let path = |p: &Path| p.to_str().unwrap().to_owned();

    let check = matrix_command(&vectors, &["--readme", &path(&readme), "--check"]);
    assert_eq!(check.status.code(), Some(1), "a stale section fails the check");
    assert!(String::from_utf8_lossy(&check.stderr).contains("run `scripts/matrix.sh`"));
    assert_eq!(std::fs::read_to_string(&readme).unwrap(), stale, "--check writes nothing");

    let write = matrix_command(&vectors, &["--readme", &path(&readme), "--html", &path(&page)]);
    assert_eq!(write.status.code(), Some(0), "{}", String::from_utf8_lossy(&write.stderr));
    let table = String::from_utf8(write.stdout).unwrap();
    assert!(table.contains("| the Rust core: provedex-core 0.1.0 (Rust) | **strict** |"), "{table}");
    assert_eq!(
        std::fs::read_to_string(&readme).unwrap(),
        format!("# Title\n\n{README_BEGIN}\n{table}{README_END}\n\nThe rest.\n"),
        "the table printed is the one written between the markers"
    );
    assert!(std::fs::read_to_string(&page).unwrap().starts_with("<!DOCTYPE html>"));

    let again = matrix_command(&vectors, &["--readme", &path(&readme), "--check"]);
    assert_eq!(again.status.code(), Some(0), "the section is current now");

    let broken = matrix_command(&vectors, &["--adapter", "gone=/nonexistent/adapter"]);
    assert_eq!(broken.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&broken.stderr).contains("the adapter \"gone\": cannot start the adapter"));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&vectors);
}
