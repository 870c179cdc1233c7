//! `ed25519.json`: signatures and keys at the edges of Ed25519, through the
//! verify_event operation, with the verdict the strict profile of
//! spec/signature-scheme.md requires.
//!
//! The cases follow the classes studied in "Taming the many EdDSAs" (small-
//! order and mixed-order A and R, non-canonical encodings, S ≥ L, cofactored
//! versus cofactorless equations) and C2SP CCTV's Ed25519 vectors, rebuilt
//! here over Provedex lines: the message is always the 32 raw bytes of a
//! line's self_hash, so each case searches the timestamp (which changes the
//! self_hash) until the equation it needs holds. Every constructed case is
//! checked: the cofactorless equation holds exactly where the case says so,
//! and the reference reaches the expected verdict.

use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::Identity;
use provedex_core::{
    AgentEvent, ChainHash, GENESIS_PARENT_HASH, PublicKeyBytes, Reason, SignatureBytes, SignedEvent, SigningKeypair,
    check_seal, compute_self_hash,
};
use serde_json::json;
use sha2::{Digest, Sha512};

use super::samples::{Flavor, event_spec, sample};
use crate::vector::{FileBuilder, GroupBuilder, VectorFile, Verdict, hex};

/// The group order L, little-endian.
pub(super) const L: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

/// The identity (0, 1) encoded with y = p + 1 instead of y = 1.
const IDENTITY_Y_PLUS_P: [u8; 32] = [
    0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
];

/// The order-4 point (x, 0) encoded with y = p instead of y = 0.
const Y_EQUALS_P: [u8; 32] = [
    0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
];

/// [a]B plus a torsion point: a key of mixed order whose secret is still `a`.
fn mixed_key(a: Scalar, torsion: EdwardsPoint) -> [u8; 32] {
    (EdwardsPoint::mul_base(&a) + torsion).compress().to_bytes()
}

/// Tries messages (timestamps from `first_salt` on) until `attempt` builds a line.
fn search(first_salt: u64, attempt: impl Fn(u64, &ChainHash) -> Option<SignedEvent>) -> SignedEvent {
    (first_salt..first_salt + 10_000)
        .find_map(|salt| attempt(salt, &line_for(salt).2))
        .expect("an equation that holds for one message in a few")
}

/// The identity encoded with the sign bit of x set although x = 0.
fn identity_negative_zero() -> [u8; 32] {
    let mut b = [0u8; 32];
    b[0] = 1;
    b[31] = 0x80;
    b
}

pub(super) fn identity_bytes() -> [u8; 32] {
    EdwardsPoint::identity().compress().to_bytes()
}

/// A deterministic scalar for a label.
fn scalar(label: &str) -> Scalar {
    Scalar::from_bytes_mod_order_wide(&Sha512::digest(format!("provedex vectors: {label}").as_bytes()).into())
}

/// k = SHA-512(R ‖ A ‖ M) mod L, over the encodings as given.
fn challenge(r: &[u8; 32], a: &[u8; 32], message: &[u8; 32]) -> Scalar {
    let mut h = Sha512::new();
    h.update(r);
    h.update(a);
    h.update(message);
    Scalar::from_bytes_mod_order_wide(&h.finalize().into())
}

/// Whether [S]B = R + [k]A holds for these encodings (decoding them leniently).
fn cofactorless_holds(r: &[u8; 32], a: &[u8; 32], s: &[u8; 32], message: &[u8; 32]) -> bool {
    let (Some(r_point), Some(a_point)) = (CompressedEdwardsY(*r).decompress(), CompressedEdwardsY(*a).decompress())
    else {
        return false;
    };
    let k = challenge(r, a, message);
    ED25519_BASEPOINT_POINT * Scalar::from_bytes_mod_order(*s) == r_point + a_point * k
}

pub(super) fn add_le(x: &[u8; 32], y: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut carry = 0u16;
    for i in 0..32 {
        let sum = u16::from(x[i]) + u16::from(y[i]) + carry;
        out[i] = sum as u8;
        carry = sum >> 8;
    }
    assert_eq!(carry, 0, "the sum fits in 256 bits");
    out
}

