"""Version 1.1: the KeyRotated, ToolsetPinned and Redacted variants, their schema, the key history,
the content checks (verification.md, steps 12 to 22), and tool calls outside the pinned toolset."""

import hashlib
import io
import json

import pytest
from support import PUBLIC_KEY, SEED, SMALL_ORDER_ENCODINGS, LedgerBuilder

from provedex_ref import canonical, ed25519, labelled, ledger
from provedex_ref.events import check_event, write_event
from provedex_ref.findings import Finding

SEED_B = bytes(range(32, 64))
SEED_C = bytes(range(64, 96))
KEY_A = PUBLIC_KEY
KEY_B = ed25519.public_key(SEED_B).hex()
KEY_C = ed25519.public_key(SEED_C).hex()
DIGEST = "ab" * 32
EMPTY_TOOLSET_SHA256 = "4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945"


def verify(builder_or_bytes, pinned=None, **options) -> dict:
    data = builder_or_bytes if isinstance(builder_or_bytes, bytes) else builder_or_bytes.bytes()
    return ledger.verify_ledger(io.BytesIO(data), pinned, **options).to_json()


def finding(report: dict) -> tuple:
    return report["reason"], report["line"], report["broken_at"]


def event_reason(event_type: str, payload) -> str | None:
    try:
        check_event({"type": event_type, "payload": payload})
    except Finding as error:
        return error.reason
    return None


# --- Schema of the new variants -------------------------------------------------------------

TOOL = {"name": "search", "sha256": DIGEST}
PINNED = {"toolset_sha256": DIGEST, "tools": [TOOL]}
ROTATED = {"new_pubkey": KEY_B, "proof": "cd" * 64}
REDACTED = {"target_seq": 0, "target_self_hash": DIGEST, "reason": "", "requested_by": ""}


@pytest.mark.parametrize(
    "event_type, payload, reason",
    [
        ("KeyRotated", ROTATED, None),
        ("KeyRotated", {"new_pubkey": KEY_B}, "missing_field"),
        ("KeyRotated", ROTATED | {"new_pubkey": KEY_B.upper()}, "invalid_hex"),
        ("KeyRotated", ROTATED | {"new_pubkey": ""}, "invalid_hex"),
        ("KeyRotated", ROTATED | {"new_pubkey": 1}, "wrong_type"),
        ("KeyRotated", ROTATED | {"proof": "cd" * 32}, "invalid_hex"),
        ("KeyRotated", ROTATED | {"proof": "cd" * 64 + "\n"}, "invalid_hex"),
        ("KeyRotated", ROTATED | {"proof": None}, "wrong_type"),
        # The point of new_pubkey is not checked by the schema: it is data (step 15 judges it).
        ("KeyRotated", ROTATED | {"new_pubkey": SMALL_ORDER_ENCODINGS[0]}, None),
        ("KeyRotated", ROTATED | {"new_pubkey": "A", "proof": 1}, "invalid_hex"),
        ("KeyRotated", ROTATED | {"extra": 1}, "unknown_field"),
        ("ToolsetPinned", PINNED, None),
        ("ToolsetPinned", PINNED | {"tools": []}, None),
        ("ToolsetPinned", PINNED | {"tools": {}}, "wrong_type"),
        ("ToolsetPinned", PINNED | {"tools": None}, "wrong_type"),
        ("ToolsetPinned", PINNED | {"tools": [[]]}, "wrong_type"),
        ("ToolsetPinned", PINNED | {"tools": [{"name": "a"}]}, "missing_field"),
        ("ToolsetPinned", PINNED | {"tools": [{"sha256": DIGEST}]}, "missing_field"),
        ("ToolsetPinned", PINNED | {"tools": [TOOL | {"name": 1}]}, "wrong_type"),
        ("ToolsetPinned", PINNED | {"tools": [TOOL | {"sha256": DIGEST.upper()}]}, "invalid_hex"),
        ("ToolsetPinned", PINNED | {"tools": [TOOL | {"sha256": ""}]}, "invalid_hex"),
        ("ToolsetPinned", PINNED | {"tools": [TOOL | {"version": ""}]}, "unknown_field"),
        # Item by item: the first item's extra member before the second item's missing one.
        ("ToolsetPinned", PINNED | {"tools": [TOOL | {"x": 1}, {"name": "b"}]}, "unknown_field"),
        ("ToolsetPinned", PINNED | {"tools": [TOOL, {"name": "b"}, 5]}, "missing_field"),
        # Within an item: its members in order, then its extra members.
        ("ToolsetPinned", PINNED | {"tools": [{"x": 1, "name": "a"}]}, "missing_field"),
        ("ToolsetPinned", PINNED | {"tools": [{"x": 1, "name": 2, "sha256": DIGEST}]}, "wrong_type"),
        # toolset_sha256 comes before tools, and the payload's extra members after both.
        ("ToolsetPinned", {"toolset_sha256": "x", "tools": 5}, "invalid_hex"),
        ("ToolsetPinned", PINNED | {"tools": [TOOL | {"x": 1}], "y": 2}, "unknown_field"),
        ("ToolsetPinned", PINNED | {"tools": [{"name": "a"}], "y": 2}, "missing_field"),
        ("Redacted", REDACTED, None),
        ("Redacted", REDACTED | {"target_seq": -1}, "integer_out_of_range"),
        ("Redacted", REDACTED | {"target_seq": 18446744073709551615}, None),
        ("Redacted", REDACTED | {"target_seq": 1.0}, "wrong_type"),
        ("Redacted", REDACTED | {"target_self_hash": ""}, "invalid_hex"),
        ("Redacted", {"target_seq": 0, "target_self_hash": DIGEST, "reason": ""}, "missing_field"),
        ("Redacted", REDACTED | {"requested_by": None}, "wrong_type"),
    ],
)
def test_schema_of_the_new_variants(event_type, payload, reason):
    assert event_reason(event_type, payload) == reason


