//! Receipts of the S3 Object Lock anchor (spec/anchors.md): the statement is
//! stored as the body of an object version in an S3 bucket with Object Lock,
//! under COMPLIANCE retention, so that nobody holding the store's keys can
//! delete the version or shorten its retention until the date passes.
//!
//! Offline, a receipt shows only what it claims: the digest of the body, the
//! mode and the dates. That the store holds the version, with those bytes and
//! that retention, is checked online only (`provedex-anchor`'s
//! `S3Anchor::check_online`), since no signature of the store vouches for it.

use crate::{ReceiptError, statement_digest};
use provedex_format::display::quote;
use provedex_format::hex;
use provedex_format::utc::utc_seconds as utc;

/// The longest statement a receipt may carry, in bytes.
pub const MAX_STATEMENT: usize = 16 * 1024;
/// The longest endpoint URL, in bytes.
pub const MAX_ENDPOINT: usize = 2048;
/// The longest object key, in bytes (S3's own limit).
pub const MAX_KEY: usize = 1024;
/// The longest version id, in bytes.
pub const MAX_VERSION_ID: usize = 1024;
/// The one retention mode that is WORM.
pub const COMPLIANCE: &str = "COMPLIANCE";

/// An S3 Object Lock receipt: where the statement was stored, as which
/// version, and under which retention.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct S3Receipt {
    /// The anchor statement, exactly the bytes of the stored object's body.
    pub statement: String,
    /// The S3 endpoint the object was stored at (an `http://` or `https://` URL, path-style addressing).
    pub endpoint: String,
    /// The bucket (created with Object Lock enabled).
    pub bucket: String,
    /// The object's key.
    pub key: String,
    /// The version id the store gave the object: the one version this receipt names.
    pub version_id: String,
    /// The version's retention mode as the store reported it: always `COMPLIANCE`.
    pub mode: String,
    /// The end of the version's retention as the store reported it, in unix seconds.
    pub retain_until: i64,
    /// When the store wrote the version (its Last-Modified), in unix seconds.
    pub stored_at: i64,
    /// The SHA-256 of the body (the statement's bytes), lowercase hex.
    pub sha256: String,
}

/// What an S3 receipt establishes offline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Verified {
    /// The SHA-256 of the statement (equal to the receipt's `sha256`).
    pub digest: [u8; 32],
    /// The store's endpoint.
    pub endpoint: String,
    /// The bucket.
    pub bucket: String,
    /// The key.
    pub key: String,
    /// The version named.
    pub version_id: String,
    /// When the store wrote the version, in unix seconds (as the receipt claims).
    pub stored_at: i64,
    /// The end of its COMPLIANCE retention, in unix seconds (as the receipt claims).
    pub retain_until: i64,
}

impl S3Verified {
    /// One line for people.
    pub fn describe(&self) -> String {
        format!(
            "S3 Object Lock: statement sha256 {}… stored at {} as version {} of bucket {} key {}, \
             COMPLIANCE retention from {} until {} (offline: the store's holding of the version is not checked)",
            &hex::encode(&self.digest)[..16],
            quote(&self.endpoint),
            quote(&self.version_id),
            quote(&self.bucket),
            quote(&self.key),
            utc(self.stored_at),
            utc(self.retain_until),
        )
    }
}

