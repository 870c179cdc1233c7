//! Ethereum receipts (spec/anchors.md): an anchor statement's SHA-256 carried
//! as the data of an EIP-1559 transaction that its sender sends to itself.
//!
//! Offline, the receipt's signed transaction is checked in full: its
//! Keccak-256 is the receipt's transaction hash, it is signed for the
//! trusted chain, its data is the statement's digest, and its signature
//! recovers to the receipt's sender. The receipt's block (number, hash,
//! time) is NOT checked offline: only a node can say that the transaction
//! is in that block and that the block is on the canonical chain
//! (`provedex_anchor::ethereum::check_online`).
//!
//! The transaction is decoded here by a small strict RLP reader of this
//! module (no Ethereum SDK): only canonical encodings are accepted.

use crate::{ReceiptError, statement_digest};
use k256::ecdsa::{RecoveryId, Signature, VerifyingKey};
use provedex_format::base64;
use provedex_format::display::quote;
use sha3::{Digest as _, Keccak256};

/// The longest statement a receipt may carry, in bytes (statements are
/// under 1 KiB).
pub const MAX_STATEMENT_BYTES: usize = 16 * 1024;

/// The longest signed transaction a receipt may carry, in bytes (an anchor
/// transaction is about 150 bytes).
pub const MAX_TRANSACTION_BYTES: usize = 2048;

/// The EIP-2718 type of an EIP-1559 transaction, the only one accepted.
pub const EIP1559_TYPE: u8 = 2;

/// The receipt of an Ethereum anchor: the signed transaction whose data is
/// the statement's SHA-256, and the block a node said holds it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct EthereumReceipt {
    /// The anchor statement, exactly as signed; the transaction's data is
    /// the SHA-256 of its UTF-8 bytes.
    pub statement: String,
    /// The EIP-155 chain id the transaction is signed for (1 is Ethereum
    /// mainnet).
    pub chain_id: u64,
    /// The transaction's hash: `0x` and the 64 lowercase hex digits of the
    /// Keccak-256 of `raw_transaction`.
    pub tx_hash: String,
    /// The signed transaction as sent: its EIP-2718 envelope (`0x02` and the
    /// RLP of an EIP-1559 transaction), in standard padded base64.
    pub raw_transaction: String,
    /// The address that signed the transaction and to which it is sent: `0x`
    /// and 40 lowercase hex digits.
    pub sender: String,
    /// The number of the block that holds the transaction, as the node
    /// said (checked online only).
    pub block_number: u64,
    /// The hash of that block: `0x` and 64 lowercase hex digits, as the
    /// node said (checked online only).
    pub block_hash: String,
    /// That block's timestamp in unix seconds, as the node said (checked
    /// online only).
    pub block_timestamp: u64,
}

/// What the verifier pins apart from the receipt: the chain it accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EthereumTrust {
    /// The EIP-155 chain id the transaction must be signed for.
    pub chain_id: u64,
}

/// What the offline checks established, and the block members they could
/// not check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EthereumVerified {
    /// The chain id the transaction is signed for (the trusted one).
    pub chain_id: u64,
    /// The Keccak-256 of the signed transaction.
    pub tx_hash: [u8; 32],
    /// The address recovered from the transaction's signature.
    pub sender: [u8; 20],
    /// The transaction's nonce.
    pub nonce: u64,
    /// The statement's SHA-256, which the transaction carries as its data.
    pub statement_digest: [u8; 32],
    /// The block number the receipt claims: NOT checked offline.
    pub claimed_block_number: u64,
    /// The block hash the receipt claims: NOT checked offline.
    pub claimed_block_hash: [u8; 32],
    /// The block time the receipt claims (unix seconds): NOT checked offline.
    pub claimed_block_timestamp: u64,
}

