//! Export bundles (spec/bundles.md): a contiguous range of a ledger's lines
//! with the proof that they are lines of a checkpointed tree, verified
//! without the ledger, and the proof levels computed from what verified.
//!
//! A bundle never vouches for its own key: the verifier pins the key or its
//! fingerprint, and without a pin the report says that the bundle proves
//! only its internal consistency.

use provedex_format::checkpoint::Checkpoint;
use provedex_format::display::quote;
use provedex_format::hex::{ChainHash, Digest, PublicKeyBytes};
use provedex_format::merkle::{CompactRange, leaf_hash, line_leaf_hash, verify_consistency, verify_inclusion};
use provedex_format::seal::GENESIS_PARENT_HASH;
use provedex_format::{Finding, Reason};
use serde::{Deserialize, Serialize};

use crate::checkpoint::SignedCheckpoint;
use crate::{ChainReport, Engine, Verifier};

/// The `format` of bundles this version writes and reads.
pub const BUNDLE_FORMAT: &str = "provedex-bundle/v1";

/// The most bytes a bundle may fill: larger ranges are exported as several bundles.
pub const MAX_BUNDLE_BYTES: u64 = 1 << 30;

/// A bundle: lines of one ledger, verbatim, and what proves them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    /// The bundle format and its version: `provedex-bundle/v1`.
    pub format: String,
    /// The key that signs the checkpoint (the ledger's key current at its tree size).
    pub public_key: PublicKeyBytes,
    /// That key's fingerprint (spec/keys.md): what a verifier pins.
    pub fingerprint: String,
    /// The signed checkpoint (a C2SP signed note), verbatim.
    pub checkpoint: String,
    /// The seq of the first line.
    pub first_seq: u64,
    /// The lines, in order, each exactly as the ledger holds it, without its LF.
    pub lines: Vec<String>,
    /// What places the lines in the checkpoint's tree.
    pub proof: RangeProof,
    /// Anchor receipts: evidence kept outside the ledger's own key.
    pub receipts: Vec<Receipt>,
}

/// An anchor receipt: a JSON object with a string member `type`, read
/// strictly (no member twice at any depth); its other members are its
/// type's business.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(transparent)]
pub struct Receipt(pub serde_json::Map<String, serde_json::Value>);

impl Receipt {
    /// The receipt's type.
    pub fn kind(&self) -> &str {
        self.0.get("type").and_then(|t| t.as_str()).expect("a read receipt has a string type")
    }
}

impl<'de> Deserialize<'de> for Receipt {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let StrictValue(value) = StrictValue::deserialize(deserializer)?;
        match value {
            serde_json::Value::Object(map) if map.get("type").is_some_and(|t| t.is_string()) => Ok(Receipt(map)),
            _ => Err(serde::de::Error::custom("a receipt is an object with a string member `type`")),
        }
    }
}

/// A JSON value read with every object's members distinct.
struct StrictValue(serde_json::Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

impl<'de> serde::de::Visitor<'de> for StrictVisitor {
    type Value = serde_json::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(StrictValue(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(items.into())
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut members = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let StrictValue(value) = map.next_value()?;
            if members.insert(key.clone(), value).is_some() {
                return Err(serde::de::Error::custom(format!(
                    "a receipt has the member {} twice",
                    provedex_format::display::quote(&key)
                )));
            }
        }
        Ok(members.into())
    }
}

/// The proof that a bundle's lines are leaves `first_seq…` of the checkpoint's tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RangeProof {
    /// The self_hash of the line before the first, which the first names as
    /// its parent; null when the first line is the ledger's first.
    pub previous_self_hash: Option<ChainHash>,
    /// The compact range of the lines before that one: the roots of the
    /// perfect subtrees they fill, largest first.
    pub left: Vec<Digest>,
    /// RFC 9162 `PROOF(m, D[0:n])` from the tree that ends with the last
    /// line (m) to the checkpoint's (n).
    pub consistency: Vec<Digest>,
    /// RFC 9162 `PATH(0, D[0:n])` of the ledger's first line, whose
    /// self_hash the checkpoint's origin names; empty when the bundle starts
    /// at seq 0.
    pub genesis: Vec<Digest>,
}

