//! The content checks of the 1.1 variants that a line passes or fails on
//! its own (spec/verification.md, steps 15 to 19), written once for the
//! chain and for the check of a single line. They run after the seal, so
//! only signed content is judged. The redaction checks that need the lines
//! before (steps 20 and 21) are the chain's.

use provedex_format::display::quote;
use provedex_format::event::{KeyRotated, Redacted, ToolsetPinned};
use provedex_format::{AgentEvent, Finding, Reason, RotationStatement, SignedEvent, toolset_sha256};

use crate::seal::{decode_strictly, verifies_strictly};

/// Steps 15 to 19 for `event`; a line of a v1 variant passes them.
pub fn check_content(event: &SignedEvent) -> Result<(), Finding> {
    match &event.event {
        AgentEvent::KeyRotated(rotation) => check_rotation(event, rotation),
        AgentEvent::ToolsetPinned(pin) => check_toolset(pin),
        AgentEvent::Redacted(redaction) => check_redaction_target(event.seq, redaction),
        _ => Ok(()),
    }
}

/// Steps 15 and 16: the new key is a valid key other than the signer's, and
/// it signed the rotation statement of this line's place.
fn check_rotation(event: &SignedEvent, rotation: &KeyRotated) -> Result<(), Finding> {
    let new = &rotation.new_pubkey;
    if let Err(why) = decode_strictly(new) {
        return Err(Finding::new(Reason::RotationKeyInvalid, format!("the rotation's new_pubkey {new} {why}")));
    }
    if *new == event.signer_pubkey {
        return Err(Finding::new(
            Reason::RotationKeyInvalid,
            format!("the rotation's new_pubkey {new} is the key that signs it: a rotation hands over to another key"),
        ));
    }
    let statement = RotationStatement {
        old_pubkey: event.signer_pubkey,
        new_pubkey: *new,
        seq: event.seq,
        parent_hash: event.parent_hash,
    };
    if !verifies_strictly(new, &statement.message(), &rotation.proof) {
        return Err(Finding::new(
            Reason::RotationProofInvalid,
            format!(
                "the rotation's proof is not new_pubkey {new}'s signature over the rotation statement from {} at seq {}",
                event.signer_pubkey, event.seq
            ),
        ));
    }
    Ok(())
}

/// Steps 17 and 18: the tools are sorted by name, each name once, and the
/// toolset hash is theirs.
fn check_toolset(pin: &ToolsetPinned) -> Result<(), Finding> {
    if let Some(pair) = pin.tools.windows(2).find(|pair| pair[0].name >= pair[1].name) {
        let (before, after) = (&pair[0].name, &pair[1].name);
        let message = if before == after {
            format!("the toolset names {} twice", quote(before))
        } else {
            format!("the toolset lists {} before {}, out of UTF-8 byte order", quote(before), quote(after))
        };
        return Err(Finding::new(Reason::ToolsetUnsorted, message));
    }
    let computed = toolset_sha256(&pin.tools);
    if computed != pin.toolset_sha256 {
        return Err(Finding::new(
            Reason::ToolsetHashMismatch,
            format!("toolset_sha256 {} is not the hash of the listed tools, {computed}", pin.toolset_sha256),
        ));
    }
    Ok(())
}

/// Step 19: a redaction targets an earlier line.
fn check_redaction_target(seq: u64, redaction: &Redacted) -> Result<(), Finding> {
    if redaction.target_seq >= seq {
        return Err(Finding::new(
            Reason::RedactionTargetUnknown,
            format!("the redaction at seq {seq} targets seq {}, which is not an earlier line", redaction.target_seq),
        ));
    }
    Ok(())
}
