"""Ledger lines and ledgers: reading one line strictly, the self hash, sealing, and verification.

References: spec/ledger-format.md (framing, members, chaining), spec/signature-scheme.md
(preimage, digest, signature) and spec/verification.md (order of checks, report).
"""

import dataclasses
import hashlib
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from . import canonical, checkpoint, ed25519, labelled, merkle, toolsets
from .bugs import planted
from .events import check_event, write_event
from .findings import Finding
from .schema import FieldRule, line_rules, reject_unknown_members

MAX_LINE_BYTES = 16 * 1024 * 1024
GENESIS_PARENT = "0" * 64
SEAL_MEMBERS = ("self_hash", "signature", "signer_pubkey")
"""The members a writer computes when it seals; the others are the chain position and the event."""


@dataclass(frozen=True)
class SignedEvent:
    """A line that passed parsing and the schema check."""

    seq: int
    timestamp_nanos: int
    event: dict[str, Any]
    parent_hash: str
    self_hash: str
    signature: str
    signer_pubkey: str


# --- Parsing --------------------------------------------------------------------------------


def parse_json(data: bytes, *, enclosing_depth: int = 0) -> Any:
    """Parse with the canonical parser; a failure is duplicate_key or else malformed_json."""
    try:
        return canonical.parse(data, enclosing_depth=enclosing_depth)
    except canonical.CanonicalError as error:
        reason = "duplicate_key" if error.code == "duplicate_key" else "malformed_json"
        raise Finding(reason, f"the JSON does not parse strictly ({error})") from None


def parse_event_json(data: bytes) -> Any:
    """Parse the JSON text of an event that is to sit in a line, at depth 2 of that line."""
    if planted("event_depth_from_event"):
        # PLANTED BUG event_depth_from_event: the event counted as depth 1, a line one level too deep.
        return parse_json(data)
    return parse_json(data, enclosing_depth=1)


def line_length(line: bytes) -> int:
    """The length the limit applies to: bytes."""
    if planted("line_length_in_characters"):
        # PLANTED BUG line_length_in_characters: len() of the decoded text counts characters.
        return len(line.decode("utf-8", "replace"))
    return len(line)


def max_line_bytes() -> int:
    """The longest line accepted, in bytes."""
    if planted("accept_one_byte_past_limit"):
        # PLANTED BUG accept_one_byte_past_limit: the limit compared with >= where > belongs.
        return MAX_LINE_BYTES + 1
    return MAX_LINE_BYTES


def check_framing(line: bytes) -> bytes:
    """Framing checks of one line (without its LF); return the bytes to parse."""
    if line_length(line) > max_line_bytes():
        raise Finding("line_too_long", f"the line is longer than {MAX_LINE_BYTES} bytes")
    if not line:
        raise Finding("empty_line", "the line is empty")
    if line.endswith(b"\r"):
        if planted("accept_crlf"):
            # PLANTED BUG accept_crlf: a CRLF line ending read as if it were LF.
            return line[:-1]
        raise Finding("crlf_line_ending", "the line ends with CR before its LF")
    return line


def check_line(line: bytes) -> SignedEvent:
    """Framing, strict parsing and the schema of one line (without its LF), with no chain context."""
    body = check_framing(line)
    if not (body.startswith(b"{") and body.endswith(b"}")):
        raise Finding("malformed_json", "the line does not start with '{' and end with '}'")
    value = parse_json(body)
    check_members(value, line_rules())
    reject_unknown_members(value, tuple(rule.name for rule in line_rules()), "the line")
    return SignedEvent(**{rule.name: value[rule.name] for rule in line_rules()})


def check_members(container: dict[str, Any], rules: tuple[FieldRule, ...]) -> None:
    """Check the members of a line (or of the part of a line a writer is given) in rule order."""
    if planted("required_members_first"):
        # PLANTED BUG required_members_first: presence of all, then kinds, as a JSON Schema
        # validator that reports `required` before `properties`.
        for rule in rules:
            if rule.name not in container:
                raise Finding("missing_field", f"member {rule.name} is missing")
    if planted("unknown_members_first"):
        # PLANTED BUG unknown_members_first: undefined members refused on sight, as a deserializer
        # that denies unknown fields does, before it finds a required one missing.
        reject_unknown_members(container, tuple(rule.name for rule in line_rules()), "the line")
    for rule in rules:
        if rule.kind == "event":
            if rule.name not in container:
                raise Finding("missing_field", f"member {rule.name} is missing")
            check_event(container[rule.name], rule.name)
        else:
            rule.check(container, "")


