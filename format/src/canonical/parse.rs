//! The strict JSON parser (spec/canonical-json.md, "Input").
//!
//! RFC 8259 grammar with the canonical form's extra rules: duplicate keys,
//! lone surrogates, non-finite numbers and nesting past [`MAX_DEPTH`] are
//! errors; integer literals within the u64/i64 range stay integers; floats
//! are parsed with correct rounding (Rust's `f64::from_str`).

use std::fmt;

use super::value::{Float, Integer, Map, Value};
use crate::display::quote;

/// Deepest array/object nesting accepted; a top-level `[]` has depth 1.
pub const MAX_DEPTH: usize = 128;

/// Why a text is not acceptable JSON, with a stable code per kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JsonErrorKind {
    /// The input is not UTF-8.
    InvalidUtf8,
    /// A character where the grammar allows none (a missing comma, an unknown literal, the end of the input).
    Syntax,
    /// A number literal outside the JSON grammar (a leading zero, a bare `-`, a missing digit).
    InvalidNumber,
    /// A number that is too large for a finite binary64 float.
    NumberOutOfRange,
    /// A backslash escape that JSON does not define.
    InvalidEscape,
    /// A `\u` escape of one half of a UTF-16 surrogate pair without the other.
    LoneSurrogate,
    /// A raw control character (U+0000–U+001F) inside a string.
    ControlCharacterInString,
    /// A key that appears twice in one object.
    DuplicateKey,
    /// Arrays and objects nested deeper than [`MAX_DEPTH`].
    NestingTooDeep,
    /// Something other than whitespace after the value.
    TrailingCharacters,
}

impl JsonErrorKind {
    /// Every kind, in the order of the spec's table of JSON error codes.
    pub const ALL: [JsonErrorKind; 10] = [
        Self::InvalidUtf8,
        Self::Syntax,
        Self::InvalidNumber,
        Self::NumberOutOfRange,
        Self::InvalidEscape,
        Self::LoneSurrogate,
        Self::ControlCharacterInString,
        Self::DuplicateKey,
        Self::NestingTooDeep,
        Self::TrailingCharacters,
    ];

    /// The stable code listed in spec/canonical-json.md.
    pub fn code(self) -> &'static str {
        match self {
            Self::InvalidUtf8 => "invalid_utf8",
            Self::Syntax => "syntax",
            Self::InvalidNumber => "invalid_number",
            Self::NumberOutOfRange => "number_out_of_range",
            Self::InvalidEscape => "invalid_escape",
            Self::LoneSurrogate => "lone_surrogate",
            Self::ControlCharacterInString => "control_character_in_string",
            Self::DuplicateKey => "duplicate_key",
            Self::NestingTooDeep => "nesting_too_deep",
            Self::TrailingCharacters => "trailing_characters",
        }
    }
}

/// A parse failure: what went wrong and at which byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct JsonError {
    /// What is wrong.
    pub kind: JsonErrorKind,
    /// Byte offset into the input where the problem was found.
    pub offset: usize,
    /// The offending text, quoted and escaped for people.
    pub detail: String,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {} ({})", self.detail, self.offset, self.kind.code())
    }
}

impl std::error::Error for JsonError {}

/// Parses one JSON text (surrounding whitespace allowed) into a [`Value`].
pub fn parse(input: &[u8]) -> Result<Value, JsonError> {
    parse_inside(input, 0)
}

/// Parses one JSON text that will sit `enclosing` containers deep in a
/// larger document (an event inside its ledger line): nesting is counted
/// from the outermost container, so the text fails with
/// [`JsonErrorKind::NestingTooDeep`] exactly where the whole document would.
pub fn parse_inside(input: &[u8], enclosing: usize) -> Result<Value, JsonError> {
    if let Err(e) = std::str::from_utf8(input) {
        return Err(JsonError {
            kind: JsonErrorKind::InvalidUtf8,
            offset: e.valid_up_to(),
            detail: "invalid UTF-8".into(),
        });
    }
    let mut parser = Parser { input, pos: 0 };
    parser.skip_whitespace();
    let value = parser.value(enclosing)?;
    parser.skip_whitespace();
    if parser.pos != input.len() {
        return Err(parser.error(JsonErrorKind::TrailingCharacters, "unexpected data after the JSON value"));
    }
    Ok(value)
}

