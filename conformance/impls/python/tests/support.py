"""Shared test helpers: the spec's fenced example blocks, and crafted Ed25519 material."""

import hashlib
from dataclasses import dataclass

from provedex_ref import canonical, ed25519, labelled, ledger
from provedex_ref.schema import SPEC_DIR

SEED = bytes(range(32))
PUBLIC_KEY = "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8"
SESSION_STARTED = (
    b'{"type":"SessionStarted","payload":{"agent_id":"agent-1","model_id":"llama3.2:3b",'
    b'"session_id":"session-demo"}}'
)
SMALL_ORDER_ENCODINGS = [
    "0100000000000000000000000000000000000000000000000000000000000000",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000080",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
]
ORDER_8_POINT = "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"


@dataclass(frozen=True)
class Block:
    """One fenced block of a spec document: its info string and its lines."""

    document: str
    kind: str
    lines: list[str]
    first_line: int

    @property
    def label(self) -> str:
        return f"{self.document}:{self.first_line}:{self.kind}"


def spec_blocks() -> list[Block]:
    """Every fenced block of spec/*.md. Lines are split on LF only: examples hold raw U+2028."""
    blocks = []
    for path in sorted(SPEC_DIR.glob("*.md")):
        lines = path.read_text(encoding="utf-8").split("\n")
        index = 0
        while index < len(lines):
            if lines[index].startswith("```"):
                kind = lines[index][3:].strip()
                end = lines.index("```", index + 1)
                blocks.append(Block(path.name, kind, lines[index + 1 : end], index + 2))
                index = end
            index += 1
    return blocks


def key_value_pairs(block: Block, keys: tuple[str, str]) -> list[tuple[str, str]]:
    """The alternating `first: ...` / `second: ...` lines of a block, the text after ': ' literal."""
    assert len(block.lines) % 2 == 0, block.label
    pairs = []
    for first, second in zip(block.lines[0::2], block.lines[1::2], strict=True):
        assert first.startswith(keys[0] + ": ") and second.startswith(keys[1] + ": "), block.label
        pairs.append((first[len(keys[0]) + 2 :], second[len(keys[1]) + 2 :]))
    return pairs


def seal_fields(block: Block) -> dict[str, str]:
    fields = {}
    for line in block.lines:
        key, separator, value = line.partition(": ")
        assert separator, block.label
        fields[key] = value
    return fields


def encode_point(point: ed25519.Point) -> bytes:
    """The 32-byte encoding of a point: y little-endian, with the parity of x in the top bit."""
    z_inverse = pow(point[2], ed25519.P - 2, ed25519.P)
    x = point[0] * z_inverse % ed25519.P
    y = point[1] * z_inverse % ed25519.P
    return (y | (x & 1) << 255).to_bytes(32, "little")


def seed_scalar(seed: bytes) -> int:
    """The secret scalar a of RFC 8032, section 5.1.5 (clamped first half of SHA-512(seed))."""
    half = bytearray(hashlib.sha512(seed).digest()[:32])
    half[0] &= 248
    half[31] &= 127
    half[31] |= 64
    return int.from_bytes(half, "little")


def hash_scalar(*parts: bytes) -> int:
    return int.from_bytes(hashlib.sha512(b"".join(parts)).digest(), "little") % ed25519.L


def forge_line(public_key: bytes, signature_for) -> bytes:
    """A SessionStarted line at seq 0 signed by `signature_for(message) -> 64 bytes`."""
    event = ledger.parse_event_json(SESSION_STARTED)
    self_hash = ledger.self_hash(0, 1700000000000000000, ledger.GENESIS_PARENT, event)
    signature = signature_for(bytes.fromhex(self_hash))
    return (
        b'{"seq":0,"timestamp_nanos":1700000000000000000,"event":'
        + SESSION_STARTED
        + b',"parent_hash":"'
        + ledger.GENESIS_PARENT.encode()
        + b'","self_hash":"'
        + self_hash.encode()
        + b'","signature":"'
        + signature.hex().encode()
        + b'","signer_pubkey":"'
        + public_key.hex().encode()
        + b'"}'
    )


