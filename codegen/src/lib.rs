//! The Provedex generator: reads `spec/`, renders the askama templates in
//! `codegen/templates/` (Rust core types, the FFI event enum, the Python
//! event factories), then builds the FFI and has uniffi-bindgen derive the
//! Python, Kotlin and Swift bindings from it; writes or checks all of them.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod backends;
pub mod bindings;
pub mod render;
pub mod spec;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

pub use bindings::render_bindings;
pub use render::{Output, REGENERATE_COMMAND, render_all};
pub use spec::{EventSpec, SpecError, parse_event_spec};

/// The spec file every output is generated from, relative to the spec directory.
pub const EVENTS_SCHEMA: &str = "events.schema.json";

/// The repository root this crate was built in.
pub fn default_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("codegen/ lies inside the repository").to_path_buf()
}

/// Reads the spec in `spec_dir` and renders every output.
pub fn generate(spec_dir: &Path) -> Result<Vec<Output>, String> {
    let path = spec_dir.join(EVENTS_SCHEMA);
    let text = fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let spec = parse_event_spec(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(render_all(&spec))
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
