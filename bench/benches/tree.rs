//! The tree beside the ledger (spec/transparency.md, "The index"), each
//! figure against a baseline measured in the same run:
//!
//! - durable `record` from 16 threads with group commit, keeping the tree
//!   and its index, against the same session without them: criterion's
//!   samples (one iteration is one event, each sample a fresh ledger), then
//!   many alternating pairs of runs whose times go to
//!   `bench-results/tree_record_paired.json` in the target directory;
//! - building the index of a 1,000,000-event ledger from its file as a
//!   prover does (`TreeIndex::rebuild_linked`: each line's self_hash and
//!   link), against reading the same file and SHA-256 hashing each line
//!   alone, with the stages of a build that parses each line strictly for
//!   comparison, timed in rounds that run them one after the other (the
//!   fastest round of each goes to `bench-results/tree_build_stages.json`);
//! - writing the index from the 1,000,000 self_hashes, against their leaf
//!   hashes alone (a tree adds n − 1 interior hashes of two SHA-256 blocks
//!   each to the n one-block leaf hashes, so at most 1/3 of that baseline);
//! - indexing a 20,000-event ledger as the library does: extending an empty
//!   index (`TreeIndex::open_checked`, each line's link checked, as a
//!   session does on open) against hashing its lines alone, and
//!   rebuilding it (`TreeIndex::rebuild`, verified) against verifying it;
//! - a root and an inclusion proof read from the index file at 1,000 and
//!   1,000,000 leaves. Their node reads go to `bench-results/tree_reads.json`.

use std::fs::File;
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::Path;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use criterion::{BatchSize, BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use provedex_bench::names::*;
use provedex_bench::{
    RECORD_THREADS, TREE_BUILD_STAGES_FILE, TREE_EVENTS, TREE_READS_FILE, TREE_REBUILD_EVENTS, TREE_RECORD_PAIRED_FILE,
    TREE_SMALL_EVENTS, fixtures,
};
use provedex_core::merkle::{Tree, line_leaf_hash};
use provedex_core::seal::hash_preimage;
use provedex_core::{
    ChainHash, Digest, Durability, GENESIS_PARENT_HASH, Session, SessionOptions, SignedEvent, Verifier,
};
use provedex_ledger::{IndexState, TreeIndex, checkpoints_path, index_path};
use sha2::{Digest as _, Sha256};

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

    // The same in pairs of runs back to back, so that other work on a
    // shared machine falls on both runs of a pair; which kind goes first
    // alternates from pair to pair. The report takes the median of the
    // pairs' ratios. One warm-up pair first, not kept.
    record_concurrently(&ledger, true, PAIRED_EVENTS);
    record_concurrently(&ledger, false, PAIRED_EVENTS);
    let per_event = |d: Duration| d.as_nanos() as f64 / PAIRED_EVENTS as f64;
    let (mut with, mut without) = (Vec::new(), Vec::new());
    for pair in 0..PAIRED_PAIRS {
        let kinds = if pair % 2 == 0 { [true, false] } else { [false, true] };
        for tree in kinds {
            let nanos = per_event(record_concurrently(&ledger, tree, PAIRED_EVENTS));
            if tree { with.push(nanos) } else { without.push(nanos) }
        }
    }
    write_result(
        serde_json::json!({
            "events_per_run": PAIRED_EVENTS,
            "pairs": PAIRED_PAIRS,
            "with_tree_ns_per_event": with,
            "without_tree_ns_per_event": without,
        }),
        TREE_RECORD_PAIRED_FILE,
    );
}

/// Pairs of runs in the paired record measurement, and events per run.
const PAIRED_PAIRS: usize = 40;
const PAIRED_EVENTS: u64 = 3_000;

/// Writes one result file to `bench-results/` in the target directory.
fn write_result(figures: serde_json::Value, name: &str) {
    let results = fixtures::target_dir().join("bench-results");
    std::fs::create_dir_all(&results).expect("the results directory");
    std::fs::write(results.join(name), figures.to_string()).expect("write the results");
}

