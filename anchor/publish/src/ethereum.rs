//! The Ethereum anchor (spec/anchors.md): an EIP-1559 transaction that the
//! anchor's account sends to itself, with no value, whose data is exactly
//! the statement's SHA-256 (32 bytes). Sending to its own address burns
//! nothing and calls no contract.
//!
//! [`EthereumAnchor::anchor`] signs and sends it through `alloy`, waits for
//! the node's receipt (status success) and reads the block, then checks the
//! receipt it built offline. [`check_online`] re-reads the transaction and
//! its block from a node the verifier chooses, with plain JSON-RPC calls
//! (not `alloy`), with bounded answers.

use crate::AnchorError;
use alloy::consensus::TxEnvelope;
use alloy::eips::eip2718::Encodable2718 as _;
use alloy::network::{EthereumWallet, TransactionBuilder as _};
use alloy::primitives::{B256, U256, keccak256};
use alloy::providers::{Provider, ProviderBuilder, SendableTx};
use alloy::rpc::types::TransactionRequest;
use alloy::signers::local::PrivateKeySigner;
use alloy::transports::http::reqwest;
use alloy::transports::{RpcError, TransportError, TransportErrorKind};
use provedex_format::base64;
use provedex_format::display::quote;
use provedex_receipts::ethereum::{
    EthereumReceipt, EthereumTrust, EthereumVerified, decode_transaction, hex0x, verify,
};
use provedex_receipts::statement_digest;
use serde_json::Value;
use std::time::{Duration, Instant};

/// The largest JSON-RPC answer [`check_online`] reads.
pub const MAX_ANSWER_BYTES: u64 = 4 << 20;

/// An Ethereum account that anchors statements on one chain through one node.
pub struct EthereumAnchor {
    rpc_url: String,
    signer: PrivateKeySigner,
    chain_id: u64,
    confirmations: u64,
    connect_timeout: Duration,
    call_timeout: Duration,
    receipt_timeout: Duration,
    poll_interval: Duration,
}

impl std::fmt::Debug for EthereumAnchor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EthereumAnchor")
            .field("node", &origin(&self.rpc_url))
            .field("account", &hex0x(self.signer.address().as_slice()))
            .field("chain_id", &self.chain_id)
            .field("confirmations", &self.confirmations)
            .field("private_key", &"(hidden)")
            .finish_non_exhaustive()
    }
}

impl EthereumAnchor {
    /// An anchor that sends through the JSON-RPC node at `rpc_url`, signing
    /// with `private_key_hex` (64 hex digits, `0x` optional; never shown),
    /// on the chain `chain_id` (the node must be on it). Defaults: 1
    /// confirmation, connect timeout 5 s, 30 s per call, 120 s for the
    /// transaction to be mined and confirmed, a poll every second.
    pub fn new(rpc_url: &str, private_key_hex: &str, chain_id: u64) -> Result<Self, String> {
        reqwest::Url::parse(rpc_url).map_err(|e| format!("the Ethereum node URL is not a URL: {e}"))?;
        let hex = private_key_hex.trim().strip_prefix("0x").unwrap_or(private_key_hex.trim());
        let key = decode_hex_any_case(hex)
            .filter(|key| key.len() == 32)
            .ok_or("the Ethereum private key is not 64 hex digits")?;
        let signer = PrivateKeySigner::from_bytes(&B256::from_slice(&key))
            .map_err(|_| "the Ethereum private key is not a valid secp256k1 key")?;
        Ok(EthereumAnchor {
            rpc_url: rpc_url.to_owned(),
            signer,
            chain_id,
            confirmations: 1,
            connect_timeout: Duration::from_secs(5),
            call_timeout: Duration::from_secs(30),
            receipt_timeout: Duration::from_secs(120),
            poll_interval: Duration::from_secs(1),
        })
    }

    /// Waits until the transaction's block has `confirmations` blocks on
    /// top of it, itself included (at least 1).
    pub fn with_confirmations(mut self, confirmations: u64) -> Self {
        self.confirmations = confirmations.max(1);
        self
    }

