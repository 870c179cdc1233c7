//! Whole ledgers through the streaming verifier (spec/verification.md).

use std::io::BufReader;

use provedex_core::canonical::{canonical_json, parse};
use provedex_core::{ChainReport, MAX_LINE_BYTES, Reason, SignedEvent, Verifier};

use crate::fixtures::{Fixture, foreign_ledger, main_ledger};
use crate::show;

/// Most edits one input makes to the fixture ledger: a few, so that the chain
/// checks behind the first edit are still reached.
const MAX_EDITS: usize = 4;

/// Byte strings an edit can insert: JSON structure, line framing, and values
/// the strict reader must refuse.
const TOKENS: &[&[u8]] = &[
    b" ",
    b"\n",
    b"\r\n",
    b"\r",
    b"\"",
    b"\\",
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"0",
    b"-",
    b"1.0",
    b"1e400",
    b"18446744073709551616",
    b"\\u0000",
    b"\\ud800",
    b"null",
    b",\"x\":1",
    b",\"seq\":0",
    b"A",
    "é".as_bytes(),
    "\u{feff}".as_bytes(),
];

/// The input twice over: as a whole ledger file, and as a program of edits
/// ([`mutate_ledger`]) applied to a valid signed ledger, so that inputs reach
/// the chain rules and the signature checks and not only the JSON reader.
///
/// For every ledger the report must be self-consistent, identical whatever the
/// read buffer's size, agree with [`Verifier::events`] over the lines that parse,
/// and find the same good prefix with the first signer pinned. For an edited
/// ledger it must also accept every unedited leading line and accept nothing
/// that was not signed at that position.
pub fn check_ledger(data: &[u8]) {
    check_ledger_bytes(data);
    let edited = mutate_ledger(data);
    let report = check_ledger_bytes(&edited);
    check_against_fixture(&edited, &report);
}

/// Applies up to [`MAX_EDITS`] edits, read from `program`, to the bytes of
/// [`main_ledger`]. The first byte of each edit chooses it (flip a bit, set,
/// insert or delete bytes, truncate, delete, duplicate or swap lines, graft a
/// line of [`foreign_ledger`], end a line with CR LF, insert a token, respell a
/// line with its members in canonical order); the next bytes give its positions.
/// An empty program leaves the ledger valid.
pub fn mutate_ledger(program: &[u8]) -> Vec<u8> {
    let mut input = Program(program);
    let mut ledger = main_ledger().bytes.clone();
    for _ in 0..MAX_EDITS {
        let Some(edit) = input.byte() else { break };
        let mut lines: Vec<Vec<u8>> = ledger.split_inclusive(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
        match edit % 12 {
            0 => {
                if let (Some(at), Some(bit)) = (input.index(ledger.len()), input.byte()) {
                    ledger[at] ^= 1 << (bit & 7);
                }
            }
            1 => {
                if let (Some(at), Some(value)) = (input.index(ledger.len()), input.byte()) {
                    ledger[at] = value;
                }
            }
            2 => {
                if let (Some(at), Some(value)) = (input.index(ledger.len() + 1), input.byte()) {
                    ledger.insert(at, value);
                }
            }
            3 => {
                if let (Some(at), Some(n)) = (input.index(ledger.len()), input.byte()) {
                    let end = (at + 1 + usize::from(n % 16)).min(ledger.len());
                    ledger.drain(at..end);
                }
            }
            4 => {
                if let Some(at) = input.index(ledger.len() + 1) {
                    ledger.truncate(at);
                }
            }
            5 => {
                if let Some(i) = input.index(lines.len()) {
                    lines.remove(i);
                    ledger = lines.concat();
                }
            }
            6 => {
                if let Some(i) = input.index(lines.len()) {
                    lines.insert(i, lines[i].clone());
                    ledger = lines.concat();
                }
            }
            7 => {
                if let (Some(i), Some(j)) = (input.index(lines.len()), input.index(lines.len())) {
                    lines.swap(i, j);
                    ledger = lines.concat();
                }
            }
            8 => {
                let foreign = foreign_ledger();
                if let (Some(i), Some(j)) = (input.index(lines.len() + 1), input.index(foreign.lines.len())) {
                    let mut line = foreign.lines[j].clone();
                    line.push(b'\n');
                    if i < lines.len() {
                        lines[i] = line;
                    } else {
                        lines.push(line);
                    }
                    ledger = lines.concat();
                }
            }
            9 => {
                if let Some(i) = input.index(lines.len())
                    && lines[i].ends_with(b"\n")
                {
                    let at = lines[i].len() - 1;
                    lines[i].insert(at, b'\r');
                    ledger = lines.concat();
                }
            }
            10 => {
                if let (Some(at), Some(t)) = (input.index(ledger.len() + 1), input.index(TOKENS.len())) {
                    ledger.splice(at..at, TOKENS[t].iter().copied());
                }
            }
            _ => {
                if let Some(i) = input.index(lines.len()) {
                    let content = lines[i].strip_suffix(b"\n").unwrap_or(&lines[i]);
                    if let Ok(value) = parse(content) {
                        let mut respelled = canonical_json(&value);
                        respelled.extend_from_slice(&lines[i][content.len()..]);
                        lines[i] = respelled;
                        ledger = lines.concat();
                    }
                }
            }
        }
    }
    ledger
}

/// The edit program: bytes read front to back, `None` once they run out.
struct Program<'a>(&'a [u8]);

