//! The conformance runner: drives an adapter through every vector and
//! reports, per file and per conformance level, what passed, failed, was
//! skipped or errored, with what the adapter wrote to stderr during each
//! test that failed.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStderr, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use provedex_core::display::{escape, quote};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};

use crate::expectations::{Deviation, ExpectationsReport};
use crate::levels::{self, Level, LevelReport};
use crate::protocol::{Errored, HelloRequest, Operation, PROTOCOL, Request, Response, Skipped, to_line};
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

/// How a test ended, without the details: an [`Outcome`]'s kind, or a
/// test's outcome at one level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum OutcomeKind {
    /// It passed.
    Passed,
    /// It gave another output.
    Failed,
    /// The adapter skipped it.
    Skipped,
    /// It could not run.
    Errored,
}

impl OutcomeKind {
    /// The kind's name, as reports write it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Passed => "passed",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
            Self::Errored => "errored",
        }
    }
}

impl Outcome {
    /// The outcome's kind.
    pub fn kind(&self) -> OutcomeKind {
        match self {
            Self::Passed => OutcomeKind::Passed,
            Self::Failed { .. } => OutcomeKind::Failed,
            Self::Skipped { .. } => OutcomeKind::Skipped,
            Self::Errored { .. } => OutcomeKind::Errored,
        }
    }
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

impl FileTally {
    /// Counts the outcomes of one file's tests, or of all files' as `total`.
    fn of(file: &str, outcomes: impl Iterator<Item = OutcomeKind>) -> FileTally {
        let mut tally = FileTally { file: file.to_owned(), ..Default::default() };
        for outcome in outcomes {
            *match outcome {
                OutcomeKind::Passed => &mut tally.passed,
                OutcomeKind::Failed => &mut tally.failed,
                OutcomeKind::Skipped => &mut tally.skipped,
                OutcomeKind::Errored => &mut tally.errored,
            } += 1;
        }
        tally
    }
}

/// What the adapter wrote to its standard error while a test ran, for a
/// test that failed or errored: at most its last [`STDERR_KEPT_BYTES`] bytes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
pub struct Stderr {
    /// The lines, without their LF (or CR LF); bytes that are not UTF-8 become U+FFFD.
    pub lines: Vec<String>,
    /// How many bytes written before the kept ones were dropped.
    pub omitted_bytes: u64,
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
    /// The levels it counts against: those whose comparisons it failed, or
    /// every level that judges it when it errored.
    pub levels: Vec<Level>,
    /// What the adapter wrote to its standard error during the test.
    pub stderr: Stderr,
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
    /// Each conformance level's result, in order.
    pub levels: Vec<LevelReport>,
    /// The highest level reached: the last of the levels met in an unbroken
    /// run from the first; null when the first is not met.
    pub highest_level: Option<Level>,
    /// Every test that failed or errored.
    pub problems: Vec<Problem>,
    /// The outcome of every test the run sent, by test id.
    pub outcomes: BTreeMap<String, OutcomeKind>,
    /// How the outcomes compare with the expectations file given to the run; null without one.
    pub expectations: Option<ExpectationsReport>,
}

impl RunReport {
    /// Whether the run succeeds: without an expectations file, when no test
    /// failed or errored (skipped tests do not count against it); with one,
    /// when nothing regressed against it.
    pub fn success(&self) -> bool {
        match &self.expectations {
            Some(compared) => compared.regressions.is_empty(),
            None => self.total.failed == 0 && self.total.errored == 0,
        }
    }