/// A level of proof (spec/bundles.md, "Proof levels"), lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum ProofLevel {
    /// The lines and the checkpoint verify under the pinned key.
    Verifiable,
    /// A verified WORM receipt holds the checkpoint.
    ExternallyArchived,
    /// A transparency log's verified receipt includes the checkpoint.
    PubliclyAuditable,
    /// A verified timestamp (RFC 3161, or a chain transaction) covers the checkpoint.
    PubliclyTimestamped,
}

impl ProofLevel {
    /// Every level, lowest first.
    pub const ALL: [ProofLevel; 4] = [
        ProofLevel::Verifiable,
        ProofLevel::ExternallyArchived,
        ProofLevel::PubliclyAuditable,
        ProofLevel::PubliclyTimestamped,
    ];

    /// The level's name as the report writes it.
    pub fn name(self) -> &'static str {
        match self {
            ProofLevel::Verifiable => "verifiable",
            ProofLevel::ExternallyArchived => "externally-archived",
            ProofLevel::PubliclyAuditable => "publicly-auditable",
            ProofLevel::PubliclyTimestamped => "publicly-timestamped",
        }
    }
}

/// What a verification made of one piece of evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Checked, and it holds.
    Verified,
    /// Checked, and it does not hold: the finding says why.
    Failed,
    /// Not checked: an earlier finding stopped the verification, nothing
    /// was pinned, or this version cannot check it.
    NotChecked,
}

/// One piece of evidence and its verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    /// `key_pin`, `checkpoint`, `lines`, `tree`, or `receipt`.
    pub kind: String,
    /// The verdict.
    pub verdict: Verdict,
    /// What was checked, or why it was not, for people.
    pub detail: String,
}

/// Whether a level is reached, and why (not).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct LevelVerdict {
    /// The level.
    pub level: ProofLevel,
    /// Whether the evidence checked reaches it.
    pub reached: bool,
    /// The evidence that reaches it, or what is missing.
    pub why: String,
}

/// The verdict on a bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct BundleReport {
    /// Every check passed (under the pinned key, when one was pinned).
    pub ok: bool,
    /// Whether a key or fingerprint was pinned (and matched). Without one a
    /// bundle that verifies proves only its internal consistency.
    pub pinned: bool,
    /// The highest level reached; null when none is (a finding, or no pin).
    pub proof_level: Option<ProofLevel>,
    /// Every level, lowest first, reached or not, and why.
    pub levels: Vec<LevelVerdict>,
    /// The lines that verified.
    pub event_count: u64,
    /// The seq of the bundle's first line; null when the bundle could not be read.
    pub first_seq: Option<u64>,
    /// The checkpoint's tree size; null when it could not be read.
    pub tree_size: Option<u64>,
    /// The checkpoint's root; null when it could not be read.
    pub root: Option<Digest>,
    /// The key the bundle names; null when it could not be read.
    pub public_key: Option<PublicKeyBytes>,
    /// The reason code of the finding; null when `ok`.
    pub reason: Option<Reason>,
    /// Says what holds, or where and why it does not, for people.
    pub message: String,
    /// The seq of the failing line, for a finding about a line; else null.
    pub broken_at: Option<u64>,
    /// Each piece of evidence and its verdict, in the order checked.
    pub evidence: Vec<Evidence>,
}

/// What a verifier pins: the key that signs the checkpoint, or its fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyPin {
    /// The 32-byte public key.
    PublicKey(PublicKeyBytes),
    /// `sha256:` and 64 lowercase hex (spec/keys.md).
    Fingerprint(String),
}

/// The state of a bundle verification as evidence accumulates.
struct Verification {
    report: BundleReport,
    /// The levels verified receipts reach, with what reaches them.
    reached: Vec<(ProofLevel, String)>,
}

impl Verification {
    fn evidence(&mut self, kind: &str, verdict: Verdict, detail: impl Into<String>) {
        self.report.evidence.push(Evidence { kind: kind.to_owned(), verdict, detail: detail.into() });
    }

