"""Bundles (spec/bundles.md): reading, the checks in their order, proof levels and the report, on
bundles built here from ledgers the implementation seals and checkpoints it signs."""

import copy
import json

import pytest
from bundle_support import FINGERPRINT, KEY_HEX, bundle_document, encode, leaf_hashes, ledger_of
from support import SEED, LedgerBuilder

from provedex_ref import bundle, checkpoint, ed25519, merkle
from provedex_ref.schema import SPEC_DIR

OTHER_SEED = bytes(range(32, 64))
OTHER_KEY_HEX = ed25519.public_key(OTHER_SEED).hex()
LEDGER = ledger_of(12)


def verify(document, **pins):
    data = document if isinstance(document, bytes) else encode(document)
    pins = pins or {"pinned_pubkey": KEY_HEX}
    return bundle.verify(data, **pins)


def outcome(report: bundle.BundleReport) -> tuple:
    return report.ok, report.reason, report.proof_level, report.event_count


def test_compact_range_matches_root_of_every_size():
    """The verifier's compact range, appended leaf by leaf, has the root of every prefix."""
    leaves = [merkle.leaf_hash(bytes([index])) for index in range(70)]
    compact: list[bytes] = []
    for size, leaf in enumerate(leaves):
        compact = merkle.compact_append(compact, size, leaf)
        assert len(compact) == (size + 1).bit_count()
        assert merkle.compact_root(compact) == merkle.root_of(leaves[: size + 1])
    assert merkle.compact_root([]) == merkle.EMPTY_ROOT
    with pytest.raises(ValueError):
        merkle.compact_append([], 1, leaves[0])


@pytest.mark.parametrize("size", range(1, 10))
def test_every_range_of_every_checkpoint_verifies(size):
    """Every range a..b-1 with b <= n of a ledger of 9 lines, against a checkpoint of n lines."""
    ledger = ledger_of(9)
    for first in range(size):
        for count in range(1, size - first + 1):
            report = verify(bundle_document(ledger, first, count, size))
            assert outcome(report) == (True, None, "verifiable", count), (first, count, size)
            assert report.pinned


@pytest.mark.parametrize(
    "first, count, size",
    [(0, 1, 12), (0, 12, 12), (1, 1, 12), (1, 4, 5), (3, 4, 12), (11, 1, 12), (7, 5, 12)],
)
def test_valid_bundle_report(first, count, size):
    report = verify(bundle_document(LEDGER, first, count, size), pinned_fingerprint=FINGERPRINT)
    root = merkle.root_of(leaf_hashes(LEDGER.hashes)[:size]).hex()
    assert report.to_json() | {"message": "", "evidence": [], "levels": []} == {
        "ok": True,
        "pinned": True,
        "proof_level": "verifiable",
        "levels": [],
        "event_count": count,
        "first_seq": first,
        "tree_size": size,
        "root": root,
        "public_key": KEY_HEX,
        "reason": None,
        "message": "",
        "broken_at": None,
        "evidence": [],
    }
    assert [(item.kind, item.verdict) for item in report.evidence] == [
        ("bundle", "verified"),
        ("key_pin", "verified"),
        ("checkpoint", "verified"),
        ("lines", "verified"),
        ("tree", "verified"),
    ]
    assert [(level.level, level.reached) for level in report.levels] == [
        ("verifiable", True),
        ("externally-archived", False),
        ("publicly-auditable", False),
        ("publicly-timestamped", False),
    ]
    assert report.message.startswith("valid:")


def test_unpinned_bundle_is_consistent_but_reaches_no_level():
    report = bundle.verify(encode(bundle_document(LEDGER, 3, 4, 12)))
    assert (report.ok, report.pinned, report.proof_level, report.reason) == (True, False, None, None)
    assert not any(level.reached for level in report.levels)
    assert report.evidence[1].kind == "key_pin" and report.evidence[1].verdict == "not_checked"
    assert "unpinned" in report.message


def test_unpinned_bundle_under_a_key_of_its_own():
    """Anyone can write a consistent bundle under their own key: unpinned it is ok, pinned it is not."""
    forged = LedgerBuilder(seed=OTHER_SEED).started().tool_called("x").tool_called("y")
    document = bundle_document(forged, 1, 2, 3)
    assert outcome(bundle.verify(encode(document))) == (True, None, None, 2)
    assert outcome(verify(document)) == (False, "bundle_key_mismatch", None, 0)
    assert outcome(verify(document, pinned_fingerprint=FINGERPRINT)) == (
        False,
        "bundle_key_mismatch",
        None,
        0,
    )
    assert verify(document).pinned is False


