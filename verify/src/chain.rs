//! The chain rules (spec/verification.md): one line after another, each
//! with the verdict on its seal, against the state the lines before left.

use std::sync::Arc;

use provedex_format::display::quote;
use provedex_format::event::PinnedTool;
use provedex_format::hex::{ChainHash, Digest, PublicKeyBytes};
use provedex_format::merkle::{CompactRange, line_leaf_hash};
use provedex_format::seal::GENESIS_PARENT_HASH;
use provedex_format::{AgentEvent, Finding, Reason, SignedEvent};

use crate::checkpoint::SignedCheckpoint;
use crate::content::check_content;
use crate::report::{ChainReport, KeyEntry, UnpinnedToolCall};
use crate::seal::SealVerdict;

/// What a verification holds the ledger to, beyond the rules every ledger obeys.
#[derive(Debug, Clone, Default)]
pub(crate) struct Pins {
    /// The key every line before the first rotation must be signed by.
    pub(crate) pubkey: Option<PublicKeyBytes>,
    /// The key that must be current when the ledger ends.
    pub(crate) current_pubkey: Option<PublicKeyBytes>,
    /// Whether to list the tool calls outside the pinned toolset.
    pub(crate) check_tool_calls: bool,
    /// A checkpoint the ledger must reach and agree with (step 23).
    pub(crate) checkpoint: Option<Arc<SignedCheckpoint>>,
    /// Where the lines start when they are a range of a ledger (a bundle's):
    /// the first line's seq and the self_hash it must name as its parent.
    pub(crate) start: Option<(u64, ChainHash)>,
}

/// The chain rules, applied one event at a time.
pub(crate) struct ChainVerifier {
    pins: Pins,
    /// The seq of the first line: 0, or a range's first seq.
    start: u64,
    /// Good lines so far.
    count: u64,
    expected_parent: ChainHash,
    signers: Vec<PublicKeyBytes>,
    /// The key history; its last entry is the current key.
    keys: Vec<KeyEntry>,
    /// The seq of the last good `KeyRotated` line, if any.
    last_rotation: Option<u64>,
    /// The `self_hash` of every good line, by seq from `start`: what a redaction must name.
    hashes: Vec<ChainHash>,
    /// The seqs of the good `Redacted` lines, increasing.
    redactions: Vec<u64>,
    /// The tools of the last good `ToolsetPinned` line, when tool calls are checked.
    toolset: Option<Vec<PinnedTool>>,
    unpinned_tool_calls: Option<Vec<UnpinnedToolCall>>,
    /// The tree of the good lines, kept when a checkpoint is pinned.
    tree: Option<CompactRange>,
    /// The tree's root once it holds as many lines as the pinned checkpoint.
    root_at_checkpoint: Option<Digest>,
}

impl ChainVerifier {
    pub(crate) fn new(pins: Pins) -> Self {
        assert!(
            pins.checkpoint.is_none() || pins.start.is_none(),
            "a checkpoint covers a whole ledger, not a range of one"
        );
        let (start, expected_parent) = pins.start.unwrap_or((0, GENESIS_PARENT_HASH));
        let tree = pins.checkpoint.as_ref().map(|_| CompactRange::new());
        let root_at_checkpoint =
            pins.checkpoint.as_ref().filter(|c| c.checkpoint.size == 0).map(|_| CompactRange::new().root());
        ChainVerifier {
            tree,
            root_at_checkpoint,
            start,
            count: 0,
            expected_parent,
            signers: Vec::new(),
            keys: Vec::new(),
            last_rotation: None,
            hashes: Vec::new(),
            redactions: Vec::new(),
            toolset: None,
            unpinned_tool_calls: pins.check_tool_calls.then(Vec::new),
            pins,
        }
    }

    /// The key the next line must be signed by; none before the first good line.
    fn current_key(&self) -> Option<PublicKeyBytes> {
        self.keys.last().map(|entry| entry.pubkey)
    }

    /// Checks the next event, given the verdict on its seal; on success it
    /// becomes the chain's tip.
    pub(crate) fn push(&mut self, event: &SignedEvent, seal: SealVerdict) -> Result<(), Finding> {
        if event.seq != self.next_seq() {
            return Err(Finding::new(
                Reason::SeqMismatch,
                format!("expected seq {}, found seq {}", self.next_seq(), event.seq),
            ));
        }
        if event.parent_hash != self.expected_parent {
            let what = if self.next_seq() == 0 {
                "the genesis value (64 zeros)".to_owned()
            } else {
                format!("the previous self_hash {}", self.expected_parent)
            };
            return Err(Finding::new(
                Reason::ParentMismatch,
                format!("parent_hash {} is not {what}", event.parent_hash),
            ));
        }
        if let SealVerdict::BeforeSigner(finding) = seal {
            return Err(finding);
        }
        self.check_signer(event)?;
        if let SealVerdict::BadSignature(finding) = seal {
            return Err(finding);
        }
        check_content(event)?;
        if let AgentEvent::Redacted(redaction) = &event.event {
            self.check_redaction(redaction.target_seq, redaction.target_self_hash.0)?;
        }
        self.accept(event);
        Ok(())
    }

