//! Strict base64 (RFC 4648 §4, the standard alphabet with padding), the
//! one spelling of bytes that PEM bodies, signed notes and anchor receipts
//! share.
//!
//! Decoding is strict: the text is padded with `=` to a multiple of four,
//! holds nothing outside the alphabet (no whitespace, no line breaks), and
//! the unused bits of its last character are zero, so each byte string has
//! exactly one accepted spelling.

use zeroize::Zeroizing;

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// The padded base64 of `bytes`.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(encoded_len(bytes));
    encode_into(bytes, &mut out);
    out
}

/// The padded base64 of `bytes`, zeroized on drop: for text that spells a
/// private key.
pub fn encode_secret(bytes: &[u8]) -> Zeroizing<String> {
    // Sized once: a reallocation would leave a copy in freed memory.
    let mut out = Zeroizing::new(String::with_capacity(encoded_len(bytes)));
    encode_into(bytes, &mut out);
    out
}

/// The bytes spelled by strict padded base64 `text`.
pub fn decode(text: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    decode_into(text, &mut out)?;
    Ok(out)
}

/// The bytes spelled by strict padded base64 `text`, zeroized on drop: for
/// text that spells a private key.
pub fn decode_secret(text: &str) -> Result<Zeroizing<Vec<u8>>, String> {
    // Sized once: a reallocation would leave a copy in freed memory.
    let mut out = Zeroizing::new(Vec::with_capacity(text.len() / 4 * 3));
    decode_into(text, &mut out)?;
    Ok(out)
}

fn encoded_len(bytes: &[u8]) -> usize {
    bytes.len().div_ceil(3) * 4
}

fn encode_into(bytes: &[u8], out: &mut String) {
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            out.push(if i <= chunk.len() { BASE64[(n >> (18 - 6 * i) & 63) as usize] as char } else { '=' });
        }
    }
}

/// Appends the bytes of `text` to `out`, which holds `text.len() / 4 * 3`
/// bytes of spare capacity.
fn decode_into(text: &str, out: &mut Vec<u8>) -> Result<(), String> {
    let bad = |why: &str| format!("not valid base64: {why}");
    if !text.len().is_multiple_of(4) {
        return Err(bad("its length is not a multiple of 4"));
    }
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
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4648 §10.
    const VECTORS: [(&str, &str); 7] = [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ];

    #[test]
    fn rfc_4648_vectors_encode_and_decode() {
        for (bytes, text) in VECTORS {
            assert_eq!(encode(bytes.as_bytes()), text);
            assert_eq!(&encode_secret(bytes.as_bytes())[..], text);
            assert_eq!(decode(text).unwrap(), bytes.as_bytes(), "{text}");
            assert_eq!(&decode_secret(text).unwrap()[..], bytes.as_bytes(), "{text}");
        }
    }

    #[test]
    fn every_byte_value_and_length_round_trips() {
        // All 256 byte values, every position modulo 3, and both padded tails.
        let all: Vec<u8> = (0..=255).collect();
        for len in 0..all.len() {
            assert_eq!(decode(&encode(&all[..len])).unwrap(), &all[..len], "{len}");
        }
        // `base64 -w0` of bytes 0xfb 0xff 0xbf: both characters past `z`.
        assert_eq!(encode(&[0xfb, 0xff, 0xbf]), "+/+/");
    }

    #[test]
    fn other_spellings_are_refused() {
        for (bad, why) in [
            ("Zm9", "length is not a multiple of 4"),
            ("Zm8", "length is not a multiple of 4"),
            ("Zm9=Zm8=", "misplaced `=` padding"),
            ("Zg===", "length is not a multiple of 4"),
            ("Z===", "misplaced `=` padding"),
            ("====", "misplaced `=` padding"),
            ("Zm9*", "outside the base64 alphabet"),
            ("Zm 8", "outside the base64 alphabet"),
            ("Zm8=\n", "length is not a multiple of 4"),
            ("Zm9v\nYmFy", "length is not a multiple of 4"),
            ("Zm9-", "outside the base64 alphabet"),
            ("Zm9_", "outside the base64 alphabet"),
            // Canonical spellings are "Zg==" and "Zm8=": the unused bits must be zero.
            ("Zh==", "non-zero bits after the last byte"),
            ("Zm9=", "non-zero bits after the last byte"),
        ] {
            let err = decode(bad).unwrap_err();
            assert!(err.starts_with("not valid base64: ") && err.contains(why), "{bad:?}: {err}");
            assert!(decode_secret(bad).is_err(), "{bad:?}");
        }
    }
}
