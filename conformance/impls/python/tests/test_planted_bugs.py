"""Each planted bug, switched on alone, changes the adapter's answer to at least one request."""

import pytest
from adapter_process import AdapterProcess
from support import (
    IDENTITY_KEY,
    PUBLIC_KEY,
    SEED,
    SESSION_STARTED,
    forge_line,
    identity_key_signature,
    torsion_r_signature,
)

from provedex_ref import ledger
from provedex_ref.bugs import BUGS

POSITION = {"seq": 0, "timestamp_nanos": 1700000000000000000, "parent_hash": "0" * 64}
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

    def self_hash_probe(event_json: str, reason: str):
        event = ledger.parse_event_json(event_json.encode())
        bug_hash = ledger.digest(0, POSITION["timestamp_nanos"], POSITION["parent_hash"], event).hex()
        return (
            "self_hash",
            {"event_json": event_json, **POSITION},
            {"valid": False, "reason": reason},
            {"valid": True, "self_hash": bug_hash},
        )

    def ledger_probe(data: bytes, reason: str, bug_count: int):
        return (
            "verify_ledger",
            {"ledger_hex": data.hex(), "pinned_pubkey": None},
            {"ok": False, "reason": reason, "event_count": 1},
            {"ok": True, "reason": None, "event_count": bug_count},
        )

    return {
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
