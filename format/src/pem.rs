//! PEM and DER for Ed25519 keys (spec/keys.md): PKCS#8 private keys
//! (RFC 5958, RFC 8410) and SubjectPublicKeyInfo public keys, so keys move
//! to and from OpenSSL. The structures are fixed-shape, so the DER reader
//! accepts exactly them and names anything else it finds.

use zeroize::Zeroizing;

use crate::base64;
use crate::hex::PublicKeyBytes;

/// The PEM label of an unencrypted PKCS#8 private key.
pub const PRIVATE_KEY_LABEL: &str = "PRIVATE KEY";
/// The PEM label of a SubjectPublicKeyInfo public key.
pub const PUBLIC_KEY_LABEL: &str = "PUBLIC KEY";
/// The PEM label of an encrypted PKCS#8 private key, which is refused.
pub const ENCRYPTED_PRIVATE_KEY_LABEL: &str = "ENCRYPTED PRIVATE KEY";

/// The DER of the OID 1.3.101.112, id-Ed25519 (RFC 8410).
const ED25519_OID: [u8; 3] = [0x2b, 0x65, 0x70];

const TAG_INTEGER: u8 = 0x02;
const TAG_BIT_STRING: u8 = 0x03;
const TAG_OCTET_STRING: u8 = 0x04;
const TAG_OID: u8 = 0x06;
const TAG_SEQUENCE: u8 = 0x30;
/// `attributes [0] IMPLICIT Attributes` of OneAsymmetricKey.
const TAG_ATTRIBUTES: u8 = 0xa0;
/// `publicKey [1] IMPLICIT PublicKey` of OneAsymmetricKey (a BIT STRING).
const TAG_PUBLIC_KEY: u8 = 0x81;

/// A PKCS#8 Ed25519 private key: the seed, and the public key a v2
/// (OneAsymmetricKey version 1) structure may carry.
pub struct Pkcs8Key {
    /// The 32-byte seed (RFC 8410 CurvePrivateKey).
    pub seed: Zeroizing<[u8; 32]>,
    /// The public key of a v2 structure, which must match the seed.
    pub public_key: Option<PublicKeyBytes>,
}

/// The DER of a v1 PKCS#8 key (as `openssl genpkey -algorithm ed25519`
/// writes it): 48 bytes, the seed at the end.
pub fn pkcs8_der(seed: &[u8; 32]) -> Zeroizing<Vec<u8>> {
    let mut der = Zeroizing::new(Vec::with_capacity(48));
    der.extend_from_slice(&[0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03]);
    der.extend_from_slice(&ED25519_OID);
    der.extend_from_slice(&[0x04, 0x22, 0x04, 0x20]);
    der.extend_from_slice(seed);
    der
}

/// The DER of a SubjectPublicKeyInfo (RFC 8410): 44 bytes, the key at the end.
pub fn spki_der(key: &PublicKeyBytes) -> Vec<u8> {
    let mut der = vec![0x30, 0x2a, 0x30, 0x05, 0x06, 0x03];
    der.extend_from_slice(&ED25519_OID);
    der.extend_from_slice(&[0x03, 0x21, 0x00]);
    der.extend_from_slice(&key.0);
    der
}

/// Parses a PKCS#8 Ed25519 private key: OneAsymmetricKey version 0 (v1)
/// or 1 (v2), the Ed25519 algorithm without parameters, a 32-byte seed,
/// attributes (ignored) and, in v2 only, the public key. Whether the public
/// key matches the seed is for the caller, who derives it.
pub fn parse_pkcs8(der: &[u8]) -> Result<Pkcs8Key, String> {
    let mut outer = Der::new(der);
    let body = outer.read(TAG_SEQUENCE, "the PrivateKeyInfo SEQUENCE")?;
    outer.finish("after the PrivateKeyInfo")?;
    let mut fields = Der::new(body);
    let version = match fields.read(TAG_INTEGER, "the version")? {
        [0] => 0,
        [1] => 1,
        other => {
            return Err(format!(
                "unsupported PKCS#8 version (INTEGER {}); only v1 (0) and v2 (1) exist",
                crate::hex::encode(other)
            ));
        }
    };
    check_algorithm(fields.read(TAG_SEQUENCE, "the AlgorithmIdentifier")?)?;
    let mut wrapped = Der::new(fields.read(TAG_OCTET_STRING, "the privateKey OCTET STRING")?);
    let seed_bytes = wrapped.read(TAG_OCTET_STRING, "the CurvePrivateKey OCTET STRING")?;
    wrapped.finish("after the CurvePrivateKey")?;
    let seed: &[u8; 32] = seed_bytes
        .try_into()
        .map_err(|_| format!("the Ed25519 private key holds {} bytes, not 32", seed_bytes.len()))?;
    let seed = Zeroizing::new(*seed);
    if fields.peek() == Some(TAG_ATTRIBUTES) {
        fields.read(TAG_ATTRIBUTES, "the attributes")?;
    }
    let mut public_key = None;
    if fields.peek() == Some(TAG_PUBLIC_KEY) {
        if version == 0 {
            return Err("a version 0 (v1) PKCS#8 key carries a public key, which only version 1 (v2) may".into());
        }
        public_key = Some(bit_string_key(fields.read(TAG_PUBLIC_KEY, "the publicKey")?)?);
    }
    fields.finish("after the private key's last field")?;
    Ok(Pkcs8Key { seed, public_key })
}

