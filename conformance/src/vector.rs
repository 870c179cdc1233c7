//! The vector file layout of spec/conformance.md.

use std::borrow::Cow;
use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// The version of this file layout.
pub const VECTOR_FORMAT: u32 = 1;
/// The version of the spec the v1 vector files test.
pub const SPEC_VERSION: &str = "1";
/// The version of the spec the files of the 1.1 additions test: a v1
/// implementation runs the others and leaves these out.
pub const SPEC_VERSION_1_1: &str = "1.1";
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
    /// The ids of the spec's requirements the test pins (spec/conformance.md, Traceability).
    pub pins: Vec<String>,
    /// The request's arguments (everything but `id` and `op`), but for those in `generated_input`.
    pub input: serde_json::Map<String, Json>,
    /// Request arguments too large to store (a line past 16 MiB), each
    /// described by how to build it: the runner builds them and adds them
    /// to `input` before it sends the request.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub generated_input: BTreeMap<String, Generated>,
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

/// A string argument built when the request is sent: `prefix`, then
/// `repeat` written `count` times, then `suffix`. A line of 16 MiB and one
/// byte is then a few hundred bytes in a vector file instead of 32 MiB of
/// hex. For a hex argument each part is the hex of whole bytes, so the
/// text built is the hex of the bytes built the same way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Generated {
    /// The text before the repeated part.
    pub prefix: String,
    /// The text written `count` times.
    pub repeat: String,
    /// How many times `repeat` is written.
    pub count: u64,
    /// The text after the repeated part.
    pub suffix: String,
}

impl Generated {
    /// The argument's text.
    pub fn expand(&self) -> String {
        let count = usize::try_from(self.count).expect("a generated argument fits in memory");
        [self.prefix.as_str(), &self.repeat.repeat(count), &self.suffix].concat()
    }
}

impl TestCase {
    /// The request's arguments: `input`, with the arguments of
    /// `generated_input` built and added (what the runner sends).
    pub fn request_input(&self) -> Cow<'_, serde_json::Map<String, Json>> {
        if self.generated_input.is_empty() {
            return Cow::Borrowed(&self.input);
        }
        let mut input = self.input.clone();
        input.extend(
            self.generated_input.iter().map(|(name, generated)| (name.clone(), Json::from(generated.expand()))),
        );
        Cow::Owned(input)
    }
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
    spec_version: &'static str,
    notes: BTreeMap<String, String>,
    groups: Vec<TestGroup>,
}

impl FileBuilder {
    /// A file named `name` of tests of `operation`.
    pub fn new(name: &'static str, operation: &'static str, description: &'static str) -> Self {
        FileBuilder {
            name,
            operation,
            description,
            spec_version: SPEC_VERSION,
            notes: BTreeMap::new(),
            groups: Vec::new(),
        }
    }

    /// Sets the spec version the file's tests hold implementations to ([`SPEC_VERSION`] unless set).
    pub fn spec_version(&mut self, version: &'static str) {
        self.spec_version = version;
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
            spec_version: self.spec_version.to_owned(),
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
        self.generated_test(name, comment, flags, input, BTreeMap::new(), result, expected);
    }

    /// Adds a test whose arguments named in `generated` are built when the
    /// request is sent ([`Generated`]); the other arguments are in `input`.
    #[allow(clippy::too_many_arguments)] // the members of a test, in the file's order
    pub fn generated_test(
        &mut self,
        name: &str,
        comment: &str,
        flags: &[&str],
        input: Json,
        generated: BTreeMap<String, Generated>,
        result: Verdict,
        expected: Json,
    ) {
        let group = self.file.groups.last_mut().expect("a group was opened");
        let id = format!("{}/{}/{}", self.file.name, group.name, name);
        let (Json::Object(input), Json::Object(expected)) = (input, expected) else {
            panic!("{id}: input and expected must be JSON objects");
        };
        if let Some(both) = generated.keys().find(|name| input.contains_key(*name)) {
            panic!("{id}: {both} is both stored and generated");
        }
        group.tests.push(TestCase {
            id,
            comment: comment.to_owned(),
            flags: flags.iter().map(|f| (*f).to_owned()).collect(),
            input,
            pins: Vec::new(),
            generated_input: generated,
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
    // A plain loop over a table: requests carry up to 32 MiB of hex, and the
    // adapter runs unoptimized in the test suite.
    const INVALID: u8 = 0xff;
    const NIBBLES: [u8; 256] = {
        let mut table = [INVALID; 256];
        let mut i = 0;
        while i < 16 {
            table[b"0123456789abcdef"[i] as usize] = i as u8;
            i += 1;
        }
        table
    };
    let digits = text.as_bytes();
    let mut out = vec![0u8; digits.len() / 2];
    let mut i = 0;
    while i < out.len() {
        let (high, low) = (NIBBLES[digits[2 * i] as usize], NIBBLES[digits[2 * i + 1] as usize]);
        if high == INVALID || low == INVALID {
            return Err(format!("invalid hex at position {}", 2 * i));
        }
        out[i] = high << 4 | low;
        i += 1;
    }
    Ok(out)
}
