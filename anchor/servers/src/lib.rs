//! The real servers the anchors are tested against. Each is installed from
//! its registry (the Go module proxy, npm) into `target/tools/<name>-<version>/`
//! the first time a test needs it, and reused after that; each runs on
//! 127.0.0.1 on a free port and is stopped when its [`Server`] is dropped
//! (or when the thread that started it ends).

pub mod anvil;
pub mod local;
pub mod rekor;
pub mod tessera;
pub mod tsa;
pub mod versitygw;

use std::fs::{self, File};
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `target/tools` of the workspace (or `$PROVEDEX_TOOLS`): where installed
/// servers are kept between runs.
pub fn tools_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("PROVEDEX_TOOLS") {
        return PathBuf::from(dir);
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    workspace.join("target").join("tools")
}

/// Holds an exclusive lock on a file of the tools folder: one install (or
/// one server that needs a fixed port) at a time, across processes.
pub struct ToolLock(#[allow(dead_code)] File);

/// Takes the lock `name` in the tools folder, waiting for it up to
/// `patience`: a lock held longer (a server another run left running, such
/// as `provedex-local-anchors`) is an error that says which, not a hang.
pub fn lock_within(name: &str, patience: Duration) -> Result<ToolLock, String> {
    let dir = tools_dir();
    fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let path = dir.join(format!("{name}.lock"));
    let file = File::create(&path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let deadline = Instant::now() + patience;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(ToolLock(file)),
            Err(std::fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(100))
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(format!(
                    "{} is still held after {patience:?}: another process uses it (a server left running by \
                     another test run or by provedex-local-anchors?); stop that process",
                    path.display()
                ));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(format!("cannot lock {}: {e}", path.display())),
        }
    }
}

/// [`lock_within`] with the patience of an install from a registry (30 minutes).
pub fn lock(name: &str) -> Result<ToolLock, String> {
    lock_within(name, Duration::from_secs(1800))
}

/// The binary `bin` of the Go command `package@version`, installed with
/// `go install` into `target/tools/<name>-<version>/` unless it is there.
pub fn go_tool(name: &str, package: &str, version: &str, bin: &str) -> Result<PathBuf, String> {
    let dir = tools_dir().join(format!("{name}-{version}"));
    let binary = dir.join(bin);
    if binary.is_file() {
        return Ok(binary);
    }
    let _lock = lock(&format!("install-{name}"))?;
    if binary.is_file() {
        return Ok(binary);
    }
    let started = Instant::now();
    eprintln!("installing {package}@{version} with go install into {} (once per machine)", dir.display());
    let status = Command::new("go")
        .args(["install", &format!("{package}@{version}")])
        .env("GOBIN", &dir)
        .env("CGO_ENABLED", "0")
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .status()
        .map_err(|e| format!("cannot run go (is the Go toolchain installed?): {e}"))?;
    if !status.success() || !binary.is_file() {
        return Err(format!("go install {package}@{version} failed ({status})"));
    }
    eprintln!("installed {name} {version} in {:.0} s", started.elapsed().as_secs_f64());
    Ok(binary)
}

/// The binary at `bin` (relative to the package's folder) of the npm
/// package `package@version`, installed with `npm install` into
/// `target/tools/<name>-<version>/` unless it is there.
pub fn npm_tool(name: &str, package: &str, version: &str, bin: &str) -> Result<PathBuf, String> {
    let dir = tools_dir().join(format!("{name}-{version}"));
    let binary = dir.join("node_modules").join(package).join(bin);
    if binary.is_file() {
        return Ok(binary);
    }
    let _lock = lock(&format!("install-{name}"))?;
    if binary.is_file() {
        return Ok(binary);
    }
    fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    eprintln!("installing {package}@{version} with npm into {} (once per machine)", dir.display());
    let status = Command::new("npm")
        .args(["install", "--no-save", "--no-audit", "--no-fund", "--ignore-scripts", "--prefix"])
        .arg(&dir)
        .arg(format!("{package}@{version}"))
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .status()
        .map_err(|e| format!("cannot run npm (is Node installed?): {e}"))?;
    if !status.success() || !binary.is_file() {
        return Err(format!("npm install {package}@{version} failed ({status}), or it holds no {bin}"));
    }
    Ok(binary)
}

/// A port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind an ephemeral port on 127.0.0.1");
    listener.local_addr().expect("a bound listener has an address").port()
}

/// A running server: stopped (killed, then reaped) when dropped.
pub struct Server {
    name: String,
    child: Child,
    log: PathBuf,
    _lock: Option<ToolLock>,
}

impl Server {
    /// Starts `command` with its output in `log`, and waits up to `timeout`
    /// until `ready` says yes. The server is killed when the thread that
    /// started it ends, even without a drop.
    pub fn start(
        name: &str,
        mut command: Command,
        log: &Path,
        ready: impl Fn() -> bool,
        timeout: Duration,
    ) -> Result<Server, String> {
        let out = File::create(log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let err = out.try_clone().map_err(|e| format!("cannot share {}: {e}", log.display()))?;
        command.stdin(Stdio::null()).stdout(out).stderr(err);
        // SAFETY: prctl only sets a flag of the child between fork and exec.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let child = command.spawn().map_err(|e| format!("cannot start {name}: {e}"))?;
        let mut server = Server { name: name.to_owned(), child, log: log.to_owned(), _lock: None };
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = server.child.try_wait().map_err(|e| e.to_string())? {
                return Err(format!("{name} exited at start ({status}):\n{}", server.log_text()));
            }
            if ready() {
                return Ok(server);
            }
            if Instant::now() > deadline {
                return Err(format!("{name} was not ready within {timeout:?}:\n{}", server.log_text()));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Keeps `lock` for as long as the server runs (for a server that binds a
    /// fixed port of its own).
    pub fn hold(mut self, lock: ToolLock) -> Self {
        self._lock = Some(lock);
        self
    }

    /// What the server wrote so far (the last 8 KiB), for failure messages.
    pub fn log_text(&self) -> String {
        let text = fs::read(&self.log).unwrap_or_default();
        let tail = &text[text.len().saturating_sub(8192)..];
        String::from_utf8_lossy(tail).into_owned()
    }

    /// Stops the server now (as a drop does), so that a test can see a
    /// client fail against a server that went away.
    pub fn stop(self) {}
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("--- log of {} ---\n{}", self.name, self.log_text());
        }
    }
}

/// The status code of `GET http://127.0.0.1:<port><path>`, or None when
/// nothing answers: a readiness probe that needs no HTTP client.
pub fn http_status(port: u16, path: &str) -> Option<u16> {
    let mut stream = get(port, path)?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

/// The body of a 200 answer to `GET http://127.0.0.1:<port><path>` (not
/// chunked), or None.
pub fn http_get(port: u16, path: &str) -> Option<Vec<u8>> {
    let mut answer = Vec::new();
    get(port, path)?.read_to_end(&mut answer).ok()?;
    let end = answer.windows(4).position(|w| w == b"\r\n\r\n")?;
    answer.starts_with(b"HTTP/1.1 200").then(|| answer[end + 4..].to_vec())
}

fn get(port: u16, path: &str) -> Option<TcpStream> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_millis(500)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n").ok()?;
    Some(stream)
}

/// Whether something accepts connections on 127.0.0.1:`port`.
pub fn port_open(port: u16) -> bool {
    TcpStream::connect_timeout(&SocketAddr::from((Ipv4Addr::LOCALHOST, port)), Duration::from_millis(500)).is_ok()
}