struct Parser<'a> {
    input: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn error(&self, kind: JsonErrorKind, detail: impl Into<String>) -> JsonError {
        JsonError { kind, offset: self.pos, detail: detail.into() }
    }

    fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    fn unexpected(&self, wanted: &str) -> JsonError {
        match self.peek() {
            None => self.error(JsonErrorKind::Syntax, format!("unexpected end of input, expected {wanted}")),
            Some(b) if b.is_ascii_graphic() => {
                self.error(JsonErrorKind::Syntax, format!("unexpected '{}', expected {wanted}", b as char))
            }
            Some(b) => self.error(JsonErrorKind::Syntax, format!("unexpected byte 0x{b:02x}, expected {wanted}")),
        }
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, byte: u8, wanted: &str) -> Result<(), JsonError> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.unexpected(wanted))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, JsonError> {
        match self.peek() {
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => Ok(Value::String(self.string()?)),
            // `.5` and `+1` are malformed numbers rather than stray characters.
            Some(b'-' | b'0'..=b'9' | b'.' | b'+') => self.number(),
            Some(b't') => self.literal(b"true", Value::Bool(true)),
            Some(b'f') => self.literal(b"false", Value::Bool(false)),
            Some(b'n') => self.literal(b"null", Value::Null),
            _ => Err(self.unexpected("a JSON value")),
        }
    }

    fn literal(&mut self, word: &[u8], value: Value) -> Result<Value, JsonError> {
        if self.input[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.unexpected("a JSON value"))
        }
    }

    fn enter(&self, depth: usize) -> Result<(), JsonError> {
        if depth > MAX_DEPTH {
            Err(self.error(JsonErrorKind::NestingTooDeep, format!("nesting deeper than {MAX_DEPTH} levels")))
        } else {
            Ok(())
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, JsonError> {
        self.enter(depth)?;
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Value::Array(items));
        }
        loop {
            self.skip_whitespace();
            items.push(self.value(depth)?);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Value::Array(items));
                }
                _ => return Err(self.unexpected("',' or ']'")),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, JsonError> {
        self.enter(depth)?;
        self.pos += 1;
        let mut map = Map::new();
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Value::Object(map));
        }
        loop {
            self.skip_whitespace();
            if self.peek() != Some(b'"') {
                return Err(self.unexpected("a string key"));
            }
            let key_offset = self.pos;
            let key = self.string()?;
            self.skip_whitespace();
            self.expect(b':', "':'")?;
            self.skip_whitespace();
            let item = self.value(depth)?;
            if map.contains_key(&key) {
                return Err(JsonError {
                    kind: JsonErrorKind::DuplicateKey,
                    offset: key_offset,
                    detail: format!("duplicate key {}", quote(&key)),
                });
            }
            map.insert(key, item);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Value::Object(map));
                }
                _ => return Err(self.unexpected("',' or '}'")),
            }
        }
    }

    fn string(&mut self) -> Result<String, JsonError> {
        self.pos += 1; // opening quote
        let mut out = String::new();
        let mut run_start = self.pos;
        loop {
            let Some(b) = self.peek() else {
                return Err(self.error(JsonErrorKind::Syntax, "unterminated string"));
            };
            match b {
                b'"' => {
                    out.push_str(self.utf8(run_start));
                    self.pos += 1;
                    return Ok(out);
                }
                b'\\' => {
                    out.push_str(self.utf8(run_start));
                    self.escape(&mut out)?;
                    run_start = self.pos;
                }
                0x00..=0x1f => {
                    return Err(self.error(
                        JsonErrorKind::ControlCharacterInString,
                        format!("raw control character U+{b:04X} in string (it must be escaped)"),
                    ));
                }
                _ => self.pos += 1,
            }
        }
    }

    /// The input from `start` to the cursor; the whole input was checked as UTF-8
    /// and runs end only at ASCII bytes, so this is a valid slice.
    fn utf8(&self, start: usize) -> &str {
        std::str::from_utf8(&self.input[start..self.pos]).expect("input was validated as UTF-8")
    }

    fn escape(&mut self, out: &mut String) -> Result<(), JsonError> {
        let escape_start = self.pos;
        self.pos += 1; // backslash
        let Some(b) = self.peek() else {
            return Err(self.error(JsonErrorKind::Syntax, "unterminated string"));
        };
        self.pos += 1;
        let c = match b {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let unit = self.hex4()?;
                match unit {
                    0xd800..=0xdbff => {
                        let rest = &self.input[self.pos..];
                        if rest.is_empty() || rest == b"\\" {
                            return Err(self.error(JsonErrorKind::Syntax, "unterminated string"));
                        }
                        if rest.starts_with(b"\\u") {
                            let saved = self.pos;
                            self.pos += 2;
                            let low = self.hex4()?;
                            if (0xdc00..=0xdfff).contains(&low) {
                                let code = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
                                char::from_u32(code).expect("a surrogate pair is a valid scalar value")
                            } else {
                                self.pos = saved;
                                return Err(self.lone_surrogate(escape_start, unit));
                            }
                        } else {
                            return Err(self.lone_surrogate(escape_start, unit));
                        }
                    }
                    0xdc00..=0xdfff => return Err(self.lone_surrogate(escape_start, unit)),
                    _ => char::from_u32(unit).expect("a non-surrogate BMP code point"),
                }
            }
            _ => {
                self.pos = escape_start;
                return Err(self.error(JsonErrorKind::InvalidEscape, "invalid escape sequence"));
            }
        };
        out.push(c);
        Ok(())
    }

    fn lone_surrogate(&self, offset: usize, unit: u32) -> JsonError {
        JsonError { kind: JsonErrorKind::LoneSurrogate, offset, detail: format!("lone surrogate \\u{unit:04x}") }
    }

    /// Four hex digits of a `\u` escape. The input ending first is a
    /// `syntax` error (an unterminated string), like any end inside a string.
    fn hex4(&mut self) -> Result<u32, JsonError> {
        let mut value = 0;
        for _ in 0..4 {
            let digit = match self.peek() {
                None => return Err(self.error(JsonErrorKind::Syntax, "unterminated string")),
                Some(b) => (b as char).to_digit(16),
            };
            match digit {
                Some(d) => value = value * 16 + d,
                None => return Err(self.error(JsonErrorKind::InvalidEscape, "\\u must be followed by four hex digits")),
            }
            self.pos += 1;
        }
        Ok(value)
    }

    fn number(&mut self) -> Result<Value, JsonError> {
        let start = self.pos;
        let invalid = |p: &Self| JsonError {
            kind: JsonErrorKind::InvalidNumber,
            offset: start,
            detail: format!(
                "invalid number literal {}",
                quote(&String::from_utf8_lossy(&p.input[start..=p.pos.min(p.input.len() - 1)]))
            ),
        };
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => {
                self.pos += 1;
                if matches!(self.peek(), Some(b'0'..=b'9')) {
                    return Err(invalid(self));
                }
            }
            Some(b'1'..=b'9') => self.skip_digits(),
            _ => return Err(invalid(self)),
        }
        let mut is_float = false;
        if self.peek() == Some(b'.') {
            is_float = true;
            self.pos += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(invalid(self));
            }
            self.skip_digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            is_float = true;
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(invalid(self));
            }
            self.skip_digits();
        }
        let text = std::str::from_utf8(&self.input[start..self.pos]).expect("ASCII");
        // `-0` has no integer form distinct from 0: it is the float -0.0.
        if !is_float
            && text != "-0"
            && let Some(i) = text.parse::<i128>().ok().and_then(Integer::new)
        {
            return Ok(Value::Integer(i));
        }
        let f: f64 = text.parse().expect("a grammatical JSON number parses as f64");
        Float::new(f).map(Value::Float).ok_or_else(|| JsonError {
            kind: JsonErrorKind::NumberOutOfRange,
            offset: start,
            detail: format!("number {text} is too large for a finite binary64 float"),
        })
    }

    fn skip_digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
    }
}
