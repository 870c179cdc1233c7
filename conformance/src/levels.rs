//! Conformance levels (spec/conformance.md, Conformance levels): how a
//! test's result is compared with the expected one, and at which level each
//! difference counts. An implementation that reaches every verdict but names
//! a reason differently, or writes a line with other spacing, is told apart
//! from one that gets verdicts wrong, instead of failing wholesale.

use provedex_core::SignedEvent;
use provedex_core::display::quote;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};

use crate::protocol::Operation;
use crate::runner::FileTally;
use crate::vector::TestCase;

/// A conformance level. The order is the order in which an implementation
/// climbs them: it reaches a level when it meets that level and every one
/// before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// The verdict of every test outside the strictness profile: `valid`,
    /// or `ok` of a verification report.
    VerdictCompatible,
    /// The exact bytes of every output: canonical JSON, self_hash, the
    /// signed line (ledger-format.md: other writers produce the same lines).
    ByteCompatible,
    /// Every member of the expected result but `message` (reasons, error
    /// codes, positions, roots, signers), outside the strictness profile.
    ReasonExact,
    /// The tests of the strictness profile ([`STRICT_FLAGS`]), every
    /// comparison of the levels before.
    Strict,
}

impl Level {
    /// Every level, in order.
    pub const ALL: [Level; 4] = [Self::VerdictCompatible, Self::ByteCompatible, Self::ReasonExact, Self::Strict];

    /// The level's name, as reports and the spec write it.
    pub fn name(self) -> &'static str {
        match self {
            Self::VerdictCompatible => "verdict-compatible",
            Self::ByteCompatible => "byte-compatible",
            Self::ReasonExact => "reason-exact",
            Self::Strict => "strict",
        }
    }

    /// Whether a difference that bears on `aspect` fails this level.
    fn counts(self, aspect: Aspect) -> bool {
        match self {
            Self::VerdictCompatible => aspect == Aspect::Verdict,
            Self::ByteCompatible => aspect == Aspect::Bytes,
            Self::ReasonExact => aspect == Aspect::Value,
            Self::Strict => true,
        }
    }
}

/// The flags that put a test in the strictness profile: inputs a lax
/// implementation accepts and the strict profile refuses (`Strict` in
/// ledgers.json, `LaxAccepts` in ed25519.json). Such a test is judged at
/// [`Level::Strict`] only, so that a lax implementation can still reach
/// the levels before it.
pub const STRICT_FLAGS: [&str; 2] = ["Strict", "LaxAccepts"];

/// The member no level compares: its wording is free (spec/verification.md, Report).
pub const UNCOMPARED_MEMBER: &str = "message";

/// The member of a result that holds its verdict.
fn verdict_member(operation: Operation) -> &'static str {
    match operation {
        Operation::VerifyLedger | Operation::VerifyBundle => "ok",
        _ => "valid",
    }
}

/// The member of a result that holds the bytes the operation writes, if it writes any.
fn byte_member(operation: Operation) -> Option<&'static str> {
    match operation {
        Operation::Canonicalize => Some("output_hex"),
        Operation::SelfHash => Some("self_hash"),
        Operation::Sign => Some("line"),
        Operation::ToolsetHash => Some("toolset_sha256"),
        // Ed25519 signatures are deterministic: a data signature is the bytes the operation writes.
        Operation::SignData => Some("signature_hex"),
        // A root is a hash, its bytes its value, as a self_hash is.
        Operation::TreeRoot => Some("root_hex"),
        // Ed25519 signatures are deterministic: a signed checkpoint is the bytes the reference writer writes.
        Operation::SignCheckpoint => Some("checkpoint_hex"),
        Operation::VerifyEvent
        | Operation::VerifyLedger
        | Operation::VerifyData
        | Operation::VerifyInclusion
        | Operation::VerifyConsistency
        | Operation::VerifyCheckpoint
        | Operation::VerifyBundle => None,
    }
}

/// What a difference between a result and the expected one bears on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Aspect {
    /// The verdict.
    Verdict,
    /// The bytes an operation writes.
    Bytes,
    /// The value of a member (a line is compared as the value it reads as).
    Value,
}

/// A difference between a result and the expected one.
struct Difference {
    aspects: &'static [Aspect],
    message: String,
}

/// The levels that judge `test` of `operation`: [`Level::Strict`] alone for
/// a test of the strictness profile; otherwise verdict-compatible and
/// reason-exact, and byte-compatible when the expected result holds bytes.
pub fn judging(operation: Operation, test: &TestCase) -> Vec<Level> {
    if test.flags.iter().any(|flag| STRICT_FLAGS.contains(&flag.as_str())) {
        return vec![Level::Strict];
    }
    let holds = |member: Option<&str>| member.is_some_and(|m| test.expected.contains_key(m));
    Level::ALL
        .into_iter()
        .filter(|level| match level {
            Level::VerdictCompatible => holds(Some(verdict_member(operation))),
            Level::ByteCompatible => holds(byte_member(operation)),
            Level::ReasonExact => true,
            Level::Strict => false,
        })
        .collect()
}

