//! The key manager's commands run as a process (spec/keys.md): `keygen
//! --pem`, `key fingerprint`, `key public`, `key sign`, `key verify`, and
//! PEM keys where `--key` is accepted. OpenSSL, run as a process too, makes
//! the keys an outside tool would bring.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const EVENT: &str = r#"{"type":"SessionStarted","payload":{"agent_id":"agent-1","model_id":"llama3.2:3b","session_id":"session-demo"}}"#;
const CHECK_PUBKEY: &str = "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8";
const CHECK_FINGERPRINT: &str = "sha256:56475aa75463474c0285df5dbf2bcab73da651358839e9b77481b2eab107708c";

/// `provedex` with `args`, in a scratch HOME without Provedex variables.
fn provedex(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_provedex"))
        .args(args)
        .env("HOME", home)
        .env_remove("PROVEDEX_KEY")
        .env_remove("PROVEDEX_LEDGER")
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

/// The output of a command that must succeed.
fn ok(out: Output) -> String {
    assert_eq!(out.status.code(), Some(0), "stdout: {}\nstderr: {}", stdout(&out), stderr(&out));
    stdout(&out)
}

/// Runs `openssl`; a missing `openssl` fails the test rather than skipping the check.
fn openssl(args: &[&str]) -> Vec<u8> {
    let out = Command::new("openssl").args(args).output().unwrap_or_else(|e| {
        panic!(
            "these tests check keys against OpenSSL: cannot run `openssl` ({e}); install it (apt-get install openssl)"
        )
    });
    assert!(out.status.success(), "openssl {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// A fresh `openssl genpkey -algorithm ed25519` key, mode 0600.
fn openssl_key(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    openssl(&["genpkey", "-algorithm", "ed25519", "-out", path.to_str().unwrap()]);
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
    path
}

fn arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

// Pins: KM-6, KM-9, KM-13.
#[test]
fn keygen_pem_writes_a_private_pem_key_and_prints_its_public_key_and_fingerprint() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys/agent.pem");
    let out = provedex(dir.path(), &["keygen", "--pem", "--key", arg(&path)]);
    let pubkey = ok(out.clone()).trim_end().to_owned();
    assert_eq!(pubkey.len(), 64);
    assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("-----BEGIN PRIVATE KEY-----\n") && text.ends_with("-----END PRIVATE KEY-----\n"));

    let fingerprint = ok(provedex(dir.path(), &["key", "fingerprint", "--key", arg(&path)]));
    assert!(stderr(&out).contains(&format!("fingerprint: {}", fingerprint.trim_end())), "{}", stderr(&out));
    // OpenSSL reads the key and derives the same public key.
    let public_pem = openssl(&["pkey", "-in", arg(&path), "-pubout"]);
    assert_eq!(ok(provedex(dir.path(), &["key", "public", "--key", arg(&path), "--pem"])).as_bytes(), public_pem);
    assert_eq!(ok(provedex(dir.path(), &["key", "public", "--key", arg(&path)])), format!("{pubkey}\n"));
    assert_eq!(ok(provedex(dir.path(), &["pubkey", "--key", arg(&path)])), format!("{pubkey}\n"));

    // Never over an existing key.
    let again = provedex(dir.path(), &["keygen", "--pem", "--key", arg(&path)]);
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("refusing to overwrite a key"), "{}", stderr(&again));
    assert_eq!(fs::read_to_string(&path).unwrap(), text);
}

