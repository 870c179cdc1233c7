//! The key manager (spec/keys.md): PEM private and public keys, checked
//! against OpenSSL run as a process, the refusals, the key file rules,
//! fingerprints and data signatures, and the worked example of keys.md.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use provedex_core::event::SessionStarted;
use provedex_core::{
    AgentEvent, Error, GENESIS_PARENT_HASH, KeyFile, PublicKeyBytes, Reason, SignatureBytes, SigningKeypair,
    check_seal, load_public_key, pem, sign_event_at, verify_data,
};
use sha2::{Digest as _, Sha256};

const CHECK_SEED: [u8; 32] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30,
    31,
];

/// The example of RFC 8410 section 10.3: a version 1 (v2) key with an
/// attribute and the public key.
const RFC_8410_V2: &str = "-----BEGIN PRIVATE KEY-----
MHICAQEwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC
oB8wHQYKKoZIhvcNAQkJFDEPDA1DdXJkbGUgQ2hhaXJzgSEAGb9ECWmEzf6FQbrB
Z9w7lshQhqowtrbLDFw4rXAxZuE=
-----END PRIVATE KEY-----
";

/// Runs `openssl` with `args`; a missing `openssl` fails the test, since
/// the checks against it would otherwise pass without running.
fn openssl(args: &[&str]) -> Vec<u8> {
    let out = Command::new("openssl").args(args).output().unwrap_or_else(|e| {
        panic!(
            "these tests check keys against OpenSSL: cannot run `openssl` ({e}); install it (apt-get install openssl)"
        )
    });
    assert!(out.status.success(), "openssl {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

fn key_error(result: provedex_core::Result<SigningKeypair>) -> String {
    match result {
        Err(Error::KeyLoad(m)) => m,
        Err(other) => panic!("expected a KeyLoad error, got {other:?}"),
        Ok(k) => panic!("expected a KeyLoad error, got key {}", k.pubkey_hex()),
    }
}

/// Writes `bytes` as a key file with mode 0600.
fn private_file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, bytes).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
    path
}

/// A PEM private key of `der`, as loading it from a 0600 file says.
fn load_der(dir: &Path, der: &[u8]) -> provedex_core::Result<SigningKeypair> {
    let text = pem::encode(pem::PRIVATE_KEY_LABEL, der);
    SigningKeypair::load(private_file(dir, "k.pem", text.as_bytes()))
}

/// The DER of a version 1 (v2) key: the v1 DER with version 1 and `public_key` appended.
fn v2_der(seed: &[u8; 32], public_key: &[u8; 32]) -> Vec<u8> {
    let mut der = pem::pkcs8_der(seed).to_vec();
    der[1] = 0x2e + 35;
    der[4] = 1;
    der.extend_from_slice(&[0x81, 0x21, 0x00]);
    der.extend_from_slice(public_key);
    der
}

// Pins: KM-1, KM-2, KM-12, KM-13.
#[test]
fn an_openssl_key_loads_with_the_public_key_and_fingerprint_openssl_computes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("openssl.pem");
    let path_arg = path.to_str().unwrap();
    openssl(&["genpkey", "-algorithm", "ed25519", "-out", path_arg]);
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
    let key = SigningKeypair::load(&path).unwrap();

    let public_pem = openssl(&["pkey", "-in", path_arg, "-pubout"]);
    assert_eq!(PublicKeyBytes::parse(&public_pem).unwrap(), key.public_key());
    assert_eq!(key.public_key().to_pem().as_bytes(), &public_pem[..], "the SPKI PEM is OpenSSL's, byte for byte");
    let public_der = openssl(&["pkey", "-in", path_arg, "-pubout", "-outform", "DER"]);
    assert_eq!(public_der, pem::spki_der(&key.public_key()));

    // The one-liner of keys.md, "Fingerprints".
    let shell = format!("openssl pkey -in '{path_arg}' -pubout -outform DER | tail -c 32 | openssl dgst -sha256 -r");
    let out = Command::new("sh").args(["-c", &shell]).output().unwrap();
    let printed = String::from_utf8(out.stdout).unwrap();
    assert_eq!(format!("sha256:{}", &printed[..64]), key.fingerprint());
    assert_eq!(&printed[64..], " *stdin\n");
    // The hex form gives the same key; so does the hex with its final LF.
    let hex = key.pubkey_hex();
    assert_eq!(PublicKeyBytes::parse(hex.as_bytes()).unwrap(), key.public_key());
    assert_eq!(PublicKeyBytes::parse(format!("{hex}\n").as_bytes()).unwrap(), key.public_key());
}

