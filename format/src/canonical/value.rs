//! The JSON value model of the canonical form.
//!
//! It keeps what `serde_json::Value` loses for hashing purposes: an integer
//! literal and a float are different values (`1` ≠ `1.0`), floats are always
//! finite, and integers stay within the u64/i64 range. Objects are ordered by
//! the UTF-8 bytes of their keys, which is the canonical member order.

use std::collections::BTreeMap;
use std::fmt;

/// A JSON object whose iteration order is the canonical member order
/// (keys compared by their UTF-8 bytes, which is how `String` orders).
pub type Map = BTreeMap<String, Value>;

/// A JSON value as the canonical encoding sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer literal (no fraction, no exponent) within the u64/i64 range.
    Integer(Integer),
    /// A finite float: any other number literal.
    Float(Float),
    /// A string, without its escapes.
    String(String),
    /// An array, in order.
    Array(Vec<Value>),
    /// An object, its keys sorted by their UTF-8 bytes.
    Object(Map),
}

/// An integer in the range shared by u64 and i64: `[-2^63, 2^64 - 1]`.
///
/// Integer literals outside this range are floats in the canonical model,
/// so this type cannot hold them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Integer(i128);

impl Integer {
    /// The smallest integer a literal may hold: `i64::MIN`.
    pub const MIN: i128 = i64::MIN as i128;
    /// The largest integer a literal may hold: `u64::MAX`.
    pub const MAX: i128 = u64::MAX as i128;

    /// The integer, or `None` when it lies outside `[-2^63, 2^64 - 1]`.
    pub fn new(value: i128) -> Option<Self> {
        (Self::MIN..=Self::MAX).contains(&value).then_some(Self(value))
    }

    /// The integer's value.
    pub fn get(self) -> i128 {
        self.0
    }

    /// The value as a `u64`, when it is not negative.
    pub fn as_u64(self) -> Option<u64> {
        u64::try_from(self.0).ok()
    }

    /// The value as an `i64`, when it fits.
    pub fn as_i64(self) -> Option<i64> {
        i64::try_from(self.0).ok()
    }
}

impl From<u64> for Integer {
    fn from(v: u64) -> Self {
        Self(v.into())
    }
}

impl From<u32> for Integer {
    fn from(v: u32) -> Self {
        Self(v.into())
    }
}

impl From<i64> for Integer {
    fn from(v: i64) -> Self {
        Self(v.into())
    }
}

impl fmt::Display for Integer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A finite IEEE 754 binary64 value. NaN and the infinities have no JSON form.
///
/// Equality is bitwise, so `0.0` and `-0.0` are different values, as their
/// canonical encodings are.
#[derive(Debug, Clone, Copy)]
pub struct Float(f64);

impl Float {
    /// The float, or `None` for NaN and the infinities.
    pub fn new(value: f64) -> Option<Self> {
        value.is_finite().then_some(Self(value))
    }

    /// The float's value (never NaN or infinite).
    pub fn get(self) -> f64 {
        self.0
    }
}

impl PartialEq for Float {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_bits() == other.0.to_bits()
    }
}

impl Eq for Float {}

impl Value {
    /// The name of the JSON type, as error messages use it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Integer(_) => "integer",
            Value::Float(_) => "float",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        }
    }

    /// Levels of array/object nesting: 0 for a scalar, 1 for `[]` or `{}`.
    pub fn depth(&self) -> usize {
        match self {
            Value::Array(items) => 1 + items.iter().map(Value::depth).max().unwrap_or(0),
            Value::Object(map) => 1 + map.values().map(Value::depth).max().unwrap_or(0),
            _ => 0,
        }
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}

impl From<u64> for Value {
    fn from(v: u64) -> Self {
        Value::Integer(v.into())
    }
}

impl From<u32> for Value {
    fn from(v: u32) -> Self {
        Value::Integer(v.into())
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Integer(v.into())
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::String(v.to_owned())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::String(v)
    }
}

impl From<Map> for Value {
    fn from(v: Map) -> Self {
        Value::Object(v)
    }
}

impl From<Vec<Value>> for Value {
    fn from(v: Vec<Value>) -> Self {
        Value::Array(v)
    }
}

impl fmt::Display for Value {
    /// Writes the canonical encoding.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bytes = super::canonical_json(self);
        // The canonical encoding is always valid UTF-8.
        f.write_str(std::str::from_utf8(&bytes).map_err(|_| fmt::Error)?)
    }
}
