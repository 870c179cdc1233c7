//! The Solana anchor. No Solana validator runs in the ordinary test command
//! (the only local one, solana-test-validator, takes about 40 minutes to
//! build); these tests cover the transaction's bytes against an independent
//! builder, the receipt's offline checks and the client's failure paths. The
//! run against a real validator is `#[ignore]`d and started by
//! `scripts/solana-validator.sh`.

use provedex_anchor::AnchorError;
use provedex_anchor::solana::{Commitment, SolanaAnchor, SolanaRpc, check_online, check_online_with};
use provedex_format::base64;
use provedex_receipts::solana::{
    MEMO_PROGRAM_ID, SolanaReceipt, SolanaTrust, base58_decode, base58_encode, memo_transaction,
    parse_legacy_transaction, payer_public_key, shortvec_encode, verify,
};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::Command;
use std::time::{Duration, Instant};

// The fixed vector. The seed is RFC 8032's TEST 1 secret key, whose public
// key RFC 8032 gives; the memo program's bytes are the base58 decoding of
// MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr (by a separate Python
// decoder); the digest is `printf %s "$STATEMENT" | sha256sum`; the
// signature and the whole transaction were computed by Python's standard
// library (field by field, from Solana's wire-format rules) with the
// signature made by `openssl pkeyutl -sign -rawin` (OpenSSL 3.0) over the
// message bytes.
const SEED: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
const PUBLIC_KEY: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
const PAYER_BASE58: &str = "FVen3X669xLzsi6N2V91DoiyzHzg1uAgqiT8jZ9nS96Z";
const MEMO_PROGRAM_BYTES: &str = "054a535a992921064d24e87160da387c7c35b5ddbc92bb81e41fa8404105448d";
const STATEMENT: &str =
    r#"{"made_nanos":1700000000000000000,"origin":"provedex-ledger/solana-vector","root":"aa","tree_size":3}"#;
const DIGEST: &str = "99007b87f5f1ea690488595977af5d4d5ec39dc57996c7cfe606e548406dfcbd";
const SIGNATURE: &str = "ac6a6045c823934eee7c340502398d7378dca84b9903177a3887b78c082916d2\
                         23fe48399599259b4b14d1b004396b1fadce0a30260653489bbe8812d2a7d503";
const TXID: &str = "4SwB8UPQB5qPyJNoET52LbSGecm2b2Nbo57YoBJw39KHwjYfwPE2VEgNVTVx47YPFnR24z7KD973KW7sxQF7UcVg";
const WIRE_BASE64: &str = "AaxqYEXII5NO7nw0BQI5jXN43KhLmQMXejiHt4wIKRbSI/5IOZWZJZtLFNGwBDlrH63OCjAmBlNIm76IEtKn1QMBAAEC\
                           11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURoFSlNamSkhBk0k6HFg2jh8fDW13bySu4HkH6hAQQVEjQECAwQF\
                           BgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gAQEAQDk5MDA3Yjg3ZjVmMWVhNjkwNDg4NTk1OTc3YWY1ZDRkNWVjMzlk\
                           YzU3OTk2YzdjZmU2MDZlNTQ4NDA2ZGZjYmQ=";

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len() / 2).map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).unwrap()).collect()
}

fn seed() -> [u8; 32] {
    unhex(SEED).try_into().unwrap()
}

fn blockhash() -> [u8; 32] {
    std::array::from_fn(|i| i as u8 + 1)
}

#[test]
fn a_fixed_seed_and_blockhash_give_the_known_transaction_bytes() {
    let wire = memo_transaction(&seed(), &blockhash(), STATEMENT);

    // The message, assembled here field by field from the wire format.
    let mut message = vec![
        1, // required signatures: the fee payer
        0, // read-only signed accounts
        1, // read-only unsigned accounts: the memo program
        2, // shortvec: two account keys
    ];
    message.extend(unhex(PUBLIC_KEY));
    message.extend(unhex(MEMO_PROGRAM_BYTES));
    message.extend(blockhash());
    message.extend([
        1,  // shortvec: one instruction
        1,  // program id index: the memo program
        0,  // shortvec: no accounts
        64, // shortvec: 64 data bytes
    ]);
    message.extend(DIGEST.as_bytes());
    let mut expected = vec![1]; // shortvec: one signature
    expected.extend(unhex(SIGNATURE));
    expected.extend(&message);

    assert_eq!(wire.len(), 1 + 64 + 3 + 1 + 64 + 32 + 4 + 64);
    assert_eq!(hex(&wire), hex(&expected));
    assert_eq!(base64::encode(&wire), WIRE_BASE64);
    assert_eq!(base64::decode(WIRE_BASE64).unwrap(), wire);
    assert_eq!(payer_public_key(&seed()).to_vec(), unhex(PUBLIC_KEY));
    assert_eq!(base58_encode(&unhex(PUBLIC_KEY)), PAYER_BASE58);
    assert_eq!(base58_encode(&unhex(SIGNATURE)), TXID);
    assert_eq!(base58_decode(MEMO_PROGRAM_ID).unwrap(), unhex(MEMO_PROGRAM_BYTES));

    let tx = parse_legacy_transaction(&wire).unwrap();
    assert_eq!(tx.message, message);
    assert_eq!(tx.header, [1, 0, 1]);
    assert_eq!(tx.recent_blockhash, blockhash());
    assert_eq!(tx.instructions.len(), 1);
    assert_eq!(tx.instructions[0].data, DIGEST.as_bytes());
}