def test_writer_emits_nested_members_in_rule_order():
    payload = {"tools": [{"sha256": DIGEST, "name": "b"}], "toolset_sha256": DIGEST}
    event = {"type": "ToolsetPinned", "payload": payload}
    written = write_event(event, check_event(event))
    expected = (
        '{"type":"ToolsetPinned","payload":{"toolset_sha256":"%s","tools":[{"name":"b","sha256":"%s"}]}}'
        % (DIGEST, DIGEST)
    )
    assert written == expected
    line = ledger.seal(SEED, 0, 1, ledger.GENESIS_PARENT, event)
    assert expected in line
    assert ledger.check_line(line.encode()).event == json.loads(expected)


# --- Signature kinds --------------------------------------------------------------------------


def test_rotation_message_is_labelled_canonical_json():
    message = labelled.rotation_message(KEY_B, KEY_A, "0" * 64, 5)
    assert message == (
        b'provedex/key-rotation/v1\n{"new_pubkey":"%s","old_pubkey":"%s","parent_hash":"%s","seq":5}'
        % (KEY_B.encode(), KEY_A.encode(), b"0" * 64)
    )


def test_data_signatures_are_of_their_own_kind():
    data = b"x" * 1000
    assert labelled.data_message(data) == b"provedex/data/v1\n" + hashlib.sha256(data).digest()
    assert len(labelled.data_message(data)) == 49
    signature = labelled.sign_data(SEED, data)
    key = bytes.fromhex(KEY_A)
    assert labelled.verify_data(key, data, signature)
    assert not labelled.verify_data(key, data + b"!", signature)
    assert not labelled.verify_data(bytes.fromhex(KEY_B), data, signature)
    # Not a line signature over the data's digest, and a line signature is not a data signature.
    digest = hashlib.sha256(data).digest()
    assert not ed25519.verify_strict(key, digest, signature)
    assert not labelled.verify_data(key, data, ed25519.sign(SEED, digest))
    assert not labelled.verify_data(key[:31], data, signature)
    assert not labelled.verify_data(key, data, signature[:63])


# --- Key rotation -----------------------------------------------------------------------------


def rotated_ledger() -> LedgerBuilder:
    """Line 1 by A, line 2 a rotation from A to B, line 3 by B."""
    return LedgerBuilder().started().rotate(SEED_B).started()


def test_rotation_hands_the_ledger_to_the_new_key():
    report = verify(rotated_ledger(), KEY_A)
    assert report["ok"] and report["event_count"] == 3
    assert report["signers"] == [KEY_A, KEY_B]
    assert report["keys"] == [
        {"pubkey": KEY_A, "from_seq": 0, "to_seq": 1},
        {"pubkey": KEY_B, "from_seq": 2, "to_seq": 2},
    ]
    assert "unpinned_tool_calls" not in report


