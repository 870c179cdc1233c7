//! One module per target language, each with its own templates and its own
//! mapping of the spec's field kinds and line member kinds: the Rust core
//! (`rust`), the uniffi layer (`ffi`, from which Kotlin and Swift are
//! derived), and Python (`python`). Adding a language is adding a module here.

pub mod ffi;
pub mod python;
pub mod rust;

use crate::spec::{EnumSpec, upper_camel};

/// A generated string enum, as the Rust and the uniffi templates spell it.
struct EnumCode {
    name: String,
    description: String,
    /// Each value with its variant name.
    values: Vec<(String, String)>,
}

impl EnumCode {
    fn new(spec: &EnumSpec) -> Self {
        EnumCode {
            name: spec.name.clone(),
            description: spec.description.clone(),
            values: spec.values.iter().map(|v| (v.clone(), upper_camel(v))).collect(),
        }
    }
}

/// A method receiver for a reference expression: `&payload.x` is used as `payload.x`.
fn recv(r: &str) -> &str {
    r.strip_prefix('&').unwrap_or(r)
}

/// The value of a `Copy` field behind a reference expression (`&payload.x`
/// is `payload.x`, a reference binding `item` is `*item`).
fn copied(r: &str) -> String {
    match r.strip_prefix('&') {
        Some(place) => place.to_owned(),
        None => format!("*{r}"),
    }
}
