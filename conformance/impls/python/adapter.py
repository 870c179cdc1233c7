#!/usr/bin/env python3
"""Conformance adapter for provedex_ref: protocol 1 of spec/conformance.md.

Reads one JSON request per line on standard input and writes exactly one JSON response per line on
standard output, flushed after each. Requests are parsed with the strict parser of provedex_ref, so
integers up to 18446744073709551615 are read exactly. An exception while handling a request
becomes an ``errored`` response for that request; the adapter goes on with the next one.

Usage:
    adapter.py [--plant-bug NAME]      serve requests (PROVEDEX_PLANT_BUG=NAME works too)
    adapter.py --list-bugs             print the names of the planted bugs, one per line
"""

import argparse
import io
import os
import re
import sys
from collections.abc import Callable
from typing import Any

from provedex_ref import __version__, bugs, bundle, canonical, checkpoint, labelled, ledger, merkle, toolsets
from provedex_ref.findings import Finding

PROTOCOL = 1
IMPLEMENTATION = {"name": "provedex-python-reference", "version": __version__, "language": "Python"}
_HEX_DIGITS = re.compile(r"[0-9a-f]*")


def hello(request: dict[str, Any]) -> dict[str, Any]:
    if request.get("protocol") != PROTOCOL:
        raise ValueError(f"this adapter speaks protocol {PROTOCOL} only")
    return {
        "protocol": PROTOCOL,
        "implementation": IMPLEMENTATION,
        "operations": [name for name in OPERATIONS if name != "hello"],
    }


def canonicalize(request: dict[str, Any]) -> dict[str, Any]:
    try:
        output = canonical.canonicalize(_bytes_argument(request, "input_hex"))
    except canonical.CanonicalError as error:
        return {"valid": False, "error_code": error.code}
    return {"valid": True, "output_hex": output.hex()}


def self_hash(request: dict[str, Any]) -> dict[str, Any]:
    event_json = _text_argument(request, "event_json")
    seq, timestamp_nanos = _u64_argument(request, "seq"), _u64_argument(request, "timestamp_nanos")
    try:
        event = ledger.parse_event_json(event_json.encode("utf-8"))
        digest = ledger.self_hash(seq, timestamp_nanos, request["parent_hash"], event)
    except Finding as finding:
        return {"valid": False, "reason": finding.reason}
    return {"valid": True, "self_hash": digest}


def sign(request: dict[str, Any]) -> dict[str, Any]:
    seed = _seed_argument(request)
    event_json = _text_argument(request, "event_json")
    seq, timestamp_nanos = _u64_argument(request, "seq"), _u64_argument(request, "timestamp_nanos")
    try:
        event = ledger.parse_event_json(event_json.encode("utf-8"))
        line = ledger.seal(seed, seq, timestamp_nanos, request["parent_hash"], event)
    except Finding as finding:
        return {"valid": False, "reason": finding.reason}
    return {"valid": True, "line": line}


def verify_event(request: dict[str, Any]) -> dict[str, Any]:
    finding = ledger.verify_line(_bytes_argument(request, "line_hex"))
    if finding is None:
        return {"valid": True, "reason": None}
    return {"valid": False, "reason": finding.reason}


def verify_ledger(request: dict[str, Any]) -> dict[str, Any]:
    """The report. `pinned_current_pubkey`, `check_tools` and `checkpoint_hex` are present only when a
    vector sets them."""
    ledger_bytes = _bytes_argument(request, "ledger_hex")
    pinned = _key_or_null_argument(request, "pinned_pubkey")
    pinned_current = _key_or_null_argument(request, "pinned_current_pubkey")
    check_tools = request.get("check_tools", False)
    if type(check_tools) is not bool:
        raise ValueError("check_tools must be a boolean")
    signed_checkpoint = None
    if request.get("checkpoint_hex") is not None:
        # Not a signed checkpoint: an error of the verifier (verification.md, Inputs), so errored.
        signed_checkpoint = checkpoint.read(_bytes_argument(request, "checkpoint_hex"))
    report = ledger.verify_ledger(
        io.BytesIO(ledger_bytes),
        pinned,
        pinned_current_pubkey=pinned_current,
        check_tools=check_tools,
        signed_checkpoint=signed_checkpoint,
    )
    return report.to_json()


