//! The Solana anchor: a legacy transaction with one SPL Memo instruction
//! carrying the lowercase hex of the statement's SHA-256, built and signed
//! here (no Solana SDK), sent over JSON-RPC, and read back once confirmed.

use crate::{AnchorError, http};
use provedex_format::base64;
use provedex_format::display::{escape, quote};
use provedex_receipts::solana::{
    self as receipts, SolanaReceipt, SolanaTrust, SolanaVerified, base58_array, base58_encode, memo_for,
    memo_transaction, payer_public_key,
};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// How far a transaction must be confirmed before the anchor returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Commitment {
    /// Voted on by a supermajority of the cluster.
    Confirmed,
    /// Rooted: a supermajority voted on 31 or more blocks built on it.
    Finalized,
}

impl Commitment {
    fn as_str(self) -> &'static str {
        match self {
            Commitment::Confirmed => "confirmed",
            Commitment::Finalized => "finalized",
        }
    }

    fn reached_by(self, status: &str) -> bool {
        match self {
            Commitment::Confirmed => status == "confirmed" || status == "finalized",
            Commitment::Finalized => status == "finalized",
        }
    }
}

/// The largest JSON-RPC answer read.
const MAX_RESPONSE_BYTES: u64 = 1024 * 1024;

/// Connection settings of a Solana JSON-RPC node.
#[derive(Debug, Clone)]
pub struct SolanaRpc {
    url: String,
    /// Connecting to the node (default 5 s).
    pub connect_timeout: Duration,
    /// One whole call (default 30 s).
    pub call_timeout: Duration,
}

impl SolanaRpc {
    /// A node at `url` (`http://127.0.0.1:8899`), default timeouts.
    pub fn new(url: impl Into<String>) -> Self {
        SolanaRpc { url: url.into(), connect_timeout: Duration::from_secs(5), call_timeout: Duration::from_secs(30) }
    }

    /// The node's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Calls `method` with `params`; returns the `result` member.
    pub fn call(&self, method: &str, params: Value) -> Result<Value, AnchorError> {
        let agent = http::agent(self.connect_timeout, self.call_timeout);
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string();
        let what = format!("Solana node {} ({method})", quote(&self.url));
        let mut response = agent
            .post(&self.url)
            .header("Content-Type", "application/json")
            .send(body.as_bytes())
            .map_err(|e| transport_error(&what, e))?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .with_config()
            .limit(MAX_RESPONSE_BYTES)
            .read_to_string()
            .map_err(|e| transport_error(&what, e))?;
        if status == 429 || status >= 500 {
            return Err(AnchorError::Unreachable(format!("{what} answered HTTP {status}")));
        }
        if status != 200 {
            return Err(AnchorError::Refused(format!("{what} answered HTTP {status}: {}", shown(&text))));
        }
        let answer: Value = serde_json::from_str(&text)
            .map_err(|e| AnchorError::Mismatch(format!("{what} answered something else than JSON: {e}")))?;
        if let Some(error) = answer.get("error") {
            let code = error.get("code").and_then(Value::as_i64).unwrap_or(0);
            let message = error.get("message").and_then(Value::as_str).unwrap_or("");
            return Err(AnchorError::Refused(format!("{what} refused: error {code}: {}", shown(message))));
        }
        if answer.get("id") != Some(&json!(1)) {
            return Err(AnchorError::Mismatch(format!("{what} answered with another request id")));
        }
        answer.get("result").cloned().ok_or_else(|| AnchorError::Mismatch(format!("{what} answered without a result")))
    }
}

/// A node's message for people: escaped, quoted, cut after 300 characters.
fn shown(text: &str) -> String {
    match text.char_indices().nth(300) {
        None => format!("\"{}\"", escape(text)),
        Some((cut, _)) => format!("\"{}\"… ({} bytes in all)", escape(&text[..cut]), text.len()),
    }
}

fn transport_error(what: &str, e: ureq::Error) -> AnchorError {
    match e {
        ureq::Error::BodyExceedsLimit(n) => {
            AnchorError::Mismatch(format!("{what} answered more than {n} bytes, over the limit"))
        }
        ureq::Error::BadUri(_) | ureq::Error::Http(_) => AnchorError::Refused(format!("{what}: {e}")),
        e => AnchorError::Unreachable(format!("{what} could not be reached: {e}")),
    }
}

/// A Solana anchor: a fee payer that writes memo transactions on a cluster.
pub struct SolanaAnchor {
    rpc: SolanaRpc,
    payer_seed: [u8; 32],
    commitment: Commitment,
    /// How long to wait for the transaction to reach the commitment (default 60 s).
    pub confirm_timeout: Duration,
    /// How often to ask for its status (default 400 ms, about a slot).
    pub poll_interval: Duration,
}

