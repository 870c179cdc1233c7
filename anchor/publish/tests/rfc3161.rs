//! RFC 3161 anchoring against Sigstore's timestamp-authority, run locally
//! with its in-memory signer, and each token cross-checked with `openssl ts
//! -verify`. The server binds the fixed metrics port 2112, so the tests take
//! turns (the servers crate holds a lock while a server runs).

use provedex_anchor::AnchorError;
use provedex_anchor::tsa::TsaAnchor;
use provedex_format::base64;
use provedex_receipts::rfc3161::{self, Rfc3161Receipt, Rfc3161Trust};
use provedex_test_servers::tsa;
use sha2::{Digest as _, Sha256};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn statement(tag: &str, size: u64) -> String {
    let root = provedex_format::hex::encode(&Sha256::digest(tag.as_bytes()));
    format!(
        r#"{{"made_nanos":{},"origin":"provedex-ledger/{tag}","root":"{root}","signature":"{}","tree_size":{size}}}"#,
        1_700_000_000_000_000_000u64 + size,
        "ab".repeat(64)
    )
}

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

/// Runs openssl; (whether it succeeded, stdout and stderr).
fn openssl(args: &[&str], dir: &Path) -> (bool, String) {
    let out = Command::new("openssl").args(args).current_dir(dir).output().expect("openssl runs");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

/// The TSA's chain fetched apart from the client, split into PEM files by
/// text and turned into DER by openssl: (leaf.pem, untrusted.pem (all but
/// the root), root.pem, root DER).
fn fetch_chain(url: &str, dir: &Path) -> Vec<u8> {
    let pem =
        ureq::get(&format!("{url}/api/v1/timestamp/certchain")).call().unwrap().body_mut().read_to_string().unwrap();
    let blocks: Vec<String> = pem
        .split_inclusive("-----END CERTIFICATE-----")
        .map(|b| b.trim().to_owned())
        .filter(|b| !b.is_empty())
        .collect();
    assert_eq!(blocks.len(), 3, "the memory signer serves leaf, intermediate and root:\n{pem}");
    std::fs::write(dir.join("root.pem"), format!("{}\n", blocks[2])).unwrap();
    std::fs::write(dir.join("untrusted.pem"), format!("{}\n{}\n", blocks[0], blocks[1])).unwrap();
    let (ok, text) = openssl(&["x509", "-in", "root.pem", "-outform", "DER", "-out", "root.der"], dir);
    assert!(ok, "{text}");
    std::fs::read(dir.join("root.der")).unwrap()
}

fn token_of(receipt: &Rfc3161Receipt) -> Vec<u8> {
    base64::decode(&receipt.token).unwrap()
}

fn with_token(receipt: &Rfc3161Receipt, token: &[u8]) -> Rfc3161Receipt {
    Rfc3161Receipt { token: base64::encode(token), ..receipt.clone() }
}

fn fails_with(receipt: &Rfc3161Receipt, trust: &Rfc3161Trust, words: &str) {
    match rfc3161::verify(receipt, trust) {
        Ok(v) => panic!("a receipt that should fail with `{words}` verified: {v:?}"),
        Err(e) => assert!(e.0.contains(words), "expected `{words}` in: {e}"),
    }
}

/// The position of `needle` in `hay` (once).
fn find(hay: &[u8], needle: &[u8]) -> usize {
    let at: Vec<usize> = hay.windows(needle.len()).enumerate().filter(|(_, w)| *w == needle).map(|(i, _)| i).collect();
    assert_eq!(at.len(), 1, "expected exactly one occurrence");
    at[0]
}

#[test]
fn a_timestamp_verifies_offline_after_a_json_round_trip_and_openssl_agrees() {
    let dir = tempfile::tempdir().unwrap();
    let server = tsa::start(dir.path()).unwrap();
    let root = fetch_chain(&server.url, dir.path());
    let text = statement("openssl-agrees", 3);

    let before = now();
    let receipt = TsaAnchor::new(&server.url).with_roots(vec![root.clone()]).anchor(&text).unwrap();
    let after = now();
    assert_eq!(receipt.statement, text);
    assert_eq!(receipt.chain.len(), 3);
    assert_eq!(receipt.nonce.len(), 32, "a 16-byte nonce");

    let json = serde_json::to_string(&receipt).unwrap();
    let back: Rfc3161Receipt = serde_json::from_str(&json).unwrap();
    assert_eq!(back, receipt);
    let pinned = Rfc3161Trust { roots: vec![root.clone()] };
    let verified = rfc3161::verify(&back, &pinned).unwrap();
    assert!(verified.root_pinned);
    assert!(before - 2 <= verified.gen_time && verified.gen_time <= after + 2, "{verified:?} vs {before}..{after}");
    assert_eq!(verified.policy, "1.3.6.1.4.1.57264.2", "Sigstore's default TSA policy");
    assert!(verified.tsa_name.contains("Test TSA Timestamping"), "{}", verified.tsa_name);
    assert!(verified.describe().contains("under a pinned root"), "{}", verified.describe());

    // The root fingerprint and the serial number as openssl reads them.
    let (ok, fingerprint) = openssl(&["x509", "-in", "root.pem", "-noout", "-fingerprint", "-sha256"], dir.path());
    assert!(ok, "{fingerprint}");
    let fingerprint = fingerprint.trim().rsplit('=').next().unwrap().replace(':', "").to_lowercase();
    assert_eq!(verified.root_sha256, fingerprint);
    std::fs::write(dir.path().join("token.der"), token_of(&receipt)).unwrap();
    std::fs::write(dir.path().join("statement.txt"), &text).unwrap();
    let (ok, printed) = openssl(&["ts", "-reply", "-token_in", "-in", "token.der", "-text"], dir.path());
    assert!(ok, "{printed}");
    let serial = printed.lines().find_map(|l| l.strip_prefix("Serial number: 0x")).unwrap().to_lowercase();
    assert_eq!(verified.serial.trim_start_matches('0'), serial.trim_start_matches('0'));
    let nonce = printed.lines().find_map(|l| l.strip_prefix("Nonce: 0x")).unwrap().to_lowercase();
    assert_eq!(nonce.trim_start_matches('0'), receipt.nonce.trim_start_matches('0'));

    // openssl verifies the same token: imprint, signature, ESS binding, EKU, chain to root.pem.
    let verify = |token: &str, data: &str| {
        openssl(
            &[
                "ts",
                "-verify",
                "-in",
                token,
                "-token_in",
                "-data",
                data,
                "-CAfile",
                "root.pem",
                "-untrusted",
                "untrusted.pem",
            ],
            dir.path(),
        )
    };
    let (ok, said) = verify("token.der", "statement.txt");
    assert!(ok && said.contains("Verification: OK"), "openssl: {said}");

    // openssl reads the request the client sends as meant: SHA-256 of the statement, the nonce, certReq.
    let digest = provedex_receipts::statement_digest(&text);
    std::fs::write(dir.path().join("request.der"), rfc3161::request(&digest, &[0x80, 0, 7])).unwrap();
    let (ok, printed) = openssl(&["ts", "-query", "-in", "request.der", "-text"], dir.path());
    assert!(ok, "{printed}");
    for line in ["Version: 1", "Hash Algorithm: sha256", "Nonce: 0x800007", "Certificate required: yes"] {
        assert!(printed.contains(line), "`{line}` not in:\n{printed}");
    }
    let imprint: String = printed
        .lines()
        .filter(|l| l.trim_start().starts_with("00"))
        .flat_map(|l| l.split(" - ").nth(1).unwrap()[..47].split([' ', '-']).map(str::to_owned).collect::<Vec<_>>())
        .collect();
    assert_eq!(imprint, provedex_format::hex::encode(&digest));

    // Without a pinned root every check still runs, and the result says so.
    let unpinned = rfc3161::verify(&receipt, &Rfc3161Trust::default()).unwrap();
    assert!(!unpinned.root_pinned);
    assert_eq!(unpinned.root_sha256, verified.root_sha256);
    assert!(unpinned.describe().contains("NOT pinned"), "{}", unpinned.describe());

    // A flipped byte in the signature: both refuse.
    let mut token = token_of(&receipt);
    let last = token.len() - 1;
    token[last] ^= 0x01;
    std::fs::write(dir.path().join("tampered.der"), &token).unwrap();
    let (ok, said) = verify("tampered.der", "statement.txt");
    assert!(!ok && !said.contains("Verification: OK"), "openssl accepted a flipped signature: {said}");
    fails_with(&with_token(&receipt, &token), &pinned, "CMS signature does not verify");

    // Another statement: both refuse.
    std::fs::write(dir.path().join("other.txt"), statement("openssl-agrees", 4)).unwrap();
    let (ok, said) = verify("token.der", "other.txt");
    assert!(!ok && !said.contains("Verification: OK"), "openssl accepted another statement: {said}");
    let other = Rfc3161Receipt { statement: statement("openssl-agrees", 4), ..receipt.clone() };
    fails_with(&other, &pinned, "the token is for another statement");
}

// Pins: AN-4.
#[test]
fn each_tampering_of_a_receipt_fails_with_the_check_that_catches_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = tsa::start(dir.path()).unwrap();
    let root = fetch_chain(&server.url, dir.path());
    let text = statement("tampering", 5);
    let receipt = TsaAnchor::new(&server.url).anchor(&text).unwrap();
    drop(server);
    let trust = Rfc3161Trust { roots: vec![root] };
    rfc3161::verify(&receipt, &trust).unwrap();
    let token = token_of(&receipt);

    // The statement, the nonce.
    fails_with(&Rfc3161Receipt { statement: format!("{text} "), ..receipt.clone() }, &trust, "another statement");
    let mut nonce = receipt.nonce.clone().into_bytes();
    nonce[31] = if nonce[31] == b'0' { b'1' } else { b'0' };
    let wrong_nonce = Rfc3161Receipt { nonce: String::from_utf8(nonce).unwrap(), ..receipt.clone() };
    fails_with(&wrong_nonce, &trust, "is not the receipt's nonce");
    fails_with(&Rfc3161Receipt { nonce: format!("00{}", receipt.nonce), ..receipt.clone() }, &trust, "leading zero");
    fails_with(&Rfc3161Receipt { nonce: receipt.nonce.to_uppercase(), ..receipt.clone() }, &trust, "lowercase hex");

    // The TSTInfo altered (a digit of genTime): the signed messageDigest no longer matches.
    let gen_time = find(&token, &[0x18, 0x0f]) + 2 + 13; // the seconds' last digit of YYYYMMDDHHMMSSZ
    let mut altered = token.clone();
    altered[gen_time] = if altered[gen_time] == b'0' { b'1' } else { b'0' };
    fails_with(&with_token(&receipt, &altered), &trust, "messageDigest attribute is not the digest of the TSTInfo");

    // A certificate inside the token (unsigned by the CMS signature) changed.
    let leaf = base64::decode(&receipt.chain[0]).unwrap();
    let at = find(&token, &leaf);
    let mut altered = token.clone();
    altered[at + leaf.len() - 3] ^= 0x01;
    fails_with(&with_token(&receipt, &altered), &trust, "is not byte for byte one of the chain's");

    // Truncated, or with bytes after it.
    fails_with(&with_token(&receipt, &token[..token.len() - 7]), &trust, "ContentInfo");
    fails_with(&with_token(&receipt, &[&token[..], &[0]].concat()), &trust, "after the token's ContentInfo");
    fails_with(&Rfc3161Receipt { token: format!("{}A", receipt.token), ..receipt.clone() }, &trust, "base64");

    // The chain: order, missing or extra certificates, another certificate as leaf.
    let mut chain = receipt.chain.clone();
    chain.swap(0, 1);
    fails_with(&Rfc3161Receipt { chain, ..receipt.clone() }, &trust, "the chain is not leaf first");
    let chain = receipt.chain[..2].to_vec();
    fails_with(&Rfc3161Receipt { chain, ..receipt.clone() }, &trust, "is not self-signed");
    let chain = vec![receipt.chain[0].clone(), receipt.chain[2].clone()];
    fails_with(&Rfc3161Receipt { chain, ..receipt.clone() }, &trust, "names an issuer other than chain certificate 1");
    let chain = receipt.chain[1..].to_vec();
    fails_with(
        &Rfc3161Receipt { chain: chain.clone(), ..receipt.clone() },
        &trust,
        "is not byte for byte one of the chain's",
    );
    let bare = with_token(&receipt, &strip_certificates(&token, &base64::decode(&receipt.chain[0]).unwrap()));
    rfc3161::verify(&bare, &trust).unwrap();
    fails_with(&Rfc3161Receipt { chain, ..bare }, &trust, "no certificate of the chain is the token's signer");
    let chain = [receipt.chain.clone(), vec![receipt.chain[2].clone()]].concat();
    fails_with(&Rfc3161Receipt { chain, ..receipt.clone() }, &trust, "chain certificate 3 repeats chain certificate 2");
    let mut chain = receipt.chain.clone();
    let mut intermediate = base64::decode(&chain[1]).unwrap();
    let end = intermediate.len() - 1;
    intermediate[end] ^= 0x01; // the intermediate's own signature
    chain[1] = base64::encode(&intermediate);
    fails_with(
        &Rfc3161Receipt { chain, ..receipt.clone() },
        &trust,
        "the signature of chain certificate 1 does not verify with the key of chain certificate 2",
    );
    fails_with(&Rfc3161Receipt { chain: vec![], ..receipt.clone() }, &trust, "the chain is empty");
    let chain = vec![receipt.chain[0].clone(); 9];
    fails_with(&Rfc3161Receipt { chain, ..receipt.clone() }, &trust, "more than the 8 allowed");
    let chain = vec![receipt.chain[0].clone(), "not base64!".into(), receipt.chain[2].clone()];
    fails_with(&Rfc3161Receipt { chain, ..receipt.clone() }, &trust, "chain certificate 1 is not valid base64");

    // Oversized members are refused before decoding.
    let big = Rfc3161Receipt { statement: "x".repeat(rfc3161::MAX_STATEMENT_BYTES + 1), ..receipt.clone() };
    fails_with(&big, &trust, "the statement holds");
    let big = Rfc3161Receipt { token: "A".repeat(rfc3161::MAX_TOKEN_CHARS + 4), ..receipt.clone() };
    fails_with(&big, &trust, "the token holds");

    // An unknown member does not parse.
    let mut json: serde_json::Value = serde_json::to_value(&receipt).unwrap();
    json["gen_time"] = 1.into();
    assert!(serde_json::from_value::<Rfc3161Receipt>(json).unwrap_err().to_string().contains("unknown field"));

    // Every single flipped bit and every truncation of the token fails, and nothing panics.
    for i in 0..token.len() {
        for bit in [0x01u8, 0x80] {
            let mut t = token.clone();
            t[i] ^= bit;
            assert!(
                rfc3161::verify(&with_token(&receipt, &t), &trust).is_err(),
                "flip 0x{bit:02x} at byte {i} verified"
            );
        }
        assert!(rfc3161::verify(&with_token(&receipt, &token[..i]), &trust).is_err(), "token cut at {i} verified");
    }
    // Bytes of each certificate flipped: always refused (a certificate is hashed, chained or compared whole).
    for c in 0..3 {
        let cert = base64::decode(&receipt.chain[c]).unwrap();
        for i in (0..cert.len()).step_by(3) {
            let mut altered = cert.clone();
            altered[i] ^= 0x01;
            let mut chain = receipt.chain.clone();
            chain[c] = base64::encode(&altered);
            let result = rfc3161::verify(&Rfc3161Receipt { chain, ..receipt.clone() }, &trust);
            assert!(result.is_err(), "certificate {c} with byte {i} flipped verified");
        }
    }
}

