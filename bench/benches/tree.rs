//! The tree beside the ledger (spec/transparency.md, "The index"), each
//! figure against a baseline measured in the same run:
//!
//! - durable `record` from 16 threads with group commit, keeping the tree
//!   and its index, against the same session without them (one criterion
//!   iteration is one event, each sample a fresh ledger);
//! - writing the index of 1,000,000 lines from their self_hashes (leaf and
//!   interior hashes, 64 MB written), against the 1,000,000 leaf hashes alone;
//! - rebuilding an index from a ledger, verified as it is read, against
//!   verifying it alone;
//! - a root and an inclusion proof at 1,000,000 leaves read from the index
//!   file, against the same from the whole tree in memory. Their node reads
//!   go to `bench-results/tree_reads.json` in the target directory.

use std::path::Path;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use provedex_bench::names::*;
use provedex_bench::{
    RECORD_THREADS, TREE_EVENTS, TREE_READS_FILE, TREE_REBUILD_EVENTS, TREE_RECORD_PAIRED_FILE, fixtures,
};
use provedex_core::merkle::{Tree, line_leaf_hash};
use provedex_core::{Digest, Durability, Session, SessionOptions, Verifier};
use provedex_ledger::{Frontier, TreeIndex, checkpoints_path, index_path};

/// Time for `total` events recorded by [`RECORD_THREADS`] threads into a new
/// ledger at `path`, from the moment all threads are ready to the last return.
fn record_concurrently(path: &Path, tree: bool, total: u64) -> Duration {
    let keypair = fixtures::keypair();
    let options = SessionOptions::new().durability(Durability::Group).tree(tree);
    let session = Session::open_with(&keypair, path, "bench", &options).expect("open the ledger");
    let turn = fixtures::agent_turn();
    let ready = Barrier::new(RECORD_THREADS + 1);
    let started = std::thread::scope(|scope| {
        for thread in 0..RECORD_THREADS as u64 {
            let share = total / RECORD_THREADS as u64 + u64::from(thread < total % RECORD_THREADS as u64);
            let (session, turn, ready) = (&session, &turn, &ready);
            scope.spawn(move || {
                ready.wait();
                for i in 0..share {
                    session.record(&turn[(i % turn.len() as u64) as usize]).expect("record");
                }
            });
        }
        ready.wait();
        Instant::now()
    });
    let elapsed = started.elapsed();
    assert_eq!(session.next_seq(), Some(total), "every event was recorded");
    assert_eq!(session.tree_size(), tree.then_some(total), "the tree holds every event");
    assert_eq!(session.tree_problem(), None);
    drop(session);
    for file in [path.to_path_buf(), index_path(path), checkpoints_path(path)] {
        let _ = std::fs::remove_file(file);
    }
    elapsed
}

fn record(c: &mut Criterion) {
    let scratch = fixtures::scratch_dir().expect("a scratch directory in the target directory");
    let ledger = scratch.path().join("ledger.ndjson");
    let mut group = c.benchmark_group(TREE_RECORD_GROUP);
    group.sampling_mode(SamplingMode::Flat).sample_size(10).throughput(Throughput::Elements(1));
    for (name, tree) in [(TREE_RECORD_WITH, true), (TREE_RECORD_WITHOUT, false)] {
        group.bench_function(name, |b| b.iter_custom(|events| record_concurrently(&ledger, tree, events)));
    }
    group.finish();

    // The same, paired: runs with and without the tree alternate, so that
    // other work on a shared machine falls on both; the fastest of each.
    let (mut with, mut without) = (Duration::MAX, Duration::MAX);
    for _ in 0..PAIRED_RUNS {
        with = with.min(record_concurrently(&ledger, true, PAIRED_EVENTS));
        without = without.min(record_concurrently(&ledger, false, PAIRED_EVENTS));
    }
    let per_event = |d: Duration| d.as_nanos() as f64 / PAIRED_EVENTS as f64;
    write_result(
        serde_json::json!({
            "events_per_run": PAIRED_EVENTS,
            "runs": PAIRED_RUNS,
            "with_tree_ns_per_event": per_event(with),
            "without_tree_ns_per_event": per_event(without),
        }),
        TREE_RECORD_PAIRED_FILE,
    );
}

/// Runs of each kind in the paired record measurement, and events per run.
const PAIRED_RUNS: usize = 8;
const PAIRED_EVENTS: u64 = 3_000;

/// Writes one result file to `bench-results/` in the target directory.
fn write_result(figures: serde_json::Value, name: &str) {
    let results = fixtures::target_dir().join("bench-results");
    std::fs::create_dir_all(&results).expect("the results directory");
    std::fs::write(results.join(name), figures.to_string()).expect("write the results");
}

