//! The S3 Object Lock anchor against a real versitygw (posix backend with
//! versioning), and the WORM guarantees its receipts rely on, shown with the
//! S3 SDK directly: a COMPLIANCE-locked version cannot be deleted, its
//! retention cannot be shortened and its mode cannot be downgraded.

use aws_sdk_s3::Client;
use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region, RequestChecksumCalculation};
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::primitives::{ByteStream, DateTime};
use aws_sdk_s3::types::{ObjectLockMode, ObjectLockRetention, ObjectLockRetentionMode};
use provedex_anchor::AnchorError;
use provedex_anchor::s3::{S3Anchor, S3Config};
use provedex_receipts::s3::{S3Receipt, verify};
use provedex_test_servers::versitygw::{self, VersitygwHandle};
use sha2::{Digest as _, Sha256};
use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const BUCKET: &str = "provedex-anchors";
const RETENTION: Duration = Duration::from_secs(3 * 86_400);

fn statement(name: &str) -> String {
    format!(
        r#"{{"made_nanos":1764590000000000000,"origin":"provedex-ledger/{name}","root":"{}","signature":"c2lnbmF0dXJl","tree_size":3}}"#,
        hex(&Sha256::digest(name.as_bytes()))
    )
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

fn config(gw: &VersitygwHandle, bucket: &str) -> S3Config {
    let mut config = S3Config::new(&gw.endpoint, &gw.region, bucket, &gw.access_key, &gw.secret_key);
    config.key_prefix = "anchors/".into();
    config.retention = RETENTION;
    config
}

/// A started versitygw and an anchor on a bucket with Object Lock.
fn setup() -> (tempfile::TempDir, VersitygwHandle, S3Anchor) {
    let dir = tempfile::tempdir().unwrap();
    let gw = versitygw::start(dir.path()).unwrap();
    let anchor = S3Anchor::new(config(&gw, BUCKET)).unwrap();
    anchor.ensure_bucket().unwrap();
    (dir, gw, anchor)
}

/// The S3 SDK on its own runtime, independent of the anchor's client.
fn sdk(gw: &VersitygwHandle) -> (tokio::runtime::Runtime, Client) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(&gw.endpoint)
        .region(Region::new(gw.region.clone()))
        .credentials_provider(Credentials::new(&gw.access_key, &gw.secret_key, None, None, "test"))
        .force_path_style(true)
        .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
        .build();
    (runtime, Client::from_conf(config))
}

/// HTTP status, S3 error code and message of a refused call.
fn refusal<E: ProvideErrorMetadata>(
    error: &aws_sdk_s3::error::SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
) -> (u16, String, String) {
    let status = error.raw_response().map(|r| r.status().as_u16()).expect("the server answered");
    let service = error.as_service_error().expect("an S3 error response");
    (status, service.code().unwrap_or("").to_owned(), service.message().unwrap_or("").to_owned())
}

/// The body of GetObjectRetention for a version, as the store sent it
/// (versitygw's root element is not the one the SDK's parser expects, so
/// the SDK hands it back inside an error).
fn raw_retention(rt: &tokio::runtime::Runtime, client: &Client, key: &str, version: &str) -> String {
    let call = rt.block_on(client.get_object_retention().bucket(BUCKET).key(key).version_id(version).send());
    match call {
        Ok(out) => {
            let r = out.retention().expect("a retention");
            format!(
                "<Mode>{}</Mode><RetainUntilDate>{}</RetainUntilDate>",
                r.mode().map_or("", |m| m.as_str()),
                r.retain_until_date().map_or(String::new(), |d| provedex_format::utc::utc_seconds(d.secs()))
            )
        }
        Err(e) => {
            let raw = e.raw_response().expect("an answer");
            assert_eq!(raw.status().as_u16(), 200, "{e:?}");
            String::from_utf8(raw.body().bytes().unwrap().to_vec()).unwrap()
        }
    }
}