impl Program<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (first, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(*first)
    }

    /// An index below `n` from the next two bytes; `None` when `n` is 0.
    fn index(&mut self, n: usize) -> Option<usize> {
        let value = usize::from(u16::from_le_bytes([self.byte()?, self.byte().unwrap_or(0)]));
        (n > 0).then(|| value % n)
    }
}

/// Verifies `bytes` as a ledger file and checks everything that holds for any ledger.
fn check_ledger_bytes(bytes: &[u8]) -> ChainReport {
    let report = Verifier::new().reader(bytes).expect("reading from a slice cannot fail");
    check_consistent(&report, bytes);

    let capacity = 1 + bytes.len() % 7;
    let chunked = Verifier::new().reader(BufReader::with_capacity(capacity, bytes)).expect("reading from a slice");
    assert_eq!(chunked, report, "a {capacity}-byte read buffer changed the report for {}", show(bytes));

    let (events, bad_line) = read_lines(bytes);
    check_against_chain(&report, &events, bad_line, bytes);

    if let Some(first) = events.first() {
        let with_pin = Verifier::new().pinned_pubkey(first.signer_pubkey).reader(bytes).expect("reading from a slice");
        check_consistent(&with_pin, bytes);
        let same_reason = with_pin.reason == report.reason
            || (with_pin.reason == Some(Reason::PubkeyMismatch) && report.reason == Some(Reason::SignerChanged));
        assert!(
            same_reason
                && (with_pin.ok, with_pin.event_count, with_pin.broken_at, with_pin.line)
                    == (report.ok, report.event_count, report.broken_at, report.line)
                && (&with_pin.root_hash, &with_pin.signers) == (&report.root_hash, &report.signers),
            "pinning the first signer changed the verdict:\n{with_pin:?}\nunpinned:\n{report:?}\nledger {}",
            show(bytes)
        );
    }
    report
}