fn build_and_read(c: &mut Criterion) {
    let (ledger, self_hashes) = fixtures::cached_ledger(TREE_EVENTS).expect("the 1,000,000-event ledger");
    let scratch = fixtures::scratch_dir().expect("a scratch directory in the target directory");
    let built = scratch.path().join("built.tree");

    let mut group = c.benchmark_group(TREE_BUILD_GROUP);
    group.sampling_mode(SamplingMode::Flat).sample_size(10).throughput(Throughput::Elements(TREE_EVENTS));
    group.bench_function(TREE_BUILD_INDEX, |b| {
        b.iter(|| {
            let index = TreeIndex::build(&built, self_hashes.iter().copied()).expect("write the index");
            assert_eq!(index.size(), TREE_EVENTS);
        })
    });
    group.bench_function(TREE_BUILD_HASHES, |b| {
        b.iter(|| {
            let (mut frontier, mut nodes) = (Frontier::new(), Vec::with_capacity(64));
            for self_hash in &self_hashes {
                nodes.clear();
                frontier.push(line_leaf_hash(self_hash), &mut nodes);
            }
            std::hint::black_box(frontier.root())
        })
    });
    group.bench_function(TREE_BUILD_LEAVES, |b| {
        b.iter(|| {
            let mut last = Digest([0; 32]);
            for self_hash in &self_hashes {
                last = line_leaf_hash(self_hash);
            }
            std::hint::black_box(last)
        })
    });
    group.finish();

    // The index beside the fixture ledger: what a session keeps.
    let mut index = TreeIndex::build(&index_path(&ledger), self_hashes.iter().copied()).expect("write the index");
    let tree = Tree::from_leaves(self_hashes.iter().map(line_leaf_hash));
    let root = tree.root_at(TREE_EVENTS);
    let seq = TREE_EVENTS * 2 / 3 + 1;
    let leaf = self_hashes[seq as usize];

    let reads = index.node_reads();
    assert_eq!(index.root_at(TREE_EVENTS).expect("read the root"), root);
    let root_reads = index.node_reads() - reads;
    let reads = index.node_reads();
    let proof = index.inclusion_proof(seq, TREE_EVENTS, &leaf, &root).expect("a verified proof");
    let proof_reads = index.node_reads() - reads;
    assert_eq!(proof, tree.inclusion_proof(seq, TREE_EVENTS));
    let figures = serde_json::json!({
        "tree_size": TREE_EVENTS,
        "root_node_reads": root_reads,
        "inclusion_seq": seq,
        "inclusion_node_reads": proof_reads,
        "inclusion_proof_hashes": proof.len(),
    });
    write_result(figures, TREE_READS_FILE);

    let mut group = c.benchmark_group(TREE_READS_GROUP);
    group.bench_function(TREE_ROOT_INDEX, |b| b.iter(|| index.root_at(TREE_EVENTS).expect("read the root")));
    group.bench_function(TREE_ROOT_MEMORY, |b| b.iter(|| tree.root_at(TREE_EVENTS)));
    group.bench_function(TREE_PROOF_INDEX, |b| {
        b.iter(|| index.inclusion_proof(seq, TREE_EVENTS, &leaf, &root).expect("a verified proof"))
    });
    group.bench_function(TREE_PROOF_MEMORY, |b| {
        b.iter(|| {
            let proof = tree.inclusion_proof(seq, TREE_EVENTS);
            provedex_core::merkle::verify_inclusion(seq, TREE_EVENTS, &line_leaf_hash(&leaf), &proof, &root)
                .expect("the proof verifies");
            proof
        })
    });
    group.finish();
}

fn rebuild(c: &mut Criterion) {
    let scratch = fixtures::scratch_dir().expect("a scratch directory in the target directory");
    let ledger = scratch.path().join("ledger.ndjson");
    fixtures::write_ledger(&ledger, TREE_REBUILD_EVENTS, &fixtures::keypair()).expect("write the ledger");
    let mut group = c.benchmark_group(TREE_REBUILD_GROUP);
    group.sampling_mode(SamplingMode::Flat).sample_size(10).throughput(Throughput::Elements(TREE_REBUILD_EVENTS));
    group.bench_function(TREE_REBUILD_INDEX, |b| {
        b.iter_batched(
            || (),
            |()| {
                let (index, report) = TreeIndex::rebuild(&ledger).expect("rebuild the index");
                assert!(report.ok && index.size() == TREE_REBUILD_EVENTS, "{}", report.message);
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function(TREE_REBUILD_VERIFY, |b| {
        b.iter(|| {
            let report = Verifier::new().file(&ledger).expect("read the ledger");
            assert!(report.ok && report.event_count == TREE_REBUILD_EVENTS, "{}", report.message);
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    targets = record, build_and_read, rebuild
}
criterion_main!(benches);
