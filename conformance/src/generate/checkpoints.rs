//! `sign_checkpoint.json`, `checkpoints.json` and `ledgers_checkpoint.json`
//! (spec 1.1): signed checkpoints as C2SP signed notes
//! (spec/transparency.md, Signed notes and Checkpoints), read under a key,
//! and ledgers checked against one (step 23 of spec/verification.md).
//!
//! The notes are written here from the grammar of the spec, with their own
//! base64 and key ids, independently of the format crate; the exact bytes
//! a writer produces are checked against the reference writer and against
//! the spec's example. Each verdict and reason is stated by hand, and
//! generation fails when the reference verifier disagrees.

use std::collections::BTreeMap;

use provedex_core::{ChainHash, PublicKeyBytes, Reason, SigningKeypair, Verifier, verify_checkpoint};
use provedex_format::hex::Digest;
use provedex_verify::SignedCheckpoint;
use serde_json::json;
use sha2::{Digest as _, Sha256};

use super::ed25519::{L, add_le, identity_bytes};
use super::ledgers::compared_members_1_1;
use super::ledgers_1_1::{Chain, key, plain};
use super::signatures::seeds;
use super::tree::{RFC_ROOTS, ledger_root};
use crate::vector::{FileBuilder, Generated, GroupBuilder, SPEC_VERSION_1_1, VectorFile, Verdict, hex};

/// Standard base64 (RFC 4648 §4) with padding.
fn b64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `sha256:` and the hex of SHA-256 of the public key (spec/keys.md).
fn fingerprint(key: &PublicKeyBytes) -> String {
    format!("sha256:{}", hex(Sha256::digest(key.0)))
}

/// The origin of a ledger's checkpoints signed by `key`.
fn origin(genesis: &ChainHash, key: &PublicKeyBytes) -> String {
    let origin = format!("provedex-ledger/{}/{}", hex(genesis.0), fingerprint(key));
    assert_eq!(origin, provedex_format::checkpoint::ledger_origin(genesis, key));
    origin
}

/// The key id of an Ed25519 key named `name`: SHA-256(name ‖ LF ‖ 0x01 ‖ key)[..4].
fn key_id(name: &str, key: &PublicKeyBytes) -> [u8; 4] {
    let hash = Sha256::new().chain_update(name).chain_update([0x0a, 0x01]).chain_update(key.0).finalize();
    [hash[0], hash[1], hash[2], hash[3]]
}

/// A checkpoint body: origin, size, base64 root, extension lines, each ending in LF.
fn body(origin: &str, size: &str, root: &str, extensions: &[&str]) -> String {
    let mut text = format!("{origin}\n{size}\n{root}\n");
    extensions.iter().for_each(|line| text.push_str(&format!("{line}\n")));
    text
}

/// The signature line `— <name> <base64(id ‖ signature)>` with its LF.
fn signature_line(name: &str, id: [u8; 4], signature: &[u8]) -> String {
    format!("\u{2014} {name} {}\n", b64(&[&id[..], signature].concat()))
}

/// The signature line of `key` under `name` over `text`.
fn signed_by(text: &str, name: &str, key: &SigningKeypair) -> String {
    signature_line(name, key_id(name, &key.public_key()), &key.sign_raw(text.as_bytes()).0)
}

/// A note: the text, a blank line, the signature lines.
fn note(text: &str, lines: &[String]) -> Vec<u8> {
    [text, "\n", &lines.concat()].concat().into_bytes()
}

/// The checkpoint of the ledger starting with `genesis`, at `size` with
/// `root`, signed by `key` as a writer signs it.
fn checkpoint(genesis: &ChainHash, size: u64, root: &Digest, key: &SigningKeypair) -> Vec<u8> {
    let origin = origin(genesis, &key.public_key());
    let text = body(&origin, &size.to_string(), &b64(&root.0), &[]);
    let bytes = note(&text, &[signed_by(&text, &origin, key)]);
    assert_eq!(
        key.sign_checkpoint(genesis, size, *root).to_text().into_bytes(),
        bytes,
        "the reference writer's checkpoint is the one the grammar gives"
    );
    bytes
}

/// The spec's example (spec/transparency.md, Example): the check key's
/// checkpoint of its five example lines.
const EXAMPLE_GENESIS: &str = "52299f4b70c1603526deb7b88cbaa03ca9eb1b91a3da038babb4a175041aec91";
const EXAMPLE_ROOT_5: &str = "06f986b72472a5fc40b83c14c1f018691815b400d74f952ab737f7c36d10ff2e";
const EXAMPLE_NOTE: [&str; 5] = [
    "provedex-ledger/52299f4b70c1603526deb7b88cbaa03ca9eb1b91a3da038babb4a175041aec91/sha256:56475aa75463474c0285df5dbf2bcab73da651358839e9b77481b2eab107708c",
    "5",
    "BvmGtyRypfxAuDwUwfAYaRgVtADXT5Uqtzf3w20Q/y4=",
    "",
    "\u{2014} provedex-ledger/52299f4b70c1603526deb7b88cbaa03ca9eb1b91a3da038babb4a175041aec91/sha256:56475aa75463474c0285df5dbf2bcab73da651358839e9b77481b2eab107708c zQWhPN5xQVM8nuBsbg4sI65IHv+Yuoeeoc/077YMcDS8pvocFQpxY+zPUdxa26TiD7nLHLDCWUc9U1yoKvcMRsCjuAE=",
];

/// The Go sumdb/note published example (golang.org/x/mod/sumdb/note): the
/// note signed by `PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW`.
pub const PETER_NEUMANN_NOTE: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n\n\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

fn chain_hash(text: &str) -> ChainHash {
    ChainHash::from_hex(text).expect("a constant hash")
}

fn digest(text: &str) -> Digest {
    Digest::from_hex(text).expect("a constant hash")
}

