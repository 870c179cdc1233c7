//! A C2SP transparency log (spec/anchors.md, "Transparency log"), as
//! Tessera's POSIX server serves one: the statement's bytes are added with
//! `POST <url>/add`, which answers the entry's index; the log's checkpoint
//! (`GET <url>/checkpoint`) is polled until its tree covers the entry; the
//! inclusion proof is computed from the log's C2SP `tlog-tiles` hash tiles
//! (`GET <url>/tile/<L>/<N>[.p/<W>]`) and the entry is read back from its
//! entry bundle (`GET <url>/tile/entries/<N>[.p/<W>]`). The receipt is
//! verified with the configured log key before it is returned.
//!
//! The log deduplicates: adding the same bytes again answers the earlier index.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use provedex_format::display::quote;
use provedex_format::hex::Digest;
use provedex_format::merkle::{Nodes, inclusion_proof, node_hash};
use provedex_format::note::NoteKey;
use provedex_receipts::tlog::{self, MAX_STATEMENT_BYTES, TlogReceipt, TlogTrust};

use crate::AnchorError;
use crate::http::Http;

/// The most bytes read of a checkpoint or of the answer to an add.
const MAX_SMALL_BYTES: u64 = 16 * 1024;
/// A full tile: 256 hashes; a full entry bundle holds 256 entries of up to 64 KiB.
const MAX_TILE_BYTES: u64 = 256 * 32;
const MAX_BUNDLE_BYTES: u64 = 256 * (2 + 65535);
/// Hashes (and entries) per full tile.
const TILE_WIDTH: u64 = 256;
/// Merkle levels per tile level.
const TILE_HEIGHT: u32 = 8;

/// A C2SP tlog to anchor with.
#[derive(Debug, Clone)]
pub struct TesseraAnchor {
    url: String,
    log_key: NoteKey,
    connect_timeout: Duration,
    timeout: Duration,
    integration_timeout: Duration,
}

impl TesseraAnchor {
    /// The log at `url` (e.g. `http://127.0.0.1:2025`), whose checkpoints
    /// `log_key` signs, with the default timeouts: connect 5 s, each call
    /// 30 s, and 30 s for the log to publish a checkpoint covering the entry.
    pub fn new(url: impl Into<String>, log_key: NoteKey) -> Self {
        TesseraAnchor {
            url: url.into().trim_end_matches('/').to_owned(),
            log_key,
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(30),
            integration_timeout: Duration::from_secs(30),
        }
    }

    /// Other timeouts: to connect, for each whole call, and for the log to
    /// publish a checkpoint that covers the entry.
    pub fn with_timeouts(mut self, connect: Duration, whole_call: Duration, integration: Duration) -> Self {
        self.connect_timeout = connect;
        self.timeout = whole_call;
        self.integration_timeout = integration;
        self
    }

