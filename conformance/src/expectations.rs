//! Known deviations (spec/conformance.md, Expectations): an implementation
//! ships a file naming the tests it is known not to pass, with why, and a
//! run given it (`run --expectations FILE`) reports what changed against
//! it: regressions, known failures still failing, and fixed ones, instead
//! of the same known failures every run.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use provedex_core::canonical;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::runner::{OutcomeKind, RunReport};
use crate::vector::VectorFile;

/// Where the schema of an expectations file lives, from the repository's root.
pub const SCHEMA_PATH: &str = "spec/expectations.schema.json";

/// An expectations file: the tests an implementation is known not to pass.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expectations {
    /// Each test the implementation is known not to pass, by test id; every
    /// other test is expected to pass (or to be skipped).
    pub tests: BTreeMap<String, Expectation>,
}

/// What a listed test is expected to do, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    /// The outcome the test is expected to have.
    pub outcome: ExpectedOutcome,
    /// Why, for people: the known deviation and where it is tracked.
    #[schemars(length(min = 1))]
    pub why: String,
}

/// The outcome a listed test is expected to have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExpectedOutcome {
    /// The adapter gives another result than the vector's.
    Failed,
    /// The adapter cannot run the test (it reports an error, crashes or hangs).
    Errored,
}

impl From<ExpectedOutcome> for OutcomeKind {
    fn from(outcome: ExpectedOutcome) -> Self {
        match outcome {
            ExpectedOutcome::Failed => OutcomeKind::Failed,
            ExpectedOutcome::Errored => OutcomeKind::Errored,
        }
    }
}

impl Expectations {
    /// Reads an expectations file, refusing a file that is not one, a test
    /// id listed twice (read with the canonical parser, which refuses
    /// duplicate keys), an empty `why`, and an id that no test of `vectors` has.
    pub fn load(path: &Path, vectors: &[(String, VectorFile)]) -> Result<Expectations, String> {
        let shown = path.display();
        let bytes = std::fs::read(path).map_err(|e| format!("cannot read the expectations file {shown}: {e}"))?;
        canonical::parse(&bytes).map_err(|e| format!("{shown}: not an expectations file: {e}"))?;
        let file: Expectations =
            serde_json::from_slice(&bytes).map_err(|e| format!("{shown}: not an expectations file: {e}"))?;
        if let Some((id, _)) = file.tests.iter().find(|(_, e)| e.why.trim().is_empty()) {
            return Err(format!("{shown}: the expectation of {id} does not say why"));
        }
        let known: BTreeSet<&str> = vectors.iter().flat_map(|(_, f)| f.tests().map(|t| t.id.as_str())).collect();
        let unknown: Vec<&str> = file.tests.keys().map(String::as_str).filter(|id| !known.contains(id)).collect();
        if !unknown.is_empty() {
            return Err(format!(
                "{shown}: {} test id(s) that no vector file has (renamed or removed tests?): {}",
                unknown.len(),
                unknown.join(", ")
            ));
        }
        Ok(file)
    }

    /// How the outcomes of `report` compare with these expectations. Tests
    /// the run did not send (filtered out) or the adapter skipped are in
    /// none of the lists.
    pub fn compare(&self, report: &RunReport) -> ExpectationsReport {
        let mut compared = ExpectationsReport::default();
        for (id, &actual) in &report.outcomes {
            let expectation = self.tests.get(id);
            let expected = expectation.map_or(OutcomeKind::Passed, |e| e.outcome.into());
            let deviation = || Deviation { id: id.clone(), expected, actual, why: expectation.map(|e| e.why.clone()) };
            match (expected, actual) {
                (_, OutcomeKind::Skipped) => {}
                (expected, actual) if expected == actual => {
                    if expectation.is_some() {
                        compared.known_failures.push(deviation());
                    }
                }
                (_, OutcomeKind::Passed) => compared.fixed.push(deviation()),
                _ => compared.regressions.push(deviation()),
            }
        }
        compared
    }
}

/// What a run found against an expectations file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
pub struct ExpectationsReport {
    /// Tests whose outcome is worse than expected: expected to pass and
    /// failed or errored, or listed as one of these and now the other. The
    /// run's exit code depends on these only.
    pub regressions: Vec<Deviation>,
    /// Listed tests that ended as the file expects.
    pub known_failures: Vec<Deviation>,
    /// Listed tests that now pass: remove them from the file.
    pub fixed: Vec<Deviation>,
}

/// A test whose outcome the expectations file speaks of, or should.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Deviation {
    /// The test's id.
    pub id: String,
    /// The outcome the file expects (`passed` for a test it does not list).
    pub expected: OutcomeKind,
    /// The outcome the run had.
    pub actual: OutcomeKind,
    /// The file's `why`; null for a test it does not list.
    pub why: Option<String>,
}