#[test]
fn anchoring_stores_a_compliance_locked_version_and_its_receipt_verifies() {
    let (_dir, gw, anchor) = setup();
    let text = statement("anchored");
    let before = now();
    let receipt = anchor.anchor(&text).unwrap();
    let after = now();

    // The receipt, against values computed here.
    assert_eq!(receipt.statement, text);
    assert_eq!(receipt.sha256, hex(&Sha256::digest(text.as_bytes())));
    assert_eq!(receipt.endpoint, gw.endpoint);
    assert_eq!(receipt.bucket, BUCKET);
    let unique = receipt.key.strip_prefix(&format!("anchors/{}/", receipt.sha256)).expect("prefix, digest, /");
    assert!(unique.len() == 16 && unique.bytes().all(|b| b.is_ascii_hexdigit()), "{}", receipt.key);
    assert_eq!(receipt.mode, "COMPLIANCE");
    assert!(!receipt.version_id.is_empty() && receipt.version_id != "null");
    let retention = RETENTION.as_secs() as i64;
    assert!((before + retention..=after + retention + 1).contains(&receipt.retain_until), "{receipt:?}");
    assert!((before - 1..=after).contains(&receipt.stored_at), "{receipt:?}");

    // The store holds it, as seen by the SDK directly.
    let (rt, client) = sdk(&gw);
    let head = rt
        .block_on(client.head_object().bucket(BUCKET).key(&receipt.key).version_id(&receipt.version_id).send())
        .unwrap();
    assert_eq!(head.object_lock_mode().map(|m| m.as_str()), Some("COMPLIANCE"));
    assert_eq!(head.object_lock_retain_until_date().map(DateTime::secs), Some(receipt.retain_until));
    let body = rt
        .block_on(client.get_object().bucket(BUCKET).key(&receipt.key).version_id(&receipt.version_id).send())
        .unwrap()
        .body;
    let body = rt.block_on(body.collect()).unwrap().into_bytes();
    assert_eq!(&body[..], text.as_bytes());

    // Offline after a JSON round trip, and online.
    let json = serde_json::to_string(&receipt).unwrap();
    let back: S3Receipt = serde_json::from_str(&json).unwrap();
    assert_eq!(back, receipt);
    let verified = verify(&back).unwrap();
    assert_eq!(hex(&verified.digest), receipt.sha256);
    assert!(verified.describe().contains("COMPLIANCE retention"), "{}", verified.describe());
    let checked = anchor.check_online(&back).unwrap();
    assert_eq!(checked.retain_until, receipt.retain_until);
    assert_eq!(hex(&checked.body_sha256), receipt.sha256);
    eprintln!("{}", checked.describe());

    // The store checks the SHA-256 the anchor sends with the body.
    let wrong = rt.block_on(
        client
            .put_object()
            .bucket(BUCKET)
            .key("anchors/checksum")
            .body(ByteStream::from_static(b"body"))
            .checksum_sha256("2SmKENGwc1g33EvYXaxkGw887yekfl1TpU8vP1svz/o=") // SHA-256 of "other"
            .send(),
    );
    let wrong = refusal(&wrong.expect_err("a body with a wrong SHA-256 was stored"));
    assert_eq!((wrong.0, wrong.1.as_str()), (400, "BadDigest"));

    // The same statement anchored again, in a later second, is a new object:
    // no version is written over another, whose Last-Modified a store may
    // then change (versitygw does), and the first receipt still checks out.
    std::thread::sleep(Duration::from_millis(1100));
    let again = anchor.anchor(&text).unwrap();
    assert_ne!(again.key, receipt.key);
    assert!(again.stored_at > receipt.stored_at, "{again:?}");
    anchor.check_online(&again).unwrap();
    anchor.check_online(&receipt).unwrap();

    // ensure_bucket on the existing bucket changes nothing.
    anchor.ensure_bucket().unwrap();
}