# --- Hashing and sealing --------------------------------------------------------------------


def preimage(seq: int, timestamp_nanos: int, parent_hash: str, event: dict[str, Any]) -> bytes:
    """The canonical JSON of {event, parent_hash, seq, timestamp_nanos}: what self_hash hashes."""
    members = {"event": event, "parent_hash": parent_hash, "seq": seq, "timestamp_nanos": timestamp_nanos}
    return canonical.dumps(members).encode("utf-8")


def digest(seq: int, timestamp_nanos: int, parent_hash: str, event: dict[str, Any]) -> bytes:
    """SHA-256 of the preimage: 32 bytes, written as hex in self_hash."""
    return hashlib.sha256(preimage(seq, timestamp_nanos, parent_hash, event)).digest()


def signed_message(self_hash: bytes) -> bytes:
    """The message M that is signed: the 32 raw bytes of the digest."""
    if planted("sign_hex_text"):
        # PLANTED BUG sign_hex_text: the 64 hex characters instead of the 32 bytes they encode.
        return self_hash.hex().encode("ascii")
    return self_hash


def check_unsealed(seq: Any, timestamp_nanos: Any, parent_hash: Any, event: Any) -> None:
    """What a writer validates before sealing: every line member except the seal members."""
    unsealed = {"seq": seq, "timestamp_nanos": timestamp_nanos, "event": event, "parent_hash": parent_hash}
    unchecked = SEAL_MEMBERS
    if planted("parent_hash_unchecked"):
        # PLANTED BUG parent_hash_unchecked: the caller's parent_hash trusted, as if it were typed.
        unchecked += ("parent_hash",)
    check_members(unsealed, tuple(rule for rule in line_rules() if rule.name not in unchecked))


def self_hash(seq: Any, timestamp_nanos: Any, parent_hash: Any, event: Any) -> str:
    """The self_hash of a valid chain position and event; a Finding when they are not valid."""
    check_unsealed(seq, timestamp_nanos, parent_hash, event)
    return digest(seq, timestamp_nanos, parent_hash, event).hex()


def seal(seed: bytes, seq: Any, timestamp_nanos: Any, parent_hash: Any, event: Any) -> str:
    """The ledger line (without LF) that a writer emits; a Finding, and nothing signed, if invalid."""
    check_unsealed(seq, timestamp_nanos, parent_hash, event)
    members = {
        "seq": canonical.dumps(seq),
        "timestamp_nanos": canonical.dumps(timestamp_nanos),
        "event": write_event(event, check_event(event)),
        "parent_hash": canonical.write_string(parent_hash),
    }
    # The seal members have fixed lengths, so the length of the line is known before signing.
    placeholders = {
        name: canonical.write_string("0" * length)
        for name, length in (("self_hash", 64), ("signature", 128), ("signer_pubkey", 64))
    }
    if len(write_line(members | placeholders).encode("utf-8")) > MAX_LINE_BYTES:
        raise Finding("line_too_long", f"the line would be longer than {MAX_LINE_BYTES} bytes")
    hash_bytes = digest(seq, timestamp_nanos, parent_hash, event)
    seal_values = {
        "self_hash": hash_bytes.hex(),
        "signature": ed25519.sign(seed, signed_message(hash_bytes)).hex(),
        "signer_pubkey": ed25519.public_key(seed).hex(),
    }
    return write_line(members | {name: canonical.write_string(value) for name, value in seal_values.items()})


def write_line(members: dict[str, str]) -> str:
    """A compact line from the JSON texts of its members, in the writer's order."""
    return (
        "{"
        + ",".join(f"{canonical.write_string(rule.name)}:{members[rule.name]}" for rule in line_rules())
        + "}"
    )


# --- Verification ---------------------------------------------------------------------------


def check_hash(line: SignedEvent) -> None:
    """hash_mismatch unless self_hash is the hash of the preimage rebuilt from the parsed values."""
    recomputed = digest(line.seq, line.timestamp_nanos, line.parent_hash, line.event).hex()
    if recomputed != line.self_hash:
        raise Finding(
            "hash_mismatch",
            f"self_hash {line.self_hash} does not match the recomputed hash {recomputed}",
        )


