//! The adapter for the Rust core (`provedex-conformance adapter`): protocol 1
//! of spec/conformance.md on stdin/stdout, with the typed messages of
//! [`crate::protocol`].
//!
//! A ledger is verified through every entry point and engine of the core,
//! and the adapter answers `errored` when they disagree: the vectors then pin
//! all of them, not only the one whose report is returned. A signed line is
//! also checked against the chain state a session would advance to, the
//! key against the form a writer publishes it in, a refusal's code against
//! its reason, and every event it accepts against its serde form; a data
//! signature it makes is checked to verify as one, and a toolset's hash to
//! be the hash of its tools.

use std::io::{self, BufRead, Write};
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use provedex_core::bundle::{KeyPin, verify_bundle};
use provedex_core::canonical;
use provedex_core::line::{frame, read_line_alone};
use provedex_core::{
    AgentEvent, ChainHash, ChainReport, Engine, Error, Progress, PublicKeyBytes, Reason, SignedCheckpoint, SignedEvent,
    SigningKeypair, Verifier, check_seal, compute_self_hash, sign_event_at, verify_checkpoint,
};
use provedex_format::hex::Digest;
use provedex_format::merkle::{CompactRange, Tree, leaf_hash, root_of, verify_consistency, verify_inclusion};
use provedex_format::seal::{LinkedEvent, validate_for_signing};
use provedex_format::{Toolset, toolset_sha256};
use provedex_verify::seal::verify_data;
use serde_json::{Map, Value as Json};

use crate::parse_event_and_parent;
use crate::protocol::{
    CanonicalizeResult, CheckpointReason, HelloResult, Implementation, Is, JsonErrorCode, Operation, OperationResult,
    PROTOCOL, Request, Response, SelfHashResult, SignCheckpointResult, SignDataResult, SignResult, ToolDigest,
    ToolsetHashResult, TreeRootResult, VerifyBundleResult, VerifyCheckpointResult, VerifyConsistencyResult,
    VerifyDataResult, VerifyEventResult, VerifyInclusionResult, VerifyLedgerResult, to_line,
};
use crate::vector::{hex, unhex};

/// Serves requests until stdin closes.
pub fn serve(input: impl BufRead, mut output: impl Write) -> io::Result<()> {
    for line in input.lines() {
        let line = line?;
        let response = respond(&line);
        writeln!(output, "{}", to_line(&response))?;
        output.flush()?;
    }
    Ok(())
}

fn respond(line: &str) -> Response<OperationResult> {
    let request: Map<String, Json> = match serde_json::from_str(line) {
        Ok(r) => r,
        Err(e) => return Response::errored(None, format!("request is not a JSON object: {e}")),
    };
    let id = request.get("id").and_then(Json::as_str).map(str::to_owned);
    let op = request.get("op").and_then(Json::as_str).map(str::to_owned);
    let request = match op.as_deref() {
        None => return Response::errored(id, "missing string argument \"op\""),
        Some(op) if !Request::names().any(|name| name == op) => {
            return Response::skipped(id, "this adapter does not offer that operation");
        }
        Some(op) => match serde_json::from_value::<Request>(Json::Object(request)) {
            Ok(request) => request,
            Err(e) => return Response::errored(id, format!("not a {op} request of protocol {PROTOCOL}: {e}")),
        },
    };
    match handle(&request) {
        Ok(result) => Response::Result { id, result },
        Err(message) => Response::errored(id, message),
    }
}

