//! Key files: 32 raw bytes, mode 0600, never overwritten, never trusted when others can read them.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use provedex_core::{Error, KeyFile, SigningKeypair};

fn key_error(result: provedex_core::Result<SigningKeypair>) -> String {
    match result {
        Err(Error::KeyLoad(m)) => m,
        Err(other) => panic!("expected a KeyLoad error, got {other:?}"),
        Ok(k) => panic!("expected a KeyLoad error, got key {}", k.pubkey_hex()),
    }
}

// Pins: SS-2.
#[test]
fn save_then_load_gives_the_same_key_with_private_permissions() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/keys/ed25519.key");
    let key = SigningKeypair::generate().unwrap();
    key.save(&path).unwrap();
    let meta = fs::metadata(&path).unwrap();
    assert_eq!(meta.len(), 32);
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert_eq!(SigningKeypair::load(&path).unwrap().pubkey_hex(), key.pubkey_hex());
    // No temporary file is left beside it.
    assert_eq!(fs::read_dir(path.parent().unwrap()).unwrap().count(), 1);
}

#[test]
fn save_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k");
    let first = SigningKeypair::generate().unwrap();
    first.save(&path).unwrap();
    let e = SigningKeypair::generate().unwrap().save(&path).unwrap_err();
    assert!(matches!(&e, Error::KeyLoad(m) if m.contains("refusing to overwrite")), "{e}");
    assert_eq!(SigningKeypair::load(&path).unwrap().pubkey_hex(), first.pubkey_hex());
}

#[test]
fn load_or_create_creates_once_then_loads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys/k");
    let created = SigningKeypair::load_or_create(&path).unwrap();
    let loaded = SigningKeypair::load_or_create(&path).unwrap();
    assert_eq!(created.pubkey_hex(), loaded.pubkey_hex());
}

// Pins: SS-3.
#[test]
fn wrong_length_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    for len in [0usize, 31, 33, 64] {
        let path = dir.path().join(format!("k{len}"));
        fs::write(&path, vec![1u8; len]).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        let m = key_error(SigningKeypair::load(&path));
        assert!(m.contains("exactly 32 bytes") && m.contains(&format!("holds {len}")), "{m}");
    }
}

#[test]
fn keys_others_can_access_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k");
    SigningKeypair::generate().unwrap().save(&path).unwrap();
    for mode in [0o644, 0o640, 0o604, 0o660, 0o602] {
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
        let m = key_error(SigningKeypair::load(&path));
        assert!(m.contains(&format!("permissions {mode:04o}")) && m.contains("chmod 600"), "{m}");
    }
    fs::set_permissions(&path, fs::Permissions::from_mode(0o400)).unwrap();
    assert!(SigningKeypair::load(&path).is_ok());
}

#[test]
fn missing_and_non_file_paths_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let m = key_error(SigningKeypair::load(dir.path().join("absent")));
    assert!(m.contains("absent") && m.contains("no such file"), "{m}");
    let m = key_error(SigningKeypair::load(dir.path()));
    assert!(m.contains("not a regular file"), "{m}");
    // A path through a regular file cannot be read: the I/O error is reported with the path.
    fs::write(dir.path().join("plain"), b"x").unwrap();
    let through_file = dir.path().join("plain/key");
    let m = key_error(SigningKeypair::load(&through_file));
    assert!(m.starts_with(&format!("cannot load key {}: ", through_file.display())) && m.contains("directory"), "{m}");
    let e = SigningKeypair::generate().unwrap().save(&through_file).unwrap_err();
    assert!(matches!(&e, Error::KeyLoad(m) if m.contains("cannot save key")), "{e}");
}

#[test]
fn debug_output_never_shows_the_secret() {
    let key = SigningKeypair::from_seed(&[0x42; 32]);
    let shown = format!("{key:?}");
    assert!(shown.contains(&key.pubkey_hex()));
    assert!(!shown.contains("4242424242"));
}