def test_rotation_as_first_and_as_last_line():
    report = verify(LedgerBuilder().rotate(SEED_B))
    assert report["ok"]
    assert report["keys"] == [
        {"pubkey": KEY_A, "from_seq": 0, "to_seq": 0},
        {"pubkey": KEY_B, "from_seq": 1, "to_seq": None},
    ]
    assert report["signers"] == [KEY_A]


def test_rotating_back_to_an_earlier_key():
    builder = LedgerBuilder().started().rotate(SEED_B).rotate(SEED_C).rotate(SEED).started()
    report = verify(builder, KEY_A, pinned_current_pubkey=KEY_A)
    assert report["ok"]
    assert report["signers"] == [KEY_A, KEY_B, KEY_C]
    assert [(key["pubkey"], key["from_seq"], key["to_seq"]) for key in report["keys"]] == [
        (KEY_A, 0, 1),
        (KEY_B, 2, 2),
        (KEY_C, 3, 3),
        (KEY_A, 4, 4),
    ]


def test_pinned_key_applies_only_before_the_first_good_rotation():
    assert finding(verify(rotated_ledger(), KEY_B)) == ("pubkey_mismatch", 1, 0)
    # The line right after the rotation, signed by the pinned (old) key, does not follow it.
    builder = LedgerBuilder().started().rotate(SEED_B)
    builder.seed = SEED
    builder.started()
    assert finding(verify(builder, KEY_A)) == ("rotation_not_followed", 3, 2)


@pytest.mark.parametrize("third_seed", [SEED, SEED_C])
def test_line_after_a_rotation_by_another_key(third_seed):
    builder = LedgerBuilder().started().rotate(SEED_B).started(seed=third_seed)
    report = verify(builder)
    assert finding(report) == ("rotation_not_followed", 3, 2)
    assert report["keys"] == [
        {"pubkey": KEY_A, "from_seq": 0, "to_seq": 1},
        {"pubkey": KEY_B, "from_seq": 2, "to_seq": None},
    ]


def test_later_change_of_key_is_signer_changed():
    builder = rotated_ledger().started(seed=SEED_C)
    assert finding(verify(builder)) == ("signer_changed", 4, 3)
    builder = LedgerBuilder().started().started(seed=SEED_B)
    assert finding(verify(builder)) == ("signer_changed", 2, 1)


def test_pubkey_mismatch_comes_before_the_current_key():
    """A second line by another key, with a pin and no rotation: pubkey_mismatch (step 12)."""
    builder = LedgerBuilder().started().started(seed=SEED_B)
    assert finding(verify(builder, KEY_A)) == ("pubkey_mismatch", 2, 1)


def test_rotation_not_followed_comes_before_bad_signature():
    builder = LedgerBuilder().started().rotate(SEED_B).started(seed=SEED_C)
    builder.lines[2] = corrupt_signature(builder.lines[2])
    assert finding(verify(builder)) == ("rotation_not_followed", 3, 2)


def corrupt_signature(line: bytes) -> bytes:
    members = json.loads(line)
    signature = members["signature"]
    altered = signature[:-2] + ("00" if signature[-2:] != "00" else "01")
    return line.replace(signature.encode(), altered.encode())


@pytest.mark.parametrize(
    "new_pubkey",
    [
        KEY_A,  # the line's own signer
        SMALL_ORDER_ENCODINGS[0],
        SMALL_ORDER_ENCODINGS[6],
        "ff" * 31 + "7f",  # y >= p: no canonical encoding
    ],
)
def test_rotation_key_invalid(new_pubkey):
    builder = LedgerBuilder().started().rotate(SEED_B, new_pubkey=new_pubkey)
    report = verify(builder)
    assert finding(report) == ("rotation_key_invalid", 2, 1)
    assert ledger.verify_line(builder.lines[1][:-1]).reason == "rotation_key_invalid"