    /// The base URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Adds `statement` to the log and returns the verified receipt.
    pub fn anchor(&self, statement: &str) -> Result<TlogReceipt, AnchorError> {
        if statement.len() > MAX_STATEMENT_BYTES {
            return Err(AnchorError::Refused(format!(
                "the statement has {} bytes, more than the {MAX_STATEMENT_BYTES} a tlog receipt may carry",
                statement.len()
            )));
        }
        let http = Http::new(self.connect_timeout, self.timeout, "the log");
        let endpoint = format!("{}/add", self.url);
        let (status, answer) = http.post(&endpoint, statement.as_bytes(), None, MAX_SMALL_BYTES)?;
        if status != 200 {
            return Err(http.refused(&endpoint, status, &answer));
        }
        let index = std::str::from_utf8(&answer)
            .ok()
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|t| t.parse::<u64>().ok())
            .ok_or_else(|| {
                AnchorError::Mismatch(format!(
                    "the log answered the add with {}, not an entry index",
                    quote(&String::from_utf8_lossy(&answer))
                ))
            })?;
        // A partial tile of the checkpoint read may be replaced by a full
        // one while the proof is built: then read a newer checkpoint.
        let mut attempt = 0;
        loop {
            attempt += 1;
            let (note, size) = self.checkpoint_covering(&http, index)?;
            match self.prove(&http, statement, index, size) {
                Ok(proof) => {
                    let receipt = TlogReceipt { statement: statement.to_owned(), index, checkpoint: note, proof };
                    tlog::verify(&receipt, &TlogTrust { log_key: self.log_key.clone() })
                        .map_err(|e| AnchorError::Mismatch(format!("the log's answer does not verify: {e}")))?;
                    return Ok(receipt);
                }
                Err(Fetch::Gone(_)) if attempt < 3 => continue,
                Err(Fetch::Gone(why)) => return Err(AnchorError::Mismatch(why)),
                Err(Fetch::Failed(e)) => return Err(e),
            }
        }
    }

    /// Polls the checkpoint until its tree holds entry `index`; each one
    /// read must be signed by the log key. Returns the note and its size.
    fn checkpoint_covering(&self, http: &Http, index: u64) -> Result<(String, u64), AnchorError> {
        let endpoint = format!("{}/checkpoint", self.url);
        let deadline = Instant::now() + self.integration_timeout;
        let mut pause = Duration::from_millis(50);
        loop {
            let (status, body) = http.get(&endpoint, MAX_SMALL_BYTES)?;
            if status != 200 {
                return Err(http.refused(&endpoint, status, &body));
            }
            let note = String::from_utf8(body)
                .map_err(|_| AnchorError::Mismatch("the log's checkpoint is not UTF-8".into()))?;
            let checkpoint = tlog::verify_checkpoint(&note, &self.log_key)
                .map_err(|e| AnchorError::Mismatch(format!("the log's checkpoint does not verify: {e}")))?;
            if checkpoint.size > index {
                return Ok((note, checkpoint.size));
            }
            if Instant::now() + pause > deadline {
                return Err(AnchorError::Unreachable(format!(
                    "the log did not publish a checkpoint covering entry {index} within {:?} (its tree has {} entries)",
                    self.integration_timeout, checkpoint.size
                )));
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(500));
        }
    }

    /// The inclusion proof of entry `index` in the tree of `size` entries,
    /// from the hash tiles, after checking that the entry bundle holds the
    /// statement at `index`.
    fn prove(&self, http: &Http, statement: &str, index: u64, size: u64) -> Result<Vec<String>, Fetch> {
        let bundle_index = index / TILE_WIDTH;
        let width = (size - bundle_index * TILE_WIDTH).min(TILE_WIDTH);
        let bundle =
            self.tile(http, &format!("entries/{}", tile_path(bundle_index)), width, MAX_BUNDLE_BYTES, false)?;
        let entry = bundle_entry(&bundle, (index % TILE_WIDTH) as usize).map_err(|why| {
            Fetch::Failed(AnchorError::Mismatch(format!("the log's entry bundle {bundle_index}: {why}")))
        })?;
        if entry != statement.as_bytes() {
            return Err(Fetch::Failed(AnchorError::Mismatch(format!(
                "the log holds {} at entry {index}, not the statement sent",
                quote(&String::from_utf8_lossy(entry))
            ))));
        }
        let mut tiles = TileNodes { anchor: self, http, size, cache: HashMap::new() };
        let proof = inclusion_proof(&mut tiles, index, size)?;
        Ok(proof.iter().map(Digest::to_hex).collect())
    }

    /// The tile at `path` (under `tile/`) of `width` items: the partial tile
    /// when `width` < 256, or the full tile when the partial one is gone (a
    /// full tile starts with the same items). With `hashes`, the tile must
    /// hold at least `width` hashes, and only they are kept.
    fn tile(&self, http: &Http, path: &str, width: u64, limit: u64, hashes: bool) -> Result<Vec<u8>, Fetch> {
        let full = format!("{}/tile/{path}", self.url);
        let mut candidates = vec![full.clone()];
        if width < TILE_WIDTH {
            candidates.insert(0, format!("{full}.p/{width}"));
        }
        for endpoint in &candidates {
            let (status, body) = http.get(endpoint, limit).map_err(Fetch::Failed)?;
            match status {
                200 => {
                    if !hashes {
                        return Ok(body);
                    }
                    let want = (width * 32) as usize;
                    if body.len() < want || body.len() % 32 != 0 {
                        return Err(Fetch::Failed(AnchorError::Mismatch(format!(
                            "the log's tile {} has {} bytes, not at least {want} in whole hashes",
                            quote(endpoint),
                            body.len()
                        ))));
                    }
                    return Ok(body[..want].to_vec());
                }
                404 => continue,
                _ => return Err(Fetch::Failed(http.refused(endpoint, status, &body))),
            }
        }
        Err(Fetch::Gone(format!("the log serves no tile {} (nor its partial form)", quote(&full))))
    }
}

/// Why a tile could not be had: gone (a newer checkpoint may help), or failed.
enum Fetch {
    Gone(String),
    Failed(AnchorError),
}

