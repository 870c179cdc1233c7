"""Bundles: a range of a ledger's lines with the checkpoint and proof that place them in its tree,
verified with the checks and proof levels of spec/bundles.md.

Reference: spec/bundles.md (The document, Verification, Proof levels, Report), which builds on
spec/transparency.md (the tree, proofs, checkpoints), spec/verification.md (steps 1 to 21 for the
lines) and spec/keys.md (fingerprints).

The document is read with the package's strict JSON parser, so a duplicate member anywhere, a lone
surrogate escape and anything but white space after the object are refused (``bundle_malformed``).
Then the checks run in the spec's order and the first finding stops the verification. No receipt
type is known to this verifier: every receipt is listed as not checked, so no level above
``verifiable`` is ever reached.
"""

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from . import canonical, checkpoint, ledger, merkle
from .bugs import planted
from .findings import Finding

FORMAT = "provedex-bundle/v1"
MAX_BUNDLE_BYTES = 1 << 30
MAX_U64 = 2**64 - 1
BUNDLE_MEMBERS = (
    "format",
    "public_key",
    "fingerprint",
    "checkpoint",
    "first_seq",
    "lines",
    "proof",
    "receipts",
)
PROOF_MEMBERS = ("previous_self_hash", "left", "consistency", "genesis")
LEVELS = ("verifiable", "externally-archived", "publicly-auditable", "publicly-timestamped")
"""The proof levels, lowest first (bundles.md, Proof levels)."""

_HEX_64 = re.compile(r"[0-9a-f]{64}")
_FINGERPRINT = re.compile(r"sha256:[0-9a-f]{64}")
_NOT_REACHED = {
    "externally-archived": "no verified WORM (S3 Object Lock) receipt",
    "publicly-auditable": "no verified transparency-log receipt",
    "publicly-timestamped": "no verified RFC 3161 timestamp or chain transaction",
}


@dataclass(frozen=True)
class RangeProof:
    """What places a bundle's lines in its checkpoint's tree. Hashes are 32-byte ``bytes``."""

    previous_self_hash: str | None
    left: list[bytes]
    consistency: list[bytes]
    genesis: list[bytes]


@dataclass(frozen=True)
class Bundle:
    """A bundle document, read: its members with the types bundles.md gives them."""

    public_key: bytes
    fingerprint: str
    checkpoint: bytes
    first_seq: int
    lines: list[bytes]
    proof: RangeProof
    receipts: list[dict[str, Any]]


# --- Reading ----------------------------------------------------------------------------------


def _malformed(message: str) -> Finding:
    return Finding("bundle_malformed", message)


def _exact_members(value: Any, members: tuple[str, ...], what: str) -> dict[str, Any]:
    """The object `value`, which must hold exactly `members` (the parser refused duplicates)."""
    if type(value) is not dict:
        raise _malformed(f"{what} is not a JSON object")
    missing = [name for name in members if name not in value]
    if missing:
        raise _malformed(f"{what} has no member {missing[0]}")
    unknown = [name for name in value if name not in members]
    if unknown:
        raise _malformed(f"{what} has a member the format does not define: {unknown[0]!r}")
    return value


def _string(value: Any, what: str) -> str:
    if type(value) is not str:
        raise _malformed(f"{what} is not a string")
    return value


def _hex_64(value: Any, what: str) -> str:
    if type(value) is not str or not _HEX_64.fullmatch(value):
        raise _malformed(f"{what} is not 64 lowercase hex characters")
    return value


def _hashes(value: Any, what: str) -> list[bytes]:
    if type(value) is not list:
        raise _malformed(f"{what} is not an array")
    return [bytes.fromhex(_hex_64(item, f"{what}[{index}]")) for index, item in enumerate(value)]


