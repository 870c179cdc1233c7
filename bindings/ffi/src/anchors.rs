//! Anchors (spec/anchors.md) from the SDKs: the configuration file the
//! command reads (`provedex.toml`), an in-process anchorer that publishes on
//! its own thread while the application records, and the trust anchors a
//! bundle's receipts are checked with.
//!
//! The background anchorer behaves as `provedex anchor watch`: each pass
//! anchors the anchors that are due (schedule, batch size, backoff), then it
//! sleeps until the next may be due (at most a minute). Recording never
//! waits for it: it reads the ledger without locking it, and a pass that
//! fails (a server down, a ledger that does not read for a moment) is
//! recorded and retried, never raised into the application.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;

use provedex_anchor::anchorer::{self, Anchorer, Outcome, RunMode, now_nanos};
use provedex_anchor::config::{Config, ConfigError};
use provedex_anchor::online::{OnlineChecker, S3Store};

use crate::{FsPath, ProvedexError, Result};

impl From<ConfigError> for ProvedexError {
    fn from(e: ConfigError) -> Self {
        ProvedexError::Config { code: "invalid_config".to_owned(), detail: e.to_string() }
    }
}

/// Secrets looked up in `secrets` first, then in the process's environment.
fn secret_lookup(secrets: Option<HashMap<String, String>>) -> impl Fn(&str) -> Option<String> {
    let secrets = secrets.unwrap_or_default();
    move |name| secrets.get(name).cloned().or_else(|| std::env::var(name).ok())
}

/// An anchoring configuration: the file `provedex anchor` and `provedex
/// config check` read (spec/anchors.md, "Configuration"), with the ledger,
/// its key, the proof level wanted and the anchors. Relative paths start
/// at the file's folder.
#[derive(uniffi::Object)]
pub struct AnchorConfig(Config);

#[uniffi::export]
impl AnchorConfig {
    /// Reads a configuration file (TOML, at most 1 MiB). A file that cannot
    /// be read, or that holds an unknown member or a value of the wrong
    /// type, is a `Config` error naming the file and the problem. Whether
    /// the configuration can anchor is [`AnchorConfig::problems`]'s business.
    #[uniffi::constructor]
    pub fn load(path: FsPath) -> Result<Arc<Self>> {
        Ok(Arc::new(AnchorConfig(Config::load(&path.0)?)))
    }

    /// A configuration from its TOML text; relative paths start at `dir`.
    #[uniffi::constructor]
    pub fn parse(text: String, dir: FsPath) -> Result<Arc<Self>> {
        Config::parse(&text, &dir.0)
            .map(|config| Arc::new(AnchorConfig(config)))
            .map_err(|problem| ConfigError { path: dir.0.join("provedex.toml"), problems: vec![problem] }.into())
    }

    /// Every problem that keeps the configuration from anchoring, one
    /// sentence each naming where (as `provedex config check` prints them);
    /// empty when it can be used. Secrets are the variables the file names,
    /// looked up in `secrets` first, then in the environment; never shown.
    #[uniffi::method(default(secrets = None))]
    pub fn problems(&self, secrets: Option<HashMap<String, String>>) -> Vec<String> {
        self.0.check(&secret_lookup(secrets))
    }

    /// The ledger the configuration anchors.
    pub fn ledger_path(&self) -> FsPath {
        FsPath(self.0.ledger_path())
    }

    /// The ledger's key file, which signs the anchor statements.
    pub fn key_path(&self) -> FsPath {
        FsPath(self.0.key_path())
    }

    /// The anchors' names, in file order.
    pub fn anchor_names(&self) -> Vec<String> {
        self.0.anchors.iter().map(|anchor| anchor.name().to_owned()).collect()
    }
}

