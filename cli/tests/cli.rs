//! The `provedex` command, run as a process. insta snapshots pin the human
//! and JSON output of every subcommand, failures included; the temporary
//! directory shows as `[TMP]`, and values that depend on the clock or a
//! fresh random key are redacted where a test cannot fix them.

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use provedex_core::canonical::Map;
use provedex_core::event::{ModelInvoked, SessionEnded, SessionStarted, ToolCalled};
use provedex_core::{AgentEvent, GENESIS_PARENT_HASH, Session, SigningKeypair, Value, sign_event_at};

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
        let out = child.wait_with_output().unwrap();
        let text = format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        text.replace(&self.dir.path().to_string_lossy().into_owned(), "[TMP]")
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
            prompt_sha256: "a".repeat(64),
            response_sha256: "b".repeat(64),
            prompt_tokens: 12,
            response_tokens: 3,
        }),
        AgentEvent::ToolCalled(ToolCalled {
            tool_name: "weather".into(),
            args_sha256: "c".repeat(64),
            args_redacted: args,
        }),
        AgentEvent::SessionEnded(SessionEnded { reason: "completed".into(), summary_sha256: String::new() }),
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
    assert!(verify.starts_with("exit: 0\n--- stdout\nvalid: 8 events\n"), "{verify}");
    insta::assert_snapshot!("demo_refuses_non_empty_dir", s.run(&["demo", "--dir", &s.arg("demo")]));
}

#[test]
fn demo_without_a_dir_uses_a_fresh_temporary_directory() {
    let s = Sandbox::new();
    let mut cmd = s.command(&["demo"]);
    cmd.env("TMPDIR", s.dir.path());
    let out = s.run_with(cmd, None);
    assert!(out.starts_with("exit: 0\n--- stdout\nProvedex demo in [TMP]/provedex-demo-"), "{out}");
}