/// Calls `each` with every line of the ledger at `path` (without its LF),
/// up to `limit` lines; returns how many.
fn for_each_line(path: &Path, limit: u64, mut each: impl FnMut(&[u8])) -> u64 {
    let mut reader = BufReader::with_capacity(1 << 16, File::open(path).expect("open the ledger"));
    let (mut line, mut count) = (Vec::with_capacity(1024), 0);
    while count < limit {
        line.clear();
        if reader.read_until(b'\n', &mut line).expect("read the ledger") == 0 {
            break;
        }
        assert_eq!(line.pop(), Some(b'\n'), "a whole line");
        each(&line);
        count += 1;
    }
    count
}

/// SHA-256 of each line of the ledger, read from its file: the baseline of
/// building the index from it. Returns the last digest.
fn hash_lines(path: &Path, limit: u64) -> [u8; 32] {
    let mut last = [0; 32];
    for_each_line(path, limit, |line| last = Sha256::digest(line).into());
    last
}

/// How far [`index_from_lines`] goes.
#[derive(Clone, Copy, PartialEq)]
enum Stage {
    /// Read the lines only.
    Read,
    /// Also parse each line into a JSON value (`canonical::parse`), the first half of parsing it.
    Json,
    /// Also parse each line (`SignedEvent::from_line`).
    Parse,
    /// Also recompute each self_hash and link each line to the one before.
    Hash,
    /// Also hash the tree and write the index: the whole build.
    Index,
}

/// The index of the ledger at `ledger`'s first `limit` lines built from its
/// file, written to `index`: each line read, parsed, its self_hash
/// recomputed and compared, linked to the line before (no signature
/// checked), its leaf and the nodes it completes written. With `stage`
/// below [`Stage::Index`] stops after that stage. Returns the lines read.
fn index_from_lines(ledger: &Path, index: &Path, limit: u64, stage: Stage) -> u64 {
    let mut self_hashes = Vec::new();
    let mut parent = GENESIS_PARENT_HASH;
    let lines = for_each_line(ledger, limit, |line| {
        if stage == Stage::Read {
            std::hint::black_box(line);
            return;
        }
        if stage == Stage::Json {
            std::hint::black_box(provedex_core::canonical::parse(line).expect("strict JSON"));
            return;
        }
        let event = SignedEvent::from_line(line).expect("a well-formed line");
        if stage == Stage::Parse {
            std::hint::black_box(&event);
            return;
        }
        assert_eq!(hash_preimage(&event.preimage()), event.self_hash, "the self_hash recomputes");
        assert_eq!(event.parent_hash, parent, "the line links to the one before");
        parent = event.self_hash;
        if stage == Stage::Index {
            self_hashes.push(event.self_hash);
        }
    });
    if stage == Stage::Index {
        // Collected first: TreeIndex::build takes the self_hashes, and an
        // iterator over the file could not say why a line was refused.
        let built = TreeIndex::build(index, self_hashes).expect("write the index");
        assert_eq!(built.size(), lines);
    }
    lines
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
    build_stages(&ledger, &built);

    // The index beside the fixture ledger: what a session keeps.
    let mut index = TreeIndex::build(&index_path(&ledger), self_hashes.iter().copied()).expect("write the index");
    let mut small =
        TreeIndex::build(&scratch.path().join("small.tree"), self_hashes[..TREE_SMALL_EVENTS as usize].iter().copied())
            .expect("write the small index");
    let mut sizes = Vec::new();
    let mut group = c.benchmark_group(TREE_READS_GROUP);
    for (index, size) in [(&mut small, TREE_SMALL_EVENTS), (&mut index, TREE_EVENTS)] {
        let tree = Tree::from_leaves(self_hashes[..size as usize].iter().map(line_leaf_hash));
        let root = tree.root_at(size);
        let seq = size * 2 / 3 + 1;
        let leaf = self_hashes[seq as usize];

        let reads = index.node_reads();
        assert_eq!(index.root_at(size).expect("read the root"), root);
        let root_reads = index.node_reads() - reads;
        let reads = index.node_reads();
        let proof = index.inclusion_proof(seq, size, &leaf, &root).expect("a verified proof");
        let proof_reads = index.node_reads() - reads;
        assert_eq!(proof, tree.inclusion_proof(seq, size));
        sizes.push(serde_json::json!({
            "tree_size": size,
            "root_node_reads": root_reads,
            "inclusion_seq": seq,
            "inclusion_node_reads": proof_reads,
            "inclusion_proof_hashes": proof.len(),
        }));

        group.bench_function(BenchmarkId::new(TREE_ROOT_INDEX, size), |b| {
            b.iter(|| index.root_at(size).expect("read the root"))
        });
        group.bench_function(BenchmarkId::new(TREE_PROOF_INDEX, size), |b| {
            b.iter(|| index.inclusion_proof(seq, size, &leaf, &root).expect("a verified proof"))
        });
    }
    group.finish();
    write_result(serde_json::json!({ "sizes": sizes }), TREE_READS_FILE);
}

