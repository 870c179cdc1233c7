//! The Ethereum anchor against a real anvil node (installed from npm into
//! target/tools): anchoring, offline and online verification, tampering,
//! wrong chain, a stopped node. The offline decoder is cross-checked with
//! alloy's own transaction types.

use alloy::consensus::{SignableTransaction as _, Signed, TxEip1559, TxEnvelope, TxLegacy};
use alloy::eips::eip2718::{Decodable2718 as _, Encodable2718 as _};
use alloy::network::TxSignerSync as _;
use alloy::primitives::{Address, Bytes, Signature, TxKind, U256, keccak256};
use alloy::signers::local::PrivateKeySigner;
use provedex_anchor::AnchorError;
use provedex_anchor::ethereum::{EthereumAnchor, check_online, check_online_with_timeouts};
use provedex_format::base64;
use provedex_receipts::ethereum::{EthereumReceipt, EthereumTrust, decode_transaction, hex0x, verify};
use provedex_test_servers::anvil::{self, AnvilHandle, DEV_ADDRESS_0, DEV_ADDRESS_1, DEV_KEY_0, DEV_KEY_1};
use sha2::{Digest as _, Sha256};
use std::time::{Duration, Instant};

fn node(chain_id: u64) -> (tempfile::TempDir, AnvilHandle) {
    let dir = tempfile::tempdir().unwrap();
    let handle = anvil::start_with_chain_id(dir.path(), chain_id).unwrap();
    (dir, handle)
}

fn client(node: &AnvilHandle) -> EthereumAnchor {
    EthereumAnchor::new(&node.url, &node.private_key, node.chain_id)
        .unwrap()
        .with_timeouts(Duration::from_secs(2), Duration::from_secs(5), Duration::from_secs(20))
        .with_poll_interval(Duration::from_millis(100))
}

fn statement(n: u32) -> String {
    format!(
        r#"{{"made_nanos":{n},"origin":"provedex-ledger/ethereum-test","root":"{:064x}","signature":"sig{n}","tree_size":{n}}}"#,
        u128::from(n) * 7919
    )
}

fn err_text(result: Result<impl std::fmt::Debug, impl std::fmt::Display>) -> String {
    match result {
        Ok(ok) => panic!("expected an error, got {ok:?}"),
        Err(e) => e.to_string(),
    }
}

fn assert_offline_fails(receipt: &EthereumReceipt, trust: &EthereumTrust, expected: &str) {
    let why = err_text(verify(receipt, trust));
    assert!(why.contains(expected), "expected {expected:?} in {why:?}");
}

fn assert_online_fails(url: &str, receipt: &EthereumReceipt, trust: &EthereumTrust, expected: &str) {
    match check_online(url, receipt, trust) {
        Err(AnchorError::Mismatch(why)) => assert!(why.contains(expected), "expected {expected:?} in {why:?}"),
        other => panic!("expected a Mismatch with {expected:?}, got {other:?}"),
    }
}

/// The raw transaction of a receipt, decoded by alloy.
fn alloy_decode(receipt: &EthereumReceipt) -> Signed<TxEip1559> {
    let raw = base64::decode(&receipt.raw_transaction).unwrap();
    match TxEnvelope::decode_2718(&mut raw.as_slice()).unwrap() {
        TxEnvelope::Eip1559(signed) => signed,
        other => panic!("not an EIP-1559 transaction: {other:?}"),
    }
}

/// `receipt` with its transaction replaced by `tx` under `signature`
/// (encoded by alloy), and the hash of those bytes.
fn with_transaction(receipt: &EthereumReceipt, tx: TxEip1559, signature: Signature) -> EthereumReceipt {
    let raw = TxEnvelope::from(Signed::new_unhashed(tx, signature)).encoded_2718();
    EthereumReceipt { raw_transaction: base64::encode(&raw), tx_hash: hex0x(&keccak256(&raw).0), ..receipt.clone() }
}

/// SHA-256, computed here with the sha2 crate.
fn sha256(text: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(&Sha256::digest(text.as_bytes()));
    out
}

