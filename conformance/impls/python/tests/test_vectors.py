"""The golden vectors in vectors/*.json, when present, compared as the conformance runner does."""

import pytest

import adapter
from provedex_ref import canonical
from provedex_ref.schema import SPEC_DIR

VECTORS_DIR = SPEC_DIR.parent / "vectors"
COMPARED = {
    "canonicalize": ("valid", "output_hex", "error_code"),
    "self_hash": ("valid", "self_hash", "reason"),
    "verify_event": ("valid", "reason"),
    "verify_ledger": ("ok", "event_count", "broken_at", "reason", "root_hash"),
}


def vector_tests() -> list[pytest.param]:
    tests = []
    for path in sorted(VECTORS_DIR.glob("*.json")):
        document = canonical.parse(path.read_bytes())
        for group in document["test_groups"]:
            for test in group["tests"]:
                tests.append(pytest.param(document["operation"], test, id=test["id"]))
    return tests


def sign_view(result: dict) -> dict:
    """What the runner compares of a sign result: the verdict, and the line's parsed value."""
    if not result["valid"]:
        return result
    return {"valid": True, "line": canonical.dumps(canonical.parse(result["line"].encode("utf-8")))}


@pytest.mark.skipif(not VECTORS_DIR.is_dir(), reason="no vectors/ directory")
@pytest.mark.parametrize("operation, test", vector_tests())
def test_vector(operation, test):
    response = adapter.handle(canonical.dumps({"id": test["id"], "op": operation, **test["input"]}).encode())
    assert "result" in response, response
    result, expected = response["result"], test["expected"]
    if operation == "sign":
        assert sign_view(result) == sign_view(expected)
    else:
        keys = [key for key in COMPARED[operation] if key in expected]
        assert {key: result.get(key) for key in keys} == {key: expected[key] for key in keys}
    assert (test["result"] == "valid") == result.get("valid", result.get("ok"))
