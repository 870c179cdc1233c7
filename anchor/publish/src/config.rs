//! The anchoring configuration (spec/anchors.md, "Configuration"): one TOML
//! file, `provedex.toml` by default, naming the ledger, its key, the proof
//! level wanted and the anchors with their endpoints, schedules and batch
//! sizes. Secrets are never in the file: it names the environment variables
//! that hold them.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr as _;

use provedex_format::display::quote;
use provedex_format::note::NoteKey;
use serde::Deserialize;

/// The most bytes a configuration file may fill.
const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// The anchor types, as the `type` member names them.
pub const ANCHOR_TYPES: [&str; 6] = ["rfc3161", "tlog", "rekor", "s3-object-lock", "ethereum", "solana"];

/// The proof levels a configuration may ask for, lowest first.
pub const PROOF_LEVELS: [&str; 4] = ["verifiable", "externally-archived", "publicly-auditable", "publicly-timestamped"];

/// A configuration file as written: every member the file may hold.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The ledger, relative to the file's folder.
    pub ledger: PathBuf,
    /// The ledger's key file (raw seed or PEM), relative to the file's folder.
    pub key: PathBuf,
    /// The proof level the anchors must be able to reach.
    #[serde(default)]
    pub proof_level: Option<String>,
    /// Anchor after this many new events, for anchors without their own.
    #[serde(default)]
    pub anchor_batch_size: Option<u64>,
    /// The anchors, each a `[[anchor]]` table.
    #[serde(default, rename = "anchor")]
    pub anchors: Vec<AnchorConfig>,
    /// The folder the file is in: relative paths start there.
    #[serde(skip)]
    pub dir: PathBuf,
}

/// One `[[anchor]]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnchorConfig {
    /// The anchor's name in receipts and status; its type by default.
    pub name: Option<String>,
    /// One of [`ANCHOR_TYPES`].
    #[serde(rename = "type")]
    pub kind: String,
    /// The server: a TSA, a log, an S3 endpoint, a JSON-RPC node (http or https URL).
    pub endpoint: String,
    /// When to anchor: a five-field cron expression, in UTC.
    pub schedule: Option<String>,
    /// Anchor after this many new events.
    pub batch_size: Option<u64>,
    /// Give up on one attempt after this many seconds (default 30).
    pub timeout_seconds: Option<u64>,
    /// rfc3161: PEM file of the TSA root certificates to trust.
    pub tsa_roots: Option<PathBuf>,
    /// tlog, rekor: the log's C2SP verifier key.
    pub log_key: Option<String>,
    /// s3-object-lock: the bucket (created with Object Lock when missing).
    pub bucket: Option<String>,
    /// s3-object-lock: the region (default us-east-1).
    pub region: Option<String>,
    /// s3-object-lock: the key prefix of statements (default `provedex/`).
    pub prefix: Option<String>,
    /// s3-object-lock: days of COMPLIANCE retention (default 3650).
    pub retention_days: Option<u64>,
    /// s3-object-lock: the variable holding the access key id.
    pub access_key_env: Option<String>,
    /// s3-object-lock: the variable holding the secret access key.
    pub secret_key_env: Option<String>,
    /// ethereum: the chain id the node must serve.
    pub chain_id: Option<u64>,
    /// ethereum: the variable holding the sender's private key (hex).
    pub private_key_env: Option<String>,
    /// solana: the variable holding the fee payer's Ed25519 seed (hex).
    pub payer_key_env: Option<String>,
}

/// Which members each type takes beyond the common ones, and which it must have.
fn members_of(kind: &str) -> (&'static [&'static str], &'static [&'static str]) {
    match kind {
        "rfc3161" => (&["tsa_roots"], &[]),
        "tlog" | "rekor" => (&["log_key"], &["log_key"]),
        "s3-object-lock" => (
            &["bucket", "region", "prefix", "retention_days", "access_key_env", "secret_key_env"],
            &["bucket", "access_key_env", "secret_key_env"],
        ),
        "ethereum" => (&["chain_id", "private_key_env"], &["chain_id", "private_key_env"]),
        "solana" => (&["payer_key_env"], &["payer_key_env"]),
        _ => (&[], &[]),
    }
}