def read(data: bytes) -> Bundle:
    """Read a bundle document strictly (check 1 of bundles.md, Verification): bundle_malformed
    unless it is exactly a bundle of format provedex-bundle/v1."""
    if len(data) > MAX_BUNDLE_BYTES:
        raise _malformed(f"a bundle is at most {MAX_BUNDLE_BYTES} bytes; this one has {len(data)}")
    try:
        # White space before and after the value, nothing else; UTF-8 only.
        document = canonical.parse(data)
    except canonical.CanonicalError as error:
        raise _malformed(f"not a strict JSON text ({error})") from None
    members = _exact_members(document, BUNDLE_MEMBERS, "the bundle")
    if _string(members["format"], "format") != FORMAT:
        raise _malformed(f"the format {members['format']!r} is not {FORMAT}")
    public_key = bytes.fromhex(_hex_64(members["public_key"], "public_key"))
    fingerprint = _string(members["fingerprint"], "fingerprint")
    if fingerprint != checkpoint.fingerprint(public_key):
        raise _malformed(f"fingerprint {fingerprint!r} is not the fingerprint of public_key")
    note_text = _string(members["checkpoint"], "checkpoint")
    first_seq = members["first_seq"]
    if type(first_seq) is not int or not 0 <= first_seq <= MAX_U64:
        raise _malformed("first_seq is not an integer from 0 to 2^64 - 1")
    lines = members["lines"]
    if type(lines) is not list:
        raise _malformed("lines is not an array")
    if not lines:
        raise _malformed("lines is empty: a bundle holds at least one line")
    for index, line in enumerate(lines):
        if "\n" in _string(line, f"lines[{index}]"):
            raise _malformed(f"lines[{index}] holds an LF")
    proof = _exact_members(members["proof"], PROOF_MEMBERS, "the proof")
    previous = proof["previous_self_hash"]
    if previous is not None:
        _hex_64(previous, "previous_self_hash")
    if (previous is None) != (first_seq == 0):
        raise _malformed("previous_self_hash is null exactly when first_seq is 0, and here it is not")
    receipts = members["receipts"]
    if type(receipts) is not list:
        raise _malformed("receipts is not an array")
    for index, receipt in enumerate(receipts):
        if type(receipt) is not dict or type(receipt.get("type")) is not str:
            raise _malformed(f"receipts[{index}] is not an object with a string member type")
    return Bundle(
        public_key,
        fingerprint,
        note_text.encode("utf-8"),
        first_seq,
        [line.encode("utf-8") for line in lines],
        RangeProof(
            previous,
            _hashes(proof["left"], "left"),
            _hashes(proof["consistency"], "consistency"),
            _hashes(proof["genesis"], "genesis"),
        ),
        receipts,
    )


# --- The report -------------------------------------------------------------------------------


@dataclass
class Evidence:
    kind: str
    verdict: str
    detail: str


@dataclass
class LevelVerdict:
    level: str
    reached: bool
    why: str


@dataclass
class BundleReport:
    """The report of bundles.md, Report (bundle-report.schema.json)."""

    ok: bool
    pinned: bool
    proof_level: str | None
    levels: list[LevelVerdict]
    event_count: int
    first_seq: int | None
    tree_size: int | None
    root: str | None
    public_key: str | None
    reason: str | None
    message: str
    broken_at: int | None
    evidence: list[Evidence] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


# --- Verification -----------------------------------------------------------------------------


def check_pin_arguments(pinned_pubkey: str | None, pinned_fingerprint: str | None) -> None:
    """A pin that is not well formed, or two pins, is an error of the caller (ValueError)."""
    if pinned_pubkey is not None and pinned_fingerprint is not None:
        raise ValueError("pin a key or a fingerprint, not both")
    if pinned_pubkey is not None and (type(pinned_pubkey) is not str or not _HEX_64.fullmatch(pinned_pubkey)):
        raise ValueError("the pinned key must be 64 lowercase hex characters")
    if pinned_fingerprint is not None and (
        type(pinned_fingerprint) is not str or not _FINGERPRINT.fullmatch(pinned_fingerprint)
    ):
        raise ValueError("the pinned fingerprint must be sha256: and 64 lowercase hex characters")