/// The result of a request, or why the adapter could not run it.
fn handle(request: &Request) -> Result<OperationResult, String> {
    Ok(match request {
        Request::Hello(hello) => {
            if hello.protocol != PROTOCOL {
                return Err(format!("this adapter speaks protocol {PROTOCOL}, not {}", hello.protocol));
            }
            OperationResult::Hello(HelloResult {
                protocol: PROTOCOL,
                implementation: Implementation {
                    name: "provedex-core".into(),
                    version: env!("CARGO_PKG_VERSION").into(),
                    language: "Rust".into(),
                },
                operations: Operation::ALL.to_vec(),
            })
        }
        Request::Canonicalize(r) => {
            OperationResult::Canonicalize(match canonical::canonicalize(&unhex(&r.input_hex)?) {
                Ok(bytes) => CanonicalizeResult::Valid { valid: Is, output_hex: hex(bytes) },
                Err(e) => CanonicalizeResult::Invalid { valid: Is, error_code: JsonErrorCode(e.kind) },
            })
        }
        Request::SelfHash(r) => {
            OperationResult::SelfHash(match read_event_and_parent(&r.event_json, &r.parent_hash)? {
                Ok((event, parent)) => SelfHashResult::Valid {
                    valid: Is,
                    self_hash: compute_self_hash(&event, r.seq, r.timestamp_nanos, &parent),
                },
                Err(reason) => SelfHashResult::Invalid { valid: Is, reason },
            })
        }
        Request::Sign(r) => {
            let seed: [u8; 32] = unhex(&r.seed_hex)?.try_into().map_err(|_| "seed_hex must be 32 bytes")?;
            OperationResult::Sign(match read_event_and_parent(&r.event_json, &r.parent_hash)? {
                Ok((event, parent)) => {
                    let key = SigningKeypair::from_seed(&seed);
                    match sign_event_at(&event, r.seq, r.timestamp_nanos, &parent, &key) {
                        Ok(signed) => {
                            check_session_link(&event, &parent, &signed)?;
                            // The key a writer publishes is the one its lines carry.
                            if key.pubkey_hex() != signed.signer_pubkey.to_hex() {
                                return Err(format!(
                                    "the key's published form {} is not the signer_pubkey of its line",
                                    key.pubkey_hex()
                                ));
                            }
                            SignResult::Valid { valid: Is, line: signed.to_json() }
                        }
                        // The event conforms but its line would be longer than a reader
                        // accepts; the code an SDK's exception carries is that reason.
                        Err(e) => {
                            let Error::Signing { reason, .. } = &e else { return Err(e.to_string()) };
                            if e.code() != Some(reason.code()) {
                                return Err(format!("the error's code {:?} is not its reason {reason}", e.code()));
                            }
                            SignResult::Invalid { valid: Is, reason: *reason }
                        }
                    }
                }
                Err(reason) => SignResult::Invalid { valid: Is, reason },
            })
        }
        Request::VerifyEvent(r) => {
            let verdict = read_line_alone(unhex(&r.line_hex)?).and_then(|e| check_seal(&e));
            OperationResult::VerifyEvent(match verdict {
                Ok(()) => VerifyEventResult::Valid { valid: Is, reason: () },
                Err(finding) => VerifyEventResult::Invalid { valid: Is, reason: finding.reason },
            })
        }
        Request::VerifyLedger(r) => {
            let checkpoint = match &r.checkpoint_hex {
                None => None,
                Some(bytes) => Some(
                    SignedCheckpoint::parse(&unhex(bytes)?)
                        .map_err(|f| format!("checkpoint_hex is not a signed checkpoint: {}", f.message))?,
                ),
            };
            let options = Options {
                pinned: r.pinned_pubkey,
                pinned_current: r.pinned_current_pubkey,
                check_tools: r.check_tools,
                checkpoint,
            };
            let report = verify_ledger_every_way(&unhex(&r.ledger_hex)?, options)?;
            OperationResult::VerifyLedger(VerifyLedgerResult::from(report))
        }
        Request::ToolsetHash(r) => {
            OperationResult::ToolsetHash(match Toolset::from_manifest(&unhex(&r.manifest_hex)?) {
                Ok(toolset) => {
                    // The hash a verifier recomputes from a ToolsetPinned line is the manifest's.
                    if toolset_sha256(&toolset.tools) != toolset.toolset_sha256 {
                        return Err("the toolset's hash is not the hash of its tools".into());
                    }
                    let tools =
                        toolset.tools.into_iter().map(|t| ToolDigest { name: t.name, sha256: t.sha256 }).collect();
                    ToolsetHashResult::Valid { valid: Is, tools, toolset_sha256: toolset.toolset_sha256 }
                }
                Err(_) => ToolsetHashResult::Invalid { valid: Is, tools: (), toolset_sha256: () },
            })
        }
        Request::SignData(r) => {
            let seed: [u8; 32] = unhex(&r.seed_hex)?.try_into().map_err(|_| "seed_hex must be 32 bytes")?;
            let (key, data) = (SigningKeypair::from_seed(&seed), unhex(&r.data_hex)?);
            let signature = key.sign_data(&data);
            // What the key manager signs, its verifier accepts.
            if !verify_data(&key.public_key(), &data, &signature) {
                return Err("the data signature does not verify as one".into());
            }
            OperationResult::SignData(SignDataResult { signature_hex: signature })
        }
        Request::VerifyData(r) => OperationResult::VerifyData(VerifyDataResult {
            valid: verify_data(&r.pubkey_hex, &unhex(&r.data_hex)?, &r.signature_hex),
        }),
        Request::TreeRoot(r) => {
            let leaves =
                r.leaves_hex.iter().map(|leaf| Ok(leaf_hash(&unhex(leaf)?))).collect::<Result<Vec<_>, String>>()?;
            let root = root_of(&leaves);
            // A writer folds its compact range into the root; a reader holds the whole tree.
            let mut range = CompactRange::new();
            leaves.iter().for_each(|leaf| range.push(*leaf));
            let tree = Tree::from_leaves(leaves.iter().copied());
            if range.root() != root || tree.root_at(tree.size()) != root {
                return Err(format!("the compact range and the tree disagree with root_of ({root})"));
            }
            OperationResult::TreeRoot(TreeRootResult { root_hex: root })
        }
        Request::VerifyInclusion(r) => {
            let leaf = leaf_hash(&unhex(&r.leaf_hex)?);
            let valid = proof_hashes(&r.proof_hex)
                .is_some_and(|proof| verify_inclusion(r.index, r.tree_size, &leaf, &proof, &r.root_hex).is_ok());
            OperationResult::VerifyInclusion(VerifyInclusionResult { valid })
        }
        Request::VerifyConsistency(r) => {
            let valid = proof_hashes(&r.proof_hex).is_some_and(|proof| {
                verify_consistency(r.old_size, r.new_size, &proof, &r.old_root_hex, &r.new_root_hex).is_ok()
            });
            OperationResult::VerifyConsistency(VerifyConsistencyResult { valid })
        }
        Request::SignCheckpoint(r) => {
            let seed: [u8; 32] = unhex(&r.seed_hex)?.try_into().map_err(|_| "seed_hex must be 32 bytes")?;
            let key = SigningKeypair::from_seed(&seed);
            let note = key.sign_checkpoint(&r.genesis_self_hash, r.tree_size, r.root_hex).to_text();
            // What the key signs, its verifier reads back as the same checkpoint.
            let read = verify_checkpoint(note.as_bytes(), &key.public_key())
                .map_err(|f| format!("the signed checkpoint does not verify under its key: {}", f.message))?;
            if (read.checkpoint.size, read.checkpoint.root, read.origin.genesis_self_hash)
                != (r.tree_size, r.root_hex, r.genesis_self_hash)
            {
                return Err("the signed checkpoint reads back as another checkpoint".into());
            }
            OperationResult::SignCheckpoint(SignCheckpointResult { checkpoint_hex: hex(note) })
        }
        Request::VerifyBundle(r) => {
            let pin = match (r.pinned_pubkey, &r.pinned_fingerprint) {
                (Some(_), Some(_)) => return Err("pinned_pubkey and pinned_fingerprint are never sent together".into()),
                (Some(key), None) => Some(KeyPin::PublicKey(key)),
                (None, Some(fingerprint)) => Some(KeyPin::Fingerprint(fingerprint.clone())),
                (None, None) => None,
            };
            let report = verify_bundle(&unhex(&r.bundle_hex)?, pin.as_ref(), None, Engine::default());
            OperationResult::VerifyBundle(VerifyBundleResult {
                ok: report.ok,
                pinned: report.pinned,
                proof_level: report.proof_level,
                reason: report.reason,
                event_count: report.event_count,
            })
        }
        Request::VerifyCheckpoint(r) => {
            OperationResult::VerifyCheckpoint(match verify_checkpoint(&unhex(&r.checkpoint_hex)?, &r.pubkey_hex) {
                Ok(read) => VerifyCheckpointResult::Valid {
                    valid: Is,
                    reason: (),
                    tree_size: read.checkpoint.size,
                    root_hex: read.checkpoint.root,
                },
                Err(finding) => VerifyCheckpointResult::Invalid {
                    valid: Is,
                    reason: CheckpointReason::of(finding.reason)
                        .ok_or_else(|| format!("a checkpoint is refused with the reason {}", finding.reason))?,
                },
            })
        }
    })
}

