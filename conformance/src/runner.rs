//! The conformance runner: drives an adapter through every vector and
//! reports, per file, what passed, failed, was skipped or errored.

use std::collections::BTreeSet;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use provedex_core::SignedEvent;
use provedex_core::display::{escape, quote};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value as Json};

use crate::protocol::{Errored, HelloRequest, PROTOCOL, Request, Response, Skipped, to_line};
use crate::vector::{TestCase, VectorFile};

/// Reads every `*.json` vector file of `dir`, in name order.
pub fn load_vectors(dir: &Path) -> Result<Vec<(String, VectorFile)>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot read vectors from {}: {e}", dir.display()))?;
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(format!("no vector files (*.json) in {}", dir.display()));
    }
    paths
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let file: VectorFile =
                serde_json::from_str(&text).map_err(|e| format!("{}: not a vector file: {e}", path.display()))?;
            let count = file.tests().count();
            if count != file.number_of_tests {
                return Err(format!(
                    "{}: number_of_tests is {} but the file holds {count}",
                    path.display(),
                    file.number_of_tests
                ));
            }
            let stem = path.file_stem().unwrap_or_default().to_string_lossy().into_owned();
            Ok((stem, file))
        })
        .collect()
}

/// How one test ended.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(tag = "outcome", rename_all = "lowercase")]
pub enum Outcome {
    /// The adapter gave the expected output.
    Passed,
    /// The adapter gave another output.
    Failed {
        /// What the vector expects.
        expected: Json,
        /// What the adapter gave.
        actual: Json,
        /// Which compared member differs, for people.
        why: String,
    },
    /// The adapter does not offer the operation.
    Skipped {
        /// Why, as the adapter or the runner says it.
        reason: String,
    },
    /// The test could not run: the adapter failed, timed out or answered out of protocol.
    Errored {
        /// What went wrong, for people.
        message: String,
    },
}

/// The outcomes of the tests of one vector file (or of all of them, as `total`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
pub struct FileTally {
    /// The vector file's name, or `total`.
    pub file: String,
    /// Tests that passed.
    pub passed: usize,
    /// Tests that failed.
    pub failed: usize,
    /// Tests the adapter skipped.
    pub skipped: usize,
    /// Tests that could not run.
    pub errored: usize,
}

/// A test that failed or errored, for the report's list.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Problem {
    /// The test's id.
    pub id: String,
    /// The vector file it is in.
    pub file: String,
    /// How it ended.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// What a run of the vectors against one adapter found (`run --json` prints it).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct RunReport {
    /// The implementation, as its `hello` names it.
    pub implementation: Json,
    /// The tally of each vector file.
    pub files: Vec<FileTally>,
    /// The tally of all of them.
    pub total: FileTally,
    /// Every test that failed or errored.
    pub problems: Vec<Problem>,
}

impl RunReport {
    /// Whether no test failed or errored (skipped tests do not count against it).
    pub fn success(&self) -> bool {
        self.total.failed == 0 && self.total.errored == 0
    }
}