pub fn sign_file() -> VectorFile {
    let mut f = FileBuilder::new(
        "sign_checkpoint",
        "sign_checkpoint",
        "Signed checkpoints (spec/transparency.md, Checkpoints): for fixed seeds, ledgers, sizes and roots, the exact \
         bytes of the signed note a writer produces. Ed25519 signatures are deterministic.",
    );
    f.spec_version(SPEC_VERSION_1_1);
    f.note("Published", "The spec's example (spec/transparency.md, Example).");
    f.note("Seal", "A checkpoint signed by a fixed seed.");

    let mut g = f.group("example", "The checkpoint of the spec's example.");
    let check_key = SigningKeypair::from_seed(&std::array::from_fn(|i| i as u8));
    let example = checkpoint(&chain_hash(EXAMPLE_GENESIS), 5, &digest(EXAMPLE_ROOT_5), &check_key);
    assert_eq!(example, (EXAMPLE_NOTE.join("\n") + "\n").into_bytes(), "the spec's example checkpoint");
    g.test(
        "spec-example",
        "The check key's checkpoint of the five example lines at size 5.",
        &["Published"],
        json!({"seed_hex": hex(std::array::from_fn::<u8, 32, _>(|i| i as u8)), "genesis_self_hash": EXAMPLE_GENESIS,
               "tree_size": 5, "root_hex": EXAMPLE_ROOT_5}),
        Verdict::Valid,
        json!({"checkpoint_hex": hex(&example)}),
    );

    let mut g = f.group("signatures", "Each seed signs checkpoints of several sizes and roots.");
    let cases: [(&str, u64, Digest); 5] = [
        ("size-0", 0, digest(RFC_ROOTS[0])),
        ("size-1", 1, digest(RFC_ROOTS[1])),
        ("size-8", 8, digest(RFC_ROOTS[8])),
        ("size-1000000", 1_000_000, Digest(Sha256::digest(b"provedex vectors: a root").into())),
        ("size-max", u64::MAX, Digest([0xff; 32])),
    ];
    for (seed_name, seed) in seeds() {
        let key = SigningKeypair::from_seed(&seed);
        let genesis = ChainHash(Sha256::digest(seed_name.as_bytes()).into());
        for (case, size, root) in &cases {
            let bytes = checkpoint(&genesis, *size, root, &key);
            g.test(
                &format!("{seed_name}-{case}"),
                &format!("The checkpoint at size {size} signed by {seed_name}."),
                &["Seal"],
                json!({"seed_hex": hex(seed), "genesis_self_hash": genesis.to_hex(), "tree_size": size,
                       "root_hex": root.to_hex()}),
                Verdict::Valid,
                json!({"checkpoint_hex": hex(&bytes)}),
            );
        }
    }
    f.finish()
}

/// What `verify_checkpoint` answers: the size and root, or the reason.
type Answer = Result<(u64, Digest), Reason>;

/// Adds a `verify_checkpoint` test of `bytes` under `key`, after checking
/// the reference reaches `answer`. With `generated`, the note's bytes are
/// built at run time from it (they must be `bytes`).
fn read_test(
    g: &mut GroupBuilder<'_>,
    (name, comment, flags): (&str, &str, &[&str]),
    bytes: &[u8],
    key: &PublicKeyBytes,
    answer: Answer,
    generated: Option<Generated>,
) {
    let got = verify_checkpoint(bytes, key).map(|c| (c.checkpoint.size, c.checkpoint.root)).map_err(|f| f.reason);
    assert_eq!(got, answer, "checkpoints/{name}: the reference answers otherwise");
    let expected = match answer {
        Ok((size, root)) => json!({"valid": true, "reason": null, "tree_size": size, "root_hex": root.to_hex()}),
        Err(reason) => json!({"valid": false, "reason": reason.code()}),
    };
    let verdict = if answer.is_ok() { Verdict::Valid } else { Verdict::Invalid };
    match generated {
        None => g.test(
            name,
            comment,
            flags,
            json!({"checkpoint_hex": hex(bytes), "pubkey_hex": key.to_hex()}),
            verdict,
            expected,
        ),
        Some(generated) => {
            assert_eq!(generated.expand(), hex(bytes), "checkpoints/{name}: the generated note");
            let generated = BTreeMap::from([("checkpoint_hex".to_owned(), generated)]);
            g.generated_test(name, comment, flags, json!({"pubkey_hex": key.to_hex()}), generated, verdict, expected);
        }
    }
}

