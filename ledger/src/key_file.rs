//! Key files (spec/signature-scheme.md, "Key file"; spec/keys.md): the
//! 32-byte seed or a PEM PKCS#8 key, mode 0600. Loading refuses a file that group or others can read or
//! write: a secret key that leaked is not a key whose signatures prove anything.

use std::fs;
use std::io::{self, Read, Write};
use std::path::Path;

use provedex_format::{Error, KEY_FILE_LEN, PublicKeyBytes, Result, SigningKeypair};
use provedex_verify::files::open_regular;
use zeroize::Zeroizing;

use crate::files::{parent_dir, sync_dir};

/// Loading and saving a [`SigningKeypair`] as a key file.
pub trait KeyFile: Sized {
    /// Loads a key file (spec/keys.md): a regular file, not accessible to
    /// group or others, of exactly 32 raw bytes or a PEM PKCS#8 key of at
    /// most [`MAX_PEM_KEY_LEN`] bytes, told apart by content. The size is
    /// checked before anything is read, and at most one byte more than the
    /// limit is ever read, so a huge file, a FIFO or a device is refused at once.
    fn load(path: impl AsRef<Path>) -> Result<Self>;

    /// Loads the key at `path`, or creates one there (mode 0600, parent
    /// directories created) when no file exists.
    fn load_or_create(path: impl AsRef<Path>) -> Result<Self>;

    /// Writes the key file (mode 0600, parent directories created). Refuses to
    /// replace an existing file, which may be the only copy of another key.
    /// The seed is written to a temporary file, synced, then linked into
    /// place, so `path` never holds a partial key.
    fn save(&self, path: impl AsRef<Path>) -> Result<()>;

    /// [`KeyFile::save`], writing the key as a PEM PKCS#8 private key
    /// (spec/keys.md) that OpenSSL reads.
    fn save_pem(&self, path: impl AsRef<Path>) -> Result<()>;
}

impl KeyFile for SigningKeypair {
    fn load(path: impl AsRef<Path>) -> Result<SigningKeypair> {
        let path = path.as_ref();
        let fail = |why: String| Error::KeyLoad(format!("cannot load key {}: {why}", path.display()));
        let file = open_regular(path, fs::OpenOptions::new().read(true))
            .map_err(|e| fail(describe_io(&e)))?
            .ok_or_else(|| fail("not a regular file".into()))?;
        let metadata = file.metadata().map_err(|e| fail(describe_io(&e)))?;
        check_private_mode(&metadata).map_err(fail)?;
        let not_a_key = |len: u64| {
            fail(format!(
                "a key file holds exactly {KEY_FILE_LEN} bytes (the raw Ed25519 seed) or a PEM private key \
                 (`-----BEGIN PRIVATE KEY-----`) of at most {MAX_PEM_KEY_LEN} bytes, this one holds {len}"
            ))
        };
        if metadata.len() != KEY_FILE_LEN as u64 && metadata.len() > MAX_PEM_KEY_LEN as u64 {
            return Err(not_a_key(metadata.len()));
        }
        // The file may have changed since the size check: what was read decides.
        let bytes = read_at_most(file, MAX_PEM_KEY_LEN).map_err(|e| fail(describe_io(&e)))?;
        if let Ok(seed) = <&[u8; KEY_FILE_LEN]>::try_from(&bytes[..]) {
            Ok(SigningKeypair::from_seed(seed))
        } else if bytes.len() <= MAX_PEM_KEY_LEN && bytes.starts_with(b"-----BEGIN") {
            SigningKeypair::from_pkcs8_pem(&bytes).map_err(|e| fail(format!("not a usable PEM key: {e}")))
        } else {
            Err(not_a_key(bytes.len() as u64))
        }
    }

    fn load_or_create(path: impl AsRef<Path>) -> Result<SigningKeypair> {
        let path = path.as_ref();
        if path.exists() {
            return Self::load(path);
        }
        let key = SigningKeypair::generate()?;
        match key.save(path) {
            Ok(()) => Ok(key),
            // Another process created it first: use theirs, so both sign alike.
            Err(_) if path.exists() => Self::load(path),
            Err(e) => Err(e),
        }
    }

    fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        save_private(path.as_ref(), self.seed())
    }

    fn save_pem(&self, path: impl AsRef<Path>) -> Result<()> {
        save_private(path.as_ref(), self.to_pkcs8_pem().as_bytes())
    }
}

/// The largest PEM key file read: a PKCS#8 v2 Ed25519 key takes about 160
/// bytes, so anything near this is not a key and is refused unread.
pub const MAX_PEM_KEY_LEN: usize = 4096;

/// Reads a public key file (spec/keys.md): a `PUBLIC KEY` PEM, or 64
/// lowercase hex characters and an optional LF. Only a regular file of at
/// most [`MAX_PEM_KEY_LEN`] bytes is read.
pub fn load_public_key(path: impl AsRef<Path>) -> Result<PublicKeyBytes> {
    let path = path.as_ref();
    let fail = |why: String| Error::KeyLoad(format!("cannot load public key {}: {why}", path.display()));
    let file = open_regular(path, fs::OpenOptions::new().read(true))
        .map_err(|e| fail(describe_io(&e)))?
        .ok_or_else(|| fail("not a regular file".into()))?;
    let too_long = |len: u64| fail(format!("it holds {len} bytes; a public key file holds at most {MAX_PEM_KEY_LEN}"));
    let len = file.metadata().map_err(|e| fail(describe_io(&e)))?.len();
    if len > MAX_PEM_KEY_LEN as u64 {
        return Err(too_long(len));
    }
    let bytes = read_at_most(file, MAX_PEM_KEY_LEN).map_err(|e| fail(describe_io(&e)))?;
    if bytes.len() > MAX_PEM_KEY_LEN {
        return Err(too_long(bytes.len() as u64));
    }
    PublicKeyBytes::parse(&bytes).map_err(|e| fail(e.to_string()))
}

/// Reads at most `limit + 1` bytes, so a caller sees that a file is too long
/// without reading the rest of it.
fn read_at_most(file: fs::File, limit: usize) -> io::Result<Zeroizing<Vec<u8>>> {
    let mut bytes = Zeroizing::new(Vec::with_capacity(limit + 1));
    let mut reader = file.take(limit as u64 + 1);
    let mut chunk = Zeroizing::new([0u8; 512]);
    loop {
        match reader.read(&mut chunk[..]) {
            Ok(0) => return Ok(bytes),
            Ok(n) => bytes.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Writes a new private key file: mode 0600 from creation, the bytes synced
/// in a temporary file then linked into place, never over an existing file.
fn save_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let fail = |why: String| Error::KeyLoad(format!("cannot save key to {}: {why}", path.display()));
    if path.exists() {
        return Err(fail("a file already exists there; refusing to overwrite a key".into()));
    }
    let dir = parent_dir(path);
    create_private_dir(dir).map_err(|e| fail(describe_io(&e)))?;
    let file_name = path.file_name().ok_or_else(|| fail("the path names no file".into()))?;
    let temp = dir.join(format!(".{}.tmp-{}", file_name.to_string_lossy(), std::process::id()));
    let result = write_private_file(&temp, bytes).and_then(|()| fs::hard_link(&temp, path));
    let _ = fs::remove_file(&temp);
    match result {
        Ok(()) => sync_dir(dir).map_err(|e| fail(describe_io(&e))),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            Err(fail("a file already exists there; refusing to overwrite a key".into()))
        }
        Err(e) => Err(fail(describe_io(&e))),
    }
}

fn describe_io(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

#[cfg(unix)]
fn check_private_mode(metadata: &fs::Metadata) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = metadata.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(format!(
            "permissions {mode:04o} let group or others access the secret key; run `chmod 600` on it \
             (and consider the key compromised if others could read it)"
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private_mode(_: &fs::Metadata) -> Result<(), String> {
    Ok(())
}

fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

fn write_private_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}