def check_public_key(line: SignedEvent) -> None:
    """invalid_public_key unless signer_pubkey passes step 1 of the strict profile."""
    if not ed25519.is_valid_public_key(bytes.fromhex(line.signer_pubkey)):
        raise Finding(
            "invalid_public_key",
            f"signer_pubkey {line.signer_pubkey} is not a canonical Ed25519 point of large order",
        )


def check_signature(line: SignedEvent) -> None:
    """bad_signature unless the signature passes steps 2 to 4 of the strict profile."""
    message = signed_message(bytes.fromhex(line.self_hash))
    key = bytes.fromhex(line.signer_pubkey)
    if not ed25519.verify_strict(key, message, bytes.fromhex(line.signature)):
        raise Finding("bad_signature", "the signature fails strict Ed25519 verification")


def check_content(line: SignedEvent) -> None:
    """Steps 15 to 19 of verification.md: the checks of a 1.1 variant that need the line alone."""
    event_type, payload = line.event["type"], line.event["payload"]
    if event_type == "KeyRotated":
        new_pubkey = payload["new_pubkey"]
        if new_pubkey == line.signer_pubkey or not ed25519.is_valid_public_key(bytes.fromhex(new_pubkey)):
            raise Finding(
                "rotation_key_invalid",
                f"new_pubkey {new_pubkey} is not a valid public key other than the signer's",
            )
        if not labelled.verify_rotation(
            new_pubkey, line.signer_pubkey, line.parent_hash, line.seq, payload["proof"]
        ):
            raise Finding(
                "rotation_proof_invalid",
                "proof is not the new key's signature over this line's rotation statement",
            )
    elif event_type == "ToolsetPinned":
        names = [toolsets.name_order(tool["name"]) for tool in payload["tools"]]
        for index in range(1, len(names)):
            if not names[index - 1] < names[index]:
                raise Finding(
                    "toolset_unsorted",
                    f"tools[{index}] does not follow tools[{index - 1}]: names must be strictly "
                    "increasing by UTF-8 bytes, each listed once",
                )
        recomputed = toolsets.toolset_hash(payload["tools"])
        if recomputed != payload["toolset_sha256"]:
            raise Finding(
                "toolset_hash_mismatch",
                f"toolset_sha256 {payload['toolset_sha256']} is not the hash of tools, {recomputed}",
            )
    elif event_type == "Redacted" and payload["target_seq"] >= line.seq:
        raise Finding(
            "redaction_target_unknown",
            f"target_seq {payload['target_seq']} is not an earlier line than seq {line.seq}",
        )


def verify_line(line: bytes) -> Finding | None:
    """Check one line on its own, with no chain context; None when it is valid.

    The content checks that need only the line (steps 15 to 19) apply; those that need the
    redaction's target line (20, 21) do not.
    """
    try:
        parsed = check_line(line)
        if planted("verify_event_as_ledger"):
            # PLANTED BUG verify_event_as_ledger: the line taken for a one-line ledger, so seq and
            # parent_hash are compared with a chain it does not have.
            _Chain(None).accept(parsed)
            return None
        check_hash(parsed)
        check_public_key(parsed)
        check_signature(parsed)
        check_content(parsed)
    except Finding as finding:
        return finding
    return None


@dataclass
class Report:
    """The verification report of verification.md, Report.

    `unpinned_tool_calls` is None when tool calls were not to be checked, and then it is not a
    member of the JSON report.
    """

    ok: bool
    event_count: int
    broken_at: int | None
    line: int | None
    reason: str | None
    message: str
    root_hash: str | None
    signers: list[str]
    keys: list[dict[str, Any]]
    unpinned_tool_calls: list[dict[str, Any]] | None = None

    def to_json(self) -> dict[str, Any]:
        report = dataclasses.asdict(self)
        if self.unpinned_tool_calls is None:
            del report["unpinned_tool_calls"]
        return report