pub fn verify_file() -> VectorFile {
    let mut f = FileBuilder::new(
        "checkpoints",
        "verify_checkpoint",
        "Signed checkpoints read under a key (spec/transparency.md, Signed notes and Checkpoints): valid ones, with \
         witness signatures and extension lines; every way a note or its checkpoint is malformed; checkpoints whose \
         origin names another key; missing and failing signatures; and the Go sumdb/note published example, which is \
         no ledger's checkpoint. Notes past 64 KiB are built at run time (generated_input).",
    );
    f.spec_version(SPEC_VERSION_1_1);
    f.note("Valid", "A checkpoint the key signs.");
    f.note("Witness", "Signature lines by other keys, which a verifier ignores.");
    f.note("Extension", "Extension lines after the root, which a reader accepts and ignores.");
    f.note("Note", "Not a signed note (spec/transparency.md, Signed notes).");
    f.note("Body", "A signed note whose text is not a checkpoint.");
    f.note("Origin", "A checkpoint whose origin is not a Provedex ledger's.");
    f.note("Limit", "The limits of 100 signature lines and 65,536 bytes.");
    f.note("Foreign", "The origin names another key.");
    f.note("Signature", "No signature line by the key, or one that fails.");
    f.note("Published", "The Go sumdb/note published example.");
    f.note("LaxAccepts", "A signature a verifier accepts when it checks only the cofactorless equation.");
    f.note("Strict", "A spelling a lax reader accepts and the strict reading of the spec refuses.");

    let (key, other) = (key(0), key(1));
    let pubkey = key.public_key();
    let genesis = ChainHash(Sha256::digest(b"provedex vectors: checkpoint genesis").into());
    let root = Digest(Sha256::digest(b"provedex vectors: checkpoint root").into());
    let root64 = b64(&root.0);
    let name = origin(&genesis, &pubkey);
    let text = body(&name, "7", &root64, &[]);
    let good_line = signed_by(&text, &name, &key);
    let good = note(&text, std::slice::from_ref(&good_line));
    let valid: Answer = Ok((7, root));
    // A note whose text is `text`, signed by the key under the origin `name`.
    let signed = |text: &str| note(text, &[signed_by(text, &name, &key)]);
    // A note whose text is `text`, signed by the key under the text's first line.
    let self_named = |text: &str| {
        let first = text.split('\n').next().expect("a first line");
        note(text, &[signature_line(first, key_id(first, &pubkey), &key.sign_raw(text.as_bytes()).0)])
    };
    let witness = SigningKeypair::from_seed(&[0x77; 32]);
    let witness_line = signed_by(&text, "witness.example/w1", &witness);

    let mut g = f.group("valid", "Checkpoints the key signs, with what a verifier ignores.");
    read_test(&mut g, ("plain", "A checkpoint as a writer signs it.", &["Valid"]), &good, &pubkey, valid, None);
    let bytes = checkpoint(&genesis, 7, &root, &key);
    assert_eq!(bytes, good);
    for (size, root) in [(0u64, digest(RFC_ROOTS[0])), (u64::MAX, root)] {
        let bytes = checkpoint(&genesis, size, &root, &key);
        read_test(
            &mut g,
            (&format!("size-{size}"), &format!("A checkpoint at size {size}."), &["Valid"]),
            &bytes,
            &pubkey,
            Ok((size, root)),
            None,
        );
    }
    read_test(
        &mut g,
        ("witness-after", "A witness's signature line after the key's: ignored.", &["Valid", "Witness"]),
        &note(&text, &[good_line.clone(), witness_line.clone()]),
        &pubkey,
        valid,
        None,
    );
    read_test(
        &mut g,
        ("witness-before", "A witness's signature line before the key's: ignored.", &["Valid", "Witness"]),
        &note(&text, &[witness_line.clone(), good_line.clone()]),
        &pubkey,
        valid,
        None,
    );
    read_test(
        &mut g,
        (
            "witness-bad-signature",
            "A witness line whose signature is not the witness's (64 bytes of zeros): not checked, ignored.",
            &["Valid", "Witness"],
        ),
        &note(
            &text,
            &[
                good_line.clone(),
                signature_line("witness.example/w1", key_id("witness.example/w1", &witness.public_key()), &[0; 64]),
            ],
        ),
        &pubkey,
        valid,
        None,
    );
    read_test(
        &mut g,
        (
            "same-name-other-key-id",
            "A line under the origin with another key's id (the other key signed under this name): ignored.",
            &["Valid", "Witness"],
        ),
        &note(&text, &[signed_by(&text, &name, &other), good_line.clone()]),
        &pubkey,
        valid,
        None,
    );
    read_test(
        &mut g,
        (
            "same-key-id-other-name",
            "A line with the key's id under another name (its signature is random bytes): ignored.",
            &["Valid", "Witness"],
        ),
        &note(&text, &[good_line.clone(), signature_line("other.example/log", key_id(&name, &pubkey), &[0x5a; 64])]),
        &pubkey,
        valid,
        None,
    );
    read_test(
        &mut g,
        ("two-good-lines", "The key's signature line twice: both verify.", &["Valid"]),
        &note(&text, &[good_line.clone(), good_line.clone()]),
        &pubkey,
        valid,
        None,
    );
    let extended = body(&name, "7", &root64, &["an opaque extension line"]);
    read_test(
        &mut g,
        (
            "extension-line",
            "One extension line after the root, signed with the rest: accepted and ignored.",
            &["Valid", "Extension"],
        ),
        &signed(&extended),
        &pubkey,
        valid,
        None,
    );
    let extended = body(&name, "7", &root64, &["ext one", "— ext two, with an em dash"]);
    read_test(
        &mut g,
        ("two-extension-lines", "Two extension lines, one of them starting with an em dash.", &["Valid", "Extension"]),
        &signed(&extended),
        &pubkey,
        valid,
        None,
    );
    let mut hundred = vec![good_line.clone()];
    hundred.extend((1..100).map(|_| witness_line.clone()));
    read_test(
        &mut g,
        (
            "100-signatures",
            "The key's line and 99 witness lines: 100 signature lines, the most a reader accepts.",
            &["Valid", "Witness", "Limit"],
        ),
        &note(&text, &hundred),
        &pubkey,
        valid,
        None,
    );
    // A note of exactly 65,536 bytes: an extension line fills the rest.
    let (at_limit, generated) = padded_note(&name, &root64, &key, 65_536);
    read_test(
        &mut g,
        (
            "65536-bytes",
            "A note of exactly 65,536 bytes (a long extension line): the most a reader accepts.",
            &["Valid", "Extension", "Limit"],
        ),
        &at_limit,
        &pubkey,
        valid,
        Some(generated),
    );

    let mut g = f.group("note", "Bytes that are not a signed note: checkpoint_malformed (TL-6).");
    let malformed = Err(Reason::CheckpointMalformed);
    let mut bad = |name: &str, comment: &str, flags: &[&str], bytes: Vec<u8>| {
        read_test(&mut g, (name, comment, flags), &bytes, &pubkey, malformed, None)
    };
    let mut not_utf8 = good.clone();
    not_utf8[2] = 0xff;
    bad("not-utf8", "A byte 0xff in the origin.", &["Note"], not_utf8);
    bad(
        "nul-in-text",
        "A NUL character in an extension line, signed.",
        &["Note"],
        signed(&body(&name, "7", &root64, &["a\u{0}b"])),
    );
    let mut latin1 = signed(&body(&name, "7", &root64, &["cafe"]));
    let at = latin1.windows(4).position(|w| w == b"cafe").expect("the extension line") + 3;
    latin1[at] = 0xe9;
    bad("latin1-byte", "An extension line spelled in Latin-1 (a lone 0xe9 byte).", &["Note"], latin1);
    bad("tab-in-text", "A TAB in an extension line, signed.", &["Note"], signed(&body(&name, "7", &root64, &["a\tb"])));
    bad(
        "cr-in-text",
        "A CR before the LF of the size line, signed.",
        &["Note"],
        signed(&text.replacen("\n7\n", "\n7\r\n", 1)),
    );
    let crlf: String = String::from_utf8(good.clone()).expect("UTF-8").replace('\n', "\r\n");
    bad("crlf-everywhere", "Every LF written as CR LF.", &["Note"], crlf.into_bytes());
    let bel = signature_line("witness\u{7}", [1, 2, 3, 4], &[0; 64]);
    bad(
        "bel-in-key-name",
        "A witness line whose key name ends in BEL (0x07).",
        &["Note"],
        note(&text, &[good_line.clone(), bel]),
    );
    bad(
        "no-blank-line",
        "The signature line straight after the text, without the blank line.",
        &["Note"],
        [text.as_bytes(), good_line.as_bytes()].concat(),
    );
    bad(
        "no-signature-line",
        "The text and the blank line, no signature line.",
        &["Note"],
        format!("{text}\n").into_bytes(),
    );
    bad("text-only", "The text alone.", &["Note"], text.clone().into_bytes());
    bad("no-final-lf", "The signature line without its LF.", &["Note"], good[..good.len() - 1].to_vec());
    bad("trailing-blank-line", "A blank line after the signature line.", &["Note"], [&good[..], b"\n"].concat());
    bad(
        "trailing-other-line",
        "A line after the signature line that is not a signature line.",
        &["Note"],
        [&good[..], b"Unexpected line.\n"].concat(),
    );
    bad(
        "hyphen-for-em-dash",
        "The signature line starting `-- ` in place of the em dash.",
        &["Note"],
        note(&text, &[good_line.replacen('\u{2014}', "--", 1)]),
    );
    bad(
        "en-dash",
        "The signature line starting with an en dash (U+2013).",
        &["Note"],
        note(&text, &[good_line.replacen('\u{2014}', "\u{2013}", 1)]),
    );
    bad(
        "em-dash-no-space",
        "The em dash not followed by a space.",
        &["Note"],
        note(&text, &[good_line.replacen("\u{2014} ", "\u{2014}", 1)]),
    );
    bad(
        "two-spaces-after-name",
        "Two spaces between the key name and the signature.",
        &["Note"],
        note(&text, &[good_line.replacen(&format!("{name} "), &format!("{name}  "), 1)]),
    );
    bad(
        "empty-key-name",
        "A signature line with an empty key name.",
        &["Note"],
        note(&text, &[good_line.replacen(&format!(" {name} "), "  ", 1)]),
    );
    let plus = signature_line("witness+name", [1, 2, 3, 4], &[0; 64]);
    bad(
        "key-name-with-plus",
        "A witness line whose key name holds a `+`.",
        &["Note"],
        note(&text, &[good_line.clone(), plus]),
    );
    let nbsp = signature_line("witness\u{a0}name", [1, 2, 3, 4], &[0; 64]);
    bad(
        "key-name-with-nbsp",
        "A witness line whose key name holds U+00A0, a Unicode space.",
        &["Note"],
        note(&text, &[good_line.clone(), nbsp]),
    );
    bad(
        "key-name-with-space",
        "A witness line `— Bad Name <base64>`.",
        &["Note"],
        note(&text, &[good_line.clone(), signature_line("Bad Name", [1, 2, 3, 4], &[0; 64])]),
    );
    let sig64 = good_line.rsplit_once(' ').expect("a signature").1.trim_end().to_owned();
    bad(
        "base64-unpadded",
        "The signature's base64 without its `=` padding.",
        &["Note"],
        note(&text, &[good_line.replacen(&sig64, sig64.trim_end_matches('='), 1)]),
    );
    bad(
        "base64-url-alphabet",
        "The signature in the URL-safe alphabet (`-` and `_`).",
        &["Note"],
        note(&text, &[good_line.replacen(&sig64, &sig64.replace('+', "-").replace('/', "_"), 1)]),
    );
    assert!(sig64.contains('+') || sig64.contains('/'), "the signature spells a + or a /");
    bad(
        "base64-bad-character",
        "A `*` in the signature's base64.",
        &["Note"],
        note(&text, &[good_line.replacen(&sig64[..4], "*AAA", 1)]),
    );
    // The last character before the padding carries unused bits, zero in
    // the one spelling of the bytes: set the lowest.
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let unpadded = sig64.trim_end_matches('=');
    let (head, last_char) = unpadded.split_at(unpadded.len() - 1);
    let value = alphabet.find(last_char).expect("base64");
    assert_eq!(value & 1, 0, "68 bytes leave unused bits in the last character");
    let other_bits = format!("{head}{}{}", &alphabet[value + 1..value + 2], &sig64[unpadded.len()..]);
    bad(
        "sig-4-bytes",
        "A witness line whose base64 holds 4 bytes: a key id and no signature.",
        &["Note"],
        note(&text, &[good_line.clone(), signature_line("witness.example/w1", [1, 2, 3, 4], &[])]),
    );
    bad(
        "sig-empty",
        "A witness line with an empty signature.",
        &["Note"],
        note(&text, &[good_line.clone(), "\u{2014} witness.example/w1 \n".to_owned()]),
    );
    let mut hundred_one = vec![good_line.clone()];
    hundred_one.extend((1..101).map(|_| witness_line.clone()));
    bad(
        "101-signatures",
        "The key's line and 100 witness lines: more than 100 signature lines.",
        &["Note", "Limit"],
        note(&text, &hundred_one),
    );
    let (over, generated) = padded_note(&name, &root64, &key, 65_537);
    read_test(
        &mut g,
        (
            "65537-bytes",
            "A note of 65,537 bytes (a long extension line), properly signed: over the limit.",
            &["Note", "Limit"],
        ),
        &over,
        &pubkey,
        malformed,
        Some(generated),
    );
    let mut g = f.group("body", "Signed notes whose text is not a checkpoint: checkpoint_malformed (TL-6).");
    let mut bad = |name: &str, comment: &str, bytes: Vec<u8>| {
        read_test(&mut g, (name, comment, &["Body"]), &bytes, &pubkey, malformed, None)
    };
    bad("two-lines", "Origin and size only, signed.", signed(&format!("{name}\n7\n")));
    bad("one-line", "The origin only, signed.", signed(&format!("{name}\n")));
    bad(
        "empty-line-before-root",
        "An empty line between the size and the root.",
        signed(&format!("{name}\n7\n\n{root64}\n")),
    );
    bad(
        "empty-first-line",
        "An empty first line, then origin, size and root.",
        note(&format!("\n{text}"), std::slice::from_ref(&good_line)),
    );
    bad(
        "empty-extension-line",
        "An empty extension line after the root (the text then holds a blank line).",
        signed(&format!("{text}\nafter\n")),
    );
    bad("leading-zero", "The size 07.", signed(&body(&name, "07", &root64, &[])));
    bad("zero-zero", "The size 00.", signed(&body(&name, "00", &root64, &[])));
    bad("plus-sign", "The size +7.", signed(&body(&name, "+7", &root64, &[])));
    bad("negative", "The size -1.", signed(&body(&name, "-1", &root64, &[])));
    bad(
        "too-large",
        "The size 18446744073709551616 (2^64).",
        signed(&body(&name, "18446744073709551616", &root64, &[])),
    );
    bad("size-with-space", "The size ` 7`.", signed(&body(&name, " 7", &root64, &[])));
    bad("size-hex", "The size 0x7.", signed(&body(&name, "0x7", &root64, &[])));
    bad("size-empty", "An empty size line.", signed(&format!("{name}\n\n{root64}\n")));
    bad("root-31-bytes", "A root of 31 bytes.", signed(&body(&name, "7", &b64(&root.0[..31]), &[])));
    bad("root-33-bytes", "A root of 33 bytes.", signed(&body(&name, "7", &b64(&[&root.0[..], &[0]].concat()), &[])));
    bad(
        "root-unpadded",
        "The root's base64 without its `=`.",
        signed(&body(&name, "7", root64.trim_end_matches('='), &[])),
    );
    bad("root-hex", "The root as 64 hex characters.", signed(&body(&name, "7", &root.to_hex(), &[])));
    bad("root-and-size-swapped", "The root line before the size line.", signed(&format!("{name}\n{root64}\n7\n")));

    let mut g = f.group("origin", "Checkpoints whose origin is not a ledger's: checkpoint_malformed (TL-6).");
    let genesis_hex = genesis.to_hex();
    let fp = fingerprint(&pubkey);
    let mut bad = |name: &str, comment: &str, origin: String| {
        read_test(
            &mut g,
            (name, comment, &["Origin"]),
            &self_named(&body(&origin, "7", &root64, &[])),
            &pubkey,
            malformed,
            None,
        )
    };
    bad("other-log", "The origin example.com/log42, signed under that name.", "example.com/log42".into());
    bad("no-prefix", "The genesis and fingerprint without `provedex-ledger/`.", format!("{genesis_hex}/{fp}"));
    bad("prefix-v2", "The prefix `provedex-ledger2/`.", format!("provedex-ledger2/{genesis_hex}/{fp}"));
    bad("labelled-prefix", "The prefix `provedex/` of labelled messages.", format!("provedex/{genesis_hex}/{fp}"));
    bad("no-fingerprint", "The prefix and the genesis only.", format!("provedex-ledger/{genesis_hex}"));
    bad("empty-fingerprint", "The prefix, the genesis and `/`.", format!("provedex-ledger/{genesis_hex}/"));
    bad(
        "fingerprint-without-sha256",
        "A fingerprint without `sha256:`.",
        format!("provedex-ledger/{genesis_hex}/{}", &fp[7..]),
    );
    bad(
        "fingerprint-sha512",
        "A fingerprint `sha512:` and the same hex.",
        format!("provedex-ledger/{genesis_hex}/sha512:{}", &fp[7..]),
    );
    bad(
        "fingerprint-short",
        "A fingerprint of 63 hex characters.",
        format!("provedex-ledger/{genesis_hex}/{}", &fp[..fp.len() - 1]),
    );
    bad("genesis-short", "A genesis of 63 hex characters.", format!("provedex-ledger/{}/{fp}", &genesis_hex[1..]));
    bad(
        "genesis-upper-case",
        "The genesis in upper-case hex.",
        format!("provedex-ledger/{}/{fp}", genesis_hex.to_uppercase()),
    );
    bad(
        "fingerprint-upper-case",
        "The fingerprint's hex in upper case.",
        format!("provedex-ledger/{genesis_hex}/sha256:{}", fp[7..].to_uppercase()),
    );
    bad("trailing-slash", "A `/` after the fingerprint.", format!("provedex-ledger/{genesis_hex}/{fp}/"));
    bad("extra-part", "A third part after the fingerprint.", format!("provedex-ledger/{genesis_hex}/{fp}/more"));
    bad(
        "key-name-with-plus",
        "An origin with a `+` (no key name holds one).",
        format!("provedex-ledger/{genesis_hex}/{fp}+x"),
    );
    // A space: the name of the signature line cannot hold it, so the line names the origin's first word.
    let spaced = format!("provedex-ledger/{genesis_hex} /{fp}");
    read_test(
        &mut g,
        ("key-name-with-space", "An origin with a space, signed under its part before the space.", &["Origin"]),
        &note(
            &body(&spaced, "7", &root64, &[]),
            &[signed_by(&body(&spaced, "7", &root64, &[]), &format!("provedex-ledger/{genesis_hex}"), &key)],
        ),
        &pubkey,
        malformed,
        None,
    );

    let mut g = f.group("foreign", "Checkpoints whose origin names another key: checkpoint_foreign (TL-4).");
    let foreign = Err(Reason::CheckpointForeign);
    let theirs = checkpoint(&genesis, 7, &root, &other);
    read_test(
        &mut g,
        ("other-key", "Another key's checkpoint of the same ledger, read under this key.", &["Foreign"]),
        &theirs,
        &pubkey,
        foreign,
        None,
    );
    let cosigned = note(
        &body(&origin(&genesis, &other.public_key()), "7", &root64, &[]),
        &[
            signed_by(
                &body(&origin(&genesis, &other.public_key()), "7", &root64, &[]),
                &origin(&genesis, &other.public_key()),
                &other,
            ),
            signed_by(
                &body(&origin(&genesis, &other.public_key()), "7", &root64, &[]),
                &origin(&genesis, &other.public_key()),
                &key,
            ),
        ],
    );
    read_test(
        &mut g,
        (
            "other-key-cosigned",
            "Another key's checkpoint, also signed by this key under that origin: the origin names the other key.",
            &["Foreign"],
        ),
        &cosigned,
        &pubkey,
        foreign,
        None,
    );
    let other_text = body(&origin(&genesis, &other.public_key()), "7", &root64, &[]);
    read_test(
        &mut g,
        (
            "origin-names-other-key",
            "An origin naming another key's fingerprint, signed by this key under it.",
            &["Foreign"],
        ),
        &note(&other_text, &[signed_by(&other_text, &origin(&genesis, &other.public_key()), &key)]),
        &pubkey,
        foreign,
        None,
    );

    let mut g = f.group("signature", "No line by the key, or one that fails: checkpoint_signature_invalid (TL-4).");
    let invalid = Err(Reason::CheckpointSignatureInvalid);
    let mut bad = |name: &str, comment: &str, bytes: Vec<u8>| {
        read_test(&mut g, (name, comment, &["Signature"]), &bytes, &pubkey, invalid, None)
    };
    let id = key_id(&name, &pubkey);
    let signature = key.sign_raw(text.as_bytes()).0;
    for (at, bit) in [(0, 0), (31, 7), (32, 0), (63, 7)] {
        let mut flipped = signature;
        flipped[at] ^= 1 << bit;
        bad(
            &format!("byte-{at}-bit-{bit}-flipped"),
            &format!("Bit {bit} of byte {at} of the signature flipped."),
            note(&text, &[signature_line(&name, id, &flipped)]),
        );
    }
    let other_size = body(&name, "8", &root64, &[]);
    bad(
        "signature-of-other-text",
        "The key's signature of the checkpoint at size 8, on the checkpoint at size 7.",
        note(&text, &[signature_line(&name, id, &key.sign_raw(other_size.as_bytes()).0)]),
    );
    bad(
        "signature-of-text-with-blank-line",
        "The key's signature of the text and the blank line after it.",
        note(&text, &[signature_line(&name, id, &key.sign_raw(format!("{text}\n").as_bytes()).0)]),
    );
    bad(
        "signature-of-text-without-lf",
        "The key's signature of the text without its final LF.",
        note(&text, &[signature_line(&name, id, &key.sign_raw(&text.as_bytes()[..text.len() - 1]).0)]),
    );
    bad(
        "second-line-fails",
        "The key's good line, then a second line by the key whose signature fails: every line by the key must verify.",
        note(&text, &[good_line.clone(), signature_line(&name, id, &[0x11; 64])]),
    );
    bad(
        "first-line-fails",
        "A failing line by the key, then its good line.",
        note(&text, &[signature_line(&name, id, &[0x11; 64]), good_line.clone()]),
    );
    bad("witness-only", "Only a witness's signature line.", note(&text, std::slice::from_ref(&witness_line)));
    bad(
        "other-key-under-origin-only",
        "Only another key's signature under the origin (another key id): no line by the key.",
        note(&text, &[signed_by(&text, &name, &other)]),
    );
    bad(
        "key-id-of-other-name",
        "The key's signature under the origin, but with the key id of another name.",
        note(&text, &[signature_line(&name, key_id("example.com/log", &pubkey), &signature)]),
    );
    bad(
        "signature-63-bytes",
        "The key's line with a signature of 63 bytes.",
        note(&text, &[signature_line(&name, id, &signature[..63])]),
    );
    bad(
        "signature-65-bytes",
        "The key's line with a signature of 65 bytes (a zero byte appended).",
        note(&text, &[signature_line(&name, id, &[&signature[..], &[0]].concat())]),
    );
    bad(
        "data-signature-of-text",
        "The key's data signature (provedex/data/v1) of the text: another kind of signature.",
        note(&text, &[signature_line(&name, id, &key.sign_data(text.as_bytes()).0)]),
    );

    let mut g =
        f.group("strict", "Signatures and spellings a lax reader accepts and the strict profile refuses (TL-4, TL-6).");
    let mut s_plus_l = signature;
    let s: [u8; 32] = signature[32..].try_into().expect("S is 32 bytes");
    s_plus_l[32..].copy_from_slice(&add_le(&s, &L));
    read_test(
        &mut g,
        (
            "s-plus-l",
            "The key's signature with S + L in place of S: the same equation, a non-canonical S.",
            &["LaxAccepts"],
        ),
        &note(&text, &[signature_line(&name, id, &s_plus_l)]),
        &pubkey,
        invalid,
        None,
    );
    let identity = PublicKeyBytes(identity_bytes());
    let forged_origin = origin(&genesis, &identity);
    let forged_text = body(&forged_origin, "7", &root64, &[]);
    let mut forgery = [0u8; 64];
    forgery[..32].copy_from_slice(&identity.0);
    read_test(
        &mut g,
        (
            "identity-key-forgery",
            "A checkpoint whose origin names the identity as key, with R the identity and S zero: the equation holds \
             for every text.",
            &["LaxAccepts"],
        ),
        &note(&forged_text, &[signature_line(&forged_origin, key_id(&forged_origin, &identity), &forgery)]),
        &identity,
        invalid,
        None,
    );
    read_test(
        &mut g,
        (
            "base64-unused-bits",
            "The signature's base64 with an unused bit of its last character set: a second spelling of the same \
             bytes, which a lax base64 decoder accepts.",
            &["Strict"],
        ),
        &note(&text, &[good_line.replacen(&sig64, &other_bits, 1)]),
        &pubkey,
        malformed,
        None,
    );

    let mut g = f.group(
        "published",
        "The Go sumdb/note published example (golang.org/x/mod/sumdb/note): a signed note, but no checkpoint.",
    );
    read_test(
        &mut g,
        (
            "peter-neumann",
            "The note signed by PeterNeumann+c74f20a3: a well-formed signed note whose text is not a checkpoint (its \
             first line is no ledger origin), read under a ledger key.",
            &["Published", "Body"],
        ),
        PETER_NEUMANN_NOTE.as_bytes(),
        &pubkey,
        malformed,
        None,
    );
    f.finish()
}

