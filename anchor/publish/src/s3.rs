//! The S3 Object Lock anchor (spec/anchors.md): stores the statement as an
//! object version under COMPLIANCE retention in a bucket with Object Lock,
//! confirms that the store applied that retention, and returns an
//! [`S3Receipt`]. [`S3Anchor::check_online`] re-reads the version a receipt
//! names: its bytes and its retention.
//!
//! The client is `aws-sdk-s3` on a private current-thread tokio runtime, so
//! the API is blocking; it must not be called from inside a tokio runtime.
//! Addressing is path-style (`http://host:port/bucket/key`), as S3-compatible
//! stores expect. Retries are left to the caller (the anchorer retries with
//! backoff): each call makes one attempt, bounded by the timeouts.

use crate::AnchorError;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::config::retry::RetryConfig;
use aws_sdk_s3::config::timeout::TimeoutConfig;
use aws_sdk_s3::config::{
    BehaviorVersion, Credentials, Region, RequestChecksumCalculation, ResponseChecksumValidation,
};
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::{ByteStream, DateTime};
use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration, ObjectLockEnabled, ObjectLockMode};
use provedex_format::display::quote;
use provedex_format::{base64, hex};
use provedex_receipts::s3::{self as receipts, COMPLIANCE, S3Receipt, S3Verified};
use sha2::{Digest as _, Sha256};
use std::fmt;
use std::future::Future;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The configuration of an S3 Object Lock anchor: plain values.
#[derive(Clone)]
pub struct S3Config {
    /// The store's endpoint, `http://host:port` or `https://host` (path-style addressing).
    pub endpoint: String,
    /// The region to sign requests for (`us-east-1` for most S3-compatible stores).
    pub region: String,
    /// The bucket; [`S3Anchor::ensure_bucket`] creates it with Object Lock when missing.
    pub bucket: String,
    /// Prepended to each object's key (the key is the prefix, the statement's
    /// SHA-256 in hex, `/` and 16 random hex digits).
    pub key_prefix: String,
    /// The access key id: not shown either.
    pub access_key: String,
    /// The secret key: never shown (not in `Debug`, not in errors).
    pub secret_key: String,
    /// How long each stored statement stays under COMPLIANCE retention.
    pub retention: Duration,
    /// The limit on opening a connection.
    pub connect_timeout: Duration,
    /// The limit on one whole call (request and response).
    pub call_timeout: Duration,
}

impl S3Config {
    /// A configuration with no key prefix, one year of retention, and the
    /// default timeouts (connect 5 s, call 30 s).
    pub fn new(endpoint: &str, region: &str, bucket: &str, access_key: &str, secret_key: &str) -> S3Config {
        S3Config {
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            region: region.to_owned(),
            bucket: bucket.to_owned(),
            key_prefix: String::new(),
            access_key: access_key.to_owned(),
            secret_key: secret_key.to_owned(),
            retention: Duration::from_secs(365 * 86_400),
            connect_timeout: Duration::from_secs(5),
            call_timeout: Duration::from_secs(30),
        }
    }
}

impl fmt::Debug for S3Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Config")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("bucket", &self.bucket)
            .field("key_prefix", &self.key_prefix)
            .field("access_key", &"<hidden>")
            .field("secret_key", &"<hidden>")
            .field("retention", &self.retention)
            .field("connect_timeout", &self.connect_timeout)
            .field("call_timeout", &self.call_timeout)
            .finish()
    }
}

/// What an online check of an S3 receipt found in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Checked {
    /// The offline findings of the receipt.
    pub verified: S3Verified,
    /// The SHA-256 of the body the store returned for the version (equal to the statement's).
    pub body_sha256: [u8; 32],
    /// The version's retention end as the store reports it now, in unix seconds
    /// (not earlier than the receipt's).
    pub retain_until: i64,
}

impl S3Checked {
    /// One line for people.
    pub fn describe(&self) -> String {
        format!(
            "S3 Object Lock, checked online: {} holds version {} of bucket {} key {} with the statement's bytes \
             (sha256 {}…) under COMPLIANCE retention until {}",
            quote(&self.verified.endpoint),
            quote(&self.verified.version_id),
            quote(&self.verified.bucket),
            quote(&self.verified.key),
            &hex::encode(&self.body_sha256)[..16],
            provedex_format::utc::utc_seconds(self.retain_until),
        )
    }
}

/// An S3 Object Lock anchor: one store, one bucket.
pub struct S3Anchor {
    config: S3Config,
    client: Client,
    runtime: tokio::runtime::Runtime,
}

