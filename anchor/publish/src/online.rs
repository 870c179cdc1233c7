//! Checking a bundle's receipts with the servers a verifier chooses: what
//! no receipt shows offline (a WORM store holding the object under its
//! lock, a chain holding the transaction in a block with its time) is asked
//! of the store or of a node, after every offline check has passed.

use provedex_format::PublicKeyBytes;
use provedex_receipts::Receipt;
use provedex_receipts::check::{OfflineChecker, failed, not_checked, reaches, read_receipt};
use provedex_receipts::ethereum::EthereumTrust;
use provedex_receipts::solana::SolanaTrust;
use provedex_verify::SignedCheckpoint;
use provedex_verify::bundle::{ProofLevel, ReceiptChecker, ReceiptOutcome, Verdict};

use provedex_format::note::NoteKey;
use provedex_receipts::rfc3161::certificates_from_pem;

use crate::AnchorError;
use crate::config::Config;
use crate::s3::{S3Anchor, S3Config};

/// The S3 store a verifier trusts, and the credentials it reads it with.
#[derive(Clone)]
pub struct S3Store {
    /// The store's endpoint: a receipt naming another store is not checked.
    pub endpoint: String,
    /// The access key id.
    pub access_key: String,
    /// The secret access key: never shown.
    pub secret_key: String,
    /// The region to sign for.
    pub region: String,
}

/// Checks receipts offline, then online where the verifier named a server.
#[derive(Clone, Default)]
pub struct OnlineChecker {
    /// The offline checks and trust anchors.
    pub offline: OfflineChecker,
    /// An Ethereum JSON-RPC node the verifier trusts.
    pub eth_rpc: Option<String>,
    /// A Solana JSON-RPC node the verifier trusts.
    pub solana_rpc: Option<String>,
    /// The S3 store to read S3 receipts' objects from.
    pub s3: Option<S3Store>,
}

impl OnlineChecker {
    /// Trusts the TSA root certificates in `pem` (PEM text).
    pub fn trust_tsa_roots(&mut self, pem: &[u8]) -> Result<(), String> {
        self.offline.trust.tsa_roots.extend(certificates_from_pem(pem)?);
        Ok(())
    }

    /// Trusts the transparency log whose C2SP Ed25519 verifier key is `key`.
    pub fn trust_log_key(&mut self, key: &str) -> Result<(), String> {
        self.offline.trust.log_keys.push(NoteKey::parse_verifier_key(key).map_err(|e| e.to_string())?);
        Ok(())
    }

    /// Ethereum receipts must be on `chain_id`; `rpc` names a node trusted to
    /// say whether each one's transaction is in its block, and when. A node
    /// is asked only for a known chain: it could serve any.
    pub fn trust_ethereum(&mut self, chain_id: Option<u64>, rpc: Option<String>) -> Result<(), String> {
        if rpc.is_some() && chain_id.is_none() {
            return Err("an Ethereum node is asked only with the chain id its receipts must be on".into());
        }
        self.offline.trust.ethereum_chain_id = chain_id;
        self.eth_rpc = rpc;
        Ok(())
    }

    /// The checker that trusts what `config` anchors to: its TSA roots, its
    /// logs' keys, its chain (asked at its endpoint) and its S3 store (read
    /// with its credentials, through `env`). For an operator checking their
    /// own anchors; an auditor gives their own trust anchors instead.
    pub fn from_config(config: &Config, env: &dyn Fn(&str) -> Option<String>) -> Result<OnlineChecker, String> {
        let mut checker = OnlineChecker::default();
        for anchor in &config.anchors {
            match anchor.kind.as_str() {
                "rfc3161" => {
                    if let Some(roots) = &anchor.tsa_roots {
                        let path = config.dir.join(roots);
                        let pem = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
                        checker.trust_tsa_roots(&pem)?;
                    }
                }
                "tlog" | "rekor" => checker.trust_log_key(anchor.log_key.as_deref().unwrap_or_default())?,
                "ethereum" => checker.trust_ethereum(anchor.chain_id, Some(anchor.endpoint.clone()))?,
                "solana" => checker.solana_rpc = Some(anchor.endpoint.clone()),
                "s3-object-lock" => {
                    let secret = |name: &Option<String>| {
                        name.as_deref().and_then(env).ok_or_else(|| format!("{}: a secret is not set", anchor.name()))
                    };
                    checker.s3 = Some(S3Store {
                        endpoint: anchor.endpoint.clone(),
                        access_key: secret(&anchor.access_key_env)?,
                        secret_key: secret(&anchor.secret_key_env)?,
                        region: anchor.region.clone().unwrap_or_else(|| "us-east-1".into()),
                    });
                }
                _ => {}
            }
        }
        Ok(checker)
    }

    fn online(&self, receipt: &Receipt, offline: ReceiptOutcome) -> ReceiptOutcome {
        let asked = match receipt {
            Receipt::S3ObjectLock(r) => self.s3.as_ref().map(|creds| {
                let config = S3Config::new(&r.endpoint, &creds.region, &r.bucket, &creds.access_key, &creds.secret_key);
                S3Anchor::new(config)
                    .and_then(|store| store.check_online(r))
                    .map(|checked| (ProofLevel::ExternallyArchived, checked.describe()))
            }),
            Receipt::Ethereum(r) => self.eth_rpc.as_ref().map(|rpc| {
                let Some(chain_id) = self.offline.trust.ethereum_chain_id else {
                    return Err(AnchorError::Refused("an Ethereum node is asked only with a chain id".into()));
                };
                crate::ethereum::check_online(rpc, r, &EthereumTrust { chain_id })
                    .map(|checked| (ProofLevel::PubliclyTimestamped, checked.describe()))
            }),
            Receipt::Solana(r) => self.solana_rpc.as_ref().map(|rpc| {
                crate::solana::check_online(rpc, r, &SolanaTrust { payer: None, genesis_hash: None })
                    .map(|checked| (ProofLevel::PubliclyTimestamped, checked.describe()))
            }),
            _ => None,
        };
        match asked {
            None => offline,
            Some(Ok((level, detail))) => reaches(level, detail),
            // A server that cannot be asked (or is not the one trusted)
            // leaves the receipt unchecked, not failed.
            Some(Err(AnchorError::Unreachable(why))) => {
                not_checked(format!("{}; the server could not be asked: {why}", offline.detail))
            }
            Some(Err(e)) => failed(e.to_string()),
        }
    }
}

impl ReceiptChecker for OnlineChecker {
    fn check(
        &self,
        receipt: &serde_json::Map<String, serde_json::Value>,
        checkpoint: &SignedCheckpoint,
        key: &PublicKeyBytes,
    ) -> ReceiptOutcome {
        let receipt = match read_receipt(receipt, checkpoint, key) {
            Ok(receipt) => receipt,
            Err(outcome) => return outcome,
        };
        let offline = self.offline.check_read(&receipt);
        if offline.verdict != Verdict::Verified || offline.reaches.is_some() {
            return offline;
        }
        self.online(&receipt, offline)
    }
}
