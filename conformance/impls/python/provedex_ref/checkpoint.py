"""Checkpoints: a ledger's tree size and root, signed by its key as a C2SP signed note.

Reference: spec/transparency.md (Checkpoints, Checking a ledger against a checkpoint) and
spec/keys.md (Fingerprints). A checkpoint's text is ``origin LF tree-size LF root LF`` (and opaque
extension lines, read and ignored); a ledger's origin is ``provedex-ledger/<self_hash of seq 0>/
<fingerprint of the signing key>``, and the key name of its signature line is that origin.

Reading a checkpoint refuses everything that is not exactly that as ``checkpoint_malformed``;
checking it against a key gives ``checkpoint_foreign`` or ``checkpoint_signature_invalid``.
"""

import base64
import hashlib
import re
from dataclasses import dataclass

from . import ed25519, merkle, note
from .findings import Finding

ORIGIN_PREFIX = "provedex-ledger/"
MAX_TREE_SIZE = 2**64 - 1
_ORIGIN = re.compile(r"provedex-ledger/([0-9a-f]{64})/(sha256:[0-9a-f]{64})")
_TREE_SIZE = re.compile(r"0|[1-9][0-9]*")


def fingerprint(public_key: bytes) -> str:
    """``sha256:`` and the 64 lowercase hex of SHA-256 of the 32 raw key bytes (keys.md)."""
    return "sha256:" + hashlib.sha256(public_key).hexdigest()


def ledger_origin(genesis_self_hash: str, public_key: bytes) -> str:
    """The origin of a ledger whose line with seq 0 has `genesis_self_hash`, signed by the key."""
    return f"{ORIGIN_PREFIX}{genesis_self_hash}/{fingerprint(public_key)}"


@dataclass(frozen=True)
class Checkpoint:
    """The text of a checkpoint, read: the origin's two parts, the tree size, the root."""

    origin: str
    genesis_self_hash: str
    key_fingerprint: str
    tree_size: int
    root: bytes


@dataclass(frozen=True)
class SignedCheckpoint:
    """A checkpoint with the signed note it was read from, whose signatures are not yet checked."""

    checkpoint: Checkpoint
    note: note.SignedNote


def _malformed(message: str) -> Finding:
    return Finding("checkpoint_malformed", message)


def parse_text(text: bytes) -> Checkpoint:
    """Read a note's text as a checkpoint; checkpoint_malformed when it is not one."""
    # A note's text is LF-terminated lines (note.parse guarantees the final LF and UTF-8).
    if not text.endswith(b"\n"):
        raise _malformed("the checkpoint's text does not end with LF")
    lines = text.decode("utf-8")[:-1].split("\n")
    if len(lines) < 3:
        raise _malformed("a checkpoint has at least three lines: origin, tree size and root")
    if any(not line for line in lines):
        raise _malformed("a checkpoint has no empty line")
    origin, size_text, root_text = lines[:3]
    match = _ORIGIN.fullmatch(origin)
    if match is None:
        raise _malformed(f"the origin {origin!r} names no Provedex ledger")
    # ASCII digits only: fullmatch on [0-9] never takes Unicode digits, a sign, '_' or spaces.
    if not _TREE_SIZE.fullmatch(size_text) or int(size_text) > MAX_TREE_SIZE:
        raise _malformed(f"the tree size {size_text!r} is not a decimal from 0 to 2^64 - 1")
    try:
        root = note.decode_base64(root_text)
    except note.NoteError:
        root = b""
    if len(root) != merkle.HASH_SIZE:
        raise _malformed(f"the root {root_text!r} is not the base64 of 32 bytes")
    return Checkpoint(origin, match.group(1), match.group(2), int(size_text), root)


def read(note_bytes: bytes) -> SignedCheckpoint:
    """Read a signed checkpoint from its bytes; checkpoint_malformed when they are not one."""
    try:
        signed = note.parse(note_bytes)
    except note.NoteError as error:
        raise _malformed(f"not a signed note: {error}") from None
    return SignedCheckpoint(parse_text(signed.text), signed)


def text(genesis_self_hash: str, public_key: bytes, tree_size: int, root: bytes) -> bytes:
    """The text of a ledger's checkpoint: origin, tree size and root, each with its LF."""
    if not re.fullmatch(r"[0-9a-f]{64}", genesis_self_hash):
        raise ValueError("the genesis self_hash must be 64 lowercase hex characters")
    if not 0 <= tree_size <= MAX_TREE_SIZE or len(root) != merkle.HASH_SIZE:
        raise ValueError("a checkpoint has a u64 tree size and a 32-byte root")
    origin = ledger_origin(genesis_self_hash, public_key)
    return f"{origin}\n{tree_size}\n{base64.b64encode(root).decode('ascii')}\n".encode("ascii")


def sign(seed: bytes, genesis_self_hash: str, tree_size: int, root: bytes) -> bytes:
    """The signed note of a checkpoint by the key of `seed`, its key name the origin."""
    public_key = ed25519.public_key(seed)
    body = text(genesis_self_hash, public_key, tree_size, root)
    return note.sign(body, body.split(b"\n", 1)[0].decode("ascii"), seed)


def check_signature(signed: SignedCheckpoint, public_key: bytes) -> None:
    """checkpoint_signature_invalid unless the note's lines by the key (name: the origin) pass."""
    if not note.verify(signed.note, signed.checkpoint.origin, public_key):
        raise Finding(
            "checkpoint_signature_invalid",
            "the checkpoint has no signature by the expected key that verifies, or one that fails",
        )


def verify(note_bytes: bytes, public_key: bytes) -> Checkpoint:
    """A checkpoint read and checked against the key that should have signed it.

    checkpoint_malformed, then checkpoint_foreign (the origin names another key's fingerprint), then
    checkpoint_signature_invalid.
    """
    signed = read(note_bytes)
    expected = fingerprint(public_key)
    if signed.checkpoint.key_fingerprint != expected:
        raise Finding(
            "checkpoint_foreign",
            f"the origin names the key {signed.checkpoint.key_fingerprint}, not {expected}",
        )
    check_signature(signed, public_key)
    return signed.checkpoint