// Pins: KM-12, KM-13.
#[test]
fn fingerprint_is_the_same_from_a_key_file_hex_and_a_public_pem_file() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.key");
    fs::write(&seed, (0u8..32).collect::<Vec<u8>>()).unwrap();
    fs::set_permissions(&seed, fs::Permissions::from_mode(0o600)).unwrap();
    let pem = dir.path().join("pub.pem");
    fs::write(&pem, ok(provedex(dir.path(), &["key", "public", "--key", arg(&seed), "--pem"]))).unwrap();
    let hex_file = dir.path().join("pub.hex");
    fs::write(&hex_file, ok(provedex(dir.path(), &["key", "public", "--key", arg(&seed)]))).unwrap();
    for given in [
        vec!["--key", arg(&seed)],
        vec!["--pubkey", CHECK_PUBKEY],
        vec!["--pubkey", arg(&pem)],
        vec!["--pubkey", arg(&hex_file)],
    ] {
        let args = [&["key", "fingerprint"][..], &given].concat();
        assert_eq!(ok(provedex(dir.path(), &args)), format!("{CHECK_FINGERPRINT}\n"), "{given:?}");
    }
    let upper = provedex(dir.path(), &["key", "fingerprint", "--pubkey", &CHECK_PUBKEY.to_uppercase()]);
    assert_eq!(upper.status.code(), Some(2));
    assert!(stderr(&upper).contains("--pubkey must be lowercase hex"), "{}", stderr(&upper));
    let missing = provedex(dir.path(), &["key", "fingerprint", "--pubkey", arg(&dir.path().join("absent.pem"))]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("no such file"), "{}", stderr(&missing));
}

// Pins: KM-1, KM-2.
#[test]
fn a_ledger_recorded_with_an_openssl_key_verifies_with_its_public_key() {
    let dir = tempfile::tempdir().unwrap();
    let key = openssl_key(dir.path(), "openssl.pem");
    let ledger = dir.path().join("ledger.ndjson");
    ok(provedex(dir.path(), &["record", "--key", arg(&key), "--ledger", arg(&ledger), EVENT]));
    ok(provedex(dir.path(), &["record", "--key", arg(&key), "--ledger", arg(&ledger), EVENT]));
    let public_der = openssl(&["pkey", "-in", arg(&key), "-pubout", "-outform", "DER"]);
    let pubkey: String = public_der[12..].iter().map(|b| format!("{b:02x}")).collect();
    let report = ok(provedex(dir.path(), &["verify", "--ledger", arg(&ledger), "--pubkey", &pubkey]));
    assert!(report.starts_with("valid: 2 events\n") && report.contains(&pubkey), "{report}");
    let first_line = fs::read_to_string(&ledger).unwrap().lines().next().unwrap().to_owned();
    assert!(first_line.contains(&format!("\"signer_pubkey\":\"{pubkey}\"")), "{first_line}");
    // Another key is refused as the pinned one.
    let other = provedex(dir.path(), &["verify", "--ledger", arg(&ledger), "--pubkey", CHECK_PUBKEY]);
    assert_eq!(other.status.code(), Some(1));
}

// Pins: KM-7, KM-8, KM-10.
#[test]
fn unusable_pem_keys_are_refused_with_exit_2_and_nothing_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let key = openssl_key(dir.path(), "plain.pem");
    let encrypted = dir.path().join("encrypted.pem");
    openssl(&["pkcs8", "-topk8", "-in", arg(&key), "-out", arg(&encrypted), "-passout", "pass:secret"]);
    fs::set_permissions(&encrypted, fs::Permissions::from_mode(0o600)).unwrap();
    let ledger = dir.path().join("ledger.ndjson");
    let out = provedex(dir.path(), &["record", "--key", arg(&encrypted), "--ledger", arg(&ledger), EVENT]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("decrypt it with `openssl pkey -in KEY -out DECRYPTED.pem`"), "{}", stderr(&out));
    assert!(!ledger.exists());

    fs::set_permissions(&key, fs::Permissions::from_mode(0o644)).unwrap();
    let out = provedex(dir.path(), &["key", "sign", "--key", arg(&key), arg(&key)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("permissions 0644") && stderr(&out).contains("chmod 600"), "{}", stderr(&out));
}