    /// Timeouts: to connect, for each JSON-RPC call, and for the
    /// transaction to be mined and confirmed.
    pub fn with_timeouts(mut self, connect: Duration, call: Duration, receipt: Duration) -> Self {
        self.connect_timeout = connect;
        self.call_timeout = call;
        self.receipt_timeout = receipt;
        self
    }

    /// How often the node is asked for the transaction's receipt.
    pub fn with_poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// The anchoring account's address: `0x` and lowercase hex.
    pub fn address(&self) -> String {
        hex0x(self.signer.address().as_slice())
    }

    /// The chain id the anchor sends on.
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// Sends the statement's SHA-256 in a transaction to the anchor's own
    /// address, waits for it to be mined and confirmed, reads its block,
    /// and returns the receipt once it verifies offline.
    pub fn anchor(&self, statement: &str) -> Result<EthereumReceipt, AnchorError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| AnchorError::Unreachable(format!("cannot start the Ethereum client's runtime: {e}")))?;
        let node = origin(&self.rpc_url);
        let http = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .timeout(self.call_timeout)
            // The node named is the node asked: a redirect elsewhere is an error, as for every anchor.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| AnchorError::Unreachable(format!("cannot build the HTTP client for {node}: {e}")))?;
        let url = reqwest::Url::parse(&self.rpc_url)
            .map_err(|e| AnchorError::Refused(format!("the Ethereum node URL is not a URL: {e}")))?;
        let provider =
            ProviderBuilder::new().wallet(EthereumWallet::from(self.signer.clone())).connect_reqwest(http, url);
        let call = |what: &str, e: TransportError| rpc_failure(&node, what, e);

        // The node must be on the chain the anchor is configured for.
        let chain_id = runtime.block_on(provider.get_chain_id()).map_err(|e| call("eth_chainId", e))?;
        if chain_id != self.chain_id {
            return Err(AnchorError::Mismatch(format!(
                "the Ethereum node {node} is on chain id {chain_id}, not on the configured chain id {}",
                self.chain_id
            )));
        }

        // Sign the anchor transaction: to itself, no value, the digest as data.
        let digest = statement_digest(statement);
        let account = self.signer.address();
        let request = TransactionRequest::default()
            .with_from(account)
            .with_to(account)
            .with_value(U256::ZERO)
            .with_input(digest.to_vec())
            .with_chain_id(self.chain_id);
        let filled = runtime.block_on(provider.fill(request)).map_err(|e| call("preparing the transaction", e))?;
        let envelope = match filled {
            SendableTx::Envelope(envelope @ TxEnvelope::Eip1559(_)) => envelope,
            SendableTx::Envelope(other) => {
                return Err(AnchorError::Refused(format!(
                    "the transaction was prepared as type {}, not EIP-1559 (type 2): does {node} support EIP-1559?",
                    other.tx_type() as u8
                )));
            }
            SendableTx::Builder(_) => {
                return Err(AnchorError::Refused("the transaction could not be signed".to_owned()));
            }
        };
        let raw = envelope.encoded_2718();
        // What is sent must be what the offline check accepts.
        let decoded = decode_transaction(&raw)
            .map_err(|e| AnchorError::Mismatch(format!("the signed transaction does not decode: {e}")))?;
        if decoded.sender != account.0.0 || decoded.input != digest || decoded.chain_id != self.chain_id {
            return Err(AnchorError::Mismatch(
                "the signed transaction is not the anchor transaction (sender, data or chain id differs)".to_owned(),
            ));
        }
        let tx_hash: [u8; 32] = keccak256(&raw).0;

        let pending =
            runtime.block_on(provider.send_raw_transaction(&raw)).map_err(|e| call("eth_sendRawTransaction", e))?;
        if pending.tx_hash().0 != tx_hash {
            return Err(AnchorError::Mismatch(format!(
                "the node {node} answered transaction hash {} for the transaction whose hash is {}",
                hex0x(&pending.tx_hash().0),
                hex0x(&tx_hash)
            )));
        }

        // Wait until it is mined and confirmed; the receipt is read again at
        // each poll, so a reorganisation moves it to its new block.
        let deadline = Instant::now() + self.receipt_timeout;
        let (block_number, block_hash) = loop {
            let receipt = runtime
                .block_on(provider.get_transaction_receipt(B256::from(tx_hash)))
                .map_err(|e| call("eth_getTransactionReceipt", e))?;
            if let Some(receipt) = receipt {
                if receipt.transaction_hash.0 != tx_hash || receipt.from != account {
                    return Err(AnchorError::Mismatch(format!(
                        "the node {node} answered a receipt for transaction {} from {}, not for {} from {}",
                        hex0x(&receipt.transaction_hash.0),
                        hex0x(receipt.from.as_slice()),
                        hex0x(&tx_hash),
                        hex0x(account.as_slice())
                    )));
                }
                if !receipt.status() {
                    return Err(AnchorError::Refused(format!(
                        "the anchor transaction {} was mined but failed (status 0)",
                        hex0x(&tx_hash)
                    )));
                }
                let (Some(number), Some(hash)) = (receipt.block_number, receipt.block_hash) else {
                    return Err(AnchorError::Mismatch(format!(
                        "the node {node} answered a receipt with no block for transaction {}",
                        hex0x(&tx_hash)
                    )));
                };
                let confirmed = self.confirmations <= 1 || {
                    let latest =
                        runtime.block_on(provider.get_block_number()).map_err(|e| call("eth_blockNumber", e))?;
                    latest.saturating_sub(number).saturating_add(1) >= self.confirmations
                };
                if confirmed {
                    break (number, hash);
                }
            }
            if Instant::now() + self.poll_interval > deadline {
                return Err(AnchorError::Unreachable(format!(
                    "transaction {} was sent to {node} but not mined with {} confirmation(s) within {:?}",
                    hex0x(&tx_hash),
                    self.confirmations,
                    self.receipt_timeout
                )));
            }
            std::thread::sleep(self.poll_interval);
        };

        let block = runtime
            .block_on(async { provider.get_block_by_hash(block_hash).await })
            .map_err(|e| call("eth_getBlockByHash", e))?
            .ok_or_else(|| {
                AnchorError::Mismatch(format!("the node {node} does not know block {} of its own receipt", block_hash))
            })?;
        if block.header.hash != block_hash || block.header.number != block_number {
            return Err(AnchorError::Mismatch(format!(
                "the node {node} answered block {} ({}) when asked for block {} ({})",
                block.header.number, block.header.hash, block_number, block_hash
            )));
        }
        if !block.transactions.hashes().any(|hash| hash.0 == tx_hash) {
            return Err(AnchorError::Mismatch(format!(
                "block {block_number} ({block_hash}) does not list transaction {}",
                hex0x(&tx_hash)
            )));
        }

        let receipt = EthereumReceipt {
            statement: statement.to_owned(),
            chain_id: self.chain_id,
            tx_hash: hex0x(&tx_hash),
            raw_transaction: base64::encode(&raw),
            sender: hex0x(account.as_slice()),
            block_number,
            block_hash: hex0x(&block_hash.0),
            block_timestamp: block.header.timestamp,
        };
        verify(&receipt, &EthereumTrust { chain_id: self.chain_id }).map_err(|e| {
            AnchorError::Mismatch(format!("the receipt built from {node}'s answers does not verify: {e}"))
        })?;
        Ok(receipt)
    }
}

