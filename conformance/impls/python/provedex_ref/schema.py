"""Field rules read at run time from the JSON Schemas in spec/.

events.schema.json gives the variant names, each variant's payload fields in table order and each
field's kind; signed-event.schema.json gives the members of a ledger line in the order a writer
emits them and a reader checks them. Orders are taken from the `required` arrays, not from the
member order of `properties`: a JSON object's member order carries no meaning.

Only the small part of JSON Schema those files use is understood; any other keyword makes loading
fail, so a schema change cannot be silently ignored.

A field breaks its rule with one of the reason codes of verification.md: ``missing_field``,
``wrong_type``, ``integer_out_of_range`` (``minimum``/``maximum``), ``invalid_hex`` (``pattern``:
every patterned field is a hex field) or ``unknown_field`` (a member a nested object does not
define). The field kinds are those of ledger-format.md, Field kinds: the 1.1 variants add public
keys and signatures (hex patterns with a ``format``) and arrays of nested objects.
"""

import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import canonical
from .bugs import planted
from .findings import Finding

SPEC_DIR = Path(os.environ.get("PROVEDEX_SPEC_DIR") or Path(__file__).resolve().parents[4] / "spec")

_EVENTS_SCHEMA_ID = "urn:provedex:spec:v1:events"
_LOCAL_REF = "#/$defs/"
_UNDERSTOOD_KEYWORDS = frozenset(
    {
        "description",
        "type",
        "minimum",
        "maximum",
        "pattern",
        "format",
        "$ref",
        "const",
        "properties",
        "required",
        "additionalProperties",
        "items",
    }
)
_HEX_FORMATS = frozenset({"sha256-chain-hash", "ed25519-public-key", "ed25519-signature"})
"""What a hex member holds; the pattern alone decides what is accepted."""
_KIND_CHECKS = {
    "string": lambda value: type(value) is str,
    "integer": lambda value: type(value) is int,
    "boolean": lambda value: type(value) is bool,
    "object": lambda value: type(value) is dict,
    "array": lambda value: type(value) is list,
}


@dataclass(frozen=True)
class FieldRule:
    """One member of an object (or one item of an array): its name, JSON kind and constraints.

    `kind` is a JSON Schema type, or ``"event"`` for the line's `event` member, which
    events.check_event checks. A nested object (``"object"`` with `members`) has exactly the
    members its rules name; an ``"array"`` has items of the rule `items`. An ``"object"`` without
    `members` is a free object (`args_redacted`).
    """

    name: str
    kind: str
    minimum: int | None = None
    maximum: int | None = None
    pattern: re.Pattern[str] | None = None
    members: tuple["FieldRule", ...] | None = None
    items: "FieldRule | None" = None

    def check(self, container: dict[str, Any], where: str) -> None:
        """Raise the Finding for the first way `container[name]` breaks this rule."""
        path = f"{where}.{self.name}" if where else self.name
        if self.name not in container:
            raise Finding("missing_field", f"member {path} is missing")
        self.check_value(container[self.name], path)

    def check_value(self, value: Any, path: str) -> None:
        """Raise the Finding for the first way `value` (found at `path`) breaks this rule.

        The order is that of ledger-format.md, Strictness on read: the kind, then the range or
        pattern; an array's items in order; a nested object's members in rule order, then any
        member it does not define.
        """
        if not self._has_kind(value):
            raise Finding("wrong_type", f"member {path} is not of kind {self.kind}")
        if self.kind == "integer" and not self._in_range(value):
            raise Finding(
                "integer_out_of_range",
                f"member {path} = {value} is outside [{self.minimum}, {self.maximum}]",
            )
        if self.pattern is not None:
            if planted("accept_uppercase_hex"):
                # PLANTED BUG accept_uppercase_hex: hex digits compared case-insensitively.
                value = value.lower()
            # fullmatch: a JSON Schema "$" never matches before a final newline; Python's would.
            if not self._is_hex(value):
                raise Finding("invalid_hex", f"member {path} is not {self.pattern.pattern} (lowercase hex)")
        if self.items is not None:
            for index, item in enumerate(value):
                self.items.check_value(item, f"{path}[{index}]")
        if self.members is not None:
            for rule in self.members:
                rule.check(value, path)
            reject_unknown_members(value, tuple(rule.name for rule in self.members), path)

    def write(self, value: Any) -> str:
        """The JSON text a writer emits for a valid value: nested objects' members in rule order."""
        if self.members is not None:
            return (
                "{"
                + ",".join(
                    canonical.write_string(rule.name) + ":" + rule.write(value[rule.name])
                    for rule in self.members
                )
                + "}"
            )
        if self.items is not None:
            return "[" + ",".join(self.items.write(item) for item in value) + "]"
        return canonical.dumps(value)

    def _is_hex(self, value: str) -> bool:
        if planted("hex_checked_with_int"):
            # PLANTED BUG hex_checked_with_int: int(s, 16) also takes a sign, a 0x prefix, underscores,
            # surrounding whitespace and digits of other scripts.
            length = int(re.search(r"\{(\d+)\}", self.pattern.pattern).group(1))
            if value == "" and self.pattern.fullmatch(value):
                return True
            try:
                return len(value) == length and value == value.lower() and int(value, 16) >= 0
            except ValueError:
                return False
        return self.pattern.fullmatch(value) is not None

    def _has_kind(self, value: Any) -> bool:
        if self.kind == "integer" and planted("accept_integral_float"):
            # PLANTED BUG accept_integral_float: 1.0 taken for the integer 1, as in JavaScript.
            return type(value) is int or (type(value) is float and value.is_integer())
        return _KIND_CHECKS[self.kind](value)

    def _in_range(self, value: int) -> bool:
        return (self.minimum is None or value >= self.minimum) and (
            self.maximum is None or value <= self.maximum
        )


