"""Toolsets of spec/toolsets.md: manifests, normalized tool definitions, digests, the toolset hash
and drift from a pinned toolset.

A manifest is refused (ToolsetError) rather than read leniently whenever something in it would
change a tool without changing its digest: an unknown member, a member of the wrong type, a shape
mixing members of two shapes, an empty or shared name.
"""

import hashlib
from dataclasses import dataclass
from typing import Any

from . import canonical
from .bugs import planted


class ToolsetError(ValueError):
    """A manifest that toolsets.md refuses; the message names the tool and the member."""


@dataclass(frozen=True)
class Tool:
    """A normalized tool definition and its digest."""

    name: str
    version: str
    description: str
    parameters: dict[str, Any]

    def normalized(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "name": self.name,
            "parameters": self.parameters,
            "version": self.version,
        }

    @property
    def sha256(self) -> str:
        """SHA-256 of the canonical JSON of the normalized definition, as lowercase hex."""
        return hashlib.sha256(canonical.dumps(self.normalized()).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Drift:
    """How a manifest differs from a pinned toolset, each list sorted by name (UTF-8 bytes)."""

    added: list[str]
    removed: list[str]
    changed: list[str]

    @property
    def none(self) -> bool:
        return not (self.added or self.removed or self.changed)


_PROVEDEX_MEMBERS = ("name", "version", "description", "parameters")
_FUNCTION_MEMBERS = ("type", "function")
_FUNCTION_INNER_MEMBERS = ("name", "description", "parameters", "strict")
_SCHEMA_KEYS = ("input_schema", "inputSchema")
_INPUT_SCHEMA_MEMBERS = ("name", "description", *_SCHEMA_KEYS)
_TYPES = {"string": str, "object": dict, "boolean": bool}


def read_manifest(data: bytes) -> list[Tool]:
    """The normalized tools of a manifest document, in manifest order; ToolsetError if refused."""
    try:
        document = canonical.parse(data)
    except canonical.CanonicalError as error:
        raise ToolsetError(f"the manifest is not strict JSON ({error})") from None
    if type(document) is dict:
        if list(document) != ["tools"]:
            raise ToolsetError("a manifest object must have exactly one member, tools")
        document = document["tools"]
        if type(document) is not list:
            raise ToolsetError("the manifest's tools member must be an array")
    elif type(document) is not list:
        raise ToolsetError("a manifest must be an array of tool definitions or an object {tools: [...]}")
    tools, names = [], set()
    for index, definition in enumerate(document):
        tool = normalize(definition, index)
        if tool.name in names:
            raise ToolsetError(f"tool {tool.name!r}: member name: two definitions share this name")
        names.add(tool.name)
        tools.append(tool)
    return tools


def normalize(definition: Any, index: int) -> Tool:
    """One tool definition of any of the three shapes, normalized."""
    if type(definition) is not dict:
        raise ToolsetError(f"tool #{index}: a tool definition must be an object")
    label = _label(definition, index)
    if "type" in definition or "function" in definition:
        _only(definition, _FUNCTION_MEMBERS, label)
        if definition.get("type") != "function":
            raise ToolsetError(f"{label}: member type: must be the string \"function\"")
        inner = _member(definition, "function", "object", label, required=True)
        label = _label(inner, index)
        _only(inner, _FUNCTION_INNER_MEMBERS, label, "function.")
        _member(inner, "strict", "boolean", label, prefix="function.")
        return Tool(
            name=_name(inner, label, "function."),
            version="",
            description=_member(inner, "description", "string", label, "", prefix="function."),
            parameters=_member(inner, "parameters", "object", label, {}, prefix="function."),
        )
    present = [key for key in _SCHEMA_KEYS if key in definition]
    if present:
        _only(definition, _INPUT_SCHEMA_MEMBERS, label)
        if len(present) > 1:
            raise ToolsetError(f"{label}: members input_schema and inputSchema: only one may be given")
        return Tool(
            name=_name(definition, label),
            version="",
            description=_member(definition, "description", "string", label, ""),
            parameters=_member(definition, present[0], "object", label, required=True),
        )
    _only(definition, _PROVEDEX_MEMBERS, label)
    return Tool(
        name=_name(definition, label),
        version=_member(definition, "version", "string", label, ""),
        description=_member(definition, "description", "string", label, ""),
        parameters=_member(definition, "parameters", "object", label, {}),
    )


def name_order(name: str) -> bytes:
    """The sort key of a tool name, in a toolset and in a ToolsetPinned line: its UTF-8 bytes."""
    if planted("toolset_order_utf16"):
        # PLANTED BUG toolset_order_utf16: UTF-16 code units, the order of JavaScript and Java strings.
        return name.encode("utf-16-be")
    return name.encode("utf-8")


def toolset(tools: list[Tool]) -> list[dict[str, str]]:
    """The toolset: {name, sha256} per tool, sorted by the UTF-8 bytes of the names."""
    ordered = sorted(tools, key=lambda tool: name_order(tool.name))
    return [{"name": tool.name, "sha256": tool.sha256} for tool in ordered]


def toolset_hash(entries: list[dict[str, str]]) -> str:
    """SHA-256 of the canonical JSON of a toolset, as lowercase hex."""
    return hashlib.sha256(canonical.dumps(entries).encode("utf-8")).hexdigest()


def drift(manifest_tools: list[Tool], pinned: list[dict[str, str]]) -> Drift:
    """Compare a manifest's tools with a pinned toolset (a ToolsetPinned event's `tools`), by name."""
    current = {entry["name"]: entry["sha256"] for entry in toolset(manifest_tools)}
    pinned_digests = {entry["name"]: entry["sha256"] for entry in pinned}

    def by_name(names) -> list[str]:
        return sorted(names, key=name_order)

    return Drift(
        added=by_name(current.keys() - pinned_digests.keys()),
        removed=by_name(pinned_digests.keys() - current.keys()),
        changed=by_name(
            name for name in current.keys() & pinned_digests.keys() if current[name] != pinned_digests[name]
        ),
    )


def _label(definition: dict[str, Any], index: int) -> str:
    name = definition.get("name")
    return f"tool {name!r}" if type(name) is str and name else f"tool #{index}"


def _only(definition: dict[str, Any], allowed: tuple[str, ...], label: str, prefix: str = "") -> None:
    for key in definition:
        if key not in allowed:
            raise ToolsetError(f"{label}: member {prefix}{key}: not a member of this tool shape")


def _name(definition: dict[str, Any], label: str, prefix: str = "") -> str:
    name = _member(definition, "name", "string", label, required=True, prefix=prefix)
    if not name:
        raise ToolsetError(f"{label}: member {prefix}name: must not be empty")
    return name


def _member(
    definition: dict[str, Any],
    key: str,
    kind: str,
    label: str,
    default: Any = None,
    *,
    required: bool = False,
    prefix: str = "",
) -> Any:
    """The member `key` of JSON kind `kind`, or `default` when it is absent and not required."""
    if key not in definition:
        if required:
            raise ToolsetError(f"{label}: member {prefix}{key}: missing")
        return default
    value = definition[key]
    if type(value) is not _TYPES[kind]:
        raise ToolsetError(f"{label}: member {prefix}{key}: must be a JSON {kind}")
    return value