/// A fake TSA: answers every POST with `reply` (status, body) and every GET
/// with `chain_pem`. Returns its base URL.
fn fake_tsa(reply: (u16, Vec<u8>), chain_pem: String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                head.push(byte[0]);
            }
            let head = String::from_utf8_lossy(&head).to_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map(|n| n.trim().parse::<usize>().unwrap())
                .unwrap_or(0);
            let mut body = vec![0u8; length];
            let _ = stream.read_exact(&mut body);
            let (status, body) =
                if head.starts_with("post") { reply.clone() } else { (200, chain_pem.clone().into_bytes()) };
            let _ =
                write!(stream, "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            let _ = stream.write_all(&body);
        }
    });
    url
}

/// The token without its `certificates [0]` (only the leaf there), lengths
/// patched: ContentInfo, its [0] and the SignedData all use two-byte lengths.
fn strip_certificates(token: &[u8], leaf: &[u8]) -> Vec<u8> {
    let at = find(token, leaf) - 4;
    assert_eq!(&token[at..at + 2], &[0xa0, 0x82], "the certificates [0] with a two-byte length");
    let cut = 4 + leaf.len();
    let mut out = [&token[..at], &token[at + cut..]].concat();
    for (tag_at, tag) in [(0, 0x30), (15, 0xa0), (19, 0x30)] {
        assert_eq!(&out[tag_at..tag_at + 2], &[tag, 0x82]);
        let len = usize::from(out[tag_at + 2]) << 8 | usize::from(out[tag_at + 3]);
        let len = len - cut;
        out[tag_at + 2] = (len >> 8) as u8;
        out[tag_at + 3] = len as u8;
    }
    out
}

