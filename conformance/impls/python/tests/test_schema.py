"""The field rules read from spec/events.schema.json, and the loader's refusal of what it does not know."""

import pytest

from provedex_ref import schema

STRING_A = {"a": {"type": "string"}}


def test_the_variants_of_version_1_1():
    variants = schema.event_variants()
    assert list(variants)[-3:] == ["KeyRotated", "ToolsetPinned", "Redacted"]
    new_pubkey, proof = variants["KeyRotated"].fields
    assert (new_pubkey.name, new_pubkey.pattern.pattern) == ("new_pubkey", "^[0-9a-f]{64}$")
    assert (proof.name, proof.pattern.pattern) == ("proof", "^[0-9a-f]{128}$")
    _, tools = variants["ToolsetPinned"].fields
    assert tools.kind == "array" and tools.items.kind == "object"
    assert [member.name for member in tools.items.members] == ["name", "sha256"]
    assert variants["Redacted"].field_names == ("target_seq", "target_self_hash", "reason", "requested_by")
    # args_redacted stays a free object.
    assert variants["ToolCalled"].fields[2].members is None


@pytest.mark.parametrize(
    "spec, complaint",
    [
        ({"type": "string", "pattern": "^[0-9a-f]{64}$", "format": "x25519-key"}, "format"),
        ({"type": "string", "format": "ed25519-signature"}, "format"),
        ({"type": "string", "items": {"type": "string"}}, "not an array"),
        ({"type": "array"}, "one schema for its items"),
        ({"type": "array", "items": [{"type": "string"}]}, "one schema for its items"),
        ({"type": "string", "enum": ["a"]}, "keywords"),
        ({"type": "number"}, "unsupported type"),
        # An optional member, and an object open to other members.
        ({"type": "object", "properties": STRING_A, "required": [], "additionalProperties": False}, "member"),
        ({"type": "object", "properties": STRING_A, "required": ["a"]}, "additionalProperties"),
    ],
)
def test_unknown_schema_constructs_fail_loading(spec, complaint):
    with pytest.raises(ValueError, match=complaint):
        schema._field_rule("f", spec, {})
