//! `provedex verify-bundle`: a bundle verified without the ledger, under the
//! key or fingerprint the verifier trusts, with its proof level.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use provedex_anchor::online::{OnlineChecker, S3Store};
use provedex_core::Engine;
use provedex_core::bundle::{BundleReport, KeyPin, MAX_BUNDLE_BYTES, Verdict, verify_bundle_with};

use super::verify::pubkey_arg;
use crate::input::open_regular_file;
use crate::render::{path_text, terminal_safe};
use crate::{CliError, CliResult, EXIT_BROKEN, EXIT_UNPINNED, out};

#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("pin").multiple(false)))]
pub struct Args {
    /// The bundle file
    bundle: String,
    /// The key you trust to sign the ledger's checkpoints (64 hex, or a public key file)
    #[arg(long, value_name = "HEX|FILE", group = "pin")]
    pubkey: Option<String>,
    /// The fingerprint of that key (sha256:…, as `provedex key fingerprint` prints it)
    #[arg(long, value_name = "FP", group = "pin")]
    fingerprint: Option<String>,
    /// A checkpoint of the ledger obtained apart from the bundle: the bundle must prove its lines against that
    /// very tree (export it with `provedex export --checkpoint FILE`)
    #[arg(long, value_name = "FILE")]
    checkpoint: Option<String>,
    /// Trust this timestamp authority root (PEM file of certificates) for rfc3161 receipts; repeatable
    #[arg(long, value_name = "PEM")]
    tsa_root: Vec<PathBuf>,
    /// Trust this transparency log key (C2SP verifier key, name+id+key) for tlog and rekor receipts; repeatable
    #[arg(long, value_name = "VKEY")]
    log_key: Vec<String>,
    /// The Ethereum chain id ethereum receipts must be on
    #[arg(long, value_name = "ID")]
    eth_chain_id: Option<u64>,
    /// Ask this Ethereum JSON-RPC node whether each ethereum receipt's transaction is in its block, and when
    #[arg(long, value_name = "URL", requires = "eth_chain_id")]
    eth_rpc: Option<String>,
    /// Ask this Solana JSON-RPC node whether each solana receipt's transaction is in its slot, and when
    #[arg(long, value_name = "URL")]
    solana_rpc: Option<String>,
    /// Read each s3-object-lock receipt's object from this S3 endpoint, with the credentials of
    /// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (region: AWS_REGION, default us-east-1)
    #[arg(long, value_name = "URL")]
    s3_endpoint: Option<String>,
    /// Print the report as one JSON object
    #[arg(long)]
    json: bool,
}

/// The receipt checker the options describe: offline checks under the trust anchors given, and the
/// servers named asked for what no receipt shows offline.
fn receipt_checker(args: &Args) -> Result<OnlineChecker, CliError> {
    let mut checker = OnlineChecker::default();
    for path in &args.tsa_root {
        let pem = std::fs::read(path)
            .map_err(|e| CliError::usage(format!("--tsa-root {}: cannot read it: {e}", path_text(path))))?;
        checker
            .trust_tsa_roots(&pem)
            .map_err(|e| CliError::usage(format!("--tsa-root {}: {}", path_text(path), terminal_safe(&e))))?;
    }
    for key in &args.log_key {
        checker.trust_log_key(key).map_err(|e| {
            CliError::usage(format!("--log-key {} is not a C2SP Ed25519 verifier key: {e}", terminal_safe(key)))
        })?;
    }
    checker
        .trust_ethereum(args.eth_chain_id, args.eth_rpc.clone())
        .map_err(|e| CliError::usage(format!("--eth-rpc: {e}")))?;
    checker.solana_rpc = args.solana_rpc.clone();
    let s3 = match &args.s3_endpoint {
        None => None,
        Some(endpoint) => {
            let var = |name: &str| {
                std::env::var(name)
                    .map_err(|_| CliError::usage(format!("--s3-endpoint needs {name} in the environment")))
            };
            Some(S3Store {
                endpoint: endpoint.clone(),
                access_key: var("AWS_ACCESS_KEY_ID")?,
                secret_key: var("AWS_SECRET_ACCESS_KEY")?,
                region: std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".into()),
            })
        }
    };
    checker.s3 = s3;
    Ok(checker)
}

pub fn run(args: Args) -> CliResult {
    let checker = receipt_checker(&args)?;
    let pin = match (pubkey_arg("--pubkey", args.pubkey.as_deref())?, args.fingerprint) {
        (Some(key), _) => Some(KeyPin::PublicKey(key)),
        (None, Some(fingerprint)) => Some(KeyPin::Fingerprint(fingerprint_arg(&fingerprint)?)),
        (None, None) => None,
    };
    let checkpoint = args.checkpoint.as_deref().map(super::verify::checkpoint_arg).transpose()?;
    let (file, source) = open_regular_file(&args.bundle, "verify-bundle")?;
    let length = file.metadata().map_err(|e| CliError::usage(format!("cannot read {source}: {e}")))?.len();
    if length > MAX_BUNDLE_BYTES {
        return Err(CliError::usage(format!(
            "{source} fills {length} bytes, more than a bundle may ({MAX_BUNDLE_BYTES}): it is not a bundle"
        )));
    }
    let mut bytes = Vec::with_capacity(length as usize);
    file.take(MAX_BUNDLE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| CliError::usage(format!("cannot read {source}: {e}")))?;
    let report = verify_bundle_with(&bytes, pin.as_ref(), checkpoint.as_ref(), Engine::default(), &checker);
    if args.json {
        out::out(format!("{}\n", serde_json::to_string(&report).expect("a report serialises")));
    } else {
        out::out(render(&source, &report));
    }
    Ok(match (report.ok, report.pinned) {
        (true, true) => ExitCode::SUCCESS,
        (true, false) => ExitCode::from(EXIT_UNPINNED),
        (false, _) => ExitCode::from(EXIT_BROKEN),
    })
}

/// A fingerprint as `provedex key fingerprint` prints it.
fn fingerprint_arg(text: &str) -> Result<String, CliError> {
    let hex = text.strip_prefix("sha256:").unwrap_or("");
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return Err(CliError::usage(format!(
            "--fingerprint {} is not sha256: and 64 lowercase hex characters",
            terminal_safe(text)
        )));
    }
    Ok(text.to_owned())
}

/// The report for people: the verdict, each piece of evidence, each level.
pub fn render(source: &str, report: &BundleReport) -> String {
    let row = |label: &str, text: &str| format!("{:<17} {}\n", format!("{label}:"), terminal_safe(text));
    let mut out = format!("{}\n", terminal_safe(&report.message));
    out.push_str(&row("bundle", source));
    if let Some(reason) = report.reason {
        out.push_str(&row("reason", reason.code()));
    }
    for evidence in &report.evidence {
        let verdict = match evidence.verdict {
            Verdict::Verified => "verified",
            Verdict::Failed => "FAILED",
            Verdict::NotChecked => "not checked",
        };
        out.push_str(&row(&evidence.kind, &format!("{verdict}: {}", evidence.detail)));
    }
    for level in &report.levels {
        let mark = if level.reached { "reached" } else { "not reached" };
        out.push_str(&row("level", &format!("{} {mark}: {}", level.level.name(), level.why)));
    }
    out
}
