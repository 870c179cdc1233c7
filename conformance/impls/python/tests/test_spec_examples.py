"""Every fenced example block of spec/*.md, checked against provedex_ref."""

import base64
import hashlib
import io
import re

import pytest
from support import Block, key_value_pairs, seal_fields, spec_blocks

import adapter
from provedex_ref import canonical, checkpoint, ed25519, labelled, ledger, merkle, note, toolsets
from provedex_ref.events import check_event, write_event
from provedex_ref.findings import Finding

BLOCKS = spec_blocks()
KNOWN_KINDS = {
    "canonical",
    "canonical-invalid",
    "event",
    "event-invalid",
    "seal",
    "report",
    "exchange",
    "grammar",
    "toolset",
    "rotation",
    "key",
    "pem",
    "shell",
    "checkpoint",
}
UNCHECKED_KINDS = {"grammar", "shell"}
"""Block kinds shown for people: a grammar, and commands of other tools."""


def blocks_of(kind: str) -> list[Block]:
    return [block for block in BLOCKS if block.kind == kind]


def pairs_of(kind: str, keys: tuple[str, str]) -> list[pytest.param]:
    return [
        pytest.param(first, second, id=f"{block.label}:{index}")
        for block in blocks_of(kind)
        for index, (first, second) in enumerate(key_value_pairs(block, keys))
    ]


def test_every_block_kind_is_known():
    assert {block.kind for block in BLOCKS} <= KNOWN_KINDS
    for kind in KNOWN_KINDS - UNCHECKED_KINDS:
        assert blocks_of(kind), f"no {kind} block found: has the spec moved?"


@pytest.mark.parametrize("text, expected", pairs_of("canonical", ("input", "output")))
def test_canonical(text, expected):
    assert canonical.canonicalize(text.encode("utf-8")) == expected.encode("utf-8")
    assert canonical.canonicalize(expected.encode("utf-8")) == expected.encode("utf-8")


@pytest.mark.parametrize("text, code", pairs_of("canonical-invalid", ("input", "error")))
def test_canonical_invalid(text, code):
    with pytest.raises(canonical.CanonicalError) as raised:
        canonical.canonicalize(text.encode("utf-8"))
    assert raised.value.code == code


EVENT_BLOCKS = blocks_of("event")


@pytest.mark.parametrize("block", EVENT_BLOCKS, ids=lambda block: block.label)
def test_event_is_valid(block):
    (text,) = block.lines
    event = ledger.parse_event_json(text.encode("utf-8"))
    variant = check_event(event)
    assert ledger.parse_event_json(write_event(event, variant).encode("utf-8")) == event


def test_events_in_writer_order_are_written_unchanged():
    """ledger-format.md: the examples are in writer order, except the last two."""
    writer_forms = []
    for block in EVENT_BLOCKS:
        event = ledger.parse_event_json(block.lines[0].encode("utf-8"))
        writer_forms.append(write_event(event, check_event(event)) == block.lines[0])
    assert writer_forms == [True] * (len(EVENT_BLOCKS) - 2) + [False, False]


@pytest.mark.parametrize("text, reason", pairs_of("event-invalid", ("event", "error")))
def test_event_invalid(text, reason):
    with pytest.raises(Finding) as raised:
        check_event(ledger.parse_event_json(text.encode("utf-8")))
    assert raised.value.reason == reason


SEALS = sorted((seal_fields(block) for block in blocks_of("seal")), key=lambda fields: int(fields["seq"]))


@pytest.mark.parametrize("fields", SEALS, ids=lambda fields: f"seq{fields['seq']}")
def test_seal(fields):
    seed = bytes.fromhex(fields["seed"])
    seq, timestamp, parent = int(fields["seq"]), int(fields["timestamp_nanos"]), fields["parent_hash"]
    event = ledger.parse_event_json(fields["event"].encode("utf-8"))
    assert ed25519.public_key(seed).hex() == fields["public_key"]
    assert write_event(event, check_event(event)) == fields["event"]
    assert ledger.preimage(seq, timestamp, parent, event) == fields["preimage"].encode("utf-8")
    assert ledger.self_hash(seq, timestamp, parent, event) == fields["self_hash"]
    line = ledger.seal(seed, seq, timestamp, parent, event)
    assert line == fields["line"]
    assert f'"signature":"{fields["signature"]}"' in line
    assert ledger.verify_line(line.encode("utf-8")) is None


