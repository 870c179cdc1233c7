//! Sigstore Rekor v2 (`github.com/sigstore/rekor-tiles/v2`,
//! `cmd/rekor-server/posix`): `POST /api/v2/log/entries` takes an entry and
//! answers once a checkpoint covers it. Its Ed25519 log key is made afresh
//! for each server; its checkpoints are C2SP signed notes under the key
//! named by `--hostname`.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use provedex_format::SigningKeypair;
use provedex_format::note::NoteKey;
use provedex_format::pem;

use crate::{Server, free_port, go_tool, http_status};

/// The Go command installed.
pub const PACKAGE: &str = "github.com/sigstore/rekor-tiles/v2/cmd/rekor-server/posix";
/// The version of rekor-tiles installed.
pub const VERSION: &str = "v2.3.0";

/// A running Rekor v2 log.
pub struct RekorHandle {
    /// The server process (stopped on drop).
    pub server: Server,
    /// Its HTTP API: `http://127.0.0.1:<port>` (no trailing slash).
    pub url: String,
    /// The log's note verifier key: its name is the checkpoints' origin.
    pub log_key: NoteKey,
}

/// The binary, installed into `target/tools/rekor-tiles-v2.3.0/posix` unless it is there.
pub fn install() -> Result<std::path::PathBuf, String> {
    go_tool("rekor-tiles", PACKAGE, VERSION, "posix")
}

/// Starts a log with origin `rekor-<port>.provedex.test`, its data, key
/// and log in `dir`, on free ports (HTTP, gRPC and metrics: the metrics
/// default, 2112, is the timestamp authority's), publishing a checkpoint
/// every 100 ms, and waits until it answers `/healthz`.
pub fn start(dir: &Path) -> Result<RekorHandle, String> {
    let binary = install()?;
    let (http_port, grpc_port, metrics_port) = (free_port(), free_port(), free_port());
    let origin = format!("rekor-{http_port}.provedex.test");
    let key = SigningKeypair::generate().map_err(|e| e.to_string())?;
    let log_key = NoteKey::ed25519(&origin, key.public_key()).map_err(|e| format!("log key name {origin}: {e}"))?;
    let key_path = dir.join("rekor-log.pem");
    fs::write(&key_path, pem::encode("PRIVATE KEY", &pem::pkcs8_der(key.seed())).as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", key_path.display()))?;
    let storage = dir.join("rekor-storage");
    fs::create_dir_all(&storage).map_err(|e| format!("cannot create {}: {e}", storage.display()))?;
    let mut command = Command::new(binary);
    command
        .arg("serve")
        .arg("--storage-dir")
        .arg(&storage)
        .arg("--signer-filepath")
        .arg(&key_path)
        .args(["--hostname", &origin])
        .args(["--http-address", "127.0.0.1", "--http-port", &http_port.to_string()])
        .args(["--grpc-address", "127.0.0.1", "--grpc-port", &grpc_port.to_string()])
        .args(["--http-metrics-port", &metrics_port.to_string()])
        .args(["--checkpoint-interval", "100ms", "--batch-max-age", "20ms"]);
    let server = Server::start(
        "rekor",
        command,
        &dir.join("rekor.log"),
        || http_status(http_port, "/healthz") == Some(200),
        Duration::from_secs(30),
    )?;
    Ok(RekorHandle { server, url: format!("http://127.0.0.1:{http_port}"), log_key })
}
