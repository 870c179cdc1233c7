//! Canonical JSON on its own: parse, canonicalize, reparse (spec/canonical-json.md).

use provedex_core::canonical::{self, JsonErrorKind, MAX_DEPTH, Value, canonical_json, parse};

use crate::show;

/// Arbitrary bytes through the strict parser. Whatever parses must have a
/// canonical form that is a fixed point: it reparses to the same value and
/// re-encodes to the same bytes, and it is written in the output alphabet of
/// the spec (no whitespace outside strings, only the mandated escapes).
/// Whatever fails must fail with `invalid_utf8` exactly when the input is not UTF-8.
pub fn check_canonical(data: &[u8]) {
    let value = match parse(data) {
        Ok(value) => value,
        Err(e) => {
            let utf8 = std::str::from_utf8(data).is_ok();
            assert_eq!(e.kind == JsonErrorKind::InvalidUtf8, !utf8, "{}: error {e} for {}", e.kind.code(), show(data));
            assert!(e.offset <= data.len(), "error offset {} past the end of {}", e.offset, show(data));
            assert_eq!(canonical::canonicalize(data), Err(e), "canonicalize and parse disagree on {}", show(data));
            return;
        }
    };
    assert!(value.depth() <= MAX_DEPTH, "accepted depth {} in {}", value.depth(), show(data));

    let first = canonical_json(&value);
    check_output_alphabet(&first);
    assert_eq!(value.to_string().as_bytes(), first.as_slice(), "Display is not the canonical form");
    assert_eq!(canonical::canonicalize(data).as_deref(), Ok(first.as_slice()), "canonicalize differs from parse");

    let reparsed = parse(&first)
        .unwrap_or_else(|e| panic!("canonical form {} of {} does not parse: {e}", show(&first), show(data)));
    assert_eq!(reparsed, value, "canonical form {} reparses to another value; input {}", show(&first), show(data));
    let second = canonical_json(&reparsed);
    assert_eq!(second, first, "canonical form is not stable; input {}", show(data));

    let mut padded = b" \t\r\n".to_vec();
    padded.extend_from_slice(data);
    padded.extend_from_slice(b"\n ");
    assert_eq!(parse(&padded).as_ref(), Ok(&value), "surrounding whitespace changed the value of {}", show(data));
}

/// The output rules of spec/canonical-json.md, "Output": UTF-8, no byte
/// below 0x20 anywhere, no space outside strings, and inside strings only
/// the escapes `\" \\ \b \f \n \r \t` and `\u00xx` (lowercase) for the other
/// control characters.
fn check_output_alphabet(out: &[u8]) {
    let text = std::str::from_utf8(out).unwrap_or_else(|_| panic!("canonical output is not UTF-8: {}", show(out)));
    let mut in_string = false;
    let mut bytes = text.bytes().enumerate();
    while let Some((i, b)) = bytes.next() {
        assert!(b >= 0x20, "raw byte 0x{b:02x} at {i} of canonical output {}", show(out));
        match (in_string, b) {
            (false, b' ') => panic!("space outside a string at {i} of canonical output {}", show(out)),
            (_, b'"') => in_string = !in_string,
            (true, b'\\') => {
                let (_, escaped) = bytes.next().expect("an escape is complete");
                match escaped {
                    b'"' | b'\\' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                    b'u' => {
                        let digits: Vec<u8> = (0..4).map(|_| bytes.next().expect("four hex digits").1).collect();
                        let code = std::str::from_utf8(&digits).ok().and_then(|d| u8::from_str_radix(d, 16).ok());
                        let lowercase = digits.iter().all(|d| matches!(d, b'0'..=b'9' | b'a'..=b'f'));
                        assert!(
                            lowercase
                                && digits.starts_with(b"00")
                                && code.is_some_and(|c| c < 0x20 && !matches!(c, 0x08 | 0x09 | 0x0a | 0x0c | 0x0d)),
                            "escape \\u{} at {i} of canonical output {}",
                            String::from_utf8_lossy(&digits),
                            show(out)
                        );
                    }
                    other => panic!("escape \\{} at {i} of canonical output {}", other as char, show(out)),
                }
            }
            _ => {}
        }
    }
    assert!(!in_string, "canonical output ends inside a string: {}", show(out));
}

/// Every float in `value`, depth first.
pub(crate) fn floats(value: &Value, out: &mut Vec<f64>) {
    match value {
        Value::Float(f) => out.push(f.get()),
        Value::Array(items) => items.iter().for_each(|v| floats(v, out)),
        Value::Object(map) => map.values().for_each(|v| floats(v, out)),
        _ => {}
    }
}
