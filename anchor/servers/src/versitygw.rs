//! versitygw, an S3 gateway whose posix backend keeps object versions and
//! enforces Object Lock: a COMPLIANCE-locked version cannot be deleted, its
//! retention cannot be shortened and its mode cannot be downgraded. The S3
//! Object Lock anchor is tested against it.

use crate::{Server, free_port, go_tool, http_status};
use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The Go command installed, and its version.
pub const PACKAGE: &str = "github.com/versity/versitygw/cmd/versitygw";
/// The version installed (its go.mod asks for Go 1.25).
pub const VERSION: &str = "v1.8.0";
/// The region the gateway is started with.
pub const REGION: &str = "us-east-1";

/// A running versitygw and what an S3 client needs to reach it.
pub struct VersitygwHandle {
    /// The process; stopped when dropped.
    pub server: Server,
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// `http://127.0.0.1:<port>`: a path-style endpoint.
    pub endpoint: String,
    /// The root user's access key id (random per start).
    pub access_key: String,
    /// The root user's secret key (random per start).
    pub secret_key: String,
    /// The region it answers for.
    pub region: String,
    /// The folder that holds the buckets (the posix root).
    pub root: PathBuf,
}

/// The versitygw binary, installed with `go install` unless present.
pub fn binary() -> Result<PathBuf, String> {
    go_tool("versitygw", PACKAGE, VERSION, "versitygw")
}

/// Starts versitygw on a free port with its data in `dir`: buckets in
/// `dir/root`, object versions in `dir/versions` (versioning is what Object
/// Lock needs), metadata in user extended attributes or, where the file
/// system has none, in `dir/sidecar`; its output in `dir/versitygw.log`.
pub fn start(dir: &Path) -> Result<VersitygwHandle, String> {
    let binary = binary()?;
    let root = dir.join("root");
    let versions = dir.join("versions");
    for folder in [&root, &versions] {
        fs::create_dir_all(folder).map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
    }
    let access_key = random_word(20)?;
    let secret_key = random_word(40)?;
    let port = free_port();
    let mut command = Command::new(&binary);
    command
        .arg("--access")
        .arg(&access_key)
        .arg("--secret")
        .arg(&secret_key)
        .arg("--port")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--region")
        .arg(REGION)
        .arg("posix")
        .arg("--versioning-dir")
        .arg(&versions);
    if !user_xattrs_work(dir) {
        let sidecar = dir.join("sidecar");
        fs::create_dir_all(&sidecar).map_err(|e| format!("cannot create {}: {e}", sidecar.display()))?;
        command.arg("--sidecar").arg(&sidecar);
    }
    command.arg(&root);
    let server = Server::start(
        "versitygw",
        command,
        &dir.join("versitygw.log"),
        || http_status(port, "/").is_some(),
        Duration::from_secs(30),
    )?;
    Ok(VersitygwHandle {
        server,
        port,
        endpoint: format!("http://127.0.0.1:{port}"),
        access_key,
        secret_key,
        region: REGION.to_owned(),
        root,
    })
}

/// Whether a user extended attribute can be set on a file in `folder`
/// (versitygw keeps object metadata there unless given a sidecar folder).
fn user_xattrs_work(folder: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let probe = folder.join(".xattr-probe");
    if File::create(&probe).is_err() {
        return false;
    }
    let Ok(path) = std::ffi::CString::new(probe.as_os_str().as_bytes()) else {
        return false;
    };
    let value = b"1";
    // SAFETY: both strings are NUL-terminated and the value's length is given.
    let set = unsafe {
        libc::setxattr(path.as_ptr(), c"user.provedex-probe".as_ptr(), value.as_ptr().cast(), value.len(), 0)
    };
    let _ = fs::remove_file(&probe);
    set == 0
}

/// `len` random letters and digits, from the system's random source.
fn random_word(len: usize) -> Result<String, String> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut bytes = vec![0u8; len];
    File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| format!("cannot read /dev/urandom: {e}"))?;
    // 256 = 4 * 62 + 8: the bias of the modulo is irrelevant for test credentials.
    Ok(bytes.iter().map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect())
}