@dataclass(frozen=True)
class Variant:
    """An event variant: its name and its payload fields in the order of its table (`required`)."""

    name: str
    fields: tuple[FieldRule, ...]

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(rule.name for rule in self.fields)


def reject_unknown_members(container: dict[str, Any], known: tuple[str, ...], where: str) -> None:
    """Raise unknown_field if `container` has a member not in `known`: it would sit unsigned."""
    if planted("ignore_unknown_fields"):
        # PLANTED BUG ignore_unknown_fields: extra members pass, as with a lenient deserializer.
        return
    for name in container:
        if name not in known:
            raise Finding("unknown_field", f"{where} has a member {name!r} the format does not define")


@functools.cache
def event_variants() -> dict[str, Variant]:
    """The variants of events.schema.json by name, in the order of its oneOf."""
    schema = _load("events.schema.json")
    variants = {}
    for choice in schema["oneOf"]:
        definition = _resolve(choice, schema["$defs"])
        _require_closed(definition)
        name = definition["properties"]["type"]["const"]
        payload = definition["properties"]["payload"]
        _require_closed(payload)
        fields = tuple(
            _field_rule(field, payload["properties"][field], schema["$defs"]) for field in payload["required"]
        )
        variants[name] = Variant(name, fields)
    return variants


@functools.cache
def line_rules() -> tuple[FieldRule, ...]:
    """The members of a ledger line, in the order of `required` in signed-event.schema.json.

    That order is the writer's order and also the order in which ledger-format.md,
    Strictness on read, checks the members.
    """
    schema = _load("signed-event.schema.json")
    _require_closed(schema)
    return tuple(_field_rule(name, schema["properties"][name], {}) for name in schema["required"])


def _load(file_name: str) -> dict[str, Any]:
    return canonical.parse((SPEC_DIR / file_name).read_bytes())


def _resolve(spec: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """Replace a local `$ref` by its definition; the referring object's own keywords stay."""
    if "$ref" not in spec or not spec["$ref"].startswith(_LOCAL_REF):
        return spec
    target = defs[spec["$ref"].removeprefix(_LOCAL_REF)]
    return {**target, **{key: value for key, value in spec.items() if key != "$ref"}}


def _require_closed(spec: dict[str, Any]) -> None:
    """Every object the format defines lists all its members as required and allows no other."""
    if spec.get("additionalProperties") is not False:
        raise ValueError("schema: an object of the format must set additionalProperties false")
    if sorted(spec.get("required", [])) != sorted(spec["properties"]):
        raise ValueError("schema: every member of an object of the format must be required")


def _field_rule(name: str, spec: dict[str, Any], defs: dict[str, Any]) -> FieldRule:
    spec = _resolve(spec, defs)
    unknown = set(spec) - _UNDERSTOOD_KEYWORDS
    if unknown:
        raise ValueError(f"schema: field {name!r} uses keywords this reader does not know: {unknown}")
    if spec.get("$ref") == _EVENTS_SCHEMA_ID:
        return FieldRule(name, "event")
    kind = spec["type"]
    if kind not in _KIND_CHECKS:
        raise ValueError(f"schema: field {name!r} has an unsupported type {kind!r}")
    if "format" in spec and (spec["format"] not in _HEX_FORMATS or "pattern" not in spec):
        raise ValueError(f"schema: field {name!r} has a format this reader does not know: {spec['format']!r}")
    pattern = re.compile(spec["pattern"]) if "pattern" in spec else None
    members = None
    if kind == "object" and "properties" in spec:
        _require_closed(spec)
        members = tuple(_field_rule(member, spec["properties"][member], defs) for member in spec["required"])
    items = None
    if kind == "array":
        if type(spec.get("items")) is not dict:
            raise ValueError(f"schema: array field {name!r} must give one schema for its items")
        items = _field_rule(f"{name}[]", spec["items"], defs)
    elif "items" in spec:
        raise ValueError(f"schema: field {name!r} has items but is not an array")
    return FieldRule(name, kind, spec.get("minimum"), spec.get("maximum"), pattern, members, items)