impl std::fmt::Debug for SolanaAnchor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SolanaAnchor")
            .field("rpc", &self.rpc)
            .field("payer", &self.payer())
            .field("payer_seed", &"<secret>")
            .field("commitment", &self.commitment)
            .field("confirm_timeout", &self.confirm_timeout)
            .field("poll_interval", &self.poll_interval)
            .finish()
    }
}

impl Drop for SolanaAnchor {
    fn drop(&mut self) {
        // Best effort: wipe the seed, and keep the wipe from being optimized away.
        self.payer_seed = [0; 32];
        std::hint::black_box(&self.payer_seed);
    }
}

/// A receipt re-read from a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SolanaChecked {
    /// What the receipt establishes offline.
    pub verified: SolanaVerified,
    /// The slot the node reports (equal to the receipt's).
    pub slot: u64,
    /// The block time the node reports (equal to the receipt's).
    pub block_time: Option<i64>,
    /// How far the node says the transaction is confirmed (`confirmed`, `finalized`).
    pub confirmation: String,
    /// The node's genesis hash (base58): the cluster it serves.
    pub genesis_hash: String,
}

impl SolanaChecked {
    /// One line for people.
    pub fn describe(&self) -> String {
        let time = match self.block_time {
            Some(t) => format!("block time {t} (unix seconds)"),
            None => "no block time".to_string(),
        };
        format!(
            "Solana memo transaction {} by fee payer {} carrying the statement's SHA-256 is in slot {}, {}, {} on the cluster with genesis hash {}",
            self.verified.signature, self.verified.payer, self.slot, time, self.confirmation, self.genesis_hash
        )
    }
}

impl SolanaAnchor {
    /// An anchor that pays with the Ed25519 key of `payer_seed` (its 32-byte
    /// secret) on the node at `rpc_url`, waiting for `confirmed`.
    pub fn new(rpc_url: impl Into<String>, payer_seed: [u8; 32]) -> Self {
        SolanaAnchor {
            rpc: SolanaRpc::new(rpc_url),
            payer_seed,
            commitment: Commitment::Confirmed,
            confirm_timeout: Duration::from_secs(60),
            poll_interval: Duration::from_millis(400),
        }
    }

    /// Waits for `commitment` instead of `confirmed`.
    pub fn with_commitment(mut self, commitment: Commitment) -> Self {
        self.commitment = commitment;
        self
    }

    /// Sets the connect and whole-call timeouts of each RPC call.
    pub fn with_timeouts(mut self, connect: Duration, call: Duration) -> Self {
        self.rpc.connect_timeout = connect;
        self.rpc.call_timeout = call;
        self
    }

    /// The fee payer's public key (base58).
    pub fn payer(&self) -> String {
        base58_encode(&payer_public_key(&self.payer_seed))
    }

    /// The node.
    pub fn rpc(&self) -> &SolanaRpc {
        &self.rpc
    }

    /// Publishes the SHA-256 of `statement` in a memo transaction and returns
    /// its receipt once the transaction reached the commitment, after
    /// re-reading it from the node and verifying the receipt offline.
    pub fn anchor(&self, statement: &str) -> Result<SolanaReceipt, AnchorError> {
        let commitment = self.commitment.as_str();
        let latest = self.rpc.call("getLatestBlockhash", json!([{"commitment": commitment}]))?;
        let blockhash_text = latest
            .pointer("/value/blockhash")
            .and_then(Value::as_str)
            .ok_or_else(|| AnchorError::Mismatch("getLatestBlockhash answered without a blockhash".to_string()))?;
        let blockhash: [u8; 32] = base58_array(blockhash_text).map_err(|why| {
            AnchorError::Mismatch(format!(
                "getLatestBlockhash answered a blockhash that {why}: {}",
                quote(blockhash_text)
            ))
        })?;
        let wire = memo_transaction(&self.payer_seed, &blockhash, statement);
        let txid = base58_encode(&wire[1..65]);
        let sent = self.rpc.call(
            "sendTransaction",
            json!([base64::encode(&wire), {"encoding": "base64", "preflightCommitment": commitment}]),
        )?;
        if sent.as_str() != Some(txid.as_str()) {
            return Err(AnchorError::Mismatch(format!(
                "sendTransaction answered the id {}, not the transaction's first signature {txid}",
                quote(&sent.to_string())
            )));
        }
        self.wait_for(&txid)?;
        // The node may confirm a signature a moment before it serves the transaction.
        let deadline = Instant::now() + self.confirm_timeout;
        let found = loop {
            if let Some(found) = read_transaction(&self.rpc, &txid, commitment)? {
                break found;
            }
            if Instant::now() >= deadline {
                return Err(AnchorError::Unreachable(format!(
                    "the node confirmed transaction {txid} but did not serve it within {:?}",
                    self.confirm_timeout
                )));
            }
            std::thread::sleep(self.poll_interval);
        };
        if found.wire != wire {
            return Err(AnchorError::Mismatch(format!(
                "the node serves other bytes for transaction {txid} than were sent"
            )));
        }
        check_logs(&found, statement)?;
        let receipt = SolanaReceipt {
            statement: statement.to_string(),
            signature: txid,
            transaction: base64::encode(&wire),
            slot: found.slot,
            block_time: found.block_time,
            payer: self.payer(),
        };
        let trust = SolanaTrust { payer: Some(self.payer()), genesis_hash: None };
        receipts::verify(&receipt, &trust)
            .map_err(|e| AnchorError::Mismatch(format!("the receipt built does not verify: {e}")))?;
        Ok(receipt)
    }

