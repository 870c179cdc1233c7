//! Reading a ledger from a byte stream with either engine: the lines a
//! verification reads, the sequential engine's loop, and the tally that
//! turns checked lines into a report.

use std::io::{self, BufRead, Read};

use provedex_format::line::{MAX_LINE_BYTES, frame};
use provedex_format::{Finding, SignedEvent};

use crate::chain::{ChainVerifier, Pins};
use crate::report::{ChainReport, Progress};
use crate::seal::{SealVerdict, strict_seal};
use crate::{Engine, fast};

/// Reads and verifies a ledger. I/O errors abort; everything wrong with the
/// content becomes the report's finding.
pub(crate) fn scan(
    reader: impl BufRead,
    pins: Pins,
    engine: Engine,
    on_event: impl FnMut(&SignedEvent, Progress),
) -> io::Result<ChainReport> {
    let mut tally = Tally::new(pins, on_event);
    let finding = match engine {
        Engine::Sequential => scan_sequential(reader, &mut tally)?,
        Engine::Fast { threads } => fast::scan(reader, threads, &mut tally)?,
    };
    Ok(tally.into_report(finding))
}

/// The sequential engine's loop: one line in memory at a time.
fn scan_sequential(
    mut reader: impl BufRead,
    tally: &mut Tally<impl FnMut(&SignedEvent, Progress)>,
) -> io::Result<Option<Finding>> {
    let mut buf = Vec::with_capacity(1024);
    loop {
        buf.clear();
        if read_line(&mut reader, &mut buf)? == 0 {
            return Ok(None);
        }
        let checked = frame(&buf).and_then(SignedEvent::from_line).map(|event| {
            let seal = strict_seal(&event);
            (event, seal)
        });
        if let Err(finding) = tally.take(buf.len(), checked) {
            return Ok(Some(finding));
        }
    }
}

/// Appends the next line with its LF to `buf`, or at most
/// [`MAX_LINE_BYTES`] + 1 bytes of it: enough for [`frame`] to tell a line
/// that is too long. Returns the number of bytes read, 0 at the end.
pub(crate) fn read_line(reader: &mut impl BufRead, buf: &mut Vec<u8>) -> io::Result<usize> {
    reader.take(MAX_LINE_BYTES as u64 + 1).read_until(b'\n', buf)
}

/// A streaming verification between lines: the chain, the lines read, and
/// where the good prefix of the input ends (what [`Progress::bytes`] says).
pub(crate) struct Tally<F> {
    verifier: ChainVerifier,
    lines: u64,
    good_bytes: u64,
    on_event: F,
}

impl<F: FnMut(&SignedEvent, Progress)> Tally<F> {
    fn new(pins: Pins, on_event: F) -> Self {
        Tally { verifier: ChainVerifier::new(pins), lines: 0, good_bytes: 0, on_event }
    }

    /// Takes the next line of the input (`len` bytes with its LF), framed,
    /// parsed and with its seal checked, or the finding that stopped that.
    pub(crate) fn take(
        &mut self,
        len: usize,
        checked: Result<(SignedEvent, SealVerdict), Finding>,
    ) -> Result<(), Finding> {
        self.lines += 1;
        let (event, seal) = checked?;
        self.verifier.push(&event, seal)?;
        self.good_bytes += len as u64;
        (self.on_event)(&event, Progress { events: self.verifier.count(), bytes: self.good_bytes });
        Ok(())
    }

    fn into_report(self, finding: Option<Finding>) -> ChainReport {
        match finding {
            Some(finding) => self.verifier.broken(finding, Some(self.lines)),
            None => self.verifier.finish(),
        }
    }
}