def toolset_hash(request: dict[str, Any]) -> dict[str, Any]:
    try:
        tools = toolsets.read_manifest(_bytes_argument(request, "manifest_hex"))
    except toolsets.ToolsetError:
        return {"valid": False, "tools": None, "toolset_sha256": None}
    entries = toolsets.toolset(tools)
    return {"valid": True, "tools": entries, "toolset_sha256": toolsets.toolset_hash(entries)}


def sign_data(request: dict[str, Any]) -> dict[str, Any]:
    signature = labelled.sign_data(_seed_argument(request), _bytes_argument(request, "data_hex"))
    return {"signature_hex": signature.hex()}


def verify_data(request: dict[str, Any]) -> dict[str, Any]:
    """A key of 32 bytes that is not a valid key verifies nothing; other lengths are errored."""
    valid = labelled.verify_data(
        _sized_bytes_argument(request, "pubkey_hex", 32),
        _bytes_argument(request, "data_hex"),
        _sized_bytes_argument(request, "signature_hex", 64),
    )
    return {"valid": valid}


def tree_root(request: dict[str, Any]) -> dict[str, Any]:
    """The root of the tree whose leaf inputs are given (each hashed with its 0x00 prefix)."""
    leaves = request["leaves_hex"]
    if type(leaves) is not list:
        raise ValueError("leaves_hex must be an array")
    inputs = [_bytes_value(leaf, "leaves_hex[]") for leaf in leaves]
    return {"root_hex": merkle.tree_root(inputs).hex()}


def verify_inclusion(request: dict[str, Any]) -> dict[str, Any]:
    """The leaf is given as its input: the verifier hashes it, never takes a leaf hash on trust."""
    index, size = _u64_argument(request, "index"), _u64_argument(request, "tree_size")
    leaf = merkle.leaf_hash(_bytes_argument(request, "leaf_hex"))
    root = _digest_argument(request, "root_hex")
    proof = _proof_argument(request)
    return {"valid": proof is not None and merkle.verify_inclusion(index, size, leaf, proof, root)}


def verify_consistency(request: dict[str, Any]) -> dict[str, Any]:
    old_size, new_size = _u64_argument(request, "old_size"), _u64_argument(request, "new_size")
    old_root, new_root = _digest_argument(request, "old_root_hex"), _digest_argument(request, "new_root_hex")
    proof = _proof_argument(request)
    valid = proof is not None and merkle.verify_consistency(old_size, new_size, proof, old_root, new_root)
    return {"valid": valid}


def sign_checkpoint(request: dict[str, Any]) -> dict[str, Any]:
    genesis = _text_argument(request, "genesis_self_hash")
    if not _HEX_DIGITS.fullmatch(genesis) or len(genesis) != 64:
        raise ValueError("genesis_self_hash must be 64 lowercase hex characters")
    note_bytes = checkpoint.sign(
        _seed_argument(request),
        genesis,
        _u64_argument(request, "tree_size"),
        _digest_argument(request, "root_hex"),
    )
    return {"checkpoint_hex": note_bytes.hex()}


def verify_checkpoint(request: dict[str, Any]) -> dict[str, Any]:
    """What the checkpoint says when the key signs it; otherwise only why it is refused."""
    note_bytes = _bytes_argument(request, "checkpoint_hex")
    public_key = _sized_bytes_argument(request, "pubkey_hex", 32)
    try:
        point = checkpoint.verify(note_bytes, public_key)
    except Finding as finding:
        return {"valid": False, "reason": finding.reason}
    return {"valid": True, "reason": None, "tree_size": point.tree_size, "root_hex": point.root.hex()}


def verify_bundle(request: dict[str, Any]) -> dict[str, Any]:
    """The verdict on a bundle under the pinned key or fingerprint (at most one; a malformed pin,
    or two, is errored). The bundle's bytes may be anything: a bundle that does not read is a
    result (bundle_malformed)."""
    data = _bytes_argument(request, "bundle_hex")
    pinned_pubkey = _key_or_null_argument(request, "pinned_pubkey")
    pinned_fingerprint = _key_or_null_argument(request, "pinned_fingerprint")
    report = bundle.verify(data, pinned_pubkey, pinned_fingerprint)
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


def _bytes_argument(request: dict[str, Any], name: str) -> bytes:
    return _bytes_value(request[name], name)


def _bytes_value(value: Any, name: str) -> bytes:
    # A character class without groups: arguments run to 32 MiB of hex.
    if type(value) is not str or len(value) % 2 or not _HEX_DIGITS.fullmatch(value):
        raise ValueError(f"{name} must be a string of lowercase hex digit pairs")
    return bytes.fromhex(value)


