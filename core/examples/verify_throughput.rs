//! Measures streaming verification: the sequential engine (one strict
//! verification per line on one thread) against the fast engine, on the
//! same ledger in the same run. A measurement to run by hand, in release mode:
//!
//! ```text
//! cargo run --release -p provedex-core --example verify_throughput -- generate /tmp/ledger.ndjson 100000
//! cargo run --release -p provedex-core --example verify_throughput -- compare /tmp/ledger.ndjson
//! /usr/bin/time -v target/release/examples/verify_throughput verify /tmp/ledger.ndjson fast
//! ```
//!
//! `verify` runs one verification and prints the peak resident set size.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::num::NonZeroUsize;
use std::time::Instant;

use provedex_core::{
    AgentEvent, Engine, GENESIS_PARENT_HASH, SigningKeypair, VerifyOptions, canonical, sha256_hex, sign_event_at,
    verify_file_using,
};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["generate", path, count] => generate(path, count.parse().expect("an event count")),
        ["compare", path] => compare(path),
        ["verify", path, engine] => verify_once(path, engine),
        _ => {
            eprintln!("usage: verify_throughput generate PATH COUNT | compare PATH | verify PATH sequential|fast|fast1")
        }
    }
}

/// Writes a ledger of `count` events of four kinds, signed by one key.
fn generate(path: &str, count: u64) {
    let key = SigningKeypair::from_seed(&[7; 32]);
    let mut out = BufWriter::new(File::create(path).expect("create the ledger"));
    let mut parent = GENESIS_PARENT_HASH;
    for seq in 0..count {
        let digest = sha256_hex(&seq.to_le_bytes());
        let json = match seq % 4 {
            0 => format!(
                r#"{{"type":"ModelInvoked","payload":{{"model_id":"llama3.2:3b","prompt_sha256":"{digest}","response_sha256":"{digest}","prompt_tokens":812,"response_tokens":64}}}}"#
            ),
            1 => format!(
                r#"{{"type":"ToolCalled","payload":{{"tool_name":"search","args_sha256":"{digest}","args_redacted":{{"query":"order {seq}","limit":10}}}}}}"#
            ),
            2 => format!(
                r#"{{"type":"ToolReturned","payload":{{"tool_name":"search","result_sha256":"{digest}","latency_ms":{seq},"success":true}}}}"#
            ),
            _ => format!(
                r#"{{"type":"UtteranceSpoken","payload":{{"text_sha256":"{digest}","text":"Your order {seq} ships tomorrow.","audio_sha256":""}}}}"#
            ),
        };
        let value = canonical::parse(json.as_bytes()).expect("valid JSON");
        let event = AgentEvent::from_value(&value).expect("a valid event");
        let signed = sign_event_at(&event, seq, 1_700_000_000_000_000_000 + seq, &parent, &key).expect("sealed");
        parent = signed.self_hash;
        writeln!(out, "{}", signed.to_json()).expect("write a line");
    }
    out.flush().expect("flush the ledger");
}

fn engine(name: &str) -> Engine {
    match name {
        "sequential" => Engine::Sequential,
        "fast" => Engine::default(),
        "fast1" => Engine::Fast { threads: NonZeroUsize::MIN },
        other => panic!("unknown engine {other}"),
    }
}

/// Seconds to verify `path` once with `engine`; panics unless the ledger is valid.
fn timed(path: &str, engine: Engine) -> (f64, u64) {
    let start = Instant::now();
    let report = verify_file_using(path, &VerifyOptions::default(), engine, |_, _| {}).expect("read the ledger");
    let seconds = start.elapsed().as_secs_f64();
    assert!(report.ok, "{}", report.message);
    (seconds, report.event_count)
}

fn compare(path: &str) {
    let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
    println!("{cores} cores available");
    timed(path, engine("fast")); // warm the page cache
    let (sequential, events) = timed(path, engine("sequential"));
    for name in ["fast1", "fast"] {
        let (fast, _) = timed(path, engine(name));
        println!(
            "{events} events: sequential {sequential:.2} s ({:.0}/s), {name} {fast:.2} s ({:.0}/s): {:.2}x",
            events as f64 / sequential,
            events as f64 / fast,
            sequential / fast
        );
    }
}

fn verify_once(path: &str, name: &str) {
    let (seconds, events) = timed(path, engine(name));
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let peak = status.lines().find(|l| l.starts_with("VmHWM")).unwrap_or("VmHWM: unknown");
    println!("{name}: {events} events in {seconds:.2} s; {peak}");
}