// Pins: KM-14, KM-15.
#[test]
fn key_sign_and_verify_data_exit_0_1_or_2() {
    let dir = tempfile::tempdir().unwrap();
    let key = openssl_key(dir.path(), "k.pem");
    let data = dir.path().join("report.txt");
    fs::write(&data, "the agent's report\n").unwrap();
    let signature = ok(provedex(dir.path(), &["key", "sign", "--key", arg(&key), arg(&data)])).trim_end().to_owned();
    assert_eq!(signature.len(), 128);
    let pubkey = ok(provedex(dir.path(), &["key", "public", "--key", arg(&key)])).trim_end().to_owned();
    let public_pem = dir.path().join("pub.pem");
    fs::write(&public_pem, openssl(&["pkey", "-in", arg(&key), "-pubout"])).unwrap();
    let verify = |pubkey: &str, signature: &str, file: &Path| {
        provedex(dir.path(), &["key", "verify", "--pubkey", pubkey, "--signature", signature, arg(file)])
    };
    for given in [pubkey.as_str(), arg(&public_pem)] {
        let out = verify(given, &signature, &data);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(stdout(&out).starts_with("valid: a data signature of this data by sha256:"), "{}", stdout(&out));
    }
    // OpenSSL checks the same signature over the labelled message of spec/keys.md.
    let mut message = b"provedex/data/v1\n".to_vec();
    message.extend(openssl(&["dgst", "-sha256", "-binary", arg(&data)]));
    let (message_file, signature_file) = (dir.path().join("message"), dir.path().join("signature.bin"));
    fs::write(&message_file, message).unwrap();
    let raw: Vec<u8> = (0..64).map(|i| u8::from_str_radix(&signature[2 * i..2 * i + 2], 16).unwrap()).collect();
    fs::write(&signature_file, raw).unwrap();
    let checked = openssl(&[
        "pkeyutl",
        "-verify",
        "-pubin",
        "-inkey",
        arg(&public_pem),
        "-rawin",
        "-in",
        arg(&message_file),
        "-sigfile",
        arg(&signature_file),
    ]);
    assert!(String::from_utf8_lossy(&checked).contains("Signature Verified Successfully"));

    fs::write(&data, "the agent's report, edited\n").unwrap();
    let out = verify(&pubkey, &signature, &data);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).starts_with("invalid: "), "{}", stdout(&out));
    let out = verify(&pubkey, &signature[..127], &data);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--signature must be 128 lowercase hex characters"), "{}", stderr(&out));
    let out = verify(&pubkey, &signature, &dir.path().join("absent"));
    assert_eq!(out.status.code(), Some(2));
}

// Pins: KM-14, SS-15.
#[test]
fn a_line_signature_is_not_a_data_signature_of_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let key = openssl_key(dir.path(), "k.pem");
    let ledger = dir.path().join("ledger.ndjson");
    let line = ok(provedex(dir.path(), &["record", "--key", arg(&key), "--ledger", arg(&ledger), EVENT]));
    let field = |name: &str| {
        let start = line.find(&format!("\"{name}\":\"")).unwrap() + name.len() + 4;
        line[start..start + line[start..].find('"').unwrap()].to_owned()
    };
    let (self_hash, signature, pubkey) = (field("self_hash"), field("signature"), field("signer_pubkey"));
    // The line's signature signs the 32 bytes of its self_hash: as data, those bytes do not verify.
    let digest = dir.path().join("digest.bin");
    let bytes: Vec<u8> = (0..32).map(|i| u8::from_str_radix(&self_hash[2 * i..2 * i + 2], 16).unwrap()).collect();
    fs::write(&digest, &bytes).unwrap();
    let out = provedex(dir.path(), &["key", "verify", "--pubkey", &pubkey, "--signature", &signature, arg(&digest)]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    // A data signature of those bytes is a different signature: it cannot stand in for the line's.
    let as_data = ok(provedex(dir.path(), &["key", "sign", "--key", arg(&key), arg(&digest)]));
    assert_ne!(as_data.trim_end(), signature);
    let forged = fs::read_to_string(&ledger).unwrap().replace(&signature, as_data.trim_end());
    fs::write(&ledger, forged).unwrap();
    let out = provedex(dir.path(), &["verify", "--ledger", arg(&ledger), "--pubkey", &pubkey]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("bad_signature"), "{}", stdout(&out));
}
