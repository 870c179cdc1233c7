//! `provedex demo`: the whole job on an embedded sample. A voice concierge
//! pins its toolset and books a table; every step is recorded, the ledger
//! verifies, and a copy with one edited byte range does not. Then the
//! ledger's key is rotated, a changed toolset is caught as drift, the
//! caller's transcript is soft-forgotten by a redaction, a checkpoint kept
//! apart catches a cut copy, and the booking is exported as a bundle and
//! verified without the ledger under the pinned fingerprint.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use provedex_anchor::anchorer::{Anchorer, Outcome, RunMode, now_nanos};
use provedex_anchor::config::Config;
use provedex_anchor::online::OnlineChecker;
use provedex_core::bundle::{KeyPin, ProofLevel, verify_bundle, verify_bundle_with};
use provedex_core::canonical::Map;
use provedex_core::display::shell_word;
use provedex_core::event::{
    ModelInvoked, SessionEnded, SessionStarted, ToolCalled, ToolReturned, UtteranceCaptured, UtteranceSpoken,
};
use provedex_core::toolset::Toolset;
use provedex_core::{
    AgentEvent, BundleCheckpoint, Digest, Engine, KeyFile, LedgerTree, Selection, Session, SignedCheckpoint,
    SigningKeypair, Value, Verifier, check_toolset, export_bundle,
};

use super::verify_bundle;
use crate::out::out;
use crate::render::{self, path_text, terminal_safe};
use crate::{CliError, CliResult};

const MODEL: &str = "llama3.2:3b";
/// What the demo edits in its tampered copy: the booked party size.
const ORIGINAL: &str = "\"party_size\":2";
const TAMPERED: &str = "\"party_size\":20";
/// The concierge's tools, as an OpenAI-style tool list.
const TOOLS: &str = r#"[{"type":"function","function":{"name":"restaurant.book","description":"Book a table.",
  "parameters":{"type":"object","properties":{"restaurant":{"type":"string"},"party_size":{"type":"integer"},
  "time":{"type":"string"},"customer_phone":{"type":"string"}},"required":["restaurant","party_size","time"]}}},
 {"type":"function","function":{"name":"restaurant.search","description":"Find restaurants near the caller.",
  "parameters":{"type":"object","properties":{"query":{"type":"string"}}}}}]"#;
/// The same tools after a deploy changed one of them and added another.
const TOOLS_LATER: &str = r#"[{"type":"function","function":{"name":"restaurant.book","description":"Book a table.",
  "parameters":{"type":"object","properties":{"restaurant":{"type":"string"},"party_size":{"type":"integer"},
  "time":{"type":"string"},"customer_phone":{"type":"string"},"deposit_card":{"type":"string"}},
  "required":["restaurant","party_size","time"]}}},
 {"type":"function","function":{"name":"restaurant.search","description":"Find restaurants near the caller.",
  "parameters":{"type":"object","properties":{"query":{"type":"string"}}}}},
 {"type":"function","function":{"name":"payments.charge","description":"Charge a card."}}]"#;