/// Runs every test whose id contains `filter` against the adapter started by `command`.
pub fn run(
    vectors: &[(String, VectorFile)],
    command: &[String],
    filter: Option<&str>,
    timeout: Duration,
) -> Result<RunReport, String> {
    let mut adapter = Adapter::start(command, timeout)?;
    let hello = adapter.hello()?;
    let operations: BTreeSet<String> = hello
        .get("operations")
        .and_then(Json::as_array)
        .map(|ops| ops.iter().filter_map(|o| o.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    let mut report = RunReport {
        implementation: hello.get("implementation").cloned().unwrap_or(Json::Null),
        files: Vec::new(),
        total: FileTally { file: "total".into(), ..Default::default() },
        problems: Vec::new(),
    };
    for (stem, file) in vectors {
        let mut tally = FileTally { file: stem.clone(), ..Default::default() };
        for test in file.tests().filter(|t| filter.is_none_or(|f| t.id.contains(f))) {
            let outcome = if operations.contains(&file.operation) {
                adapter.run_test(&file.operation, test)
            } else {
                Outcome::Skipped { reason: format!("the adapter does not offer {}", file.operation) }
            };
            match &outcome {
                Outcome::Passed => tally.passed += 1,
                Outcome::Failed { .. } => tally.failed += 1,
                Outcome::Skipped { .. } => tally.skipped += 1,
                Outcome::Errored { .. } => tally.errored += 1,
            }
            if matches!(outcome, Outcome::Failed { .. } | Outcome::Errored { .. }) {
                report.problems.push(Problem { id: test.id.clone(), file: stem.clone(), outcome });
            }
        }
        report.total.passed += tally.passed;
        report.total.failed += tally.failed;
        report.total.skipped += tally.skipped;
        report.total.errored += tally.errored;
        report.files.push(tally);
    }
    adapter.stop();
    Ok(report)
}

/// Whether `actual` is the result `test` expects for `operation`.
fn judge(operation: &str, test: &TestCase, actual: &Map<String, Json>) -> Result<(), String> {
    let expected = &test.expected;
    if operation == "sign" && expected.get("valid") == Some(&Json::Bool(true)) {
        if actual.get("valid") != Some(&Json::Bool(true)) {
            return Err("the event was refused".into());
        }
        let line = |m: &Map<String, Json>| m.get("line").and_then(Json::as_str).map(str::to_owned);
        let want = SignedEvent::from_line(line(expected).unwrap_or_default().as_bytes())
            .map_err(|f| format!("vector line: {f}"))?;
        let Some(got_text) = line(actual) else { return Err("no \"line\" in the result".into()) };
        let got =
            SignedEvent::from_line(got_text.as_bytes()).map_err(|f| format!("the returned line is not valid: {f}"))?;
        return if got == want { Ok(()) } else { Err(sign_difference(&want, &got)) };
    }
    for (key, want) in expected {
        match actual.get(key) {
            Some(got) if got == want => {}
            Some(got) => return Err(format!("{key} is {got}, expected {want}")),
            None => return Err(format!("{key} is missing")),
        }
    }
    Ok(())
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

/// A running adapter process, restarted after a crash or a timeout.
struct Adapter {
    command: Vec<String>,
    timeout: Duration,
    process: Option<Process>,
}

struct Process {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<std::io::Result<String>>,
    stderr: Arc<Mutex<Vec<u8>>>,
}

const STDERR_TAIL: usize = 2000;

/// Longest response line read from an adapter: a `sign` result carries a
/// ledger line of up to 16 MiB, escaped; anything much longer is a broken
/// or hostile adapter, and reading on would only fill memory.
const MAX_RESPONSE_BYTES: u64 = 8 * provedex_core::MAX_LINE_BYTES as u64;

/// The next response line without its LF, `None` at the end of the output,
/// or an error for a line longer than [`MAX_RESPONSE_BYTES`] or not UTF-8.
fn read_response_line(reader: &mut impl BufRead) -> io::Result<Option<String>> {
    let mut line = Vec::new();
    reader.take(MAX_RESPONSE_BYTES + 1).read_until(b'\n', &mut line)?;
    if line.is_empty() {
        return Ok(None);
    }
    if line.last() == Some(&b'\n') {
        // As `BufRead::lines`: without the LF, or the CR LF.
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
    } else if line.len() as u64 > MAX_RESPONSE_BYTES {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "a response line is longer than {MAX_RESPONSE_BYTES} bytes; the adapter's output was not read further"
            ),
        ));
    }
    String::from_utf8(line)
        .map(Some)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "a response line is not UTF-8"))
}

impl Adapter {
    fn start(command: &[String], timeout: Duration) -> Result<Self, String> {
        let mut adapter = Adapter { command: command.to_vec(), timeout, process: None };
        adapter.spawn()?;
        Ok(adapter)
    }

