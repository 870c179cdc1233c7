//! Provedex ledger: writing evidence to disk and keeping it whole.
//!
//! Owns key files ([`KeyFile`]), the [`Session`] that appends sealed events
//! to a ledger with group commit, resuming an existing ledger from its tail,
//! [`recover`]y from a torn final line, and toolset pins
//! ([`Session::pin_toolset`], [`check_toolset`]), and checkpoints and
//! proofs made from a verified ledger's tree ([`LedgerTree`]). A session keeps its lines in a
//! store (`store`): the file store is v1's, and stores with other policies
//! sit beside it behind the same trait.
//!
//! Invariants: one writer per ledger, enforced by an exclusive lock; an
//! event is durable before [`Session::record`] returns (unless
//! [`Durability::None`]); a refused open, record or recovery changes nothing
//! on disk; nothing is ever written after a torn, broken or foreign tail.
//! Lines are sealed by `provedex-format` and checked by `provedex-verify`;
//! this crate decides only where and when bytes are written.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod checkpoints;
mod export;
mod files;
mod index;
mod key_file;
mod receipts;
mod recover;
mod session;
mod store;
mod toolset;
mod tree;
mod trusted;

pub use checkpoints::{CheckpointEntry, checkpoints_path, read_checkpoints};
pub use export::{BundleCheckpoint, Selection, export_bundle};
pub use index::{
    Frontier, INDEX_HEADER_LEN, INDEX_MAGIC, INDEX_VERSION, IndexState, TreeIndex, index_path, node_count,
    node_position, size_of_node_count,
};
pub use key_file::KeyFile;
pub use key_file::{MAX_PEM_KEY_LEN, load_public_key};
pub use receipts::{ReceiptEntry, append_receipt, read_receipts, receipts_path};
pub use recover::{RecoverOutcome, recover};
pub use session::{Durability, Session, SessionOptions};
pub use toolset::{ToolsetCheck, check_toolset};
pub use tree::{LedgerTree, ProofDocument};
