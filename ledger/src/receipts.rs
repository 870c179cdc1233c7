//! The receipts file beside a ledger (spec/anchors.md, "Receipts file"):
//! every receipt an anchor returned, with the name of the anchor and the
//! checkpoint its statement vouches for, one canonical JSON object per line,
//! `{"anchor":"<name>","checkpoint":"<signed note>","receipt":{…}}`.
//! Append-only: a receipt may have cost a fee and cannot be had again.

use std::path::{Path, PathBuf};

use provedex_format::canonical::{self, Map};
use provedex_format::checkpoint::Checkpoint;
use provedex_format::note::SignedNote;
use provedex_format::{Error, Result, Value};

use crate::checkpoints::{append_entry_line, entry_members, no_other_member, read_entries};

/// The receipts file of the ledger at `ledger`: the same path with
/// `.receipts` appended to its file name.
pub fn receipts_path(ledger: &Path) -> PathBuf {
    let mut name = ledger.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".receipts");
    ledger.with_file_name(name)
}

/// One line of a receipts file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptEntry {
    /// The configured anchor that returned it.
    pub anchor: String,
    /// The signed checkpoint its statement vouches for, as signed.
    pub checkpoint: SignedNote,
    /// The checkpoint's tree size.
    pub tree_size: u64,
    /// The receipt: an object with a string member `type` (spec/anchors.md).
    pub receipt: Map,
}

impl ReceiptEntry {
    /// An entry for `receipt`, an object with a string member `type`.
    pub fn new(anchor: &str, checkpoint: SignedNote, receipt: Map) -> std::result::Result<Self, String> {
        let tree_size = Checkpoint::parse_body(&checkpoint.text).map_err(|e| format!("checkpoint: {e}"))?.size;
        if !matches!(receipt.get("type"), Some(Value::String(_))) {
            return Err("a receipt is an object with a string member `type`".to_owned());
        }
        if anchor.is_empty() {
            return Err("an anchor's name is not empty".to_owned());
        }
        Ok(ReceiptEntry { anchor: anchor.to_owned(), checkpoint, tree_size, receipt })
    }

    /// The receipt's type.
    pub fn kind(&self) -> &str {
        match self.receipt.get("type") {
            Some(Value::String(kind)) => kind,
            _ => unreachable!("an entry's receipt has a string type"),
        }
    }

    /// The entry's line: canonical JSON and LF.
    pub fn to_line(&self) -> Vec<u8> {
        let map = Map::from([
            ("anchor".to_owned(), Value::String(self.anchor.clone())),
            ("checkpoint".to_owned(), Value::String(self.checkpoint.to_text())),
            ("receipt".to_owned(), Value::Object(self.receipt.clone())),
        ]);
        let mut line = canonical::canonical_json(&Value::Object(map));
        line.push(b'\n');
        line
    }

    /// Reads one line (without its LF): exactly the members `anchor` (a
    /// non-empty string), `checkpoint` (a signed note whose text is a
    /// checkpoint body) and `receipt` (an object with a string `type`).
    pub fn parse(line: &[u8]) -> std::result::Result<Self, String> {
        let mut map = entry_members(line)?;
        let Some(Value::String(anchor)) = map.remove("anchor") else {
            return Err("no string anchor".to_owned());
        };
        let Some(Value::String(text)) = map.remove("checkpoint") else {
            return Err("no string checkpoint".to_owned());
        };
        let Some(Value::Object(receipt)) = map.remove("receipt") else {
            return Err("no object receipt".to_owned());
        };
        no_other_member(&map)?;
        let note = SignedNote::parse(text.as_bytes()).map_err(|e| format!("checkpoint: {e}"))?;
        ReceiptEntry::new(&anchor, note, receipt)
    }
}

/// Appends an entry to the receipts file of `ledger` (created when missing)
/// and syncs it before returning.
pub fn append_receipt(ledger: &Path, entry: &ReceiptEntry) -> Result<()> {
    let path = receipts_path(ledger);
    append_entry_line(&path, &entry.to_line())
        .and_then(|file| file.sync_data())
        .map_err(|e| Error::ledger_io(&path, "append to the receipts file", e))
}

/// Reads the receipts file of the ledger at `ledger`: every entry, in file
/// order (none when there is no file). A final line without LF (a write cut
/// short) is left out; any other line that is not an entry is an error
/// naming its line number. No receipt is verified here.
pub fn read_receipts(ledger: &Path) -> Result<Vec<ReceiptEntry>> {
    read_entries(&receipts_path(ledger), ReceiptEntry::parse)
}

#[cfg(test)]
mod tests {
    use super::*;
    use provedex_format::{ChainHash, Digest, SigningKeypair};

    fn entry(anchor: &str, size: u64) -> ReceiptEntry {
        let key = SigningKeypair::from_seed(&[3; 32]);
        let note = key.sign_checkpoint(&ChainHash([1; 32]), size, Digest([2; 32]));
        let receipt = Map::from([
            ("type".to_owned(), Value::String("rfc3161".into())),
            ("statement".to_owned(), Value::String("{}".into())),
        ]);
        ReceiptEntry::new(anchor, note, receipt).unwrap()
    }

    // Pins: AN-13.
    #[test]
    fn entries_append_read_back_and_survive_a_torn_line() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = dir.path().join("l.ndjson");
        assert_eq!(read_receipts(&ledger).unwrap(), vec![], "no file, no receipts");
        append_receipt(&ledger, &entry("tsa", 3)).unwrap();
        // A write cut short, then another append: the torn line is ended and
        // is the only bad line.
        std::fs::OpenOptions::new()
            .append(true)
            .open(receipts_path(&ledger))
            .and_then(|mut f| std::io::Write::write_all(&mut f, b"{\"anchor\":\"ts"))
            .unwrap();
        assert_eq!(read_receipts(&ledger).unwrap(), vec![entry("tsa", 3)], "the torn tail is left out");
        append_receipt(&ledger, &entry("log", 5)).unwrap();
        let err = read_receipts(&ledger).unwrap_err().to_string();
        assert!(err.contains("line 2: not JSON"), "{err}");
        let text = std::fs::read_to_string(receipts_path(&ledger)).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(ReceiptEntry::parse(lines[2].as_bytes()).unwrap(), entry("log", 5));
        assert_eq!(entry("log", 5).kind(), "rfc3161");
        assert_eq!(entry("log", 5).tree_size, 5);
    }

    #[test]
    fn malformed_lines_are_refused_with_their_fault() {
        let good = String::from_utf8(entry("tsa", 3).to_line()).unwrap();
        let good = good.trim_end();
        for (bad, why) in [
            (good.replace("\"anchor\":\"tsa\"", "\"anchor\":1"), "no string anchor"),
            (good.replace("\"anchor\":\"tsa\"", "\"anchor\":\"\""), "name is not empty"),
            (good.replace("\"type\":\"rfc3161\"", "\"type\":3"), "string member `type`"),
            (good.replacen('{', "{\"x\":1,", 1), "unknown member"),
            (good.replace("provedex-ledger/", "provedex-ledger/ "), "checkpoint"),
        ] {
            let err = ReceiptEntry::parse(bad.as_bytes()).unwrap_err();
            assert!(err.contains(why), "{bad}: {err}");
        }
    }
}