    fn spawn(&mut self) -> Result<(), String> {
        let (program, args) = self.command.split_first().ok_or("no adapter command given")?;
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start the adapter {program:?}: {e}"))?;
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut stderr_pipe = child.stderr.take().expect("piped stderr");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(line) = read_response_line(&mut reader).transpose() {
                let failed = line.is_err();
                if tx.send(line).is_err() || failed {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stderr_pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let mut kept = sink.lock().unwrap_or_else(|p| p.into_inner());
                kept.extend_from_slice(&buf[..n]);
                let excess = kept.len().saturating_sub(STDERR_TAIL);
                kept.drain(..excess);
            }
        });
        self.process = Some(Process { child, stdin, lines: rx, stderr });
        Ok(())
    }

    /// The hello exchange; the result is read leniently (an `implementation`
    /// or `operations` of the wrong shape is shown or ignored), only its
    /// `protocol` must be ours.
    fn hello(&mut self) -> Result<Map<String, Json>, String> {
        let request = Request::Hello(HelloRequest { id: "hello".into(), protocol: PROTOCOL });
        let response = self.exchange(&request).map_err(|e| format!("the adapter failed the hello exchange: {e}"))?;
        match response {
            Response::Result { result, .. } if result.get("protocol").and_then(Json::as_u64) == Some(PROTOCOL) => {
                Ok(result)
            }
            Response::Result { result, .. } => {
                Err(format!("the adapter answered hello with an unsupported protocol: {}", Json::Object(result)))
            }
            Response::Skipped(Skipped { skipped: r, .. }) | Response::Errored(Errored { errored: r, .. }) => {
                Err(format!("the adapter refused hello: {r}"))
            }
        }
    }

    fn run_test(&mut self, operation: &str, test: &TestCase) -> Outcome {
        if self.process.is_none()
            && let Err(e) = self.spawn().and_then(|()| self.hello().map(|_| ()))
        {
            self.stop();
            return Outcome::Errored { message: format!("cannot restart the adapter: {e}") };
        }
        let request = match Request::for_test(operation, &test.id, &test.input) {
            Ok(request) => request,
            Err(e) => {
                return Outcome::Errored {
                    message: format!("the vector's input is not a {operation} request of protocol {PROTOCOL}: {e}"),
                };
            }
        };
        match self.exchange(&request) {
            Ok(Response::Result { result: actual, .. }) => match judge(operation, test, &actual) {
                Ok(()) => Outcome::Passed,
                Err(why) => {
                    Outcome::Failed { expected: Json::Object(test.expected.clone()), actual: Json::Object(actual), why }
                }
            },
            Ok(Response::Skipped(Skipped { skipped: reason, .. })) => Outcome::Skipped { reason },
            Ok(Response::Errored(Errored { errored: message, .. })) => {
                Outcome::Errored { message: format!("the adapter reported: {message}") }
            }
            Err(message) => {
                self.stop();
                Outcome::Errored { message }
            }
        }
    }

    /// Sends one request and waits for its response. Any failure leaves the
    /// process in an unknown state; the caller stops it.
    fn exchange(&mut self, request: &Request) -> Result<Response<Map<String, Json>>, String> {
        let timeout = self.timeout;
        let process = self.process.as_mut().ok_or("the adapter is not running")?;
        let mut text = to_line(request);
        text.push('\n');
        if let Err(e) = process.stdin.write_all(text.as_bytes()).and_then(|()| process.stdin.flush()) {
            return Err(format!("cannot write to the adapter: {e}{}", process.exit_note()));
        }
        let line = match process.lines.recv_timeout(timeout) {
            Ok(Ok(line)) => line,
            Ok(Err(e)) => return Err(format!("cannot read from the adapter: {e}")),
            Err(RecvTimeoutError::Timeout) => {
                return Err(format!("no response within {} s (timeout)", timeout.as_secs_f64()));
            }
            Err(RecvTimeoutError::Disconnected) => {
                return Err(format!("the adapter closed its output{}", process.exit_note()));
            }
        };
        parse_reply(&line, request.id())
    }

    fn stop(&mut self) {
        if let Some(mut p) = self.process.take() {
            let _ = p.child.kill();
            let _ = p.child.wait();
        }
    }
}