@dataclass
class _Chain:
    """What verification carries from one good line to the next."""

    pinned_pubkey: str | None
    check_tools: bool = False
    good_lines: int = 0
    root_hash: str | None = None
    signers: list[str] = field(default_factory=list)
    keys: list[dict[str, Any]] = field(default_factory=list)
    current_key: str | None = None
    rotated: bool = False
    """Whether a good line is a KeyRotated line: from then on the pinned key no longer applies."""
    after_rotation: bool = False
    """Whether the previous good line is a KeyRotated line."""
    hashes: list[str] = field(default_factory=list)
    """The self_hash of every good line, by seq, for the redaction checks."""
    redactions: set[int] = field(default_factory=set)
    """The seqs of the good Redacted lines."""
    pinned_toolset: list[dict[str, str]] | None = None
    """The `tools` of the last good ToolsetPinned line; None before the first."""
    unpinned_tool_calls: list[dict[str, Any]] = field(default_factory=list)
    first_seq: int = 0
    """The seq of the first line: 0 for a ledger, `first_seq` for a bundle's range of lines."""
    first_parent: str = GENESIS_PARENT
    """The parent the first line names: 64 zeros for a ledger, the previous self_hash for a range."""

    def accept(self, line: SignedEvent) -> None:
        """Chain, signer, signature and content checks of a parsed line, in the order of verification.md."""
        # PLANTED BUG skip_seq_check (when on): lines can be dropped or reordered unnoticed.
        expected_seq = self.first_seq + self.good_lines
        if line.seq != expected_seq and not planted("skip_seq_check"):
            raise Finding("seq_mismatch", f"seq is {line.seq}, expected {expected_seq}")
        expected_parent = self.root_hash or self.first_parent
        if line.parent_hash != expected_parent:
            raise Finding("parent_mismatch", f"parent_hash {line.parent_hash} is not {expected_parent}")
        check_hash(line)
        if planted("pin_before_key_validity"):
            # PLANTED BUG pin_before_key_validity: the key compared before it is decoded.
            self.check_pin(line)
        check_public_key(line)
        if planted("signature_before_signer_checks"):
            # PLANTED BUG signature_before_signer_checks: the cryptography first, the policy after.
            check_signature(line)
        self.check_pin(line)
        self.check_current_key(line)
        check_signature(line)
        check_content(line)
        self.check_redaction(line)
        self.record(line)

    def check_pin(self, line: SignedEvent) -> None:
        """pubkey_mismatch unless the line is signed by the pinned key, when one is pinned and no
        good line has rotated the key yet."""
        # PLANTED BUG pin_after_rotation (when on): the pin outlives the rotation it vouched for.
        applies = not self.rotated or planted("pin_after_rotation")
        if self.pinned_pubkey is not None and applies and line.signer_pubkey != self.pinned_pubkey:
            raise Finding(
                "pubkey_mismatch",
                f"signed by {line.signer_pubkey}, not by the pinned key {self.pinned_pubkey}",
            )

    def check_current_key(self, line: SignedEvent) -> None:
        """rotation_not_followed or signer_changed unless a later line is signed by the current key."""
        if self.current_key is None or line.signer_pubkey == self.current_key:
            return
        # PLANTED BUG rotation_not_followed_as_signer_changed (when on): one code for every change.
        if self.after_rotation and not planted("rotation_not_followed_as_signer_changed"):
            raise Finding(
                "rotation_not_followed",
                f"signed by {line.signer_pubkey}, but the rotation before it named {self.current_key}",
            )
        raise Finding(
            "signer_changed",
            f"signed by {line.signer_pubkey}, but the current key is {self.current_key}",
        )

    def check_redaction(self, line: SignedEvent) -> None:
        """Steps 20 and 21: a redaction names the self_hash of its target, which is not a redaction.

        A target before the first line checked (a bundle's range that starts mid-ledger) is not
        held, so it is not checked (bundles.md, Verification, check 5)."""
        if line.event["type"] != "Redacted":
            return
        payload = line.event["payload"]
        target_seq, target_hash = payload["target_seq"], payload["target_self_hash"]
        if target_seq < self.first_seq:
            return
        held_hash = self.hashes[target_seq - self.first_seq]
        if held_hash != target_hash:
            raise Finding(
                "redaction_target_mismatch",
                f"target_self_hash {target_hash} is not the self_hash of seq {target_seq}, "
                f"{held_hash}",
            )
        if target_seq in self.redactions:
            raise Finding("redaction_of_redaction", f"the target, seq {target_seq}, is itself a redaction")

    def record(self, line: SignedEvent) -> None:
        """Carry a good line's state to the next line."""
        event_type, payload = line.event["type"], line.event["payload"]
        if not self.keys:
            self.keys.append({"pubkey": line.signer_pubkey, "from_seq": line.seq, "to_seq": None})
        self.keys[-1]["to_seq"] = line.seq
        if line.signer_pubkey not in self.signers:
            self.signers.append(line.signer_pubkey)
        self.current_key = line.signer_pubkey
        self.after_rotation = event_type == "KeyRotated"
        if self.after_rotation:
            self.rotated = True
            self.current_key = payload["new_pubkey"]
            self.keys.append({"pubkey": self.current_key, "from_seq": line.seq + 1, "to_seq": None})
        elif event_type == "Redacted":
            self.redactions.add(line.seq)
        elif event_type == "ToolsetPinned":
            self.pinned_toolset = payload["tools"]
        elif event_type == "ToolCalled":
            pinned = self.pinned_toolset or ()
            if not any(tool["name"] == payload["tool_name"] for tool in pinned):
                self.unpinned_tool_calls.append({"seq": line.seq, "tool_name": payload["tool_name"]})
        self.hashes.append(line.self_hash)
        self.good_lines += 1
        self.root_hash = line.self_hash

    def report(self, ok: bool, message: str, reason: str | None = None, line: int | None = None) -> Report:
        broken_at = None if ok else self.good_lines
        return Report(
            ok,
            self.good_lines,
            broken_at,
            line,
            reason,
            message,
            self.root_hash,
            self.signers,
            self.keys,
            self.unpinned_tool_calls if self.check_tools else None,
        )

    def report_ok(self) -> Report:
        if self.good_lines == 0:
            summary = "valid: the ledger is empty"
        else:
            summary = f"valid: {self.good_lines} event{'s' if self.good_lines != 1 else ''}"
        return self.report(True, summary)

    def report_finding(self, finding: Finding) -> Report:
        line_number = self.good_lines + 1
        message = f"broken at line {line_number} (seq {self.good_lines}): {finding.message}"
        return self.report(False, message, finding.reason, line_number)

    def report_end(
        self, pinned_current_pubkey: str | None, signed_checkpoint: checkpoint.SignedCheckpoint | None = None
    ) -> Report:
        """Steps 22 and 23 once every line is good: the current key at the end against the pinned
        one, then the ledger against the checkpoint. Both findings are about the end (line null)."""
        report = self.report_current_key(pinned_current_pubkey)
        if not report.ok or signed_checkpoint is None:
            return report
        try:
            self.check_checkpoint(signed_checkpoint)
        except Finding as finding:
            message = f"after {self.good_lines} good lines: {finding.message}"
            return self.report(False, message, finding.reason)
        return report

    def key_at(self, size: int) -> str:
        """The key current at tree size `size` (at most the number of good lines, at least one
        good line): the key that signs the line with seq `size`, or the current key at the end."""
        return next(key["pubkey"] for key in reversed(self.keys) if key["from_seq"] <= size)

    def check_checkpoint(self, signed: checkpoint.SignedCheckpoint) -> None:
        """Step 23, in the order of transparency.md, Checking a ledger against a checkpoint."""
        point = signed.checkpoint
        # PLANTED BUG truncation_unchecked (when on): a checkpoint larger than the ledger is taken
        # for one made later and skipped, so lines cut from the end go unnoticed.
        truncation_checked = not planted("truncation_unchecked")
        if self.good_lines == 0:
            if truncation_checked:
                raise Finding(
                    "ledger_truncated",
                    f"the ledger is empty; the checkpoint vouches for {point.tree_size} lines",
                )
            return
        if point.genesis_self_hash != self.hashes[0]:
            raise Finding(
                "checkpoint_foreign",
                f"the checkpoint names the ledger whose first line is {point.genesis_self_hash}, "
                f"not this one ({self.hashes[0]})",
            )
        if self.good_lines < point.tree_size:
            if truncation_checked:
                raise Finding(
                    "ledger_truncated",
                    f"the ledger holds {self.good_lines} lines; the checkpoint vouches for {point.tree_size}",
                )
            return
        size = point.tree_size
        if planted("checkpoint_key_at_end"):
            # PLANTED BUG checkpoint_key_at_end: the ledger's key at its end expected, not the key
            # current at the checkpoint's size, so a checkpoint signed before a rotation is refused.
            size = self.good_lines
        key = bytes.fromhex(self.key_at(size))
        if point.key_fingerprint != checkpoint.fingerprint(key):
            raise Finding(
                "checkpoint_foreign",
                f"the checkpoint names the key {point.key_fingerprint}, but the key current at size "
                f"{point.tree_size} is {checkpoint.fingerprint(key)}",
            )
        checkpoint.check_signature(signed, key)
        root = merkle.root_of([merkle.line_leaf_hash(h) for h in self.hashes[: point.tree_size]])
        if root != point.root:
            raise Finding(
                "checkpoint_root_mismatch",
                f"the root of the first {point.tree_size} lines is {root.hex()}, "
                f"not the checkpoint's {point.root.hex()}",
            )

    def report_current_key(self, pinned_current_pubkey: str | None) -> Report:
        """Step 22: the current key at the end against the pinned one."""
        current = self.current_key
        if planted("current_key_from_last_signer") and self.keys:
            # PLANTED BUG current_key_from_last_signer: the key of the last line, not the one a final
            # rotation named.
            current = next(key["pubkey"] for key in reversed(self.keys) if key["to_seq"] is not None)
        if pinned_current_pubkey is None or current == pinned_current_pubkey:
            return self.report_ok()
        current = current or "none (the ledger is empty)"
        message = (
            f"after {self.good_lines} good lines: the current key is {current}, "
            f"not the pinned current key {pinned_current_pubkey}"
        )
        return self.report(False, message, "current_key_mismatch")


