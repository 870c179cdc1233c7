//! `config check`, `anchor run|status`, `export --anchored` and
//! `verify-bundle` with receipts, run as a process against the real servers
//! (installed into target/tools and started on 127.0.0.1 by
//! provedex-test-servers): a bundle reaches each proof level only with the
//! trust anchors the verifier gives, a tampered receipt breaks it, and a
//! server that is down or never answers keeps no receipt and never holds up
//! recording.

mod common;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use common::Dir;
use provedex_test_servers::local::{LocalAnchors, SECRET_VARIABLES};
use provedex_test_servers::tsa;
use serde_json::Value;

fn started(session: usize) -> String {
    format!(r#"{{"type":"SessionStarted","payload":{{"agent_id":"a","model_id":"m","session_id":"s{session}"}}}}"#)
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// The last certificate of a PEM chain (the root, as the TSA serves its chain leaf first).
fn last_certificate(pem: &str) -> String {
    let start = pem.rfind("-----BEGIN CERTIFICATE-----").expect("a PEM chain holds a certificate");
    pem[start..].to_owned()
}

fn levels(report: &Value) -> Vec<(String, bool)> {
    report["levels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["level"].as_str().unwrap().to_owned(), l["reached"].as_bool().unwrap()))
        .collect()
}

fn reached(report: &Value) -> Vec<String> {
    levels(report).into_iter().filter(|(_, r)| *r).map(|(l, _)| l).collect()
}

/// A validator for a schema of the repository's spec/.
fn checked_in_schema(path: &str) -> jsonschema::Validator {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path);
    jsonschema::validator_for(&json(&std::fs::read_to_string(file).unwrap())).unwrap()
}

// Pins: AN-2, AN-3.
#[test]
fn anchors_on_the_real_servers_reach_each_level_only_under_the_verifiers_trust() {
    let d = Dir::new();
    let servers = LocalAnchors::start(&d.path("servers")).unwrap();
    let (tsa, log, rekor, s3, eth) = (&servers.tsa, &servers.tlog, &servers.rekor, &servers.s3, &servers.eth);

    let (key, pubkey) = d.key("k.key", 1);
    for i in 0..5 {
        assert_eq!(d.record(&key, &started(i)).code, 0);
    }
    // The root as the TSA serves it, read here apart from the servers' own reading.
    let chain = String::from_utf8(provedex_test_servers::http_get(tsa.port, tsa::CERTCHAIN_PATH).unwrap()).unwrap();
    let root = d.write("tsa-root.pem", &last_certificate(&chain));
    let config = d.write("provedex.toml", &servers.config("ledger.ndjson", "k.key", "tsa-root.pem"));
    let env = servers.secrets();

    // Without the secrets' variables the configuration is refused, each named.
    let check = d.run(&["config", "check", "--config", &config]);
    assert_eq!(check.code, 2, "{}", check.stderr);
    for variable in SECRET_VARIABLES {
        assert!(check.stderr.contains(&format!("the environment variable {variable} is not set")), "{}", check.stderr);
    }
    let check = d.run_with(&["config", "check", "--config", &config], &env);
    assert_eq!(check.code, 0, "{}", check.stderr);
    assert!(check.stdout.contains("tsa (rfc3161) at http://127.0.0.1:"), "{}", check.stdout);
    assert!(check.stdout.contains("reaches publicly-auditable"), "{}", check.stdout);

    let run = d.run_with(&["anchor", "run", "--config", &config], &env);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    for name in ["tsa", "tlog", "rekor", "worm", "chain"] {
        assert!(run.stdout.contains(&format!("{name}: anchored 5 lines")), "{name}: {}", run.stdout);
    }
    let status = json(&d.run_with(&["anchor", "status", "--config", &config, "--json"], &env).stdout);
    for anchor in status.as_array().unwrap() {
        assert_eq!((anchor["last_tree_size"].as_u64(), anchor["pending"].as_u64()), (Some(5), Some(0)), "{anchor}");
    }
    // Nothing new: a second run publishes nothing.
    let again = d.run_with(&["anchor", "run", "--config", &config], &env);
    assert_eq!(again.code, 0);
    assert_eq!(again.stdout.matches("up to date").count(), 5, "{}", again.stdout);

    let bundle = d.arg("b.json");
    let export = d.run(&[
        "export",
        "--anchored",
        "--ledger",
        &d.arg("ledger.ndjson"),
        "--from-seq",
        "1",
        "--to-seq",
        "3",
        "--out",
        &bundle,
    ]);
    assert_eq!(export.code, 0, "{}", export.stderr);
    let document = json(&std::fs::read_to_string(&bundle).unwrap());
    let kinds: Vec<&str> =
        document["receipts"].as_array().unwrap().iter().map(|r| r["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["rfc3161", "tlog", "rekor", "s3-object-lock", "ethereum"]);
    // What the servers returned is valid under the spec's schemas: each
    // receipt, and the statement it carries.
    let receipt_schema = checked_in_schema("spec/receipt.schema.json");
    let statement_schema = checked_in_schema("spec/anchor-statement.schema.json");
    for receipt in document["receipts"].as_array().unwrap() {
        let errors: Vec<String> = receipt_schema.iter_errors(receipt).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{}: {errors:?}", receipt["type"]);
        let statement = json(receipt["statement"].as_str().unwrap());
        let errors: Vec<String> = statement_schema.iter_errors(&statement).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{statement}: {errors:?}");
        let mut extra = receipt.clone();
        extra["unexpected"] = Value::Bool(true);
        assert!(!receipt_schema.is_valid(&extra), "a {} receipt has exactly its members", receipt["type"]);
    }

    let verify = |extra: &[&str], env: &[(&str, &str)]| {
        let args = [&["verify-bundle", &bundle, "--pubkey", &pubkey, "--json"][..], extra].concat();
        let out = d.run_with(&args, env);
        (out.code, json(&out.stdout))
    };
    // No trust anchor given: every receipt is checked as far as it can be,
    // and none reaches a level.
    let (code, report) = verify(&[], &[]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(reached(&report), ["verifiable"], "{report:#}");
    let details: Vec<&str> = report["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "receipt")
        .map(|e| e["detail"].as_str().unwrap())
        .collect();
    assert!(details[0].contains("not one the verifier trusts"), "{}", details[0]);
    assert!(details[1].contains("no key is trusted for the log"), "{}", details[1]);
    assert!(details[3].contains("checked only against the store"), "{}", details[3]);
    assert!(details[4].contains("needs the chain it must be on"), "{}", details[4]);

    // The TSA root and the logs' keys: timestamped and auditable.
    let tlog_key = log.log_key.verifier_key();
    let rekor_key = rekor.log_key.verifier_key();
    let trusted = ["--tsa-root", &root, "--log-key", &tlog_key, "--log-key", &rekor_key];
    let (code, report) = verify(&trusted, &[]);
    assert_eq!(code, 0);
    assert_eq!(reached(&report), ["verifiable", "publicly-auditable", "publicly-timestamped"], "{report:#}");
    assert_eq!(report["proof_level"], "publicly-timestamped");

    // The chain alone (asked of the node) timestamps too; the store, asked
    // with its credentials, archives.
    let chain_id = eth.chain_id.to_string();
    let (_, report) = verify(&["--eth-chain-id", &chain_id, "--eth-rpc", &eth.url], &[]);
    assert_eq!(reached(&report), ["verifiable", "publicly-timestamped"], "{report:#}");
    let store_env = [("AWS_ACCESS_KEY_ID", s3.access_key.as_str()), ("AWS_SECRET_ACCESS_KEY", s3.secret_key.as_str())];
    let (_, report) = verify(&["--s3-endpoint", &s3.endpoint], &store_env);
    assert_eq!(reached(&report), ["verifiable", "externally-archived"], "{report:#}");
    let (_, report) = verify(&[&trusted[..], &["--s3-endpoint", &s3.endpoint]].concat(), &store_env);
    assert_eq!(report["proof_level"], "publicly-timestamped");
    assert_eq!(levels(&report).iter().filter(|(_, r)| *r).count(), 4, "{report:#}");

    // A receipt whose statement names another tree size breaks the bundle.
    let mut forged = document.clone();
    let statement = forged["receipts"][0]["statement"].as_str().unwrap().replace("\"tree_size\":5", "\"tree_size\":4");
    forged["receipts"][0]["statement"] = Value::String(statement);
    let forged_path = d.write("forged.json", &forged.to_string());
    let out = d.run(&["verify-bundle", &forged_path, "--pubkey", &pubkey, "--json", "--tsa-root", &root]);
    let report = json(&out.stdout);
    assert_eq!((out.code, report["reason"].as_str()), (1, Some("receipt_invalid")), "{report:#}");
    assert!(report["message"].as_str().unwrap().contains("receipt 1 (\"rfc3161\")"), "{report:#}");

    // A log receipt whose entry index is moved is refused the same way.
    let mut foreign = document.clone();
    foreign["receipts"][1]["index"] = Value::from(7);
    let foreign_path = d.write("foreign.json", &foreign.to_string());
    let out = d.run(&["verify-bundle", &foreign_path, "--pubkey", &pubkey, "--json", "--log-key", &tlog_key]);
    assert_eq!((out.code, json(&out.stdout)["reason"].as_str()), (1, Some("receipt_invalid")), "{}", out.stdout);
}

// Pins: AN-14.
#[test]
fn a_server_down_or_silent_keeps_no_receipt_records_the_failure_and_never_holds_up_recording() {
    let d = Dir::new();
    let (key, _) = d.key("k.key", 2);
    assert_eq!(d.record(&key, &started(0)).code, 0);
    // A server that accepts connections and never answers.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    silent.set_nonblocking(true).unwrap();
    let held = std::thread::spawn(move || {
        let (mut open, until) = (Vec::new(), Instant::now() + Duration::from_secs(8));
        while Instant::now() < until {
            if let Ok(stream) = silent.accept() {
                open.push(stream);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        open.len()
    });
    let down_port = provedex_test_servers::free_port();
    let config = d.write(
        "provedex.toml",
        &format!(
            "ledger = \"ledger.ndjson\"\nkey = \"k.key\"\n\
             [[anchor]]\nname = \"silent\"\ntype = \"rfc3161\"\nendpoint = \"http://127.0.0.1:{silent_port}\"\ntimeout_seconds = 3\n\
             [[anchor]]\nname = \"down\"\ntype = \"rfc3161\"\nendpoint = \"http://127.0.0.1:{down_port}\"\n"
        ),
    );
    let binary = env!("CARGO_BIN_EXE_provedex");
    let started_at = Instant::now();
    let mut anchoring = std::process::Command::new(binary)
        .args(["anchor", "run", "--config", &config])
        .env("HOME", d.path(""))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Record while the anchorer waits on the silent server: each record is
    // done long before the anchor's timeout, and the anchorer still runs.
    std::thread::sleep(Duration::from_millis(300));
    let mut longest = Duration::ZERO;
    for i in 1..4 {
        let t = Instant::now();
        assert_eq!(d.record(&key, &started(i)).code, 0);
        longest = longest.max(t.elapsed());
    }
    assert!(anchoring.try_wait().unwrap().is_none(), "the anchorer was still waiting while the events were recorded");
    let out = anchoring.wait_with_output().unwrap();
    let recording = (longest, out);
    let (longest, out) = recording;
    assert!(longest < Duration::from_secs(2), "a record took {longest:?} while anchoring");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(5), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(started_at.elapsed() < Duration::from_secs(20), "the run ended within its timeouts");
    assert!(stdout.contains("silent: FAILED:"), "{stdout}");
    assert!(stdout.contains("down: FAILED:"), "{stdout}");
    assert!(!d.path("ledger.ndjson.receipts").exists(), "no receipt is kept for a failure");

    let status = json(&d.run(&["anchor", "status", "--config", &config, "--json"]).stdout);
    for anchor in status.as_array().unwrap() {
        assert_eq!(anchor["failures"], 1, "{anchor}");
        assert!(anchor["last_error"].as_str().is_some_and(|e| !e.is_empty()), "{anchor}");
        assert!(anchor["next_attempt_nanos"].as_u64().is_some(), "{anchor}");
        assert_eq!(anchor["pending"], 4, "every line recorded, none anchored: {anchor}");
    }
    let verify = d.run(&["verify", "--ledger", &d.arg("ledger.ndjson")]);
    assert_eq!(verify.code, 0, "{}", verify.stdout);
    assert!(held.join().unwrap() >= 1, "the anchorer reached the silent server");
}

#[test]
fn config_check_lists_every_problem_and_anchor_refuses_to_start_on_one() {
    let d = Dir::new();
    d.key("k.key", 3);
    let config = d.write(
        "provedex.toml",
        "ledger = \"ledger.ndjson\"\nkey = \"k.key\"\nproof_level = \"publicly-auditable\"\n\
         [[anchor]]\ntype = \"rfc3161\"\nendpoint = \"127.0.0.1:1\"\nschedule = \"61 * * * *\"\n",
    );
    let check = d.run(&["config", "check", "--config", &config]);
    assert_eq!(check.code, 2);
    assert!(check.stderr.contains("3 problems:"), "{}", check.stderr);
    assert!(check.stderr.contains("endpoint \"127.0.0.1:1\" is not an http:// or https:// URL"), "{}", check.stderr);
    assert!(check.stderr.contains("schedule \"61 * * * *\" is not a cron expression"), "{}", check.stderr);
    assert!(check.stderr.contains("proof_level: publicly-auditable needs an anchor of type tlog or rekor"));
    let run = d.run(&["anchor", "run", "--config", &config]);
    assert_eq!((run.code, run.stderr.contains("3 problems:")), (2, true), "{}", run.stderr);
    assert!(!d.path("ledger.ndjson.anchors").exists() && !d.path("ledger.ndjson").exists(), "nothing written");
    let missing = d.run(&["config", "check", "--config", &d.arg("nothing.toml")]);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("nothing.toml: cannot read it"), "{}", missing.stderr);
}