impl Process {
    /// How the process ended, with the tail of its stderr, if it has ended.
    fn exit_note(&mut self) -> String {
        std::thread::sleep(Duration::from_millis(50));
        let status = match self.child.try_wait() {
            Ok(Some(status)) => format!(" (it exited: {status})"),
            _ => String::new(),
        };
        let stderr = self.stderr.lock().map(|s| String::from_utf8_lossy(&s).trim().to_owned()).unwrap_or_default();
        if stderr.is_empty() { status } else { format!("{status}; its stderr ends with: {stderr}") }
    }
}

/// Reads a response line leniently, into the typed form: the result is any
/// object (the judge compares the members the spec names), a `skipped` or
/// `errored` that is not a string is kept as its JSON text, and a line that
/// is not a response to the pending request is an error that says why.
fn parse_reply(line: &str, id: &str) -> Result<Response<Map<String, Json>>, String> {
    let shown: String = line.chars().take(200).collect();
    let Ok(Json::Object(mut response)) = serde_json::from_str::<Json>(line) else {
        return Err(format!("the response is not a JSON object: {shown}"));
    };
    if response.get("id").and_then(Json::as_str) != Some(id) {
        return Err(format!("the response does not echo the request id {id:?}: {shown}"));
    }
    let id = Some(id.to_owned());
    let kinds: Vec<&str> = ["result", "skipped", "errored"].into_iter().filter(|k| response.contains_key(*k)).collect();
    match kinds.as_slice() {
        ["result"] => match response.remove("result") {
            Some(Json::Object(result)) => Ok(Response::Result { id, result }),
            _ => Err(format!("\"result\" is not an object: {shown}")),
        },
        ["skipped"] => Ok(Response::skipped(id, response.get("skipped").map(text_of).unwrap_or_default())),
        ["errored"] => Ok(Response::errored(id, response.get("errored").map(text_of).unwrap_or_default())),
        _ => Err(format!("a response holds exactly one of result, skipped, errored: {shown}")),
    }
}

fn text_of(v: &Json) -> String {
    v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())
}

/// The report for people: the matrix, then each problem. What the adapter
/// said (its name, results, messages) is untrusted text: it is shown escaped.
pub fn render(report: &RunReport) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let imp = &report.implementation;
    let field = |k: &str| escape(imp.get(k).and_then(Json::as_str).unwrap_or("?")).into_owned();
    let _ = writeln!(out, "implementation: {} {} ({})\n", field("name"), field("version"), field("language"));
    let _ = writeln!(out, "{:<16} {:>7} {:>7} {:>8} {:>8}", "file", "passed", "failed", "skipped", "errored");
    for t in report.files.iter().chain([&report.total]) {
        let _ = writeln!(out, "{:<16} {:>7} {:>7} {:>8} {:>8}", t.file, t.passed, t.failed, t.skipped, t.errored);
    }
    for p in &report.problems {
        match &p.outcome {
            Outcome::Failed { expected, actual, why } => {
                let _ = writeln!(
                    out,
                    "\nFAILED  {}\n  why:      {}\n  expected: {}\n  actual:   {}",
                    p.id,
                    escape(why),
                    escape(&expected.to_string()),
                    escape(&actual.to_string())
                );
            }
            Outcome::Errored { message } => {
                let _ = writeln!(out, "\nERRORED {}\n  {}", p.id, escape(message));
            }
            Outcome::Passed | Outcome::Skipped { .. } => {}
        }
    }
    let t = &report.total;
    let _ = writeln!(
        out,
        "\n{}: {} passed, {} failed, {} skipped, {} errored",
        if report.success() { "PASS" } else { "FAIL" },
        t.passed,
        t.failed,
        t.skipped,
        t.errored
    );
    out
}

#[cfg(test)]
mod tests {
    use super::read_response_line;

    #[test]
    fn response_lines_are_read_as_lines_reads_them() {
        let mut input: &[u8] = b"{\"a\":1}\n{\"b\":2}\r\n{\"c\":3}";
        let mut lines = Vec::new();
        while let Some(line) = read_response_line(&mut input).unwrap() {
            lines.push(line);
        }
        assert_eq!(lines, ["{\"a\":1}", "{\"b\":2}", "{\"c\":3}"]);
    }
}