/// Parses a SubjectPublicKeyInfo holding an Ed25519 public key.
pub fn parse_spki(der: &[u8]) -> Result<PublicKeyBytes, String> {
    let mut outer = Der::new(der);
    let body = outer.read(TAG_SEQUENCE, "the SubjectPublicKeyInfo SEQUENCE")?;
    outer.finish("after the SubjectPublicKeyInfo")?;
    let mut fields = Der::new(body);
    check_algorithm(fields.read(TAG_SEQUENCE, "the AlgorithmIdentifier")?)?;
    let key = bit_string_key(fields.read(TAG_BIT_STRING, "the subjectPublicKey BIT STRING")?)?;
    fields.finish("after the subjectPublicKey")?;
    Ok(key)
}

fn check_algorithm(identifier: &[u8]) -> Result<(), String> {
    let mut fields = Der::new(identifier);
    let oid = fields.read(TAG_OID, "the algorithm OID")?;
    if oid != ED25519_OID {
        return Err(format!("the key is {}, not Ed25519 (OID 1.3.101.112)", algorithm_name(oid)));
    }
    fields.finish("after the Ed25519 OID (RFC 8410: the parameters must be absent)")
}

fn bit_string_key(content: &[u8]) -> Result<PublicKeyBytes, String> {
    match content {
        [0, key @ ..] => key
            .try_into()
            .map(PublicKeyBytes)
            .map_err(|_| format!("the Ed25519 public key holds {} bytes, not 32", key.len())),
        _ => Err("the public key BIT STRING does not start with 0 unused bits".into()),
    }
}

/// A name for people: the common algorithms by name, others by dotted OID.
fn algorithm_name(oid: &[u8]) -> String {
    match oid {
        [0x2b, 0x65, 0x71] => "an Ed448 key (OID 1.3.101.113)".into(),
        [0x2b, 0x65, 0x6e] => "an X25519 key (OID 1.3.101.110)".into(),
        [0x2b, 0x65, 0x6f] => "an X448 key (OID 1.3.101.111)".into(),
        [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01] => "an RSA key (OID 1.2.840.113549.1.1.1)".into(),
        [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01] => "an EC key (OID 1.2.840.10045.2.1)".into(),
        other => format!("a key of algorithm OID {}", dotted(other)),
    }
}

/// An OID's DER content (without tag and length) in dotted form, for
/// messages: `1.3.101.112`.
pub fn dotted(oid: &[u8]) -> String {
    let mut arcs: Vec<u128> = Vec::new();
    let mut value: u128 = 0;
    for &b in oid {
        value = value.saturating_mul(128) | u128::from(b & 0x7f);
        if b & 0x80 == 0 {
            if arcs.is_empty() {
                let first = (value / 40).min(2);
                arcs.extend([first, value - 40 * first]);
            } else {
                arcs.push(value);
            }
            value = 0;
        }
    }
    arcs.iter().map(u128::to_string).collect::<Vec<_>>().join(".")
}

/// A reader of the DER elements of one structure, in order.
struct Der<'a> {
    rest: &'a [u8],
}

