//! Sealing without I/O: [`sign_event_at`] (canonical JSON streamed into
//! SHA-256, then Ed25519) against a bare Ed25519 signature of 32 bytes, which
//! it cannot beat, and against the `serde_json::Value` way of doing the same.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ed25519_dalek::{Signer, SigningKey};
use provedex_bench::names::{
    HASH_GROUP, HASH_SERDE_JSON, HASH_TYPED, MODEL_INVOKED, SEAL_BARE_SIGN, SEAL_GROUP, SEAL_SERDE_JSON, SEAL_TYPED,
    TOOL_CALLED,
};
use provedex_bench::{baseline, fixtures};
use provedex_core::{ChainHash, compute_self_hash, sign_event_at};

const SEQ: u64 = 41;
const PARENT: ChainHash = ChainHash([0xab; 32]);

fn seal(c: &mut Criterion) {
    let keypair = fixtures::keypair();
    let bare_key = SigningKey::from_bytes(&std::array::from_fn(|i| i as u8));
    let digest = [0x5a_u8; 32];
    let events = [(MODEL_INVOKED, fixtures::model_invoked()), (TOOL_CALLED, fixtures::tool_called())];

    let mut group = c.benchmark_group(SEAL_GROUP);
    group.bench_function(SEAL_BARE_SIGN, |b| b.iter(|| bare_key.sign(black_box(&digest))));
    for (name, event) in &events {
        group.bench_with_input(BenchmarkId::new(SEAL_TYPED, name), event, |b, event| {
            b.iter(|| sign_event_at(black_box(event), SEQ, fixtures::FIRST_TIMESTAMP_NANOS, &PARENT, &keypair))
        });
        group.bench_with_input(BenchmarkId::new(SEAL_SERDE_JSON, name), event, |b, event| {
            b.iter(|| baseline::seal(black_box(event), SEQ, fixtures::FIRST_TIMESTAMP_NANOS, &PARENT, &keypair))
        });
    }
    group.finish();

    // The hash alone, where the canonical form's cost is not hidden behind the signature's.
    let mut group = c.benchmark_group(HASH_GROUP);
    for (name, event) in &events {
        group.bench_with_input(BenchmarkId::new(HASH_TYPED, name), event, |b, event| {
            b.iter(|| compute_self_hash(black_box(event), SEQ, fixtures::FIRST_TIMESTAMP_NANOS, &PARENT))
        });
        group.bench_with_input(BenchmarkId::new(HASH_SERDE_JSON, name), event, |b, event| {
            b.iter(|| baseline::self_hash(black_box(event), SEQ, fixtures::FIRST_TIMESTAMP_NANOS, &PARENT))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = seal
}
criterion_main!(benches);