/// How a result compares with the one a test expects.
pub struct Judgement {
    differences: Vec<Difference>,
}

impl Judgement {
    /// Whether the result is the expected one in every compared member.
    pub fn passed(&self) -> bool {
        self.differences.is_empty()
    }

    /// Whether a difference fails `level`.
    pub fn fails(&self, level: Level) -> bool {
        self.differences.iter().any(|d| d.aspects.iter().any(|&aspect| level.counts(aspect)))
    }

    /// Every difference, for people.
    pub fn why(&self) -> String {
        self.differences.iter().map(|d| d.message.as_str()).collect::<Vec<_>>().join("; ")
    }
}

/// Compares `actual` with the result `test` expects, member by member: every
/// member of the expected result but [`UNCOMPARED_MEMBER`] must be in
/// `actual` with the same value; members `actual` has besides are not
/// compared. A `sign` line is compared twice: as bytes, and as the value it
/// reads as.
pub fn judge(operation: Operation, test: &TestCase, actual: &Map<String, Json>) -> Judgement {
    let mut differences = Vec::new();
    for (member, want) in test.expected.iter().filter(|(member, _)| *member != UNCOMPARED_MEMBER) {
        let got = actual.get(member);
        if operation == Operation::Sign && member == "line" {
            differences.extend(line_difference(want, got));
            continue;
        }
        let aspects: &'static [Aspect] = if member == verdict_member(operation) {
            &[Aspect::Verdict, Aspect::Value]
        } else if Some(member.as_str()) == byte_member(operation) {
            &[Aspect::Bytes, Aspect::Value]
        } else {
            &[Aspect::Value]
        };
        let message = match got {
            Some(got) if got == want => continue,
            Some(got) => format!("{member} is {got}, expected {want}"),
            None => format!("{member} is missing"),
        };
        differences.push(Difference { aspects, message });
    }
    Judgement { differences }
}

/// How a returned ledger line differs from the vector's: in bytes only
/// (it reads as the same line), or in what it says too.
fn line_difference(want: &Json, got: Option<&Json>) -> Option<Difference> {
    let both = |message: String| Some(Difference { aspects: &[Aspect::Bytes, Aspect::Value], message });
    let Some(want) = want.as_str() else { return both(format!("the vector's line is {want}, not a string")) };
    let got = match got {
        None => return both("line is missing".into()),
        Some(Json::String(got)) if got == want => return None,
        Some(Json::String(got)) => got,
        Some(other) => return both(format!("line is {other}, expected a string")),
    };
    let want_event = match SignedEvent::from_line(want.as_bytes()) {
        Ok(event) => event,
        Err(f) => return both(format!("the vector's line is not valid: {f}")),
    };
    match SignedEvent::from_line(got.as_bytes()) {
        Err(f) => both(format!("the returned line is not valid: {f}")),
        Ok(got_event) if got_event != want_event => both(sign_difference(&want_event, &got_event)),
        Ok(_) => Some(Difference {
            aspects: &[Aspect::Bytes],
            message: format!(
                "the line reads as the expected one but is not the same bytes: {}",
                first_difference(got, want)
            ),
        }),
    }
}

/// Where two texts first differ, with a little of each from just before there.
fn first_difference(got: &str, want: &str) -> String {
    let at = got.bytes().zip(want.bytes()).position(|(a, b)| a != b).unwrap_or(got.len().min(want.len()));
    // The bytes before `at` are the same in both, so a character boundary
    // of one before it is one of the other.
    let mut from = at.saturating_sub(16);
    while !got.is_char_boundary(from) {
        from -= 1;
    }
    format!("from byte {from}, {} where the vector has {}", quote(&got[from..]), quote(&want[from..]))
}

/// Every member in which two lines differ.
fn sign_difference(want: &SignedEvent, got: &SignedEvent) -> String {
    let members = |e: &SignedEvent| serde_json::from_str::<Map<String, Json>>(&e.to_json()).unwrap_or_default();
    let (want_members, got_members) = (members(want), members(got));
    let shown = |value: Option<&Json>| match value {
        Some(Json::String(text)) => quote(text),
        Some(Json::Number(n)) => n.to_string(),
        Some(other) => quote(&other.to_string()),
        None => "absent".into(),
    };
    let differences: Vec<String> = want_members
        .iter()
        .filter(|(name, value)| got_members.get(*name) != Some(*value))
        .map(|(name, value)| format!("{name} is {}, expected {}", shown(got_members.get(name)), shown(Some(value))))
        .collect();
    if differences.is_empty() { "the lines differ".into() } else { differences.join("; ") }
}