// Pins: KM-6, KM-9.
#[test]
fn save_pem_writes_what_openssl_writes_and_loads_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys/new.pem");
    let key = SigningKeypair::generate().unwrap();
    key.save_pem(&path).unwrap();
    assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    assert_eq!(SigningKeypair::load(&path).unwrap().seed(), key.seed());
    // OpenSSL reads it and writes it back unchanged: the same bytes.
    let rewritten = openssl(&["pkey", "-in", path.to_str().unwrap()]);
    assert_eq!(rewritten, fs::read(&path).unwrap());
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI") && text.ends_with("-----\n"));
    // Never over an existing file, raw or PEM.
    let e = SigningKeypair::generate().unwrap().save_pem(&path).unwrap_err();
    assert!(matches!(&e, Error::KeyLoad(m) if m.contains("refusing to overwrite")), "{e}");
    assert_eq!(SigningKeypair::load(&path).unwrap().seed(), key.seed());
}

// Pins: KM-2, KM-4.
#[test]
fn version_2_keys_load_only_when_their_public_key_is_the_seeds() {
    let dir = tempfile::tempdir().unwrap();
    let rfc = SigningKeypair::load(private_file(dir.path(), "rfc.pem", RFC_8410_V2.as_bytes())).unwrap();
    assert_eq!(rfc.pubkey_hex(), "19bf44096984cdfe8541bac167dc3b96c85086aa30b6b6cb0c5c38ad703166e1");

    let key = SigningKeypair::from_seed(&CHECK_SEED);
    let good = load_der(dir.path(), &v2_der(&CHECK_SEED, key.public_key().as_bytes())).unwrap();
    assert_eq!(good.public_key(), key.public_key());

    let other = SigningKeypair::from_seed(&[7; 32]).public_key();
    let m = key_error(load_der(dir.path(), &v2_der(&CHECK_SEED, other.as_bytes())));
    assert!(m.contains(&format!("its public key {other} is not the public key of its private key")), "{m}");

    // Version 0 may not carry a public key.
    let mut v1_with_key = v2_der(&CHECK_SEED, key.public_key().as_bytes());
    v1_with_key[4] = 0;
    let m = key_error(load_der(dir.path(), &v1_with_key));
    assert!(m.contains("version 0 (v1) PKCS#8 key carries a public key"), "{m}");
}

// Pins: KM-3.
#[test]
fn keys_of_other_algorithms_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let with_oid = |oid: &[u8]| {
        let mut der = pem::pkcs8_der(&CHECK_SEED).to_vec();
        der[9..12].copy_from_slice(oid);
        key_error(load_der(dir.path(), &der))
    };
    assert!(with_oid(&[0x2b, 0x65, 0x6e]).contains("is an X25519 key (OID 1.3.101.110), not Ed25519"));
    assert!(with_oid(&[0x2b, 0x65, 0x71]).contains("is an Ed448 key (OID 1.3.101.113)"));
    assert!(with_oid(&[0x2b, 0x06, 0x01]).contains("a key of algorithm OID 1.3.6.1, not Ed25519"));
    // Real keys of other algorithms, as OpenSSL writes them.
    for (algorithm, name) in [("x25519", "X25519"), ("ed448", "Ed448")] {
        let path = dir.path().join(format!("{algorithm}.pem"));
        openssl(&["genpkey", "-algorithm", algorithm, "-out", path.to_str().unwrap()]);
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        let m = key_error(SigningKeypair::load(&path));
        assert!(m.contains(&format!("an {name} key")) && m.contains("not Ed25519"), "{m}");
    }
}