/// The hashes of a proof, or `None` when an item is not 64 lowercase hex
/// characters (such a proof is not valid).
fn proof_hashes(items: &[String]) -> Option<Vec<Digest>> {
    items.iter().map(|item| Digest::from_hex(item).ok()).collect()
}

/// The options of a `verify_ledger` request.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The key every line before the first rotation is signed with.
    pub pinned: Option<PublicKeyBytes>,
    /// The key the ledger's current key is at its end.
    pub pinned_current: Option<PublicKeyBytes>,
    /// Whether the report lists the tool calls outside the pinned toolset.
    pub check_tools: bool,
    /// A signed checkpoint the ledger must reach and agree with.
    pub checkpoint: Option<SignedCheckpoint>,
}

/// The event and parent of a request, as [`parse_event_and_parent`] reads
/// them; an event it accepts must also keep its meaning in its serde form,
/// which Rust users store: read back by serde and by the strict reader, it is
/// the same event.
fn read_event_and_parent(
    event_json: &str,
    parent_hash: &str,
) -> Result<Result<(AgentEvent, ChainHash), Reason>, String> {
    let read = parse_event_and_parent(event_json, parent_hash);
    if let Ok((event, _)) = &read {
        let text = serde_json::to_string(event).map_err(|e| format!("the event has no serde form: {e}"))?;
        let by_serde: AgentEvent =
            serde_json::from_str(&text).map_err(|e| format!("serde cannot read the event's serde form: {e}"))?;
        let strictly = AgentEvent::from_json(text.as_bytes())
            .map_err(|e| format!("the strict reader refuses the event's serde form: {e}"))?;
        if by_serde != *event || strictly != *event {
            return Err("the event read back from its serde form is another event".into());
        }
    }
    Ok(read)
}