def wrong_proofs() -> dict[str, str]:
    """Proofs for a rotation from A to B at seq 1 after the genesis line of rotated_ledger()."""
    parent = rotated_ledger().hashes[0]
    right = labelled.rotation_message(KEY_B, KEY_A, parent, 1)
    statement = right.removeprefix(labelled.ROTATION_LABEL)
    return {
        "another seq": ed25519.sign(SEED_B, labelled.rotation_message(KEY_B, KEY_A, parent, 2)).hex(),
        "another parent": ed25519.sign(SEED_B, labelled.rotation_message(KEY_B, KEY_A, "0" * 64, 1)).hex(),
        "without label": ed25519.sign(SEED_B, statement).hex(),
        "by the old key": ed25519.sign(SEED, right).hex(),
        "bare digest": ed25519.sign(SEED_B, hashlib.sha256(statement).digest()).hex(),
        "zero": "00" * 64,
    }


@pytest.mark.parametrize("name", list(wrong_proofs()))
def test_rotation_proof_invalid(name):
    proof = wrong_proofs()[name]
    builder = LedgerBuilder().started().rotate(SEED_B, proof=proof)
    assert finding(verify(builder)) == ("rotation_proof_invalid", 2, 1)
    assert ledger.verify_line(builder.lines[1][:-1]).reason == "rotation_proof_invalid"


def test_content_checks_come_after_the_signature():
    builder = LedgerBuilder().started().rotate(SEED_B, new_pubkey=KEY_A, proof="00" * 64)
    assert finding(verify(builder)) == ("rotation_key_invalid", 2, 1)
    builder.lines[1] = corrupt_signature(builder.lines[1])
    assert finding(verify(builder)) == ("bad_signature", 2, 1)


# --- End of the ledger --------------------------------------------------------------------------


def test_pinned_current_key():
    assert verify(rotated_ledger(), pinned_current_pubkey=KEY_B)["ok"]
    report = verify(rotated_ledger(), KEY_A, pinned_current_pubkey=KEY_A)
    assert (report["ok"], report["reason"], report["event_count"], report["broken_at"], report["line"]) == (
        False,
        "current_key_mismatch",
        3,
        3,
        None,
    )
    assert report["root_hash"] == rotated_ledger().hashes[-1]
    assert report["signers"] == [KEY_A, KEY_B] and len(report["keys"]) == 2
    # A rotation as the last line makes its new key current although it signed nothing.
    assert verify(LedgerBuilder().started().rotate(SEED_B), pinned_current_pubkey=KEY_B)["ok"]


def test_pinned_current_key_of_an_empty_ledger():
    report = verify(b"", pinned_current_pubkey=KEY_A)
    assert (report["ok"], report["reason"], report["event_count"], report["broken_at"], report["line"]) == (
        False,
        "current_key_mismatch",
        0,
        0,
        None,
    )
    assert (report["root_hash"], report["signers"], report["keys"]) == (None, [], [])


def test_a_finding_in_a_line_comes_before_the_end():
    data = rotated_ledger().bytes() + b'{"seq":3'
    assert finding(verify(data, pinned_current_pubkey=KEY_A)) == ("torn_tail", 4, 3)


@pytest.mark.parametrize("key", ["", KEY_A.upper(), KEY_A[1:]])
def test_malformed_pinned_current_key_is_an_error(key):
    with pytest.raises(ValueError):
        verify(b"", pinned_current_pubkey=key)


# --- Toolset pins -------------------------------------------------------------------------------


def test_toolset_pin_valid():
    assert verify(LedgerBuilder().pin(["a", "b", "search"]))["ok"]
    assert verify(LedgerBuilder().pin([], toolset_sha256=EMPTY_TOOLSET_SHA256))["ok"]


@pytest.mark.parametrize(
    "names",
    [
        ["b", "a"],
        ["a", "a"],
        ["B", "A"],
        # UTF-8 bytes: U+FF21 (EF BC A1) sorts before U+1F600 (F0 9F 98 80); UTF-16 says otherwise.
        ["\U0001f600", "\uff21"],
    ],
)
def test_toolset_unsorted(names):
    builder = LedgerBuilder().started().pin(names)
    assert finding(verify(builder)) == ("toolset_unsorted", 2, 1)
    assert ledger.verify_line(builder.lines[1][:-1]).reason == "toolset_unsorted"


def test_toolset_sorted_by_utf8_bytes():
    assert verify(LedgerBuilder().pin(["A", "a", "\uff21", "\U0001f600"]))["ok"]