// Pins: KM-5.
#[test]
fn malformed_der_and_base64_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let good = pem::pkcs8_der(&CHECK_SEED).to_vec();
    let mut trailing = good.clone();
    trailing[1] += 1;
    trailing.push(0);
    let mut long_length = vec![0x30, 0x81, 0x2e];
    long_length.extend_from_slice(&good[2..]);
    let mut params = good.clone();
    params.splice(5..12, [0x30, 0x07, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x05, 0x00]);
    params[1] += 2;
    let mut short_seed = good.clone();
    short_seed.truncate(47);
    short_seed[1] -= 1;
    short_seed[13] -= 1;
    short_seed[15] -= 1;
    for (der, says) in [
        (trailing, "unexpected bytes"),
        (long_length, "not minimal"),
        (params, "parameters must be absent"),
        (short_seed, "holds 31 bytes, not 32"),
        (good[..40].to_vec(), "malformed DER"),
    ] {
        let m = key_error(load_der(dir.path(), &der));
        assert!(m.contains(says), "{says}: {m}");
    }
    let text = pem::encode(pem::PRIVATE_KEY_LABEL, &good);
    for (bad, says) in [
        (text.replace("MC4C", "MC4*"), "outside the base64 alphabet"),
        (format!("{}junk\n", *text), "goes on after"),
        (text.replace("-----END PRIVATE KEY-----", "-----END PUBLIC KEY-----"), "no `-----END PRIVATE KEY-----` line"),
    ] {
        let m = key_error(SigningKeypair::load(private_file(dir.path(), "bad.pem", bad.as_bytes())));
        assert!(m.contains(says), "{says}: {m}");
    }
    // The last base64 character of the check key's PEM public key carries 2 unused bits.
    let public = SigningKeypair::from_seed(&CHECK_SEED).public_key().to_pem();
    assert!(public.contains("Mbg=\n"));
    let e = PublicKeyBytes::parse(public.replace("Mbg=", "Mbh=").as_bytes()).unwrap_err();
    assert!(e.to_string().contains("non-zero bits after the last byte"), "{e}");
}

// Pins: KM-7, KM-8.
#[test]
fn encrypted_and_foreign_pem_files_are_refused_saying_what_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.pem");
    let encrypted = dir.path().join("encrypted.pem");
    openssl(&["genpkey", "-algorithm", "ed25519", "-out", plain.to_str().unwrap()]);
    openssl(&[
        "pkcs8",
        "-topk8",
        "-in",
        plain.to_str().unwrap(),
        "-out",
        encrypted.to_str().unwrap(),
        "-passout",
        "pass:secret",
    ]);
    fs::set_permissions(&encrypted, fs::Permissions::from_mode(0o600)).unwrap();
    assert!(fs::read_to_string(&encrypted).unwrap().starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
    let m = key_error(SigningKeypair::load(&encrypted));
    assert!(m.contains("encrypted private key") && m.contains("openssl pkey -in KEY -out DECRYPTED.pem"), "{m}");

    let public = openssl(&["pkey", "-in", plain.to_str().unwrap(), "-pubout"]);
    let m = key_error(SigningKeypair::load(private_file(dir.path(), "pub.pem", &public)));
    assert!(m.contains("is a public key (PUBLIC KEY), not a private key"), "{m}");
    let openssh = "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
    let m = key_error(SigningKeypair::load(private_file(dir.path(), "id_ed25519", openssh.as_bytes())));
    assert!(m.contains("a PEM `OPENSSH PRIVATE KEY`, not an unencrypted PKCS#8 Ed25519 key"), "{m}");
    let m = key_error(SigningKeypair::load(private_file(dir.path(), "text", b"hello, not a key\n")));
    assert!(m.contains("exactly 32 bytes") && m.contains("or a PEM private key") && m.contains("holds 17"), "{m}");
    // A public key given as a private key's PEM, or as anything but hex and a PUBLIC KEY PEM, is refused.
    let private_pem = fs::read(&plain).unwrap();
    assert!(PublicKeyBytes::parse(&private_pem).unwrap_err().to_string().contains("found `PRIVATE KEY`"));
    assert!(PublicKeyBytes::parse(b"03A1").is_err());
}