/// What one anchoring pass did for one anchor.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AnchorOutcome {
    /// The anchor's name.
    pub anchor: String,
    /// `anchored`, `failed`, `up_to_date` (every line anchored already) or
    /// `not_due` (its schedule, batch size or backoff says not yet).
    pub outcome: String,
    /// For `anchored`: the tree size its new receipt vouches for.
    pub tree_size: Option<u64>,
    /// For `failed`: why, for people. The failure is also in [`AnchorStatus::last_error`].
    pub error: Option<String>,
    /// For `failed`: when the next attempt is due (nanoseconds since the Unix epoch).
    pub next_attempt_nanos: Option<u64>,
}

impl AnchorOutcome {
    fn new(anchor: String, outcome: Outcome) -> Self {
        let (name, tree_size, error, next_attempt_nanos) = match outcome {
            Outcome::Anchored { tree_size } => ("anchored", Some(tree_size), None, None),
            Outcome::Failed { error, next_attempt_nanos } => ("failed", None, Some(error), Some(next_attempt_nanos)),
            Outcome::UpToDate => ("up_to_date", None, None, None),
            Outcome::NotDue => ("not_due", None, None, None),
        };
        AnchorOutcome { anchor, outcome: name.to_owned(), tree_size, error, next_attempt_nanos }
    }
}

/// Where one anchor stands (`provedex anchor status`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AnchorStatus {
    /// Its name.
    pub name: String,
    /// Its type (`rfc3161`, `tlog`, `rekor`, `s3-object-lock`, `ethereum`, `solana`).
    pub kind: String,
    /// The tree size its last receipt vouches for; none before its first.
    pub last_tree_size: Option<u64>,
    /// When its last receipt's statement was made (nanoseconds since the Unix epoch).
    pub last_anchor_nanos: Option<u64>,
    /// Lines of the ledger it has not anchored.
    pub pending: u64,
    /// Its last failure since its last receipt.
    pub last_error: Option<String>,
    /// Failures since its last receipt.
    pub failures: u32,
    /// When the next attempt is due after a failure (nanoseconds since the Unix epoch).
    pub next_attempt_nanos: Option<u64>,
}

impl From<anchorer::AnchorStatus> for AnchorStatus {
    fn from(s: anchorer::AnchorStatus) -> Self {
        AnchorStatus {
            name: s.name,
            kind: s.kind,
            last_tree_size: s.last_tree_size,
            last_anchor_nanos: s.last_anchor_nanos,
            pending: s.pending,
            last_error: s.last_error,
            failures: s.failures,
            next_attempt_nanos: s.next_attempt_nanos,
        }
    }
}

/// What the anchorer's thread and its callers share.
struct Shared {
    /// One pass at a time, whoever runs it: receipts and state are written by one pass only.
    anchorer: Mutex<Anchorer>,
    /// Set to stop the thread; its condition wakes it.
    stopping: Mutex<bool>,
    wake: Condvar,
    /// Background passes finished, failed ones included.
    passes: AtomicU64,
    /// Why the last background pass could not run, if it could not.
    pass_error: Mutex<Option<String>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic in one pass leaves nothing half-written that a later pass relies on.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    fn background(&self) {
        loop {
            if *lock(&self.stopping) {
                return;
            }
            let sleep = {
                let anchorer = lock(&self.anchorer);
                let result = anchorer.run(RunMode::Due, now_nanos());
                *lock(&self.pass_error) = result.err().map(|e| e.to_string());
                anchorer.sleep_hint(now_nanos())
            };
            self.passes.fetch_add(1, Ordering::SeqCst);
            let stopping = lock(&self.stopping);
            let (stopping, _) =
                self.wake.wait_timeout_while(stopping, sleep, |stop| !*stop).unwrap_or_else(PoisonError::into_inner);
            if *stopping {
                return;
            }
        }
    }
}