    /// Steps 12 and 13: the pinned key before any rotation, then the current key.
    fn check_signer(&self, event: &SignedEvent) -> Result<(), Finding> {
        let signer = event.signer_pubkey;
        if let Some(pinned) = self.pins.pubkey
            && self.last_rotation.is_none()
            && signer != pinned
        {
            return Err(Finding::new(
                Reason::PubkeyMismatch,
                format!("signed by {signer}, not by the pinned key {pinned}"),
            ));
        }
        let Some(current) = self.current_key() else { return Ok(()) };
        if signer == current {
            return Ok(());
        }
        Err(match self.last_rotation {
            Some(rotation) if rotation + 1 == event.seq => Finding::new(
                Reason::RotationNotFollowed,
                format!("signed by {signer}, but the rotation at seq {rotation} named {current}"),
            ),
            Some(rotation) => Finding::new(
                Reason::SignerChanged,
                format!(
                    "signed by {signer}, but the current key is {current}, named by the rotation at seq {rotation}"
                ),
            ),
            None => Finding::new(
                Reason::SignerChanged,
                format!("signed by {signer}, but the ledger was started by {current}"),
            ),
        })
    }

    /// Steps 20 and 21 for a redaction whose target is an earlier line
    /// (step 19 passed): it names that line's self_hash, and that line is
    /// not a redaction. A target before a range's first line is not there
    /// to check.
    fn check_redaction(&self, target: u64, target_self_hash: [u8; 32]) -> Result<(), Finding> {
        let Some(index) = target.checked_sub(self.start) else { return Ok(()) };
        let actual = self.hashes[usize::try_from(index).expect("an earlier line's seq fits in memory")];
        if actual.0 != target_self_hash {
            return Err(Finding::new(
                Reason::RedactionTargetMismatch,
                format!(
                    "the redaction names target_self_hash {}, but the line with seq {target} has self_hash {actual}",
                    ChainHash(target_self_hash)
                ),
            ));
        }
        if self.redactions.binary_search(&target).is_ok() {
            return Err(Finding::new(
                Reason::RedactionOfRedaction,
                format!("the redaction targets seq {target}, which is itself a redaction"),
            ));
        }
        Ok(())
    }

    /// Records a good line: the chain's tip, its signer, the key history,
    /// and what the rules of later lines need.
    fn accept(&mut self, event: &SignedEvent) {
        let seq = event.seq;
        if !self.signers.contains(&event.signer_pubkey) {
            self.signers.push(event.signer_pubkey);
        }
        match self.keys.last_mut() {
            Some(entry) => entry.to_seq = Some(seq),
            None => self.keys.push(KeyEntry { pubkey: event.signer_pubkey, from_seq: self.start, to_seq: Some(seq) }),
        }
        match &event.event {
            AgentEvent::KeyRotated(rotation) => {
                self.keys.push(KeyEntry { pubkey: rotation.new_pubkey, from_seq: seq + 1, to_seq: None });
                self.last_rotation = Some(seq);
            }
            AgentEvent::Redacted(_) => self.redactions.push(seq),
            AgentEvent::ToolsetPinned(pin) if self.pins.check_tool_calls => self.toolset = Some(pin.tools.clone()),
            AgentEvent::ToolCalled(call) => {
                if let Some(unpinned) = &mut self.unpinned_tool_calls {
                    let pinned = self.toolset.as_ref().is_some_and(|tools| {
                        tools.binary_search_by(|tool| tool.name.as_str().cmp(&call.tool_name)).is_ok()
                    });
                    if !pinned {
                        unpinned.push(UnpinnedToolCall { seq, tool_name: call.tool_name.clone() });
                    }
                }
            }
            _ => {}
        }
        self.hashes.push(event.self_hash);
        self.count += 1;
        self.expected_parent = event.self_hash;
        if let Some(tree) = &mut self.tree {
            tree.push(line_leaf_hash(&event.self_hash));
            if self.pins.checkpoint.as_ref().is_some_and(|c| c.checkpoint.size == tree.size()) {
                self.root_at_checkpoint = Some(tree.root());
            }
        }
    }