impl EthereumVerified {
    /// One line for people: what holds, and what still needs a node.
    pub fn describe(&self) -> String {
        format!(
            "Ethereum transaction {} (chain id {}, nonce {}) signed by {} carries the statement's SHA-256 \
             (transaction hash, chain id, data and signature checked offline); NOT checked offline: that block \
             {} ({}) holds it, that block's time (unix {}), and that the block is on the canonical chain: \
             check online against a node you trust (--eth-rpc URL)",
            hex0x(&self.tx_hash),
            self.chain_id,
            self.nonce,
            hex0x(&self.sender),
            self.claimed_block_number,
            short(&self.claimed_block_hash),
            self.claimed_block_timestamp,
        )
    }
}

/// A decoded signed EIP-1559 transaction, and the signer recovered from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedTransaction {
    /// Keccak-256 of the whole envelope: the transaction hash.
    pub hash: [u8; 32],
    /// Keccak-256 of `0x02 || rlp([chain_id … access_list])`: what is signed.
    pub signing_hash: [u8; 32],
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// The sender's nonce.
    pub nonce: u64,
    /// Priority fee per gas, in wei.
    pub max_priority_fee_per_gas: u128,
    /// Maximum fee per gas, in wei.
    pub max_fee_per_gas: u128,
    /// Gas limit.
    pub gas_limit: u64,
    /// Destination; `None` for a contract creation.
    pub to: Option<[u8; 20]>,
    /// Value in wei, a 256-bit big-endian integer.
    pub value: [u8; 32],
    /// The transaction's data.
    pub input: Vec<u8>,
    /// The access list's RLP encoding (an RLP list).
    pub access_list_rlp: Vec<u8>,
    /// The signature's y parity.
    pub y_parity: bool,
    /// The signature's r, big-endian.
    pub r: [u8; 32],
    /// The signature's s, big-endian (at most half the curve order).
    pub s: [u8; 32],
    /// The address recovered from the signature.
    pub sender: [u8; 20],
}

/// Half the order of secp256k1: the largest `s` accepted (EIP-2).
const HALF_ORDER: [u8; 32] = [
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x5d, 0x57, 0x6e,
    0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0,
];