/// A session seals in two halves and advances its chain from the first
/// (`LinkedEvent`), before the line is signed: the seq, timestamp and
/// self_hash it advances to must be the signed line's, or the next line
/// would be linked to something else.
fn check_session_link(event: &AgentEvent, parent: &ChainHash, signed: &SignedEvent) -> Result<(), String> {
    let linked = validate_for_signing(event)
        .and_then(|valid| LinkedEvent::new(valid, signed.seq, signed.timestamp_nanos, parent))
        .map_err(|e| format!("the session's first half of sealing refused what signing accepted: {e}"))?;
    let advanced = (linked.seq(), linked.timestamp_nanos(), linked.self_hash());
    if advanced != (signed.seq, signed.timestamp_nanos, &signed.self_hash) {
        return Err(format!(
            "a session would advance its chain to seq {}, timestamp {}, self_hash {}; the signed line has {}, {}, {}",
            advanced.0, advanced.1, advanced.2, signed.seq, signed.timestamp_nanos, signed.self_hash
        ));
    }
    Ok(())
}

/// The engines a ledger is verified with: one line at a time, and the fast
/// engine on one and on two threads.
const ENGINES: [Engine; 3] = [
    Engine::Sequential,
    Engine::Fast { threads: NonZeroUsize::MIN },
    Engine::Fast { threads: NonZeroUsize::new(2).unwrap() },
];

