//! One module per target language, each with its own templates and its own
//! mapping of the spec's field kinds and line member kinds: the Rust core
//! (`rust`), the uniffi layer (`ffi`, from which Kotlin and Swift are
//! derived), and Python (`python`). Adding a language is adding a module here.

pub mod ffi;
pub mod python;
pub mod rust;

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