impl AnchorConfig {
    /// The anchor's name: `name`, or its type.
    pub fn name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.kind)
    }

    /// The type-specific members this table sets.
    fn set_members(&self) -> Vec<&'static str> {
        [
            ("tsa_roots", self.tsa_roots.is_some()),
            ("log_key", self.log_key.is_some()),
            ("bucket", self.bucket.is_some()),
            ("region", self.region.is_some()),
            ("prefix", self.prefix.is_some()),
            ("retention_days", self.retention_days.is_some()),
            ("access_key_env", self.access_key_env.is_some()),
            ("secret_key_env", self.secret_key_env.is_some()),
            ("chain_id", self.chain_id.is_some()),
            ("private_key_env", self.private_key_env.is_some()),
            ("payer_key_env", self.payer_key_env.is_some()),
        ]
        .into_iter()
        .filter(|(_, set)| *set)
        .map(|(member, _)| member)
        .collect()
    }

    /// The environment variables this anchor reads its secrets from.
    pub fn secret_variables(&self) -> Vec<&str> {
        [&self.access_key_env, &self.secret_key_env, &self.private_key_env, &self.payer_key_env]
            .into_iter()
            .filter_map(|v| v.as_deref())
            .collect()
    }

    /// The proof level a verified receipt of this type reaches.
    pub fn level(&self) -> Option<&'static str> {
        match self.kind.as_str() {
            "rfc3161" | "ethereum" | "solana" => Some("publicly-timestamped"),
            "tlog" | "rekor" => Some("publicly-auditable"),
            "s3-object-lock" => Some("externally-archived"),
            _ => None,
        }
    }

    /// The schedule, parsed.
    pub fn cron(&self) -> Option<Result<croner::Cron, String>> {
        self.schedule.as_deref().map(|s| {
            croner::Cron::from_str(s).map_err(|e| format!("schedule {} is not a cron expression: {e}", quote(s)))
        })
    }
}

