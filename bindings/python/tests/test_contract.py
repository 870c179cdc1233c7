"""The error contract of the public API: every failure is a ProvedexError
(KeyLoadError, SigningError, LedgerError, ChainError), an integer out of
range an OverflowError, a wrong argument type a TypeError; nothing else
escapes, whatever the input."""

from __future__ import annotations

import inspect
import os
import pathlib
from typing import Any, Callable

import pytest

import provedex
from provedex import events

CONTRACT = (provedex.ProvedexError, TypeError, OverflowError)


class HostileRepr:
    def __repr__(self) -> str:
        raise RuntimeError("repr fails")

    __str__ = __repr__


class IntPath(os.PathLike):  # type: ignore[type-arg]
    def __fspath__(self) -> Any:
        return 7


class StrSubclass(str):
    pass


class IntSubclass(int):
    pass


def nested_list(depth: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth - 1):
        value = [value]
    return value


def nested_dict(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


def hostile_values(tmp_path: pathlib.Path) -> list[Any]:
    cyclic_list: list[Any] = []
    cyclic_list.append(cyclic_list)
    cyclic_dict: dict[str, Any] = {}
    cyclic_dict["self"] = cyclic_dict
    fifo = tmp_path / "fifo"
    if not fifo.exists():
        os.mkfifo(fifo)  # a path that must be refused, never waited on
    return [fifo, 
        None, True, 0, -1, 2**63, 2**64, -(2**64), 10**5000, IntSubclass(3), 1.5, float("nan"), float("-inf"),
        "", "x", "\ud800", "\udcff", "\x00", "x" * 100_000, StrSubclass("ab" * 32), "0" * 64, "A" * 64,
        b"", b"\xff\xfe", b"\x00", b"{}", bytearray(b"x"), memoryview(b"x"),
        [], [1, 2], (1,), {}, {1: 2}, {"\ud800": 1}, nested_list(10_000), nested_dict(200), cyclic_list, cyclic_dict,
        {"type": 1, "payload": {}}, {"type": "NoSuchEvent", "payload": {}}, {"type": "SessionEnded", 1: 2},
        {"type": "SessionEnded"}, {"type": "SessionEnded", "payload": []},
        {"type": "SessionEnded", "payload": {"reason": "\ud800", "summary_sha256": ""}},
        {"type": "SessionEnded", "payload": {"reason": "x", "summary_sha256": "", 3: 4}},
        {"type": "ToolCalled", "payload": {"tool_name": "t", "args_sha256": "0" * 64, "args_redacted": nested_dict(10_000)}},
        object(), HostileRepr(), IntPath(), pathlib.Path("/nonexistent/\udcff/x"), tmp_path, tmp_path / "\ud800",
        lambda: None, type, Ellipsis,
    ]


def test_every_public_function_keeps_the_contract_under_hostile_input(tmp_path, monkeypatch, seed_key, one_of_each, events_1_1):
    monkeypatch.chdir(tmp_path)  # relative hostile paths land here
    ledger = tmp_path / "ledger.ndjson"
    session = provedex.Session.open(keypair=seed_key, ledger_path=ledger, session_id="s", durability="none")
    signed = session.record(one_of_each[0])
    event = one_of_each[0]
    other_key = provedex.SigningKeypair.from_seed(bytes([9]) * 32)
    seed_key.save_pem(tmp_path / "seed.pem")
    seed_key_pem = (tmp_path / "seed.pem").read_text()
    genesis = provedex.GENESIS_PARENT_HASH
    note = provedex.checkpoint(ledger, key=seed_key)
    inclusion = provedex.prove_inclusion(ledger, 0)
    consistency = provedex.prove_consistency(ledger, 1)
    root = inclusion.root
    bundle = provedex.export_bundle(ledger, key=seed_key, first_seq=0, last_seq=0)

    # Each public callable with arguments that work; each argument is replaced by each hostile value in turn.
    calls: dict[str, tuple[Callable[..., Any], dict[str, Any]]] = {
        "SigningKeypair.generate": (provedex.SigningKeypair.generate, {}),
        "SigningKeypair.load": (provedex.SigningKeypair.load, {"path": tmp_path / "absent.key"}),
        "SigningKeypair.load_or_create": (provedex.SigningKeypair.load_or_create, {"path": tmp_path / "k.key"}),
        "SigningKeypair.from_seed": (provedex.SigningKeypair.from_seed, {"seed": bytes(32)}),
        "SigningKeypair.save": (seed_key.save, {"path": tmp_path / "saved.key"}),
        "SigningKeypair.save_pem": (seed_key.save_pem, {"path": tmp_path / "saved.pem"}),
        "SigningKeypair.from_pem": (provedex.SigningKeypair.from_pem, {"pem": seed_key_pem}),
        "SigningKeypair.sign_data": (seed_key.sign_data, {"data": b"x"}),
        "SigningKeypair.sign_data_sha256": (seed_key.sign_data_sha256, {"data_sha256": "0" * 64}),
        "SigningKeypair": (provedex.SigningKeypair, {"native": None}),
        "Session.open": (
            provedex.Session.open,
            {"keypair": seed_key, "ledger_path": tmp_path / "other.ndjson", "session_id": "s", "durability": "none"},
        ),
        "Session.record": (session.record, {"event": event}),
        "Session.redact": (session.redact, {"seq": 0, "reason": "r", "requested_by": "q"}),
        "Session.pin_toolset": (session.pin_toolset, {"tools": [{"name": "search"}]}),
        "Session.rotate_key": (session.rotate_key, {"new_keypair": other_key}),
        "Session.close": (session.close, {}),
        "Session": (provedex.Session, {"native": None}),
        "SignedEvent.from_json": (provedex.SignedEvent.from_json, {"line": signed.to_json()}),
        "SignedEvent.verify": (signed.verify, {}),
        "SignedEvent.to_json": (signed.to_json, {}),
        "SignedEvent": (provedex.SignedEvent, {"line": signed.to_json()}),
        "canonical_json": (provedex.canonical_json, {"value": {"a": 1}}),
        "canonicalize": (provedex.canonicalize, {"text": b"{}"}),
        "sha256_hex": (provedex.sha256_hex, {"data": b""}),
        "event_from_json": (provedex.event_from_json, {"text": "{}"}),
        "sign_event": (
            provedex.sign_event,
            {"event": event, "seq": 0, "parent_hash": genesis, "keypair": seed_key, "timestamp_nanos": 1},
        ),
        "compute_self_hash": (
            provedex.compute_self_hash,
            {"event": event, "seq": 0, "timestamp_nanos": 1, "parent_hash": genesis},
        ),
        "verify_file": (
            provedex.verify_file,
            {"path": ledger, "pubkey": seed_key.pubkey_hex, "current_pubkey": seed_key.pubkey_hex, "check_tools": True},
        ),
        "verify_chain": (
            provedex.verify_chain,
            {"events": [signed], "pubkey": seed_key.pubkey_hex, "current_pubkey": seed_key.pubkey_hex, "check_tools": True},
        ),
        "toolset_hash": (provedex.toolset_hash, {"tools": [{"name": "search"}]}),
        "check_toolset": (provedex.check_toolset, {"ledger": ledger, "tools": [{"name": "search"}], "pubkey": seed_key.pubkey_hex}),
        "parse_public_key": (provedex.parse_public_key, {"text": seed_key.public_key_pem}),
        "load_public_key": (provedex.load_public_key, {"path": tmp_path / "absent.pub"}),
        "public_key_pem": (provedex.public_key_pem, {"pubkey": seed_key.pubkey_hex}),
        "public_key_fingerprint": (provedex.public_key_fingerprint, {"pubkey": seed_key.pubkey_hex}),
        "verify_data": (provedex.verify_data, {"pubkey": seed_key.pubkey_hex, "data": b"x", "signature": seed_key.sign_data(b"x")}),
        "verify_data_sha256": (
            provedex.verify_data_sha256,
            {"pubkey": seed_key.pubkey_hex, "data_sha256": "0" * 64, "signature": seed_key.sign_data(b"x")},
        ),
        "recover": (provedex.recover, {"path": tmp_path / "absent.ndjson"}),
        "SigningKeypair.sign_checkpoint": (
            seed_key.sign_checkpoint,
            {"genesis_self_hash": signed.self_hash, "tree_size": 1, "root": "0" * 64},
        ),
        "checkpoint": (provedex.checkpoint, {"ledger": ledger, "key": seed_key, "size": 1}),
        "verify_checkpoint": (provedex.verify_checkpoint, {"checkpoint": note, "pubkey": seed_key.pubkey_hex}),
        "parse_checkpoint": (provedex.parse_checkpoint, {"checkpoint": note}),
        "tree_head": (provedex.tree_head, {"ledger": ledger, "size": 1}),
        "prove_inclusion": (provedex.prove_inclusion, {"ledger": ledger, "seq": 0, "size": 1}),
        "prove_consistency": (provedex.prove_consistency, {"ledger": ledger, "old_size": 0, "new_size": 1}),
        "verify_inclusion": (
            provedex.verify_inclusion,
            {"seq": 0, "tree_size": 1, "leaf": signed.self_hash, "proof": [], "root": root},
        ),
        "verify_consistency": (
            provedex.verify_consistency,
            {"old_size": 1, "new_size": 1, "proof": [], "old_root": root, "new_root": root},
        ),
        "leaf_hash": (provedex.leaf_hash, {"leaf_input": b"x"}),
        "tree_root": (provedex.tree_root, {"leaf_inputs": [b"x"]}),
        "InclusionProof.from_json": (provedex.InclusionProof.from_json, {"text": inclusion.to_json()}),
        "ConsistencyProof.from_json": (provedex.ConsistencyProof.from_json, {"text": consistency.to_json()}),
        "InclusionProof.verify": (inclusion.verify, {"root": root}),
        "ConsistencyProof.verify": (consistency.verify, {"old_root": root, "new_root": root}),
        "export_bundle": (provedex.export_bundle, {"ledger": ledger, "key": seed_key, "first_seq": 0, "last_seq": 0}),
        "export_bundle(time)": (provedex.export_bundle, {"ledger": ledger, "key": seed_key, "start": 0, "end": 2**64 - 1}),
        "export_bundle(checkpoint)": (
            provedex.export_bundle,
            {"ledger": ledger, "checkpoint": note, "first_seq": 0, "last_seq": 0},
        ),
        "verify_bundle": (provedex.verify_bundle, {"bundle": bundle, "pubkey": seed_key.pubkey_hex, "checkpoint": note}),
        "verify_bundle(fingerprint)": (provedex.verify_bundle, {"bundle": bundle, "fingerprint": seed_key.fingerprint}),
        "read_checkpoints": (provedex.read_checkpoints, {"ledger": ledger}),
        "checkpoints_path": (provedex.checkpoints_path, {"ledger": ledger}),
        "Session.checkpoint": (session.checkpoint, {}),
        "Session.open(checkpoint_every)": (
            provedex.Session.open,
            {"keypair": seed_key, "ledger_path": tmp_path / "other.ndjson", "session_id": "s", "checkpoint_every": 2},
        ),
        "events.from_dict": (events.from_dict, {"event": event}),
    }
    for name, factory in events.VARIANTS.items():
        valid = next(e["payload"] for e in one_of_each + events_1_1 if e["type"] == name)
        calls[f"events.{factory.__name__}"] = (factory, dict(valid))

    public = {n for n in provedex.__all__ if inspect.isfunction(getattr(provedex, n))}
    public |= {"SigningKeypair", "Session", "SignedEvent"}  # the classes whose methods do the work
    public |= {f"events.{n}" for n in events.__all__ if inspect.isfunction(getattr(events, n))}
    covered = {n.split(".")[0] if not n.startswith("events.") else n for n in calls}
    assert public <= covered, f"not swept: {sorted(public - covered)}"

    escaped: list[str] = []
    calls_made = 0
    for name, (fn, good) in calls.items():
        for argument in list(good) or [None]:
            for bad in hostile_values(tmp_path):
                kwargs = dict(good)
                if argument is not None:
                    kwargs[argument] = bad
                calls_made += 1
                try:
                    fn(**kwargs)
                except CONTRACT:
                    pass
                except BaseException as e:  # noqa: BLE001 - the point of the test
                    escaped.append(f"{name}({argument}={_label(bad)}): {type(e).__name__}: {str(e)[:120]}")
    assert not escaped, f"{len(escaped)} of {calls_made} calls raised outside the contract:\n" + "\n".join(escaped[:40])
    session.close()


def _label(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:
        text = f"<{type(value).__name__}>"
    return text if len(text) < 50 else text[:47] + "..."


def test_non_finite_numbers_and_deep_nesting_are_signing_errors_with_short_messages():
    with pytest.raises(provedex.SigningError) as nan:
        provedex.canonical_json({"x": float("nan")})
    assert nan.value.code == "syntax"
    assert "value.x" in str(nan.value)
    limit = provedex.MAX_JSON_DEPTH
    assert provedex.canonical_json(nested_list(limit)) == b"[" * limit + b"]" * limit
    for too_deep in (nested_list(limit + 1), nested_dict(limit + 1)):
        with pytest.raises(provedex.SigningError) as deep:
            provedex.canonical_json(too_deep)
        assert deep.value.code == "nesting_too_deep"
        assert len(str(deep.value)) < 100, str(deep.value)
    deep_nan = nested_list(100)
    deep_nan[0][0][0].append(float("nan"))  # type: ignore[index]
    with pytest.raises(provedex.SigningError) as far:
        provedex.canonical_json(deep_nan)
    assert len(str(far.value)) < 150, "a path 100 levels long is shortened"


def test_the_factories_and_the_ledger_share_the_cores_nesting_limit(tmp_path, seed_key):
    limit = events.MAX_FREE_JSON_DEPTH
    assert limit < provedex.MAX_JSON_DEPTH
    fits = events.tool_called(tool_name="t", args_sha256="0" * 64, args_redacted=nested_dict(limit))
    with provedex.Session.open(keypair=seed_key, ledger_path=tmp_path / "l", session_id="s") as session:
        session.record(fits)
    with pytest.raises(provedex.SigningError) as factory:
        events.tool_called(tool_name="t", args_sha256="0" * 64, args_redacted=nested_dict(limit + 1))
    # The core refuses the same event, read from JSON, with the same code.
    text = '{"type":"ToolCalled","payload":{"tool_name":"t","args_sha256":"%s","args_redacted":%s}}' % (
        "0" * 64,
        '{"a":' * limit + "{}" + "}" * limit,
    )
    with pytest.raises(provedex.SigningError) as core:
        provedex.event_from_json(text)
    assert factory.value.code == core.value.code == "malformed_json"
    assert str(limit) in str(factory.value)


def test_from_dict_refuses_events_the_spec_does_not_define_with_a_verifier_code():
    cases = [
        ({"type": "NoSuchEvent", "payload": {}}, "unknown_event_type"),
        ({"type": "SessionEnded"}, "missing_field"),
        ({"payload": {}}, "missing_field"),
        ({"type": "SessionEnded", "payload": {}, "extra": 1}, "unknown_field"),
        ({"type": "SessionEnded", "payload": {"reason": "x"}}, "missing_field"),
        ({"type": "SessionEnded", "payload": {"reason": "x", "summary_sha256": "", "more": 1}}, "unknown_field"),
    ]
    for event, code in cases:
        with pytest.raises(provedex.SigningError) as e:
            events.from_dict(event)
        assert e.value.code == code, event
    with pytest.raises(TypeError, match="keys must be str, not int") as mixed:
        events.from_dict({"type": "SessionEnded", 1: 2})
    assert "'<' not supported" not in str(mixed.value)


def test_text_that_is_not_utf8_gets_the_contracts_error(tmp_path, seed_key):
    with pytest.raises(provedex.SigningError) as session_id:
        provedex.Session.open(keypair=seed_key, ledger_path=tmp_path / "l", session_id="s-\ud800")
    assert session_id.value.code == "lone_surrogate"
    assert not (tmp_path / "l").exists()
    event = events.session_ended(reason="x", summary_sha256="")
    with pytest.raises(provedex.SigningError) as parent:
        provedex.sign_event(event=event, seq=0, parent_hash="\ud800" * 64, keypair=seed_key)
    assert parent.value.code == "invalid_hex"
    with pytest.raises(provedex.SigningError) as parent_hash:
        provedex.compute_self_hash(event=event, seq=0, timestamp_nanos=0, parent_hash="\udcff")
    assert parent_hash.value.code == "invalid_hex"
    with pytest.raises(provedex.SigningError) as text:
        provedex.event_from_json('{"type":"\ud800"}')
    assert text.value.code == "malformed_json"
    with pytest.raises(provedex.ChainError) as pubkey:
        provedex.verify_chain([], pubkey="\ud800")
    assert pubkey.value.code == "invalid_hex"


def test_objects_are_made_by_their_constructors_not_directly():
    for cls, how in [
        (provedex.SignedEvent, "SignedEvent.from_json"),
        (provedex.Session, "Session.open"),
        (provedex.SigningKeypair, "SigningKeypair.generate"),
    ]:
        with pytest.raises(TypeError, match=how.replace(".", r"\.")):
            cls()
        with pytest.raises(TypeError, match=how.replace(".", r"\.")):
            cls(None)


def test_an_unknown_durability_is_a_type_error_naming_the_choices(tmp_path, seed_key):
    with pytest.raises(TypeError, match="'every_event', 'group', 'none'"):
        provedex.Session.open(keypair=seed_key, ledger_path=tmp_path / "l", session_id="s", durability="fast")  # type: ignore[arg-type]