/// The sample session: all seven event variants, as a voice agent emits them.
fn sample_session(session_id: &str) -> Vec<AgentEvent> {
    let request = "Book a table for two at Luigi's tomorrow at seven.";
    let reply = "Done: a table for two at Luigi's, tomorrow at 7 pm. Confirmation LG-4821.";
    let args = r#"{"customer_phone":"+1-555-0100","party_size":2,"restaurant":"Luigi's","time":"2026-11-22T19:00"}"#;
    let mut args_redacted = Map::new();
    args_redacted.insert("customer_phone".into(), Value::from("[redacted]"));
    args_redacted.insert("party_size".into(), Value::from(2u64));
    args_redacted.insert("restaurant".into(), Value::from("Luigi's"));
    args_redacted.insert("time".into(), Value::from("2026-11-22T19:00"));
    vec![
        AgentEvent::SessionStarted(SessionStarted {
            agent_id: "concierge-agent".into(),
            model_id: MODEL.into(),
            session_id: session_id.into(),
        }),
        AgentEvent::UtteranceCaptured(UtteranceCaptured {
            audio_sha256: Digest::of(b"caller audio: book a table"),
            transcript: request.into(),
            lang: "en-US".into(),
            duration_ms: 3140,
        }),
        AgentEvent::ModelInvoked(ModelInvoked {
            model_id: MODEL.into(),
            prompt_sha256: Digest::of(format!("system: you are a concierge\nuser: {request}").as_bytes()),
            response_sha256: Digest::of(format!("tool_call restaurant.book {args}").as_bytes()),
            prompt_tokens: 412,
            response_tokens: 38,
        }),
        AgentEvent::ToolCalled(ToolCalled {
            tool_name: "restaurant.book".into(),
            args_sha256: Digest::of(args.as_bytes()),
            args_redacted,
        }),
        AgentEvent::ToolReturned(ToolReturned {
            tool_name: "restaurant.book".into(),
            result_sha256: Digest::of(br#"{"confirmation":"LG-4821","status":"booked"}"#),
            latency_ms: 182,
            success: true,
        }),
        AgentEvent::ModelInvoked(ModelInvoked {
            model_id: MODEL.into(),
            prompt_sha256: Digest::of(b"tool result: booked, confirmation LG-4821"),
            response_sha256: Digest::of(reply.as_bytes()),
            prompt_tokens: 466,
            response_tokens: 27,
        }),
        AgentEvent::UtteranceSpoken(UtteranceSpoken {
            text_sha256: Digest::of(reply.as_bytes()),
            text: reply.into(),
            audio_sha256: Some(Digest::of(b"synthesized reply audio")),
        }),
        AgentEvent::SessionEnded(SessionEnded {
            reason: "completed".into(),
            summary_sha256: Some(Digest::of(b"booked Luigi's for 2, 2026-11-22 19:00, LG-4821")),
        }),
    ]
}

#[derive(clap::Args)]
pub struct Args {
    /// Directory to use; must be empty or absent [default: a new temporary directory]
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// Anchor the demo's ledger with the anchors of this configuration (its ledger and key are the demo's),
    /// and verify the anchored bundle under the trust it names; `provedex-local-anchors DIR` starts local servers
    /// and writes one
    #[arg(long, value_name = "FILE")]
    anchor_config: Option<PathBuf>,
}

pub fn run(args: Args) -> CliResult {
    let dir = args.dir;
    let dir = prepare_dir(dir)?;
    out(format!("Provedex demo in {}\n\n", path_text(&dir)));

    let key_path = dir.join("keys/ed25519.key");
    let key = SigningKeypair::generate()?;
    key.save(&key_path)?;
    out(format!("1. Created a signing key: {}\n", path_text(&key_path)));
    out(format!("   public key {}\n\n", key.pubkey_hex()));

    let ledger = dir.join("ledger.ndjson");
    let session = Session::open(&key, &ledger, "session-demo")?;
    let toolset = demo_toolset(TOOLS)?;
    out(format!("2. Recorded a voice-agent session, its toolset pinned first, to {}:\n", path_text(&ledger)));
    let mut sample = sample_session(session.session_id()).into_iter();
    let started = sample.next().expect("the sample starts a session");
    for signed in [session.record(&started)?, session.pin_toolset(&toolset)?] {
        out(event_row(&signed));
    }
    for event in sample {
        out(event_row(&session.record(&event)?));
    }

    let pinned = || Verifier::new().pinned_pubkey(key.public_key());
    let report = pinned().file(&ledger)?;
    out(format!(
        "\n3. Verified it offline with only the public key:\n{}",
        indent(&render::report(Some(&ledger), &report))
    ));
    if !report.ok {
        return Err(CliError { code: 1, message: "the freshly recorded ledger does not verify".into() });
    }

    let tampered = dir.join("tampered.ndjson");
    write(&tampered, text_of(&ledger)?.replacen(ORIGINAL, TAMPERED, 1).as_bytes())?;
    let broken = pinned().file(&tampered)?;
    out(format!(
        "\n4. Copied it to {} and changed {ORIGINAL} to {TAMPERED}:\n{}",
        path_text(&tampered),
        indent(&render::report(Some(&tampered), &broken))
    ));
    if broken.ok {
        return Err(CliError { code: 1, message: "the tampered copy verified; tampering went undetected".into() });
    }

    let new_key_path = dir.join("keys/ed25519-2.key");
    let new_key = SigningKeypair::generate()?;
    new_key.save(&new_key_path)?;
    let rotation = session.rotate_key(&new_key)?;
    session
        .record(&AgentEvent::SessionEnded(SessionEnded { reason: "rotation_check".into(), summary_sha256: None }))?;
    drop(session);
    let rotated = pinned().file(&ledger)?;
    out(format!(
        "\n5. Rotated the ledger to a new key ({}) at seq {}, proven by the new key, and recorded one more event;\n   \
         verified with the first key still pinned:\n{}",
        path_text(&new_key_path),
        rotation.seq,
        indent(&render::report(Some(&ledger), &rotated))
    ));
    if !rotated.ok {
        return Err(CliError { code: 1, message: "the rotated ledger does not verify from its first key".into() });
    }

    let check = check_toolset(&ledger, Some(key.public_key()), &demo_toolset(TOOLS_LATER)?)?;
    out(format!(
        "\n6. Checked the agent's tools after a deploy against the pin at seq {}:\n   Toolset drift detected! \
         Expected {}, got {}\n{}",
        check.pinned_at,
        check.pinned_sha256,
        demo_toolset(TOOLS_LATER)?.toolset_sha256,
        indent(&render::drift_text(&check.drift))
    ));

    let session = Session::open(&new_key, &ledger, "session-demo")?;
    let redaction = session.redact(2, "caller_asked_to_forget", "privacy-desk")?;
    drop(session);
    let mut hidden = 0;
    let after = pinned()
        .on_event(|event, _| hidden += u64::from(matches!(event.event, AgentEvent::Redacted(_))))
        .file(&ledger)?;
    out(format!(
        "\n7. Soft-forgot the caller's transcript (seq 2) with a signed redaction at seq {}: `show` leaves it \
         out,\n   the line stays for audit, and the ledger still verifies ({} redaction, ok: {}).\n",
        redaction.seq, hidden, after.ok
    ));
    if !after.ok {
        return Err(CliError { code: 1, message: "the ledger does not verify after the redaction".into() });
    }

    let mut tree = LedgerTree::read(&ledger, Some(key.public_key()))?;
    let checkpoint_path = dir.join("checkpoint.txt");
    let note = tree.checkpoint(&new_key, None)?;
    write(&checkpoint_path, note.to_text().as_bytes())?;
    let checkpoint = SignedCheckpoint::parse(note.to_text().as_bytes()).expect("a checkpoint just signed reads back");
    let cut = dir.join("cut.ndjson");
    let kept: String = text_of(&ledger)?.split_inclusive('\n').take(tree.size() as usize - 2).collect();
    write(&cut, kept.as_bytes())?;
    let truncated = pinned().checkpoint(checkpoint).file(&cut)?;
    out(format!(
        "\n8. Signed a checkpoint of all {} lines ({}), to keep apart from the ledger; a copy with its\n   \
         last two lines cut still verifies line by line, but not against the checkpoint:\n{}",
        tree.size(),
        path_text(&checkpoint_path),
        indent(&render::report(Some(&cut), &truncated))
    ));
    if truncated.ok {
        return Err(CliError {
            code: 1,
            message: "the cut copy passed the checkpoint; the cut went undetected".into(),
        });
    }

    let bundle_path = dir.join("booking.bundle.json");
    let bundle = export_bundle(&ledger, BundleCheckpoint::Sign(&new_key), Selection::Seqs { first: 3, last: 6 })?;
    let bundle_bytes = serde_json::to_vec_pretty(&bundle).expect("a bundle serialises");
    write(&bundle_path, &bundle_bytes)?;
    let fingerprint = KeyPin::Fingerprint(new_key.fingerprint());
    let verified = verify_bundle(&bundle_bytes, Some(&fingerprint), None, Engine::default());
    out(format!(
        "\n9. Exported the booking (seq 3 to 6) as a bundle ({}) and verified it without the ledger,\n   \
         the current key's fingerprint pinned:\n{}",
        path_text(&bundle_path),
        indent(&verify_bundle::render(&path_text(&bundle_path), &verified))
    ));
    if verified.proof_level != Some(ProofLevel::Verifiable) {
        return Err(CliError { code: 1, message: "the exported bundle does not verify under the pinned key".into() });
    }

    anchor_step(args.anchor_config.as_deref(), &dir, &ledger, &new_key_path, &fingerprint)?;

    let provedex = this_command();
    out(format!(
        "\nTry it yourself:\n   {provedex} show --ledger {}\n   {provedex} show --ledger {} --include-redacted\n   \
         {provedex} verify --ledger {} --pubkey {}\n   {provedex} verify --ledger {} --checkpoint {}\n   \
         {provedex} verify-bundle {} --fingerprint {}\n",
        shell_word(&ledger),
        shell_word(&ledger),
        shell_word(&tampered),
        key.pubkey_hex(),
        shell_word(&cut),
        shell_word(&checkpoint_path),
        shell_word(&bundle_path),
        new_key.fingerprint()
    ));
    Ok(ExitCode::SUCCESS)
}

/// Step 10: anchors the ledger with the configured anchors, exports the
/// booking against the anchored checkpoint with its receipts, and shows the
/// levels it reaches under the trust the configuration names; without a
/// configuration, says what the levels above `verifiable` need.
fn anchor_step(
    config: Option<&Path>,
    dir: &Path,
    ledger: &Path,
    key: &Path,
    fingerprint: &KeyPin,
) -> Result<(), CliError> {
    let Some(config_path) = config else {
        out("\n10. Not anchored: the levels above verifiable need evidence outside the operator's hands\n    \
             (externally-archived: a WORM store; publicly-auditable: a transparency log; publicly-timestamped:\n    \
             an RFC 3161 timestamp or a chain transaction). Start local servers with\n    \
             `cargo run -p provedex-test-servers --bin provedex-local-anchors -- DIR`, then run the demo again\n    \
             with --anchor-config DIR/provedex.toml (README, \"Anchors\").\n");
        return Ok(());
    };
    let env = |name: &str| std::env::var(name).ok();
    let mut config = Config::load(config_path).map_err(|e| CliError::usage(e.to_string()))?;
    (config.ledger, config.key) = (ledger.to_owned(), key.to_owned());
    let anchorer = Anchorer::new(config.clone(), &env).map_err(|e| CliError::usage(e.to_string()))?;
    let outcomes = anchorer.run(RunMode::All, now_nanos())?;
    let mut text = String::new();
    for (name, outcome) in &outcomes {
        let line = match outcome {
            Outcome::Anchored { tree_size } => format!("{name}: anchored {tree_size} lines"),
            Outcome::Failed { error, .. } => format!("{name}: FAILED: {error}"),
            Outcome::UpToDate | Outcome::NotDue => format!("{name}: nothing to anchor"),
        };
        text.push_str(&terminal_safe(&line));
        text.push('\n');
    }
    out(format!(
        "\n10. Anchored a statement of the ledger's checkpoint with the anchors of {} (receipts in {}):\n{}",
        path_text(config_path),
        path_text(&provedex_core::receipts_path(ledger)),
        indent(&text)
    ));
    let bundle_path = dir.join("booking.anchored.bundle.json");
    let bundle = export_bundle(ledger, BundleCheckpoint::Anchored, Selection::Seqs { first: 3, last: 6 })?;
    let bytes = serde_json::to_vec_pretty(&bundle).expect("a bundle serialises");
    write(&bundle_path, &bytes)?;
    let checker = OnlineChecker::from_config(&config, &env).map_err(CliError::usage)?;
    let report = verify_bundle_with(&bytes, Some(fingerprint), None, Engine::default(), &checker);
    out(format!(
        "\n11. Exported the booking again against the anchored checkpoint, with its {} receipts ({}), and\n    \
         verified it under the trust the configuration names:\n{}",
        bundle.receipts.len(),
        path_text(&bundle_path),
        indent(&verify_bundle::render(&path_text(&bundle_path), &report))
    ));
    if !report.ok {
        return Err(CliError { code: 1, message: "the anchored bundle does not verify".into() });
    }
    Ok(())
}

fn text_of(path: &Path) -> Result<String, CliError> {
    fs::read_to_string(path).map_err(|e| CliError::usage(format!("cannot read {}: {e}", path_text(path))))
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    fs::write(path, bytes).map_err(|e| CliError::usage(format!("cannot write {}: {e}", path_text(path))))
}

/// One recorded line for the listing of step 2.
fn event_row(signed: &provedex_core::SignedEvent) -> String {
    format!("   seq {}  {:<18} self_hash {}…\n", signed.seq, signed.event.type_name(), &signed.self_hash.to_hex()[..16])
}

/// The toolset of an embedded manifest.
fn demo_toolset(manifest: &str) -> Result<Toolset, CliError> {
    Toolset::from_manifest(manifest.as_bytes()).map_err(|e| CliError::usage(format!("the demo's manifest: {e}")))
}

/// How to run this program again from a shell: `provedex` when a shell
/// would find this executable by that name (installed), else this
/// executable's path (as after `cargo run`, which puts nothing on PATH),
/// shell-quoted.
fn this_command() -> String {
    let Ok(exe) = std::env::current_exe() else { return "provedex".into() };
    let exe = fs::canonicalize(&exe).unwrap_or(exe);
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .filter(|dir| dir.is_absolute())
            .find_map(|dir| fs::canonicalize(dir.join("provedex")).ok())
    });
    if found.as_ref() == Some(&exe) { "provedex".into() } else { shell_word(&exe) }
}