    /// Stops at a finding: the evidence `kind` failed.
    fn fail(mut self, kind: &str, finding: Finding) -> BundleReport {
        self.evidence(kind, Verdict::Failed, finding.message.clone());
        self.report.reason = Some(finding.reason);
        // A line's finding already says where the lines break.
        self.report.message = if finding.message.starts_with("broken at ") {
            finding.message
        } else {
            format!("broken: {}", finding.message)
        };
        self.finish_levels();
        self.report
    }

    fn finish_levels(&mut self) {
        let verifiable = self.report.ok && self.report.pinned;
        let why_not = if !self.report.ok {
            "the bundle does not verify".to_owned()
        } else if !self.report.pinned {
            "no key or fingerprint was pinned: the bundle proves only its internal consistency".to_owned()
        } else {
            String::new()
        };
        self.report.levels = ProofLevel::ALL
            .into_iter()
            .map(|level| match level {
                ProofLevel::Verifiable if verifiable => LevelVerdict {
                    level,
                    reached: true,
                    why: "the lines, their place in the tree and the checkpoint verify under the pinned key".into(),
                },
                _ if !verifiable => LevelVerdict { level, reached: false, why: why_not.clone() },
                _ => match self.reached.iter().find(|(reached, _)| *reached == level) {
                    Some((_, why)) => LevelVerdict { level, reached: true, why: why.clone() },
                    None => LevelVerdict { level, reached: false, why: missing_receipt(level).into() },
                },
            })
            .collect();
        self.report.proof_level = self.report.levels.iter().filter(|l| l.reached).map(|l| l.level).max();
    }
}

/// What a level above `verifiable` needs when no verified receipt reaches it.
fn missing_receipt(level: ProofLevel) -> &'static str {
    match level {
        ProofLevel::Verifiable => "",
        ProofLevel::ExternallyArchived => "no verified WORM (S3 Object Lock) receipt",
        ProofLevel::PubliclyAuditable => "no verified transparency-log receipt",
        ProofLevel::PubliclyTimestamped => "no verified RFC 3161 timestamp or chain transaction",
    }
}

fn malformed(why: impl Into<String>) -> Finding {
    Finding::new(Reason::BundleMalformed, why)
}

fn proof_invalid(why: impl Into<String>) -> Finding {
    Finding::new(Reason::BundleProofInvalid, why)
}

/// Verifies a bundle's bytes (spec/bundles.md, "Verification"), with the
/// key or fingerprint the verifier trusts and, optionally, a checkpoint the
/// verifier holds, obtained apart from the bundle, which must be the
/// bundle's. Every finding is in the report; nothing here fails otherwise.
pub fn verify_bundle(
    bytes: &[u8],
    pin: Option<&KeyPin>,
    held: Option<&SignedCheckpoint>,
    engine: Engine,
) -> BundleReport {
    verify_bundle_with(bytes, pin, held, engine, &ReceiptsNotChecked)
}

/// What a receipt checker made of one receipt (spec/anchors.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptOutcome {
    /// Verified, failed (a finding: the bundle does not verify), or not
    /// checked (an unknown type, no trust anchor configured, a node that
    /// could not be asked).
    pub verdict: Verdict,
    /// What was checked, or why not, for people.
    pub detail: String,
    /// The level a verified receipt reaches; none when what it shows is
    /// not enough for a level (a trust anchor the receipt carries itself).
    pub reaches: Option<ProofLevel>,
}

/// Checks a bundle's receipts against its checkpoint, verified under `key`
/// (spec/anchors.md, "Anchors and receipts").
pub trait ReceiptChecker {
    /// The outcome for one receipt, an object with a string member `type`.
    fn check(
        &self,
        receipt: &serde_json::Map<String, serde_json::Value>,
        checkpoint: &SignedCheckpoint,
        key: &PublicKeyBytes,
    ) -> ReceiptOutcome;
}

/// The checker of a verifier that checks no receipt: each is listed as not checked.
pub struct ReceiptsNotChecked;

