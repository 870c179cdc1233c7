//! The anchorer (spec/anchors.md, "Anchoring"): reads the ledger without
//! locking it, signs a checkpoint and one anchor statement for the anchors
//! that are due, publishes to each on its own thread, keeps every receipt
//! in the receipts file, and records failures with a backoff in the state
//! file. Recording never waits for it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use provedex_format::checkpoint::{Checkpoint, LedgerOrigin};
use provedex_format::note::{NoteKey, SignedNote};
use provedex_format::{SigningKeypair, canonical};
use provedex_ledger::{KeyFile, LedgerTree, ReceiptEntry, append_receipt, read_receipts};
use provedex_receipts::Receipt;
use serde::{Deserialize, Serialize};

use crate::AnchorError;
use crate::config::{AnchorConfig, Config, ConfigError};
use crate::ethereum::EthereumAnchor;
use crate::rekor::RekorAnchor;
use crate::s3::{S3Anchor, S3Config};
use crate::solana::SolanaAnchor;
use crate::tessera::TesseraAnchor;
use crate::tsa::TsaAnchor;

/// The first retry comes this long after a failure; each further failure doubles it.
const FIRST_BACKOFF: Duration = Duration::from_secs(30);
/// Retries are never further apart than this.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);

/// The anchorer's state file beside the ledger: the ledger's path with `.anchors` appended.
pub fn state_path(ledger: &Path) -> PathBuf {
    let mut name = ledger.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".anchors");
    ledger.with_file_name(name)
}

/// What the anchorer remembers of one anchor between runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnchorState {
    /// When it last tried, nanoseconds since the Unix epoch.
    pub last_attempt_nanos: Option<u64>,
    /// Failures since its last receipt.
    pub failures: u32,
    /// The last failure, for people.
    pub last_error: Option<String>,
    /// When the next attempt is due after a failure.
    pub next_attempt_nanos: Option<u64>,
}

/// The state file: each anchor's state by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    /// By anchor name.
    pub anchors: BTreeMap<String, AnchorState>,
}

impl State {
    /// Reads the state file of `ledger`; a missing or unreadable one is
    /// empty (it holds no evidence: receipts are in the receipts file).
    pub fn load(ledger: &Path) -> State {
        std::fs::read(state_path(ledger)).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
    }

    /// Writes the state file whole, through a temporary file and a rename.
    pub fn save(&self, ledger: &Path) -> std::io::Result<()> {
        let path = state_path(ledger);
        let mut temp = path.clone().into_os_string();
        temp.push(".tmp");
        std::fs::write(&temp, serde_json::to_vec_pretty(self).expect("the state serialises"))?;
        std::fs::rename(&temp, &path)
    }
}

/// A configured anchor, ready to publish.
pub struct Publisher {
    /// The anchor's configuration.
    pub config: AnchorConfig,
    client: Client,
}

enum Client {
    Rfc3161(TsaAnchor),
    Tlog(TesseraAnchor),
    Rekor(RekorAnchor),
    S3(Box<S3Anchor>),
    Ethereum(Box<EthereumAnchor>),
    Solana(SolanaAnchor),
}