def _digest_argument(request: dict[str, Any], name: str) -> bytes:
    """A root: 32 bytes as 64 lowercase hex, or the request breaks the message schema."""
    return _sized_bytes_argument(request, name, 32)


def _proof_argument(request: dict[str, Any]) -> list[bytes] | None:
    """`proof_hex`: an array of strings. None when an item is not 64 lowercase hex characters: such
    a proof is not valid (a result, not an error), as the protocol says."""
    items = request["proof_hex"]
    if type(items) is not list or any(type(item) is not str for item in items):
        raise ValueError("proof_hex must be an array of strings")
    if not all(len(item) == 64 and _HEX_DIGITS.fullmatch(item) for item in items):
        return None
    return [bytes.fromhex(item) for item in items]


def _seed_argument(request: dict[str, Any]) -> bytes:
    return _sized_bytes_argument(request, "seed_hex", 32)


def _sized_bytes_argument(request: dict[str, Any], name: str, size: int) -> bytes:
    value = _bytes_argument(request, name)
    if len(value) != size:
        raise ValueError(f"{name} must hold exactly {size} bytes")
    return value


def _key_or_null_argument(request: dict[str, Any], name: str) -> str | None:
    """A pinned key: null or absent, or a string (ledger.verify_ledger refuses one that is not 64
    lowercase hex)."""
    value = request.get(name)
    if value is not None and type(value) is not str:
        raise ValueError(f"{name} must be a string or null")
    return value


def _u64_argument(request: dict[str, Any], name: str) -> int:
    """A seq or timestamp argument. The message schema makes it a u64: a request with another value
    asks nothing of the implementation and is errored (spec/conformance.md, Adapter protocol)."""
    value = request[name]
    if type(value) is not int or not 0 <= value <= 18446744073709551615:
        raise ValueError(f"{name} must be an integer from 0 to 18446744073709551615")
    return value


def _text_argument(request: dict[str, Any], name: str) -> str:
    value = request[name]
    if type(value) is not str:
        raise ValueError(f"{name} must be a string")
    return value


def handle(raw_request: bytes) -> dict[str, Any]:
    """The response to one request line; never raises."""
    request_id = None
    try:
        request = canonical.parse(raw_request)
        if type(request) is not dict:
            raise ValueError("a request must be a JSON object")
        request_id = request.get("id")
        operation = OPERATIONS.get(request.get("op"))
        if operation is None:
            return {"id": request_id, "skipped": f"operation {request.get('op')!r} is not offered"}
        return {"id": request_id, "result": operation(request)}
    except Exception as error:  # an adapter failure is reported, never fatal
        return {"id": request_id, "errored": f"{type(error).__name__}: {error}"}


def encode_response(response: dict[str, Any]) -> bytes:
    """One response line. A response that cannot be written becomes an errored one."""
    try:
        return canonical.dumps(response).encode("utf-8") + b"\n"
    except Exception as error:
        fallback = {"id": None, "errored": f"unwritable response: {type(error).__name__}"}
        if type(response.get("id")) is str:
            fallback["id"] = response["id"].encode("utf-8", "replace").decode("utf-8")
        return canonical.dumps(fallback).encode("utf-8") + b"\n"


def serve(requests: io.BufferedIOBase, responses: io.BufferedIOBase) -> None:
    """Answer each non-blank request line until the input is closed."""
    for raw_request in requests:
        if not raw_request.strip():
            continue
        responses.write(encode_response(handle(raw_request)))
        responses.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--plant-bug", metavar="NAME", choices=list(bugs.BUGS), help="switch on one planted bug"
    )
    parser.add_argument("--list-bugs", action="store_true", help="print the planted bug names and exit")
    args = parser.parse_args(argv)
    if args.list_bugs:
        print("\n".join(bugs.BUGS))
        return 0
    from_environment = os.environ.get("PROVEDEX_PLANT_BUG") or None
    if args.plant_bug and from_environment and args.plant_bug != from_environment:
        parser.error("--plant-bug and PROVEDEX_PLANT_BUG name different bugs")
    bug = args.plant_bug or from_environment
    try:
        bugs.activate(bug)
    except ValueError as error:
        parser.error(str(error))
    if bug:
        print(f"planted bug active: {bug}", file=sys.stderr)
    serve(sys.stdin.buffer, sys.stdout.buffer)
    return 0


if __name__ == "__main__":
    sys.exit(main())