/// The invariants of the report fields (spec/verification.md, "Report").
fn check_consistent(report: &ChainReport, bytes: &[u8]) {
    let context = || format!("{report:?} for ledger {}", show(bytes));
    assert_eq!(report.ok, report.reason.is_none(), "ok and reason disagree: {}", context());
    assert_eq!(report.ok, report.broken_at.is_none(), "ok and broken_at disagree: {}", context());
    assert_eq!(report.ok, report.line.is_none(), "ok and line disagree: {}", context());
    if !report.ok {
        assert_eq!(report.broken_at, Some(report.event_count), "broken_at is not event_count: {}", context());
        assert_eq!(
            report.line,
            Some(report.event_count + 1),
            "line is not the one after the good lines: {}",
            context()
        );
    }
    assert_eq!(report.root_hash.is_none(), report.event_count == 0, "root_hash and event_count: {}", context());
    assert_eq!(report.signers.is_empty(), report.event_count == 0, "signers and event_count: {}", context());
    assert!(report.signers.len() <= 1, "a ledger has one signer: {}", context());
    assert!(!report.message.is_empty(), "empty message: {}", context());
    let lines = bytes.iter().filter(|b| **b == b'\n').count() as u64;
    assert!(report.event_count <= lines, "more events than lines: {}", context());
    if report.ok {
        assert_eq!(report.event_count, lines, "ok without reading every line: {}", context());
        assert!(bytes.is_empty() || bytes.ends_with(b"\n"), "ok with a torn tail: {}", context());
    }
}

/// Reads the lines the way spec/ledger-format.md frames them: the events of
/// the leading lines that frame and parse, and the reason the next line fails, if any.
fn read_lines(bytes: &[u8]) -> (Vec<SignedEvent>, Option<Reason>) {
    let mut events = Vec::new();
    for segment in bytes.split_inclusive(|b| *b == b'\n') {
        let content = segment.strip_suffix(b"\n");
        let too_long = segment.len() > MAX_LINE_BYTES + 1 || (content.is_none() && segment.len() > MAX_LINE_BYTES);
        let reason = match content {
            _ if too_long => Reason::LineTooLong,
            None => Reason::TornTail,
            Some(b"") => Reason::EmptyLine,
            Some(c) if c.ends_with(b"\r") => Reason::CrlfLineEnding,
            Some(c) => match SignedEvent::from_line(c) {
                Ok(event) => {
                    events.push(event);
                    continue;
                }
                Err(finding) => finding.reason,
            },
        };
        return (events, Some(reason));
    }
    (events, None)
}

/// The streaming verdict equals [`Verifier::events`]'s over the lines that parse,
/// and a line that does not parse stops the stream right there.
fn check_against_chain(report: &ChainReport, events: &[SignedEvent], bad_line: Option<Reason>, bytes: &[u8]) {
    let chain = Verifier::new().events(events);
    let verdict = |r: &ChainReport| (r.ok, r.event_count, r.broken_at, r.reason, r.root_hash, r.signers.clone());
    let expected = match bad_line {
        Some(reason) if chain.ok => {
            (false, chain.event_count, Some(chain.event_count), Some(reason), chain.root_hash, chain.signers.clone())
        }
        _ => verdict(&chain),
    };
    assert_eq!(
        verdict(report),
        expected,
        "streaming and in-memory verification disagree:\n{report:?}\nchain:\n{chain:?}\nledger {}",
        show(bytes)
    );
}

/// An edited fixture ledger: the unedited leading lines verify, an unedited
/// prefix cut at a line end is a valid ledger, and every line that verifies
/// carries a self_hash that was signed at that position.
fn check_against_fixture(edited: &[u8], report: &ChainReport) {
    let fixture = main_ledger();
    let context = || format!("{report:?} for edited ledger {}", show(edited));
    let kept = edited
        .split_inclusive(|b| *b == b'\n')
        .zip(&fixture.lines)
        .take_while(|(line, original)| line.strip_suffix(b"\n") == Some(original.as_slice()))
        .count();
    assert!(report.event_count >= kept as u64, "{kept} unedited leading lines, but {}", context());
    if fixture.lines[..kept].iter().map(|l| l.len() + 1).sum::<usize>() == edited.len() {
        assert!(report.ok && report.event_count == kept as u64, "an unedited prefix fails: {}", context());
    }
    if let Some(root) = report.root_hash {
        let at = usize::try_from(report.event_count - 1).expect("small");
        let signed = |f: &Fixture| f.hashes.get(at) == Some(&root) && report.signers == [f.key.public_key()];
        assert!(signed(fixture) || signed(foreign_ledger()), "accepted a chain nobody signed: {}", context());
    }
}
