"""Bundles built for the tests: lines sealed with the implementation's signer, checkpoints signed
with it, and the proof computed from whole trees (root_of over slices, PROOF and PATH), never from
the compact-range code the verifier uses."""

import json

from support import SEED, LedgerBuilder

from provedex_ref import checkpoint, ed25519, merkle

KEY = ed25519.public_key(SEED)
KEY_HEX = KEY.hex()
FINGERPRINT = checkpoint.fingerprint(KEY)


def leaf_hashes(self_hashes: list[str]) -> list[bytes]:
    return [merkle.line_leaf_hash(self_hash) for self_hash in self_hashes]


def left_of(leaves: list[bytes], count: int) -> list[bytes]:
    """The roots of the perfect subtrees the first `count` leaves fill, largest first, each the
    MTH of its slice."""
    hashes, start = [], 0
    for bit in reversed(range(count.bit_length())):
        if count >> bit & 1:
            hashes.append(merkle.root_of(leaves[start : start + (1 << bit)]))
            start += 1 << bit
    return hashes


def bundle_document(
    ledger: LedgerBuilder,
    first: int,
    count: int,
    size: int,
    *,
    seed: bytes | None = None,
    receipts: list | None = None,
) -> dict:
    """The bundle of lines `first` to `first + count - 1` against a checkpoint of the first `size`
    lines, signed by `seed` (default: the ledger's last seed, its current key at its end)."""
    seed = seed or ledger.seed
    public_key = ed25519.public_key(seed)
    leaves = leaf_hashes(ledger.hashes)
    note = checkpoint.sign(seed, ledger.hashes[0], size, merkle.root_of(leaves[:size]))
    return {
        "format": "provedex-bundle/v1",
        "public_key": public_key.hex(),
        "fingerprint": checkpoint.fingerprint(public_key),
        "checkpoint": note.decode("utf-8"),
        "first_seq": first,
        "lines": [line[:-1].decode("utf-8") for line in ledger.lines[first : first + count]],
        "proof": {
            "previous_self_hash": ledger.hashes[first - 1] if first else None,
            "left": [node.hex() for node in left_of(leaves, max(first - 1, 0))],
            "consistency": [node.hex() for node in merkle.consistency_proof(leaves[:size], first + count)],
            "genesis": [node.hex() for node in merkle.inclusion_proof(leaves[:size], 0)] if first else [],
        },
        "receipts": receipts or [],
    }


def encode(document: dict) -> bytes:
    return json.dumps(document, indent=2).encode("utf-8")


def ledger_of(count: int) -> LedgerBuilder:
    builder = LedgerBuilder().started()
    for index in range(1, count):
        builder.tool_called(f"tool-{index}")
    return builder
