//! Human-readable output: verification reports, event listings, paths and
//! messages.
//!
//! Everything here that comes from a ledger, an event, a report, a file name
//! or the core's messages passes through `provedex_core::display` before it
//! reaches a person: a string in a ledger can hold a carriage return and an
//! erase-line sequence that turn "broken" into "valid" on a terminal, or a
//! bidi override that reorders what is read. Machine output (`verify
//! --json`, the signed lines `record` and `sign-event` print) stays exact.

use std::borrow::Cow;
use std::fmt::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use provedex_core::display::{escape, escape_bytes, shell_word};
use provedex_core::toolset::{Drift, Toolset};
use provedex_core::utc::utc_nanos;
use provedex_core::{ChainReport, Progress, Reason, SignedEvent, Value};

use crate::out;

/// Exit 0 for a valid ledger, 1 for a broken one.
pub fn exit_code(report: &ChainReport) -> ExitCode {
    let unpinned = report.unpinned_tool_calls.as_ref().is_some_and(|calls| !calls.is_empty());
    if report.ok && !unpinned { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

/// A path as text for a person: escaped, invalid UTF-8 as `\xNN`.
pub fn path_text(path: &Path) -> Cow<'_, str> {
    escape_bytes(path.as_os_str().as_bytes())
}

/// A message for a person that may embed untrusted text (the core's errors
/// and report messages quote the values they name, escaped): every
/// character a terminal would interpret is escaped, backslashes excepted, so
/// text the core escaped already is shown as it is and anything it did not
/// escape still cannot act on the terminal.
pub fn terminal_safe(message: &str) -> String {
    message.split('\\').map(escape).collect::<Vec<_>>().join("\\")
}

/// A report in a few lines: the verdict first, then the facts an auditor
/// checks. `ledger` is the file, `None` for a stream read from stdin.
pub fn report(ledger: Option<&Path>, report: &ChainReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", terminal_safe(&report.message));
    if !report.ok {
        let reason = report.reason.map(|r| r.code()).unwrap_or("unknown");
        let _ = writeln!(out, "reason:    {reason}");
        let plural = if report.event_count == 1 { "" } else { "s" };
        let _ = writeln!(out, "verified:  {} event{plural} before the break", report.event_count);
        if let (Some(Reason::TornTail), Some(path)) = (report.reason, ledger) {
            let _ = writeln!(
                out,
                "hint:      `provedex recover --ledger {}` removes the torn line and keeps a copy of it",
                shell_word(path)
            );
        }
    }
    match ledger {
        Some(path) => writeln!(out, "ledger:    {}", path_text(path)),
        None => writeln!(out, "ledger:    stdin"),
    }
    .expect("writing to a String succeeds");
    if let Some(root) = report.root_hash {
        let label = if report.ok { "root hash" } else { "last good" };
        let _ = writeln!(out, "{label}: {root}");
    }
    if report.keys.len() > 1 {
        for key in &report.keys {
            let until = key.to_seq.map_or_else(|| "(none signed yet)".to_owned(), |to| format!("to {to}"));
            let _ = writeln!(out, "key:       {} seq {} {until}", key.pubkey, key.from_seq);
        }
    } else {
        for signer in &report.signers {
            let _ = writeln!(out, "signer:    {signer}");
        }
    }
    if let Some(calls) = &report.unpinned_tool_calls {
        let _ = writeln!(out, "unpinned tool calls: {}", calls.len());
        for call in calls {
            let _ = writeln!(out, "  seq {}: {}", call.seq, escape(&call.tool_name));
        }
    }
    out
}

/// A verification's progress on one line of stderr, for a terminal. Drawn
/// only once the verification has taken a while (a small ledger shows
/// nothing), redrawn at most ten times a second, erased when dropped.
pub struct ProgressLine {
    total_bytes: u64,
    started: Instant,
    next_draw: Instant,
    drawn: bool,
}

impl ProgressLine {
    const FIRST_DRAW_AFTER: Duration = Duration::from_millis(300);
    const REDRAW_EVERY: Duration = Duration::from_millis(100);

    /// For a ledger of `total_bytes`, which sets the percentage and the ETA.
    pub fn new(total_bytes: u64) -> Self {
        let started = Instant::now();
        ProgressLine { total_bytes, started, next_draw: started + Self::FIRST_DRAW_AFTER, drawn: false }
    }

    pub fn update(&mut self, so_far: Progress) {
        let now = Instant::now();
        if now < self.next_draw {
            return;
        }
        self.next_draw = now + Self::REDRAW_EVERY;
        self.drawn = true;
        // CR back to the line's start, then erase what the previous draw left beyond the new text.
        out::err(format!("\r{}\x1b[K", progress_text(so_far, self.total_bytes, now - self.started)));
    }
}

impl Drop for ProgressLine {
    fn drop(&mut self) {
        if self.drawn {
            out::err("\r\x1b[K");
        }
    }
}

/// `verifying [#####-----------]  35%  350000 events  45000 events/s  ETA 14s`,
/// short enough for an 80-column terminal.
pub fn progress_text(so_far: Progress, total_bytes: u64, elapsed: Duration) -> String {
    const WIDTH: u64 = 16;
    let fraction = if total_bytes == 0 { 1.0 } else { (so_far.bytes as f64 / total_bytes as f64).min(1.0) };
    let filled = (fraction * WIDTH as f64) as u64;
    let bar: String = (0..WIDTH).map(|i| if i < filled { '#' } else { '-' }).collect();
    let seconds = elapsed.as_secs_f64();
    let rate = if seconds > 0.0 { so_far.events as f64 / seconds } else { 0.0 };
    let eta = match so_far.bytes {
        0 => "--".to_owned(),
        done => short_duration(seconds * total_bytes.saturating_sub(done) as f64 / done as f64),
    };
    format!("verifying [{bar}] {:3.0}%  {} events  {rate:.0} events/s  ETA {eta}", fraction * 100.0, so_far.events)
}

/// `9s`, `4m05s`, `2h07m`.
fn short_duration(seconds: f64) -> String {
    let s = seconds.round() as u64;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
    }
}

