//! Inputs at and past the 16 MiB limit of a line (spec/verification.md,
//! Framing), for `lines.json`, `ledgers.json`, `signatures.json` and
//! `check_order.json`. They are stored as [`Generated`] descriptions, a few
//! hundred bytes each, and built by the runner when it sends the request.

use provedex_core::{AgentEvent, ChainHash, SignedEvent, SigningKeypair};

use super::samples::{Flavor, event_spec, sample, seal_by_hand, text};
use crate::vector::{Generated, hex};

/// `bytes` with `count` copies of `pad` inserted at `at`: as a vector
/// describes it (hex), and as the implementation receives it.
pub fn padded(bytes: &[u8], at: usize, pad: u8, count: usize) -> (Generated, Vec<u8>) {
    let generated =
        Generated { prefix: hex(&bytes[..at]), repeat: hex([pad]), count: count as u64, suffix: hex(&bytes[at..]) };
    let built = [&bytes[..at], &vec![pad; count], &bytes[at..]].concat();
    (generated, built)
}

/// The key of every long line.
pub fn key() -> SigningKeypair {
    SigningKeypair::from_seed(&[0x16; 32])
}

/// The timestamp of a long line at `seq`.
pub fn timestamp(seq: u64) -> u64 {
    1_790_000_000_000_000_000 + seq
}

/// A `SessionStarted` event made long by its `agent_id`: the JSON text
/// `head` (up to the opening quote of that string), `xs` ASCII `x`s,
/// `filler` written `count` times, then `tail`.
pub struct LongEvent {
    head: String,
    xs: usize,
    filler: &'static str,
    count: usize,
    tail: String,
}

/// Where the long string begins in the event's JSON text and in its line.
const AGENT_ID: &str = "\"agent_id\":\"";

impl LongEvent {
    /// The event whose line, sealed with [`key`] at `seq` after `parent`, is
    /// exactly `length` bytes long. `filler` is repeated as often as it
    /// fits; ASCII `x`s fill what is left (less than one filler).
    pub fn for_line(length: usize, filler: &'static str, seq: u64, parent: &ChainHash) -> Self {
        let start = sample(&event_spec().variants[0], Flavor::Typical);
        let AgentEvent::SessionStarted(mut payload) = start else { panic!("the first variant is SessionStarted") };
        payload.agent_id.clear();
        let short = AgentEvent::SessionStarted(payload);
        let room = length.checked_sub(seal(&short, seq, parent).line_len()).expect("the line can reach that length");
        let short_text = text(&short.to_value());
        let at = short_text.find(AGENT_ID).expect("the event has an agent_id") + AGENT_ID.len();
        LongEvent {
            head: short_text[..at].to_owned(),
            xs: room % filler.len(),
            filler,
            count: room / filler.len(),
            tail: short_text[at..].to_owned(),
        }
    }

    fn before(&self) -> String {
        format!("{}{}", self.head, "x".repeat(self.xs))
    }

    /// The event's JSON text.
    pub fn text(&self) -> String {
        [self.before().as_str(), &self.filler.repeat(self.count), &self.tail].concat()
    }

    /// The event's JSON text as a vector describes it.
    pub fn generated(&self) -> Generated {
        Generated {
            prefix: self.before(),
            repeat: self.filler.to_owned(),
            count: self.count as u64,
            suffix: self.tail.clone(),
        }
    }

    /// The event.
    pub fn event(&self) -> AgentEvent {
        AgentEvent::from_json(self.text().as_bytes()).expect("a long event is valid")
    }

    /// The event sealed with [`key`] at `seq` after `parent`, and the line
    /// as a vector describes it (hex). The seal is made by hand, without the
    /// writer's length check, so that a line past the limit has a correct
    /// hash and signature and only its length is wrong.
    pub fn line(&self, seq: u64, parent: &ChainHash) -> (SignedEvent, Generated) {
        let line = seal(&self.event(), seq, parent);
        let written = line.to_json();
        let at = written.find(AGENT_ID).expect("the line has the agent_id") + AGENT_ID.len() + self.xs;
        let end = at + self.filler.len() * self.count;
        assert_eq!(&written[at..end], self.filler.repeat(self.count), "the filler's place in the line");
        let generated = Generated {
            prefix: hex(&written[..at]),
            repeat: hex(self.filler),
            count: self.count as u64,
            suffix: hex(&written[end..]),
        };
        (line, generated)
    }
}

/// `event` sealed with [`key`] at `seq` after `parent`, whatever its length.
fn seal(event: &AgentEvent, seq: u64, parent: &ChainHash) -> SignedEvent {
    seal_by_hand(event, seq, timestamp(seq), parent, &key())
}

/// A short first line of a ledger, sealed with [`key`].
pub fn signed_first() -> SignedEvent {
    seal(&sample(&event_spec().variants[0], Flavor::Typical), 0, &provedex_core::GENESIS_PARENT_HASH)
}

/// A short line after `previous`, sealed with [`key`].
pub fn signed_after(previous: &SignedEvent) -> SignedEvent {
    seal(&sample(&event_spec().variants[1], Flavor::Typical), previous.seq + 1, &previous.self_hash)
}