impl fmt::Debug for S3Anchor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Anchor").field("config", &self.config).finish_non_exhaustive()
    }
}

impl S3Anchor {
    /// An anchor for `config`. Nothing is sent yet.
    pub fn new(config: S3Config) -> Result<S3Anchor, AnchorError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| AnchorError::Unreachable(format!("cannot start the S3 client's runtime: {e}")))?;
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(config.connect_timeout)
            .read_timeout(config.call_timeout)
            .operation_attempt_timeout(config.call_timeout)
            .operation_timeout(config.call_timeout)
            .build();
        let sdk_config = aws_sdk_s3::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .endpoint_url(&config.endpoint)
            .region(Region::new(config.region.clone()))
            .credentials_provider(Credentials::new(&config.access_key, &config.secret_key, None, None, "provedex"))
            .force_path_style(true)
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
            .response_checksum_validation(ResponseChecksumValidation::WhenRequired)
            .retry_config(RetryConfig::disabled())
            .timeout_config(timeouts)
            .build();
        let client = Client::from_conf(sdk_config);
        Ok(S3Anchor { config, client, runtime })
    }

    /// The configuration (its `Debug` hides the secret key).
    pub fn config(&self) -> &S3Config {
        &self.config
    }

    /// Creates the bucket with Object Lock enabled when it does not exist,
    /// and checks that an existing bucket has Object Lock enabled.
    pub fn ensure_bucket(&self) -> Result<(), AnchorError> {
        let bucket = &self.config.bucket;
        let head = self.run(self.client.head_bucket().bucket(bucket).send());
        match head {
            Ok(_) => {}
            Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 404) => {
                let mut create = self.client.create_bucket().bucket(bucket).object_lock_enabled_for_bucket(true);
                if self.config.region != "us-east-1" {
                    create = create.create_bucket_configuration(
                        CreateBucketConfiguration::builder()
                            .location_constraint(BucketLocationConstraint::from(self.config.region.as_str()))
                            .build(),
                    );
                }
                self.run(create.send())
                    .map_err(|e| sdk_error(&format!("creating bucket {}", quote(bucket)), e, false))?;
            }
            Err(e) => return Err(sdk_error(&format!("looking up bucket {}", quote(bucket)), e, false)),
        }
        let lock = self.run(self.client.get_object_lock_configuration().bucket(bucket).send()).map_err(|e| {
            sdk_error(&format!("reading the Object Lock configuration of bucket {}", quote(bucket)), e, false)
        })?;
        let enabled = lock.object_lock_configuration().and_then(|c| c.object_lock_enabled());
        if enabled != Some(&ObjectLockEnabled::Enabled) {
            return Err(AnchorError::Refused(format!(
                "bucket {} at {} does not have Object Lock enabled (it can only be enabled when a bucket is \
                 created): use another bucket",
                quote(bucket),
                quote(&self.config.endpoint)
            )));
        }
        Ok(())
    }

    /// Stores `statement` as a new object under COMPLIANCE retention until
    /// now + the configured retention, confirms the retention the store
    /// applied, and returns the receipt (checked with
    /// [`provedex_receipts::s3::verify`]). Each call writes a key of its own,
    /// never a second version of one: a store may re-date the version a new
    /// one displaces (versitygw does), and the receipt names its date.
    pub fn anchor(&self, statement: &str) -> Result<S3Receipt, AnchorError> {
        if statement.is_empty() || statement.len() > receipts::MAX_STATEMENT {
            return Err(AnchorError::Refused(format!(
                "a statement of {} bytes cannot be anchored (1 to {} bytes)",
                statement.len(),
                receipts::MAX_STATEMENT
            )));
        }
        let digest: [u8; 32] = Sha256::digest(statement.as_bytes()).into();
        let sha256 = hex::encode(&digest);
        let unique: [u8; 8] = crate::random_bytes()?;
        let key = format!("{}{sha256}/{}", self.config.key_prefix, hex::encode(&unique));
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let until = now.saturating_add(self.config.retention);
        // Whole seconds, rounded up, so the date sent is the date stored.
        let retain_until = i64::try_from(until.as_secs() + u64::from(until.subsec_nanos() > 0)).unwrap_or(i64::MAX);
        let bucket = &self.config.bucket;
        let where_ = format!("object {} of bucket {}", quote(&key), quote(bucket));

        let put = self
            .run(
                self.client
                    .put_object()
                    .bucket(bucket)
                    .key(&key)
                    .body(ByteStream::from(statement.as_bytes().to_vec()))
                    .content_length(statement.len() as i64)
                    .content_type("application/json")
                    // S3 requires an integrity header on a put with lock headers.
                    .checksum_sha256(base64::encode(&digest))
                    .object_lock_mode(ObjectLockMode::Compliance)
                    .object_lock_retain_until_date(DateTime::from_secs(retain_until))
                    .send(),
            )
            .map_err(|e| sdk_error(&format!("storing {where_}"), e, false))?;
        let version_id = put.version_id().filter(|v| !v.is_empty() && *v != "null").ok_or_else(|| {
            AnchorError::Mismatch(format!(
                "the store gave no version id for {where_}: is versioning (and Object Lock) enabled on the bucket?"
            ))
        })?;
        if let Some(echoed) = put.checksum_sha256()
            && echoed != base64::encode(&digest)
        {
            return Err(AnchorError::Mismatch(format!(
                "the store reports SHA-256 {} for {where_}, not the statement's",
                quote(echoed)
            )));
        }

        let head = self
            .run(self.client.head_object().bucket(bucket).key(&key).version_id(version_id).send())
            .map_err(|e| sdk_error(&format!("reading back version {} of {where_}", quote(version_id)), e, false))?;
        if head.version_id() != Some(version_id) {
            return Err(AnchorError::Mismatch(format!(
                "asked for version {} of {where_}, the store answered with version {}",
                quote(version_id),
                quote(head.version_id().unwrap_or("(none)"))
            )));
        }
        let retention =
            self.retention(&key, version_id, &format!("version {} of {where_}", quote(version_id)), false)?;
        if head.content_length() != Some(statement.len() as i64) {
            return Err(AnchorError::Mismatch(format!(
                "version {} of {where_} is {:?} bytes long, the statement {}",
                quote(version_id),
                head.content_length(),
                statement.len()
            )));
        }
        let stored_at = head.last_modified().map(DateTime::secs).ok_or_else(|| {
            AnchorError::Mismatch(format!("the store gave no Last-Modified for version {}", quote(version_id)))
        })?;
        if retention != retain_until {
            return Err(AnchorError::Mismatch(format!(
                "version {} of {where_} is retained until {}, not until {} as sent",
                quote(version_id),
                provedex_format::utc::utc_seconds(retention),
                provedex_format::utc::utc_seconds(retain_until)
            )));
        }

        let receipt = S3Receipt {
            statement: statement.to_owned(),
            endpoint: self.config.endpoint.clone(),
            bucket: bucket.clone(),
            key,
            version_id: version_id.to_owned(),
            mode: COMPLIANCE.to_owned(),
            retain_until: retention,
            stored_at,
            sha256,
        };
        receipts::verify(&receipt)
            .map_err(|e| AnchorError::Mismatch(format!("the new receipt does not verify: {e}")))?;
        Ok(receipt)
    }

    /// Checks `receipt` against the store: the offline checks, then that this
    /// anchor's store and bucket are the receipt's, that the version it names
    /// exists and its body is the statement, and that it is under COMPLIANCE
    /// retention until no earlier than the receipt's date. A store that
    /// answers otherwise is [`AnchorError::Mismatch`].
    pub fn check_online(&self, receipt: &S3Receipt) -> Result<S3Checked, AnchorError> {
        let verified =
            receipts::verify(receipt).map_err(|e| AnchorError::Mismatch(format!("offline check failed: {e}")))?;
        if receipt.endpoint != self.config.endpoint || receipt.bucket != self.config.bucket {
            return Err(AnchorError::Mismatch(format!(
                "the receipt names bucket {} at {}, this anchor reads bucket {} at {}",
                quote(&receipt.bucket),
                quote(&receipt.endpoint),
                quote(&self.config.bucket),
                quote(&self.config.endpoint)
            )));
        }
        let key = &receipt.key;
        let version_id = &receipt.version_id;
        let where_ =
            format!("version {} of object {} of bucket {}", quote(version_id), quote(key), quote(&receipt.bucket));

        let get = self
            .run(self.client.get_object().bucket(&receipt.bucket).key(key).version_id(version_id).send())
            .map_err(|e| sdk_error(&format!("reading {where_}"), e, true))?;
        if get.version_id() != Some(version_id.as_str()) {
            return Err(AnchorError::Mismatch(format!(
                "asked for {where_}, the store answered with version {}",
                quote(get.version_id().unwrap_or("(none)"))
            )));
        }
        let stored_at = get.last_modified().map(DateTime::secs);
        if stored_at != Some(receipt.stored_at) {
            return Err(AnchorError::Mismatch(format!(
                "{where_} was stored at {}, the receipt says {}",
                stored_at.map_or("(no date)".to_owned(), provedex_format::utc::utc_seconds),
                provedex_format::utc::utc_seconds(receipt.stored_at)
            )));
        }
        let body = self.read_capped(get.body, receipts::MAX_STATEMENT, &where_)?;
        let body_sha256: [u8; 32] = Sha256::digest(&body).into();
        if body_sha256 != verified.digest {
            return Err(AnchorError::Mismatch(format!(
                "{where_} holds {} bytes with SHA-256 {}…, not the statement (SHA-256 {}…)",
                body.len(),
                &hex::encode(&body_sha256)[..16],
                &receipt.sha256[..16]
            )));
        }
        let retain_until = self.retention(key, version_id, &where_, true)?;
        if retain_until < receipt.retain_until {
            return Err(AnchorError::Mismatch(format!(
                "{where_} is retained until {}, earlier than the receipt's {}",
                provedex_format::utc::utc_seconds(retain_until),
                provedex_format::utc::utc_seconds(receipt.retain_until)
            )));
        }
        Ok(S3Checked { verified, body_sha256, retain_until })
    }

    /// The version's retention end (GetObjectRetention), after checking that
    /// its mode is COMPLIANCE. versitygw v1.8.0 answers with an
    /// `<ObjectLockRetention>` document where S3 (and the SDK's parser) has
    /// `<Retention>`; such an answer is read from the raw response. (Its
    /// HeadObject, which carries the same facts in `x-amz-object-lock-*`
    /// headers, leaves them out for a version that is not the latest.)
    fn retention(&self, key: &str, version_id: &str, where_: &str, check: bool) -> Result<i64, AnchorError> {
        let call = self
            .run(self.client.get_object_retention().bucket(&self.config.bucket).key(key).version_id(version_id).send());
        let doing = format!("reading the retention of {where_}");
        let (mode, until) = match call {
            Ok(out) => {
                let retention = out.retention();
                (
                    retention.and_then(|r| r.mode()).map(|m| m.as_str().to_owned()),
                    retention.and_then(|r| r.retain_until_date()).map(DateTime::secs),
                )
            }
            Err(SdkError::ServiceError(e)) if e.raw().status().is_success() => {
                let body = e.raw().body().bytes().unwrap_or_default();
                parse_retention(body).map_err(|why| {
                    AnchorError::Mismatch(format!("{doing}: the answer is not an S3 retention document: {why}"))
                })?
            }
            Err(SdkError::ServiceError(e)) if e.err().code() == Some("NoSuchObjectLockConfiguration") => {
                return Err(AnchorError::Mismatch(format!("{where_} has no retention (Object Lock) at all")));
            }
            Err(e) => return Err(sdk_error(&doing, e, check)),
        };
        if mode.as_deref() != Some(COMPLIANCE) {
            return Err(AnchorError::Mismatch(format!(
                "{where_} is not under COMPLIANCE retention (mode {})",
                quote(mode.as_deref().unwrap_or("(none)"))
            )));
        }
        until.ok_or_else(|| AnchorError::Mismatch(format!("{where_} has a retention without a date")))
    }

    /// The body, refused when longer than `cap` bytes.
    fn read_capped(&self, mut body: ByteStream, cap: usize, where_: &str) -> Result<Vec<u8>, AnchorError> {
        self.runtime.block_on(async {
            let mut out = Vec::new();
            loop {
                match body.try_next().await {
                    Ok(Some(chunk)) => {
                        if out.len() + chunk.len() > cap {
                            return Err(AnchorError::Mismatch(format!(
                                "{where_} is longer than any statement ({cap} bytes)"
                            )));
                        }
                        out.extend_from_slice(&chunk);
                    }
                    Ok(None) => return Ok(out),
                    Err(e) => {
                        return Err(AnchorError::Unreachable(format!("reading {where_}: {}", DisplayErrorContext(&e))));
                    }
                }
            }
        })
    }

    fn run<F: Future>(&self, call: F) -> F::Output {
        self.runtime.block_on(call)
    }
}

