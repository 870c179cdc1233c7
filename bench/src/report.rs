//! The comparison table: criterion's samples and the other measurements,
//! each figure beside its baseline from the same run, the ratio and the goal.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

use crate::names::*;
use crate::{
    BUNDLE_EVENTS, RECORD_THREADS, RSS_EVENTS, RSS_GOAL_MB, TREE_BUILD_STAGES_FILE, TREE_EVENTS, TREE_READS_FILE,
    TREE_REBUILD_EVENTS, TREE_RECORD_PAIRED_FILE, TREE_SMALL_EVENTS, VERIFY_EVENTS,
};

/// Nanoseconds per iteration of the fastest sample in the text of
/// criterion's `sample.json` (`iters` and total `times` per sample).
///
/// The fastest sample, not the mean or median, because on a shared or virtual
/// machine other work only ever adds time, and a burst of it during one
/// benchmark's window moves its mean or median by more than the margins the
/// goals set; the Python figure is timed the same way (timeit's best round).
pub fn fastest_per_iteration(sample_json: &str) -> Result<f64, String> {
    let sample: Value = serde_json::from_str(sample_json).map_err(|e| format!("not criterion's sample JSON: {e}"))?;
    let column = |name: &str| -> Result<Vec<f64>, String> {
        let values = sample[name].as_array().ok_or_else(|| format!("no {name} array"))?;
        values.iter().map(|v| v.as_f64().ok_or_else(|| format!("{name} holds a non-number"))).collect()
    };
    let (iters, times) = (column("iters")?, column("times")?);
    if iters.len() != times.len() {
        return Err("iters and times differ in length".to_owned());
    }
    iters
        .iter()
        .zip(&times)
        .filter(|(iters, _)| **iters > 0.0)
        .map(|(iters, time)| time / iters)
        .filter(|nanos| nanos.is_finite() && *nanos > 0.0)
        .min_by(f64::total_cmp)
        .ok_or_else(|| "no sample with a positive time".to_owned())
}

