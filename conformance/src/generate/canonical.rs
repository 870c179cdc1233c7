//! `canonical_json.json`: the canonical encoding, valid and invalid inputs.
//!
//! Expected outputs are written here by hand from spec/canonical-json.md;
//! generation fails if the reference implementation disagrees with any of
//! them, so the vectors pin the spec rather than whatever the code does.

use provedex_core::canonical::{self, JsonErrorKind};
use serde_json::json;

use crate::vector::{FileBuilder, VectorFile, Verdict, hex};

fn valid(
    group: &mut crate::vector::GroupBuilder<'_>,
    name: &str,
    comment: &str,
    flags: &[&str],
    input: &[u8],
    output: &str,
) {
    let ours = canonical::canonicalize(input).unwrap_or_else(|e| {
        panic!("canonical/{name}: the reference rejects {:?}: {e}", String::from_utf8_lossy(input))
    });
    assert_eq!(String::from_utf8_lossy(&ours), output, "canonical/{name}: the reference disagrees with the vector");
    group.test(
        name,
        comment,
        flags,
        json!({"input_hex": hex(input)}),
        Verdict::Valid,
        json!({"valid": true, "output_hex": hex(output)}),
    );
}

fn invalid(
    group: &mut crate::vector::GroupBuilder<'_>,
    name: &str,
    comment: &str,
    flags: &[&str],
    input: &[u8],
    error: JsonErrorKind,
) {
    match canonical::parse(input) {
        Ok(v) => panic!("canonical/{name}: the reference accepts {:?} as {v:?}", String::from_utf8_lossy(input)),
        Err(e) => assert_eq!(e.kind, error, "canonical/{name}: the reference reports {e}"),
    }
    group.test(
        name,
        comment,
        flags,
        json!({"input_hex": hex(input)}),
        Verdict::Invalid,
        json!({"valid": false, "error_code": error.code()}),
    );
}

pub fn file() -> VectorFile {
    let mut f = FileBuilder::new(
        "canonical_json",
        "canonicalize",
        "Canonical JSON (spec/canonical-json.md): parsing, the value model and the canonical output, with every \
         number-formatting branch and every parse error.",
    );
    f.note("Structure", "Whitespace, arrays, objects and literals.");
    f.note("KeyOrder", "Members sorted by the UTF-8 bytes of their keys, which differs from UTF-16 order.");
    f.note("Escape", "String escaping on output and escape sequences on input.");
    f.note("NonAscii", "Characters outside ASCII, which pass through as raw UTF-8.");
    f.note("Integer", "Integer literals and the u64/i64 range.");
    f.note("FloatFormat", "A branch of the float output layout.");
    f.note("FloatParse", "A literal whose correctly rounded value a naive parser gets wrong.");
    f.note("Nesting", "The nesting limit of 128 levels.");
    f.note("ParseError", "Input that is not acceptable JSON.");
    f.note("GrammarEdge", "A character or byte sequence at the edge of a grammar rule, or just past it.");

    structure(&mut f);
    key_order(&mut f);
    strings(&mut f);
    integers(&mut f);
    floats(&mut f);
    nesting(&mut f);
    errors(&mut f);
    grammar_edges(&mut f);
    f.finish()
}

fn structure(f: &mut FileBuilder) {
    let mut g = f.group("structure", "Whitespace is removed; literals, arrays and objects keep their content.");
    let cases: &[(&str, &str, &[u8], &str)] = &[
        ("null", "The null literal.", b"null", "null"),
        ("true", "The true literal.", b"true", "true"),
        ("false", "The false literal.", b"false", "false"),
        ("empty-array", "An empty array.", b"[]", "[]"),
        ("empty-object", "An empty object.", b"{}", "{}"),
        ("empty-string", "An empty string.", b"\"\"", "\"\""),
        (
            "whitespace-all-kinds",
            "Space, tab, LF and CR around every token.",
            b" \t\r\n{ \"a\" :\t[ 1 ,\r\n2 ] }\n",
            r#"{"a":[1,2]}"#,
        ),
        ("array-order-kept", "Array elements keep their order.", b"[3,1,2]", "[3,1,2]"),
        (
            "nested-mixed",
            "Arrays and objects inside each other.",
            br#"{"b":[{"d":null,"c":[true,false]}],"a":{}}"#,
            r#"{"a":{},"b":[{"c":[true,false],"d":null}]}"#,
        ),
        ("scalar-top-level", "A scalar is a valid top-level value.", b" 42 ", "42"),
        ("string-top-level", "A string is a valid top-level value.", b"\"x\"", "\"x\""),
    ];
    for (name, comment, input, output) in cases {
        valid(&mut g, name, comment, &["Structure"], input, output);
    }
}

