//! Our canonical JSON against serde_json (with `float_roundtrip`), which the
//! spec names as the reference for float output.

use provedex_core::canonical::{Float, JsonErrorKind, Value, canonical_json, parse};

use crate::canonical::floats;
use crate::show;

/// serde_json refuses the 128th level of nesting (its recursion limit), one
/// level short of the spec's limit: a value this deep is not compared.
const SERDE_JSON_DEPTH_LIMIT: usize = 128;

/// How many 8-byte words of the input are also tried as raw float bits.
const RAW_FLOATS: usize = 4;

/// Where both parsers accept the input they read the same value, and each
/// reads the other's output back to that value; `serde_json::to_vec` of a
/// value is byte for byte our canonical form; every float prints as serde_json
/// prints an `f64`. Where only serde_json accepts, our rejection must be one
/// of the documented extra rules of the canonical form.
pub fn check_differential(data: &[u8]) {
    let ours = parse(data);
    let theirs = serde_json::from_slice::<Value>(data);
    match (&ours, &theirs) {
        (Ok(ours), Ok(theirs)) => {
            assert_eq!(ours, theirs, "the parsers read different values from {}", show(data));
        }
        (Ok(value), Err(e)) => {
            assert!(value.depth() >= SERDE_JSON_DEPTH_LIMIT, "serde_json rejects what we accept ({e}): {}", show(data))
        }
        (Err(e), Ok(_)) => assert!(
            matches!(
                e.kind,
                JsonErrorKind::DuplicateKey
                    | JsonErrorKind::NestingTooDeep
                    | JsonErrorKind::LoneSurrogate
                    | JsonErrorKind::NumberOutOfRange
                    | JsonErrorKind::InvalidUtf8
            ),
            "serde_json accepts what we reject for no documented reason ({e}): {}",
            show(data)
        ),
        (Err(_), Err(_)) => {}
    }

    if let Ok(value) = &ours {
        let canonical = canonical_json(value);
        if value.depth() < SERDE_JSON_DEPTH_LIMIT {
            let back = serde_json::from_slice::<Value>(&canonical);
            assert_eq!(
                back.as_ref().ok(),
                Some(value),
                "serde_json reads our canonical form {} differently ({:?}); input {}",
                show(&canonical),
                back.as_ref().err(),
                show(data)
            );
        }
        let serialized = serde_json::to_vec(value).expect("a Value always serializes");
        assert_eq!(serialized, canonical, "serde_json::to_vec differs from the canonical form of {}", show(data));

        let mut found = Vec::new();
        floats(value, &mut found);
        found.into_iter().for_each(check_float);
    }

    data.chunks_exact(8)
        .take(RAW_FLOATS)
        .map(|w| f64::from_bits(u64::from_le_bytes(w.try_into().expect("8 bytes"))))
        .filter(|f| f.is_finite())
        .for_each(check_float);
}

/// Our float output equals serde_json's for `f`, and both parsers read it back to the same bits.
fn check_float(f: f64) {
    let ours = canonical_json(&Value::Float(Float::new(f).expect("finite")));
    let theirs = serde_json::to_string(&f).expect("a finite f64 serializes");
    assert_eq!(
        String::from_utf8_lossy(&ours),
        theirs,
        "float output differs from serde_json for {f:e} (bits {:#018x})",
        f.to_bits()
    );
    match parse(&ours) {
        Ok(Value::Float(back)) if back.get().to_bits() == f.to_bits() => {}
        other => panic!("our float output {theirs} for bits {:#018x} reads back as {other:?}", f.to_bits()),
    }
    let back: f64 = serde_json::from_str(&theirs).expect("serde_json reads its own float output");
    assert_eq!(back.to_bits(), f.to_bits(), "serde_json reads {theirs} back to another float");
}
