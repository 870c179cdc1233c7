//! The vector file layout of spec/conformance.md.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// The version of this file layout.
pub const VECTOR_FORMAT: u32 = 1;
/// The version of the spec the vectors test.
pub const SPEC_VERSION: &str = "1";
/// What wrote the files.
pub const GENERATOR: &str = "provedex-conformance generate";

/// One file of `vectors/`: every test exercises the same protocol operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VectorFile {
    /// The version of the file layout ([`VECTOR_FORMAT`]).
    pub vector_format: u32,
    /// The version of the spec the tests hold implementations to.
    pub spec_version: String,
    /// What wrote the file.
    pub generator: String,
    /// The protocol operation every test of the file exercises.
    pub operation: String,
    /// What the file covers, for people.
    pub description: String,
    /// How many tests the groups hold.
    pub number_of_tests: usize,
    /// Each flag a test may carry, with its meaning.
    pub notes: BTreeMap<String, String>,
    /// The tests, in groups.
    pub test_groups: Vec<TestGroup>,
}

/// Tests of one theme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestGroup {
    /// The group's name, part of its tests' ids.
    pub name: String,
    /// What the group covers, for people.
    pub comment: String,
    /// Its tests.
    pub tests: Vec<TestCase>,
}

/// One test: a request's arguments and the result a conforming implementation returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestCase {
    /// The stable id: file stem, group name and test name, separated by `/`.
    pub id: String,
    /// What the test checks, for people.
    pub comment: String,
    /// Flags declared in the file's `notes`.
    pub flags: Vec<String>,
    /// The request's arguments (everything but `id` and `op`).
    pub input: serde_json::Map<String, Json>,
    /// Whether the input is acceptable.
    pub result: Verdict,
    /// The result a conforming implementation returns.
    pub expected: serde_json::Map<String, Json>,
}

/// Whether a test's input is acceptable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The operation accepts the input.
    Valid,
    /// The operation refuses the input, with a reason or an error code.
    Invalid,
}

impl VectorFile {
    /// Every test, group after group.
    pub fn tests(&self) -> impl Iterator<Item = &TestCase> {
        self.test_groups.iter().flat_map(|g| g.tests.iter())
    }
}

/// Collects the groups of one file while the generator builds it.
pub struct FileBuilder {
    /// File stem, which prefixes every test id.
    pub name: &'static str,
    operation: &'static str,
    description: &'static str,
    notes: BTreeMap<String, String>,
    groups: Vec<TestGroup>,
}

impl FileBuilder {
    /// A file named `name` of tests of `operation`.
    pub fn new(name: &'static str, operation: &'static str, description: &'static str) -> Self {
        FileBuilder { name, operation, description, notes: BTreeMap::new(), groups: Vec::new() }
    }

    /// Declares a flag and its meaning; tests may only use declared flags.
    pub fn note(&mut self, flag: &str, meaning: &str) {
        self.notes.insert(flag.to_owned(), meaning.to_owned());
    }

    /// Opens a new group; its tests are added through the returned builder.
    pub fn group(&mut self, name: &str, comment: &str) -> GroupBuilder<'_> {
        self.groups.push(TestGroup { name: name.to_owned(), comment: comment.to_owned(), tests: Vec::new() });
        GroupBuilder { file: self }
    }

    /// The file, after checking that ids are unique and flags declared.
    pub fn finish(self) -> VectorFile {
        let mut seen = std::collections::BTreeSet::new();
        for test in self.groups.iter().flat_map(|g| &g.tests) {
            assert!(seen.insert(test.id.clone()), "duplicate test id {}", test.id);
            for flag in &test.flags {
                assert!(self.notes.contains_key(flag), "{}: flag {flag} has no note", test.id);
            }
        }
        VectorFile {
            vector_format: VECTOR_FORMAT,
            spec_version: SPEC_VERSION.to_owned(),
            generator: GENERATOR.to_owned(),
            operation: self.operation.to_owned(),
            description: self.description.to_owned(),
            number_of_tests: seen.len(),
            notes: self.notes,
            test_groups: self.groups,
        }
    }
}

/// Adds tests to the group a [`FileBuilder`] opened last.
pub struct GroupBuilder<'a> {
    file: &'a mut FileBuilder,
}

impl GroupBuilder<'_> {
    /// Adds a test; `name` is unique within the group and becomes part of the stable id.
    pub fn test(&mut self, name: &str, comment: &str, flags: &[&str], input: Json, result: Verdict, expected: Json) {
        let group = self.file.groups.last_mut().expect("a group was opened");
        let id = format!("{}/{}/{}", self.file.name, group.name, name);
        let (Json::Object(input), Json::Object(expected)) = (input, expected) else {
            panic!("{id}: input and expected must be JSON objects");
        };
        group.tests.push(TestCase {
            id,
            comment: comment.to_owned(),
            flags: flags.iter().map(|f| (*f).to_owned()).collect(),
            input,
            result,
            expected,
        });
    }
}

/// Lowercase hex of bytes, as vectors write binary data.
pub fn hex(bytes: impl AsRef<[u8]>) -> String {
    provedex_core::hex::encode(bytes.as_ref())
}

/// Decodes lowercase hex of any even length.
pub fn unhex(text: &str) -> Result<Vec<u8>, String> {
    if !text.len().is_multiple_of(2) {
        return Err(format!("odd-length hex ({} characters)", text.len()));
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).map_err(|_| format!("invalid hex at position {i}")))
        .collect()
}