impl ReceiptChecker for ReceiptsNotChecked {
    fn check(
        &self,
        receipt: &serde_json::Map<String, serde_json::Value>,
        _: &SignedCheckpoint,
        _: &PublicKeyBytes,
    ) -> ReceiptOutcome {
        let kind = receipt.get("type").and_then(|t| t.as_str()).unwrap_or_default();
        ReceiptOutcome {
            verdict: Verdict::NotChecked,
            detail: format!("a receipt of type {} is not checked by this verifier", quote(kind)),
            reaches: None,
        }
    }
}

/// [`verify_bundle`], with the bundle's receipts checked by `receipts`.
pub fn verify_bundle_with(
    bytes: &[u8],
    pin: Option<&KeyPin>,
    held: Option<&SignedCheckpoint>,
    engine: Engine,
    receipts: &dyn ReceiptChecker,
) -> BundleReport {
    let mut v = Verification {
        reached: Vec::new(),
        report: BundleReport {
            ok: false,
            pinned: false,
            proof_level: None,
            levels: Vec::new(),
            event_count: 0,
            first_seq: None,
            tree_size: None,
            root: None,
            public_key: None,
            reason: None,
            message: String::new(),
            broken_at: None,
            evidence: Vec::new(),
        },
    };
    let bundle = match read(bytes) {
        Ok(bundle) => bundle,
        Err(finding) => return v.fail("bundle", finding),
    };
    v.report.first_seq = Some(bundle.first_seq);
    v.report.public_key = Some(bundle.public_key);

    // The pin: the bundle's key must be the one the verifier trusts.
    let fingerprint = bundle.public_key.fingerprint();
    match pin {
        Some(KeyPin::PublicKey(key)) if *key != bundle.public_key => {
            return v.fail(
                "key_pin",
                Finding::new(
                    Reason::BundleKeyMismatch,
                    format!(
                        "the bundle is signed by {} ({fingerprint}), not by the pinned key {key}",
                        bundle.public_key
                    ),
                ),
            );
        }
        Some(KeyPin::Fingerprint(pinned)) if *pinned != fingerprint => {
            return v.fail(
                "key_pin",
                Finding::new(
                    Reason::BundleKeyMismatch,
                    format!("the bundle's key has fingerprint {fingerprint}, not the pinned {pinned}"),
                ),
            );
        }
        Some(_) => {
            v.report.pinned = true;
            v.evidence("key_pin", Verdict::Verified, format!("the bundle's key {fingerprint} is the pinned key"));
        }
        None => v.evidence(
            "key_pin",
            Verdict::NotChecked,
            format!("no key pinned: the bundle names {fingerprint} itself, which proves nothing about who signed it"),
        ),
    }

    // The checkpoint, under the bundle's key.
    let signed = match SignedCheckpoint::parse(bundle.checkpoint.as_bytes()) {
        Ok(signed) => signed,
        Err(finding) => return v.fail("checkpoint", finding),
    };
    if let Err(finding) = signed.verify_signature(&bundle.public_key) {
        return v.fail("checkpoint", finding);
    }
    let Checkpoint { size: tree_size, root, .. } = signed.checkpoint;
    v.report.tree_size = Some(tree_size);
    v.report.root = Some(root);
    v.evidence("checkpoint", Verdict::Verified, format!("signed by {fingerprint}: {tree_size} lines, root {root}"));
    if let Some(held) = held {
        if let Err(finding) = check_held(held, &signed, &bundle.public_key) {
            return v.fail("held_checkpoint", finding);
        }
        v.evidence("held_checkpoint", Verdict::Verified, "the checkpoint held apart names the same tree");
    }

    // The lines, chained from the line before them.
    let parent = bundle.proof.previous_self_hash.unwrap_or(GENESIS_PARENT_HASH);
    let mut self_hashes = Vec::with_capacity(bundle.lines.len());
    let chain = verify_lines(&bundle, parent, engine, &mut self_hashes);
    v.report.event_count = chain.event_count;
    if !chain.ok {
        v.report.broken_at = chain.broken_at;
        let reason = chain.reason.expect("a broken report has a reason");
        return v.fail("lines", Finding::new(reason, chain.message));
    }
    let last_seq = bundle.first_seq + chain.event_count - 1;
    v.evidence(
        "lines",
        Verdict::Verified,
        format!("{} lines, seq {} to {last_seq}, chained and signed", chain.event_count, bundle.first_seq),
    );

    // Their place in the checkpoint's tree.
    if let Err(finding) = check_tree(&bundle, &signed, &self_hashes) {
        return v.fail("tree", finding);
    }
    v.evidence(
        "tree",
        Verdict::Verified,
        format!("the lines are leaves {} to {last_seq} of the checkpoint's tree of {tree_size}", bundle.first_seq),
    );

    // The receipts, each against the verified checkpoint.
    let mut failed = None;
    for (i, receipt) in bundle.receipts.iter().enumerate() {
        let outcome = receipts.check(&receipt.0, &signed, &bundle.public_key);
        if outcome.verdict == Verdict::Failed && failed.is_none() {
            failed = Some(format!("receipt {} ({}): {}", i + 1, quote(receipt.kind()), outcome.detail));
        }
        if let (Verdict::Verified, Some(level)) = (outcome.verdict, outcome.reaches) {
            v.reached.push((level, format!("receipt {} ({}): {}", i + 1, receipt.kind(), outcome.detail)));
        }
        v.evidence("receipt", outcome.verdict, outcome.detail);
    }
    if let Some(why) = failed {
        v.report.message = format!("broken: {why}");
        v.report.reason = Some(Reason::ReceiptInvalid);
        v.finish_levels();
        return v.report;
    }
    v.report.ok = true;
    v.finish_levels();
    let lines = format!("{} lines (seq {} to {last_seq}) of the ledger", chain.event_count, bundle.first_seq);
    v.report.message = match v.report.proof_level {
        Some(level) => format!("valid: {lines}, proof level {}", level.name()),
        None => format!(
            "consistent, but unpinned: {lines} hold together under the key the bundle names ({fingerprint}); \
             pin the key you trust (--pubkey or --fingerprint) to know who signed them"
        ),
    };
    v.report
}