/// Whether an implementation meets a level over the tests a run sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum LevelStatus {
    /// Every test the level judges that ran passed it, and at least one did.
    Met,
    /// A test the level judges failed it or errored.
    NotMet,
    /// No test the level judges ran (none was selected, or the adapter
    /// skipped them all): the run says nothing about the level.
    NotJudged,
}

impl LevelStatus {
    /// The status as reports for people write it.
    pub fn text(self) -> &'static str {
        match self {
            Self::Met => "met",
            Self::NotMet => "not met",
            Self::NotJudged => "not judged",
        }
    }
}

/// One level's result: the tests it judges, per vector file and in all.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct LevelReport {
    /// The level.
    pub level: Level,
    /// Whether the implementation meets it.
    pub status: LevelStatus,
    /// The tally of the tests it judges in each vector file (all zero when it judges none there).
    pub files: Vec<FileTally>,
    /// The tally of the tests it judges in all files.
    pub total: FileTally,
}

impl LevelReport {
    /// The report of `level` from its tallies.
    pub fn new(level: Level, files: Vec<FileTally>, total: FileTally) -> Self {
        let status = if total.failed + total.errored > 0 {
            LevelStatus::NotMet
        } else if total.passed == 0 {
            LevelStatus::NotJudged
        } else {
            LevelStatus::Met
        };
        LevelReport { level, status, files, total }
    }
}

