//! The events, key, ledgers and scratch directories the benchmarks share.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use provedex_core::canonical::Map;
use provedex_core::event::{ModelInvoked, ToolCalled, ToolReturned};
use provedex_core::{AgentEvent, ChainHash, Digest, GENESIS_PARENT_HASH, SigningKeypair, Value, sign_event_at};
use tempfile::TempDir;

/// A fixed timestamp, so generated ledgers are the same from run to run.
pub const FIRST_TIMESTAMP_NANOS: u64 = 1_700_000_000_000_000_000;

/// A fixed key: seed bytes 0 to 31, the spec's check-value key.
pub fn keypair() -> SigningKeypair {
    let seed: [u8; 32] = std::array::from_fn(|i| i as u8);
    SigningKeypair::from_seed(&seed)
}

/// A typical model call.
pub fn model_invoked() -> AgentEvent {
    AgentEvent::ModelInvoked(ModelInvoked {
        model_id: "llama3.2:3b".into(),
        prompt_sha256: Digest::of(b"the full prompt"),
        response_sha256: Digest::of(b"the full response"),
        prompt_tokens: 812,
        response_tokens: 64,
    })
}

/// A typical tool call, with a small redacted arguments object.
pub fn tool_called() -> AgentEvent {
    let args = Map::from([
        ("date".to_owned(), Value::from("2025-06-01")),
        ("time".to_owned(), Value::from("19:30")),
        ("party_size".to_owned(), Value::from(2u64)),
        ("name".to_owned(), Value::from("[redacted]")),
        ("notes".to_owned(), Value::from("window seat, \"quiet\" corner")),
    ]);
    AgentEvent::ToolCalled(ToolCalled {
        tool_name: "restaurant.book_table".into(),
        args_sha256: Digest::of(b"the full arguments"),
        args_redacted: args,
    })
}

/// A typical tool result.
pub fn tool_returned() -> AgentEvent {
    AgentEvent::ToolReturned(ToolReturned {
        tool_name: "restaurant.book_table".into(),
        result_sha256: Digest::of(b"the full result"),
        latency_ms: 184,
        success: true,
    })
}

/// The events of generated ledgers, in the order they repeat: one agent turn.
pub fn agent_turn() -> [AgentEvent; 3] {
    [model_invoked(), tool_called(), tool_returned()]
}

/// Writes a valid ledger of `count` events signed by `keypair` to `path`,
/// sealing lines directly (no fsync); returns its root hash.
pub fn write_ledger(path: &Path, count: u64, keypair: &SigningKeypair) -> io::Result<ChainHash> {
    let turn = agent_turn();
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
    let mut parent = GENESIS_PARENT_HASH;
    for seq in 0..count {
        let event = &turn[(seq % turn.len() as u64) as usize];
        let signed = sign_event_at(event, seq, FIRST_TIMESTAMP_NANOS + seq * 1_000, &parent, keypair)
            .map_err(io::Error::other)?;
        out.write_all(signed.to_json().as_bytes())?;
        out.write_all(b"\n")?;
        parent = signed.self_hash;
    }
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    Ok(parent)
}

/// A fresh directory inside cargo's target directory, removed when dropped.
///
/// Not the system temp dir, which may be a tmpfs where fsync costs nothing:
/// ledgers in benchmarks live on the file system the project builds on.
pub fn scratch_dir() -> io::Result<TempDir> {
    tempfile::Builder::new().prefix("provedex-bench-").tempdir_in(target_dir())
}

/// Cargo's target directory: the nearest ancestor of this executable that
/// holds the `CACHEDIR.TAG` cargo writes there; the system temp dir otherwise.
pub fn target_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.ancestors().find(|dir| dir.join("CACHEDIR.TAG").is_file()).map(Path::to_path_buf))
        .unwrap_or_else(std::env::temp_dir)
}

/// A ledger of `count` events as [`write_ledger`] writes it, kept under
/// `bench-fixtures/` in the target directory between runs (generating
/// 1,000,000 events takes a while), and its lines' self_hashes in order.
pub fn cached_ledger(count: u64) -> io::Result<(PathBuf, Vec<ChainHash>)> {
    let dir = target_dir().join("bench-fixtures");
    std::fs::create_dir_all(&dir)?;
    let ledger = dir.join(format!("ledger-{count}.ndjson"));
    let hashes = dir.join(format!("ledger-{count}.self_hashes"));
    if let (Ok(_), Ok(bytes)) = (std::fs::metadata(&ledger), std::fs::read(&hashes))
        && bytes.len() as u64 == count * 32
    {
        return Ok((ledger, bytes.chunks_exact(32).map(|c| ChainHash(c.try_into().expect("32 bytes"))).collect()));
    }
    let keypair = keypair();
    let turn = agent_turn();
    let mut out = BufWriter::with_capacity(1 << 20, File::create(&ledger)?);
    let mut parent = GENESIS_PARENT_HASH;
    let mut all = Vec::with_capacity(count as usize);
    for seq in 0..count {
        let event = &turn[(seq % turn.len() as u64) as usize];
        let signed = sign_event_at(event, seq, FIRST_TIMESTAMP_NANOS + seq * 1_000, &parent, &keypair)
            .map_err(io::Error::other)?;
        out.write_all(signed.to_json().as_bytes())?;
        out.write_all(b"\n")?;
        parent = signed.self_hash;
        all.push(parent);
    }
    out.flush()?;
    // The hashes last: their file says the ledger beside it is whole.
    std::fs::write(&hashes, all.iter().flat_map(|h| h.0).collect::<Vec<u8>>())?;
    Ok((ledger, all))
}
