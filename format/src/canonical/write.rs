//! The canonical encoder (spec/canonical-json.md, "Output").
//!
//! It writes into any [`ByteSink`], so typed events can stream their
//! canonical bytes straight into a SHA-256 state without building a tree.

use super::value::{Float, Integer, Map, Value};

/// Where canonical bytes go: a buffer, or a hash state.
pub trait ByteSink {
    /// Appends `bytes`.
    fn put(&mut self, bytes: &[u8]);
}

impl ByteSink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

impl ByteSink for sha2::Sha256 {
    fn put(&mut self, bytes: &[u8]) {
        sha2::Digest::update(self, bytes);
    }
}

/// The canonical JSON bytes of `value`.
pub fn canonical_json(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    write_value(&mut out, value);
    out
}

/// Writes the canonical encoding of `value` into `sink`.
pub fn write_value(sink: &mut impl ByteSink, value: &Value) {
    match value {
        Value::Null => sink.put(b"null"),
        Value::Bool(true) => sink.put(b"true"),
        Value::Bool(false) => sink.put(b"false"),
        Value::Integer(i) => write_integer(sink, *i),
        Value::Float(f) => write_float(sink, *f),
        Value::String(s) => write_string(sink, s),
        Value::Array(items) => write_array(sink, items, |sink, item| write_value(sink, item)),
        Value::Object(map) => write_object(sink, map),
    }
}

/// Writes `items` as a JSON array, each item written by `item`.
pub fn write_array<S: ByteSink, T>(sink: &mut S, items: &[T], item: impl Fn(&mut S, &T)) {
    sink.put(b"[");
    for (i, value) in items.iter().enumerate() {
        if i > 0 {
            sink.put(b",");
        }
        item(sink, value);
    }
    sink.put(b"]");
}

/// Writes an object with its members in canonical (UTF-8 byte) order.
pub fn write_object(sink: &mut impl ByteSink, map: &Map) {
    sink.put(b"{");
    for (i, (key, item)) in map.iter().enumerate() {
        if i > 0 {
            sink.put(b",");
        }
        write_string(sink, key);
        sink.put(b":");
        write_value(sink, item);
    }
    sink.put(b"}");
}

/// Writes an integer in plain decimal.
pub fn write_integer(sink: &mut impl ByteSink, value: Integer) {
    write_decimal(sink, value.get());
}

/// Writes `value` in decimal without allocating.
pub fn write_decimal(sink: &mut impl ByteSink, value: i128) {
    let mut buf = [0u8; 40];
    let mut pos = buf.len();
    let mut magnitude = value.unsigned_abs();
    loop {
        pos -= 1;
        buf[pos] = b'0' + (magnitude % 10) as u8;
        magnitude /= 10;
        if magnitude == 0 {
            break;
        }
    }
    if value < 0 {
        pos -= 1;
        buf[pos] = b'-';
    }
    sink.put(&buf[pos..]);
}

/// Writes a JSON string: only `"`, `\` and U+0000–U+001F are escaped.
pub fn write_string(sink: &mut impl ByteSink, s: &str) {
    sink.put(b"\"");
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let short: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            0x0c => b"\\f",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x00..=0x1f => &[],
            _ => continue,
        };
        sink.put(&bytes[start..i]);
        if short.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            sink.put(&[b'\\', b'u', b'0', b'0', HEX[(b >> 4) as usize], HEX[(b & 0xf) as usize]]);
        } else {
            sink.put(short);
        }
        start = i + 1;
    }
    sink.put(&bytes[start..]);
    sink.put(b"\"");
}

/// Writes a float as serde_json prints an `f64`: the shortest digits that
/// round-trip (nearest to the exact value, ties to an even last digit), as a
/// plain decimal for decimal exponents -5..=15 (`0.00001`, `1.0`,
/// `1000000000000000.0`) and in scientific notation otherwise (`1e-6`, `1e+16`).
///
/// zmij is the formatter serde_json itself uses, so the two agree by
/// construction; tests pin every branch and compare against serde_json.
pub fn write_float(sink: &mut impl ByteSink, value: Float) {
    let mut buffer = zmij::Buffer::new();
    sink.put(buffer.format_finite(value.get()).as_bytes());
}
