//! Benchmarks of Provedex against baselines measured in the same run, and
//! the report that prints each figure beside its baseline (`scripts/bench.sh`).
//!
//! The baselines are real code paths kept for the comparison: a bare Ed25519
//! signature, the `serde_json::Value` canonical form ([`baseline`]), the
//! ledger writer with one fsync per event, the one-at-a-time strict verifier.

pub mod baseline;
pub mod fixtures;
pub mod machine;
pub mod report;

/// Names of the criterion benchmarks, shared by the benches and the report;
/// criterion stores each under `target/criterion/<group>/<function>[/<parameter>]`.
pub mod names {
    pub const SEAL_GROUP: &str = "seal";
    pub const SEAL_TYPED: &str = "sign_event_at";
    pub const SEAL_SERDE_JSON: &str = "serde_json_value";
    pub const SEAL_BARE_SIGN: &str = "ed25519_sign_32_bytes";

    pub const HASH_GROUP: &str = "self_hash";
    pub const HASH_TYPED: &str = "typed_streaming";
    pub const HASH_SERDE_JSON: &str = "serde_json_value";

    /// The event parameters of the seal and self_hash benchmarks.
    pub const MODEL_INVOKED: &str = "ModelInvoked";
    pub const TOOL_CALLED: &str = "ToolCalled";

    pub const RECORD_GROUP: &str = "record_16_threads";
    pub const RECORD_GROUP_COMMIT: &str = "group_commit";
    pub const RECORD_EVERY_EVENT: &str = "fsync_every_event";
    /// One thread recording ModelInvoked without fsync: the Rust side of the Python figure.
    pub const RECORD_UNSYNCED_GROUP: &str = "record_1_thread";
    pub const RECORD_UNSYNCED: &str = "durability_none";

    pub const VERIFY_GROUP: &str = "verify_ledger";
    pub const VERIFY_DEFAULT: &str = "default";
    pub const VERIFY_SEQUENTIAL: &str = "sequential_strict";

    /// A bundle of every line of a [`BUNDLE_EVENTS`](crate::BUNDLE_EVENTS)-event
    /// ledger verified without the ledger, against verifying the ledger.
    pub const BUNDLE_GROUP: &str = "verify_bundle_100k";
    pub const BUNDLE_VERIFY: &str = "verify_bundle";
    pub const BUNDLE_LEDGER: &str = "verify_ledger";

    /// Durable group commit keeping the tree and its index, against the same without.
    pub const TREE_RECORD_GROUP: &str = "record_tree_16_threads";
    pub const TREE_RECORD_WITH: &str = "with_tree";
    pub const TREE_RECORD_WITHOUT: &str = "without_tree";

    /// The index of [`TREE_EVENTS`](crate::TREE_EVENTS) lines written from
    /// their self_hashes, against their leaf hashes alone.
    pub const TREE_BUILD_GROUP: &str = "tree_build_1m";
    pub const TREE_BUILD_INDEX: &str = "index_from_self_hashes";
    pub const TREE_BUILD_LEAVES: &str = "sha256_leaf_hashes";

    /// Stages of building the index of the [`TREE_EVENTS`](crate::TREE_EVENTS)-event
    /// ledger from its file, in [`TREE_BUILD_STAGES_FILE`](crate::TREE_BUILD_STAGES_FILE):
    /// the baseline (the file read and each line SHA-256 hashed alone), the
    /// prover's build ([`TreeIndex::rebuild_linked`](provedex_ledger::TreeIndex::rebuild_linked):
    /// each line's self_hash and link), and the stages of a build that parses
    /// each line and recomputes its self_hash (no signature checked).
    pub const STAGE_LINE_HASHES: &str = "read the file and SHA-256 each line";
    pub const STAGE_WHOLE_BUILD: &str = "the prover's build from the lines' links (TreeIndex::rebuild_linked)";
    pub const STAGE_PARSED_BUILD: &str = "a build that parses each line: also hash the tree and write the index";

    /// Indexing a [`TREE_REBUILD_EVENTS`](crate::TREE_REBUILD_EVENTS)-event
    /// ledger: rebuilding (verified as it is read) against verifying it;
    /// extending an empty index (each line's link checked, as a session
    /// does on open) against SHA-256 hashing each line alone.
    pub const TREE_REBUILD_GROUP: &str = "tree_rebuild";
    pub const TREE_REBUILD_INDEX: &str = "rebuild_verified";
    pub const TREE_REBUILD_VERIFY: &str = "verify_only";
    pub const TREE_EXTEND_INDEX: &str = "extend_empty_index";
    pub const TREE_EXTEND_LINE_HASHES: &str = "sha256_of_ledger_lines";

    /// A root and an inclusion proof read from the index file, at
    /// [`TREE_EVENTS`](crate::TREE_EVENTS) leaves and at
    /// [`TREE_SMALL_EVENTS`](crate::TREE_SMALL_EVENTS) leaves (the parameter).
    pub const TREE_READS_GROUP: &str = "tree_reads";
    pub const TREE_ROOT_INDEX: &str = "root_from_index";
    pub const TREE_PROOF_INDEX: &str = "inclusion_from_index";
}

/// Leaves of the tree benchmarks' index.
pub const TREE_EVENTS: u64 = 1_000_000;

/// Events of the ledger the tree benchmark rebuilds an index from (the
/// verification in the rebuild dominates; the ratio does not depend on the size).
pub const TREE_REBUILD_EVENTS: u64 = 20_000;

/// The smaller tree whose reads the report sets beside those at [`TREE_EVENTS`].
pub const TREE_SMALL_EVENTS: u64 = 1_000;

/// What the tree benchmark writes to `bench-results/` in the target directory:
/// the node reads of a root and of an inclusion proof from the index, one
/// object per tree size (`{"sizes": [{"tree_size", "root_node_reads",
/// "inclusion_node_reads", …}]}`).
pub const TREE_READS_FILE: &str = "tree_reads.json";

/// What the tree benchmark writes to `bench-results/`: durable recording
/// with and without the tree in alternating pairs of runs, the nanoseconds
/// per event of each run (`with_tree_ns_per_event` and
/// `without_tree_ns_per_event`, arrays in pair order).
pub const TREE_RECORD_PAIRED_FILE: &str = "tree_record_paired.json";

/// What the tree benchmark writes to `bench-results/`: building the index of
/// the [`TREE_EVENTS`]-event ledger from its file against hashing its lines,
/// and where the build's time goes, each stage adding to the one before
/// (`{"lines", "rounds", "stages": [{"stage", "ns_per_line"}]}`, the fastest
/// round of each).
pub const TREE_BUILD_STAGES_FILE: &str = "tree_build_stages.json";

/// Threads recording into one session in the record benchmark.
pub const RECORD_THREADS: usize = 16;

/// Events in the ledger of the verify benchmark.
pub const VERIFY_EVENTS: u64 = 20_000;

/// Events in the bundle of the verify-bundle benchmark.
pub const BUNDLE_EVENTS: u64 = 100_000;

/// Events in the ledger whose verification's peak memory is measured.
pub const RSS_EVENTS: u64 = 1_000_000;

/// The memory goal while verifying [`RSS_EVENTS`] events, in MB (10^6 bytes).
pub const RSS_GOAL_MB: f64 = 64.0;
