//! The 1.1 commands, run as a process: `rotate-key`, `toolset hash|pin|check`,
//! `redact`, `show --include-redacted`, and `verify --current-pubkey` and
//! `--check-tools`. Every refusal changes nothing on disk.

mod common;

use common::{Dir, bytes};

const STARTED: &str = r#"{"type":"SessionStarted","payload":{"agent_id":"agent-1","model_id":"m","session_id":"s"}}"#;

fn tool_called(name: &str) -> String {
    format!(
        r#"{{"type":"ToolCalled","payload":{{"tool_name":"{name}","args_sha256":"{}","args_redacted":{{}}}}}}"#,
        "ab".repeat(32)
    )
}

#[test]
fn a_rotated_ledger_verifies_from_its_first_key_and_refuses_the_old_one() {
    let d = Dir::new();
    let ledger = d.arg("ledger.ndjson");
    let ((old, old_pub), (new, new_pub), (_, third_pub)) =
        (d.key("old.key", 1), d.key("new.key", 2), d.key("x.key", 3));
    assert_eq!(d.record(&old, STARTED).code, 0);
    let rotated = d.run(&["rotate-key", "--key", &old, "--new-key", &new, "--ledger", &ledger]);
    assert_eq!(rotated.code, 0, "{}", rotated.stderr);
    assert!(rotated.stdout.contains(r#""type":"KeyRotated""#) && rotated.stdout.contains(&new_pub));
    assert!(rotated.stderr.contains(&new_pub), "{}", rotated.stderr);

    let before = bytes(&d.path("ledger.ndjson"));
    let refused = d.record(&old, STARTED);
    assert_eq!(refused.code, 2);
    assert!(refused.stderr.contains("rotated out") && refused.stderr.contains(&new_pub), "{}", refused.stderr);
    assert_eq!(bytes(&d.path("ledger.ndjson")), before);
    assert_eq!(d.record(&new, STARTED).code, 0);

    let verified = d.run(&["verify", "--ledger", &ledger, "--pubkey", &old_pub, "--current-pubkey", &new_pub]);
    assert_eq!(verified.code, 0, "{}", verified.stdout);
    assert!(verified.stdout.contains(&format!("key:       {old_pub} seq 0 to 1")), "{}", verified.stdout);
    assert!(verified.stdout.contains(&format!("key:       {new_pub} seq 2 to 2")), "{}", verified.stdout);
    let json = d.run(&["verify", "--ledger", &ledger, "--json"]);
    let report: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(report["keys"][1], serde_json::json!({"pubkey": new_pub, "from_seq": 2, "to_seq": 2}));

    let pem = d.run(&["key", "public", "--key", &old, "--pem"]);
    let pem_file = d.write("old.pub.pem", &pem.stdout);
    let by_file = d.run(&["verify", "--ledger", &ledger, "--pubkey", &pem_file, "--current-pubkey", &new_pub]);
    assert_eq!(by_file.code, 0, "a PEM public key file pins the first key: {}{}", by_file.stdout, by_file.stderr);

    let wrong_current = d.run(&["verify", "--ledger", &ledger, "--current-pubkey", &old_pub, "--json"]);
    assert_eq!(wrong_current.code, 1);
    assert!(wrong_current.stdout.contains(r#""reason":"current_key_mismatch""#), "{}", wrong_current.stdout);
    let wrong_root = d.run(&["verify", "--ledger", &ledger, "--pubkey", &third_pub, "--json"]);
    assert!(wrong_root.stdout.contains(r#""reason":"pubkey_mismatch""#), "{}", wrong_root.stdout);
}

#[test]
fn rotate_key_refuses_the_same_key_a_missing_key_and_a_key_that_is_not_current() {
    let d = Dir::new();
    let ledger = d.arg("ledger.ndjson");
    let ((old, _), (new, _)) = (d.key("old.key", 1), d.key("new.key", 2));
    assert_eq!(d.record(&old, STARTED).code, 0);
    let before = bytes(&d.path("ledger.ndjson"));
    let same = d.run(&["rotate-key", "--key", &old, "--new-key", &old, "--ledger", &ledger]);
    assert_eq!(same.code, 2);
    assert!(same.stderr.contains("same key"), "{}", same.stderr);
    let missing = d.run(&["rotate-key", "--key", &old, "--new-key", &d.arg("none.key"), "--ledger", &ledger]);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("keygen"), "{}", missing.stderr);
    let not_current = d.run(&["rotate-key", "--key", &new, "--new-key", &old, "--ledger", &ledger]);
    assert_eq!(not_current.code, 2);
    assert!(not_current.stderr.contains("not by this key"), "{}", not_current.stderr);
    assert_eq!(bytes(&d.path("ledger.ndjson")), before);
}

#[test]
fn toolset_hash_pin_and_check_name_the_drifted_tools() {
    let d = Dir::new();
    let ledger = d.arg("ledger.ndjson");
    let (key, _) = d.key("k.key", 1);
    let manifest = d.write(
        "tools.json",
        r#"[{"type":"function","function":{"name":"get_weather","description":"Current weather for a city.",
            "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}},
           {"name":"search","version":"2.1.0","description":"Web search.",
            "parameters":{"type":"object","properties":{"q":{"type":"string"}}}}]"#,
    );
    // The example of spec/toolsets.md.
    let hashed = d.run(&["toolset", "hash", &manifest]);
    assert_eq!(hashed.code, 0, "{}", hashed.stderr);
    assert!(hashed.stdout.starts_with("baf4da9f70c7a7142fc390b4eb23541c7d564f438c15bfb706f8e42dae862390\n"));

    let no_pin = d.run(&["toolset", "check", &manifest, "--ledger", &ledger]);
    assert_eq!(no_pin.code, 2, "a ledger that does not exist is an error");
    assert_eq!(d.record(&key, STARTED).code, 0);
    let no_pin = d.run(&["toolset", "check", &manifest, "--ledger", &ledger]);
    assert_eq!(no_pin.code, 2);
    assert!(no_pin.stderr.contains("pins no toolset"), "{}", no_pin.stderr);

    assert_eq!(d.run(&["toolset", "pin", &manifest, "--key", &key, "--ledger", &ledger]).code, 0);
    let same = d.run(&["toolset", "check", &manifest, "--ledger", &ledger]);
    assert_eq!(same.code, 0, "{}{}", same.stdout, same.stderr);

    let drifted = d.write(
        "drifted.json",
        r#"{"tools":[{"name":"search","version":"2.2.0","description":"Web search.",
            "parameters":{"type":"object","properties":{"q":{"type":"string"}}}},{"name":"calc"}]}"#,
    );
    let check = d.run(&["toolset", "check", &drifted, "--ledger", &ledger]);
    assert_eq!(check.code, 1);
    assert!(check.stdout.starts_with("Toolset drift detected! Expected baf4da9f"), "{}", check.stdout);
    for line in ["added:    calc", "removed:  get_weather", "changed:  search"] {
        assert!(check.stdout.contains(line), "{line} in {}", check.stdout);
    }
    let json = d.run(&["toolset", "check", &drifted, "--ledger", &ledger, "--json"]);
    let report: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(report["matches"], false);
    assert_eq!(report["drift"]["added"][0]["name"], "calc");

    let calls = d.run(&["verify", "--ledger", &ledger, "--check-tools"]);
    assert_eq!(calls.code, 0, "no tool call yet: {}", calls.stdout);
    assert_eq!(d.record(&key, &tool_called("calc")).code, 0);
    assert_eq!(d.record(&key, &tool_called("search")).code, 0);
    let calls = d.run(&["verify", "--ledger", &ledger, "--check-tools", "--json"]);
    assert_eq!(calls.code, 1);
    let report: serde_json::Value = serde_json::from_str(&calls.stdout).unwrap();
    assert_eq!(report["ok"], true);
    assert_eq!(report["unpinned_tool_calls"], serde_json::json!([{"seq": 2, "tool_name": "calc"}]));
    assert_eq!(d.run(&["verify", "--ledger", &ledger]).code, 0, "unpinned calls are listed only when asked");
}

#[test]
fn toolset_refuses_bad_manifests_naming_the_tool_and_pins_nothing() {
    let d = Dir::new();
    let ledger = d.arg("ledger.ndjson");
    let (key, _) = d.key("k.key", 1);
    assert_eq!(d.record(&key, STARTED).code, 0);
    let before = bytes(&d.path("ledger.ndjson"));
    for (text, expected) in [
        (r#"[{"name":"a","colour":"red"}]"#, "colour"),
        (r#"[{"name":"a"},{"name":"a"}]"#, "\"a\""),
        (r#"[{"name":""}]"#, "name"),
        (r#"{"tools":[],"extra":1}"#, "tools"),
        (r#"[{"name":"a","name":"b"}]"#, "duplicate"),
    ] {
        let manifest = d.write("bad.json", text);
        let pinned = d.run(&["toolset", "pin", &manifest, "--key", &key, "--ledger", &ledger]);
        assert_eq!(pinned.code, 2, "{text}");
        assert!(pinned.stderr.contains(expected), "{text}: {}", pinned.stderr);
    }
    assert_eq!(bytes(&d.path("ledger.ndjson")), before);
}

#[test]
fn a_redacted_line_is_hidden_by_show_and_listed_with_include_redacted() {
    let d = Dir::new();
    let ledger = d.arg("ledger.ndjson");
    let (key, _) = d.key("k.key", 1);
    assert_eq!(d.record(&key, STARTED).code, 0);
    assert_eq!(d.record(&key, &tool_called("secret\\u001b[31mtool")).code, 0);
    let redacted = d.run(&[
        "redact",
        "--seq",
        "1",
        "--reason",
        "user_request",
        "--requested-by",
        "ticket-9",
        "--key",
        &key,
        "--ledger",
        &ledger,
    ]);
    assert_eq!(redacted.code, 0, "{}", redacted.stderr);
    assert!(redacted.stdout.contains(r#""target_seq":1"#));

    let shown = d.run(&["show", "--ledger", &ledger]);
    assert_eq!(shown.code, 0);
    assert!(!shown.stdout.contains("secret"), "{}", shown.stdout);
    assert!(shown.stdout.contains("1 redacted line not listed (seq 1)"), "{}", shown.stdout);
    let all = d.run(&["show", "--ledger", &ledger, "--include-redacted"]);
    assert!(all.stdout.contains("[redacted by seq 2]") && all.stdout.contains("secret"), "{}", all.stdout);
    assert!(!all.stdout.contains('\u{1b}'), "terminal escapes never reach the terminal raw");
    assert_eq!(d.run(&["verify", "--ledger", &ledger]).code, 0);

    let before = bytes(&d.path("ledger.ndjson"));
    for (seq, expected) in [("2", "cannot be redacted"), ("3", "no line with seq 3")] {
        let refused = d.run(&[
            "redact",
            "--seq",
            seq,
            "--reason",
            "r",
            "--requested-by",
            "w",
            "--key",
            &key,
            "--ledger",
            &ledger,
        ]);
        assert_eq!(refused.code, 2, "{seq}");
        assert!(refused.stderr.contains(expected), "{seq}: {}", refused.stderr);
    }
    assert_eq!(bytes(&d.path("ledger.ndjson")), before);
}