/// A note of exactly `len` bytes: the checkpoint at size 7 whose one
/// extension line of `x` fills the rest, signed; with its generated form.
fn padded_note(name: &str, root64: &str, key: &SigningKeypair, len: usize) -> (Vec<u8>, Generated) {
    let head = body(name, "7", root64, &[]);
    // The signature line's length does not depend on the text.
    let line_len = signed_by(&head, name, key).len();
    let fill = len - head.len() - 1 - 1 - line_len;
    let text = format!("{head}{}\n", "x".repeat(fill));
    let bytes = note(&text, &[signed_by(&text, name, key)]);
    assert_eq!(bytes.len(), len);
    let suffix = [&b"\n\n"[..], signed_by(&text, name, key).as_bytes()].concat();
    let generated =
        Generated { prefix: hex(head.as_bytes()), repeat: hex(b"x"), count: fill as u64, suffix: hex(suffix) };
    (bytes, generated)
}

/// Adds a `verify_ledger` test of `ledger` against `checkpoint`, after
/// checking the reference reports `expect` (reason and broken_at).
#[allow(clippy::too_many_arguments)]
fn ledger_test(
    g: &mut GroupBuilder<'_>,
    name: &str,
    comment: &str,
    flags: &[&str],
    ledger: &[u8],
    checkpoint: &[u8],
    pins: (Option<PublicKeyBytes>, Option<PublicKeyBytes>),
    expect: Option<(Reason, u64)>,
) {
    let signed = SignedCheckpoint::parse(checkpoint).expect("the vectors send signed checkpoints only");
    let report = Verifier::new()
        .pinned_pubkey(pins.0)
        .pinned_current_pubkey(pins.1)
        .checkpoint(signed)
        .reader(ledger)
        .expect("reading a buffer");
    assert_eq!(
        report.reason.zip(report.broken_at),
        expect,
        "ledgers_checkpoint/{name}: the reference reports {}",
        report.message
    );
    let mut input = json!({"ledger_hex": hex(ledger), "pinned_pubkey": pins.0.map(|k| k.to_hex())});
    if let Some(current) = pins.1 {
        input["pinned_current_pubkey"] = json!(current.to_hex());
    }
    input["checkpoint_hex"] = json!(hex(checkpoint));
    let verdict = if report.ok { Verdict::Valid } else { Verdict::Invalid };
    g.test(name, comment, flags, input, verdict, compared_members_1_1(&report));
}