/// The store's answer as an [`AnchorError`]: no answer (or none in time) is
/// `Unreachable`, an S3 error `Refused` with its status, code and message,
/// an answer that is no S3 response `Mismatch`. In an online check
/// (`check`), every parameter comes from the receipt, so a 400 or 404 (no
/// such key or version, an invalid version id) is evidence that does not
/// verify: `Mismatch`.
fn sdk_error<E>(doing: &str, error: SdkError<E, HttpResponse>, check: bool) -> AnchorError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let status = error.raw_response().map(|r| r.status().as_u16());
    let status_text = status.map_or("?".to_owned(), |s| s.to_string());
    match &error {
        SdkError::TimeoutError(_) => AnchorError::Unreachable(format!("{doing}: no answer in time")),
        SdkError::DispatchFailure(failure) if failure.is_timeout() => {
            AnchorError::Unreachable(format!("{doing}: no answer in time ({})", DisplayErrorContext(&error)))
        }
        SdkError::DispatchFailure(_) => {
            AnchorError::Unreachable(format!("{doing}: the store cannot be reached: {}", DisplayErrorContext(&error)))
        }
        SdkError::ServiceError(service) => {
            let e = service.err();
            let answered = format!(
                "{doing}: the store answered HTTP {status_text} {}: {}",
                e.code().map_or("(no code)".to_owned(), quote),
                e.message().map_or("(no message)".to_owned(), quote)
            );
            if check && matches!(status, Some(400 | 404)) {
                AnchorError::Mismatch(format!("{answered} (the store does not hold the version the receipt names)"))
            } else {
                AnchorError::Refused(answered)
            }
        }
        SdkError::ResponseError(_) => AnchorError::Mismatch(format!(
            "{doing}: the answer (HTTP {status_text}) is not an S3 response: {}",
            DisplayErrorContext(&error)
        )),
        _ => AnchorError::Refused(format!("{doing}: {}", DisplayErrorContext(&error))),
    }
}