/// An anchorer running on its own thread in this process, as `provedex
/// anchor watch` does beside it: each anchor is published to when its
/// schedule fires or its batch of events is full, failures are retried
/// with backoff, and every receipt is kept in the receipts file beside the
/// ledger. Recording never waits for it. Stop it with [`stop`](Self::stop)
/// (also done when it is dropped); it finishes the pass in flight first.
///
/// Run one anchorer per ledger: two processes anchoring the same ledger
/// each publish their own statements. A child forked from the process that
/// started it has no anchoring thread: there every call but `stop` is a
/// `Ledger` error `forked`, and the child starts its own.
#[derive(uniffi::Object)]
pub struct BackgroundAnchorer {
    shared: Arc<Shared>,
    thread: Mutex<Option<JoinHandle<()>>>,
    /// The process that started the thread.
    owner: u32,
}

#[uniffi::export]
impl BackgroundAnchorer {
    /// Starts the anchorer of `config`. Secrets are the variables the file
    /// names, looked up in `secrets` first, then in the environment (for a
    /// runtime that cannot set its environment, as the JVM). A configuration
    /// with problems ([`AnchorConfig::problems`]) or a key that cannot be
    /// loaded is a `Config` error listing them; nothing is started then.
    #[uniffi::constructor(default(secrets = None))]
    pub fn start(config: Arc<AnchorConfig>, secrets: Option<HashMap<String, String>>) -> Result<Arc<Self>> {
        let anchorer = Anchorer::new(config.0.clone(), &secret_lookup(secrets))?;
        let shared = Arc::new(Shared {
            anchorer: Mutex::new(anchorer),
            stopping: Mutex::new(false),
            wake: Condvar::new(),
            passes: AtomicU64::new(0),
            pass_error: Mutex::new(None),
        });
        let worker = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("provedex-anchorer".to_owned())
            .spawn(move || worker.background())
            .map_err(|e| ProvedexError::Config {
                code: "io".to_owned(),
                detail: format!("the anchorer's thread could not start: {e}"),
            })?;
        Ok(Arc::new(BackgroundAnchorer { shared, thread: Mutex::new(Some(thread)), owner: std::process::id() }))
    }

    /// Anchors now, as `provedex anchor run`: every anchor with lines not
    /// anchored yet, whatever its schedule or backoff; waits for a background
    /// pass in flight first. A failed anchor is an outcome (and in its
    /// status), not an error; an error is a ledger that cannot be read (a
    /// `Ledger` or `Chain` error) or a receipt that cannot be kept.
    pub fn run_now(&self) -> Result<Vec<AnchorOutcome>> {
        self.not_forked()?;
        let outcomes = lock(&self.shared.anchorer).run(RunMode::All, now_nanos())?;
        Ok(outcomes.into_iter().map(|(name, outcome)| AnchorOutcome::new(name, outcome)).collect())
    }

    /// Every anchor's last receipt, pending lines, last error and next attempt.
    pub fn status(&self) -> Result<Vec<AnchorStatus>> {
        self.not_forked()?;
        let status = lock(&self.shared.anchorer).status()?;
        Ok(status.into_iter().map(AnchorStatus::from).collect())
    }

    /// Background passes finished so far, failed ones included.
    pub fn passes(&self) -> u64 {
        self.shared.passes.load(Ordering::SeqCst)
    }

    /// Why the last background pass could not run (a ledger that does not
    /// verify or read); none when it ran. Failed anchors are in [`status`](Self::status).
    pub fn pass_error(&self) -> Option<String> {
        lock(&self.shared.pass_error).clone()
    }

    /// Whether the thread is running (not stopped); never in a forked child.
    pub fn is_running(&self) -> bool {
        self.owner == std::process::id() && lock(&self.thread).as_ref().is_some_and(|thread| !thread.is_finished())
    }

    /// Stops the thread after the pass in flight, and waits for it. Calling
    /// it again, or in a forked child, does nothing; [`run_now`](Self::run_now)
    /// and [`status`](Self::status) still work after it.
    pub fn stop(&self) {
        if self.owner != std::process::id() {
            // The thread exists only in the parent: it is neither joined nor detached here.
            std::mem::forget(lock(&self.thread).take());
            return;
        }
        *lock(&self.shared.stopping) = true;
        self.shared.wake.notify_all();
        if let Some(thread) = lock(&self.thread).take() {
            // The thread catches nothing: a panic in it has already been reported on stderr.
            let _ = thread.join();
        }
    }
}

