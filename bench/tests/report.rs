//! The report reads criterion's samples and the other measurements, and
//! computes each ratio in the direction its goal is stated.

use std::fs;
use std::path::Path;

use provedex_bench::names::*;
use provedex_bench::report::{
    Goal, Row, comparison_rows, fastest_per_iteration, format_duration, format_rate, read_fastest, render_markdown,
    render_text, thousands,
};
use provedex_bench::{RECORD_THREADS, RSS_EVENTS, VERIFY_EVENTS};

/// Written by criterion for a linearly sampled benchmark: iterations grow from sample to sample.
const LINEAR: &str = include_str!("fixtures/sample_linear.json");
/// Written by criterion for a flat-sampled benchmark: the same iterations in every sample.
const FLAT: &str = include_str!("fixtures/sample_flat.json");

#[test]
fn reads_the_fastest_sample_per_iteration_whatever_the_sampling() {
    assert_eq!(fastest_per_iteration(LINEAR), Ok(1156506.0 / 58.0));
    assert_eq!(fastest_per_iteration(FLAT), Ok(1298019426.0 / 3.0));
}

#[test]
fn refuses_samples_without_a_usable_figure() {
    assert!(fastest_per_iteration("not json").is_err());
    assert!(fastest_per_iteration(r#"{"iters": [1.0]}"#).is_err());
    assert!(fastest_per_iteration(r#"{"iters": [1.0, 2.0], "times": [5.0]}"#).is_err());
    assert!(fastest_per_iteration(r#"{"iters": [0.0], "times": [5.0]}"#).is_err());
}

/// Criterion's layout under `dir` for benchmark `id`: two flat samples, the fastest at `nanos` per iteration.
fn write_samples(dir: &Path, id: &str, nanos: f64) {
    let sample = serde_json::json!({"sampling_mode": "Flat", "iters": [4.0, 4.0], "times": [6.0 * nanos, 4.0 * nanos]});
    let new = dir.join(id).join("new");
    fs::create_dir_all(&new).unwrap();
    fs::write(new.join("sample.json"), sample.to_string()).unwrap();
}

fn row<'a>(rows: &'a [Row], figure_starts: &str) -> &'a Row {
    rows.iter().find(|r| r.figure.starts_with(figure_starts)).unwrap_or_else(|| panic!("no row {figure_starts:?}"))
}

#[test]
fn computes_every_ratio_from_a_run() {
    let run = tempfile::tempdir().unwrap();
    let (criterion, results) = (run.path().join("criterion"), run.path().join("results"));
    write_samples(&criterion, &format!("{SEAL_GROUP}/{SEAL_BARE_SIGN}"), 20_000.0);
    write_samples(&criterion, &format!("{SEAL_GROUP}/{SEAL_TYPED}/{MODEL_INVOKED}"), 21_000.0);
    write_samples(&criterion, &format!("{SEAL_GROUP}/{SEAL_TYPED}/{TOOL_CALLED}"), 23_000.0);
    write_samples(&criterion, &format!("{SEAL_GROUP}/{SEAL_SERDE_JSON}/{MODEL_INVOKED}"), 24_000.0);
    write_samples(&criterion, &format!("{HASH_GROUP}/{HASH_TYPED}/{MODEL_INVOKED}"), 800.0);
    write_samples(&criterion, &format!("{HASH_GROUP}/{HASH_SERDE_JSON}/{MODEL_INVOKED}"), 2_400.0);
    write_samples(&criterion, &format!("{RECORD_GROUP}/{RECORD_GROUP_COMMIT}"), 25_000.0);
    write_samples(&criterion, &format!("{RECORD_GROUP}/{RECORD_EVERY_EVENT}"), 400_000.0);
    write_samples(&criterion, &format!("{RECORD_UNSYNCED_GROUP}/{RECORD_UNSYNCED}"), 28_000.0);
    // Nanoseconds per whole ledger: 20 µs and 50 µs per event.
    write_samples(&criterion, &format!("{VERIFY_GROUP}/{VERIFY_DEFAULT}"), 20_000.0 * VERIFY_EVENTS as f64);
    write_samples(&criterion, &format!("{VERIFY_GROUP}/{VERIFY_SEQUENTIAL}"), 50_000.0 * VERIFY_EVENTS as f64);
    fs::create_dir_all(&results).unwrap();
    fs::write(
        results.join("verify_rss.json"),
        format!(
            r#"{{"events": {RSS_EVENTS}, "ok": true, "message": "valid", "peak_rss_bytes": 12500000, "seconds": 30.0}}"#
        ),
    )
    .unwrap();
    fs::write(
        results.join("python_record.json"),
        r#"{"ns_per_record": 42000.0, "ns_per_empty_call": 10500.0, "durability": "none"}"#,
    )
    .unwrap();

    let rows = comparison_rows(&criterion, &results);

    let seal = row(&rows, &format!("seal {MODEL_INVOKED} (canonical"));
    assert_eq!((seal.ratio, seal.met), (Some(1.05), Some(true)));
    assert_eq!((seal.value.as_str(), seal.baseline_value.as_str()), ("21.00 µs", "20.00 µs"));
    let seal = row(&rows, &format!("seal {TOOL_CALLED} (canonical"));
    assert_eq!((seal.ratio, seal.met), (Some(1.15), Some(false)));

    let against_serde = row(&rows, &format!("seal {MODEL_INVOKED}, typed"));
    assert_eq!((against_serde.ratio, against_serde.goal, against_serde.met), (Some(0.875), Goal::None, None));
    assert!(row(&rows, &format!("seal {TOOL_CALLED}, typed")).value.starts_with("not measured"));
    assert_eq!(row(&rows, &format!("self_hash {MODEL_INVOKED}")).ratio, Some(800.0 / 2_400.0));

    let record = row(&rows, &format!("durable record, {RECORD_THREADS} threads"));
    assert_eq!((record.ratio, record.met), (Some(16.0), Some(true)));
    assert_eq!((record.value.as_str(), record.baseline_value.as_str()), ("40,000 events/s", "2,500 events/s"));

    let verify = row(&rows, "verify a");
    assert_eq!((verify.ratio, verify.met), (Some(2.5), Some(true)));
    assert_eq!(verify.value, "50,000 events/s");

    let memory = row(&rows, "peak RSS");
    assert_eq!((memory.value.as_str(), memory.ratio, memory.met), ("12.5 MB", None, Some(true)));

    let python: Vec<&Row> = rows.iter().filter(|r| r.figure.starts_with("Python session.record")).collect();
    assert_eq!(python[0].figure, "Python session.record ModelInvoked, durability none");
    assert_eq!((python[0].ratio, python[0].met), (Some(2.0), Some(false)));
    assert_eq!((python[1].ratio, python[1].goal, python[1].met), (Some(1.5), Goal::None, None));
    let call = row(&rows, "Python binding call");
    assert_eq!((call.value.as_str(), call.ratio, call.met), ("10.50 µs", Some(0.25), None));

    let markdown = render_markdown(&rows);
    assert_eq!(markdown.lines().count(), rows.len() + 2);
    assert!(markdown.contains("| 1.05× | ≤ 1.10× | met |"), "{markdown}");
    assert!(render_text(&rows).contains("NOT MET"));
}

#[test]
fn a_missing_measurement_is_a_row_that_says_so() {
    let run = tempfile::tempdir().unwrap();
    let results = run.path().join("results");
    fs::create_dir_all(&results).unwrap();
    fs::write(results.join("python_record.json"), r#"{"not_measured": "no venv"}"#).unwrap();

    let rows = comparison_rows(&run.path().join("criterion"), &results);

    assert!(rows.iter().all(|r| r.ratio.is_none() && r.met.is_none() && r.value.starts_with("not measured")));
    assert_eq!(row(&rows, "Python").value, "not measured (no venv)");
    assert!(read_fastest(run.path(), "seal/missing").unwrap_err().contains("sample.json"));
}

#[test]
fn formats_times_and_rates_for_people() {
    assert_eq!(format_duration(950.0), "950.0 ns");
    assert_eq!(format_duration(21_392.08), "21.39 µs");
    assert_eq!(format_duration(2.5e8), "250.00 ms");
    assert_eq!(format_rate(1_000.0), "1,000,000 events/s");
    assert_eq!(format_rate(400_000.0), "2,500 events/s");
    assert_eq!(
        (thousands(999), thousands(20_000), thousands(1_000_000)),
        ("999".into(), "20,000".into(), "1,000,000".into())
    );
}

#[test]
fn summarises_pairs_of_runs_by_the_median_of_their_ratios() {
    use provedex_bench::report::paired_ratios;
    // Ratios 1.1, 1.0, 1.2, 0.9, 1.04: sorted 0.9 1.0 1.04 1.1 1.2.
    let five = paired_ratios(&[110.0, 100.0, 120.0, 90.0, 104.0], &[100.0; 5]).unwrap();
    assert_eq!((five.pairs, five.median, five.lower_quartile, five.upper_quartile), (5, 1.04, 1.0, 1.1));
    assert_eq!((five.median_low, five.median_high), (0.9, 1.2), "too few pairs: the extremes");
    assert_eq!((five.median_with_nanos, five.median_without_nanos), (104.0, 100.0));

    // Ratios 1 to 30: the median between the 15th and 16th, quartiles at
    // ranks 8.25 and 22.75, the interval at ranks 15 ∓ 5.37 rounded outwards: 9 and 22.
    let with: Vec<f64> = (1..=30).rev().map(f64::from).collect();
    let thirty = paired_ratios(&with, &[1.0; 30]).unwrap();
    assert_eq!((thirty.median, thirty.lower_quartile, thirty.upper_quartile), (15.5, 8.25, 22.75));
    assert_eq!((thirty.median_low, thirty.median_high), (9.0, 22.0));

    assert!(paired_ratios(&[1.0, 2.0], &[1.0]).is_err());
    assert!(paired_ratios(&[], &[]).is_err());
    assert!(paired_ratios(&[1.0], &[0.0]).is_err());
}

#[test]
fn reports_the_tree_figures_against_their_baselines() {
    use provedex_bench::{TREE_BUILD_STAGES_FILE, TREE_READS_FILE, TREE_REBUILD_EVENTS, TREE_RECORD_PAIRED_FILE};
    let run = tempfile::tempdir().unwrap();
    let (criterion, results) = (run.path().join("criterion"), run.path().join("results"));
    fs::create_dir_all(&results).unwrap();
    // Criterion's separate samples: 100 µs per event with the tree, 96 µs without.
    write_samples(&criterion, &format!("{TREE_RECORD_GROUP}/{TREE_RECORD_WITH}"), 100_000.0);
    write_samples(&criterion, &format!("{TREE_RECORD_GROUP}/{TREE_RECORD_WITHOUT}"), 96_000.0);
    // Pairs: ratios 1.10, 1.00, 1.02, 0.98 → median 1.01.
    let paired = r#"{"events_per_run": 3000, "with_tree_ns_per_event": [55000, 50000, 51000, 49000],
        "without_tree_ns_per_event": [50000, 50000, 50000, 50000]}"#;
    fs::write(results.join(TREE_RECORD_PAIRED_FILE), paired).unwrap();
    // Per 1,000,000 lines: 300 ms for the index, 100 ms for the leaf hashes.
    write_samples(&criterion, &format!("{TREE_BUILD_GROUP}/{TREE_BUILD_INDEX}"), 3e8);
    write_samples(&criterion, &format!("{TREE_BUILD_GROUP}/{TREE_BUILD_LEAVES}"), 1e8);
    let stages = serde_json::json!({"lines": 1_000_000, "rounds": 3, "stages": [
        {"stage": "read the lines", "ns_per_line": 200.0},
        {"stage": STAGE_LINE_HASHES, "ns_per_line": 700.0},
        {"stage": "read and parse each line", "ns_per_line": 2_800.0},
        {"stage": STAGE_WHOLE_BUILD, "ns_per_line": 3_500.0},
    ]});
    fs::write(results.join(TREE_BUILD_STAGES_FILE), stages.to_string()).unwrap();
    // Per ledger: extending 50 µs per event, hashing its lines 1 µs.
    let events = TREE_REBUILD_EVENTS as f64;
    write_samples(&criterion, &format!("{TREE_REBUILD_GROUP}/{TREE_EXTEND_INDEX}"), 50_000.0 * events);
    write_samples(&criterion, &format!("{TREE_REBUILD_GROUP}/{TREE_EXTEND_LINE_HASHES}"), 1_000.0 * events);
    write_samples(&criterion, &format!("{TREE_REBUILD_GROUP}/{TREE_REBUILD_INDEX}"), 1.1e9);
    write_samples(&criterion, &format!("{TREE_REBUILD_GROUP}/{TREE_REBUILD_VERIFY}"), 1e9);
    write_samples(&criterion, &format!("{TREE_READS_GROUP}/{TREE_ROOT_INDEX}/1000"), 2_000.0);
    write_samples(&criterion, &format!("{TREE_READS_GROUP}/{TREE_ROOT_INDEX}/1000000"), 3_000.0);
    write_samples(&criterion, &format!("{TREE_READS_GROUP}/{TREE_PROOF_INDEX}/1000"), 5_000.0);
    write_samples(&criterion, &format!("{TREE_READS_GROUP}/{TREE_PROOF_INDEX}/1000000"), 10_000.0);
    let reads = r#"{"sizes": [{"tree_size": 1000, "root_node_reads": 6, "inclusion_node_reads": 13},
        {"tree_size": 1000000, "root_node_reads": 7, "inclusion_node_reads": 41}]}"#;
    fs::write(results.join(TREE_READS_FILE), reads).unwrap();

    let rows = comparison_rows(&criterion, &results);
    let paired = row(&rows, "durable record, 16 threads, group commit, keeping the tree: time per event, median of 4");
    assert_eq!((paired.ratio, paired.goal, paired.met), (Some(1.01), Goal::RatioAtMost(1.05), Some(true)));
    assert_eq!((paired.value.as_str(), paired.baseline_value.as_str()), ("50.50 µs", "50.00 µs"));
    assert!(paired.figure.contains("3,000-event runs"), "{}", paired.figure);
    let separate = row(&rows, "durable record, 16 threads, group commit, keeping the tree (criterion");
    assert_eq!((separate.ratio, separate.met), (Some(0.96), None));

    let build = row(&rows, "build the index of a 1,000,000-event ledger from its file");
    assert_eq!((build.ratio, build.met), (Some(0.2), Some(false)));
    assert_eq!((build.value.as_str(), build.baseline_value.as_str()), ("285,714 events/s", "1,428,571 events/s"));
    let parse = row(&rows, "building from the ledger's lines, per line (1,000,000 lines): read and parse");
    assert_eq!((parse.ratio, parse.value.as_str()), (Some(4.0), "2.80 µs"));
    assert_eq!(rows.iter().filter(|r| r.figure.starts_with("building from the ledger's lines")).count(), 3);

    let extend = row(&rows, &format!("index a {}-event ledger by extending", thousands(TREE_REBUILD_EVENTS)));
    assert_eq!((extend.ratio, extend.met), (Some(0.02), Some(false)));
    let rebuild = row(&rows, &format!("rebuild the index of a {}-event", thousands(TREE_REBUILD_EVENTS)));
    assert_eq!((rebuild.ratio, rebuild.met), (Some(1.0 / 1.1), None));
    let written = row(&rows, "write the index of 1,000,000 lines");
    assert_eq!((written.ratio, written.met), (Some(1.0 / 3.0), None));

    let root_small = row(&rows, "root at 1,000 leaves");
    assert_eq!((root_small.value.as_str(), root_small.met), ("2.00 µs, 6 reads", Some(true)));
    assert_eq!(root_small.goal, Goal::ValueAtMost(20.0, "reads"));
    let root = row(&rows, "root at 1,000,000 leaves");
    assert_eq!((root.value.as_str(), root.baseline_value.as_str()), ("3.00 µs, 7 reads", "2.00 µs, 6 reads"));
    assert_eq!((root.ratio, root.goal, root.met), (Some(1.5), Goal::ValueAtMost(40.0, "reads"), Some(true)));
    let proof = row(&rows, "inclusion proof (verified) at 1,000,000 leaves");
    assert_eq!((proof.ratio, proof.met), (Some(2.0), Some(false)), "41 reads is above 2 × 20");
    assert!(render_text(&rows).contains("≤ 40 reads"));
}

#[test]
fn a_missing_tree_measurement_is_a_row_that_says_so() {
    let run = tempfile::tempdir().unwrap();
    let results = run.path().join("results");
    fs::create_dir_all(&results).unwrap();
    fs::write(
        results.join(provedex_bench::TREE_RECORD_PAIRED_FILE),
        r#"{"with_tree_ns_per_event": [1.0, 2.0], "without_tree_ns_per_event": [1.0]}"#,
    )
    .unwrap();
    let rows = comparison_rows(&run.path().join("criterion"), &results);
    let paired = row(&rows, "durable record, 16 threads, group commit, keeping the tree: time per event");
    assert!(paired.value.contains("2 runs with the tree, 1 without"), "{}", paired.value);
    assert!(row(&rows, "build the index of a 1,000,000-event ledger").value.starts_with("not measured"));
    assert!(row(&rows, "root at 1,000,000 leaves").value.starts_with("not measured"));
}