/// Python's standard library builds the same transactions field by field, and
/// OpenSSL signs their messages, for other seeds, blockhashes (one with
/// leading zero bytes, which base58 writes as `1`s) and statements.
#[test]
fn an_independent_builder_agrees_on_other_seeds_blockhashes_and_statements() {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<([u8; 32], [u8; 32], String)> = (0..4u8)
        .map(|n| {
            let seed = std::array::from_fn(|i| (i as u8).wrapping_mul(37).wrapping_add(n * 11 + 5));
            let blockhash =
                std::array::from_fn(|i| if i < usize::from(n) { 0 } else { (i as u8) ^ n.wrapping_mul(90) });
            let statement = format!(
                r#"{{"made_nanos":{},"origin":"provedex-ledger/case-{n}","root":"{}","tree_size":{}}}"#,
                1_700_000_000_000_000_000u64 + u64::from(n),
                "ab".repeat(32),
                n as u64 * 1000 + 1
            ) + &"é".repeat(usize::from(n) * 40);
            (seed, blockhash, statement)
        })
        .collect();
    let mut input = String::new();
    for (i, (seed, blockhash, statement)) in cases.iter().enumerate() {
        let der = [unhex("302e020100300506032b657004220420"), seed.to_vec()].concat();
        let pem = format!("-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n", base64::encode(&der));
        let key = dir.path().join(format!("key{i}.pem"));
        std::fs::write(&key, pem).unwrap();
        input += &format!("{} {} {} {}\n", hex(seed), hex(blockhash), hex(statement.as_bytes()), key.display());
    }
    let script = r#"
import base64, hashlib, subprocess, sys, tempfile, os
A = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
def b58d(s):
    n = 0
    for c in s: n = n * 58 + A.index(c)
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return b"\0" * (len(s) - len(s.lstrip("1"))) + b
def b58e(b):
    n = int.from_bytes(b, "big"); s = ""
    while n: n, r = divmod(n, 58); s = A[r] + s
    return "1" * (len(b) - len(b.lstrip(b"\0"))) + s
memo_program = b58d("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr")
for line in sys.stdin:
    seed, blockhash, statement, key = line.split()
    der = subprocess.run(["openssl", "pkey", "-in", key, "-pubout", "-outform", "DER"], capture_output=True, check=True).stdout
    pub = der[-32:]
    memo = hashlib.sha256(bytes.fromhex(statement)).hexdigest().encode()
    msg = bytes([1, 0, 1, 2]) + pub + memo_program + bytes.fromhex(blockhash) + bytes([1, 1, 0, len(memo)]) + memo
    with tempfile.NamedTemporaryFile(delete=False) as f:
        f.write(msg)
    sig = subprocess.run(["openssl", "pkeyutl", "-sign", "-rawin", "-inkey", key, "-in", f.name], capture_output=True, check=True).stdout
    os.unlink(f.name)
    wire = bytes([1]) + sig + msg
    print(base64.b64encode(wire).decode(), b58e(sig), b58e(pub), b58e(bytes.fromhex(blockhash)))
"#;
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs (the independent builder)");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "the Python builder failed");
    let lines: Vec<String> = String::from_utf8(out.stdout).unwrap().lines().map(str::to_string).collect();
    assert_eq!(lines.len(), cases.len());
    for ((seed, blockhash, statement), line) in cases.iter().zip(&lines) {
        let words: Vec<&str> = line.split(' ').collect();
        let wire = memo_transaction(seed, blockhash, statement);
        assert_eq!(base64::encode(&wire), words[0], "{statement}");
        assert_eq!(base58_encode(&wire[1..65]), words[1]);
        assert_eq!(base58_encode(&payer_public_key(seed)), words[2]);
        assert_eq!(base58_encode(blockhash), words[3]);
        assert_eq!(base58_decode(words[3]).unwrap(), blockhash.to_vec());
    }
    // The blockhash with leading zero bytes is written with leading `1`s.
    assert!(lines[3].split(' ').nth(3).unwrap().starts_with("111"));
}