// Pins: AN-7.
#[test]
fn a_tampered_receipt_fails_offline_with_a_specific_message() {
    let (_dir, _gw, anchor) = setup();
    let receipt = anchor.anchor(&statement("tampered")).unwrap();
    let other = anchor.anchor(&statement("other")).unwrap();
    verify(&receipt).unwrap();
    type Tamper = fn(&mut S3Receipt, &S3Receipt);
    let cases: [(Tamper, &str); 6] = [
        (|r, _| r.sha256 = hex(&Sha256::digest(b"something else")), "is not the SHA-256 of the statement"),
        (|r, _| r.statement.push(' '), "is not the SHA-256 of the statement"),
        // A receipt of another statement with this one's digest.
        (|r, o| r.statement = o.statement.clone(), "is not the SHA-256 of the statement"),
        (|r, _| r.mode = "GOVERNANCE".into(), "GOVERNANCE retention can be bypassed"),
        (|r, _| r.mode = "NONE".into(), "only COMPLIANCE is accepted"),
        (|r, _| r.retain_until = r.stored_at - 1, "not after the version was stored"),
    ];
    for (tamper, expected) in cases {
        let mut bad = receipt.clone();
        tamper(&mut bad, &other);
        let json = serde_json::to_string(&bad).unwrap();
        let bad: S3Receipt = serde_json::from_str(&json).unwrap();
        let message = verify(&bad).unwrap_err().to_string();
        assert!(message.contains(expected), "expected {expected:?} in {message:?}");
        // The online check runs the offline checks first.
        match anchor.check_online(&bad) {
            Err(AnchorError::Mismatch(why)) => assert!(why.contains(expected), "{why}"),
            other => panic!("expected a mismatch, got {other:?}"),
        }
    }
    // An unknown member is refused when read.
    let mut value = serde_json::to_value(&receipt).unwrap();
    value["legal_hold"] = serde_json::json!(true);
    assert!(serde_json::from_value::<S3Receipt>(value).is_err());
}

// Pins: AN-8.
#[test]
fn the_online_check_fails_for_another_version_a_later_date_or_another_store() {
    let (_dir, gw, anchor) = setup();
    let receipt = anchor.anchor(&statement("online")).unwrap();
    anchor.check_online(&receipt).unwrap();
    // The other versions below are written over a key of their own: a version
    // they displaced would be re-dated by versitygw, and `receipt` must stay
    // true to the end.
    let displaced = anchor.anchor(&statement("displaced")).unwrap();

    // Another version of the same key, with other bytes, written with the SDK.
    let (rt, client) = sdk(&gw);
    let put = rt
        .block_on(
            client.put_object().bucket(BUCKET).key(&displaced.key).body(ByteStream::from_static(b"other bytes")).send(),
        )
        .unwrap();
    let other_version = put.version_id().unwrap().to_owned();
    assert_ne!(other_version, displaced.version_id);

    let mismatch = |bad: &S3Receipt, expected: &str| match anchor.check_online(bad) {
        Err(AnchorError::Mismatch(why)) => assert!(why.contains(expected), "expected {expected:?} in {why:?}"),
        other => panic!("expected a mismatch containing {expected:?}, got {other:?}"),
    };
    // The other version, with its own Last-Modified so that the body is what differs.
    let mut bad = displaced.clone();
    bad.version_id = other_version;
    let head =
        rt.block_on(client.head_object().bucket(BUCKET).key(&bad.key).version_id(&bad.version_id).send()).unwrap();
    bad.stored_at = head.last_modified().unwrap().secs();
    mismatch(&bad, "holds 11 bytes with SHA-256");

    // Versions holding the statement's very bytes, but under GOVERNANCE or with no retention.
    let governance = rt
        .block_on(
            client
                .put_object()
                .bucket(BUCKET)
                .key(&displaced.key)
                .body(ByteStream::from(displaced.statement.clone().into_bytes()))
                .object_lock_mode(ObjectLockMode::Governance)
                .object_lock_retain_until_date(DateTime::from_secs(displaced.retain_until))
                .send(),
        )
        .unwrap();
    let unlocked = rt
        .block_on(
            client
                .put_object()
                .bucket(BUCKET)
                .key(&displaced.key)
                .body(ByteStream::from(displaced.statement.clone().into_bytes()))
                .send(),
        )
        .unwrap();
    for (put, expected) in [(governance.version_id(), "mode \"GOVERNANCE\""), (unlocked.version_id(), "no retention")] {
        let mut bad = displaced.clone();
        bad.version_id = put.unwrap().to_owned();
        let head =
            rt.block_on(client.head_object().bucket(BUCKET).key(&bad.key).version_id(&bad.version_id).send()).unwrap();
        bad.stored_at = head.last_modified().unwrap().secs();
        mismatch(&bad, expected);
    }

    // A version id of the store's form (a ULID) that it never gave, and one not of its form.
    for version in ["01M8SA0000000000000000000Z", "no-such-version"] {
        let mut bad = receipt.clone();
        bad.version_id = version.into();
        mismatch(&bad, "does not hold the version");
    }

    let mut bad = receipt.clone();
    bad.retain_until += 86_400;
    verify(&bad).unwrap(); // offline, a later date cannot be told from the true one
    mismatch(&bad, "earlier than the receipt's");

    let mut bad = receipt.clone();
    bad.stored_at -= 3600;
    mismatch(&bad, "the receipt says");

    let mut bad = receipt.clone();
    bad.bucket = "another-bucket".into();
    mismatch(&bad, "the receipt names bucket \"another-bucket\"");

    // The true receipt still checks.
    anchor.check_online(&receipt).unwrap();
}

