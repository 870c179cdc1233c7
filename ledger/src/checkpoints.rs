//! The checkpoints file beside a ledger (spec/transparency.md, "Checkpoints
//! file"): the checkpoints a session signs as it records, one canonical JSON
//! object per line, `{"checkpoint":"<signed note>","tree_size":<n>}`.

use std::fs::OpenOptions;
use std::io::Write as _;
use std::os::unix::fs::FileExt as _;
use std::path::{Path, PathBuf};

use provedex_format::canonical::{self, Map};
use provedex_format::checkpoint::Checkpoint;
use provedex_format::note::SignedNote;
use provedex_format::{Error, LedgerErrorKind, Result, Value};

/// The checkpoints file of the ledger at `ledger`: the same path with
/// `.checkpoints` appended to its file name.
pub fn checkpoints_path(ledger: &Path) -> PathBuf {
    let mut name = ledger.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".checkpoints");
    ledger.with_file_name(name)
}

/// One line of a checkpoints file: a signed checkpoint and the tree size it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointEntry {
    /// The checkpoint's tree size.
    pub tree_size: u64,
    /// The signed note, as signed. Its signature is for the reader to
    /// verify (`provedex_verify::verify_checkpoint`) under the key it expects.
    pub note: SignedNote,
}

impl CheckpointEntry {
    /// The entry's line: canonical JSON and LF.
    pub fn to_line(&self) -> Vec<u8> {
        let map = Map::from([
            ("checkpoint".to_owned(), Value::String(self.note.to_text())),
            ("tree_size".to_owned(), Value::from(self.tree_size)),
        ]);
        let mut line = canonical::canonical_json(&Value::Object(map));
        line.push(b'\n');
        line
    }

    /// Reads one line (without its LF): an object with exactly the members
    /// `checkpoint` (a signed note whose text is a checkpoint body) and
    /// `tree_size` (the body's tree size).
    pub fn parse(line: &[u8]) -> std::result::Result<Self, String> {
        let mut map = entry_members(line)?;
        let tree_size = match map.remove("tree_size") {
            Some(Value::Integer(n)) => n.as_u64().ok_or("tree_size is not a u64")?,
            _ => return Err("no integer tree_size".to_owned()),
        };
        let Some(Value::String(text)) = map.remove("checkpoint") else {
            return Err("no string checkpoint".to_owned());
        };
        no_other_member(&map)?;
        let note = SignedNote::parse(text.as_bytes()).map_err(|e| format!("checkpoint: {e}"))?;
        let body = Checkpoint::parse_body(&note.text).map_err(|e| format!("checkpoint: {e}"))?;
        if body.size != tree_size {
            return Err(format!("tree_size {tree_size} but the checkpoint's tree size is {}", body.size));
        }
        Ok(CheckpointEntry { tree_size, note })
    }
}

/// Appends an entry to the checkpoints file of `ledger` (created when
/// missing), without syncing: a lost checkpoint can be signed again.
pub(crate) fn append_checkpoint(ledger: &Path, entry: &CheckpointEntry) -> std::io::Result<()> {
    append_entry_line(&checkpoints_path(ledger), &entry.to_line()).map(drop)
}

/// Appends `line` (ending in LF) to the file of entries at `path`, created
/// when missing, and returns the file for a caller that syncs it. A final
/// line a crash cut short is ended first, so that it stays one bad line and
/// the entry its own.
pub(crate) fn append_entry_line(path: &Path, line: &[u8]) -> std::io::Result<std::fs::File> {
    let mut file = OpenOptions::new().create(true).read(true).append(true).open(path)?;
    let len = file.metadata()?.len();
    let mut bytes = Vec::with_capacity(line.len() + 1);
    if len > 0 {
        let mut last = [0u8];
        file.read_exact_at(&mut last, len - 1)?;
        if last[0] != b'\n' {
            bytes.push(b'\n');
        }
    }
    bytes.extend_from_slice(line);
    file.write_all(&bytes)?;
    Ok(file)
}

/// Reads the checkpoints file of the ledger at `ledger`: every entry, in
/// file order (none when there is no file). A final line without LF (a write
/// cut short) is left out; any other line that is not an entry is an error
/// naming its line number. Signatures are not checked here.
pub fn read_checkpoints(ledger: &Path) -> Result<Vec<CheckpointEntry>> {
    read_entries(&checkpoints_path(ledger), CheckpointEntry::parse)
}

/// The members of an entry line (without its LF), which must be a JSON object.
pub(crate) fn entry_members(line: &[u8]) -> std::result::Result<Map, String> {
    match canonical::parse(line).map_err(|e| format!("not JSON: {e}"))? {
        Value::Object(map) => Ok(map),
        _ => Err("not a JSON object".to_owned()),
    }
}

/// Refuses an entry with members left once its own are taken.
pub(crate) fn no_other_member(map: &Map) -> std::result::Result<(), String> {
    match map.keys().next() {
        Some(other) => Err(format!("an unknown member {other:?}")),
        None => Ok(()),
    }
}

/// Every entry of the file of entries at `path`, each line read by `parse`
/// (none when there is no file): a final line without LF is left out, any
/// other line that does not read is an error naming its line number.
pub(crate) fn read_entries<T>(path: &Path, parse: fn(&[u8]) -> std::result::Result<T, String>) -> Result<Vec<T>> {
    entry_lines(path)?
        .into_iter()
        .enumerate()
        .map(|(i, line)| {
            parse(&line).map_err(|why| {
                Error::ledger(LedgerErrorKind::Broken, format!("{}: line {}: {why}", path.display(), i + 1))
            })
        })
        .collect()
}

/// The entries of the checkpoints file of the ledger at `ledger` that read,
/// skipping any line that does not: what a writer or a prover relies on, so
/// that one damaged line does not hide the others (a line that does not
/// read vouches for nothing). An unreadable file has none.
pub(crate) fn readable_checkpoints(ledger: &Path) -> Vec<CheckpointEntry> {
    let Ok(lines) = entry_lines(&checkpoints_path(ledger)) else { return Vec::new() };
    lines.iter().filter_map(|line| CheckpointEntry::parse(line).ok()).collect()
}

/// The whole lines of a file of entries (checkpoints, receipts), without
/// their LFs (none when there is no file); a final line without LF is left out.
pub(crate) fn entry_lines(path: &Path) -> Result<Vec<Vec<u8>>> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(Error::ledger_io(path, "read", e)),
    };
    let whole = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |at| at + 1);
    let lines: Vec<Vec<u8>> = match bytes[..whole].strip_suffix(b"\n") {
        Some(lines) => lines.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect(),
        None => Vec::new(),
    };
    Ok(lines)
}
