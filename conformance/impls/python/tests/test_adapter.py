"""The adapter protocol of spec/conformance.md, end to end through a subprocess."""

import base64
import subprocess
import sys

import pytest
from adapter_process import ADAPTER, AdapterProcess
from bundle_support import FINGERPRINT, bundle_document, encode, ledger_of
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
        "tree_root",
        "verify_inclusion",
        "verify_consistency",
        "sign_checkpoint",
        "verify_checkpoint",
        "verify_bundle",
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


ROOT_2 = "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"
ROOT_3 = "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77"
LEAF_0_HASH = "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
LEAF_1_HASH = "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"
LEAF_2_HASH = "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7"


def test_tree_root_and_proofs(adapter):
    """RFC 6962 vectors: leaf inputs "", 00, 10 (roots and leaf hashes of transparency-dev/merkle)."""
    assert adapter.result("tree_root", leaves_hex=[]) == {
        "root_hex": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    }
    assert adapter.result("tree_root", leaves_hex=["", "00", "10"]) == {"root_hex": ROOT_3}
    inclusion = {"index": 2, "tree_size": 3, "leaf_hex": "10", "proof_hex": [ROOT_2], "root_hex": ROOT_3}
    assert adapter.result("verify_inclusion", **inclusion) == {"valid": True}
    assert adapter.result("verify_inclusion", **inclusion | {"leaf_hex": "11"}) == {"valid": False}
    assert adapter.result("verify_inclusion", **inclusion | {"leaf_hex": LEAF_2_HASH}) == {"valid": False}
    for item in (ROOT_2.upper(), ROOT_2[:-2], ROOT_2 + "00", "x"):
        assert adapter.result("verify_inclusion", **inclusion | {"proof_hex": [item]}) == {"valid": False}
    consistency = {
        "old_size": 2,
        "new_size": 3,
        "proof_hex": [LEAF_2_HASH],
        "old_root_hex": ROOT_2,
        "new_root_hex": ROOT_3,
    }
    assert adapter.result("verify_consistency", **consistency) == {"valid": True}
    assert adapter.result("verify_consistency", **consistency | {"old_size": 1}) == {"valid": False}
    assert adapter.result("verify_consistency", **consistency | {"proof_hex": ["zz"]}) == {"valid": False}
    for op, arguments, name, value in (
        ("tree_root", {"leaves_hex": []}, "leaves_hex", ["0"]),
        ("tree_root", {"leaves_hex": []}, "leaves_hex", "00"),
        ("verify_inclusion", inclusion, "root_hex", ROOT_3[:-2]),
        ("verify_inclusion", inclusion, "index", -1),
        ("verify_inclusion", inclusion, "tree_size", 2**64),
        ("verify_inclusion", inclusion, "proof_hex", ROOT_2),
        ("verify_inclusion", inclusion, "proof_hex", [1]),
        ("verify_consistency", consistency, "new_root_hex", ROOT_3.upper()),
    ):
        assert "errored" in adapter.request(op, **arguments | {name: value}), (op, name, value)


def test_sign_and_verify_checkpoint(adapter):
    arguments = {"seed_hex": SEED.hex(), "genesis_self_hash": SELF_HASH, "tree_size": 3, "root_hex": ROOT_3}
    note_hex = adapter.result("sign_checkpoint", **arguments)["checkpoint_hex"]
    note_bytes = bytes.fromhex(note_hex)
    assert note_bytes.startswith(f"provedex-ledger/{SELF_HASH}/sha256:".encode())
    root_base64 = base64.b64encode(bytes.fromhex(ROOT_3)).decode()
    assert f"\n3\n{root_base64}\n\n\u2014 provedex-ledger/{SELF_HASH}/".encode() in note_bytes
    assert adapter.result("verify_checkpoint", checkpoint_hex=note_hex, pubkey_hex=PUBLIC_KEY) == {
        "valid": True,
        "reason": None,
        "tree_size": 3,
        "root_hex": ROOT_3,
    }
    other_key = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    assert adapter.result("verify_checkpoint", checkpoint_hex=note_hex, pubkey_hex=other_key) == {
        "valid": False,
        "reason": "checkpoint_foreign",
    }
    altered = note_bytes.replace(b"\n3\n", b"\n4\n").hex()
    assert adapter.result("verify_checkpoint", checkpoint_hex=altered, pubkey_hex=PUBLIC_KEY) == {
        "valid": False,
        "reason": "checkpoint_signature_invalid",
    }
    assert adapter.result("verify_checkpoint", checkpoint_hex="", pubkey_hex=PUBLIC_KEY) == {
        "valid": False,
        "reason": "checkpoint_malformed",
    }
    assert "errored" in adapter.request(
        "sign_checkpoint", **arguments | {"genesis_self_hash": SELF_HASH[:-1]}
    )
    assert "errored" in adapter.request(
        "verify_checkpoint", checkpoint_hex=note_hex, pubkey_hex=PUBLIC_KEY[2:]
    )


