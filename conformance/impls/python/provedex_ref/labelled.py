"""Labelled messages of signature-scheme.md, Signature kinds: rotation statements and data signatures.

A labelled message is ``provedex/<kind>/v<version>`` LF followed by the kind's document; it is
always longer than 32 bytes, so it is never taken for a line's digest, and two kinds never share a
message. One function per kind signs: nothing here signs arbitrary bytes.
"""

import hashlib

from . import canonical, ed25519
from .bugs import planted

ROTATION_LABEL = b"provedex/key-rotation/v1\n"
DATA_LABEL = b"provedex/data/v1\n"


def rotation_message(new_pubkey: str, old_pubkey: str, parent_hash: str, seq: int) -> bytes:
    """The label, then the canonical JSON of the rotation statement of a KeyRotated line."""
    statement = {"new_pubkey": new_pubkey, "old_pubkey": old_pubkey, "parent_hash": parent_hash, "seq": seq}
    return ROTATION_LABEL + canonical.dumps(statement).encode("utf-8")


def _verified_rotation_message(new_pubkey: str, old_pubkey: str, parent_hash: str, seq: int) -> bytes:
    message = rotation_message(new_pubkey, old_pubkey, parent_hash, seq)
    if planted("rotation_proof_unlabelled"):
        # PLANTED BUG rotation_proof_unlabelled: the bare statement, which another kind could sign.
        return message.removeprefix(ROTATION_LABEL)
    return message


def prove_rotation(new_seed: bytes, old_pubkey: str, parent_hash: str, seq: int) -> str:
    """The `proof` of a KeyRotated line at (seq, parent_hash) handing over from `old_pubkey`."""
    new_pubkey = ed25519.public_key(new_seed).hex()
    return ed25519.sign(new_seed, rotation_message(new_pubkey, old_pubkey, parent_hash, seq)).hex()


def verify_rotation(new_pubkey: str, old_pubkey: str, parent_hash: str, seq: int, proof: str) -> bool:
    """Whether `proof` is new_pubkey's strict signature over this place's rotation statement."""
    message = _verified_rotation_message(new_pubkey, old_pubkey, parent_hash, seq)
    return ed25519.verify_strict(bytes.fromhex(new_pubkey), message, bytes.fromhex(proof))


def data_message(data: bytes) -> bytes:
    """The label, then the 32 raw bytes of SHA-256(data): 49 bytes whatever the data's length."""
    return DATA_LABEL + hashlib.sha256(data).digest()


def sign_data(seed: bytes, data: bytes) -> bytes:
    """The 64-byte data signature of `data` by the key of `seed`."""
    return ed25519.sign(seed, data_message(data))


def verify_data(public_key: bytes, data: bytes, signature: bytes) -> bool:
    """Whether `signature` is a strict data signature of `data` under `public_key`."""
    return ed25519.verify_strict(public_key, data_message(data), signature)