/// Every offline check of an Ethereum receipt (spec/anchors.md, ETH-1 to
/// ETH-8), against the chain id the verifier trusts.
pub fn verify(receipt: &EthereumReceipt, trust: &EthereumTrust) -> Result<EthereumVerified, ReceiptError> {
    // ETH-1: bounded sizes and strict spellings.
    if receipt.statement.len() > MAX_STATEMENT_BYTES {
        return Err(ReceiptError::new(format!(
            "the receipt's statement is {} bytes long, over the limit of {MAX_STATEMENT_BYTES}",
            receipt.statement.len()
        )));
    }
    if receipt.raw_transaction.len() > MAX_TRANSACTION_BYTES.div_ceil(3) * 4 {
        return Err(ReceiptError::new(format!(
            "the receipt's raw_transaction is {} characters long, over the limit for {MAX_TRANSACTION_BYTES} bytes",
            receipt.raw_transaction.len()
        )));
    }
    let tx_hash = parse_hex0x::<32>("tx_hash", &receipt.tx_hash)?;
    let sender = parse_hex0x::<20>("sender", &receipt.sender)?;
    let block_hash = parse_hex0x::<32>("block_hash", &receipt.block_hash)?;
    let raw = base64::decode(&receipt.raw_transaction)
        .map_err(|why| ReceiptError::new(format!("the receipt's raw_transaction is {why}")))?;

    // ETH-2: the chain the verifier trusts.
    if receipt.chain_id != trust.chain_id {
        return Err(ReceiptError::new(format!(
            "the receipt is for chain id {}, but the trusted chain id is {}",
            receipt.chain_id, trust.chain_id
        )));
    }
    // ETH-3: the hash is the transaction's.
    let computed: [u8; 32] = Keccak256::digest(&raw).into();
    if computed != tx_hash {
        return Err(ReceiptError::new(format!(
            "the receipt's tx_hash {} is not the Keccak-256 of its raw_transaction ({})",
            short(&tx_hash),
            short(&computed)
        )));
    }
    // ETH-4 and ETH-7: a well-formed, signed EIP-1559 transaction.
    let tx = decode_transaction(&raw)?;
    // ETH-5: signed for that chain.
    if tx.chain_id != receipt.chain_id {
        return Err(ReceiptError::new(format!(
            "the transaction is signed for chain id {}, not for the receipt's chain id {}",
            tx.chain_id, receipt.chain_id
        )));
    }
    // ETH-6: it carries this statement.
    let digest = statement_digest(&receipt.statement);
    if tx.input != digest {
        return Err(ReceiptError::new(format!(
            "the transaction's data ({} bytes, {}) is not the SHA-256 of the receipt's statement ({})",
            tx.input.len(),
            short(&tx.input),
            short(&digest)
        )));
    }
    // ETH-7: signed by the receipt's sender.
    if tx.sender != sender {
        return Err(ReceiptError::new(format!(
            "the transaction is signed by {}, not by the receipt's sender {}",
            hex0x(&tx.sender),
            hex0x(&sender)
        )));
    }
    // ETH-8: the anchor form: sent to its sender, with no value.
    if tx.to != Some(sender) {
        let to = tx.to.map_or_else(|| "no address (a contract creation)".to_owned(), |to| hex0x(&to));
        return Err(ReceiptError::new(format!(
            "the transaction is sent to {to}, not to its sender {} as an anchor transaction is",
            hex0x(&sender)
        )));
    }
    if tx.value != [0; 32] {
        return Err(ReceiptError::new(format!(
            "the transaction moves value ({}), an anchor moves none",
            short(&tx.value)
        )));
    }
    Ok(EthereumVerified {
        chain_id: tx.chain_id,
        tx_hash,
        sender,
        nonce: tx.nonce,
        statement_digest: digest,
        claimed_block_number: receipt.block_number,
        claimed_block_hash: block_hash,
        claimed_block_timestamp: receipt.block_timestamp,
    })
}