fn receipt_for(seed: &[u8; 32], statement: &str) -> SolanaReceipt {
    let wire = memo_transaction(seed, &blockhash(), statement);
    SolanaReceipt {
        statement: statement.to_string(),
        signature: base58_encode(&wire[1..65]),
        transaction: base64::encode(&wire),
        slot: 4242,
        block_time: Some(1_764_600_000),
        payer: base58_encode(&payer_public_key(seed)),
    }
}

fn pinned() -> SolanaTrust {
    SolanaTrust { payer: Some(PAYER_BASE58.to_string()), genesis_hash: None }
}

#[test]
fn a_receipt_round_trips_through_json_and_verifies_offline() {
    let receipt = receipt_for(&seed(), STATEMENT);
    let text = serde_json::to_string(&receipt).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut members: Vec<&str> = value.as_object().unwrap().keys().map(String::as_str).collect();
    members.sort();
    assert_eq!(members, ["block_time", "payer", "signature", "slot", "statement", "transaction"]);
    assert_eq!(value["signature"], TXID);
    assert_eq!(value["transaction"], WIRE_BASE64);
    let back: SolanaReceipt = serde_json::from_str(&text).unwrap();
    assert_eq!(back, receipt);

    let verified = verify(&back, &pinned()).unwrap();
    assert_eq!(verified.signature, TXID);
    assert_eq!(verified.payer, PAYER_BASE58);
    assert_eq!(verified.statement_digest.to_vec(), unhex(DIGEST));
    assert_eq!(verified.recent_blockhash, "4wBqpZM9xaSheZzJSMawUKKwhdpChKbZ5eu5ky4Vigw");
    assert_eq!((verified.claimed_slot, verified.claimed_block_time), (4242, Some(1_764_600_000)));
    let line = verified.describe();
    assert!(line.contains("4SwB8UPQB5") && line.contains(PAYER_BASE58) && line.contains("99007b87f5f1ea69"), "{line}");
    assert!(line.contains("claimed, not checked"), "{line}");
    // Without a pinned payer, any payer whose signature verifies is accepted.
    assert!(verify(&back, &SolanaTrust::default()).is_ok());
    // A null block time is allowed (a node may have none).
    let mut no_time = receipt.clone();
    no_time.block_time = None;
    let text = serde_json::to_string(&no_time).unwrap();
    assert!(text.contains(r#""block_time":null"#));
    assert!(verify(&serde_json::from_str(&text).unwrap(), &pinned()).is_ok());
    // Unknown members are refused.
    let mut extra = value.clone();
    extra["type"] = "solana".into();
    assert!(serde_json::from_value::<SolanaReceipt>(extra).is_err());
}

/// A one-signature transaction of `message`, signed by `seed`'s key with
/// OpenSSL (the tests' own Ed25519 signer, independent of the code tested).
fn signed(seed: &[u8; 32], message: &[u8]) -> Vec<u8> {
    let der = [unhex("302e020100300506032b657004220420"), seed.to_vec()].concat();
    let pem = format!("-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n", base64::encode(&der));
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key.pem");
    let msg = dir.path().join("msg");
    std::fs::write(&key, pem).unwrap();
    std::fs::write(&msg, message).unwrap();
    let out = Command::new("openssl")
        .args(["pkeyutl", "-sign", "-rawin", "-inkey"])
        .arg(&key)
        .arg("-in")
        .arg(&msg)
        .output()
        .expect("openssl runs");
    assert!(out.status.success() && out.stdout.len() == 64, "openssl signs");
    [&[1u8][..], &out.stdout, message].concat()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The receipt `receipt` with its transaction replaced by `wire` (and its
/// signature member following the new first signature).
fn with_wire(receipt: &SolanaReceipt, wire: &[u8]) -> SolanaReceipt {
    let mut r = receipt.clone();
    r.transaction = base64::encode(wire);
    if wire.len() >= 65 {
        r.signature = base58_encode(&wire[1..65]);
    }
    r
}

fn fails_with(receipt: &SolanaReceipt, trust: &SolanaTrust, expected: &str) {
    match verify(receipt, trust) {
        Ok(_) => panic!("verified, but should fail with {expected:?}"),
        Err(e) => assert!(e.to_string().contains(expected), "{e} does not say {expected:?}"),
    }
}

// Pins: AN-11.
#[test]
fn each_kind_of_tampering_fails_with_its_own_message() {
    let seed = seed();
    let good = receipt_for(&seed, STATEMENT);
    let wire = base64::decode(&good.transaction).unwrap();
    let message = wire[65..].to_vec();
    let trust = pinned();
    verify(&good, &trust).unwrap();

    // The memo: another digest, signed again by the payer (so only the memo differs).
    let mut other_memo = message.clone();
    let at = other_memo.len() - 64;
    other_memo[at..].copy_from_slice(&[b'0'; 64]);
    fails_with(&with_wire(&good, &signed(&seed, &other_memo)), &trust, "the memo carries \"0000");
    // A receipt of another statement.
    let mut other_statement = good.clone();
    other_statement.statement = STATEMENT.replace("\"tree_size\":3", "\"tree_size\":4");
    fails_with(&other_statement, &trust, "not the statement's SHA-256");

    // One byte of the signature.
    let mut flipped = wire.clone();
    flipped[10] ^= 1;
    fails_with(&with_wire(&good, &flipped), &trust, "signature 0 does not verify over the message");
    // One byte of the message (the blockhash), not signed again.
    let mut flipped = wire.clone();
    flipped[65 + 3 + 1 + 64 + 5] ^= 1;
    fails_with(&with_wire(&good, &flipped), &trust, "signature 0 does not verify over the message");

    // The payer member.
    let mut other_payer = good.clone();
    other_payer.payer = base58_encode(&payer_public_key(&[7; 32]));
    fails_with(&other_payer, &trust, "the receipt names payer");
    // Another payer throughout: its own valid transaction, but not the pinned payer.
    let stranger = receipt_for(&[7; 32], STATEMENT);
    assert!(verify(&stranger, &SolanaTrust::default()).is_ok());
    fails_with(&stranger, &trust, "not the expected payer \"FVen3X669x");

    // A second instruction (another memo), signed again.
    let ix = [&[1u8, 0, 64][..], DIGEST.as_bytes()].concat();
    let mut two_ix = message[..3 + 1 + 64 + 32].to_vec();
    shortvec_encode(2, &mut two_ix);
    two_ix.extend(&ix);
    two_ix.extend(&ix);
    fails_with(&with_wire(&good, &signed(&seed, &two_ix)), &trust, "has 2 instructions");
    // No instruction at all.
    let none = [&message[..3 + 1 + 64 + 32], &[0u8][..]].concat();
    fails_with(&with_wire(&good, &signed(&seed, &none)), &trust, "has 0 instructions");

    // Bytes after the message.
    let mut trailing = wire.clone();
    trailing.push(0);
    fails_with(&with_wire(&good, &trailing), &trust, "1 byte follows the message");
    let mut trailing = wire.clone();
    trailing.extend([1, 2, 3]);
    fails_with(&with_wire(&good, &trailing), &trust, "3 bytes follow the message");

    // Another program in the memo program's place (the system program), signed again.
    let mut other_program = message.clone();
    other_program[4 + 32..4 + 64].copy_from_slice(&[0; 32]);
    fails_with(
        &with_wire(&good, &signed(&seed, &other_program)),
        &trust,
        "the instruction's program is 11111111111111111111111111111111, not the SPL Memo program",
    );

    // The signature member is not the base58 of the first signature.
    let mut other_id = good.clone();
    let mut sig = wire[1..65].to_vec();
    sig[0] ^= 1;
    other_id.signature = base58_encode(&sig);
    fails_with(&other_id, &trust, "is not the base58 of the transaction's first signature 4SwB8UPQB5");
    let mut not_base58 = good.clone();
    not_base58.signature = TXID.replace('4', "0");
    fails_with(&not_base58, &trust, "is not the base58 of the transaction's first signature");

    // Two signatures where the header requires one.
    let mut two_sigs = vec![2];
    two_sigs.extend(&wire[1..65]);
    two_sigs.extend(&wire[1..65]);
    two_sigs.extend(&message);
    fails_with(&with_wire(&good, &two_sigs), &trust, "carries 2 signatures but its header requires 1");
    // A versioned (v0) message.
    let mut versioned = wire.clone();
    versioned.insert(65, 0x80);
    fails_with(&with_wire(&good, &versioned), &trust, "versioned");
    // The memo instruction names an account (the payer), signed again.
    let with_account = [&message[..3 + 1 + 64 + 32 + 2], &[1u8, 0, 64][..], DIGEST.as_bytes()].concat();
    fails_with(&with_wire(&good, &signed(&seed, &with_account)), &trust, "names 1 accounts");
    // The header makes the memo program a writable account.
    let mut writable = message.clone();
    writable[2] = 0;
    fails_with(&with_wire(&good, &signed(&seed, &writable)), &trust, "not a read-only unsigned account");
    // Cut short.
    fails_with(&with_wire(&good, &wire[..wire.len() - 1]), &trust, "ends inside instruction 0's data");
    // A non-canonical shortvec for the signature count.
    let long_count = [&[0x81u8, 0x00][..], &wire[1..]].concat();
    fails_with(&with_wire(&good, &long_count), &trust, "the signature count is not in its shortest form");

    // The base64 member.
    let mut bad64 = good.clone();
    bad64.transaction.insert(4, '*');
    fails_with(&bad64, &trust, "not valid base64");
    let mut huge = good.clone();
    huge.transaction = "A".repeat(4000);
    fails_with(&huge, &trust, "more than a 1232-byte Solana transaction takes");
    let mut long_statement = good.clone();
    long_statement.statement = "x".repeat(20_000);
    fails_with(&long_statement, &trust, "over the limit");
}

#[test]
fn mutated_transactions_never_panic_and_never_verify() {
    let good = receipt_for(&seed(), STATEMENT);
    let wire = base64::decode(&good.transaction).unwrap();
    let trust = SolanaTrust::default();
    let mut tried = 0;
    for i in 0..wire.len() {
        for x in [0x01u8, 0x80, 0xff] {
            let mut m = wire.clone();
            m[i] ^= x;
            let mut r = with_wire(&good, &m);
            assert!(verify(&r, &trust).is_err(), "byte {i} ^ {x:#x} still verifies");
            r.signature = good.signature.clone();
            assert!(verify(&r, &trust).is_err());
            tried += 2;
        }
        assert!(verify(&with_wire(&good, &wire[..i]), &trust).is_err(), "cut at {i}");
    }
    // Random bytes and random text (a fixed xorshift sequence).
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..2000 {
        let len = (next() % 300) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        let mut r = with_wire(&good, &bytes);
        assert!(verify(&r, &trust).is_err());
        r.signature = String::from_utf8_lossy(&bytes).into_owned();
        r.payer = r.signature.chars().rev().collect();
        assert!(verify(&r, &trust).is_err());
        let _ = base58_decode(&r.signature);
        let _ = parse_legacy_transaction(&bytes);
        tried += 2;
    }
    assert!(tried > 4000);
}

fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    port
}

#[test]
fn a_node_that_is_down_is_unreachable_promptly() {
    let url = format!("http://127.0.0.1:{}", closed_port());
    let anchor = SolanaAnchor::new(&url, seed()).with_timeouts(Duration::from_secs(2), Duration::from_secs(5));
    let started = Instant::now();
    match anchor.anchor(STATEMENT) {
        Err(AnchorError::Unreachable(why)) => assert!(why.contains("could not be reached"), "{why}"),
        other => panic!("expected Unreachable, got {other:?}"),
    }
    let receipt = receipt_for(&seed(), STATEMENT);
    match check_online(&url, &receipt, &pinned()) {
        Err(AnchorError::Unreachable(_)) => {}
        other => panic!("expected Unreachable, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
}

#[test]
fn the_payers_secret_is_not_in_debug_output() {
    let anchor = SolanaAnchor::new("http://127.0.0.1:8899", seed()).with_commitment(Commitment::Finalized);
    let text = format!("{anchor:?}");
    assert!(text.contains(PAYER_BASE58), "{text}");
    assert!(!text.contains(SEED) && !text.contains("157, 97, 177"), "{text}");
    assert!(!text.to_lowercase().contains(&SEED[..16]), "{text}");
}

/// A one-connection-at-a-time JSON-RPC server answering with `answer(method,
/// request)`.
fn fake_node(answer: impl Fn(&str, &serde_json::Value) -> String + Send + 'static) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                if line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap();
                }
            }
            let mut body = vec![0; length];
            if reader.read_exact(&mut body).is_err() {
                continue;
            }
            let request: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            let method = request["method"].as_str().unwrap_or("").to_string();
            let reply = answer(&method, &request);
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
                reply.len()
            );
        }
    });
    url
}