def example_ledger() -> list[bytes]:
    """The five `line:` values of the seal blocks, in seq order, each with its LF."""
    return [fields["line"].encode("utf-8") + b"\n" for fields in SEALS]


def report_scenarios() -> list[tuple[bytes, str | None]]:
    """The ledger and pinned key behind each report block of verification.md, in order."""
    lines = example_ledger()
    tampered = list(lines)
    tampered[3] = tampered[3].replace(b"Anything else?", b"Anything more?")
    other_seed_line = (
        ledger.seal(
            bytes(range(32, 64)),
            0,
            1700000000000000000,
            ledger.GENESIS_PARENT,
            ledger.parse_event_json(SEALS[0]["event"].encode("utf-8")),
        ).encode("utf-8")
        + b"\n"
    )
    torn = b'{"seq":5,"timestamp_n'
    assert len(torn) == 21
    pinned = SEALS[0]["public_key"]
    return [
        (b"".join(lines[:3] + lines[4:]), None),
        (b"".join(lines[1:]), pinned),
        (b"".join(lines), pinned),
        (b"".join(tampered), pinned),
        (b"".join(lines) + torn, pinned),
        (b"", None),
        (other_seed_line + b"".join(lines[1:]), pinned),
    ]


def test_report_examples():
    reports = [canonical.parse("\n".join(block.lines).encode("utf-8")) for block in blocks_of("report")]
    scenarios = report_scenarios()
    for expected, (ledger_bytes, pinned) in zip(reports, scenarios, strict=True):
        actual = ledger.verify_ledger(io.BytesIO(ledger_bytes), pinned).to_json()
        assert actual.keys() == expected.keys()
        assert {k: v for k, v in actual.items() if k != "message"} == {
            k: v for k, v in expected.items() if k != "message"
        }
        for token in re.findall(r"[0-9a-f]{64}", expected["message"]):
            assert token in actual["message"], (token, actual["message"])


LATER_OPERATIONS = [
    "tree_root",
    "verify_inclusion",
    "verify_consistency",
    "sign_checkpoint",
    "verify_checkpoint",
    "verify_bundle",
]


@pytest.mark.parametrize("request_line, response_line", pairs_of("exchange", ("request", "response")))
def test_exchange(request_line, response_line):
    """The adapter answers as the spec shows, except for the name of the
    implementation and the free text of a skip reason."""
    actual = adapter.handle(request_line.encode("utf-8"))
    expected = canonical.parse(response_line.encode("utf-8"))
    if canonical.parse(request_line.encode("utf-8"))["op"] == "hello":
        del actual["result"]["implementation"], expected["result"]["implementation"]
        # conformance.md's hello may predate transparency.md and bundles.md: the operations they add
        # follow the list.
        listed = expected["result"]["operations"]
        listed += [op for op in LATER_OPERATIONS if op not in listed]
    for answer in (actual, expected):
        if "skipped" in answer:
            answer["skipped"] = "<reason>"
    assert canonical.dumps(actual) == canonical.dumps(expected)


def test_toolset_example():
    """toolsets.md: the example manifest, its normalized definitions, its toolset and hash."""
    (block,) = blocks_of("toolset")
    fields: dict[str, list[str]] = {}
    for line in block.lines:
        key, separator, value = line.partition(": ")
        assert separator, block.label
        fields.setdefault(key, []).append(value)
    (manifest,), (tools_json,), (toolset_sha256,) = fields["manifest"], fields["tools"], fields["toolset_sha256"]
    tools = toolsets.read_manifest(manifest.encode("utf-8"))
    assert [canonical.dumps(tool.normalized()) for tool in tools] == fields["normalized"]
    assert toolsets.toolset(tools) == canonical.parse(tools_json.encode("utf-8"))
    assert canonical.dumps(toolsets.toolset(tools)) == tools_json
    assert toolsets.toolset_hash(toolsets.toolset(tools)) == toolset_sha256


def test_rotation_example():
    """signature-scheme.md, Rotation statements: the statement and the new key's proof over it."""
    (block,) = blocks_of("rotation")
    fields = seal_fields(block)
    old_key = ed25519.public_key(bytes.fromhex(fields["old_seed"])).hex()
    new_seed = bytes.fromhex(fields["new_seed"])
    new_key = ed25519.public_key(new_seed).hex()
    seq, parent = int(fields["seq"]), fields["parent_hash"]
    message = labelled.rotation_message(new_key, old_key, parent, seq)
    assert message == (fields["label"] + "\n" + fields["statement"]).encode("utf-8")
    assert labelled.prove_rotation(new_seed, old_key, parent, seq) == fields["proof"]
    assert labelled.verify_rotation(new_key, old_key, parent, seq, fields["proof"])