// Pins: KM-10.
#[test]
fn pem_keys_others_can_access_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.pem");
    SigningKeypair::generate().unwrap().save_pem(&path).unwrap();
    for mode in [0o644, 0o640, 0o604, 0o660] {
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
        let m = key_error(SigningKeypair::load(&path));
        assert!(m.contains(&format!("permissions {mode:04o}")) && m.contains("chmod 600"), "{m}");
    }
    fs::set_permissions(&path, fs::Permissions::from_mode(0o400)).unwrap();
    assert!(SigningKeypair::load(&path).is_ok());
}

// Pins: KM-11.
#[test]
fn huge_files_fifos_and_devices_are_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let huge = dir.path().join("huge.pem");
    let file = fs::File::create(&huge).unwrap();
    file.set_len(1 << 40).unwrap();
    fs::set_permissions(&huge, fs::Permissions::from_mode(0o600)).unwrap();
    let m = key_error(SigningKeypair::load(&huge));
    assert!(m.contains("of at most 4096 bytes, this one holds 1099511627776"), "{m}");
    // Just over the bound, though it starts as a PEM does.
    let mut long = b"-----BEGIN PRIVATE KEY-----\n".to_vec();
    long.resize(4097, b'A');
    let m = key_error(SigningKeypair::load(private_file(dir.path(), "long.pem", &long)));
    assert!(m.contains("holds 4097"), "{m}");
    assert!(load_public_key(&huge).unwrap_err().to_string().contains("at most 4096"));

    let fifo = dir.path().join("fifo");
    let made = Command::new("mkfifo").args(["-m", "600"]).arg(&fifo).status().expect("mkfifo runs");
    assert!(made.success());
    assert!(key_error(SigningKeypair::load(&fifo)).contains("not a regular file"));
    assert!(load_public_key(&fifo).unwrap_err().to_string().contains("not a regular file"));
    assert!(key_error(SigningKeypair::load("/dev/zero")).contains("not a regular file"));
    assert!(started.elapsed() < Duration::from_secs(5), "refusals took {:?}", started.elapsed());
}

// Pins: KM-14, KM-15, SS-15.
#[test]
fn data_signatures_round_trip_and_never_pass_as_line_signatures() {
    let key = SigningKeypair::from_seed(&CHECK_SEED);
    let public = key.public_key();
    let data = b"the agent's report";
    let signature = key.sign_data(data);
    assert!(verify_data(&public, data, &signature));
    assert!(!verify_data(&public, b"the agent's report.", &signature));
    assert!(!verify_data(&SigningKeypair::from_seed(&[9; 32]).public_key(), data, &signature));
    let mut flipped = signature;
    flipped.0[10] ^= 1;
    assert!(!verify_data(&public, data, &flipped));
    // S + L: the same signature under a lax verifier, refused by the strict one.
    let mut s_plus_l = signature;
    let l: [u8; 32] =
        provedex_core::hex::decode("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010").unwrap();
    let mut carry = 0u16;
    for (s, l) in s_plus_l.0[32..].iter_mut().zip(l) {
        let sum = u16::from(*s) + u16::from(l) + carry;
        *s = sum as u8;
        carry = sum >> 8;
    }
    assert!(!verify_data(&public, data, &s_plus_l));
    // A signature over the bare data is not a data signature.
    assert!(!verify_data(&public, data, &key.sign_raw(data)));

    // A line's 32-byte self_hash signed as data is not the line's signature, and back.
    let event = AgentEvent::SessionStarted(SessionStarted {
        agent_id: "agent-1".into(),
        model_id: "llama3.2:3b".into(),
        session_id: "session-demo".into(),
    });
    let line = sign_event_at(&event, 0, 1_700_000_000_000_000_000, &GENESIS_PARENT_HASH, &key).unwrap();
    check_seal(&line).unwrap();
    assert!(!verify_data(&public, line.self_hash.as_bytes(), &line.signature));
    let mut as_data = line.clone();
    as_data.signature = key.sign_data(line.self_hash.as_bytes());
    assert_eq!(check_seal(&as_data).unwrap_err().reason, Reason::BadSignature);

    // A rotation proof is not a data signature of its statement, with or without the label.
    let old = SigningKeypair::from_seed(&[5; 32]).public_key();
    let proof = key.prove_rotation(old, 3, line.self_hash);
    let statement = format!(
        "{{\"new_pubkey\":\"{public}\",\"old_pubkey\":\"{old}\",\"parent_hash\":\"{}\",\"seq\":3}}",
        line.self_hash
    );
    let message = format!("provedex/key-rotation/v1\n{statement}");
    for signed in [message.as_bytes(), statement.as_bytes()] {
        assert!(!verify_data(&public, signed, &proof));
    }
}

