//! Strict base64 (RFC 4648 §4, the standard alphabet with padding), the
//! one spelling of bytes that PEM bodies and signed notes share.

use zeroize::Zeroizing;

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// The base64 of `bytes` (zeroized on drop: it may spell a key).
pub(crate) fn encode(bytes: &[u8]) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(bytes.len().div_ceil(3) * 4));
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(BASE64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Strict base64: the standard alphabet, `=` padding to a multiple of four,
/// unused bits zero (one encoding per byte string).
pub(crate) fn decode(text: &str) -> Result<Zeroizing<Vec<u8>>, String> {
    let bad = |why: &str| format!("not valid base64: {why}");
    if !text.len().is_multiple_of(4) {
        return Err(bad("its length is not a multiple of 4"));
    }
    let mut out = Zeroizing::new(Vec::with_capacity(text.len() / 4 * 3));
    let quads = text.as_bytes().chunks(4);
    let last = quads.len().saturating_sub(1);
    for (q, quad) in quads.enumerate() {
        let pad = quad.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && q != last) {
            return Err(bad("misplaced `=` padding"));
        }
        let mut n = 0u32;
        for &c in &quad[..4 - pad] {
            let v =
                BASE64.iter().position(|&a| a == c).ok_or_else(|| bad("a character outside the base64 alphabet"))?;
            n = n << 6 | v as u32;
        }
        n <<= 6 * pad as u32;
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        if bytes[3 - pad..].iter().any(|&b| b != 0) {
            return Err(bad("non-zero bits after the last byte"));
        }
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_every_length_and_refuses_non_canonical_text() {
        for len in 0..10 {
            let bytes: Vec<u8> = (0..len).map(|i| 0xf0 ^ i as u8).collect();
            assert_eq!(&decode(&encode(&bytes)).unwrap()[..], &bytes[..]);
        }
        assert_eq!(&encode(b"foobar")[..], "Zm9vYmFy");
        assert_eq!(&encode(b"fo")[..], "Zm8=");
        for bad in ["Zm9", "Zm9=Zm8=", "Zm9*", "Zm9=", "Zg==="] {
            assert!(decode(bad).is_err(), "{bad}");
        }
    }
}
