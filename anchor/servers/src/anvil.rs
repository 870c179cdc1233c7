//! anvil (Foundry's local Ethereum node), installed from npm: the binary
//! ships in the platform package `@foundry-rs/anvil-linux-amd64`, which is
//! installed alone (no install script runs).

use crate::{Server, free_port, npm_tool};
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The npm package that holds the Linux x86-64 binary.
pub const PACKAGE: &str = "@foundry-rs/anvil-linux-amd64";
/// Its version.
pub const VERSION: &str = "1.7.1";

/// The mnemonic of anvil's dev accounts (public, for tests only), given
/// explicitly so that the accounts below do not depend on a default.
pub const DEV_MNEMONIC: &str = "test test test test test test test test test test test junk";
/// The private key of dev account 0 of [`DEV_MNEMONIC`] (BIP-44 path
/// m/44'/60'/0'/0/0): a well-known public test key, funded by anvil.
pub const DEV_KEY_0: &str = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
/// The address of dev account 0, lowercase.
pub const DEV_ADDRESS_0: &str = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";
/// The private key of dev account 1 (m/44'/60'/0'/0/1).
pub const DEV_KEY_1: &str = "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
/// The address of dev account 1, lowercase.
pub const DEV_ADDRESS_1: &str = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";

/// A running anvil and what a client needs.
pub struct AnvilHandle {
    /// The running node (stopped when dropped).
    pub server: Server,
    /// Its JSON-RPC endpoint, `http://127.0.0.1:<port>`.
    pub url: String,
    /// Its port.
    pub port: u16,
    /// The chain id it was started with.
    pub chain_id: u64,
    /// The hex private key (no `0x`) of a funded dev account.
    pub private_key: String,
    /// That account's address, `0x` and lowercase hex.
    pub address: String,
}

/// The anvil binary, installed into `target/tools/anvil-1.7.1/` unless it is there.
pub fn binary() -> Result<PathBuf, String> {
    npm_tool("anvil", PACKAGE, VERSION, "bin/anvil")
}

/// Starts anvil with chain id 31337 (its default), its data and log in `dir`.
pub fn start(dir: &Path) -> Result<AnvilHandle, String> {
    start_with_chain_id(dir, 31337)
}

/// Starts anvil on a free port of 127.0.0.1 with chain id `chain_id`,
/// mining a block for each transaction; ready when `eth_chainId` answers
/// that chain id.
pub fn start_with_chain_id(dir: &Path, chain_id: u64) -> Result<AnvilHandle, String> {
    let binary = binary()?;
    let port = free_port();
    let mut command = Command::new(binary);
    command
        .args(["--host", "127.0.0.1", "--port", &port.to_string(), "--chain-id", &chain_id.to_string()])
        .args(["--mnemonic", DEV_MNEMONIC, "--accounts", "2"])
        .arg("--config-out")
        .arg(dir.join("anvil-config.json"))
        .current_dir(dir);
    let expected = format!("\"result\":\"0x{chain_id:x}\"");
    let ready = || rpc(port, "eth_chainId", "[]").is_some_and(|answer| answer.contains(&expected));
    let server = Server::start("anvil", command, &dir.join("anvil.log"), ready, Duration::from_secs(30))?;
    let config = std::fs::read_to_string(dir.join("anvil-config.json")).unwrap_or_default();
    if ![DEV_KEY_0, DEV_ADDRESS_0, DEV_KEY_1, DEV_ADDRESS_1].iter().all(|known| config.contains(known)) {
        return Err(format!("anvil's --config-out does not list the expected dev accounts:\n{config}"));
    }
    Ok(AnvilHandle {
        server,
        url: format!("http://127.0.0.1:{port}"),
        port,
        chain_id,
        private_key: DEV_KEY_0.to_owned(),
        address: DEV_ADDRESS_0.to_owned(),
    })
}

/// The body of the answer to the JSON-RPC call `method(params)` on
/// 127.0.0.1:`port` (params as JSON text), or None when nothing answers: a
/// probe and test helper that needs no HTTP client.
pub fn rpc(port: u16, method: &str, params: &str) -> Option<String> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_millis(500)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let body = format!(r#"{{"jsonrpc":"2.0","id":1,"method":"{method}","params":{params}}}"#);
    write!(
        stream,
        "POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut answer = Vec::new();
    stream.take(1 << 20).read_to_end(&mut answer).ok()?;
    let text = String::from_utf8(answer).ok()?;
    let (head, body) = text.split_once("\r\n\r\n")?;
    head.starts_with("HTTP/1.1 200").then(|| body.to_owned())
}
