//! The published check value of DESIGN.md / spec/signature-scheme.md.

use provedex_core::event::SessionStarted;
use provedex_core::{AgentEvent, GENESIS_PARENT_HASH, SigningKeypair, Verifier, check_seal, sign_event_at};

fn seed_0_to_31() -> [u8; 32] {
    std::array::from_fn(|i| i as u8)
}

#[test]
fn published_seed_gives_published_public_key() {
    let key = SigningKeypair::from_seed(&seed_0_to_31());
    assert_eq!(key.pubkey_hex(), "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8");
}

#[test]
fn published_session_started_gives_published_self_hash() {
    let key = SigningKeypair::from_seed(&seed_0_to_31());
    let event = AgentEvent::SessionStarted(SessionStarted {
        agent_id: "agent-1".into(),
        model_id: "llama3.2:3b".into(),
        session_id: "session-demo".into(),
    });
    let signed = sign_event_at(&event, 0, 1_700_000_000_000_000_000, &GENESIS_PARENT_HASH, &key).unwrap();
    assert_eq!(signed.self_hash.to_hex(), "52299f4b70c1603526deb7b88cbaa03ca9eb1b91a3da038babb4a175041aec91");
    check_seal(&signed).unwrap();
    assert!(Verifier::new().events(&[signed]).ok);
}
