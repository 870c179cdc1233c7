//! Every anchor's server at once, with the `provedex.toml` that anchors to
//! them: for `provedex-local-anchors` and the command's end-to-end tests.

use std::path::{Path, PathBuf};

use crate::anvil::{self, AnvilHandle};
use crate::rekor::{self, RekorHandle};
use crate::tessera::{self, TesseraHandle};
use crate::tsa::{self, TsaHandle};
use crate::versitygw::{self, VersitygwHandle};

/// The variables of [`LocalAnchors::config`] that hold the servers' secrets.
pub const SECRET_VARIABLES: [&str; 3] = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "PROVEDEX_ETH_KEY"];

/// A timestamp authority, Tessera, Rekor v2, versitygw and anvil, running.
pub struct LocalAnchors {
    /// The timestamp authority.
    pub tsa: TsaHandle,
    /// The C2SP log.
    pub tlog: TesseraHandle,
    /// Rekor v2.
    pub rekor: RekorHandle,
    /// The S3 store with Object Lock.
    pub s3: VersitygwHandle,
    /// The Ethereum node.
    pub eth: AnvilHandle,
    /// The TSA's root certificate, PEM.
    pub tsa_root: String,
}

fn folder(dir: &Path, name: &str) -> Result<PathBuf, String> {
    let path = dir.join(name);
    std::fs::create_dir_all(&path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    Ok(path)
}

impl LocalAnchors {
    /// Starts every server, each with its data in a folder of `dir`.
    pub fn start(dir: &Path) -> Result<LocalAnchors, String> {
        let tsa = tsa::start(&folder(dir, "tsa")?)?;
        let pem = crate::http_get(tsa.port, tsa::CERTCHAIN_PATH).ok_or("the TSA serves no certificate chain")?;
        let pem = String::from_utf8(pem).map_err(|_| "the TSA's chain is not text")?;
        let root = pem.rfind("-----BEGIN CERTIFICATE-----").ok_or("the TSA's chain holds no certificate")?;
        Ok(LocalAnchors {
            tsa_root: pem[root..].to_owned(),
            tsa,
            tlog: tessera::start(&folder(dir, "tlog")?)?,
            rekor: rekor::start(&folder(dir, "rekor")?)?,
            s3: versitygw::start(&folder(dir, "s3")?)?,
            eth: anvil::start(&folder(dir, "eth")?)?,
        })
    }

    /// A `provedex.toml` for `ledger` and `key` that anchors to every
    /// server, the TSA's root read from `tsa_roots`, the secrets from
    /// [`SECRET_VARIABLES`].
    pub fn config(&self, ledger: &str, key: &str, tsa_roots: &str) -> String {
        format!(
            "ledger = \"{ledger}\"\nkey = \"{key}\"\nproof_level = \"publicly-timestamped\"\n\n\
             [[anchor]]\nname = \"tsa\"\ntype = \"rfc3161\"\nendpoint = \"{}\"\ntsa_roots = \"{tsa_roots}\"\n\n\
             [[anchor]]\ntype = \"tlog\"\nendpoint = \"{}\"\nlog_key = \"{}\"\n\n\
             [[anchor]]\ntype = \"rekor\"\nendpoint = \"{}\"\nlog_key = \"{}\"\n\n\
             [[anchor]]\nname = \"worm\"\ntype = \"s3-object-lock\"\nendpoint = \"{}\"\nbucket = \"provedex-evidence\"\n\
             access_key_env = \"{}\"\nsecret_key_env = \"{}\"\nretention_days = 1\n\n\
             [[anchor]]\nname = \"chain\"\ntype = \"ethereum\"\nendpoint = \"{}\"\nchain_id = {}\n\
             private_key_env = \"{}\"\n",
            self.tsa.url,
            self.tlog.url,
            self.tlog.log_key.verifier_key(),
            self.rekor.url,
            self.rekor.log_key.verifier_key(),
            self.s3.endpoint,
            SECRET_VARIABLES[0],
            SECRET_VARIABLES[1],
            self.eth.url,
            self.eth.chain_id,
            SECRET_VARIABLES[2],
        )
    }

    /// The secrets' values, by variable (test values of these servers).
    pub fn secrets(&self) -> [(&'static str, &str); 3] {
        [
            (SECRET_VARIABLES[0], self.s3.access_key.as_str()),
            (SECRET_VARIABLES[1], self.s3.secret_key.as_str()),
            (SECRET_VARIABLES[2], self.eth.private_key.as_str()),
        ]
    }
}
