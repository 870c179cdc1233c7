//! The JSON Schemas of the documents whose Rust types are the source,
//! derived with schemars into `spec/`: the conformance protocol's messages
//! ([`crate::protocol`]), the verification report
//! ([`provedex_verify::ChainReport`]), the vector files
//! ([`crate::vector::VectorFile`]), the runner's report
//! ([`crate::runner::RunReport`]), the expectations file it reads
//! ([`crate::expectations::Expectations`]), and export bundles and their
//! report ([`provedex_verify::bundle`]), anchor receipts
//! ([`provedex_receipts::Receipt`]) and the statements they carry
//! ([`provedex_format::anchor::SignedAnchorStatement`]). Written and
//! checked by `provedex-conformance generate`, after the code is regenerated.

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, SchemaGenerator};

use crate::protocol;

/// One schema file: its path from the repository's root and its text.
pub struct SchemaFile {
    /// Where it lives, from the repository's root.
    pub path: &'static str,
    /// Pretty JSON with a final LF.
    pub text: String,
}

/// Every schema derived from Rust types, in a stable order.
pub fn all() -> Vec<SchemaFile> {
    vec![
        SchemaFile { path: protocol::SCHEMA_PATH, text: protocol::schema() },
        SchemaFile {
            path: REPORT_SCHEMA_PATH,
            // As `provedex verify --json` and every binding emit it.
            text: rendered::<provedex_verify::ChainReport>(
                "urn:provedex:spec:v1:report",
                "The verification report of a ledger (spec/verification.md, Report)",
                "provedex_verify::ChainReport",
            ),
        },
        SchemaFile {
            path: BUNDLE_SCHEMA_PATH,
            // As `provedex export` writes it.
            text: rendered::<provedex_verify::bundle::Bundle>(
                "urn:provedex:spec:v1:bundle",
                "An export bundle: a range of a ledger's lines and their proof (spec/bundles.md)",
                "provedex_verify::bundle::Bundle",
            ),
        },
        SchemaFile {
            path: BUNDLE_REPORT_SCHEMA_PATH,
            // As `provedex verify-bundle --json` and every binding emit it.
            text: rendered::<provedex_verify::bundle::BundleReport>(
                "urn:provedex:spec:v1:bundle-report",
                "The verification report of a bundle, with its proof level (spec/bundles.md, Report)",
                "provedex_verify::bundle::BundleReport",
            ),
        },
        SchemaFile {
            path: RECEIPT_SCHEMA_PATH,
            // As the receipts file and bundles hold them.
            text: rendered::<provedex_receipts::Receipt>(
                "urn:provedex:spec:v1:receipt",
                "An anchor receipt of any type (spec/anchors.md)",
                "provedex_receipts::Receipt",
            ),
        },
        SchemaFile {
            path: ANCHOR_STATEMENT_SCHEMA_PATH,
            // The text an anchor publishes, and a receipt's `statement`.
            text: rendered::<provedex_format::anchor::SignedAnchorStatement>(
                "urn:provedex:spec:v1:anchor-statement",
                "A signed anchor statement (spec/anchors.md)",
                "provedex_format::anchor::SignedAnchorStatement",
            ),
        },
        SchemaFile {
            path: VECTORS_SCHEMA_PATH,
            text: rendered::<crate::vector::VectorFile>(
                "urn:provedex:spec:v1:vectors",
                "A file of Provedex golden vectors",
                "provedex_conformance::vector::VectorFile",
            ),
        },
        SchemaFile {
            path: RUN_REPORT_SCHEMA_PATH,
            // What `provedex-conformance run --json` prints.
            text: rendered::<crate::runner::RunReport>(
                "urn:provedex:spec:v1:run-report",
                "The report of a conformance run against one adapter",
                "provedex_conformance::runner::RunReport",
            ),
        },
        SchemaFile {
            path: crate::expectations::SCHEMA_PATH,
            // What `provedex-conformance run --expectations FILE` reads.
            text: rendered::<crate::expectations::Expectations>(
                "urn:provedex:spec:v1:expectations",
                "An implementation's known deviations from the conformance vectors",
                "provedex_conformance::expectations::Expectations",
            ),
        },
    ]
}

/// Where the verification report's schema lives, from the repository's root.
pub const REPORT_SCHEMA_PATH: &str = "spec/report.schema.json";

/// Where the bundle document's schema lives, from the repository's root.
pub const BUNDLE_SCHEMA_PATH: &str = "spec/bundle.schema.json";

/// Where the bundle report's schema lives, from the repository's root.
pub const BUNDLE_REPORT_SCHEMA_PATH: &str = "spec/bundle-report.schema.json";

/// Where the anchor receipt's schema lives, from the repository's root.
pub const RECEIPT_SCHEMA_PATH: &str = "spec/receipt.schema.json";

/// Where the anchor statement's schema lives, from the repository's root.
pub const ANCHOR_STATEMENT_SCHEMA_PATH: &str = "spec/anchor-statement.schema.json";

/// Where the schema of a vector file lives, from the repository's root.
pub const VECTORS_SCHEMA_PATH: &str = "spec/vectors.schema.json";

/// Where the schema of the runner's report lives, from the repository's root.
pub const RUN_REPORT_SCHEMA_PATH: &str = "spec/run-report.schema.json";

/// The schema of `T` as it is serialised (members that may be null are
/// required and nullable), with its `$id`, title and a generated-by comment.
pub fn rendered<T: JsonSchema>(id: &str, title: &str, source: &str) -> String {
    let generator = SchemaGenerator::new(SchemaSettings::draft2020_12().for_serialize());
    let mut schema = generator.into_root_schema_for::<T>();
    schema.insert("$id".into(), id.into());
    schema.insert("title".into(), title.into());
    schema.insert(
        "$comment".into(),
        format!(
            "@generated by `cargo run -p provedex-conformance -- generate` from {source}. Do not edit: change the \
             Rust types and regenerate."
        )
        .into(),
    );
    let mut text = serde_json::to_string_pretty(&schema).expect("a schema serialises");
    text.push('\n');
    text
}
