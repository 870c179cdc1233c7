"""The adapter protocol of spec/conformance.md, end to end through a subprocess."""

import subprocess
import sys

import pytest
from adapter_process import ADAPTER, AdapterProcess
from support import PUBLIC_KEY, SEED, SESSION_STARTED

from provedex_ref.bugs import BUGS

TOOL_CALLED = (
    '{"type":"ToolCalled","payload":{"tool_name":"web_search","args_sha256":"'
    + "0" * 64
    + '","args_redacted":{}}}'
)
EMPTY_TOOLSET_SHA256 = "4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945"
SELF_HASH = "52299f4b70c1603526deb7b88cbaa03ca9eb1b91a3da038babb4a175041aec91"


@pytest.fixture
def adapter():
    with AdapterProcess() as process:
        hello = process.request("hello", protocol=1)
        assert hello["result"]["protocol"] == 1
        yield process


def test_hello_declares_every_operation(adapter):
    result = adapter.result("hello", protocol=1)
    assert result["implementation"] == {
        "name": "provedex-python-reference",
        "version": "0.1.0",
        "language": "Python",
    }
    assert result["operations"] == [
        "canonicalize",
        "self_hash",
        "sign",
        "verify_event",
        "verify_ledger",
        "toolset_hash",
        "sign_data",
        "verify_data",
    ]


def test_canonicalize(adapter):
    assert adapter.result("canonicalize", input_hex=b'{"b":1,"a":1e-5}'.hex()) == {
        "valid": True,
        "output_hex": b'{"a":0.00001,"b":1}'.hex(),
    }
    assert adapter.result("canonicalize", input_hex="22ff22") == {
        "valid": False,
        "error_code": "invalid_utf8",
    }


def test_self_hash_and_sign(adapter):
    position = {"seq": 0, "timestamp_nanos": 1700000000000000000, "parent_hash": "0" * 64}
    event_json = SESSION_STARTED.decode()
    assert adapter.result("self_hash", event_json=event_json, **position) == {
        "valid": True,
        "self_hash": SELF_HASH,
    }
    signed = adapter.result("sign", seed_hex=SEED.hex(), event_json=event_json, **position)
    assert signed["valid"] and SELF_HASH in signed["line"] and PUBLIC_KEY in signed["line"]
    assert adapter.result("verify_event", line_hex=signed["line"].encode().hex()) == {
        "valid": True,
        "reason": None,
    }
    report = adapter.result(
        "verify_ledger", ledger_hex=(signed["line"] + "\n").encode().hex(), pinned_pubkey=PUBLIC_KEY
    )
    assert (report["ok"], report["event_count"], report["root_hash"]) == (True, 1, SELF_HASH)
    invalid = adapter.result("sign", seed_hex=SEED.hex(), event_json='{"type":"X","payload":{}}', **position)
    assert invalid == {"valid": False, "reason": "unknown_event_type"}


def test_largest_integers_are_read_exactly(adapter):
    event_json = SESSION_STARTED.decode()
    largest = 18446744073709551615
    result = adapter.result(
        "self_hash", event_json=event_json, seq=largest, timestamp_nanos=largest, parent_hash="0" * 64
    )
    assert result["valid"]
    too_large = adapter.request(
        "self_hash", event_json=event_json, seq=largest + 1, timestamp_nanos=0, parent_hash="0" * 64
    )
    assert "errored" in too_large


def test_verify_ledger_finding(adapter):
    report = adapter.result("verify_ledger", ledger_hex=b"\n".hex(), pinned_pubkey=None)
    assert {
        key: report[key] for key in ("ok", "event_count", "broken_at", "line", "reason", "root_hash")
    } == {
        "ok": False,
        "event_count": 0,
        "broken_at": 0,
        "line": 1,
        "reason": "empty_line",
        "root_hash": None,
    }


def test_bad_requests_are_errored_and_the_adapter_goes_on(adapter):
    assert "errored" in adapter.send_raw(b"not json")
    assert "errored" in adapter.request("canonicalize")  # no input_hex
    assert "errored" in adapter.request("canonicalize", input_hex="zz")
    assert "errored" in adapter.request("verify_ledger", ledger_hex="", pinned_pubkey="ABC")
    assert "errored" in adapter.request("hello", protocol=2)
    assert "skipped" in adapter.request("frobnicate")
    assert adapter.result("canonicalize", input_hex=b"[]".hex())["valid"]