/// What an online check established: the offline facts, and the block as
/// the verifier's node has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EthereumChecked {
    /// What the offline checks established.
    pub verified: EthereumVerified,
    /// The block number, hash and time, now confirmed by the node.
    pub block_number: u64,
    /// The block's hash (the node's canonical block at that number).
    pub block_hash: [u8; 32],
    /// The block's timestamp, unix seconds.
    pub block_timestamp: u64,
    /// The node's latest block number when checked.
    pub latest_block: u64,
    /// Blocks from the transaction's block to the latest, both included.
    pub confirmations: u64,
}

impl EthereumChecked {
    /// One line for people.
    pub fn describe(&self) -> String {
        format!(
            "Ethereum transaction {} (chain id {}) signed by {} carries the statement's SHA-256 and is in block {} \
             ({}, unix time {}) of the node's canonical chain, {} confirmation(s)",
            hex0x(&self.verified.tx_hash),
            self.verified.chain_id,
            hex0x(&self.verified.sender),
            self.block_number,
            hex0x(&self.block_hash),
            self.block_timestamp,
            self.confirmations
        )
    }
}

/// Verifies `receipt` offline, then against the JSON-RPC node at `rpc_url`
/// that the verifier chooses (spec/anchors.md, ETH-9 to ETH-13): the node
/// is on the trusted chain, knows the transaction with the receipt's data
/// and sender in the receipt's block, that block is the node's canonical
/// block at that number, with the receipt's hash and time, and lists the
/// transaction, whose execution succeeded. Timeouts: 5 s to connect, 30 s
/// per call.
pub fn check_online(
    rpc_url: &str,
    receipt: &EthereumReceipt,
    trust: &EthereumTrust,
) -> Result<EthereumChecked, AnchorError> {
    check_online_with_timeouts(rpc_url, receipt, trust, Duration::from_secs(5), Duration::from_secs(30))
}