fn response_with(token: &[u8]) -> Vec<u8> {
    // TimeStampResp { status PKIStatusInfo { granted }, timeStampToken } (RFC 3161 §2.4.2), DER by hand.
    let body = [&[0x30, 0x03, 0x02, 0x01, 0x00][..], token].concat();
    let mut out = vec![0x30, 0x82, (body.len() >> 8) as u8, body.len() as u8];
    out.extend_from_slice(&body);
    out
}

#[test]
fn another_tsa_root_is_refused_a_replayed_or_refused_answer_is_caught_and_a_stopped_tsa_is_unreachable() {
    let dir_a = tempfile::tempdir().unwrap();
    let server_a = tsa::start(dir_a.path()).unwrap();
    let receipt_a = TsaAnchor::new(&server_a.url).anchor(&statement("run-a", 7)).unwrap();
    drop(server_a);
    let dir_b = tempfile::tempdir().unwrap();
    let server_b = tsa::start(dir_b.path()).unwrap();
    let receipt_b = TsaAnchor::new(&server_b.url).anchor(&statement("run-b", 8)).unwrap();
    let root_a = base64::decode(receipt_a.chain.last().unwrap()).unwrap();
    let root_b = base64::decode(receipt_b.chain.last().unwrap()).unwrap();
    assert_ne!(root_a, root_b, "each start of the memory signer makes a new root");

    // A receipt of run A under the root of run B, and with the chain of run B.
    let only_b = Rfc3161Trust { roots: vec![root_b.clone()] };
    fails_with(&receipt_a, &only_b, "is none of the 1 trusted roots");
    rfc3161::verify(&receipt_a, &Rfc3161Trust { roots: vec![root_b.clone(), root_a.clone()] }).unwrap();
    let crossed = Rfc3161Receipt { chain: receipt_b.chain.clone(), ..receipt_a.clone() };
    fails_with(&crossed, &only_b, "is not byte for byte one of the chain's");
    let token_a = token_of(&receipt_a);
    let leaf_a = base64::decode(&receipt_a.chain[0]).unwrap();
    let without_certs = strip_certificates(&token_a, &leaf_a);
    // Without the certificate inside the token, run A's token still verifies with run A's chain...
    rfc3161::verify(&with_token(&receipt_a, &without_certs), &Rfc3161Trust { roots: vec![root_a.clone()] }).unwrap();
    // ...and with run B's chain its signer is not found.
    let crossed = Rfc3161Receipt { chain: receipt_b.chain.clone(), ..with_token(&receipt_a, &without_certs) };
    fails_with(&crossed, &only_b, "no certificate of the chain is the token's signer");

    // The client pinned to run A's root refuses run B's TSA.
    let pinned_a = TsaAnchor::new(&server_b.url).with_roots(vec![root_a.clone()]);
    match pinned_a.anchor(&statement("run-b", 9)) {
        Err(AnchorError::Mismatch(why)) => assert!(why.contains("is none of the 1 trusted roots"), "{why}"),
        other => panic!("expected a mismatch, got {other:?}"),
    }

    // A stopped TSA: Unreachable, promptly.
    let url_b = server_b.url.clone();
    server_b.server.stop();
    let started = Instant::now();
    match TsaAnchor::new(&url_b).with_timeouts(Duration::from_secs(2), Duration::from_secs(5)).anchor("x") {
        Err(AnchorError::Unreachable(why)) => assert!(why.contains("did not answer"), "{why}"),
        other => panic!("expected Unreachable, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());

    // A TSA that answers with run A's token (another digest, another nonce).
    let chain_pem: String = receipt_a
        .chain
        .iter()
        .map(|c| provedex_format::pem::encode("CERTIFICATE", &base64::decode(c).unwrap()).to_string())
        .collect();
    let replay = fake_tsa((200, response_with(&token_a)), chain_pem.clone());
    match TsaAnchor::new(&replay).anchor(&statement("replayed", 1)) {
        Err(AnchorError::Mismatch(why)) => assert!(why.contains("the token is for another statement"), "{why}"),
        other => panic!("expected a mismatch, got {other:?}"),
    }
    // The same statement, but the nonce differs.
    match TsaAnchor::new(&replay).anchor(&receipt_a.statement) {
        Err(AnchorError::Mismatch(why)) => assert!(why.contains("is not the receipt's nonce"), "{why}"),
        other => panic!("expected a mismatch, got {other:?}"),
    }
    // The exact nonce of run A replayed through the fake gives back a receipt equal to A's, save the URL.
    let nonce = (0..receipt_a.nonce.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&receipt_a.nonce[i..i + 2], 16).unwrap())
        .collect::<Vec<u8>>();
    let again = TsaAnchor::new(&replay).anchor_with_nonce(&receipt_a.statement, &nonce).unwrap();
    assert_eq!(Rfc3161Receipt { tsa_url: receipt_a.tsa_url.clone(), ..again }, receipt_a);

    let rejected = fake_tsa((200, vec![0x30, 0x05, 0x30, 0x03, 0x02, 0x01, 0x02]), chain_pem.clone());
    match TsaAnchor::new(&rejected).anchor("x") {
        Err(AnchorError::Refused(why)) => assert!(why.contains("PKIStatus 2 (rejection)"), "{why}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    let failing = fake_tsa((500, b"internal error".to_vec()), chain_pem.clone());
    match TsaAnchor::new(&failing).anchor("x") {
        Err(AnchorError::Refused(why)) => assert!(why.contains("HTTP 500"), "{why}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    let garbage = fake_tsa((200, b"<html>hello</html>".to_vec()), chain_pem);
    match TsaAnchor::new(&garbage).anchor("x") {
        Err(AnchorError::Mismatch(why)) => assert!(why.contains("not a TimeStampResp"), "{why}"),
        other => panic!("expected a mismatch, got {other:?}"),
    }
    let huge = fake_tsa((200, vec![0x30; 100_000]), String::new());
    match TsaAnchor::new(&huge).anchor("x") {
        Err(AnchorError::Mismatch(why)) => assert!(why.contains("more than"), "{why}"),
        other => panic!("expected a mismatch, got {other:?}"),
    }
}
