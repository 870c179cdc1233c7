//! Starts every anchor's server on 127.0.0.1 (a timestamp authority,
//! Tessera, Rekor v2, versitygw with Object Lock, anvil), installing them
//! into target/tools first when needed, and writes a `provedex.toml` that
//! anchors to them, the TSA's root and an environment file with the test
//! secrets. They run until this command is stopped (Ctrl-C).
//!
//!     cargo run -p provedex-test-servers --bin provedex-local-anchors -- DIR

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use provedex_test_servers::local::LocalAnchors;

const USAGE: &str = "usage: provedex-local-anchors DIR   (DIR: a new or empty folder for the servers' data)";

fn main() -> ExitCode {
    let args: Vec<_> = std::env::args_os().skip(1).collect();
    let dir = match &args[..] {
        [flag] if flag == "-h" || flag == "--help" => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        // An option is never taken for a folder's name.
        [dir] if !dir.to_string_lossy().starts_with('-') => PathBuf::from(dir),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&dir) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn run(dir: &Path) -> Result<(), String> {
    if dir.exists() && std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?.next().is_some() {
        return Err(format!("{} is not empty", dir.display()));
    }
    let dir = &std::path::absolute(dir).map_err(|e| e.to_string())?;
    let servers = LocalAnchors::start(dir)?;
    write(&dir.join("tsa-root.pem"), &servers.tsa_root)?;
    let config = dir.join("provedex.toml");
    write(
        &config,
        &format!(
            "# Anchors on the local servers of provedex-local-anchors (test servers: not for real evidence).\n{}",
            servers.config("ledger.ndjson", "ledger.key", "tsa-root.pem")
        ),
    )?;
    let env = dir.join("anchors.env");
    let exports: String = servers.secrets().iter().map(|(name, value)| format!("export {name}={value}\n")).collect();
    write(&env, &exports)?;
    println!(
        "Anchor servers running on 127.0.0.1:\n  timestamp authority {}\n  Tessera log         {}\n  \
         Rekor v2            {}\n  S3 (versitygw)      {}\n  Ethereum (anvil)    {}\n\n\
         Configuration: {}\nSecrets:       {} (test values of these servers)\n\n\
         In another shell:\n  . {}\n  provedex demo --anchor-config {}\n\nStop with Ctrl-C.",
        servers.tsa.url,
        servers.tlog.url,
        servers.rekor.url,
        servers.s3.endpoint,
        servers.eth.url,
        config.display(),
        env.display(),
        env.display(),
        config.display()
    );
    loop {
        std::thread::park();
    }
}
