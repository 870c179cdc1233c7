//! Sigstore's timestamp-authority (RFC 3161), with its in-memory signer: a
//! fresh ECDSA P-256 chain (leaf, intermediate, root) at every start.
//!
//! The server always binds its metrics endpoint on the fixed port 2112, so
//! only one runs at a time on a machine: [`start`] holds the `port-2112` lock
//! for as long as the server lives.

use crate::{Server, free_port, go_tool, http_status, lock_within};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The version installed and tested against.
pub const VERSION: &str = "v2.1.3";
/// The Go package of the server command.
pub const PACKAGE: &str = "github.com/sigstore/timestamp-authority/v2/cmd/timestamp-server";
/// The path that serves the PEM chain, and answers 200 once the server is ready.
pub const CERTCHAIN_PATH: &str = "/api/v1/timestamp/certchain";

/// A running timestamp-authority.
pub struct TsaHandle {
    /// The server (stopped when dropped).
    pub server: Server,
    /// `http://127.0.0.1:<port>`: the base URL a client is given.
    pub url: String,
    /// The port it listens on.
    pub port: u16,
}

/// The server binary, installed with `go install` the first time.
pub fn install() -> Result<PathBuf, String> {
    go_tool("timestamp-authority", PACKAGE, VERSION, "timestamp-server")
}

/// Starts a timestamp-authority with the memory signer on a free port,
/// its log in `dir`; waits (for the port-2112 lock too) until it serves its
/// certificate chain.
pub fn start(dir: &Path) -> Result<TsaHandle, String> {
    let binary = install()?;
    let held = lock_within("port-2112", Duration::from_secs(300))?;
    let port = free_port();
    let mut command = Command::new(binary);
    command
        .args(["serve", "--host", "127.0.0.1", "--port", &port.to_string()])
        .args(["--timestamp-signer", "memory", "--disable-ntp-monitoring", "--log-type", "prod"])
        .current_dir(dir);
    let log = dir.join("timestamp-server.log");
    let ready = || http_status(port, CERTCHAIN_PATH) == Some(200);
    let server = Server::start("timestamp-authority", command, &log, ready, Duration::from_secs(60))?.hold(held);
    Ok(TsaHandle { server, url: format!("http://127.0.0.1:{port}"), port })
}
