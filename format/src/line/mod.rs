//! The ledger line: the [`SignedEvent`] it holds, its framing, and how it
//! is written and strictly read back (spec/ledger-format.md). The line type,
//! its member order, its reader and its self_hash [`Preimage`] are generated
//! from spec/signed-event.schema.json (`generated.rs`). How its hash
//! and signature are made is [`crate::seal`]'s business; whether they hold
//! is the verification crate's.

use crate::canonical::{self, ByteSink};
use crate::reason::{Finding, Reason};

mod generated;

use generated::read_signed_event;
pub use generated::{Preimage, SignedEvent};

/// Longest line accepted, in bytes, not counting its LF.
pub const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

/// Checks a line's framing (LF-terminated, not empty, no CR before the LF,
/// not longer than [`MAX_LINE_BYTES`]) and returns its content without the LF.
/// The length comes first, with or without an LF after the line
/// (spec/verification.md, Framing).
pub fn frame(buf: &[u8]) -> Result<&[u8], Finding> {
    let content = buf.strip_suffix(b"\n");
    if content.unwrap_or(buf).len() > MAX_LINE_BYTES {
        return Err(Finding::new(Reason::LineTooLong, format!("line is longer than {MAX_LINE_BYTES} bytes")));
    }
    match content {
        None => Err(Finding::new(
            Reason::TornTail,
            format!("the final line ({} bytes) has no terminating LF: a torn write", buf.len()),
        )),
        Some(b"") => Err(Finding::new(Reason::EmptyLine, "empty line")),
        Some(content) if content.ends_with(b"\r") => {
            Err(Finding::new(Reason::CrlfLineEnding, "line ends with CR LF; ledger lines end with LF alone"))
        }
        Some(content) => Ok(content),
    }
}

/// Reads one line handed over on its own, without its LF, exactly as a
/// verifier reads a line of a ledger: the framing ([`frame`]: empty, CR LF,
/// too long), then strict parsing.
pub fn read_line_alone(mut line: Vec<u8>) -> Result<SignedEvent, Finding> {
    line.push(b'\n');
    frame(&line).and_then(SignedEvent::from_line)
}

impl SignedEvent {
    /// The ledger line without its LF, the members in the order the spec gives.
    pub fn to_json(&self) -> String {
        let mut out = Vec::with_capacity(512);
        self.write_line(&mut out);
        String::from_utf8(out).expect("ledger lines are UTF-8")
    }

    /// The length of [`SignedEvent::to_json`] in bytes, counted without building the line.
    pub fn line_len(&self) -> usize {
        struct Count(usize);
        impl ByteSink for Count {
            fn put(&mut self, bytes: &[u8]) {
                self.0 += bytes.len();
            }
        }
        let mut count = Count(0);
        self.write_line(&mut count);
        count.0
    }

    /// Reads one line (without its LF) under the strict rules: one JSON
    /// object and nothing around it, no duplicate keys, exactly the members
    /// of the spec with their types, lowercase hex of the right length.
    ///
    /// Only the form is checked; whether the hash and the signature hold is
    /// the verification crate's business.
    pub fn from_line(line: &[u8]) -> Result<SignedEvent, Finding> {
        if line.first() != Some(&b'{') || line.last() != Some(&b'}') {
            return Err(Finding::new(
                Reason::MalformedJson,
                "a line must be exactly one JSON object, with nothing before '{' or after '}'",
            ));
        }
        let value = canonical::parse(line).map_err(|e| Finding::new(e.kind.into(), format!("not strict JSON: {e}")))?;
        read_signed_event(&value).map_err(|e| Finding::new(e.reason, e.to_string()))
    }
}
