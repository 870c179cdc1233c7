//! Starts every anchor's server on 127.0.0.1 (a timestamp authority,
//! Tessera, Rekor v2, versitygw with Object Lock, anvil), installing them
//! into target/tools first when needed, and writes a `provedex.toml` that
//! anchors to them, the TSA's root and an environment file with the test
//! secrets. They run until this command is stopped (Ctrl-C).
//!
//!     cargo run -p provedex-test-servers --bin provedex-local-anchors -- DIR

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use provedex_test_servers::{anvil, http_get, rekor, tessera, tsa, versitygw};

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: provedex-local-anchors DIR   (DIR: a new or empty folder for the servers' data)");
        return ExitCode::from(2);
    };
    match run(&dir) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

fn folder(dir: &Path, name: &str) -> Result<PathBuf, String> {
    let path = dir.join(name);
    std::fs::create_dir_all(&path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    Ok(path)
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn run(dir: &Path) -> Result<(), String> {
    if dir.exists() && std::fs::read_dir(dir).map_err(|e| e.to_string())?.next().is_some() {
        return Err(format!("{} is not empty", dir.display()));
    }
    let dir = &std::path::absolute(dir).map_err(|e| e.to_string())?;
    let tsa = tsa::start(&folder(dir, "tsa")?)?;
    let log = tessera::start(&folder(dir, "tlog")?)?;
    let rekor = rekor::start(&folder(dir, "rekor")?)?;
    let store = versitygw::start(&folder(dir, "s3")?)?;
    let chain = anvil::start(&folder(dir, "eth")?)?;

    let pem = http_get(tsa.port, tsa::CERTCHAIN_PATH).ok_or("the TSA serves no certificate chain")?;
    let pem = String::from_utf8(pem).map_err(|_| "the TSA's chain is not text")?;
    let root = &pem[pem.rfind("-----BEGIN CERTIFICATE-----").ok_or("the TSA's chain holds no certificate")?..];
    write(&dir.join("tsa-root.pem"), root)?;
    let config = dir.join("provedex.toml");
    write(
        &config,
        &format!(
            "# Anchors on the local servers of provedex-local-anchors (test servers: not for real evidence).\n\
             ledger = \"ledger.ndjson\"\nkey = \"ledger.key\"\nproof_level = \"publicly-timestamped\"\n\n\
             [[anchor]]\nname = \"tsa\"\ntype = \"rfc3161\"\nendpoint = \"{}\"\ntsa_roots = \"tsa-root.pem\"\n\n\
             [[anchor]]\ntype = \"tlog\"\nendpoint = \"{}\"\nlog_key = \"{}\"\n\n\
             [[anchor]]\ntype = \"rekor\"\nendpoint = \"{}\"\nlog_key = \"{}\"\n\n\
             [[anchor]]\nname = \"worm\"\ntype = \"s3-object-lock\"\nendpoint = \"{}\"\nbucket = \"provedex-evidence\"\n\
             access_key_env = \"AWS_ACCESS_KEY_ID\"\nsecret_key_env = \"AWS_SECRET_ACCESS_KEY\"\nretention_days = 1\n\n\
             [[anchor]]\nname = \"chain\"\ntype = \"ethereum\"\nendpoint = \"{}\"\nchain_id = {}\n\
             private_key_env = \"PROVEDEX_ETH_KEY\"\n",
            tsa.url,
            log.url,
            log.log_key.verifier_key(),
            rekor.url,
            rekor.log_key.verifier_key(),
            store.endpoint,
            chain.url,
            chain.chain_id,
        ),
    )?;
    let env = dir.join("anchors.env");
    write(
        &env,
        &format!(
            "export AWS_ACCESS_KEY_ID={}\nexport AWS_SECRET_ACCESS_KEY={}\nexport PROVEDEX_ETH_KEY={}\n",
            store.access_key, store.secret_key, chain.private_key
        ),
    )?;
    println!(
        "Anchor servers running on 127.0.0.1:\n  timestamp authority {}\n  Tessera log         {}\n  \
         Rekor v2            {}\n  S3 (versitygw)      {}\n  Ethereum (anvil)    {}\n\n\
         Configuration: {}\nSecrets:       {} (test values of these servers)\n\n\
         In another shell:\n  . {}\n  provedex demo --anchor-config {}\n\nStop with Ctrl-C.",
        tsa.url,
        log.url,
        rekor.url,
        store.endpoint,
        chain.url,
        config.display(),
        env.display(),
        env.display(),
        config.display()
    );
    let _servers = (tsa, log, rekor, store, chain);
    loop {
        std::thread::park();
    }
}
