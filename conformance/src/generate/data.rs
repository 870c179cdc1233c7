//! `sign_data.json` and `verify_data.json` (spec 1.1): data signatures
//! (spec/signature-scheme.md, Data signatures), and signatures of the other
//! kinds over the same bytes, which never verify as data signatures
//! (SS-15).

use provedex_core::{ChainHash, PublicKeyBytes, SignatureBytes, SigningKeypair};
use provedex_format::kinds::{RotationStatement, SignedKind, data_message};
use provedex_verify::seal::verifies_strictly;
use serde_json::json;
use sha2::{Digest as _, Sha256};

use super::ed25519::{L, add_le, identity_bytes};
use super::signatures::seeds;
use crate::vector::{FileBuilder, GroupBuilder, SPEC_VERSION_1_1, VectorFile, Verdict, hex};

/// Data of several lengths: empty, short, exactly a digest's 32 bytes, and
/// longer than a hash block.
fn data() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("empty", Vec::new()),
        ("text", b"quarterly report, final version.\n".to_vec()),
        ("32-bytes", Sha256::digest(b"provedex vectors: 32 bytes of data").to_vec()),
        ("1000-bytes", (0..1000u32).map(|i| (i * 7 % 251) as u8).collect()),
    ]
}

pub fn sign_file() -> VectorFile {
    let mut f = FileBuilder::new(
        "sign_data",
        "sign_data",
        "Data signatures: for fixed seeds and data, the exact signature over the data label and the data's \
         SHA-256. Ed25519 signatures are deterministic.",
    );
    f.spec_version(SPEC_VERSION_1_1);
    f.note("Seal", "An ordinary data signature.");
    let mut g = f.group("signatures", "Each seed signs each piece of data.");
    for (seed_name, seed) in seeds() {
        let key = SigningKeypair::from_seed(&seed);
        for (data_name, data) in data() {
            let signature = key.sign_data(&data);
            assert_eq!(signature, key.sign_raw(&data_message(&data)), "a data signature signs the data message");
            assert_eq!(data_message(&data).len(), 49, "the label and a digest");
            g.test(
                &format!("{seed_name}-{data_name}"),
                &format!("The data signature of {data_name} data by {seed_name}."),
                &["Seal"],
                json!({"seed_hex": hex(seed), "data_hex": hex(&data)}),
                Verdict::Valid,
                json!({"signature_hex": signature.to_hex()}),
            );
        }
    }
    f.finish()
}

fn check(
    g: &mut GroupBuilder<'_>,
    name: &str,
    comment: &str,
    flags: &[&str],
    case: (PublicKeyBytes, &[u8], SignatureBytes),
) {
    let (key, data, signature) = case;
    let valid = verifies_strictly(&key, &data_message(data), &signature);
    g.test(
        name,
        comment,
        flags,
        json!({"pubkey_hex": key.to_hex(), "data_hex": hex(data), "signature_hex": signature.to_hex()}),
        if valid { Verdict::Valid } else { Verdict::Invalid },
        json!({"valid": valid}),
    );
}