impl Publisher {
    /// The client of `anchor`, with secrets read through `env` and paths relative to `dir`.
    pub fn new(anchor: &AnchorConfig, dir: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<Self, String> {
        let timeout = Duration::from_secs(anchor.timeout_seconds.unwrap_or(30));
        let connect = timeout.min(Duration::from_secs(5));
        let secret = |name: &Option<String>| -> Result<String, String> {
            let name = name.as_deref().ok_or("a secret's variable is not named")?;
            env(name).filter(|v| !v.is_empty()).ok_or_else(|| format!("the environment variable {name} is not set"))
        };
        let log_key = || -> Result<NoteKey, String> {
            NoteKey::parse_verifier_key(anchor.log_key.as_deref().unwrap_or_default())
                .map_err(|e| format!("log_key: {e}"))
        };
        let client = match anchor.kind.as_str() {
            "rfc3161" => {
                let mut tsa = TsaAnchor::new(anchor.endpoint.as_str()).with_timeouts(connect, timeout);
                if let Some(roots) = &anchor.tsa_roots {
                    let path = dir.join(roots);
                    let pem = std::fs::read(&path).map_err(|e| format!("tsa_roots: {}: {e}", path.display()))?;
                    tsa = tsa.with_roots(
                        provedex_receipts::rfc3161::certificates_from_pem(&pem)
                            .map_err(|e| format!("tsa_roots: {e}"))?,
                    );
                }
                Client::Rfc3161(tsa)
            }
            "tlog" => Client::Tlog(
                TesseraAnchor::new(anchor.endpoint.as_str(), log_key()?).with_timeouts(connect, timeout, timeout),
            ),
            "rekor" => {
                Client::Rekor(RekorAnchor::new(anchor.endpoint.as_str(), log_key()?).with_timeouts(connect, timeout))
            }
            "s3-object-lock" => {
                let mut config = S3Config::new(
                    &anchor.endpoint,
                    anchor.region.as_deref().unwrap_or("us-east-1"),
                    anchor.bucket.as_deref().unwrap_or_default(),
                    &secret(&anchor.access_key_env)?,
                    &secret(&anchor.secret_key_env)?,
                );
                config.key_prefix = anchor.prefix.clone().unwrap_or_else(|| "provedex/".into());
                config.retention = Duration::from_secs(anchor.retention_days.unwrap_or(3650) * 86_400);
                config.connect_timeout = connect;
                config.call_timeout = timeout;
                Client::S3(Box::new(S3Anchor::new(config).map_err(|e| e.to_string())?))
            }
            "ethereum" => Client::Ethereum(Box::new(
                EthereumAnchor::new(
                    &anchor.endpoint,
                    &secret(&anchor.private_key_env)?,
                    anchor.chain_id.ok_or("chain_id is not set")?,
                )?
                .with_timeouts(connect, timeout, timeout.max(Duration::from_secs(120))),
            )),
            "solana" => {
                let seed = secret(&anchor.payer_key_env)?;
                let seed: [u8; 32] = provedex_format::hex::decode(seed.trim())
                    .map_err(|e| format!("{}: the payer's seed is 64 hex digits: {e}", anchor.name()))?;
                Client::Solana(SolanaAnchor::new(anchor.endpoint.as_str(), seed).with_timeouts(connect, timeout))
            }
            other => return Err(format!("no anchor of type {other}")),
        };
        Ok(Publisher { config: anchor.clone(), client })
    }

    /// Publishes `statement` and returns the receipt, checked by the client.
    pub fn publish(&self, statement: &str) -> Result<Receipt, AnchorError> {
        Ok(match &self.client {
            Client::Rfc3161(c) => Receipt::Rfc3161(c.anchor(statement)?),
            Client::Tlog(c) => Receipt::Tlog(c.anchor(statement)?),
            Client::Rekor(c) => Receipt::Rekor(c.anchor(statement)?),
            Client::S3(c) => {
                c.ensure_bucket()?;
                Receipt::S3ObjectLock(c.anchor(statement)?)
            }
            Client::Ethereum(c) => Receipt::Ethereum(c.anchor(statement)?),
            Client::Solana(c) => Receipt::Solana(c.anchor(statement)?),
        })
    }
}

/// Which anchors a run tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunMode {
    /// Every anchor with lines not anchored yet, whatever its schedule or backoff.
    All,
    /// The anchors that are due (spec/anchors.md, "Anchoring").
    Due,
}

/// What a run did for one anchor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A receipt of this many lines was kept.
    Anchored {
        /// The statement's tree size.
        tree_size: u64,
    },
    /// The attempt failed; the next is due then.
    Failed {
        /// Why, for people.
        error: String,
        /// Nanoseconds since the Unix epoch.
        next_attempt_nanos: u64,
    },
    /// Every line is anchored already.
    UpToDate,
    /// Not due yet.
    NotDue,
}

/// One anchor's status (`provedex anchor status`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnchorStatus {
    /// Its name.
    pub name: String,
    /// Its type.
    #[serde(rename = "type")]
    pub kind: String,
    /// The tree size of its last receipt, if any.
    pub last_tree_size: Option<u64>,
    /// When its last receipt's statement was made (nanoseconds since the Unix epoch).
    pub last_anchor_nanos: Option<u64>,
    /// Lines of the ledger it has not anchored.
    pub pending: u64,
    /// Its last failure since its last receipt.
    pub last_error: Option<String>,
    /// Failures since its last receipt.
    pub failures: u32,
    /// When the next attempt is due after a failure.
    pub next_attempt_nanos: Option<u64>,
}

/// The anchorer of one configuration.
pub struct Anchorer {
    config: Config,
    key: SigningKeypair,
    publishers: Vec<Publisher>,
}

/// Nanoseconds since the Unix epoch, now.
pub fn now_nanos() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64)
}