/// Mode and retain-until date of a retention document (`<Retention>` as S3
/// has it, or `<ObjectLockRetention>` as versitygw writes it): a document of
/// a few hundred bytes, so the two elements are looked up as text.
fn parse_retention(body: &[u8]) -> Result<(Option<String>, Option<i64>), String> {
    if body.len() > 4096 {
        return Err(format!("{} bytes, more than a retention document", body.len()));
    }
    let text = std::str::from_utf8(body).map_err(|_| "not UTF-8".to_owned())?;
    let mut start = text.trim_start();
    if let Some(rest) = start.strip_prefix("<?xml") {
        start = rest.split_once("?>").map_or("", |(_, rest)| rest.trim_start());
    }
    if !["<Retention", "<ObjectLockRetention"].iter().any(|root| start.starts_with(root)) {
        return Err(format!("its root is not <Retention> but {}", quote(start)));
    }
    let element = |name: &str| -> Option<String> {
        let open = format!("<{name}>");
        let close = format!("</{name}>");
        let from = start.find(&open)? + open.len();
        let len = start[from..].find(&close)?;
        Some(start[from..from + len].trim().to_owned())
    };
    let until = match element("RetainUntilDate") {
        None => None,
        Some(date) => Some(
            DateTime::from_str(&date, aws_sdk_s3::primitives::DateTimeFormat::DateTime)
                .map_err(|e| format!("RetainUntilDate {}: {e}", quote(&date)))?
                .secs(),
        ),
    };
    Ok((element("Mode"), until))
}

