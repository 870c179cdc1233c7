//! Streaming verification of a 20,000-event ledger: the default path against
//! the one-at-a-time strict verifier on one thread, in the same run; and a
//! bundle of every line of a 100,000-event ledger verified without the
//! ledger (spec/bundles.md), against verifying that ledger.

use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use provedex_bench::names::{
    BUNDLE_GROUP, BUNDLE_LEDGER, BUNDLE_VERIFY, VERIFY_DEFAULT, VERIFY_GROUP, VERIFY_SEQUENTIAL,
};
use provedex_bench::{BUNDLE_EVENTS, VERIFY_EVENTS, fixtures};
use provedex_core::bundle::{KeyPin, ProofLevel, verify_bundle};
use provedex_core::{BundleCheckpoint, ChainReport, Engine, Selection, Verifier, export_bundle};

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

fn bundle(c: &mut Criterion) {
    let scratch = fixtures::scratch_dir().expect("a scratch directory in the target directory");
    let ledger = scratch.path().join("ledger.ndjson");
    let keypair = fixtures::keypair();
    fixtures::write_ledger(&ledger, BUNDLE_EVENTS, &keypair).expect("write the ledger");
    let all = Selection::Seqs { first: 0, last: BUNDLE_EVENTS - 1 };
    let bundle = export_bundle(&ledger, BundleCheckpoint::Sign(&keypair), all).expect("export the bundle");
    let bytes = serde_json::to_vec_pretty(&bundle).expect("a bundle serialises");
    let pin = KeyPin::PublicKey(keypair.public_key());

    let mut group = c.benchmark_group(BUNDLE_GROUP);
    group.sampling_mode(SamplingMode::Flat).sample_size(10).throughput(Throughput::Elements(BUNDLE_EVENTS));
    group.bench_function(BUNDLE_VERIFY, |b| {
        b.iter(|| {
            let report = verify_bundle(&bytes, Some(&pin), None, Engine::default());
            assert!(report.proof_level == Some(ProofLevel::Verifiable), "{}", report.message);
        })
    });
    group.bench_function(BUNDLE_LEDGER, |b| {
        b.iter(|| {
            let report = default_path(&ledger);
            assert!(report.ok && report.event_count == BUNDLE_EVENTS, "{}", report.message);
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(12));
    targets = verify, bundle
}
criterion_main!(benches);