impl BackgroundAnchorer {
    fn not_forked(&self) -> Result<()> {
        if self.owner == std::process::id() {
            return Ok(());
        }
        Err(ProvedexError::Ledger {
            code: "forked".to_owned(),
            detail: format!(
                "this anchorer was started in process {}, which forked this one: start a new one here",
                self.owner
            ),
        })
    }
}

impl Drop for BackgroundAnchorer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The S3 store a verifier reads `s3-object-lock` receipts' objects from.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct S3Access {
    /// The store's endpoint URL: a receipt naming another store is left not checked.
    pub endpoint: String,
    /// The access key id.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: String,
    /// The region requests are signed for.
    #[uniffi(default = "us-east-1")]
    pub region: String,
}

/// What a bundle's receipts are checked with (spec/anchors.md): the trust
/// anchors a verifier holds apart from any bundle, and the servers it asks
/// for what no receipt shows offline. The same as `provedex verify-bundle`'s
/// `--tsa-root`, `--log-key`, `--eth-chain-id`, `--eth-rpc`,
/// `--solana-rpc` and `--s3-endpoint`. A receipt whose trust anchor is not
/// given is not checked (and reaches no level); one that fails its checks
/// is a finding.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct ReceiptTrust {
    /// Timestamp authorities' root certificates trusted, each a PEM text of one or more.
    #[uniffi(default)]
    pub tsa_roots_pem: Vec<String>,
    /// Transparency logs' keys trusted for `tlog` and `rekor` receipts (C2SP
    /// verifier keys, `name+id+key`).
    #[uniffi(default)]
    pub log_keys: Vec<String>,
    /// The Ethereum chain `ethereum` receipts must be on.
    #[uniffi(default)]
    pub ethereum_chain_id: Option<u64>,
    /// An Ethereum JSON-RPC node asked whether each transaction is in its
    /// block, and when (needs `ethereum_chain_id`).
    #[uniffi(default)]
    pub ethereum_rpc: Option<String>,
    /// A Solana JSON-RPC node asked whether each transaction is in its slot, and when.
    #[uniffi(default)]
    pub solana_rpc: Option<String>,
    /// The S3 store `s3-object-lock` receipts' objects are re-read from.
    #[uniffi(default)]
    pub s3: Option<S3Access>,
}

impl ReceiptTrust {
    /// The checker these trust anchors describe; a root or key that cannot
    /// be read is a `KeyLoad` error naming it.
    pub(crate) fn checker(self) -> Result<OnlineChecker> {
        let key_error = |detail: String| ProvedexError::KeyLoad { detail };
        let mut checker = OnlineChecker::default();
        for (i, pem) in self.tsa_roots_pem.iter().enumerate() {
            checker
                .trust_tsa_roots(pem.as_bytes())
                .map_err(|e| key_error(format!("tsa_roots_pem[{i}] is not PEM certificates: {e}")))?;
        }
        for key in &self.log_keys {
            checker
                .trust_log_key(key)
                .map_err(|e| key_error(format!("log key {key:?} is not a C2SP Ed25519 verifier key: {e}")))?;
        }
        checker
            .trust_ethereum(self.ethereum_chain_id, self.ethereum_rpc)
            .map_err(|e| key_error(format!("ethereum_rpc without ethereum_chain_id: {e}")))?;
        checker.solana_rpc = self.solana_rpc;
        checker.s3 = self.s3.map(|s3| S3Store {
            endpoint: s3.endpoint,
            access_key: s3.access_key_id,
            secret_key: s3.secret_access_key,
            region: s3.region,
        });
        Ok(checker)
    }
}
