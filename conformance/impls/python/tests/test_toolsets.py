"""Toolsets of spec/toolsets.md: manifest shapes, normalization, refusals, digests, hash and drift."""

import hashlib
import json

import pytest

from provedex_ref import canonical, toolsets
from provedex_ref.toolsets import ToolsetError

EMPTY_TOOLSET_SHA256 = "4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945"
PARAMETERS = {"type": "object", "properties": {"q": {"type": "string"}}}
# toolsets.md, Example: the manifest, and the digests and hash of Toolset examples.
EXAMPLE_MANIFEST = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Current weather for a city.",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    },
    {"name": "search", "version": "2.1.0", "description": "Web search.", "parameters": PARAMETERS},
]
GET_WEATHER_SHA256 = "14cc0ca18f448f5a9e64d03d0059e80eeb1c64a0166c69f23e653e3fc187709f"
SEARCH_SHA256 = "e859612dc464a7cdc080cd851bea6471f2a55e1cad05e4ae28eebd6347645348"
EXAMPLE_TOOLSET_SHA256 = "baf4da9f70c7a7142fc390b4eb23541c7d564f438c15bfb706f8e42dae862390"


def read(manifest) -> list[toolsets.Tool]:
    data = manifest if isinstance(manifest, bytes) else json.dumps(manifest).encode()
    return toolsets.read_manifest(data)


def entries(manifest) -> list[dict[str, str]]:
    return toolsets.toolset(read(manifest))


def test_spec_example():
    tools = read(EXAMPLE_MANIFEST)
    assert canonical.dumps(tools[0].normalized()) == (
        '{"description":"Current weather for a city.","name":"get_weather","parameters":'
        '{"properties":{"city":{"type":"string"}},"required":["city"],"type":"object"},"version":""}'
    )
    expected = [
        {"name": "get_weather", "sha256": GET_WEATHER_SHA256},
        {"name": "search", "sha256": SEARCH_SHA256},
    ]
    assert toolsets.toolset(tools) == expected
    assert toolsets.toolset_hash(expected) == EXAMPLE_TOOLSET_SHA256
    # The manifest's order and the object form do not matter.
    assert entries({"tools": EXAMPLE_MANIFEST[::-1]}) == expected


@pytest.mark.parametrize("manifest", [b"[]", b'{"tools":[]}', b' [ ] '])
def test_empty_manifest(manifest):
    assert entries(manifest) == []
    assert toolsets.toolset_hash([]) == EMPTY_TOOLSET_SHA256 == hashlib.sha256(b"[]").hexdigest()


def test_the_three_shapes_normalize_alike():
    """Provedex, function and input-schema definitions of one tool have one digest."""
    provedex = {"name": "search", "description": "Web search.", "parameters": PARAMETERS}
    function = {
        "type": "function",
        "function": {
            "name": "search",
            "description": "Web search.",
            "parameters": PARAMETERS,
            "strict": True,
        },
    }
    anthropic = {"name": "search", "description": "Web search.", "input_schema": PARAMETERS}
    mcp = {"name": "search", "description": "Web search.", "inputSchema": PARAMETERS}
    digests = {entries([definition])[0]["sha256"] for definition in (provedex, function, anthropic, mcp)}
    assert len(digests) == 1
    normalized = {"description": "Web search.", "name": "search", "parameters": PARAMETERS, "version": ""}
    assert digests == {hashlib.sha256(canonical.dumps(normalized).encode()).hexdigest()}


def test_absent_members_take_their_defaults():
    (tool,) = read([{"name": "t"}])
    assert tool.normalized() == {"description": "", "name": "t", "parameters": {}, "version": ""}
    assert read([{"type": "function", "function": {"name": "t"}}]) == [tool]


def test_parameters_are_canonicalized():
    spaced = b'[{"name":"t","parameters":{ "b" : 1.0, "a" : [1e-7] }}]'
    compact = b'[{"name":"t","parameters":{"a":[0.0000001],"b":1.0}}]'
    assert entries(spaced) == entries(compact)
    assert entries(spaced) != entries(b'[{"name":"t","parameters":{"a":[0.0000001],"b":1}}]')


