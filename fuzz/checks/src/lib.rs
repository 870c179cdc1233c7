//! The properties behind the Provedex fuzz targets.
//!
//! Each `check_*` function takes the raw fuzzer input and panics when a
//! property fails. The cargo-fuzz crate in `fuzz/` only forwards to them, so
//! the same checks replay the seed corpora and the regression inputs under an
//! ordinary `cargo test` on a stable toolchain.

mod canonical;
mod differential;
pub mod fixtures;
mod ledger;
mod line;

pub use canonical::check_canonical;
pub use differential::check_differential;
pub use ledger::{check_ledger, mutate_ledger};
pub use line::check_line;

/// A property check: panics when `data` breaks the property.
pub type Check = fn(data: &[u8]);

/// The fuzz targets, by the name of their corpus and regression directories,
/// with the check each one runs.
pub const TARGETS: &[(&str, Check)] = &[
    ("canonical_json", check_canonical),
    ("ledger_line", check_line),
    ("verify_stream", check_ledger),
    ("differential", check_differential),
];

/// Input bytes for a panic message: text when it is UTF-8, hex otherwise.
pub(crate) fn show(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => format!("{text:?}"),
        Err(_) => format!("hex {}", provedex_core::hex::encode(bytes)),
    }
}
