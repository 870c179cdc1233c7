//! Canonical JSON: the byte encoding that is hashed and signed
//! (spec/canonical-json.md).

mod parse;
mod serde_impl;
mod value;
mod write;

pub use parse::{JsonError, JsonErrorKind, MAX_DEPTH, parse, parse_inside};
pub use value::{Float, Integer, Map, Value};
pub use write::{
    ByteSink, canonical_json, write_array, write_decimal, write_float, write_integer, write_object, write_string,
    write_value,
};

/// Parses `input` and returns its canonical bytes.
pub fn canonicalize(input: &[u8]) -> Result<Vec<u8>, JsonError> {
    parse(input).map(|v| canonical_json(&v))
}