/// Uses `dir` when it is absent or empty (never mixing with existing files),
/// else creates a fresh directory under the system's temporary directory.
fn prepare_dir(dir: Option<PathBuf>) -> Result<PathBuf, CliError> {
    let Some(dir) = dir else {
        let temp = tempfile::Builder::new()
            .prefix("provedex-demo-")
            .tempdir()
            .map_err(|e| CliError::usage(format!("cannot create a temporary directory: {e}")))?;
        return Ok(temp.keep());
    };
    if dir.exists() && !is_empty_dir(&dir)? {
        return Err(CliError::usage(format!("{} is not empty; give a new or empty directory", path_text(&dir))));
    }
    fs::create_dir_all(&dir).map_err(|e| CliError::usage(format!("cannot create {}: {e}", path_text(&dir))))?;
    Ok(dir)
}

fn is_empty_dir(dir: &Path) -> Result<bool, CliError> {
    if !dir.is_dir() {
        return Err(CliError::usage(format!(
            "{} exists and is not a directory; give a new or empty directory",
            path_text(dir)
        )));
    }
    let mut entries = fs::read_dir(dir).map_err(|e| CliError::usage(format!("cannot use {}: {e}", path_text(dir))))?;
    Ok(entries.next().is_none())
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("   {l}\n")).collect()
}