    /// Asks the node for an airdrop of `lamports` to the fee payer (test
    /// validators and devnets only) and waits until it is confirmed.
    pub fn request_airdrop(&self, lamports: u64) -> Result<String, AnchorError> {
        let id = self
            .rpc
            .call("requestAirdrop", json!([self.payer(), lamports, {"commitment": self.commitment.as_str()}]))?;
        let id = id
            .as_str()
            .ok_or_else(|| AnchorError::Mismatch("requestAirdrop answered without a transaction id".to_string()))?
            .to_string();
        self.wait_for(&id)?;
        Ok(id)
    }

    /// The fee payer's balance in lamports.
    pub fn balance(&self) -> Result<u64, AnchorError> {
        let answer = self.rpc.call("getBalance", json!([self.payer(), {"commitment": self.commitment.as_str()}]))?;
        answer
            .pointer("/value")
            .and_then(Value::as_u64)
            .ok_or_else(|| AnchorError::Mismatch("getBalance answered without a balance".to_string()))
    }

    /// Polls getSignatureStatuses until `txid` reaches the commitment.
    fn wait_for(&self, txid: &str) -> Result<String, AnchorError> {
        let deadline = Instant::now() + self.confirm_timeout;
        loop {
            if let Some(status) = signature_status(&self.rpc, txid)?
                && self.commitment.reached_by(&status)
            {
                return Ok(status);
            }
            if Instant::now() >= deadline {
                return Err(AnchorError::Unreachable(format!(
                    "transaction {txid} did not reach {} within {:?}",
                    self.commitment.as_str(),
                    self.confirm_timeout
                )));
            }
            std::thread::sleep(self.poll_interval);
        }
    }
}

/// The confirmation status of `txid` (`processed`, `confirmed`,
/// `finalized`), `None` while the node does not know it; a failed
/// transaction is `Refused`.
fn signature_status(rpc: &SolanaRpc, txid: &str) -> Result<Option<String>, AnchorError> {
    let answer = rpc.call("getSignatureStatuses", json!([[txid], {"searchTransactionHistory": true}]))?;
    let status = answer
        .pointer("/value/0")
        .ok_or_else(|| AnchorError::Mismatch("getSignatureStatuses answered without a status list".to_string()))?;
    if status.is_null() {
        return Ok(None);
    }
    if let Some(err) = status.get("err")
        && !err.is_null()
    {
        return Err(AnchorError::Refused(format!("transaction {txid} failed: {}", shown(&err.to_string()))));
    }
    match status.get("confirmationStatus") {
        None | Some(Value::Null) => Ok(Some("processed".to_string())),
        Some(Value::String(s)) if ["processed", "confirmed", "finalized"].contains(&s.as_str()) => Ok(Some(s.clone())),
        Some(other) => Err(AnchorError::Mismatch(format!(
            "getSignatureStatuses answered the unknown confirmation status {}",
            shown(&other.to_string())
        ))),
    }
}

/// A transaction as a node serves it.
struct Found {
    wire: Vec<u8>,
    slot: u64,
    block_time: Option<i64>,
    logs: Vec<String>,
}

fn read_transaction(rpc: &SolanaRpc, txid: &str, commitment: &str) -> Result<Option<Found>, AnchorError> {
    let answer = rpc.call(
        "getTransaction",
        json!([txid, {"encoding": "base64", "commitment": commitment, "maxSupportedTransactionVersion": 0}]),
    )?;
    if answer.is_null() {
        return Ok(None);
    }
    let bad = |why: &str| AnchorError::Mismatch(format!("getTransaction for {txid} answered {why}"));
    let encoded = answer
        .pointer("/transaction/0")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("without the transaction in base64"))?;
    if encoded.len() > 4 * receipts::MAX_TRANSACTION_BYTES {
        return Err(bad("an oversized transaction"));
    }
    let wire = base64::decode(encoded).map_err(|why| bad(&format!("a transaction that is {why}")))?;
    let slot = answer.get("slot").and_then(Value::as_u64).ok_or_else(|| bad("without a slot"))?;
    let block_time = match answer.get("blockTime") {
        None | Some(Value::Null) => None,
        Some(t) => Some(t.as_i64().ok_or_else(|| bad("a block time that is not an integer"))?),
    };
    if let Some(err) = answer.pointer("/meta/err")
        && !err.is_null()
    {
        return Err(AnchorError::Refused(format!("transaction {txid} failed: {}", shown(&err.to_string()))));
    }
    let logs = answer
        .pointer("/meta/logMessages")
        .and_then(Value::as_array)
        .map(|lines| lines.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default();
    Ok(Some(Found { wire, slot, block_time, logs }))
}

