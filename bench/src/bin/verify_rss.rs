//! Peak memory of streaming verification.
//!
//! `verify-rss generate PATH [EVENTS]` writes a valid ledger (1,000,000
//! events by default); `verify-rss measure PATH` verifies it with
//! `Verifier::file` and prints one JSON object with the process's peak resident
//! set (VmHWM). The two are separate processes so that the peak is the
//! verifier's alone.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use provedex_bench::{RSS_EVENTS, fixtures};
use provedex_core::Verifier;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["generate", path] => generate(Path::new(path), RSS_EVENTS),
        ["generate", path, events] => match events.replace(['_', ','], "").parse() {
            Ok(events) => generate(Path::new(path), events),
            Err(_) => Err(format!("EVENTS must be a whole number, not {events:?}")),
        },
        ["measure", path] => measure(Path::new(path)),
        _ => Err("usage: verify-rss generate PATH [EVENTS] | verify-rss measure PATH".to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("verify-rss: {message}");
            ExitCode::from(2)
        }
    }
}

fn generate(path: &Path, events: u64) -> Result<(), String> {
    let started = Instant::now();
    fixtures::write_ledger(path, events, &fixtures::keypair()).map_err(|e| format!("{}: {e}", path.display()))?;
    eprintln!("wrote {events} events to {} in {:.1} s", path.display(), started.elapsed().as_secs_f64());
    Ok(())
}

fn measure(path: &Path) -> Result<(), String> {
    let started = Instant::now();
    let report = Verifier::new().file(path).map_err(|e| e.to_string())?;
    let seconds = started.elapsed().as_secs_f64();
    let status = std::fs::read_to_string("/proc/self/status").map_err(|e| format!("/proc/self/status: {e}"))?;
    let peak_kib = peak_resident_kib(&status).ok_or("/proc/self/status has no VmHWM line")?;
    let result = serde_json::json!({
        "events": report.event_count,
        "ok": report.ok,
        "message": report.message,
        "peak_rss_bytes": peak_kib * 1024,
        "seconds": seconds,
    });
    println!("{result}");
    Ok(())
}

/// VmHWM ("high water mark" of the resident set) from `/proc/self/status`, in KiB.
fn peak_resident_kib(status: &str) -> Option<u64> {
    let line = status.lines().find_map(|line| line.strip_prefix("VmHWM:"))?;
    line.trim().strip_suffix("kB")?.trim().parse().ok()
}