/// Decodes a signed EIP-2718 envelope of type 2 (EIP-1559), strictly
/// (canonical RLP, nothing after it), and recovers its signer.
pub fn decode_transaction(raw: &[u8]) -> Result<SignedTransaction, ReceiptError> {
    let bad =
        |why: String| ReceiptError::new(format!("the raw transaction is not a valid EIP-1559 transaction: {why}"));
    if raw.len() > MAX_TRANSACTION_BYTES {
        return Err(bad(format!("{} bytes, over the limit of {MAX_TRANSACTION_BYTES}", raw.len())));
    }
    match raw.first() {
        None => return Err(bad("it is empty".into())),
        Some(&EIP1559_TYPE) => {}
        Some(&t) if t >= 0xc0 => {
            return Err(ReceiptError::new(
                "the raw transaction is a legacy (untyped) transaction; only EIP-1559 (type 2) transactions are accepted",
            ));
        }
        Some(&t) => {
            return Err(ReceiptError::new(format!(
                "the raw transaction is of type {t:#04x}; only EIP-1559 (type 2) transactions are accepted"
            )));
        }
    }
    let (item, rest) = rlp_item(&raw[1..]).map_err(bad)?;
    if !rest.is_empty() {
        return Err(bad(format!("{} bytes follow its RLP list", rest.len())));
    }
    let Rlp::List(payload) = item else {
        return Err(bad("its payload is an RLP string, not a list".into()));
    };
    let mut fields = Vec::with_capacity(12);
    let mut ends = Vec::with_capacity(12);
    let mut cursor = payload;
    while !cursor.is_empty() {
        let (field, rest) = rlp_item(cursor).map_err(bad)?;
        fields.push(field);
        cursor = rest;
        ends.push(payload.len() - cursor.len());
    }
    if fields.len() != 12 {
        return Err(bad(format!("its list has {} members, not 12", fields.len())));
    }
    let chain_id = u64::from_be_bytes(uint::<8>("chain id", &fields[0]).map_err(bad)?);
    let nonce = u64::from_be_bytes(uint::<8>("nonce", &fields[1]).map_err(bad)?);
    let max_priority_fee_per_gas = u128::from_be_bytes(uint::<16>("max priority fee", &fields[2]).map_err(bad)?);
    let max_fee_per_gas = u128::from_be_bytes(uint::<16>("max fee", &fields[3]).map_err(bad)?);
    let gas_limit = u64::from_be_bytes(uint::<8>("gas limit", &fields[4]).map_err(bad)?);
    let to = match &fields[5] {
        Rlp::Bytes([]) => None,
        Rlp::Bytes(b) if b.len() == 20 => Some(<[u8; 20]>::try_from(*b).unwrap_or_default()),
        Rlp::Bytes(b) => return Err(bad(format!("its destination is {} bytes, not 20 or none", b.len()))),
        Rlp::List(_) => return Err(bad("its destination is a list".into())),
    };
    let value = uint::<32>("value", &fields[6]).map_err(bad)?;
    let Rlp::Bytes(input) = &fields[7] else {
        return Err(bad("its data is a list".into()));
    };
    let access_list_rlp = match &fields[8] {
        Rlp::List(_) => payload[ends[7]..ends[8]].to_vec(),
        Rlp::Bytes(_) => return Err(bad("its access list is not a list".into())),
    };
    let y_parity = match uint::<1>("y parity", &fields[9]).map_err(bad)? {
        [0] => false,
        [1] => true,
        [v] => return Err(bad(format!("its signature's y parity is {v}, not 0 or 1"))),
    };
    let r = uint::<32>("signature r", &fields[10]).map_err(bad)?;
    let s = uint::<32>("signature s", &fields[11]).map_err(bad)?;

    // What was signed: the type byte and the RLP list of the first nine
    // members, re-framed from their canonical encodings as read.
    let unsigned = &payload[..ends[8]];
    let mut preimage = Vec::with_capacity(unsigned.len() + 10);
    preimage.push(EIP1559_TYPE);
    rlp_list_header(unsigned.len(), &mut preimage);
    preimage.extend_from_slice(unsigned);
    let signing_hash: [u8; 32] = Keccak256::digest(&preimage).into();

    let bad_sig = |why: &str| ReceiptError::new(format!("the transaction's signature is not valid: {why}"));
    if s > HALF_ORDER {
        return Err(bad_sig("its s is in the upper half of the curve order (EIP-2 allows only low s)"));
    }
    let signature =
        Signature::from_scalars(r, s).map_err(|_| bad_sig("r or s is zero or not below the curve order"))?;
    let key = VerifyingKey::recover_from_prehash(&signing_hash, &signature, RecoveryId::new(y_parity, false))
        .map_err(|_| bad_sig("no public key recovers from it"))?;
    let point = key.to_sec1_point(false);
    let sender = address_of_sec1_uncompressed(point.as_bytes())
        .ok_or_else(|| bad_sig("the recovered key has no uncompressed encoding"))?;
    Ok(SignedTransaction {
        hash: Keccak256::digest(raw).into(),
        signing_hash,
        chain_id,
        nonce,
        max_priority_fee_per_gas,
        max_fee_per_gas,
        gas_limit,
        to,
        value,
        input: input.to_vec(),
        access_list_rlp,
        y_parity,
        r,
        s,
        sender,
    })
}

/// The Ethereum address of an uncompressed SEC1 public key (`0x04 || x || y`):
/// the last 20 bytes of the Keccak-256 of `x || y`.
fn address_of_sec1_uncompressed(point: &[u8]) -> Option<[u8; 20]> {
    if point.len() != 65 || point[0] != 4 {
        return None;
    }
    let hash = Keccak256::digest(&point[1..]);
    <[u8; 20]>::try_from(&hash[12..]).ok()
}