#[test]
fn the_store_refuses_to_delete_shorten_or_downgrade_a_locked_version() {
    let (_dir, gw, anchor) = setup();
    let text = statement("worm");
    let receipt = anchor.anchor(&text).unwrap();
    let (rt, client) = sdk(&gw);
    let (key, version) = (receipt.key.as_str(), receipt.version_id.as_str());

    // Deleting the version, even asking to bypass governance retention.
    let delete = rt.block_on(client.delete_object().bucket(BUCKET).key(key).version_id(version).send());
    let delete = refusal(&delete.expect_err("the locked version was deleted"));
    eprintln!("refused delete of the locked version: HTTP {} {} {:?}", delete.0, delete.1, delete.2);
    assert_eq!((delete.0, delete.1.as_str()), (403, "AccessDenied"));
    let bypass = rt.block_on(
        client.delete_object().bucket(BUCKET).key(key).version_id(version).bypass_governance_retention(true).send(),
    );
    let bypass = refusal(&bypass.expect_err("the locked version was deleted with a governance bypass"));
    eprintln!("refused delete with bypass-governance: HTTP {} {} {:?}", bypass.0, bypass.1, bypass.2);
    assert_eq!((bypass.0, bypass.1.as_str()), (403, "AccessDenied"));

    // Shortening the retention by a day.
    let shorter = ObjectLockRetention::builder()
        .mode(ObjectLockRetentionMode::Compliance)
        .retain_until_date(DateTime::from_secs(receipt.retain_until - 86_400))
        .build();
    let shorten = rt
        .block_on(client.put_object_retention().bucket(BUCKET).key(key).version_id(version).retention(shorter).send());
    let shorten = refusal(&shorten.expect_err("the retention was shortened"));
    eprintln!("refused shortening of the retention: HTTP {} {} {:?}", shorten.0, shorten.1, shorten.2);
    assert_eq!((shorten.0, shorten.1.as_str()), (403, "AccessDenied"));

    // COMPLIANCE to GOVERNANCE, same date, with and without the bypass.
    for bypass in [false, true] {
        let governance = ObjectLockRetention::builder()
            .mode(ObjectLockRetentionMode::Governance)
            .retain_until_date(DateTime::from_secs(receipt.retain_until))
            .build();
        let downgrade = rt.block_on(
            client
                .put_object_retention()
                .bucket(BUCKET)
                .key(key)
                .version_id(version)
                .retention(governance)
                .bypass_governance_retention(bypass)
                .send(),
        );
        let downgrade = refusal(&downgrade.expect_err("the mode was downgraded"));
        eprintln!(
            "refused COMPLIANCE→GOVERNANCE (bypass {bypass}): HTTP {} {} {:?}",
            downgrade.0, downgrade.1, downgrade.2
        );
        assert_eq!((downgrade.0, downgrade.1.as_str()), (403, "AccessDenied"));
    }

    // The receipt checks online while its version is the latest.
    anchor.check_online(&receipt).unwrap();

    // Lengthening is allowed: the refusals above are the lock's, not a broken call.
    let longer = ObjectLockRetention::builder()
        .mode(ObjectLockRetentionMode::Compliance)
        .retain_until_date(DateTime::from_secs(receipt.retain_until + 86_400))
        .build();
    rt.block_on(client.put_object_retention().bucket(BUCKET).key(key).version_id(version).retention(longer).send())
        .unwrap();
    let checked = anchor.check_online(&receipt).unwrap();
    assert_eq!(checked.retain_until, receipt.retain_until + 86_400);

    // Last, as it displaces the version, which versitygw then re-dates (the
    // receipt's online check would then fail on the date): a plain delete
    // (no version) only adds a delete marker, and the version stays.
    let marker = rt.block_on(client.delete_object().bucket(BUCKET).key(key).send()).unwrap();
    eprintln!("plain delete: delete marker {:?}, version {:?}", marker.delete_marker(), marker.version_id());

    // The version and its bytes are still there, under the retention last set.
    let get = rt.block_on(client.get_object().bucket(BUCKET).key(key).version_id(version).send()).unwrap();
    let body = rt.block_on(get.body.collect()).unwrap().into_bytes();
    assert_eq!(&body[..], text.as_bytes());
    let retention = raw_retention(&rt, &client, key, version);
    assert!(retention.contains("<Mode>COMPLIANCE</Mode>"), "{retention}");
    let until = format!(
        "<RetainUntilDate>{}</RetainUntilDate>",
        provedex_format::utc::utc_seconds(receipt.retain_until + 86_400)
    );
    assert!(retention.contains(&until), "{retention}");
}