/// Every offline check of an S3 receipt: the sizes and shapes of its members,
/// the body's SHA-256 against the statement, the COMPLIANCE mode, and a
/// retention that ends after the version was written.
pub fn verify(receipt: &S3Receipt) -> Result<S3Verified, ReceiptError> {
    // 1. Sizes, before anything else is looked at.
    bounded("statement", &receipt.statement, 1, MAX_STATEMENT)?;
    bounded("endpoint", &receipt.endpoint, 1, MAX_ENDPOINT)?;
    bounded("bucket", &receipt.bucket, 3, 63)?;
    bounded("key", &receipt.key, 1, MAX_KEY)?;
    bounded("version_id", &receipt.version_id, 1, MAX_VERSION_ID)?;
    bounded("mode", &receipt.mode, 1, 32)?;
    bounded("sha256", &receipt.sha256, 64, 64)?;

    // 2. Shapes.
    let rest =
        receipt.endpoint.strip_prefix("https://").or_else(|| receipt.endpoint.strip_prefix("http://")).ok_or_else(
            || {
                ReceiptError::new(format!(
                    "S3 receipt: endpoint {} is not an http:// or https:// URL",
                    quote(&receipt.endpoint)
                ))
            },
        )?;
    if rest.is_empty() || rest.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(ReceiptError::new(format!(
            "S3 receipt: endpoint {} has no host or holds spaces or control characters",
            quote(&receipt.endpoint)
        )));
    }
    if !bucket_name_ok(&receipt.bucket) {
        return Err(ReceiptError::new(format!(
            "S3 receipt: bucket {} is not an S3 bucket name (lowercase letters, digits, '.' and '-', \
             starting and ending with a letter or digit)",
            quote(&receipt.bucket)
        )));
    }
    if receipt.key.chars().any(char::is_control) {
        return Err(ReceiptError::new(format!("S3 receipt: key {} holds control characters", quote(&receipt.key))));
    }
    if !receipt.version_id.chars().all(|c| c.is_ascii_graphic()) {
        return Err(ReceiptError::new(format!(
            "S3 receipt: version_id {} holds characters other than printable ASCII",
            quote(&receipt.version_id)
        )));
    }

    // 3. The body's SHA-256 is the statement's.
    if !receipt.sha256.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return Err(ReceiptError::new(format!(
            "S3 receipt: sha256 {} is not 64 lowercase hex digits",
            quote(&receipt.sha256)
        )));
    }
    let digest = statement_digest(&receipt.statement);
    let computed = hex::encode(&digest);
    if computed != receipt.sha256 {
        return Err(ReceiptError::new(format!(
            "S3 receipt: sha256 {}… is not the SHA-256 of the statement ({}…): the receipt names another body",
            &receipt.sha256[..16],
            &computed[..16]
        )));
    }

    // 4. The mode is COMPLIANCE: GOVERNANCE retention can be lifted by any
    //    user allowed to bypass it, so it is no write-once guarantee.
    if receipt.mode != COMPLIANCE {
        let why = if receipt.mode == "GOVERNANCE" {
            "GOVERNANCE retention can be bypassed by a user with the permission to, so it is not WORM; \
             only COMPLIANCE is accepted"
                .to_owned()
        } else {
            "only COMPLIANCE is accepted".to_owned()
        };
        return Err(ReceiptError::new(format!("S3 receipt: retention mode {}: {why}", quote(&receipt.mode))));
    }

    // 5. The dates: a version written after 2000, retained after it was written.
    if receipt.stored_at < MIN_TIME || receipt.stored_at > MAX_TIME {
        return Err(ReceiptError::new(format!(
            "S3 receipt: stored_at {} is not a plausible time (between 2000 and 9999)",
            receipt.stored_at
        )));
    }
    if receipt.retain_until > MAX_TIME {
        return Err(ReceiptError::new(format!(
            "S3 receipt: retain_until {} is after the year 9999",
            receipt.retain_until
        )));
    }
    if receipt.retain_until <= receipt.stored_at {
        return Err(ReceiptError::new(format!(
            "S3 receipt: retention ends at {}, not after the version was stored ({}): it protects nothing",
            utc(receipt.retain_until),
            utc(receipt.stored_at)
        )));
    }

    Ok(S3Verified {
        digest,
        endpoint: receipt.endpoint.clone(),
        bucket: receipt.bucket.clone(),
        key: receipt.key.clone(),
        version_id: receipt.version_id.clone(),
        stored_at: receipt.stored_at,
        retain_until: receipt.retain_until,
    })
}

/// 2000-01-01T00:00:00Z.
const MIN_TIME: i64 = 946_684_800;
/// 9999-12-31T23:59:59Z.
const MAX_TIME: i64 = 253_402_300_799;

fn bounded(member: &str, value: &str, min: usize, max: usize) -> Result<(), ReceiptError> {
    if value.len() < min || value.len() > max {
        let range = if min == max { format!("{min}") } else { format!("{min} to {max}") };
        return Err(ReceiptError::new(format!("S3 receipt: {member} is {} bytes long, expected {range}", value.len())));
    }
    Ok(())
}