/// [`check_online`] with the given connect and per-call timeouts.
pub fn check_online_with_timeouts(
    rpc_url: &str,
    receipt: &EthereumReceipt,
    trust: &EthereumTrust,
    connect: Duration,
    call: Duration,
) -> Result<EthereumChecked, AnchorError> {
    let verified = verify(receipt, trust).map_err(|e| AnchorError::Mismatch(e.to_string()))?;
    let node = Node::new(rpc_url, connect, call);
    let name = &node.name;
    let tx_hash = hex0x(&verified.tx_hash);
    let mismatch = |why: String| AnchorError::Mismatch(format!("the node {name} says {why}"));

    // ETH-9: the node is on the trusted chain.
    let chain_id = node.quantity(&node.call("eth_chainId", serde_json::json!([]))?, "eth_chainId")?;
    if chain_id != trust.chain_id {
        return Err(mismatch(format!("it is on chain id {chain_id}, not on the trusted chain id {}", trust.chain_id)));
    }

    // ETH-10: the transaction, as the receipt has it, in the receipt's block.
    let tx = node.call("eth_getTransactionByHash", serde_json::json!([tx_hash]))?;
    if tx.is_null() {
        return Err(mismatch(format!("it does not know transaction {tx_hash}")));
    }
    let what = "eth_getTransactionByHash";
    if node.bytes(&tx["hash"], what)? != verified.tx_hash {
        return Err(mismatch(format!("transaction {tx_hash} has another hash")));
    }
    let input = node.bytes(&tx["input"], what)?;
    if input != verified.statement_digest {
        return Err(mismatch(format!(
            "transaction {tx_hash} carries data {}, not the statement's SHA-256",
            short(&input)
        )));
    }
    if node.bytes(&tx["from"], what)? != verified.sender {
        return Err(mismatch(format!("transaction {tx_hash} is not from {}", hex0x(&verified.sender))));
    }
    if tx["blockHash"].is_null() {
        return Err(mismatch(format!("transaction {tx_hash} is pending, in no block yet")));
    }
    let tx_block_hash = node.bytes(&tx["blockHash"], what)?;
    let tx_block_number = node.quantity(&tx["blockNumber"], what)?;
    if tx_block_hash != verified.claimed_block_hash || tx_block_number != receipt.block_number {
        return Err(mismatch(format!(
            "transaction {tx_hash} is in block {tx_block_number} ({}), not in the receipt's block {} ({})",
            short(&tx_block_hash),
            receipt.block_number,
            short(&verified.claimed_block_hash)
        )));
    }

    // ETH-11: its execution succeeded.
    let what = "eth_getTransactionReceipt";
    let tx_receipt = node.call(what, serde_json::json!([tx_hash]))?;
    if tx_receipt.is_null() {
        return Err(mismatch(format!("it has no receipt for transaction {tx_hash}")));
    }
    if node.quantity(&tx_receipt["status"], what)? != 1 {
        return Err(mismatch(format!("transaction {tx_hash} failed (status 0)")));
    }

    // ETH-12: the node's canonical block at that number is the receipt's.
    let what = "eth_getBlockByNumber";
    let block = node.call(what, serde_json::json!([format!("{:#x}", receipt.block_number), false]))?;
    if block.is_null() {
        return Err(mismatch(format!("it has no block {} on its chain", receipt.block_number)));
    }
    let block_hash = node.bytes(&block["hash"], what)?;
    if block_hash != verified.claimed_block_hash {
        return Err(mismatch(format!(
            "its canonical block {} is {}, not the receipt's {}",
            receipt.block_number,
            short(&block_hash),
            short(&verified.claimed_block_hash)
        )));
    }
    if node.quantity(&block["number"], what)? != receipt.block_number {
        return Err(mismatch(format!("block {} has another number", receipt.block_number)));
    }
    let timestamp = node.quantity(&block["timestamp"], what)?;
    if timestamp != receipt.block_timestamp {
        return Err(mismatch(format!(
            "block {}'s timestamp is {timestamp}, not the receipt's {}",
            receipt.block_number, receipt.block_timestamp
        )));
    }
    let listed = block["transactions"]
        .as_array()
        .ok_or_else(|| mismatch(format!("block {} has no transaction list", receipt.block_number)))?;
    if !listed.iter().any(|hash| node.bytes(hash, what).is_ok_and(|hash| hash == verified.tx_hash)) {
        return Err(mismatch(format!("block {} does not list transaction {tx_hash}", receipt.block_number)));
    }

    // ETH-13: confirmations, for the verifier's policy.
    let latest = node.quantity(&node.call("eth_blockNumber", serde_json::json!([]))?, "eth_blockNumber")?;
    let block_hash: [u8; 32] = block_hash.try_into().map_err(|_| mismatch("a block hash of another length".into()))?;
    Ok(EthereumChecked {
        verified,
        block_number: receipt.block_number,
        block_hash,
        block_timestamp: timestamp,
        latest_block: latest,
        confirmations: latest.saturating_sub(receipt.block_number).saturating_add(1),
    })
}

