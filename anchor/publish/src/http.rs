//! Blocking HTTP for the anchors that speak plain HTTP (RFC 3161 TSAs,
//! tlog-tiles logs, Rekor): bounded in time and in answer size, with no
//! redirects, and with the failures sorted into [`AnchorError`] kinds. The
//! Solana JSON-RPC client shares the agent and sorts its failures itself.

use std::time::Duration;

use provedex_format::display::quote;

use crate::AnchorError;

/// A blocking HTTP agent: `connect` to reach the server, `whole_call` for a
/// call with its answer, no redirects, and HTTP error statuses returned as
/// answers for the caller to sort.
pub(crate) fn agent(connect: Duration, whole_call: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_connect(Some(connect))
        .timeout_global(Some(whole_call))
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into()
}

/// Blocking HTTP with timeouts and capped bodies; transport failures are
/// [`AnchorError::Unreachable`], a body over its cap a [`AnchorError::Mismatch`].
pub(crate) struct Http {
    agent: ureq::Agent,
    what: &'static str,
}

impl Http {
    pub(crate) fn new(connect: Duration, whole_call: Duration, what: &'static str) -> Self {
        Http { agent: agent(connect, whole_call), what }
    }

    pub(crate) fn get(&self, endpoint: &str, limit: u64) -> Result<(u16, Vec<u8>), AnchorError> {
        let response = self.agent.get(endpoint).call().map_err(|e| self.transport(endpoint, e))?;
        self.read(endpoint, response, limit)
    }

    pub(crate) fn post(
        &self,
        endpoint: &str,
        body: &[u8],
        content_type: Option<&str>,
        limit: u64,
    ) -> Result<(u16, Vec<u8>), AnchorError> {
        let mut request = self.agent.post(endpoint);
        if let Some(content_type) = content_type {
            request = request.header("Content-Type", content_type);
        }
        let response = request.send(body).map_err(|e| self.transport(endpoint, e))?;
        self.read(endpoint, response, limit)
    }

    fn read(
        &self,
        endpoint: &str,
        mut response: ureq::http::Response<ureq::Body>,
        limit: u64,
    ) -> Result<(u16, Vec<u8>), AnchorError> {
        let status = response.status().as_u16();
        let body = response.body_mut().with_config().limit(limit).read_to_vec().map_err(|e| match e {
            ureq::Error::BodyExceedsLimit(limit) => {
                AnchorError::Mismatch(format!("{} at {} answered more than {limit} bytes", self.what, quote(endpoint)))
            }
            e => self.transport(endpoint, e),
        })?;
        Ok((status, body))
    }

    fn transport(&self, endpoint: &str, e: ureq::Error) -> AnchorError {
        AnchorError::Unreachable(format!("{} at {} did not answer: {e}", self.what, quote(endpoint)))
    }

    /// An answer other than success: busy (429, 503) is worth a retry, the rest is a refusal.
    pub(crate) fn refused(&self, endpoint: &str, status: u16, body: &[u8]) -> AnchorError {
        let why = format!(
            "{} at {} answered HTTP {status}: {}",
            self.what,
            quote(endpoint),
            quote(String::from_utf8_lossy(body).trim())
        );
        if status == 429 || status == 503 { AnchorError::Unreachable(why) } else { AnchorError::Refused(why) }
    }
}
