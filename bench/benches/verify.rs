//! Streaming verification of a 20,000-event ledger: the default path against
//! the one-at-a-time strict verifier on one thread, in the same run.

use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use provedex_bench::names::{VERIFY_DEFAULT, VERIFY_GROUP, VERIFY_SEQUENTIAL};
use provedex_bench::{VERIFY_EVENTS, fixtures};
use provedex_core::{ChainReport, Engine, Verifier};

/// The default path: `Verifier::file` with the default engine, as the command line and the bindings call it.
fn default_path(ledger: &Path) -> ChainReport {
    Verifier::new().file(ledger).expect("read the ledger")
}

/// The baseline: one strict verify per event, in order, on one thread.
fn sequential_strict(ledger: &Path) -> ChainReport {
    Verifier::new().engine(Engine::Sequential).file(ledger).expect("read the ledger")
}

/// Every benchmarked verification must reach the end of the ledger.
fn expect_whole(report: ChainReport) {
    assert!(report.ok && report.event_count == VERIFY_EVENTS, "{}", report.message);
}

fn verify(c: &mut Criterion) {
    let scratch = fixtures::scratch_dir().expect("a scratch directory in the target directory");
    let ledger = scratch.path().join("ledger.ndjson");
    let keypair = fixtures::keypair();
    fixtures::write_ledger(&ledger, VERIFY_EVENTS, &keypair).expect("write the ledger");

    let mut group = c.benchmark_group(VERIFY_GROUP);
    group.sampling_mode(SamplingMode::Flat).sample_size(10).throughput(Throughput::Elements(VERIFY_EVENTS));
    group.bench_function(VERIFY_DEFAULT, |b| b.iter(|| expect_whole(default_path(&ledger))));
    group.bench_function(VERIFY_SEQUENTIAL, |b| b.iter(|| expect_whole(sequential_strict(&ledger))));
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(12));
    targets = verify
}
criterion_main!(benches);