/// The report on `ledger`, the same from every engine over a reader, from a
/// file, and (when every line parses) from the events in memory, with the
/// per-line progress each one reports; or why they disagree.
pub fn verify_ledger_every_way(ledger: &[u8], options: Options) -> Result<ChainReport, String> {
    let verifier = || {
        Verifier::new()
            .pinned_pubkey(options.pinned)
            .pinned_current_pubkey(options.pinned_current)
            .check_tool_calls(options.check_tools)
            .checkpoint(options.checkpoint.clone())
    };
    // Over a reader, a line ends after its LF.
    let line_ends: Vec<u64> =
        ledger.iter().enumerate().filter(|&(_, &b)| b == b'\n').map(|(at, _)| at as u64 + 1).collect();
    let mut reports = Vec::new();
    for engine in ENGINES {
        let mut progress = Vec::new();
        let report = verifier()
            .engine(engine)
            .on_event(|_, p| progress.push(p))
            .reader(ledger)
            .map_err(|e| format!("reading a buffer failed: {e}"))?;
        check_progress(&report, &progress, line_ends.iter().copied())
            .map_err(|e| format!("{engine:?} over a reader: {e}"))?;
        reports.push((format!("{engine:?} over a reader"), report));
    }
    reports.push(("a file".into(), verify_as_file(ledger, verifier())?));
    let reference = &reports[0].1;
    if let Some((way, report)) = reports.iter().find(|(_, report)| report != reference) {
        return Err(format!("{way} disagrees with {}: {report:?} against {reference:?}", reports[0].0));
    }
    let events: Result<Vec<SignedEvent>, _> =
        ledger.split_inclusive(|&b| b == b'\n').map(|line| frame(line).and_then(SignedEvent::from_line)).collect();
    if let Ok(events) = events {
        for engine in ENGINES {
            let mut progress = Vec::new();
            let report = verifier().engine(engine).on_event(|_, p| progress.push(p)).events(&events);
            // In memory there are no line numbers, and the messages need not say the same.
            let mut same = report.clone();
            (same.line, same.message) = (reference.line, reference.message.clone());
            if &same != reference {
                return Err(format!("{engine:?} in memory disagrees: {report:?} against {reference:?}"));
            }
            // In memory, each line counts as the bytes its canonical form fills, with an LF.
            let ends = events.iter().scan(0, |end, event| {
                *end += event.line_len() as u64 + 1;
                Some(*end)
            });
            check_progress(&report, &progress, ends).map_err(|e| format!("{engine:?} in memory: {e}"))?;
        }
    }
    Ok(reports.swap_remove(0).1)
}

/// Checks that `progress` was reported once per good line, in order, each
/// time with the lines verified so far and `ends`: where each line ends.
fn check_progress(report: &ChainReport, progress: &[Progress], ends: impl Iterator<Item = u64>) -> Result<(), String> {
    let expected: Vec<Progress> = (1..=report.event_count).zip(ends).map(|(n, end)| Progress::new(n, end)).collect();
    if progress == expected {
        Ok(())
    } else {
        Err(format!("the progress reported per line {progress:?} is not {expected:?}"))
    }
}

/// The report of `verifier` on `ledger` written to a file of its own.
fn verify_as_file(ledger: &[u8], verifier: Verifier) -> Result<ChainReport, String> {
    static FILES: AtomicU64 = AtomicU64::new(0);
    let name = format!("provedex-adapter-{}-{}.ndjson", std::process::id(), FILES.fetch_add(1, Ordering::Relaxed));
    let path: PathBuf = std::env::temp_dir().join(name);
    std::fs::write(&path, ledger).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let report = verifier.file(&path).map_err(|e| e.to_string());
    let _ = std::fs::remove_file(&path);
    report
}