def test_rotation_in_the_range_is_followed():
    third_seed = bytes(range(64, 96))
    ledger = LedgerBuilder().started().tool_called("a").rotate(OTHER_SEED).tool_called("b").tool_called("c")
    assert outcome(verify(bundle_document(ledger, 1, 4, 5), pinned_pubkey=OTHER_KEY_HEX)) == (
        True,
        None,
        "verifiable",
        4,
    )
    # seq 4 signed by a third key without a rotation.
    changed = LedgerBuilder().started().tool_called("a").rotate(OTHER_SEED).tool_called("b")
    changed.add("ToolCalled", {"tool_name": "c", "args_sha256": "0" * 64, "args_redacted": {}}, third_seed)
    for first in (2, 3):
        report = verify(
            bundle_document(changed, first, 5 - first, 5, seed=OTHER_SEED), pinned_pubkey=OTHER_KEY_HEX
        )
        assert (report.reason, report.broken_at, report.event_count) == ("signer_changed", 4, 4 - first)
    # seq 3, right after the rotation, signed by a third key.
    not_followed = LedgerBuilder().started().tool_called("a").rotate(OTHER_SEED)
    not_followed.add(
        "ToolCalled", {"tool_name": "b", "args_sha256": "0" * 64, "args_redacted": {}}, third_seed
    )
    report = verify(bundle_document(not_followed, 2, 2, 4, seed=SEED))
    assert (report.reason, report.broken_at, report.event_count) == ("rotation_not_followed", 3, 1)
    # The range's first line's key is current: from seq 3 on, nothing tells the bundle it should
    # have been another key.
    assert verify(
        bundle_document(not_followed, 3, 1, 4), pinned_pubkey=ed25519.public_key(third_seed).hex()
    ).ok


def test_redaction_target_before_the_range_is_not_checked():
    ledger = ledger_of(4).redact(1, "ab" * 32).redact(2)
    report = verify(bundle_document(ledger, 3, 3, 6))
    assert outcome(report) == (True, None, "verifiable", 3)
    # Its target inside the range: checked (the same wrong target_self_hash, targeting seq 3).
    inside = ledger_of(4).redact(3, "ab" * 32)
    report = verify(bundle_document(inside, 3, 2, 5))
    assert (report.reason, report.broken_at, report.event_count) == ("redaction_target_mismatch", 4, 1)
    # A redaction of a redaction inside the range.
    twice = ledger_of(3).redact(1).redact(3)
    report = verify(bundle_document(twice, 3, 2, 5))
    assert (report.reason, report.broken_at) == ("redaction_of_redaction", 4)
    # Not inside the range: not checked.
    assert verify(bundle_document(twice, 4, 1, 5)).ok


def edited(document: dict, change) -> dict:
    copied = copy.deepcopy(document)
    change(copied)
    return copied


BASE = bundle_document(LEDGER, 3, 4, 12)
FIRST = bundle_document(LEDGER, 0, 3, 12)


def flip(hex_text: str) -> str:
    return ("1" if hex_text[0] == "0" else "0") + hex_text[1:]


LIES = {
    "swapped lines": (
        lambda d: d["lines"].__setitem__(slice(1, 3), [d["lines"][2], d["lines"][1]]),
        "seq_mismatch",
        4,
    ),
    "first line missing": (lambda d: d["lines"].pop(0), "seq_mismatch", 3),
    "first line missing, first_seq moved on": (
        lambda d: (d["lines"].pop(0), d.__setitem__("first_seq", 4)),
        "parent_mismatch",
        4,
    ),
    "middle line missing": (lambda d: d["lines"].pop(1), "seq_mismatch", 4),
    "changed line": (
        lambda d: d["lines"].__setitem__(1, d["lines"][1].replace('"tool-4"', '"tool-X"')),
        "hash_mismatch",
        4,
    ),
    "changed previous_self_hash": (
        lambda d: d["proof"].__setitem__("previous_self_hash", flip(d["proof"]["previous_self_hash"])),
        "parent_mismatch",
        3,
    ),
    "CR at a line's end": (lambda d: d["lines"].__setitem__(0, d["lines"][0] + "\r"), "crlf_line_ending", 3),
    "empty line": (lambda d: d["lines"].__setitem__(1, ""), "empty_line", 4),
}


