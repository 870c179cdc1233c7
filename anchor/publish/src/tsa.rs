//! RFC 3161 timestamps (spec/anchors.md, "RFC 3161"): the SHA-256 of the
//! anchor statement is sent to a time-stamp authority with a fresh nonce and
//! certReq set; the token it returns and the certificate chain it serves make
//! the receipt, which is verified before it is returned.
//!
//! The HTTP shape is Sigstore timestamp-authority's: `POST <url>/api/v1/timestamp`
//! with `Content-Type: application/timestamp-query`, and the PEM chain at
//! `GET <url>/api/v1/timestamp/certchain`, leaf first.

use crate::AnchorError;
use crate::http::Http;
use provedex_format::base64;
use provedex_format::display::quote;
use provedex_receipts::rfc3161::{self, ResponseError, Rfc3161Receipt, Rfc3161Trust, request, response_token};
use provedex_receipts::statement_digest;
use std::time::Duration;

/// The most bytes read of a TimeStampResp.
const MAX_RESPONSE_BYTES: u64 = 64 * 1024;
/// The most bytes read of the PEM chain.
const MAX_CHAIN_BYTES: u64 = 64 * 1024;

/// A time-stamp authority to anchor with.
#[derive(Debug, Clone)]
pub struct TsaAnchor {
    url: String,
    connect_timeout: Duration,
    timeout: Duration,
    roots: Vec<Vec<u8>>,
}

impl TsaAnchor {
    /// The TSA at `url` (e.g. `http://127.0.0.1:3000`, without the API path),
    /// with the default timeouts (connect 5 s, each call 30 s) and no pinned
    /// root: the root the TSA serves is trusted for the check made here.
    pub fn new(url: impl Into<String>) -> Self {
        TsaAnchor {
            url: url.into().trim_end_matches('/').to_owned(),
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(30),
            roots: Vec::new(),
        }
    }

    /// Other timeouts: to connect, and for each whole call.
    pub fn with_timeouts(mut self, connect: Duration, whole_call: Duration) -> Self {
        self.connect_timeout = connect;
        self.timeout = whole_call;
        self
    }

    /// Pins the roots (DER certificates) the TSA's chain must end in; a
    /// token under any other root is a [`AnchorError::Mismatch`].
    pub fn with_roots(mut self, roots: Vec<Vec<u8>>) -> Self {
        self.roots = roots;
        self
    }

    /// The base URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Timestamps the SHA-256 of `statement` and returns the verified receipt.
    pub fn anchor(&self, statement: &str) -> Result<Rfc3161Receipt, AnchorError> {
        let mut nonce = [0u8; 16];
        getrandom::fill(&mut nonce).map_err(|e| AnchorError::Unreachable(format!("no random nonce: {e}")))?;
        if nonce[0] == 0 {
            nonce[0] = 1; // one spelling per nonce: no leading zero byte
        }
        self.anchor_with_nonce(statement, &nonce)
    }

    /// [`TsaAnchor::anchor`] with a given nonce (no leading zero byte).
    pub fn anchor_with_nonce(&self, statement: &str, nonce: &[u8]) -> Result<Rfc3161Receipt, AnchorError> {
        let http = self.http();
        let body = request(&statement_digest(statement), nonce);
        let endpoint = format!("{}/api/v1/timestamp", self.url);
        let (status, reply) = http.post(&endpoint, &body, Some("application/timestamp-query"), MAX_RESPONSE_BYTES)?;
        if status != 200 && status != 201 {
            return Err(AnchorError::Refused(format!(
                "the TSA at {} answered HTTP {status}: {}",
                quote(&endpoint),
                quote(&String::from_utf8_lossy(&reply))
            )));
        }
        let token = response_token(&reply).map_err(|e| match e {
            ResponseError::Rejected(why) => AnchorError::Refused(why),
            ResponseError::Malformed(why) => AnchorError::Mismatch(why),
        })?;
        let chain = self.chain(&http)?;
        let root =
            chain.last().cloned().ok_or_else(|| AnchorError::Mismatch("the TSA serves an empty chain".into()))?;
        let receipt = Rfc3161Receipt {
            statement: statement.to_owned(),
            tsa_url: self.url.clone(),
            token: base64::encode(&token),
            chain: chain.iter().map(|c| base64::encode(c)).collect(),
            nonce: provedex_format::hex::encode(nonce),
        };
        let roots = if self.roots.is_empty() { vec![root] } else { self.roots.clone() };
        rfc3161::verify(&receipt, &Rfc3161Trust { roots })
            .map_err(|e| AnchorError::Mismatch(format!("the TSA's answer does not verify: {e}")))?;
        Ok(receipt)
    }

    /// The TSA's chain as DER certificates, leaf first.
    fn chain(&self, http: &Http) -> Result<Vec<Vec<u8>>, AnchorError> {
        let endpoint = format!("{}/api/v1/timestamp/certchain", self.url);
        let (status, text) = http.get(&endpoint, MAX_CHAIN_BYTES)?;
        if status != 200 {
            return Err(AnchorError::Refused(format!("the TSA at {} answered HTTP {status}", quote(&endpoint))));
        }
        rfc3161::certificates_from_pem(&text).map_err(|why| AnchorError::Mismatch(format!("the TSA's chain: {why}")))
    }

    fn http(&self) -> Http {
        Http::new(self.connect_timeout, self.timeout, "the TSA")
    }
}
