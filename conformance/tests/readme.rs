//! The README's vector table states the generator's real counts.

use provedex_conformance::generate;

#[test]
fn readme_vector_counts_match_the_generator() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let files = generate::all_files();
    for (stem, file) in &files {
        let row = readme
            .lines()
            .find(|l| l.starts_with(&format!("| `{stem}.json` |")))
            .unwrap_or_else(|| panic!("README has no row for {stem}.json"));
        let count: usize = row.split('|').nth(3).unwrap().trim().parse().unwrap();
        assert_eq!(count, file.number_of_tests, "README count for {stem}.json");
    }
    let total: usize = files.iter().map(|(_, f)| f.number_of_tests).sum();
    assert!(readme.contains(&format!("| **total** | | **{total}** |")), "README total should be {total}");
    assert!(
        readme.contains(&format!("passes all {total} vectors")),
        "README should say the Python implementation passes all {total}"
    );
}