/// The runtime logs `Program <memo program> success`, and the memo program
/// logs the memo (SPL Memo: `Program log: Memo (len 64): "<memo>"`; any
/// program log line holding the 64 hex digits is accepted).
fn check_logs(found: &Found, statement: &str) -> Result<(), AnchorError> {
    let memo = memo_for(statement);
    let success = format!("Program {} success", receipts::MEMO_PROGRAM_ID);
    if !found.logs.contains(&success) {
        return Err(AnchorError::Mismatch(format!(
            "the transaction's logs do not show the memo program succeeding ({} log lines)",
            found.logs.len()
        )));
    }
    if !found.logs.iter().any(|l| l.starts_with("Program log: ") && l.contains(&memo)) {
        return Err(AnchorError::Mismatch(format!(
            "the transaction's logs do not show the memo program logging the statement's SHA-256 ({} log lines)",
            found.logs.len()
        )));
    }
    Ok(())
}

/// Re-reads a receipt's transaction from the node at `rpc_url`: the receipt
/// verifies offline with `trust`; the node serves the same transaction bytes,
/// in the same slot with the same block time, successful, at least
/// `confirmed`, with the memo program's log of the statement's digest; and
/// when `trust` pins a genesis hash, the node's is that one.
pub fn check_online(rpc_url: &str, receipt: &SolanaReceipt, trust: &SolanaTrust) -> Result<SolanaChecked, AnchorError> {
    check_online_with(&SolanaRpc::new(rpc_url), receipt, trust)
}

/// [`check_online`] with the node's timeouts chosen.
pub fn check_online_with(
    rpc: &SolanaRpc,
    receipt: &SolanaReceipt,
    trust: &SolanaTrust,
) -> Result<SolanaChecked, AnchorError> {
    let verified = receipts::verify(receipt, trust).map_err(|e| AnchorError::Mismatch(e.to_string()))?;
    let genesis = rpc.call("getGenesisHash", json!([]))?;
    let genesis_hash = genesis
        .as_str()
        .ok_or_else(|| AnchorError::Mismatch("getGenesisHash answered without a hash".to_string()))?
        .to_string();
    if base58_array::<32>(&genesis_hash).is_err() {
        return Err(AnchorError::Mismatch(format!(
            "getGenesisHash answered {}, not the base58 of a 32-byte hash",
            quote(&genesis_hash)
        )));
    }
    if let Some(pinned) = &trust.genesis_hash
        && *pinned != genesis_hash
    {
        return Err(AnchorError::Mismatch(format!(
            "the node serves the cluster with genesis hash {}, not the expected {}",
            quote(&genesis_hash),
            quote(pinned)
        )));
    }
    let txid = &verified.signature;
    let Some(found) = read_transaction(rpc, txid, "confirmed")? else {
        return Err(AnchorError::Mismatch(format!("the node does not know transaction {txid}")));
    };
    let sent = base64::decode(&receipt.transaction).map_err(|why| AnchorError::Mismatch(why.to_string()))?;
    if found.wire != sent {
        return Err(AnchorError::Mismatch(format!(
            "the node serves other bytes for transaction {txid} than the receipt's"
        )));
    }
    if found.slot != receipt.slot {
        return Err(AnchorError::Mismatch(format!(
            "the node has transaction {txid} in slot {}, not the receipt's slot {}",
            found.slot, receipt.slot
        )));
    }
    if found.block_time != receipt.block_time {
        return Err(AnchorError::Mismatch(format!(
            "the node gives block time {:?} for transaction {txid}, not the receipt's {:?}",
            found.block_time, receipt.block_time
        )));
    }
    check_logs(&found, &receipt.statement)?;
    let confirmation = signature_status(rpc, txid)?
        .ok_or_else(|| AnchorError::Mismatch(format!("the node serves transaction {txid} but has no status for it")))?;
    if !Commitment::Confirmed.reached_by(&confirmation) {
        return Err(AnchorError::Mismatch(format!(
            "transaction {txid} is only {}, not confirmed",
            quote(&confirmation)
        )));
    }
    Ok(SolanaChecked { verified, slot: found.slot, block_time: found.block_time, confirmation, genesis_hash })
}
