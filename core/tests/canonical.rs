//! Canonical JSON: each rule of spec/canonical-json.md, a differential check
//! of float printing against serde_json, and properties.

use proptest::prelude::*;
use provedex_core::canonical::{self, Float, Integer, JsonErrorKind, Map, Value, canonical_json, parse};

fn canon(input: &str) -> String {
    let bytes = canonical::canonicalize(input.as_bytes()).unwrap_or_else(|e| panic!("{input:?}: {e}"));
    String::from_utf8(bytes).unwrap()
}

fn error_kind(input: &[u8]) -> JsonErrorKind {
    match parse(input) {
        Ok(v) => panic!("{:?} parsed as {v:?}", String::from_utf8_lossy(input)),
        Err(e) => e.kind,
    }
}

#[test]
fn removes_whitespace_and_sorts_keys() {
    assert_eq!(canon(" { \"b\" : 1 ,\n\t\"a\" : [ true , false , null ] }\r\n"), r#"{"a":[true,false,null],"b":1}"#);
}

#[test]
fn sorts_keys_by_utf8_bytes_not_utf16_units() {
    // U+FF61 is one UTF-16 unit (0xFF61) but sorts before U+1F600 (0xD83D...) only in UTF-8 byte order.
    assert_eq!(canon("{\"\u{1F600}\":1,\"\u{FF61}\":2}"), "{\"\u{FF61}\":2,\"\u{1F600}\":1}");
    assert_eq!(canon(r#"{"b":1,"a":2,"A":3,"aa":4,"":5}"#), r#"{"":5,"A":3,"a":2,"aa":4,"b":1}"#);
}

#[test]
fn integers_and_floats_stay_distinct() {
    assert_eq!(canon("1"), "1");
    assert_eq!(canon("1.0"), "1.0");
    assert_eq!(canon("1e0"), "1.0");
    assert_eq!(canon("1E2"), "100.0");
    assert_eq!(canon("0.1e1"), "1.0");
    assert_ne!(parse(b"1").unwrap(), parse(b"1.0").unwrap());
}

#[test]
fn integer_range_is_the_union_of_u64_and_i64() {
    assert_eq!(canon("18446744073709551615"), "18446744073709551615");
    assert_eq!(canon("-9223372036854775808"), "-9223372036854775808");
    // One past either bound is a float literal.
    assert_eq!(canon("18446744073709551616"), "1.8446744073709552e+19");
    assert_eq!(canon("-9223372036854775809"), "-9.223372036854776e+18");
    assert_eq!(canon("123456789012345678901234567890"), "1.2345678901234568e+29");
    assert!(matches!(parse(b"18446744073709551615").unwrap(), Value::Integer(_)));
    assert!(matches!(parse(b"18446744073709551616").unwrap(), Value::Float(_)));
}

#[test]
fn negative_zero() {
    assert_eq!(canon("-0"), "-0.0");
    assert_eq!(canon("-0.0"), "-0.0");
    assert_eq!(canon("0"), "0");
    assert_eq!(canon("0.0"), "0.0");
    assert_eq!(canon("-1e-400"), "-0.0");
    assert_eq!(canon("1e-400"), "0.0");
}

#[test]
fn float_layout_branches() {
    // -5 <= e <= -1: plain decimal with leading zeros.
    assert_eq!(canon("0.5"), "0.5");
    assert_eq!(canon("0.00001"), "0.00001");
    assert_eq!(canon("0.000123"), "0.000123");
    // e < -5: scientific.
    assert_eq!(canon("0.000001"), "1e-6");
    assert_eq!(canon("1e-7"), "1e-7");
    assert_eq!(canon("2.5e-10"), "2.5e-10");
    assert_eq!(canon("5e-324"), "5e-324");
    // 0 <= e <= 15: plain decimal, ".0" when integral.
    assert_eq!(canon("12345.678"), "12345.678");
    assert_eq!(canon("1e15"), "1000000000000000.0");
    assert_eq!(canon("1234567890123456.7"), "1234567890123456.8");
    // e >= 16: scientific with an explicit '+'.
    assert_eq!(canon("1e16"), "1e+16");
    assert_eq!(canon("1e20"), "1e+20");
    assert_eq!(canon("1.5e300"), "1.5e+300");
    assert_eq!(canon("1.7976931348623157e308"), "1.7976931348623157e+308");
    assert_eq!(canon("-1.5e300"), "-1.5e+300");
}

#[test]
fn float_parsing_is_correctly_rounded() {
    assert_eq!(canon("2.2250738585072011e-308"), "2.225073858507201e-308");
    assert_eq!(canon("9007199254740993"), "9007199254740993");
    assert_eq!(canon("9007199254740993.0"), "9007199254740992.0");
    assert_eq!(canon("1.7976931348623158e308"), "1.7976931348623157e+308");
    // Halfway between the two nearest doubles, resolved to even.
    assert_eq!(canon("9007199254740995.0"), "9007199254740996.0");
    assert_eq!(canon("0.1000000000000000055511151231257827021181583404541015625"), "0.1");
}

#[test]
fn shortest_digits_break_ties_to_even() {
    // The double is exactly 1658206780088562.25: ".2" and ".3" are equally
    // near and both round-trip; the even digit wins.
    assert_eq!(canon("1658206780088562.25"), "1658206780088562.2");
}

#[test]
fn non_finite_numbers_are_errors() {
    assert_eq!(error_kind(b"1e400"), JsonErrorKind::NumberOutOfRange);
    assert_eq!(error_kind(b"-1e400"), JsonErrorKind::NumberOutOfRange);
    assert_eq!(error_kind(b"1.7976931348623159e308"), JsonErrorKind::NumberOutOfRange);
    assert_eq!(error_kind(b"NaN"), JsonErrorKind::Syntax);
    assert_eq!(error_kind(b"Infinity"), JsonErrorKind::Syntax);
    assert_eq!(error_kind(b"-Infinity"), JsonErrorKind::InvalidNumber);
    assert!(Float::new(f64::NAN).is_none());
    assert!(Float::new(f64::INFINITY).is_none());
}

#[test]
fn malformed_numbers() {
    for bad in ["01", "-01", "1.", ".5", "-", "1e", "1e+", "+1", "1.e5", "0x10"] {
        let kind = error_kind(bad.as_bytes());
        assert!(
            matches!(kind, JsonErrorKind::InvalidNumber | JsonErrorKind::Syntax | JsonErrorKind::TrailingCharacters),
            "{bad}: {kind:?}"
        );
    }
    assert_eq!(error_kind(b"01"), JsonErrorKind::InvalidNumber);
    assert_eq!(error_kind(b"1."), JsonErrorKind::InvalidNumber);
    assert_eq!(error_kind(b"+1"), JsonErrorKind::InvalidNumber);
    assert_eq!(error_kind(b".5"), JsonErrorKind::InvalidNumber);
}

#[test]
fn escapes_only_quote_backslash_and_controls() {
    assert_eq!(canon(r#""\"\\\/\b\f\n\r\t""#), r#""\"\\/\b\f\n\r\t""#);
    for c in 0u32..0x20 {
        let input = format!("\"\\u{c:04X}\"");
        let expected = match c {
            0x08 => "\"\\b\"".to_owned(),
            0x09 => "\"\\t\"".to_owned(),
            0x0a => "\"\\n\"".to_owned(),
            0x0c => "\"\\f\"".to_owned(),
            0x0d => "\"\\r\"".to_owned(),
            _ => format!("\"\\u{c:04x}\""),
        };
        assert_eq!(canon(&input), expected, "U+{c:04X}");
    }
    // DEL, U+2028/2029, non-ASCII and astral characters pass through raw.
    assert_eq!(canon(r#""\u007f\u2028\u2029\u00e9\ud83d\ude00""#), "\"\u{7f}\u{2028}\u{2029}é😀\"");
    assert_eq!(canon("\"é😀\u{2028}\""), "\"é😀\u{2028}\"");
}

#[test]
fn string_errors() {
    assert_eq!(error_kind(br#""\ud800""#), JsonErrorKind::LoneSurrogate);
    assert_eq!(error_kind(br#""\udc00""#), JsonErrorKind::LoneSurrogate);
    assert_eq!(error_kind(br#""\ud800\u0041""#), JsonErrorKind::LoneSurrogate);
    assert_eq!(error_kind(br#""\ud800x""#), JsonErrorKind::LoneSurrogate);
    assert_eq!(error_kind(br#""\x""#), JsonErrorKind::InvalidEscape);
    assert_eq!(error_kind(br#""\u12""#), JsonErrorKind::InvalidEscape);
    assert_eq!(error_kind(b"\"a\nb\""), JsonErrorKind::ControlCharacterInString);
    assert_eq!(error_kind(b"\"\x00\""), JsonErrorKind::ControlCharacterInString);
    assert_eq!(error_kind(b"\"abc"), JsonErrorKind::Syntax);
    // The input ending inside an escape is an unterminated string.
    assert_eq!(error_kind(br#""\u12"#), JsonErrorKind::Syntax);
    assert_eq!(error_kind(br#""\ud800"#), JsonErrorKind::Syntax);
    assert_eq!(error_kind(br#""\ud800\"#), JsonErrorKind::Syntax);
    assert_eq!(error_kind(br#""\u12""#), JsonErrorKind::InvalidEscape);
    assert_eq!(error_kind(b"\"\xff\""), JsonErrorKind::InvalidUtf8);
}

#[test]
fn duplicate_keys_are_errors_at_any_depth() {
    assert_eq!(error_kind(br#"{"a":1,"a":2}"#), JsonErrorKind::DuplicateKey);
    assert_eq!(error_kind(br#"{"x":[{"a":1,"a":1}]}"#), JsonErrorKind::DuplicateKey);
    // Keys are compared after unescaping.
    assert_eq!(error_kind(br#"{"a":1,"\u0061":2}"#), JsonErrorKind::DuplicateKey);
}

#[test]
fn structure_errors() {
    assert_eq!(error_kind(b""), JsonErrorKind::Syntax);
    assert_eq!(error_kind(b"[1,]"), JsonErrorKind::Syntax);
    assert_eq!(error_kind(br#"{"a":1,}"#), JsonErrorKind::Syntax);
    assert_eq!(error_kind(b"{} x"), JsonErrorKind::TrailingCharacters);
    assert_eq!(error_kind(b"1 2"), JsonErrorKind::TrailingCharacters);
    assert_eq!(error_kind(b"// c\n1"), JsonErrorKind::Syntax);
    assert_eq!(error_kind(b"tru"), JsonErrorKind::Syntax);
    assert_eq!(error_kind(b"{1:2}"), JsonErrorKind::Syntax);
}

#[test]
fn nesting_limit_is_128_levels() {
    let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    assert_eq!(canon(&nested(canonical::MAX_DEPTH)), nested(canonical::MAX_DEPTH));
    assert_eq!(error_kind(nested(canonical::MAX_DEPTH + 1).as_bytes()), JsonErrorKind::NestingTooDeep);
    let objects = |n: usize| format!("{}1{}", "{\"a\":".repeat(n), "}".repeat(n));
    assert!(parse(objects(128).as_bytes()).is_ok());
    assert_eq!(error_kind(objects(129).as_bytes()), JsonErrorKind::NestingTooDeep);
    // Far deeper input fails cleanly instead of exhausting the stack.
    assert_eq!(error_kind(nested(1_000_000).as_bytes()), JsonErrorKind::NestingTooDeep);
}

#[test]
fn errors_carry_offsets_and_codes() {
    let e = parse(br#"{"a":1,"a":2}"#).unwrap_err();
    assert_eq!(e.offset, 7);
    assert_eq!(e.kind.code(), "duplicate_key");
    assert!(e.to_string().contains("duplicate key \"a\" at byte 7"), "{e}");
}

#[test]
fn value_constructors_enforce_the_model() {
    assert!(Integer::new(i128::from(u64::MAX)).is_some());
    assert!(Integer::new(i128::from(u64::MAX) + 1).is_none());
    assert!(Integer::new(i128::from(i64::MIN) - 1).is_none());
    let mut map = Map::new();
    map.insert("z".into(), Value::from(1u64));
    map.insert("a".into(), Value::Float(Float::new(-0.0).unwrap()));
    assert_eq!(canonical_json(&Value::Object(map)), br#"{"a":-0.0,"z":1}"#);
}

/// Float printing agrees with serde_json's f64 output (the format v1 pins)
/// on the branch boundaries and on random bit patterns.
#[test]
fn float_printing_matches_serde_json() {
    let mut samples: Vec<f64> = vec![
        f64::MIN_POSITIVE,
        f64::MAX,
        f64::MIN,
        f64::EPSILON,
        5e-324,
        1e-5,
        9.999999999999999e-6,
        1e-6,
        9.999999999999998e15,
        1e16,
        123456789012345.67,
        0.1 + 0.2,
    ];
    for e in -30..=30 {
        samples.push(10f64.powi(e));
        samples.push(-1.5 * 10f64.powi(e));
    }
    let mut state = 0x9e3779b97f4a7c15u64;
    for _ in 0..200_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        samples.push(f64::from_bits(state));
    }
    let mut checked = 0;
    for v in samples.into_iter().filter(|v| v.is_finite()) {
        let ours = canonical_json(&Value::Float(Float::new(v).unwrap()));
        let theirs = serde_json::to_string(&v).unwrap();
        assert_eq!(String::from_utf8(ours).unwrap(), theirs, "bits {:#x}", v.to_bits());
        checked += 1;
    }
    assert!(checked > 190_000);
}

fn arb_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<u64>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| Float::new(f).map(Value::Float)),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::btree_map(any::<String>(), inner, 0..8).prop_map(Value::Object),
        ]
    })
}

proptest! {
    #[test]
    fn canonical_form_round_trips_and_is_idempotent(value in arb_value()) {
        let bytes = canonical_json(&value);
        let reparsed = parse(&bytes).unwrap();
        prop_assert_eq!(&reparsed, &value);
        prop_assert_eq!(canonical_json(&reparsed), bytes);
    }

    #[test]
    fn serde_json_reads_our_output_as_the_same_value(value in arb_value()) {
        let bytes = canonical_json(&value);
        let theirs: Value = serde_json::from_slice(&bytes).unwrap();
        prop_assert_eq!(theirs, value);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        if let Ok(v) = parse(&bytes) {
            prop_assert_eq!(parse(&canonical_json(&v)).unwrap(), v);
        }
    }
}
