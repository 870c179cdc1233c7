//! Empty: cargo resolves build-dependencies only for a package with a build
//! script, and this crate's build-dependencies unify the features of the
//! crates that build scripts and procedural macros use.
fn main() {}