/// The root of the tree of the first `size` lines of `chain`.
fn root_at(chain: &Chain, size: usize) -> Digest {
    let hashes: Vec<ChainHash> = chain.lines[..size].iter().map(|l| l.self_hash).collect();
    ledger_root(&hashes)
}

pub fn ledgers_file() -> VectorFile {
    let mut f = FileBuilder::new(
        "ledgers_checkpoint",
        "verify_ledger",
        "Ledgers checked against a signed checkpoint (spec/transparency.md, Checking a ledger against a checkpoint; \
         spec/verification.md, step 23): at the checkpoint's size and past it, truncated, another ledger's or another \
         key's checkpoint, a replaced history, rotations before, at and after the checkpoint's size, and the order \
         of the findings among themselves, after every line's and after the pinned current key. Each with the exact \
         report (every member but message).",
    );
    f.spec_version(SPEC_VERSION_1_1);
    f.note("Valid", "A ledger that verifies against the checkpoint.");
    f.note("Truncated", "The ledger holds fewer lines than the checkpoint's size.");
    f.note("Foreign", "The checkpoint names another ledger or another key than the one current at its size.");
    f.note("Signature", "The checkpoint's signature by the current key fails.");
    f.note("Forked", "The first lines were replaced by others signed with the same key.");
    f.note("Rotation", "A key rotation in the ledger.");
    f.note("Order", "Two findings at once: the one the spec checks first is reported.");
    f.note("Pinned", "A pinned first or current key.");

    let (k0, k1, k2) = (key(0), key(1), key(2));
    let mut five = Chain::default();
    five.plain(5, &k0);
    let file5 = five.file();
    let genesis = five.hash_of(0);
    let at = |chain: &Chain, size: usize, signer: &SigningKeypair| {
        checkpoint(&chain.hash_of(0), size as u64, &root_at(chain, size), signer)
    };
    let none = (None, None);

    let mut g = f.group("valid", "Ledgers that reach the checkpoint and agree with it.");
    for size in [5, 3, 1, 0] {
        let comment = if size == 5 {
            "Five lines and the checkpoint at size 5.".to_owned()
        } else {
            format!(
                "Five lines and the checkpoint at size {size}: a ledger longer than the checkpoint is not a finding."
            )
        };
        ledger_test(
            &mut g,
            &format!("size-5-checkpoint-{size}"),
            &comment,
            &["Valid"],
            &file5,
            &at(&five, size, &k0),
            none,
            None,
        );
    }
    let cp5 = at(&five, 5, &k0);
    let origin5 = origin(&genesis, &k0.public_key());
    let body5 = body(&origin5, "5", &b64(&root_at(&five, 5).0), &[]);
    let witnessed = note(&body5, &[signed_by(&body5, &origin5, &k0), signed_by(&body5, "witness.example/w1", &k2)]);
    ledger_test(
        &mut g,
        "witness-line",
        "The checkpoint at size 5 with a witness's signature line after the key's.",
        &["Valid"],
        &file5,
        &witnessed,
        none,
        None,
    );
    ledger_test(
        &mut g,
        "pinned-keys",
        "The checkpoint at size 5, with the first and the current key pinned.",
        &["Valid", "Pinned"],
        &file5,
        &cp5,
        (Some(k0.public_key()), Some(k0.public_key())),
        None,
    );

    let mut g = f.group("truncated", "Ledgers that hold fewer lines than the checkpoint: ledger_truncated.");
    let mut four = five.clone();
    four.lines.truncate(4);
    ledger_test(
        &mut g,
        "one-line-cut",
        "The ledger's last line cut; the checkpoint at size 5.",
        &["Truncated"],
        &four.file(),
        &cp5,
        none,
        Some((Reason::LedgerTruncated, 4)),
    );
    let mut one = five.clone();
    one.lines.truncate(1);
    ledger_test(
        &mut g,
        "cut-to-one-line",
        "Only the first line left.",
        &["Truncated"],
        &one.file(),
        &cp5,
        none,
        Some((Reason::LedgerTruncated, 1)),
    );
    ledger_test(
        &mut g,
        "empty",
        "An empty ledger and the checkpoint at size 5.",
        &["Truncated"],
        b"",
        &cp5,
        none,
        Some((Reason::LedgerTruncated, 0)),
    );
    ledger_test(
        &mut g,
        "empty-checkpoint-0",
        "An empty ledger and a checkpoint at size 0: a ledger has no checkpoint before its first line.",
        &["Truncated"],
        b"",
        &at(&five, 0, &k0),
        none,
        Some((Reason::LedgerTruncated, 0)),
    );

    let mut g = f.group("foreign", "Another ledger's or another key's checkpoint: checkpoint_foreign.");
    let mut another = Chain::default();
    // Another first event (the variants cycle by index: 1 is never 0), then four lines.
    another.push(plain(1), &k0).plain(4, &k0);
    assert_ne!(another.hash_of(0), genesis);
    ledger_test(
        &mut g,
        "other-ledger",
        "The checkpoint at size 5 of another ledger by the same key.",
        &["Foreign"],
        &file5,
        &at(&another, 5, &k0),
        none,
        Some((Reason::CheckpointForeign, 5)),
    );
    ledger_test(
        &mut g,
        "other-key",
        "A checkpoint of this ledger's lines signed by another key (its origin names that key).",
        &["Foreign"],
        &file5,
        &checkpoint(&genesis, 5, &root_at(&five, 5), &k1),
        none,
        Some((Reason::CheckpointForeign, 5)),
    );

    let mut g = f.group("signature", "The current key's signature fails: checkpoint_signature_invalid.");
    let bad_sig = note(&body5, &[signature_line(&origin5, key_id(&origin5, &k0.public_key()), &[0x11; 64])]);
    ledger_test(
        &mut g,
        "bad-signature",
        "The checkpoint at size 5 with a signature that fails.",
        &["Signature"],
        &file5,
        &bad_sig,
        none,
        Some((Reason::CheckpointSignatureInvalid, 5)),
    );
    let by_other = note(&body5, &[signed_by(&body5, &origin5, &k1)]);
    ledger_test(
        &mut g,
        "signed-by-other-key",
        "The origin names this ledger's key, but another key signed it: no line by the key.",
        &["Signature"],
        &file5,
        &by_other,
        none,
        Some((Reason::CheckpointSignatureInvalid, 5)),
    );

    let mut g = f.group(
        "forked",
        "The checkpoint's lines replaced by others, signed by the same key: checkpoint_root_mismatch.",
    );
    let mut fork = five.clone();
    fork.lines.truncate(3);
    fork.push(plain(4), &k0).push(plain(5), &k0);
    assert_eq!(fork.hash_of(0), genesis);
    assert_ne!(root_at(&fork, 5), root_at(&five, 5));
    ledger_test(
        &mut g,
        "last-two-resigned",
        "The last two of five lines replaced by two others, signed by the same key; the checkpoint of the original five.",
        &["Forked"],
        &fork.file(),
        &cp5,
        none,
        Some((Reason::CheckpointRootMismatch, 5)),
    );
    ledger_test(
        &mut g,
        "fork-at-size-4",
        "The same fork, checked against the original's checkpoint at size 4: the fork's fourth line differs.",
        &["Forked"],
        &fork.file(),
        &at(&five, 4, &k0),
        none,
        Some((Reason::CheckpointRootMismatch, 5)),
    );
    ledger_test(
        &mut g,
        "shared-prefix",
        "The same fork against the original's checkpoint at size 3: the lines it vouches for are unchanged.",
        &["Valid"],
        &fork.file(),
        &at(&five, 3, &k0),
        none,
        None,
    );

    let mut g = f.group(
        "rotation",
        "A ledger whose key rotates at seq 2: a checkpoint at size n is signed by the key that signs the line with seq n.",
    );
    let mut rotated = Chain::default();
    rotated.plain(2, &k0).rotate(&k0, &k1).plain(2, &k1);
    let rfile = rotated.file();
    for (size, signer, signer_name, expect) in [
        (1, &k0, "old", None),
        (2, &k0, "old", None),
        (3, &k1, "new", None),
        (5, &k1, "new", None),
        (3, &k0, "old", Some((Reason::CheckpointForeign, 5))),
        (5, &k0, "old", Some((Reason::CheckpointForeign, 5))),
        (2, &k1, "new", Some((Reason::CheckpointForeign, 5))),
    ] {
        let comment = format!(
            "The rotation is the line with seq 2; a checkpoint at size {size} signed by the {signer_name} key{}.",
            if expect.is_some() { ", which is not the key current at that size" } else { "" }
        );
        let flags: &[&str] = if expect.is_some() { &["Rotation", "Foreign"] } else { &["Valid", "Rotation"] };
        ledger_test(
            &mut g,
            &format!("size-{size}-{signer_name}-key"),
            &comment,
            flags,
            &rfile,
            &at(&rotated, size, signer),
            none,
            expect,
        );
    }
    ledger_test(
        &mut g,
        "truncated-before-new-key",
        "The rotated ledger cut to 3 lines, and the new key's checkpoint at size 5.",
        &["Rotation", "Truncated"],
        &{
            let mut cut = rotated.clone();
            cut.lines.truncate(3);
            cut.file()
        },
        &at(&rotated, 5, &k1),
        none,
        Some((Reason::LedgerTruncated, 3)),
    );
    ledger_test(
        &mut g,
        "both-pinned",
        "The new key's checkpoint at size 5, with the old key pinned first and the new one current.",
        &["Valid", "Rotation", "Pinned"],
        &rfile,
        &at(&rotated, 5, &k1),
        (Some(k0.public_key()), Some(k1.public_key())),
        None,
    );

    let mut g = f.group(
        "order",
        "Two findings at once: a line's finding before the pinned current key (step 22) before the checkpoint (step 23), \
         and the checkpoint's findings in the order of spec/transparency.md.",
    );
    let mut broken = five.clone();
    broken.lines.truncate(2);
    broken.plain(1, &k1).plain(2, &k0);
    ledger_test(
        &mut g,
        "line-fault-before-size",
        "The line with seq 2 signed by another key, and the checkpoint at size 5: the line's finding.",
        &["Order"],
        &broken.file(),
        &cp5,
        none,
        Some((Reason::SignerChanged, 2)),
    );
    ledger_test(
        &mut g,
        "line-fault-after-size",
        "The same ledger and the checkpoint at size 2 (before the fault): the line's finding still.",
        &["Order"],
        &broken.file(),
        &at(&five, 2, &k0),
        none,
        Some((Reason::SignerChanged, 2)),
    );
    ledger_test(
        &mut g,
        "pinned-key-mismatch",
        "Another first key pinned, and the checkpoint at size 5: the first line's finding.",
        &["Order", "Pinned"],
        &file5,
        &cp5,
        (Some(k1.public_key()), None),
        Some((Reason::PubkeyMismatch, 0)),
    );
    ledger_test(
        &mut g,
        "current-key-before-foreign",
        "Another current key pinned, and another ledger's checkpoint: current_key_mismatch (step 22 before 23).",
        &["Order", "Pinned", "Foreign"],
        &file5,
        &at(&another, 5, &k0),
        (None, Some(k1.public_key())),
        Some((Reason::CurrentKeyMismatch, 5)),
    );
    ledger_test(
        &mut g,
        "current-key-before-truncated",
        "Another current key pinned, and the checkpoint at size 5 of the ledger cut to 4 lines: current_key_mismatch.",
        &["Order", "Pinned", "Truncated"],
        &four.file(),
        &cp5,
        (None, Some(k1.public_key())),
        Some((Reason::CurrentKeyMismatch, 4)),
    );
    ledger_test(
        &mut g,
        "current-key-before-root",
        "Another current key pinned, and the fork checked against the original's checkpoint: current_key_mismatch.",
        &["Order", "Pinned", "Forked"],
        &fork.file(),
        &cp5,
        (None, Some(k1.public_key())),
        Some((Reason::CurrentKeyMismatch, 5)),
    );
    ledger_test(
        &mut g,
        "empty-before-foreign",
        "An empty ledger and another ledger's checkpoint: ledger_truncated (the ledger is empty) first.",
        &["Order", "Truncated"],
        b"",
        &at(&another, 5, &k0),
        none,
        Some((Reason::LedgerTruncated, 0)),
    );
    ledger_test(
        &mut g,
        "foreign-ledger-before-truncated",
        "The ledger cut to 4 lines and another ledger's checkpoint at size 5: checkpoint_foreign first.",
        &["Order", "Foreign"],
        &four.file(),
        &at(&another, 5, &k0),
        none,
        Some((Reason::CheckpointForeign, 4)),
    );
    ledger_test(
        &mut g,
        "truncated-before-foreign-key",
        "The ledger cut to 4 lines and another key's checkpoint at size 5: ledger_truncated first.",
        &["Order", "Truncated"],
        &four.file(),
        &checkpoint(&genesis, 5, &root_at(&five, 5), &k1),
        none,
        Some((Reason::LedgerTruncated, 4)),
    );
    ledger_test(
        &mut g,
        "truncated-before-signature",
        "The ledger cut to 4 lines and a checkpoint at size 5 whose signature fails: ledger_truncated first.",
        &["Order", "Truncated"],
        &four.file(),
        &bad_sig,
        none,
        Some((Reason::LedgerTruncated, 4)),
    );
    let fork_root_other_key = checkpoint(&genesis, 5, &root_at(&fork, 5), &k1);
    ledger_test(
        &mut g,
        "foreign-key-before-root",
        "Another key's checkpoint whose root is not this ledger's either: checkpoint_foreign first.",
        &["Order", "Foreign"],
        &file5,
        &fork_root_other_key,
        none,
        Some((Reason::CheckpointForeign, 5)),
    );
    let fork_body = body(&origin5, "5", &b64(&root_at(&fork, 5).0), &[]);
    ledger_test(
        &mut g,
        "signature-before-root",
        "A checkpoint whose root is not this ledger's and whose signature fails: checkpoint_signature_invalid first.",
        &["Order", "Signature"],
        &file5,
        &note(&fork_body, &[signature_line(&origin5, key_id(&origin5, &k0.public_key()), &[0x11; 64])]),
        none,
        Some((Reason::CheckpointSignatureInvalid, 5)),
    );
    f.finish()
}
