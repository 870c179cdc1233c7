//! The `provedex` command, run as a process. insta snapshots pin the human
//! and JSON output of every subcommand, failures included; the temporary
//! directory shows as `[TMP]`, and values that depend on the clock or a
//! fresh random key are redacted where a test cannot fix them.

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use provedex_core::canonical::Map;
use provedex_core::event::{ModelInvoked, SessionEnded, SessionStarted, ToolCalled};
use provedex_core::{AgentEvent, Digest, GENESIS_PARENT_HASH, KeyFile, Session, SigningKeypair, Value, sign_event_at};

const CHECK_EVENT: &str = r#"{"type":"SessionStarted","payload":{"agent_id":"agent-1","model_id":"llama3.2:3b","session_id":"session-demo"}}"#;
const ZEROS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A scratch HOME with no Provedex environment variables leaking in.
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Self {
        Sandbox { dir: tempfile::tempdir().unwrap() }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn arg(&self, rel: &str) -> String {
        self.path(rel).to_string_lossy().into_owned()
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_provedex"));
        cmd.args(args).env("HOME", self.dir.path()).env_remove("PROVEDEX_KEY").env_remove("PROVEDEX_LEDGER");
        cmd
    }

    /// Runs the command and renders exit code, stdout and stderr for a snapshot.
    fn run_with(&self, mut cmd: Command, stdin: Option<&str>) -> String {
        cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let mut input = child.stdin.take().unwrap();
        if let Some(text) = stdin {
            input.write_all(text.as_bytes()).unwrap();
        }
        drop(input);
        self.render(&child.wait_with_output().unwrap())
    }

    /// Exit code, stdout and stderr for a snapshot.
    fn render(&self, out: &Output) -> String {
        let text = format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        text.replace(&exe_path(), "[PROVEDEX]").replace(&self.dir.path().to_string_lossy().into_owned(), "[TMP]")
    }

    fn run(&self, args: &[&str]) -> String {
        self.run_with(self.command(args), None)
    }

    /// The published key (seed bytes 0..31) as a 0600 key file.
    fn seed_key(&self, rel: &str) -> String {
        write_key(&self.path(rel), &seed());
        self.arg(rel)
    }

    /// A deterministic 4-event ledger signed by the seed key.
    fn ledger(&self, rel: &str) -> String {
        fs::write(self.path(rel), ledger_lines().concat()).unwrap();
        self.arg(rel)
    }
}

/// The command under test as the demo prints it (the executable's real path).
fn exe_path() -> String {
    fs::canonicalize(env!("CARGO_BIN_EXE_provedex")).unwrap().to_string_lossy().into_owned()
}

fn seed() -> [u8; 32] {
    std::array::from_fn(|i| i as u8)
}

fn write_key(path: &Path, seed: &[u8; 32]) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, seed).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o600)).unwrap();
}

fn ledger_lines() -> Vec<String> {
    let key = SigningKeypair::from_seed(&seed());
    let mut args = Map::new();
    args.insert("query".into(), Value::from("weather in Lyon"));
    let events = [
        AgentEvent::SessionStarted(SessionStarted {
            agent_id: "agent-1".into(),
            model_id: "llama3.2:3b".into(),
            session_id: "session-demo".into(),
        }),
        AgentEvent::ModelInvoked(ModelInvoked {
            model_id: "llama3.2:3b".into(),
            prompt_sha256: Digest([0xaa; 32]),
            response_sha256: Digest([0xbb; 32]),
            prompt_tokens: 12,
            response_tokens: 3,
        }),
        AgentEvent::ToolCalled(ToolCalled {
            tool_name: "weather".into(),
            args_sha256: Digest([0xcc; 32]),
            args_redacted: args,
        }),
        AgentEvent::SessionEnded(SessionEnded { reason: "completed".into(), summary_sha256: None }),
    ];
    let mut parent = GENESIS_PARENT_HASH;
    events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let signed =
                sign_event_at(e, i as u64, 1_700_000_000_000_000_000 + i as u64 * 1_000_000, &parent, &key).unwrap();
            parent = signed.self_hash;
            signed.to_json() + "\n"
        })
        .collect()
}

/// Redacts what a fresh key or the clock decides.
macro_rules! assert_redacted_snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({filters => vec![
            (r"\b[0-9a-f]{128}\b", "[SIGNATURE]"),
            (r"\b[0-9a-f]{64}\b", "[HEX64]"),
            (r"\b[0-9a-f]{16}…", "[HEX16]…"),
            (r#""timestamp_nanos":\d+"#, r#""timestamp_nanos":[NANOS]"#),
            (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z", "[TIME]"),
            (r"provedex-demo-\w+", "provedex-demo-[RANDOM]"),
        ]}, {
            insta::assert_snapshot!($name, $value);
        });
    };
}

#[test]
fn help_lists_every_subcommand() {
    insta::assert_snapshot!("help", Sandbox::new().run(&["--help"]));
}