const BLOCKHASH_ANSWER: &str = r#"{"jsonrpc":"2.0","id":1,"result":{"context":{"slot":5},"value":{"blockhash":"4wBqpZM9xaSheZzJSMawUKKwhdpChKbZ5eu5ky4Vigw","lastValidBlockHeight":300}}}"#;

#[test]
fn a_node_answering_another_transaction_id_is_a_mismatch_and_an_error_is_refused() {
    let url = fake_node(|method, _| match method {
        "getLatestBlockhash" => BLOCKHASH_ANSWER.to_string(),
        "sendTransaction" => format!(r#"{{"jsonrpc":"2.0","id":1,"result":"{}"}}"#, base58_encode(&[9; 64])),
        _ => r#"{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"Method not found"}}"#.to_string(),
    });
    match SolanaAnchor::new(&url, seed()).anchor(STATEMENT) {
        Err(AnchorError::Mismatch(why)) => {
            assert!(why.contains("sendTransaction answered the id") && why.contains(TXID), "{why}")
        }
        other => panic!("expected Mismatch, got {other:?}"),
    }

    let url = fake_node(|method, request| match method {
        "getLatestBlockhash" => BLOCKHASH_ANSWER.to_string(),
        "sendTransaction" => {
            // What was sent is exactly the fixed vector (same seed, blockhash and statement).
            assert_eq!(request["params"][0], WIRE_BASE64);
            assert_eq!(request["params"][1]["encoding"], "base64");
            r#"{"jsonrpc":"2.0","id":1,"error":{"code":-32002,"message":"Transaction simulation failed: Attempt to debit an account but found no record of a prior credit."}}"#.to_string()
        }
        _ => "{}".to_string(),
    });
    match SolanaAnchor::new(&url, seed()).anchor(STATEMENT) {
        Err(AnchorError::Refused(why)) => {
            assert!(why.contains("error -32002") && why.contains("no record of a prior credit"), "{why}")
        }
        other => panic!("expected Refused, got {other:?}"),
    }

    let url = fake_node(|_, _| "<html>not json</html>".to_string());
    match SolanaAnchor::new(&url, seed()).anchor(STATEMENT) {
        Err(AnchorError::Mismatch(why)) => assert!(why.contains("something else than JSON"), "{why}"),
        other => panic!("expected Mismatch, got {other:?}"),
    }
}

/// A node that confirms the transaction but serves it from another slot than
/// the receipt claims, or does not know it, makes the online check fail.
// Pins: AN-12.
#[test]
fn the_online_check_compares_the_nodes_transaction_with_the_receipt() {
    let receipt = receipt_for(&seed(), STATEMENT);
    let served = receipt.clone();
    let memo_log = format!(r#"Program log: Memo (len 64): \"{DIGEST}\""#);
    let url = fake_node(move |method, _| {
        match method {
        "getGenesisHash" => r#"{"jsonrpc":"2.0","id":1,"result":"GH7ome3EiwEr7tu9JuTh2dpYWBJK3z69Xm1ZE3MEE6JC"}"#.to_string(),
        "getTransaction" => format!(
            r#"{{"jsonrpc":"2.0","id":1,"result":{{"slot":4243,"blockTime":1764600000,"transaction":["{}","base64"],"meta":{{"err":null,"logMessages":["Program MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr invoke [1]","{memo_log}","Program MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr consumed 6000 of 200000 compute units","Program MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr success"]}}}}}}"#,
            served.transaction
        ),
        "getSignatureStatuses" => {
            r#"{"jsonrpc":"2.0","id":1,"result":{"context":{"slot":9},"value":[{"slot":4243,"confirmations":null,"err":null,"confirmationStatus":"finalized"}]}}"#.to_string()
        }
        _ => "{}".to_string(),
    }
    });
    match check_online(&url, &receipt, &pinned()) {
        Err(AnchorError::Mismatch(why)) => assert!(why.contains("in slot 4243, not the receipt's slot 4242"), "{why}"),
        other => panic!("expected Mismatch, got {other:?}"),
    }
    let mut right_slot = receipt.clone();
    right_slot.slot = 4243;
    let checked = check_online(&url, &right_slot, &pinned()).unwrap();
    assert_eq!(
        (checked.slot, checked.block_time, checked.confirmation.as_str()),
        (4243, Some(1764600000), "finalized")
    );
    assert!(checked.describe().contains("slot 4243"));
    let mut late = right_slot.clone();
    late.block_time = Some(1764600001);
    match check_online(&url, &late, &pinned()) {
        Err(AnchorError::Mismatch(why)) => assert!(why.contains("block time"), "{why}"),
        other => panic!("expected Mismatch, got {other:?}"),
    }
    let other_cluster =
        SolanaTrust { genesis_hash: Some("5eykt4UsFv8P8NJdTREpY1vzqKqZKvdpKuc147dw2N9d".into()), ..pinned() };
    match check_online(&url, &right_slot, &other_cluster) {
        Err(AnchorError::Mismatch(why)) => assert!(why.contains("genesis hash"), "{why}"),
        other => panic!("expected Mismatch, got {other:?}"),
    }

    let url = fake_node(|method, _| match method {
        "getGenesisHash" => {
            r#"{"jsonrpc":"2.0","id":1,"result":"GH7ome3EiwEr7tu9JuTh2dpYWBJK3z69Xm1ZE3MEE6JC"}"#.to_string()
        }
        _ => r#"{"jsonrpc":"2.0","id":1,"result":null}"#.to_string(),
    });
    let mut rpc = SolanaRpc::new(url);
    rpc.call_timeout = Duration::from_secs(5);
    match check_online_with(&rpc, &receipt, &pinned()) {
        Err(AnchorError::Mismatch(why)) => assert!(why.contains("does not know transaction"), "{why}"),
        other => panic!("expected Mismatch, got {other:?}"),
    }
}

/// A scripted node that keeps what was sent (at first, the fixed vector)
/// and serves it back as a real node would: `logs` and `err` are the
/// transaction's meta.
fn echoing_node(logs: Vec<String>, err: serde_json::Value) -> String {
    let sent = std::sync::Arc::new(std::sync::Mutex::new(WIRE_BASE64.to_string()));
    fake_node(move |method, request| {
        let result = match method {
            "getLatestBlockhash" => {
                return BLOCKHASH_ANSWER.to_string();
            }
            "sendTransaction" => {
                let wire = request["params"][0].as_str().unwrap().to_string();
                let txid = base58_encode(&base64::decode(&wire).unwrap()[1..65]);
                *sent.lock().unwrap() = wire;
                serde_json::json!(txid)
            }
            "getSignatureStatuses" => serde_json::json!({"context": {"slot": 9}, "value": [
                {"slot": 77, "confirmations": 0, "err": err, "confirmationStatus": "confirmed"}]}),
            "getTransaction" => serde_json::json!({
                "slot": 77, "blockTime": 1_764_600_100, "transaction": [*sent.lock().unwrap(), "base64"],
                "meta": {"err": err, "logMessages": logs}}),
            "getGenesisHash" => serde_json::json!("GH7ome3EiwEr7tu9JuTh2dpYWBJK3z69Xm1ZE3MEE6JC"),
            _ => return r#"{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"Method not found"}}"#.to_string(),
        };
        serde_json::json!({"jsonrpc": "2.0", "id": 1, "result": result}).to_string()
    })
}

fn memo_logs(memo: &str) -> Vec<String> {
    vec![
        format!("Program {MEMO_PROGRAM_ID} invoke [1]"),
        format!("Program log: Memo (len 64): \"{memo}\""),
        format!("Program {MEMO_PROGRAM_ID} consumed 6000 of 200000 compute units"),
        format!("Program {MEMO_PROGRAM_ID} success"),
    ]
}

/// The client's whole exchange, against a scripted node that answers as a
/// validator does (not a substitute for the run against a real one).
#[test]
fn the_client_builds_a_receipt_from_a_nodes_answers_and_checks_them() {
    let url = echoing_node(memo_logs(DIGEST), serde_json::Value::Null);
    let anchor = SolanaAnchor::new(&url, seed());
    let receipt = anchor.anchor(STATEMENT).unwrap();
    assert_eq!(receipt.transaction, WIRE_BASE64);
    assert_eq!(receipt.signature, TXID);
    assert_eq!((receipt.slot, receipt.block_time), (77, Some(1_764_600_100)));
    assert_eq!(receipt.payer, PAYER_BASE58);
    verify(&receipt, &pinned()).unwrap();
    let checked = check_online(&url, &receipt, &pinned()).unwrap();
    assert_eq!(checked.confirmation, "confirmed");

    // Logs without the memo: the node did not run the memo program on it.
    let url = echoing_node(memo_logs(&"0".repeat(64)), serde_json::Value::Null);
    match SolanaAnchor::new(&url, seed()).anchor(STATEMENT) {
        Err(AnchorError::Mismatch(why)) => assert!(why.contains("logging the statement's SHA-256"), "{why}"),
        other => panic!("expected Mismatch, got {other:?}"),
    }
    let mut logs = memo_logs(DIGEST);
    logs.pop();
    let url = echoing_node(logs, serde_json::Value::Null);
    match check_online(&url, &receipt, &pinned()) {
        Err(AnchorError::Mismatch(why)) => assert!(why.contains("memo program succeeding"), "{why}"),
        other => panic!("expected Mismatch, got {other:?}"),
    }
    // A transaction that failed on chain.
    let url = echoing_node(memo_logs(DIGEST), serde_json::json!({"InstructionError": [0, "InvalidInstructionData"]}));
    match SolanaAnchor::new(&url, seed()).anchor(STATEMENT) {
        Err(AnchorError::Refused(why)) => {
            assert!(why.contains("failed") && why.contains("InvalidInstructionData"), "{why}")
        }
        other => panic!("expected Refused, got {other:?}"),
    }
}

/// Against a real validator: `scripts/solana-validator.sh` starts
/// solana-test-validator and sets PROVEDEX_SOLANA_RPC.
#[test]
#[ignore = "needs a Solana validator: scripts/solana-validator.sh"]
fn anchoring_on_a_real_validator() {
    let url = std::env::var("PROVEDEX_SOLANA_RPC").expect("PROVEDEX_SOLANA_RPC names the validator's RPC URL");
    let mut payer_seed = [0u8; 32];
    getrandom::fill(&mut payer_seed).unwrap();
    let anchor = SolanaAnchor::new(&url, payer_seed);
    let started = Instant::now();
    anchor.request_airdrop(1_000_000_000).expect("the validator's faucet funds the payer");
    assert_eq!(anchor.balance().unwrap(), 1_000_000_000);
    let statement = format!(
        r#"{{"made_nanos":{},"origin":"provedex-ledger/solana-validator","root":"{}","tree_size":7}}"#,
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos(),
        "cd".repeat(32)
    );
    let receipt = anchor.anchor(&statement).expect("anchoring succeeds");
    eprintln!("anchored in {:?}: {}", started.elapsed(), serde_json::to_string(&receipt).unwrap());
    // The fee was paid.
    assert!(anchor.balance().unwrap() < 1_000_000_000);

    let back: SolanaReceipt = serde_json::from_str(&serde_json::to_string(&receipt).unwrap()).unwrap();
    let trust = SolanaTrust { payer: Some(anchor.payer()), genesis_hash: None };
    verify(&back, &trust).expect("the receipt verifies offline");
    let genesis = anchor.rpc().call("getGenesisHash", serde_json::json!([])).unwrap();
    let trust = SolanaTrust { genesis_hash: Some(genesis.as_str().unwrap().to_string()), ..trust };
    let checked = check_online(&url, &back, &trust).expect("the receipt checks online");
    eprintln!("{}", checked.describe());
    assert_eq!(checked.slot, receipt.slot);
    assert!(checked.block_time.is_some());
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    assert!((checked.block_time.unwrap() - now).abs() < 120, "block time {:?} vs now {now}", checked.block_time);

    // Another slot, another block time, another cluster: each fails online.
    let mut other_slot = back.clone();
    other_slot.slot += 1;
    assert!(matches!(check_online(&url, &other_slot, &trust), Err(AnchorError::Mismatch(w)) if w.contains("slot")));
    let mut other_time = back.clone();
    other_time.block_time = other_time.block_time.map(|t| t - 3600);
    assert!(
        matches!(check_online(&url, &other_time, &trust), Err(AnchorError::Mismatch(w)) if w.contains("block time"))
    );
    let other_cluster = SolanaTrust { genesis_hash: Some(base58_encode(&[3; 32])), ..trust.clone() };
    assert!(
        matches!(check_online(&url, &back, &other_cluster), Err(AnchorError::Mismatch(w)) if w.contains("genesis"))
    );
    // A valid transaction of the same payer that was never sent.
    let never_sent = {
        let wire = memo_transaction(&payer_seed, &[5; 32], &statement);
        SolanaReceipt { signature: base58_encode(&wire[1..65]), transaction: base64::encode(&wire), ..back.clone() }
    };
    verify(&never_sent, &trust).expect("it verifies offline: only the node can tell");
    assert!(
        matches!(check_online(&url, &never_sent, &trust), Err(AnchorError::Mismatch(w)) if w.contains("does not know"))
    );
    // A statement the node never saw anchored: fails offline already.
    let mut other_statement = back.clone();
    other_statement.statement.push(' ');
    assert!(
        matches!(check_online(&url, &other_statement, &trust), Err(AnchorError::Mismatch(w)) if w.contains("memo"))
    );
}
