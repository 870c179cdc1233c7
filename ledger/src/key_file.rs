//! Key files (spec/signature-scheme.md, "Key file"): exactly the 32-byte
//! seed, mode 0600. Loading refuses a file that group or others can read or
//! write: a secret key that leaked is not a key whose signatures prove anything.

use std::fs;
use std::io::{self, Read, Write};
use std::path::Path;

use provedex_format::{Error, KEY_FILE_LEN, Result, SigningKeypair};
use provedex_verify::files::open_regular;
use zeroize::Zeroizing;

use crate::files::{parent_dir, sync_dir};

/// Loading and saving a [`SigningKeypair`] as a key file.
pub trait KeyFile: Sized {
    /// Loads a key file: a regular file of exactly 32 bytes, not accessible
    /// to group or others. The size is checked before anything is read, and
    /// at most one byte more than a key is ever read, so a huge file, a FIFO
    /// or a device is refused at once.
    fn load(path: impl AsRef<Path>) -> Result<Self>;

    /// Loads the key at `path`, or creates one there (mode 0600, parent
    /// directories created) when no file exists.
    fn load_or_create(path: impl AsRef<Path>) -> Result<Self>;

    /// Writes the key file (mode 0600, parent directories created). Refuses to
    /// replace an existing file, which may be the only copy of another key.
    /// The seed is written to a temporary file, synced, then linked into
    /// place, so `path` never holds a partial key.
    fn save(&self, path: impl AsRef<Path>) -> Result<()>;
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
        let wrong_length = |len: u64| {
            fail(format!("a key file holds exactly {KEY_FILE_LEN} bytes (the raw Ed25519 seed), this one holds {len}"))
        };
        if metadata.len() != KEY_FILE_LEN as u64 {
            return Err(wrong_length(metadata.len()));
        }
        let mut seed = Zeroizing::new([0u8; KEY_FILE_LEN + 1]);
        let mut filled = 0;
        let mut reader = file.take(KEY_FILE_LEN as u64 + 1);
        loop {
            match reader.read(&mut seed[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(fail(describe_io(&e))),
            }
        }
        // The file may have changed between the size check and the read.
        let seed: &[u8; KEY_FILE_LEN] = seed[..filled].try_into().map_err(|_| wrong_length(filled as u64))?;
        Ok(SigningKeypair::from_seed(seed))
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
        let path = path.as_ref();
        let fail = |why: String| Error::KeyLoad(format!("cannot save key to {}: {why}", path.display()));
        if path.exists() {
            return Err(fail("a file already exists there; refusing to overwrite a key".into()));
        }
        let dir = parent_dir(path);
        create_private_dir(dir).map_err(|e| fail(describe_io(&e)))?;
        let file_name = path.file_name().ok_or_else(|| fail("the path names no file".into()))?;
        let temp = dir.join(format!(".{}.tmp-{}", file_name.to_string_lossy(), std::process::id()));
        let result = write_private_file(&temp, self.seed()).and_then(|()| fs::hard_link(&temp, path));
        let _ = fs::remove_file(&temp);
        match result {
            Ok(()) => sync_dir(dir).map_err(|e| fail(describe_io(&e))),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                Err(fail("a file already exists there; refusing to overwrite a key".into()))
            }
            Err(e) => Err(fail(describe_io(&e))),
        }
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