#[test]
fn keygen_creates_a_private_key_and_refuses_to_overwrite() {
    let s = Sandbox::new();
    assert_redacted_snapshot!("keygen_default_path", s.run(&["keygen"]));
    let key = s.path(".provedex/keys/ed25519.key");
    assert_eq!(fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    let before = fs::read(&key).unwrap();
    insta::assert_snapshot!("keygen_refuses_overwrite", s.run(&["keygen"]));
    assert_eq!(fs::read(&key).unwrap(), before);
    let explicit = s.arg("elsewhere/k");
    let out = s.run(&["keygen", "--key", &explicit]);
    assert!(out.starts_with("exit: 0"), "{out}");
    let printed = out.lines().nth(2).unwrap();
    assert_eq!(SigningKeypair::load(&explicit).unwrap().pubkey_hex(), printed);
}

#[test]
fn pubkey_prints_the_public_key_or_says_why_not() {
    let s = Sandbox::new();
    let key = s.seed_key("seed.key");
    insta::assert_snapshot!("pubkey_seed", s.run(&["pubkey", "--key", &key]));
    insta::assert_snapshot!("pubkey_missing", s.run(&["pubkey"]));
    fs::set_permissions(&key, fs::Permissions::from_mode(0o644)).unwrap();
    insta::assert_snapshot!("pubkey_world_readable", s.run(&["pubkey", "--key", &key]));
    fs::write(s.path("short.key"), [1u8; 31]).unwrap();
    fs::set_permissions(s.path("short.key"), fs::Permissions::from_mode(0o600)).unwrap();
    insta::assert_snapshot!("pubkey_wrong_length", s.run(&["pubkey", "--key", &s.arg("short.key")]));
}

#[test]
fn sign_event_is_deterministic_and_touches_no_ledger() {
    let s = Sandbox::new();
    let key = s.seed_key("seed.key");
    let args =
        ["sign-event", "--key", &key, "--seq", "0", "--timestamp-nanos", "1700000000000000000", "--parent-hash", ZEROS];
    let mut with_event = args.to_vec();
    with_event.push(CHECK_EVENT);
    let out = s.run(&with_event);
    assert!(out.contains("\"self_hash\":\"52299f4b70c1603526deb7b88cbaa03ca9eb1b91a3da038babb4a175041aec91\""));
    insta::assert_snapshot!("sign_event_check_value", out);
    with_event.pop();
    with_event.push("-");
    let mut cmd = s.command(&with_event);
    cmd.current_dir(s.dir.path());
    assert_eq!(s.run_with(cmd, Some(CHECK_EVENT)), out, "stdin gives the same line");
    assert!(!s.path(".provedex/ledger.ndjson").exists());

    let mut bad_parent = args.to_vec();
    bad_parent[8] = "ABC";
    bad_parent.push(CHECK_EVENT);
    insta::assert_snapshot!("sign_event_bad_parent", s.run(&bad_parent));
    let mut bad_event = args.to_vec();
    bad_event.push(r#"{"type":"ModelInvoked","payload":{"model_id":"m","prompt_sha256":"","response_sha256":"","prompt_tokens":1,"response_tokens":1}}"#);
    insta::assert_snapshot!("sign_event_bad_digest", s.run(&bad_event));
    let mut out_of_range = args.to_vec();
    out_of_range.push(r#"{"type":"ToolReturned","payload":{"tool_name":"t","result_sha256":"0000000000000000000000000000000000000000000000000000000000000000","latency_ms":-5,"success":true}}"#);
    insta::assert_snapshot!("sign_event_out_of_range", s.run(&out_of_range));
}

#[test]
fn record_appends_resumes_and_refuses_bad_input() {
    let s = Sandbox::new();
    let key = s.seed_key(".provedex/keys/ed25519.key");
    assert_redacted_snapshot!("record_first", s.run(&["record", CHECK_EVENT]));
    let mut cmd = s.command(&["record", "-"]);
    cmd.current_dir(s.dir.path());
    let second = s.run_with(cmd, Some(r#"{"type":"SessionEnded","payload":{"reason":"done","summary_sha256":""}}"#));
    assert_redacted_snapshot!("record_second_from_stdin", second);
    let ledger = s.path(".provedex/ledger.ndjson");
    let text = fs::read_to_string(&ledger).unwrap();
    assert_eq!(text.lines().count(), 2);
    assert!(text.lines().nth(1).unwrap().starts_with("{\"seq\":1,"));

    insta::assert_snapshot!(
        "record_unknown_field",
        s.run(&["record", r#"{"type":"SessionEnded","payload":{"reason":"done","summary_sha256":"","x":1}}"#])
    );
    insta::assert_snapshot!(
        "record_duplicate_key",
        s.run(&["record", r#"{"type":"SessionEnded","type":"SessionEnded","payload":{}}"#])
    );
    insta::assert_snapshot!("record_not_json", s.run(&["record", "hello"]));
    insta::assert_snapshot!("record_bad_durability", s.run(&["record", "--durability", "sometimes", CHECK_EVENT]));
    assert_eq!(fs::read_to_string(&ledger).unwrap(), text, "refused records write nothing");
    for (i, mode) in ["every_event", "group", "none"].into_iter().enumerate() {
        let out = s.command(&["record", "--durability", mode, CHECK_EVENT]).output().unwrap();
        assert!(out.status.success(), "{mode}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).starts_with(&format!("{{\"seq\":{},", i + 2)), "{mode}");
    }
    fs::remove_file(&key).unwrap();
    insta::assert_snapshot!("record_without_key", s.run(&["record", CHECK_EVENT]));
}

#[test]
fn record_and_verify_honour_the_environment() {
    let s = Sandbox::new();
    let key = s.seed_key("k/seed.key");
    let ledger = s.arg("env-ledger.ndjson");
    let mut cmd = s.command(&["record", CHECK_EVENT]);
    cmd.env("PROVEDEX_KEY", &key).env("PROVEDEX_LEDGER", &ledger);
    assert!(s.run_with(cmd, None).starts_with("exit: 0"));
    let mut cmd = s.command(&["verify"]);
    cmd.env("PROVEDEX_LEDGER", &ledger);
    let out = s.run_with(cmd, None);
    assert!(out.starts_with("exit: 0\n--- stdout\nvalid: 1 event\n"), "{out}");
    assert!(!s.path(".provedex").exists());
}

#[test]
fn verify_reports_valid_and_broken_ledgers() {
    let s = Sandbox::new();
    let ledger = s.ledger("ledger.ndjson");
    insta::assert_snapshot!("verify_valid", s.run(&["verify", "--ledger", &ledger]));
    insta::assert_snapshot!("verify_valid_json", s.run(&["verify", "--ledger", &ledger, "--json"]));
    let pubkey = SigningKeypair::from_seed(&seed()).pubkey_hex();
    assert!(s.run(&["verify", "--ledger", &ledger, "--pubkey", &pubkey]).starts_with("exit: 0"));
    let other = SigningKeypair::from_seed(&[5; 32]).pubkey_hex();
    insta::assert_snapshot!("verify_pinned_mismatch", s.run(&["verify", "--ledger", &ledger, "--pubkey", &other]));

    let lines = ledger_lines();
    let tampered = s.path("tampered.ndjson");
    fs::write(&tampered, lines.concat().replace("\"prompt_tokens\":12", "\"prompt_tokens\":1200")).unwrap();
    let tampered = tampered.to_string_lossy().into_owned();
    insta::assert_snapshot!("verify_tampered", s.run(&["verify", "--ledger", &tampered]));
    insta::assert_snapshot!("verify_tampered_json", s.run(&["verify", "--ledger", &tampered, "--json"]));
    fs::write(s.path("deleted.ndjson"), format!("{}{}{}", lines[0], lines[2], lines[3])).unwrap();
    insta::assert_snapshot!("verify_deleted_line", s.run(&["verify", "--ledger", &s.arg("deleted.ndjson")]));

    insta::assert_snapshot!("verify_missing_file", s.run(&["verify", "--ledger", &s.arg("absent.ndjson")]));
    insta::assert_snapshot!("verify_bad_pubkey_flag", s.run(&["verify", "--ledger", &ledger, "--pubkey", "XYZ"]));
}

#[test]
fn canonicalize_prints_exact_bytes_or_the_reason() {
    let s = Sandbox::new();
    fs::write(s.path("in.json"), "{ \"b\": [1.0, 1e20, -0], \"a\": \"\\u00e9\\n\" }\n").unwrap();
    let out = s.command(&["canonicalize", &s.arg("in.json")]).output().unwrap();
    assert_eq!(out.stdout, "{\"a\":\"é\\n\",\"b\":[1.0,1e+20,-0.0]}".as_bytes(), "no trailing newline when piped");
    insta::assert_snapshot!("canonicalize_file", s.run(&["canonicalize", &s.arg("in.json")]));
    let mut cmd = s.command(&["canonicalize"]);
    cmd.current_dir(s.dir.path());
    insta::assert_snapshot!("canonicalize_stdin", s.run_with(cmd, Some(r#"{"z":1,"a":{"y":2,"b":3}}"#)));
    let mut cmd = s.command(&["canonicalize", "-"]);
    cmd.current_dir(s.dir.path());
    insta::assert_snapshot!("canonicalize_duplicate_key", s.run_with(cmd, Some(r#"{"a":1,"a":2}"#)));
    let mut cmd = s.command(&["canonicalize", "-"]);
    cmd.current_dir(s.dir.path());
    insta::assert_snapshot!("canonicalize_non_finite", s.run_with(cmd, Some("[1e400]")));
    insta::assert_snapshot!("canonicalize_missing_file", s.run(&["canonicalize", &s.arg("nope.json")]));
}

#[test]
fn show_lists_events_then_the_verdict() {
    let s = Sandbox::new();
    let ledger = s.ledger("ledger.ndjson");
    insta::assert_snapshot!("show_valid", s.run(&["show", "--ledger", &ledger]));
    let lines = ledger_lines();
    fs::write(s.path("broken.ndjson"), format!("{}{}{}", lines[0], lines[1], lines[1])).unwrap();
    insta::assert_snapshot!("show_broken", s.run(&["show", "--ledger", &s.arg("broken.ndjson")]));
}

#[test]
fn recover_removes_only_a_torn_tail() {
    let s = Sandbox::new();
    let ledger = s.ledger("ledger.ndjson");
    insta::assert_snapshot!("recover_nothing_to_do", s.run(&["recover", "--ledger", &ledger]));
    let whole = fs::read_to_string(&ledger).unwrap();
    fs::write(&ledger, format!("{whole}{{\"seq\":4,\"timestamp")).unwrap();
    insta::assert_snapshot!("verify_torn_tail", s.run(&["verify", "--ledger", &ledger]));
    insta::assert_snapshot!("recover_torn_tail", s.run(&["recover", "--ledger", &ledger]));
    assert_eq!(fs::read_to_string(&ledger).unwrap(), whole);
    assert_eq!(
        fs::read_to_string(s.path(&format!("ledger.ndjson.torn-{}", whole.len()))).unwrap(),
        "{\"seq\":4,\"timestamp"
    );

    let damaged = format!("{}{{\"torn", whole.replacen("\"reason\":\"completed\"", "\"reason\":\"aborted\"", 1));
    fs::write(&ledger, &damaged).unwrap();
    insta::assert_snapshot!("recover_refuses_other_damage", s.run(&["recover", "--ledger", &ledger]));
    assert_eq!(fs::read_to_string(&ledger).unwrap(), damaged);
}

#[test]
fn a_second_writer_process_fails_and_the_ledger_stays_valid() {
    let s = Sandbox::new();
    let key = s.seed_key("seed.key");
    let ledger = s.arg("ledger.ndjson");
    let holder = Session::open(&SigningKeypair::load(&key).unwrap(), &ledger, "holder").unwrap();
    holder.record(&AgentEvent::from_json(CHECK_EVENT.as_bytes()).unwrap()).unwrap();
    let before = fs::read(&ledger).unwrap();
    insta::assert_snapshot!("record_while_locked", s.run(&["record", "--key", &key, "--ledger", &ledger, CHECK_EVENT]));
    assert_eq!(fs::read(&ledger).unwrap(), before);
    holder.record(&AgentEvent::from_json(CHECK_EVENT.as_bytes()).unwrap()).unwrap();
    drop(holder);
    let out = s.run(&["verify", "--ledger", &ledger]);
    assert!(out.starts_with("exit: 0\n--- stdout\nvalid: 2 events\n"), "{out}");
}

#[test]
fn demo_records_verifies_and_catches_tampering() {
    let s = Sandbox::new();
    let out = s.run(&["demo", "--dir", &s.arg("demo")]);
    assert_redacted_snapshot!("demo", out);
    assert!(out.contains("reason:    hash_mismatch"));
    let verify = s.run(&["verify", "--ledger", &s.arg("demo/ledger.ndjson")]);
    assert!(verify.starts_with("exit: 0\n--- stdout\nvalid: 12 events\n"), "{verify}");
    insta::assert_snapshot!("demo_refuses_non_empty_dir", s.run(&["demo", "--dir", &s.arg("demo")]));
}

/// The demo's "try it yourself" commands work when pasted into a shell as
/// printed, although `cargo run` puts no `provedex` on PATH.
#[test]
fn demo_suggests_commands_that_run_as_shown() {
    let s = Sandbox::new();
    let dir = s.path("a demo dir");
    let out = s.command(&["demo", "--dir", &dir.to_string_lossy()]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let tried: Vec<&str> = stdout.lines().skip_while(|l| *l != "Try it yourself:").skip(1).map(str::trim).collect();
    assert_eq!(tried.len(), 5, "{stdout}");
    // A bare PATH: only what the line itself names can run.
    let run = |line: &str| Command::new("/bin/sh").arg("-c").arg(line).env("PATH", "/nonexistent").output().unwrap();
    let show = run(tried[0]);
    assert_eq!(show.status.code(), Some(0), "{}: {}", tried[0], String::from_utf8_lossy(&show.stderr));
    let listing = String::from_utf8_lossy(&show.stdout).into_owned();
    assert!(listing.contains("valid: 12 events") && !listing.contains("UtteranceCaptured"), "{listing}");
    let all = run(tried[1]);
    assert_eq!(all.status.code(), Some(0), "{}: {}", tried[1], String::from_utf8_lossy(&all.stderr));
    assert!(String::from_utf8_lossy(&all.stdout).contains("UtteranceCaptured"));
    let verify = run(tried[2]);
    assert_eq!(verify.status.code(), Some(1), "{}: {}", tried[2], String::from_utf8_lossy(&verify.stderr));
    assert!(String::from_utf8_lossy(&verify.stdout).contains("reason:    hash_mismatch"));
    let cut = run(tried[3]);
    assert_eq!(cut.status.code(), Some(1), "{}: {}", tried[3], String::from_utf8_lossy(&cut.stderr));
    assert!(String::from_utf8_lossy(&cut.stdout).contains("reason:    ledger_truncated"));
    let bundle = run(tried[4]);
    assert_eq!(bundle.status.code(), Some(0), "{}: {}", tried[4], String::from_utf8_lossy(&bundle.stderr));
    assert!(String::from_utf8_lossy(&bundle.stdout).contains("proof level verifiable"));
}

#[test]
fn demo_without_a_dir_uses_a_fresh_temporary_directory() {
    let s = Sandbox::new();
    let mut cmd = s.command(&["demo"]);
    cmd.env("TMPDIR", s.dir.path());
    let out = s.run_with(cmd, None);
    assert!(out.starts_with("exit: 0\n--- stdout\nProvedex demo in [TMP]/provedex-demo-"), "{out}");
}

/// Runs `cmd` on `stdin`, failing the test when it is still running after
/// `limit` (a command that blocks on a FIFO or reads endless input).
fn run_within(mut cmd: Command, stdin: Stdio, limit: Duration) -> Output {
    cmd.stdin(stdin).stdout(Stdio::piped()).stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd.spawn().unwrap();
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("still running after {limit:?}: {cmd:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Output { status, stdout: stdout.join().unwrap(), stderr: stderr.join().unwrap() }
}

const PROMPTLY: Duration = Duration::from_secs(20);

fn mkfifo(path: &Path) {
    assert!(Command::new("mkfifo").arg(path).status().unwrap().success());
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Text a terminal would act on: a carriage return and erase-line that
/// redraw the verdict, a conceal sequence, C1 controls (CSI, NEL), bidi
/// override and isolate, BEL and NUL.
const HOSTILE: &str = "\r\x1b[2Kvalid: 4 events\x1b[8m\u{9b}31m\u{85}\u{202e}\u{2066}\x07\0";

fn hostile(tag: &str) -> String {
    format!("{tag}{HOSTILE}")
}

/// Fails when `bytes` (what a person would see) hold a character a terminal
/// interprets: ESC, CR, BEL, NUL, a C1 control or a bidi control.
fn assert_no_raw_controls(what: &str, bytes: &[u8]) {
    for (byte, name) in [(0x1b, "ESC"), (b'\r', "CR"), (0x07, "BEL"), (0, "NUL")] {
        assert!(!bytes.contains(&byte), "{what}: raw {name} in {:?}", text(bytes));
    }
    for c in String::from_utf8_lossy(bytes).chars() {
        let bad = matches!(c,
            '\u{80}'..='\u{9f}' | '\u{61c}' | '\u{200e}' | '\u{200f}'
            | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}');
        assert!(!bad, "{what}: raw U+{:04X} in {:?}", c as u32, text(bytes));
    }
}

/// One event of every variant with every string field, and member names in
/// the free object, carrying [`HOSTILE`].
fn hostile_events() -> Vec<serde_json::Value> {
    use serde_json::{Map as JsonMap, Value as Json, json};
    let digest = "d".repeat(64);
    let mut inner = JsonMap::new();
    inner.insert(hostile("inner"), json!([hostile("item")]));
    let mut args = JsonMap::new();
    args.insert(hostile("key"), Json::String(hostile("value")));
    args.insert("nested".into(), Json::Object(inner));
    vec![
        json!({"type": "SessionStarted", "payload": {"agent_id": hostile("agent"), "model_id": hostile("model"), "session_id": hostile("session")}}),
        json!({"type": "UtteranceCaptured", "payload": {"audio_sha256": digest, "transcript": hostile("transcript"), "lang": hostile("lang"), "duration_ms": 1}}),
        json!({"type": "ToolCalled", "payload": {"tool_name": hostile("tool"), "args_sha256": digest, "args_redacted": args}}),
        json!({"type": "ToolReturned", "payload": {"tool_name": hostile("returned"), "result_sha256": digest, "latency_ms": 2, "success": true}}),
        json!({"type": "ModelInvoked", "payload": {"model_id": hostile("invoked"), "prompt_sha256": digest, "response_sha256": digest, "prompt_tokens": 1, "response_tokens": 1}}),
        json!({"type": "UtteranceSpoken", "payload": {"text_sha256": digest, "text": hostile("spoken"), "audio_sha256": ""}}),
        json!({"type": "SessionEnded", "payload": {"reason": hostile("reason"), "summary_sha256": ""}}),
    ]
}

/// Item: every byte from a ledger, an event or a report that reaches a
/// person is escaped; `--json` stays exact JSON.
// Pins: VF-5.
#[test]
fn untrusted_text_is_escaped_wherever_a_person_reads_it() {
    let s = Sandbox::new();
    let key = s.seed_key("seed.key");
    let valid = s.arg("valid.ndjson");
    for event in hostile_events() {
        let cmd = s.command(&["record", "--key", &key, "--ledger", &valid, "-"]);
        let out = s.run_with(cmd, Some(&event.to_string()));
        assert!(out.starts_with("exit: 0"), "{out}");
    }
    let lines = fs::read_to_string(&valid).unwrap();
    assert_eq!(lines.lines().count(), 7);

    // Ledgers that break after the valid lines, each at a line whose
    // offending part carries the hostile text.
    let last: serde_json::Value = serde_json::from_str(lines.lines().last().unwrap()).unwrap();
    let mut unknown_member = last.clone();
    unknown_member["event"]["payload"][hostile("member")] = serde_json::json!(1);
    let mut unknown_type = last.clone();
    unknown_type["seq"] = serde_json::json!(7);
    unknown_type["event"] = serde_json::json!({"type": hostile("Type"), "payload": {}});
    let mut bad_hex = last;
    bad_hex["seq"] = serde_json::json!(7);
    bad_hex["parent_hash"] = serde_json::Value::String(hostile("parent"));
    let mut ledgers = vec![("valid", valid.clone())];
    for (name, tail) in [
        ("unknown_member", format!("{unknown_member}\n").into_bytes()),
        ("unknown_type", format!("{unknown_type}\n").into_bytes()),
        ("bad_hex", format!("{bad_hex}\n").into_bytes()),
        ("raw_bytes", b"{\"seq\":7,\"\x1b[2K\r\x07\xc2\x9b\xe2\x80\xae\xff\":1}\n".to_vec()),
        ("torn_raw", b"{\"seq\":7,\"\x1b[2K\r\x07\xc2\x9b".to_vec()),
    ] {
        let path = s.path(&format!("{name}.ndjson"));
        fs::write(&path, [lines.as_bytes(), &tail].concat()).unwrap();
        ledgers.push((name, path.to_string_lossy().into_owned()));
    }
    let hostile_name = s.path(&format!("name{HOSTILE}.ndjson").replace('\0', ""));
    fs::copy(s.path("unknown_member.ndjson"), &hostile_name).unwrap();
    ledgers.push(("hostile_file_name", hostile_name.to_string_lossy().into_owned()));

    for (name, ledger) in &ledgers {
        for args in [vec!["show", "--ledger", ledger], vec!["verify", "--ledger", ledger]] {
            let out = s.command(&args).output().unwrap();
            let expected = if *name == "valid" { 0 } else { 1 };
            assert_eq!(out.status.code(), Some(expected), "{name} {args:?}: {}", text(&out.stderr));
            assert_no_raw_controls(&format!("{name}: {args:?}"), &[out.stdout, out.stderr].concat());
        }
        let json = s.command(&["verify", "--json", "--ledger", ledger]).output().unwrap();
        let report: serde_json::Value = serde_json::from_slice(&json.stdout).expect("--json prints one JSON object");
        assert_eq!(report["ok"], *name == "valid", "{name}");
    }
    // The listing shows every value and member name, escaped by the one function.
    let show = text(&s.command(&["show", "--ledger", &valid]).output().unwrap().stdout);
    for tag in
        ["agent", "model", "session", "transcript", "lang", "key", "tool", "returned", "invoked", "spoken", "reason"]
    {
        let escaped = provedex_core::display::escape(&hostile(tag)).into_owned();
        assert!(show.contains(&escaped), "{tag} as {escaped} in {show}");
    }
    // The free object is cut after 120 characters, inside its first value.
    assert!(show.contains(r#"args_redacted={"key\r\x1b[2Kvalid"#), "{show}");
    let verify = text(&s.command(&["verify", "--ledger", &ledgers[1].1]).output().unwrap().stdout);
    assert!(verify.starts_with("broken at line 8"), "{verify}");
    assert!(verify.contains("member\\r\\x1b[2Kvalid: 4 events"), "{verify}");

    // Refused input: an event with a hostile unknown member, type or digest,
    // raw bytes, a damaged ledger to resume; sign-event and canonicalize too.
    let fresh = s.arg("fresh.ndjson");
    let mut unknown = hostile_events().pop().unwrap();
    unknown["payload"][hostile("extra")] = serde_json::json!(1);
    let bad_type = serde_json::json!({"type": hostile("Type"), "payload": {}});
    let bad_digest =
        serde_json::json!({"type": "SessionEnded", "payload": {"reason": "r", "summary_sha256": hostile("digest")}});
    let refused: Vec<(Vec<&str>, Vec<u8>)> = vec![
        (vec!["record", "--key", &key, "--ledger", &fresh, "-"], unknown.to_string().into_bytes()),
        (vec!["record", "--key", &key, "--ledger", &fresh, "-"], bad_type.to_string().into_bytes()),
        (vec!["record", "--key", &key, "--ledger", &fresh, "-"], bad_digest.to_string().into_bytes()),
        (vec!["record", "--key", &key, "--ledger", &fresh, "-"], b"{\"\x1b[2K\r\xc2\x9b\xff\":1}".to_vec()),
        (vec!["record", "--key", &key, "--ledger", &ledgers[1].1, "-"], hostile_events()[0].to_string().into_bytes()),
        (vec!["record", "--key", &key, "--ledger", &ledgers[5].1, "-"], hostile_events()[0].to_string().into_bytes()),
        (
            vec!["sign-event", "--key", &key, "--seq", "0", "--timestamp-nanos", "1", "--parent-hash", ZEROS, "-"],
            unknown.to_string().into_bytes(),
        ),
        (vec!["canonicalize", "-"], format!("{{\"{HOSTILE}\":1,\"{HOSTILE}\":2}}").replace('\0', "").into_bytes()),
        (vec!["canonicalize", "-"], b"[\"\x1b[2K\r\x07\xc2\x9b\xff\"".to_vec()),
    ];
    for (args, input) in refused {
        let mut cmd = s.command(&args);
        cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        child.stdin.take().unwrap().write_all(&input).unwrap();
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out.stderr));
        assert_no_raw_controls(&format!("{args:?} on {:?}", text(&input)), &[out.stdout, out.stderr].concat());
    }
    assert!(!s.path("fresh.ndjson").exists());
}

/// Item: `record -` and `canonicalize` stop at the line limit on endless
/// input, and refuse a FILE that is a FIFO or a device without reading it.
#[test]
fn endless_input_is_refused_promptly() {
    let s = Sandbox::new();
    let key = s.seed_key("seed.key");
    let ledger = s.arg("new/ledger.ndjson");
    let zeros = || Stdio::from(fs::File::open("/dev/zero").unwrap());
    for args in
        [vec!["record", "--key", &key, "--ledger", &ledger, "-"], vec!["canonicalize", "-"], vec!["canonicalize"]]
    {
        let out = run_within(s.command(&args), zeros(), PROMPTLY);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(text(&out.stderr).contains("stdin is longer than 16777216 bytes"), "{}", text(&out.stderr));
    }
    // A process writing without end, through a pipe.
    let mut yes = Command::new("yes").stdout(Stdio::piped()).spawn().unwrap();
    let out = run_within(
        s.command(&["record", "--key", &key, "--ledger", &ledger, "-"]),
        yes.stdout.take().unwrap().into(),
        PROMPTLY,
    );
    let _ = yes.kill();
    let _ = yes.wait();
    insta::assert_snapshot!("record_endless_stdin", s.render(&out));
    assert!(!s.path("new").exists(), "a refused record creates nothing");

    let fifo = s.path("fifo");
    mkfifo(&fifo);
    let big = s.path("big.json");
    fs::File::create(&big).unwrap().set_len(17 << 20).unwrap();
    for (file, name) in [(Path::new("/dev/zero"), "device"), (fifo.as_path(), "fifo"), (big.as_path(), "big_file")] {
        let out = run_within(s.command(&["canonicalize", &file.to_string_lossy()]), Stdio::null(), PROMPTLY);
        insta::assert_snapshot!(format!("canonicalize_{name}"), s.render(&out));
    }
}

/// Item: `--ledger -` reads the ledger from stdin, as a stream.
#[test]
fn verify_and_show_read_a_ledger_from_stdin() {
    let s = Sandbox::new();
    let lines = ledger_lines().concat();
    insta::assert_snapshot!("verify_stdin", s.run_with(s.command(&["verify", "--ledger", "-"]), Some(&lines)));
    let json = s.run_with(s.command(&["verify", "--ledger", "-", "--json"]), Some(&lines));
    assert!(json.starts_with("exit: 0\n--- stdout\n{\"ok\":true,\"event_count\":4,"), "{json}");
    let tampered = lines.replace("\"prompt_tokens\":12", "\"prompt_tokens\":1200");
    insta::assert_snapshot!(
        "verify_stdin_tampered",
        s.run_with(s.command(&["verify", "--ledger", "-"]), Some(&tampered))
    );
    insta::assert_snapshot!("show_stdin", s.run_with(s.command(&["show", "--ledger", "-"]), Some(&lines)));
    let torn = format!("{lines}{{\"seq\":4");
    let out = s.run_with(s.command(&["show", "--ledger", "-"]), Some(&torn));
    assert!(out.starts_with("exit: 1") && !out.contains("hint:") && out.contains("ledger:    stdin"), "{out}");
    let mut cmd = s.command(&["verify"]);
    cmd.env("PROVEDEX_LEDGER", "-");
    assert!(s.run_with(cmd, Some(&lines)).starts_with("exit: 0\n--- stdout\nvalid: 4 events\n"));
    let key = s.seed_key("seed.key");
    let mut cmd = s.command(&["record", "--key", &key, "--ledger", "-", CHECK_EVENT]);
    cmd.current_dir(s.dir.path());
    insta::assert_snapshot!("record_ledger_stdin", s.run_with(cmd, None));
    assert!(!s.path("-").exists());
}

/// Item: a FIFO or a device given as a ledger or key is refused at once,
/// never opened (an open waits for a FIFO's writer).
#[test]
fn fifos_and_devices_are_refused_without_waiting() {
    let s = Sandbox::new();
    let key = s.seed_key("seed.key");
    let fifo = s.arg("fifo");
    mkfifo(Path::new(&fifo));
    let cases: Vec<Vec<&str>> = vec![
        vec!["verify", "--ledger", &fifo],
        vec!["show", "--ledger", &fifo],
        vec!["recover", "--ledger", &fifo],
        vec!["record", "--key", &key, "--ledger", &fifo, CHECK_EVENT],
        vec!["pubkey", "--key", &fifo],
        vec!["keygen", "--key", &fifo],
        vec!["record", "--key", &fifo, "--ledger", "unused.ndjson", CHECK_EVENT],
        vec!["verify", "--ledger", "/dev/zero"],
    ];
    for args in cases {
        let out = run_within(s.command(&args), Stdio::null(), PROMPTLY);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}: {}", text(&out.stdout));
        let stderr = text(&out.stderr);
        assert!(stderr.contains("is a named pipe (FIFO)") || stderr.contains("is a character device"), "{stderr}");
    }
    insta::assert_snapshot!(
        "verify_fifo",
        s.render(&run_within(s.command(&["verify", "--ledger", &fifo]), Stdio::null(), PROMPTLY))
    );
    assert!(!s.path("unused.ndjson").exists());
}

/// A valid ledger of `count` events signed by the seed key.
fn long_ledger(path: &Path, count: u64) {
    let key = SigningKeypair::from_seed(&seed());
    let mut parent = GENESIS_PARENT_HASH;
    let mut out = std::io::BufWriter::new(fs::File::create(path).unwrap());
    for seq in 0..count {
        let event = AgentEvent::SessionEnded(SessionEnded { reason: format!("r{seq}"), summary_sha256: None });
        let signed = sign_event_at(&event, seq, 1_700_000_000_000_000_000 + seq, &parent, &key).unwrap();
        parent = signed.self_hash;
        writeln!(out, "{}", signed.to_json()).unwrap();
    }
    out.flush().unwrap();
}

/// Item: `provedex show | head -1` ends when `head` does, quietly.
#[test]
fn show_stops_quietly_when_its_reader_goes_away() {
    let s = Sandbox::new();
    let ledger = s.path("long.ndjson");
    long_ledger(&ledger, 30_000);
    let mut child = s
        .command(&["show", "--ledger", &ledger.to_string_lossy()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    assert!(first.starts_with("seq "), "{first}");
    drop(reader);
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(started.elapsed() < PROMPTLY, "show goes on after its reader left");
        std::thread::sleep(Duration::from_millis(5));
    };
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    assert_eq!(stderr, "", "no message for a closed pipe");
    // 0 would mean it listed and verified all 30,000 lines into a closed pipe.
    assert_eq!(status.code(), Some(141), "stops as one killed by SIGPIPE shows");
}

/// Item: no command panics or complains when its stdout is already closed.
#[test]
fn commands_stop_quietly_when_stdout_is_closed() {
    let s = Sandbox::new();
    let key = s.seed_key("seed.key");
    let ledger = s.ledger("ledger.ndjson");
    fs::write(s.path("in.json"), "[1]").unwrap();
    let new_key = s.arg("new.key");
    let recorded = s.arg("recorded.ndjson");
    let demo = s.arg("demo");
    let in_json = s.arg("in.json");
    let cases: Vec<Vec<&str>> = vec![
        vec!["pubkey", "--key", &key],
        vec!["keygen", "--key", &new_key],
        vec!["record", "--key", &key, "--ledger", &recorded, CHECK_EVENT],
        vec!["sign-event", "--key", &key, "--seq", "0", "--timestamp-nanos", "1", "--parent-hash", ZEROS, CHECK_EVENT],
        vec!["verify", "--ledger", &ledger],
        vec!["verify", "--json", "--ledger", &ledger],
        vec!["show", "--ledger", &ledger],
        vec!["recover", "--ledger", &ledger],
        vec!["canonicalize", &in_json],
        vec!["demo", "--dir", &demo],
    ];
    for args in cases {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = s.command(&args).stdin(Stdio::null()).stdout(writer).stderr(Stdio::piped()).output().unwrap();
        let stderr = text(&out.stderr);
        assert!(!stderr.contains("panicked") && !stderr.contains("error"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(141), "{args:?}: {stderr}");
    }
    // The event was recorded before its line could not be printed.
    assert_eq!(fs::read_to_string(&recorded).unwrap().lines().count(), 1);
}

/// Item: messages that say what is wrong with a path or a variable, and how to fix it.
#[test]
fn paths_and_variables_get_clear_messages() {
    let s = Sandbox::new();
    fs::create_dir(s.path("keys")).unwrap();
    insta::assert_snapshot!("keygen_directory", s.run(&["keygen", "--key", &s.arg("keys")]));
    insta::assert_snapshot!("keygen_trailing_slash", s.run(&["keygen", "--key", &format!("{}/", s.arg("newdir"))]));
    assert!(!s.path("newdir").exists());
    insta::assert_snapshot!("pubkey_directory", s.run(&["pubkey", "--key", &s.arg("keys")]));
    let key = s.seed_key("seed.key");
    insta::assert_snapshot!(
        "record_ledger_directory",
        s.run(&["record", "--key", &key, "--ledger", &s.arg("keys"), CHECK_EVENT])
    );
    insta::assert_snapshot!("verify_ledger_directory", s.run(&["verify", "--ledger", &s.arg("keys")]));

    let mut cmd = s.command(&["verify"]);
    cmd.env("PROVEDEX_LEDGER", "");
    insta::assert_snapshot!("verify_empty_ledger_variable", s.run_with(cmd, None));
    let mut cmd = s.command(&["pubkey"]);
    cmd.env("PROVEDEX_KEY", "");
    insta::assert_snapshot!("pubkey_empty_key_variable", s.run_with(cmd, None));
    let mut cmd = s.command(&["pubkey", "--key", &key]);
    cmd.env("PROVEDEX_KEY", "");
    assert!(s.run_with(cmd, None).starts_with("exit: 0"), "the flag wins over an empty variable");
    assert!(!s.path(".provedex").exists());

    insta::assert_snapshot!("show_missing_file", s.run(&["show", "--ledger", &s.arg("absent.ndjson")]));
    insta::assert_snapshot!("demo_dir_is_a_file", s.run(&["demo", "--dir", &key]));
}

#[test]
fn subcommand_help_describes_every_option_and_the_exit_codes() {
    let s = Sandbox::new();
    let sign = s.run(&["sign-event", "--help"]);
    insta::assert_snapshot!("sign_event_help", sign);
    for option in ["--seq <N>", "--timestamp-nanos <T>", "--parent-hash <HEX>", "--key <PATH>"] {
        let line = sign.lines().find(|l| l.trim_start().starts_with(option)).unwrap();
        assert!(line.trim().len() > option.len() + 10, "{option} has no help text: {line}");
    }
    insta::assert_snapshot!("record_help", s.run(&["record", "--help"]));
    insta::assert_snapshot!("verify_help", s.run(&["verify", "--help"]));
    insta::assert_snapshot!("export_help", s.run(&["export", "--help"]));
    insta::assert_snapshot!("verify_bundle_help", s.run(&["verify-bundle", "--help"]));
}

/// Item: lock contention has its own exit code, and `--wait` retries.
#[test]
fn record_waits_for_the_lock_when_asked() {
    let s = Sandbox::new();
    let key = s.seed_key("seed.key");
    let ledger = s.arg("ledger.ndjson");
    let holder = Session::open(&SigningKeypair::load(&key).unwrap(), &ledger, "holder").unwrap();
    holder.record(&AgentEvent::from_json(CHECK_EVENT.as_bytes()).unwrap()).unwrap();
    let before = fs::read(&ledger).unwrap();

    let started = Instant::now();
    let out = s.run(&["record", "--key", &key, "--ledger", &ledger, "--wait", "0.3", CHECK_EVENT]);
    assert!(started.elapsed() >= Duration::from_millis(300), "waited {:?}", started.elapsed());
    insta::assert_snapshot!("record_wait_expires", out);
    assert_eq!(fs::read(&ledger).unwrap(), before);

    let mut waiting = s
        .command(&["record", "--key", &key, "--ledger", &ledger, "--wait", "30", CHECK_EVENT])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(400));
    assert!(waiting.try_wait().unwrap().is_none(), "record --wait gave up while the lock was held");
    drop(holder);
    let out = waiting.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("{\"seq\":1,"), "{}", text(&out.stdout));
    let verify = s.run(&["verify", "--ledger", &ledger]);
    assert!(verify.starts_with("exit: 0\n--- stdout\nvalid: 2 events\n"), "{verify}");

    insta::assert_snapshot!("record_bad_wait", s.run(&["record", "--wait=-1", CHECK_EVENT]));
}

/// Item: a refused record creates no ledger file and no directory.
#[test]
fn refused_records_create_no_file_or_directory() {
    let s = Sandbox::new();
    let key = s.seed_key("seed.key");
    let ledger = s.arg("new/dir/ledger.ndjson");
    let record = |input: &str| {
        let cmd = s.command(&["record", "--key", &key, "--ledger", &ledger, "-"]);
        s.run_with(cmd, Some(input))
    };
    // Under the input limit, but too long once sealed into a line.
    let head =
        format!(r#"{{"type":"UtteranceCaptured","payload":{{"audio_sha256":"{}","transcript":""#, "a".repeat(64));
    let tail = r#"","lang":"en","duration_ms":1}}"#;
    let transcript = "x".repeat(provedex_core::MAX_LINE_BYTES - 100 - head.len() - tail.len());
    let too_long = format!("{head}{transcript}{tail}");
    assert!(too_long.len() <= provedex_core::MAX_LINE_BYTES);
    insta::assert_snapshot!("record_line_too_long", record(&too_long));
    assert!(!s.path("new").exists(), "a refused record creates nothing");
    let out = record(&format!("{too_long}{}", " ".repeat(200)));
    assert!(out.contains("stdin is longer than 16777216 bytes"), "{out}");
    assert!(record("{}").starts_with("exit: 2"));
    fs::remove_file(&key).unwrap();
    assert!(record(CHECK_EVENT).starts_with("exit: 2"));
    assert!(!s.path("new").exists(), "a refused record creates nothing");
}