#[cfg(test)]
mod tests {
    #[test]
    fn retention_documents_of_s3_and_of_versitygw_are_read() {
        let s3 = br#"<?xml version="1.0" encoding="UTF-8"?>
<Retention xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Mode>COMPLIANCE</Mode><RetainUntilDate>2026-12-03T17:25:50Z</RetainUntilDate></Retention>"#;
        let vgw = br#"<?xml version="1.0" encoding="UTF-8"?>
<ObjectLockRetention><Mode>GOVERNANCE</Mode><RetainUntilDate>2026-12-03T17:25:50.123Z</RetainUntilDate></ObjectLockRetention>"#;
        // 2026-12-03T17:25:50Z = 1_796_318_750 (`date -u -d 2026-12-03T17:25:50Z +%s`).
        assert_eq!(super::parse_retention(s3).unwrap(), (Some("COMPLIANCE".into()), Some(1_796_318_750)));
        assert_eq!(super::parse_retention(vgw).unwrap(), (Some("GOVERNANCE".into()), Some(1_796_318_750)));
        assert_eq!(super::parse_retention(b"<Retention></Retention>").unwrap(), (None, None));
        let other = super::parse_retention(b"<Error><Mode>COMPLIANCE</Mode></Error>").unwrap_err();
        assert!(other.contains("root is not <Retention>"), "{other}");
        let bad_date = super::parse_retention(b"<Retention><RetainUntilDate>soon</RetainUntilDate></Retention>");
        assert!(bad_date.unwrap_err().contains("RetainUntilDate \"soon\""));
        assert!(super::parse_retention(&[b' '; 5000]).unwrap_err().contains("5000 bytes"));
        assert!(super::parse_retention(&[0xff, 0xfe]).is_err());
    }
}