/// Rounds of the stages, one after the other in each round, so that other
/// work on a shared machine falls on all of them; the fastest of each is kept.
const STAGE_ROUNDS: usize = 2;

/// Building the index of the whole 1,000,000-event ledger from its file
/// against reading it and hashing its lines alone, and where the build's
/// time goes: each stage of [`index_from_lines`] timed alone.
fn build_stages(ledger: &Path, index: &Path) {
    let stages = [
        ("read the lines", Some(Stage::Read)),
        (STAGE_LINE_HASHES, None),
        ("read each line into a JSON value (canonical::parse)", Some(Stage::Json)),
        ("read and parse each line (SignedEvent::from_line)", Some(Stage::Parse)),
        ("parse, recompute the self_hash and link", Some(Stage::Hash)),
        (STAGE_PARSED_BUILD, Some(Stage::Index)),
        (STAGE_WHOLE_BUILD, None),
    ];
    let mut fastest = [Duration::MAX; 7];
    for _ in 0..STAGE_ROUNDS {
        for ((name, stage), fastest) in stages.iter().zip(&mut fastest) {
            let started = Instant::now();
            match stage {
                Some(stage) => assert_eq!(index_from_lines(ledger, index, TREE_EVENTS, *stage), TREE_EVENTS),
                None if *name == STAGE_WHOLE_BUILD => {
                    let built = TreeIndex::rebuild_linked(ledger).expect("rebuild the index from the links");
                    assert_eq!(built.size(), TREE_EVENTS);
                }
                None => {
                    std::hint::black_box(hash_lines(ledger, TREE_EVENTS));
                }
            }
            *fastest = (*fastest).min(started.elapsed());
        }
    }
    let stages: Vec<_> = stages
        .iter()
        .zip(fastest)
        .map(|((name, _), time)| {
            serde_json::json!({ "stage": name, "ns_per_line": time.as_nanos() as f64 / TREE_EVENTS as f64 })
        })
        .collect();
    write_result(
        serde_json::json!({ "lines": TREE_EVENTS, "rounds": STAGE_ROUNDS, "stages": stages }),
        TREE_BUILD_STAGES_FILE,
    );
}

/// Writes an index holding no leaf (the header alone) at `path`.
fn empty_index(path: &Path) {
    let mut header = [0u8; provedex_ledger::INDEX_HEADER_LEN as usize];
    header[..16].copy_from_slice(&provedex_ledger::INDEX_MAGIC);
    header[16..20].copy_from_slice(&provedex_ledger::INDEX_VERSION.to_be_bytes());
    let mut file = File::create(path).expect("create the index");
    file.write_all(&header).expect("write the header");
    assert_eq!(TreeIndex::open(path).expect("an empty index").size(), 0);
}

fn rebuild(c: &mut Criterion) {
    let scratch = fixtures::scratch_dir().expect("a scratch directory in the target directory");
    let ledger = scratch.path().join("ledger.ndjson");
    let last: ChainHash =
        fixtures::write_ledger(&ledger, TREE_REBUILD_EVENTS, &fixtures::keypair()).expect("write the ledger");
    let mut group = c.benchmark_group(TREE_REBUILD_GROUP);
    group.sampling_mode(SamplingMode::Flat).sample_size(10).throughput(Throughput::Elements(TREE_REBUILD_EVENTS));
    group.bench_function(TREE_EXTEND_INDEX, |b| {
        b.iter_batched(
            || empty_index(&index_path(&ledger)),
            |()| {
                let (index, state) =
                    TreeIndex::open_checked(&ledger, TREE_REBUILD_EVENTS, Some(&last)).expect("extend the index");
                assert_eq!((index.size(), state), (TREE_REBUILD_EVENTS, IndexState::Extended { from: 0 }));
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function(TREE_EXTEND_LINE_HASHES, |b| b.iter(|| hash_lines(&ledger, TREE_REBUILD_EVENTS)));
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