fn key_order(f: &mut FileBuilder) {
    let mut g = f.group("key-order", "Object members are sorted by the UTF-8 bytes of their keys.");
    let cases: &[(&str, &str, &str, &str)] = &[
        ("ascii", "Plain ASCII keys.", r#"{"b":1,"a":2,"c":3}"#, r#"{"a":2,"b":1,"c":3}"#),
        ("uppercase-before-lowercase", "'A' (0x41) sorts before 'a' (0x61).", r#"{"a":1,"A":2}"#, r#"{"A":2,"a":1}"#),
        (
            "prefix-first",
            "A key sorts before any longer key it prefixes.",
            r#"{"ab":1,"a":2,"":3}"#,
            r#"{"":3,"a":2,"ab":1}"#,
        ),
        (
            "digits-and-underscore",
            "'0' < 'A' < '_' < 'a' by byte value.",
            r#"{"_":1,"a":2,"0":3,"A":4}"#,
            r#"{"0":3,"A":4,"_":1,"a":2}"#,
        ),
        (
            "astral-after-bmp-private-use",
            "U+1F600 (UTF-8 F0…) sorts after U+FF61 (UTF-8 EF…); UTF-16 order would put U+1F600 (D83D…) first.",
            "{\"\u{1F600}\":1,\"\u{FF61}\":2}",
            "{\"\u{FF61}\":2,\"\u{1F600}\":1}",
        ),
        (
            "astral-after-e000",
            "U+10000 sorts after U+E000 in UTF-8 and before it in UTF-16.",
            "{\"\u{10000}\":1,\"\u{E000}\":2}",
            "{\"\u{E000}\":2,\"\u{10000}\":1}",
        ),
        ("latin1-after-ascii", "'é' (C3 A9) sorts after 'z'.", "{\"é\":1,\"z\":2}", "{\"z\":2,\"é\":1}"),
        (
            "escaped-keys-sorted-unescaped",
            "Keys are compared after unescaping.",
            r#"{"\u0062":1,"a":2}"#,
            r#"{"a":2,"b":1}"#,
        ),
        (
            "nested-objects-sorted",
            "Sorting applies at every level.",
            r#"{"z":{"y":1,"x":2},"a":[{"d":1,"c":2}]}"#,
            r#"{"a":[{"c":2,"d":1}],"z":{"x":2,"y":1}}"#,
        ),
    ];
    for (name, comment, input, output) in cases {
        valid(&mut g, name, comment, &["KeyOrder"], input.as_bytes(), output);
    }
}

fn strings(f: &mut FileBuilder) {
    let mut g = f.group(
        "control-characters",
        "Every U+0000–U+001F is escaped: short forms where they exist, else \\u00xx lowercase.",
    );
    for c in 0u8..0x20 {
        let expected = match c {
            0x08 => "\"\\b\"".to_owned(),
            0x09 => "\"\\t\"".to_owned(),
            0x0a => "\"\\n\"".to_owned(),
            0x0c => "\"\\f\"".to_owned(),
            0x0d => "\"\\r\"".to_owned(),
            _ => format!("\"\\u{c:04x}\""),
        };
        let input = format!("\"\\u{c:04X}\"");
        valid(
            &mut g,
            &format!("u{c:04x}"),
            &format!("U+{c:04X} written as {expected}."),
            &["Escape"],
            input.as_bytes(),
            &expected,
        );
    }

    let mut g =
        f.group("escapes", "Only '\"' and '\\' are escaped besides control characters; input escapes are decoded.");
    let cases: &[(&str, &str, &str, &str, &[&str])] = &[
        ("quote-and-backslash", "'\"' and '\\' keep their short escapes.", r#""a\"b\\c""#, r#""a\"b\\c""#, &["Escape"]),
        ("solidus-unescaped", "'\\/' decodes to '/', written raw.", r#""\/""#, r#""/""#, &["Escape"]),
        ("solidus-raw", "A raw '/' stays raw.", r#""a/b""#, r#""a/b""#, &["Escape"]),
        (
            "del-raw",
            "U+007F is not a control character for this encoding: written raw.",
            r#""\u007f""#,
            "\"\u{7f}\"",
            &["Escape"],
        ),
        (
            "uppercase-hex-escape-decoded",
            "\\u00E9 decodes to 'é', written raw.",
            r#""\u00E9""#,
            "\"é\"",
            &["Escape", "NonAscii"],
        ),
        (
            "u2028-raw",
            "U+2028 passes through raw (unlike JavaScript-safe encoders).",
            r#""\u2028""#,
            "\"\u{2028}\"",
            &["Escape", "NonAscii"],
        ),
        ("u2029-raw", "U+2029 passes through raw.", "\"\u{2029}\"", "\"\u{2029}\"", &["NonAscii"]),
        (
            "astral-from-pair",
            "A surrogate-pair escape decodes to one astral character, written as 4 UTF-8 bytes.",
            r#""\ud83d\ude00""#,
            "\"😀\"",
            &["Escape", "NonAscii"],
        ),
        ("astral-raw", "A raw astral character stays raw.", "\"😀𝄞\"", "\"😀𝄞\"", &["NonAscii"]),
        ("bmp-raw", "CJK and Cyrillic text stay raw.", "\"日本語 и русский\"", "\"日本語 и русский\"", &["NonAscii"]),
        (
            "ufeff-inside-string",
            "U+FEFF inside a string is an ordinary character.",
            "\"\u{feff}x\"",
            "\"\u{feff}x\"",
            &["NonAscii"],
        ),
        ("nul-escape", "U+0000 escaped as \\u0000.", r#""a\u0000b""#, r#""a\u0000b""#, &["Escape"]),
        ("raw-tab-forbidden-but-escaped-ok", "An escaped tab is written as \\t.", r#""\t""#, r#""\t""#, &["Escape"]),
        (
            "every-short-escape-decoded",
            "Each of the eight short escapes decodes; '/' is then written raw and the rest keep their short forms.",
            r#""\"\\\/\b\f\n\r\t""#,
            r#""\"\\/\b\f\n\r\t""#,
            &["Escape"],
        ),
    ];
    for (name, comment, input, output, flags) in cases {
        valid(&mut g, name, comment, flags, input.as_bytes(), output);
    }
}

fn integers(f: &mut FileBuilder) {
    let mut g = f.group("integers", "Integer literals in [-2^63, 2^64-1] are integers; outside it they are floats.");
    let cases: &[(&str, &str, &str, &str)] = &[
        ("zero", "Zero.", "0", "0"),
        ("negative-zero-is-float", "The literal -0 is the float negative zero.", "-0", "-0.0"),
        ("one-vs-one-point-zero", "An integer inside an array next to the equal float.", "[1,1.0]", "[1,1.0]"),
        ("u64-max", "2^64-1, the largest integer.", "18446744073709551615", "18446744073709551615"),
        ("u64-max-plus-one", "2^64 is a float literal.", "18446744073709551616", "1.8446744073709552e+19"),
        ("i64-min", "-2^63, the smallest integer.", "-9223372036854775808", "-9223372036854775808"),
        ("i64-min-minus-one", "-2^63-1 is a float literal.", "-9223372036854775809", "-9.223372036854776e+18"),
        ("i64-max", "2^63-1.", "9223372036854775807", "9223372036854775807"),
        ("i64-max-plus-one", "2^63 is still an integer (it fits u64).", "9223372036854775808", "9223372036854775808"),
        (
            "two-pow-53-plus-one",
            "An integer a binary64 cannot hold stays exact.",
            "9007199254740993",
            "9007199254740993",
        ),
        ("thirty-digits", "A 30-digit literal is a float.", "123456789012345678901234567890", "1.2345678901234568e+29"),
        ("negative", "A negative integer.", "-42", "-42"),
    ];
    for (name, comment, input, output) in cases {
        valid(&mut g, name, comment, &["Integer"], input.as_bytes(), output);
    }
}

fn floats(f: &mut FileBuilder) {
    let mut g = f.group("float-format", "Shortest round-trip digits, laid out by the decimal exponent e.");
    let cases: &[(&str, &str, &str, &str)] = &[
        ("zero", "Positive zero.", "0.0", "0.0"),
        ("negative-zero", "Negative zero keeps its sign.", "-0.0", "-0.0"),
        ("zero-exponent-form", "0e0 is the float zero.", "0e0", "0.0"),
        ("one", "An integral float keeps '.0'.", "1.0", "1.0"),
        ("exponent-literal-integral", "1E2 is the float 100.", "1E2", "100.0"),
        ("fraction-and-exponent", "0.1e1 is the float 1.", "0.1e1", "1.0"),
        ("half", "e = -1: plain decimal.", "0.5", "0.5"),
        ("e-minus-5", "e = -5: the smallest plain-decimal exponent.", "0.00001", "0.00001"),
        ("e-minus-5-digits", "e = -5 with several digits.", "0.0000123", "0.0000123"),
        ("e-minus-6", "e = -6: scientific.", "0.000001", "1e-6"),
        ("e-minus-7-digits", "e = -7 with several digits.", "1.5e-7", "1.5e-7"),
        ("e-0", "e = 0 with a fraction.", "1.25", "1.25"),
        ("e-15", "e = 15: the largest plain-decimal exponent.", "1e15", "1000000000000000.0"),
        ("e-15-digits", "e = 15 with 16 significant digits.", "9999999999999998.0", "9999999999999998.0"),
        ("e-15-fraction", "e = 15 with a fractional digit.", "1234567890123456.8", "1234567890123456.8"),
        ("e-16", "e = 16: scientific with an explicit '+'.", "1e16", "1e+16"),
        ("e-20", "e = 20.", "1e20", "1e+20"),
        ("e-22-digits", "Several digits in scientific form.", "1.2345678901234568e20", "1.2345678901234568e+20"),
        ("max", "The largest finite binary64.", "1.7976931348623157e308", "1.7976931348623157e+308"),
        ("min-normal", "The smallest normal binary64.", "2.2250738585072014e-308", "2.2250738585072014e-308"),
        ("min-subnormal", "The smallest subnormal binary64.", "5e-324", "5e-324"),
        ("negative-scientific", "A negative float in scientific form.", "-1.5e300", "-1.5e+300"),
        ("negative-plain", "A negative plain decimal.", "-12345.678", "-12345.678"),
        (
            "point-one-plus-point-two",
            "The binary64 nearest 0.30000000000000004.",
            "0.30000000000000004",
            "0.30000000000000004",
        ),
        (
            "tie-to-even-digit",
            "Exactly halfway between two 17-digit candidates: the even last digit.",
            "1658206780088562.25",
            "1658206780088562.2",
        ),
        ("underflow-to-zero", "Below the smallest subnormal: zero.", "1e-400", "0.0"),
        ("underflow-to-negative-zero", "Negative underflow: negative zero.", "-1e-400", "-0.0"),
    ];
    for (name, comment, input, output) in cases {
        valid(&mut g, name, comment, &["FloatFormat"], input.as_bytes(), output);
    }

    let mut g = f.group("float-parse", "Correct rounding of decimal literals (round half to even).");
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "two-pow-53-plus-one",
            "Halfway between 2^53 and 2^53+2: rounds to the even 2^53.",
            "9007199254740993.0",
            "9007199254740992.0",
        ),
        ("two-pow-53-plus-three", "Halfway: rounds to the even 2^53+4.", "9007199254740995.0", "9007199254740996.0"),
        ("1e23", "A classic: naive parsers give 9.999999999999999e22.", "1e23", "1e+23"),
        ("8.98846567431158e307", "Near the top of the range.", "8.98846567431158e307", "8.98846567431158e+307"),
        (
            "max-rounds-down",
            "Just below the rounding boundary to infinity.",
            "1.7976931348623158e308",
            "1.7976931348623157e+308",
        ),
        (
            "normal-boundary",
            "The largest subnormal neighbourhood, from the 'PHP hang' literal.",
            "2.2250738585072011e-308",
            "2.225073858507201e-308",
        ),
        (
            "long-literal",
            "0.1 written with all 55 digits of its binary64 value.",
            "0.1000000000000000055511151231257827021181583404541015625",
            "0.1",
        ),
        (
            "many-digits-halfway-above",
            "A long literal just above a halfway point rounds up.",
            "9007199254740993.0000000000000000001",
            "9007199254740994.0",
        ),
        ("subnormal", "A subnormal value.", "4.9406564584124654e-324", "5e-324"),
        (
            "subnormal-halfway",
            "Halfway below the smallest subnormal rounds to even (zero).",
            "2.4703282292062327e-324",
            "0.0",
        ),
        (
            "subnormal-just-above-halfway",
            "Just above halfway rounds up to the smallest subnormal.",
            "2.4703282292062328e-324",
            "5e-324",
        ),
        ("exponent-with-plus", "An explicit '+' in the exponent.", "1.5e+3", "1500.0"),
        ("large-exponent-small-mantissa", "Digits and exponent that cancel.", "0.000000000000000000001e21", "1.0"),
    ];
    for (name, comment, input, output) in cases {
        valid(&mut g, name, comment, &["FloatParse"], input.as_bytes(), output);
    }
}

fn nesting(f: &mut FileBuilder) {
    let mut g = f.group("nesting", "At most 128 levels of arrays and objects.");
    let arrays = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    let objects = |n: usize| format!("{}null{}", "{\"k\":".repeat(n), "}".repeat(n));
    valid(&mut g, "arrays-128", "128 nested arrays: the limit.", &["Nesting"], arrays(128).as_bytes(), &arrays(128));
    valid(
        &mut g,
        "objects-128",
        "128 nested objects: the limit.",
        &["Nesting"],
        objects(128).as_bytes(),
        &objects(128),
    );
    invalid(
        &mut g,
        "arrays-129",
        "129 nested arrays: one past the limit.",
        &["Nesting", "ParseError"],
        arrays(129).as_bytes(),
        JsonErrorKind::NestingTooDeep,
    );
    invalid(
        &mut g,
        "objects-129",
        "129 nested objects: one past the limit.",
        &["Nesting", "ParseError"],
        objects(129).as_bytes(),
        JsonErrorKind::NestingTooDeep,
    );
    invalid(
        &mut g,
        "arrays-10000",
        "Far past the limit: must fail cleanly, not overflow a stack.",
        &["Nesting", "ParseError"],
        arrays(10_000).as_bytes(),
        JsonErrorKind::NestingTooDeep,
    );
}

fn errors(f: &mut FileBuilder) {
    use JsonErrorKind::*;
    let mut g = f.group("errors", "Input that is not acceptable JSON, with the error code the spec assigns.");
    let cases: &[(&str, &str, &[u8], JsonErrorKind)] = &[
        ("empty-input", "No value at all.", b"", Syntax),
        ("whitespace-only", "Only whitespace.", b" \n", Syntax),
        ("duplicate-key", "The same key twice.", br#"{"a":1,"a":2}"#, DuplicateKey),
        (
            "duplicate-key-same-value",
            "The same member twice, even with equal values.",
            br#"{"a":1,"a":1}"#,
            DuplicateKey,
        ),
        ("duplicate-key-after-unescape", "Keys equal after unescaping.", br#"{"a":1,"\u0061":2}"#, DuplicateKey),
        (
            "duplicate-key-nested",
            "A duplicate inside an array inside an object.",
            br#"{"x":[{"k":1,"k":2}]}"#,
            DuplicateKey,
        ),
        ("lone-high-surrogate", "\\ud800 with nothing after it.", br#""\ud800""#, LoneSurrogate),
        ("lone-low-surrogate", "\\udc00 on its own.", br#""\udc00""#, LoneSurrogate),
        ("reversed-surrogate-pair", "Low then high.", br#""\udc00\ud800""#, LoneSurrogate),
        (
            "high-surrogate-then-bmp-escape",
            "A high surrogate followed by a non-surrogate escape.",
            br#""\ud800\u0041""#,
            LoneSurrogate,
        ),
        ("high-surrogate-then-text", "A high surrogate followed by a plain character.", br#""\ud83dx""#, LoneSurrogate),
        ("invalid-utf8-byte", "0xFF is never valid UTF-8.", b"\"\xff\"", InvalidUtf8),
        ("invalid-utf8-overlong", "An overlong encoding of '/'.", b"\"\xc0\xaf\"", InvalidUtf8),
        ("invalid-utf8-surrogate", "A UTF-8-encoded surrogate (CESU-8).", b"\"\xed\xa0\x80\"", InvalidUtf8),
        ("invalid-utf8-truncated", "A multi-byte sequence cut short.", b"\"\xe2\x82\"", InvalidUtf8),
        ("utf8-bom", "A byte-order mark is not whitespace.", b"\xef\xbb\xbf{}", Syntax),
        ("raw-newline-in-string", "A raw LF inside a string.", b"\"a\nb\"", ControlCharacterInString),
        ("raw-tab-in-string", "A raw tab inside a string.", b"\"a\tb\"", ControlCharacterInString),
        ("raw-nul-in-string", "A raw NUL inside a string.", b"\"\x00\"", ControlCharacterInString),
        ("invalid-escape-letter", "\\x is not an escape.", br#""\x41""#, InvalidEscape),
        ("invalid-escape-short-u", "\\u with three hex digits.", br#""\u004""#, InvalidEscape),
        ("invalid-escape-single-quote", "\\' is not an escape.", br#""\'""#, InvalidEscape),
        ("leading-zero", "01 is not a number.", b"01", InvalidNumber),
        ("negative-leading-zero", "-01 is not a number.", b"-01", InvalidNumber),
        ("trailing-dot", "1. lacks fraction digits.", b"1.", InvalidNumber),
        ("leading-dot", ".5 lacks an integer part.", b".5", InvalidNumber),
        ("plus-sign", "A leading '+' is not allowed.", b"+1", InvalidNumber),
        ("lone-minus", "A minus sign alone.", b"-", InvalidNumber),
        ("exponent-without-digits", "1e lacks exponent digits.", b"1e", InvalidNumber),
        ("exponent-sign-without-digits", "1e+ lacks exponent digits.", b"1e+", InvalidNumber),
        ("negative-infinity-literal", "-Infinity is a malformed number.", b"-Infinity", InvalidNumber),
        ("infinity-literal", "Infinity is not JSON.", b"Infinity", Syntax),
        ("nan-literal", "NaN is not JSON.", b"NaN", Syntax),
        ("overflow-positive", "1e400 rounds to infinity.", b"1e400", NumberOutOfRange),
        ("overflow-negative", "-1e400 rounds to negative infinity.", b"-1e400", NumberOutOfRange),
        (
            "overflow-just-past-max",
            "The first literal above the rounding boundary to infinity.",
            b"1.7976931348623159e308",
            NumberOutOfRange,
        ),
        ("trailing-comma-array", "A trailing comma in an array.", b"[1,]", Syntax),
        ("trailing-comma-object", "A trailing comma in an object.", br#"{"a":1,}"#, Syntax),
        ("comment", "Comments are not JSON.", b"// c\n1", Syntax),
        ("single-quotes", "Single-quoted strings are not JSON.", b"'a'", Syntax),
        ("unquoted-key", "Object keys must be strings.", b"{a:1}", Syntax),
        ("unterminated-string", "A string without its closing quote.", b"\"abc", Syntax),
        ("end-inside-escape", "The input ends inside a \\u escape: an unterminated string.", b"\"\\u12", Syntax),
        ("end-after-high-surrogate", "The input ends right after a high-surrogate escape.", b"\"\\ud800", Syntax),
        ("key-without-opening-quote", "A key must open with a quote.", br#"{a":1}"#, Syntax),
        ("comma-for-colon", "A comma where the colon belongs.", br#"{"a",1}"#, Syntax),
        ("members-without-comma", "Two members with only a space between them.", br#"{"a":1 "b":2}"#, Syntax),
        ("elements-without-comma", "Two array elements with only a space between them.", b"[1 2]", Syntax),
        ("end-after-backslash", "The input ends right after a backslash inside a string.", b"\"\\", Syntax),
        ("invalid-escape-at-end", "An invalid escape letter as the input's last byte.", b"\"\\x", InvalidEscape),
        ("lone-high-surrogate-last", "\\udbff, the last high surrogate, alone.", br#""\udbff""#, LoneSurrogate),
        ("lone-low-surrogate-last", "\\udfff, the last low surrogate, alone.", br#""\udfff""#, LoneSurrogate),
        ("two-low-surrogates", "A low surrogate cannot start a pair.", br#""\udc00\udc00""#, LoneSurrogate),
        (
            "high-surrogate-then-private-use",
            "\\ue000, just past the low surrogates, cannot end a pair.",
            br#""\ud800\ue000""#,
            LoneSurrogate,
        ),
        ("short-escape-then-quote", "\\u with two hex digits before the closing quote.", b"\"\\u12\"", InvalidEscape),
        (
            "high-surrogate-then-invalid-escape",
            "A high surrogate followed by an invalid escape: the surrogate is the first error.",
            b"\"\\ud800\\x\"",
            LoneSurrogate,
        ),
        ("unterminated-array", "An array without its closing bracket.", b"[1,2", Syntax),
        ("misspelled-literal", "tru is not a literal.", b"tru", Syntax),
        ("trailing-characters", "Data after the value.", b"{} x", TrailingCharacters),
        ("two-values", "Two top-level values.", b"1 2", TrailingCharacters),
        ("trailing-nul", "A NUL byte after the value.", b"{}\x00", TrailingCharacters),
    ];
    for (name, comment, input, error) in cases {
        invalid(&mut g, name, comment, &["ParseError"], input, *error);
    }
}

fn grammar_edges(f: &mut FileBuilder) {
    let mut g = f.group(
        "grammar-edges",
        "The first and last characters each rule of the grammar admits, and the edges of UTF-8: all accepted.",
    );
    let cases: &[(&str, &str, &[u8], &str)] = &[
        ("lowest-unescaped", "U+0020, the first character a string holds raw.", b"\" \"", "\" \""),
        ("around-quote", "U+0021 and U+0023, on either side of the quotation mark.", b"\"!#\"", "\"!#\""),
        ("around-backslash", "U+005B and U+005D, on either side of the backslash.", b"\"[]\"", "\"[]\""),
        ("raw-del", "U+007F raw: not a control character for JSON.", b"\"\x7f\"", "\"\x7f\""),
        (
            "utf8-length-edges",
            "The first and last characters of 2-, 3- and 4-byte UTF-8: U+0080, U+07FF, U+0800, U+FFFF, U+10000, U+10FFFF.",
            "\"\u{80}\u{7ff}\u{800}\u{ffff}\u{10000}\u{10ffff}\"".as_bytes(),
            "\"\u{80}\u{7ff}\u{800}\u{ffff}\u{10000}\u{10ffff}\"",
        ),
        (
            "around-surrogates",
            "U+D7FF and U+E000, the characters on either side of the surrogates, raw.",
            "\"\u{d7ff}\u{e000}\"".as_bytes(),
            "\"\u{d7ff}\u{e000}\"",
        ),
        (
            "escaped-around-surrogates",
            "\\uD7FF and \\uE000: ordinary escapes, written raw.",
            br#""\uD7FF\ue000""#,
            "\"\u{d7ff}\u{e000}\"",
        ),
        ("lowest-surrogate-pair", "\\uD800\\uDC00 is U+10000.", br#""\uD800\uDC00""#, "\"\u{10000}\""),
        ("highest-surrogate-pair", "\\uDBFF\\uDFFF is U+10FFFF.", br#""\udbff\udfff""#, "\"\u{10ffff}\""),
        ("escape-u001f", "\\u001F, the last control character: escaped on output.", br#""\u001F""#, r#""\u001f""#),
        ("escape-u0020", "\\u0020, the first character written raw.", br#""\u0020""#, "\" \""),
        (
            "escape-hex-digit-edges",
            "\\u escapes with the digits 0, 9, a, f, A and F.",
            br#""\u0009\u00aF\u00Fa""#,
            "\"\\t\u{af}\u{fa}\"",
        ),
        (
            "key-with-nul",
            "A key that ends with U+0000 is another key, sorted after its prefix.",
            br#"{"a\u0000":1,"a":2}"#,
            r#"{"a":2,"a\u0000":1}"#,
        ),
        (
            "keys-not-normalized",
            "'é' as one character and as 'e' with a combining accent: two keys, sorted by their bytes.",
            "{\"\u{e9}\":1,\"e\u{301}\":2}".as_bytes(),
            "{\"e\u{301}\":2,\"\u{e9}\":1}",
        ),
        (
            "exponent-leading-zeros",
            "Leading zeros in an exponent are allowed.",
            b"[1e0005,1E-0005]",
            "[100000.0,0.00001]",
        ),
        (
            "fraction-trailing-zeros",
            "Trailing zeros of a fraction do not change the value.",
            b"[1.500,0.000]",
            "[1.5,0.0]",
        ),
        (
            "huge-negative-exponent",
            "An exponent beyond any machine integer, negative: the value underflows to zero.",
            b"[1e-99999999999999999999,-1e-99999999999999999999]",
            "[0.0,-0.0]",
        ),
        (
            "long-integer-part-and-exponent",
            "A 22-digit integer part with an exponent that cancels it.",
            b"1000000000000000000000e-21",
            "1.0",
        ),
        ("signed-zero-exponents", "0e+0 and -0E-0.", b"[0e+0,-0E-0]", "[0.0,-0.0]"),
    ];
    for (name, comment, input, output) in cases {
        valid(&mut g, name, comment, &["GrammarEdge"], input, output);
    }

    use JsonErrorKind::*;
    let mut g = f.group(
        "grammar-edge-errors",
        "Just past the edge of a rule: whitespace that is not JSON's, ill-formed UTF-8 at each boundary, number and \
         literal spellings, and the precedence of invalid_utf8 over every other error.",
    );
    let cases: &[(&str, &str, &[u8], JsonErrorKind)] = &[
        ("form-feed-whitespace", "Form feed (U+000C) is not whitespace.", b"\x0c1", Syntax),
        ("vertical-tab-whitespace", "Vertical tab (U+000B) is not whitespace.", b"[1,\x0b2]", Syntax),
        ("nbsp-whitespace", "U+00A0 is not whitespace.", "[1,\u{a0}2]".as_bytes(), Syntax),
        ("line-separator-whitespace", "U+2028 is not whitespace.", "\u{2028}1".as_bytes(), Syntax),
        ("nul-before-value", "U+0000 before the value.", b"\x001", Syntax),
        (
            "raw-unit-separator",
            "U+001F raw in a string: the last control character.",
            b"\"\x1f\"",
            ControlCharacterInString,
        ),
        ("raw-control-in-key", "A raw control character in a key.", b"{\"a\x01\":1}", ControlCharacterInString),
        ("lone-continuation-byte", "0x80 without a lead byte.", b"\"\x80\"", InvalidUtf8),
        ("overlong-c1", "C1 BF: an overlong 2-byte encoding.", b"\"\xc1\xbf\"", InvalidUtf8),
        ("overlong-3-byte", "E0 80 AF: an overlong 3-byte encoding of '/'.", b"\"\xe0\x80\xaf\"", InvalidUtf8),
        ("overlong-4-byte", "F0 80 80 AF: an overlong 4-byte encoding of '/'.", b"\"\xf0\x80\x80\xaf\"", InvalidUtf8),
        ("last-surrogate-encoded", "ED BF BF: U+DFFF encoded in UTF-8.", b"\"\xed\xbf\xbf\"", InvalidUtf8),
        ("above-10ffff", "F4 90 80 80: the first value above U+10FFFF.", b"\"\xf4\x90\x80\x80\"", InvalidUtf8),
        ("lead-byte-f5", "F5: a lead byte that never occurs.", b"\"\xf5\x80\x80\x80\"", InvalidUtf8),
        ("truncated-at-end", "A 3-byte sequence cut short by the end of the input.", b"\"a\xe2\x82", InvalidUtf8),
        (
            "invalid-utf8-after-number-error",
            "01 then 0xFF: ill-formed UTF-8 anywhere comes first.",
            b"[01,\"\xff\"]",
            InvalidUtf8,
        ),
        (
            "invalid-utf8-after-value",
            "0xFF after a complete value: invalid_utf8, not trailing_characters.",
            b"[1]\xff",
            InvalidUtf8,
        ),
        (
            "invalid-utf8-after-duplicate",
            "A duplicate key, then 0xFF.",
            b"{\"a\":1,\"a\":2,\"b\":\"\xff\"}",
            InvalidUtf8,
        ),
        ("fullwidth-digit", "A fullwidth digit is not a digit.", "[\u{ff11}]".as_bytes(), Syntax),
        ("double-minus", "--1.", b"--1", InvalidNumber),
        ("minus-plus", "-+1.", b"-+1", InvalidNumber),
        ("exponent-two-signs", "1e+-1.", b"1e+-1", InvalidNumber),
        ("fraction-then-exponent-without-digits", "0.e1: no digit after the point.", b"0.e1", InvalidNumber),
        ("underscore-in-number", "1_000: the number ends at the underscore.", b"1_000", TrailingCharacters),
        ("literal-capital", "truE.", b"truE", Syntax),
        ("literal-short", "nul.", b"nul", Syntax),
        ("literal-in-array-short", "[fals].", b"[fals]", Syntax),
        ("escape-upper-u", "\\U0041.", br#""\U0041""#, InvalidEscape),
        ("escape-hex-g", "\\u00G0: G is not a hex digit.", br#""\u00G0""#, InvalidEscape),
    ];
    for (name, comment, input, error) in cases {
        invalid(&mut g, name, comment, &["GrammarEdge", "ParseError"], input, *error);
    }
}