impl<'a> Der<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Der { rest: bytes }
    }

    fn peek(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    /// The content of the next element, which must have `tag`. Lengths
    /// must be definite and minimal (DER), and at most 65535.
    fn read(&mut self, tag: u8, what: &str) -> Result<&'a [u8], String> {
        let bad = |why: String| format!("malformed DER at {what}: {why}");
        let (&found, rest) = self.rest.split_first().ok_or_else(|| bad("the structure ends early".into()))?;
        if found != tag {
            return Err(bad(format!("expected tag 0x{tag:02x}, found 0x{found:02x}")));
        }
        let (len, rest) = match rest {
            [n, rest @ ..] if *n < 0x80 => (usize::from(*n), rest),
            [0x81, n, rest @ ..] if *n >= 0x80 => (usize::from(*n), rest),
            [0x82, hi, lo, rest @ ..] if *hi != 0 => (usize::from(*hi) << 8 | usize::from(*lo), rest),
            _ => return Err(bad("the length is missing, indefinite, too long or not minimal".into())),
        };
        if rest.len() < len {
            return Err(bad(format!("the element claims {len} bytes, {} remain", rest.len())));
        }
        let (content, rest) = rest.split_at(len);
        self.rest = rest;
        Ok(content)
    }

    fn finish(self, what: &str) -> Result<(), String> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(format!("malformed DER: {} unexpected bytes {what}", self.rest.len()))
        }
    }
}

/// A PEM document (RFC 7468): `-----BEGIN <label>-----`, base64 lines of
/// at most 64 characters, `-----END <label>-----`; `text` holds that and
/// nothing else but whitespace after it.
pub fn decode(text: &[u8]) -> Result<(String, Zeroizing<Vec<u8>>), String> {
    let text = std::str::from_utf8(text).map_err(|_| "the PEM text is not UTF-8".to_owned())?;
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default().trim_end();
    let label = first
        .strip_prefix("-----BEGIN ")
        .and_then(|l| l.strip_suffix("-----"))
        .filter(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_graphic() || b == b' ') && !l.contains('-'))
        .ok_or_else(|| "the PEM text does not start with a `-----BEGIN <label>-----` line".to_owned())?;
    let end = format!("-----END {label}-----");
    let mut body = Zeroizing::new(String::with_capacity(text.len()));
    loop {
        let line = lines.next().ok_or_else(|| format!("the PEM text has no `{end}` line"))?.trim_end();
        if line == end {
            break;
        }
        if line.len() > 64 {
            return Err(format!("a PEM base64 line holds {} characters, more than 64", line.len()));
        }
        body.push_str(line);
    }
    if lines.any(|l| !l.trim().is_empty()) {
        return Err(format!("the PEM text goes on after its `{end}` line"));
    }
    Ok((label.to_owned(), base64::decode_secret(&body).map_err(|why| format!("the PEM body is {why}"))?))
}

/// The PEM document of `der` under `label`: base64 in 64-character lines, each ending in LF.
pub fn encode(label: &str, der: &[u8]) -> Zeroizing<String> {
    let b64 = base64::encode_secret(der);
    // Sized once: a reallocation would leave a copy of a private key in freed memory.
    let mut out = Zeroizing::new(String::with_capacity(b64.len() + b64.len() / 64 + 2 * label.len() + 40));
    out.push_str(&format!("-----BEGIN {label}-----\n"));
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// A public key given as text: 64 lowercase hex characters (a final LF
/// allowed, as `provedex key public` prints it) or a `PUBLIC KEY` PEM.
pub fn parse_public_key(text: &[u8]) -> Result<PublicKeyBytes, String> {
    if text.starts_with(b"-----BEGIN") {
        let (label, der) = decode(text)?;
        if label != PUBLIC_KEY_LABEL {
            return Err(format!("expected a `{PUBLIC_KEY_LABEL}` PEM, found `{label}`"));
        }
        return parse_spki(&der);
    }
    let hex = text.strip_suffix(b"\n").unwrap_or(text);
    let hex =
        std::str::from_utf8(hex).map_err(|_| "a public key is 64 lowercase hex characters or a PEM".to_owned())?;
    PublicKeyBytes::from_hex(hex).map_err(|e| format!("a public key {e} (or is a `{PUBLIC_KEY_LABEL}` PEM)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_oids_and_der_lengths() {
        assert_eq!(dotted(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01]), "1.2.840.113549.1.1.1");
        assert_eq!(dotted(&[0x2b, 0x65, 0x70]), "1.3.101.112");
        // A non-minimal length (0x81 0x05) is refused.
        assert!(Der::new(&[0x04, 0x81, 0x05, 1, 2, 3, 4, 5]).read(0x04, "x").is_err());
        assert_eq!(Der::new(&[0x04, 0x02, 1, 2]).read(0x04, "x").unwrap(), [1, 2]);
    }
}