pub fn verify_file() -> VectorFile {
    let mut f = FileBuilder::new(
        "verify_data",
        "verify_data",
        "Data signatures checked with the strict profile: valid ones, and signatures that are not the key's data \
         signature of the data, among them a line signature, a rotation proof and unlabelled signatures over the \
         same bytes.",
    );
    f.spec_version(SPEC_VERSION_1_1);
    f.note("Valid", "The key's data signature of the data.");
    f.note("Tampered", "The data, the key or the signature is another one.");
    f.note("CrossKind", "A signature of another kind, or of no kind, over the same bytes.");
    f.note("LaxAccepts", "A signature a verifier accepts when it checks only the cofactorless equation.");
    let key = SigningKeypair::from_seed(&seeds()[3].1);
    let other = SigningKeypair::from_seed(&seeds()[0].1);
    let data = data();
    let text = &data[1].1;
    let digest: [u8; 32] = Sha256::digest(text).into();

    let mut g = f.group("valid", "The data signature of each piece of data verifies.");
    for (name, bytes) in &data {
        let signature = key.sign_data(bytes);
        assert!(verifies_strictly(&key.public_key(), &data_message(bytes), &signature));
        check(
            &mut g,
            name,
            &format!("The data signature of {name} data."),
            &["Valid"],
            (key.public_key(), bytes, signature),
        );
    }

    let mut g = f.group("tampered", "The signature of other data, by another key, or altered: not valid.");
    let good = key.sign_data(text);
    check(
        &mut g,
        "other-data",
        "The signature of the text, checked against the text with one more byte.",
        &["Tampered"],
        (key.public_key(), &[text.as_slice(), b"!"].concat(), good),
    );
    check(
        &mut g,
        "other-key",
        "Another key's data signature of the text.",
        &["Tampered"],
        (key.public_key(), text, other.sign_data(text)),
    );
    check(
        &mut g,
        "checked-with-other-key",
        "The key's signature checked under another key.",
        &["Tampered"],
        (other.public_key(), text, good),
    );
    let mut flipped = good;
    flipped.0[10] ^= 1;
    check(&mut g, "bit-flipped-in-r", "One bit of R flipped.", &["Tampered"], (key.public_key(), text, flipped));
    let mut flipped = good;
    flipped.0[40] ^= 1;
    check(&mut g, "bit-flipped-in-s", "One bit of S flipped.", &["Tampered"], (key.public_key(), text, flipped));

    let mut g = f.group(
        "cross-kind",
        "Signatures over the same bytes that are not data signatures: never valid as one (SS-15).",
    );
    let line_key = key.public_key();
    check(
        &mut g,
        "line-signature-of-digest",
        "A line signature over the data's 32-byte SHA-256 (what a line's self_hash signs), presented as a data signature.",
        &["CrossKind"],
        (line_key, text, key.sign_raw(&digest)),
    );
    let thirty_two = &data[2].1;
    check(
        &mut g,
        "line-signature-of-32-bytes",
        "32 bytes of data signed bare, as a line's self_hash is signed.",
        &["CrossKind"],
        (line_key, thirty_two, key.sign_raw(thirty_two)),
    );
    check(
        &mut g,
        "unlabelled-data",
        "The data signed as it is, without label or hash.",
        &["CrossKind"],
        (line_key, text, key.sign_raw(text)),
    );
    check(
        &mut g,
        "label-and-data-unhashed",
        "The label followed by the data itself, not its SHA-256.",
        &["CrossKind"],
        (line_key, text, key.sign_raw(&SignedKind::Data.message(text))),
    );
    check(
        &mut g,
        "label-without-lf",
        "The label without its LF, then the digest.",
        &["CrossKind"],
        (line_key, text, key.sign_raw(&[&b"provedex/data/v1"[..], &digest].concat())),
    );
    check(
        &mut g,
        "label-v2",
        "A label of another version, provedex/data/v2.",
        &["CrossKind"],
        (line_key, text, key.sign_raw(&[&b"provedex/data/v2\n"[..], &digest].concat())),
    );
    check(
        &mut g,
        "rotation-label",
        "The rotation label over the data's digest.",
        &["CrossKind"],
        (line_key, text, key.sign_raw(&SignedKind::KeyRotation.message(&digest))),
    );
    let statement = RotationStatement {
        old_pubkey: other.public_key(),
        new_pubkey: key.public_key(),
        seq: 3,
        parent_hash: ChainHash(digest),
    };
    let proof = key.prove_rotation(other.public_key(), 3, ChainHash(digest));
    assert!(verifies_strictly(&key.public_key(), &statement.message(), &proof));
    check(
        &mut g,
        "rotation-proof-as-data",
        "A rotation proof, checked as the data signature of the statement's canonical JSON.",
        &["CrossKind"],
        (line_key, &statement.canonical_json(), proof),
    );
    check(
        &mut g,
        "rotation-proof-as-data-of-message",
        "A rotation proof, checked as the data signature of its whole labelled message.",
        &["CrossKind"],
        (line_key, &statement.message(), proof),
    );

    let mut g = f.group("strict", "Signatures the strict profile refuses and a lax verifier accepts.");
    let mut s_plus_l = good;
    let s: [u8; 32] = good.0[32..].try_into().expect("S is 32 bytes");
    s_plus_l.0[32..].copy_from_slice(&add_le(&s, &L));
    check(
        &mut g,
        "s-plus-l",
        "The valid signature with S + L in place of S: the same equation, a non-canonical S.",
        &["LaxAccepts"],
        (line_key, text, s_plus_l),
    );
    let identity = identity_bytes();
    let mut forged = [0u8; 64];
    forged[..32].copy_from_slice(&identity);
    check(
        &mut g,
        "identity-key-forgery",
        "The identity as key, R the identity and S zero: the equation holds for every message.",
        &["LaxAccepts"],
        (PublicKeyBytes(identity), text, SignatureBytes(forged)),
    );

    let file = f.finish();
    let verified: Vec<&str> = file.tests().filter(|t| t.result == Verdict::Valid).map(|t| t.id.as_str()).collect();
    assert!(
        verified.iter().all(|id| id.starts_with("verify_data/valid/")),
        "only data signatures verify: {verified:?}"
    );
    assert_eq!(verified.len(), data.len());
    file
}