#[test]
fn a_bucket_without_object_lock_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let gw = versitygw::start(dir.path()).unwrap();
    let (rt, client) = sdk(&gw);
    rt.block_on(client.create_bucket().bucket("plain-bucket").send()).unwrap();
    let anchor = S3Anchor::new(config(&gw, "plain-bucket")).unwrap();
    match anchor.ensure_bucket() {
        Err(AnchorError::Refused(why)) => assert!(why.contains("Object Lock"), "{why}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    match anchor.anchor(&statement("plain")) {
        Err(AnchorError::Refused(why)) => assert!(why.contains("storing object"), "{why}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn wrong_credentials_are_refused_and_never_shown() {
    let dir = tempfile::tempdir().unwrap();
    let gw = versitygw::start(dir.path()).unwrap();
    let mut config = config(&gw, BUCKET);
    config.secret_key = "WRONG-secret-0123456789abcdefghijklmnop".into();
    let anchor = S3Anchor::new(config).unwrap();
    let shown = format!("{anchor:?}");
    assert!(
        !shown.contains("WRONG-secret") && !shown.contains(&gw.access_key) && shown.contains("<hidden>"),
        "{shown}"
    );
    match anchor.ensure_bucket() {
        Err(AnchorError::Refused(why)) => {
            assert!(why.contains("HTTP 403"), "{why}");
            assert!(!why.contains("WRONG-secret") && !why.contains(&gw.secret_key), "{why}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_stopped_store_is_unreachable_promptly() {
    let (_dir, gw, anchor) = setup();
    let receipt = anchor.anchor(&statement("stopped")).unwrap();
    gw.server.stop();
    let started = Instant::now();
    match anchor.anchor(&statement("stopped-2")) {
        Err(AnchorError::Unreachable(why)) => assert!(why.contains("cannot be reached"), "{why}"),
        other => panic!("expected unreachable, got {other:?}"),
    }
    assert!(matches!(anchor.check_online(&receipt), Err(AnchorError::Unreachable(_))));
    assert!(matches!(anchor.ensure_bucket(), Err(AnchorError::Unreachable(_))));
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
}

#[test]
fn a_silent_store_times_out_and_a_store_answering_nonsense_is_a_mismatch() {
    // Accepts connections and never answers.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let mut config = S3Config::new(&format!("http://127.0.0.1:{port}"), "us-east-1", BUCKET, "ak", "sk");
    config.call_timeout = Duration::from_secs(1);
    let anchor = S3Anchor::new(config).unwrap();
    let started = Instant::now();
    match anchor.anchor(&statement("silent")) {
        Err(AnchorError::Unreachable(why)) => assert!(why.contains("no answer in time"), "{why}"),
        other => panic!("expected unreachable, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(4), "took {:?}", started.elapsed());
    drop(silent);

    // Answers 200 with no body and no headers to everything.
    let liar = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = liar.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in liar.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut buf = [0u8; 65536];
            let _ = stream.set_read_timeout(Some(Duration::from_millis(300)));
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    });
    let anchor =
        S3Anchor::new(S3Config::new(&format!("http://127.0.0.1:{port}"), "us-east-1", BUCKET, "ak", "sk")).unwrap();
    match anchor.anchor(&statement("liar")) {
        Err(AnchorError::Mismatch(why)) => assert!(why.contains("no version id"), "{why}"),
        other => panic!("expected a mismatch, got {other:?}"),
    }
}