fn lower_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn rpc_result(node: &AnvilHandle, method: &str, params: &str) -> serde_json::Value {
    let answer = anvil::rpc(node.port, method, params).expect("anvil answers");
    let mut value: serde_json::Value = serde_json::from_str(&answer).unwrap();
    value["result"].take()
}

#[test]
fn anchors_a_statement_that_verifies_offline_and_online_after_a_json_round_trip() {
    let (_dir, node) = node(31_338);
    let trust = EthereumTrust { chain_id: 31_338 };
    let anchor = client(&node);
    assert_eq!(anchor.address(), DEV_ADDRESS_0);

    let started = Instant::now();
    let first = anchor.anchor(&statement(1)).unwrap();
    let second = anchor.anchor(&statement(2)).unwrap();
    eprintln!("two anchors in {:?}", started.elapsed());

    let json = serde_json::to_string_pretty(&first).unwrap();
    let receipt: EthereumReceipt = serde_json::from_str(&json).unwrap();
    assert_eq!(receipt, first);
    assert_eq!(receipt.statement, statement(1));
    assert_eq!(receipt.chain_id, 31_338);
    assert_eq!(receipt.sender, DEV_ADDRESS_0);

    let verified = verify(&receipt, &trust).unwrap();
    assert_eq!(hex0x(&verified.sender), DEV_ADDRESS_0);
    assert_eq!(verified.statement_digest, sha256(&statement(1)));
    assert_eq!(verified.nonce, 0);
    assert_eq!(verify(&second, &trust).unwrap().nonce, 1);
    let line = verified.describe();
    assert!(line.contains(&receipt.tx_hash) && line.contains("NOT checked offline"), "{line}");
    assert!(line.contains("canonical chain") && line.contains("--eth-rpc"), "{line}");

    // What the node says, read apart from the anchor's client and from check_online.
    let tx = rpc_result(&node, "eth_getTransactionByHash", &format!(r#"["{}"]"#, receipt.tx_hash));
    assert_eq!(tx["from"], DEV_ADDRESS_0);
    assert_eq!(tx["to"], DEV_ADDRESS_0);
    assert_eq!(tx["value"], "0x0");
    assert_eq!(tx["type"], "0x2");
    assert_eq!(tx["input"], format!("0x{}", lower_hex(&sha256(&statement(1)))));
    assert_eq!(tx["blockHash"], receipt.block_hash);
    let raw = rpc_result(&node, "eth_getRawTransactionByHash", &format!(r#"["{}"]"#, receipt.tx_hash));
    assert_eq!(raw, format!("0x{}", lower_hex(&base64::decode(&receipt.raw_transaction).unwrap())));
    let block = rpc_result(&node, "eth_getBlockByNumber", &format!(r#"["{:#x}", false]"#, receipt.block_number));
    assert_eq!(block["hash"], receipt.block_hash);
    assert_eq!(block["timestamp"], format!("{:#x}", receipt.block_timestamp));
    assert_eq!(receipt.block_number, 1, "a fresh anvil mines the first transaction in block 1");
    assert_eq!(second.block_number, 2);

    let checked = check_online(&node.url, &receipt, &trust).unwrap();
    assert_eq!(checked.verified, verified);
    assert_eq!(checked.block_number, 1);
    assert_eq!(hex0x(&checked.block_hash), receipt.block_hash);
    assert_eq!(checked.block_timestamp, receipt.block_timestamp);
    assert_eq!((checked.latest_block, checked.confirmations), (2, 2));
    assert!(checked.describe().contains("canonical chain"), "{}", checked.describe());
    assert_eq!(check_online(&node.url, &second, &trust).unwrap().confirmations, 1);
}

#[test]
fn the_offline_decoder_agrees_with_alloy_and_with_the_node() {
    let (_dir, node) = node(31_339);
    let receipt = client(&node).anchor(&statement(3)).unwrap();
    let raw = base64::decode(&receipt.raw_transaction).unwrap();
    let ours = decode_transaction(&raw).unwrap();
    let theirs = alloy_decode(&receipt);

    assert_eq!(ours.hash, theirs.hash().0);
    assert_eq!(hex0x(&ours.hash), receipt.tx_hash);
    assert_eq!(ours.signing_hash, theirs.signature_hash().0);
    assert_eq!(ours.sender, theirs.recover_signer().unwrap().0.0);
    let tx = theirs.tx();
    assert_eq!(ours.chain_id, tx.chain_id);
    assert_eq!(ours.nonce, tx.nonce);
    assert_eq!(ours.gas_limit, tx.gas_limit);
    assert_eq!(ours.max_fee_per_gas, tx.max_fee_per_gas);
    assert_eq!(ours.max_priority_fee_per_gas, tx.max_priority_fee_per_gas);
    assert_eq!(ours.to.map(Address::from), tx.to.to().copied());
    assert_eq!(U256::from_be_bytes(ours.value), tx.value);
    assert_eq!(ours.input, tx.input.to_vec());
    assert_eq!(ours.y_parity, theirs.signature().v());
    assert_eq!(U256::from_be_bytes(ours.r), theirs.signature().r());
    assert_eq!(U256::from_be_bytes(ours.s), theirs.signature().s());
    // And with the node: who it says sent it, and the key's own address.
    let from = rpc_result(&node, "eth_getTransactionByHash", &format!(r#"["{}"]"#, receipt.tx_hash))["from"].clone();
    assert_eq!(from, hex0x(&ours.sender));
    let key: PrivateKeySigner = DEV_KEY_0.parse().unwrap();
    assert_eq!(ours.sender, key.address().0.0);
}

// Pins: AN-9.
#[test]
fn tampered_receipts_fail_offline_with_specific_messages() {
    let (_dir, node) = node(31_340);
    let trust = EthereumTrust { chain_id: 31_340 };
    let receipt = client(&node).anchor(&statement(4)).unwrap();
    verify(&receipt, &trust).unwrap();
    let tamper = |change: &dyn Fn(&mut EthereumReceipt)| {
        let mut copy = receipt.clone();
        change(&mut copy);
        copy
    };

    // The raw transaction changed, its hash not.
    let mut raw = base64::decode(&receipt.raw_transaction).unwrap();
    let last = raw.len() - 1;
    raw[last] ^= 1;
    let flipped = tamper(&|r| r.raw_transaction = base64::encode(&raw));
    assert_offline_fails(&flipped, &trust, "is not the Keccak-256 of its raw_transaction");
    // The hash changed.
    let mut other_hash = receipt.tx_hash.clone();
    let last_digit = other_hash.pop().unwrap();
    other_hash.push(if last_digit == '0' { '1' } else { '0' });
    let hash = tamper(&|r| r.tx_hash = other_hash.clone());
    assert_offline_fails(&hash, &trust, "is not the Keccak-256 of its raw_transaction");
    let upper = tamper(&|r| r.tx_hash = receipt.tx_hash.to_uppercase().replacen("0X", "0x", 1));
    assert_offline_fails(&upper, &trust, "tx_hash is not `0x` and 64 lowercase hex digits");
    // Another statement than the transaction carries.
    let other = tamper(&|r| r.statement = statement(5));
    assert_offline_fails(&other, &trust, "is not the SHA-256 of the receipt's statement");
    // Another sender.
    let sender = tamper(&|r| r.sender = DEV_ADDRESS_1.to_owned());
    assert_offline_fails(
        &sender,
        &trust,
        &format!("the transaction is signed by {DEV_ADDRESS_0}, not by the receipt's sender {DEV_ADDRESS_1}"),
    );
    // Another chain id in the receipt; and the trust following it.
    let chain = tamper(&|r| r.chain_id = 1);
    assert_offline_fails(&chain, &trust, "the receipt is for chain id 1, but the trusted chain id is 31340");
    assert_offline_fails(
        &chain,
        &EthereumTrust { chain_id: 1 },
        "the transaction is signed for chain id 31340, not for the receipt's chain id 1",
    );
    // Wrong trust for a genuine receipt.
    assert_offline_fails(&receipt, &EthereumTrust { chain_id: 1 }, "but the trusted chain id is 1");

    // The transaction's members changed under the same signature, re-encoded
    // by alloy, with a matching hash: the signature no longer recovers the sender.
    let signed = alloy_decode(&receipt);
    let signature = *signed.signature();
    let mut gas = signed.tx().clone();
    gas.gas_limit += 1;
    let recovered_other = with_transaction(&receipt, gas, signature);
    assert_offline_fails(&recovered_other, &trust, "not by the receipt's sender");
    let mut data = signed.tx().clone();
    data.input = Bytes::from(sha256(&statement(6)).to_vec());
    assert_offline_fails(&with_transaction(&receipt, data, signature), &trust, "is not the SHA-256");
    let mut chain_tx = signed.tx().clone();
    chain_tx.chain_id = 1;
    assert_offline_fails(
        &with_transaction(&receipt, chain_tx, signature),
        &trust,
        "the transaction is signed for chain id 1, not for the receipt's chain id 31340",
    );
    // The malleated twin of the signature (n - s, other parity): refused (EIP-2).
    let n = U256::from_be_slice(&[
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xba, 0xae,
        0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
    ]);
    let twin = Signature::new(signature.r(), n - signature.s(), !signature.v());
    assert_offline_fails(&with_transaction(&receipt, signed.tx().clone(), twin), &trust, "EIP-2 allows only low s");
    // A properly signed anchor transaction, but by another key than the sender's.
    let other_key: PrivateKeySigner = DEV_KEY_1.parse().unwrap();
    let mut by_other = signed.tx().clone();
    let other_signature = other_key.sign_transaction_sync(&mut by_other).unwrap();
    assert_offline_fails(
        &with_transaction(&receipt, by_other.clone(), other_signature),
        &trust,
        &format!("signed by {DEV_ADDRESS_1}, not by the receipt's sender {DEV_ADDRESS_0}"),
    );
    // Signed by the sender, but sent elsewhere, or with value.
    let key: PrivateKeySigner = DEV_KEY_0.parse().unwrap();
    let mut elsewhere = signed.tx().clone();
    elsewhere.to = TxKind::Call(Address::from([0xde; 20]));
    let s = key.sign_transaction_sync(&mut elsewhere).unwrap();
    assert_offline_fails(&with_transaction(&receipt, elsewhere, s), &trust, "not to its sender");
    let mut valued = signed.tx().clone();
    valued.value = U256::from(1);
    let s = key.sign_transaction_sync(&mut valued).unwrap();
    assert_offline_fails(&with_transaction(&receipt, valued, s), &trust, "moves value");
    // A legacy transaction is refused by type.
    let mut legacy = TxLegacy {
        chain_id: Some(31_340),
        nonce: 0,
        gas_price: 1,
        gas_limit: 30_000,
        to: TxKind::Call(key.address()),
        value: U256::ZERO,
        input: Bytes::from(sha256(&statement(4)).to_vec()),
    };
    let s = key.sign_transaction_sync(&mut legacy).unwrap();
    let legacy_raw = TxEnvelope::from(legacy.into_signed(s)).encoded_2718();
    let legacy_receipt = tamper(&|r| {
        r.raw_transaction = base64::encode(&legacy_raw);
        r.tx_hash = hex0x(&keccak256(&legacy_raw).0);
    });
    assert_offline_fails(&legacy_receipt, &trust, "only EIP-1559 (type 2) transactions are accepted");

    // Bounded sizes, checked before decoding.
    let big = tamper(&|r| r.statement = "x".repeat(20_000));
    assert_offline_fails(&big, &trust, "over the limit of 16384");
    let long = tamper(&|r| r.raw_transaction = "AAAA".repeat(1000));
    assert_offline_fails(&long, &trust, "over the limit for 2048 bytes");
    let bad_base64 = tamper(&|r| r.raw_transaction = "not base64!".to_owned());
    assert_offline_fails(&bad_base64, &trust, "raw_transaction is not valid base64");
    // Unknown members are refused when reading.
    let mut json: serde_json::Value = serde_json::to_value(&receipt).unwrap();
    json["extra"] = serde_json::json!(1);
    assert!(serde_json::from_value::<EthereumReceipt>(json).is_err());

    // Every single-byte change of the raw transaction (with the hash made to
    // match) and every truncation fails, and nothing panics.
    let raw = base64::decode(&receipt.raw_transaction).unwrap();
    for i in 0..raw.len() {
        for mask in [0x01u8, 0x80, 0xff] {
            let mut bytes = raw.clone();
            bytes[i] ^= mask;
            let mutated = tamper(&|r| {
                r.raw_transaction = base64::encode(&bytes);
                r.tx_hash = hex0x(&keccak256(&bytes).0);
            });
            assert!(verify(&mutated, &trust).is_err(), "byte {i} ^ {mask:#x} still verifies");
        }
    }
    for len in 0..raw.len() {
        let cut = tamper(&|r| {
            r.raw_transaction = base64::encode(&raw[..len]);
            r.tx_hash = hex0x(&keccak256(&raw[..len]).0);
        });
        assert!(verify(&cut, &trust).is_err(), "a cut at {len} still verifies");
    }

    // The block members are not checked offline: changed, the receipt still
    // verifies offline (check_online catches them, see the next test).
    let block = tamper(&|r| {
        r.block_number += 1;
        r.block_timestamp += 1;
        r.block_hash = hex0x(&[0xab; 32]);
    });
    assert_eq!(verify(&block, &trust).unwrap().claimed_block_number, receipt.block_number + 1);
}

// Pins: AN-10.
#[test]
fn online_checks_catch_what_offline_cannot() {
    let (_dir, node) = node(31_341);
    let trust = EthereumTrust { chain_id: 31_341 };
    let anchor = client(&node);
    let receipt = anchor.anchor(&statement(7)).unwrap();
    let later = anchor.anchor(&statement(8)).unwrap();
    check_online(&node.url, &receipt, &trust).unwrap();
    let tamper = |change: &dyn Fn(&mut EthereumReceipt)| {
        let mut copy = receipt.clone();
        change(&mut copy);
        verify(&copy, &trust).expect("block members are not checked offline");
        copy
    };

    let hash = tamper(&|r| r.block_hash = later.block_hash.clone());
    assert_online_fails(&node.url, &hash, &trust, &format!("is in block 1 ({}", &receipt.block_hash[..10]));
    assert_online_fails(&node.url, &hash, &trust, "not in the receipt's block 1 (");
    let number = tamper(&|r| r.block_number = 2);
    assert_online_fails(&node.url, &number, &trust, "is in block 1 (");
    assert_online_fails(&node.url, &number, &trust, "not in the receipt's block 2 (");
    let time = tamper(&|r| r.block_timestamp -= 1);
    assert_online_fails(
        &node.url,
        &time,
        &trust,
        &format!(
            "block 1's timestamp is {}, not the receipt's {}",
            receipt.block_timestamp,
            receipt.block_timestamp - 1
        ),
    );

    // A transaction that was signed but never sent verifies offline only.
    let signed = alloy_decode(&receipt);
    let key: PrivateKeySigner = DEV_KEY_0.parse().unwrap();
    let mut never_sent = signed.tx().clone();
    never_sent.nonce = 99;
    let s = key.sign_transaction_sync(&mut never_sent).unwrap();
    let fabricated = with_transaction(&receipt, never_sent, s);
    verify(&fabricated, &trust).unwrap();
    assert_online_fails(&node.url, &fabricated, &trust, &format!("does not know transaction {}", fabricated.tx_hash));

    // An offline failure is a Mismatch online too, before any call.
    let other = EthereumReceipt { statement: statement(9), ..receipt.clone() };
    assert_online_fails(&node.url, &other, &trust, "is not the SHA-256 of the receipt's statement");

    // Another node, on another chain, trusted for it: it is not the chain of the receipt.
    let (_dir2, elsewhere) = self::node(31_342);
    let chain = EthereumReceipt { chain_id: 31_342, ..receipt.clone() };
    let why = err_text(check_online(&elsewhere.url, &chain, &EthereumTrust { chain_id: 31_342 }));
    assert!(why.contains("signed for chain id 31341, not for the receipt's chain id 31342"), "{why}");
    // The right trust, but a node of another chain.
    assert_online_fails(&elsewhere.url, &receipt, &trust, "it is on chain id 31342, not on the trusted chain id 31341");
}

#[test]
fn a_node_on_another_chain_is_a_mismatch_and_a_stopped_node_is_unreachable() {
    let (_dir, node) = node(31_343);
    let trust = EthereumTrust { chain_id: 31_343 };
    let wrong = EthereumAnchor::new(&node.url, &node.private_key, 1).unwrap();
    match wrong.anchor(&statement(10)) {
        Err(AnchorError::Mismatch(why)) => {
            assert!(why.contains("is on chain id 31343, not on the configured chain id 1"), "{why}")
        }
        other => panic!("expected a Mismatch, got {other:?}"),
    }
    let anchor = client(&node);
    let receipt = anchor.anchor(&statement(11)).unwrap();
    let url = node.url.clone();
    node.server.stop();

    let started = Instant::now();
    match anchor.anchor(&statement(12)) {
        Err(AnchorError::Unreachable(why)) => assert!(why.contains("did not answer eth_chainId"), "{why}"),
        other => panic!("expected Unreachable, got {other:?}"),
    }
    match check_online_with_timeouts(&url, &receipt, &trust, Duration::from_secs(2), Duration::from_secs(5)) {
        Err(AnchorError::Unreachable(why)) => assert!(why.contains("did not answer eth_chainId"), "{why}"),
        other => panic!("expected Unreachable, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
    // The offline check does not need the node.
    verify(&receipt, &trust).unwrap();
}

#[test]
fn the_private_key_never_shows() {
    let anchor = EthereumAnchor::new("http://user:secret@127.0.0.1:1/v3/apikey", DEV_KEY_0, 1).unwrap();
    let debug = format!("{anchor:?}");
    assert!(!debug.contains(DEV_KEY_0) && !debug.contains("ac0974bec39a17e3"), "{debug}");
    assert!(!debug.contains("secret") && !debug.contains("apikey"), "{debug}");
    assert!(debug.contains(DEV_ADDRESS_0), "{debug}");
    let almost = format!("{}zz", &DEV_KEY_0[..62]);
    let why = EthereumAnchor::new("http://127.0.0.1:1", &almost, 1).unwrap_err();
    assert!(!why.contains(&DEV_KEY_0[..20]), "{why}");
    // An unreachable node's error names its origin only.
    let anchor = anchor.with_timeouts(Duration::from_secs(1), Duration::from_secs(2), Duration::from_secs(2));
    let why = err_text(anchor.anchor(&statement(13)));
    assert!(!why.contains("secret") && !why.contains("apikey") && !why.contains(&DEV_KEY_0[..20]), "{why}");
    assert!(why.contains("http://127.0.0.1:1"), "{why}");
}

/// A server that answers every request with a redirect to `target`.
fn redirecting_to(target: &str) -> String {
    use std::io::{Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let answer = format!(
        "HTTP/1.1 307 Temporary Redirect\r\nLocation: {target}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut buf = [0u8; 65536];
            let _ = stream.set_read_timeout(Some(Duration::from_millis(300)));
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    format!("http://127.0.0.1:{port}")
}

#[test]
fn a_node_that_redirects_elsewhere_is_not_followed() {
    let (_dir, node) = node(31_344);
    let trust = EthereumTrust { chain_id: 31_344 };
    let receipt = client(&node).anchor(&statement(20)).unwrap();
    let redirecting = redirecting_to(&node.url);

    // Followed, the redirect would reach a node that holds the transaction.
    let anchor = EthereumAnchor::new(&redirecting, &node.private_key, node.chain_id).unwrap();
    let why = err_text(anchor.anchor(&statement(21)));
    assert!(why.contains("307"), "{why}");
    let why = err_text(check_online(&redirecting, &receipt, &trust));
    assert!(why.contains("307"), "{why}");
    check_online(&node.url, &receipt, &trust).unwrap();
}
