//! Durable `record` throughput: 16 threads recording into one session with
//! group commit (the default) against the same 16 threads with one write and
//! one fsync per event, serialised by the session (the baseline the issue
//! names: "one fsync per event serialised"). One criterion iteration is one
//! event; each sample records into a fresh ledger on the file system of
//! cargo's target directory.
//!
//! Also one thread recording without fsync: what Python's `session.record`
//! wraps, so the report can tell the bindings' overhead from the writer's.

use std::path::Path;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use provedex_bench::names::{
    RECORD_EVERY_EVENT, RECORD_GROUP, RECORD_GROUP_COMMIT, RECORD_UNSYNCED, RECORD_UNSYNCED_GROUP,
};
use provedex_bench::{RECORD_THREADS, fixtures};
use provedex_core::{Durability, Session, SessionOptions};

/// Time for `total` events recorded by [`RECORD_THREADS`] threads into a new
/// ledger at `path`, from the moment all threads are ready to the last return.
fn record_concurrently(path: &Path, durability: Durability, total: u64) -> Duration {
    let keypair = fixtures::keypair();
    let session = Session::open_with(&keypair, path, "bench", &SessionOptions::new().durability(durability))
        .expect("open the ledger");
    let turn = fixtures::agent_turn();
    let ready = Barrier::new(RECORD_THREADS + 1);
    // The scope returns once every thread is joined, so `started.elapsed()` spans them all.
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
    drop(session);
    std::fs::remove_file(path).expect("remove the ledger");
    elapsed
}

fn record(c: &mut Criterion) {
    let scratch = fixtures::scratch_dir().expect("a scratch directory in the target directory");
    let ledger = scratch.path().join("ledger.ndjson");
    let mut group = c.benchmark_group(RECORD_GROUP);
    group.sampling_mode(SamplingMode::Flat).sample_size(10).throughput(Throughput::Elements(1));
    for (name, durability) in [(RECORD_GROUP_COMMIT, Durability::Group), (RECORD_EVERY_EVENT, Durability::EveryEvent)] {
        group.bench_function(name, |b| b.iter_custom(|events| record_concurrently(&ledger, durability, events)));
    }
    group.finish();

    let options = SessionOptions::new().durability(Durability::None);
    let session = Session::open_with(&fixtures::keypair(), &ledger, "bench", &options).expect("open the ledger");
    let event = fixtures::model_invoked();
    c.benchmark_group(RECORD_UNSYNCED_GROUP)
        .bench_function(RECORD_UNSYNCED, |b| b.iter(|| session.record(&event).expect("record")));
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    targets = record
}
criterion_main!(benches);