/// [`fastest_per_iteration`] of the benchmark `id` (`group/function[/parameter]`)
/// from its latest run under `criterion_dir` (criterion's `target/criterion`).
pub fn read_fastest(criterion_dir: &Path, id: &str) -> Result<f64, String> {
    let path = criterion_dir.join(id).join("new").join("sample.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    fastest_per_iteration(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// What a figure must reach.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Goal {
    /// value ÷ baseline value at most this.
    RatioAtMost(f64),
    /// value ÷ baseline value at least this.
    RatioAtLeast(f64),
    /// The value itself at most this, in the figure's unit.
    ValueAtMost(f64, &'static str),
    /// Shown for information.
    None,
}

impl Goal {
    fn describe(self) -> String {
        match self {
            Goal::RatioAtMost(g) => format!("≤ {g:.2}×"),
            // One decimal unless the goal has two (0.95).
            Goal::RatioAtLeast(g) if (g * 10.0).fract().abs() > 1e-9 => format!("≥ {g:.2}×"),
            Goal::RatioAtLeast(g) => format!("≥ {g:.1}×"),
            Goal::ValueAtMost(limit, unit) => format!("≤ {limit} {unit}"),
            Goal::None => "—".to_owned(),
        }
    }
}

/// One line of the table. The ratio is always value ÷ baseline value, in the
/// unit shown: lower is better for times, higher for rates.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub figure: String,
    pub value: String,
    pub baseline: String,
    pub baseline_value: String,
    pub ratio: Option<f64>,
    pub goal: Goal,
    /// `None` when there is no goal or nothing was measured.
    pub met: Option<bool>,
}

impl Row {
    /// Compares two times per operation.
    pub fn time(figure: &str, nanos: f64, baseline: &str, baseline_nanos: f64, goal: Goal) -> Row {
        let ratio = nanos / baseline_nanos;
        Row {
            figure: figure.to_owned(),
            value: format_duration(nanos),
            baseline: baseline.to_owned(),
            baseline_value: format_duration(baseline_nanos),
            ratio: Some(ratio),
            goal,
            met: ratio_met(goal, ratio),
        }
    }

    /// Compares two rates, given as nanoseconds per event (what criterion measures).
    pub fn rate(figure: &str, nanos_per_event: f64, baseline: &str, baseline_nanos_per_event: f64, goal: Goal) -> Row {
        let ratio = baseline_nanos_per_event / nanos_per_event;
        Row {
            figure: figure.to_owned(),
            value: format_rate(nanos_per_event),
            baseline: baseline.to_owned(),
            baseline_value: format_rate(baseline_nanos_per_event),
            ratio: Some(ratio),
            goal,
            met: ratio_met(goal, ratio),
        }
    }

    /// A value held to an absolute limit (`goal` is a [`Goal::ValueAtMost`]).
    pub fn limit(figure: &str, value: f64, goal: Goal) -> Row {
        let (unit, met) = match goal {
            Goal::ValueAtMost(limit, unit) => (unit, Some(value <= limit)),
            _ => ("", None),
        };
        Row {
            figure: figure.to_owned(),
            value: format!("{value:.1} {unit}"),
            baseline: "—".to_owned(),
            baseline_value: "—".to_owned(),
            ratio: None,
            goal,
            met,
        }
    }

    /// A figure that could not be measured in this run, and why.
    pub fn not_measured(figure: &str, why: &str, baseline: &str, goal: Goal) -> Row {
        Row {
            figure: figure.to_owned(),
            value: format!("not measured ({why})"),
            baseline: baseline.to_owned(),
            baseline_value: "—".to_owned(),
            ratio: None,
            goal,
            met: None,
        }
    }

    fn cells(&self) -> [String; 7] {
        let result = match self.met {
            Some(true) => "met",
            Some(false) => "NOT MET",
            None => "—",
        };
        [
            self.figure.clone(),
            self.value.clone(),
            self.baseline.clone(),
            self.baseline_value.clone(),
            self.ratio.map_or_else(|| "—".to_owned(), |r| format!("{r:.2}×")),
            self.goal.describe(),
            result.to_owned(),
        ]
    }
}

fn ratio_met(goal: Goal, ratio: f64) -> Option<bool> {
    match goal {
        Goal::RatioAtMost(g) => Some(ratio <= g),
        Goal::RatioAtLeast(g) => Some(ratio >= g),
        Goal::ValueAtMost(..) | Goal::None => None,
    }
}

const HEADER: [&str; 7] = ["figure", "value", "baseline", "baseline value", "ratio", "goal", "result"];

/// The table with aligned columns, for a terminal.
pub fn render_text(rows: &[Row]) -> String {
    let cells: Vec<[String; 7]> = rows.iter().map(Row::cells).collect();
    let widths: Vec<usize> = (0..HEADER.len())
        .map(|c| cells.iter().map(|r| r[c].chars().count()).chain([HEADER[c].len()]).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    let mut line = |values: Vec<&str>| {
        let padded: Vec<String> =
            values.iter().zip(&widths).map(|(v, w)| format!("{v}{}", " ".repeat(w - v.chars().count()))).collect();
        let _ = writeln!(out, "{}", padded.join("  ").trim_end());
    };
    line(HEADER.to_vec());
    line(widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().iter().map(String::as_str).collect());
    for row in &cells {
        line(row.iter().map(String::as_str).collect());
    }
    out
}

/// The table in Markdown, for the README.
pub fn render_markdown(rows: &[Row]) -> String {
    let mut out = format!("| {} |\n|---|---:|---|---:|---:|---:|---|\n", HEADER.join(" | "));
    for row in rows {
        let cells = row.cells().map(|c| c.replace('|', "\\|"));
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    out
}

/// A time per operation with a unit that keeps 3–4 significant digits.
pub fn format_duration(nanos: f64) -> String {
    match nanos {
        n if n < 1e3 => format!("{n:.1} ns"),
        n if n < 1e6 => format!("{:.2} µs", n / 1e3),
        n if n < 1e9 => format!("{:.2} ms", n / 1e6),
        n => format!("{:.2} s", n / 1e9),
    }
}

/// Events per second from nanoseconds per event.
pub fn format_rate(nanos_per_event: f64) -> String {
    format!("{} events/s", thousands((1e9 / nanos_per_event).round() as u64))
}

/// `n` with commas between groups of three digits: `1,000,000`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

/// The rows of the report, from criterion's samples under `criterion_dir`
/// and the measurements `scripts/bench.sh` writes to `results_dir`
/// (`verify_rss.json`, `python_record.json`). A missing measurement is a row
/// that says so, not an error.
pub fn comparison_rows(criterion_dir: &Path, results_dir: &Path) -> Vec<Row> {
    let criterion = Criterion(criterion_dir);
    let seal_id = |function: &str, event: &str| format!("{SEAL_GROUP}/{function}/{event}");
    let hash_id = |function: &str, event: &str| format!("{HASH_GROUP}/{function}/{event}");
    let bare_sign = format!("{SEAL_GROUP}/{SEAL_BARE_SIGN}");

    let mut rows = Vec::new();
    for event in [MODEL_INVOKED, TOOL_CALLED] {
        rows.push(criterion.time(
            &format!("seal {event} (canonical JSON + SHA-256 + sign, no I/O)"),
            &seal_id(SEAL_TYPED, event),
            ("bare Ed25519 sign of 32 bytes", &bare_sign),
            Goal::RatioAtMost(1.10),
        ));
    }
    for event in [MODEL_INVOKED, TOOL_CALLED] {
        rows.push(criterion.time(
            &format!("seal {event}, typed streaming"),
            &seal_id(SEAL_TYPED, event),
            ("seal via serde_json::Value", &seal_id(SEAL_SERDE_JSON, event)),
            Goal::None,
        ));
    }
    for event in [MODEL_INVOKED, TOOL_CALLED] {
        rows.push(criterion.time(
            &format!("self_hash {event}, typed streaming"),
            &hash_id(HASH_TYPED, event),
            ("self_hash via serde_json::Value", &hash_id(HASH_SERDE_JSON, event)),
            Goal::None,
        ));
    }
    rows.push(criterion.rate(
        &format!("durable record, {RECORD_THREADS} threads, group commit"),
        &format!("{RECORD_GROUP}/{RECORD_GROUP_COMMIT}"),
        (
            &format!("one fsync per event, serialised ({RECORD_THREADS} threads)"),
            &format!("{RECORD_GROUP}/{RECORD_EVERY_EVENT}"),
        ),
        Goal::RatioAtLeast(10.0),
        1,
    ));
    rows.push(criterion.rate(
        &format!("verify a {}-event ledger, streaming (default)", thousands(VERIFY_EVENTS)),
        &format!("{VERIFY_GROUP}/{VERIFY_DEFAULT}"),
        ("one strict verify per event, one thread", &format!("{VERIFY_GROUP}/{VERIFY_SEQUENTIAL}")),
        Goal::RatioAtLeast(2.5),
        VERIFY_EVENTS,
    ));
    rows.push(criterion.rate(
        &format!("verify a bundle of {} events without the ledger", thousands(BUNDLE_EVENTS)),
        &format!("{BUNDLE_GROUP}/{BUNDLE_VERIFY}"),
        ("verify the same events as a ledger (default)", &format!("{BUNDLE_GROUP}/{BUNDLE_LEDGER}")),
        Goal::RatioAtLeast(0.8),
        BUNDLE_EVENTS,
    ));
    rows.extend(tree_rows(&criterion, results_dir));
    rows.push(memory_row(&results_dir.join("verify_rss.json")));
    let python = results_dir.join("python_record.json");
    rows.push(python_row(
        &python,
        ("Rust seal (sign_event_at, ModelInvoked)", read_fastest(criterion_dir, &seal_id(SEAL_TYPED, MODEL_INVOKED))),
        Goal::RatioAtMost(1.5),
    ));
    rows.push(python_row(
        &python,
        (
            "Rust Session::record, durability none, 1 thread",
            read_fastest(criterion_dir, &format!("{RECORD_UNSYNCED_GROUP}/{RECORD_UNSYNCED}")),
        ),
        Goal::None,
    ));
    rows.push(python_call_row(&python));
    rows
}

/// Criterion's results, compared two benchmarks at a time; the baseline is
/// `(description, benchmark id)`.
struct Criterion<'a>(&'a Path);

impl Criterion<'_> {
    fn time(&self, figure: &str, id: &str, (baseline, baseline_id): (&str, &str), goal: Goal) -> Row {
        match (read_fastest(self.0, id), read_fastest(self.0, baseline_id)) {
            (Ok(ours), Ok(theirs)) => Row::time(figure, ours, baseline, theirs, goal),
            (Err(why), _) | (_, Err(why)) => Row::not_measured(figure, &why, baseline, goal),
        }
    }

    /// Rates of benchmarks whose one iteration handles `events_per_iteration` events.
    fn rate(
        &self,
        figure: &str,
        id: &str,
        (baseline, baseline_id): (&str, &str),
        goal: Goal,
        events_per_iteration: u64,
    ) -> Row {
        let per_event = events_per_iteration as f64;
        match (read_fastest(self.0, id), read_fastest(self.0, baseline_id)) {
            (Ok(ours), Ok(theirs)) => Row::rate(figure, ours / per_event, baseline, theirs / per_event, goal),
            (Err(why), _) | (_, Err(why)) => Row::not_measured(figure, &why, baseline, goal),
        }
    }
}

/// The tree beside the ledger (bench `tree`): its cost to recording, to
/// building and rebuilding the index, and reads from it.
fn tree_rows(criterion: &Criterion, results_dir: &Path) -> Vec<Row> {
    let million = thousands(TREE_EVENTS);
    let small = thousands(TREE_REBUILD_EVENTS);
    let line_hashes = "read the same file and SHA-256 each line";
    let mut rows = vec![paired_record_row(&results_dir.join(TREE_RECORD_PAIRED_FILE))];
    rows.push(criterion.rate(
        &format!(
            "durable record, {RECORD_THREADS} threads, group commit, keeping the tree (criterion's fastest sample)"
        ),
        &format!("{TREE_RECORD_GROUP}/{TREE_RECORD_WITH}"),
        ("the same without the tree (its own samples)", &format!("{TREE_RECORD_GROUP}/{TREE_RECORD_WITHOUT}")),
        Goal::None,
        1,
    ));
    let stages = build_stages(&results_dir.join(TREE_BUILD_STAGES_FILE));
    let build_figure = format!(
        "build the index of a {million}-event ledger from its file, as a prover does (each line's self_hash and link; TreeIndex::rebuild_linked)"
    );
    rows.push(match &stages {
        Ok((_, stages)) => {
            let nanos = |name: &str| stages.iter().find(|(stage, _)| stage == name).map(|(_, nanos)| *nanos);
            match (nanos(STAGE_WHOLE_BUILD), nanos(STAGE_LINE_HASHES)) {
                (Some(build), Some(hashes)) => {
                    Row::rate(&build_figure, build, line_hashes, hashes, Goal::RatioAtLeast(0.5))
                }
                _ => Row::not_measured(&build_figure, "a stage is missing", line_hashes, Goal::RatioAtLeast(0.5)),
            }
        }
        Err(why) => Row::not_measured(&build_figure, why, line_hashes, Goal::RatioAtLeast(0.5)),
    });
    rows.push(criterion.rate(
        &format!(
            "index a {small}-event ledger by extending an empty index as a session does on open (TreeIndex::open_checked: each line's link checked)"
        ),
        &format!("{TREE_REBUILD_GROUP}/{TREE_EXTEND_INDEX}"),
        (line_hashes, &format!("{TREE_REBUILD_GROUP}/{TREE_EXTEND_LINE_HASHES}")),
        Goal::RatioAtLeast(0.5),
        TREE_REBUILD_EVENTS,
    ));
    rows.push(criterion.rate(
        &format!("rebuild the index of a {small}-event ledger, verified (TreeIndex::rebuild)"),
        &format!("{TREE_REBUILD_GROUP}/{TREE_REBUILD_INDEX}"),
        ("verify the ledger alone", &format!("{TREE_REBUILD_GROUP}/{TREE_REBUILD_VERIFY}")),
        Goal::None,
        TREE_REBUILD_EVENTS,
    ));
    rows.push(criterion.rate(
        &format!(
            "write the index of {million} lines from their self_hashes (at most 1/3 of the baseline: n one-block leaf hashes plus n − 1 two-block interior hashes)"
        ),
        &format!("{TREE_BUILD_GROUP}/{TREE_BUILD_INDEX}"),
        (
            &format!("SHA-256 leaf hashes of the {million} self_hashes"),
            &format!("{TREE_BUILD_GROUP}/{TREE_BUILD_LEAVES}"),
        ),
        Goal::None,
        TREE_EVENTS,
    ));
    if let Ok((lines, stages)) = &stages {
        rows.extend(build_stage_rows(*lines, stages));
    }
    rows.extend(read_rows(criterion, &results_dir.join(TREE_READS_FILE)));
    rows
}

/// The stages of building the index from the ledger's lines: how many
/// lines, and each stage's name and nanoseconds per line.
fn build_stages(path: &Path) -> Result<(u64, Vec<(String, f64)>), String> {
    let result = read_json(path)?;
    let lines = result["lines"].as_u64().ok_or_else(|| format!("{}: no lines", path.display()))?;
    let stages = result["stages"].as_array().ok_or_else(|| format!("{}: no stages", path.display()))?;
    let stages = stages
        .iter()
        .map(|stage| match (stage["stage"].as_str(), stage["ns_per_line"].as_f64()) {
            (Some(name), Some(nanos)) if nanos > 0.0 => Ok((name.to_owned(), nanos)),
            _ => Err(format!("{}: a stage without a name or a time", path.display())),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((lines, stages))
}

/// Where the time of building the index from the ledger's lines goes: each
/// stage per line (those of the parsing build each adding to the one
/// before), against hashing the lines.
fn build_stage_rows(lines: u64, stages: &[(String, f64)]) -> Vec<Row> {
    let Some((_, hashing)) = stages.iter().find(|(name, _)| name == STAGE_LINE_HASHES) else {
        return Vec::new();
    };
    stages
        .iter()
        .filter(|(name, _)| name != STAGE_LINE_HASHES)
        .map(|(name, nanos)| {
            let figure = format!("building from the ledger's lines, per line ({} lines): {name}", thousands(lines));
            Row::time(&figure, *nanos, &format!("{STAGE_LINE_HASHES}, per line"), *hashing, Goal::None)
        })
        .collect()
}

/// A root and an inclusion proof from the index file: node reads (held to
/// two per level of the tree, O(log n)) and time, at [`TREE_SMALL_EVENTS`]
/// and [`TREE_EVENTS`] leaves, the larger beside the smaller.
fn read_rows(criterion: &Criterion, reads_file: &Path) -> Vec<Row> {
    let sizes = read_json(reads_file).and_then(|figures| {
        figures["sizes"].as_array().cloned().ok_or_else(|| format!("{}: no sizes", reads_file.display()))
    });
    let mut rows = Vec::new();
    for (what, field, function) in [
        ("root", "root_node_reads", TREE_ROOT_INDEX),
        ("inclusion proof (verified)", "inclusion_node_reads", TREE_PROOF_INDEX),
    ] {
        // (time, reads) at one size.
        let at = |size: u64| -> Result<(f64, f64), String> {
            let sizes = sizes.as_ref().map_err(Clone::clone)?;
            let reads = sizes
                .iter()
                .find(|s| s["tree_size"].as_u64() == Some(size))
                .and_then(|s| s[field].as_f64())
                .ok_or_else(|| format!("{}: no {field} at {size} leaves", reads_file.display()))?;
            let nanos = read_fastest(criterion.0, &format!("{TREE_READS_GROUP}/{function}/{size}"))?;
            Ok((nanos, reads))
        };
        let describe = |(nanos, reads): (f64, f64)| format!("{}, {reads} reads", format_duration(nanos));
        let small_figure =
            format!("{what} at {} leaves from the index file: time, node reads", thousands(TREE_SMALL_EVENTS));
        let large_figure = format!("{what} at {} leaves from the index file: time, node reads", thousands(TREE_EVENTS));
        let small_baseline = "—";
        let large_baseline = format!("the same at {} leaves", thousands(TREE_SMALL_EVENTS));
        let (small_goal, large_goal) = (reads_goal(TREE_SMALL_EVENTS), reads_goal(TREE_EVENTS));
        let (small, large) = (at(TREE_SMALL_EVENTS), at(TREE_EVENTS));
        rows.push(match &small {
            Ok(measured) => Row {
                figure: small_figure,
                value: describe(*measured),
                baseline: small_baseline.to_owned(),
                baseline_value: "—".to_owned(),
                ratio: None,
                goal: small_goal,
                met: reads_met(small_goal, measured.1),
            },
            Err(why) => Row::not_measured(&small_figure, why, small_baseline, small_goal),
        });
        rows.push(match (&large, &small) {
            (Ok(measured), Ok(baseline)) => Row {
                figure: large_figure,
                value: describe(*measured),
                baseline: large_baseline,
                baseline_value: describe(*baseline),
                ratio: Some(measured.0 / baseline.0),
                goal: large_goal,
                met: reads_met(large_goal, measured.1),
            },
            (Err(why), _) | (_, Err(why)) => Row::not_measured(&large_figure, why, &large_baseline, large_goal),
        });
    }
    rows
}

/// O(log n) reads: at most two per level of a tree of `size` leaves.
fn reads_goal(size: u64) -> Goal {
    Goal::ValueAtMost(2.0 * (size as f64).log2().ceil(), "reads")
}

fn reads_met(goal: Goal, reads: f64) -> Option<bool> {
    match goal {
        Goal::ValueAtMost(limit, _) => Some(reads <= limit),
        _ => None,
    }
}

/// The median and the quartiles of the pairs' ratios, time with the tree ÷
/// time without, a 95% confidence interval of that median, and the median
/// time per event of each kind.
#[derive(Debug, Clone, PartialEq)]
pub struct PairedRatios {
    pub pairs: usize,
    pub median: f64,
    pub lower_quartile: f64,
    pub upper_quartile: f64,
    /// The sorted ratios at the ranks that bound the median with about 95%
    /// confidence whatever their distribution (n/2 ∓ 0.98·√n, 1-based,
    /// rounded outwards; the extremes for fewer than 6 pairs).
    pub median_low: f64,
    pub median_high: f64,
    pub median_with_nanos: f64,
    pub median_without_nanos: f64,
}

/// Summarises pairs of runs: `with[i]` and `without[i]` are the times per
/// event of pair `i`. Refuses lists of different lengths, no pairs, or a
/// time that is not positive.
pub fn paired_ratios(with: &[f64], without: &[f64]) -> Result<PairedRatios, String> {
    if with.len() != without.len() {
        return Err(format!("{} runs with the tree, {} without", with.len(), without.len()));
    }
    if with.is_empty() {
        return Err("no pairs".to_owned());
    }
    if with.iter().chain(without).any(|t| !(t.is_finite() && *t > 0.0)) {
        return Err("a time that is not positive".to_owned());
    }
    let mut ratios: Vec<f64> = with.iter().zip(without).map(|(w, o)| w / o).collect();
    ratios.sort_by(f64::total_cmp);
    let n = ratios.len() as f64;
    let low_rank = ((n / 2.0 - 0.98 * n.sqrt()).floor() as usize).max(1);
    let high_rank = ((1.0 + n / 2.0 + 0.98 * n.sqrt()).ceil() as usize).min(ratios.len());
    Ok(PairedRatios {
        median_low: ratios[low_rank - 1],
        median_high: ratios[high_rank - 1],
        pairs: with.len(),
        median: quantile(&ratios, 0.5),
        lower_quartile: quantile(&ratios, 0.25),
        upper_quartile: quantile(&ratios, 0.75),
        median_with_nanos: quantile(with, 0.5),
        median_without_nanos: quantile(without, 0.5),
    })
}

/// The `q` quantile of `values` (not empty), interpolating linearly between
/// the sorted values around it.
fn quantile(values: &[f64], q: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let position = q * (sorted.len() - 1) as f64;
    let (below, above) = (position.floor() as usize, position.ceil() as usize);
    sorted[below] + (sorted[above] - sorted[below]) * (position - below as f64)
}

/// Durable recording with and without the tree, measured in alternating pairs of runs.
fn paired_record_row(path: &Path) -> Row {
    let figure = |detail: &str| {
        format!("durable record, {RECORD_THREADS} threads, group commit, keeping the tree: time per event, {detail}")
    };
    let baseline = "the same without the tree, in the same pairs";
    let goal = Goal::RatioAtMost(1.05);
    let measured = read_json(path).and_then(|result| {
        let field = |name: &str| -> Result<Vec<f64>, String> {
            let values = result[name].as_array().ok_or_else(|| format!("{}: no {name} array", path.display()))?;
            values
                .iter()
                .map(|v| v.as_f64().ok_or_else(|| format!("{}: {name} holds a non-number", path.display())))
                .collect()
        };
        let summary = paired_ratios(&field("with_tree_ns_per_event")?, &field("without_tree_ns_per_event")?)
            .map_err(|why| format!("{}: {why}", path.display()))?;
        Ok((summary, result["events_per_run"].as_u64().unwrap_or(0)))
    });
    match measured {
        Ok((paired, events)) => {
            let figure = figure(&format!(
                "median of {} alternating pairs of {}-event runs (its 95% interval {:.2}–{:.2}×; pair ratios' quartiles {:.2}–{:.2}×)",
                paired.pairs,
                thousands(events),
                paired.median_low,
                paired.median_high,
                paired.lower_quartile,
                paired.upper_quartile
            ));
            Row {
                figure,
                value: format_duration(paired.median_with_nanos),
                baseline: baseline.to_owned(),
                baseline_value: format_duration(paired.median_without_nanos),
                ratio: Some(paired.median),
                goal,
                met: ratio_met(goal, paired.median),
            }
        }
        Err(why) => Row::not_measured(&figure("alternating pairs of runs"), &why, baseline, goal),
    }
}

fn read_json(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Peak RSS of `verify-rss measure`, against the absolute goal.
fn memory_row(path: &Path) -> Row {
    let figure = format!("peak RSS verifying {} events", thousands(RSS_EVENTS));
    let goal = Goal::ValueAtMost(RSS_GOAL_MB, "MB");
    let measured = read_json(path).and_then(|result| {
        if result["ok"] != Value::Bool(true) || result["events"].as_u64() != Some(RSS_EVENTS) {
            return Err(format!("the ledger did not verify whole: {}", result["message"]));
        }
        result["peak_rss_bytes"].as_f64().ok_or_else(|| format!("{}: no peak_rss_bytes", path.display()))
    });
    match measured {
        Ok(bytes) => Row::limit(&figure, bytes / 1e6, goal),
        Err(why) => Row::not_measured(&figure, &why, "—", goal),
    }
}

/// Python's `session.record` against a Rust figure for the same event,
/// given as `(description, nanoseconds)`.
fn python_row(path: &Path, (baseline, rust_nanos): (&str, Result<f64, String>), goal: Goal) -> Row {
    let measured = read_python(path, "ns_per_record");
    let figure = |durability: &str| format!("Python session.record ModelInvoked, durability {durability}");
    match (measured, rust_nanos) {
        (Ok((nanos, durability)), Ok(rust)) => Row::time(&figure(&durability), nanos, baseline, rust, goal),
        (Err(why), _) | (_, Err(why)) => Row::not_measured(&figure("none"), &why, baseline, goal),
    }
}

/// The floor under every binding call (a method doing no work) as a share of
/// Python's `session.record`.
fn python_call_row(path: &Path) -> Row {
    let figure = "Python binding call doing no work (session.session_id)";
    let baseline = "Python session.record";
    match (read_python(path, "ns_per_empty_call"), read_python(path, "ns_per_record")) {
        (Ok((call, _)), Ok((record, _))) => Row::time(figure, call, baseline, record, Goal::None),
        (Err(why), _) | (_, Err(why)) => Row::not_measured(figure, &why, baseline, Goal::None),
    }
}

/// One time from `python_record.json`, with the durability it was measured with.
fn read_python(path: &Path, field: &str) -> Result<(f64, String), String> {
    let result = read_json(path)?;
    if let Some(why) = result["not_measured"].as_str() {
        return Err(why.to_owned());
    }
    let nanos = result[field].as_f64().ok_or_else(|| format!("{}: no {field}", path.display()))?;
    Ok((nanos, result["durability"].as_str().unwrap_or("unknown").to_owned()))
}