/// `0x` and the lowercase hex of `bytes`.
pub fn hex0x(bytes: &[u8]) -> String {
    format!("0x{}", provedex_format::hex::encode(bytes))
}

/// `0x` and the first 8 and last 4 hex digits of `bytes` (all of it when short).
fn short(bytes: &[u8]) -> String {
    let hex = provedex_format::hex::encode(bytes);
    if hex.len() <= 16 { format!("0x{hex}") } else { format!("0x{}…{}", &hex[..8], &hex[hex.len() - 4..]) }
}

/// Parses `0x` and exactly `2 * N` lowercase hex digits.
pub fn parse_hex0x<const N: usize>(member: &str, text: &str) -> Result<[u8; N], ReceiptError> {
    text.strip_prefix("0x").and_then(|hex| provedex_format::hex::decode::<N>(hex).ok()).ok_or_else(|| {
        ReceiptError::new(format!(
            "the receipt's {member} is not `0x` and {} lowercase hex digits: {}",
            2 * N,
            quote(text)
        ))
    })
}

// ---------------------------------------------------------------- RLP

/// One RLP item: the payload of a byte string or of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rlp<'a> {
    Bytes(&'a [u8]),
    List(&'a [u8]),
}

/// Reads one canonical RLP item from the start of `input`: the item and
/// what follows it.
fn rlp_item(input: &[u8]) -> Result<(Rlp<'_>, &[u8]), String> {
    let (&first, after) = input.split_first().ok_or("an RLP item is cut short")?;
    let (is_list, offset, len) = match first {
        0x00..=0x7f => return Ok((Rlp::Bytes(&input[..1]), after)),
        0x80..=0xb7 => (false, 1, usize::from(first - 0x80)),
        0xb8..=0xbf => (false, 1 + usize::from(first - 0xb7), long_length(after, usize::from(first - 0xb7))?),
        0xc0..=0xf7 => (true, 1, usize::from(first - 0xc0)),
        0xf8..=0xff => (true, 1 + usize::from(first - 0xf7), long_length(after, usize::from(first - 0xf7))?),
    };
    let end = offset.checked_add(len).filter(|&end| end <= input.len()).ok_or("an RLP item is cut short")?;
    let payload = &input[offset..end];
    if !is_list && len == 1 && payload[0] < 0x80 {
        return Err("a single byte below 0x80 is framed as a string (not canonical RLP)".into());
    }
    let item = if is_list { Rlp::List(payload) } else { Rlp::Bytes(payload) };
    Ok((item, &input[end..]))
}

/// The length in the `size` bytes of a long RLP header, canonical (no
/// leading zero, at least 56).
fn long_length(after: &[u8], size: usize) -> Result<usize, String> {
    let bytes = after.get(..size).ok_or("an RLP length is cut short")?;
    if bytes[0] == 0 {
        return Err("an RLP length has a leading zero (not canonical RLP)".into());
    }
    let mut len: usize = 0;
    for &b in bytes {
        len = len.checked_mul(256).and_then(|l| l.checked_add(usize::from(b))).ok_or("an RLP length overflows")?;
    }
    if len < 56 {
        return Err("a short RLP item has a long header (not canonical RLP)".into());
    }
    Ok(len)
}

/// A canonical RLP unsigned integer of at most `N` bytes, big-endian,
/// left-padded to `N` bytes.
fn uint<const N: usize>(what: &str, item: &Rlp<'_>) -> Result<[u8; N], String> {
    let Rlp::Bytes(bytes) = item else {
        return Err(format!("its {what} is a list, not an integer"));
    };
    if bytes.len() > N {
        return Err(format!("its {what} is {} bytes long, over {N}", bytes.len()));
    }
    if bytes.first() == Some(&0) {
        return Err(format!("its {what} has a leading zero byte (not canonical RLP)"));
    }
    let mut out = [0u8; N];
    out[N - bytes.len()..].copy_from_slice(bytes);
    Ok(out)
}

/// Appends the RLP header of a list whose payload is `len` bytes long.
fn rlp_list_header(len: usize, out: &mut Vec<u8>) {
    if len < 56 {
        out.push(0xc0 + len as u8);
    } else {
        let be = (len as u64).to_be_bytes();
        let skip = be.iter().take_while(|&&b| b == 0).count();
        out.push(0xf7 + (8 - skip) as u8);
        out.extend_from_slice(&be[skip..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A transaction signed and mined by anvil 1.7.1 itself (`eth_sendTransaction`
    /// from its unlocked dev account 0, chain id 1), read back with
    /// `eth_getRawTransactionByHash` and `eth_getBlockByNumber`: nothing of
    /// this crate made it.
    fn anvil_fixture() -> EthereumReceipt {
        EthereumReceipt {
            statement: r#"{"made_nanos":1764547200000000000,"origin":"provedex-ledger/fixture","root":"abababababababababababababababababababababababababababababababab","signature":"fixture","tree_size":42}"#.to_owned(),
            chain_id: 1,
            tx_hash: "0x8328a9e11b5bf18a2c176da60da4805cb7cf45b88cfb99b1042c9c05fb0b67f4".to_owned(),
            raw_transaction: "AviKAYCEO5rKAIR3NZQAglcIlPOf1uUarYj29M5quIJyec//uSJmgKDWm5KYfV0fzy6y3EnRnoR6/+h6GIRN5+8NNaPgihY9jMABoBZW1xuxbhEf23/gnuUrfEUAO/ue1gu6i68e+Md4FkvEoBYNwFE7KmxdSCkkjjT7lWh6gp+nBLPcT28QU02SR0Qg".to_owned(),
            sender: "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266".to_owned(),
            block_number: 1,
            block_hash: "0x83f0f3294a419a97cd655b61131d26b1c1aecc9e1282e426dd3ee5bc9606b35c".to_owned(),
            block_timestamp: 1796146333,
        }
    }

    #[test]
    fn a_transaction_signed_by_anvil_verifies_offline() {
        let receipt = anvil_fixture();
        let verified = verify(&receipt, &EthereumTrust { chain_id: 1 }).unwrap();
        assert_eq!(hex0x(&verified.sender), "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266");
        assert_eq!(verified.nonce, 0);
        assert_eq!(verified.claimed_block_number, 1);
        let line = verified.describe();
        assert!(line.contains("NOT checked offline") && line.contains("--eth-rpc"), "{line}");
        let raw = base64::decode(&receipt.raw_transaction).unwrap();
        let tx = decode_transaction(&raw).unwrap();
        // The members as anvil's own JSON-RPC answer gave them.
        assert_eq!((tx.gas_limit, tx.max_fee_per_gas, tx.max_priority_fee_per_gas), (0x5708, 0x77359400, 0x3b9aca00));
        assert_eq!(tx.to, Some(tx.sender));
        assert_eq!(tx.access_list_rlp, [0xc0]);
        let why = verify(&receipt, &EthereumTrust { chain_id: 31337 }).unwrap_err().to_string();
        assert_eq!(why, "the receipt is for chain id 1, but the trusted chain id is 31337");
    }

    /// Examples of the RLP specification (Ethereum yellow paper, appendix B,
    /// and the ethereum.org RLP page).
    #[test]
    fn rlp_reads_the_specification_examples_and_refuses_non_canonical_forms() {
        assert_eq!(rlp_item(&[0x83, b'd', b'o', b'g']), Ok((Rlp::Bytes(b"dog"), &[][..])));
        let cat_dog = [0xc8, 0x83, b'c', b'a', b't', 0x83, b'd', b'o', b'g'];
        let (Rlp::List(items), rest) = rlp_item(&cat_dog).unwrap() else { panic!("not a list") };
        assert!(rest.is_empty());
        let (cat, rest) = rlp_item(items).unwrap();
        assert_eq!(cat, Rlp::Bytes(b"cat"));
        assert_eq!(rlp_item(rest), Ok((Rlp::Bytes(b"dog"), &[][..])));
        assert_eq!(rlp_item(&[0x80]), Ok((Rlp::Bytes(b""), &[][..])));
        assert_eq!(rlp_item(&[0xc0]), Ok((Rlp::List(b""), &[][..])));
        assert_eq!(uint::<8>("n", &rlp_item(&[0x0f]).unwrap().0), Ok(15u64.to_be_bytes()));
        assert_eq!(uint::<8>("n", &rlp_item(&[0x82, 0x04, 0x00]).unwrap().0), Ok(1024u64.to_be_bytes()));
        let lorem = b"Lorem ipsum dolor sit amet, consectetur adipisicing elit";
        let mut long = vec![0xb8, 0x38];
        long.extend_from_slice(lorem);
        assert_eq!(rlp_item(&long), Ok((Rlp::Bytes(lorem), &[][..])));
        // The set-theoretical representation of three: [ [], [[]], [ [], [[]] ] ].
        let three = [0xc7, 0xc0, 0xc1, 0xc0, 0xc3, 0xc0, 0xc1, 0xc0];
        assert!(matches!(rlp_item(&three), Ok((Rlp::List(_), []))));

        assert!(rlp_item(&[0x81, 0x05]).is_err(), "a small byte framed as a string");
        assert!(rlp_item(&[0xb8, 0x05, 1, 2, 3, 4, 5]).is_err(), "a short string with a long header");
        assert!(rlp_item(&[0xb9, 0x00, 0x38]).is_err(), "a length with a leading zero");
        assert!(rlp_item(&[0x83, b'd', b'o']).is_err(), "cut short");
        assert!(rlp_item(&[0xbf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]).is_err(), "a huge length");
        assert!(uint::<8>("n", &Rlp::Bytes(&[0, 1])).is_err(), "an integer with a leading zero");
        assert!(uint::<1>("n", &Rlp::Bytes(&[1, 1])).is_err(), "an integer too long");
    }

    #[test]
    fn rlp_list_headers_round_trip() {
        for len in [0usize, 1, 55, 56, 255, 256, 1000, 70000] {
            let mut encoded = Vec::new();
            rlp_list_header(len, &mut encoded);
            encoded.extend(std::iter::repeat_n(0x01, len));
            let (item, rest) = rlp_item(&encoded).unwrap();
            assert_eq!(item, Rlp::List(&encoded[encoded.len() - len..]));
            assert!(rest.is_empty());
        }
    }

    /// The address of the secp256k1 key 1 (the generator point), a
    /// published value.
    #[test]
    fn the_address_of_key_one_is_the_published_one() {
        let key = k256::ecdsa::SigningKey::from_slice(&{
            let mut one = [0u8; 32];
            one[31] = 1;
            one
        })
        .unwrap();
        let point = key.verifying_key().to_sec1_point(false);
        assert_eq!(
            hex0x(&address_of_sec1_uncompressed(point.as_bytes()).unwrap()),
            "0x7e5f4552091a69125d5dfcb7b8c2659029395bdf"
        );
    }

    #[test]
    fn decoding_random_bytes_never_panics() {
        let mut seed = 0x1234_5678_9abc_def0u64;
        for round in 0..20_000 {
            let len = (round % 200) as usize;
            let mut bytes = Vec::with_capacity(len);
            for _ in 0..len {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                bytes.push(seed as u8);
            }
            if round % 2 == 0 && !bytes.is_empty() {
                bytes[0] = EIP1559_TYPE;
                if bytes.len() > 1 {
                    bytes[1] = 0xc0 + (bytes.len() as u8 % 56);
                }
            }
            let _ = decode_transaction(&bytes);
        }
    }
}
