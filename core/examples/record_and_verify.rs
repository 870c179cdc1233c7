//! Record two events to a ledger, then verify it with only the public key.

use provedex_core::event::{ModelInvoked, SessionStarted};
use provedex_core::{AgentEvent, Digest, KeyFile, Session, SigningKeypair, Verifier};

fn main() -> Result<(), provedex_core::Error> {
    let dir = std::env::temp_dir().join(format!("provedex-example-{}", std::process::id()));
    let key = SigningKeypair::load_or_create(dir.join("keys/ed25519.key"))?;
    let session = Session::open(&key, dir.join("ledger.ndjson"), "session-42")?;

    session.record(&AgentEvent::SessionStarted(SessionStarted {
        agent_id: "support-bot".into(),
        model_id: "llama3.2:3b".into(),
        session_id: session.session_id().into(),
    }))?;
    let signed = session.record(&AgentEvent::ModelInvoked(ModelInvoked {
        model_id: "llama3.2:3b".into(),
        prompt_sha256: Digest::of(b"the full prompt"),
        response_sha256: Digest::of(b"the full response"),
        prompt_tokens: 812,
        response_tokens: 64,
    }))?;
    println!("{}", signed.to_json());

    let report = Verifier::new().pinned_pubkey(key.public_key()).file(dir.join("ledger.ndjson"))?;
    assert!(report.ok, "{}", report.message);
    println!("{} (root hash {})", report.message, report.root_hash.unwrap());
    Ok(())
}