pub const LISTING_HEADER: &str = "seq   time (UTC)                      type               payload";

/// One event as a line of `provedex show`: member names and values escaped.
pub fn listing_row(event: &SignedEvent) -> String {
    let payload = match event.event.to_value() {
        Value::Object(mut map) => match map.remove("payload") {
            Some(Value::Object(fields)) => fields,
            _ => Default::default(),
        },
        _ => Default::default(),
    };
    let details: Vec<String> = payload.iter().map(|(k, v)| format!("{}={}", escape(k), short_value(v))).collect();
    format!(
        "{:<5} {:<31} {:<18} {}",
        event.seq,
        utc_nanos(event.timestamp_nanos),
        escape(event.event.type_name()),
        details.join(" ")
    )
}

/// How many characters of a string, and of a JSON object or array, a listing shows.
const SHOWN_STRING_CHARS: usize = 48;
const SHOWN_JSON_CHARS: usize = 120;

/// A value for a listing: digests shortened, long text and long objects cut,
/// every string and member name escaped.
fn short_value(value: &Value) -> String {
    match value {
        Value::String(s) if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) => format!("{}…", &s[..12]),
        Value::String(s) => {
            let shown: String = s.chars().take(SHOWN_STRING_CHARS).collect();
            let cut = if shown.len() < s.len() { "…" } else { "" };
            format!("{}{cut}", quoted(&shown))
        }
        Value::Object(_) | Value::Array(_) => {
            let mut text = String::new();
            json_for_people(value, &mut text);
            match text.char_indices().nth(SHOWN_JSON_CHARS) {
                Some((cut, _)) => format!("{}…", &text[..cut]),
                None => text,
            }
        }
        other => other.to_string(),
    }
}

/// A string in double quotes, escaped, with `"` written `\"`.
fn quoted(text: &str) -> String {
    format!("\"{}\"", escape(text).replace('"', "\\\""))
}

/// JSON as compact text whose strings and member names are [`quoted`].
fn json_for_people(value: &Value, out: &mut String) {
    match value {
        Value::String(s) => out.push_str(&quoted(s)),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_for_people(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&quoted(key));
                out.push(':');
                json_for_people(item, out);
            }
            out.push('}');
        }
        other => {
            let _ = write!(out, "{other}");
        }
    }
}

/// The hash, then one tool per line: its digest and escaped name.
pub fn toolset_text(toolset: &Toolset) -> String {
    let mut text = format!("{}\n", toolset.toolset_sha256);
    for tool in &toolset.tools {
        text.push_str(&format!("  {}  {}\n", tool.sha256, escape(&tool.name)));
    }
    text
}

/// The drifted tools, one per line, names escaped.
pub fn drift_text(drift: &Drift) -> String {
    let mut text = String::new();
    for tool in &drift.added {
        text.push_str(&format!("  added:    {}\n", escape(&tool.name)));
    }
    for tool in &drift.removed {
        text.push_str(&format!("  removed:  {}\n", escape(&tool.name)));
    }
    for tool in &drift.changed {
        text.push_str(&format!("  changed:  {} ({} -> {})\n", escape(&tool.name), tool.pinned, tool.current));
    }
    text
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use provedex_core::Progress;

    use super::progress_text;

    #[test]
    fn progress_shows_share_rate_and_time_left() {
        let halfway = Progress::new(50_000, 500);
        assert_eq!(
            progress_text(halfway, 1_000, Duration::from_secs(2)),
            "verifying [########--------]  50%  50000 events  25000 events/s  ETA 2s"
        );
        let early = Progress::new(10, 1);
        assert!(progress_text(early, 1_000, Duration::from_secs(1)).ends_with("ETA 16m39s"));
        assert!(progress_text(Progress::new(0, 0), 1_000, Duration::ZERO).ends_with("0 events/s  ETA --"));
    }
}
