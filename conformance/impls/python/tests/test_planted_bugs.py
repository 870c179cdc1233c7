"""Each planted bug, switched on alone, changes the adapter's answer to at least one request."""

import pytest
from adapter_process import AdapterProcess
from bundle_support import KEY_HEX, bundle_document, encode, ledger_of
from support import (
    IDENTITY_KEY,
    PUBLIC_KEY,
    SEED,
    SESSION_STARTED,
    LedgerBuilder,
    forge_line,
    identity_key_signature,
    torsion_r_signature,
)

from provedex_ref import canonical, checkpoint, ed25519, ledger, merkle
from provedex_ref.bugs import BUGS

POSITION = {"seq": 0, "timestamp_nanos": 1700000000000000000, "parent_hash": "0" * 64}
MAX = ledger.MAX_LINE_BYTES
DIGEST = "124fd55aeafee889d402905cd682382d0b1e3196a1de687b6421b673439434b3"


def sealed(seq: int, parent: str) -> bytes:
    return ledger.seal(
        SEED, seq, 1700000000000000000 + seq, parent, ledger.parse_event_json(SESSION_STARTED)
    ).encode()


def probes() -> dict[str, tuple[str, dict, dict, dict]]:
    """For each bug: a request (op and arguments), the correct result and the bug's result."""
    first = sealed(0, ledger.GENESIS_PARENT)
    first_hash = ledger.check_line(first).self_hash
    skipped_seq = sealed(2, first_hash)
    torsion_line = forge_line(bytes.fromhex(PUBLIC_KEY), lambda message: torsion_r_signature(SEED, message))
    degenerate_line = forge_line(IDENTITY_KEY, identity_key_signature)
    captured = (
        '{"type":"UtteranceCaptured","payload":'
        '{"audio_sha256":"%s","transcript":"hi","lang":"en","duration_ms":%s}}'
    )

    def canonical_probe(text: str, correct: dict, wrong: dict):
        return ("canonicalize", {"input_hex": text.encode().hex()}, correct, wrong)

    def output(text: str) -> dict:
        return {"valid": True, "output_hex": text.encode().hex()}

    def verdict(reason: str | None) -> dict:
        return {"valid": reason is None, "reason": reason}

    def canonical_probe_bytes(data: bytes, correct: dict, wrong_code: str):
        return ("canonicalize", {"input_hex": data.hex()}, correct, {"valid": False, "error_code": wrong_code})

    def self_hash_probe(event_json: str, reason: str, enclosing_depth: int = 1, **position):
        """A self_hash request the bug answers with the hash of what it let through."""
        position = POSITION | position
        event = canonical.parse(event_json.encode(), enclosing_depth=enclosing_depth)
        bug_hash = ledger.digest(0, position["timestamp_nanos"], position["parent_hash"], event).hex()
        return (
            "self_hash",
            {"event_json": event_json, **position},
            {"valid": False, "reason": reason},
            {"valid": True, "self_hash": bug_hash},
        )

    # args_redacted 125 levels deep: the event alone is 128 deep, its line 129.
    too_deep = (
        '{"type":"ToolCalled","payload":{"tool_name":"t","args_sha256":"%s","args_redacted":{"deep":%s%s}}}'
        % (DIGEST, "[" * 125, "]" * 125)
    )
    # A key of large order written with y + p: a field-element decoder reduces it to a valid point.
    large_y = next(
        y for y in range(2, 19) if (point := ed25519.decode_point(y.to_bytes(32, "little"))) is not None
        and not ed25519.has_small_order(point)
    )
    noncanonical_key_line = forge_line(
        (large_y + ed25519.P).to_bytes(32, "little"), lambda message: ed25519.sign(SEED, message)
    )
    other_seed = bytes(range(32, 64))
    other_key_bad_signature = forge_line(ed25519.public_key(other_seed), lambda message: bytes(64))

    key_b = ed25519.public_key(other_seed).hex()
    rotated = LedgerBuilder().started().rotate(other_seed).started()
    rotated_last = LedgerBuilder().started().rotate(other_seed)
    not_followed = LedgerBuilder().started().rotate(other_seed).started(seed=bytes(range(64, 96)))
    # U+FF21 before U+1F600 by UTF-8 bytes; UTF-16 code units put the surrogate pair D83D first.
    utf8_sorted_pin = LedgerBuilder().pin(["\uff21", "\U0001f600"])

    def ledger_probe(data: bytes, reason: str, bug_count: int):
        return (
            "verify_ledger",
            {"ledger_hex": data.hex(), "pinned_pubkey": None},
            {"ok": False, "reason": reason, "event_count": 1},
            {"ok": True, "reason": None, "event_count": bug_count},
        )

    # The transparency rules (transparency.md): RFC 6962 leaves "", 00, 10 and their published hashes.
    h0, h1, h2 = (merkle.leaf_hash(bytes.fromhex(leaf)) for leaf in ("", "00", "10"))
    n01 = merkle.node_hash(h0, h1)
    root_3 = merkle.node_hash(n01, h2)
    assert root_3.hex() == "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77"
    two = LedgerBuilder().started().started()
    two_root = merkle.root_of([merkle.line_leaf_hash(h) for h in two.hashes])
    two_checkpoint = checkpoint.sign(SEED, two.hashes[0], 2, two_root)
    signed_3 = checkpoint.sign(SEED, "ab" * 32, 3, root_3)
    signature_line = signed_3.split(b"\n\n")[1]
    # The same line with the signature's last bytes zeroed (still canonical base64): it fails.
    failing_line = signature_line[:-6] + b"AAAA=\n"
    assert failing_line != signature_line
    rotated_root_1 = merkle.root_of([merkle.line_leaf_hash(rotated_last.hashes[0])])
    before_rotation = checkpoint.sign(SEED, rotated_last.hashes[0], 1, rotated_root_1)

    def checkpoint_ledger_probe(data: bytes, note_bytes: bytes, reason: str | None, bug_reason: str | None):
        return (
            "verify_ledger",
            {"ledger_hex": data.hex(), "pinned_pubkey": None, "checkpoint_hex": note_bytes.hex()},
            {"ok": reason is None, "reason": reason, "line": None},
            {"ok": bug_reason is None, "reason": bug_reason, "line": None},
        )

    transparency = {
        "odd_leaf_duplicated": (
            "tree_root",
            {"leaves_hex": ["", "00", "10"]},
            {"root_hex": root_3.hex()},
            {"root_hex": merkle.node_hash(n01, merkle.node_hash(h2, h2)).hex()},
        ),
        "merkle_no_domain_separation": (
            "tree_root",
            {"leaves_hex": [""]},
            {"root_hex": "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"},
            {"root_hex": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        ),
        # Leaf 0 of 4 with one hash ends at the node over leaves 0-1, offered as the root.
        "inclusion_length_unchecked": (
            "verify_inclusion",
            {"index": 0, "tree_size": 4, "leaf_hex": "", "proof_hex": [h1.hex()], "root_hex": n01.hex()},
            {"valid": False},
            {"valid": True},
        ),
        "empty_tree_any_root": (
            "verify_consistency",
            {
                "old_size": 0,
                "new_size": 3,
                "proof_hex": [],
                "old_root_hex": n01.hex(),
                "new_root_hex": root_3.hex(),
            },
            {"valid": False},
            {"valid": True},
        ),
        "failing_note_signature_ignored": (
            "verify_checkpoint",
            {"checkpoint_hex": (signed_3 + failing_line).hex(), "pubkey_hex": PUBLIC_KEY},
            {"valid": False, "reason": "checkpoint_signature_invalid"},
            {"valid": True, "reason": None},
        ),
        "truncation_unchecked": checkpoint_ledger_probe(
            two.lines[0], two_checkpoint, "ledger_truncated", None
        ),
        "checkpoint_key_at_end": checkpoint_ledger_probe(
            rotated_last.bytes(), before_rotation, None, "checkpoint_foreign"
        ),
    }

    # Bundles (bundles.md): lines 3 to 6 of 12, and lies the checks catch.
    bundle_ledger = ledger_of(12)
    valid_bundle = bundle_document(bundle_ledger, 3, 4, 12)
    changed_consistency = bundle_document(bundle_ledger, 3, 4, 12)
    changed_consistency["proof"]["consistency"][0] = "00" * 32
    changed_genesis = bundle_document(bundle_ledger, 3, 4, 12)
    changed_genesis["proof"]["genesis"][-1] = "00" * 32
    claimed_level = bundle_document(
        bundle_ledger, 3, 4, 12, receipts=[{"type": "rfc3161", "level": "publicly-timestamped"}]
    )

    def bundle_probe(document: dict, pinned_pubkey: str | None, correct: dict, wrong: dict):
        arguments = {"bundle_hex": encode(document).hex(), "pinned_pubkey": pinned_pubkey, "pinned_fingerprint": None}
        return ("verify_bundle", arguments, correct, wrong)

    bundles = {
        "bundle_key_trusted": bundle_probe(
            valid_bundle,
            None,
            {"ok": True, "pinned": False, "proof_level": None},
            {"ok": True, "pinned": True, "proof_level": "verifiable"},
        ),
        "bundle_consistency_unchecked": bundle_probe(
            changed_consistency,
            KEY_HEX,
            {"ok": False, "reason": "bundle_proof_invalid", "proof_level": None},
            {"ok": True, "reason": None, "proof_level": "verifiable"},
        ),
        "bundle_genesis_unchecked": bundle_probe(
            changed_genesis,
            KEY_HEX,
            {"ok": False, "reason": "checkpoint_foreign", "proof_level": None},
            {"ok": True, "reason": None, "proof_level": "verifiable"},
        ),
        "receipt_level_trusted": bundle_probe(
            claimed_level,
            KEY_HEX,
            {"ok": True, "proof_level": "verifiable"},
            {"ok": True, "proof_level": "publicly-timestamped"},
        ),
    }

    return transparency | bundles | {
        "json_dumps_canonical": canonical_probe("[1e-5]", output("[0.00001]"), output("[1e-05]")),
        "float_repr": canonical_probe("1e-7", output("1e-7"), output("1e-07")),
        "utf16_key_order": canonical_probe(
            '{"😀":1,"Ａ":2}', output('{"Ａ":2,"😀":1}'), output('{"😀":1,"Ａ":2}')
        ),
        "sign_hex_text": ("verify_event", {"line_hex": first.hex()}, verdict(None), verdict("bad_signature")),
        "nonstrict_ed25519": (
            "verify_event",
            {"line_hex": degenerate_line.hex()},
            verdict("invalid_public_key"),
            verdict(None),
        ),
        "cofactored_ed25519": (
            "verify_event",
            {"line_hex": torsion_line.hex()},
            verdict("bad_signature"),
            verdict(None),
        ),
        "ignore_unknown_fields": self_hash_probe(
            '{"type":"SessionEnded","payload":{"reason":"done","summary_sha256":"","error":null}}',
            "unknown_field",
        ),
        "accept_uppercase_hex": self_hash_probe(captured % (DIGEST.upper(), "1"), "invalid_hex"),
        "accept_integral_float": self_hash_probe(captured % (DIGEST, "1.0"), "wrong_type"),
        "skip_seq_check": ledger_probe(first + b"\n" + skipped_seq + b"\n", "seq_mismatch", 2),
        "accept_duplicate_keys": canonical_probe(
            '{"a":1,"a":2}', {"valid": False, "error_code": "duplicate_key"}, output('{"a":2}')
        ),
        "lone_surrogate_accepted": canonical_probe(
            '"\\ud800"', {"valid": False, "error_code": "lone_surrogate"}, output('"\ufffd"')
        ),
        "torn_tail_ignored": ledger_probe(first + b'\n{"seq":1', "torn_tail", 1),
        "accept_crlf": (
            "verify_event",
            {"line_hex": (first + b"\r").hex()},
            verdict("crlf_line_ending"),
            verdict(None),
        ),
        # 16,777,217 bytes in about 8.4 million characters, not JSON after the first brace.
        "line_length_in_characters": (
            "verify_event",
            {"line_hex": (b"{" + "\u00e9".encode() * (MAX // 2)).hex()},
            verdict("line_too_long"),
            verdict("malformed_json"),
        ),
        "accept_one_byte_past_limit": (
            "verify_event",
            {"line_hex": (b"{" + b" " * (MAX - 1) + b"}").hex()},
            verdict("line_too_long"),
            verdict("missing_field"),
        ),
        "torn_tail_before_length": (
            "verify_ledger",
            {"ledger_hex": (b"{" + b" " * MAX).hex(), "pinned_pubkey": None},
            {"ok": False, "reason": "line_too_long"},
            {"ok": False, "reason": "torn_tail"},
        ),
        "utf8_checked_after_parsing": canonical_probe_bytes(
            b'{"a":1,"a":"\xff"}', {"valid": False, "error_code": "invalid_utf8"}, "duplicate_key"
        ),
        "required_members_first": (
            "verify_event",
            {"line_hex": b'{"seq":"1"}'.hex()},
            verdict("wrong_type"),
            verdict("missing_field"),
        ),
        "unknown_members_first": (
            "verify_event",
            {"line_hex": b'{"note":1}'.hex()},
            verdict("missing_field"),
            verdict("unknown_field"),
        ),
        "hex_checked_with_int": self_hash_probe(captured % ("0x" + DIGEST[2:], "1"), "invalid_hex"),
        "type_name_trimmed": self_hash_probe(
            SESSION_STARTED.decode().replace('"SessionStarted"', '" SessionStarted"'), "unknown_event_type"
        ),
        "event_depth_from_event": self_hash_probe(too_deep, "malformed_json", enclosing_depth=0),
        "parent_hash_unchecked": self_hash_probe(
            SESSION_STARTED.decode(), "invalid_hex", parent_hash=ledger.GENESIS_PARENT[1:]
        ),
        "verify_event_as_ledger": (
            "verify_event",
            {"line_hex": sealed(1, first_hash).hex()},
            verdict(None),
            verdict("seq_mismatch"),
        ),
        "noncanonical_point_reduced": (
            "verify_event",
            {"line_hex": noncanonical_key_line.hex()},
            verdict("invalid_public_key"),
            verdict("bad_signature"),
        ),
        "pin_before_key_validity": (
            "verify_ledger",
            {"ledger_hex": (degenerate_line + b"\n").hex(), "pinned_pubkey": PUBLIC_KEY},
            {"ok": False, "reason": "invalid_public_key"},
            {"ok": False, "reason": "pubkey_mismatch"},
        ),
        "pin_after_rotation": (
            "verify_ledger",
            {"ledger_hex": rotated.bytes().hex(), "pinned_pubkey": PUBLIC_KEY},
            {"ok": True, "reason": None},
            {"ok": False, "reason": "pubkey_mismatch"},
        ),
        "rotation_not_followed_as_signer_changed": (
            "verify_ledger",
            {"ledger_hex": not_followed.bytes().hex(), "pinned_pubkey": None},
            {"ok": False, "reason": "rotation_not_followed"},
            {"ok": False, "reason": "signer_changed"},
        ),
        "rotation_proof_unlabelled": (
            "verify_event",
            {"line_hex": rotated.lines[1][:-1].hex()},
            verdict(None),
            verdict("rotation_proof_invalid"),
        ),
        "toolset_order_utf16": (
            "verify_event",
            {"line_hex": utf8_sorted_pin.lines[0][:-1].hex()},
            verdict(None),
            verdict("toolset_unsorted"),
        ),
        "current_key_from_last_signer": (
            "verify_ledger",
            {"ledger_hex": rotated_last.bytes().hex(), "pinned_pubkey": None, "pinned_current_pubkey": key_b},
            {"ok": True, "reason": None, "line": None},
            {"ok": False, "reason": "current_key_mismatch", "line": None},
        ),
        "signature_before_signer_checks": (
            "verify_ledger",
            {"ledger_hex": (other_key_bad_signature + b"\n").hex(), "pinned_pubkey": PUBLIC_KEY},
            {"ok": False, "reason": "pubkey_mismatch"},
            {"ok": False, "reason": "bad_signature"},
        ),
    }


PROBES = probes()


def test_every_bug_has_a_probe():
    assert set(PROBES) == set(BUGS)


def answer(process: AdapterProcess, op: str, arguments: dict, expected: dict) -> dict:
    """The adapter's result, restricted to the members the probe states."""
    result = process.result(op, **arguments)
    return {key: result[key] for key in expected}


@pytest.fixture(scope="module")
def clean_adapter():
    with AdapterProcess() as process:
        process.result("hello", protocol=1)
        yield process


@pytest.mark.parametrize("bug", list(BUGS))
def test_bug_changes_behaviour(bug, clean_adapter):
    op, arguments, correct, wrong = PROBES[bug]
    assert correct != wrong
    assert answer(clean_adapter, op, arguments, correct) == correct
    with AdapterProcess("--plant-bug", bug) as planted:
        planted.result("hello", protocol=1)
        assert answer(planted, op, arguments, wrong) == wrong


def test_bug_from_the_environment():
    op, arguments, _, wrong = PROBES["float_repr"]
    with AdapterProcess(environment={"PROVEDEX_PLANT_BUG": "float_repr"}) as planted:
        assert answer(planted, op, arguments, wrong) == wrong