    /// The report of a run from what each test gave, in the order the tests ran.
    fn new(implementation: Json, stems: &[&str], records: Vec<TestRecord>) -> RunReport {
        let tally = |outcome: &dyn Fn(&TestRecord) -> Option<OutcomeKind>| {
            let files = stems
                .iter()
                .map(|stem| FileTally::of(stem, records.iter().filter(|r| r.file == *stem).filter_map(outcome)))
                .collect();
            (files, FileTally::of("total", records.iter().filter_map(outcome)))
        };
        let (files, total) = tally(&|r| Some(r.outcome.kind()));
        let levels: Vec<LevelReport> = Level::ALL
            .into_iter()
            .map(|level| {
                let (files, total) = tally(&|r| r.levels.iter().find(|(l, _)| *l == level).map(|&(_, kind)| kind));
                LevelReport::new(level, files, total)
            })
            .collect();
        let outcomes = records.iter().map(|r| (r.id.clone(), r.outcome.kind())).collect();
        let problems = records
            .into_iter()
            .filter(|r| matches!(r.outcome, Outcome::Failed { .. } | Outcome::Errored { .. }))
            .map(|r| Problem {
                levels: r.levels.iter().filter(|(_, kind)| *kind != OutcomeKind::Passed).map(|&(l, _)| l).collect(),
                id: r.id,
                file: r.file,
                outcome: r.outcome,
                stderr: r.stderr,
            })
            .collect();
        RunReport {
            implementation,
            files,
            total,
            highest_level: levels::highest(&levels),
            levels,
            problems,
            outcomes,
            expectations: None,
        }
    }
}

/// What one test gave, before the report is tallied.
struct TestRecord {
    file: String,
    id: String,
    outcome: Outcome,
    /// The test's outcome at each level that judges it.
    levels: Vec<(Level, OutcomeKind)>,
    stderr: Stderr,
}

/// Runs every test whose id contains `filter` against the adapter started by `command`.
pub fn run(
    vectors: &[(String, VectorFile)],
    command: &[String],
    filter: Option<&str>,
    timeout: Duration,
) -> Result<RunReport, String> {
    let files = vectors
        .iter()
        .map(|(stem, file)| match Operation::from_name(&file.operation) {
            Some(operation) => Ok((stem.as_str(), operation, file)),
            None => Err(format!("{stem}.json: operation {} is not one of the protocol's", quote(&file.operation))),
        })
        .collect::<Result<Vec<_>, String>>()?;
    let mut adapter = Adapter::start(command, timeout)?;
    let hello = adapter.first_hello()?;
    let operations: BTreeSet<String> = hello
        .get("operations")
        .and_then(Json::as_array)
        .map(|ops| ops.iter().filter_map(|o| o.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    let mut records = Vec::new();
    for &(stem, operation, file) in &files {
        for test in file.tests().filter(|t| filter.is_none_or(|f| t.id.contains(f))) {
            let answer = if operations.contains(operation.name()) {
                adapter.run_test(operation, test)
            } else {
                Err(Outcome::Skipped { reason: format!("the adapter does not offer {}", operation.name()) })
            };
            let (outcome, levels) = judged(operation, test, answer);
            let stderr = match outcome {
                Outcome::Failed { .. } | Outcome::Errored { .. } => adapter.test_stderr(),
                Outcome::Passed | Outcome::Skipped { .. } => Stderr::default(),
            };
            records.push(TestRecord { file: stem.to_owned(), id: test.id.clone(), outcome, levels, stderr });
        }
    }
    adapter.stop();
    let implementation = hello.get("implementation").cloned().unwrap_or(Json::Null);
    let stems: Vec<&str> = files.iter().map(|&(stem, _, _)| stem).collect();
    Ok(RunReport::new(implementation, &stems, records))
}

/// The outcome of a test from the adapter's answer (its result, or the
/// outcome of a test that gave none), and its outcome at each level that judges it.
fn judged(
    operation: Operation,
    test: &TestCase,
    answer: Result<Map<String, Json>, Outcome>,
) -> (Outcome, Vec<(Level, OutcomeKind)>) {
    let judging = levels::judging(operation, test);
    match answer {
        Ok(actual) => {
            let judgement = levels::judge(operation, test, &actual);
            let at = |level| if judgement.fails(level) { OutcomeKind::Failed } else { OutcomeKind::Passed };
            let levels = judging.into_iter().map(|level| (level, at(level))).collect();
            if judgement.passed() {
                return (Outcome::Passed, levels);
            }
            let (expected, actual) = (Json::Object(test.expected.clone()), Json::Object(actual));
            (Outcome::Failed { expected, actual, why: judgement.why() }, levels)
        }
        Err(outcome) => {
            let kind = outcome.kind();
            (outcome, judging.into_iter().map(|level| (level, kind)).collect())
        }
    }
}

/// A running adapter process, restarted after a crash or a timeout.
struct Adapter {
    command: Vec<String>,
    timeout: Duration,
    process: Option<Process>,
    /// What the adapter's processes wrote to stderr since the current test began.
    stderr: StderrLog,
}

struct Process {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<std::io::Result<String>>,
    /// The adapter's stderr, non-blocking, read only by the runner's own
    /// thread (see [`Process::drain_stderr`]); `None` where stderr is not captured.
    stderr: Option<ChildStderr>,
}

/// The most of an adapter's stderr kept for one test: room for a stack
/// trace, bounded against an adapter that floods it.
pub const STDERR_KEPT_BYTES: usize = 4096;

/// How often stderr is drained while a response is awaited, so that an
/// adapter writing much to it never blocks on a full pipe.
const STDERR_DRAIN_EVERY: Duration = Duration::from_millis(5);

/// The tail of what an adapter wrote to stderr.
#[derive(Default)]
struct StderrLog {
    bytes: Vec<u8>,
    omitted: u64,
}

impl StderrLog {
    fn append(&mut self, chunk: &[u8]) {
        self.bytes.extend_from_slice(chunk);
        let excess = self.bytes.len().saturating_sub(STDERR_KEPT_BYTES);
        self.bytes.drain(..excess);
        self.omitted += excess as u64;
    }

    /// The lines kept so far, leaving the log empty.
    fn take(&mut self) -> Stderr {
        let bytes = std::mem::take(&mut self.bytes);
        let lines = String::from_utf8_lossy(&bytes).lines().map(str::to_owned).collect();
        Stderr { lines, omitted_bytes: std::mem::take(&mut self.omitted) }
    }
}

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
        let mut adapter = Adapter { command: command.to_vec(), timeout, process: None, stderr: StderrLog::default() };
        adapter.spawn()?;
        Ok(adapter)
    }

    fn spawn(&mut self) -> Result<(), String> {
        let (program, args) = self.command.split_first().ok_or("no adapter command given")?;
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(if cfg!(unix) { Stdio::piped() } else { Stdio::inherit() })
            .spawn()
            .map_err(|e| format!("cannot start the adapter {program:?}: {e}"))?;
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take();
        if let Some(pipe) = &stderr {
            set_nonblocking(pipe).map_err(|e| format!("cannot read the adapter's stderr: {e}"))?;
        }
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

    /// The first hello, whose failure ends the run: the error says what the
    /// adapter wrote to stderr (an adapter that cannot start usually says why there).
    fn first_hello(&mut self) -> Result<Map<String, Json>, String> {
        self.hello().map_err(|e| {
            let stderr = self.test_stderr();
            if stderr.lines.is_empty() { e } else { format!("{e}; its stderr: {}", stderr.lines.join(" | ")) }
        })
    }

    /// The adapter's result for one test, or the outcome of a test that
    /// gave none (skipped or errored).
    fn run_test(&mut self, operation: Operation, test: &TestCase) -> Result<Map<String, Json>, Outcome> {
        // What the adapter wrote after answering the previous test goes with neither.
        self.test_stderr();
        if self.process.is_none()
            && let Err(e) = self.spawn().and_then(|()| self.hello().map(|_| ()))
        {
            self.stop();
            return Err(Outcome::Errored { message: format!("cannot restart the adapter: {e}") });
        }
        let request =
            Request::for_test(operation.name(), &test.id, &test.request_input()).map_err(|e| Outcome::Errored {
                message: format!(
                    "the vector's input is not a {} request of protocol {PROTOCOL}: {e}",
                    operation.name()
                ),
            })?;
        match self.exchange(&request) {
            Ok(Response::Result { result, .. }) => Ok(result),
            Ok(Response::Skipped(Skipped { skipped: reason, .. })) => Err(Outcome::Skipped { reason }),
            Ok(Response::Errored(Errored { errored: message, .. })) => {
                Err(Outcome::Errored { message: format!("the adapter reported: {message}") })
            }
            Err(message) => {
                self.stop();
                Err(Outcome::Errored { message })
            }
        }
    }

    /// What the adapter wrote to stderr since the current test began.
    fn test_stderr(&mut self) -> Stderr {
        self.drain_stderr();
        self.stderr.take()
    }

    /// Moves what is in the stderr pipe now into the log (see [`Process::drain_stderr`]).
    fn drain_stderr(&mut self) {
        if let Some(process) = self.process.as_mut() {
            process.drain_stderr(&mut self.stderr);
        }
    }

    /// Sends one request and waits for its response. Any failure leaves the
    /// process in an unknown state; the caller stops it.
    fn exchange(&mut self, request: &Request) -> Result<Response<Map<String, Json>>, String> {
        let process = self.process.as_mut().ok_or("the adapter is not running")?;
        let mut text = to_line(request);
        text.push('\n');
        if let Err(e) = process.stdin.write_all(text.as_bytes()).and_then(|()| process.stdin.flush()) {
            return Err(format!("cannot write to the adapter: {e}{}", process.exit_note()));
        }
        let deadline = Instant::now() + self.timeout;
        let received = loop {
            let wait = deadline.saturating_duration_since(Instant::now()).min(STDERR_DRAIN_EVERY);
            let received = process.lines.recv_timeout(wait);
            process.drain_stderr(&mut self.stderr);
            match received {
                Err(RecvTimeoutError::Timeout) if Instant::now() < deadline => {}
                received => break received,
            }
        };
        let line = match received {
            Ok(Ok(line)) => line,
            Ok(Err(e)) => return Err(format!("cannot read from the adapter: {e}")),
            Err(RecvTimeoutError::Timeout) => {
                return Err(format!("no response within {} s (timeout)", self.timeout.as_secs_f64()));
            }
            Err(RecvTimeoutError::Disconnected) => {
                let note = process.exit_note();
                process.drain_stderr(&mut self.stderr);
                return Err(format!("the adapter closed its output{note}"));
            }
        };
        parse_reply(&line, request.id())
    }

    /// Ends the process; what it wrote to stderr stays in the log for the current test.
    fn stop(&mut self) {
        self.drain_stderr();
        if let Some(mut p) = self.process.take() {
            let _ = p.child.kill();
            let _ = p.child.wait();
        }
    }
}

impl Process {
    /// Moves what is in the stderr pipe now into the log, without waiting.
    /// Called once a response has arrived, this takes everything the adapter
    /// wrote to stderr before it wrote the response: a test's lines are
    /// attributed by the order of the adapter's own writes, not by when a
    /// reader thread happened to see them.
    fn drain_stderr(&mut self, log: &mut StderrLog) {
        let Some(pipe) = self.stderr.as_mut() else { return };
        let mut buf = [0u8; 4096];
        loop {
            match pipe.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => log.append(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                // `WouldBlock`: the pipe is empty; any other error ends what can be read.
                Err(_) => break,
            }
        }
    }

    /// How the process ended, if it has (its stderr goes with the test's problem).
    fn exit_note(&mut self) -> String {
        std::thread::sleep(Duration::from_millis(50));
        match self.child.try_wait() {
            Ok(Some(status)) => format!(" (it exited: {status})"),
            _ => String::new(),
        }
    }
}

/// Makes reads of the adapter's stderr return at once when the pipe is empty.
#[cfg(unix)]
fn set_nonblocking(pipe: &ChildStderr) -> io::Result<()> {
    use rustix::fs::{OFlags, fcntl_getfl, fcntl_setfl};
    fcntl_setfl(pipe, fcntl_getfl(pipe)? | OFlags::NONBLOCK)?;
    Ok(())
}

/// Elsewhere stderr is not captured: the adapter writes to the runner's own.
#[cfg(not(unix))]
fn set_nonblocking(_: &ChildStderr) -> io::Result<()> {
    Ok(())
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

/// The report for people: the tally per file and per level, then each
/// problem (with an expectations file, each regression; the known failures
/// and the fixed tests one line each). What the adapter said (its name,
/// results, messages, stderr) is untrusted text: it is shown escaped.
pub fn render(report: &RunReport) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let imp = &report.implementation;
    let field = |k: &str| escape(imp.get(k).and_then(Json::as_str).unwrap_or("?")).into_owned();
    let _ = writeln!(out, "implementation: {} {} ({})\n", field("name"), field("version"), field("language"));
    let row = |out: &mut String, name: &str, t: &FileTally, result: &str| {
        let _ = writeln!(out, "{name:<19} {:>7} {:>7} {:>8} {:>8}{result}", t.passed, t.failed, t.skipped, t.errored);
    };
    let _ = writeln!(out, "{:<19} {:>7} {:>7} {:>8} {:>8}", "file", "passed", "failed", "skipped", "errored");
    for t in report.files.iter().chain([&report.total]) {
        row(&mut out, &t.file, t, "");
    }
    let _ =
        writeln!(out, "\n{:<19} {:>7} {:>7} {:>8} {:>8}  result", "level", "passed", "failed", "skipped", "errored");
    for l in &report.levels {
        row(&mut out, l.level.name(), &l.total, &format!("  {}", l.status.text()));
    }
    let _ = writeln!(out, "highest level reached: {}", report.highest_level.map_or("none", Level::name));
    let known: BTreeSet<&str> =
        report.expectations.iter().flat_map(|e| e.known_failures.iter().map(|d| d.id.as_str())).collect();
    for p in report.problems.iter().filter(|p| !known.contains(p.id.as_str())) {
        let levels = p.levels.iter().map(|l| l.name()).collect::<Vec<_>>().join(", ");
        match &p.outcome {
            Outcome::Failed { expected, actual, why } => {
                let _ = write!(
                    out,
                    "\nFAILED  {}\n  levels:   {levels}\n  why:      {}\n  expected: {}\n  actual:   {}\n",
                    p.id,
                    escape(why),
                    escape(&expected.to_string()),
                    escape(&actual.to_string())
                );
            }
            Outcome::Errored { message } => {
                let _ = write!(out, "\nERRORED {}\n  levels:   {levels}\n  {}\n", p.id, escape(message));
            }
            Outcome::Passed | Outcome::Skipped { .. } => {}
        }
        for (i, line) in p.stderr.lines.iter().enumerate() {
            let _ = writeln!(out, "  {:<10}{}", if i == 0 { "stderr:" } else { "" }, escape(line));
        }
        if p.stderr.omitted_bytes > 0 {
            let _ = writeln!(out, "            ({} earlier bytes of stderr not kept)", p.stderr.omitted_bytes);
        }
    }
    if let Some(compared) = &report.expectations {
        let listed = |out: &mut String, heading: &str, deviations: &[Deviation]| {
            if !deviations.is_empty() {
                let _ = writeln!(out, "\n{heading}");
                for d in deviations {
                    let why = d.why.as_deref().map(escape).unwrap_or_default();
                    let _ = writeln!(out, "  {} (expected {}, {}): {why}", d.id, d.expected.name(), d.actual.name());
                }
            }
        };
        listed(&mut out, "KNOWN FAILURES (as the expectations file says)", &compared.known_failures);
        listed(&mut out, "FIXED (they pass now: remove them from the expectations file)", &compared.fixed);
        let _ = write!(
            out,
            "\nagainst the expectations: {} regressions, {} known failures, {} fixed",
            compared.regressions.len(),
            compared.known_failures.len(),
            compared.fixed.len()
        );
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
    use super::{Level, OutcomeKind, read_response_line};

    #[test]
    fn names_are_the_serde_names() {
        for kind in [OutcomeKind::Passed, OutcomeKind::Failed, OutcomeKind::Skipped, OutcomeKind::Errored] {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.name());
        }
        for level in Level::ALL {
            assert_eq!(serde_json::to_value(level).unwrap(), level.name());
        }
    }

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