/// A checkpoint held apart from the bundle: signed by the bundle's key, of
/// the same ledger, and of the very tree the bundle proves its lines against.
fn check_held(held: &SignedCheckpoint, signed: &SignedCheckpoint, key: &PublicKeyBytes) -> Result<(), Finding> {
    held.verify_signature(key)?;
    let (ours, theirs) = (&held.checkpoint, &signed.checkpoint);
    if held.origin.genesis_self_hash != signed.origin.genesis_self_hash {
        return Err(Finding::new(
            Reason::CheckpointForeign,
            format!(
                "the checkpoint held apart names the ledger whose first self_hash is {}, the bundle's {}",
                held.origin.genesis_self_hash, signed.origin.genesis_self_hash
            ),
        ));
    }
    if ours.size != theirs.size {
        return Err(proof_invalid(format!(
            "the bundle proves its lines against the tree of {} lines, not the tree of {} lines of the \
             checkpoint held apart (a bundle for it is exported with `provedex export --checkpoint`)",
            theirs.size, ours.size
        )));
    }
    if ours.root != theirs.root {
        return Err(Finding::new(
            Reason::CheckpointRootMismatch,
            format!(
                "the checkpoint held apart says the tree of {} lines has root {}, the bundle's says {}: \
                 one of them vouches for replaced lines",
                ours.size, ours.root, theirs.root
            ),
        ));
    }
    Ok(())
}