@pytest.mark.parametrize("name", list(LIES))
def test_a_lie_in_the_lines(name):
    change, reason, broken_at = LIES[name]
    report = verify(edited(BASE, change))
    assert (report.ok, report.reason, report.broken_at, report.proof_level) == (
        False,
        reason,
        broken_at,
        None,
    )
    assert report.event_count == broken_at - report.first_seq
    assert [item.verdict for item in report.evidence] == [
        "verified",
        "verified",
        "verified",
        "failed",
        "not_checked",
    ]


def test_last_line_missing():
    """Lines 3 to 5 of 12 are a true range of their own, but the proof is for the range 3 to 6: the
    consistency proof fails from size 6."""
    report = verify(edited(BASE, lambda d: d["lines"].pop()))
    assert outcome(report) == (False, "bundle_proof_invalid", None, 3)
    assert report.broken_at is None


def proof_lie(member, change):
    return lambda d: d["proof"].__setitem__(member, change(d["proof"][member]))


TREE_LIES = {
    "short consistency proof": (BASE, proof_lie("consistency", lambda p: p[:-1]), "bundle_proof_invalid"),
    "long consistency proof": (BASE, proof_lie("consistency", lambda p: p + [p[0]]), "bundle_proof_invalid"),
    "changed consistency proof": (
        BASE,
        proof_lie("consistency", lambda p: [flip(p[0])] + p[1:]),
        "bundle_proof_invalid",
    ),
    "left one hash too few": (BASE, proof_lie("left", lambda p: p[:-1]), "bundle_proof_invalid"),
    "left one hash too many": (BASE, proof_lie("left", lambda p: p + ["00" * 32]), "bundle_proof_invalid"),
    "changed left": (BASE, proof_lie("left", lambda p: [flip(p[0])] + p[1:]), "bundle_proof_invalid"),
    "left for first_seq 0": (FIRST, proof_lie("left", lambda p: ["00" * 32]), "bundle_proof_invalid"),
    "changed genesis proof": (
        BASE,
        proof_lie("genesis", lambda p: p[:-1] + [flip(p[-1])]),
        "checkpoint_foreign",
    ),
    "short genesis proof": (BASE, proof_lie("genesis", lambda p: p[:-1]), "checkpoint_foreign"),
    "genesis for first_seq 0": (
        FIRST,
        proof_lie("genesis", lambda p: BASE["proof"]["genesis"]),
        "checkpoint_foreign",
    ),
}


@pytest.mark.parametrize("name", list(TREE_LIES))
def test_a_lie_in_the_proof(name):
    document, change, reason = TREE_LIES[name]
    report = verify(edited(document, change))
    assert outcome(report) == (False, reason, None, len(document["lines"]))
    assert (report.evidence[-1].kind, report.evidence[-1].verdict) == ("tree", "failed")


def test_range_past_the_checkpoint():
    document = bundle_document(LEDGER, 3, 4, 12)
    smaller = bundle_document(LEDGER, 3, 3, 6)
    report = verify(document | {"checkpoint": smaller["checkpoint"]})
    assert outcome(report) == (False, "bundle_proof_invalid", None, 4)


def test_checkpoint_of_another_ledger_under_the_same_key():
    """The lines and proof of one ledger, the checkpoint of another by the same key, whose tree holds
    the same leaves from seq 1 on... is impossible; a checkpoint whose origin names another first
    line but whose root is this tree's is the foreign checkpoint the genesis proof catches."""
    leaves = leaf_hashes(LEDGER.hashes)
    foreign = checkpoint.sign(SEED, "cd" * 32, 12, merkle.root_of(leaves))
    report = verify(BASE | {"checkpoint": foreign.decode()})
    assert outcome(report) == (False, "checkpoint_foreign", None, 4)
    report = verify(FIRST | {"checkpoint": foreign.decode()})
    assert outcome(report) == (False, "checkpoint_foreign", None, 3)


def test_lines_of_a_fork_signed_by_the_same_key():
    """A fork shares seq 0 and 1, then differs: its lines and its own proof against the true
    checkpoint fail consistency, whatever the genesis proof says."""
    fork = LEDGER.__class__()
    fork.started()
    fork.tool_called("tool-1")
    for index in range(2, 12):
        fork.tool_called(f"fork-{index}")
    assert fork.hashes[:2] == LEDGER.hashes[:2]
    lied = bundle_document(fork, 3, 4, 12) | {"checkpoint": BASE["checkpoint"]}
    lied["proof"]["genesis"] = BASE["proof"]["genesis"]
    assert outcome(verify(lied)) == (False, "bundle_proof_invalid", None, 4)


