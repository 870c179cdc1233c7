#!/usr/bin/env python3
"""Conformance adapter for the ``provedex`` Python SDK: protocol 1 of
spec/conformance.md, answered through the SDK's public API only, so the
runner checks the binding a user installs (wheel, native library, wrapper).

Run it with the Python that has the package installed:
``provedex-conformance run -- python bindings/python/adapter/conformance_adapter.py``.
A failure inside an operation becomes an ``errored`` response for that
request; the adapter goes on with the next one.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from typing import Any, Callable

import provedex

PROTOCOL = 1


def _hex(request: dict[str, Any], name: str) -> bytes:
    value = request.get(name)
    if not isinstance(value, str):
        raise ValueError(f"missing string argument {name!r}")
    return bytes.fromhex(value)


def _position(request: dict[str, Any]) -> dict[str, Any]:
    return {"seq": request["seq"], "timestamp_nanos": request["timestamp_nanos"], "parent_hash": request["parent_hash"]}


def hello(request: dict[str, Any]) -> dict[str, Any]:
    if request.get("protocol") != PROTOCOL:
        raise ValueError(f"this adapter speaks protocol {PROTOCOL} only")
    return {
        "protocol": PROTOCOL,
        "implementation": {"name": "provedex (Python SDK)", "version": _version(), "language": "Python"},
        "operations": [op for op in OPERATIONS if op != "hello"],
    }


def canonicalize(request: dict[str, Any]) -> dict[str, Any]:
    try:
        output = provedex.canonicalize(_hex(request, "input_hex"))
    except provedex.SigningError as e:
        return {"valid": False, "error_code": e.code}
    return {"valid": True, "output_hex": output.hex()}


def self_hash(request: dict[str, Any]) -> dict[str, Any]:
    try:
        event = provedex.event_from_json(request["event_json"])
        digest = provedex.compute_self_hash(event=event, **_position(request))
    except provedex.SigningError as e:  # the event, or the parent_hash the line would carry, does not conform
        return {"valid": False, "reason": e.code}
    return {"valid": True, "self_hash": digest}


def sign(request: dict[str, Any]) -> dict[str, Any]:
    keypair = provedex.SigningKeypair.from_seed(_hex(request, "seed_hex"))
    try:
        event = provedex.event_from_json(request["event_json"])
        signed = provedex.sign_event(event=event, keypair=keypair, **_position(request))
    except provedex.SigningError as e:  # the event does not conform, or its line would be too long
        return {"valid": False, "reason": e.code}
    return {"valid": True, "line": signed.to_json()}


def verify_event(request: dict[str, Any]) -> dict[str, Any]:
    try:
        provedex.SignedEvent.from_json(_hex(request, "line_hex")).verify()
    except provedex.ChainError as e:
        return {"valid": False, "reason": e.code}
    return {"valid": True, "reason": None}


def verify_ledger(request: dict[str, Any]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as scratch:
        path = os.path.join(scratch, "ledger.ndjson")
        with open(path, "wb") as f:
            f.write(_hex(request, "ledger_hex"))
        checkpoint = request.get("checkpoint_hex")
        report = provedex.verify_file(
            path,
            pubkey=request.get("pinned_pubkey"),
            current_pubkey=request.get("pinned_current_pubkey"),
            check_tools=request.get("check_tools", False),
            checkpoint=None if checkpoint is None else _hex(request, "checkpoint_hex"),
        )
    result: dict[str, Any] = {
        "ok": report.ok,
        "event_count": report.event_count,
        "broken_at": report.broken_at,
        "line": report.line,
        "reason": report.reason,
        "message": report.message,
        "root_hash": report.root_hash,
        "signers": report.signers,
        "keys": [{"pubkey": k.pubkey, "from_seq": k.from_seq, "to_seq": k.to_seq} for k in report.keys],
    }
    if report.unpinned_tool_calls is not None:
        result["unpinned_tool_calls"] = [{"seq": c.seq, "tool_name": c.tool_name} for c in report.unpinned_tool_calls]
    return result


def toolset_hash(request: dict[str, Any]) -> dict[str, Any]:
    try:
        toolset = provedex.toolset_hash(_hex(request, "manifest_hex"))
    except provedex.SigningError as e:
        if e.code != "invalid_manifest":
            raise
        return {"valid": False, "tools": None, "toolset_sha256": None}
    tools = [{"name": t.name, "sha256": t.sha256} for t in toolset.tools]
    return {"valid": True, "tools": tools, "toolset_sha256": toolset.toolset_sha256}


def sign_data(request: dict[str, Any]) -> dict[str, Any]:
    keypair = provedex.SigningKeypair.from_seed(_hex(request, "seed_hex"))
    return {"signature_hex": keypair.sign_data(_hex(request, "data_hex"))}


def verify_data(request: dict[str, Any]) -> dict[str, Any]:
    try:
        valid = provedex.verify_data(request["pubkey_hex"], _hex(request, "data_hex"), request["signature_hex"])
    except provedex.KeyLoadError:  # 32 bytes that are no public key verify nothing
        valid = False
    return {"valid": valid}


def tree_root(request: dict[str, Any]) -> dict[str, Any]:
    leaves = request.get("leaves_hex")
    if not isinstance(leaves, list):
        raise ValueError("missing array argument 'leaves_hex'")
    return {"root_hex": provedex.tree_root([bytes.fromhex(leaf) for leaf in leaves])}


def _proof(request: dict[str, Any]) -> list[str]:
    proof = request.get("proof_hex")
    if not isinstance(proof, list) or not all(isinstance(item, str) for item in proof):
        raise ValueError("missing array of strings 'proof_hex'")
    return proof


def verify_inclusion(request: dict[str, Any]) -> dict[str, Any]:
    valid = provedex.verify_inclusion(
        seq=request["index"],
        tree_size=request["tree_size"],
        leaf=_hex(request, "leaf_hex"),
        proof=_proof(request),
        root=request["root_hex"],
    )
    return {"valid": valid}


def verify_consistency(request: dict[str, Any]) -> dict[str, Any]:
    valid = provedex.verify_consistency(
        old_size=request["old_size"],
        new_size=request["new_size"],
        proof=_proof(request),
        old_root=request["old_root_hex"],
        new_root=request["new_root_hex"],
    )
    return {"valid": valid}


def sign_checkpoint(request: dict[str, Any]) -> dict[str, Any]:
    keypair = provedex.SigningKeypair.from_seed(_hex(request, "seed_hex"))
    note = keypair.sign_checkpoint(
        genesis_self_hash=request["genesis_self_hash"], tree_size=request["tree_size"], root=request["root_hex"]
    )
    return {"checkpoint_hex": note.encode("utf-8").hex()}


#: The reasons a checkpoint is refused for on its own (spec/transparency.md).
CHECKPOINT_REASONS = {"checkpoint_malformed", "checkpoint_foreign", "checkpoint_signature_invalid"}


def verify_checkpoint(request: dict[str, Any]) -> dict[str, Any]:
    try:
        info = provedex.verify_checkpoint(_hex(request, "checkpoint_hex"), request["pubkey_hex"])
    except provedex.ChainError as e:
        if e.code not in CHECKPOINT_REASONS:
            raise
        return {"valid": False, "reason": e.code}
    return {"valid": True, "reason": None, "tree_size": info.tree_size, "root_hex": info.root}


def verify_bundle(request: dict[str, Any]) -> dict[str, Any]:
    report = provedex.verify_bundle(
        _hex(request, "bundle_hex"), pubkey=request.get("pinned_pubkey"), fingerprint=request.get("pinned_fingerprint")
    )
    return {
        "ok": report.ok,
        "pinned": report.pinned,
        "proof_level": report.proof_level,
        "reason": report.reason,
        "event_count": report.event_count,
    }


OPERATIONS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "hello": hello,
    "canonicalize": canonicalize,
    "self_hash": self_hash,
    "sign": sign,
    "verify_event": verify_event,
    "verify_ledger": verify_ledger,
    "toolset_hash": toolset_hash,
    "sign_data": sign_data,
    "verify_data": verify_data,
    "tree_root": tree_root,
    "verify_inclusion": verify_inclusion,
    "verify_consistency": verify_consistency,
    "sign_checkpoint": sign_checkpoint,
    "verify_checkpoint": verify_checkpoint,
    "verify_bundle": verify_bundle,
}


def _version() -> str:
    from importlib.metadata import version

    return version("provedex")


def respond(line: str) -> dict[str, Any]:
    try:
        request = json.loads(line)
    except ValueError as e:
        return {"id": None, "errored": f"request is not JSON: {e}"}
    if not isinstance(request, dict):
        return {"id": None, "errored": "request is not a JSON object"}
    op = OPERATIONS.get(request.get("op"))  # type: ignore[arg-type]
    if op is None:
        return {"id": request.get("id"), "skipped": "this adapter does not offer that operation"}
    try:
        return {"id": request.get("id"), "result": op(request)}
    except Exception as e:  # an adapter failure is reported, never fatal
        return {"id": request.get("id"), "errored": f"{type(e).__name__}: {e}"}


def main() -> None:
    for line in sys.stdin:
        sys.stdout.write(json.dumps(respond(line), separators=(",", ":")) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
