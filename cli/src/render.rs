//! Human-readable output: verification reports and event listings.

use std::fmt::Write;
use std::path::Path;
use std::process::ExitCode;

use provedex_core::{ChainReport, Reason, SignedEvent, Value};

/// Exit 0 for a valid ledger, 1 for a broken one.
pub fn exit_code(report: &ChainReport) -> ExitCode {
    if report.ok { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

/// A report in a few lines: the verdict first, then the facts an auditor checks.
pub fn report(ledger: &Path, report: &ChainReport) -> String {
    let mut out = String::new();
    if report.ok {
        let _ = writeln!(out, "{}", report.message);
    } else {
        let _ = writeln!(out, "{}", report.message);
        let reason = report.reason.map(|r| r.code()).unwrap_or("unknown");
        let _ = writeln!(out, "reason:    {reason}");
        let plural = if report.event_count == 1 { "" } else { "s" };
        let _ = writeln!(out, "verified:  {} event{plural} before the break", report.event_count);
        if report.reason == Some(Reason::TornTail) {
            let _ = writeln!(
                out,
                "hint:      `provedex recover --ledger {}` removes the torn line and keeps a copy of it",
                ledger.display()
            );
        }
    }
    let _ = writeln!(out, "ledger:    {}", ledger.display());
    if let Some(root) = report.root_hash {
        let label = if report.ok { "root hash" } else { "last good" };
        let _ = writeln!(out, "{label}: {root}");
    }
    for signer in &report.signers {
        let _ = writeln!(out, "signer:    {signer}");
    }
    out
}

pub const LISTING_HEADER: &str = "seq   time (UTC)                      type               payload";

/// One event as a line of `provedex show`.
pub fn listing_row(event: &SignedEvent) -> String {
    let payload = match event.event.to_value() {
        Value::Object(mut map) => match map.remove("payload") {
            Some(Value::Object(fields)) => fields,
            _ => Default::default(),
        },
        _ => Default::default(),
    };
    let details: Vec<String> = payload.iter().map(|(k, v)| format!("{k}={}", short_value(v))).collect();
    format!(
        "{:<5} {:<31} {:<18} {}",
        event.seq,
        rfc3339_nanos(event.timestamp_nanos),
        event.event.type_name(),
        details.join(" ")
    )
}

/// A value for a listing: digests shortened, long text cut.
fn short_value(value: &Value) -> String {
    match value {
        Value::String(s) if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) => format!("{}…", &s[..12]),
        Value::String(s) => {
            let shown: String = s.chars().take(48).collect();
            let cut = if shown.len() < s.len() { "…" } else { "" };
            format!("{:?}", format!("{shown}{cut}"))
        }
        other => other.to_string(),
    }
}

/// `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` for nanoseconds since the Unix epoch.
pub fn rfc3339_nanos(nanos: u64) -> String {
    let secs = nanos / 1_000_000_000;
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:09}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        nanos % 1_000_000_000
    )
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's algorithm).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::rfc3339_nanos;

    #[test]
    fn formats_known_instants() {
        assert_eq!(rfc3339_nanos(0), "1970-01-01T00:00:00.000000000Z");
        assert_eq!(rfc3339_nanos(1_700_000_000_000_000_000), "2023-11-14T22:13:20.000000000Z");
        assert_eq!(rfc3339_nanos(951_782_400_000_000_001), "2000-02-29T00:00:00.000000001Z");
        assert_eq!(rfc3339_nanos(u64::MAX), "2554-07-21T23:34:33.709551615Z");
    }
}