def torsion_r_signature(seed: bytes, message: bytes, r: int = 12345) -> bytes:
    """A signature (R + T, S) with T of order 8: valid under the cofactored equation only."""
    a = seed_scalar(seed)
    a_encoding = ed25519.public_key(seed)
    torsion = ed25519.decode_point(bytes.fromhex(ORDER_8_POINT))
    r_point = ed25519.point_add(ed25519.scalar_mult(r, ed25519.BASE), torsion)
    r_encoding = encode_point(r_point)
    s = (r + hash_scalar(r_encoding, a_encoding, message) * a) % ed25519.L
    return r_encoding + s.to_bytes(32, "little")


def identity_key_signature(message: bytes, r: int = 12345) -> bytes:
    """For the identity as public key, (rB, r) satisfies the equation for every message."""
    return encode_point(ed25519.scalar_mult(r, ed25519.BASE)) + r.to_bytes(32, "little")


IDENTITY_KEY = bytes.fromhex(SMALL_ORDER_ENCODINGS[0])


class LedgerBuilder:
    """Seals lines one after the other, each by the seed given (by default the last one used)."""

    def __init__(self, seed: bytes = SEED, timestamp: int = 1700000000000000000) -> None:
        self.seed = seed
        self.timestamp = timestamp
        self.lines: list[bytes] = []
        self.hashes: list[str] = []

    @property
    def seq(self) -> int:
        return len(self.lines)

    @property
    def parent(self) -> str:
        return self.hashes[-1] if self.hashes else ledger.GENESIS_PARENT

    def add(self, event_type: str, payload: dict, seed: bytes | None = None) -> "LedgerBuilder":
        self.seed = seed or self.seed
        event = {"type": event_type, "payload": payload}
        line = ledger.seal(self.seed, self.seq, self.timestamp + self.seq, self.parent, event)
        self.hashes.append(ledger.check_line(line.encode()).self_hash)
        self.lines.append(line.encode() + b"\n")
        return self

    def started(self, seed: bytes | None = None) -> "LedgerBuilder":
        return self.add("SessionStarted", {"agent_id": "a", "model_id": "m", "session_id": "s"}, seed)

    def rotate(
        self, new_seed: bytes, proof: str | None = None, new_pubkey: str | None = None
    ) -> "LedgerBuilder":
        """A KeyRotated line signed by the current seed; the next lines are signed by `new_seed`."""
        old_pubkey = ed25519.public_key(self.seed).hex()
        proof = proof or labelled.prove_rotation(new_seed, old_pubkey, self.parent, self.seq)
        new_pubkey = new_pubkey or ed25519.public_key(new_seed).hex()
        self.add("KeyRotated", {"new_pubkey": new_pubkey, "proof": proof})
        self.seed = new_seed
        return self

    def tool_called(self, name: str) -> "LedgerBuilder":
        return self.add("ToolCalled", {"tool_name": name, "args_sha256": "0" * 64, "args_redacted": {}})

    def pin(self, names: list[str], toolset_sha256: str | None = None) -> "LedgerBuilder":
        tools = [{"name": name, "sha256": hashlib.sha256(name.encode()).hexdigest()} for name in names]
        digest = toolset_sha256 or hashlib.sha256(canonical.dumps(tools).encode()).hexdigest()
        return self.add("ToolsetPinned", {"toolset_sha256": digest, "tools": tools})

    def redact(self, target_seq: int, target_self_hash: str | None = None) -> "LedgerBuilder":
        target_hash = target_self_hash or self.hashes[target_seq]
        payload = {"target_seq": target_seq, "target_self_hash": target_hash}
        return self.add("Redacted", payload | {"reason": "r", "requested_by": "p"})

    def bytes(self) -> bytes:
        return b"".join(self.lines)
