//! The ledger line: the [`SignedEvent`] it holds, its framing, and how it
//! is written and strictly read back (spec/ledger-format.md). How its hash
//! and signature are made is [`crate::seal`]'s business; whether they hold
//! is the verification crate's.

use crate::canonical::{self, ByteSink, write_decimal};
use crate::event::{AgentEvent, EventError, Fields, read};
use crate::hex::{ChainHash, PublicKeyBytes, SignatureBytes};
use crate::reason::{Finding, Reason};

/// Longest line accepted, in bytes, not counting its LF.
pub const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

/// One sealed event: a ledger line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedEvent {
    /// Position in the ledger: 0 for the first line.
    pub seq: u64,
    /// Nanoseconds since the Unix epoch.
    pub timestamp_nanos: u64,
    /// The event the line records.
    pub event: AgentEvent,
    /// The previous line's `self_hash` ([`GENESIS_PARENT_HASH`] at seq 0).
    pub parent_hash: ChainHash,
    /// SHA-256 of the canonical preimage (spec/signature-scheme.md).
    pub self_hash: ChainHash,
    /// Ed25519 over the 32 bytes of `self_hash`.
    pub signature: SignatureBytes,
    /// The key that signed the line.
    pub signer_pubkey: PublicKeyBytes,
}

/// Checks a line's framing (LF-terminated, not empty, no CR before the LF,
/// not longer than [`MAX_LINE_BYTES`]) and returns its content without the LF.
pub fn frame(buf: &[u8]) -> Result<&[u8], Finding> {
    match buf.strip_suffix(b"\n") {
        None if buf.len() > MAX_LINE_BYTES => {
            Err(Finding::new(Reason::LineTooLong, format!("line is longer than {MAX_LINE_BYTES} bytes")))
        }
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
    /// The ledger line without its LF. Members in the order the spec gives:
    /// seq, timestamp_nanos, event, parent_hash, self_hash, signature, signer_pubkey.
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

    fn write_line(&self, sink: &mut impl ByteSink) {
        sink.put(b"{\"seq\":");
        write_decimal(sink, self.seq.into());
        sink.put(b",\"timestamp_nanos\":");
        write_decimal(sink, self.timestamp_nanos.into());
        sink.put(b",\"event\":");
        self.event.write_wire(sink);
        sink.put(b",\"parent_hash\":\"");
        self.parent_hash.put_hex(sink);
        sink.put(b"\",\"self_hash\":\"");
        self.self_hash.put_hex(sink);
        sink.put(b"\",\"signature\":\"");
        self.signature.put_hex(sink);
        sink.put(b"\",\"signer_pubkey\":\"");
        self.signer_pubkey.put_hex(sink);
        sink.put(b"\"}");
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

fn read_signed_event(value: &canonical::Value) -> Result<SignedEvent, EventError> {
    let mut fields = Fields::new("", value)?;
    let seq = fields.take_with("seq", read::u64)?;
    let timestamp_nanos = fields.take_with("timestamp_nanos", read::u64)?;
    let (event_value, _) = fields.take("event")?;
    let event = AgentEvent::from_value(event_value)
        .map_err(|e| EventError { path: if e.path == "event" { e.path } else { format!("event.{}", e.path) }, ..e })?;
    let parent_hash = fields.take_with("parent_hash", read::chain_hash)?;
    let self_hash = fields.take_with("self_hash", read::chain_hash)?;
    let signature = fields.take_with("signature", read::signature)?;
    let signer_pubkey = fields.take_with("signer_pubkey", read::public_key)?;
    fields.finish()?;
    Ok(SignedEvent { seq, timestamp_nanos, event, parent_hash, self_hash, signature, signer_pubkey })
}