/// Why a configuration cannot be used: every problem found, each naming where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file.
    pub path: PathBuf,
    /// The problems, one sentence each.
    pub problems: Vec<String>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.path.display())?;
        match &self.problems[..] {
            [one] => f.write_str(one),
            many => {
                write!(f, "{} problems:", many.len())?;
                many.iter().try_for_each(|p| write!(f, "\n  - {p}"))
            }
        }
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Reads a configuration file (at most 1 MiB of TOML), refusing unknown
    /// members. Whether it can be used is [`Config::check`]'s business.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let fail = |why: String| ConfigError { path: path.to_owned(), problems: vec![why] };
        let meta = std::fs::metadata(path).map_err(|e| fail(format!("cannot read it: {e}")))?;
        if !meta.is_file() {
            return Err(fail("it is not a regular file".into()));
        }
        if meta.len() > MAX_CONFIG_BYTES {
            return Err(fail(format!("it has {} bytes, more than a configuration's 1 MiB", meta.len())));
        }
        let text = std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read it as UTF-8 text: {e}")))?;
        Config::parse(&text, path.parent().unwrap_or(Path::new("."))).map_err(fail)
    }

    /// Reads a configuration's text; relative paths start at `dir`.
    pub fn parse(text: &str, dir: &Path) -> Result<Config, String> {
        let mut config: Config = toml::from_str(text).map_err(|e| format!("not a valid configuration: {e}"))?;
        config.dir = if dir.as_os_str().is_empty() { PathBuf::from(".") } else { dir.to_owned() };
        Ok(config)
    }

    /// The ledger's path.
    pub fn ledger_path(&self) -> PathBuf {
        self.dir.join(&self.ledger)
    }

    /// The key file's path.
    pub fn key_path(&self) -> PathBuf {
        self.dir.join(&self.key)
    }

    /// The batch size of `anchor`: its own, or the file's.
    pub fn batch_size(&self, anchor: &AnchorConfig) -> Option<u64> {
        anchor.batch_size.or(self.anchor_batch_size)
    }

    /// Every problem that keeps this configuration from anchoring, with
    /// secrets looked up through `env` (never printed): an empty list when
    /// it can be used.
    pub fn check(&self, env: &dyn Fn(&str) -> Option<String>) -> Vec<String> {
        let mut problems = Vec::new();
        let key = self.key_path();
        match std::fs::metadata(&key) {
            Ok(meta) if meta.is_file() => {}
            Ok(_) => problems.push(format!("key: {} is not a regular file", key.display())),
            Err(e) => problems.push(format!("key: cannot read {}: {e}", key.display())),
        }
        let ledger = self.ledger_path();
        if let Some(parent) = ledger.parent().filter(|p| !p.as_os_str().is_empty())
            && !parent.is_dir()
        {
            problems.push(format!("ledger: the folder {} does not exist", parent.display()));
        }
        if self.anchor_batch_size == Some(0) {
            problems.push("anchor_batch_size: 0 is not a batch size (1 or more)".into());
        }
        let mut names = BTreeSet::new();
        for (i, anchor) in self.anchors.iter().enumerate() {
            let at = format!("anchor {} ({})", i + 1, quote(anchor.name()));
            if !names.insert(anchor.name()) {
                problems.push(format!("{at}: another anchor has this name; give each a distinct `name`"));
            }
            self.check_anchor(anchor, &at, env, &mut problems);
        }
        if let Some(level) = &self.proof_level {
            if !PROOF_LEVELS.contains(&level.as_str()) {
                problems.push(format!("proof_level: {} is not one of {}", quote(level), PROOF_LEVELS.join(", ")));
            } else if level != "verifiable" && !self.anchors.iter().any(|a| a.level() == Some(level.as_str())) {
                let kinds: Vec<&str> = ANCHOR_TYPES
                    .into_iter()
                    .filter(|k| AnchorConfig { kind: (*k).into(), ..Default::default() }.level() == Some(level))
                    .collect();
                problems.push(format!(
                    "proof_level: {level} needs an anchor of type {}, and none is configured",
                    kinds.join(" or ")
                ));
            }
        }
        problems
    }

    fn check_anchor(
        &self,
        anchor: &AnchorConfig,
        at: &str,
        env: &dyn Fn(&str) -> Option<String>,
        problems: &mut Vec<String>,
    ) {
        if !ANCHOR_TYPES.contains(&anchor.kind.as_str()) {
            problems.push(format!("{at}: type {} is not one of {}", quote(&anchor.kind), ANCHOR_TYPES.join(", ")));
            return;
        }
        if anchor.name().is_empty() || anchor.name().chars().any(|c| c.is_control() || c.is_whitespace()) {
            problems.push(format!("{at}: a name is not empty and holds no white space or control character"));
        }
        let (allowed, required) = members_of(&anchor.kind);
        for member in anchor.set_members() {
            if !allowed.contains(&member) {
                problems.push(format!("{at}: `{member}` is not a member of a {} anchor", anchor.kind));
            }
        }
        let set = anchor.set_members();
        for member in required {
            if !set.contains(member) {
                problems.push(format!("{at}: a {} anchor needs `{member}`", anchor.kind));
            }
        }
        if !(anchor.endpoint.starts_with("http://") || anchor.endpoint.starts_with("https://"))
            || anchor.endpoint.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            problems.push(format!("{at}: endpoint {} is not an http:// or https:// URL", quote(&anchor.endpoint)));
        }
        if let Some(Err(why)) = anchor.cron() {
            problems.push(format!("{at}: {why}"));
        }
        if anchor.batch_size == Some(0) {
            problems.push(format!("{at}: batch_size 0 is not a batch size (1 or more)"));
        }
        if anchor.timeout_seconds == Some(0) {
            problems.push(format!("{at}: timeout_seconds is 1 or more"));
        }
        if anchor.retention_days == Some(0) {
            problems.push(format!("{at}: retention_days is 1 or more"));
        }
        if let Some(log_key) = &anchor.log_key
            && let Err(e) = NoteKey::parse_verifier_key(log_key)
        {
            problems.push(format!("{at}: log_key is not a C2SP Ed25519 verifier key: {e}"));
        }
        if let Some(roots) = &anchor.tsa_roots {
            let path = self.dir.join(roots);
            if let Err(e) = std::fs::metadata(&path) {
                problems.push(format!("{at}: tsa_roots: cannot read {}: {e}", path.display()));
            }
        }
        for variable in anchor.secret_variables() {
            if env(variable).is_none_or(|v| v.is_empty()) {
                problems.push(format!("{at}: the environment variable {variable} is not set"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, env: &[(&str, &str)]) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("k.key"), [1u8; 32]).unwrap();
        let config = Config::parse(text, dir.path()).unwrap();
        config.check(&|name| env.iter().find(|(n, _)| *n == name).map(|(_, v)| (*v).to_owned()))
    }

    const HEAD: &str = "ledger = \"l.ndjson\"\nkey = \"k.key\"\n";

    #[test]
    fn a_complete_configuration_passes() {
        let text = format!(
            "{HEAD}proof_level = \"publicly-timestamped\"\nanchor_batch_size = 100\n\
             [[anchor]]\ntype = \"rfc3161\"\nendpoint = \"http://127.0.0.1:3000\"\nschedule = \"*/10 * * * *\"\n\
             [[anchor]]\ntype = \"s3-object-lock\"\nendpoint = \"http://127.0.0.1:7070\"\nbucket = \"b\"\n\
             access_key_env = \"AK\"\nsecret_key_env = \"SK\"\nbatch_size = 5\n"
        );
        assert_eq!(check(&text, &[("AK", "a"), ("SK", "s")]), Vec::<String>::new());
    }

    #[test]
    fn every_problem_is_named_with_its_anchor() {
        let text = format!(
            "{HEAD}proof_level = \"publicly-auditable\"\n\
             [[anchor]]\ntype = \"rfc3161\"\nendpoint = \"ftp://x\"\nschedule = \"every hour\"\nbucket = \"b\"\n\
             [[anchor]]\ntype = \"ethereum\"\nendpoint = \"http://127.0.0.1:8545\"\nprivate_key_env = \"ETH\"\n\
             [[anchor]]\nname = \"rfc3161\"\ntype = \"witness\"\nendpoint = \"http://x\"\n\
             [[anchor]]\ntype = \"tlog\"\nendpoint = \"http://x\"\nlog_key = \"log+00000000+AQ==\"\nbatch_size = 0\n"
        );
        let problems = check(&text, &[]);
        for expected in [
            "anchor 1 (\"rfc3161\"): endpoint \"ftp://x\" is not an http:// or https:// URL",
            "anchor 1 (\"rfc3161\"): schedule \"every hour\" is not a cron expression",
            "anchor 1 (\"rfc3161\"): `bucket` is not a member of a rfc3161 anchor",
            "anchor 2 (\"ethereum\"): a ethereum anchor needs `chain_id`",
            "anchor 2 (\"ethereum\"): the environment variable ETH is not set",
            "anchor 3 (\"rfc3161\"): another anchor has this name",
            "anchor 3 (\"rfc3161\"): type \"witness\" is not one of",
            "anchor 4 (\"tlog\"): batch_size 0 is not a batch size",
            "anchor 4 (\"tlog\"): log_key is not a C2SP Ed25519 verifier key",
        ] {
            assert!(problems.iter().any(|p| p.starts_with(expected)), "{expected}\nnot in {problems:#?}");
        }
        assert_eq!(problems.len(), 9, "{problems:#?}");
    }

    #[test]
    fn a_level_no_anchor_reaches_and_a_missing_key_are_refused() {
        let text = "ledger = \"l.ndjson\"\nkey = \"missing.key\"\nproof_level = \"externally-archived\"\n";
        let problems = check(text, &[]);
        assert!(problems[0].starts_with("key: cannot read"), "{problems:?}");
        assert_eq!(
            problems[1],
            "proof_level: externally-archived needs an anchor of type s3-object-lock, and none is configured"
        );
        let unknown = Config::parse(&format!("{HEAD}anchors = []\n"), Path::new(".")).unwrap_err();
        assert!(unknown.contains("unknown field `anchors`"), "{unknown}");
        let toml_error = Config::parse("ledger = \n", Path::new(".")).unwrap_err();
        assert!(toml_error.starts_with("not a valid configuration"), "{toml_error}");
    }
}
