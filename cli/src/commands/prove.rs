//! `provedex prove`: inclusion and consistency proofs from the ledger's
//! index, as JSON proof documents (spec/transparency.md), each verified
//! against the root of the lines its latest checkpoint vouches for and
//! the lines after them, verified as they are read.

use std::process::ExitCode;

use provedex_core::{LedgerTree, ProofDocument};

use super::verify::pubkey_arg;
use super::{LedgerArg, over_ledger};
use crate::paths::ledger_path;
use crate::{CliResult, out};

#[derive(clap::Subcommand)]
pub enum Command {
    /// Prove that the line with seq N is in the tree of M lines
    Inclusion {
        /// The line's seq
        #[arg(long, value_name = "N")]
        seq: u64,
        /// The tree's size [default: every line]
        #[arg(long, value_name = "M")]
        size: Option<u64>,
        #[command(flatten)]
        source: Source,
    },
    /// Prove that the tree of M lines is a prefix of the tree of N lines
    Consistency {
        /// The older, smaller tree's size
        #[arg(long, value_name = "M")]
        from: u64,
        /// The newer tree's size [default: every line]
        #[arg(long, value_name = "N")]
        to: Option<u64>,
        #[command(flatten)]
        source: Source,
    },
}

#[derive(clap::Args)]
pub struct Source {
    #[command(flatten)]
    ledger: LedgerArg,
    /// The ledger's first key (64 hex, or a public key file), pinned while the ledger is verified;
    /// the checkpoints it signed vouch for the lines they cover [default: the first line's key]
    #[arg(long, value_name = "HEX|FILE")]
    pubkey: Option<String>,
}

impl Source {
    fn read(self) -> Result<LedgerTree, crate::CliError> {
        let path = ledger_path(self.ledger.ledger, "prove")?;
        let pinned = pubkey_arg("--pubkey", self.pubkey.as_deref())?;
        LedgerTree::read(&path, pinned).map_err(over_ledger)
    }
}

pub fn run(command: Command) -> CliResult {
    let proof: ProofDocument = match command {
        Command::Inclusion { seq, size, source } => source.read()?.inclusion_proof(seq, size).map_err(over_ledger)?,
        Command::Consistency { from, to, source } => source.read()?.consistency_proof(from, to).map_err(over_ledger)?,
    };
    out::out(format!("{}\n", serde_json::to_string(&proof).expect("a proof serialises")));
    Ok(ExitCode::SUCCESS)
}