/// The highest level reached: the last of an unbroken run of met levels from the first.
pub fn highest(levels: &[LevelReport]) -> Option<Level> {
    levels.iter().take_while(|l| l.status == LevelStatus::Met).last().map(|l| l.level)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::vector::Verdict;

    fn test(flags: &[&str], expected: Json) -> TestCase {
        TestCase {
            id: "t".into(),
            comment: String::new(),
            flags: flags.iter().map(|f| (*f).to_owned()).collect(),
            input: Map::new(),
            pins: Vec::new(),
            generated_input: Default::default(),
            result: Verdict::Invalid,
            expected: expected.as_object().unwrap().clone(),
        }
    }

    fn failed_levels(operation: Operation, test: &TestCase, actual: Json) -> Vec<Level> {
        let judgement = judge(operation, test, actual.as_object().unwrap());
        judging(operation, test).into_iter().filter(|&level| judgement.fails(level)).collect()
    }

    #[test]
    fn each_difference_fails_the_levels_it_bears_on() {
        use Level::*;
        let refused = test(&[], json!({"valid": false, "reason": "bad_signature"}));
        assert_eq!(judging(Operation::VerifyEvent, &refused), [VerdictCompatible, ReasonExact]);
        let wrong_reason = json!({"valid": false, "reason": "hash_mismatch"});
        assert_eq!(failed_levels(Operation::VerifyEvent, &refused, wrong_reason), [ReasonExact]);
        let accepted = json!({"valid": true, "reason": null});
        assert_eq!(failed_levels(Operation::VerifyEvent, &refused, accepted), [VerdictCompatible, ReasonExact]);

        let canonical = test(&[], json!({"valid": true, "output_hex": "7b7d"}));
        assert_eq!(judging(Operation::Canonicalize, &canonical), [VerdictCompatible, ByteCompatible, ReasonExact]);
        let other_bytes = json!({"valid": true, "output_hex": "7b207d"});
        assert_eq!(failed_levels(Operation::Canonicalize, &canonical, other_bytes), [ByteCompatible, ReasonExact]);

        let report = test(&[], json!({"ok": false, "line": 2, "signers": []}));
        let missing = json!({"ok": false, "line": 2, "message": "whatever"});
        assert_eq!(failed_levels(Operation::VerifyLedger, &report, missing), [ReasonExact]);

        let strict = test(&["Strict"], json!({"ok": false, "reason": "duplicate_key"}));
        assert_eq!(judging(Operation::VerifyLedger, &strict), [Strict]);
        assert_eq!(failed_levels(Operation::VerifyLedger, &strict, json!({"ok": false, "reason": "x"})), [Strict]);
    }

    #[test]
    fn the_operations_of_version_1_1_take_their_levels_by_the_same_rules() {
        use Level::*;
        let hashed = test(&[], json!({"valid": true, "tools": [], "toolset_sha256": "4f53"}));
        assert_eq!(judging(Operation::ToolsetHash, &hashed), [VerdictCompatible, ByteCompatible, ReasonExact]);
        let other_hash = json!({"valid": true, "tools": [], "toolset_sha256": "0000"});
        assert_eq!(failed_levels(Operation::ToolsetHash, &hashed, other_hash), [ByteCompatible, ReasonExact]);
        let other_tools = json!({"valid": true, "tools": [{"name": "a", "sha256": "00"}], "toolset_sha256": "4f53"});
        assert_eq!(failed_levels(Operation::ToolsetHash, &hashed, other_tools), [ReasonExact]);

        // A data signature has no verdict: its bytes are what it is judged by.
        let signed = test(&[], json!({"signature_hex": "ab"}));
        assert_eq!(judging(Operation::SignData, &signed), [ByteCompatible, ReasonExact]);
        let other = json!({"signature_hex": "cd"});
        assert_eq!(failed_levels(Operation::SignData, &signed, other), [ByteCompatible, ReasonExact]);

        let refused = test(&[], json!({"valid": false}));
        assert_eq!(judging(Operation::VerifyData, &refused), [VerdictCompatible, ReasonExact]);
        let lax = test(&["LaxAccepts"], json!({"valid": false}));
        assert_eq!(failed_levels(Operation::VerifyData, &lax, json!({"valid": true})), [Strict]);
    }

    #[test]
    fn the_transparency_operations_take_their_levels_by_the_same_rules() {
        use Level::*;
        // A root and a signed checkpoint have no verdict: their bytes are what they are judged by.
        let root = test(&[], json!({"root_hex": "aa"}));
        assert_eq!(judging(Operation::TreeRoot, &root), [ByteCompatible, ReasonExact]);
        assert_eq!(failed_levels(Operation::TreeRoot, &root, json!({"root_hex": "bb"})), [ByteCompatible, ReasonExact]);
        let note = test(&[], json!({"checkpoint_hex": "0a"}));
        assert_eq!(judging(Operation::SignCheckpoint, &note), [ByteCompatible, ReasonExact]);
        assert_eq!(failed_levels(Operation::SignCheckpoint, &note, json!({})), [ByteCompatible, ReasonExact]);

        for op in [Operation::VerifyInclusion, Operation::VerifyConsistency] {
            let proof = test(&[], json!({"valid": false}));
            assert_eq!(judging(op, &proof), [VerdictCompatible, ReasonExact]);
            assert_eq!(failed_levels(op, &proof, json!({"valid": true})), [VerdictCompatible, ReasonExact]);
        }

        let refused = test(&[], json!({"valid": false, "reason": "checkpoint_foreign"}));
        assert_eq!(judging(Operation::VerifyCheckpoint, &refused), [VerdictCompatible, ReasonExact]);
        let other_reason = json!({"valid": false, "reason": "checkpoint_signature_invalid"});
        assert_eq!(failed_levels(Operation::VerifyCheckpoint, &refused, other_reason), [ReasonExact]);
        let read = test(&[], json!({"valid": true, "reason": null, "tree_size": 5, "root_hex": "aa"}));
        let other_size = json!({"valid": true, "reason": null, "tree_size": 6, "root_hex": "aa"});
        assert_eq!(failed_levels(Operation::VerifyCheckpoint, &read, other_size), [ReasonExact]);
        let lax = test(&["LaxAccepts"], json!({"valid": false, "reason": "checkpoint_signature_invalid"}));
        let accepted = json!({"valid": true, "reason": null, "tree_size": 7, "root_hex": "aa"});
        assert_eq!(failed_levels(Operation::VerifyCheckpoint, &lax, accepted), [Strict]);
    }

    #[test]
    fn message_is_never_compared_and_extra_members_are_free() {
        let expected = test(&[], json!({"ok": true, "message": "valid: 1 event"}));
        let actual = json!({"ok": true, "message": "all good", "extra": 1});
        assert!(judge(Operation::VerifyLedger, &expected, actual.as_object().unwrap()).passed());
    }

    #[test]
    fn the_first_difference_is_shown_from_a_character_boundary() {
        // Six ellipses of 3 bytes from byte 6: the difference is at byte 30, and
        // 16 bytes before it falls inside the ellipsis of bytes 12 to 14.
        let shown = first_difference("{\"t\":\"………………\",\"b\": 1}", "{\"t\":\"………………\",\"b\":1}");
        assert_eq!(shown, "from byte 12, \"…………\",\"b\": 1}\" where the vector has \"…………\",\"b\":1}\"");
    }

    #[test]
    fn the_highest_level_is_the_last_of_an_unbroken_run() {
        let with = |statuses: [LevelStatus; 4]| {
            let levels: Vec<LevelReport> = Level::ALL
                .into_iter()
                .zip(statuses)
                .map(|(level, status)| LevelReport { level, status, files: Vec::new(), total: FileTally::default() })
                .collect();
            highest(&levels)
        };
        use LevelStatus::*;
        assert_eq!(with([Met, Met, Met, Met]), Some(Level::Strict));
        assert_eq!(with([Met, NotMet, Met, Met]), Some(Level::VerdictCompatible));
        assert_eq!(with([Met, NotJudged, Met, Met]), Some(Level::VerdictCompatible));
        assert_eq!(with([NotMet, Met, Met, Met]), None);
    }
}