def verify_ledger(
    stream: BinaryIO,
    pinned_pubkey: str | None = None,
    *,
    pinned_current_pubkey: str | None = None,
    check_tools: bool = False,
    signed_checkpoint: checkpoint.SignedCheckpoint | None = None,
) -> Report:
    """Verify a ledger read from a binary stream, holding one line in memory at a time (and 33
    bytes per good line for the redaction checks).

    A pinned key that is not 64 lowercase hex characters is an error of the caller (ValueError),
    not a report; so is a read error, which propagates. A checkpoint is given already read
    (checkpoint.read): one that is not a signed checkpoint is the caller's error too.
    """
    for name, key in (("pinned public key", pinned_pubkey), ("pinned current key", pinned_current_pubkey)):
        if key is not None and not _is_lower_hex(key, 64):
            raise ValueError(f"the {name} must be 64 lowercase hex characters")
    return _verify(stream, _Chain(pinned_pubkey, check_tools), pinned_current_pubkey, signed_checkpoint)


def _verify(
    stream: BinaryIO,
    chain: _Chain,
    pinned_current_pubkey: str | None,
    signed_checkpoint: checkpoint.SignedCheckpoint | None = None,
) -> Report:
    while True:
        # Reading at most one byte more than a line may hold tells "too long" from "torn".
        segment = stream.readline(max_line_bytes() + 1)
        if not segment:
            return chain.report_end(pinned_current_pubkey, signed_checkpoint)
        try:
            if not segment.endswith(b"\n"):
                if planted("torn_tail_before_length"):
                    # PLANTED BUG torn_tail_before_length: no LF read as a torn write, however long.
                    raise Finding("torn_tail", "the final line has no terminating LF: a torn write")
                if len(segment) > max_line_bytes():
                    raise Finding("line_too_long", f"more than {MAX_LINE_BYTES} bytes follow without an LF")
                if planted("torn_tail_ignored"):
                    # PLANTED BUG torn_tail_ignored: a torn write passes as the end of the file.
                    return chain.report_end(pinned_current_pubkey, signed_checkpoint)
                raise Finding(
                    "torn_tail",
                    f"the final line ({len(segment)} bytes) has no terminating LF: a torn write",
                )
            chain.accept(check_line(segment[:-1]))
        except Finding as finding:
            return chain.report_finding(finding)


def pinned_toolset(stream: BinaryIO) -> list[dict[str, str]]:
    """The `tools` of the last ToolsetPinned line of a ledger that verifies (toolsets.md, Drift).

    A ledger that does not verify, or that pins no toolset, has no pin: ValueError.
    """
    chain = _Chain(None)
    report = _verify(stream, chain, None)
    if not report.ok:
        raise ValueError(f"the ledger does not verify, so it has no pinned toolset: {report.message}")
    if chain.pinned_toolset is None:
        raise ValueError("the ledger has no ToolsetPinned line")
    return chain.pinned_toolset


def _is_lower_hex(text: str, length: int) -> bool:
    return len(text) == length and all(char in "0123456789abcdef" for char in text)