/// The fenced blocks of spec/keys.md of `kind`, in order.
fn spec_blocks(kind: &str) -> Vec<String> {
    let text = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/keys.md")).unwrap();
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match (&mut current, line.strip_prefix("```")) {
            (None, Some(info)) if info == kind => current = Some(String::new()),
            (Some(_), Some("")) => blocks.push(current.take().unwrap()),
            (Some(body), _) => {
                body.push_str(line);
                body.push('\n');
            }
            _ => {}
        }
    }
    blocks
}

// Pins: KM-6, KM-13, KM-14.
#[test]
fn the_worked_example_of_keys_md_holds() {
    let [example] = &spec_blocks("key")[..] else { panic!("keys.md has one key example") };
    let values: BTreeMap<&str, &str> = example.lines().map(|l| l.split_once(": ").expect("`name: value`")).collect();
    let key = SigningKeypair::from_seed(&provedex_core::hex::decode(values["seed"]).unwrap());
    assert_eq!(key.seed(), &CHECK_SEED);
    assert_eq!(key.pubkey_hex(), values["public_key"]);
    assert_eq!(key.fingerprint(), values["fingerprint"]);
    let data = values["data"].as_bytes();
    assert_eq!(provedex_core::hex::encode(&Sha256::digest(data)), values["data_sha256"]);
    let signature = SignatureBytes::from_hex(values["data_signature"]).unwrap();
    assert_eq!(key.sign_data(data), signature);
    assert!(verify_data(&key.public_key(), data, &signature));

    let [private_pem, public_pem] = &spec_blocks("pem")[..] else { panic!("keys.md has two PEM examples") };
    assert_eq!(&key.to_pkcs8_pem()[..], private_pem);
    assert_eq!(&key.public_key().to_pem(), public_pem);
    assert_eq!(PublicKeyBytes::parse(public_pem.as_bytes()).unwrap(), key.public_key());
    assert_eq!(SigningKeypair::from_pkcs8_pem(private_pem.as_bytes()).unwrap().seed(), &CHECK_SEED);
}

/// Runs `script` with `sh` in `dir`; a failing command fails the test.
fn shell(dir: &Path, script: &str, env: &[(&str, &str)]) -> String {
    let out = Command::new("sh").args(["-e", "-c", script]).current_dir(dir).envs(env.iter().copied()).output();
    let out = out.unwrap_or_else(|e| panic!("cannot run sh: {e}"));
    assert!(out.status.success(), "{script}\nfailed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

// Pins: KM-13, KM-14.
#[test]
fn the_openssl_commands_of_keys_md_compute_what_provedex_does() {
    let [pem_fingerprint, hex_fingerprint, data_signature] = &spec_blocks("shell")[..] else {
        panic!("keys.md has three shell examples")
    };
    let dir = tempfile::tempdir().unwrap();
    let key = SigningKeypair::generate().unwrap();
    key.save_pem(dir.path().join("key.pem")).unwrap();
    fs::write(dir.path().join("pub.pem"), key.public_key().to_pem()).unwrap();
    let data = b"what the agent did\n";
    fs::write(dir.path().join("FILE"), data).unwrap();
    openssl(&["version"]);
    let expected = format!("{} *stdin\n", key.fingerprint().strip_prefix("sha256:").unwrap());
    assert_eq!(shell(dir.path(), pem_fingerprint, &[]), expected);
    assert_eq!(shell(dir.path(), hex_fingerprint, &[("PUBKEY_HEX", &key.pubkey_hex())]), expected);
    assert!(shell(dir.path(), data_signature, &[]).contains("Signature Verified Successfully"));
    assert_eq!(fs::read(dir.path().join("signature.bin")).unwrap(), key.sign_data(data).0);
}
