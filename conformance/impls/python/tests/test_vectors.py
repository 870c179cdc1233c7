"""The golden vectors in vectors/*.json, when present, compared as the conformance runner does: every
member of the expected result but `message`, a signed line byte for byte."""

import pytest

import adapter
from provedex_ref import canonical
from provedex_ref.schema import SPEC_DIR

VECTORS_DIR = SPEC_DIR.parent / "vectors"
VERDICTLESS = {"signature_hex", "root_hex", "checkpoint_hex"}
"""The members of the results that are a value, not a verdict: those of sign_data, tree_root and
sign_checkpoint (verify_checkpoint's result also holds root_hex, but next to its verdict)."""
UNCOMPARED = "message"
"""The one member of an expected result whose wording is free (spec/verification.md, Report)."""


def vector_tests() -> list[pytest.param]:
    tests = []
    for path in sorted(VECTORS_DIR.glob("*.json")):
        document = canonical.parse(path.read_bytes())
        for group in document["test_groups"]:
            for test in group["tests"]:
                tests.append(pytest.param(document["operation"], test, id=test["id"]))
    return tests


def request_input(test: dict) -> dict:
    """The request's arguments: `input`, with the arguments of `generated_input` built (prefix, then
    `repeat` written `count` times, then suffix), as the runner builds them (spec/conformance.md)."""
    generated = {
        name: part["prefix"] + part["repeat"] * part["count"] + part["suffix"]
        for name, part in test.get("generated_input", {}).items()
    }
    return test["input"] | generated


@pytest.mark.skipif(not VECTORS_DIR.is_dir(), reason="no vectors/ directory")
@pytest.mark.parametrize("operation, test", vector_tests())
def test_vector(operation, test):
    request = canonical.dumps({"id": test["id"], "op": operation, **request_input(test)}).encode()
    response = adapter.handle(request)
    assert "result" in response, response
    result, expected = response["result"], test["expected"]
    keys = [key for key in expected if key != UNCOMPARED]
    assert {key: result.get(key, "absent") for key in keys} == {key: expected[key] for key in keys}
    # A signature, a root or a signed checkpoint has no verdict member; every other result has one.
    if test["result"] != "valid" or not VERDICTLESS.issuperset(result):
        assert (test["result"] == "valid") == result.get("valid", result.get("ok"))