/// A JSON-RPC node reached with plain, bounded HTTP calls.
struct Node {
    url: String,
    name: String,
    agent: ureq::Agent,
}

impl Node {
    fn new(url: &str, connect: Duration, call: Duration) -> Node {
        Node { url: url.to_owned(), name: origin(url), agent: crate::http::agent(connect, call) }
    }

    /// The `result` of `method(params)`.
    fn call(&self, method: &str, params: Value) -> Result<Value, AnchorError> {
        let name = &self.name;
        let request = serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let mut response = self
            .agent
            .post(&self.url)
            .header("Content-Type", "application/json")
            .send(request.to_string())
            .map_err(|e| self.transport(method, e))?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER_BYTES)
            .read_to_string()
            .map_err(|e| self.transport(method, e))?;
        if status != 200 {
            return Err(AnchorError::Refused(format!("the node {name} answered {method} with HTTP status {status}")));
        }
        let mut answer: Value = serde_json::from_str(&text).map_err(|_| {
            AnchorError::Mismatch(format!("the node {name} answered {method} with something else than JSON"))
        })?;
        if let Some(error) = answer.get("error") {
            let message = error["message"].as_str().unwrap_or("");
            return Err(AnchorError::Refused(format!(
                "the node {name} refused {method}: {} {}",
                error["code"],
                quote(message)
            )));
        }
        if answer.get("id") != Some(&Value::from(1)) || !answer.as_object().is_some_and(|a| a.contains_key("result")) {
            return Err(AnchorError::Mismatch(format!("the node {name} answered {method} with no JSON-RPC result")));
        }
        Ok(answer["result"].take())
    }

    fn transport(&self, method: &str, e: ureq::Error) -> AnchorError {
        let why = e.to_string().replace(&self.url, &self.name);
        match e {
            ureq::Error::BodyExceedsLimit(_) => AnchorError::Mismatch(format!(
                "the node {} answered {method} with over {MAX_ANSWER_BYTES} bytes",
                self.name
            )),
            _ => AnchorError::Unreachable(format!("the node {} did not answer {method}: {why}", self.name)),
        }
    }

    /// A JSON-RPC quantity (`0x` hex, up to 64 bits).
    fn quantity(&self, value: &Value, method: &str) -> Result<u64, AnchorError> {
        value
            .as_str()
            .and_then(|text| text.strip_prefix("0x"))
            .filter(|hex| !hex.is_empty() && hex.len() <= 16 && hex.bytes().all(|c| c.is_ascii_hexdigit()))
            .and_then(|hex| u64::from_str_radix(hex, 16).ok())
            .ok_or_else(|| {
                AnchorError::Mismatch(format!(
                    "the node {} answered {method} with {} where a number was expected",
                    self.name,
                    quote(&value.to_string())
                ))
            })
    }

    /// JSON-RPC data (`0x` and hex digits).
    fn bytes(&self, value: &Value, method: &str) -> Result<Vec<u8>, AnchorError> {
        value.as_str().and_then(|text| text.strip_prefix("0x")).and_then(decode_hex_any_case).ok_or_else(|| {
            AnchorError::Mismatch(format!(
                "the node {} answered {method} with {} where hex data was expected",
                self.name,
                quote(&value.to_string())
            ))
        })
    }
}