    /// Step 23: the ledger reaches the pinned checkpoint's size, its first
    /// line and the key current at that size are the ones the origin names,
    /// that key signs the checkpoint, and the tree at that size has its root.
    fn check_checkpoint(&self, signed: &SignedCheckpoint) -> Result<(), Finding> {
        let size = signed.checkpoint.size;
        let named = signed.origin.genesis_self_hash;
        let Some(genesis) = self.hashes.first() else {
            return Err(Finding::new(
                Reason::LedgerTruncated,
                format!("the ledger is empty, but the checkpoint vouches for {size} lines"),
            ));
        };
        if *genesis != named {
            return Err(Finding::new(
                Reason::CheckpointForeign,
                format!("the checkpoint names the ledger whose first self_hash is {named}, not this one ({genesis})"),
            ));
        }
        if self.count < size {
            return Err(Finding::new(
                Reason::LedgerTruncated,
                format!("the ledger holds {} lines, but the checkpoint vouches for {size}", self.count),
            ));
        }
        let key = crate::key_at(&self.keys, size).expect("the first key is current from 0");
        signed.verify_signature(&key).map_err(|finding| {
            let why = format!("{} (the key current at size {size} is {})", finding.message, key.fingerprint());
            Finding::new(finding.reason, why)
        })?;
        let root = self.root_at_checkpoint.expect("the tree reached the checkpoint's size");
        if root != signed.checkpoint.root {
            return Err(Finding::new(
                Reason::CheckpointRootMismatch,
                format!(
                    "the tree of the first {size} lines has root {root}, but the checkpoint says {}: those lines were replaced",
                    signed.checkpoint.root
                ),
            ));
        }
        Ok(())
    }

    pub(crate) fn count(&self) -> u64 {
        self.count
    }

    /// The seq the next line must have.
    fn next_seq(&self) -> u64 {
        self.start + self.count
    }

    fn root_hash(&self) -> Option<ChainHash> {
        (self.count > 0).then_some(self.expected_parent)
    }

    /// The report once every line is good: `ok`, unless the current key is
    /// pinned and is not the ledger's (step 22), a finding about the end of
    /// the ledger rather than a line.
    pub(crate) fn finish(self) -> ChainReport {
        if let Some(pinned) = self.pins.current_pubkey
            && self.current_key() != Some(pinned)
        {
            let why = match self.current_key() {
                Some(current) => format!("its current key is {current}, not the pinned current key {pinned}"),
                None => format!("it is empty, so it has no current key, not the pinned current key {pinned}"),
            };
            return self.report_at_end(Finding::new(Reason::CurrentKeyMismatch, why));
        }
        if let Some(checkpoint) = &self.pins.checkpoint
            && let Err(finding) = self.check_checkpoint(checkpoint)
        {
            return self.report_at_end(finding);
        }
        self.report(None, None)
    }

    /// The report of a finding about the end of the ledger rather than a line.
    fn report_at_end(self, finding: Finding) -> ChainReport {
        let place = format!("the end of the ledger, after {} good lines", self.count);
        self.report(Some((finding, place)), None)
    }

    /// The report of a finding on the line after the good ones (`line`
    /// when read from a file).
    pub(crate) fn broken(self, finding: Finding, line: Option<u64>) -> ChainReport {
        let place = match line {
            Some(l) => format!("line {l} (seq {})", self.next_seq()),
            None => format!("seq {}", self.next_seq()),
        };
        self.report(Some((finding, place)), line)
    }

    /// The report: `ok` without a finding, else broken at `place`.
    fn report(self, finding: Option<(Finding, String)>, line: Option<u64>) -> ChainReport {
        let (ok, reason, message) = match finding {
            Some((finding, place)) => (false, Some(finding.reason), format!("broken at {place}: {}", finding.message)),
            None => (true, None, self.summary()),
        };
        ChainReport {
            ok,
            event_count: self.count,
            broken_at: (!ok).then_some(self.next_seq()),
            line,
            reason,
            message,
            root_hash: self.root_hash(),
            signers: self.signers,
            keys: self.keys,
            unpinned_tool_calls: self.unpinned_tool_calls,
        }
    }

    /// The message of a ledger that holds.
    fn summary(&self) -> String {
        let events = match self.count {
            0 => "valid: the ledger is empty".to_owned(),
            1 => "valid: 1 event".to_owned(),
            n => format!("valid: {n} events"),
        };
        let events = match &self.pins.checkpoint {
            Some(checkpoint) => {
                format!("{events}; they hold the {} lines the checkpoint vouches for", checkpoint.checkpoint.size)
            }
            None => events,
        };
        match self.unpinned_tool_calls.as_deref() {
            Some(calls @ [first, ..]) => format!(
                "{events}; tool calls outside the pinned toolset: {}, the first at seq {} ({})",
                calls.len(),
                first.seq,
                quote(&first.tool_name)
            ),
            _ => events,
        }
    }
}