/// The event every case signs; `salt` moves the timestamp to change the message.
fn line_for(salt: u64) -> (AgentEvent, u64, ChainHash) {
    let spec = event_spec();
    let event = sample(&spec.variants[0], Flavor::Typical);
    let ts = 1_770_000_000_000_000_000 + salt;
    let hash = compute_self_hash(&event, 0, ts, &GENESIS_PARENT_HASH);
    (event, ts, hash)
}

fn signed_line(salt: u64, a: [u8; 32], r: [u8; 32], s: [u8; 32]) -> SignedEvent {
    let (event, ts, self_hash) = line_for(salt);
    let mut sig = [0u8; 64];
    sig[..32].copy_from_slice(&r);
    sig[32..].copy_from_slice(&s);
    SignedEvent {
        seq: 0,
        timestamp_nanos: ts,
        event,
        parent_hash: GENESIS_PARENT_HASH,
        self_hash,
        signature: SignatureBytes(sig),
        signer_pubkey: PublicKeyBytes(a),
    }
}

struct Case<'a> {
    name: &'a str,
    comment: &'a str,
    flags: &'a [&'a str],
    /// Whether a verifier that only checks [S]B = R + [k]A would accept.
    cofactorless: bool,
    reason: Option<Reason>,
}

fn add(g: &mut GroupBuilder<'_>, case: Case<'_>, line: &SignedEvent) {
    let (r, s): ([u8; 32], [u8; 32]) =
        (line.signature.0[..32].try_into().unwrap(), line.signature.0[32..].try_into().unwrap());
    assert_eq!(
        cofactorless_holds(&r, &line.signer_pubkey.0, &s, &line.self_hash.0),
        case.cofactorless,
        "ed25519/{}: the cofactorless equation",
        case.name
    );
    let text = line.to_json();
    let parsed = SignedEvent::from_line(text.as_bytes()).expect("edge cases are well-formed lines");
    let ours = check_seal(&parsed).err().map(|f| f.reason);
    assert_eq!(ours, case.reason, "ed25519/{}: the reference's verdict", case.name);
    g.test(
        case.name,
        case.comment,
        case.flags,
        json!({"line_hex": hex(text.as_bytes())}),
        if case.reason.is_none() { Verdict::Valid } else { Verdict::Invalid },
        json!({"valid": case.reason.is_none(), "reason": case.reason.map(|r| r.code())}),
    );
}

/// An honest signature by `a` (secret scalar) whose public point is `a_point`
/// (which may carry a torsion component), searching the nonce until `want`
/// accepts the challenge.
fn sign_with(salt: u64, a: Scalar, a_bytes: [u8; 32], label: &str, want: impl Fn(&Scalar) -> bool) -> SignedEvent {
    let (_, _, m) = line_for(salt);
    for i in 0u32.. {
        let r = scalar(&format!("{label} nonce {i}"));
        let r_bytes = EdwardsPoint::mul_base(&r).compress().to_bytes();
        let k = challenge(&r_bytes, &a_bytes, &m.0);
        if want(&k) {
            let s = r + k * a;
            return signed_line(salt, a_bytes, r_bytes, s.to_bytes());
        }
    }
    unreachable!()
}

fn divisible_by_8(k: &Scalar) -> bool {
    k.to_bytes()[0] & 7 == 0
}

