//! The Provedex generator: reads `spec/` (the event variants and the line
//! around them), renders the askama templates in `codegen/templates/` (the
//! Rust core types, the FFI event enum and line record, the Python event
//! factories and line members), then builds the FFI and has uniffi-bindgen derive the
//! Python, Kotlin and Swift bindings from it; writes or checks all of them.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod backends;
pub mod bindings;
pub mod envelope;
pub mod render;
pub mod spec;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

pub use bindings::render_bindings;
pub use envelope::{EnvelopeSpec, parse_envelope_spec};
pub use render::{Output, REGENERATE_COMMAND, Spec, render_all};
pub use spec::{EventSpec, SpecError, parse_event_spec};

/// The schema of the event variants, relative to the spec directory.
pub const EVENTS_SCHEMA: &str = "events.schema.json";

/// The schema of the line around an event, relative to the spec directory.
pub const ENVELOPE_SCHEMA: &str = "signed-event.schema.json";

/// The repository root this crate was built in.
pub fn default_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("codegen/ lies inside the repository").to_path_buf()
}

/// Reads the spec in `spec_dir` and renders every output.
pub fn generate(spec_dir: &Path) -> Result<Vec<Output>, String> {
    let read = |name: &str| {
        let path = spec_dir.join(name);
        let text = fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Ok::<_, String>((path, text))
    };
    let (events_path, events_text) = read(EVENTS_SCHEMA)?;
    let events = parse_event_spec(&events_text).map_err(|e| format!("{}: {e}", events_path.display()))?;
    let (envelope_path, envelope_text) = read(ENVELOPE_SCHEMA)?;
    let envelope =
        parse_envelope_spec(&envelope_text, &events.id).map_err(|e| format!("{}: {e}", envelope_path.display()))?;
    Ok(render_all(&Spec { events, envelope }))
}

/// What happened to one output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The file already holds what the spec gives.
    Unchanged,
    /// Written (write mode) or found different/missing (check mode).
    Stale,
}

/// Compares each output with the file under `out_root`.
pub fn check(outputs: &[Output], out_root: &Path) -> io::Result<Vec<(&'static str, Status)>> {
    outputs
        .iter()
        .map(|o| {
            let path = out_root.join(o.path);
            let status = match fs::read(&path) {
                Ok(existing) if existing == o.contents.as_bytes() => Status::Unchanged,
                Ok(_) => Status::Stale,
                Err(e) if e.kind() == io::ErrorKind::NotFound => Status::Stale,
                Err(e) => return Err(io::Error::new(e.kind(), format!("{}: {e}", path.display()))),
            };
            Ok((o.path, status))
        })
        .collect()
}

/// Writes the outputs that differ from the files under `out_root`, creating directories as needed.
pub fn write(outputs: &[Output], out_root: &Path) -> io::Result<Vec<(&'static str, Status)>> {
    let statuses = check(outputs, out_root)?;
    for (output, (_, status)) in outputs.iter().zip(&statuses) {
        if *status == Status::Stale {
            let path = out_root.join(output.path);
            if let Some(dir) = path.parent() {
                fs::create_dir_all(dir)?;
            }
            fs::write(&path, &output.contents)
                .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        }
    }
    Ok(statuses)
}