class _Verification:
    """One verification: the evidence so far and what the report needs from it."""

    def __init__(self, pinned_pubkey: str | None, pinned_fingerprint: str | None, held: bytes | None) -> None:
        self.pinned_pubkey = pinned_pubkey
        self.pinned_fingerprint = pinned_fingerprint
        self.held = held
        self.has_pin = pinned_pubkey is not None or pinned_fingerprint is not None
        self.pin_matched = False
        self.evidence: list[Evidence] = []
        self.bundle: Bundle | None = None
        self.point: checkpoint.Checkpoint | None = None
        self.good_lines = 0
        self.self_hashes: list[str] = []
        self.broken_at: int | None = None

    # Each check returns the detail of its evidence, or raises the finding.

    def check_document(self, data: bytes) -> str:
        self.bundle = read(data)
        return f"{FORMAT}, {len(self.bundle.lines)} lines from seq {self.bundle.first_seq}"

    def check_key_pin(self) -> str | None:
        """Check 2; None when nothing is pinned (the evidence is then not checked)."""
        bundle = self.bundle
        if not self.has_pin and planted("bundle_key_trusted"):
            # PLANTED BUG bundle_key_trusted: without a pin, the bundle's own key is taken as the
            # trusted one, so anyone's consistent bundle under their own key reaches a level.
            self.pin_matched = True
            return f"the bundle's key {bundle.fingerprint} is taken as trusted"
        if not self.has_pin:
            return None
        if self.pinned_pubkey is not None and bundle.public_key.hex() != self.pinned_pubkey:
            raise Finding(
                "bundle_key_mismatch",
                f"the bundle's key {bundle.public_key.hex()} is not the pinned key {self.pinned_pubkey}",
            )
        if self.pinned_fingerprint is not None and bundle.fingerprint != self.pinned_fingerprint:
            raise Finding(
                "bundle_key_mismatch",
                f"the bundle's fingerprint {bundle.fingerprint} is not the pinned {self.pinned_fingerprint}",
            )
        self.pin_matched = True
        return f"the bundle's key {bundle.fingerprint} is the pinned key"

    def check_checkpoint(self) -> str:
        """Check 3: the checkpoint read and checked under the bundle's key. The report names its
        tree size and root only once it verified: an unverified checkpoint's claims are not shown."""
        self.point = checkpoint.verify(self.bundle.checkpoint, self.bundle.public_key)
        return (
            f"signed by {self.bundle.fingerprint}: {self.point.tree_size} lines, root {self.point.root.hex()}"
        )

    def check_held_checkpoint(self) -> str:
        """Check 4: a checkpoint obtained apart from the bundle names the same tree."""
        held = checkpoint.verify(self.held, self.bundle.public_key)
        point = self.point
        if held.genesis_self_hash != point.genesis_self_hash:
            raise Finding(
                "checkpoint_foreign",
                f"the held checkpoint names the ledger whose first line is {held.genesis_self_hash}, "
                f"the bundle's {point.genesis_self_hash}",
            )
        if held.tree_size != point.tree_size:
            raise Finding(
                "bundle_proof_invalid",
                f"the held checkpoint is of {held.tree_size} lines, the bundle's of {point.tree_size}: "
                "the bundle proves nothing about another tree",
            )
        if held.root != point.root:
            raise Finding(
                "checkpoint_root_mismatch",
                f"the held checkpoint's root {held.root.hex()} is not the bundle's {point.root.hex()}",
            )
        return f"the held checkpoint is the bundle's: {held.tree_size} lines, root {held.root.hex()}"

    def check_lines(self) -> str:
        """Check 5: the lines as a ledger's from seq first_seq after previous_self_hash, no key pinned."""
        bundle = self.bundle
        chain = ledger._Chain(
            None,
            first_seq=bundle.first_seq,
            first_parent=bundle.proof.previous_self_hash or ledger.GENESIS_PARENT,
        )
        for line in bundle.lines:
            try:
                chain.accept(ledger.check_line(line))
            except Finding:
                self.broken_at = bundle.first_seq + chain.good_lines
                raise
            self.good_lines = chain.good_lines
        self.self_hashes = chain.hashes
        last = bundle.first_seq + len(bundle.lines) - 1
        return f"{len(bundle.lines)} lines, seq {bundle.first_seq} to {last}, chained and signed"

    def check_tree(self) -> str:
        """Checks 6 and 7: the range proof, then the genesis proof against the origin."""
        self.check_range_proof()
        self.check_genesis()
        first, size = self.bundle.first_seq, self.point.tree_size
        last = first + len(self.bundle.lines) - 1
        return f"the lines are leaves {first} to {last} of the checkpoint's tree of {size}"

    def check_range_proof(self) -> None:
        bundle, point = self.bundle, self.point
        first, proof = bundle.first_seq, bundle.proof
        end = first + len(bundle.lines)
        if end > point.tree_size:
            raise Finding(
                "bundle_proof_invalid",
                f"the lines end at tree size {end}, past the checkpoint's {point.tree_size}",
            )
        before = max(first - 1, 0)
        if len(proof.left) != before.bit_count():
            raise Finding(
                "bundle_proof_invalid",
                f"left holds {len(proof.left)} hashes; the compact range of {before} lines holds "
                f"{before.bit_count()}",
            )
        compact, size = list(proof.left), before
        leaves = [merkle.line_leaf_hash(proof.previous_self_hash)] if first > 0 else []
        leaves += [merkle.line_leaf_hash(self_hash) for self_hash in self.self_hashes]
        for leaf in leaves:
            compact = merkle.compact_append(compact, size, leaf)
            size += 1
        if planted("bundle_consistency_unchecked"):
            # PLANTED BUG bundle_consistency_unchecked: the root the lines give is computed but never
            # tied to the checkpoint's, so lines of another tree pass for leaves of this one.
            return
        if not merkle.verify_consistency(
            end, point.tree_size, proof.consistency, merkle.compact_root(compact), point.root
        ):
            raise Finding(
                "bundle_proof_invalid",
                f"the tree of {end} lines these lines end does not extend to the checkpoint's tree of "
                f"{point.tree_size} by the consistency proof",
            )

    def check_genesis(self) -> None:
        bundle, point = self.bundle, self.point
        if planted("bundle_genesis_unchecked"):
            # PLANTED BUG bundle_genesis_unchecked: the origin's first line is never tied to the tree,
            # so a checkpoint names whichever ledger it likes.
            return
        genesis = point.genesis_self_hash
        if bundle.first_seq == 0:
            if self.self_hashes[0] != genesis:
                raise Finding(
                    "checkpoint_foreign",
                    f"the checkpoint names the ledger whose first line is {genesis}, "
                    f"not this one ({self.self_hashes[0]})",
                )
            if bundle.proof.genesis:
                raise Finding("checkpoint_foreign", "genesis is not empty for a bundle that starts at seq 0")
            return
        leaf = merkle.line_leaf_hash(genesis)
        if not merkle.verify_inclusion(0, point.tree_size, leaf, bundle.proof.genesis, point.root):
            raise Finding(
                "checkpoint_foreign",
                f"genesis does not prove that the origin's first line {genesis} is leaf 0 of the "
                "checkpoint's tree",
            )

    def checks(self, data: bytes) -> list[tuple[str, Any]]:
        steps = [
            ("bundle", lambda: self.check_document(data)),
            ("key_pin", self.check_key_pin),
            ("checkpoint", self.check_checkpoint),
        ]
        if self.held is not None:
            steps.append(("held_checkpoint", self.check_held_checkpoint))
        return steps + [("lines", self.check_lines), ("tree", self.check_tree)]

    def run(self, data: bytes) -> BundleReport:
        finding: Finding | None = None
        for kind, check in self.checks(data):
            if finding is not None:
                self.evidence.append(
                    Evidence(kind, "not_checked", "an earlier finding stopped the verification")
                )
                continue
            try:
                detail = check()
            except Finding as error:
                finding = error
                self.evidence.append(Evidence(kind, "failed", error.message))
                continue
            if detail is None:
                self.evidence.append(Evidence(kind, "not_checked", "nothing is pinned"))
            else:
                self.evidence.append(Evidence(kind, "verified", detail))
        for receipt in self.bundle.receipts if self.bundle is not None else ():
            why = (
                "an earlier finding stopped the verification"
                if finding
                else "a type this verifier does not know"
            )
            self.evidence.append(Evidence("receipt", "not_checked", f"{receipt['type']}: {why}"))
        return self.report(finding)

    def levels(self, finding: Finding | None) -> list[LevelVerdict]:
        verifiable = finding is None and self.pin_matched
        if verifiable:
            why = "the lines, their place in the tree and the checkpoint verify under the pinned key"
        elif finding is not None:
            why = f"a check failed: {finding.reason}"
        else:
            why = "nothing is pinned: the bundle proves only its internal consistency"
        verdicts = [LevelVerdict("verifiable", verifiable, why)]
        claimed = set()
        if planted("receipt_level_trusted") and self.bundle is not None:
            # PLANTED BUG receipt_level_trusted: a level a receipt names (any member whose value is
            # a level's name) is taken for evidence, though no receipt was verified.
            claimed = {value for receipt in self.bundle.receipts for value in receipt.values() if value in LEVELS}
        for level in LEVELS[1:]:
            reached = verifiable and level in claimed
            verdicts.append(
                LevelVerdict(level, reached, "a receipt says so" if reached else _NOT_REACHED[level])
            )
        return verdicts

    def report(self, finding: Finding | None) -> BundleReport:
        levels = self.levels(finding)
        reached = [verdict.level for verdict in levels if verdict.reached]
        proof_level = reached[-1] if reached else None
        bundle, point = self.bundle, self.point
        if finding is not None:
            message = f"invalid: {finding.message}"
            if self.broken_at is not None:
                message = f"invalid: broken at seq {self.broken_at}: {finding.message}"
        else:
            last = bundle.first_seq + len(bundle.lines) - 1
            summary = f"{len(bundle.lines)} lines (seq {bundle.first_seq} to {last}) of the ledger"
            if proof_level is None:
                message = f"consistent, but unpinned: {summary}; no proof level"
            else:
                message = f"valid: {summary}, proof level {proof_level}"
        return BundleReport(
            ok=finding is None,
            pinned=self.pin_matched,
            proof_level=proof_level,
            levels=levels,
            event_count=self.good_lines,
            first_seq=bundle.first_seq if bundle else None,
            tree_size=point.tree_size if point else None,
            root=point.root.hex() if point else None,
            public_key=bundle.public_key.hex() if bundle else None,
            reason=finding.reason if finding else None,
            message=message,
            broken_at=self.broken_at,
            evidence=self.evidence,
        )


def verify(
    data: bytes,
    pinned_pubkey: str | None = None,
    pinned_fingerprint: str | None = None,
    held_checkpoint: bytes | None = None,
) -> BundleReport:
    """Verify the bytes of a bundle file (bundles.md, Verification) and compute its proof level.

    At most one of `pinned_pubkey` (64 lowercase hex) and `pinned_fingerprint` (``sha256:`` and 64
    lowercase hex) is given; a malformed pin is the caller's error (ValueError). `held_checkpoint`
    is the bytes of a checkpoint of the ledger obtained apart from the bundle, if any.
    """
    check_pin_arguments(pinned_pubkey, pinned_fingerprint)
    return _Verification(pinned_pubkey, pinned_fingerprint, held_checkpoint).run(data)
