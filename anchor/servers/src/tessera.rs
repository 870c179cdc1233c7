//! Tessera's POSIX conformance server (`github.com/transparency-dev/tessera`,
//! `cmd/conformance/posix`), a C2SP tlog-tiles log: `POST /add` takes an
//! entry, `GET /checkpoint` and `GET /tile/...` serve the log. Its note key
//! is made afresh for each server.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use provedex_format::SigningKeypair;
use provedex_format::note::NoteKey;

use crate::{Server, free_port, go_tool, http_status};

/// The Go command and version installed.
pub const PACKAGE: &str = "github.com/transparency-dev/tessera/cmd/conformance/posix";
/// The version of Tessera installed.
pub const VERSION: &str = "v1.0.4";

/// A running Tessera log.
pub struct TesseraHandle {
    /// The server process (stopped on drop).
    pub server: Server,
    /// Where it answers: `http://127.0.0.1:<port>` (no trailing slash).
    pub url: String,
    /// The log's note verifier key: its name is the checkpoints' origin.
    pub log_key: NoteKey,
}

/// The binary, installed into `target/tools/tessera-v1.0.4/posix` unless it is there.
pub fn install() -> Result<std::path::PathBuf, String> {
    go_tool("tessera", PACKAGE, VERSION, "posix")
}

/// The note signer key string Go's `note.NewSigner` reads:
/// `PRIVATE+KEY+<name>+<key id>+base64(0x01 ‖ seed)`, and the key's verifier.
pub fn note_signer_key(name: &str, key: &SigningKeypair) -> Result<(String, NoteKey), String> {
    let log_key = NoteKey::ed25519(name, key.public_key()).map_err(|e| format!("log key name {name}: {e}"))?;
    let mut typed = vec![0x01];
    typed.extend_from_slice(key.seed());
    // The PEM encoder is the base64 encoder at hand: 33 bytes fit its one body line.
    let pem = provedex_format::pem::encode("K", &typed);
    let b64 = pem.lines().nth(1).ok_or("the PEM encoder wrote no body line")?;
    let id: String = log_key.key_id().iter().map(|b| format!("{b:02x}")).collect();
    Ok((format!("PRIVATE+KEY+{name}+{id}+{b64}"), log_key))
}

/// Starts a log named `provedex-test/tessera/<port>` with its data, key and
/// log in `dir`, and waits until it serves its first checkpoint.
pub fn start(dir: &Path) -> Result<TesseraHandle, String> {
    let binary = install()?;
    let port = free_port();
    let name = format!("provedex-test/tessera/{port}");
    let key = SigningKeypair::generate().map_err(|e| e.to_string())?;
    let (signer, log_key) = note_signer_key(&name, &key)?;
    let key_path = dir.join("tessera-log.key");
    fs::write(&key_path, signer).map_err(|e| format!("cannot write {}: {e}", key_path.display()))?;
    let storage = dir.join("tessera-storage");
    fs::create_dir_all(&storage).map_err(|e| format!("cannot create {}: {e}", storage.display()))?;
    let mut command = Command::new(binary);
    command
        .arg(format!("--storage_dir={}", storage.display()))
        .arg(format!("--listen=127.0.0.1:{port}"))
        .arg(format!("--private_key={}", key_path.display()));
    let server = Server::start(
        "tessera",
        command,
        &dir.join("tessera.log"),
        || http_status(port, "/checkpoint") == Some(200),
        Duration::from_secs(30),
    )?;
    Ok(TesseraHandle { server, url: format!("http://127.0.0.1:{port}"), log_key })
}