/// Reads the bundle's JSON, strictly: the current format, the members of
/// spec/bundles.md and no others, at least one line, none holding an LF,
/// and a fingerprint that is the key's.
fn read(bytes: &[u8]) -> Result<Bundle, Finding> {
    if bytes.len() as u64 > MAX_BUNDLE_BYTES {
        return Err(malformed(format!("a bundle fills at most {MAX_BUNDLE_BYTES} bytes, this one {}", bytes.len())));
    }
    let bundle: Bundle =
        serde_json::from_slice(bytes).map_err(|e| malformed(format!("the bundle is not a bundle document: {e}")))?;
    if bundle.format != BUNDLE_FORMAT {
        return Err(malformed(format!(
            "the bundle's format is {}, not {BUNDLE_FORMAT}",
            provedex_format::display::quote(&bundle.format)
        )));
    }
    if bundle.lines.is_empty() {
        return Err(malformed("the bundle holds no line"));
    }
    if let Some(i) = bundle.lines.iter().position(|line| line.contains('\n')) {
        return Err(malformed(format!("line {} of the bundle holds an LF: a line is one ledger line", i + 1)));
    }
    if bundle.fingerprint != bundle.public_key.fingerprint() {
        return Err(malformed(format!(
            "the bundle's fingerprint {} is not its key's ({})",
            provedex_format::display::quote(&bundle.fingerprint),
            bundle.public_key.fingerprint()
        )));
    }
    if (bundle.first_seq == 0) != bundle.proof.previous_self_hash.is_none() {
        return Err(malformed("previous_self_hash is null exactly when the first line has seq 0"));
    }
    Ok(bundle)
}

/// The chain rules over the lines, from `first_seq` and `parent`, keeping each good line's self_hash.
fn verify_lines(bundle: &Bundle, parent: ChainHash, engine: Engine, self_hashes: &mut Vec<ChainHash>) -> ChainReport {
    let mut bytes = Vec::with_capacity(bundle.lines.iter().map(|line| line.len() + 1).sum());
    for line in &bundle.lines {
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
    }
    Verifier::new()
        .continuing(bundle.first_seq, parent)
        .engine(engine)
        .on_event(|event, _| self_hashes.push(event.self_hash))
        .reader(&bytes[..])
        .expect("reading memory does not fail")
}

/// The lines are leaves `first_seq…` of the checkpoint's tree, and the
/// origin's first line is its leaf 0.
fn check_tree(bundle: &Bundle, signed: &SignedCheckpoint, self_hashes: &[ChainHash]) -> Result<(), Finding> {
    let (tree_size, root) = (signed.checkpoint.size, signed.checkpoint.root);
    let end = bundle.first_seq + self_hashes.len() as u64;
    if end > tree_size {
        return Err(proof_invalid(format!(
            "the lines run to seq {}, beyond the checkpoint's tree of {tree_size} lines",
            end - 1
        )));
    }
    let mut range = match bundle.proof.previous_self_hash {
        None => CompactRange::new(),
        Some(previous) => {
            let before = bundle.first_seq - 1;
            let mut range = CompactRange::from_peaks(before, bundle.proof.left.clone()).ok_or_else(|| {
                proof_invalid(format!(
                    "left holds {} hashes, but the {before} lines before the previous one fill {} perfect subtrees",
                    bundle.proof.left.len(),
                    before.count_ones()
                ))
            })?;
            range.push(line_leaf_hash(&previous));
            range
        }
    };
    if bundle.proof.previous_self_hash.is_none() && !bundle.proof.left.is_empty() {
        return Err(proof_invalid("left is empty when the bundle starts at seq 0"));
    }
    self_hashes.iter().for_each(|hash| range.push(line_leaf_hash(hash)));
    verify_consistency(end, tree_size, &bundle.proof.consistency, &range.root(), &root)
        .map_err(|e| proof_invalid(format!("the lines and the proof do not lead to the checkpoint's root: {e}")))?;
    let genesis = signed.origin.genesis_self_hash;
    if bundle.first_seq == 0 {
        if self_hashes[0] != genesis || !bundle.proof.genesis.is_empty() {
            return Err(Finding::new(
                Reason::CheckpointForeign,
                format!("the checkpoint names the ledger whose first self_hash is {genesis}, not {}", self_hashes[0]),
            ));
        }
    } else {
        verify_inclusion(0, tree_size, &leaf_hash(&genesis.0), &bundle.proof.genesis, &root).map_err(|e| {
            Finding::new(
                Reason::CheckpointForeign,
                format!("the checkpoint's origin names a first line ({genesis}) that is not leaf 0 of its tree: {e}"),
            )
        })?;
    }
    Ok(())
}