def test_verify_ledger_with_a_checkpoint(adapter):
    first = adapter.result(
        "sign",
        seed_hex=SEED.hex(),
        event_json=SESSION_STARTED.decode(),
        seq=0,
        timestamp_nanos=1,
        parent_hash="0" * 64,
    )["line"]
    first_hash = first.split('"self_hash":"')[1][:64]
    root_1 = adapter.result("tree_root", leaves_hex=[first_hash])["root_hex"]
    signed = adapter.result(
        "sign_checkpoint", seed_hex=SEED.hex(), genesis_self_hash=first_hash, tree_size=1, root_hex=root_1
    )["checkpoint_hex"]
    one_line = (first + "\n").encode().hex()
    report = adapter.result("verify_ledger", ledger_hex=one_line, pinned_pubkey=None, checkpoint_hex=signed)
    assert (report["ok"], report["reason"]) == (True, None)
    report = adapter.result("verify_ledger", ledger_hex="", pinned_pubkey=None, checkpoint_hex=signed)
    assert (report["ok"], report["reason"], report["line"], report["broken_at"]) == (
        False,
        "ledger_truncated",
        None,
        0,
    )
    # A checkpoint that is not a signed checkpoint is an error of the verifier.
    assert "errored" in adapter.request(
        "verify_ledger", ledger_hex=one_line, pinned_pubkey=None, checkpoint_hex="00"
    )


def test_verify_bundle(adapter):
    document = bundle_document(ledger_of(6), 2, 3, 6)
    bundle_hex = encode(document).hex()

    def result(**pins):
        arguments = {"pinned_pubkey": None, "pinned_fingerprint": None} | pins
        return adapter.result("verify_bundle", bundle_hex=bundle_hex, **arguments)

    valid = {"ok": True, "pinned": True, "proof_level": "verifiable", "reason": None, "event_count": 3}
    assert result(pinned_pubkey=PUBLIC_KEY) == valid
    assert result(pinned_fingerprint=FINGERPRINT) == valid
    assert result() == valid | {"pinned": False, "proof_level": None}
    assert result(pinned_fingerprint="sha256:" + "0" * 64) == {
        "ok": False,
        "pinned": False,
        "proof_level": None,
        "reason": "bundle_key_mismatch",
        "event_count": 0,
    }
    # The bundle's bytes may be anything: a result.
    assert adapter.result("verify_bundle", bundle_hex="7b7d", pinned_pubkey=PUBLIC_KEY, pinned_fingerprint=None)[
        "reason"
    ] == "bundle_malformed"
    # Arguments outside the message schema: errored.
    for arguments in (
        {"bundle_hex": "7", "pinned_pubkey": None, "pinned_fingerprint": None},
        {"bundle_hex": bundle_hex, "pinned_pubkey": PUBLIC_KEY.upper(), "pinned_fingerprint": None},
        {"bundle_hex": bundle_hex, "pinned_pubkey": None, "pinned_fingerprint": PUBLIC_KEY},
        {"bundle_hex": bundle_hex, "pinned_pubkey": PUBLIC_KEY, "pinned_fingerprint": FINGERPRINT},
    ):
        assert "errored" in adapter.request("verify_bundle", **arguments)


def test_list_bugs_and_unknown_bug():
    listed = subprocess.run(
        [sys.executable, str(ADAPTER), "--list-bugs"], capture_output=True, text=True, check=True
    )
    assert listed.stdout.split("\n") == [*BUGS, ""]
    refused = subprocess.run(
        [sys.executable, str(ADAPTER), "--plant-bug", "nope"], capture_output=True, input=b""
    )
    assert refused.returncode != 0