pub fn file() -> VectorFile {
    let mut f = FileBuilder::new(
        "ed25519",
        "verify_event",
        "Ed25519 at its edges (spec/signature-scheme.md, strict profile): small-order and mixed-order keys and \
         nonces, non-canonical encodings, S >= L, and the cofactored/cofactorless split, each on a well-formed line \
         whose self_hash is correct, so only the signature check decides.",
    );
    f.note("Honest", "An ordinary signature.");
    f.note("SmallOrderA", "The public key has small order (order dividing 8).");
    f.note("SmallOrderR", "The nonce point R has small order.");
    f.note("MixedOrderA", "The public key is a large-order point plus a torsion component.");
    f.note("MixedOrderR", "R is a large-order point plus a torsion component.");
    f.note("NonCanonicalA", "The public key is a non-canonical encoding.");
    f.note("NonCanonicalR", "R is a non-canonical encoding.");
    f.note("NonCanonicalS", "S is not reduced: S >= L.");
    f.note("CofactoredOnly", "Only the cofactored equation [8][S]B = [8]R + [8][k]A holds.");
    f.note("LaxAccepts", "A verifier that checks only the cofactorless equation, without the strict checks, accepts.");
    f.note("WrongMessage", "Signed over something other than the 32 raw bytes of self_hash.");

    let honest_seed = [0x11; 32];
    let honest_key = SigningKeypair::from_seed(&honest_seed);
    let a = secret_scalar(&honest_seed);
    let a_bytes = honest_key.public_key().0;

    let mut g = f.group("baseline", "Ordinary signatures.");
    let good = sign_with(0, a, a_bytes, "baseline", |_| true);
    add(
        &mut g,
        Case { name: "honest", comment: "An honest signature.", flags: &["Honest"], cofactorless: true, reason: None },
        &good,
    );
    let (_, _, m) = line_for(1);
    let by_lib = SignedEvent { signature: honest_key.sign_raw(&m.0), ..signed_line(1, a_bytes, [0; 32], [0; 32]) };
    add(
        &mut g,
        Case {
            name: "honest-library",
            comment: "An honest signature made by the reference's signer.",
            flags: &["Honest"],
            cofactorless: true,
            reason: None,
        },
        &by_lib,
    );
    let other = SigningKeypair::from_seed(&[0x22; 32]);
    let wrong_key = SignedEvent { signature: other.sign_raw(&m.0), ..by_lib.clone() };
    add(
        &mut g,
        Case {
            name: "other-key",
            comment: "Signed by another key than signer_pubkey.",
            flags: &["Honest"],
            cofactorless: false,
            reason: Some(Reason::BadSignature),
        },
        &wrong_key,
    );
    let over_hex = SignedEvent { signature: honest_key.sign_raw(m.to_hex().as_bytes()), ..by_lib.clone() };
    add(
        &mut g,
        Case {
            name: "message-hex-text",
            comment: "Signed over the 64-character hex text of self_hash.",
            flags: &["WrongMessage"],
            cofactorless: false,
            reason: Some(Reason::BadSignature),
        },
        &over_hex,
    );
    let mut prehashed = Sha512::new();
    prehashed.update(m.0);
    let over_sha512 = SignedEvent { signature: honest_key.sign_raw(&prehashed.finalize()), ..by_lib.clone() };
    add(
        &mut g,
        Case {
            name: "message-prehashed",
            comment: "Signed over SHA-512 of self_hash (a prehash variant).",
            flags: &["WrongMessage"],
            cofactorless: false,
            reason: Some(Reason::BadSignature),
        },
        &over_sha512,
    );

    let mut g = f.group("scalar", "S must be reduced modulo L.");
    let (r, s): ([u8; 32], [u8; 32]) =
        (good.signature.0[..32].try_into().unwrap(), good.signature.0[32..].try_into().unwrap());
    let s_plus_l = signed_line(0, a_bytes, r, add_le(&s, &L));
    add(
        &mut g,
        Case {
            name: "s-plus-l",
            comment: "S + L: the same scalar mod L, not reduced.",
            flags: &["NonCanonicalS", "LaxAccepts"],
            cofactorless: true,
            reason: Some(Reason::BadSignature),
        },
        &s_plus_l,
    );
    let mut high = s;
    high[31] |= 0x80;
    let s_high_bit = signed_line(0, a_bytes, r, high);
    add(
        &mut g,
        Case {
            name: "s-high-bit",
            comment: "S with its top bit set.",
            flags: &["NonCanonicalS"],
            cofactorless: false,
            reason: Some(Reason::BadSignature),
        },
        &s_high_bit,
    );
    let s_is_l = signed_line(0, a_bytes, r, L);
    add(
        &mut g,
        Case {
            name: "s-equals-l",
            comment: "S = L.",
            flags: &["NonCanonicalS"],
            cofactorless: false,
            reason: Some(Reason::BadSignature),
        },
        &s_is_l,
    );

    let mut g = f.group("small-order-key", "Public keys of small order: rejected however the equation fares.");
    let mut salt = 100;
    for (i, t) in EIGHT_TORSION.iter().enumerate() {
        let a_t = t.compress().to_bytes();
        // Find a message and a small-order R with R = -[k]A, so S = 0 satisfies the equation.
        let line = loop {
            salt += 1;
            let (_, _, m) = line_for(salt);
            if let Some(r) = EIGHT_TORSION.iter().map(|p| p.compress().to_bytes()).find(|r| {
                let k = challenge(r, &a_t, &m.0);
                CompressedEdwardsY(*r).decompress().unwrap() + t * k == EdwardsPoint::identity()
            }) {
                break signed_line(salt, a_t, r, [0; 32]);
            }
        };
        add(
            &mut g,
            Case {
                name: &format!("torsion-{i}"),
                comment: &format!("A is torsion point {i}, R small order, S = 0: the equation holds."),
                flags: &["SmallOrderA", "SmallOrderR", "LaxAccepts"],
                cofactorless: true,
                reason: Some(Reason::InvalidPublicKey),
            },
            &line,
        );
    }

    let mut g =
        f.group("torsion-mixes", "Combinations of small-order and mixed-order A and R, as in the speccheck classes.");
    let t_a = EIGHT_TORSION[2];
    let small_a = t_a.compress().to_bytes();
    let line = search(500, |salt, m| {
        let nonce = scalar(&format!("small A mixed R {salt}"));
        EIGHT_TORSION.iter().find_map(|t_r| {
            let r = (EdwardsPoint::mul_base(&nonce) + t_r).compress().to_bytes();
            let k = challenge(&r, &small_a, &m.0);
            (t_r + t_a * k == EdwardsPoint::identity()).then(|| signed_line(salt, small_a, r, nonce.to_bytes()))
        })
    });
    add(
        &mut g,
        Case {
            name: "small-a-mixed-r",
            comment: "Small-order A, mixed-order R, 0 < S < L: the cofactorless equation holds.",
            flags: &["SmallOrderA", "MixedOrderR", "LaxAccepts"],
            cofactorless: true,
            reason: Some(Reason::InvalidPublicKey),
        },
        &line,
    );
    let line = search(600, |salt, m| {
        EIGHT_TORSION.iter().find_map(|t_r| {
            let r = t_r.compress().to_bytes();
            let k = challenge(&r, &mixed_key(a, t_a), &m.0);
            (t_r + t_a * k == EdwardsPoint::identity())
                .then(|| signed_line(salt, mixed_key(a, t_a), r, (k * a).to_bytes()))
        })
    });
    add(
        &mut g,
        Case {
            name: "mixed-a-small-r",
            comment: "Mixed-order A, small-order R, S = k·a: the cofactorless equation holds.",
            flags: &["MixedOrderA", "SmallOrderR", "LaxAccepts"],
            cofactorless: true,
            reason: Some(Reason::BadSignature),
        },
        &line,
    );
    for (name, holds, comment) in [
        (
            "mixed-a-mixed-r-cofactorless-holds",
            true,
            "Mixed-order A and R whose torsion parts cancel: the cofactorless equation holds, and neither point has small order.",
        ),
        (
            "mixed-a-mixed-r-cofactored-only",
            false,
            "Mixed-order A and R whose torsion parts do not cancel: only the cofactored equation holds.",
        ),
    ] {
        let line = search(if holds { 700 } else { 800 }, |salt, m| {
            let nonce = scalar(&format!("mixed A mixed R {salt}"));
            EIGHT_TORSION[1..].iter().find_map(|t_r| {
                let r = (EdwardsPoint::mul_base(&nonce) + t_r).compress().to_bytes();
                let k = challenge(&r, &mixed_key(a, t_a), &m.0);
                ((t_r + t_a * k == EdwardsPoint::identity()) == holds)
                    .then(|| signed_line(salt, mixed_key(a, t_a), r, (nonce + k * a).to_bytes()))
            })
        });
        let (flags, reason): (&[&str], _) = if holds {
            (&["MixedOrderA", "MixedOrderR"], None)
        } else {
            (&["MixedOrderA", "MixedOrderR", "CofactoredOnly"], Some(Reason::BadSignature))
        };
        add(&mut g, Case { name, comment, flags, cofactorless: holds, reason }, &line);
    }
    let line = signed_line(900, identity_bytes(), IDENTITY_Y_PLUS_P, [0; 32]);
    add(
        &mut g,
        Case {
            name: "small-a-non-canonical-r",
            comment: "A = identity, R = identity encoded as y = p + 1, S = 0.",
            flags: &["SmallOrderA", "SmallOrderR", "NonCanonicalR", "LaxAccepts"],
            cofactorless: true,
            reason: Some(Reason::InvalidPublicKey),
        },
        &line,
    );

    let mut g = f.group("non-canonical-key", "Non-canonical encodings of the public key.");
    for (name, a_enc, comment) in [
        ("identity-y-plus-p", IDENTITY_Y_PLUS_P, "The identity with y encoded as p + 1; R = identity, S = 0."),
        (
            "identity-negative-zero",
            identity_negative_zero(),
            "The identity with the sign bit set for x = 0; R = identity, S = 0.",
        ),
        ("order-4-y-equals-p", Y_EQUALS_P, "The order-4 point y = 0 encoded as y = p; R = identity, S = 0."),
    ] {
        let line = signed_line(200, a_enc, identity_bytes(), [0; 32]);
        add(
            &mut g,
            Case {
                name,
                comment,
                flags: &["NonCanonicalA", "SmallOrderA", "SmallOrderR", "LaxAccepts"],
                cofactorless: true,
                reason: Some(Reason::InvalidPublicKey),
            },
            &line,
        );
    }

    let mut g = f.group("small-order-r", "A nonce point of small order with an honest key.");
    let (_, _, m) = line_for(300);
    let id = identity_bytes();
    let s_for_identity_r = challenge(&id, &a_bytes, &m.0) * a;
    let line = signed_line(300, a_bytes, id, s_for_identity_r.to_bytes());
    add(
        &mut g,
        Case {
            name: "identity-r",
            comment: "R = identity and S = k·a: the equation holds, R has small order.",
            flags: &["SmallOrderR", "LaxAccepts"],
            cofactorless: true,
            reason: Some(Reason::BadSignature),
        },
        &line,
    );
    let s_for_noncanon = challenge(&IDENTITY_Y_PLUS_P, &a_bytes, &m.0) * a;
    let line = signed_line(300, a_bytes, IDENTITY_Y_PLUS_P, s_for_noncanon.to_bytes());
    add(
        &mut g,
        Case {
            name: "identity-r-non-canonical",
            comment: "R = identity encoded as y = p + 1, S = k·a with k over that encoding.",
            flags: &["SmallOrderR", "NonCanonicalR", "LaxAccepts"],
            cofactorless: true,
            reason: Some(Reason::BadSignature),
        },
        &line,
    );

    let mut g = f.group("mixed-order", "Points with a torsion component: the cofactorless equation decides.");
    let torsion = EIGHT_TORSION[1];
    let mixed_a = (EdwardsPoint::mul_base(&a) + torsion).compress().to_bytes();
    let line = sign_with(400, a, mixed_a, "mixed A holds", divisible_by_8);
    add(
        &mut g,
        Case {
            name: "mixed-a-cofactorless-holds",
            comment: "A = [a]B + T8 and 8 divides k: [k]T8 vanishes, the cofactorless equation holds; the strict profile accepts mixed-order keys.",
            flags: &["MixedOrderA"],
            cofactorless: true,
            reason: None,
        },
        &line,
    );
    let line = sign_with(401, a, mixed_a, "mixed A fails", |k| !divisible_by_8(k));
    add(
        &mut g,
        Case {
            name: "mixed-a-cofactored-only",
            comment: "A = [a]B + T8 and 8 does not divide k: only the cofactored equation holds.",
            flags: &["MixedOrderA", "CofactoredOnly"],
            cofactorless: false,
            reason: Some(Reason::BadSignature),
        },
        &line,
    );
    let (_, _, m) = line_for(402);
    let nonce = scalar("mixed R nonce");
    let mixed_r = (EdwardsPoint::mul_base(&nonce) + torsion).compress().to_bytes();
    let s = nonce + challenge(&mixed_r, &a_bytes, &m.0) * a;
    let line = signed_line(402, a_bytes, mixed_r, s.to_bytes());
    add(
        &mut g,
        Case {
            name: "mixed-r-cofactored-only",
            comment: "R = [r]B + T8 with an honest key: only the cofactored equation holds.",
            flags: &["MixedOrderR", "CofactoredOnly"],
            cofactorless: false,
            reason: Some(Reason::BadSignature),
        },
        &line,
    );

    let mut g = f.group(
        "non-canonical-large-order",
        "Points of large order encoded with y + p instead of y (possible for y < 19): a verifier that decodes \
         without checking the encoding takes them for valid points.",
    );
    let encodings = non_canonical_large_order();
    for (i, (y, enc)) in encodings.iter().enumerate().take(3) {
        let nonce = scalar(&format!("non-canonical A {i}"));
        let r = EdwardsPoint::mul_base(&nonce).compress().to_bytes();
        let line = signed_line(1000 + i as u64, *enc, r, nonce.to_bytes());
        add(
            &mut g,
            Case {
                name: &format!("key-y-{y}-plus-p-sign-{}", enc[31] >> 7),
                comment: &format!(
                    "signer_pubkey encodes the large-order point with y = {y} as y + p (sign bit {}).",
                    enc[31] >> 7
                ),
                flags: &["NonCanonicalA"],
                cofactorless: false,
                reason: Some(Reason::InvalidPublicKey),
            },
            &line,
        );
    }
    for (i, (y, enc)) in encodings.iter().enumerate().take(2) {
        let salt = 1100 + i as u64;
        let (_, _, m) = line_for(salt);
        let s = scalar(&format!("non-canonical R {i}")) + challenge(enc, &a_bytes, &m.0) * a;
        let line = signed_line(salt, a_bytes, *enc, s.to_bytes());
        add(
            &mut g,
            Case {
                name: &format!("r-y-{y}-plus-p-sign-{}", enc[31] >> 7),
                comment: &format!(
                    "An honest key; R encodes the large-order point with y = {y} as y + p (sign bit {}).",
                    enc[31] >> 7
                ),
                flags: &["NonCanonicalR"],
                cofactorless: false,
                reason: Some(Reason::BadSignature),
            },
            &line,
        );
    }

    f.finish()
}