def test_checkpoint_findings():
    other = checkpoint.sign(OTHER_SEED, LEDGER.hashes[0], 12, merkle.root_of(leaf_hashes(LEDGER.hashes)))
    assert verify(BASE | {"checkpoint": other.decode()}).reason == "checkpoint_foreign"
    text = BASE["checkpoint"]
    assert (
        verify(BASE | {"checkpoint": text.replace("\n12\n", "\n13\n")}).reason
        == "checkpoint_signature_invalid"
    )
    assert verify(BASE | {"checkpoint": "not a note"}).reason == "checkpoint_malformed"
    report = verify(BASE | {"checkpoint": text.replace("\n12\n", "\n012\n")})
    assert (report.reason, report.tree_size, report.evidence[2].verdict) == (
        "checkpoint_malformed",
        None,
        "failed",
    )
    # A checkpoint that does not verify: its size and root are not reported.
    report = verify(BASE | {"checkpoint": other.decode()})
    assert (report.tree_size, report.root, report.first_seq) == (None, None, 3)


def test_another_key():
    """The same ledger's bundle with public_key and fingerprint of another key: the pin refuses it,
    and unpinned the checkpoint's origin names another key."""
    other = ed25519.public_key(OTHER_SEED)
    document = BASE | {"public_key": other.hex(), "fingerprint": checkpoint.fingerprint(other)}
    assert verify(document).reason == "bundle_key_mismatch"
    assert bundle.verify(encode(document)).reason == "checkpoint_foreign"


