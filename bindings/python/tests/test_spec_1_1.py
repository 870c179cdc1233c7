"""Spec 1.1 through the SDK: key rotation, redaction, toolset pins and drift,
the verification options and report, and the key manager."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import types
from typing import Any

import pytest

import provedex
from provedex import events

#: spec/toolsets.md's example manifest, and the toolset it hashes to.
GET_WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
SEARCH = {
    "name": "search",
    "version": "2.1.0",
    "description": "Web search.",
    "parameters": {"type": "object", "properties": {"q": {"type": "string"}}},
}
EXAMPLE_TOOLSET = provedex.Toolset(
    [
        provedex.PinnedTool("get_weather", "14cc0ca18f448f5a9e64d03d0059e80eeb1c64a0166c69f23e653e3fc187709f"),
        provedex.PinnedTool("search", "e859612dc464a7cdc080cd851bea6471f2a55e1cad05e4ae28eebd6347645348"),
    ],
    "baf4da9f70c7a7142fc390b4eb23541c7d564f438c15bfb706f8e42dae862390",
)


def tool_called(name: str) -> dict[str, Any]:
    return events.tool_called(tool_name=name, args_sha256=provedex.sha256_hex(b"{}"), args_redacted={})


def open_session(key: provedex.SigningKeypair, ledger: Any) -> provedex.Session:
    return provedex.Session.open(keypair=key, ledger_path=ledger, session_id="s", durability="none")


@pytest.fixture
def other_key() -> provedex.SigningKeypair:
    return provedex.SigningKeypair.from_seed(bytes([7]) * 32)


def test_a_rotated_ledger_resumes_only_with_the_new_key_and_verifies_under_the_first(tmp_path, seed_key, other_key):
    ledger = tmp_path / "ledger.ndjson"
    with open_session(seed_key, ledger) as session:
        session.record(tool_called("search"))
        rotation = session.rotate_key(other_key)
        assert rotation.event == {"type": "KeyRotated", "payload": {"new_pubkey": other_key.pubkey_hex, "proof": rotation.event["payload"]["proof"]}}
        assert rotation.signer_pubkey == seed_key.pubkey_hex, "the old key signs the hand-over"
        assert session.pubkey_hex == other_key.pubkey_hex
        assert session.record(tool_called("search")).signer_pubkey == other_key.pubkey_hex

    with pytest.raises(provedex.LedgerError) as refused:
        open_session(seed_key, ledger)
    assert refused.value.code == "foreign_key"
    with open_session(other_key, ledger) as resumed:
        assert resumed.record(tool_called("search")).seq == 3

    report = provedex.verify_file(ledger, pubkey=seed_key.pubkey_hex)
    assert report.ok, report.message
    assert report.signers == [seed_key.pubkey_hex, other_key.pubkey_hex]
    assert report.keys == [
        provedex.KeyEntry(seed_key.pubkey_hex, 0, 1),
        provedex.KeyEntry(other_key.pubkey_hex, 2, 3),
    ]
    assert report.unpinned_tool_calls is None
    # The first key pinned is the trust root; pinning the second as the root is a mismatch at line 1.
    assert provedex.verify_file(ledger, pubkey=other_key.pubkey_hex).reason == "pubkey_mismatch"


def test_the_current_key_can_be_pinned_instead_of_the_first(tmp_path, seed_key, other_key):
    ledger = tmp_path / "ledger.ndjson"
    with open_session(seed_key, ledger) as session:
        session.record(tool_called("search"))
        session.rotate_key(other_key)
    assert provedex.verify_file(ledger, current_pubkey=other_key.pubkey_hex).ok
    both = provedex.verify_file(ledger, pubkey=seed_key.pubkey_hex, current_pubkey=other_key.pubkey_hex)
    assert both.ok, both.message
    stale = provedex.verify_file(ledger, current_pubkey=seed_key.pubkey_hex)
    assert (stale.ok, stale.reason) == (False, "current_key_mismatch")
    lines = [provedex.SignedEvent.from_json(line) for line in ledger.read_text().splitlines()]
    assert provedex.verify_chain(lines, current_pubkey=other_key.pubkey_hex).ok
    assert provedex.verify_chain(lines, current_pubkey=seed_key.pubkey_hex).reason == "current_key_mismatch"
    with pytest.raises(provedex.ChainError) as malformed:
        provedex.verify_file(ledger, current_pubkey="ab")
    assert malformed.value.code == "invalid_hex"


def test_rotating_to_the_current_key_is_refused_and_writes_nothing(tmp_path, seed_key):
    ledger = tmp_path / "ledger.ndjson"
    with open_session(seed_key, ledger) as session:
        session.record(tool_called("search"))
        with pytest.raises(provedex.SigningError) as same:
            session.rotate_key(provedex.SigningKeypair.from_seed(bytes(range(32))))
        assert same.value.code == "rotation_key_invalid"
        with pytest.raises(TypeError, match="SigningKeypair"):
            session.rotate_key(seed_key.pubkey_hex)  # type: ignore[arg-type]
    assert len(ledger.read_text().splitlines()) == 1


def test_a_redaction_names_its_target_by_seq_and_hash(tmp_path, seed_key):
    ledger = tmp_path / "ledger.ndjson"
    with open_session(seed_key, ledger) as session:
        target = session.record(tool_called("search"))
        redaction = session.redact(0, reason="gdpr erasure", requested_by="dpo@example.com")
        assert redaction.event == events.redacted(
            target_seq=0, target_self_hash=target.self_hash, reason="gdpr erasure", requested_by="dpo@example.com"
        )
        for seq, code in [(1, "redaction_of_redaction"), (5, "redaction_target_unknown")]:
            with pytest.raises(provedex.SigningError) as refused:
                session.redact(seq, reason="r", requested_by="q")
            assert refused.value.code == code
        with pytest.raises(OverflowError):
            session.redact(-1, reason="r", requested_by="q")
        with pytest.raises(provedex.SigningError) as text:
            session.redact(0, reason="\ud800", requested_by="q")
        assert text.value.code == "malformed_json"
    # The target stays in the file: the chain needs it.
    assert target.to_json() == ledger.read_text().splitlines()[0]
    report = provedex.verify_file(ledger, pubkey=seed_key.pubkey_hex)
    assert (report.ok, report.event_count) == (True, 2), report.message


def test_every_manifest_shape_hashes_as_the_specs_example():
    assert provedex.toolset_hash([GET_WEATHER, SEARCH]) == EXAMPLE_TOOLSET
    assert provedex.toolset_hash([SEARCH, GET_WEATHER]) == EXAMPLE_TOOLSET, "order does not matter"
    assert provedex.toolset_hash({"tools": [GET_WEATHER, SEARCH]}) == EXAMPLE_TOOLSET
    assert provedex.toolset_hash((GET_WEATHER, SEARCH)) == EXAMPLE_TOOLSET
    assert provedex.toolset_hash(types.MappingProxyType({"tools": [GET_WEATHER, SEARCH]})) == EXAMPLE_TOOLSET
    text = json.dumps([GET_WEATHER, SEARCH], indent=2)
    assert provedex.toolset_hash(text) == EXAMPLE_TOOLSET
    assert provedex.toolset_hash(text.encode()) == EXAMPLE_TOOLSET
    # The Anthropic and MCP shapes of the same tool hash as the Provedex shape.
    weather = {"name": "get_weather", "description": "Current weather for a city.", "parameters": GET_WEATHER["function"]["parameters"]}  # type: ignore[index]
    for schema_key in ("input_schema", "inputSchema"):
        mcp = {"name": "get_weather", "description": weather["description"], schema_key: weather["parameters"]}
        assert provedex.toolset_hash([mcp, SEARCH]) == EXAMPLE_TOOLSET
    assert provedex.toolset_hash([]).toolset_sha256 == "4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945"


def test_the_sdk_and_the_cli_hash_a_manifest_alike(tmp_path, provedex_cli):
    manifest = tmp_path / "tools.json"
    manifest.write_text(json.dumps([GET_WEATHER, SEARCH]))
    run = subprocess.run([provedex_cli, "toolset", "hash", "--json", str(manifest)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["toolset_sha256"] == provedex.toolset_hash(manifest.read_bytes()).toolset_sha256


@pytest.mark.parametrize(
    ("tools", "named"),
    [
        ([{"name": "a"}, {"name": "a"}], "both named"),
        ([{"name": "a", "input_schema": {}, "parameters": {}}], "tool 0"),
        ([{"name": ""}], "tool 0"),
        ([{"type": "function", "function": {"name": "f", "extra": 1}}], "function.extra"),
        ({"tools": [], "nextCursor": "x"}, "nextCursor"),
        ("[", "not valid JSON"),
        (b"[\xff]", "not UTF-8"),
        ([{"name": "a", "parameters": {"default": float("nan")}}], "NaN"),
    ],
)
def test_a_manifest_that_is_not_a_toolset_is_refused_naming_what_is_wrong(tmp_path, seed_key, tools, named):
    with pytest.raises(provedex.SigningError) as hashed:
        provedex.toolset_hash(tools)
    assert hashed.value.code == "invalid_manifest"
    assert named in str(hashed.value)
    with open_session(seed_key, tmp_path / "ledger.ndjson") as session:
        with pytest.raises(provedex.SigningError) as pinned:
            session.pin_toolset(tools)
        assert (pinned.value.code, str(pinned.value)) == (hashed.value.code, str(hashed.value))
    assert (tmp_path / "ledger.ndjson").read_bytes() == b"", "nothing is pinned"


def test_a_manifest_of_the_wrong_type_is_a_type_error():
    for tools in (None, 3, {"tools"}, object()):
        with pytest.raises(TypeError, match="tools must be"):
            provedex.toolset_hash(tools)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="keys must be str"):
        provedex.toolset_hash([{1: "a"}])


def test_drift_from_the_last_pin_is_reported_by_name(tmp_path, seed_key, other_key):
    ledger = tmp_path / "ledger.ndjson"
    with open_session(seed_key, ledger) as session:
        session.record(tool_called("search"))
        with pytest.raises(provedex.LedgerError) as no_pin:
            provedex.check_toolset(ledger, [SEARCH])
        assert no_pin.value.code == "no_toolset"
        pin = session.pin_toolset([GET_WEATHER, SEARCH])
        assert pin.event == events.toolset_pinned(
            toolset_sha256=EXAMPLE_TOOLSET.toolset_sha256,
            tools=[{"name": t.name, "sha256": t.sha256} for t in EXAMPLE_TOOLSET.tools],
        )

    same = provedex.check_toolset(ledger, [SEARCH, GET_WEATHER], pubkey=seed_key.pubkey_hex)
    assert same == provedex.ToolsetCheck(1, EXAMPLE_TOOLSET.toolset_sha256, True, [], [], [])

    newer_search = dict(SEARCH, version="2.2.0")
    shell = {"name": "shell", "inputSchema": {"type": "object"}}
    drift = provedex.check_toolset(ledger, {"tools": [newer_search, shell]})
    assert (drift.matches, drift.added, drift.removed, drift.changed) == (False, ["shell"], ["get_weather"], ["search"])

    with pytest.raises(provedex.LedgerError) as untrusted:
        provedex.check_toolset(ledger, [SEARCH], pubkey=other_key.pubkey_hex)
    assert untrusted.value.code == "broken"


def test_check_tools_lists_the_calls_outside_the_pinned_toolset(tmp_path, seed_key):
    ledger = tmp_path / "ledger.ndjson"
    with open_session(seed_key, ledger) as session:
        session.pin_toolset([SEARCH])
        session.record(tool_called("search"))
        session.record(tool_called("shell"))
        session.pin_toolset([SEARCH, {"name": "shell"}])
        session.record(tool_called("shell"))

    report = provedex.verify_file(ledger, check_tools=True)
    assert report.ok, "calls outside the toolset are listed, not a finding"
    assert report.unpinned_tool_calls == [provedex.UnpinnedToolCall(2, "shell")]
    assert provedex.verify_file(ledger).unpinned_tool_calls is None
    lines = [provedex.SignedEvent.from_json(line) for line in ledger.read_text().splitlines()]
    assert provedex.verify_chain(lines, check_tools=True).unpinned_tool_calls == report.unpinned_tool_calls
    with pytest.raises(TypeError, match="check_tools must be a bool"):
        provedex.verify_file(ledger, check_tools=1)  # type: ignore[arg-type]


def test_keys_as_pem_and_fingerprints(tmp_path, seed_key, provedex_cli):
    key_file = tmp_path / "agent.pem"
    seed_key.save_pem(key_file)
    pem = key_file.read_text()
    assert pem.startswith("-----BEGIN PRIVATE KEY-----\n")
    assert os.stat(key_file).st_mode & 0o777 == 0o600
    assert provedex.SigningKeypair.load(key_file).pubkey_hex == seed_key.pubkey_hex
    assert provedex.SigningKeypair.from_pem(pem).pubkey_hex == seed_key.pubkey_hex
    assert provedex.SigningKeypair.from_pem(pem.encode()).pubkey_hex == seed_key.pubkey_hex
    with pytest.raises(provedex.KeyLoadError, match="public key"):
        provedex.SigningKeypair.from_pem(seed_key.public_key_pem)
    with pytest.raises(provedex.KeyLoadError):
        seed_key.save_pem(key_file)  # never over an existing key

    public = seed_key.public_key_pem
    assert public.startswith("-----BEGIN PUBLIC KEY-----\n")
    assert provedex.public_key_pem(seed_key.pubkey_hex) == public
    assert provedex.parse_public_key(public) == provedex.parse_public_key(seed_key.pubkey_hex) == seed_key.pubkey_hex
    (tmp_path / "agent.pub").write_text(public)
    assert provedex.load_public_key(tmp_path / "agent.pub") == seed_key.pubkey_hex
    with pytest.raises(provedex.KeyLoadError):
        provedex.parse_public_key("not a key")

    assert seed_key.fingerprint == provedex.public_key_fingerprint(public)
    assert seed_key.fingerprint == provedex.public_key_fingerprint(seed_key.pubkey_hex)
    key_seed = tmp_path / "agent.key"
    seed_key.save(key_seed)
    run = subprocess.run([provedex_cli, "key", "fingerprint", "--key", str(key_seed)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == seed_key.fingerprint


def test_data_signatures_verify_only_for_their_key_data_and_kind(tmp_path, seed_key, other_key):
    signature = seed_key.sign_data(b"report.pdf")
    assert len(signature) == 128
    assert provedex.verify_data(seed_key.pubkey_hex, b"report.pdf", signature)
    assert provedex.verify_data(seed_key.public_key_pem, b"report.pdf", signature)
    assert not provedex.verify_data(seed_key.pubkey_hex, b"report.pdf.", signature)
    assert not provedex.verify_data(other_key.pubkey_hex, b"report.pdf", signature)
    # A line's signature is over its 32-byte self_hash alone: never a data signature of those bytes.
    line = provedex.sign_event(event=tool_called("t"), seq=0, parent_hash=provedex.GENESIS_PARENT_HASH, keypair=seed_key)
    assert not provedex.verify_data(seed_key.pubkey_hex, bytes.fromhex(line.self_hash), line.signature)
    with pytest.raises(provedex.ChainError) as not_hex:
        provedex.verify_data(seed_key.pubkey_hex, b"", "zz")
    assert not_hex.value.code == "invalid_hex"
    with pytest.raises(TypeError):
        seed_key.sign_data("text")  # type: ignore[arg-type]


def test_data_hashed_as_it_is_read_gets_the_same_signature(tmp_path, seed_key):
    data = os.urandom(1 << 20)
    digest = hashlib.sha256()
    for start in range(0, len(data), 65536):
        digest.update(data[start : start + 65536])
    signature = seed_key.sign_data_sha256(digest.hexdigest())
    assert signature == seed_key.sign_data(data)
    assert provedex.verify_data_sha256(seed_key.pubkey_hex, digest.hexdigest(), signature)
    assert provedex.verify_data(seed_key.pubkey_hex, data, signature)
    assert not provedex.verify_data_sha256(seed_key.pubkey_hex, provedex.sha256_hex(b""), signature)
    for bad in ("ab", "A" * 64):
        with pytest.raises(provedex.ChainError) as malformed:
            seed_key.sign_data_sha256(bad)
        assert malformed.value.code == "invalid_hex"
