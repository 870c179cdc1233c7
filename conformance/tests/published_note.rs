//! The Go sumdb/note published example (golang.org/x/mod/sumdb/note, its
//! package documentation and tests), read with this repository's signed
//! note code: the verifier key, its key id, the signature line and the
//! Ed25519 signature must be the ones Go publishes, so that our key ids and
//! signature lines are C2SP's and not only our own. The same note is the
//! vector `checkpoints/published/peter-neumann`.

use provedex_conformance::default_vectors_dir;
use provedex_conformance::runner::load_vectors;
use provedex_core::{PublicKeyBytes, SignatureBytes, SigningKeypair};
use provedex_format::note::{NoteKey, NoteSignature, SignedNote};
use provedex_verify::seal::verifies_strictly;

const VERIFIER_KEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
/// The signer key `PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz`: its seed.
const SEED: &str = "810a1402d5146c8d84f2443330f54080ebf98ee17d9c74f6252fc5d5c7283173";
const PUBLIC_KEY: &str = "1a5cd907143c384c41e830c5bce12aa8817ec5649aaabf2c31388b35b2d744d6";
const TEXT: &str =
    "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const NOTE: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n\n\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const SIGNATURE: &str = "f64992e052f541bf49f7dcbc8010c5506d885ba92cbafca40704959227348b8652060dd451580b6a5948d5e02afa9fa9d9e0a2da5165be8a13a472c81c099c03";
const ENOCH_KEY: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const ENOCH_LINE: &str =
    "\u{2014} EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

fn bytes<const N: usize>(hex: &str) -> [u8; N] {
    provedex_core::hex::decode(hex).unwrap()
}

fn peter() -> NoteKey {
    NoteKey::parse_verifier_key(VERIFIER_KEY).unwrap()
}

// Pins: TL-4
#[test]
fn the_published_verifier_key_reads_with_its_key_id_and_writes_back() {
    let key = peter();
    assert_eq!(key.name(), "PeterNeumann");
    assert_eq!(key.pubkey(), PublicKeyBytes(bytes(PUBLIC_KEY)));
    assert_eq!(key.key_id(), [0xc7, 0x4f, 0x20, 0xa3]);
    assert_eq!(key.verifier_key(), VERIFIER_KEY);
    // The seed of the published signer key gives the published public key.
    assert_eq!(SigningKeypair::from_seed(&bytes(SEED)).public_key(), key.pubkey());
    let enoch = NoteKey::parse_verifier_key(ENOCH_KEY).unwrap();
    assert_eq!(enoch.key_id(), [0xaf, 0x0c, 0xfe, 0x78]);
}

#[test]
fn the_published_rejected_verifier_keys_are_refused() {
    for bad in [
        // A key of the wrong length, and an unknown algorithm byte (each with its key id adjusted).
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        // Another key id, and a name with a space.
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ] {
        assert!(NoteKey::parse_verifier_key(bad).is_err(), "{bad}");
    }
    // Every proper prefix of the published key is refused too.
    for end in 0..VERIFIER_KEY.len() {
        assert!(NoteKey::parse_verifier_key(&VERIFIER_KEY[..end]).is_err(), "{}", &VERIFIER_KEY[..end]);
    }
}

// Pins: TL-4
#[test]
fn the_published_note_parses_and_its_signature_verifies_strictly() {
    let note = SignedNote::parse(NOTE.as_bytes()).unwrap();
    assert_eq!(note.text, TEXT);
    let key = peter();
    let by_peter: Vec<&NoteSignature> = note.signatures_by(&key).collect();
    assert_eq!(by_peter.len(), 1);
    assert_eq!(by_peter[0].key_id, [0xc7, 0x4f, 0x20, 0xa3]);
    let signature = SignatureBytes(by_peter[0].signature[..].try_into().unwrap());
    assert_eq!(signature, SignatureBytes(bytes(SIGNATURE)));
    assert!(verifies_strictly(&key.pubkey(), note.text.as_bytes(), &signature));
    // Another text, or a flipped bit, does not verify.
    assert!(!verifies_strictly(&key.pubkey(), &note.text.as_bytes()[1..], &signature));
    let mut flipped = signature;
    flipped.0[5] ^= 1;
    assert!(!verifies_strictly(&key.pubkey(), note.text.as_bytes(), &flipped));
    // Written back, the note is the published bytes.
    assert_eq!(note.to_text(), NOTE);
}

#[test]
fn signing_the_published_text_gives_the_published_note() {
    let key = SigningKeypair::from_seed(&bytes(SEED));
    let note_key = peter();
    let note = SignedNote {
        text: TEXT.to_owned(),
        signatures: vec![NoteSignature {
            name: note_key.name().to_owned(),
            key_id: note_key.key_id(),
            signature: key.sign_raw(TEXT.as_bytes()).0.to_vec(),
        }],
    };
    assert_eq!(note.to_text(), NOTE, "Ed25519 is deterministic: the same signature line");
}

// Pins: TL-4
#[test]
fn a_cosigners_line_is_not_the_keys() {
    let both = format!("{NOTE}{ENOCH_LINE}");
    let note = SignedNote::parse(both.as_bytes()).unwrap();
    assert_eq!(note.signatures.len(), 2);
    let (peter, enoch) = (peter(), NoteKey::parse_verifier_key(ENOCH_KEY).unwrap());
    assert_eq!(note.signatures_by(&peter).count(), 1);
    let by_enoch: Vec<&NoteSignature> = note.signatures_by(&enoch).collect();
    assert_eq!(by_enoch.len(), 1);
    assert_eq!(by_enoch[0].key_id, [0xaf, 0x0c, 0xfe, 0x78]);
    // Enoch's published signature of the same text verifies under Enoch's key only.
    let signature = SignatureBytes(by_enoch[0].signature[..].try_into().unwrap());
    assert!(verifies_strictly(&enoch.pubkey(), note.text.as_bytes(), &signature));
    assert!(!verifies_strictly(&peter.pubkey(), note.text.as_bytes(), &signature));
}

#[test]
fn the_vector_sends_the_published_note() {
    let vectors = load_vectors(&default_vectors_dir()).unwrap();
    let test = vectors
        .iter()
        .flat_map(|(_, file)| file.tests())
        .find(|test| test.id == "checkpoints/published/peter-neumann")
        .expect("the vector of the published note");
    assert_eq!(test.input["checkpoint_hex"], provedex_core::hex::encode(NOTE.as_bytes()));
    assert_eq!(test.expected["reason"], "checkpoint_malformed");
}