/// The encodings y + p (y < 19, both signs of x) of every point of large
/// order with such a y, with y: the non-canonical encodings that are not
/// small-order points.
fn non_canonical_large_order() -> Vec<(u8, [u8; 32])> {
    // p = 2^255 - 19, little-endian.
    let mut p = [0xff; 32];
    p[0] = 0xed;
    p[31] = 0x7f;
    let mut found = Vec::new();
    for y in 0u8..19 {
        for sign in [0u8, 0x80] {
            let mut enc = add_le(&p, &{
                let mut v = [0u8; 32];
                v[0] = y;
                v
            });
            enc[31] |= sign;
            let Some(point) = CompressedEdwardsY(enc).decompress() else { continue };
            if !point.is_small_order() {
                assert_ne!(point.compress().to_bytes(), enc, "y + p is never canonical");
                found.push((y, enc));
            }
        }
    }
    assert!(found.len() >= 3, "some y below 19 is on the curve");
    found
}

/// The secret scalar of a seed: SHA-512 of the seed, lower half, clamped (RFC 8032 §5.1.5).
fn secret_scalar(seed: &[u8; 32]) -> Scalar {
    let h = Sha512::digest(seed);
    let mut lower: [u8; 32] = h[..32].try_into().unwrap();
    lower[0] &= 248;
    lower[31] &= 127;
    lower[31] |= 64;
    let a = Scalar::from_bytes_mod_order(lower);
    assert_eq!(
        EdwardsPoint::mul_base(&a).compress().to_bytes(),
        SigningKeypair::from_seed(seed).public_key().0,
        "the scalar matches the key"
    );
    a
}