/// The hashes of complete subtrees, read from the log's hash tiles.
struct TileNodes<'a> {
    anchor: &'a TesseraAnchor,
    http: &'a Http,
    size: u64,
    cache: HashMap<(u32, u64), Vec<u8>>,
}

impl Nodes for TileNodes<'_> {
    type Error = Fetch;

    /// A tile of level `L` stores the nodes of Merkle level 8L; a node of
    /// level 8L + r (r < 8) is the root of 2^r of them, in the same tile.
    fn node(&mut self, level: u32, index: u64) -> Result<Digest, Fetch> {
        let (tile_level, height) = (level / TILE_HEIGHT, level % TILE_HEIGHT);
        let first = index << height; // the first stored node under it, at level 8L
        let tile_index = first / TILE_WIDTH;
        if !self.cache.contains_key(&(tile_level, tile_index)) {
            let stored = self.size >> (TILE_HEIGHT * tile_level); // nodes of level 8L in the tree
            let width = (stored - tile_index * TILE_WIDTH).min(TILE_WIDTH);
            let path = format!("{tile_level}/{}", tile_path(tile_index));
            let tile = self.anchor.tile(self.http, &path, width, MAX_TILE_BYTES, true)?;
            self.cache.insert((tile_level, tile_index), tile);
        }
        let tile = &self.cache[&(tile_level, tile_index)];
        let start = (first % TILE_WIDTH) as usize;
        let count = 1usize << height;
        let hashes: Vec<Digest> = (start..start + count)
            .map(|i| tile.get(i * 32..i * 32 + 32).map(|h| Digest(h.try_into().expect("32 bytes"))))
            .collect::<Option<_>>()
            .ok_or_else(|| {
                Fetch::Failed(AnchorError::Mismatch(format!(
                    "the log's tile {tile_level}/{tile_index} lacks the hashes of node {index} at level {level}"
                )))
            })?;
        Ok(perfect_root(&hashes))
    }
}

/// The root of a perfect tree over `hashes` (a power of two of them).
fn perfect_root(hashes: &[Digest]) -> Digest {
    let mut level = hashes.to_vec();
    while level.len() > 1 {
        level = level.chunks(2).map(|pair| node_hash(&pair[0], &pair[1])).collect();
    }
    level[0]
}

/// The C2SP tlog-tiles spelling of a tile index: 3-digit groups, all but
/// the last prefixed with `x` (1234067 → `x001/x234/067`).
fn tile_path(index: u64) -> String {
    let mut groups = vec![format!("{:03}", index % 1000)];
    let mut rest = index / 1000;
    while rest > 0 {
        groups.push(format!("x{:03}", rest % 1000));
        rest /= 1000;
    }
    groups.reverse();
    groups.join("/")
}

/// Entry `n` of an entry bundle: entries framed by a big-endian 16-bit length.
fn bundle_entry(bundle: &[u8], n: usize) -> Result<&[u8], String> {
    let mut rest = bundle;
    for i in 0..=n {
        let [hi, lo, tail @ ..] = rest else {
            return Err(format!("it ends before entry {i}"));
        };
        let len = usize::from(u16::from_be_bytes([*hi, *lo]));
        if tail.len() < len {
            return Err(format!("its entry {i} claims {len} bytes, {} remain", tail.len()));
        }
        if i == n {
            return Ok(&tail[..len]);
        }
        rest = &tail[len..];
    }
    unreachable!("the loop returns at its last turn")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_paths_group_digits_as_c2sp_says() {
        assert_eq!(tile_path(0), "000");
        assert_eq!(tile_path(5), "005");
        assert_eq!(tile_path(999), "999");
        assert_eq!(tile_path(1000), "x001/000");
        assert_eq!(tile_path(1234067), "x001/x234/067");
    }

    #[test]
    fn bundle_entries_are_read_by_their_length_prefix() {
        let bundle = [0, 1, b'a', 0, 0, 0, 2, b'b', b'c'];
        assert_eq!(bundle_entry(&bundle, 0).unwrap(), b"a");
        assert_eq!(bundle_entry(&bundle, 1).unwrap(), b"");
        assert_eq!(bundle_entry(&bundle, 2).unwrap(), b"bc");
        assert!(bundle_entry(&bundle, 3).unwrap_err().contains("ends before entry 3"));
        assert!(bundle_entry(&[0, 5, 1], 0).unwrap_err().contains("claims 5 bytes"));
    }
}