/// S3's rules for bucket names (3 to 63 characters checked by the caller).
fn bucket_name_ok(name: &str) -> bool {
    let bytes = name.as_bytes();
    let inner_ok = bytes.iter().all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
    let ends_ok = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    inner_ok && bytes.first().is_some_and(ends_ok) && bytes.last().is_some_and(ends_ok) && !name.contains("..")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn receipt() -> S3Receipt {
        let statement = r#"{"made_nanos":1,"origin":"provedex-ledger/s3-unit","root":"ab","tree_size":3}"#.to_owned();
        S3Receipt {
            sha256: hex::encode(&statement_digest(&statement)),
            statement,
            endpoint: "http://127.0.0.1:7070".into(),
            bucket: "provedex-anchors".into(),
            key: "anchors/x".into(),
            version_id: "01JABCDEF".into(),
            mode: COMPLIANCE.into(),
            retain_until: 1_800_000_000,
            stored_at: 1_700_000_000,
        }
    }

    #[test]
    fn a_consistent_receipt_verifies() {
        let verified = verify(&receipt()).unwrap();
        assert_eq!(verified.retain_until, 1_800_000_000);
        assert!(verified.describe().contains("until 2027-01-15T08:00:00Z"), "{}", verified.describe());
    }

    #[test]
    fn each_member_is_checked() {
        type Tamper = fn(&mut S3Receipt);
        let cases: Vec<(Tamper, &str)> = vec![
            (|r| r.statement.push(' '), "is not the SHA-256 of the statement"),
            (|r| r.sha256 = "0".repeat(64), "is not the SHA-256 of the statement"),
            (|r| r.sha256 = r.sha256.to_uppercase(), "is not 64 lowercase hex digits"),
            (|r| r.sha256.truncate(10), "sha256 is 10 bytes long, expected 64"),
            (|r| r.mode = "GOVERNANCE".into(), "GOVERNANCE retention can be bypassed"),
            (|r| r.mode = "compliance".into(), "only COMPLIANCE is accepted"),
            (|r| r.retain_until = r.stored_at, "not after the version was stored"),
            (|r| r.stored_at = 5, "not a plausible time"),
            (|r| r.retain_until = i64::MAX, "after the year 9999"),
            (|r| r.bucket = "Provedex".into(), "is not an S3 bucket name"),
            (|r| r.bucket = "ab".into(), "bucket is 2 bytes long"),
            (|r| r.endpoint = "ftp://x".into(), "is not an http:// or https:// URL"),
            (|r| r.endpoint = "http://a b".into(), "has no host or holds spaces"),
            (|r| r.key = "a\u{1b}[2K".into(), "holds control characters"),
            (|r| r.version_id = "v 1".into(), "other than printable ASCII"),
            (|r| r.version_id.clear(), "version_id is 0 bytes long"),
            (|r| r.statement = "x".repeat(MAX_STATEMENT + 1), "statement is 16385 bytes long"),
        ];
        for (tamper, expected) in cases {
            let mut r = receipt();
            tamper(&mut r);
            let err = verify(&r).unwrap_err().0;
            assert!(err.contains(expected), "expected {expected:?} in {err:?}");
        }
    }

    #[test]
    fn mutated_receipts_never_panic() {
        // Every member replaced by awkward values, one at a time and all at once.
        let odd = ["", "\u{202e}", "é", "0", "-", "..", "http://", &"f".repeat(70), &"a".repeat(20_000)];
        let times = [i64::MIN, -1, 0, MIN_TIME, MAX_TIME, i64::MAX];
        for value in odd {
            for member in 0..7 {
                let mut r = receipt();
                let slot = [
                    &mut r.statement,
                    &mut r.endpoint,
                    &mut r.bucket,
                    &mut r.key,
                    &mut r.version_id,
                    &mut r.mode,
                    &mut r.sha256,
                ];
                *slot.into_iter().nth(member).unwrap() = value.to_owned();
                let _ = verify(&r).map(|v| v.describe());
            }
        }
        for a in times {
            for b in times {
                let mut r = receipt();
                r.stored_at = a;
                r.retain_until = b;
                let outcome = verify(&r);
                assert_eq!(outcome.is_ok(), (MIN_TIME..=MAX_TIME).contains(&a) && b > a && b <= MAX_TIME);
                let _ = outcome.map(|v| v.describe());
            }
        }
    }
}