def test_toolset_hash_mismatch():
    builder = LedgerBuilder().pin(["a"], toolset_sha256=EMPTY_TOOLSET_SHA256)
    assert finding(verify(builder)) == ("toolset_hash_mismatch", 1, 0)
    # An unsorted toolset is reported as such, before its hash.
    builder = LedgerBuilder().pin(["b", "a"], toolset_sha256=EMPTY_TOOLSET_SHA256)
    assert finding(verify(builder)) == ("toolset_unsorted", 1, 0)


def test_unpinned_tool_calls():
    builder = (
        LedgerBuilder()
        .tool_called("search")  # before any pin
        .pin(["search"])
        .tool_called("search")
        .tool_called("calc")
        .pin(["calc"])  # a pin holds until the next pin
        .tool_called("search")
        .tool_called("calc")
    )
    report = verify(builder, check_tools=True)
    assert report["ok"]
    assert report["unpinned_tool_calls"] == [
        {"seq": 0, "tool_name": "search"},
        {"seq": 3, "tool_name": "calc"},
        {"seq": 5, "tool_name": "search"},
    ]
    assert "unpinned_tool_calls" not in verify(builder)
    assert verify(LedgerBuilder().started(), check_tools=True)["unpinned_tool_calls"] == []


def test_unpinned_tool_calls_cover_the_good_lines_only():
    builder = LedgerBuilder().tool_called("a").tool_called("b").tool_called("c")
    builder.lines[2] = corrupt_signature(builder.lines[2])
    report = verify(builder, check_tools=True)
    assert finding(report) == ("bad_signature", 3, 2)
    assert report["unpinned_tool_calls"] == [{"seq": 0, "tool_name": "a"}, {"seq": 1, "tool_name": "b"}]


def test_pinned_toolset_for_drift():
    builder = LedgerBuilder().pin(["a"]).started().pin(["b", "c"]).started()
    assert [tool["name"] for tool in ledger.pinned_toolset(io.BytesIO(builder.bytes()))] == ["b", "c"]
    with pytest.raises(ValueError, match="no ToolsetPinned"):
        ledger.pinned_toolset(io.BytesIO(LedgerBuilder().started().bytes()))
    with pytest.raises(ValueError, match="does not verify"):
        ledger.pinned_toolset(io.BytesIO(builder.bytes() + b"\n"))


# --- Redactions ---------------------------------------------------------------------------------


def test_redactions_valid():
    builder = LedgerBuilder().started().rotate(SEED_B).started().redact(0).redact(0).redact(2)
    assert verify(builder, KEY_A)["ok"]


@pytest.mark.parametrize("target_seq", [1, 2, 18446744073709551615])
def test_redaction_target_unknown(target_seq):
    builder = LedgerBuilder().started().add("Redacted", REDACTED | {"target_seq": target_seq})
    assert finding(verify(builder)) == ("redaction_target_unknown", 2, 1)
    assert ledger.verify_line(builder.lines[1][:-1]).reason == "redaction_target_unknown"


def test_redaction_target_mismatch():
    builder = LedgerBuilder().started().started()
    builder.redact(0, builder.hashes[1])
    assert finding(verify(builder)) == ("redaction_target_mismatch", 3, 2)
    # Checks 20 and 21 need the target: a line checked alone passes them.
    assert ledger.verify_line(builder.lines[2][:-1]) is None


def test_redaction_of_redaction():
    builder = LedgerBuilder().started().redact(0)
    builder.redact(1)
    assert finding(verify(builder)) == ("redaction_of_redaction", 3, 2)
    assert ledger.verify_line(builder.lines[2][:-1]) is None
    # The target's hash is compared first.
    builder = LedgerBuilder().started().redact(0)
    builder.redact(1, DIGEST)
    assert finding(verify(builder)) == ("redaction_target_mismatch", 3, 2)


def test_rotation_statement_is_what_the_proof_covers():
    """A proof made for this place verifies; the canonical JSON sorts the statement's members."""
    builder = rotated_ledger()
    line = ledger.check_line(builder.lines[1][:-1])
    statement = canonical.parse(labelled.rotation_message(KEY_B, KEY_A, line.parent_hash, 1)[25:])
    assert list(statement) == ["new_pubkey", "old_pubkey", "parent_hash", "seq"]
    assert labelled.verify_rotation(KEY_B, KEY_A, line.parent_hash, 1, line.event["payload"]["proof"])