def test_key_example():
    """keys.md, Worked example: the key, its fingerprint, and a data signature; then its PEM forms
    (PKCS#8 and SubjectPublicKeyInfo of Ed25519: a fixed DER prefix, then the raw 32 bytes)."""
    (block,) = blocks_of("key")
    fields = seal_fields(block)
    seed, data = bytes.fromhex(fields["seed"]), fields["data"].encode("ascii")
    public_key = ed25519.public_key(seed)
    assert public_key.hex() == fields["public_key"]
    assert fields["fingerprint"] == "sha256:" + hashlib.sha256(public_key).hexdigest()
    assert hashlib.sha256(data).hexdigest() == fields["data_sha256"]
    assert labelled.sign_data(seed, data).hex() == fields["data_signature"]
    assert labelled.verify_data(public_key, data, bytes.fromhex(fields["data_signature"]))
    private_pem, public_pem = (base64.b64decode("".join(pem.lines[1:-1])) for pem in blocks_of("pem"))
    assert private_pem == bytes.fromhex("302e020100300506032b657004220420") + seed
    assert public_pem == bytes.fromhex("302a300506032b6570032100") + public_key


def test_checkpoint_example():
    """transparency.md, Example: the five example lines' leaf hashes, two roots, an inclusion and a
    consistency proof, the verifier key, and the signed checkpoint byte for byte; then the example
    ledger verified against that checkpoint."""
    (block,) = blocks_of("checkpoint")
    fields: dict[str, list[str]] = {}
    for line in block.lines:
        key, separator, value = line.partition(": ")
        if not separator and line == "note:":  # the blank line of the note, its trailing space trimmed
            key, value = "note", ""
        else:
            assert separator, block.label
        fields.setdefault(key, []).append(value)
    (seed_hex,) = fields["seed"]
    seed = bytes.fromhex(seed_hex)
    self_hashes = fields["self_hash"]
    assert self_hashes == [fields["self_hash"] for fields in SEALS]
    leaves = [merkle.line_leaf_hash(self_hash) for self_hash in self_hashes]
    assert [leaf.hex() for leaf in leaves] == fields["leaf_hash"]
    assert [merkle.root_of(leaves[:3]).hex()] == fields["root_3"]
    assert [merkle.root_of(leaves).hex()] == fields["root_5"]
    assert [node.hex() for node in merkle.inclusion_proof(leaves, 2)] == fields["inclusion_2_5"]
    assert [node.hex() for node in merkle.consistency_proof(leaves, 3)] == fields["consistency_3_5"]
    # The prose: seq 3's leaf hash, the root of seqs 0-1, seq 4's leaf hash.
    assert merkle.inclusion_proof(leaves, 2) == [leaves[3], merkle.root_of(leaves[:2]), leaves[4]]
    root_5 = merkle.root_of(leaves)
    assert merkle.verify_inclusion(2, 5, leaves[2], merkle.inclusion_proof(leaves, 2), root_5)
    proof = [bytes.fromhex(node) for node in fields["consistency_3_5"]]
    assert merkle.verify_consistency(3, 5, proof, merkle.root_of(leaves[:3]), root_5)
    public_key = ed25519.public_key(seed)
    origin = checkpoint.ledger_origin(self_hashes[0], public_key)
    assert [note.verifier_key(origin, public_key)] == fields["verifier_key"]
    expected_note = ("\n".join(fields["note"]) + "\n").encode("utf-8")
    assert checkpoint.sign(seed, self_hashes[0], 5, root_5) == expected_note
    assert checkpoint.verify(expected_note, public_key) == checkpoint.Checkpoint(
        origin, self_hashes[0], origin.rsplit("/", 1)[1], 5, root_5
    )
    report = ledger.verify_ledger(
        io.BytesIO(b"".join(example_ledger())), signed_checkpoint=checkpoint.read(expected_note)
    )
    assert report.ok and report.event_count == 5
    cut = ledger.verify_ledger(
        io.BytesIO(b"".join(example_ledger()[:4])), signed_checkpoint=checkpoint.read(expected_note)
    )
    assert (cut.ok, cut.reason, cut.line, cut.broken_at) == (False, "ledger_truncated", None, 4)