impl Anchorer {
    /// The anchorer of `config`, refused with every problem
    /// [`Config::check`] finds; secrets are read through `env`.
    pub fn new(config: Config, env: &dyn Fn(&str) -> Option<String>) -> Result<Anchorer, ConfigError> {
        let fail = |problems: Vec<String>| ConfigError { path: config.dir.join("provedex.toml"), problems };
        let problems = config.check(env);
        if !problems.is_empty() {
            return Err(fail(problems));
        }
        let key = SigningKeypair::load(config.key_path()).map_err(|e| fail(vec![format!("key: {e}")]))?;
        let publishers = config
            .anchors
            .iter()
            .map(|anchor| {
                Publisher::new(anchor, &config.dir, env).map_err(|e| format!("anchor {}: {e}", anchor.name()))
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| fail(vec![e]))?;
        Ok(Anchorer { config, key, publishers })
    }

    /// The ledger's path.
    pub fn ledger(&self) -> PathBuf {
        self.config.ledger_path()
    }

    /// The tree size each anchor's last receipt vouches for.
    fn anchored(&self) -> provedex_format::Result<BTreeMap<String, (u64, u64)>> {
        let mut last = BTreeMap::new();
        for entry in read_receipts(&self.ledger())? {
            let made = made_nanos(&entry);
            let slot = last.entry(entry.anchor.clone()).or_insert((0, 0));
            if entry.tree_size >= slot.0 {
                *slot = (entry.tree_size, made);
            }
        }
        Ok(last)
    }

    /// The status of every anchor, against the ledger's verified lines.
    pub fn status(&self) -> provedex_format::Result<Vec<AnchorStatus>> {
        let size = self.ledger_size()?;
        let anchored = self.anchored()?;
        let state = State::load(&self.ledger());
        Ok(self
            .publishers
            .iter()
            .map(|p| {
                let name = p.config.name();
                let last = anchored.get(name).copied();
                let s = state.anchors.get(name).cloned().unwrap_or_default();
                AnchorStatus {
                    name: name.to_owned(),
                    kind: p.config.kind.clone(),
                    last_tree_size: last.map(|l| l.0),
                    last_anchor_nanos: last.map(|l| l.1),
                    pending: size.saturating_sub(last.map_or(0, |l| l.0)),
                    last_error: s.last_error,
                    failures: s.failures,
                    next_attempt_nanos: s.next_attempt_nanos,
                }
            })
            .collect())
    }

    /// The tree of the ledger's verified lines; none when there is no ledger yet.
    fn ledger_tree(&self) -> provedex_format::Result<Option<LedgerTree>> {
        if !self.ledger().exists() {
            return Ok(None);
        }
        LedgerTree::read_to_sign(&self.ledger(), self.key.public_key()).map(Some)
    }

    /// The ledger's verified lines (0 when there is no ledger yet).
    fn ledger_size(&self) -> provedex_format::Result<u64> {
        Ok(self.ledger_tree()?.map_or(0, |tree| tree.size()))
    }

    /// Whether `publisher` is due at `now`, `pending` lines not anchored.
    fn is_due(&self, publisher: &Publisher, pending: u64, state: &AnchorState, now: u64) -> bool {
        let cron = publisher.config.cron().and_then(Result::ok);
        is_due(self.config.batch_size(&publisher.config), cron.as_ref(), pending, state, now)
    }

    /// One pass: anchors the anchors `mode` selects, each on its own thread,
    /// and returns what happened to each, by name. Failures are recorded in
    /// the state file, never returned as errors; an error is a ledger that
    /// cannot be read or a receipt that cannot be kept.
    pub fn run(&self, mode: RunMode, now: u64) -> provedex_format::Result<Vec<(String, Outcome)>> {
        let ledger = self.ledger();
        // Read once: the statement vouches for the very lines counted here.
        let tree = self.ledger_tree()?;
        let size = tree.as_ref().map_or(0, LedgerTree::size);
        let anchored = self.anchored()?;
        let mut state = State::load(&ledger);
        let pending = |p: &Publisher| size.saturating_sub(anchored.get(p.config.name()).map_or(0, |l| l.0));
        let chosen: Vec<&Publisher> = self
            .publishers
            .iter()
            .filter(|p| match mode {
                RunMode::All => pending(p) > 0,
                RunMode::Due => self.is_due(
                    p,
                    pending(p),
                    state.anchors.get(p.config.name()).unwrap_or(&AnchorState::default()),
                    now,
                ),
            })
            .collect();
        let mut outcomes: Vec<(String, Outcome)> = self
            .publishers
            .iter()
            .filter(|p| !chosen.iter().any(|c| std::ptr::eq(*c, *p)))
            .map(|p| (p.config.name().to_owned(), if pending(p) == 0 { Outcome::UpToDate } else { Outcome::NotDue }))
            .collect();
        let Some(mut tree) = tree.filter(|_| !chosen.is_empty()) else {
            return Ok(outcomes);
        };
        let (checkpoint, statement) = self.sign(&mut tree, now)?;
        let results: Vec<(&Publisher, Result<Receipt, AnchorError>)> = std::thread::scope(|scope| {
            let handles: Vec<_> =
                chosen.iter().map(|p| (*p, scope.spawn(|| p.publish(&statement)))).collect::<Vec<_>>();
            handles
                .into_iter()
                .map(|(p, h)| {
                    (p, h.join().unwrap_or_else(|_| Err(AnchorError::Refused("the anchor's client panicked".into()))))
                })
                .collect()
        });
        for (publisher, result) in results {
            let name = publisher.config.name().to_owned();
            let entry_state = state.anchors.entry(name.clone()).or_default();
            entry_state.last_attempt_nanos = Some(now);
            match result.and_then(|receipt| self.keep(&name, &checkpoint, &receipt).map(|()| receipt)) {
                Ok(receipt) => {
                    let tree_size = Checkpoint::parse_body(&checkpoint.text).map_or(0, |c| c.size);
                    debug_assert_eq!(receipt.statement(), statement);
                    *entry_state = AnchorState { last_attempt_nanos: Some(now), ..AnchorState::default() };
                    outcomes.push((name, Outcome::Anchored { tree_size }));
                }
                Err(error) => {
                    entry_state.failures += 1;
                    let backoff =
                        FIRST_BACKOFF.saturating_mul(1 << (entry_state.failures - 1).min(16)).min(MAX_BACKOFF);
                    let next = now + backoff.as_nanos() as u64;
                    entry_state.last_error = Some(error.to_string());
                    entry_state.next_attempt_nanos = Some(next);
                    outcomes.push((name, Outcome::Failed { error: error.to_string(), next_attempt_nanos: next }));
                }
            }
        }
        state.save(&ledger).map_err(|e| provedex_format::Error::ledger_io(&state_path(&ledger), "write", e))?;
        outcomes.sort_by_key(|(name, _)| self.publishers.iter().position(|p| p.config.name() == name));
        Ok(outcomes)
    }

    /// A checkpoint of the ledger's verified lines and the statement for it.
    fn sign(&self, tree: &mut LedgerTree, now: u64) -> provedex_format::Result<(SignedNote, String)> {
        let note = tree.checkpoint(&self.key, None)?;
        let body = Checkpoint::parse_body(&note.text).expect("a checkpoint just signed reads back");
        let origin = LedgerOrigin::parse(&body.origin).expect("a ledger's checkpoint has a ledger origin");
        let statement = self.key.sign_anchor_statement(&origin.genesis_self_hash, body.size, body.root, now);
        Ok((note, statement.to_text()))
    }

    /// Appends `receipt` to the receipts file.
    fn keep(&self, anchor: &str, checkpoint: &SignedNote, receipt: &Receipt) -> Result<(), AnchorError> {
        let json = serde_json::to_vec(receipt).expect("a receipt serialises");
        let provedex_format::Value::Object(map) = canonical::parse(&json).expect("serde_json writes valid JSON") else {
            unreachable!("a receipt serialises to an object")
        };
        let entry = ReceiptEntry::new(anchor, checkpoint.clone(), map).map_err(AnchorError::Refused)?;
        append_receipt(&self.ledger(), &entry)
            .map_err(|e| AnchorError::Refused(format!("the receipt could not be kept: {e}")))
    }

    /// How long a watcher may sleep at `now` before an anchor's schedule
    /// or backoff comes due (at most a minute: batch sizes are polled).
    pub fn sleep_hint(&self, now: u64) -> Duration {
        let state = State::load(&self.ledger());
        let mut wake = now + 60_000_000_000;
        for p in &self.publishers {
            let s = state.anchors.get(p.config.name()).cloned().unwrap_or_default();
            if let Some(next) = s.next_attempt_nanos {
                wake = wake.min(next);
            }
            if let (Some(Ok(cron)), Some(last)) = (p.config.cron(), s.last_attempt_nanos)
                && let Some(fire) = next_fire(&cron, last)
            {
                wake = wake.min(fire);
            }
        }
        Duration::from_nanos(wake.saturating_sub(now)).max(Duration::from_millis(200))
    }
}

/// Whether an anchor with this batch size and schedule is due at `now`
/// with `pending` lines not anchored (spec/anchors.md, "Anchoring"):
/// never with nothing pending or before a failure's backoff ends; then when
/// the batch is full, when its schedule fired since its last attempt (or it
/// never tried), or at every pass when it has neither.
pub fn is_due(batch: Option<u64>, cron: Option<&croner::Cron>, pending: u64, state: &AnchorState, now: u64) -> bool {
    if pending == 0 || state.next_attempt_nanos.is_some_and(|next| next > now) {
        return false;
    }
    if batch.is_some_and(|b| pending >= b) {
        return true;
    }
    match (cron, state.last_attempt_nanos) {
        (None, _) => batch.is_none(),
        (Some(_), None) => true,
        (Some(cron), Some(last)) => next_fire(cron, last).is_some_and(|fire| fire <= now),
    }
}

/// The first time `cron` fires after `after` (nanoseconds since the Unix epoch).
fn next_fire(cron: &croner::Cron, after: u64) -> Option<u64> {
    let at = chrono::DateTime::from_timestamp((after / 1_000_000_000) as i64, (after % 1_000_000_000) as u32)?;
    let next = cron.find_next_occurrence(&at, false).ok()?;
    u64::try_from(next.timestamp_nanos_opt()?).ok()
}

/// The `made_nanos` of the statement of an entry's receipt (0 when unreadable).
fn made_nanos(entry: &ReceiptEntry) -> u64 {
    match entry.receipt.get("statement") {
        Some(provedex_format::Value::String(text)) => {
            provedex_format::anchor::SignedAnchorStatement::parse(text).map_or(0, |s| s.statement.made_nanos)
        }
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr as _;

    use super::*;

    const MINUTE: u64 = 60_000_000_000;
    /// 2026-12-01T00:00:00Z.
    const MIDNIGHT: u64 = 1_764_547_200_000_000_000;

    fn tried(at: u64) -> AnchorState {
        AnchorState { last_attempt_nanos: Some(at), ..AnchorState::default() }
    }

    #[test]
    fn an_anchor_is_due_by_its_batch_its_schedule_or_at_every_pass() {
        let hourly = croner::Cron::from_str("0 * * * *").unwrap();
        let fresh = AnchorState::default();
        // Nothing pending: never due.
        assert!(!is_due(None, None, 0, &fresh, MIDNIGHT));
        // Neither batch nor schedule: due whenever lines are pending.
        assert!(is_due(None, None, 1, &tried(MIDNIGHT), MIDNIGHT + 1));
        // A batch alone: due only once full.
        assert!(!is_due(Some(10), None, 9, &fresh, MIDNIGHT));
        assert!(is_due(Some(10), None, 10, &fresh, MIDNIGHT));
        // A schedule alone: due at once when never tried, then when it fires.
        assert!(is_due(None, Some(&hourly), 1, &fresh, MIDNIGHT + MINUTE));
        let after = tried(MIDNIGHT + MINUTE);
        assert!(!is_due(None, Some(&hourly), 1, &after, MIDNIGHT + 59 * MINUTE));
        assert!(is_due(None, Some(&hourly), 1, &after, MIDNIGHT + 60 * MINUTE));
        // A batch and a schedule: whichever comes first.
        assert!(is_due(Some(5), Some(&hourly), 5, &after, MIDNIGHT + 2 * MINUTE));
        assert!(!is_due(Some(5), Some(&hourly), 4, &after, MIDNIGHT + 2 * MINUTE));
    }

    #[test]
    fn a_failure_waits_for_its_backoff_whatever_is_pending() {
        let failed = AnchorState {
            last_attempt_nanos: Some(MIDNIGHT),
            failures: 1,
            last_error: Some("down".into()),
            next_attempt_nanos: Some(MIDNIGHT + 30_000_000_000),
        };
        assert!(!is_due(Some(1), None, 1000, &failed, MIDNIGHT + 29_000_000_000));
        assert!(is_due(Some(1), None, 1000, &failed, MIDNIGHT + 30_000_000_000));
    }

    #[test]
    fn the_state_file_round_trips_and_a_damaged_one_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = dir.path().join("l.ndjson");
        assert_eq!(State::load(&ledger), State::default());
        let mut state = State::default();
        state.anchors.insert("tsa".into(), tried(MIDNIGHT));
        state.save(&ledger).unwrap();
        assert_eq!(State::load(&ledger), state);
        std::fs::write(state_path(&ledger), b"{\"anchors\":").unwrap();
        assert_eq!(State::load(&ledger), State::default(), "the state holds no evidence: start afresh");
    }
}