/// Maps an `alloy` call failure: a JSON-RPC error is a refusal, an HTTP
/// error status too, an answer that does not parse a mismatch, and anything
/// else on the way (connection refused, timeout) unreachable. The node's
/// URL is shown as its origin only (it may carry an API key).
fn rpc_failure(node: &str, what: &str, e: TransportError) -> AnchorError {
    match e {
        RpcError::ErrorResp(payload) => AnchorError::Refused(format!(
            "the node {node} refused {what}: {} {}",
            payload.code,
            quote(&payload.message)
        )),
        RpcError::Transport(TransportErrorKind::HttpError(http)) => {
            AnchorError::Refused(format!("the node {node} answered {what} with HTTP status {}", http.status))
        }
        RpcError::Transport(TransportErrorKind::Custom(inner)) => {
            let why = match inner.downcast::<reqwest::Error>() {
                Ok(e) => error_chain(&e.without_url()),
                Err(inner) => error_chain(inner.as_ref()),
            };
            AnchorError::Unreachable(format!("the node {node} did not answer {what}: {why}"))
        }
        RpcError::Transport(kind) => AnchorError::Unreachable(format!("the node {node} did not answer {what}: {kind}")),
        RpcError::NullResp | RpcError::DeserError { .. } => {
            AnchorError::Mismatch(format!("the node {node} answered {what} with something else than JSON-RPC defines"))
        }
        other => AnchorError::Refused(format!("{what} failed: {other}")),
    }
}

/// An error and its sources, joined by `: `.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(next) = source {
        text.push_str(": ");
        text.push_str(&next.to_string());
        source = next.source();
    }
    text
}

/// `scheme://host:port` of a URL, without user, path or query (which may
/// carry an API key).
fn origin(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(url) => {
            let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
            format!("{}://{}{port}", url.scheme(), url.host_str().unwrap_or(""))
        }
        Err(_) => "(an invalid URL)".to_owned(),
    }
}

/// `0x` and the first 8 and last 4 hex digits of `bytes`.
fn short(bytes: &[u8]) -> String {
    let hex = hex0x(bytes);
    if hex.len() <= 18 { hex } else { format!("{}…{}", &hex[..10], &hex[hex.len() - 4..]) }
}

/// Hex digits of either case, an even number of them.
fn decode_hex_any_case(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) || !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    (0..hex.len()).step_by(2).map(|i| hex.get(i..i + 2).and_then(|pair| u8::from_str_radix(pair, 16).ok())).collect()
}