def test_arguments_outside_the_message_schema_are_errored(adapter):
    """A malformed seed, seq, timestamp or pinned key asks nothing of the implementation; a malformed
    parent_hash is the line's member, refused with a result (spec/conformance.md, Adapter protocol)."""
    good = {
        "event_json": SESSION_STARTED.decode(),
        "seq": 0,
        "timestamp_nanos": 1,
        "parent_hash": "0" * 64,
    }
    for op, extra in (("self_hash", {}), ("sign", {"seed_hex": SEED.hex()})):
        for name, value in (("seq", -1), ("seq", 1.0), ("timestamp_nanos", "1"), ("seq", None)):
            assert "errored" in adapter.request(op, **good | extra | {name: value}), (op, name, value)
        bad_parent = adapter.result(op, **good | extra | {"parent_hash": "0" * 63})
        assert bad_parent == {"valid": False, "reason": "invalid_hex"}
    for seed in ("00", SEED.hex().upper(), SEED.hex() + "00"):
        assert "errored" in adapter.request("sign", **good | {"seed_hex": seed})
    for key in ("", PUBLIC_KEY.upper(), PUBLIC_KEY[1:], 7):
        assert "errored" in adapter.request("verify_ledger", ledger_hex="", pinned_pubkey=key)


def test_verify_ledger_options(adapter):
    """pinned_current_pubkey and check_tools are sent only when a vector sets them."""
    signed = adapter.result(
        "sign",
        seed_hex=SEED.hex(),
        event_json=TOOL_CALLED,
        seq=0,
        timestamp_nanos=1,
        parent_hash="0" * 64,
    )
    ledger_hex = (signed["line"] + "\n").encode().hex()
    plain = adapter.result("verify_ledger", ledger_hex=ledger_hex, pinned_pubkey=None)
    assert plain["ok"] and "unpinned_tool_calls" not in plain
    assert plain["keys"] == [{"pubkey": PUBLIC_KEY, "from_seq": 0, "to_seq": 0}]
    checked = adapter.result("verify_ledger", ledger_hex=ledger_hex, pinned_pubkey=None, check_tools=True)
    assert checked["unpinned_tool_calls"] == [{"seq": 0, "tool_name": "web_search"}]
    current = adapter.result(
        "verify_ledger", ledger_hex=ledger_hex, pinned_pubkey=None, pinned_current_pubkey=PUBLIC_KEY
    )
    assert current["ok"]
    other = adapter.result(
        "verify_ledger", ledger_hex=ledger_hex, pinned_pubkey=None, pinned_current_pubkey="1" * 64
    )
    assert (other["ok"], other["reason"], other["line"], other["broken_at"]) == (
        False,
        "current_key_mismatch",
        None,
        1,
    )
    for key in (PUBLIC_KEY.upper(), 7):
        assert "errored" in adapter.request(
            "verify_ledger", ledger_hex=ledger_hex, pinned_pubkey=None, pinned_current_pubkey=key
        )
    assert "errored" in adapter.request(
        "verify_ledger", ledger_hex=ledger_hex, pinned_pubkey=None, check_tools=1
    )


def test_toolset_hash(adapter):
    assert adapter.result("toolset_hash", manifest_hex=b"[]".hex()) == {
        "valid": True,
        "tools": [],
        "toolset_sha256": EMPTY_TOOLSET_SHA256,
    }
    result = adapter.result("toolset_hash", manifest_hex=b'{"tools":[{"name":"b"},{"name":"a"}]}'.hex())
    assert result["valid"] and [tool["name"] for tool in result["tools"]] == ["a", "b"]
    assert adapter.result("toolset_hash", manifest_hex=b'[{"name":""}]'.hex()) == {
        "valid": False,
        "tools": None,
        "toolset_sha256": None,
    }
    assert "errored" in adapter.request("toolset_hash", manifest_hex="5")


def test_sign_and_verify_data(adapter):
    data = b"any bytes"
    signature = adapter.result("sign_data", seed_hex=SEED.hex(), data_hex=data.hex())["signature_hex"]
    assert len(signature) == 128
    arguments = {"pubkey_hex": PUBLIC_KEY, "data_hex": data.hex(), "signature_hex": signature}
    assert adapter.result("verify_data", **arguments) == {"valid": True}
    assert adapter.result("verify_data", **arguments | {"data_hex": b"other".hex()}) == {"valid": False}
    assert adapter.result("verify_data", **arguments | {"signature_hex": "00" * 64}) == {"valid": False}
    # A key of 32 bytes that is not a valid key (the identity) verifies nothing.
    assert adapter.result("verify_data", **arguments | {"pubkey_hex": "01" + "00" * 31}) == {"valid": False}
    # Arguments of the wrong shape ask nothing of the implementation (spec/conformance.md).
    assert "errored" in adapter.request("sign_data", seed_hex="00", data_hex="")
    for name, value in (
        ("pubkey_hex", PUBLIC_KEY.upper()),
        ("pubkey_hex", PUBLIC_KEY[:-2]),
        ("signature_hex", signature[:-2]),
        ("signature_hex", signature + "00"),
    ):
        assert "errored" in adapter.request("verify_data", **arguments | {name: value}), name


def test_list_bugs_and_unknown_bug():
    listed = subprocess.run(
        [sys.executable, str(ADAPTER), "--list-bugs"], capture_output=True, text=True, check=True
    )
    assert listed.stdout.split("\n") == [*BUGS, ""]
    refused = subprocess.run(
        [sys.executable, str(ADAPTER), "--plant-bug", "nope"], capture_output=True, input=b""
    )
    assert refused.returncode != 0