def test_every_member_changes_the_digest():
    base = {"name": "t", "version": "1", "description": "d", "parameters": {}}
    digest = entries([base])[0]["sha256"]
    for change in ({"version": "2"}, {"description": "e"}, {"parameters": {"type": "object"}}):
        assert entries([base | change])[0]["sha256"] != digest


def test_toolset_sorted_by_utf8_bytes():
    names = ["\U0001f600", "\uff21", "b", "B"]
    assert [entry["name"] for entry in entries([{"name": name} for name in names])] == [
        "B",
        "b",
        "\uff21",
        "\U0001f600",
    ]


@pytest.mark.parametrize(
    "manifest, named",
    [
        (b"", "strict JSON"),
        (b'[{"name":"a","name":"b"}]', "strict JSON"),
        (b'{"tools":[],"x":1}', "exactly one member"),
        (b"{}", "exactly one member"),
        (b'{"tools":{}}', "must be an array"),
        (b'"tools"', "a manifest must be"),
        (b"[1]", "tool #0"),
        (b'[{"name":"t","extra":1}]', "tool 't': member extra"),
        (b'[{"name":"t","title":"T","inputSchema":{}}]', "tool 't': member title"),
        (b'[{"name":1}]', "member name: must be a JSON string"),
        (b'[{"name":""}]', "member name: must not be empty"),
        (b'[{"description":"d"}]', "tool #0: member name: missing"),
        (b'[{"name":"t","version":1}]', "tool 't': member version"),
        (b'[{"name":"t","description":null}]', "tool 't': member description"),
        (b'[{"name":"t","parameters":[]}]', "tool 't': member parameters"),
        (b'[{"name":"t"},{"name":"t"}]', "tool 't': member name: two definitions"),
        (b'[{"name":"t"},{"type":"function","function":{"name":"t"}}]', "two definitions"),
        # Shapes that mix members of two shapes.
        (b'[{"name":"t","parameters":{},"input_schema":{}}]', "tool 't': member parameters"),
        (b'[{"name":"t","version":"1","inputSchema":{}}]', "tool 't': member version"),
        (b'[{"name":"t","input_schema":{},"inputSchema":{}}]', "input_schema and inputSchema"),
        (b'[{"name":"t","type":"function","function":{"name":"t"}}]', "tool 't': member name"),
        (b'[{"type":"function","function":{"name":"t","input_schema":{}}}]', "member function.input_schema"),
        (b'[{"type":"function","function":{"name":"t","version":"1"}}]', "member function.version"),
        # The function shape's own members.
        (b'[{"type":"tool","function":{"name":"t"}}]', "member type"),
        (b'[{"function":{"name":"t"}}]', "member type"),
        (b'[{"type":"function"}]', "member function: missing"),
        (b'[{"type":"function","function":[]}]', "member function: must be a JSON object"),
        (b'[{"type":"function","function":{"name":"t","strict":"yes"}}]', "member function.strict"),
        (b'[{"type":"function","function":{"name":""}}]', "member function.name: must not be empty"),
        (b'[{"name":"t","input_schema":true}]', "tool 't': member input_schema"),
    ],
)
def test_refused_manifests(manifest, named):
    with pytest.raises(ToolsetError, match=named.replace("(", r"\(")):
        toolsets.read_manifest(manifest)


def test_drift():
    pinned = entries([{"name": "keep"}, {"name": "change", "version": "1"}, {"name": "gone"}])
    manifest = read(
        [{"name": "keep"}, {"name": "change", "version": "2"}, {"name": "new"}, {"name": "added"}]
    )
    drift = toolsets.drift(manifest, pinned)
    assert (drift.added, drift.removed, drift.changed) == (["added", "new"], ["gone"], ["change"])
    assert not drift.none
    same = read([{"name": "gone"}, {"name": "keep"}, {"name": "change", "version": "1"}])
    assert toolsets.drift(same, pinned).none


def test_no_drift_exactly_when_the_hashes_agree():
    pinned = entries(EXAMPLE_MANIFEST)
    for manifest in (EXAMPLE_MANIFEST, EXAMPLE_MANIFEST[:1], [{"name": "search"}, EXAMPLE_MANIFEST[0]]):
        tools = read(manifest)
        same_hash = toolsets.toolset_hash(toolsets.toolset(tools)) == toolsets.toolset_hash(pinned)
        assert toolsets.drift(tools, pinned).none == same_hash