MALFORMED = {
    "wrong format": lambda d: d.__setitem__("format", "provedex-bundle/v2"),
    "unknown member": lambda d: d.__setitem__("extra", 1),
    "missing member": lambda d: d.pop("receipts"),
    "unknown proof member": lambda d: d["proof"].__setitem__("extra", []),
    "missing proof member": lambda d: d["proof"].pop("genesis"),
    "LF in a line": lambda d: d["lines"].__setitem__(0, d["lines"][0] + "\n"),
    "no lines": lambda d: d.__setitem__("lines", []),
    "fingerprint of another key": lambda d: d.__setitem__("fingerprint", "sha256:" + "0" * 64),
    "fingerprint upper case": lambda d: d.__setitem__("fingerprint", d["fingerprint"].upper()),
    "previous_self_hash null at seq 3": lambda d: d["proof"].__setitem__("previous_self_hash", None),
    "upper-case public_key": lambda d: d.__setitem__("public_key", d["public_key"].upper()),
    "first_seq as a string": lambda d: d.__setitem__("first_seq", "3"),
    "first_seq 3.0": lambda d: d.__setitem__("first_seq", 3.0),
    "first_seq negative": lambda d: d.__setitem__("first_seq", -1),
    "first_seq past u64": lambda d: d.__setitem__("first_seq", 2**64),
    "a line as a number": lambda d: d["lines"].__setitem__(0, 1),
    "short left hash": lambda d: d["proof"]["left"].__setitem__(0, "00" * 31),
    "receipt without type": lambda d: d.__setitem__("receipts", [{"kind": "x"}]),
    "receipt not an object": lambda d: d.__setitem__("receipts", ["x"]),
    "checkpoint not a string": lambda d: d.__setitem__("checkpoint", None),
    "proof not an object": lambda d: d.__setitem__("proof", []),
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_malformed_document(name):
    report = verify(edited(BASE, MALFORMED[name]))
    assert outcome(report) == (False, "bundle_malformed", None, 0)
    assert (report.first_seq, report.public_key, report.pinned) == (None, None, False)
    assert [(item.kind, item.verdict) for item in report.evidence][:2] == [
        ("bundle", "failed"),
        ("key_pin", "not_checked"),
    ]


def test_previous_self_hash_at_seq_0():
    report = verify(edited(FIRST, lambda d: d["proof"].__setitem__("previous_self_hash", "00" * 32)))
    assert report.reason == "bundle_malformed"


@pytest.mark.parametrize(
    "data",
    [
        encode(BASE) + b"\n \t\r\n",
        b"  " + encode(BASE),
    ],
)
def test_white_space_around_the_object(data):
    assert verify(data).ok


@pytest.mark.parametrize(
    "data",
    [
        encode(BASE) + b"x",
        encode(BASE) + b"{}",
        encode(BASE) + b"\x00",
        b"\xef\xbb\xbf" + encode(BASE),
        encode(BASE).replace(b'"format"', b'"format": "provedex-bundle/v1", "format"', 1),
        encode(BASE).replace(b'"genesis"', b'"left": [], "genesis"', 1),
        encode(BASE).replace(b'"lines": [', b'"lines": ["\\ud800", ', 1),
        encode(BASE).replace(b"provedex-bundle/v1", b"provedex-bundle/v1\xff", 1),
        json.dumps([BASE]).encode(),
        b"",
        b"null",
    ],
    ids=[
        "trailing byte",
        "second object",
        "trailing NUL",
        "byte order mark",
        "duplicate member",
        "duplicate proof member",
        "lone surrogate",
        "ill-formed UTF-8",
        "array",
        "empty",
        "null",
    ],
)
def test_not_a_bundle_document(data):
    assert verify(data).reason == "bundle_malformed"


def test_pin_arguments():
    with pytest.raises(ValueError):
        bundle.verify(encode(BASE), pinned_pubkey=KEY_HEX, pinned_fingerprint=FINGERPRINT)
    with pytest.raises(ValueError):
        bundle.verify(encode(BASE), pinned_pubkey=KEY_HEX.upper())
    with pytest.raises(ValueError):
        bundle.verify(encode(BASE), pinned_fingerprint=KEY_HEX)


def test_order_key_pin_before_checkpoint_before_lines():
    """A bundle with every later fault reports the first: the pin, then the checkpoint, then a line,
    then the tree."""
    broken = edited(BASE, lambda d: d["lines"].pop(1))
    broken["proof"]["consistency"] = []
    broken["checkpoint"] = "not a note"
    assert verify(broken, pinned_pubkey=OTHER_KEY_HEX).reason == "bundle_key_mismatch"
    assert verify(broken).reason == "checkpoint_malformed"
    broken["checkpoint"] = BASE["checkpoint"]
    assert verify(broken).reason == "seq_mismatch"
    broken["lines"] = BASE["lines"]
    assert verify(broken).reason == "bundle_proof_invalid"
    broken["proof"]["consistency"] = BASE["proof"]["consistency"]
    broken["proof"]["genesis"] = []
    assert verify(broken).reason == "checkpoint_foreign"


def test_held_checkpoint():
    leaves = leaf_hashes(LEDGER.hashes)
    same = BASE["checkpoint"].encode()
    assert bundle.verify(encode(BASE), KEY_HEX, held_checkpoint=same).proof_level == "verifiable"
    report = bundle.verify(encode(BASE), KEY_HEX, held_checkpoint=same)
    assert [item.kind for item in report.evidence] == [
        "bundle",
        "key_pin",
        "checkpoint",
        "held_checkpoint",
        "lines",
        "tree",
    ]
    cases = [
        (checkpoint.sign(SEED, LEDGER.hashes[0], 11, merkle.root_of(leaves[:11])), "bundle_proof_invalid"),
        (
            checkpoint.sign(SEED, LEDGER.hashes[0], 12, merkle.root_of(leaves[:11])),
            "checkpoint_root_mismatch",
        ),
        (checkpoint.sign(SEED, "cd" * 32, 12, merkle.root_of(leaves)), "checkpoint_foreign"),
        (checkpoint.sign(OTHER_SEED, LEDGER.hashes[0], 12, merkle.root_of(leaves)), "checkpoint_foreign"),
        (b"nothing", "checkpoint_malformed"),
    ]
    for held, reason in cases:
        report = bundle.verify(encode(BASE), KEY_HEX, held_checkpoint=held)
        assert (report.ok, report.reason, report.event_count) == (False, reason, 0)


def test_receipts_are_listed_never_verified():
    receipts = [
        {"type": "s3-object-lock", "level": "externally-archived"},
        {"type": "rfc3161", "level": "publicly-timestamped", "token": "AAAA"},
        {"type": "rekor", "proof_level": "publicly-auditable"},
    ]
    document = bundle_document(LEDGER, 3, 4, 12, receipts=receipts)
    report = verify(document)
    assert outcome(report) == (True, None, "verifiable", 4)
    assert [level.reached for level in report.levels] == [True, False, False, False]
    assert [(item.kind, item.verdict) for item in report.evidence[-3:]] == [("receipt", "not_checked")] * 3
    unpinned = bundle.verify(encode(document))
    assert (unpinned.ok, unpinned.proof_level) == (True, None)


def test_report_matches_the_schema_members():
    schema = json.loads((SPEC_DIR / "bundle-report.schema.json").read_text())
    for report in (verify(BASE), verify(b"{}"), verify(edited(BASE, LIES["changed line"][0]))):
        assert set(report.to_json()) == set(schema["required"]) == set(schema["properties"])
        for item in report.to_json()["evidence"]:
            assert set(item) == {"kind", "verdict", "detail"}
